"""dr_recover (role cluster_recovery): recovery of a RUNNING, a FAILED and a deleted source into a kept cluster,
the plan first, the typed confirmation, check mode, a rerun after an interruption, the firewall rules copied,
and nothing deleted on any path; a recovery's reports join the drill evidence by default. One fast emulator for the module (tests/drill/conftest.py)."""

import json
import time

import pytest

from tests.drill.conftest import deleted_ids, restore_posts, run_drill
from tests.drill.test_evidence import run_evidence_playbook
from tests.support.emulator import ORDERS_PROD_ID
from tests.unit.plugins.plugin_utils.evidence_reports import DAY_MS, write_drill
from tests.unit.plugins.plugin_utils.test_evidence_manifest import make_key

RECOVER = "restorekit.instaclustr.dr_recover"
FAST = {"cluster_recovery_wait_sleep": 0.2, "cluster_recovery_restore_wait_timeout": 120,
        "cluster_recovery_firewall_wait_timeout": 120}
CHANGING = ("POST", "PUT", "PATCH", "DELETE")


def recover(emulator, tmp_path, source_id=ORDERS_PROD_ID, check=False, env=None, report_dir=None, **variables):
    host = dict(FAST, cluster_recovery_cluster_id=source_id, **variables)
    report_dir = report_dir or tmp_path / "recovery"
    extra = {"dr_recover_host": "lost", "cluster_recovery_report_dir": str(report_dir),
             "cluster_recovery_drill_report_dir": str(tmp_path / "reports")}
    run = run_drill(emulator, tmp_path, {"lost": dict(host, ansible_connection="local")}, extra_vars=extra,
                    check=check, playbook=RECOVER, env=env)
    run.recovery_dir = report_dir
    return run


def recovery_reports(run):
    paths = sorted(p for p in run.recovery_dir.glob("recovery-*.json") if not p.name.endswith(".manifest.json"))
    return [json.loads(p.read_text()) for p in paths]


def changing_requests(emulator):
    return [(e["method"], e["path"]) for e in emulator.requests_log() if e["method"] in CHANGING]


def test_without_the_confirmation_the_plan_is_written_and_nothing_is_sent(emulator, tmp_path):
    run = recover(emulator, tmp_path, cluster_recovery_name="orders-recovered")
    assert run.rc == 0, run.output[-3000:]
    assert changing_requests(emulator) == []
    [report] = recovery_reports(run)
    assert report["status"] == "not_confirmed" and report["restored"] is None
    assert report["plan"]["request"]["name"] == "orders-recovered"
    assert report["plan"]["point_in_time_basis"] == "latest" and report["plan"]["point_in_time_ms"]
    assert "Point in time: latest" in run.output


def test_a_confirmation_naming_another_cluster_is_refused(emulator, tmp_path):
    run = recover(emulator, tmp_path, cluster_recovery_name="orders-recovered", cluster_recovery_confirm="inventory-dev")
    assert run.rc != 0
    assert changing_requests(emulator) == []
    assert recovery_reports(run)[0]["status"] == "refused"


def test_check_mode_shows_the_plan_and_sends_nothing_that_changes(emulator, tmp_path):
    run = recover(emulator, tmp_path, check=True, cluster_recovery_name="orders-recovered",
                  cluster_recovery_confirm="orders-prod")
    assert run.rc == 0, run.output[-3000:]
    assert changing_requests(emulator) == []
    assert recovery_reports(run)[0]["status"] == "planned"
    assert "Restore request:" in run.output


