"""The v2 routes of every application on the ``mixed`` scenario: paths, status codes, shapes, and
what v1 shows of the same world. Every answer is checked against cluster-management-v2.yaml."""

import pytest

from tests.support.emulator import (ACCOUNT_LIST_PATH, DRILL_LEFTOVER_ID, DRILL_LEFTOVER_PG_ID, INVENTORY_DEV_ID,
                                    MAIN_ACCOUNT_ID, ORDERS_PROD_ID, OTHER_ACCOUNT_ID, PAYMENTS_PG_ID, SEARCH_OS_ID,
                                    SESSIONS_REDIS_ID, running_emulator, v2_path)

V2 = "/cluster-management/v2"
SOURCE = {"cassandra": ORDERS_PROD_ID, "postgresql": PAYMENTS_PG_ID, "opensearch": SEARCH_OS_ID,
          "redis": SESSIONS_REDIS_ID}
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


def test_paths_are_spelled_as_the_openapi_document_has_them():
    assert v2_path("postgresql", "list_backups", "X") == \
        V2 + "/data-sources/applications/postgresql/clusters/v2/X/list-backups/v2/"
    assert v2_path("postgresql", "trigger_backup", "X") == \
        V2 + "/operations/applications/postgres/clusters/v2/X/trigger-backup/v2/"
    assert v2_path("postgresql", "restore") == V2 + "/operations/applications/postgres/restore/v2"
    assert v2_path("postgresql", "cluster", "X") == V2 + "/resources/applications/postgresql/clusters/v2/X/"
    assert v2_path("cassandra", "list_backups", "X").endswith("/X/list-backups/v2")
    assert v2_path("cassandra", "trigger_backup", "X").endswith("/X/trigger-backup/v2")
    assert v2_path("opensearch", "list_backups", "X").endswith("/list-backups/v2/")
    assert v2_path("opensearch", "cluster", "X").endswith("/clusters/v2/X")
    assert v2_path("redis", "trigger_backup", "X").endswith("/redis/clusters/v2/X/trigger-backup/v2/")
    with pytest.raises(ValueError):
        v2_path("redis", "list_backups", "X")


def test_account_list_has_every_account_with_ids_and_applications_only(v2):
    response = v2.get(ACCOUNT_LIST_PATH)
    assert response.status_code == 200
    accounts = {account["accountId"]: account["clusters"] for account in response.json()}
    assert list(accounts) == [MAIN_ACCOUNT_ID, OTHER_ACCOUNT_ID]
    assert accounts[OTHER_ACCOUNT_ID] == [{"id": SESSIONS_REDIS_ID, "application": "REDIS"}]
    assert {(c["id"], c["application"]) for c in accounts[MAIN_ACCOUNT_ID]} == {
        (ORDERS_PROD_ID, "APACHE_CASSANDRA"), (INVENTORY_DEV_ID, "APACHE_CASSANDRA"),
        (DRILL_LEFTOVER_ID, "APACHE_CASSANDRA"), (PAYMENTS_PG_ID, "POSTGRESQL"), (SEARCH_OS_ID, "OPENSEARCH"),
        (DRILL_LEFTOVER_PG_ID, "POSTGRESQL")}
    assert all(set(cluster) == {"id", "application"} for cluster in accounts[MAIN_ACCOUNT_ID])


def test_empty_account_lists_one_account_without_clusters():
    with running_emulator(scenario="empty") as emulator:
        response = emulator.api("GET", ACCOUNT_LIST_PATH)
        assert (response.status_code, response.json()) == (200, [{"accountId": MAIN_ACCOUNT_ID, "clusters": []}])


