"""The controller cost of one drill, the collection's role against the uri baseline.

Model: controller CPU = fixed + polls x (cost of one poll) + wall x (ansible-core's own idle cost).
ansible-playbook's main process checks its workers every ``internal_poll_interval`` (1 ms by
default) while any task runs, so waiting costs CPU whoever waits; we measure that rate apart (a
playbook that only runs ``sleep``) and take it out of the per-poll figure, so the projection to a
real drill (polls every 30 s, not 3 s) charges it per second of waiting, not per poll.

Both sides drill the same cluster on the same emulator settings with the same poll interval, two
configurations apart only in the backup, restore and delete durations (so in the number of polls):
per-poll cost = slope between them, fixed cost = the short drill less its polls.
"""

import tempfile
from pathlib import Path

from benchmarks import drills, harness
from benchmarks.report import row

CLUSTER = "inventory-dev"
REAL_BACKUP_SECONDS = 30 * 60  # the drill we project to: a 30-minute backup,
REAL_RESTORE_SECONDS = 60 * 60  # a 60-minute restore,
REAL_POLL_SECONDS = 30  # polled every 30 seconds
TUNED_INTERNAL_POLL_INTERVAL = 0.05

FULL = {
    "poll_seconds": 3,
    "repetitions": 3,
    # real seconds at time scale 1
    "configs": {"short": {"backup": 3, "restore": 3, "delete": 1}, "long": {"backup": 12, "restore": 15, "delete": 3}},
    # ansible-core's idle rate: long enough for a stable rate on a shared machine (10 s gave 0.000-0.004
    # CPU-s/s tuned over three runs). Full run only: the smoke run measures no idle rate.
    "idle_sleep_seconds": 60,
}
SMOKE = {
    "poll_seconds": 1,
    "repetitions": 1,
    "configs": {"short": {"backup": 1, "restore": 1, "delete": 0.5}},
}


def idle_rate(log, sleep_seconds, repetitions, internal_poll_interval=None):
    """Controller CPU-seconds per wall-second while one task waits on a module that sleeps."""
    extra = {}
    with tempfile.TemporaryDirectory(prefix="bench-idle-") as workdir:
        if internal_poll_interval is not None:
            config = Path(workdir) / "ansible.cfg"
            config.write_text("[defaults]\ninternal_poll_interval = %s\n" % internal_poll_interval)
            extra["ANSIBLE_CONFIG"] = str(config)
        playbook = harness.PLAYBOOK_DIR / "controller_idle.yml"
        rates = []
        for unused_repetition, seconds in harness.alternating([0, sleep_seconds], repetitions):
            result = harness.run_playbook(playbook, extra_vars={"bench_sleep_seconds": seconds}, env_extra=extra)
            if result.returncode:
                raise RuntimeError("controller_idle.yml failed:\n" + harness.tail(result.stdout + result.stderr))
            rates.append((seconds, result.cpu_seconds))
    idle = harness.median([cpu for seconds, cpu in rates if seconds == 0])
    busy = harness.median([cpu for seconds, cpu in rates if seconds == sleep_seconds])
    rate = max(busy - idle, 0.0) / sleep_seconds
    log("controller idle cost (internal_poll_interval %s): %.4f CPU-s per wall-s"
        % (internal_poll_interval or "default 0.001", rate))
    return rate


def fit(side_runs, poll_seconds, idle_per_second):
    """Fixed cost and per-poll cost of one side from its short and long drills (medians of the
    drills that passed: a failed drill stops early and would look cheap)."""
    side_runs = {name: [run for run in runs if not run["failed_hosts"]] or runs for name, runs in side_runs.items()}
    short = {key: harness.median([run[key] for run in side_runs["short"]]) for key in
             ("cpu_seconds", "wall_seconds", "requests", "polls")}
    for kind in ("ran", "skipped"):
        short["tasks_" + kind] = harness.median([run["task_executions"][kind] for run in side_runs["short"]])
    figures = {"short": short}
    if "long" not in side_runs:
        figures.update({"fixed_cpu_seconds": None, "cpu_per_poll_seconds": None, "cpu_per_poll_measured_seconds": None})
        return figures
    long_ = {key: harness.median([run[key] for run in side_runs["long"]]) for key in
             ("cpu_seconds", "wall_seconds", "requests", "polls")}
    extra_polls = long_["polls"] - short["polls"]
    slope = (long_["cpu_seconds"] - short["cpu_seconds"]) / extra_polls if extra_polls > 0 else None
    figures["long"] = long_
    figures["cpu_per_poll_measured_seconds"] = slope  # at this benchmark's poll interval, idle cost included
    figures["cpu_per_poll_seconds"] = None if slope is None else max(slope - idle_per_second * poll_seconds, 0.0)
    figures["fixed_cpu_seconds"] = None if slope is None else short["cpu_seconds"] - slope * short["polls"]
    figures["fixed_requests"] = short["requests"] - short["polls"]
    return figures


def project(figures, idle_per_second):
    """CPU and requests of a drill with a 30-min backup and 60-min restore polled every 30 s."""
    if figures.get("fixed_cpu_seconds") is None:
        return None, None
    polls = (REAL_BACKUP_SECONDS + REAL_RESTORE_SECONDS) // REAL_POLL_SECONDS
    cpu = figures["fixed_cpu_seconds"] + polls * (figures["cpu_per_poll_seconds"] + idle_per_second * REAL_POLL_SECONDS)
    return cpu, figures["fixed_requests"] + polls


