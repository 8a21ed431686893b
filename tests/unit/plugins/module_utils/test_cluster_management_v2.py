"""The v2 wire: per-application paths, bodies, status codes, the account list, name lookups (HTTP mocked with responses)."""

import json

import pytest
import requests
import responses

from ansible_collections.restorekit.instaclustr.plugins.module_utils import _cluster_management_v2 as v2
from ansible_collections.restorekit.instaclustr.plugins.module_utils._cluster_management_v2 import ClusterManagementV2
from ansible_collections.restorekit.instaclustr.plugins.module_utils._errors import ApiError, OperationFailed, OptionError
from ansible_collections.restorekit.instaclustr.plugins.module_utils._http import ApiSession

BASE = "http://127.0.0.1:9"
ROOT = BASE + "/cluster-management/v2"
CLUSTER_ID = "77b5a4e1-c422-4a78-b551-d8fa5c42ad95"
RESTORED_ID = "5b0f7c9e-2d47-4c43-9a61-0f3d2f1b8e77"
DC_ID = "a8c32b20-c8f0-11e7-abc4-cec278b6b50a"
DC2_ID = "b9d43c31-d9a1-42f8-bcd5-dfd389c7c61b"
PG_ID = "0e2d9a4c-6f1b-4c1e-9d7a-5b3c2a1f0e9d"
ACCOUNT_LIST = ROOT + "/data-sources/clusters/v2"

# Every v2 path of the reference (§2), typed out here independently of the table under test.
EXPECTED_PATHS = {
    "cassandra": {
        "list_backups": "/cluster-management/v2/data-sources/applications/cassandra/clusters/v2/{id}/list-backups/v2",
        "trigger_backup": "/cluster-management/v2/operations/applications/cassandra/clusters/v2/{id}/trigger-backup/v2",
        "restore": "/cluster-management/v2/operations/applications/cassandra/restore/v2",
        "cluster": "/cluster-management/v2/resources/applications/cassandra/clusters/v2/{id}",
    },
    "postgresql": {
        "list_backups": "/cluster-management/v2/data-sources/applications/postgresql/clusters/v2/{id}/list-backups/v2/",
        "trigger_backup": "/cluster-management/v2/operations/applications/postgres/clusters/v2/{id}/trigger-backup/v2/",
        "restore": "/cluster-management/v2/operations/applications/postgres/restore/v2",
        "cluster": "/cluster-management/v2/resources/applications/postgresql/clusters/v2/{id}/",
    },
    "opensearch": {
        "list_backups": "/cluster-management/v2/data-sources/applications/opensearch/clusters/v2/{id}/list-backups/v2/",
        "trigger_backup": "/cluster-management/v2/operations/applications/opensearch/clusters/v2/{id}/trigger-backup/v2/",
        "restore": "/cluster-management/v2/operations/applications/opensearch/restore/v2",
        "cluster": "/cluster-management/v2/resources/applications/opensearch/clusters/v2/{id}",
    },
    "redis": {
        "list_backups": None,
        "trigger_backup": "/cluster-management/v2/operations/applications/redis/clusters/v2/{id}/trigger-backup/v2/",
        "restore": "/cluster-management/v2/operations/applications/redis/restore/v2",
        "cluster": "/cluster-management/v2/resources/applications/redis/clusters/v2/{id}",
    },
}


def v2_cluster(cluster_id=CLUSTER_ID, name="orders-prod", status="RUNNING", nodes=2):
    """A CassandraClusterV2 as GET answers it (illustrative, written from the schema)."""
    return {
        "id": cluster_id, "name": name, "status": status, "currentClusterOperationStatus": "NO_OPERATION",
        "cassandraVersion": "4.0.10", "slaTier": "NON_PRODUCTION", "defaultUserPassword": "secret-pw",
        "dataCentres": [{
            "id": DC_ID, "name": "orders-dc1", "status": status, "region": "US_EAST_1", "cloudProvider": "AWS_VPC",
            "network": "10.2.0.0/16", "numberOfNodes": nodes, "continuousBackup": True,
            "nodes": [{"id": "node-%d" % i, "status": status, "nodeSize": "CAS-DEV-t4g.small-5", "rack": "us-east-1a",
                       "publicAddress": "3.4.5.%d" % i, "privateAddress": "10.2.0.%d" % i, "nodeRoles": ["CASSANDRA"]}
                      for i in range(nodes)]}],
    }


def cluster_url(cluster_id, app="cassandra"):
    return BASE + EXPECTED_PATHS[app]["cluster"].format(id=cluster_id)


@pytest.fixture
def session():
    return ApiSession(BASE, "demo", "demo-key", retries=2, sleep=lambda seconds: None)


@pytest.fixture
def backend(session):
    return ClusterManagementV2(session)


@pytest.fixture
def api():
    with responses.RequestsMock() as mock:
        yield mock


# ---- the per-application table ----

@pytest.mark.parametrize("application", sorted(EXPECTED_PATHS))
def test_the_table_spells_every_path_exactly_as_the_reference(application):
    row = v2.APPLICATIONS[application]
    for operation, expected in EXPECTED_PATHS[application].items():
        actual = getattr(row, operation)
        assert (actual.replace("{cluster_id}", "{id}") if actual else None) == expected, (application, operation)