def test_cassandra_cluster_in_the_v2_shape(v2):
    response = v2.get(v2_path("cassandra", "cluster", ORDERS_PROD_ID))
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["name"], body["status"], body["currentClusterOperationStatus"], body["slaTier"],
            body["cassandraVersion"]) == (ORDERS_PROD_ID, "orders-prod", "RUNNING", "NO_OPERATION", "PRODUCTION",
                                          "4.0.10")
    centres = {dc["name"]: dc for dc in body["dataCentres"]}
    east = centres["AWS_VPC_US_EAST_1"]  # the logical name (v1's cdcName); the region apart
    assert (east["region"], east["cloudProvider"], east["network"], east["numberOfNodes"], east["replicationFactor"],
            east["continuousBackup"]) == ("US_EAST_1", "AWS_VPC", "10.1.0.0/16", 4, 3, True)
    node = east["nodes"][0]
    assert set(node) >= {"id", "status", "nodeSize", "rack", "publicAddress", "privateAddress", "nodeRoles",
                         "startTime"}
    assert (node["status"], node["nodeRoles"], node["nodeSize"]) == ("RUNNING", ["CASSANDRA"], "CAS-PRD-r6g.large-250")
    assert "instaclustrUserPassword" not in body and "clusterName" not in body


def test_other_applications_have_their_own_shapes(v2):
    pg = v2.get(v2_path("postgresql", "cluster", PAYMENTS_PG_ID)).json()
    assert pg["postgresqlVersion"] == "16.2.0" and pg["dataCentres"][0]["numberOfNodes"] == 2
    assert {role for node in pg["dataCentres"][0]["nodes"] for role in node["nodeRoles"]} == {"POSTGRESQL"}
    search = v2.get(v2_path("opensearch", "cluster", SEARCH_OS_ID)).json()
    assert search["opensearchVersion"] == "2.11.1" and len(search["dataCentres"]) == 1
    assert search["clusterManagerNodes"][0]["nodeSize"] == "SRH-DEV-t4g.small-5"
    assert search["dataNodes"] == [{"nodeSize": "SRH-DEV-t4g.small-5", "nodeCount": 3}]
    redis = v2.get(v2_path("redis", "cluster", SESSIONS_REDIS_ID)).json()
    dc = redis["dataCentres"][0]
    assert redis["redisVersion"] == "7.2.4" and (dc["masterNodes"], dc["replicaNodes"]) == (3, 3)
    assert sorted(node["nodeRoles"][0] for node in dc["nodes"]) == ["REDIS_MASTER"] * 3 + ["REDIS_REPLICA"] * 3
    assert all("cassandraVersion" not in body for body in (pg, search, redis))


@pytest.mark.parametrize("application,types", [("cassandra", {"snapshot-upload", "commitlog-upload"}),
                                               ("postgresql", {"postgresql-backup"}),
                                               ("opensearch", {"snapshot-upload"})])
def test_list_backups_has_the_applications_event_types(v2, application, types):
    response = v2.get(v2_path(application, "list_backups", SOURCE[application]))
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == SOURCE[application]
    events = [event for dc in body["clusterDataCentres"] for node in dc["nodes"] for event in node["events"]]
    assert events and {event["type"] for event in events} == types
    assert body["clusterDataCentres"][0]["name"].startswith("AWS_VPC_")


def test_redis_has_no_list_backups_route(v2):
    path = V2 + "/data-sources/applications/redis/clusters/v2/%s/list-backups/v2" % SESSIONS_REDIS_ID
    for spelling in (path, path + "/"):
        response = v2.emulator.api("GET", spelling)
        assert response.status_code == 404 and response.json()["errors"][0]["name"] == "path"


@pytest.mark.parametrize("application", sorted(SOURCE))
def test_trigger_backup_answers_202_without_a_body(v2, application):
    response = v2.post(v2_path(application, "trigger_backup", SOURCE[application]))
    assert (response.status_code, response.content) == (202, b"")
    assert len(v2.emulator.cluster_state(SOURCE[application])["triggered_backups"]) == 1


def test_a_triggered_postgresql_backup_is_listed_with_its_type(v2):
    v2.post(v2_path("postgresql", "trigger_backup", PAYMENTS_PG_ID))
    v2.emulator.advance(700)
    body = v2.get(v2_path("postgresql", "list_backups", PAYMENTS_PG_ID)).json()
    newest = [node["events"][-1] for node in body["clusterDataCentres"][0]["nodes"]]
    assert {(event["type"], event["state"]) for event in newest} == {("postgresql-backup", "COMPLETED")}


