"""The controller cost of one task execution: cluster_backup_info on a small cluster, the same
GET with ansible.builtin.uri, and ansible.builtin.ping as the floor; on the Provisioning API v1 and
again on the Cluster Management API v2 (``module_v2`` and ``uri_v2``: the v2 listing GET). Beside
them ``floor`` and ``floor_v2``: the least a ``requests``-based module can do for the same v1 and v2 GETs
(``floor_module.py``, in a throwaway collection), so each run shows how much of the module's cost
is ``requests`` and how much the collection's own code. The modules run with the shared request
budget on (``api_rate_limit`` 30, a state folder of the run's own), as users run them;
``module_nobudget`` is the v1 module with ``api_rate_limit: 0``, so the budget's own cost per task
shows beside it. The full run leaves ``ping`` and ``module_nobudget`` out (``--task-kinds`` runs them).

Each kind runs as one playbook looping N times, and again with N = 0; per-task cost =
(cost(N) - cost(0)) / N, which takes ansible-playbook's start-up out. Kinds alternate order in
every repetition; medians and the spread (min-max of the per-repetition figures) are reported. The
import time of each module at start is reported beside it, and what each module of the
collection ships and imports out of its AnsiballZ payload (``module_payload.py``).

``benchmarks/run.py --only task_overhead`` takes ``--task-kinds`` (a comma-separated subset of ``KINDS``),
``--task-count`` (N) and ``--task-repetitions``, for a focused measurement beside the full one; rows whose
kinds were not run are left out.
"""

import json
import os
import shutil
import tempfile

from benchmarks import harness
from benchmarks.report import row

KINDS = ("module", "uri", "ping", "module_v2", "uri_v2", "floor", "floor_v2", "module_nobudget")
PLAYBOOKS = {kind: harness.PLAYBOOK_DIR / ("task_overhead_%s.yml" % kind.replace("_v2", "").replace("_nobudget", ""))
             for kind in KINDS if not kind.startswith("floor")}
# ``module`` and ``module_v2`` run as users run them, with the shared request budget on (api_rate_limit 30, in a
# state folder of the run's own); ``module_nobudget`` is ``module`` with api_rate_limit 0: the budget's cost per task.
RATE_LIMITS = {"module_nobudget": 0}
API_VERSIONS = {kind: "v2" if kind.endswith("_v2") else "v1" for kind in KINDS}
FLOOR_MODULE = harness.BENCH_DIR / "floor_module.py"
# Written next to the throwaway collection, not kept in playbooks/: ansible-lint could not resolve its module.
FLOOR_PLAYBOOK = """---
- name: Read backups with the requests floor module bench_count times
  hosts: localhost
  connection: local
  gather_facts: false
  vars:
    bench_count: 1
  tasks:
    - name: Read backups with the floor module
      restorekit_bench.floor.requests_get:
        cluster_id: "{{ bench_cluster_id }}"
        api_version: "{{ bench_api_version }}"
      loop: "{{ range(bench_count | int) | list }}"
"""
IMPORTS = {
    "module": "ansible_collections.restorekit.instaclustr.plugins.modules.cluster_backup_info",
    "uri": "ansible.modules.uri",
    "ping": "ansible.modules.ping",
}
CLUSTER = "inventory-dev"
FULL = {"count": 30, "repetitions": 5, "payload_repetitions": 7}
SMOKE = {"count": 3, "repetitions": 1, "payload_repetitions": 1}
# The full run measures what the targets judge (the module, uri and the floor, v1 and v2); ping and the
# budget's own cost per task run when asked for (--task-kinds), to keep make bench within its time.
FULL_SKIPS = ("ping", "module_nobudget")
# The smoke run keeps within its 2 minutes: the v1 floor runs the same module file as floor_v2.
SMOKE_SKIPS = FULL_SKIPS + ("floor_v2",)
PAYLOAD = harness.BENCH_DIR / "module_payload.py"
TARGET = 0.9  # target: at most 0.9x uri per task, CPU and wall
FLOOR_TARGET = 1.05  # the collection's own cost: at most 1.05x the requests floor module, CPU and wall, budget on


def payload_profile(repetitions):
    """``module_payload.py``: per module its AnsiballZ zip and the import costs out of it."""
    result = harness.run_measured([harness.PYTHON, PAYLOAD, harness.collections_root(), repetitions])
    if result.returncode:
        raise RuntimeError("module_payload.py failed:\n" + harness.tail(result.stderr))
    return json.loads(result.stdout)


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


def chosen_settings(context):
    """``(settings, kinds)``: the full or smoke settings, with ``--task-count``, ``--task-repetitions`` and ``--task-kinds``."""
    settings = dict(SMOKE if context.smoke else FULL)
    options = getattr(context, "options", None)
    kinds = [kind for kind in KINDS if kind not in (SMOKE_SKIPS if context.smoke else FULL_SKIPS)]
    if options is not None:
        if getattr(options, "task_count", None):
            settings["count"] = options.task_count
        if getattr(options, "task_repetitions", None):
            settings["repetitions"] = options.task_repetitions
        if getattr(options, "task_kinds", None):
            wanted = [kind.strip() for kind in options.task_kinds.split(",") if kind.strip()]
            unknown = sorted(set(wanted) - set(KINDS))
            if unknown:
                raise ValueError("unknown task kinds %s; known: %s" % (", ".join(unknown), ", ".join(KINDS)))
            kinds = [kind for kind in KINDS if kind in wanted]
    return settings, kinds