# A deleted source: the drill report test below (and v2 in test_recovery_v2.py).
@pytest.mark.parametrize("disaster", [None, "failed"])
def test_recovery_of_a_source_keeps_the_restored_cluster_and_copies_its_firewall_rules(emulator, tmp_path, disaster):
    emulator.add_firewall_rules(ORDERS_PROD_ID, "203.0.113.0/24", duration_seconds=0)
    if disaster:
        emulator.disaster(ORDERS_PROD_ID, disaster)
    run = recover(emulator, tmp_path, cluster_recovery_name="orders-recovered", cluster_recovery_confirm=ORDERS_PROD_ID)
    assert run.rc == 0, run.output[-4000:]
    [report] = recovery_reports(run)
    assert report["status"] == "recovered"
    assert len(restore_posts(emulator)) == 1 and deleted_ids(emulator) == []
    restored = report["restored"]
    assert restored["name"] == "orders-recovered" and restored["status"] == "RUNNING"
    assert all(address.endswith(":9042") for address in restored["addresses"]) and restored["addresses"]
    rules = {(rule["network"], rule["type"]) for rule in emulator.firewall_rules(restored["id"])}
    if disaster == "deleted":
        # Its rules cannot be read any more and no drill report records them: listed, not guessed.
        assert rules == set() and report["firewall"]["unread"]
    else:
        assert ("203.0.113.0/24", "CASSANDRA") in rules
    state = emulator.cluster_state(restored["id"])
    assert state["deleted"] is False and state["restore"]["request"]["point_in_time_ms"] == report["plan"]["point_in_time_ms"]


def test_a_rerun_after_an_interrupted_recovery_finds_its_cluster_and_goes_on(emulator, tmp_path):
    emulator.add_firewall_rules(ORDERS_PROD_ID, "198.51.100.0/24", duration_seconds=0)
    reports = tmp_path / "recovery"
    # Interrupted: the restore was sent, the wait gave up before the cluster was RUNNING. The source still runs,
    # so `latest` moves between the runs: the rerun keeps the point in time of the first.
    first = recover(emulator, tmp_path / "first", report_dir=reports, cluster_recovery_name="orders-recovered",
                    cluster_recovery_confirm="orders-prod", cluster_recovery_restore_wait_timeout=0.5)
    assert first.rc != 0 and len(restore_posts(emulator)) == 1
    [interrupted] = recovery_reports(first)
    assert interrupted["status"] == "failed"
    emulator.advance(1800)
    second = recover(emulator, tmp_path / "second", report_dir=reports, cluster_recovery_name="orders-recovered",
                     cluster_recovery_confirm="orders-prod", cluster_recovery_run_id="second")
    assert second.rc == 0, second.output[-4000:]
    [report] = [r for r in recovery_reports(second) if r["run_id"] == "second"]
    assert len(restore_posts(emulator)) == 1 and deleted_ids(emulator) == []  # exactly once, nothing deleted
    assert report["status"] == "recovered" and report["restored"]["created"] is False
    assert report["plan"]["point_in_time_basis"] == "earlier_run"
    assert report["plan"]["point_in_time_ms"] == interrupted["plan"]["point_in_time_ms"]
    assert ("198.51.100.0/24", "CASSANDRA") in {(r["network"], r["type"]) for r in emulator.firewall_rules(report["restored"]["id"])}


def test_a_drill_records_the_firewall_rules_that_a_recovery_of_the_deleted_source_copies(emulator, tmp_path):
    emulator.add_firewall_rules(ORDERS_PROD_ID, "192.0.2.0/24", duration_seconds=0)
    drill = run_drill(emulator, tmp_path, {"orders": {"backup_restore_drill_cluster_id": ORDERS_PROD_ID,
                                                      "ansible_connection": "local"}})
    assert drill.rc == 0, drill.output[-3000:]
    recorded = drill.report()["recovery"]
    assert ("192.0.2.0/24", "CASSANDRA") in {(rule["network"], rule["type"]) for rule in recorded["source_firewall"]["rules"]}
    # Planned and reported, not copied onto the drill's copy of production data without the flag.
    assert {"network": "192.0.2.0/24", "rule_types": ["CASSANDRA"]} in recorded["firewall"]["planned"]
    assert recorded["firewall"]["copied"] == [] and "restore" in recorded["steps_exercised"]

    emulator.disaster(ORDERS_PROD_ID, "deleted")
    run = recover(emulator, tmp_path, cluster_recovery_name="orders-recovered", cluster_recovery_confirm="orders-prod")
    assert run.rc == 0, run.output[-4000:]
    [report] = recovery_reports(run)
    assert report["source"]["name"] == "orders-prod" and report["source"]["name_basis"] == "drill_report"
    assert report["firewall"]["basis"] == "drill_report" and report["memory"]["date"] == drill.report()["reference_time"]
    assert ("192.0.2.0/24", "CASSANDRA") in {(r["network"], r["type"]) for r in emulator.firewall_rules(report["restored"]["id"])}
    assert any("taken from the drill report" in line for line in report["plan"]["lines"])