@pytest.mark.parametrize("application", sorted(SOURCE))
def test_restore_answers_202_echoing_the_body_with_the_new_id(v2, application):
    body = {"clusterId": SOURCE[application], "restoredClusterName": "v2-%s-copy" % application[:5]}
    response = v2.post(v2_path(application, "restore"), json=body)
    assert response.status_code == 202, response.text
    answer = response.json()
    new_id = answer.pop("restoredClusterId")
    assert answer == body
    state = v2.emulator.cluster_state(new_id)
    assert (state["application"], state["source_cluster_id"], state["name"]) == (
        application, SOURCE[application], body["restoredClusterName"])
    assert state["restore"]["request"]["api_version"] == "v2"
    restored = v2.get(v2_path(application, "cluster", new_id)).json()
    assert restored["status"] == "PROVISIONING" and restored["currentClusterOperationStatus"] == "OPERATION_IN_PROGRESS"


@pytest.mark.parametrize("application", sorted(SOURCE))
def test_delete_answers_204_then_the_cluster_goes(v2, application):
    cluster_path = v2_path(application, "cluster", SOURCE[application])
    response = v2.delete(cluster_path)
    assert (response.status_code, response.content) == (204, b"")
    assert v2.get(cluster_path).json()["status"] == "DELETING"
    assert v2.delete(cluster_path).status_code == 204  # still DELETING
    v2.emulator.advance(120)
    assert v2.get(cluster_path).status_code == 404
    listed = {c["id"] for account in v2.get(ACCOUNT_LIST_PATH).json() for c in account["clusters"]}
    assert SOURCE[application] not in listed


@pytest.mark.parametrize("application,other", [("cassandra", PAYMENTS_PG_ID), ("postgresql", ORDERS_PROD_ID),
                                               ("opensearch", SESSIONS_REDIS_ID), ("redis", SEARCH_OS_ID)])
def test_a_cluster_of_another_application_is_404_on_every_route(v2, application, other):
    operations = [("GET", "cluster"), ("DELETE", "cluster"), ("POST", "trigger_backup")]
    if application != "redis":
        operations.append(("GET", "list_backups"))
    for method, operation in operations:
        response = v2(method, v2_path(application, operation, other))
        assert response.status_code == 404 and response.json()["errors"][0]["name"] == "clusterId"
    restore = v2.post(v2_path(application, "restore"), json={"clusterId": other})
    assert restore.status_code == 404
    assert not v2.emulator.cluster_state(other)["delete_requested"]


def test_unknown_and_malformed_ids(v2):
    assert v2.get(v2_path("cassandra", "cluster", UNKNOWN_ID)).status_code == 404
    malformed = v2.get(v2_path("cassandra", "cluster", "not-a-uuid"))
    assert malformed.status_code == 400 and malformed.json()["errors"][0]["name"] == "clusterId"
    assert v2.get(v2_path("cassandra", "cluster", ORDERS_PROD_ID.upper())).json()["id"] == ORDERS_PROD_ID


def test_v1_serves_only_the_cassandra_clusters(v2):
    listed = v2.get("/provisioning/v1").json()
    assert {c["id"] for c in listed} == {ORDERS_PROD_ID, INVENTORY_DEV_ID, DRILL_LEFTOVER_ID}
    for cluster_id in (PAYMENTS_PG_ID, SEARCH_OS_ID, SESSIONS_REDIS_ID):
        assert v2.get("/provisioning/v1/%s" % cluster_id).status_code == 404
        assert v2.post("/provisioning/v1/%s/backups/restore" % cluster_id, json={}).status_code == 404


def test_auth_415_and_wrong_method_answer_in_the_v2_error_shape(v2):
    path = v2_path("cassandra", "trigger_backup", ORDERS_PROD_ID)
    unauthorised = v2.post(path, auth=("demo", "wrong"))
    assert unauthorised.status_code == 401 and unauthorised.json()["errors"][0]["message"] == "Not Authorized"
    not_json = v2.post(path, data=b"", headers={"Content-Type": "text/plain"})
    assert not_json.status_code == 415 and "errors" in not_json.json()
    wrong_method = v2.emulator.api("PUT", path)
    assert wrong_method.status_code == 405 and wrong_method.json()["errors"][0]["name"] == "method"
    assert v2.emulator.cluster_state(ORDERS_PROD_ID)["triggered_backups"] == []