def test_the_table_gives_each_application_its_account_name_and_restore_fields():
    assert {name: row.account_name for name, row in v2.APPLICATIONS.items()} == {
        "cassandra": "APACHE_CASSANDRA", "postgresql": "POSTGRESQL", "opensearch": "OPENSEARCH", "redis": "REDIS"}
    assert v2.APPLICATIONS["cassandra"].restore_fields == {"keyspaceTables", "clusterNetwork", "cdcConfigs"}
    assert v2.APPLICATIONS["opensearch"].restore_fields == {"indexNames", "cdcConfigs"}
    assert v2.APPLICATIONS["postgresql"].restore_fields == v2.APPLICATIONS["redis"].restore_fields == {"cdcConfigs"}


def test_the_application_is_a_constructor_argument_defaulting_to_cassandra(session):
    assert ClusterManagementV2(session).application == "cassandra"
    assert ClusterManagementV2(session, "postgresql").app.restore.endswith("/postgres/restore/v2")
    with pytest.raises(OptionError) as raised:
        ClusterManagementV2(session, "kafka")
    assert raised.value.option == "application"


@pytest.mark.parametrize("application", sorted(EXPECTED_PATHS))
def test_each_application_uses_its_own_paths_on_the_wire(api, session, application):
    backend = ClusterManagementV2(session, application)
    paths = {op: (BASE + path.format(id=CLUSTER_ID)) if path else None for op, path in EXPECTED_PATHS[application].items()}
    api.get(paths["cluster"], json=v2_cluster())
    api.delete(paths["cluster"], status=204)
    api.post(paths["trigger_backup"], status=202)
    api.post(paths["restore"], status=202, json={"restoredClusterId": RESTORED_ID})
    assert backend.get_cluster(CLUSTER_ID)["id"] == CLUSTER_ID
    assert backend.delete_cluster(CLUSTER_ID) is True
    backend.trigger_backup(CLUSTER_ID)
    assert backend.restore(CLUSTER_ID, {"name": "restored-one"}) == RESTORED_ID
    if paths["list_backups"]:
        api.get(paths["list_backups"], json={"id": CLUSTER_ID, "clusterDataCentres": []})
        assert backend.list_backup_events(CLUSTER_ID)["id"] == CLUSTER_ID
    sent = [(call.request.method, call.request.url) for call in api.calls]
    assert sent == [("GET", paths["cluster"]), ("DELETE", paths["cluster"]), ("POST", paths["trigger_backup"]),
                    ("POST", paths["restore"])] + ([("GET", paths["list_backups"])] if paths["list_backups"] else [])


def test_redis_has_no_backup_listing_and_says_so_without_a_request(api, session):
    with pytest.raises(OperationFailed) as raised:
        ClusterManagementV2(session, "redis").list_backup_events(CLUSTER_ID)
    assert "no backup listing for redis" in str(raised.value) and str(raised.value).startswith("list backups")
    assert len(api.calls) == 0


# ---- restore body ----

def full_request(**changes):
    request = {"name": "orders-restore", "point_in_time_ms": 1717401600000, "keyspace_tables": ["ks.t1", "ks.t2"],
               "cluster_network": "10.12.0.0/16",
               "cdc_infos": [{"cdc_id": DC_ID, "restore_to_same_vpc": False, "custom_vpc_id": "vpc-1", "custom_vpc_network": "10.20.0.0/16"},
                             {"cdc_id": DC2_ID, "restore_to_same_vpc": True, "custom_vpc_id": None, "custom_vpc_network": None},
                             {"cdc_id": "c" * 8, "restore_to_same_vpc": False, "custom_vpc_id": None, "custom_vpc_network": None}]}
    request.update(changes)
    return request


def test_restore_wire_body_is_the_v2_body_with_point_in_time_as_a_string(backend):
    assert backend.restore_wire_body(CLUSTER_ID, full_request()) == {
        "clusterId": CLUSTER_ID, "restoredClusterName": "orders-restore", "pointInTime": "1717401600000",
        "keyspaceTables": "ks.t1,ks.t2", "clusterNetwork": "10.12.0.0/16",
        "cdcConfigs": [{"cdcId": DC_ID, "restoreMode": "CUSTOM_VPC", "customVpcSettings": {"vpcId": "vpc-1", "network": "10.20.0.0/16"}},
                       {"cdcId": DC2_ID, "restoreMode": "SAME_VPC"},
                       {"cdcId": "c" * 8, "restoreMode": "NEW_VPC"}]}
    minimal = {"name": "orders-restore", "point_in_time_ms": None, "keyspace_tables": [], "cdc_infos": [], "cluster_network": None}
    assert backend.restore_wire_body(CLUSTER_ID, minimal) == {"clusterId": CLUSTER_ID, "restoredClusterName": "orders-restore"}


@pytest.mark.parametrize("application, option", [("postgresql", "keyspace_tables"), ("redis", "cluster_network"),
                                                 ("opensearch", "keyspace_tables"), ("cassandra", "index_names")])
