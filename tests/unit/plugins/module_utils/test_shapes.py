"""API payloads to result shapes: snake_case, secrets removed, odd shapes tolerated."""

import pytest

from ansible_collections.restorekit.instaclustr.plugins.module_utils import _shapes

CLUSTER_ID = "77b5a4e1-c422-4a78-b551-d8fa5c42ad95"
DC_ID = "a8c32b20-c8f0-11e7-abc4-cec278b6b50a"
NODE_ID = "cb986e08-f6be-4d08-8de2-4352c2cfaf1f"


def cluster_payload(network="10.12.0.0/16"):
    return {
        "id": CLUSTER_ID,
        "clusterName": "orders-prod",
        "clusterStatus": "RUNNING",
        "cassandraVersion": "apache-cassandra-4.0.10",
        "username": "iccassandra",
        "instaclustrUserPassword": "s3cret-db-password",
        "slaTier": "PRODUCTION",
        "pciCompliance": "DISABLED",
        "dataCentres": [{
            "id": DC_ID, "name": "US_EAST_1", "cdcName": "AWS_VPC_US_EAST_1", "provider": "AWS_VPC",
            "cdcStatus": "RUNNING", "cdcNetwork": network, "nodeCount": 1,
            "nodes": [{"id": NODE_ID, "size": "CAS-PRD-r6g.large-250", "rack": "us-east-1a",
                       "publicAddress": "3.4.5.6", "privateAddress": "10.12.0.10", "nodeStatus": "RUNNING",
                       "sparkMaster": False}],
        }],
    }


def test_cluster_details_is_the_documented_snake_case_shape_without_password():
    shaped = _shapes.cluster_details(cluster_payload())
    assert shaped == {
        "id": CLUSTER_ID, "name": "orders-prod", "status": "RUNNING", "sla_tier": "PRODUCTION",
        "cassandra_version": "apache-cassandra-4.0.10",
        "data_centres": [{
            "id": DC_ID, "name": "US_EAST_1", "cdc_name": "AWS_VPC_US_EAST_1", "provider": "AWS_VPC",
            "status": "RUNNING", "network": "10.12.0.0/16",
            "nodes": [{"id": NODE_ID, "status": "RUNNING", "rack": "us-east-1a", "size": "CAS-PRD-r6g.large-250",
                       "public_address": "3.4.5.6", "private_address": "10.12.0.10"}],
        }],
    }
    assert "s3cret-db-password" not in repr(shaped)


@pytest.mark.parametrize("network, expected", [
    ("10.2.0.0/16", "10.2.0.0/16"),
    ({"network": "10.2.0.0", "prefixLength": 16}, "10.2.0.0/16"),
    ({"network": "10.2.0.0/16"}, "10.2.0.0/16"),
    ({"network": "10.2.0.0"}, "10.2.0.0"),
    ({"prefixLength": 16}, None),
    (None, None),
    ("", None),
    (42, None),
])
def test_cdc_network_becomes_a_cidr_string_whatever_shape_the_api_sent(network, expected):
    assert _shapes.cluster_details(cluster_payload(network))["data_centres"][0]["network"] == expected


def test_without_secrets_removes_every_password_key_at_any_depth():
    value = {"a": 1, "instaclustrUserPassword": "x", "nested": [{"dbPassword": "y", "keep": {"PASSWORD_hint": "z", "ok": 2}}]}
    assert _shapes.without_secrets(value) == {"a": 1, "nested": [{"keep": {"ok": 2}}]}


def test_backup_events_keep_raw_milliseconds_null_end_unknown_types_and_extra_fields():
    payload = {
        "id": CLUSTER_ID, "name": "orders-prod",
        "clusterDataCentres": [{"id": DC_ID, "name": "AWS_VPC_US_EAST_1", "nodes": [{
            "id": NODE_ID, "publicAddress": "52.1.2.3", "privateAddress": "10.0.0.11",
            "events": [
                {"type": "snapshot-upload", "state": "COMPLETED", "progress": 1.0, "start": 1717400000000, "end": 1717400900000},
                {"type": "commitlog-upload", "state": "ACTIVE", "progress": 0.4, "start": 1717403000000, "end": None},
                {"type": "postgresql-backup", "state": "PAUSED", "progress": 0.1, "start": 1717403000001, "end": None,
                 "backupId": "b-1", "encryptionPassword": "hidden"},
            ]}]}],
    }
    shaped = _shapes.backup_events(payload)
    assert shaped["id"] == CLUSTER_ID and shaped["name"] == "orders-prod"
    node = shaped["data_centres"][0]["nodes"][0]
    assert (node["id"], node["public_address"], node["private_address"]) == (NODE_ID, "52.1.2.3", "10.0.0.11")
    assert node["events"][0] == {"type": "snapshot-upload", "state": "COMPLETED", "progress": 1.0,
                                 "start": 1717400000000, "end": 1717400900000}
    assert node["events"][1]["end"] is None
    assert node["events"][2] == {"type": "postgresql-backup", "state": "PAUSED", "progress": 0.1,
                                 "start": 1717403000001, "end": None, "backup_id": "b-1"}


