"""Unit tests of the report (plugins/plugin_utils/drill_report.py)."""

from ansible_collections.restorekit.instaclustr.plugins.plugin_utils import drill_report
from tests.unit.plugins.plugin_utils.drill_fixtures import (
    NOW,
    context,
    statuses,
)


def test_a_passing_drill():
    report = drill_report.build_report(context())
    assert report["status"] == "passed" and report["failed_checks"] == []
    assert statuses(report) == {
        "inputs": "passed", "source_running": "passed", "backups_available": "passed", "backup_completed": "passed",
        "restore_created": "passed", "restore_running": "passed", "topology": "passed", "restore_events": "passed",
        "canary_restored": "not_verifiable", "point_in_time_honoured": "not_verifiable", "catalogue": "not_verifiable",
        "network": "not_verifiable", "tables": "not_verifiable", "rto": "passed", "rpo": "passed",
        "user_checks": "not_verifiable", "drill_completed": "passed"}
    # RTO from the restored nodes' cassandra-restore events (request to the last end); RPO from the
    # backups before the drill (its last one 10 minutes before the start), the drill's own backup aside.
    assert report["format_version"] == 3
    assert report["figures"] == {"rto_seconds": 1100.0, "rto_source": "api_events", "rpo_seconds": 600.0,
                                 "restore_point_age_seconds": 0.0, "backup_seconds": 605.0, "restore_seconds": 1200.0,
                                 "rto_text": "18m20s", "rpo_text": "10m00s",
                                 "rpo_basis": "backups", "proven_rpo_seconds": None, "proven_restore_point": None,
                                 "proven_restore_point_ms": None}
    assert report["figure_sentences"].pop("proven_rpo").startswith("Proven RPO: not measured: backup_restore_drill_data_access_cidr")
    assert report["figure_sentences"] == {
        "rpo": "RPO: had the cluster been lost at the drill's start, the backups made before it would have restored it to "
               "10m00s before then (2026-11-18T10:56:40.000Z).",
        "restore_point": "The restored point was 10m00s after the drill's start (the drill's own backup)."}
    assert report["cleanup"]["action"] == "deleted"
    assert report["files"]["junit"] == "/tmp/reports/drill-orders-prod-a1b2c3d4.junit.xml"
    topology = [c for c in report["checks"] if c["id"] == "topology"][0]["figures"]
    assert topology["expected"]["AWS_VPC_US_EAST_1"] == {"nodes": 3, "racks": ["us-east-1a", "us-east-1a", "us-east-1b"]}
    phases = {p["name"]: p for p in report["phases"]}
    assert phases["backup"]["controller_seconds"] == 10.0 and phases["report"]["status"] == "completed"
    assert phases["restore"]["server_seconds"] == 1200.0
    assert phases["backup"]["server_started_at_ms"] == NOW + 500  # the trigger, not the first event
    assert "passed: restored to" in report["message"]


def test_cleanup_kept_or_failed():
    kept = drill_report.build_report(context(settings={"cleanup": False}, cleanup={"result": {"skipped": True}, "error": None}))
    assert kept["status"] == "passed" and kept["cleanup"]["action"] == "kept" and "billed" in kept["cleanup"]["details"]
    failed = drill_report.build_report(context(cleanup={"result": {}, "error": "delete cluster: HTTP 409"}))
    assert failed["status"] == "failed" and failed["cleanup"]["action"] == "failed"
    assert "run the sweep" in failed["cleanup"]["details"] and "cleanup:" in failed["message"]


def test_the_report_holds_no_password_even_if_a_result_had_one():
    value = context()
    value["restore"]["cluster"]["instaclustr_user_password"] = "leaked-pw"
    assert "leaked-pw" not in repr(drill_report.build_report(value))


def test_the_report_records_the_api_version_from_the_settings_and_v1_without_one():
    assert drill_report.build_report(context(settings={"api_version": "v2"}))["api_version"] == "v2"
    assert drill_report.build_report(context(settings={"api_version": "V2"}))["api_version"] == "v2"
    without = context()
    without["settings"].pop("api_version", None)
    assert drill_report.build_report(without)["api_version"] == "v1"


def test_a_cluster_no_record_proves_is_kept_and_the_report_says_so():
    """After an ambiguous restore request another restore of that name made a cluster: not this drill's to delete."""
    failed_restore = {"failed": True, "created": False, "restored_cluster_id": None, "cluster": None,
                      "unproven_cluster_id": "5b0f7c9e-2d47-4c43-9a61-0f3d2f1b8e77", "msg": "restore outcome unknown"}
    report = drill_report.build_report(context(restore=failed_restore, cleanup={"result": {}, "error": None}))
    cleanup = report["cleanup"]
    assert cleanup["action"] == "kept" and cleanup["cluster_id"] == "5b0f7c9e-2d47-4c43-9a61-0f3d2f1b8e77"
    assert "no intent record proves this drill made it" in cleanup["details"] and "not deleted" in cleanup["details"]