def test_an_option_the_application_does_not_take_fails_naming_it(session, application, option):
    request = {"name": "x-restore", option: ["a.b"] if option != "cluster_network" else "10.1.0.0/16"}
    with pytest.raises(OptionError) as raised:
        ClusterManagementV2(session, application).restore_wire_body(CLUSTER_ID, request)
    assert raised.value.option == option and application in raised.value.rule


def test_opensearch_sends_index_names(session):
    body = ClusterManagementV2(session, "opensearch").restore_wire_body(CLUSTER_ID, {"name": "x-restore", "index_names": ["i1", "i2"]})
    assert body["indexNames"] == "i1,i2"


def test_restore_posts_the_body_to_the_application_path_and_returns_the_id_from_202(api, backend):
    call = api.post(ROOT + "/operations/applications/cassandra/restore/v2", status=202,
                    json={"clusterId": CLUSTER_ID, "restoredClusterName": "orders-restore", "restoredClusterId": RESTORED_ID})
    request = full_request(cdc_infos=[], keyspace_tables=[], cluster_network=None)
    assert backend.restore(CLUSTER_ID, request) == RESTORED_ID
    assert call.call_count == 1
    assert json.loads(api.calls[0].request.body) == {"clusterId": CLUSTER_ID, "restoredClusterName": "orders-restore",
                                                     "pointInTime": "1717401600000"}


@pytest.mark.parametrize("answer", [{"json": {"restoredClusterName": "orders-restore"}}, {"json": {"restoredClusterId": 5}},
                                    {"body": "accepted"}, {"body": ""}, {"json": ["not", "an", "object"]}])
def test_restore_2xx_without_a_restored_cluster_id_is_ambiguous_and_names_the_operation(api, backend, answer):
    call = api.post(ROOT + "/operations/applications/cassandra/restore/v2", status=202, **answer)
    with pytest.raises(ApiError) as raised:
        backend.restore(CLUSTER_ID, {"name": "orders-restore"})
    assert raised.value.ambiguous is True and raised.value.operation == "restore"
    assert str(raised.value).startswith("restore failed: HTTP 202 without a restoredClusterId")
    assert call.call_count == 1


def test_restore_connection_lost_after_sending_is_ambiguous_and_not_repeated(api, backend):
    call = api.post(ROOT + "/operations/applications/cassandra/restore/v2", body=requests.exceptions.ConnectionError("reset"))
    with pytest.raises(ApiError) as raised:
        backend.restore(CLUSTER_ID, {"name": "orders-restore"})
    assert raised.value.ambiguous is True and call.call_count == 1


RESTORE_URL = ROOT + "/operations/applications/cassandra/restore/v2"
POINT_IN_TIME_REFUSALS = {  # the 400 naming pointInTime in each error body shape an API may use
    "list": {"json": {"errors": [{"name": "pointInTime", "message": "must be an integer"}]}},
    "bare": {"json": {"name": "pointInTime", "message": "must be an integer"}},
    "error message": {"json": {"status": 400, "message": "invalid body", "errorDetails": {"field": "pointInTime"}}},
    "text": {"body": "pointInTime: must be an integer", "content_type": "text/plain"},
}


@pytest.mark.parametrize("shape", sorted(POINT_IN_TIME_REFUSALS))
def test_a_400_naming_point_in_time_resends_the_restore_once_with_the_integer_form(api, backend, shape):
    api.post(RESTORE_URL, status=400, **POINT_IN_TIME_REFUSALS[shape])
    api.post(RESTORE_URL, status=202, json={"restoredClusterId": RESTORED_ID})
    request = full_request(cdc_infos=[], keyspace_tables=[], cluster_network=None)
    assert backend.restore(CLUSTER_ID, request) == RESTORED_ID
    sent = [json.loads(call.request.body) for call in api.calls]
    assert [body["pointInTime"] for body in sent] == ["1717401600000", 1717401600000]
    assert sent[0]["restoredClusterName"] == sent[1]["restoredClusterName"] == "orders-restore"
    assert backend.restore_body_sent == sent[1]  # what the module shows as request.body


def test_the_integer_resend_happens_once_and_its_refusal_is_final(api, backend):
    call = api.post(RESTORE_URL, status=400, json={"name": "pointInTime", "message": "must not be in the future"})
    with pytest.raises(ApiError) as raised:
        backend.restore(CLUSTER_ID, full_request(cdc_infos=[], keyspace_tables=[], cluster_network=None))
    assert call.call_count == 2 and raised.value.status == 400 and not raised.value.ambiguous
    assert "must not be in the future" in str(raised.value)
    assert backend.restore_body_sent["pointInTime"] == 1717401600000


