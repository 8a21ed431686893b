"""Issue 5 §6: five drills at once against the emulator's limit of 35 requests per second.

Scenario ``fleet:5``, forks 5, one drill per source cluster (fleet-01 to fleet-05), each triggering
and following a backup, restoring, verifying and deleting. The modules poll every 0.05 s, so five
of them together ask for far more than 35 requests per second and the emulator answers 429:
the test proves the limit was hit (else it would not test anything; the shared request budget is
switched off with ``IC_API_RATE_LIMIT=0`` for this), that every drill still passed, and that no
restored cluster is left. The number of 429 answers (every one of them was retried, since every
drill passed) goes into the figures.

The hosts come from the inventory plugin ``restorekit.instaclustr.clusters`` (a ``fleet.instaclustr.yml``
source, credentials from the environment), not from a generated static inventory: the account holds exactly
the five source clusters.
"""

import json

import pytest

from tests.reliability.conftest import (
    REPO_ROOT,
    ansible_env,
    api_requests,
    playbook_failures,
    restored_clusters_alive,
    run_playbook,
)

SUITE = ("parallel_drills", "Parallel drills (§6)",
         "5 drills at once (forks 5, scenario fleet:5, hosts from the inventory plugin) against 35 requests/s: "
         "all pass, 429s are retried")
# Simulated durations stretched over a few real seconds, so the five drills overlap while polling.
EMULATOR = {"scenario": "fleet:5", "time_scale": 30.0,
            "extra_args": ("--backup-duration", "90", "--restore-duration", "120", "--delete-duration", "30")}
DRILLS = 5

PLAYBOOK = REPO_ROOT / "playbooks" / "dr_drill.yml"  # the main job: one host per source cluster, in parallel


def ids_in_reports(report_dir):
    """The source cluster id of each drill report."""
    found = []
    for path in report_dir.rglob("*.json"):
        try:
            document = json.loads(path.read_text())
        except ValueError:
            continue
        if isinstance(document, dict) and "checks" in document:
            found.append((document.get("source") or {}).get("id"))
    return found


def test_five_drills_at_once_all_pass(emulator, figures, tmp_path):
    if not PLAYBOOK.is_file() or not (REPO_ROOT / "roles" / "backup_restore_drill" / "tasks").is_dir():
        pytest.skip("the drill role or playbooks/dr_drill.yml has not landed")
    from tests.support.emulator import fleet_id

    report_dir = tmp_path / "reports"
    source = tmp_path / "fleet.instaclustr.yml"
    source.write_text("plugin: restorekit.instaclustr.clusters\napplications: [cassandra]\n")
    settings = {
        "backup_restore_drill_report_dir": str(report_dir),
        "backup_restore_drill_wait_sleep": 0.05,
        "backup_restore_drill_backup_wait_timeout": 300,
        "backup_restore_drill_restore_wait_timeout": 300,
        "backup_restore_drill_delete_wait_timeout": 300,
    }
    # The shared request budget off (api_rate_limit 0): these drills must exceed the limit, to prove that 429s are
    # retried; the budget's own guarantee (no 429 at all) is tested in test_request_budget.py.
    envvars = dict(ansible_env(emulator), ANSIBLE_INVENTORY_UNPARSED_FAILED="true", IC_API_RATE_LIMIT="0")
    runner = run_playbook(tmp_path / "runner", PLAYBOOK, str(source), envvars, extravars=settings,
                          forks=DRILLS, timeout=480)

    log = api_requests(emulator)
    limited = [entry for entry in log if entry.get("status") == 429]
    problems = []
    if runner.rc != 0:
        problems.append("not every drill passed (rc=%s): %s" % (runner.rc, playbook_failures(runner)[:5]))
    verdicts = {}  # one JSON report per drill (the summary has no "checks")
    for path in report_dir.rglob("*.json"):
        try:
            document = json.loads(path.read_text())
        except ValueError:
            continue
        if isinstance(document, dict) and "checks" in document:
            verdicts[path.name] = document.get("status")
    drilled = sorted(verdict_id for verdict_id in ids_in_reports(report_dir))
    if drilled != sorted(fleet_id(number) for number in range(1, DRILLS + 1)):
        problems.append("the drills' sources are not fleet-01..05: %s" % drilled)
    if len(verdicts) != DRILLS:
        problems.append("%d drill reports for %d drills: %s" % (len(verdicts), DRILLS, verdicts))
    not_passed = {host: verdict for host, verdict in verdicts.items() if verdict != "passed"}
    if not_passed:
        problems.append("drills whose report does not say passed: %s" % not_passed)
    restores = [e for e in log if e["method"] == "POST" and e["path"].endswith("/backups/restore")
                and e.get("status") == 200]
    if len(restores) != DRILLS:
        problems.append("%d restores acted on for %d drills" % (len(restores), DRILLS))
    if not limited:
        problems.append("no request was answered 429: the rate limit was never reached, so it was not tested")
    if restored_clusters_alive(emulator):
        problems.append("restored clusters left behind: %s" % [c["name"] for c in restored_clusters_alive(emulator)])

    seconds = (log[-1]["time_ms"] - log[0]["time_ms"]) / 1000.0 / emulator.settings()["time_scale"] if log else 0
    figures.figure("drills", DRILLS)
    figures.figure("drills passed", sum(1 for verdict in verdicts.values() if verdict == "passed"))
    figures.figure("API requests", len(log))
    figures.figure("429 answers received and retried", len(limited))
    figures.figure("real seconds from first to last request", round(seconds, 1))
    figures.case("5 drills, forks 5, fleet:5", "fleet-01..05 at once from the inventory plugin, polling every 0.05 s",
                 held=not problems,
                 outcome="rc=%s, %d requests, %d answered 429" % (runner.rc, len(log), len(limited)),
                 problems=problems)
    assert not problems, "\n".join(problems)
