"""Unit tests of the checks, through the report that evaluates them (plugins/plugin_utils/drill_checks.py)."""

from ansible_collections.restorekit.instaclustr.plugins.module_utils._clock import iso_utc
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils import drill_plan, drill_report
from tests.unit.plugins.plugin_utils.drill_fixtures import (
    EAST_ID,
    HOUR,
    NODES,
    NOW,
    RESTORED_ID,
    WEST_ID,
    backup_info,
    backup_result,
    cluster,
    context,
    marks,
    restore_result,
    restored_backups,
    source_info,
    statuses,
)


def test_rto_and_rpo_targets_fail_with_their_figures():
    slow = context(settings={"rto_target": "10m"})
    report = drill_report.build_report(slow)
    rto = [c for c in report["checks"] if c["id"] == "rto"][0]
    assert rto["status"] == "failed" and rto["figures"] == {"seconds": 1100.0, "target_seconds": 600.0, "source": "api_events"}
    assert "exceeds the target 10m00s (600.0 s) by 8m20s" in rto["details"]
    assert report["status"] == "failed" and "rto:" in report["message"]
    old = context(settings={"rpo_target": 60, "trigger_backup": False})
    old["plan"] = dict(old["plan"], point_in_time_ms=NOW - 900000)
    rpo = [c for c in drill_report.build_report(old)["checks"] if c["id"] == "rpo"][0]
    assert rpo["status"] == "failed" and rpo["figures"]["seconds"] == 600.0


def test_rto_from_the_restore_events_where_they_exist_else_from_polling():
    # Requested at NOW+700 s, every node's cassandra-restore ended by NOW+1800 s, seen RUNNING at
    # NOW+1900 s by a poll: the poll interval is not the restore's time.
    report = drill_report.build_report(context())
    assert (report["figures"]["rto_seconds"], report["figures"]["rto_source"]) == (1100.0, "api_events")
    assert "last node's cassandra-restore end" in [c for c in report["checks"] if c["id"] == "rto"][0]["details"]
    # Seen not RUNNING after the last restore end: the cluster became RUNNING later; counted until seen RUNNING.
    late = context()
    late["restore"] = dict(late["restore"], last_not_running_at_ms=NOW + 1850000)
    assert drill_report.build_report(late)["figures"]["rto_seconds"] == 1200.0
    # Last seen not RUNNING before the restore ended: the events' end stands.
    early = context()
    early["restore"] = dict(early["restore"], last_not_running_at_ms=NOW + 1750000)
    assert drill_report.build_report(early)["figures"]["rto_seconds"] == 1100.0
    # The last node's end counts, not the first's.
    one_later = restored_backups()
    one_later["data_centres"][0]["nodes"][1]["events"][0]["end"] = NOW + 1850000
    assert drill_report.build_report(context(restored_backups=one_later))["figures"]["rto_seconds"] == 1150.0
    # No events, or a node without a completed one: polling, as before.
    for events in (restored_backups({n[0]: None for n in NODES}), restored_backups({"node-e2": "ACTIVE"}), {}):
        report = drill_report.build_report(context(restored_backups=events))
        assert (report["figures"]["rto_seconds"], report["figures"]["rto_source"]) == (1200.0, "polling")
        assert "seen RUNNING (polling)" in [c for c in report["checks"] if c["id"] == "rto"][0]["details"]


