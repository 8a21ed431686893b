"""cluster_restore main() runs against the fake API: validation first, exactly once, waits, safe deletion."""

import json

import pytest
import requests

from ansible_collections.restorekit.instaclustr.plugins.modules import cluster_restore

MINUTE = 60_000
HOUR = 60 * MINUTE
DAY = 24 * HOUR
START_MS = 1_795_168_800_000  # the fake API's clock at the start of each test: 2026-11-20T10:00:00Z
POINT_IN_TIME = "2026-11-18T12:00:00Z"  # within the source's restorable range (2026-11-14T10:20Z to 2026-11-19T09:00Z)


def restore(run_module, module_args, fake_api, **options):
    args = {"cluster_id": fake_api.SOURCE_ID, "name": "orders-restore-test", "point_in_time": POINT_IN_TIME}
    args.update(options)
    return run_module(cluster_restore.main, module_args(**args))


def delete(run_module, module_args, fake_api, restored_cluster_id, **options):
    args = {"cluster_id": fake_api.SOURCE_ID, "state": "absent", "restored_cluster_id": restored_cluster_id}
    args.update(options)
    return run_module(cluster_restore.main, module_args(**args))


def restore_posts(fake_api):
    return [(method, path) for method, path in fake_api.mutations() if path.endswith("/backups/restore")]


def sent_bodies(fake_api):
    return [json.loads(body) for method, path, body in fake_api.requests if method == "POST"]


def test_restores_waits_until_running_and_returns_everything(run_module, module_args, fake_api):
    code, result = restore(run_module, module_args, fake_api, keyspace_tables=["orders.by_id", "orders.by_customer"],
                           cluster_network="10.12.0.0/16")
    assert code == 0, result
    assert result["changed"] is True and result["created"] is True
    restored_id = result["restored_cluster_id"]
    assert fake_api.clusters[restored_id]["clusterName"] == "orders-restore-test"
    assert len(restore_posts(fake_api)) == 1
    # the request, snake_case, with the exact wire body that was sent
    request = result["request"]
    assert request["name"] == "orders-restore-test"
    assert request["point_in_time"] == "2026-11-18T12:00:00.000Z" and request["point_in_time_ms"] == START_MS - 46 * HOUR
    assert request["keyspace_tables"] == ["orders.by_id", "orders.by_customer"]
    assert request["cluster_network"] == "10.12.0.0/16" and request["cdc_infos"] == []
    assert request["body"] == {"clusterNameOverride": "orders-restore-test", "pointInTime": START_MS - 46 * HOUR,
                               "keyspaceTables": "orders.by_id,orders.by_customer", "clusterNetwork": "10.12.0.0/16"}
    assert sent_bodies(fake_api) == [request["body"]]
    # the cluster, RUNNING, in cluster_info's shape, never a password
    cluster = result["cluster"]
    assert cluster["id"] == restored_id and cluster["status"] == "RUNNING"
    assert cluster["data_centres"][0]["network"] == "10.12.0.0/16"
    assert set(cluster["data_centres"][0]["nodes"][0]) == {"id", "status", "rack", "size", "public_address", "private_address"}
    assert fake_api.PASSWORD not in json.dumps(result) and "fake-api-key-1234" not in json.dumps(result)
    # times: server times, ISO with _ms twins, and the recovery duration
    assert result["requested_at_ms"] >= START_MS and result["requested_at"].startswith("2026-11-20T")
    assert result["running_at_ms"] - result["requested_at_ms"] >= fake_api.restore_duration_ms
    assert result["duration_seconds"] == (result["running_at_ms"] - result["requested_at_ms"]) / 1000.0
    # the last read that found it not yet RUNNING: after the request, before it was seen RUNNING
    assert result["requested_at_ms"] <= result["last_not_running_at_ms"] < result["running_at_ms"]
    assert result["last_not_running_at"].startswith("2026-11-20T")
    assert result["diff"] == {"before": {}, "after": request}


def test_second_run_with_the_same_name_changes_nothing(run_module, module_args, fake_api):
    _code, first = restore(run_module, module_args, fake_api)
    code, second = restore(run_module, module_args, fake_api)
    assert code == 0
    assert second["changed"] is False and second["created"] is False
    assert second["restored_cluster_id"] == first["restored_cluster_id"]
    assert second["cluster"]["status"] == "RUNNING"
    assert second["requested_at"] is None and second["duration_seconds"] is None
    assert len(restore_posts(fake_api)) == 1
    assert "diff" not in second