@pytest.mark.parametrize("status, answer, request_changes", [
    (400, {"json": {"name": "restoredClusterName", "message": "too long"}}, {}),  # another field
    (400, {"body": "clusterId: not a uuid", "content_type": "text/plain"}, {}),
    (412, {"json": {"name": "pointInTime", "message": "no backup covers it"}}, {}),  # not a 400
    (400, {"json": {"name": "pointInTime", "message": "must be a string"}}, {"point_in_time_ms": None}),  # none sent
])
def test_no_resend_for_other_refusals(api, backend, status, answer, request_changes):
    call = api.post(RESTORE_URL, status=status, **answer)
    request = full_request(cdc_infos=[], keyspace_tables=[], cluster_network=None, **request_changes)
    with pytest.raises(ApiError) as raised:
        backend.restore(CLUSTER_ID, request)
    assert call.call_count == 1 and raised.value.status == status


def test_an_ambiguous_restore_is_never_resent_even_if_it_names_point_in_time(api, backend):
    call = api.post(RESTORE_URL, status=502, json={"name": "pointInTime", "message": "gateway"})
    with pytest.raises(ApiError) as raised:
        backend.restore(CLUSTER_ID, full_request(cdc_infos=[], keyspace_tables=[], cluster_network=None))
    assert raised.value.ambiguous and call.call_count == 1


# ---- v2 cdc_infos rules ----

def test_cdc_infos_rules_of_v2_accept_a_partial_list_and_new_vpc_entries(backend):
    checked = backend.check_cdc_infos([{"cdc_id": DC_ID}], [DC_ID, DC2_ID])
    assert checked == [{"cdc_id": DC_ID, "restore_to_same_vpc": False, "custom_vpc_id": None, "custom_vpc_network": None}]


@pytest.mark.parametrize("entry, option, words", [
    ({"cdc_id": DC_ID, "custom_vpc_id": "vpc-1"}, "cdc_infos[0].custom_vpc_network", "required with custom_vpc_id"),
    ({"cdc_id": DC_ID, "custom_vpc_id": "vpc-1", "restore_to_same_vpc": True}, "cdc_infos[0]", "not both"),
    ({"cdc_id": "11111111-2222-4333-8444-555555555555"}, "cdc_infos[0].cdc_id", "not a data centre of the source"),
])
def test_cdc_infos_rules_of_v2_still_refuse_what_v2_cannot_express(backend, entry, option, words):
    with pytest.raises(OptionError) as raised:
        backend.check_cdc_infos([entry], [DC_ID, DC2_ID])
    assert raised.value.option == option and words in raised.value.rule


# ---- status handling ----

def test_trigger_backup_accepts_202_without_a_body_and_any_2xx(api, backend):
    path = ROOT + "/operations/applications/cassandra/clusters/v2/%s/trigger-backup/v2" % CLUSTER_ID
    api.post(path, status=202)
    assert backend.trigger_backup(CLUSTER_ID) is None
    api.replace(responses.POST, path, status=200, json={"anything": True})
    assert backend.trigger_backup(CLUSTER_ID) is None
    sent = api.calls[0].request
    assert sent.headers["Content-Type"] == "application/json" and not sent.body


def test_trigger_backup_503_on_v2_is_a_plain_definite_api_error(api, backend):
    path = ROOT + "/operations/applications/cassandra/clusters/v2/%s/trigger-backup/v2" % CLUSTER_ID
    call = api.post(path, status=503, json={"name": "ServiceUnavailable", "message": "try later"})
    with pytest.raises(ApiError) as raised:
        backend.trigger_backup(CLUSTER_ID)
    assert raised.value.status == 503 and raised.value.ambiguous is False and call.call_count == 1


def test_get_cluster_200_is_shaped_like_v1_and_404_is_none(api, backend):
    api.get(cluster_url(CLUSTER_ID), json=v2_cluster())
    cluster = backend.get_cluster(CLUSTER_ID)
    assert cluster == {
        "id": CLUSTER_ID, "name": "orders-prod", "status": "RUNNING", "sla_tier": "NON_PRODUCTION", "cassandra_version": "4.0.10",
        "data_centres": [{"id": DC_ID, "name": "US_EAST_1", "cdc_name": "orders-dc1", "provider": "AWS_VPC", "status": "RUNNING",
                          "network": "10.2.0.0/16", "nodes": [
                              {"id": "node-%d" % i, "status": "RUNNING", "rack": "us-east-1a", "size": "CAS-DEV-t4g.small-5",
                               "public_address": "3.4.5.%d" % i, "private_address": "10.2.0.%d" % i} for i in range(2)]}]}
    assert "secret-pw" not in repr(cluster)
    api.replace(responses.GET, cluster_url(CLUSTER_ID), status=404, json={"errors": [{"name": "id", "message": "not found"}]})
    assert backend.get_cluster(CLUSTER_ID) is None


@pytest.mark.parametrize("payload", [["a", "list"], "text", None])
def test_get_cluster_of_an_unexpected_shape_is_an_api_error_naming_the_operation(api, backend, payload):
    if payload is None:
        api.get(cluster_url(CLUSTER_ID), body="<html>oops</html>")
    else:
        api.get(cluster_url(CLUSTER_ID), json=payload)
    with pytest.raises(ApiError) as raised:
        backend.get_cluster(CLUSTER_ID)
    assert str(raised.value).startswith("get cluster failed: HTTP 200 with an unexpected body")


