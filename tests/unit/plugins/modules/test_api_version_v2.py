"""Every module's main() on api_version v2 against the fake API's v2 wire (same world as v1).

The same task gives a result of the same shape on both versions; the wire is v2's (paths, 202/204,
the restore body); exactly-once and idempotency hold; a name lookup costs the account list plus one
GET per Cassandra cluster, each read once per run.
"""

import json

import pytest
import requests

from ansible_collections.restorekit.instaclustr.plugins.modules import cluster_backup, cluster_backup_info, cluster_info, cluster_restore

V2 = "/cluster-management/v2"
ACCOUNT_LIST = V2 + "/data-sources/clusters/v2"
RESTORE_PATH = V2 + "/operations/applications/cassandra/restore/v2"
POINT_IN_TIME = "2026-11-18T12:00:00Z"
POINT_IN_TIME_MS = 1_795_168_800_000 - 46 * 3_600_000


def cluster_path(cluster_id):
    return V2 + "/resources/applications/cassandra/clusters/v2/" + cluster_id


def v2_args(module_args, **options):
    return module_args(api_version="v2", **options)


def gets(fake_api):
    return [path for method, path, _body in fake_api.requests if method == "GET"]


def without_times(result):
    """A result without the values that depend on the fake server clock (it moves per request)."""
    if isinstance(result, dict):
        return {key: without_times(value) for key, value in result.items()
                if not key.endswith(("_at", "_at_ms", "_seconds")) and key not in ("fresh", "invocation")}
    if isinstance(result, list):
        return [without_times(item) for item in result]
    return result


# ---- same result shape on both versions ----

def test_cluster_info_by_id_gives_the_same_result_on_v1_and_v2(run_module, module_args, fake_api):
    _code, on_v1 = run_module(cluster_info.main, module_args(cluster_id=fake_api.SOURCE_ID))
    fake_api.requests.clear()
    code, on_v2 = run_module(cluster_info.main, v2_args(module_args, cluster_id=fake_api.SOURCE_ID))
    assert code == 0, on_v2
    assert on_v2["clusters"] == on_v1["clusters"] and on_v2["clusters"][0]["data_centres"][0]["network"] == "10.2.0.0/16"
    assert gets(fake_api) == [cluster_path(fake_api.SOURCE_ID)]
    assert fake_api.PASSWORD not in json.dumps(on_v2)


def test_cluster_info_by_name_costs_the_account_list_and_one_get_per_cassandra_cluster(run_module, module_args, fake_api):
    code, result = run_module(cluster_info.main, v2_args(module_args, name="orders-prod"))
    assert code == 0, result
    assert [cluster["id"] for cluster in result["clusters"]] == [fake_api.SOURCE_ID]
    # 1 list + 2 GETs (both Cassandra clusters, in two accounts); PostgreSQL and Kafka never read; no GET twice
    assert sorted(gets(fake_api)) == sorted([ACCOUNT_LIST, cluster_path(fake_api.SOURCE_ID), cluster_path(fake_api.NOBACKUP_ID)])


def test_cluster_info_without_filter_lists_every_cassandra_cluster_of_every_account(run_module, module_args, fake_api):
    _code, on_v1 = run_module(cluster_info.main, module_args())
    code, on_v2 = run_module(cluster_info.main, v2_args(module_args))
    assert code == 0
    assert sorted(on_v2["clusters"], key=lambda c: c["id"]) == sorted(on_v1["clusters"], key=lambda c: c["id"])


def test_cluster_backup_info_gives_the_same_result_on_v1_and_v2(run_module, module_args, fake_api):
    _code, on_v1 = run_module(cluster_backup_info.main, module_args(cluster_id=fake_api.SOURCE_ID))
    fake_api.requests.clear()
    code, on_v2 = run_module(cluster_backup_info.main, v2_args(module_args, cluster_id=fake_api.SOURCE_ID))
    assert code == 0, on_v2
    assert set(on_v2) == set(on_v1) and set(on_v2["summary"]) == set(on_v1["summary"])
    assert without_times(on_v2) == without_times(on_v1)
    assert gets(fake_api) == [V2 + "/data-sources/applications/cassandra/clusters/v2/%s/list-backups/v2" % fake_api.SOURCE_ID]


# ---- cluster_backup ----

def test_cluster_backup_triggers_once_on_the_v2_path_and_follows_it(run_module, module_args, fake_api):
    code, result = run_module(cluster_backup.main, v2_args(module_args, cluster_id=fake_api.SOURCE_ID))
    assert code == 0, result
    assert result["triggered"] is True and result["backup"]["state"] == "COMPLETED"
    assert fake_api.mutations() == [("POST", V2 + "/operations/applications/cassandra/clusters/v2/%s/trigger-backup/v2" % fake_api.SOURCE_ID)]


def test_cluster_backup_ambiguous_trigger_on_v2_is_followed_without_a_second_post(run_module, module_args, fake_api):
    fake_api.fault("POST", "/trigger-backup/v2", exception=requests.exceptions.ConnectionError("reset"), after=True)
    code, result = run_module(cluster_backup.main, v2_args(module_args, cluster_id=fake_api.SOURCE_ID))
    assert code == 0, result
    assert result["triggered"] is True and len(fake_api.mutations()) == 1