def run(context):
    settings, kinds = chosen_settings(context)
    count = settings["count"]
    samples = {kind: {0: [], count: []} for kind in kinds}
    floor_root = tempfile.mkdtemp(prefix="restorekit-bench-floor-")
    state_dir = tempfile.mkdtemp(prefix="restorekit-bench-state-")  # the request budget's folder, this run's own
    try:
        floor_playbook = harness.write_floor_collection(floor_root, FLOOR_MODULE, "requests_get", "task_overhead_floor.yml", FLOOR_PLAYBOOK)
        playbooks = dict(PLAYBOOKS, floor=floor_playbook, floor_v2=floor_playbook)
        # Every kind gets the same collections path, so only the module differs between them.
        collections_path = {"ANSIBLE_COLLECTIONS_PATH": "%s%s%s" % (harness.collections_root(), os.pathsep, floor_root)}
        collections_path["RESTOREKIT_STATE_DIR"] = state_dir
        with harness.start_emulator() as emulator:
            extra = {"bench_cluster_id": harness.cluster_id_by_name(emulator, CLUSTER)}
            for repetition, kind in harness.alternating(list(kinds), settings["repetitions"]):
                for n in (count, 0) if repetition % 2 else (0, count):
                    env = dict(collections_path, IC_API_RATE_LIMIT=str(RATE_LIMITS.get(kind, 30)))
                    result = harness.run_playbook(playbooks[kind], emulator, env_extra=env,
                                                  extra_vars=dict(extra, bench_count=n, bench_api_version=API_VERSIONS[kind]))
                    if result.returncode:
                        raise RuntimeError("%s failed:\n%s" % (playbooks[kind].name, harness.tail(result.stdout + result.stderr)))
                    samples[kind][n].append((result.cpu_seconds, result.wall_seconds))
            statuses = {entry.get("status") for entry in harness.api_requests(emulator)}
    finally:
        shutil.rmtree(floor_root, ignore_errors=True)
        shutil.rmtree(state_dir, ignore_errors=True)

    per_task = {}
    for kind in kinds:
        cpu = (median_of(samples[kind][count], 0) - median_of(samples[kind][0], 0)) / count
        wall = (median_of(samples[kind][count], 1) - median_of(samples[kind][0], 1)) / count
        # Spread: the per-task figure of each repetition (its N run minus its N = 0 run).
        reps = [((full[0] - empty[0]) / count, (full[1] - empty[1]) / count)
                for full, empty in zip(samples[kind][count], samples[kind][0])]
        per_task[kind] = {"cpu_seconds": cpu, "wall_seconds": wall, "per_repetition": reps,
                          "playbook_start_cpu_seconds": median_of(samples[kind][0], 0)}
        context.log("per task %-9s cpu %.3fs wall %.3fs" % (kind, cpu, wall))
    imports = {kind: import_profile(name) for kind, name in IMPORTS.items()}
    payloads = payload_profile(settings["payload_repetitions"])

    def spread(kind, baseline, index):
        """min-max over the repetitions of the ratio to ``baseline`` (uri on the same API) in the same repetition."""
        pairs = zip(per_task[kind]["per_repetition"], per_task[baseline]["per_repetition"])
        ratios = [ours[index] / theirs[index] for ours, theirs in pairs if theirs[index] > 0]
        return "%.2f-%.2f" % (min(ratios), max(ratios)) if ratios else "-"

    def paired_median(kind, baseline, index):
        """Median over the repetitions of the ratio of ``kind`` to ``baseline`` measured in the same repetition."""
        pairs = zip(per_task[kind]["per_repetition"], per_task[baseline]["per_repetition"])
        return harness.median([ours[index] / theirs[index] for ours, theirs in pairs if theirs[index] > 0])

    def ran(*names):
        return all(name in per_task for name in names)

    paired = {"%s/%s" % (kind, baseline): {"cpu": paired_median(kind, baseline, 0), "wall": paired_median(kind, baseline, 1)}
              for kind, baseline in (("module", "floor"), ("module_v2", "floor_v2"), ("module", "uri"), ("floor", "uri"),
                                     ("module", "module_nobudget"), ("module_v2", "uri_v2"), ("floor_v2", "uri_v2"))
              if ran(kind, baseline)}
    context.log("paired ratios (median over repetitions): %s" % ", ".join(
        "%s cpu %.2fx wall %.2fx" % (name, value["cpu"] or 0, value["wall"] or 0) for name, value in paired.items()))
    rows = []
    for kind, baseline, label in (("module", "uri", "v1"), ("module_v2", "uri_v2", "v2")):
        if not ran(kind, baseline):
            continue
        module, same_get = per_task[kind], per_task[baseline]
        rows += [
            row("task_overhead", "controller CPU per task (s): cluster_backup_info (%s) vs uri, same GET (ratio per repetition %s)" % (
                label, spread(kind, baseline, 0)), module["cpu_seconds"], same_get["cpu_seconds"],
                target="<= %.1fx" % TARGET, limit=TARGET),
            row("task_overhead", "wall time per task (s): cluster_backup_info (%s) vs uri, same GET (ratio per repetition %s)" % (
                label, spread(kind, baseline, 1)), module["wall_seconds"], same_get["wall_seconds"],
                target="<= %.1fx" % TARGET, limit=TARGET),
        ]
    for floor, uri, label in (("floor", "uri", "v1"), ("floor_v2", "uri_v2", "v2")):
        if ran(floor, uri):
            rows.append(row("task_overhead", "controller CPU per task (s): requests floor module (AnsibleModule + requests.get, %s) vs "
                            "uri, same GET (ratio per repetition %s)" % (label, spread(floor, uri, 0)),
                            per_task[floor]["cpu_seconds"], per_task[uri]["cpu_seconds"]))
    for module, floor, label in (("module", "floor", "v1"), ("module_v2", "floor_v2", "v2")):
        if not ran(module, floor):
            continue
        rows += [
            row("task_overhead", "controller CPU per task (s): cluster_backup_info (%s, request budget on) vs the requests floor module "
                "(the collection's own code; ratio per repetition %s)" % (label, spread(module, floor, 0)),
                per_task[module]["cpu_seconds"], per_task[floor]["cpu_seconds"], target="<= %.2fx" % FLOOR_TARGET, limit=FLOOR_TARGET),
            row("task_overhead", "wall time per task (s): cluster_backup_info (%s, request budget on) vs the requests floor module "
                "(ratio per repetition %s)" % (label, spread(module, floor, 1)), per_task[module]["wall_seconds"],
                per_task[floor]["wall_seconds"], target="<= %.2fx" % FLOOR_TARGET, limit=FLOOR_TARGET),
        ]
    if ran("module", "module_nobudget"):
        rows += [
            row("task_overhead", "controller CPU per task (s): cluster_backup_info (v1) with the shared request budget vs without "
                "(api_rate_limit 0; ratio per repetition %s)" % spread("module", "module_nobudget", 0),
                per_task["module"]["cpu_seconds"], per_task["module_nobudget"]["cpu_seconds"]),
            row("task_overhead", "wall time per task (s): cluster_backup_info (v1) with the shared request budget vs without "
                "(api_rate_limit 0; ratio per repetition %s)" % spread("module", "module_nobudget", 1),
                per_task["module"]["wall_seconds"], per_task["module_nobudget"]["wall_seconds"]),
        ]
    if ran("module", "ping"):
        rows.append(row("task_overhead", "controller CPU per task (s): cluster_backup_info vs ping (margin over the floor)",
                        per_task["module"]["cpu_seconds"], per_task["ping"]["cpu_seconds"]))
    rows.append(row("task_overhead", "module import time at start (ms): cluster_backup_info vs uri", imports["module"]["import_ms"],
                    imports["uri"]["import_ms"]))
    for name, entry in payloads.items():
        if name in ("uri", "ping"):
            continue
        rows.append(row("task_overhead", "%s: AnsiballZ payload (bytes; %d files) vs uri's" % (name, entry["files"]),
                        entry["zip_bytes"], payloads["uri"]["zip_bytes"]))
        backends = (("v1", "backend_v1_ms"), ("v2", "backend_v2_ms"))
        extra = "".join(" + %s backend %.1f" % (version, entry[key]) for version, key in backends if key in entry)
        rows.append(row("task_overhead", "%s: import CPU out of its payload after basic (ms)%s vs uri's" % (name, extra),
                        entry["module_ms"], payloads["uri"]["module_ms"]))
    notes = ["per task: heaviest imports of %s: %s" % (kind, ", ".join(
        "%s %.0f ms" % (entry["module"], entry["ms"]) for entry in imports[kind]["heaviest_ms"][:4]))
        for kind in ("module", "uri")]
    notes.append("per task: out of the payload, ansible.module_utils.basic costs every module %.0f ms; collection files "
                 "of cluster_backup_info (self ms): %s" % (payloads["ping"]["basic_ms"], ", ".join(
                     "%s %.1f" % item for item in payloads["cluster_backup_info"]["module_utils_self_ms"].items())))
    return {
        "rows": rows,
        "notes": notes,
        "details": {"count": count, "settings": settings, "per_task": per_task, "paired_ratios": paired, "imports": imports, "payloads": payloads,
                    "samples": {kind: {str(n): values for n, values in by_n.items()} for kind, by_n in samples.items()},
                    "api_statuses": sorted(status for status in statuses if status is not None)},
    }