def test_delete_cluster_204_accepted_404_gone_409_later(api, backend):
    path = cluster_url(RESTORED_ID)
    api.delete(path, status=204)
    assert backend.delete_cluster(RESTORED_ID) is True
    api.replace(responses.DELETE, path, status=404)
    assert backend.delete_cluster(RESTORED_ID) is False
    api.replace(responses.DELETE, path, status=409, json={"name": "conflict", "message": "not yet"})
    with pytest.raises(ApiError) as raised:
        backend.delete_cluster(RESTORED_ID)
    assert raised.value.operation == "delete cluster" and backend.delete_later(raised.value) is True
    api.replace(responses.DELETE, path, status=403)
    with pytest.raises(ApiError) as raised:
        backend.delete_cluster(RESTORED_ID)
    assert backend.delete_later(raised.value) is False


def test_list_backup_events_keeps_the_v1_event_shape(api, backend):
    api.get(ROOT + "/data-sources/applications/cassandra/clusters/v2/%s/list-backups/v2" % CLUSTER_ID, json={
        "id": CLUSTER_ID, "name": "orders-prod", "clusterDataCentres": [{"id": DC_ID, "name": "AWS_VPC_US_EAST_1", "nodes": [
            {"id": "n1", "events": [{"type": "snapshot-upload", "state": "COMPLETED", "progress": 1.0, "start": 1, "end": 2}]}]}]})
    events = backend.list_backup_events(CLUSTER_ID)
    assert events["data_centres"][0]["nodes"][0]["events"][0] == {"type": "snapshot-upload", "state": "COMPLETED", "progress": 1.0,
                                                                  "start": 1, "end": 2}


# ---- the account list and name lookups ----

def account_list(*accounts):
    return [{"accountId": "acc-%d" % index, "clusters": clusters} for index, clusters in enumerate(accounts)]


def test_the_account_list_reads_every_account_and_maps_applications(api, backend):
    api.get(ACCOUNT_LIST, json=account_list(
        [{"id": CLUSTER_ID, "application": "APACHE_CASSANDRA"}, {"id": PG_ID, "application": "POSTGRESQL"}],
        [{"id": "os-1", "application": "OPENSEARCH"}, {"id": "r-1", "application": "REDIS"},
         {"id": "k-1", "application": "KAFKA"}, {"id": "v-1", "application": "VALKEY"}, {"id": "u-1"}]))
    assert backend.list_account_clusters() == [
        {"id": CLUSTER_ID, "application": "cassandra", "api_application": "APACHE_CASSANDRA"},
        {"id": PG_ID, "application": "postgresql", "api_application": "POSTGRESQL"},
        {"id": "os-1", "application": "opensearch", "api_application": "OPENSEARCH"},
        {"id": "r-1", "application": "redis", "api_application": "REDIS"},
        {"id": "k-1", "application": None, "api_application": "KAFKA"},
        {"id": "v-1", "application": None, "api_application": "VALKEY"},
        {"id": "u-1", "application": None, "api_application": None}]


@pytest.mark.parametrize("payload, words", [
    ({"clusters": []}, "expected the account cluster list as a JSON list of accounts, got an object"),
    (["acc"], "expected account 0 as a JSON object, got a string"),
    ([{"clusters": {"id": "x"}}], "expected the clusters of account 0 as a JSON list, got an object"),
    ([{"clusters": []}, {"clusters": [{"application": "APACHE_CASSANDRA"}]}], "account 1 as an object with a string id"),
    ([{"clusters": [7]}], "got a number"),
])
def test_an_account_list_of_an_unexpected_shape_is_an_api_error_naming_the_operation(api, backend, payload, words):
    api.get(ACCOUNT_LIST, json=payload)
    with pytest.raises(ApiError) as raised:
        backend.list_clusters()
    assert str(raised.value).startswith("list clusters failed: HTTP 200 with an unexpected body") and words in str(raised.value)


def test_an_account_without_clusters_key_or_with_none_is_empty(api, backend):
    api.get(ACCOUNT_LIST, json=[{"accountId": "a"}, {"accountId": "b", "clusters": []}])
    assert backend.list_clusters() == []


def test_list_clusters_costs_the_list_plus_one_get_per_cluster_of_the_application(api, backend):
    other = "6a1b2c3d-0000-4000-8000-000000000001"
    api.get(ACCOUNT_LIST, json=account_list([{"id": CLUSTER_ID, "application": "APACHE_CASSANDRA"},
                                             {"id": PG_ID, "application": "POSTGRESQL"}],
                                            [{"id": other, "application": "APACHE_CASSANDRA"}]))
    api.get(cluster_url(CLUSTER_ID), json=v2_cluster())
    api.get(cluster_url(other), json=v2_cluster(other, "orders-restore", status="PROVISIONING", nodes=3))
    listed = backend.list_clusters()
    assert listed == [
        {"id": CLUSTER_ID, "name": "orders-prod", "status": "RUNNING", "cassandra_version": "4.0.10", "node_count": 2,
         "running_node_count": 2, "sla_tier": "NON_PRODUCTION"},
        {"id": other, "name": "orders-restore", "status": "PROVISIONING", "cassandra_version": "4.0.10", "node_count": 3,
         "running_node_count": 0, "sla_tier": "NON_PRODUCTION"}]
    assert [call.request.url for call in api.calls] == [ACCOUNT_LIST, cluster_url(CLUSTER_ID), cluster_url(other)]
    # the PostgreSQL cluster was never read: a Cassandra backend GETs Cassandra clusters only


