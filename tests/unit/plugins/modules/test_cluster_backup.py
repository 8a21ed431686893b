"""cluster_backup main() runs against the fake API: decide, trigger once, follow, fail clearly."""

import requests

from ansible_collections.restorekit.instaclustr.plugins.modules import cluster_backup

MINUTE = 60_000
HOUR = 60 * MINUTE


def run(run_module, module_args, **options):
    return run_module(cluster_backup.main, module_args(**options))


def all_nodes(fake_api):
    return [node_id for node_ids in fake_api.NODES.values() for node_id in node_ids]


def posts(fake_api):
    return [path for method, path in fake_api.mutations() if method == "POST"]


def test_triggers_once_and_follows_until_every_node_completed(run_module, module_args, fake_api):
    code, result = run(run_module, module_args, cluster_id=fake_api.SOURCE_ID)
    assert code == 0, result
    assert result["changed"] is True and result["triggered"] is True
    assert posts(fake_api) == ["/provisioning/v1/%s/backups" % fake_api.SOURCE_ID]
    # the trigger time is the server's (Date of the answer before the POST), not the controller's clock
    date_before_post_ms = 1_795_168_800_000 + fake_api.tick_ms
    assert 0 <= result["triggered_at_ms"] - date_before_post_ms < 1000
    backup = result["backup"]
    assert backup["state"] == "COMPLETED"
    assert [node["id"] for node in backup["nodes"]] == all_nodes(fake_api)
    for node in backup["nodes"]:
        assert node["event"]["state"] == "COMPLETED" and node["event"]["start"] >= result["triggered_at_ms"] - 5000
    assert backup["started_at_ms"] == min(node["event"]["start"] for node in backup["nodes"])
    assert backup["completed_at_ms"] == max(node["event"]["end"] for node in backup["nodes"])
    assert backup["duration_seconds"] == (backup["completed_at_ms"] - backup["started_at_ms"]) / 1000.0
    assert backup["completed_at"].endswith("Z") and backup["started_at"].startswith("2026-11-20T")
    assert backup["reused"] is False
    for node in backup["nodes"]:
        assert node["duration_seconds"] == (node["event"]["end"] - node["event"]["start"]) / 1000.0 == 600.0


def test_second_run_within_reuse_within_does_not_trigger(run_module, module_args, fake_api):
    _code, first = run(run_module, module_args, cluster_id=fake_api.SOURCE_ID, reuse_within="1h")
    assert first["triggered"] is True  # the existing backups are 25 hours old
    code, second = run(run_module, module_args, cluster_id=fake_api.SOURCE_ID, reuse_within="1h")
    assert code == 0 and second["changed"] is False and second["triggered"] is False
    assert second["triggered_at"] is None and second["triggered_at_ms"] is None
    assert len(posts(fake_api)) == 1
    assert second["backup"]["completed_at_ms"] == first["backup"]["completed_at_ms"]
    assert second["backup"]["state"] == "COMPLETED"


def test_without_reuse_within_a_second_run_triggers_a_fresh_backup_as_the_readme_says(run_module, module_args, fake_api):
    from pathlib import Path

    _code, first = run(run_module, module_args, cluster_id=fake_api.SOURCE_ID)
    code, second = run(run_module, module_args, cluster_id=fake_api.SOURCE_ID)
    assert code == 0 and first["triggered"] is True and second["triggered"] is True and second["changed"] is True
    assert len(posts(fake_api)) == 2
    # The README's promise names the option that makes a rerun reuse a recent backup, and says what happens without it.
    readme = " ".join((Path(__file__).resolve().parents[4] / "README.md").read_text().split())
    assert ("a backup is not triggered again while one runs on every node, nor, with `reuse_within`, while a recent one "
            "is complete (without it, each run asks for a fresh backup)") in readme


def test_a_reused_backup_says_so_and_reports_each_snapshots_own_duration(run_module, module_args, fake_api):
    # Scheduled snapshots, node after node: the reused "backup" spans 2.5 hours, no snapshot took more than 20 minutes.
    for index, node_id in enumerate(all_nodes(fake_api)):
        start = fake_api.now_ms - 3 * HOUR + index * 75 * MINUTE
        fake_api.add_event(fake_api.SOURCE_ID, node_id, "snapshot-upload", start, start + (10 + 5 * index) * MINUTE)
    code, result = run(run_module, module_args, cluster_id=fake_api.SOURCE_ID, reuse_within="6h")
    assert code == 0, result
    assert result["triggered"] is False and posts(fake_api) == []
    backup = result["backup"]
    assert backup["reused"] is True
    assert [node["duration_seconds"] for node in backup["nodes"]] == [600.0, 900.0, 1200.0]
    assert backup["duration_seconds"] == (150 + 20) * 60.0  # earliest start to latest end of exactly those snapshots
    assert backup["duration_seconds"] == (backup["completed_at_ms"] - backup["started_at_ms"]) / 1000.0


