"""The v1 wire: paths, bodies, status codes, 404 mapping, ambiguous answers (HTTP mocked with responses)."""

import json

import pytest
import requests
import responses

from ansible_collections.restorekit.instaclustr.plugins.module_utils._errors import ApiError, OperationFailed, OptionError
from ansible_collections.restorekit.instaclustr.plugins.module_utils._http import ApiSession
from ansible_collections.restorekit.instaclustr.plugins.module_utils._provisioning_v1 import ProvisioningV1

BASE = "http://127.0.0.1:9"
CLUSTER_ID = "77b5a4e1-c422-4a78-b551-d8fa5c42ad95"
RESTORED_ID = "5b0f7c9e-2d47-4c43-9a61-0f3d2f1b8e77"
DC_ID = "a8c32b20-c8f0-11e7-abc4-cec278b6b50a"
DATE = "Fri, 20 Nov 2026 10:00:00 GMT"
DATE_MS = 1795168800000


@pytest.fixture
def backend():
    session = ApiSession(BASE, "demo", "demo-key", retries=2, sleep=lambda seconds: None)
    return ProvisioningV1(session)


@pytest.fixture
def api():
    with responses.RequestsMock() as mock:
        yield mock


def url(path=""):
    return BASE + "/provisioning/v1" + path


def test_list_clusters_shapes_items_and_404_means_none(api, backend):
    api.get(url(), json=[{"id": CLUSTER_ID, "name": "orders-prod", "derivedStatus": "RUNNING"}])
    assert backend.list_clusters()[0]["status"] == "RUNNING"
    api.replace(responses.GET, url(), status=404, json={"status": 404, "message": "no clusters"})
    assert backend.list_clusters() == []


def test_list_clusters_other_errors_raise(api, backend):
    api.get(url(), status=403, json={"message": "read-only key"})
    with pytest.raises(ApiError) as raised:
        backend.list_clusters()
    assert raised.value.status == 403 and raised.value.operation == "list clusters"


def test_get_cluster_accepts_202_and_404_is_none(api, backend):
    payload = {"id": CLUSTER_ID, "clusterName": "orders-prod", "clusterStatus": "RUNNING", "instaclustrUserPassword": "pw",
               "dataCentres": []}
    api.get(url("/" + CLUSTER_ID), status=202, json=payload, headers={"Date": DATE})
    cluster = backend.get_cluster(CLUSTER_ID)
    assert cluster["name"] == "orders-prod" and "pw" not in repr(cluster)
    assert backend.session.clock.now_ms() >= DATE_MS  # the server's Date was observed
    api.replace(responses.GET, url("/" + CLUSTER_ID), status=404, json={"message": "not found"})
    assert backend.get_cluster(CLUSTER_ID) is None


def test_get_cluster_with_a_body_of_the_wrong_type_is_an_api_error_naming_the_operation(api, backend):
    api.get(url("/" + CLUSTER_ID), status=202, json=["not", "an", "object"])
    with pytest.raises(ApiError) as raised:
        backend.get_cluster(CLUSTER_ID)
    assert "get cluster failed" in str(raised.value) and "unexpected body" in str(raised.value)


def test_delete_cluster_accepted_gone_and_conflict(api, backend):
    path = url("/" + RESTORED_ID)
    api.delete(path, status=202, json={"message": "Cluster has been marked for deletion."})
    assert backend.delete_cluster(RESTORED_ID) is True
    api.replace(responses.DELETE, path, status=404)
    assert backend.delete_cluster(RESTORED_ID) is False
    api.replace(responses.DELETE, path, status=409, json={"message": "dependencies still exist"})
    with pytest.raises(ApiError) as raised:
        backend.delete_cluster(RESTORED_ID)
    assert raised.value.status == 409 and raised.value.operation == "delete cluster"
    # v1's 409 means "dependent resources still exist: try again later"; the backend says so, not the module
    assert backend.delete_later(raised.value) is True
    api.replace(responses.DELETE, path, status=403, json={"message": "read-only key"})
    with pytest.raises(ApiError) as raised:
        backend.delete_cluster(RESTORED_ID)
    assert backend.delete_later(raised.value) is False


def test_list_backup_events_path_and_shape(api, backend):
    api.get(url("/%s/backups" % CLUSTER_ID), json={"id": CLUSTER_ID, "name": "orders-prod", "clusterDataCentres": [
        {"id": DC_ID, "name": "DC", "nodes": [{"id": "n1", "events": [{"type": "snapshot-upload", "state": "ACTIVE", "progress": 0.1,
                                                                      "start": 1, "end": None}]}]}]})
    backups = backend.list_backup_events(CLUSTER_ID)
    assert backups["data_centres"][0]["nodes"][0]["events"][0]["end"] is None


def test_list_backup_events_404_raises_with_the_cluster_id_hint(api, backend):
    api.get(url("/%s/backups" % CLUSTER_ID), status=404, json={"status": 404, "message": "Cluster not found"})
    with pytest.raises(ApiError) as raised:
        backend.list_backup_events(CLUSTER_ID)
    assert str(raised.value) == ("list backups failed: HTTP 404: Cluster not found "
                                 "(hint: check the cluster id: it is unknown to this account)")


def test_trigger_backup_posts_json_content_type_without_body_and_accepts_204(api, backend):
    call = api.post(url("/%s/backups" % CLUSTER_ID), status=204)
    assert backend.trigger_backup(CLUSTER_ID) is None
    assert call.call_count == 1
    sent = api.calls[0].request
    assert sent.headers["Content-Type"] == "application/json"
    assert not sent.body