def test_one_run_reads_each_cluster_once_for_lookups_but_waits_read_fresh(api, backend):
    api.get(ACCOUNT_LIST, json=account_list([{"id": CLUSTER_ID, "application": "APACHE_CASSANDRA"}]))
    get = api.get(cluster_url(CLUSTER_ID), json=v2_cluster())
    backend.get_cluster(CLUSTER_ID)           # e.g. the restore's source
    backend.list_clusters()                    # the name lookup reuses it
    backend.list_clusters()
    assert backend.get_cluster(CLUSTER_ID, reuse=True)["name"] == "orders-prod"
    assert get.call_count == 1
    backend.get_cluster(CLUSTER_ID)            # without reuse (a wait): always asks
    assert get.call_count == 2


def test_a_cluster_that_answers_404_is_left_out_and_read_again_next_time(api, backend):
    api.get(ACCOUNT_LIST, json=account_list([{"id": RESTORED_ID, "application": "APACHE_CASSANDRA"}]))
    get = api.get(cluster_url(RESTORED_ID), status=404)
    assert backend.list_clusters() == []
    api.replace(responses.GET, cluster_url(RESTORED_ID), json=v2_cluster(RESTORED_ID, "orders-restore"))
    assert [item["name"] for item in backend.list_clusters()] == ["orders-restore"]
    assert get.call_count == 1 and len([c for c in api.calls if c.request.url == cluster_url(RESTORED_ID)]) == 2


def test_a_deleted_cluster_is_never_answered_from_an_old_read(api, backend):
    api.get(cluster_url(RESTORED_ID), json=v2_cluster(RESTORED_ID, "orders-restore"))
    api.delete(cluster_url(RESTORED_ID), status=204)
    backend.get_cluster(RESTORED_ID)
    backend.delete_cluster(RESTORED_ID)
    assert RESTORED_ID not in backend.clusters_read


def test_429s_on_the_lookup_are_retried(api, backend):
    api.get(ACCOUNT_LIST, status=429)
    api.get(ACCOUNT_LIST, json=account_list([]))
    assert backend.list_clusters() == []
    assert backend.session.retried_statuses[429] == 1


def test_the_account_list_404_is_an_error_not_an_empty_account(api, backend):
    api.get(ACCOUNT_LIST, status=404)
    api.get(ACCOUNT_LIST + "/", status=404)  # the operator's spelling, tried once
    with pytest.raises(ApiError) as raised:
        backend.list_clusters()
    assert raised.value.status == 404 and raised.value.operation == "list clusters"


# ---- per-application facts beside the wire (issue 11) ----

def test_the_table_says_what_each_applications_backup_events_prove():
    facts = {name: (row.lists_backups, row.backup_event_types, row.restorable_range, row.point_in_time)
             for name, row in v2.APPLICATIONS.items()}
    assert facts == {
        "cassandra": (True, ("snapshot-upload",), True, True),
        "postgresql": (True, ("postgresql-backup", "snapshot-upload"), False, True),
        "opensearch": (True, ("snapshot-upload", "postgresql-backup"), False, True),
        "redis": (False, (), False, False),
    }


TAKES = {"cassandra": {"keyspace_tables", "cluster_network", "cdc_infos"}, "postgresql": {"cdc_infos"},
         "opensearch": {"index_names", "cdc_infos"}, "redis": {"cdc_infos"}}
OPTION_VALUES = {"keyspace_tables": ["ks.t1"], "cluster_network": "10.1.0.0/16", "index_names": ["idx1"],
                 "cdc_infos": [{"cdc_id": DC_ID}]}


@pytest.mark.parametrize("application", sorted(TAKES))
@pytest.mark.parametrize("option", sorted(OPTION_VALUES))
def test_check_restore_options_refuses_what_the_application_does_not_take_without_a_request(api, session, application, option):
    backend = ClusterManagementV2(session, application)
    if option in TAKES[application]:
        backend.check_restore_options({option: OPTION_VALUES[option]})
        backend.check_restore_options({option: OPTION_VALUES[option], "point_in_time": None})
    else:
        with pytest.raises(OptionError) as raised:
            backend.check_restore_options({option: OPTION_VALUES[option]})
        assert raised.value.option == option and application in raised.value.rule
    backend.check_restore_options({option: None})  # not given: nothing to refuse
    assert len(api.calls) == 0


@pytest.mark.parametrize("application", sorted(TAKES))
def test_point_in_time_is_refused_for_redis_only(session, application):
    backend = ClusterManagementV2(session, application)
    if application == "redis":
        with pytest.raises(OptionError) as raised:
            backend.check_restore_options({"point_in_time": "2026-11-20T10:00:00Z"})
        assert raised.value.option == "point_in_time" and "redis" in raised.value.rule and "latest state" in raised.value.rule
    else:
        backend.check_restore_options({"point_in_time": "2026-11-20T10:00:00Z"})


