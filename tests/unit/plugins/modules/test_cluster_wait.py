"""cluster_wait main() against the fake API: many operations started without waiting, waited for from one process."""

import json

from ansible_collections.restorekit.instaclustr.plugins.modules import cluster_backup, cluster_restore, cluster_wait

POINT_IN_TIME = "2026-11-18T12:00:00Z"


def start_restore(run_module, module_args, fake_api, name):
    code, result = run_module(cluster_restore.main, module_args(cluster_id=fake_api.SOURCE_ID, name=name,
                                                                point_in_time=POINT_IN_TIME, wait=False))
    assert code == 0, result
    return registered(result)


def registered(result):
    """A result as a playbook registers it: Ansible takes the warnings out and adds the invocation."""
    result.pop("warnings", None)
    result["invocation"] = {"module_args": {}}
    return result


def wait(run_module, module_args, waits, **options):
    return run_module(cluster_wait.main, module_args(waits=waits, **options))


def restore_item(key, started, **options):
    item = {"key": key, "operation": "restore", "cluster_id": started["restored_cluster_id"], "started": started}
    item.update(options)
    return item


def test_three_restores_waited_for_together_one_failure_stays_with_its_cluster(run_module, module_args, fake_api):
    started = {key: start_restore(run_module, module_args, fake_api, "drill-%s" % key) for key in ("a", "b", "c")}
    fake_api.clusters[started["b"]["restored_cluster_id"]]["_outcome"] = "FAILED"
    mutations_before = fake_api.mutations()
    code, result = wait(run_module, module_args, [restore_item(key, started[key]) for key in ("a", "b", "c")], wait_sleep=30)
    assert code == 0, result
    assert result["changed"] is False and result["failed_keys"] == ["b"]
    assert result["msg"] == "waited for 3 operations; 2 ended, 1 failed"
    assert fake_api.mutations() == mutations_before  # waiting sends nothing but reads
    for key in ("a", "c"):
        item = result["outcomes"][key]
        assert item["failed"] is False and item["polls"] > 1
        # the shape cluster_restore returns with wait: true, the start's fields kept
        assert item["created"] is True and item["restored_cluster_id"] == started[key]["restored_cluster_id"]
        assert item["cluster"]["status"] == "RUNNING" and item["msg"].endswith("; it is RUNNING")
        assert item["running_at_ms"] >= item["last_not_running_at_ms"] >= item["requested_at_ms"]
        assert item["duration_seconds"] == (item["running_at_ms"] - item["requested_at_ms"]) / 1000.0
        assert "invocation" not in item
    failed = result["outcomes"]["b"]
    assert failed["failed"] is True and "is FAILED" in failed["msg"] and failed["rerun_safe"] is True
    assert failed["created"] is True and failed["restored_cluster_id"] == started["b"]["restored_cluster_id"]
    assert failed["cluster"]["status"] == "FAILED"
    assert fake_api.PASSWORD not in json.dumps(result)
    # the reads of the three clusters were interleaved by one loop, not made one wait after the other
    reads = [path.rsplit("/", 1)[-1] for method, path, _body in fake_api.requests[-30:] if method == "GET"]
    assert len(set(reads[:3])) == 3


def test_the_same_result_as_waiting_in_the_module(run_module, module_args, fake_api):
    started = start_restore(run_module, module_args, fake_api, "drill-shape")
    code, together = wait(run_module, module_args, [restore_item("one", started)])
    assert code == 0
    code, alone = run_module(cluster_restore.main, module_args(
        cluster_id=fake_api.SOURCE_ID, name="drill-shape", point_in_time=POINT_IN_TIME, wait=True, adopt_existing=True))
    assert code == 0, alone
    assert set(alone) - {"adopted", "invocation", "rerun_safe", "warnings"} <= set(together["outcomes"]["one"])


def test_a_backup_started_without_waiting_is_followed_until_every_node_completed(run_module, module_args, fake_api):
    code, started = run_module(cluster_backup.main, module_args(cluster_id=fake_api.SOURCE_ID, wait=False))
    started = registered(started)
    assert code == 0 and started["backup"]["state"] == "ACTIVE"
    code, result = wait(run_module, module_args, [{"key": "src", "operation": "backup", "cluster_id": fake_api.SOURCE_ID,
                                                   "started": started}])
    assert code == 0, result
    item = result["outcomes"]["src"]
    assert item["failed"] is False and item["backup"]["state"] == "COMPLETED" and item["triggered"] is True
    assert item["triggered_at_ms"] == started["triggered_at_ms"]
    assert item["msg"].endswith("; every node completed")
    assert len([1 for method, _path in fake_api.mutations() if method == "POST"]) == 1  # the one trigger


