"""The drill per application: the one table (drill_applications), the not_applicable reasons, and the
preflight, plan, checks, report, summary and sweep reading it (no network)."""

import copy

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.restorekit.instaclustr.plugins.filter.drill import FilterModule
from ansible_collections.restorekit.instaclustr.plugins.module_utils._applications import APPLICATIONS
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils import (
    drill_applications,
    drill_plan,
    drill_report,
    drill_summary,
    drill_sweep,
)
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.drill_constants import CHECK_TITLES
from tests.unit.plugins.plugin_utils.drill_fixtures import (
    FULL_BACKUP_ENDS,
    HOUR,
    NOW,
    SETTINGS,
    backup_info,
    backup_result,
    context,
    restore_result,
    source_info,
    statuses,
)

REDIS_NOT_APPLICABLE = {"backups_available", "backup_completed", "restore_events", "rpo", "tables", "backup_fresh",
                        "point_in_time_honoured"}
EXPECTED_NOT_APPLICABLE = {
    "cassandra": set(),
    "postgresql": {"restore_events", "tables"},
    "opensearch": {"restore_events"},
    "redis": REDIS_NOT_APPLICABLE,
}
# What the Redis verdict rests on (issue 11), besides the cleanup.
REDIS_VERDICT = {"restore_created", "restore_running", "topology", "rto", "user_checks"}


# ---- the table ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(APPLICATIONS))
def test_each_row_derives_from_the_modules_facts(name):
    row, facts = drill_applications.DRILL_APPLICATIONS[name], APPLICATIONS[name]
    assert (row.lists_backups, row.point_in_time, row.restorable_range) == (
        facts.lists_backups, facts.point_in_time, facts.restorable_range)
    assert row.backup_event_types == tuple(facts.backup_event_types)
    assert all(facts.takes(option) for option in row.restore_options)
    assert set(row.not_applicable) == EXPECTED_NOT_APPLICABLE[name]


@pytest.mark.parametrize("name", sorted(APPLICATIONS))
def test_each_reason_is_one_sentence_naming_the_application(name):
    row = drill_applications.DRILL_APPLICATIONS[name]
    for check_id, reason in row.not_applicable.items():
        assert reason.endswith(".") and ". " not in reason and reason[0].isupper(), (check_id, reason)
        assert row.label in reason, (check_id, reason)


def test_the_tables_check_becomes_indices_for_opensearch_only():
    ids = {name: row.check_ids for name, row in drill_applications.DRILL_APPLICATIONS.items()}
    assert "indices" in ids["opensearch"] and "tables" not in ids["opensearch"]
    for name in ("cassandra", "postgresql", "redis"):
        assert "tables" in ids[name] and "indices" not in ids[name]
    assert ids["cassandra"] == tuple(check_id for check_id, _title in CHECK_TITLES if check_id != "indices")
    rows = drill_applications.DRILL_APPLICATIONS
    assert (rows["cassandra"].selection_option, rows["opensearch"].selection_option) == ("keyspace_tables", "index_names")
    assert rows["cassandra"].restore_event == "cassandra-restore"
    assert [name for name, row in rows.items() if row.restore_event] == ["cassandra"]
    assert rows["cassandra"].restore_options == ("keyspace_tables", "cluster_network", "cdc_infos")
    assert rows["opensearch"].restore_options == ("index_names", "cdc_infos")
    assert rows["redis"].restore_options == rows["postgresql"].restore_options == ("cdc_infos",)


def test_the_filter_gives_the_row_and_refuses_what_v1_cannot_drill():
    drill_application = FilterModule().filters()["drill_application"]
    assert drill_application(None)["name"] == "cassandra"
    redis = drill_application("Redis", "v2")
    assert redis["name"] == "redis" and redis["lists_backups"] is False and redis["point_in_time"] is False
    assert set(redis["not_applicable"]) == REDIS_NOT_APPLICABLE and isinstance(redis["check_ids"], list)
    assert drill_application("cassandra", "v1")["point_in_time"] is True
    with pytest.raises(AnsibleFilterError, match="backup_restore_drill_application: postgresql needs backup_restore_drill_api_version v2"):
        drill_application("postgresql", "v1")
    with pytest.raises(AnsibleFilterError, match="must be one of cassandra, opensearch, postgresql, redis"):
        drill_application("kafka", "v2")


# ---- per-application results in the shapes the modules return ------------------------------------------

