"""The drill's failure paths (issue 4, section 7): each fails with its reason in the report and the
summary, and leaves behind nothing it created (or keeps it when asked, or never had it)."""

from pathlib import Path

import pytest

from tests.drill.conftest import (
    api_versions_used,
    check_by_id,
    deleted_ids,
    live_restored_clusters,
    restore_posts,
    run_drill,
)
from tests.support.emulator import INVENTORY_DEV_ID

FILES = Path(__file__).resolve().parent / "files"
HOST = "inventory-dev"


def drill_host(**variables):
    return {HOST: dict({"backup_restore_drill_cluster_id": INVENTORY_DEV_ID}, **variables)}


def inventory_node_ids(emulator):
    state = emulator.cluster_state(INVENTORY_DEV_ID)
    return [node["id"] for dc in state["data_centres"] for node in dc["nodes"]]


def assert_failed_summary(run, text):
    summary = run.summary()
    assert summary["status"] == "failed" and summary["failed"] == [HOST]
    assert text in summary["drills"][0]["message"]
    assert text in run.output  # the playbook's final failure says it too


def test_backup_failing_on_one_node(emulator, tmp_path):
    failing = inventory_node_ids(emulator)[1]
    emulator.set_outcomes(backup_failure_nodes=[failing])

    run = run_drill(emulator, tmp_path, drill_host())

    assert run.rc != 0
    report = run.report()
    assert report["status"] == "failed"
    assert report["failure"]["phase"] == "backup"
    backup = check_by_id(report, "backup_completed")
    assert backup["status"] == "failed"
    assert backup["figures"]["failed_nodes"] == [failing]
    assert failing in backup["details"]
    assert_failed_summary(run, failing)
    # No restore was requested, so there was nothing to delete: nothing is left behind.
    assert restore_posts(emulator) == []
    assert live_restored_clusters(emulator) == []
    assert report["cleanup"]["action"] == "none"
    assert check_by_id(report, "restore_running")["status"] == "not_verifiable"


def test_restore_deferred_fails_at_once_and_is_cleaned_up(emulator, tmp_path):
    emulator.set_outcomes(next_restore="DEFERRED")

    # A wait far longer than the run may take: the drill must not wait for it.
    run = run_drill(emulator, tmp_path, drill_host(backup_restore_drill_restore_wait_timeout=900))

    assert run.rc != 0
    assert run.seconds < 120, "the drill waited %.0f s on a DEFERRED restore" % run.seconds
    report = run.report()
    assert report["failure"]["phase"] == "restore"
    running = check_by_id(report, "restore_running")
    assert running["status"] == "failed" and "DEFERRED" in running["details"]
    assert "support" in running["details"]
    assert check_by_id(report, "restore_created")["status"] == "passed"
    assert_failed_summary(run, "DEFERRED")
    # Cleanup ran: the DEFERRED cluster this drill created was deleted.
    restored_id = report["restored"]["id"]
    assert restored_id and deleted_ids(emulator) == [restored_id]
    assert report["cleanup"]["action"] == "deleted"
    assert live_restored_clusters(emulator) == []


def test_rto_target_breached(emulator, tmp_path):
    run = run_drill(emulator, tmp_path, drill_host(backup_restore_drill_rto_target="5m"))

    assert run.rc != 0
    report = run.report()
    assert report["failure"] is None  # every phase ran; the verdict fails
    rto = check_by_id(report, "rto")
    assert rto["status"] == "failed"
    assert rto["figures"]["target_seconds"] == 300.0 and rto["figures"]["seconds"] > 1000
    assert "exceeds the target 5m00s (300.0 s)" in rto["details"]
    assert report["failed_checks"] == ["rto"]
    assert_failed_summary(run, "exceeds the target")
    assert deleted_ids(emulator) == [report["restored"]["id"]]


@pytest.mark.parametrize("api_version", ["v1", "v2"])
def test_failing_user_check_is_a_failed_check_and_the_cluster_is_deleted(emulator, tmp_path, api_version):
    """On v2 through IC_API_VERSION (no host variable): the cleanup deletes over v2 too."""
    run = run_drill(emulator, tmp_path, drill_host(backup_restore_drill_verify_tasks=str(FILES / "verify_canary_fails.yml")),
                    env={"IC_API_VERSION": api_version})

    assert run.rc != 0
    report = run.report()
    assert report["api_version"] == api_version and api_versions_used(emulator) == {api_version}
    user = check_by_id(report, "user_checks")
    assert user["status"] == "failed"
    assert "Canary row is present in the restored cluster" in user["details"]
    assert "canary row not found" in user["details"]
    assert report["failed_checks"] == ["user_checks"]
    assert report["failure"] is None  # a failed check, not a crash
    assert check_by_id(report, "restore_running")["status"] == "passed"
    assert_failed_summary(run, "canary row not found")
    assert deleted_ids(emulator) == [report["restored"]["id"]]
    assert live_restored_clusters(emulator) == []