def test_reuse_within_counts_snapshots_only_not_commit_logs(run_module, module_args, fake_api):
    for node_id in all_nodes(fake_api):
        fake_api.add_event(fake_api.SOURCE_ID, node_id, "commitlog-upload", fake_api.now_ms - 10 * MINUTE, fake_api.now_ms - 5 * MINUTE)
    _code, result = run(run_module, module_args, cluster_id=fake_api.SOURCE_ID, reuse_within=7200, wait=False)
    assert result["triggered"] is True and len(posts(fake_api)) == 1


def _active_snapshot(fake_api, node_id, started_ago_ms, done_in_ms):
    fake_api.events[fake_api.SOURCE_ID][node_id].append(
        {"type": "snapshot-upload", "state": "ACTIVE", "progress": 0.2, "start": fake_api.now_ms - started_ago_ms,
         "end": None, "_done_at": fake_api.now_ms + done_in_ms, "_fails": False})


def test_a_scheduled_snapshot_active_on_some_nodes_only_is_not_followed_a_backup_is_triggered(run_module, module_args, fake_api):
    # The schedule snapshots one node after another: following that would take hours and cover one node.
    _active_snapshot(fake_api, all_nodes(fake_api)[1], MINUTE, 3 * HOUR)
    code, result = run(run_module, module_args, cluster_id=fake_api.SOURCE_ID)
    assert code == 0, result
    assert result["changed"] is True and result["triggered"] is True
    assert posts(fake_api) == ["/provisioning/v1/%s/backups" % fake_api.SOURCE_ID]
    assert result["msg"].startswith("triggered a backup; every node completed")
    backup = result["backup"]
    assert backup["state"] == "COMPLETED"
    assert [node["id"] for node in backup["nodes"]] == all_nodes(fake_api)
    for node in backup["nodes"]:  # the new snapshots, not the scheduled one still running
        assert node["event"]["start"] >= result["triggered_at_ms"] - 5000
    assert backup["duration_seconds"] < 3600


def test_check_mode_with_a_snapshot_active_on_some_nodes_says_it_would_trigger(run_module, module_args, fake_api):
    _active_snapshot(fake_api, all_nodes(fake_api)[0], MINUTE, HOUR)
    code, result = run(run_module, module_args, cluster_id=fake_api.SOURCE_ID, _ansible_check_mode=True)
    assert code == 0 and result["triggered"] is True and "would be triggered" in result["msg"]
    assert fake_api.mutations() == []


def test_a_backup_active_on_every_node_is_followed_not_triggered(run_module, module_args, fake_api):
    for index, node_id in enumerate(all_nodes(fake_api)):
        _active_snapshot(fake_api, node_id, MINUTE - index * 1000, 5 * MINUTE + index * 1000)
    code, result = run(run_module, module_args, cluster_id=fake_api.SOURCE_ID)
    assert code == 0, result
    assert result["changed"] is False and result["triggered"] is False
    assert posts(fake_api) == []
    assert result["backup"]["state"] == "COMPLETED"
    assert [node["id"] for node in result["backup"]["nodes"]] == all_nodes(fake_api)
    assert result["msg"].startswith("followed the backup already running on every node; every node completed")


def test_an_active_commit_log_is_not_a_running_backup(run_module, module_args, fake_api):
    fake_api.add_event(fake_api.SOURCE_ID, all_nodes(fake_api)[0], "commitlog-upload", fake_api.now_ms - MINUTE)
    _code, result = run(run_module, module_args, cluster_id=fake_api.SOURCE_ID, wait=False)
    assert result["triggered"] is True


def test_force_triggers_even_when_a_backup_runs_or_is_recent(run_module, module_args, fake_api):
    fake_api.add_event(fake_api.SOURCE_ID, all_nodes(fake_api)[0], "snapshot-upload", fake_api.now_ms - MINUTE)
    code, result = run(run_module, module_args, cluster_id=fake_api.SOURCE_ID, force=True, reuse_within="30d", wait=False)
    assert code == 0 and result["triggered"] is True and len(posts(fake_api)) == 1


def test_check_mode_says_it_would_trigger_and_sends_nothing(run_module, module_args, fake_api):
    code, result = run(run_module, module_args, cluster_id=fake_api.SOURCE_ID, _ansible_check_mode=True)
    assert code == 0 and result["changed"] is True and result["triggered"] is True
    assert "would be triggered" in result["msg"]
    assert fake_api.mutations() == []
    assert len(fake_api.requests) == 1  # one read, no wait


