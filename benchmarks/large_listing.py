"""A large listing: GET backups of the 100-node cluster of scenario ``large`` (about 200,000 events).

cluster_backup_info (its ``main()`` in a process of its own, as AnsiballZ runs it) against the
floor: the same download and ``json.loads`` in plain Python, also in a process of its own. Both
process times include interpreter start and imports; the in-process times are reported beside.
Peak memory is the module process's max RSS (``wait4``); the result size is the module's JSON
output with default options.
"""

import json
import os
import tempfile
from pathlib import Path

from benchmarks import harness
from benchmarks.report import row

MODULE_RUNNER = harness.BENCH_DIR / "module_process.py"
FLOOR = harness.BENCH_DIR / "plain_download.py"
MEMORY_LIMIT_MIB = 300
TIME_LIMIT = 1.5  # target: at most 1.5x the floor's time (stretch 1.3x)
MEMORY_RATIO_LIMIT = 1.2  # target: peak memory at most 1.2x the floor's
RESULT_LIMIT_BYTES = 2 * 1000 * 1000
FULL = {"repetitions": 3}
SMOKE = {"repetitions": 1}


def run_module(emulator, cluster_id, workdir):
    args = {"cluster_id": cluster_id, "api_url": emulator.url, "api_username": emulator.username,
            "api_key": emulator.api_key}
    out = Path(workdir) / "result.json"
    env = dict(os.environ, PYTHONPATH=str(harness.collections_root()))
    process = harness.run_measured([harness.PYTHON, MODULE_RUNNER, "cluster_backup_info", json.dumps(args), out],
                                   env=env)
    text = out.read_text(encoding="utf-8") if out.exists() else ""
    timings = json.loads(process.stderr.strip().splitlines()[-1]) if process.stderr.strip() else {}
    result = json.loads(text) if text else {}
    if process.returncode or result.get("failed") or not text:
        raise RuntimeError("cluster_backup_info failed: %s %s" % (result.get("msg"), harness.tail(process.stderr)))
    events = sum(len(node.get("events", [])) for dc in result.get("data_centres", []) for node in dc.get("nodes", []))
    return {"process": process.brief(), "timings": timings, "result_bytes": len(text.encode("utf-8")),
            "result_events": events}


def run_floor(emulator, cluster_id):
    url = "%s%s/%s/backups" % (emulator.url, harness.API_PREFIX, cluster_id)
    process = harness.run_measured([harness.PYTHON, FLOOR, url, emulator.username, emulator.api_key])
    if process.returncode:
        raise RuntimeError("plain download failed: " + harness.tail(process.stderr))
    return {"process": process.brief(), "timings": json.loads(process.stdout)}


def run(context):
    settings = SMOKE if context.smoke else FULL
    samples = {"module": [], "floor": []}
    with harness.start_emulator(scenario="large") as emulator, tempfile.TemporaryDirectory(prefix="bench-large-") as workdir:
        cluster_id = emulator.clusters()[0]["id"]
        run_floor(emulator, cluster_id)  # warm-up: the emulator's first rendering, the page cache
        for repetition, side in harness.alternating(["module", "floor"], settings["repetitions"]):
            sample = run_module(emulator, cluster_id, workdir) if side == "module" else run_floor(emulator, cluster_id)
            samples[side].append(sample)
            context.log("large listing %-6s rep %d: %.2fs, max RSS %.0f MiB" % (
                side, repetition + 1, sample["process"]["wall_seconds"], sample["process"]["max_rss_mib"]))

    def med(side, *keys):
        values = []
        for sample in samples[side]:
            value = sample
            for key in keys:
                value = value[key]
            values.append(value)
        return harness.median(values)

    module_wall, floor_wall = med("module", "process", "wall_seconds"), med("floor", "process", "wall_seconds")
    module_rss, floor_rss = med("module", "process", "max_rss_mib"), med("floor", "process", "max_rss_mib")
    result_bytes = med("module", "result_bytes")
    module_inner = med("module", "timings", "main_seconds")
    floor_inner = med("floor", "timings", "get_and_parse_seconds")
    payload = samples["floor"][0]["timings"]
    rows = [
        row("large_listing", "large listing, process wall time (s): cluster_backup_info vs requests + json.loads",
            module_wall, floor_wall, target="<= %.1fx (stretch 1.3x)" % TIME_LIMIT, limit=TIME_LIMIT),
        row("large_listing", "large listing, in-process time (s): main() vs GET + json.loads", module_inner, floor_inner),
        row("large_listing", "large listing, peak memory (MiB, max RSS)", module_rss, floor_rss,
            target="<= %.1fx, < %d MiB" % (MEMORY_RATIO_LIMIT, MEMORY_LIMIT_MIB),
            met=module_rss < MEMORY_LIMIT_MIB and module_rss <= MEMORY_RATIO_LIMIT * floor_rss),
        row("large_listing", "large listing, result size with default options (bytes) vs payload", result_bytes,
            payload["payload_bytes"], target="< 2 MB", met=result_bytes < RESULT_LIMIT_BYTES),
    ]
    notes = ["large listing: payload %d events on %d nodes, %.1f MB; the module returned %d events with default options" % (
        payload["events"], payload["nodes"], payload["payload_bytes"] / 1e6, samples["module"][0]["result_events"])]
    return {"rows": rows, "notes": notes, "details": {"settings": settings, "samples": samples}}