def test_cleanup_false_keeps_the_cluster_and_says_so(emulator, tmp_path):
    run = run_drill(emulator, tmp_path, drill_host(backup_restore_drill_cleanup=False))

    assert run.rc == 0, run.output[-3000:]
    report = run.report()
    assert report["status"] == "passed"
    assert report["cleanup"]["action"] == "kept"
    restored_id = report["restored"]["id"]
    assert restored_id in report["cleanup"]["details"] and "billed" in report["cleanup"]["details"]
    assert deleted_ids(emulator) == []
    assert [c["id"] for c in live_restored_clusters(emulator)] == [restored_id]
    markdown, = run.reports("markdown")
    assert "**kept**" in markdown.read_text()


def test_existing_cluster_with_the_drills_name_is_not_deleted(emulator, tmp_path):
    name = "drill-inventory-dev-fixed"
    created = emulator.api("POST", "/provisioning/v1/%s/backups/restore" % INVENTORY_DEV_ID, json={"clusterNameOverride": name})
    assert created.status_code == 200, created.text
    existing_id = created.json()["restoredCluster"]

    run = run_drill(emulator, tmp_path, drill_host(backup_restore_drill_restore_name=name))

    assert run.rc != 0
    report = run.report()
    check = check_by_id(report, "restore_created")
    assert check["status"] == "failed"
    # No intent record proves it is this drill's: the restore sends nothing and takes nothing.
    assert existing_id in check["details"] and "nothing was sent or deleted" in check["details"]
    assert report["restored"] == dict(report["restored"], id=None, created=False)
    assert report["cleanup"]["action"] == "none"
    assert_failed_summary(run, existing_id)
    # Only the restore made before the drill; no DELETE at all.
    assert len(restore_posts(emulator)) == 1
    assert deleted_ids(emulator) == []
    assert [c["id"] for c in live_restored_clusters(emulator)] == [existing_id]


def test_invalid_input_fails_before_anything_is_sent(emulator, tmp_path):
    run = run_drill(emulator, tmp_path, drill_host(backup_restore_drill_rto_target="soon",
                                                   backup_restore_drill_cluster_network="10.0.0.0/40"))

    assert run.rc != 0
    report = run.report()
    inputs = check_by_id(report, "inputs")
    assert inputs["status"] == "failed"
    assert "backup_restore_drill_rto_target" in inputs["details"]
    assert "backup_restore_drill_cluster_network" in inputs["details"]
    assert report["failure"]["phase"] == "preflight"
    assert emulator.mutating_requests() == []


def test_negative_waits_fail_in_the_preflight_before_anything_is_sent(emulator, tmp_path):
    """Every wait is checked first (cleanup's too): no production backup triggered, no cluster restored and left behind."""
    run = run_drill(emulator, tmp_path, drill_host(backup_restore_drill_delete_wait_timeout=-5,
                                                   backup_restore_drill_restore_wait_timeout=-5))

    assert run.rc != 0
    report = run.report()
    inputs = check_by_id(report, "inputs")
    assert inputs["status"] == "failed" and report["failure"]["phase"] == "preflight"
    assert "backup_restore_drill_delete_wait_timeout" in inputs["details"]
    assert "backup_restore_drill_restore_wait_timeout" in inputs["details"]
    assert emulator.mutating_requests() == []


def test_a_cluster_the_drill_cannot_prove_is_kept_and_reported(emulator, tmp_path):
    """The drill's restore request is lost before the server acts; within the grace window another source's restore
    (another task, its own intent record) makes a cluster of the drill's name. Not the drill's: kept, and said so."""
    import json
    import os
    import subprocess
    import sys
    import threading
    import time

    from tests.support.collection import collections_root
    from tests.support.emulator import ORDERS_PROD_ID

    name = "drill-inventory-dev-rival"
    restore_path = "/provisioning/v1/%s/backups/restore" % INVENTORY_DEV_ID
    emulator.add_fault("POST", restore_path, "drop_before", count=1)
    args_file = tmp_path / "rival.json"
    args_file.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": {
        "api_url": emulator.url, "api_username": emulator.username, "api_key": emulator.api_key,
        "cluster_id": ORDERS_PROD_ID, "name": name, "wait": False, "validate_backups": False}}))
    rival = {}

    def other_restore():
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not any(
                entry["method"] == "POST" and entry["path"] == restore_path for entry in emulator.requests_log()):
            time.sleep(0.25)
        rival["run"] = subprocess.run(
            [sys.executable, "-m", "ansible_collections.restorekit.instaclustr.plugins.modules.cluster_restore", str(args_file)],
            env=dict(os.environ, PYTHONPATH=str(collections_root())), capture_output=True, text=True, timeout=60, check=False)

    thread = threading.Thread(target=other_restore)
    thread.start()
    try:
        run = run_drill(emulator, tmp_path / "drill", drill_host(backup_restore_drill_restore_name=name))
    finally:
        thread.join(150)
    assert rival["run"].returncode == 0, rival["run"].stdout + rival["run"].stderr
    rival_id = json.loads(rival["run"].stdout)["restored_cluster_id"]

    assert run.rc != 0
    report = run.report()
    assert report["cleanup"]["action"] == "kept" and report["cleanup"]["cluster_id"] == rival_id, report["cleanup"]
    assert "no intent record proves this drill made it" in report["cleanup"]["details"]
    assert rival_id not in deleted_ids(emulator)
    assert [c["id"] for c in live_restored_clusters(emulator)] == [rival_id]