def test_check_mode_with_a_recent_backup_is_unchanged(run_module, module_args, fake_api):
    code, result = run(run_module, module_args, cluster_id=fake_api.SOURCE_ID, reuse_within="2d", _ansible_check_mode=True)
    assert code == 0 and result["changed"] is False and result["triggered"] is False
    assert fake_api.mutations() == []


def test_without_wait_returns_after_the_trigger_with_the_progress_seen(run_module, module_args, fake_api):
    code, result = run(run_module, module_args, cluster_id=fake_api.SOURCE_ID, wait=False)
    assert code == 0 and result["triggered"] is True
    assert result["backup"]["state"] == "ACTIVE"
    assert result["backup"]["completed_at"] is None and result["backup"]["duration_seconds"] is None
    assert len(fake_api.requests) == 3  # read, trigger, one read


def test_a_failed_node_fails_the_task_naming_it(run_module, module_args, fake_api):
    failing = all_nodes(fake_api)[2]
    fake_api.backup_failure_nodes.add(failing)
    code, result = run(run_module, module_args, cluster_id=fake_api.SOURCE_ID)
    assert code == 1
    assert "FAILED on node(s) %s" % failing in result["msg"]
    assert result["triggered"] is True and result["backup"]["state"] == "FAILED"
    assert len(posts(fake_api)) == 1


def test_timeout_fails_with_the_progress_last_seen_per_node(run_module, module_args, fake_api):
    fake_api.backup_duration_ms = 10 * HOUR
    code, result = run(run_module, module_args, cluster_id=fake_api.SOURCE_ID, wait_timeout=120, wait_sleep=30)
    assert code == 1
    assert result["msg"].startswith("timed out after 120 s waiting for the backup of cluster %s" % fake_api.SOURCE_ID)
    for node_id in all_nodes(fake_api):
        assert "%s: ACTIVE" % node_id in result["msg"]
    assert result["backup"]["state"] == "ACTIVE" and result["triggered"] is True
    assert len(posts(fake_api)) == 1


def test_ambiguous_trigger_that_acted_is_followed_without_a_second_post(run_module, module_args, fake_api):
    fake_api.fault("POST", "/backups", exception=requests.exceptions.ConnectionError("Connection reset by peer"), after=True)
    code, result = run(run_module, module_args, cluster_id=fake_api.SOURCE_ID)
    assert code == 0, result
    assert result["triggered"] is True and result["backup"]["state"] == "COMPLETED"
    assert len(posts(fake_api)) == 1


def test_ambiguous_trigger_that_did_not_act_fails_outcome_unknown_without_a_second_post(run_module, module_args, fake_api):
    fake_api.fault("POST", "/backups", exception=requests.exceptions.ConnectionError("Connection reset by peer"))
    code, result = run(run_module, module_args, cluster_id=fake_api.SOURCE_ID)
    assert code == 1
    assert result["msg"].startswith("trigger backup outcome unknown: trigger backup failed: connection lost")
    assert "The trigger was not sent again" in result["msg"]
    assert len(posts(fake_api)) == 1
    assert len(fake_api.requests) > 2  # it did look again


def test_5xx_on_the_trigger_is_ambiguous_too(run_module, module_args, fake_api):
    fake_api.fault("POST", "/backups", status=502, after=True)
    code, result = run(run_module, module_args, cluster_id=fake_api.SOURCE_ID, wait=False)
    assert code == 0 and result["triggered"] is True and len(posts(fake_api)) == 1


def test_503_says_backup_capability_is_not_available(run_module, module_args, fake_api):
    code, result = run(run_module, module_args, cluster_id=fake_api.NOBACKUP_ID)
    assert code == 1
    assert result["msg"].startswith("backup capability is not available for cluster %s: trigger backup failed: HTTP 503"
                                    % fake_api.NOBACKUP_ID)
    assert len(posts(fake_api)) == 1  # never retried


def test_a_definite_client_error_fails_with_the_operation_and_status(run_module, module_args, fake_api):
    fake_api.fault("POST", "/backups", status=403, body={"status": 403, "message": "read-only key"})
    code, result = run(run_module, module_args, cluster_id=fake_api.SOURCE_ID)
    assert code == 1
    assert result["msg"] == ("trigger backup failed: HTTP 403: read-only key "
                             "(hint: the API key lacks a permission; a read-only provisioning key can only read)")
    assert "fake-api-key-1234" not in repr(result)


def test_bad_reuse_within_fails_before_any_request(run_module, module_args, fake_api):
    code, result = run(run_module, module_args, cluster_id=fake_api.SOURCE_ID, reuse_within="soon")
    assert code == 1 and result["msg"].startswith("reuse_within:")
    assert fake_api.requests == []
