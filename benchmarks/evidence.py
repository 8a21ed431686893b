"""The drill evidence index from 1,000 and from 10,000 synthetic drill reports.

Each report has the fields and size of a real one (checks, phases, figures, a timeline), spread
over a year and 20 clusters, in one sub-folder per run. Measured in-process: reading every report,
building the per-cluster model and writing index.html, index.md and evidence.json (what the
drill_evidence action does), the median of a few runs on a warm page cache; then the peak Python
memory of one build (tracemalloc), which must grow with the number of drills, not with the size of
their reports. Target: 10x the reports in at most 12x the time. --smoke uses 100 and 1,000.
"""

import tempfile
import time
import tracemalloc
from pathlib import Path

from benchmarks import harness
from benchmarks.report import row

FULL = {"sizes": (1000, 10000), "repetitions": 3}
SMOKE = {"sizes": (100, 1000), "repetitions": 1}
REAL_SIZE_TIMELINE = 90  # timeline entries that make a synthetic report as large as a real one (12-14 kB)


def _imports():
    """The evidence code and the synthetic reports, once the collections root is on sys.path."""
    import sys  # pylint: disable=import-outside-toplevel
    root = str(harness.collections_root())
    if root not in sys.path:
        sys.path.insert(0, root)
    from ansible_collections.restorekit.instaclustr.plugins.plugin_utils import drill_evidence  # noqa: E402
    from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.drill_evidence_render import write_index  # noqa: E402
    from tests.unit.plugins.plugin_utils import evidence_reports  # noqa: E402
    return drill_evidence, write_index, evidence_reports


def build_once(folder):
    drill_evidence, write_index, evidence_reports = _imports()
    model = drill_evidence.build_model(drill_evidence.scan(str(folder)), evidence_reports.NOW_MS, max_age="30d")
    write_index(str(folder), model)
    return model


def run(context):
    settings = SMOKE if context.smoke else FULL
    _drill_evidence, _write_index, evidence_reports = _imports()
    figures = {}
    with tempfile.TemporaryDirectory(prefix="bench-evidence-") as workdir:
        for size in settings["sizes"]:
            folder = Path(workdir) / ("reports-%d" % size)
            started = time.perf_counter()
            evidence_reports.synthetic_folder(folder, size, timeline_items=REAL_SIZE_TIMELINE)
            report_bytes = sum(path.stat().st_size for path in folder.rglob("drill-*.json"))
            context.log("evidence: wrote %d reports (%.1f MB) in %.1fs" % (size, report_bytes / 1e6, time.perf_counter() - started))
            build_once(folder)  # warm-up: page cache, imports
            seconds = []
            for _repetition in range(settings["repetitions"]):
                started = time.perf_counter()
                model = build_once(folder)
                seconds.append(time.perf_counter() - started)
            tracemalloc.start()
            build_once(folder)
            _current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            figures[size] = {"seconds": harness.median(seconds), "samples": seconds, "peak_mib": peak / 1048576.0,
                             "report_mb": report_bytes / 1e6, "clusters": len(model["clusters"]),
                             "reports": model["counts"]["reports"]}
            context.log("evidence: %d reports -> index in %.2fs (median of %d), peak %.1f MiB traced" % (
                size, figures[size]["seconds"], len(seconds), figures[size]["peak_mib"]))
    small, large = settings["sizes"]
    rows = [
        row("evidence", "evidence index build (s): %d reports vs %d" % (large, small), figures[large]["seconds"],
            figures[small]["seconds"], target="<= 12x", limit=12.0),
        row("evidence", "evidence index peak Python memory (MiB): %d reports vs %d" % (large, small), figures[large]["peak_mib"],
            figures[small]["peak_mib"], target="drills, not report bytes"),
    ]
    return {"rows": rows, "figures": {str(size): value for size, value in figures.items()}}