def account_list_with(cluster_id, application):
    return [{"accountId": "a1", "clusters": [{"id": "1" * 8, "application": "APACHE_CASSANDRA"}]},
            {"accountId": "a2", "clusters": [{"id": cluster_id.upper(), "application": application}]}]


def test_a_404_for_another_applications_cluster_names_it_and_the_option_to_set(api, session):
    backend = ClusterManagementV2(session, "cassandra")
    api.get(BASE + EXPECTED_PATHS["cassandra"]["list_backups"].format(id=PG_ID), status=404, json={"name": "clusterId", "message": "x"})
    api.get(ACCOUNT_LIST, json=account_list_with(PG_ID, "POSTGRESQL"))
    with pytest.raises(OptionError) as raised:
        backend.list_backup_events(PG_ID)
    assert raised.value.option == "cluster_id"
    assert "is a postgresql cluster" in raised.value.rule and "set application: postgresql" in raised.value.rule


def test_a_trigger_404_for_another_applications_cluster_names_it(api, session):
    backend = ClusterManagementV2(session, "redis")
    api.post(BASE + EXPECTED_PATHS["redis"]["trigger_backup"].format(id=PG_ID), status=404)
    api.post(BASE + EXPECTED_PATHS["redis"]["trigger_backup"].format(id=PG_ID).rstrip("/"), status=404)
    api.get(ACCOUNT_LIST, json=account_list_with(PG_ID, "OPENSEARCH"))
    with pytest.raises(OptionError) as raised:
        backend.trigger_backup(PG_ID)
    assert "set application: opensearch" in raised.value.rule


@pytest.mark.parametrize("listed, answer", [("APACHE_CASSANDRA", None), (None, None), ("KAFKA", "a KAFKA cluster")])
def test_check_cluster_application_only_fails_for_another_application(api, session, listed, answer):
    backend = ClusterManagementV2(session, "cassandra")
    api.get(ACCOUNT_LIST, json=account_list_with(PG_ID, listed) if listed else account_list_with("2" * 8, "REDIS"))
    if answer is None:
        assert backend.check_cluster_application(PG_ID) is None
    else:
        with pytest.raises(OptionError) as raised:
            backend.check_cluster_application(PG_ID, "restored_cluster_id")
        assert raised.value.option == "restored_cluster_id" and answer in raised.value.rule
    assert len(api.calls) == 1


def test_an_unreadable_account_list_leaves_the_404_as_it_is(api, session):
    backend = ClusterManagementV2(session, "postgresql")
    api.get(BASE + EXPECTED_PATHS["postgresql"]["list_backups"].format(id=PG_ID), status=404)
    api.get(BASE + EXPECTED_PATHS["postgresql"]["list_backups"].format(id=PG_ID).rstrip("/"), status=404)
    api.get(ACCOUNT_LIST, status=403)
    with pytest.raises(ApiError) as raised:
        backend.list_backup_events(PG_ID)
    assert raised.value.status == 404


def test_v1_takes_cassandras_options_only_and_never_reads_more_on_404(session):
    from ansible_collections.restorekit.instaclustr.plugins.module_utils._provisioning_v1 import ProvisioningV1
    backend = ProvisioningV1(session)
    assert backend.app is v2.APPLICATIONS["cassandra"]
    backend.check_restore_options({"keyspace_tables": ["ks.t"], "cluster_network": "10.1.0.0/16", "cdc_infos": [{}], "point_in_time": 1})
    with pytest.raises(OptionError) as raised:
        backend.check_restore_options({"index_names": ["idx"]})
    assert raised.value.option == "index_names" and "cassandra" in raised.value.rule
    assert backend.check_cluster_application(PG_ID) is None


# ---- the document's and the operator's spelling of a path ----

# The paths Instaclustr's operator client spells otherwise than the OpenAPI document (typed out here).
OPERATOR_SPELLINGS = {
    ("postgresql", "cluster"): "/cluster-management/v2/resources/applications/postgresql/clusters/v2/{id}",
    ("postgresql", "list_backups"): "/cluster-management/v2/data-sources/applications/postgresql/clusters/v2/{id}/list-backups/v2",
    ("opensearch", "list_backups"): "/cluster-management/v2/data-sources/applications/opensearch/clusters/v2/{id}/list-backups/v2",
    ("postgresql", "trigger_backup"): "/cluster-management/v2/operations/applications/postgres/clusters/v2/{id}/trigger-backup/v2",
    ("opensearch", "trigger_backup"): "/cluster-management/v2/operations/applications/opensearch/clusters/v2/{id}/trigger-backup/v2",
    ("redis", "trigger_backup"): "/cluster-management/v2/operations/applications/redis/clusters/v2/{id}/trigger-backup/v2",
}


