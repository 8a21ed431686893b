"""v2 restores: the 400 rules per application, cdcConfigs, the 412 rule, and one world seen
through both versions (a restore through either is visible through the other)."""

import pytest

from tests.support.emulator import (INVENTORY_DEV_DC_ID, INVENTORY_DEV_ID, ORDERS_PROD_EAST_DC_ID as EAST_ID,
                                    ORDERS_PROD_ID, ORDERS_PROD_WEST_DC_ID as WEST_ID, PAYMENTS_PG_ID, SEARCH_OS_ID,
                                    SESSIONS_REDIS_ID, v2_path)

SOURCE = {"cassandra": ORDERS_PROD_ID, "postgresql": PAYMENTS_PG_ID, "opensearch": SEARCH_OS_ID,
          "redis": SESSIONS_REDIS_ID}
BAD = {
    # id: (application, extra body fields, the field the answer names)
    "no-cluster-id": ("cassandra", {"clusterId": None}, "clusterId"),
    "cluster-id-not-uuid": ("cassandra", {"clusterId": "orders"}, "clusterId"),
    "name-too-short": ("cassandra", {"restoredClusterName": "ab"}, "restoredClusterName"),
    "name-space": ("postgresql", {"restoredClusterName": "my copy"}, "restoredClusterName"),
    "v1-name-field": ("cassandra", {"clusterNameOverride": "abc"}, "clusterNameOverride"),
    "v1-cdc-field": ("cassandra", {"cdcInfos": []}, "cdcInfos"),
    "pit-future": ("cassandra", {"pointInTime": "2999-01-01T00:00:00Z"}, "pointInTime"),
    "tables-bad": ("cassandra", {"keyspaceTables": "orders"}, "keyspaceTables"),
    "tables-on-postgresql": ("postgresql", {"keyspaceTables": "ks.t"}, "keyspaceTables"),
    "network-bad": ("cassandra", {"clusterNetwork": "10.0.0.0"}, "clusterNetwork"),
    "network-on-opensearch": ("opensearch", {"clusterNetwork": "10.0.0.0/16"}, "clusterNetwork"),
    "network-on-redis": ("redis", {"clusterNetwork": "10.0.0.0/16"}, "clusterNetwork"),
    "indices-on-cassandra": ("cassandra", {"indexNames": "idx"}, "indexNames"),
    "indices-bad": ("opensearch", {"indexNames": "Bad Index"}, "indexNames"),
    "cdc-not-list": ("cassandra", {"cdcConfigs": {"cdcId": EAST_ID}}, "cdcConfigs"),
    "cdc-no-mode": ("cassandra", {"cdcConfigs": [{"cdcId": EAST_ID}]}, "cdcConfigs[0].restoreMode"),
    "cdc-bad-mode": ("cassandra", {"cdcConfigs": [{"cdcId": EAST_ID, "restoreMode": "OLD_VPC"}]},
                     "cdcConfigs[0].restoreMode"),
    "cdc-not-of-source": ("cassandra", {"cdcConfigs": [{"cdcId": INVENTORY_DEV_DC_ID, "restoreMode": "NEW_VPC"}]},
                          "cdcConfigs[0].cdcId"),
    "cdc-twice": ("cassandra", {"cdcConfigs": [{"cdcId": EAST_ID, "restoreMode": "NEW_VPC"}] * 2}, "cdcConfigs"),
    "cdc-custom-without-settings": ("cassandra", {"cdcConfigs": [{"cdcId": EAST_ID, "restoreMode": "CUSTOM_VPC"}]},
                                    "cdcConfigs[0].customVpcSettings"),
    "cdc-custom-bad-network": ("cassandra", {"cdcConfigs": [{"cdcId": EAST_ID, "restoreMode": "CUSTOM_VPC",
                                                             "customVpcSettings": {"vpcId": "vpc-1", "network": "x"}}]},
                               "cdcConfigs[0].customVpcSettings.network"),
    "cdc-settings-without-custom": ("cassandra", {"cdcConfigs": [{"cdcId": EAST_ID, "restoreMode": "SAME_VPC",
                                                                  "customVpcSettings": {"vpcId": "v", "network": "10.0.0.0/16"}}]},
                                    "cdcConfigs[0].customVpcSettings"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_each_rule_is_400_naming_the_field_and_restores_nothing(v2, case):
    application, extra, field = BAD[case]
    body = {"clusterId": SOURCE[application], "restoredClusterName": "bad-input", **extra}
    body = {name: value for name, value in body.items() if value is not None}
    response = v2.post(v2_path(application, "restore"), json=body)
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["name"] == field
    assert not [c for c in v2.emulator.clusters() if c["name"] == "bad-input"]


@pytest.mark.parametrize("raw", [b"", b"{not json", b"[]"], ids=["empty", "not-json", "array"])
def test_a_body_that_is_not_an_object_is_400(v2, raw):
    response = v2.post(v2_path("cassandra", "restore"), data=raw, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["name"] in ("body", "clusterId")


def test_cdc_configs_may_name_any_subset_and_place_each_data_centre(v2):
    body = {"clusterId": ORDERS_PROD_ID, "restoredClusterName": "placed", "clusterNetwork": "10.50.0.0/16",
            "keyspaceTables": "orders.by_id,orders.by_customer",
            "cdcConfigs": [{"cdcId": WEST_ID, "restoreMode": "CUSTOM_VPC",
                            "customVpcSettings": {"vpcId": "vpc-0abc", "network": "10.60.0.0/16"}}]}
    new_id = v2.post(v2_path("cassandra", "restore"), json=body).json()["restoredClusterId"]
    state = v2.emulator.cluster_state(new_id)
    networks = {dc["cdc_name"]: (dc["network"], dc["custom_vpc_id"]) for dc in state["data_centres"]}
    assert networks == {"AWS_VPC_US_EAST_1": ("10.50.0.0/16", None), "AWS_VPC_US_WEST_2": ("10.60.0.0/16", "vpc-0abc")}
    request = state["restore"]["request"]
    assert request["keyspace_tables"] == ["orders.by_id", "orders.by_customer"]
    assert [config["restore_mode"] for config in request["cdc_infos"]] == ["CUSTOM_VPC"]
    gotten = v2.get(v2_path("cassandra", "cluster", new_id)).json()
    assert {dc["name"]: dc["network"] for dc in gotten["dataCentres"]} == {
        "AWS_VPC_US_EAST_1": "10.50.0.0/16", "AWS_VPC_US_WEST_2": "10.60.0.0/16"}


def test_opensearch_restore_takes_index_names_and_op_style_null_vpc_settings(v2):
    dc_id = v2.emulator.cluster_state(SEARCH_OS_ID)["data_centres"][0]["id"]
    body = {"clusterId": SEARCH_OS_ID, "restoredClusterName": "search-copy", "indexNames": "orders-2024,logs-*",
            "cdcConfigs": [{"cdcId": dc_id, "restoreMode": "NEW_VPC", "customVpcSettings": None}]}
    response = v2.post(v2_path("opensearch", "restore"), json=body)
    assert response.status_code == 202, response.text
    request = v2.emulator.cluster_state(response.json()["restoredClusterId"])["restore"]["request"]
    assert request["index_names"] == ["orders-2024", "logs-*"]


def test_a_point_in_time_before_the_cluster_existed_is_412(v2):
    response = v2.post(v2_path("postgresql", "restore"),
                       json={"clusterId": PAYMENTS_PG_ID, "pointInTime": "2020-01-01T00:00:00Z"})
    assert response.status_code == 412 and response.json()["errors"][0]["name"] == "pointInTime"


def test_a_v1_restore_is_visible_through_v2(v2):
    v2.emulator.settings(restore_duration=600)
    answer = v2.post("/provisioning/v1/%s/backups/restore" % INVENTORY_DEV_ID, json={"clusterNameOverride": "via-v1"})
    new_id = answer.json()["restoredCluster"]
    listed = {c["id"]: c["application"] for account in v2.get("/cluster-management/v2/data-sources/clusters/v2").json()
              for c in account["clusters"]}
    assert listed[new_id] == "APACHE_CASSANDRA"
    path = v2_path("cassandra", "cluster", new_id)
    assert v2.get(path).json()["name"] == "via-v1"
    v2.emulator.advance(600)
    assert v2.get(path).json()["status"] == "RUNNING"
    assert v2.delete(path).status_code == 204
    assert v2.get("/provisioning/v1/" + new_id).json()["clusterStatus"] == "DELETING"


def test_a_v2_restore_is_visible_through_v1(v2):
    now = v2.emulator.now_ms()
    answer = v2.post(v2_path("cassandra", "restore"),
                     json={"clusterId": ORDERS_PROD_ID, "restoredClusterName": "via-v2", "pointInTime": now - 60000})
    new_id = answer.json()["restoredClusterId"]
    assert "via-v2" in {c["name"] for c in v2.get("/provisioning/v1").json()}
    details = v2.get("/provisioning/v1/" + new_id).json()
    assert (details["clusterName"], details["clusterStatus"]) == ("via-v2", "PROVISIONING")
    v2.emulator.advance(1200)
    events = v2.get("/provisioning/v1/%s/backups" % new_id).json()
    assert "cassandra-restore" in {e["type"] for dc in events["clusterDataCentres"] for n in dc["nodes"]
                                   for e in n["events"]}
    assert v2.delete("/provisioning/v1/" + new_id).status_code == 202
    assert v2.get(v2_path("cassandra", "cluster", new_id)).json()["status"] == "DELETING"


def test_non_cassandra_restores_show_no_restore_events(v2):
    new_id = v2.post(v2_path("postgresql", "restore"), json={"clusterId": PAYMENTS_PG_ID}).json()["restoredClusterId"]
    v2.emulator.advance(1200)
    body = v2.get(v2_path("postgresql", "list_backups", new_id)).json()
    types = {event["type"] for dc in body["clusterDataCentres"] for node in dc["nodes"] for event in node["events"]}
    assert types <= {"postgresql-backup"}  # its own schedule, once RUNNING; no restore event
    assert v2.get(v2_path("postgresql", "cluster", new_id)).json()["status"] == "RUNNING"
