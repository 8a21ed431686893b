"""Run one drill playbook (the collection's role or the uri baseline) on a set of source clusters,
measured as one process tree, and read what it sent from the emulator's request log."""

import json
import tempfile
from pathlib import Path

from benchmarks import harness

ROLE_PLAYBOOK = harness.REPO_ROOT / "playbooks" / "dr_drill.yml"
BASELINE_PLAYBOOK = harness.BASELINE_DIR / "dr_drill_uri.yml"
SIDES = ("role", "baseline")
# At each (re)start the emulator's scenarios begin a scheduled daily snapshot on the first node of
# some clusters, ACTIVE for 25 simulated minutes. Jumping past it gives both sides the same quiet
# start (otherwise the role's cluster_backup follows that snapshot instead of triggering one).
QUIET_START_ADVANCE_SECONDS = 1800


def write_inventory(directory, clusters):
    """An inventory with one host per source cluster: ``{host name: cluster id}``."""
    hosts = {name: {"backup_restore_drill_cluster_id": cluster_id} for name, cluster_id in clusters.items()}
    path = Path(directory) / "inventory.json"
    # JSON is YAML: the yaml inventory plugin reads it; the group matches playbooks/dr_drill.yml.
    path.write_text(json.dumps({"all": {"children": {"drill_clusters": {"hosts": hosts}}}}, indent=1))
    return path


def write_plugin_inventory(directory):
    """An inventory source for the ``restorekit.instaclustr.clusters`` plugin: every running Cassandra cluster of the
    account the environment's IC_* variables point at, over v1 (what the baseline speaks too)."""
    path = Path(directory) / "fleet.instaclustr.yml"
    path.write_text("plugin: restorekit.instaclustr.clusters\napi_version: v1\napplications: [cassandra]\n")
    return path


def playbook_args(side, poll_seconds, report_dir):
    """The same inputs for both sides: poll interval and (for the role) where its reports go."""
    if side == "role":
        return ROLE_PLAYBOOK, {
            "backup_restore_drill_wait_sleep": poll_seconds,
            "backup_restore_drill_report_dir": str(report_dir),
        }
    return BASELINE_PLAYBOOK, {"drill_poll_seconds": poll_seconds}


def fresh_world(emulator):
    """Back to the scenario's start (this also empties the request log), then past the
    scheduled snapshot that starts at t0."""
    emulator.reset()
    emulator.advance(QUIET_START_ADVANCE_SECONDS)


def task_executions(stdout):
    """Task executions of a run from its PLAY RECAP, over every host: ``ran`` (ok, which counts the
    changed ones too, plus failed and rescued) and ``skipped`` (a condition evaluated, nothing run).
    A loop counts once, as the recap counts it."""
    counters = harness.recap(stdout).values()
    return {"ran": sum(value.get("ok", 0) + value.get("failed", 0) for value in counters),
            "skipped": sum(value.get("skipped", 0) for value in counters)}


def run_drill(side, emulator, clusters, poll_seconds, timeout=1800, use_plugin=False, forks=None, env_extra=None,
              sample_memory=False, role_vars=None):
    """Drill ``clusters`` (``{host: id}``) with forks = their number (or ``forks``); return the figures.
    ``sample_memory`` samples the controller's memory while it runs (``harness.run_measured``); ``role_vars`` are
    more extra variables for the role's side (``backup_restore_drill_wait_together``).

    With ``use_plugin`` the inventory is the inventory plugin's (the emulator's account must then hold exactly
    ``clusters``); else a static inventory of ``clusters`` is written."""
    fresh_world(emulator)
    with tempfile.TemporaryDirectory(prefix="bench-drill-") as workdir:
        inventory = write_plugin_inventory(workdir) if use_plugin else write_inventory(workdir, clusters)
        playbook, extra_vars = playbook_args(side, poll_seconds, Path(workdir) / "reports")
        if side == "role":
            extra_vars.update(role_vars or {})
        run = harness.run_playbook(playbook, emulator, inventory=str(inventory), extra_vars=extra_vars,
                                   forks=forks or len(clusters), timeout=timeout, env_extra=env_extra,
                                   sample_memory=sample_memory)
    entries = harness.api_requests(emulator)
    failed = harness.failed_hosts(run)
    return {
        "side": side,
        "clusters": len(clusters),
        "returncode": run.returncode,
        "timed_out": run.timed_out,
        "failed_hosts": failed,
        "wall_seconds": run.wall_seconds,
        "cpu_seconds": run.cpu_seconds,
        "requests": len(entries),
        "polls": harness.wait_polls(entries, poll_seconds) if len(clusters) == 1 else None,
        "rate_limited_429": harness.status_count(entries, 429),
        "task_executions": task_executions(run.stdout),
        "peak_pss_mib": run.peak_pss_mib,
        "peak_cgroup_mib": run.peak_cgroup_mib,
        "memory_samples": run.memory_samples,
        "server_errors_5xx": sum(1 for entry in entries if (entry.get("status") or 0) >= 500),
        "output_tail": harness.tail(run.stdout, 30) if (failed or run.returncode) else None,
        "stderr_tail": harness.tail(run.stderr, 15) if (failed or run.returncode) else None,
    }
