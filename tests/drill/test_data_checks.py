"""The drill's data checks against the emulator's data plane (``--data-plane``, scenario ``mixed``, one emulator for
this file): canaries around the drill's backup, the firewall rule on the restored cluster, the restored catalogue.

PostgreSQL (a real engine) carries the whole list: a passing drill, a restore that comes up empty, a restore of the
wrong moment, a drill without data access, and the data password nowhere. The other applications: a passing drill
each (one run of three hosts, after the canary heartbeat) and one failing outcome each.
"""

import json
import os

import ansible_runner
import pytest
import yaml

from tests.drill.conftest import BIN_DIR, FAST_VARS, check_by_id, live_restored_clusters, run_drill
from tests.support import deprecations
from tests.support import data_seed
from tests.support.collection import collections_root
from tests.support.emulator import ORDERS_PROD_ID, PAYMENTS_PG_ID, SEARCH_OS_ID, SESSIONS_REDIS_ID, running_emulator

DB_PASSWORD = "drill-data-pw-7f6e5d"
TIME_SCALE = 600.0
DATA_CHECKS = ("canary_restored", "point_in_time_honoured", "catalogue")


@pytest.fixture(scope="module")
def data_emulator(tmp_path_factory):
    with running_emulator(scenario="mixed", time_scale=TIME_SCALE, extra_args=("--data-plane", "--db-password", DB_PASSWORD)) as running:
        ca_file = tmp_path_factory.mktemp("data-plane") / "ca.pem"
        ca_file.write_text(running.data_plane()["ca_pem"])
        running.ca_file = str(ca_file)
        yield running


@pytest.fixture
def emulator(data_emulator):
    """No reset between the tests (a reset remakes every engine, seconds each time): each drill restores its own
    cluster, and the restore outcomes apply to the next restore only."""
    return data_emulator


def pg_host(emulator, **extra):
    host = {"backup_restore_drill_cluster_id": PAYMENTS_PG_ID, "backup_restore_drill_application": "postgresql",
            "instaclustr_api_version": "v2", "backup_restore_drill_canary": True,
            "backup_restore_drill_data_ca_path": emulator.ca_file,
            "backup_restore_drill_data_access_cidr": "127.0.0.1/32"}
    host.update(extra)
    return {"payments": host}


def statuses(report):
    return {check_id: check_by_id(report, check_id)["status"] for check_id in DATA_CHECKS}


def source_rules(emulator):
    return sorted((rule["network"], rule["type"]) for rule in emulator.firewall_rules(PAYMENTS_PG_ID))


def run_through_runner(emulator, tmp_path, hosts):
    """The drill as AWX runs it (ansible-runner, -vvvv, a fact cache), the data password given to the role as
    backup_restore_drill_data_password through an environment variable; returns (runner, report, private data dir)."""
    private = tmp_path / "runner"
    (private / "project").mkdir(parents=True)
    (private / "inventory").mkdir()
    (private / "project" / "drill.yml").write_text(
        "---\n- name: Drill\n  ansible.builtin.import_playbook: restorekit.instaclustr.dr_drill\n")
    (private / "inventory" / "hosts.yml").write_text(yaml.safe_dump({"all": {"hosts": hosts, "vars": dict(
        FAST_VARS, backup_restore_drill_data_password="{{ lookup('ansible.builtin.env', 'DRILL_DATA_PASSWORD') }}")}}))
    runner = ansible_runner.run(
        private_data_dir=str(private), playbook="drill.yml", verbosity=4, quiet=True, timeout=300,
        extravars={"backup_restore_drill_report_dir": str(private / "reports"), "backup_restore_drill_fail_on_error": False},
        envvars=deprecations.ansible_env({
            **emulator.credentials_env(), "DRILL_DATA_PASSWORD": DB_PASSWORD,
            "ANSIBLE_COLLECTIONS_PATH": str(collections_root()), "PATH": "%s:/usr/bin:/bin" % BIN_DIR,
            "ANSIBLE_CACHE_PLUGIN": "jsonfile", "ANSIBLE_CACHE_PLUGIN_CONNECTION": str(private / "facts"),
            "ANSIBLE_GATHERING": "implicit"}))
    reports = [json.loads(p.read_text()) for p in (private / "reports").glob("drill-*.json")
               if not p.name.startswith("drill-summary-") and not p.name.endswith(".manifest.json")]
    assert len(reports) == 1, runner.stdout.read()[-5000:]
    return runner, reports[0], private


def files_holding(root, needle):
    """Files under ``root`` holding ``needle``, but runner's own copy of the environment it was given."""
    found = []
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            path = os.path.join(dirpath, name)
            relative = os.path.relpath(path, root)
            if relative == os.path.join("env", "envvars") or (relative.startswith("artifacts") and name == "command"):
                continue
            with open(path, "rb") as handle:
                if needle.encode() in handle.read():
                    found.append(relative)
    return found