def test_the_operator_spells_seven_application_paths_and_the_account_list_otherwise():
    found = {(name, operation): v2.operator_spelling(getattr(row, operation)).replace("{cluster_id}", "{id}")
             for name, row in v2.APPLICATIONS.items() for operation in ("cluster", "list_backups", "trigger_backup", "restore")
             if getattr(row, operation) and v2.operator_spelling(getattr(row, operation))}
    assert found == OPERATOR_SPELLINGS
    assert v2.operator_spelling(v2.ACCOUNT_CLUSTERS_PATH) == "/cluster-management/v2/data-sources/clusters/v2/"


@pytest.fixture
def state(tmp_path):
    from ansible_collections.restorekit.instaclustr.plugins.module_utils._state import StateFolder
    return StateFolder(str(tmp_path / "state"), BASE, "demo")


def sent(api):
    return [(call.request.method, call.request.url[len(BASE):]) for call in api.calls]


@pytest.mark.parametrize("application, operation", sorted(OPERATOR_SPELLINGS))
def test_a_404_to_the_documents_spelling_is_tried_once_in_the_operators_and_kept_for_the_next_process(
        api, session, state, application, operation):
    document = EXPECTED_PATHS[application][operation].format(id=PG_ID)
    operator = OPERATOR_SPELLINGS[(application, operation)].format(id=PG_ID)
    method = {"cluster": "GET", "list_backups": "GET", "trigger_backup": "POST"}[operation]
    answer = {"cluster": dict(json=v2_cluster(PG_ID)), "list_backups": dict(json={"id": PG_ID, "clusterDataCentres": []}),
              "trigger_backup": dict(status=202)}[operation]
    api.add(method, BASE + document, status=404, json={"name": "path", "message": "No route"})
    api.add(method, BASE + operator, **answer)
    call = {"cluster": lambda backend: backend.get_cluster(PG_ID), "list_backups": lambda backend: backend.list_backup_events(PG_ID),
            "trigger_backup": lambda backend: backend.trigger_backup(PG_ID)}[operation]
    call(ClusterManagementV2(session, application, state=state))
    assert sent(api) == [(method, document), (method, operator)]  # the POST too: a 404 proves nothing was done
    # A later module (its own process) reads the memo and sends the spelling that worked at once.
    call(ClusterManagementV2(session, application, state=state))
    assert sent(api)[2:] == [(method, operator)]


def test_the_account_list_falls_back_to_the_operators_trailing_slash(api, session, state):
    api.get(ACCOUNT_LIST, status=404)
    api.get(ACCOUNT_LIST + "/", json=[])
    backend = ClusterManagementV2(session, "cassandra", state=state)
    assert backend.list_account_clusters() == []
    assert backend.list_account_clusters() == []
    assert sent(api) == [("GET", ACCOUNT_LIST[len(BASE):]), ("GET", ACCOUNT_LIST[len(BASE):] + "/"), ("GET", ACCOUNT_LIST[len(BASE):] + "/")]


def test_when_both_spellings_answer_404_the_cluster_is_gone_and_nothing_is_learnt(api, session, state):
    document = EXPECTED_PATHS["postgresql"]["cluster"].format(id=PG_ID)
    api.delete(BASE + document, status=404)
    api.delete(BASE + document.rstrip("/"), status=404)
    assert ClusterManagementV2(session, "postgresql", state=state).delete_cluster(PG_ID) is False
    assert sent(api) == [("DELETE", document), ("DELETE", document.rstrip("/"))]
    assert state.memo(v2.SPELLING_MEMO) == {}


def test_once_a_spelling_is_known_a_404_is_the_apis_answer_and_costs_one_request(api, session, state):
    document = EXPECTED_PATHS["postgresql"]["cluster"].format(id=PG_ID)
    api.get(BASE + document, json=v2_cluster(PG_ID))
    api.get(BASE + document, status=404)
    backend = ClusterManagementV2(session, "postgresql", state=state)
    assert backend.get_cluster(PG_ID)["id"] == PG_ID
    assert backend.get_cluster(PG_ID) is None
    assert sent(api) == [("GET", document), ("GET", document)]
    assert state.memo(v2.SPELLING_MEMO)[v2.APPLICATIONS["postgresql"].cluster]["spelling"] == "document"


def test_a_spelling_learnt_long_ago_is_not_trusted(api, session, state):
    template = v2.APPLICATIONS["postgresql"].cluster
    state.remember(v2.SPELLING_MEMO, template, {"spelling": "operator", "learnt": 1000})
    document = template.format(cluster_id=PG_ID)
    api.get(BASE + document, json=v2_cluster(PG_ID))
    backend = ClusterManagementV2(session, "postgresql", state=state, clock=lambda: 1000 + v2.SPELLING_TRUSTED_SECONDS + 1)
    assert backend.get_cluster(PG_ID)["id"] == PG_ID
    assert sent(api) == [("GET", document)]
    assert state.memo(v2.SPELLING_MEMO)[template]["spelling"] == "document"


def test_a_restore_path_has_one_spelling_and_a_404_is_final(api, session, state):
    api.post(BASE + EXPECTED_PATHS["postgresql"]["restore"], status=404)
    with pytest.raises(ApiError):
        ClusterManagementV2(session, "postgresql", state=state).restore(PG_ID, {"name": "pg-restore"})
    assert len(api.calls) == 1
