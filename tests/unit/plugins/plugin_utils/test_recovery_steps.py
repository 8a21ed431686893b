"""Unit tests of the steps the recovery and the drill share: plan, firewall copy, memory of drill reports, report."""

import json

from ansible_collections.restorekit.instaclustr.plugins.module_utils._clock import iso_utc
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils import steps_firewall, steps_memory, steps_plan, steps_report

SOURCE_ID = "6f1c2b7e-3d4a-4b8e-9c21-0a7d5e9f1b01"
NOW = 1795168800000
HOUR = 3600 * 1000


def backups(until=NOW - HOUR, start=NOW - 48 * HOUR):
    return {"checked_at_ms": NOW, "summary": {"restorable_from_ms": start, "restorable_until_ms": until,
                                              "last_backup_completed_at_ms": until, "restorable_range_known": True}}


def source(status="RUNNING"):
    return {"clusters": [{"id": SOURCE_ID, "name": "orders-prod", "status": status, "data_centres": []}]}


def context(**settings):
    base = {"cluster_id": SOURCE_ID, "name": "orders-recovered", "point_in_time": "latest", "application": "cassandra",
            "api_version": "v1", "copy_firewall_rules": True}
    base.update(settings)
    rules = {"rules": [{"network": "203.0.113.0/24", "type": "CASSANDRA"}, {"network": "203.0.113.0/24", "type": "SPARK"},
                       {"network": None, "type": "CASSANDRA", "security_group_id": "sg-1"}]}
    return {"settings": base, "source": source(), "backups": backups(), "firewall": rules, "memory": None}


def test_latest_is_the_newest_restorable_instant_and_the_loss_window_runs_to_the_server_time_of_a_running_source():
    plan = steps_plan.recovery_plan(context())
    assert plan["point_in_time_ms"] == NOW - HOUR and plan["point_in_time_basis"] == "latest"
    assert plan["data_loss"]["seconds"] == 3600.0 and plan["data_loss"]["until_ms"] == NOW
    assert plan["request"] == {"cluster_id": SOURCE_ID, "application": "cassandra", "name": "orders-recovered",
                               "point_in_time": iso_utc(NOW - HOUR), "point_in_time_ms": NOW - HOUR}
    assert plan["errors"] == [] and plan["proceed"] is False and plan["confirmed"] is False


def test_a_failed_source_loses_the_writes_after_its_newest_backup_event():
    ctx = context(point_in_time=iso_utc(NOW - 3 * HOUR))
    ctx["source"] = source("FAILED")
    plan = steps_plan.recovery_plan(ctx)
    assert plan["point_in_time_basis"] == "requested"
    assert plan["data_loss"]["until_ms"] == NOW - HOUR and plan["data_loss"]["seconds"] == 7200.0


def test_the_confirmation_must_name_the_source_and_check_mode_never_proceeds():
    assert steps_plan.recovery_plan(context(confirm="ORDERS-PROD"))["proceed"] is True
    assert steps_plan.recovery_plan(context(confirm=SOURCE_ID))["proceed"] is True
    refused = steps_plan.recovery_plan(context(confirm="inventory-dev"))
    assert refused["proceed"] is False and refused["confirmation"].startswith("refused")
    assert steps_plan.recovery_plan(context(confirm="orders-prod", check_mode=True))["proceed"] is False


def test_inputs_are_checked_before_anything_is_sent():
    plan = steps_plan.recovery_plan(context(name="", point_in_time=iso_utc(NOW - 100 * HOUR), confirm="orders-prod",
                                            index_names=["logs"]))
    assert plan["proceed"] is False
    text = " ".join(plan["errors"])
    assert "cluster_recovery_name is required" in text and "outside the restorable window" in text
    assert "cluster_recovery_index_names" in text


def test_a_point_in_time_without_a_zone_is_refused():
    plan = steps_plan.recovery_plan(context(point_in_time="2026-11-20T10:00:00"))
    assert any("cluster_recovery_point_in_time" in error for error in plan["errors"])


def test_firewall_copy_groups_types_per_network_and_lists_what_cannot_be_copied():
    plan = steps_plan.recovery_plan(context())
    assert plan["firewall"]["to_copy"] == [{"network": "203.0.113.0/24", "rule_types": ["CASSANDRA", "SPARK"]}]
    assert [rule["security_group_id"] for rule in plan["firewall"]["not_copied"]] == ["sg-1"]
    disabled = steps_firewall.firewall_copy(steps_firewall.source_rules({"rules": []}), enabled=False)
    assert disabled["to_copy"] == [] and disabled["enabled"] is False