def test_postgresql_drill_proves_its_canaries_and_catalogue_and_shows_no_password(emulator, tmp_path):
    data_seed.put_postgresql_table(emulator, PAYMENTS_PG_ID, DB_PASSWORD, emulator.ca_file)
    rules_before = source_rules(emulator)
    runner, report, private = run_through_runner(emulator, tmp_path, pg_host(emulator))
    assert statuses(report) == {"canary_restored": "passed", "point_in_time_honoured": "passed", "catalogue": "passed"}, \
        json.dumps(report["checks"], indent=1)[-6000:]
    assert report["status"] == "passed" and runner.rc == 0
    assert "drill-%s-before" % report["run_id"] in check_by_id(report, "canary_restored")["details"]
    assert check_by_id(report, "catalogue")["figures"]["objects"] >= 3 and "missing" not in check_by_id(report, "catalogue")["figures"]
    assert report["figures"]["proven_restore_point"] is not None and report["figures"]["proven_rpo_seconds"] is None
    # Recorded for a later recovery of this source, should it no longer answer: its catalogue and canaries at the start.
    recorded = report["recovery"]
    assert {"kind": "table", "name": "postgres.public.orders"}.items() <= next(
        entry for entry in recorded["source_catalogue"] if entry["name"] == "postgres.public.orders").items()
    assert isinstance(recorded["source_canaries"], list)
    # The drill allowed the runner on the restored cluster only (the source's rules unchanged), and deleted that cluster.
    assert source_rules(emulator) == rules_before
    restored_id = report["restored"]["id"]
    assert [rule["network"] for rule in emulator.firewall_rules(restored_id)] == ["127.0.0.1/32"]
    assert report["cleanup"]["action"] == "deleted" and restored_id not in [c["id"] for c in live_restored_clusters(emulator)]
    # The data password: in runner's copy of its environment (so the search sees the right bytes), nowhere else:
    # not in the -vvvv output, the job events, the fact cache (if any fact is cached) or the reports.
    assert DB_PASSWORD in (private / "env" / "envvars").read_text()
    assert files_holding(private, DB_PASSWORD) == []


def test_postgresql_restore_that_comes_up_empty_fails_on_canary_restored_and_catalogue(emulator, tmp_path):
    data_seed.put_postgresql_table(emulator, PAYMENTS_PG_ID, DB_PASSWORD, emulator.ca_file)
    emulator.set_outcomes(next_restore_data="empty")
    run = run_drill(emulator, tmp_path, pg_host(emulator), extra_vars={"backup_restore_drill_fail_on_error": False})
    report = run.report()
    got = statuses(report)
    assert got["canary_restored"] == "failed" and got["catalogue"] == "failed", json.dumps(report["checks"], indent=1)[-5000:]
    assert "drill-%s-before" % report["run_id"] in check_by_id(report, "canary_restored")["details"]
    assert "table postgres.public.orders" in check_by_id(report, "catalogue")["figures"]["missing"]
    assert report["status"] == "failed" and report["cleanup"]["action"] == "deleted"


def test_postgresql_restore_of_the_wrong_moment_fails_on_point_in_time_honoured(emulator, tmp_path):
    emulator.set_outcomes(next_restore_data="latest")
    run = run_drill(emulator, tmp_path, pg_host(emulator), extra_vars={"backup_restore_drill_fail_on_error": False})
    report = run.report()
    check = check_by_id(report, "point_in_time_honoured")
    assert check["status"] == "failed", json.dumps(report["checks"], indent=1)[-5000:]
    assert "the newest drill-%s-after" % report["run_id"] in check["details"]
    assert report["status"] == "failed"


def test_postgresql_drill_without_data_access_cannot_verify_the_data_and_still_deletes(emulator, tmp_path):
    run = run_drill(emulator, tmp_path, pg_host(emulator, backup_restore_drill_data_access_cidr=None))
    report = run.report()
    assert run.rc == 0 and report["status"] == "passed"
    for check_id in DATA_CHECKS:
        assert check_by_id(report, check_id)["status"] == "not_verifiable"
        assert "backup_restore_drill_data_access_cidr is not set" in check_by_id(report, check_id)["details"]
    assert emulator.firewall_rules(report["restored"]["id"]) == []
    assert report["cleanup"]["action"] == "deleted"
    assert report["restored"]["id"] not in [c["id"] for c in live_restored_clusters(emulator)]


# ---- the other applications: a passing drill each (one run), and one failing outcome each ---------------------------

OTHERS = {
    "orders": {"backup_restore_drill_cluster_id": ORDERS_PROD_ID, "backup_restore_drill_application": "cassandra"},
    "search": {"backup_restore_drill_cluster_id": SEARCH_OS_ID, "backup_restore_drill_application": "opensearch"},
    # The API answers no Redis password: the user gives it.
    "sessions": {"backup_restore_drill_cluster_id": SESSIONS_REDIS_ID, "backup_restore_drill_application": "redis",
                 "backup_restore_drill_data_password": DB_PASSWORD},
}