def test_a_failed_backup_node_fails_its_item_naming_the_node(run_module, module_args, fake_api):
    failing = fake_api.NODES[fake_api.DC2][0]
    fake_api.backup_failure_nodes.add(failing)
    code, started = run_module(cluster_backup.main, module_args(cluster_id=fake_api.SOURCE_ID, wait=False))
    started = registered(started)
    code, result = wait(run_module, module_args, [{"key": "src", "operation": "backup", "cluster_id": fake_api.SOURCE_ID,
                                                   "started": started}])
    assert code == 0
    item = result["outcomes"]["src"]
    assert item["failed"] is True and "FAILED on node(s) %s" % failing in item["msg"]
    assert item["backup"]["state"] == "FAILED" and result["failed_keys"] == ["src"]


def test_a_reused_backup_needs_no_wait_and_a_redis_backup_cannot_be_followed(run_module, module_args, fake_api):
    fake_api.add_application_clusters()
    reused = {"triggered": False, "backup": {"state": "COMPLETED", "reused": True}, "msg": "reused"}
    code, result = wait(run_module, module_args, [
        {"key": "reused", "operation": "backup", "cluster_id": fake_api.SOURCE_ID, "started": reused},
        {"key": "redis", "operation": "backup", "cluster_id": fake_api.REDIS_ID, "application": "redis", "api_version": "v2",
         "started": {"triggered": True, "triggered_at_ms": fake_api.now_ms}}])
    assert code == 0, result
    assert result["outcomes"]["reused"] == dict(reused, failed=False, elapsed=None, polls=0)
    assert result["outcomes"]["redis"]["failed"] is True and "cannot be followed" in result["outcomes"]["redis"]["msg"]
    assert fake_api.requests == []


def test_each_item_has_its_own_timeout(run_module, module_args, fake_api, fake_time):
    started = {key: start_restore(run_module, module_args, fake_api, "drill-%s" % key) for key in ("short", "long")}
    code, result = wait(run_module, module_args, [restore_item("short", started["short"], wait_timeout=60),
                                                  restore_item("long", started["long"])], wait_sleep=10)
    assert code == 0
    short, long_ = result["outcomes"]["short"], result["outcomes"]["long"]
    assert short["failed"] is True and "timed out after 60 s" in short["msg"] and short["elapsed"] == 60
    assert long_["failed"] is False and long_["cluster"]["status"] == "RUNNING"


def test_deletions_waited_for_together_and_a_two_factor_delete_named(run_module, module_args, fake_api):
    started = {key: start_restore(run_module, module_args, fake_api, "drill-%s" % key) for key in ("a", "b")}
    wait(run_module, module_args, [restore_item(key, started[key]) for key in started])
    deletes = {}
    for key in ("a", "b"):
        fake_api.two_factor_delete = key == "b"
        code, deletes[key] = run_module(cluster_restore.main, module_args(
            cluster_id=fake_api.SOURCE_ID, state="absent", restored_cluster_id=started[key]["restored_cluster_id"], wait=False))
        deletes[key] = registered(deletes[key])
        assert code == 0 and deletes[key]["changed"] is True
    code, result = wait(run_module, module_args, [
        {"key": key, "operation": "delete", "cluster_id": started[key]["restored_cluster_id"], "started": deletes[key]}
        for key in ("a", "b")], wait_sleep=30)
    assert code == 0
    assert result["outcomes"]["a"]["failed"] is False and result["outcomes"]["a"]["msg"].endswith("; it is gone")
    assert result["outcomes"]["b"]["failed"] is True and "two-factor delete" in result["outcomes"]["b"]["msg"]


def test_check_mode_polls_nothing_and_returns_the_started_results(run_module, module_args, fake_api):
    started = {"created": True, "restored_cluster_id": fake_api.SOURCE_ID, "msg": "check mode"}
    code, result = wait(run_module, module_args, [restore_item("a", started)], _ansible_check_mode=True)
    assert code == 0 and result["outcomes"]["a"] == dict(started, failed=False, elapsed=None, polls=0)
    assert fake_api.requests == []


def test_a_bad_item_fails_alone_and_repeated_keys_fail_the_task(run_module, module_args, fake_api):
    started = start_restore(run_module, module_args, fake_api, "drill-ok")
    code, result = wait(run_module, module_args, [restore_item("ok", started),
                                                  {"key": "bad", "operation": "restore", "cluster_id": "not-a-uuid"}])
    assert code == 0
    assert result["failed_keys"] == ["bad"] and "waits[bad].cluster_id" in result["outcomes"]["bad"]["msg"]
    assert result["outcomes"]["ok"]["failed"] is False
    code, result = wait(run_module, module_args, [restore_item("ok", started), restore_item("ok", started)])
    assert code == 1 and "repeated: ok" in result["msg"]