def test_rpo_is_what_the_backups_before_the_drill_protect_in_both_modes():
    # The last backup before the drill ended 10 minutes before its start: that is the RPO, whether
    # the drill then takes its own backup (restored point after the start) or restores the scheduled ones.
    for trigger in (True, False):
        value = context(settings={"rpo_target": "15m", "trigger_backup": trigger})
        if not trigger:
            value["backup"] = {"skipped": True}
            value["plan"] = dict(value["plan"], point_in_time_ms=NOW - 600000, point_in_time_basis="restorable_until")
        report = drill_report.build_report(value)
        rpo = [c for c in report["checks"] if c["id"] == "rpo"][0]
        assert rpo["status"] == "passed" and rpo["figures"]["seconds"] == 600.0, rpo
        assert rpo["figures"]["restorable_until"] == iso_utc(NOW - 600000)
        assert report["figures"]["rpo_seconds"] == 600.0
        assert report["figures"]["restore_point_age_seconds"] == (0.0 if trigger else 600.0)
        assert report["figure_sentences"]["rpo"].startswith(
            "RPO: had the cluster been lost at the drill's start, the backups made before it would have restored it to 10m00s before then")
    # A target the scheduled backups miss fails even though the drill's own backup is fresh.
    strict = drill_report.build_report(context(settings={"rpo_target": "5m"}))
    assert [c for c in strict["checks"] if c["id"] == "rpo"][0]["status"] == "failed" and strict["status"] == "failed"
    # Known from the preflight alone: also under --check.
    checked = drill_report.build_report(_check_mode_with_backup(
        {"changed": True, "triggered": True, "backup": {"state": "PENDING", "reused": False, "nodes": []}, "msg": "m"}))
    assert [c for c in checked["checks"] if c["id"] == "rpo"][0]["figures"]["seconds"] == 600.0


def test_rpo_without_a_backup_before_the_drill_is_not_verifiable_not_invented():
    value = context(settings={"rpo_target": "15m"})
    nothing = backup_info()
    nothing["summary"].update(restorable_until=None, restorable_until_ms=None, restorable_from=None, restorable_from_ms=None,
                              last_backup_age_seconds=None)
    value["preflight"] = drill_plan.preflight_verdict(source_info(), nothing, value["settings"])
    report = drill_report.build_report(value)
    rpo = [c for c in report["checks"] if c["id"] == "rpo"][0]
    assert rpo["status"] == "not_verifiable" and "seconds" not in rpo["figures"]
    assert "nothing could have been restored" in rpo["details"]
    assert report["figures"]["rpo_seconds"] is None and report["status"] == "passed"
    assert report["figure_sentences"]["rpo"].startswith("RPO: not verifiable")


def test_topology_missing_a_node_or_a_rack_fails():
    restored = cluster(RESTORED_ID, "drill-orders-prod-x", nodes=[NODES[0], NODES[1], ("node-x", EAST_ID, "us-east-1c"), NODES[3]])
    report = drill_report.build_report(context(restore=restore_result(restored=restored, point_ms=NOW + 600000)))
    topology = [c for c in report["checks"] if c["id"] == "topology"][0]
    assert topology["status"] == "failed" and "AWS_VPC_US_EAST_1 lacks a node in rack us-east-1a" in topology["details"]
    fewer = cluster(RESTORED_ID, "drill-orders-prod-x", nodes=NODES[:2] + NODES[3:])
    report = drill_report.build_report(context(restore=restore_result(restored=fewer, point_ms=NOW + 600000)))
    assert "AWS_VPC_US_EAST_1 has 2 nodes, expected 3" in [c for c in report["checks"] if c["id"] == "topology"][0]["details"]


def test_a_node_added_after_the_point_in_time_is_not_expected():
    value = context(settings={"trigger_backup": False})
    value["backup"] = {"skipped": True}
    value["plan"] = dict(value["plan"], point_in_time_ms=NOW - 3 * HOUR)  # before node-e3's first snapshot
    restored = cluster(RESTORED_ID, "drill-orders-prod-x", nodes=[n for n in NODES if n[0] != "node-e3"])
    value["restore"] = restore_result(restored=restored, point_ms=NOW - 3 * HOUR)
    topology = [c for c in drill_report.build_report(value)["checks"] if c["id"] == "topology"][0]
    assert topology["status"] == "passed" and topology["figures"]["expected"]["AWS_VPC_US_EAST_1"]["nodes"] == 2