def test_unreadable_rules_are_listed_never_guessed():
    read = steps_firewall.source_rules({"failed": True, "msg": "HTTP 404"})
    copy = steps_firewall.firewall_copy(read)
    assert copy["to_copy"] == [] and "HTTP 404" in copy["unread"]


def write_drill(folder, name, when, rules, status="passed"):
    report = {"source": {"id": SOURCE_ID.upper(), "name": "orders-prod"}, "status": status, "run_id": name,
              "reference_time_ms": when, "recovery": {"source_firewall": {"rules": rules}}}
    (folder / ("drill-orders-prod-%s.json" % name)).write_text(json.dumps(report))


def test_a_deleted_source_is_planned_from_its_newest_drill_report(tmp_path):
    write_drill(tmp_path, "old", NOW - 48 * HOUR, [{"network": "10.0.0.0/8", "type": "CASSANDRA"}])
    write_drill(tmp_path, "new", NOW - 24 * HOUR, [{"network": "192.0.2.0/24", "type": "CASSANDRA"}])
    (tmp_path / "drill-orders-prod-new.manifest.json").write_text("{}")
    memory = steps_memory.newest_drill_report(str(tmp_path), SOURCE_ID)
    assert memory["run_id"] == "new" and memory["date"] == iso_utc(NOW - 24 * HOUR)
    ctx = context(confirm="orders-prod")
    ctx.update(source={"failed": True, "msg": "HTTP 404"}, firewall={"failed": True, "msg": "HTTP 404"}, memory=memory)
    plan = steps_plan.recovery_plan(ctx)
    assert plan["source"]["name"] == "orders-prod" and plan["source"]["name_basis"] == "drill_report"
    assert plan["proceed"] is True  # the name the drill report gives is accepted as the confirmation
    assert plan["firewall"]["to_copy"] == [{"network": "192.0.2.0/24", "rule_types": ["CASSANDRA"]}]
    assert any(iso_utc(NOW - 24 * HOUR) in line for line in plan["unread"])
    assert steps_memory.newest_drill_report(str(tmp_path), "00000000-0000-0000-0000-000000000000") is None


def test_the_report_keeps_the_restored_cluster_with_its_addresses_and_deletes_nothing():
    plan = steps_plan.recovery_plan(context(confirm="orders-prod"))
    restore = {"created": True, "restored_cluster_id": "r1", "requested_at_ms": NOW, "running_at_ms": NOW + 20 * 60 * 1000,
               "cluster": {"id": "r1", "name": "orders-recovered", "status": "RUNNING", "data_centres": [
                   {"name": "US_EAST_1", "cdc_name": "dc1", "nodes": [{"id": "n1", "public_address": "127.5.0.1"}]}]}}
    firewall = {"results": [{"item": {"network": "203.0.113.0/24", "rule_types": ["CASSANDRA"]}, "changed": True}]}
    report = steps_report.recovery_report({"settings": {"report_dir": "/r"}, "run_id": "abc", "plan": plan,
                                           "restore": restore, "firewall": firewall, "checks": []})
    assert report["status"] == "recovered" and report["deleted"] == []
    assert report["restored"]["addresses"] == ["127.5.0.1:9042"]
    assert report["time_to_recover"]["seconds"] == 1200.0
    assert report["firewall"]["copied"][0]["network"] == "203.0.113.0/24"
    assert report["files"]["json"] == "/r/recovery-orders-prod-abc.json"
    assert any("by hand" in item and SOURCE_ID in item for item in report["cutover"])


def test_a_rerun_asking_for_latest_keeps_the_point_in_time_of_the_earlier_run(tmp_path):
    first = steps_plan.recovery_plan(context(confirm="orders-prod"))
    report = steps_report.recovery_report({"settings": {"report_dir": str(tmp_path)}, "run_id": "one", "plan": first,
                                           "failure": {"task": "Restore", "message": "timed out"}})
    (tmp_path / "recovery-orders-prod-one.json").write_text(json.dumps(report))
    earlier = steps_memory.earlier_recovery(str(tmp_path), SOURCE_ID, "orders-recovered")
    assert earlier["point_in_time_ms"] == NOW - HOUR and earlier["status"] == "failed"
    ctx = context(confirm="orders-prod", earlier=earlier)
    ctx["backups"] = backups(until=NOW - HOUR // 2)  # the source still runs: latest has moved
    again = steps_plan.recovery_plan(ctx)
    assert again["point_in_time_ms"] == NOW - HOUR and again["point_in_time_basis"] == "earlier_run"
    assert steps_memory.earlier_recovery(str(tmp_path), SOURCE_ID, "another-name") is None