def test_check_mode_validates_returns_the_request_and_diff_and_sends_nothing(run_module, module_args, fake_api):
    code, result = restore(run_module, module_args, fake_api, _ansible_check_mode=True, _ansible_diff=True)
    assert code == 0 and result["changed"] is True and result["created"] is False
    assert result["restored_cluster_id"] is None
    assert result["request"]["body"] == {"clusterNameOverride": "orders-restore-test", "pointInTime": START_MS - 46 * HOUR}
    assert result["diff"] == {"before": {}, "after": result["request"]}
    assert fake_api.mutations() == []


def test_check_mode_still_fails_on_invalid_values(run_module, module_args, fake_api):
    code, result = restore(run_module, module_args, fake_api, _ansible_check_mode=True, point_in_time="2014-12-31T23:59:59Z")
    assert code == 1 and result["msg"].startswith("point_in_time:")


@pytest.mark.parametrize("options, option", [
    ({"name": "ab"}, "name"),
    ({"name": "-leading-dash"}, "name"),
    ({"name": "x" * 49}, "name"),
    ({"keyspace_tables": ["no_dot"]}, "keyspace_tables[0]"),
    ({"cluster_network": "10.0.0.0"}, "cluster_network"),
    ({"cluster_network": "10.0.0.1/16"}, "cluster_network"),
    ({"point_in_time": "2014-12-31T23:59:59Z"}, "point_in_time"),
    ({"point_in_time": "not a time"}, "point_in_time"),
    ({"point_in_time": "2026-11-20T09:00:00"}, "point_in_time"),  # no zone
    ({"point_in_time": "2026-11-20T11:00:00Z"}, "point_in_time"),  # the server's future (the controller's past)
    ({"cluster_id": "not-a-uuid"}, "cluster_id"),
    ({"wait_timeout": 0}, "wait_timeout"),
    ({"cdc_infos": [{"cdc_id": "a8c32b20-c8f0-11e7-abc4-cec278b6b50a", "restore_to_same_vpc": True}]}, "cdc_infos"),
    ({"cdc_infos": [{"cdc_id": "a8c32b20-c8f0-11e7-abc4-cec278b6b50a"},
                    {"cdc_id": "b9d43c31-d9a1-12f8-bcd5-dfd389c7c61b", "restore_to_same_vpc": True}]}, "cdc_infos[0]"),
    ({"point_in_time": "2026-11-13T10:00:00Z"}, "point_in_time"),  # before the restorable range
])
def test_invalid_values_fail_naming_the_option_and_send_no_mutating_request(run_module, module_args, fake_api, options, option):
    code, result = restore(run_module, module_args, fake_api, **options)
    assert code == 1, result
    assert result["msg"].startswith(option + ":"), result["msg"]
    assert fake_api.mutations() == []
    if option not in ("cluster_id", "wait_timeout"):  # those fail before the module body runs
        assert result["rerun_safe"] is True and result["created"] is False


@pytest.mark.parametrize("value", ["2026-11-20T09:00:00", "2026-11-20 09:00:00"])
def test_a_point_in_time_without_a_zone_is_refused_before_any_request_with_the_fix(run_module, module_args, fake_api, value):
    code, result = restore(run_module, module_args, fake_api, point_in_time=value)
    assert code == 1
    assert result["msg"].startswith("point_in_time: %r has no time zone" % value)
    assert "write 2026-11-20T09:00:00Z for UTC, or add its offset from UTC, such as 2026-11-20T09:00:00+02:00" in result["msg"]
    assert fake_api.requests == []


def test_future_point_in_time_is_judged_by_the_servers_clock(run_module, module_args, fake_api):
    code, result = restore(run_module, module_args, fake_api, point_in_time="2026-11-20T11:00:00Z")
    assert "must not be in the future" in result["msg"] and "API server's time 2026-11-20T10:00" in result["msg"]


def test_validate_backups_catches_a_point_before_the_restorable_range_and_can_be_turned_off(run_module, module_args, fake_api):
    code, result = restore(run_module, module_args, fake_api, point_in_time="2026-11-14T09:00:00Z")
    assert code == 1
    assert "outside the restorable range of cluster %s, 2026-11-14T10:20:00.000Z to 2026-11-19T09:00:00.000Z" % fake_api.SOURCE_ID in result["msg"]
    assert fake_api.mutations() == []
    code, result = restore(run_module, module_args, fake_api, point_in_time="2026-11-14T09:00:00Z", validate_backups=False, wait=False)
    assert code == 0 and len(restore_posts(fake_api)) == 1


