"""Unit tests of the preflight and the restore plan (plugins/plugin_utils/drill_plan.py)."""

import datetime

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.restorekit.instaclustr.plugins.plugin_utils import drill_plan
from tests.unit.plugins.plugin_utils.drill_fixtures import (
    EAST_ID,
    FULL_BACKUP_ENDS,
    HOUR,
    NOW,
    SETTINGS,
    SOURCE_ID,
    backup_info,
    backup_result,
    source_info,
    statuses,
)


def test_preflight_of_a_healthy_source():
    preflight = drill_plan.preflight_verdict(source_info(), backup_info(), SETTINGS)
    assert preflight["errors"] == [] and preflight["warnings"] == []
    assert preflight["reference_ms"] == NOW and preflight["reference_clock"] == "api"
    assert statuses({"checks": preflight["checks"]}) == {"inputs": "passed", "source_running": "passed", "backups_available": "passed"}
    # Backup events name data centres by cdc_name, the cluster by region: matched by id.
    assert {node["id"]: node["data_centre"] for node in preflight["nodes"]}["node-w1"] == "AWS_VPC_US_WEST_2"


def test_preflight_takes_the_server_time_from_the_summary_without_checked_at():
    preflight = drill_plan.preflight_verdict(source_info(), backup_info(checked_at=False), SETTINGS)
    assert preflight["reference_ms"] == NOW and preflight["reference_clock"] == "api"


@pytest.mark.parametrize("info, text", [
    ({"changed": False, "clusters": []}, "No cluster with id %s" % SOURCE_ID),
    (source_info(status="PROVISIONING"), "is PROVISIONING, not RUNNING"),
])
def test_preflight_stops_on_a_missing_or_busy_source(info, text):
    preflight = drill_plan.preflight_verdict(info, backup_info(), SETTINGS)
    assert any(text in error for error in preflight["errors"])
    assert statuses({"checks": preflight["checks"]})["source_running"] == "failed"


def test_scheduled_backups_must_exist_when_not_triggering():
    empty = backup_info()
    empty["summary"].update(restorable_until=None, restorable_until_ms=None, nodes_without_backup=["node-e1"])
    blocked = drill_plan.preflight_verdict(source_info(), empty, dict(SETTINGS, trigger_backup=False))
    assert blocked["errors"] == ["Scheduled backups cannot be drilled: no completed backup in the API's 7-day window."]
    triggering = drill_plan.preflight_verdict(source_info(), empty, SETTINGS)
    assert triggering["errors"] == []
    assert statuses({"checks": triggering["checks"]})["backups_available"] == "not_verifiable"


@pytest.mark.parametrize("settings, option, rule", [
    ({"rto_target": "soon"}, "backup_restore_drill_rto_target", "seconds or a number with a unit"),
    ({"rpo_target": -5}, "backup_restore_drill_rpo_target", "cannot be negative"),
    ({"max_backup_age": "1w"}, "backup_restore_drill_max_backup_age", "unit s, m, h or d"),
    ({"name_prefix": "drill prefix!"}, "backup_restore_drill_name_prefix", "letters, digits"),
    ({"restore_name": "x"}, "backup_restore_drill_restore_name", "3 to 48"),
    ({"cluster_network": "10.0.0.0/40"}, "backup_restore_drill_cluster_network", "CIDR"),
    ({"keyspace_tables": ["orders"]}, "backup_restore_drill_keyspace_tables", "keyspace.table"),
    ({"cdc_infos": [{"cdc_id": EAST_ID, "restore_to_same_vpc": True}]}, "backup_restore_drill_cdc_infos", "every data centre"),
    ({"point_in_time": "2014-06-01T00:00:00Z"}, "backup_restore_drill_point_in_time", "2015-01-01"),
    ({"point_in_time": NOW + HOUR}, "backup_restore_drill_point_in_time", "future"),
    ({"point_in_time": "yesterday"}, "backup_restore_drill_point_in_time", "ISO 8601"),
    ({"point_in_time": "2026-11-20T09:00:00"}, "backup_restore_drill_point_in_time", "has no time zone"),
    ({"point_in_time": datetime.datetime(2026, 11, 20, 9, 0)}, "backup_restore_drill_point_in_time", "2026-11-20T09:00:00Z for UTC"),
    # The waits of every phase (cleanup's included) and the reuse window, with the role variable's name.
    ({"delete_wait_timeout": -5}, "backup_restore_drill_delete_wait_timeout", "greater than 0"),
    ({"restore_wait_timeout": "-5"}, "backup_restore_drill_restore_wait_timeout", "greater than 0"),
    ({"backup_wait_timeout": "an hour"}, "backup_restore_drill_backup_wait_timeout", "a number of seconds"),
    ({"wait_sleep": 0}, "backup_restore_drill_wait_sleep", "greater than 0"),
    ({"backup_reuse_within": "1w"}, "backup_restore_drill_backup_reuse_within", "unit s, m, h or d"),
    ({"run_id_input": "--"}, "backup_restore_drill_run_id", "letter or digit"),
])
def test_every_input_is_checked_before_anything_is_sent(settings, option, rule):
    preflight = drill_plan.preflight_verdict(source_info(), backup_info(), dict(SETTINGS, **settings))
    assert len(preflight["errors"]) == 1
    assert preflight["errors"][0].startswith(option) and rule in preflight["errors"][0]
    inputs = preflight["checks"][0]
    assert inputs["id"] == "inputs" and inputs["status"] == "failed" and option in inputs["details"]


