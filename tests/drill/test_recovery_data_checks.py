"""dr_recover's data checks against the emulator's data plane (``--data-plane``, real PostgreSQL, scenario ``mixed``, one
emulator for this file, no reset between the tests): a RUNNING source checked at -vvvv with the data password nowhere,
a recovery without data access, a restore of the wrong moment (a failed check: the cluster kept, the play failed), and a
deleted source judged against the catalogue its earlier drill report recorded. Each recovery restores its own cluster."""

import json
import os

import pytest

from tests.drill.test_recovery import recover, recovery_reports
from tests.drill.conftest import check_by_id, deleted_ids, restore_posts, run_drill
from tests.support import data_seed
from tests.support.emulator import PAYMENTS_PG_ID, running_emulator
from ansible_collections.restorekit.instaclustr.plugins.module_utils._clock import iso_utc

DB_PASSWORD = "recovery-data-pw-4b3a29"
TIME_SCALE = 600.0
HOUR_MS = 3600 * 1000
DATA_CHECKS = ("catalogue", "canary_restored", "point_in_time_honoured")
CATALOGUE = [{"kind": "database", "name": "postgres", "count": None, "count_kind": None},
             {"kind": "schema", "name": "postgres.public", "count": None, "count_kind": None},
             {"kind": "table", "name": "postgres.public.orders", "count": 2, "count_kind": "rows"}]


@pytest.fixture(scope="module")
def data_emulator(tmp_path_factory):
    """The source seeded with a table and a heartbeat canary, then 13 simulated hours (PostgreSQL backs up every 6 hours:
    the newest backups hold both)."""
    with running_emulator(scenario="mixed", time_scale=TIME_SCALE, extra_args=("--data-plane", "--db-password", DB_PASSWORD)) as running:
        folder = tmp_path_factory.mktemp("recovery-data")
        ca_file = folder / "ca.pem"
        ca_file.write_text(running.data_plane()["ca_pem"])
        running.ca_file = str(ca_file)
        data_seed.put_postgresql_table(running, PAYMENTS_PG_ID, DB_PASSWORD, running.ca_file)
        running.canary_written_ms = running.now_ms()
        heartbeat = run_drill(running, folder / "heartbeat", {"payments": {
            "backup_restore_drill_cluster_id": PAYMENTS_PG_ID, "backup_restore_drill_application": "postgresql",
            "instaclustr_api_version": "v2", "backup_restore_drill_data_ca_path": running.ca_file}},
            playbook="restorekit.instaclustr.canary_heartbeat")
        assert heartbeat.rc == 0 and "changed=1" in heartbeat.output, heartbeat.output[-4000:]
        running.advance(13 * 3600)
        yield running


@pytest.fixture
def emulator(data_emulator):
    return data_emulator


def recover_payments(emulator, tmp_path, name, env=None, **variables):
    settings = dict(cluster_recovery_application="postgresql", cluster_recovery_name=name, cluster_recovery_confirm=PAYMENTS_PG_ID,
                    cluster_recovery_data_access_cidr="127.0.0.1/32", cluster_recovery_data_ca_path=emulator.ca_file)
    settings.update(variables)
    return recover(emulator, tmp_path, source_id=PAYMENTS_PG_ID, env=dict({"IC_API_VERSION": "v2"}, **(env or {})), **settings)


def statuses(report):
    return {check_id: check_by_id(report, check_id)["status"] for check_id in DATA_CHECKS}


def files_holding(root, needle):
    found = []
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            with open(os.path.join(dirpath, name), "rb") as handle:
                if needle.encode() in handle.read():
                    found.append(os.path.relpath(os.path.join(dirpath, name), root))
    return found


