"""Run the benchmarks against the API emulator, print the table, save JSON + Markdown.

    python benchmarks/run.py            # full run (make bench), about 45 minutes
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

# name: what it measures; each is benchmarks/<name>.py with run(context) -> {"rows": [...], ...}, its rows
# named by that name
BENCHMARKS = {
    "drill_cost": "the controller cost of one drill, role vs the uri drill",
    "task_overhead": "the controller cost of one task, module vs uri vs the requests floor",
    "large_listing": "a 200,000-event listing, module vs download and parse",
    "completion": "the delay between a completed backup or restore and the waiting task's return",
    "parallel_drills": "clusters drilled at once: wall, CPU, 429s, controller memory",
    "evidence": "the drill evidence index, 1,000 vs 10,000 reports",
    "inventory_listing": "the inventory plugin on a 200-cluster account",
    "v2_fleet_restore": "a v2 restore by name in an account of 50 clusters",
    "request_budget": "the shared request budget: one acquire's cost, 4 job slices sharing the limit",
    "data_plane_write": "a canary write on PostgreSQL, cluster_canary vs a minimal psycopg module",
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
                        help="comma-separated cluster counts for parallel_drills (default 1,50,200; smoke 1,5)")
    parser.add_argument("--parallel-forks", type=int, default=None,
                        help="cap parallel_drills' forks at this number (default 50)")
    parser.add_argument("--parallel-strategy", default=None, choices=("linear", "free"),
                        help="the drill play's strategy in parallel_drills (ANSIBLE_STRATEGY; default: the playbook's, linear)")
    parser.add_argument("--parallel-wait-together", action=argparse.BooleanOptionalAction, default=None,
                        help="parallel_drills' drills wait together (backup_restore_drill_wait_together: one process waits "
                             "for every drill's cluster; the default); --no-parallel-wait-together: a worker per waiting drill")
    parser.add_argument("--parallel-tuned", action="store_true",
                        help="parallel_drills also drills 50 at once with internal_poll_interval = 0.05 (full run)")
    parser.add_argument("--no-parallel-baseline", action="store_true",
                        help="skip the uri baseline of parallel_drills (saves a few minutes)")
    parser.add_argument("--task-kinds", default=None,
                        help="comma-separated kinds of task_overhead to run (default: all; e.g. module,module_v2,floor,floor_v2,uri,uri_v2)")
    parser.add_argument("--task-count", type=int, default=None, help="tasks per playbook in task_overhead (default 50; smoke 3)")
    parser.add_argument("--task-repetitions", type=int, default=None,
                        help="alternating repetitions of every kind in task_overhead (default 5; smoke 1)")
    return parser.parse_args(argv)


def main(argv=None):
    options = parse_args(argv)
    log = harness.Log()
    context = Context(smoke=options.smoke, log=log, options=options)
    started = time.time()
    results = {"smoke": options.smoke, "machine": harness.machine(), "benchmarks": {}, "rows": []}
    log("machine: %s" % results["machine"])
    crashed = []
    for name, measures in BENCHMARKS.items():
        if options.only and name not in options.only:
            continue
        log("== %s (%s)" % (name, measures))
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