def test_validate_backups_on_a_cluster_without_backups(run_module, module_args, fake_api):
    code, result = restore(run_module, module_args, fake_api, cluster_id=fake_api.NOBACKUP_ID, point_in_time=None)
    assert code == 1 and "has no restorable backup" in result["msg"] and result["rerun_safe"] is True
    assert fake_api.mutations() == []


def test_unknown_source_fails_naming_cluster_id(run_module, module_args, fake_api):
    code, result = restore(run_module, module_args, fake_api, cluster_id="99999999-0000-4000-8000-000000000000")
    assert code == 1 and result["msg"].startswith("cluster_id: no cluster 99999999-0000-4000-8000-000000000000")
    assert fake_api.mutations() == []


def test_deleting_and_deleted_clusters_with_the_name_do_not_count(run_module, module_args, fake_api):
    fake_api.add_cluster("12121212-0000-4000-8000-000000000000", "orders-restore-test", {fake_api.DC1: ["13131313-0000-4000-8000-000000000000"]})
    fake_api.clusters["12121212-0000-4000-8000-000000000000"]["_deleting_since"] = fake_api.now_ms
    fake_api.add_cluster("14141414-0000-4000-8000-000000000000", "orders-restore-test", {fake_api.DC1: []}, status="DELETED")
    code, result = restore(run_module, module_args, fake_api, wait=False)
    assert code == 0 and result["created"] is True and len(restore_posts(fake_api)) == 1


def test_several_live_clusters_with_the_name_fail_listing_their_ids(run_module, module_args, fake_api):
    for cluster_id in ("12121212-0000-4000-8000-000000000000", "14141414-0000-4000-8000-000000000000"):
        fake_api.add_cluster(cluster_id, "orders-restore-test", {fake_api.DC1: []})
    code, result = restore(run_module, module_args, fake_api)
    assert code == 1
    assert "several live clusters are named orders-restore-test: 12121212-0000-4000-8000-000000000000, 14141414" in result["msg"]
    assert fake_api.mutations() == []


def test_the_source_clusters_own_name_is_refused(run_module, module_args, fake_api):
    code, result = restore(run_module, module_args, fake_api, name="orders-prod")
    assert code == 1 and result["msg"].startswith("name: orders-prod is the source cluster's own name")
    assert fake_api.mutations() == []


def test_ambiguous_post_that_acted_is_found_by_name_and_never_posted_again(run_module, module_args, fake_api):
    fake_api.fault("POST", "/backups/restore", exception=requests.exceptions.ReadTimeout("read timed out"), after=True)
    code, result = restore(run_module, module_args, fake_api, wait=False)
    assert code == 0, result
    assert result["created"] is True and result["changed"] is True
    assert result["restored_cluster_id"] == fake_api.clusters_named("orders-restore-test")[0]["id"]
    assert len(restore_posts(fake_api)) == 1


def test_ambiguous_post_that_did_not_act_fails_outcome_unknown_and_rerun_safe(run_module, module_args, fake_api):
    fake_api.fault("POST", "/backups/restore", status=500)
    code, result = restore(run_module, module_args, fake_api)
    assert code == 1
    assert result["msg"].startswith("restore outcome unknown: restore failed: HTTP 500")
    assert result["msg"].endswith("no cluster named orders-restore-test was found within 90 s; a rerun is safe")
    assert result["rerun_safe"] is True and result["created"] is False
    assert len(restore_posts(fake_api)) == 1
    assert fake_api.clusters_named("orders-restore-test") == []
    # and the rerun is safe indeed: it restores once
    code, result = restore(run_module, module_args, fake_api, wait=False)
    assert code == 0 and len(fake_api.clusters_named("orders-restore-test")) == 1


def test_a_definite_failure_is_rerun_safe(run_module, module_args, fake_api):
    fake_api.fault("POST", "/backups/restore", status=412,
                   body={"cluster": fake_api.SOURCE_ID, "status": "Pre-condition failed", "reason": "no backup covers it"})
    code, result = restore(run_module, module_args, fake_api)
    assert code == 1
    assert result["msg"] == "restore failed: HTTP 412: no backup covers it (hint: no complete backup covers the requested point in time)"
    assert result["rerun_safe"] is True and result["api_error"]["status"] == 412
    assert len(restore_posts(fake_api)) == 1