def test_a_recovery_joins_the_drill_evidence_by_default_and_never_counts_as_a_drill(emulator, tmp_path):
    """dr_recover with only the drill report folder given writes under its recoveries/ folder; drill_evidence over that
    folder lists the recovery with its signed manifest verified, and its freshness verdict is the drills' alone."""
    folder = tmp_path / "reports"
    write_drill(folder, ORDERS_PROD_ID, "orders-prod", "d1", int(time.time() * 1000) - 10 * DAY_MS)  # passed 10 days ago
    private, public, key_id = make_key(tmp_path / "keys")
    emulator.disaster(ORDERS_PROD_ID, "failed")
    run = run_drill(emulator, tmp_path, {"lost": dict(FAST, cluster_recovery_cluster_id=ORDERS_PROD_ID, ansible_connection="local")},
                    extra_vars={"dr_recover_host": "lost", "cluster_recovery_drill_report_dir": str(folder),
                                "cluster_recovery_name": "orders-recovered", "cluster_recovery_confirm": "orders-prod",
                                "cluster_recovery_run_id": "rc1", "cluster_recovery_signing_key": private},
                    playbook=RECOVER)
    assert run.rc == 0, run.output[-4000:]
    assert sorted(p.name for p in (folder / "recoveries").iterdir()) == [
        "recovery-orders-prod-rc1.%s" % suffix for suffix in ("html", "json", "manifest.json", "manifest.json.sig", "md")]

    fresh = run_evidence_playbook(emulator, folder, backup_restore_drill_evidence_max_age="30d",
                                  backup_restore_drill_evidence_trusted_keys=[public])
    assert fresh.returncode == 0, fresh.stdout[-3000:]
    assert ("1 clusters, 1 drill reports, every cluster passed a drill within 30d (and 1 recovery reports, which are not drills)"
            in fresh.stdout)
    evidence = json.loads((folder / "evidence.json").read_text())
    [recovered] = evidence["recoveries"]
    assert recovered["status"] == "recovered" and recovered["restored"]["name"] == "orders-recovered"
    assert recovered["report_html"] == "recoveries/recovery-orders-prod-rc1.html" and recovered["time_to_recover_seconds"] > 0
    assert recovered["evidence"]["status"] == "intact" and recovered["evidence"]["signed_by"] == [key_id]
    assert evidence["integrity"]["problems"] == [] and evidence["counts"]["reports"] == 1
    [orders] = evidence["clusters"]
    assert [drill["run_id"] for drill in orders["drills"]] == ["d1"] and orders["counts"]["all_time"] == 1
    page = (folder / "index.html").read_text()
    assert "<h2>Recoveries</h2>" in page and 'href="recoveries/recovery-orders-prod-rc1.html"' in page

    # The recovery is newer than the drill and succeeded, yet the gate at 5 days still finds no passing drill.
    stale = run_evidence_playbook(emulator, folder, backup_restore_drill_evidence_max_age="5d",
                                  backup_restore_drill_evidence_trusted_keys=[public])
    assert stale.returncode != 0
    assert "1 of 1 clusters have no passing drill within 5d: orders-prod (%s)" % ORDERS_PROD_ID in stale.stdout
