"""The drill plans with the recovery's plan step (steps_plan): the same window, point in time and restore request
for the same inputs, and its report names the recovery steps it exercised, derived from what ran."""

import copy

import pytest

from ansible_collections.restorekit.instaclustr.plugins.module_utils._clock import iso_utc
from ansible_collections.restorekit.instaclustr.plugins.module_utils._applications import APPLICATIONS
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils import drill_plan, drill_report, steps_plan, steps_report
from tests.unit.plugins.plugin_utils.drill_fixtures import (
    FULL_BACKUP_ENDS,
    HOUR,
    NOW,
    SETTINGS,
    SOURCE_ID,
    backup_info,
    backup_result,
    context,
    source_info,
)

NAME = "orders-rehearsed"


def non_range_backups(application):
    """cluster_backup_info of an application without the restorable-range model: node-e3's only backup is the newest."""
    info = copy.deepcopy(backup_info())
    for dc in info["data_centres"]:
        for node in dc["nodes"]:
            for event in node["events"]:
                event["type"] = APPLICATIONS[application].backup_event_types[0]
    info["summary"].update(restorable_range_known=False, restorable_from_ms=None, restorable_until_ms=None,
                           restorable_from=None, restorable_until=None, last_backup_completed_at_ms=NOW - 4 * HOUR + 600000)
    return info


def both_plans(application="cassandra", info=None, point_in_time=None, **options):
    """The drill's plan (no backup of its own) and the recovery's, for the same source, backups and inputs."""
    info = backup_info() if info is None else info
    drill_settings = dict(SETTINGS, application=application, api_version="v2", trigger_backup=False, restore_name=NAME,
                          point_in_time=point_in_time, **options)
    preflight = drill_plan.preflight_verdict(source_info(), info, drill_settings)
    assert preflight["errors"] == []
    drill = drill_plan.restore_plan(preflight, {"skipped": True}, drill_settings)
    recovery = steps_plan.recovery_plan({
        "settings": dict(cluster_id=SOURCE_ID, name=NAME, application=application, api_version="v2",
                         point_in_time=point_in_time or "latest", **options),
        "source": source_info(), "backups": info, "firewall": {"rules": []}, "memory": None})
    assert recovery["errors"] == []
    return drill, recovery


@pytest.mark.parametrize("point_in_time, options", [
    (None, {}),
    (None, {"keyspace_tables": ["shop.orders", " shop.items"], "cluster_network": "10.50.0.0/16"}),
    (iso_utc(NOW - HOUR - 1800000), {"keyspace_tables": "shop.orders,shop.items"}),
])
def test_the_drill_requests_the_restore_a_recovery_requests_for_the_same_inputs(point_in_time, options):
    drill, recovery = both_plans(point_in_time=point_in_time, **options)
    assert drill["request"] == recovery["request"]
    assert drill["request"]["point_in_time_ms"] == drill["point_in_time_ms"] == recovery["point_in_time_ms"]
    # Options are sent as the module's rules read them (a comma-separated string becomes a list, names stripped).
    if options.get("keyspace_tables"):
        assert drill["request"]["keyspace_tables"] == ["shop.orders", "shop.items"]
    assert drill["point_in_time_basis"] == ("requested" if point_in_time else "restorable_until")


@pytest.mark.parametrize("application", ["postgresql", "opensearch"])
def test_latest_without_the_restorable_range_is_the_instant_every_node_had_completed_its_latest_backup(application):
    drill, recovery = both_plans(application, non_range_backups(application))
    # node-e3's only backup ended 2 hours before: by then every node had completed its latest backup.
    assert drill["point_in_time_ms"] == recovery["point_in_time_ms"] == NOW - 2 * HOUR
    assert drill["point_in_time_basis"] == "last_backup_completed" and recovery["point_in_time_basis"] == "latest"
    assert drill["request"] == recovery["request"]
    # A FAILED source loses the writes after the newest instant its backup events reach, never before the point.
    failed = steps_plan.recovery_plan({
        "settings": {"cluster_id": SOURCE_ID, "name": NAME, "application": application, "api_version": "v2"},
        "source": source_info(status="FAILED"), "backups": non_range_backups(application)})
    assert failed["data_loss"]["until_ms"] == NOW - 2 * HOUR and failed["data_loss"]["seconds"] == 0.0


