"""The drill of every application (issue 11) on the emulator's ``mixed`` scenario over API v2.

One ``dr_drill`` run drills a mixed inventory (one host per application, ``backup_restore_drill_application``
set per host, backups triggered where they can be followed) and its reports are checked per application;
the v1 refusal and the sweep across applications are runs of their own. ansible-core 2.19 only (issue 15:
not in the drill-newest subset).
"""

import json

import pytest

from tests.drill.conftest import TIME_SCALE, check_by_id, live_restored_clusters, record_drill_restore, run_drill
from tests.support.emulator import (
    DRILL_LEFTOVER_ID,
    DRILL_LEFTOVER_PG_ID,
    ORDERS_PROD_ID,
    PAYMENTS_PG_ID,
    SEARCH_OS_ID,
    SESSIONS_REDIS_ID,
    running_emulator,
)

SOURCES = {  # application -> (inventory host, source cluster id, source name)
    "cassandra": ("orders", ORDERS_PROD_ID, "orders-prod"),
    "postgresql": ("payments", PAYMENTS_PG_ID, "payments-pg"),
    "opensearch": ("search", SEARCH_OS_ID, "search-os"),
    "redis": ("sessions", SESSIONS_REDIS_ID, "sessions-redis"),
}
NOT_APPLICABLE = {
    "cassandra": set(),
    "postgresql": {"restore_events", "tables"},
    "opensearch": {"restore_events"},
    "redis": {"backups_available", "backup_completed", "restore_events", "rpo", "tables", "point_in_time_honoured"},
}
TARGETS = {"backup_restore_drill_rto_target": "2h", "backup_restore_drill_rpo_target": "1d"}


@pytest.fixture(scope="module")
def mixed_emulator():
    with running_emulator(scenario="mixed", time_scale=TIME_SCALE) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def mixed_drill(mixed_emulator, tmp_path_factory):
    """One dr_drill run over a plain inventory of the four applications on v2 (the tests below read it)."""
    mixed_emulator.reset()
    hosts = {host: {"backup_restore_drill_cluster_id": cluster_id, "backup_restore_drill_application": application,
                    "instaclustr_api_version": "v2"}
             for application, (host, cluster_id, _name) in SOURCES.items()}
    run = run_drill(mixed_emulator, tmp_path_factory.mktemp("mixed"), hosts, extra_vars=TARGETS, timeout=300)
    return run, mixed_emulator.requests_log(), live_restored_clusters(mixed_emulator)


def report_of(run, application):
    return [report for report in run.reports() if report["source"]["name"] == SOURCES[application][2]][0]


def test_one_run_drills_the_mixed_inventory_with_one_summary(mixed_drill):
    run, log, live = mixed_drill
    assert run.rc == 0, run.output[-5000:]
    summary = run.summary()
    assert summary["status"] == "passed" and summary["counts"] == {"passed": 4}
    assert summary["applications"] == {"cassandra": 1, "opensearch": 1, "postgresql": 1, "redis": 1}
    markdown = (run.report_dir / summary["files"]["markdown"].rsplit("/", 1)[1]).read_text()
    assert "| Host | Application | API | Source |" in markdown and "| sessions | redis | v2 | sessions-redis |" in markdown
    assert all(entry["path"].startswith("/cluster-management/v2/") for entry in log)
    # Every restored cluster was deleted; the drill leftovers of the scenario are not this run's to touch.
    assert sorted(cluster["id"] for cluster in live) == sorted([DRILL_LEFTOVER_ID, DRILL_LEFTOVER_PG_ID])


@pytest.mark.parametrize("application", sorted(SOURCES))
def test_each_application_passes_on_what_it_can_prove(mixed_drill, application):
    run, log, _live = mixed_drill
    report = report_of(run, application)
    assert report["application"] == application and report["api_version"] == "v2"
    assert report["status"] == "passed", report["message"]
    not_applicable = {check["id"]: check["details"] for check in report["checks"] if check["status"] == "not_applicable"}
    assert set(not_applicable) == NOT_APPLICABLE[application]
    assert all(reason.endswith(".") and ". " not in reason for reason in not_applicable.values())
    for check_id in ("source_running", "restore_created", "restore_running", "topology", "rto", "drill_completed"):
        assert check_by_id(report, check_id)["status"] == "passed", check_by_id(report, check_id)
    assert report["cleanup"]["action"] == "deleted"
    selection = "indices" if application == "opensearch" else "tables"
    assert {check["id"] for check in report["checks"]} & {"tables", "indices"} == {selection}

    source_id = SOURCES[application][1]
    restores = [entry for entry in log if entry["method"] == "POST" and "/restore/v2" in entry["path"]
                and source_id in json.dumps(entry.get("body"))]
    assert len(restores) == 1, restores
    body = restores[0].get("body") or {}
    assert ("pointInTime" in body) == (application != "redis"), body
    assert not set(body) & {"keyspaceTables", "clusterNetwork", "indexNames"}, body
    triggers = [entry for entry in log if entry["method"] == "POST" and source_id in entry["path"] and "trigger-backup" in entry["path"]]
    assert len(triggers) == (0 if application == "redis" else 1), triggers