def run(context):
    settings = SMOKE if context.smoke else FULL
    log = context.log
    poll = settings["poll_seconds"]
    # The smoke run has one configuration (no fit, so no use for the idle rate): it skips both.
    idle = 0.0 if context.smoke else idle_rate(log, settings["idle_sleep_seconds"], 2)
    idle_tuned = None if context.smoke else idle_rate(log, settings["idle_sleep_seconds"], 1, TUNED_INTERNAL_POLL_INTERVAL)

    runs = {side: {} for side in drills.SIDES}
    for name, durations in settings["configs"].items():
        # Half a poll interval more, so completions fall mid-cycle as in real life, not exactly on
        # a poll of the module (whose polls start with the trigger, whole seconds apart).
        with harness.start_emulator(backup=durations["backup"] + poll / 2.0, restore=durations["restore"] + poll / 2.0,
                                    delete=durations["delete"] + poll / 2.0) as emulator:
            cluster_id = harness.cluster_id_by_name(emulator, CLUSTER)
            for repetition, side in harness.alternating(list(drills.SIDES), settings["repetitions"]):
                result = drills.run_drill(side, emulator, {CLUSTER: cluster_id}, poll)
                result["config"] = name
                runs[side].setdefault(name, []).append(result)
                log("drill %-8s %-5s rep %d: %s, cpu %.2fs, wall %.1fs, %d requests (%s polls)" % (
                    side, name, repetition + 1, "FAILED " + str(result["failed_hosts"]) if result["failed_hosts"] else "ok",
                    result["cpu_seconds"], result["wall_seconds"], result["requests"], result["polls"]))
                if result["failed_hosts"]:
                    log((result["output_tail"] or "") + "\n" + (result["stderr_tail"] or ""))

    figures = {side: fit(runs[side], poll, idle) for side in drills.SIDES}
    for side in drills.SIDES:
        figures[side]["projected_cpu_seconds"], figures[side]["projected_requests"] = project(figures[side], idle)
        if idle_tuned is not None:
            figures[side]["projected_cpu_seconds_tuned"] = project(figures[side], idle_tuned)[0]
    failures = [run_["failed_hosts"] for side in runs.values() for group in side.values() for run_ in group
                if run_["failed_hosts"]]
    measured = "long" if "long" in settings["configs"] else "short"
    role, base = figures["role"], figures["baseline"]
    rows = [
        row("drill_cost", "task executions per passing drill (ran; recap ok + failed, loops once)", role["short"]["tasks_ran"],
            base["short"]["tasks_ran"]),
        row("drill_cost", "task executions skipped per passing drill (condition false)", role["short"]["tasks_skipped"],
            base["short"]["tasks_skipped"]),
        row("drill_cost", "fixed controller CPU per drill (s, outside polling)", role.get("fixed_cpu_seconds"),
            base.get("fixed_cpu_seconds"), target="<= 2.0x (stretch 1.0x)", limit=2.0),
        row("drill_cost", "controller CPU per poll (s, ansible-core idle taken out)", role.get("cpu_per_poll_seconds"),
            base.get("cpu_per_poll_seconds")),
        row("drill_cost", "ansible-core idle CPU per wall-second (both sides)", idle if not context.smoke else None, None),
        row("drill_cost", "API requests per drill (measured, %s)" % measured, role[measured]["requests"],
            base[measured]["requests"], target="<= 1.0x", limit=1.0),
        row("drill_cost", "controller CPU per drill (s, measured, %s, polls %ss)" % (measured, poll), role[measured]["cpu_seconds"],
            base[measured]["cpu_seconds"]),
        row("drill_cost", "wall time per drill (s, measured, %s)" % measured, role[measured]["wall_seconds"],
            base[measured]["wall_seconds"], target="<= 1.0x", limit=1.0),
        row("drill_cost", "projected CPU, 30-min backup + 60-min restore, 30-s polls (s)", role.get("projected_cpu_seconds"),
            base.get("projected_cpu_seconds"), target="<= 0.1x", limit=0.1),
        row("drill_cost", "projected API requests, same drill", role.get("projected_requests"), base.get("projected_requests"),
            target="<= 1.1x", limit=1.1),
    ]
    if idle_tuned is not None:
        rows.append(row("drill_cost", "ansible-core idle CPU per wall-second, internal_poll_interval=%s (%ss idle)"
                        % (TUNED_INTERNAL_POLL_INTERVAL, settings["idle_sleep_seconds"]), idle_tuned, idle))
        rows.append(row("drill_cost", "projected CPU as above, internal_poll_interval=%s (s)" % TUNED_INTERNAL_POLL_INTERVAL,
                        role.get("projected_cpu_seconds_tuned"), base.get("projected_cpu_seconds_tuned")))
    return {
        "rows": rows,
        "details": {
            "cluster": CLUSTER, "poll_seconds": poll, "settings": settings, "idle_cpu_per_wall_second": idle,
            "idle_cpu_per_wall_second_tuned": idle_tuned, "figures": figures, "runs": runs,
            "projection": {"backup_seconds": REAL_BACKUP_SECONDS, "restore_seconds": REAL_RESTORE_SECONDS,
                           "poll_seconds": REAL_POLL_SECONDS},
        },
        "failures": failures,
    }