def other_hosts(*names):
    return {name: dict(OTHERS[name], instaclustr_api_version="v2", backup_restore_drill_canary=True,
                       backup_restore_drill_data_access_cidr="127.0.0.1/32") for name in names}


@pytest.fixture(scope="module")
def heartbeat(data_emulator, tmp_path_factory):
    """The canary heartbeat over the OpenSearch and Redis sources, then a simulated day and more (Redis backs up daily
    on its schedule: its heartbeat canary is then older than backup_restore_drill_redis_backup_max_age)."""
    data_seed.put_cassandra_table(data_emulator, ORDERS_PROD_ID, DB_PASSWORD)
    data_seed.put_opensearch_index(data_emulator, SEARCH_OS_ID, DB_PASSWORD)
    data_seed.put_redis_key(data_emulator, SESSIONS_REDIS_ID, DB_PASSWORD)
    run = run_drill(data_emulator, tmp_path_factory.mktemp("heartbeat"), other_hosts("search", "sessions"),
                    playbook="restorekit.instaclustr.canary_heartbeat")
    assert run.rc == 0 and "changed=1" in run.output, run.output[-4000:]
    assert DB_PASSWORD not in run.output
    data_emulator.advance(26 * 3600)
    return run


def test_cassandra_opensearch_and_redis_drills_prove_their_data(data_emulator, heartbeat, tmp_path):
    run = run_drill(data_emulator, tmp_path, other_hosts("orders", "search", "sessions"))
    reports = {report["application"]: report for report in run.reports()}
    assert run.rc == 0, run.output[-4000:]
    orders, search, sessions = reports["cassandra"], reports["opensearch"], reports["redis"]
    assert statuses(orders) == {"canary_restored": "passed", "point_in_time_honoured": "passed", "catalogue": "passed"}, \
        json.dumps(orders["checks"], indent=1)[-5000:]
    assert check_by_id(orders, "tables")["status"] == "passed"  # verified by the catalogue
    assert statuses(search) == {"canary_restored": "passed", "point_in_time_honoured": "passed", "catalogue": "passed"}, \
        json.dumps(search["checks"], indent=1)[-5000:]
    assert check_by_id(search, "indices")["status"] == "passed"  # verified by the catalogue
    # Redis: the heartbeat canary, older than a day at the restore request, is back; no point in time to honour.
    assert statuses(sessions) == {"canary_restored": "passed", "point_in_time_honoured": "not_applicable", "catalogue": "passed"}, \
        json.dumps(sessions["checks"], indent=1)[-5000:]
    # No drill backup: the proven restore point is the heartbeat's canary, before the drill's start.
    assert sessions["figures"]["proven_rpo_seconds"] >= 26 * 3600
    assert DB_PASSWORD not in run.output and all(DB_PASSWORD not in path.read_text() for path in run.report_dir.iterdir() if path.is_file())


def test_cassandra_restore_that_comes_up_empty_fails_on_canary_restored(data_emulator, heartbeat, tmp_path):
    data_emulator.set_outcomes(next_restore_data="empty")
    run = run_drill(data_emulator, tmp_path, other_hosts("orders"), extra_vars={"backup_restore_drill_fail_on_error": False})
    report = run.report()
    assert check_by_id(report, "canary_restored")["status"] == "failed", json.dumps(report["checks"], indent=1)[-5000:]
    assert check_by_id(report, "catalogue")["status"] == "failed"
    assert report["status"] == "failed" and report["cleanup"]["action"] == "deleted"


def test_opensearch_restore_of_the_wrong_moment_fails_on_point_in_time_honoured(data_emulator, heartbeat, tmp_path):
    data_emulator.set_outcomes(next_restore_data="latest")
    run = run_drill(data_emulator, tmp_path, other_hosts("search"), extra_vars={"backup_restore_drill_fail_on_error": False})
    report = run.report()
    assert check_by_id(report, "point_in_time_honoured")["status"] == "failed", json.dumps(report["checks"], indent=1)[-5000:]
    assert report["status"] == "failed" and report["cleanup"]["action"] == "deleted"


def test_redis_restore_that_comes_up_empty_fails_on_canary_restored(data_emulator, heartbeat, tmp_path):
    data_emulator.set_outcomes(next_restore_data="empty")
    run = run_drill(data_emulator, tmp_path, other_hosts("sessions"), extra_vars={"backup_restore_drill_fail_on_error": False})
    report = run.report()
    assert check_by_id(report, "canary_restored")["status"] == "failed", json.dumps(report["checks"], indent=1)[-5000:]
    assert check_by_id(report, "catalogue")["status"] in ("failed", "not_verifiable")
    assert report["status"] == "failed" and report["cleanup"]["action"] == "deleted"