def test_a_503_on_the_v2_trigger_is_a_definite_api_failure(run_module, module_args, fake_api):
    code, result = run_module(cluster_backup.main, v2_args(module_args, cluster_id=fake_api.NOBACKUP_ID))
    assert code == 1 and result["msg"].startswith("trigger backup failed: HTTP 503")
    assert result["api_error"]["path"].endswith("/trigger-backup/v2") and len(fake_api.mutations()) == 1


def test_the_v1_503_message_is_unchanged_after_moving_into_the_backend(run_module, module_args, fake_api):
    code, result = run_module(cluster_backup.main, module_args(cluster_id=fake_api.NOBACKUP_ID))
    assert code == 1 and result["msg"].startswith("backup capability is not available for cluster %s" % fake_api.NOBACKUP_ID)
    assert result["triggered"] is False


# ---- cluster_restore ----

def restore_v2(run_module, module_args, fake_api, **options):
    args = {"cluster_id": fake_api.SOURCE_ID, "name": "orders-restore-test", "point_in_time": POINT_IN_TIME}
    args.update(options)
    return run_module(cluster_restore.main, v2_args(module_args, **args))


def restore_posts(fake_api):
    return [json.loads(body) for method, path, body in fake_api.requests if method == "POST" and path == RESTORE_PATH]


def test_restore_on_v2_sends_the_exact_v2_body_once_and_waits(run_module, module_args, fake_api):
    code, result = restore_v2(run_module, module_args, fake_api, keyspace_tables=["orders.by_id", "orders.by_customer"],
                              cluster_network="10.12.0.0/16")
    assert code == 0, result
    body = {"clusterId": fake_api.SOURCE_ID, "restoredClusterName": "orders-restore-test", "pointInTime": str(POINT_IN_TIME_MS),
            "keyspaceTables": "orders.by_id,orders.by_customer", "clusterNetwork": "10.12.0.0/16"}
    assert restore_posts(fake_api) == [body] and result["request"]["body"] == body
    assert result["created"] is True and result["changed"] is True
    assert result["cluster"]["status"] == "RUNNING" and result["cluster"]["data_centres"][0]["network"] == "10.12.0.0/16"
    assert fake_api.clusters[result["restored_cluster_id"]]["clusterName"] == "orders-restore-test"
    assert result["duration_seconds"] is not None


def test_restore_results_have_the_same_keys_on_v1_and_v2(run_module, module_args, fake_api):
    _code, on_v1 = run_module(cluster_restore.main, module_args(cluster_id=fake_api.SOURCE_ID, name="on-v1", point_in_time=POINT_IN_TIME))
    code, on_v2 = restore_v2(run_module, module_args, fake_api, name="on-v2")
    assert code == 0, on_v2
    assert set(on_v2) == set(on_v1) and set(on_v2["request"]) == set(on_v1["request"])
    assert set(on_v2["cluster"]) == set(on_v1["cluster"])
    assert set(on_v2["cluster"]["data_centres"][0]["nodes"][0]) == set(on_v1["cluster"]["data_centres"][0]["nodes"][0])


def test_restore_on_v2_is_idempotent_by_name_and_the_lookup_reads_each_cluster_once(run_module, module_args, fake_api):
    code, first = restore_v2(run_module, module_args, fake_api, wait=False)
    assert code == 0, first
    fake_api.requests.clear()
    code, second = restore_v2(run_module, module_args, fake_api, wait=False)
    assert code == 0 and second["changed"] is False and second["created"] is False
    assert second["restored_cluster_id"] == first["restored_cluster_id"]
    assert fake_api.mutations() == []
    cluster_gets = [path for path in gets(fake_api) if path.startswith(V2 + "/resources/")]
    # source (rules) + the other Cassandra clusters (lookup) + the found one again at the end (its fresh state)
    assert ACCOUNT_LIST in gets(fake_api)
    looked_up = (fake_api.SOURCE_ID, fake_api.NOBACKUP_ID, first["restored_cluster_id"])
    assert sorted(set(cluster_gets)) == sorted(cluster_path(cluster_id) for cluster_id in looked_up)
    assert len(cluster_gets) == 4 and cluster_gets.count(cluster_path(fake_api.SOURCE_ID)) == 1


def test_restore_on_v2_after_an_ambiguous_post_finds_the_cluster_by_name_and_never_posts_again(run_module, module_args, fake_api):
    fake_api.fault("POST", "/restore/v2", exception=requests.exceptions.ConnectionError("reset"), after=True)
    code, result = restore_v2(run_module, module_args, fake_api, wait=False)
    assert code == 0, result
    assert result["created"] is True and len(restore_posts(fake_api)) == 1
    assert fake_api.clusters[result["restored_cluster_id"]]["clusterName"] == "orders-restore-test"