def test_deferred_fails_at_once_saying_support_must_act_and_returns_the_cluster_id(run_module, module_args, fake_api):
    fake_api.restore_outcome = "DEFERRED"
    code, result = restore(run_module, module_args, fake_api)
    assert code == 1
    assert "is DEFERRED" in result["msg"] and "Instaclustr support must act" in result["msg"]
    assert result["created"] is True and result["restored_cluster_id"] in fake_api.clusters
    assert result["cluster"]["status"] == "DEFERRED"


def test_failed_restore_fails_fast(run_module, module_args, fake_api, fake_time):
    fake_api.restore_outcome = "FAILED"
    code, result = restore(run_module, module_args, fake_api)
    assert code == 1 and "is FAILED" in result["msg"]
    assert result["created"] is True
    assert sum(fake_time.sleeps) < 5400  # it did not wait for the timeout


def test_wait_timeout_names_the_status_last_seen(run_module, module_args, fake_api):
    fake_api.restore_duration_ms = 10 * DAY
    code, result = restore(run_module, module_args, fake_api, wait_timeout=300)
    assert code == 1
    assert result["msg"].startswith("timed out after 300 s waiting for the restored cluster")
    assert "last seen: status PROVISIONING; nodes: 2 PROVISIONING" in result["msg"]
    assert result["created"] is True and result["rerun_safe"] is True and result["restored_cluster_id"]


def test_without_wait_returns_the_new_cluster_as_it_is(run_module, module_args, fake_api):
    code, result = restore(run_module, module_args, fake_api, wait=False)
    assert code == 0 and result["cluster"]["status"] == "PROVISIONING"
    assert result["running_at"] is None and result["duration_seconds"] is None and result["last_not_running_at"] is None


def test_cdc_infos_covering_every_data_centre_are_sent_in_camel_case(run_module, module_args, fake_api):
    cdc_infos = [{"cdc_id": fake_api.DC1, "custom_vpc_id": "vpc-0abc1234", "custom_vpc_network": "10.20.0.0/16"},
                 {"cdc_id": fake_api.DC2, "restore_to_same_vpc": True}]
    code, result = restore(run_module, module_args, fake_api, cdc_infos=cdc_infos, wait=False)
    assert code == 0, result
    assert sent_bodies(fake_api)[0]["cdcInfos"] == [
        {"cdcId": fake_api.DC1, "restoreToSameVpc": False, "customVpcId": "vpc-0abc1234", "customVpcNetwork": "10.20.0.0/16"},
        {"cdcId": fake_api.DC2, "restoreToSameVpc": True}]


# ---- state: absent ----

def restored_cluster(run_module, module_args, fake_api):
    _code, result = restore(run_module, module_args, fake_api)
    fake_api.requests.clear()
    return result["restored_cluster_id"]


def test_absent_deletes_waits_until_gone_and_is_idempotent(run_module, module_args, fake_api):
    restored_id = restored_cluster(run_module, module_args, fake_api)
    code, result = delete(run_module, module_args, fake_api, restored_id, name="orders-restore-test")
    assert code == 0, result
    assert result["changed"] is True and result["cluster"]["id"] == restored_id
    assert fake_api.mutations() == [("DELETE", "/provisioning/v1/%s" % restored_id)]
    assert fake_api._gone(restored_id)
    code, result = delete(run_module, module_args, fake_api, restored_id)
    assert code == 0 and result["changed"] is False and "already gone" in result["msg"]
    assert len(fake_api.mutations()) == 1


def test_absent_refuses_the_source_cluster(run_module, module_args, fake_api):
    code, result = delete(run_module, module_args, fake_api, fake_api.SOURCE_ID.upper())
    assert code == 1 and result["msg"].startswith("restored_cluster_id: is the source cluster_id")
    assert fake_api.requests == []


def test_absent_refuses_a_name_that_does_not_match(run_module, module_args, fake_api):
    restored_id = restored_cluster(run_module, module_args, fake_api)
    code, result = delete(run_module, module_args, fake_api, restored_id, name="something-else")
    assert code == 1 and result["msg"].startswith("name: cluster %s is named 'orders-restore-test'" % restored_id)
    assert fake_api.mutations() == []


def test_absent_requires_restored_cluster_id(run_module, module_args, fake_api):
    code, result = run_module(cluster_restore.main, module_args(cluster_id=fake_api.SOURCE_ID, state="absent"))
    assert code == 1 and "restored_cluster_id" in result["msg"]
    assert fake_api.requests == []