def test_the_drill_s_own_backup_is_a_basis_only_a_drill_has_and_its_request_carries_it():
    preflight = drill_plan.preflight_verdict(source_info(), backup_info(), SETTINGS)
    plan = drill_plan.restore_plan(preflight, backup_result(FULL_BACKUP_ENDS), SETTINGS)
    assert plan["point_in_time_basis"] == "backup_completed"
    assert plan["request"] == steps_plan.restore_request(APPLICATIONS["cassandra"], SOURCE_ID, plan["name"], NOW + 600000)
    assert steps_plan.choose_point(APPLICATIONS["cassandra"], preflight["summary"], own_backup_ms=NOW + 600000) == (
        NOW + 600000, "backup_completed")


def test_a_drill_that_reads_data_restores_the_canaries_home_with_a_partial_restore():
    settings = dict(SETTINGS, keyspace_tables=["shop.orders"], data_on=True)
    preflight = drill_plan.preflight_verdict(source_info(), backup_info(), settings)
    plan = drill_plan.restore_plan(preflight, backup_result(FULL_BACKUP_ENDS), settings)
    assert plan["request"]["keyspace_tables"] == ["shop.orders", "restorekit_canary.canary"]
    without = drill_plan.restore_plan(preflight, backup_result(FULL_BACKUP_ENDS), dict(settings, data_on=False))
    assert without["request"]["keyspace_tables"] == ["shop.orders"]
    named = dict(settings, keyspace_tables=["restorekit_canary.canary", "shop.orders"])
    assert drill_plan.restore_plan(preflight, backup_result(FULL_BACKUP_ENDS), named)["request"]["keyspace_tables"] == [
        "restorekit_canary.canary", "shop.orders"]  # never listed twice: cluster_restore refuses that
    whole = drill_plan.restore_plan(preflight, backup_result(FULL_BACKUP_ENDS), dict(SETTINGS, data_on=True))
    assert "keyspace_tables" not in whole["request"]  # a whole restore brings the canaries back anyway


@pytest.mark.parametrize("index_names", [["Orders"], ["orders", "orders"]])
def test_the_drill_checks_index_names_with_the_rules_cluster_restore_applies(index_names):
    settings = dict(SETTINGS, application="opensearch", api_version="v2", index_names=index_names)
    preflight = drill_plan.preflight_verdict(source_info(), backup_info(), settings)
    assert [error for error in preflight["errors"] if error.startswith("backup_restore_drill_index_names")]
    recovery = steps_plan.recovery_plan({"settings": {"cluster_id": SOURCE_ID, "name": NAME, "application": "opensearch",
                                                      "api_version": "v2", "index_names": index_names},
                                         "source": source_info(), "backups": backup_info()})
    drill_error = [error for error in preflight["errors"] if error.startswith("backup_restore_drill_index_names")][0]
    recovery_error = [error for error in recovery["errors"] if error.startswith("cluster_recovery_index_names")][0]
    assert drill_error.split(":", 1)[1] == recovery_error.split(":", 1)[1]


FIREWALL_PLAN = {"enabled": True, "would_copy": [{"network": "192.0.2.0/24", "rule_types": ["CASSANDRA"]}],
                 "to_copy": [{"network": "192.0.2.0/24", "rule_types": ["CASSANDRA"]}], "not_copied": []}
COPIED = {"results": [{"item": {"network": "192.0.2.0/24", "rule_types": ["CASSANDRA"]}, "changed": True}]}


@pytest.mark.parametrize("firewall_plan, copied, steps", [
    (dict(FIREWALL_PLAN, enabled=False, to_copy=[]), {"skipped": True, "results": []},
     ["read", "plan", "restore", "firewall_plan", "report"]),
    (FIREWALL_PLAN, COPIED, ["read", "plan", "restore", "firewall_plan", "firewall_copy", "report"]),
])
def test_the_report_names_the_recovery_steps_the_drill_ran(firewall_plan, copied, steps):
    report = drill_report.build_report(context(source_rules={"rules": [{"network": "192.0.2.0/24", "type": "CASSANDRA"}]},
                                               firewall_plan=firewall_plan, firewall_copied=copied))
    assert report["recovery"]["steps_exercised"] == steps
    assert report["recovery"]["request"] == context()["plan"]["request"]


def test_steps_exercised_follow_what_ran():
    # Stopped in the preflight: only the reads, and the report.
    assert steps_report.steps_exercised({"preflight": {"errors": ["x"]}}) == ["read", "report"]
    # Check mode: planned, nothing restored.
    planned = context(restore={"skipped": True})
    assert steps_report.steps_exercised(planned) == ["read", "plan", "report"]
    # The restored cluster's data read: the checks step ran.
    read = context(data={"restored_catalogue": {"changed": False, "catalogue": []}, "restored_canaries": {"skipped": True}})
    assert "checks" in steps_report.steps_exercised(read)