def test_restore_on_v2_answered_without_a_restored_cluster_id_is_ambiguous_not_reposted(run_module, module_args, fake_api):
    fake_api.fault("POST", "/restore/v2", status=202, body={"restoredClusterName": "orders-restore-test"}, after=True)
    code, result = restore_v2(run_module, module_args, fake_api, wait=False)
    assert code == 0, result
    assert len(restore_posts(fake_api)) == 1 and result["created"] is True


def test_restore_on_v2_that_did_not_act_fails_outcome_unknown_and_rerun_safe(run_module, module_args, fake_api):
    fake_api.fault("POST", "/restore/v2", status=502)
    code, result = restore_v2(run_module, module_args, fake_api, wait=False)
    assert code == 1 and result["msg"].startswith("restore outcome unknown: restore failed: HTTP 502")
    assert result["rerun_safe"] is True and len(restore_posts(fake_api)) == 1


def test_restore_on_v2_accepts_a_partial_cdc_infos_list_that_v1_refuses(run_module, module_args, fake_api):
    cdc_infos = [{"cdc_id": fake_api.DC1, "custom_vpc_id": "vpc-0abc1234", "custom_vpc_network": "10.20.0.0/16"}]
    code, result = run_module(cluster_restore.main, module_args(cluster_id=fake_api.SOURCE_ID, name="partial-v1",
                                                                point_in_time=POINT_IN_TIME, cdc_infos=cdc_infos))
    assert code == 1 and result["msg"].startswith("cdc_infos: must cover every data centre of the source cluster or none")
    assert fake_api.mutations() == []
    code, result = restore_v2(run_module, module_args, fake_api, cdc_infos=cdc_infos + [{"cdc_id": fake_api.DC2}], wait=False)
    assert code == 0, result
    assert restore_posts(fake_api)[0]["cdcConfigs"] == [
        {"cdcId": fake_api.DC1, "restoreMode": "CUSTOM_VPC", "customVpcSettings": {"vpcId": "vpc-0abc1234", "network": "10.20.0.0/16"}},
        {"cdcId": fake_api.DC2, "restoreMode": "NEW_VPC"}]


@pytest.mark.parametrize("cdc_infos, option", [
    ([{"cdc_id": "a8c32b20-c8f0-11e7-abc4-cec278b6b50a", "custom_vpc_id": "vpc-1"}], "cdc_infos[0].custom_vpc_network"),
    ([{"cdc_id": "a8c32b20-c8f0-11e7-abc4-cec278b6b50a", "custom_vpc_id": "vpc-1", "custom_vpc_network": "10.1.0.0/16",
       "restore_to_same_vpc": True}], "cdc_infos[0]"),
])
def test_bad_cdc_infos_on_v2_fail_naming_the_option_with_nothing_sent(run_module, module_args, fake_api, cdc_infos, option):
    code, result = restore_v2(run_module, module_args, fake_api, cdc_infos=cdc_infos)
    assert code == 1 and result["msg"].startswith(option + ": "), result["msg"]
    assert fake_api.mutations() == []


def test_an_unknown_api_version_fails_naming_it_before_any_request(run_module, module_args, fake_api):
    code, result = run_module(cluster_restore.main, module_args(api_version="v3", cluster_id=fake_api.SOURCE_ID, name="x-restore"))
    assert code == 1 and "api_version" in result["msg"] and fake_api.requests == []


def test_api_version_comes_from_ic_api_version(run_module, module_args, fake_api, monkeypatch):
    monkeypatch.setenv("IC_API_VERSION", "v2")
    code, result = run_module(cluster_info.main, module_args(cluster_id=fake_api.SOURCE_ID))
    assert code == 0 and gets(fake_api) == [cluster_path(fake_api.SOURCE_ID)]


# ---- cluster_restore state=absent ----

def restored_on_v2(run_module, module_args, fake_api):
    _code, result = restore_v2(run_module, module_args, fake_api)
    fake_api.requests.clear()
    return result["restored_cluster_id"]


def test_absent_on_v2_deletes_with_204_waits_until_gone_and_is_idempotent(run_module, module_args, fake_api):
    restored_id = restored_on_v2(run_module, module_args, fake_api)
    args = v2_args(module_args, cluster_id=fake_api.SOURCE_ID, state="absent", restored_cluster_id=restored_id)
    code, result = run_module(cluster_restore.main, args)
    assert code == 0 and result["changed"] is True, result
    assert fake_api.mutations() == [("DELETE", cluster_path(restored_id))] and fake_api._gone(restored_id)
    code, result = run_module(cluster_restore.main, args)
    assert code == 0 and result["changed"] is False and "already gone" in result["msg"]


def test_absent_on_v2_retries_409_like_v1(run_module, module_args, fake_api):
    restored_id = restored_on_v2(run_module, module_args, fake_api)
    fake_api.delete_conflicts = 2
    code, result = run_module(cluster_restore.main, v2_args(module_args, cluster_id=fake_api.SOURCE_ID, state="absent",
                                                            restored_cluster_id=restored_id))
    assert code == 0 and result["changed"] is True, result
    assert len(fake_api.mutations()) == 3
