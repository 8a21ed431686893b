"""Clusters drilled at once: 1, 10 and 50 clusters of scenario ``fleet:N`` drilled at once
(forks = clusters) with playbooks/dr_drill.yml, at durations where one drill takes about 2 real minutes.

The hosts come from the inventory plugin ``restorekit.instaclustr.clusters``: each size runs on an
emulator of its own whose account holds exactly that many clusters, so the plugin's inventory is the fleet.

Reports wall time, total controller CPU, failed drills and 429 answers per size, the controller's
memory at its peak as the proportional set size (PSS) summed over the ansible-playbook process tree
(sampled every second from /proc/<pid>/smaps_rollup: each page shared by the forked workers counts
once, where a sum of RSS would count it once per worker) and the growth of the cgroup's usage, and
the CPU-seconds per drill that bound the wall time on this machine: N drills need at least
N x (CPU per drill) / cores seconds of wall. The uri baseline runs at the largest size only (full
run; a single baseline drill would add two minutes to a run kept under twenty).
"""

import os
import tempfile
from pathlib import Path

from benchmarks import drills, harness
from benchmarks.report import row

FULL = {"sizes": [1, 10, 50], "poll_seconds": 3, "backup": 30, "restore": 60, "delete": 6, "baseline": True,
        "tuned": True}
SMOKE = {"sizes": [1, 5], "poll_seconds": 1, "backup": 1, "restore": 1, "delete": 0.5, "baseline": False,
         "tuned": False}
# The largest size once more with the controller setting docs/drill.md recommends for many drills at once.
TUNED_INTERNAL_POLL_INTERVAL = 0.05
WALL_LIMIT = 2.0  # target: wall at 50 at most 2.0x one drill's (stretch: 1.5)
WALL_STRETCH = 1.5


def fleet(emulator, size):
    names = sorted(cluster["name"] for cluster in emulator.clusters() if cluster["name"].startswith("fleet-"))
    return {name: harness.cluster_id_by_name(emulator, name) for name in names[:size]}


def run_one(context, settings, label, side, size, half_poll, env_extra):
    """One fleet drill of ``size`` clusters on an emulator of its own."""
    with harness.start_emulator(scenario="fleet:%d" % size, backup=settings["backup"] + half_poll,
                                restore=settings["restore"] + half_poll,
                                delete=settings["delete"] + half_poll) as emulator:
        result = drills.run_drill(side, emulator, fleet(emulator, size), settings["poll_seconds"], timeout=1500,
                                  use_plugin=True, sample_memory=True, env_extra=env_extra)
    context.log("parallel %-10s %2d clusters: wall %.1fs, cpu %.1fs, failed %s, 429s %d, peak PSS %s MiB" % (
        label, size, result["wall_seconds"], result["cpu_seconds"], result["failed_hosts"] or "none",
        result["rate_limited_429"], harness.rounded(result["peak_pss_mib"], 0)))
    if result["failed_hosts"]:
        context.log((result["output_tail"] or "") + "\n" + (result["stderr_tail"] or ""))
    return result