def test_redis_restores_the_latest_state_and_says_why_checks_do_not_apply(mixed_drill):
    run, _log, _live = mixed_drill
    report = report_of(run, "redis")
    assert report["point_in_time"] is None and report["point_in_time_basis"] == "latest_state"
    assert check_by_id(report, "rpo")["details"] == (
        "A Redis restore goes to the latest state and the API lists no Redis backups, so no recovery point can be dated.")
    assert report["figures"]["rpo_seconds"] is None and report["figures"]["rto_seconds"] > 0
    junit = [path for path in run.reports("junit") if "sessions-redis" in path.name][0].read_text()
    assert 'type="not_applicable"' in junit and '<property name="application" value="redis"/>' in junit
    markdown = [path for path in run.reports("markdown") if "sessions-redis" in path.name][0].read_text()
    assert "| Application | redis |" in markdown and "NOT APPLICABLE" in markdown
    assert "The latest state was restored: a Redis restore takes no point in time." in markdown
    # The evidence index of the run reads the RPO as not applicable, not as unknown ("-").
    evidence = json.loads((run.report_dir / "evidence.json").read_text())
    redis_entry = [cluster for cluster in evidence["clusters"] if cluster["name"] == "sessions-redis"][0]
    assert redis_entry["last_drill"]["not_applicable"] == ["rpo"]
    index_row = [line for line in (run.report_dir / "index.md").read_text().splitlines() if "sessions-redis" in line][0]
    assert "| not applicable |" in index_row


@pytest.mark.parametrize("application", ["postgresql", "opensearch"])
def test_postgresql_and_opensearch_restore_the_drills_backup(mixed_drill, application):
    run, _log, _live = mixed_drill
    report = report_of(run, application)
    assert report["point_in_time_basis"] == "backup_completed"
    assert check_by_id(report, "backup_completed")["status"] == "passed"
    assert check_by_id(report, "rpo")["status"] == "passed" and "at most" in check_by_id(report, "rpo")["details"]
    assert report["figures"]["rto_source"] == "polling"


def test_v1_refuses_another_application_in_the_preflight_naming_the_variable_and_the_cluster(mixed_emulator, tmp_path):
    mixed_emulator.reset()
    run = run_drill(mixed_emulator, tmp_path, {"payments": {"backup_restore_drill_cluster_id": PAYMENTS_PG_ID,
                                                            "backup_restore_drill_application": "postgresql",
                                                            "instaclustr_api_version": "v1"}})
    assert run.rc != 0
    report = run.report()
    assert report["status"] == "failed" and report["application"] == "postgresql"
    assert report["failure"]["phase"] == "preflight" and report["failure"]["task"] == "Stop when the source cannot be drilled"
    message = report["failure"]["message"]
    assert "backup_restore_drill_application: postgresql needs backup_restore_drill_api_version v2" in message
    assert "payments-pg (%s) was not drilled and nothing was changed" % PAYMENTS_PG_ID in message
    assert "set_fact" not in run.output and "Finalization" not in run.output
    assert report["source"]["name"] == "payments-pg" and "drill-payments-pg-" in report["files"]["json"]
    # Only the read that names the cluster: nothing that changes anything.
    assert [entry["method"] for entry in mixed_emulator.requests_log()] == ["GET"]


def test_the_sweep_deletes_leftover_drill_clusters_of_every_application(mixed_emulator, tmp_path):
    mixed_emulator.reset()
    # The leftovers are what earlier drills restored: their intent records prove it (a name alone would not).
    names = {cluster["id"]: cluster["name"] for cluster in mixed_emulator.clusters()}
    for cluster_id in (DRILL_LEFTOVER_ID, DRILL_LEFTOVER_PG_ID):
        record_drill_restore(mixed_emulator, cluster_id, names[cluster_id])
    run = run_drill(mixed_emulator, tmp_path, {"orders": {"backup_restore_drill_cluster_id": ORDERS_PROD_ID,
                                                          "instaclustr_api_version": "v2"}},
                    extra_vars={"backup_restore_drill_sweep_older_than": "1d"})
    assert run.rc == 0, run.output[-4000:]
    deletes = sorted(entry["path"] for entry in mixed_emulator.requests_log() if entry["method"] == "DELETE")
    assert len(deletes) == 2 and any(DRILL_LEFTOVER_PG_ID in path and "/postgresql/" in path for path in deletes) and any(
        DRILL_LEFTOVER_ID in path and "/cassandra/" in path for path in deletes), deletes
    assert live_restored_clusters(mixed_emulator) == []
    assert "drill-payments-pg-" in run.output and "postgresql" in run.output