def test_freshness_against_the_maximum_age():
    fresh = drill_plan.preflight_verdict(source_info(), backup_info(age_seconds=600), dict(SETTINGS, max_backup_age="1h"))
    stale = drill_plan.preflight_verdict(source_info(), backup_info(age_seconds=7200), dict(SETTINGS, max_backup_age="1h"))
    assert statuses(fresh)["backup_fresh"] == "passed"
    assert statuses(stale)["backup_fresh"] == "failed" and stale["errors"] == []  # recorded, the drill goes on


def test_a_point_in_time_near_the_seven_day_edge_warns():
    settings = dict(SETTINGS, point_in_time=NOW - 6 * 24 * HOUR - 12 * HOUR)
    preflight = drill_plan.preflight_verdict(source_info(), backup_info(), settings)
    assert preflight["errors"] == [] and "7-day backup window" in preflight["warnings"][0]
    plan = drill_plan.restore_plan(preflight, backup_result(FULL_BACKUP_ENDS), SETTINGS)
    assert plan["point_in_time_basis"] == "requested" and plan["point_in_time_ms"] == settings["point_in_time"]
    assert plan["warnings"] == preflight["warnings"]


def test_point_in_time_after_a_full_backup_is_the_earliest_node_completion():
    preflight = drill_plan.preflight_verdict(source_info(), backup_info(), SETTINGS)
    plan = drill_plan.restore_plan(preflight, backup_result(FULL_BACKUP_ENDS), SETTINGS)
    assert plan["point_in_time_ms"] == NOW + 600000 and plan["point_in_time_basis"] == "backup_completed"
    assert plan["name"] == "drill-orders-prod-20261118T110640Z-a1b2c3d4"


def test_point_in_time_after_a_partial_backup_is_the_newest_instant_every_node_covers():
    preflight = drill_plan.preflight_verdict(source_info(), backup_info(age_seconds=600), SETTINGS)
    followed = backup_result({"node-e1": NOW + 600000}, triggered=False)
    plan = drill_plan.restore_plan(preflight, [followed, {"skipped": True}], SETTINGS)
    # node-e2, e3 and w1 still end where the preflight saw them: the earliest of those counts.
    assert plan["point_in_time_ms"] == NOW - 600000 + 1000
    # When the role backed up every node after following, the second result counts.
    plan = drill_plan.restore_plan(preflight, [followed, backup_result(FULL_BACKUP_ENDS)], SETTINGS)
    assert plan["point_in_time_ms"] == NOW + 600000


def test_point_in_time_without_a_drill_backup():
    preflight = drill_plan.preflight_verdict(source_info(), backup_info(age_seconds=900), SETTINGS)
    plan = drill_plan.restore_plan(preflight, {"skipped": True}, dict(SETTINGS, trigger_backup=False))
    assert plan["point_in_time_ms"] == NOW - 900000 and plan["point_in_time_basis"] == "restorable_until"
    nothing = dict(preflight, summary=dict(preflight["summary"], restorable_until_ms=None))
    with pytest.raises(AnsibleFilterError, match="No point in time to restore to.*check mode"):
        drill_plan.restore_plan(nothing, {"changed": True, "backup": {"nodes": []}}, dict(SETTINGS, check_mode=True))


def test_a_fixed_restore_name_is_used_as_given():
    preflight = drill_plan.preflight_verdict(source_info(), backup_info(), SETTINGS)
    assert drill_plan.restore_plan(preflight, None, dict(SETTINGS, restore_name="my-drill"))["name"] == "my-drill"