def test_absent_by_name_alone_deletes_when_the_name_matches(run_module, module_args, fake_api):
    restored_id = restored_cluster(run_module, module_args, fake_api)
    code, result = run_module(cluster_restore.main, module_args(state="absent", restored_cluster_id=restored_id,
                                                                name="orders-restore-test"))
    assert code == 0 and result["changed"], result
    assert ("DELETE", "/provisioning/v1/%s" % restored_id) in fake_api.mutations()


def test_absent_needs_the_source_id_or_the_name_as_a_guard(run_module, module_args, fake_api):
    restored_id = restored_cluster(run_module, module_args, fake_api)
    code, result = run_module(cluster_restore.main, module_args(state="absent", restored_cluster_id=restored_id))
    assert code == 1 and "cluster_id, name" in result["msg"], result
    assert [m for m in fake_api.mutations() if m[0] == "DELETE"] == []


def test_present_requires_the_source_cluster_id(run_module, module_args, fake_api):
    code, result = run_module(cluster_restore.main, module_args(name="orders-restore-test"))
    assert code == 1 and "cluster_id" in result["msg"]
    assert fake_api.requests == []


def test_absent_on_a_deleting_cluster_is_unchanged(run_module, module_args, fake_api):
    restored_id = restored_cluster(run_module, module_args, fake_api)
    fake_api.clusters[restored_id]["_deleting_since"] = fake_api.now_ms
    code, result = delete(run_module, module_args, fake_api, restored_id, wait=False)
    assert code == 0 and result["changed"] is False and "DELETING" in result["msg"]
    assert fake_api.mutations() == []


def test_absent_in_check_mode_sends_nothing(run_module, module_args, fake_api):
    restored_id = restored_cluster(run_module, module_args, fake_api)
    code, result = delete(run_module, module_args, fake_api, restored_id, _ansible_check_mode=True)
    assert code == 0 and result["changed"] is True and "would be deleted" in result["msg"]
    assert fake_api.mutations() == []


def test_absent_retries_409_until_accepted(run_module, module_args, fake_api):
    restored_id = restored_cluster(run_module, module_args, fake_api)
    fake_api.delete_conflicts = 2
    code, result = delete(run_module, module_args, fake_api, restored_id)
    assert code == 0 and result["changed"] is True
    assert len(fake_api.mutations()) == 3


def test_absent_409_until_wait_timeout_fails(run_module, module_args, fake_api):
    restored_id = restored_cluster(run_module, module_args, fake_api)
    fake_api.delete_conflicts = 10 ** 6
    code, result = delete(run_module, module_args, fake_api, restored_id, wait_timeout=120)
    assert code == 1 and "HTTP 409" in result["msg"] and "timed out after 120 s" in result["msg"]


def test_absent_a_cluster_that_stays_after_an_accepted_delete_is_two_factor(run_module, module_args, fake_api):
    restored_id = restored_cluster(run_module, module_args, fake_api)
    fake_api.two_factor_delete = True
    code, result = delete(run_module, module_args, fake_api, restored_id)
    assert code == 1
    assert "two-factor delete" in result["msg"] and "still RUNNING, not DELETING" in result["msg"]
    assert result["restored_cluster_id"] == restored_id


UNPROVEN_ID = "0c0ffee0-1111-4222-8333-444455556666"


def test_absent_needs_an_intent_record_to_delete_unless_forced_but_not_to_leave_a_deleting_cluster(run_module, module_args, fake_api):
    """No record proves a cluster made behind the module's back: refused, nothing sent; force deletes it; one already
    DELETING is left as it is without asking for proof (no DELETE is sent)."""
    fake_api.add_cluster(UNPROVEN_ID, "made-by-hand", {"dc0000aa-0000-4000-8000-000000000001": ["n0000aa-1"]})
    code, result = delete(run_module, module_args, fake_api, UNPROVEN_ID)
    assert code == 1 and "no intent record" in result["msg"] and "nothing was deleted" in result["msg"], result
    assert fake_api.mutations() == []
    code, result = delete(run_module, module_args, fake_api, UNPROVEN_ID, force=True, wait=False)
    assert code == 0 and result["changed"], result
    assert fake_api.mutations() == [("DELETE", "/provisioning/v1/%s" % UNPROVEN_ID)]
    fake_api.clusters[UNPROVEN_ID]["clusterStatus"] = "DELETING"
    code, result = delete(run_module, module_args, fake_api, UNPROVEN_ID, wait=False)
    assert code == 0 and result["changed"] is False and "already DELETING" in result["msg"], result
    assert len(fake_api.mutations()) == 1
