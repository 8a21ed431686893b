"""cluster_info main() runs against the fake API."""

import json

from ansible_collections.restorekit.instaclustr.plugins.modules import cluster_info

ITEM_KEYS = {"id", "name", "status", "sla_tier", "cassandra_version", "data_centres"}


def run(run_module, module_args, **options):
    return run_module(cluster_info.main, module_args(**options))


def test_by_id_returns_one_cluster_in_the_documented_shape_without_password(run_module, module_args, fake_api):
    code, result = run(run_module, module_args, cluster_id=fake_api.SOURCE_ID.upper())
    assert code == 0 and result["changed"] is False
    [cluster] = result["clusters"]
    assert set(cluster) == ITEM_KEYS | {"restore_record"}
    assert cluster["restore_record"] is None  # no intent record proves it a restore
    assert (cluster["id"], cluster["name"], cluster["status"]) == (fake_api.SOURCE_ID, "orders-prod", "RUNNING")
    data_centre = cluster["data_centres"][0]
    assert set(data_centre) == {"id", "name", "cdc_name", "provider", "status", "network", "nodes"}
    assert data_centre["network"] == "10.2.0.0/16"  # the fake sends the {network, prefixLength} object form
    assert set(data_centre["nodes"][0]) == {"id", "status", "rack", "size", "public_address", "private_address"}
    assert fake_api.PASSWORD not in json.dumps(result)
    assert fake_api.requests[0][:2] == ("GET", "/provisioning/v1/%s" % fake_api.SOURCE_ID)


def test_by_unknown_id_is_an_empty_list(run_module, module_args, fake_api):
    code, result = run(run_module, module_args, cluster_id="99999999-0000-4000-8000-000000000000")
    assert code == 0 and result["clusters"] == []


def test_by_name_lists_then_reads_each_match(run_module, module_args, fake_api):
    code, result = run(run_module, module_args, name="legacy-nobackup")
    assert code == 0
    assert [cluster["id"] for cluster in result["clusters"]] == [fake_api.NOBACKUP_ID]
    assert [request[:2] for request in fake_api.requests] == [
        ("GET", "/provisioning/v1"), ("GET", "/provisioning/v1/%s" % fake_api.NOBACKUP_ID)]


def test_by_name_without_match_is_an_empty_list(run_module, module_args, fake_api):
    code, result = run(run_module, module_args, name="nothing-like-it")
    assert code == 0 and result["clusters"] == []


def test_an_account_without_clusters_answers_404_to_the_list_and_gives_an_empty_list(run_module, module_args, fake_api):
    fake_api.clusters.clear()
    code, result = run(run_module, module_args, name="orders-prod")
    assert code == 0 and result["clusters"] == []


def test_without_id_or_name_every_cluster(run_module, module_args, fake_api):
    code, result = run(run_module, module_args)
    assert code == 0
    assert sorted(cluster["name"] for cluster in result["clusters"]) == ["legacy-nobackup", "orders-prod"]


def test_id_and_name_are_mutually_exclusive(run_module, module_args, fake_api):
    code, result = run(run_module, module_args, cluster_id=fake_api.SOURCE_ID, name="orders-prod")
    assert code == 1 and "mutually exclusive" in result["msg"]
    assert fake_api.requests == []


def test_bad_cluster_id_fails_naming_it(run_module, module_args, fake_api):
    code, result = run(run_module, module_args, cluster_id="42")
    assert code == 1 and result["msg"].startswith("cluster_id: must be a UUID")
    assert fake_api.requests == []


def test_check_mode_reads_the_same(run_module, module_args, fake_api):
    code, result = run(run_module, module_args, cluster_id=fake_api.SOURCE_ID, _ansible_check_mode=True)
    assert code == 0 and len(result["clusters"]) == 1


def test_an_api_failure_names_the_operation_and_status(run_module, module_args, fake_api):
    fake_api.fault("GET", "/provisioning/v1", status=401, body="")
    code, result = run(run_module, module_args, name="orders-prod")
    assert code == 1
    assert result["msg"].startswith("list clusters failed: HTTP 401")
    assert "check api_username and api_key" in result["msg"]
    assert "fake-api-key-1234" not in json.dumps(result)


def test_a_cluster_an_intent_record_proves_carries_it(run_module, module_args, fake_api, private_state_dir):
    from ansible_collections.restorekit.instaclustr.plugins.module_utils._state import StateFolder

    args = module_args(cluster_id=fake_api.SOURCE_ID)
    StateFolder(str(private_state_dir), args["api_url"], args["api_username"]).record_intent(
        operation="restore", restored_cluster_id=fake_api.SOURCE_ID, restored_name="orders-prod", run_id="r1",
        source_cluster_id="99999999-0000-4000-8000-000000000000", created_ms=1)
    code, result = run(run_module, module_args, cluster_id=fake_api.SOURCE_ID)
    assert code == 0
    record = result["clusters"][0]["restore_record"]
    assert record["run_id"] == "r1" and record["restored_name"] == "orders-prod" and record["nonce"]