def latest_backups_info(event_type):
    """cluster_backup_info for an application without the restorable-range model (PostgreSQL, OpenSearch)."""
    info = copy.deepcopy(backup_info())
    for dc in info["data_centres"]:
        for node in dc["nodes"]:
            for event in node["events"]:
                event["type"] = event_type
    last = NOW - 4 * HOUR + 600000
    info["summary"].update(restorable_range_known=False, restorable_from=None, restorable_from_ms=None,
                           restorable_until=None, restorable_until_ms=None, last_backup_completed_at_ms=last,
                           last_backup_age_seconds=(NOW - last) / 1000.0)
    for node in info["summary"]["nodes"]:
        node["restorable_until_ms"] = None
    return info


def app_context(application, trigger=False, **overrides):
    settings = dict(SETTINGS, application=application, api_version="v2", trigger_backup=trigger, rpo_target="5h")
    if application == "redis":
        info = {"skipped": True, "changed": False}
    elif application == "cassandra":
        info = backup_info()
    else:
        info = latest_backups_info(APPLICATIONS[application].backup_event_types[0])
    preflight = drill_plan.preflight_verdict(source_info(), info, settings)
    backup = backup_result(FULL_BACKUP_ENDS) if trigger else {}
    plan = drill_plan.restore_plan(preflight, backup, settings)
    value = context(settings=settings, preflight=preflight, backup=backup, plan=plan,
                    restore=restore_result(point_ms=plan["point_in_time_ms"]),
                    restored_backups={} if application != "cassandra" else context()["restored_backups"])
    value.update(overrides)
    return value


@pytest.mark.parametrize("application", sorted(APPLICATIONS))
def test_a_drill_of_each_application_passes_on_what_it_can_prove(application):
    report = drill_report.build_report(app_context(application))
    assert report["application"] == application and report["status"] == "passed", report["message"]
    got = statuses(report)
    not_applicable = {check_id for check_id, status in got.items() if status == "not_applicable"}
    assert not_applicable == EXPECTED_NOT_APPLICABLE[application] - {"backup_fresh"}  # asked for by max_backup_age only
    for check in report["checks"]:
        if check["status"] == "not_applicable":
            assert check["details"] == drill_applications.DRILL_APPLICATIONS[application].not_applicable[check["id"]]
    assert [check["id"] for check in report["checks"]] == [
        check_id for check_id in drill_applications.DRILL_APPLICATIONS[application].check_ids
        if check_id in got]
    assert report["check_counts"]["not_applicable"] == len(not_applicable)


def test_redis_restores_the_latest_state_and_its_verdict_rests_on_what_it_can_prove():
    value = app_context("redis", settings=dict(SETTINGS, application="redis", api_version="v2", max_backup_age="1d"))
    value["preflight"] = drill_plan.preflight_verdict(source_info(), {"skipped": True}, value["settings"])
    report = drill_report.build_report(value)
    assert value["plan"]["point_in_time_ms"] is None and value["plan"]["point_in_time_basis"] == "latest_state"
    assert report["point_in_time"] is None and report["figures"]["rpo_seconds"] is None
    assert report["figure_sentences"]["restore_point"] == "The latest state was restored: a Redis restore takes no point in time."
    got = statuses(report)
    assert {check_id for check_id, status in got.items() if status == "not_applicable"} == REDIS_NOT_APPLICABLE
    assert {check_id for check_id, status in got.items() if status == "passed"} >= REDIS_VERDICT - {"rto", "user_checks"}
    assert got["topology"] == "passed"  # against the source's topology at the drill's start
    assert value["preflight"]["errors"] == [] and value["preflight"]["reference_clock"] == "controller"
    # A failing Redis restore still fails the drill: the not applicable checks never hide it.
    failed = drill_report.build_report(dict(value, restore=restore_result(point_ms=None, failed_msg="boom")))
    assert failed["status"] == "failed" and "restore_running" in failed["failed_checks"]


