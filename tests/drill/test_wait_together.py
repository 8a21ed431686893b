"""Drills that wait together (backup_restore_drill_wait_together): each drill starts its backup, restore and deletion
without waiting, and one task per phase waits for every drill's cluster from one process (cluster_wait). One emulator
(fleet of 3) for the module."""

import re

import pytest

from tests.drill.conftest import TIME_SCALE, check_by_id, deleted_ids, live_restored_clusters, restore_posts, run_drill
from tests.emulator.scenarios import fleet_id
from tests.support.emulator import running_emulator

HOSTS = {"fleet-%02d" % number: {"backup_restore_drill_cluster_id": fleet_id(number)} for number in (1, 2, 3)}
SHARED_WAITS = ("Wait for the backups of every drill of the play together, from one process",
                "Wait for the restores of every drill of the play together, from one process",
                "Wait for the deletions of every drill of the play together, from one process")


@pytest.fixture(scope="module")
def module_emulator():
    with running_emulator(scenario="fleet:3", time_scale=TIME_SCALE) as emulator:
        yield emulator


@pytest.fixture
def emulator(module_emulator):
    module_emulator.reset()
    return module_emulator


def task_lines(output, task_name):
    """``(status, host)`` of each line a task printed (ok/changed/failed/skipping) in an ansible-playbook output."""
    block = output.split(task_name, 1)[1].split("TASK [", 1)[0]
    return re.findall(r"^(ok|changed|failed|fatal|skipping): \[([^\]]+)\]", block, flags=re.M)


def test_three_drills_wait_together_and_a_failed_restore_fails_only_its_own_drill(emulator, tmp_path):
    emulator.set_outcomes(next_restore="FAILED")  # the first restore the emulator receives FAILS

    run = run_drill(emulator, tmp_path, HOSTS, group_vars={"backup_restore_drill_wait_together": True})

    reports = {report["source"]["name"]: report for report in run.reports()}
    assert sorted(reports) == sorted(HOSTS), run.output[-4000:]  # a report for every drill
    failed = [name for name, report in reports.items() if report["status"] == "failed"]
    assert len(failed) == 1, run.output[-4000:]
    failure = reports[failed[0]]
    assert failure["failure"]["phase"] == "restore" and "FAILED" in failure["failure"]["message"]
    assert check_by_id(failure, "restore_running")["status"] == "failed"
    for name in set(reports) - set(failed):
        report = reports[name]
        assert report["status"] == "passed", report.get("failure")
        assert check_by_id(report, "backup_completed")["status"] == "passed"
        assert check_by_id(report, "restore_running")["status"] == "passed"
        assert report["figures"]["rto_seconds"] > 0
    summary = run.summary()
    assert summary["counts"] == {"failed": 1, "passed": 2} and summary["failed"] == failed
    # Exactly one restore per drill, each restored cluster deleted (the failed one too): nothing left behind.
    assert len(restore_posts(emulator)) == 3
    assert sorted(deleted_ids(emulator)) == sorted(report["restored"]["id"] for report in reports.values())
    assert all(report["cleanup"]["action"] == "deleted" for report in reports.values())
    assert live_restored_clusters(emulator) == []
    # Each phase waited once for the play, from one host's task; the modules themselves did not wait.
    for task_name in SHARED_WAITS:
        assert [status for status, _host in task_lines(run.output, task_name)] == ["ok"], task_name


def test_under_the_free_strategy_the_drills_wait_by_themselves(emulator, tmp_path):
    """Ansible runs a run_once task for every host under the free strategy, so the role does not wait together there."""
    hosts = {name: HOSTS[name] for name in ("fleet-01", "fleet-02")}
    run = run_drill(emulator, tmp_path, hosts, group_vars={"backup_restore_drill_wait_together": True},
                    env={"ANSIBLE_STRATEGY": "free"})
    assert run.rc == 0, run.output[-4000:]
    assert [report["status"] for report in run.reports()] == ["passed", "passed"]
    for task_name in SHARED_WAITS:
        assert {status for status, _host in task_lines(run.output, task_name)} <= {"skipping"}, task_name
    assert len(restore_posts(emulator)) == 2 and live_restored_clusters(emulator) == []