def test_restore_events_missing_on_a_node_fail_and_none_at_all_is_not_verifiable():
    report = drill_report.build_report(context(restored_backups=restored_backups({"node-e2": "ACTIVE"})))
    assert statuses(report)["restore_events"] == "failed"
    none = drill_report.build_report(context(restored_backups=restored_backups({n[0]: None for n in NODES})))
    assert statuses(none)["restore_events"] == "not_verifiable"


def test_network_is_compared_with_the_request_per_data_centre():
    networks = {"AWS_VPC_US_EAST_1": "10.60.0.0/16", "AWS_VPC_US_WEST_2": "10.70.0.0/16"}
    restored = cluster(RESTORED_ID, "drill-orders-prod-x", networks=networks)
    settings = {"cluster_network": "10.60.0.0/16", "cdc_infos": [
        {"cdc_id": EAST_ID, "restore_to_same_vpc": True}, {"cdc_id": WEST_ID, "custom_vpc_id": "vpc-1", "custom_vpc_network": "10.70.0.0/16"}]}
    report = drill_report.build_report(context(settings=settings, restore=restore_result(restored=restored, point_ms=NOW + 600000)))
    assert statuses(report)["network"] == "passed"
    wrong = drill_report.build_report(context(settings={"cluster_network": "10.99.0.0/16"}, restore=restore_result(restored=restored, point_ms=NOW + 600000)))
    network = [c for c in wrong["checks"] if c["id"] == "network"][0]
    assert network["status"] == "failed" and "AWS_VPC_US_EAST_1 uses 10.60.0.0/16, expected 10.99.0.0/16" in network["details"]


def test_user_checks_pass_fail_and_cover_tables():
    settings = {"verify_tasks": "/checks/canary.yml", "keyspace_tables": ["shop.orders"]}
    covering = {"ran": True, "failed": False, "results": [{"name": "canary", "status": "passed", "covers": ["tables"]}]}
    report = drill_report.build_report(context(settings=settings, user_checks=covering))
    assert statuses(report)["user_checks"] == "passed" and statuses(report)["tables"] == "passed"
    failing = {"ran": True, "failed": True, "task": "Read the canary row", "message": "row missing", "results": []}
    report = drill_report.build_report(context(settings=settings, user_checks=failing))
    user = [c for c in report["checks"] if c["id"] == "user_checks"][0]
    assert user["status"] == "failed" and user["details"] == "The task 'Read the canary row' failed: row missing"
    assert statuses(report)["tables"] == "not_verifiable" and report["failure"] is None
    assert report["cleanup"]["action"] == "deleted"


def test_backup_failure_names_the_node_and_nothing_after_it_is_verified():
    value = context(backup=[backup_result({"node-e1": NOW + 1, "node-e2": NOW + 2}, failed=["node-e2"]), {}],
                    plan={}, restore={}, restored_backups={}, cleanup={"result": {}, "error": None},
                    marks=marks("preflight", "backup", "cleanup", "report"),
                    failure={"phase": "backup", "task": "Back up the source", "message": "the backup FAILED on node(s) node-e2"})
    report = drill_report.build_report(value)
    backup = [c for c in report["checks"] if c["id"] == "backup_completed"][0]
    assert backup["status"] == "failed" and backup["figures"]["failed_nodes"] == ["node-e2"]
    assert statuses(report)["restore_running"] == "not_verifiable"
    assert "stopped in the backup phase" in [c for c in report["checks"] if c["id"] == "rto"][0]["details"]
    assert report["cleanup"]["action"] == "none" and report["status"] == "failed"
    assert report["message"].startswith("Drill of orders-prod FAILED. Stopped in the backup phase: the backup FAILED on node(s) node-e2")
    phases = {p["name"]: p["status"] for p in report["phases"]}
    assert phases == {"preflight": "completed", "backup": "failed", "restore": "not_reached", "verify": "not_reached",
                      "cleanup": "completed", "report": "completed"}