@pytest.mark.parametrize("application", ["postgresql", "opensearch"])
def test_postgresql_and_opensearch_use_the_last_backup_on_every_node(application):
    without_backup = drill_report.build_report(app_context(application))
    assert without_backup["point_in_time_basis"] == "last_backup_completed"
    # Every node's latest backup had completed by then (node-e3's only one, 2 hours before the drill).
    assert without_backup["point_in_time_ms"] == NOW - 2 * HOUR
    rpo = [check for check in without_backup["checks"] if check["id"] == "rpo"][0]
    assert rpo["figures"]["seconds"] == (4 * HOUR - 600000) / 1000.0 and "at most" in rpo["details"]
    backups = [check for check in without_backup["checks"] if check["id"] == "backups_available"][0]
    assert backups["status"] == "passed" and APPLICATIONS[application].backup_event_types[0] in backups["details"]
    with_backup = drill_report.build_report(app_context(application, trigger=True))
    assert with_backup["status"] == "passed" and with_backup["point_in_time_basis"] == "backup_completed"
    assert statuses(with_backup)["backup_completed"] == "passed" and statuses(with_backup)["topology"] == "passed"


def test_opensearch_reports_indices_not_tables():
    value = app_context("opensearch")
    value["settings"] = dict(value["settings"], index_names=["orders-*"])
    report = drill_report.build_report(value)
    indices = [check for check in report["checks"] if check["id"] == "indices"][0]
    assert indices["status"] == "not_verifiable" and "the indices orders-*" in indices["details"]
    assert "v2 API" in indices["details"] and indices["figures"] == {"index_names": ["orders-*"]}
    assert "tables" not in statuses(report) and report["settings"]["index_names"] == ["orders-*"]


@pytest.mark.parametrize("application, option, value", [
    ("postgresql", "keyspace_tables", ["shop.orders"]),
    ("redis", "cluster_network", "10.9.0.0/16"),
    ("cassandra", "index_names", ["orders"]),
    ("postgresql", "index_names", ["orders"]),
])
def test_an_option_the_application_does_not_take_fails_the_preflight(application, option, value):
    settings = dict(SETTINGS, application=application, api_version="v2", **{option: value})
    verdict = drill_plan.preflight_verdict(source_info(), backup_info(), settings)
    assert [error for error in verdict["errors"] if error.startswith("backup_restore_drill_%s:" % option)] == [
        "backup_restore_drill_%s: a %s restore does not take it (backup_restore_drill_application %s)" % (
            option, drill_applications.DRILL_APPLICATIONS[application].label, application)]


def test_a_point_in_time_for_redis_fails_the_preflight():
    settings = dict(SETTINGS, application="redis", api_version="v2", point_in_time="2026-11-20T10:00:00Z")
    verdict = drill_plan.preflight_verdict(source_info(), {"skipped": True}, settings)
    assert verdict["errors"] == ["backup_restore_drill_point_in_time: a Redis drill restores the latest state, never a point "
                                 "in time (backup_restore_drill_application redis)"]


def test_a_preflight_that_did_not_complete_still_reports_what_cannot_apply():
    report = drill_report.build_report({"settings": dict(SETTINGS, application="redis"), "run_id": "r",
                                        "failure": {"phase": "preflight", "task": "Read the source cluster", "message": "HTTP 500"}})
    assert report["application"] == "redis" and report["status"] == "failed"
    assert statuses(report)["rpo"] == "not_applicable" and statuses(report)["source_running"] == "failed"


# ---- summary and sweep --------------------------------------------------------------------------------------

def test_the_summary_counts_drills_per_application():
    reports = {name: drill_report.build_report(app_context(name)) for name in sorted(APPLICATIONS)}
    summary = drill_summary.summarise(reports, "/tmp/r", "r1")
    assert summary["applications"] == {"cassandra": 1, "opensearch": 1, "postgresql": 1, "redis": 1}
    assert {row["host"]: row["application"] for row in summary["drills"]} == {name: name for name in APPLICATIONS}
    assert summary["status"] == "passed"


def test_the_sweep_gathers_every_application_and_keeps_it_on_each_candidate():
    stamp = "20261101T000000Z"

    def drill_cluster(cluster_id, name):  # with the drill's intent record, as cluster_info gives it
        return {"id": cluster_id, "name": name, "status": "RUNNING", "restore_record": {"restored_name": name, "run_id": name[-4:]}}

    results = {"results": [
        {"item": "cassandra", "clusters": [drill_cluster("c1", "drill-orders-%s-aaaa" % stamp),
                                           {"id": "c2", "name": "orders-prod", "status": "RUNNING"}]},
        {"item": "postgresql", "clusters": [drill_cluster("p1", "drill-payments-pg-%s-bbbb" % stamp)]},
        {"item": "redis", "clusters": []},
    ]}
    clusters = drill_sweep.sweep_clusters(results)
    assert [(c["id"], c["application"]) for c in clusters] == [("c1", "cassandra"), ("c2", "cassandra"), ("p1", "postgresql")]
    assert clusters[0]["restore_record"]["run_id"] == "aaaa"
    found = drill_sweep.sweep_candidates(clusters, "drill", "1d", NOW)
    assert [(c["id"], c["application"]) for c in found] == [("c1", "cassandra"), ("p1", "postgresql")]
    assert drill_sweep.sweep_clusters([{"id": "x", "name": "n"}]) == [{"id": "x", "name": "n", "application": "cassandra"}]


