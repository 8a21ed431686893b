"""Section 1 and 2: the restore request's 400 rules, the 412 rule, and what the restore builds."""

import ipaddress

import pytest

from tests.emulator_tests.helpers import DAY_MS, cluster_path, restore_path
from tests.support.emulator import (INVENTORY_DEV_ID, LEGACY_NOBACKUP_ID, ORDERS_PROD_ADDED_NODE_ID,
                                    ORDERS_PROD_EAST_DC_ID as EAST_ID, ORDERS_PROD_ID)


def orders_dc_ids(emulator):
    return {dc["cdc_name"]: dc["id"] for dc in emulator.cluster_state(ORDERS_PROD_ID)["data_centres"]}


def inventory_dc_id(emulator):
    return emulator.cluster_state(INVENTORY_DEV_ID)["data_centres"][0]["id"]


def same_vpc(dc_id):
    return {"cdcId": dc_id, "restoreToSameVpc": True}


BAD_BODIES = {
    # id: (body or a function of (emulator, now) giving it, the field the answer must name)
    "name-too-short": ({"clusterNameOverride": "ab"}, "clusterNameOverride"),
    "name-too-long": ({"clusterNameOverride": "a" * 49}, "clusterNameOverride"),
    "name-bad-first-char": ({"clusterNameOverride": "-restore"}, "clusterNameOverride"),
    "name-space": ({"clusterNameOverride": "my restore"}, "clusterNameOverride"),
    "name-not-string": ({"clusterNameOverride": 12345}, "clusterNameOverride"),
    "pit-before-2015": ({"pointInTime": 1420070399999}, "pointInTime"),
    "pit-string": ({"pointInTime": "1700000000000"}, "pointInTime"),
    "pit-float": ({"pointInTime": 1.7e12}, "pointInTime"),
    "pit-bool": ({"pointInTime": True}, "pointInTime"),
    "pit-future": (lambda emulator, now: {"pointInTime": now + DAY_MS}, "pointInTime"),
    "tables-no-dot": ({"keyspaceTables": "orders"}, "keyspaceTables"),
    "tables-empty-table": ({"keyspaceTables": "orders."}, "keyspaceTables"),
    "tables-three-parts": ({"keyspaceTables": "a.b.c"}, "keyspaceTables"),
    "tables-empty-entry": ({"keyspaceTables": "ks.t1,,ks.t2"}, "keyspaceTables"),
    "tables-not-string": ({"keyspaceTables": ["ks.t1"]}, "keyspaceTables"),
    "network-no-prefix": ({"clusterNetwork": "10.0.0.0"}, "clusterNetwork"),
    "network-bad-octet": ({"clusterNetwork": "300.0.0.0/16"}, "clusterNetwork"),
    "network-bad-prefix": ({"clusterNetwork": "10.0.0.0/33"}, "clusterNetwork"),
    "network-ipv6": ({"clusterNetwork": "fd00::/64"}, "clusterNetwork"),
    "cdc-infos-not-list": ({"cdcInfos": {"cdcId": EAST_ID}}, "cdcInfos"),
    "cdc-infos-one-of-two": (lambda emulator, now: {"cdcInfos": [same_vpc(EAST_ID)]}, "cdcInfos"),
    "cdc-infos-duplicate": (lambda emulator, now: {"cdcInfos": [same_vpc(EAST_ID), same_vpc(EAST_ID)]}, "cdcInfos"),
    "cdc-info-no-vpc-choice": (lambda emulator, now: {"cdcInfos": [
        {"cdcId": dc_id} for dc_id in orders_dc_ids(emulator).values()]}, "cdcInfos[0]"),
    "cdc-info-both-vpc-choices": (lambda emulator, now: {"cdcInfos": [
        {"cdcId": dc_id, "restoreToSameVpc": True, "customVpcId": "vpc-1"}
        for dc_id in orders_dc_ids(emulator).values()]}, "cdcInfos[0]"),
    "cdc-info-not-of-source": (lambda emulator, now: {"cdcInfos": [
        same_vpc(EAST_ID), same_vpc(inventory_dc_id(emulator))]}, "cdcInfos[1].cdcId"),
    "cdc-info-id-not-uuid": ({"cdcInfos": [{"cdcId": "east", "restoreToSameVpc": True}]}, "cdcInfos[0].cdcId"),
    "cdc-info-bad-vpc-network": (lambda emulator, now: {"cdcInfos": [
        {"cdcId": dc_id, "customVpcId": "vpc-1", "customVpcNetwork": "10.0.0.0/40"}
        for dc_id in orders_dc_ids(emulator).values()]}, "cdcInfos[0].customVpcNetwork"),
    "body-array": ([{"clusterNameOverride": "abc"}], "body"),
}