def test_a_running_source_recovered_with_data_access_passes_every_data_check_and_shows_no_password(emulator, tmp_path):
    posts = len(restore_posts(emulator))
    run = recover_payments(emulator, tmp_path, "payments-r1", env={"ANSIBLE_VERBOSITY": "4", "RECOVERY_DATA_PASSWORD": DB_PASSWORD},
                           cluster_recovery_data_password="{{ lookup('ansible.builtin.env', 'RECOVERY_DATA_PASSWORD') }}")
    assert run.rc == 0, run.output[-5000:]
    [report] = recovery_reports(run)
    assert report["status"] == "recovered", report["message"]
    assert statuses(report) == {"catalogue": "passed", "canary_restored": "passed", "point_in_time_honoured": "passed"}, \
        json.dumps(report["checks"], indent=1)[-5000:]
    assert "heartbeat" in check_by_id(report, "canary_restored")["details"]
    assert check_by_id(report, "catalogue")["figures"]["objects"] >= 3
    assert len(restore_posts(emulator)) == posts + 1 and deleted_ids(emulator) == []
    # The rule added for the data checks is on the restored cluster, in the report and in the cutover checklist.
    restored_id = report["restored"]["id"]
    assert "127.0.0.1/32" in [rule["network"] for rule in emulator.firewall_rules(restored_id)]
    assert report["data_access"]["network"] == "127.0.0.1/32" and not report["data_access"]["failed"]
    assert any("127.0.0.1/32" in item and "by hand" in item for item in report["cutover"])
    stem = run.recovery_dir / ("recovery-payments-pg-%s" % report["run_id"])
    assert "| point\\_in\\_time\\_honoured | passed |" in stem.with_suffix(".md").read_text()
    assert "<td>point_in_time_honoured</td><td>passed</td>" in stem.with_suffix(".html").read_text()
    # The data password: nowhere in the -vvvv output, the reports and manifests, the state folder or anything else here.
    assert DB_PASSWORD not in run.output and files_holding(tmp_path, DB_PASSWORD) == []
    assert files_holding(os.environ["RESTOREKIT_STATE_DIR"], DB_PASSWORD) == []


def test_without_data_access_the_data_checks_are_not_verifiable_saying_which_variable_to_set(emulator, tmp_path):
    run = recover_payments(emulator, tmp_path, "payments-r2", cluster_recovery_data_access_cidr=None)
    assert run.rc == 0, run.output[-4000:]
    [report] = recovery_reports(run)
    assert report["status"] == "recovered" and report["data_access"] is None
    for check_id in DATA_CHECKS:
        check = check_by_id(report, check_id)
        assert check["status"] == "not_verifiable" and "cluster_recovery_data_access_cidr is not set" in check["details"]
    assert any(line.startswith("Data checks: not verifiable") for line in report["plan"]["lines"])
    # Nothing else changes: the restored cluster has the source's rules, copied, and no other.
    source = {(rule["network"], rule["type"]) for rule in emulator.firewall_rules(PAYMENTS_PG_ID)}
    assert {(rule["network"], rule["type"]) for rule in emulator.firewall_rules(report["restored"]["id"])} == source


def test_a_restore_of_the_wrong_moment_fails_its_check_keeps_the_cluster_and_fails_the_play(emulator, tmp_path):
    emulator.set_outcomes(next_restore_data="latest")
    point = iso_utc(emulator.canary_written_ms - HOUR_MS)  # before the heartbeat canary; `latest` brings it back anyway
    run = recover_payments(emulator, tmp_path, "payments-r3", cluster_recovery_point_in_time=point)
    assert run.rc != 0
    [report] = recovery_reports(run)
    check = check_by_id(report, "point_in_time_honoured")
    assert check["status"] == "failed" and "heartbeat" in check["details"], json.dumps(report["checks"], indent=1)[-5000:]
    assert report["status"] == "restored_check_failed" and "point_in_time_honoured failed" in report["message"]
    assert report["message"] in run.output
    assert report["restored"]["status"] == "RUNNING" and deleted_ids(emulator) == []
    assert emulator.cluster_state(report["restored"]["id"])["deleted"] is False


def test_a_deleted_source_is_judged_against_the_catalogue_its_newest_drill_report_recorded(emulator, tmp_path):
    recorded_ms = emulator.canary_written_ms + HOUR_MS
    (tmp_path / "reports").mkdir(parents=True)
    (tmp_path / "reports" / "drill-payments-pg-rehearsed.json").write_text(json.dumps({
        "source": {"id": PAYMENTS_PG_ID, "name": "payments-pg"}, "run_id": "rehearsed", "status": "passed",
        "reference_time_ms": recorded_ms, "recovery": {"source_catalogue": CATALOGUE, "source_canaries": None,
                                                       "source_firewall": {"rules": []}}}))
    emulator.disaster(PAYMENTS_PG_ID, "deleted")
    run = recover_payments(emulator, tmp_path, "payments-r4", cluster_recovery_confirm="payments-pg")
    assert run.rc == 0, run.output[-4000:]
    [report] = recovery_reports(run)
    assert report["status"] == "recovered" and report["memory"]["date"] == iso_utc(recorded_ms)
    catalogue = check_by_id(report, "catalogue")
    assert catalogue["status"] == "passed" and catalogue["figures"]["objects"] == 3, catalogue
    assert "recorded by the drill report of %s" % iso_utc(recorded_ms) in catalogue["details"]
    assert "drill-payments-pg-rehearsed.json" in catalogue["details"]
    canary = check_by_id(report, "canary_restored")
    assert canary["status"] == "not_verifiable" and "not read: the source is UNREADABLE" in canary["details"]
    assert deleted_ids(emulator) == []
