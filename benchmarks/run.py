"""Run the benchmarks of issue 6 against the API emulator, print the table, save JSON + Markdown.

    python benchmarks/run.py            # full run (make bench), about 35 minutes
    python benchmarks/run.py --smoke    # every benchmark once at its smallest size (make test)
    python benchmarks/run.py --only task_overhead --only large_listing

Figures are printed and saved to benchmarks/results/, never asserted: a missed target does not
change the exit status. The exit status is 1 only when a benchmark could not run at all (so the
smoke run in make test catches a benchmark that rotted).
"""

import argparse
import importlib
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import harness, report  # noqa: E402  (the repository root must be on sys.path first)

# name: issue 6 item; each is benchmarks/<name>.py with run(context) -> {"rows": [...], ...}
BENCHMARKS = {
    "drill_cost": "2",
    "task_overhead": "3",
    "large_listing": "4",
    "completion": "5",
    "parallel_drills": "6",
    "evidence": "16",  # issue 16: the drill evidence index, 1,000 vs 10,000 reports
    "inventory_listing": "12",  # issue 12: the inventory plugin on a 200-cluster account
    "v2_fleet_restore": "10",  # issue 10: a v2 restore by name in an account of 50 clusters
    "request_budget": "budget",  # the shared request budget: one acquire's cost, 4 job slices sharing the limit
}


@dataclass
class Context:
    smoke: bool
    log: harness.Log
    options: argparse.Namespace


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="benchmarks/run.py", description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--smoke", action="store_true", help="each benchmark once at its smallest size (~1-2 min)")
    parser.add_argument("--only", action="append", choices=sorted(BENCHMARKS), help="run only these (repeatable)")
    parser.add_argument("--parallel-sizes", default=None,
                        help="comma-separated cluster counts for parallel_drills (default 1,10,50; smoke 1,5)")
    parser.add_argument("--no-parallel-baseline", action="store_true",
                        help="skip the uri baseline at the largest parallel size (saves a few minutes)")
    return parser.parse_args(argv)


def main(argv=None):
    options = parse_args(argv)
    log = harness.Log()
    context = Context(smoke=options.smoke, log=log, options=options)
    started = time.time()
    results = {"smoke": options.smoke, "machine": harness.machine(), "benchmarks": {}, "rows": []}
    log("machine: %s" % results["machine"])
    crashed = []
    for name, item in BENCHMARKS.items():
        if options.only and name not in options.only:
            continue
        label = item if not item.isdigit() else "issue %s" % item if int(item) > 6 else "issue 6 item %s" % item
        log("== %s (%s)" % (name, label))
        begun = time.monotonic()
        try:
            outcome = importlib.import_module("benchmarks." + name).run(context)
        except Exception as error:  # a benchmark that cannot run is reported, the others still run
            log("%s could not run: %s" % (name, error))
            traceback.print_exc()
            outcome = {"rows": [], "error": "%s: %s" % (type(error).__name__, error)}
            crashed.append(name)
        outcome["seconds"] = round(time.monotonic() - begun, 1)
        log("== %s took %.0f s" % (name, outcome["seconds"]))
        results["benchmarks"][name] = outcome
        results["rows"].extend(outcome["rows"])
    results["duration_seconds"] = time.time() - started
    results["finished_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    paths = report.save(results)
    sys.stdout.write("\n" + report.markdown(results) + "\n")
    sys.stdout.write("saved: %s\n" % ", ".join(str(path.relative_to(harness.REPO_ROOT)) for path in paths))
    if crashed:
        sys.stdout.write("benchmarks that could not run: %s\n" % ", ".join(crashed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