@pytest.mark.parametrize("case", sorted(BAD_BODIES))
def test_each_schema_violation_is_400_naming_the_field(emulator, api, case):
    body, field = BAD_BODIES[case]
    if callable(body):
        body = body(emulator, emulator.now_ms())
    response = api.post(restore_path(ORDERS_PROD_ID), json=body)
    assert response.status_code == 400, response.text
    error = response.json()
    assert error["errorDetails"]["field"] == field
    assert error["message"].startswith(field + ":")
    assert not any(cluster["created_by_restore"] for cluster in emulator.clusters())


def test_body_that_is_not_json_is_400(emulator, api):
    response = api.post(restore_path(ORDERS_PROD_ID), data=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["errorDetails"]["field"] == "body"


def test_no_complete_backup_is_412_with_the_precondition_shape(emulator, api):
    response = api.post(restore_path(LEGACY_NOBACKUP_ID), json={"clusterNameOverride": "legacy-copy"})
    assert response.status_code == 412
    body = response.json()
    assert (body["cluster"], body["status"]) == (LEGACY_NOBACKUP_ID, "Pre-condition failed")
    assert "backup" in body["reason"]
    assert len(emulator.clusters()) == 3


def test_point_in_time_before_the_first_snapshot_in_the_window_is_412(emulator, api):
    almost_seven_days_ago = emulator.now_ms() - 7 * DAY_MS + 60 * 1000
    response = api.post(restore_path(ORDERS_PROD_ID), json={"pointInTime": almost_seven_days_ago})
    assert response.status_code == 412


def added_node(emulator):
    """orders-prod's node added 2 days ago (the newest node)."""
    nodes = [node for dc in emulator.cluster_state(ORDERS_PROD_ID)["data_centres"] for node in dc["nodes"]]
    return max(nodes, key=lambda node: node["created_at_ms"])


def test_node_existing_without_a_completed_snapshot_yet_is_412_naming_it(emulator, api):
    node = added_node(emulator)
    assert node["id"] == ORDERS_PROD_ADDED_NODE_ID
    response = api.post(restore_path(ORDERS_PROD_ID), json={"pointInTime": node["created_at_ms"] + 60 * 1000})
    assert response.status_code == 412
    assert node["id"] in response.json()["reason"]


def restored_details(api, body, source=ORDERS_PROD_ID):
    response = api.post(restore_path(source), json=body)
    assert response.status_code == 200, response.text
    restored_id = response.json()["restoredCluster"]
    return restored_id, api.get(cluster_path(restored_id)).json()


def racks_by_dc(details):
    return {dc["cdcName"]: sorted(node["rack"] for node in dc["nodes"]) for dc in details["dataCentres"]}


def test_restore_to_three_days_ago_leaves_out_the_node_added_two_days_ago(emulator, api):
    pit = emulator.now_ms() - 3 * DAY_MS
    restored_id, details = restored_details(api, {"clusterNameOverride": "orders-3-days", "pointInTime": pit})
    assert racks_by_dc(details) == {"AWS_VPC_US_EAST_1": ["us-east-1a", "us-east-1b", "us-east-1c"],
                                    "AWS_VPC_US_WEST_2": ["us-west-2a", "us-west-2b"]}
    assert emulator.cluster_state(restored_id)["node_count"] == 5
    source = emulator.cluster_state(ORDERS_PROD_ID)["data_centres"]
    source_node_ids = {node["id"] for dc in source for node in dc["nodes"]}
    assert not source_node_ids & {node["id"] for dc in details["dataCentres"] for node in dc["nodes"]}


def test_restore_to_now_keeps_every_node(emulator, api):
    _restored_id, details = restored_details(api, {"clusterNameOverride": "orders-now"})
    assert racks_by_dc(details) == {"AWS_VPC_US_EAST_1": ["us-east-1a", "us-east-1a", "us-east-1b", "us-east-1c"],
                                    "AWS_VPC_US_WEST_2": ["us-west-2a", "us-west-2b"]}


def test_new_cluster_is_listed_at_once_as_provisioning(emulator, api):
    restored_id, details = restored_details(api, {"clusterNameOverride": "orders-listed"})
    listed = {item["id"]: item for item in api.get("/provisioning/v1").json()}
    assert listed[restored_id]["name"] == "orders-listed"
    assert listed[restored_id]["derivedStatus"] == "PROVISIONING"
    assert details["clusterStatus"] == "PROVISIONING"


def test_default_name_is_source_name_restored_timestamp(emulator, api):
    _restored_id, details = restored_details(api, {})
    assert details["clusterName"].startswith("orders-prod restored 20")


def test_empty_body_restores_to_now(emulator, api):
    response = api.post(restore_path(ORDERS_PROD_ID), data=b"", headers={"Content-Type": "application/json"})
    assert response.status_code == 200
    request = emulator.cluster_state(response.json()["restoredCluster"])["restore"]["request"]
    assert request["point_in_time_defaulted"] is True
    assert abs(request["point_in_time_ms"] - emulator.now_ms()) < 60 * 1000


def test_cluster_network_becomes_each_data_centres_network(api):
    _restored_id, details = restored_details(api, {"clusterNameOverride": "orders-net", "clusterNetwork": "10.50.0.0/16"})
    for dc in details["dataCentres"]:
        assert dc["cdcNetwork"] == "10.50.0.0/16"
        for node in dc["nodes"]:
            assert ipaddress.IPv4Address(node["privateAddress"]) in ipaddress.IPv4Network("10.50.0.0/16")


def test_two_data_centres_restored_into_one_cluster_network_get_unique_addresses(api):
    # orders-prod has two data centres: each keeps the requested range, no address repeats across them.
    _restored_id, details = restored_details(api, {"clusterNameOverride": "orders-net2", "clusterNetwork": "10.20.0.0/16"})
    assert len(details["dataCentres"]) == 2
    assert {dc["cdcNetwork"] for dc in details["dataCentres"]} == {"10.20.0.0/16"}
    addresses = [node["privateAddress"] for dc in details["dataCentres"] for node in dc["nodes"]]
    assert len(addresses) == 6 and len(set(addresses)) == len(addresses), addresses
    assert all(ipaddress.IPv4Address(address) in ipaddress.IPv4Network("10.20.0.0/16") for address in addresses)


def test_custom_vpc_network_applies_per_data_centre(emulator, api):
    ids = orders_dc_ids(emulator)
    body = {"clusterNameOverride": "orders-vpc", "clusterNetwork": "10.50.0.0/16", "cdcInfos": [
        {"cdcId": ids["AWS_VPC_US_EAST_1"], "customVpcId": "vpc-0abc1234", "customVpcNetwork": "10.60.0.0/16"},
        {"cdcId": ids["AWS_VPC_US_WEST_2"], "restoreToSameVpc": True}]}
    restored_id, details = restored_details(api, body)
    networks = {dc["cdcName"]: dc["cdcNetwork"] for dc in details["dataCentres"]}
    assert networks == {"AWS_VPC_US_EAST_1": "10.60.0.0/16", "AWS_VPC_US_WEST_2": "10.50.0.0/16"}
    vpcs = {dc["cdc_name"]: dc["custom_vpc_id"] for dc in emulator.cluster_state(restored_id)["data_centres"]}
    assert vpcs == {"AWS_VPC_US_EAST_1": "vpc-0abc1234", "AWS_VPC_US_WEST_2": None}


def test_admin_state_keeps_the_restore_request_as_received(emulator, api):
    pit = emulator.now_ms() - DAY_MS
    body = {"clusterNameOverride": "orders-audit", "pointInTime": pit, "keyspaceTables": "orders.by_id,orders.by_day",
            "clusterNetwork": "10.70.0.0/16", "indexNames": "ignored-extra-field"}
    restored_id, _details = restored_details(api, body)
    state = emulator.cluster_state(restored_id)
    request = state["restore"]["request"]
    assert request["body"] == body
    assert request["keyspace_tables"] == ["orders.by_id", "orders.by_day"]
    assert (request["cluster_network"], request["point_in_time_ms"], request["source_cluster_id"]) == (
        "10.70.0.0/16", pit, ORDERS_PROD_ID)
    assert state["created_by_restore"] is True and state["source_cluster_id"] == ORDERS_PROD_ID


def test_each_restore_makes_a_new_cluster_even_with_the_same_name(emulator, api):
    first, _details = restored_details(api, {"clusterNameOverride": "orders-twice"})
    second, _details = restored_details(api, {"clusterNameOverride": "orders-twice"})
    assert first != second
    assert [c["name"] for c in emulator.clusters()].count("orders-twice") == 2