def test_a_deferred_restore_is_reported_and_deleted():
    deferred = restore_result(failed_msg="the restored cluster %s is DEFERRED: Instaclustr support must act" % RESTORED_ID,
                              restored=cluster(RESTORED_ID, "drill-orders-prod-x", status="DEFERRED", node_status="DEFERRED"))
    report = drill_report.build_report(context(restore=deferred, restored_backups={},
                                               failure={"phase": "restore", "task": "Restore", "message": deferred["msg"]}))
    assert statuses(report)["restore_created"] == "passed"
    running = [c for c in report["checks"] if c["id"] == "restore_running"][0]
    assert running["status"] == "failed" and "DEFERRED" in running["details"]
    assert report["cleanup"]["action"] == "deleted" and report["restored"]["id"] == RESTORED_ID


def test_a_cluster_that_had_the_name_is_neither_verified_nor_deleted():
    report = drill_report.build_report(context(restore=restore_result(created=False), cleanup={"result": {"skipped": True}, "error": None}))
    created = [c for c in report["checks"] if c["id"] == "restore_created"][0]
    assert created["status"] == "failed" and "existed before this drill" in created["details"]
    assert statuses(report)["topology"] == "not_verifiable"
    assert report["cleanup"]["action"] == "none" and RESTORED_ID in report["cleanup"]["details"]


def test_check_mode_report():
    value = context(check_mode=True, backup=[{"changed": True, "triggered": True, "backup": {"state": "PENDING", "nodes": []}}, {"skipped": True}],
                    restore={"changed": True, "created": False, "restored_cluster_id": None, "cluster": None,
                             "request": {"body": {"clusterNameOverride": "drill-orders-prod-x"}}},
                    restored_backups={}, cleanup={"result": {"skipped": True}, "error": None})
    report = drill_report.build_report(value)
    assert report["status"] == "check_mode" and report["cleanup"]["action"] == "none"
    assert statuses(report)["backup_completed"] == "not_verifiable"
    assert statuses(report)["restore_running"] == "not_verifiable"
    assert report["request"]["body"]["clusterNameOverride"] == "drill-orders-prod-x"


def _check_mode_with_backup(backup):
    return context(check_mode=True, backup=[backup, {"skipped": True}],
                   restore={"changed": True, "created": False, "restored_cluster_id": None, "cluster": None,
                            "request": {"body": {"clusterNameOverride": "drill-orders-prod-x"}}},
                   restored_backups={}, cleanup={"result": {"skipped": True}, "error": None})


def test_check_mode_reports_what_cluster_backup_said_it_would_do():
    # cluster_backup's own check-mode results: followed (neither triggered nor reused), reused, triggered.
    followed = {"changed": False, "triggered": False, "backup": {"state": "ACTIVE", "reused": False, "nodes": []},
                "msg": "followed the backup already running on every node (cluster x)"}
    reused = {"changed": False, "triggered": False, "backup": {"state": "COMPLETED", "reused": True, "nodes": []},
              "msg": "reused the backup every node completed within 21600 s (cluster x)"}
    triggered = {"changed": True, "triggered": True, "backup": {"state": "PENDING", "reused": False, "nodes": []},
                 "msg": "check mode: a backup would be triggered (cluster x)"}
    for result, action, words in ((followed, "followed", "would follow the backup already running on every node"),
                                  (reused, "reused", "would reuse the backup every node completed"),
                                  (triggered, "triggered", "would trigger a backup of every node")):
        report = drill_report.build_report(_check_mode_with_backup(result))
        backup = [c for c in report["checks"] if c["id"] == "backup_completed"][0]
        assert backup["status"] == "not_verifiable" and backup["figures"]["action"] == action, backup
        assert words in backup["details"] and result["msg"] in backup["details"]
        assert "would be reused" not in backup["details"] or action == "reused"
        assert words in report["message"] and report["status"] == "check_mode"


def test_a_figure_without_a_target_reads_as_one_sentence():
    report = drill_report.build_report(context(settings={"rto_target": None}))
    details = [c for c in report["checks"] if c["id"] == "rto"][0]["details"]
    assert details.endswith("(the API's times); no target was set.") and ",;" not in details