def test_the_drill_leftovers_are_running_restored_clusters(v2):
    for cluster_id, application in ((DRILL_LEFTOVER_ID, "cassandra"), (DRILL_LEFTOVER_PG_ID, "postgresql")):
        body = v2.get(v2_path(application, "cluster", cluster_id)).json()
        assert body["status"] == "RUNNING" and body["name"].startswith("drill-")
        assert body["name"].endswith("-leftover") and len(body["name"]) <= 48
        state = v2.emulator.cluster_state(cluster_id)
        assert state["created_by_restore"] and state["source_cluster_id"] in (INVENTORY_DEV_ID, PAYMENTS_PG_ID)


# Facts of the vendor's schema (Instaclustr's OpenAPI document, 2023 copy), typed out here apart from
# cluster-management-v2.yaml so that a looser contract cannot hide a difference.
VENDOR_REQUIRED = {
    "cassandra": ({"cassandraVersion", "dataCentres", "luceneEnabled", "name", "passwordAndUserAuth", "pciComplianceMode",
                   "privateNetworkCluster", "slaTier"},
                  {"clientToClusterEncryption", "cloudProvider", "continuousBackup", "name", "network", "nodeSize",
                   "numberOfNodes", "privateIpBroadcastForDiscovery", "region", "replicationFactor"}),
    "postgresql": ({"dataCentres", "name", "postgresqlVersion", "privateNetworkCluster", "slaTier", "synchronousModeStrict"},
                   {"clientToClusterEncryption", "cloudProvider", "intraDataCentreReplication", "name", "network", "nodeSize",
                    "numberOfNodes", "region"}),
    "opensearch": ({"clusterManagerNodes", "dataCentres", "opensearchVersion", "pciComplianceMode"},
                   {"cloudProvider", "name", "network", "numberOfRacks", "region"}),
    "redis": ({"clientToNodeEncryption", "dataCentres", "name", "passwordAndUserAuth", "pciComplianceMode", "privateNetworkCluster",
               "redisVersion", "slaTier"},
              {"cloudProvider", "masterNodes", "name", "network", "nodeSize", "region"}),
}
VENDOR_NODE_ROLES = {"CASSANDRA", "POSTGRESQL", "REDIS_MASTER", "REDIS_REPLICA", "OPENSEARCH_DASHBOARDS", "OPENSEARCH_COORDINATOR",
                     "OPENSEARCH_MASTER", "OPENSEARCH_DATA", "OPENSEARCH_INGEST", "OPENSEARCH_DATA_AND_INGEST"}


def nulls(value, where="$"):
    if value is None:
        return [where]
    if isinstance(value, dict):
        return [found for key, item in value.items() for found in nulls(item, "%s.%s" % (where, key))]
    if isinstance(value, list):
        return [found for index, item in enumerate(value) for found in nulls(item, "%s[%d]" % (where, index))]
    return []


@pytest.mark.parametrize("application", sorted(SOURCE))
def test_every_cluster_body_meets_the_vendors_schema(v2, application):
    body = v2.get(v2_path(application, "cluster", SOURCE[application])).json()
    cluster_required, centre_required = VENDOR_REQUIRED[application]
    assert cluster_required <= set(body), cluster_required - set(body)
    assert nulls(body) == []  # the vendor's schema marks no field of a cluster nullable
    for centre in body["dataCentres"]:
        assert centre_required <= set(centre), centre_required - set(centre)
        assert isinstance(centre["tags"], list) and all(set(tag) == {"key", "value"} for tag in centre["tags"])
        assert all(set(node["nodeRoles"]) <= VENDOR_NODE_ROLES for node in centre["nodes"]), centre["nodes"]
