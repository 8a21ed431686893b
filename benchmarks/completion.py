"""Completion delay: how long after the emulator marks a backup or a restore complete the waiting task returns.

The emulator runs at time scale 1, so simulated time = real time + the offset of the jump made to
get past the scenario's scheduled snapshot (read from its clock). The completion instant comes
from the emulator's own state: the end of the triggered snapshot on the last node, or the restore
request time plus the restore duration. The task's return is a timestamp taken by the task right
after the waiting one, so both sides include the same few tens of milliseconds of task switch.
"""

import re
import time

from benchmarks import drills, harness
from benchmarks.report import row

PLAYBOOKS = {"module": harness.PLAYBOOK_DIR / "completion_module.yml", "uri": harness.PLAYBOOK_DIR / "completion_uri.yml"}
CLUSTER = "inventory-dev"
PHASES = ("backup", "restore")
FULL = {"poll_seconds": 2, "repetitions": 3, "backup": 5, "restore": 6}
SMOKE = {"poll_seconds": 1, "repetitions": 1, "backup": 1, "restore": 1}
PHASE_FRACTIONS = (0.5, 1.0 / 6, 5.0 / 6, 1.0 / 3, 2.0 / 3)
TRIGGER_STAGGER_SECONDS = 2  # the emulator starts a triggered snapshot 2 s later on each next node
RETURNED = re.compile(r"BENCH_RETURNED_AT (\d+(?:\.\d+)?)")


def shift_to(seconds_to_completion, poll, fraction):
    """Seconds to add so completion falls ``fraction`` of a poll interval after a poll that
    started with the operation (the module polls right after its request, then every ``poll``)."""
    return (poll * fraction - seconds_to_completion) % poll


def sim_offset_ms(emulator):
    """Simulated minus real epoch milliseconds, read around one admin call."""
    before = time.time()
    now = emulator.now_ms()
    after = time.time()
    return now - (before + after) / 2.0 * 1000.0


def backup_completed_ms(emulator, cluster_id):
    """End of the last node's snapshot of the newest triggered backup."""
    started = emulator.cluster_state(cluster_id)["triggered_backups"][-1]["start_ms"]
    backups = emulator.api("GET", "%s/%s/backups" % (harness.API_PREFIX, cluster_id)).json()
    ends = [event["end"] for dc in backups["clusterDataCentres"] for node in dc["nodes"] for event in node["events"]
            if event["type"] == "snapshot-upload" and event["start"] >= started]
    if None in ends or not ends:
        raise RuntimeError("the triggered backup has not completed on every node")
    return max(ends)


def restore_running_ms(emulator, name):
    """When the restored cluster named ``name`` became RUNNING (its last node finished)."""
    for cluster in emulator.clusters():
        if cluster["name"] == name:
            restore = emulator.cluster_state(cluster["id"])["restore"]
            return restore["request"]["requested_at_ms"] + restore["duration_seconds"] * 1000.0
    raise RuntimeError("no restored cluster named %s" % name)


def measure(emulator, side, phase, cluster_id, poll, tag, durations):
    drills.fresh_world(emulator)
    emulator.settings(backup_duration=durations[0], restore_duration=durations[1])
    offset = sim_offset_ms(emulator)
    name = "bench-completion-%s" % tag
    extra_vars = {"bench_phase": phase, "bench_cluster_id": cluster_id, "bench_poll_seconds": poll,
                  "bench_restore_name": name}
    result = harness.run_playbook(PLAYBOOKS[side], emulator, extra_vars=extra_vars, timeout=600)
    found = RETURNED.search(result.stdout)
    if result.returncode or not found:
        raise RuntimeError("%s (%s) failed:\n%s" % (PLAYBOOKS[side].name, phase, harness.tail(result.stdout + result.stderr)))
    completed_sim_ms = backup_completed_ms(emulator, cluster_id) if phase == "backup" else restore_running_ms(emulator, name)
    completed_real = (completed_sim_ms - offset) / 1000.0
    return float(found.group(1)) - completed_real


def run(context):
    settings = SMOKE if context.smoke else FULL
    poll = settings["poll_seconds"]
    latencies = {(side, phase): [] for side in PLAYBOOKS for phase in PHASES}
    with harness.start_emulator(backup=settings["backup"], restore=settings["restore"], delete=1) as emulator:
        cluster_id = harness.cluster_id_by_name(emulator, CLUSTER)
        nodes = emulator.cluster_state(cluster_id)["node_count"]
        backup_stagger = (nodes - 1) * TRIGGER_STAGGER_SECONDS
        for repetition, side in harness.alternating(list(PLAYBOOKS), settings["repetitions"]):
            # Completion lands at a different point of the poll cycle in each repetition (1/2, 1/6,
            # 5/6, ... of the interval): whole-second durations with whole-second polls would line
            # the module's polls up with the completion and flatter it.
            fraction = PHASE_FRACTIONS[repetition % len(PHASE_FRACTIONS)]
            durations = (settings["backup"] + shift_to(settings["backup"] + backup_stagger, poll, fraction),
                         settings["restore"] + shift_to(settings["restore"], poll, fraction))
            for phase in PHASES:
                latency = measure(emulator, side, phase, cluster_id, poll, "%s-%d" % (side, repetition), durations)
                latencies[side, phase].append(latency)
                context.log("completion %-6s %-7s rep %d: returned %.2f s after completion" % (
                    side, phase, repetition + 1, latency))
    rows, notes = [], []
    limit = poll + 1.0
    for phase in PHASES:
        ours, theirs = latencies["module", phase], latencies["uri", phase]
        rows.append(row("completion", "%s complete -> task returned (s, median; wait_sleep %ss)" % (phase, poll),
                        harness.median(ours), harness.median(theirs), target="max <= %.0f s" % limit,
                        met=max(ours) <= limit))
        notes.append("completion: %s: module %s s, uri %s s (every repetition)" % (
            phase, [round(value, 2) for value in ours], [round(value, 2) for value in theirs]))
    return {"rows": rows, "notes": notes,
            "details": {"settings": settings, "latencies_seconds": {"%s/%s" % key: value for key, value in latencies.items()}}}
