"""The inventory plugin listing a 200-cluster account on v2 (scenario ``fleet:200``).

``ansible-inventory --list -v`` with ``restorekit.instaclustr.clusters`` (``api_version: v2``): the account list
and one GET per cluster, against the emulator's 35 requests per second. Reports the wall time, the requests
and the answers HTTP 429 (from the emulator's request log, and as the plugin counted them in its ``-v`` line),
then a second run with the inventory cache on, which must send no request. Smoke: 20 clusters.
"""

import re
import tempfile
from pathlib import Path

from benchmarks import harness
from benchmarks.report import row

FULL = {"clusters": 200}
SMOKE = {"clusters": 20}
STATS_LINE = re.compile(r"(\d+) clusters read .*?(\d+) hosts; (\d+) requests, (\d+) answers HTTP 429 retried")
CONFIG = """plugin: restorekit.instaclustr.clusters
api_version: v2
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: %s
"""


def list_inventory(emulator, source, output):
    argv = [harness.BIN_DIR / "ansible-inventory", "-i", source, "--list", "-v", "--output", output]
    return harness.run_measured(argv, env=harness.ansible_env(emulator), timeout=600)


def plugin_stats(run):
    """``(clusters, hosts, requests, 429s)`` from the plugin's ``-v`` line, or None."""
    found = STATS_LINE.search(run.stdout + run.stderr)
    return tuple(int(value) for value in found.groups()) if found else None


def run(context):
    settings = dict(SMOKE if context.smoke else FULL)
    size = settings["clusters"]
    with harness.start_emulator(scenario="fleet:%d" % size) as emulator, \
            tempfile.TemporaryDirectory(prefix="bench-inventory-") as workdir:
        source = Path(workdir) / "fleet.instaclustr.yml"
        source.write_text(CONFIG % (Path(workdir) / "cache"))
        emulator.reset()
        first = list_inventory(emulator, source, Path(workdir) / "first.json")
        log = emulator.requests_log()
        emulator.reset()  # empties the request log
        cached = list_inventory(emulator, source, Path(workdir) / "cached.json")
        cached_log = emulator.requests_log()
    stats = plugin_stats(first)
    if first.returncode or stats is None:
        raise RuntimeError("ansible-inventory failed (rc %s): %s" % (first.returncode, harness.tail(first.stdout + first.stderr)))
    clusters, hosts, requests, counted_429 = stats
    logged_429 = harness.status_count(log, 429)
    figures = (size, first.wall_seconds, first.cpu_seconds, len(log), logged_429, counted_429, cached.wall_seconds,
               len(cached_log))
    context.log("inventory %d clusters: wall %.1fs, cpu %.1fs, %d requests, %d answers 429 (plugin counted %d); "
                "cached run: wall %.1fs, %d requests" % figures)
    failed = clusters != size or hosts != size
    rows = [
        row("inventory_listing", "inventory of %d clusters (v2): wall time (s)" % size, first.wall_seconds, None),
        row("inventory_listing", "inventory of %d clusters: requests / answers 429 (retried)" % size,
            "%d / %d" % (len(log), logged_429), None, target="%d hosts, no failure" % size, met=not failed),
        row("inventory_listing", "inventory cached run: wall time (s) / requests", "%.2f / %d" % (cached.wall_seconds, len(cached_log)),
            None, target="0 requests", met=not cached_log and cached.returncode == 0),
    ]
    return {"rows": rows, "notes": [
        "inventory listing: %d clusters = 1 account list + %d GETs; the plugin counted %d answers 429 retried, the emulator "
        "logged %d" % (size, size, counted_429, logged_429)],
        "details": {"clusters": size, "hosts": hosts, "requests": len(log), "requests_plugin_counted": requests,
                    "rate_limited_429": logged_429, "rate_limited_429_plugin_counted": counted_429,
                    "first": first.brief(), "cached": cached.brief(), "cached_requests": len(cached_log)}}