def test_check_mode_keeps_the_reasons_and_shows_the_redis_restore_without_a_point():
    report = drill_report.build_report(app_context("redis", check_mode=True, restore={}, restored_backups={}))
    assert report["status"] == "check_mode" and report["point_in_time"] is None
    got = statuses(report)
    assert {check_id for check_id, status in got.items() if status == "not_applicable"} == REDIS_NOT_APPLICABLE - {"backup_fresh"}
    assert got["restore_running"] == "not_verifiable" and "indices" not in got


# ---- one way to say each figure ---------------------------------------------------------------------------


def redis_report():
    value = app_context("redis", settings=dict(SETTINGS, application="redis", api_version="v2", max_backup_age="1d"))
    value["preflight"] = drill_plan.preflight_verdict(source_info(), {"skipped": True}, value["settings"])
    return drill_report.build_report(value)


def test_redis_rpo_is_said_not_applicable_in_the_report_its_sentence_the_message_and_the_summary():
    report = redis_report()
    assert report["figures"]["rpo_text"] == "not applicable"
    assert report["figure_sentences"]["rpo"].startswith("RPO: not applicable: A Redis restore goes to the latest state")
    assert "not measured" not in report["figure_sentences"]["rpo"]
    assert "RPO not applicable" in report["message"] and "unknown" not in report["message"] and "None" not in report["message"]
    row = drill_summary.summarise([{"host": "sessions", "report": report}])["drills"][0]
    assert (row["rpo_text"], row["api_version"]) == ("not applicable", "v2")


def test_an_rpo_without_its_restorable_until_ends_without_none():
    value = context()
    report = drill_report.build_report(value)
    rpo = [check for check in report["checks"] if check["id"] == "rpo"][0]
    rpo["figures"].pop("restorable_until", None)
    sentences = drill_report._figure_sentences(report, rpo["figures"])
    assert sentences["rpo"].endswith("10m00s before then.") and "None" not in sentences["rpo"]


@pytest.mark.parametrize("application, title", [
    ("cassandra", "Every restored node shows a COMPLETED cassandra-restore event"),
    ("postgresql", "Every restored node shows a COMPLETED PostgreSQL restore event"),
    ("opensearch", "Every restored node shows a COMPLETED OpenSearch restore event"),
    ("redis", "Every restored node shows a COMPLETED Redis restore event"),
])
def test_the_restore_events_check_is_titled_with_the_applications_event(application, title):
    report = redis_report() if application == "redis" else drill_report.build_report(app_context(application))
    assert [check["title"] for check in report["checks"] if check["id"] == "restore_events"] == [title]


def test_v1_with_another_application_fails_the_preflight_naming_the_role_variable_and_the_cluster():
    settings = dict(SETTINGS, application="postgresql", api_version="v1")
    verdict = drill_plan.preflight_verdict(source_info(), {"skipped": True}, settings)
    assert len(verdict["errors"]) == 1
    message = verdict["errors"][0]
    assert message.startswith("backup_restore_drill_application: postgresql needs backup_restore_drill_api_version v2")
    assert "The source cluster orders-prod (%s) was not drilled and nothing was changed." % settings["cluster_id"] in message
    assert verdict["checks"][0]["id"] == "inputs" and verdict["checks"][0]["status"] == "failed"
    assert drill_applications.application_facts("postgresql")["api_versions"] == ["v2"]
    assert drill_applications.application_facts("cassandra")["api_versions"] == ["v1", "v2"]
    # Unread (the read failed): the id stands for the name.
    unread = drill_plan.preflight_verdict({"failed": True, "msg": "HTTP 404"}, {"skipped": True}, settings)
    assert "The source cluster %s was not drilled" % settings["cluster_id"] in unread["errors"][0]