def test_missing_fields_and_wrong_item_types_give_a_smaller_result_not_a_crash():
    payload = {"clusterDataCentres": [None, "x", {"nodes": [{"events": [{"type": "snapshot-upload"}, 7, None]}, 3]}]}
    shaped = _shapes.backup_events(payload)
    assert shaped == {"id": None, "name": None, "data_centres": [{"id": None, "name": None, "nodes": [{
        "id": None, "public_address": None, "private_address": None,
        "events": [{"type": "snapshot-upload", "state": None, "progress": None, "start": None, "end": None}]}]}]}
    assert _shapes.cluster_details({"dataCentres": "nope"})["data_centres"] == []


@pytest.mark.parametrize("shaper, payload", [
    (_shapes.backup_events, [1, 2]),
    (_shapes.backup_events, None),
    (_shapes.cluster_details, "text"),
    (_shapes.cluster_list, {"id": "x"}),
])
def test_a_body_of_the_wrong_json_type_raises_payload_error(shaper, payload):
    with pytest.raises(_shapes.PayloadError, match="expected"):
        shaper(payload)


def test_cluster_list_items():
    payload = [{"id": CLUSTER_ID, "name": "orders-prod", "cassandraVersion": "apache-cassandra-4.0.10", "nodeCount": 6,
                "runningNodeCount": 5, "derivedStatus": "RUNNING", "slaTier": "PRODUCTION", "pciCompliance": "DISABLED"}, "junk"]
    assert _shapes.cluster_list(payload) == [{
        "id": CLUSTER_ID, "name": "orders-prod", "status": "RUNNING", "cassandra_version": "apache-cassandra-4.0.10",
        "node_count": 6, "running_node_count": 5, "sla_tier": "PRODUCTION"}]


@pytest.mark.parametrize("name, expected", [
    ("privateAddress", "private_address"), ("cdcId", "cdc_id"), ("already_snake", "already_snake"), ("x", "x"),
])
def test_snake_case(name, expected):
    assert _shapes.snake_case(name) == expected


def test_a_v2_cluster_reads_the_same_in_the_vendors_shape_and_in_the_older_looser_one():
    """The client reads both: nulls and ``tags: {}`` (what the emulator once answered) or fields left out and ``tags: []``."""
    node = {"id": "n1", "status": "RUNNING", "nodeSize": "CAS-DEV-t4g.small-5", "rack": "us-east-1a",
            "publicAddress": "3.4.5.6", "privateAddress": "10.2.0.1", "nodeRoles": ["CASSANDRA"], "startTime": "2026-11-01T00:00:00Z"}
    centre = {"id": "dc1", "name": "orders-dc1", "status": "RUNNING", "region": "US_EAST_1", "cloudProvider": "AWS_VPC",
              "network": "10.2.0.0/16", "numberOfNodes": 1, "nodeSize": "CAS-DEV-t4g.small-5", "replicationFactor": 1,
              "continuousBackup": True}
    cluster = {"id": "c1", "name": "orders-prod", "status": "RUNNING", "currentClusterOperationStatus": "NO_OPERATION",
               "slaTier": "PRODUCTION", "cassandraVersion": "4.0.10", "privateNetworkCluster": False}
    vendor = dict(cluster, pciComplianceMode=False, dataCentres=[dict(centre, tags=[{"key": "team", "value": "orders"}],
                                                                      clientToClusterEncryption=False,
                                                                      privateIpBroadcastForDiscovery=False, nodes=[node])])
    older = dict(cluster, description=None, dataCentres=[dict(centre, tags={}, providerAccountName=None,
                                                              nodes=[dict(node, deletionTime=None)])])
    assert _shapes.cluster_details_v2(vendor) == _shapes.cluster_details_v2(older)
    assert _shapes.cluster_details_v2(vendor)["data_centres"][0]["nodes"][0]["public_address"] == "3.4.5.6"
    without_address = dict(vendor, dataCentres=[dict(vendor["dataCentres"][0], nodes=[{k: v for k, v in node.items() if k != "publicAddress"}])])
    assert _shapes.cluster_details_v2(without_address)["data_centres"][0]["nodes"][0]["public_address"] is None