def run(context):
    settings = dict(SMOKE if context.smoke else FULL)
    if context.options.parallel_sizes:
        settings["sizes"] = [int(size) for size in context.options.parallel_sizes.split(",")]
    if context.options.no_parallel_baseline:
        settings["baseline"] = False
    sizes = settings["sizes"]
    plan = [("role", size) for size in sizes]
    if settings["baseline"]:
        plan.append(("baseline", sizes[-1]))
    if settings["tuned"]:
        plan.append(("role_tuned", sizes[-1]))
    results = {}
    half_poll = settings["poll_seconds"] / 2.0  # completions mid-cycle, as in drill_cost
    with tempfile.TemporaryDirectory(prefix="bench-fleet-cfg-") as workdir:
        config = Path(workdir) / "ansible.cfg"
        config.write_text("[defaults]\ninternal_poll_interval = %s\n" % TUNED_INTERNAL_POLL_INTERVAL)
        for label, size in plan:
            side = "role" if label == "role_tuned" else label
            env_extra = {"ANSIBLE_CONFIG": str(config)} if label == "role_tuned" else None
            results[label, size] = run_one(context, settings, label, side, size, half_poll, env_extra)

    cores = os.cpu_count() or 1
    rows, notes = [], []
    for size in sizes:
        ours, theirs = results["role", size], results.get(("baseline", size))
        rows.append(row("parallel_drills", "%d parallel drills: wall time (s)" % size, ours["wall_seconds"],
                        theirs and theirs["wall_seconds"]))
        rows.append(row("parallel_drills", "%d parallel drills: total controller CPU (s)" % size, ours["cpu_seconds"],
                        theirs and theirs["cpu_seconds"]))
        rows.append(row("parallel_drills", "%d parallel drills: failed drills / 429 answers" % size,
                        "%d / %d" % (len(ours["failed_hosts"]), ours["rate_limited_429"]),
                        theirs and "%d / %d" % (len(theirs["failed_hosts"]), theirs["rate_limited_429"])))
        rows.append(row("parallel_drills", "%d parallel drills: controller memory at peak, PSS of the process tree (MiB)" % size,
                        ours["peak_pss_mib"], theirs and theirs["peak_pss_mib"]))
        rows.append(row("parallel_drills", "%d parallel drills: cgroup usage growth at peak (MiB, page cache and neighbours included)"
                        % size, ours["peak_cgroup_mib"], theirs and theirs["peak_cgroup_mib"]))
    single, largest = results["role", sizes[0]], results["role", sizes[-1]]
    slowdown = harness.ratio(largest["wall_seconds"], single["wall_seconds"])
    base_slowdown = None
    if ("baseline", sizes[-1]) in results and ("baseline", sizes[0]) in results:
        base_slowdown = harness.ratio(results["baseline", sizes[-1]]["wall_seconds"],
                                      results["baseline", sizes[0]]["wall_seconds"])
    rows.append(row("parallel_drills", "wall at %d / wall at %d (slowdown)" % (sizes[-1], sizes[0]), slowdown, base_slowdown,
                    target="role <= %.1f (stretch %.1f), no 429 failure" % (WALL_LIMIT, WALL_STRETCH),
                    met=slowdown is not None and slowdown <= WALL_LIMIT and not largest["failed_hosts"]))
    tuned = results.get(("role_tuned", sizes[-1]))
    if tuned:
        label = "%d parallel drills, internal_poll_interval=%s" % (sizes[-1], TUNED_INTERNAL_POLL_INTERVAL)
        rows.append(row("parallel_drills", label + ": wall time (s) vs default", tuned["wall_seconds"], largest["wall_seconds"]))
        rows.append(row("parallel_drills", label + ": total controller CPU (s) vs default", tuned["cpu_seconds"], largest["cpu_seconds"]))
        rows.append(row("parallel_drills", label + ": failed drills / 429 answers", "%d / %d" % (
            len(tuned["failed_hosts"]), tuned["rate_limited_429"]), None))
        rows.append(row("parallel_drills", label + ": peak PSS (MiB) vs default", tuned["peak_pss_mib"], largest["peak_pss_mib"]))
        tuned_slowdown = harness.ratio(tuned["wall_seconds"], single["wall_seconds"])
        rows.append(row("parallel_drills", "wall at %d with internal_poll_interval=%s / wall at %d (slowdown)" % (
            sizes[-1], TUNED_INTERNAL_POLL_INTERVAL, sizes[0]), tuned_slowdown, None,
            target="<= %.1f (stretch %.1f), no 429 failure" % (WALL_LIMIT, WALL_STRETCH),
            met=tuned_slowdown is not None and tuned_slowdown <= WALL_LIMIT and not tuned["failed_hosts"]))
    per_drill = largest["cpu_seconds"] / sizes[-1]
    budget = cores * WALL_LIMIT * single["wall_seconds"] / sizes[-1]
    rows.append(row("parallel_drills", "controller CPU per drill at %d (s) vs the most that fits %.1fx wall on %d cores"
                    % (sizes[-1], WALL_LIMIT, cores), per_drill, budget, target="<= 1.0x", limit=1.0))
    notes.append("parallel drills: one drill = backup %ss + restore %ss + delete %ss (simulated = real, time scale 1), "
                 "polls every %ss; %d drills x %.1f CPU-s / %d cores >= %.0f s of wall from CPU alone" % (
                     settings["backup"], settings["restore"], settings["delete"], settings["poll_seconds"],
                     sizes[-1], per_drill, cores, sizes[-1] * per_drill / cores))
    failures = {"%s/%d" % key: value["failed_hosts"] for key, value in results.items() if value["failed_hosts"]}
    return {"rows": rows, "notes": notes, "failures": failures,
            "details": {"settings": settings, "runs": {"%s/%d" % key: value for key, value in results.items()}}}
