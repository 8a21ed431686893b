"""Item 3: controller cost of one task execution: cluster_backup_info on a small cluster, the same
GET with ansible.builtin.uri, and ansible.builtin.ping as the floor; on the Provisioning API v1 and
again on the Cluster Management API v2 (``module_v2`` and ``uri_v2``: the v2 listing GET).

Each kind runs as one playbook looping N times, and again with N = 0; per-task cost =
(cost(N) - cost(0)) / N, which takes ansible-playbook's start-up out. Kinds alternate order in
every repetition. The import time of each module at start is reported beside it, and the spread of
the per-task wall time over the repetitions (each repetition's (cost(N) - cost(0)) / N, min to max).
"""

import os

from benchmarks import harness
from benchmarks.report import row

KINDS = ("module", "uri", "ping", "module_v2", "uri_v2")
PLAYBOOKS = {kind: harness.PLAYBOOK_DIR / ("task_overhead_%s.yml" % kind.replace("_v2", "")) for kind in KINDS}
API_VERSIONS = {kind: "v2" if kind.endswith("_v2") else "v1" for kind in KINDS}
IMPORTS = {
    "module": "ansible_collections.restorekit.instaclustr.plugins.modules.cluster_backup_info",
    "uri": "ansible.modules.uri",
    "ping": "ansible.modules.ping",
}
CLUSTER = "inventory-dev"
FULL = {"count": 20, "repetitions": 3}
SMOKE = {"count": 3, "repetitions": 1}


def import_profile(name, top=6):
    """``python -X importtime -c 'import name'``: its cumulative import time and the heaviest
    packages and module_utils it pulls in (ms; nested figures overlap)."""
    env = dict(os.environ, PYTHONPATH=str(harness.collections_root()))
    result = harness.run_measured([harness.PYTHON, "-X", "importtime", "-c", "import " + name], env=env)
    total, children = None, []
    for line in result.stderr.splitlines():
        if not line.startswith("import time:") or "imported package" in line:
            continue
        cumulative, package = line[len("import time:"):].split("|", 2)[1:]
        depth = (len(package) - len(package.lstrip(" ")) + 1) // 2  # one space, then two per level
        if depth == 1 and package.strip() == name:
            total = int(cumulative) / 1000.0
        elif "." not in package.strip() or ".module_utils." in package:
            children.append((package.strip(), int(cumulative) / 1000.0))
    children.sort(key=lambda item: -item[1])
    return {
        "process_wall_seconds": result.wall_seconds,
        "process_cpu_seconds": result.cpu_seconds,
        "import_ms": total,
        "heaviest_ms": [{"module": package, "ms": round(ms, 1)} for package, ms in children[:top]],
    }


def median_of(pairs, index):
    """Median of the ``index``-th figure of ``(cpu, wall)`` pairs."""
    return harness.median([pair[index] for pair in pairs])


def run(context):
    settings = SMOKE if context.smoke else FULL
    count = settings["count"]
    samples = {kind: {0: [], count: []} for kind in KINDS}
    with harness.start_emulator() as emulator:
        extra = {"bench_cluster_id": harness.cluster_id_by_name(emulator, CLUSTER)}
        for repetition, kind in harness.alternating(list(KINDS), settings["repetitions"]):
            for n in (count, 0) if repetition % 2 else (0, count):
                result = harness.run_playbook(PLAYBOOKS[kind], emulator,
                                              extra_vars=dict(extra, bench_count=n, bench_api_version=API_VERSIONS[kind]))
                if result.returncode:
                    raise RuntimeError("%s failed:\n%s" % (PLAYBOOKS[kind].name, harness.tail(result.stdout + result.stderr)))
                samples[kind][n].append((result.cpu_seconds, result.wall_seconds))
        statuses = {entry.get("status") for entry in harness.api_requests(emulator)}

    per_task = {}
    for kind in KINDS:
        cpu = (median_of(samples[kind][count], 0) - median_of(samples[kind][0], 0)) / count
        wall = (median_of(samples[kind][count], 1) - median_of(samples[kind][0], 1)) / count
        # The spread: each repetition's own per-task wall time (its N run minus its 0 run).
        walls = [(with_n[1] - without[1]) / count for with_n, without in zip(samples[kind][count], samples[kind][0])]
        per_task[kind] = {"cpu_seconds": cpu, "wall_seconds": wall,
                          "wall_seconds_min": min(walls), "wall_seconds_max": max(walls),
                          "playbook_start_cpu_seconds": median_of(samples[kind][0], 0)}
        context.log("per task %-9s cpu %.3fs wall %.3fs (%.3f-%.3f over %d repetitions)"
                    % (kind, cpu, wall, min(walls), max(walls), len(walls)))
    imports = {kind: import_profile(name) for kind, name in IMPORTS.items()}
    module, uri, ping = per_task["module"], per_task["uri"], per_task["ping"]
    module_v2, uri_v2 = per_task["module_v2"], per_task["uri_v2"]
    rows = [
        row("3", "controller CPU per task (s): cluster_backup_info vs uri", module["cpu_seconds"], uri["cpu_seconds"],
            target="<= 1.0x", limit=1.0),
        row("3", "wall time per task (s): cluster_backup_info vs uri", module["wall_seconds"], uri["wall_seconds"],
            target="<= 1.0x", limit=1.0),
        row("3", "controller CPU per task (s): cluster_backup_info vs ping (margin over the floor)",
            module["cpu_seconds"], ping["cpu_seconds"]),
        row("3", "module import time at start (ms): cluster_backup_info vs uri", imports["module"]["import_ms"],
            imports["uri"]["import_ms"]),
        row("3", "v2: controller CPU per task (s): cluster_backup_info vs uri", module_v2["cpu_seconds"],
            uri_v2["cpu_seconds"], target="<= 1.0x", limit=1.0),
        row("3", "v2: wall time per task (s): cluster_backup_info vs uri", module_v2["wall_seconds"],
            uri_v2["wall_seconds"], target="<= 1.0x", limit=1.0),
    ]
    notes = ["item 3: heaviest imports of %s: %s" % (kind, ", ".join(
        "%s %.0f ms" % (entry["module"], entry["ms"]) for entry in imports[kind]["heaviest_ms"][:4]))
        for kind in ("module", "uri")]
    notes.append("item 3: per-task wall time over %d repetition(s), median (min-max): %s" % (
        settings["repetitions"], "; ".join("%s %.3f s (%.3f-%.3f)" % (
            kind, per_task[kind]["wall_seconds"], per_task[kind]["wall_seconds_min"], per_task[kind]["wall_seconds_max"])
            for kind in KINDS)))
    return {
        "rows": rows,
        "notes": notes,
        "details": {"count": count, "settings": settings, "per_task": per_task, "imports": imports,
                    "samples": {kind: {str(n): values for n, values in by_n.items()} for kind, by_n in samples.items()},
                    "api_statuses": sorted(status for status in statuses if status is not None)},
    }
