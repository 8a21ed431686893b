"""The controller cost of one canary write: ``cluster_canary`` writing a canary to a PostgreSQL cluster of the
emulator's data plane (real PostgreSQL servers on loopback, TLS verified against the emulator's CA), against a
minimal module doing the same write with the same driver (``floor_canary_module.py``: the same three GETs of the
cluster and the same SQL through ``psycopg``, nothing else).

Each kind runs as one playbook looping N times, and again with N = 0; per-task cost = (cost(N) - cost(0)) / N,
which takes ansible-playbook's start-up out. The kinds alternate order in every repetition; figures are the
medians, with the paired ratio of each repetition (the module's figure over the floor's of the same repetition).
``cluster_canary`` runs as users run it, with the shared request budget on (a state folder of the run's own).
Needs the PostgreSQL server binaries, as the data-plane tests do (``make engines``).
"""

import os
import shutil
import tempfile
from pathlib import Path

from benchmarks import harness
from benchmarks.report import row

FULL = {"count": 20, "repetitions": 3}
SMOKE = {"count": 1, "repetitions": 1}
FLOOR_MODULE = harness.BENCH_DIR / "floor_canary_module.py"
# Written next to the throwaway collection, not kept in playbooks/: ansible-lint could not resolve its module.
FLOOR_PLAYBOOK = """---
- name: Write canaries with the psycopg floor module bench_count times
  hosts: localhost
  connection: local
  gather_facts: false
  vars:
    bench_count: 1
  tasks:
    - name: Write a canary with the floor module
      restorekit_bench.floor.psycopg_canary:
        cluster_id: "{{ bench_cluster_id }}"
        cluster_path: "{{ bench_cluster_path }}"
        data_ca_path: "{{ bench_ca_path }}"
      loop: "{{ range(bench_count | int) | list }}"
"""
CANARY_PLAYBOOK = harness.PLAYBOOK_DIR / "data_plane_write_canary.yml"
DB_PASSWORD = "bench-data-pw-3c5e7a"


def per_task(samples, count):
    """Per-task (CPU, wall) of each repetition: its N run minus its N = 0 run, over N."""
    return [((full[0] - empty[0]) / count, (full[1] - empty[1]) / count) for full, empty in zip(samples[count], samples[0])]


def run(context):
    from tests.support.emulator import PAYMENTS_PG_ID, v2_path  # pylint: disable=import-outside-toplevel

    settings = SMOKE if context.smoke else FULL
    count = settings["count"]
    kinds = ("canary", "floor")
    samples = {kind: {0: [], count: []} for kind in kinds}
    workdir = tempfile.mkdtemp(prefix="restorekit-bench-data-")
    try:
        floor_playbook = harness.write_floor_collection(workdir, FLOOR_MODULE, "psycopg_canary", "data_plane_write_floor.yml",
                                                        FLOOR_PLAYBOOK)
        playbooks = {"canary": CANARY_PLAYBOOK, "floor": floor_playbook}
        env = {"ANSIBLE_COLLECTIONS_PATH": "%s%s%s" % (harness.collections_root(), os.pathsep, workdir),
               "RESTOREKIT_STATE_DIR": tempfile.mkdtemp(prefix="state-", dir=workdir)}
        with harness.start_emulator(scenario="mixed", extra_args=("--data-plane", "--db-password", DB_PASSWORD)) as emulator:
            ca_path = Path(workdir, "ca.pem")
            ca_path.write_text(emulator.data_plane()["ca_pem"])
            extra = {"bench_cluster_id": PAYMENTS_PG_ID, "bench_ca_path": str(ca_path),
                     "bench_cluster_path": v2_path("postgresql", "cluster", PAYMENTS_PG_ID)}
            for repetition, kind in harness.alternating(list(kinds), settings["repetitions"]):
                for n in (count, 0) if repetition % 2 else (0, count):
                    result = harness.run_playbook(playbooks[kind], emulator, env_extra=env, extra_vars=dict(extra, bench_count=n))
                    if result.returncode:
                        raise RuntimeError("%s failed:\n%s" % (playbooks[kind].name, harness.tail(result.stdout + result.stderr)))
                    samples[kind][n].append((result.cpu_seconds, result.wall_seconds))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    reps = {kind: per_task(samples[kind], count) for kind in kinds}
    rows, figures = [], {}
    for index, what in ((0, "controller CPU"), (1, "wall time")):
        ours = harness.median([rep[index] for rep in reps["canary"]])
        floor = harness.median([rep[index] for rep in reps["floor"]])
        paired = [mine[index] / theirs[index] for mine, theirs in zip(reps["canary"], reps["floor"]) if theirs[index] > 0]
        spread = "%.2f-%.2f" % (min(paired), max(paired)) if paired else "-"
        figures[what] = {"module": ours, "floor": floor, "paired_median": harness.median(paired) if paired else None}
        rows.append(row("data_plane_write", "%s per canary write (s): cluster_canary (PostgreSQL, v2, request budget on) vs "
                        "a minimal psycopg module doing the same write (ratio per repetition %s)" % (what, spread), ours, floor))
        context.log("canary write %s: cluster_canary %.3f s, floor %.3f s, paired median %s" % (
            what, ours, floor, "%.2fx" % figures[what]["paired_median"] if paired else "-"))
    return {"rows": rows, "notes": [], "details": {"settings": settings, "per_task": figures, "per_repetition": reps}}