def test_trigger_backup_503_is_definite_and_says_backup_capability_is_not_available(api, backend):
    call = api.post(url("/%s/backups" % CLUSTER_ID), status=503, json={"status": 503, "message": "Backup capability is not available"})
    with pytest.raises(OperationFailed) as raised:
        backend.trigger_backup(CLUSTER_ID)
    assert str(raised.value).startswith("backup capability is not available for cluster %s: trigger backup failed: HTTP 503"
                                        % CLUSTER_ID)
    assert raised.value.details["triggered"] is False and raised.value.details["api_error"]["status"] == 503
    assert call.call_count == 1


def test_trigger_backup_other_definite_failures_stay_api_errors(api, backend):
    api.post(url("/%s/backups" % CLUSTER_ID), status=404, json={"status": 404, "message": "Cluster not found"})
    with pytest.raises(ApiError) as raised:
        backend.trigger_backup(CLUSTER_ID)
    assert raised.value.status == 404 and raised.value.ambiguous is False


def test_cdc_infos_rule_of_v1_is_every_data_centre_or_none(backend):
    other_dc = "b9d43c31-d9a1-42f8-bcd5-dfd389c7c61b"
    with pytest.raises(OptionError) as raised:
        backend.check_cdc_infos([{"cdc_id": DC_ID, "restore_to_same_vpc": True}], [DC_ID, other_dc])
    assert raised.value.option == "cdc_infos" and "every data centre of the source cluster or none" in raised.value.rule
    with pytest.raises(OptionError) as raised:  # v1 has no "new VPC" entry: same VPC or a custom one
        backend.check_cdc_infos([{"cdc_id": DC_ID}], [DC_ID])
    assert raised.value.option == "cdc_infos[0]"
    assert backend.check_cdc_infos([{"cdc_id": DC_ID, "custom_vpc_id": "vpc-1"}], [DC_ID])[0]["custom_vpc_network"] is None


def test_restore_wire_body_is_camel_case_and_leaves_empty_values_out():
    request = {"name": "orders-restore", "point_in_time_ms": 1717401600000, "keyspace_tables": ["ks.t1", "ks.t2"],
               "cdc_infos": [{"cdc_id": DC_ID, "restore_to_same_vpc": False, "custom_vpc_id": "vpc-1", "custom_vpc_network": "10.20.0.0/16"},
                             {"cdc_id": "b" * 8, "restore_to_same_vpc": True, "custom_vpc_id": None, "custom_vpc_network": None}],
               "cluster_network": "10.12.0.0/16"}
    assert ProvisioningV1.restore_wire_body(CLUSTER_ID, request) == {
        "clusterNameOverride": "orders-restore", "pointInTime": 1717401600000, "keyspaceTables": "ks.t1,ks.t2",
        "cdcInfos": [{"cdcId": DC_ID, "restoreToSameVpc": False, "customVpcId": "vpc-1", "customVpcNetwork": "10.20.0.0/16"},
                     {"cdcId": "b" * 8, "restoreToSameVpc": True}],
        "clusterNetwork": "10.12.0.0/16"}
    minimal = {"name": "orders-restore", "point_in_time_ms": None, "keyspace_tables": [], "cdc_infos": [], "cluster_network": None}
    assert ProvisioningV1.restore_wire_body(CLUSTER_ID, minimal) == {"clusterNameOverride": "orders-restore"}


def test_restore_posts_the_wire_body_and_returns_the_new_id(api, backend):
    api.post(url("/%s/backups/restore" % CLUSTER_ID), json={"restoredCluster": RESTORED_ID})
    request = {"name": "orders-restore", "point_in_time_ms": 1717401600000, "keyspace_tables": [], "cdc_infos": [], "cluster_network": None}
    assert backend.restore(CLUSTER_ID, request) == RESTORED_ID
    assert json.loads(api.calls[0].request.body) == {"clusterNameOverride": "orders-restore", "pointInTime": 1717401600000}


def test_restore_success_without_an_id_is_ambiguous(api, backend):
    api.post(url("/%s/backups/restore" % CLUSTER_ID), status=200, json={"something": "else"})
    with pytest.raises(ApiError) as raised:
        backend.restore(CLUSTER_ID, {"name": "orders-restore"})
    assert raised.value.ambiguous is True and raised.value.operation == "restore"


def test_restore_connection_lost_after_sending_is_ambiguous_and_not_repeated(api, backend):
    call = api.post(url("/%s/backups/restore" % CLUSTER_ID), body=requests.exceptions.ConnectionError("reset by peer"))
    with pytest.raises(ApiError) as raised:
        backend.restore(CLUSTER_ID, {"name": "orders-restore"})
    assert raised.value.ambiguous is True
    assert call.call_count == 1


def test_restore_412_is_definite_with_the_reason(api, backend):
    api.post(url("/%s/backups/restore" % CLUSTER_ID), status=412,
             json={"cluster": CLUSTER_ID, "status": "Pre-condition failed", "reason": "no backup covers the point in time"})
    with pytest.raises(ApiError) as raised:
        backend.restore(CLUSTER_ID, {"name": "orders-restore"})
    assert raised.value.ambiguous is False
    assert "restore failed: HTTP 412: no backup covers the point in time" in str(raised.value)
