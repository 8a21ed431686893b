"""The request budget shared by the processes of a controller (``api_rate_limit``): what it costs and what it holds.

* **acquire**: the CPU of one ``RequestBudget.acquire()`` (open file, ``flock``, read, reserve, write, unlock) in
  one process, at a steady 25 requests per second of a fake clock, so the window always holds about a second of
  slots, as under full load, and no call waits; median over repetitions, in microseconds.
* **per process**: what the budget adds to a fresh module process (importing it and the state folder's code,
  making the account folder, the first acquire), paired fresh processes with and without it.
* **module process**: ``cluster_backup_info`` (v1) run by ``module_process.py`` in fresh processes against the
  emulator, with ``api_rate_limit`` 30 and 0 alternately: CPU and wall of the whole process, medians and the
  median of the paired ratios (the playbook-level figure is in ``task_overhead.py``; this one has less noise).
* **slices**: AWX job slicing on one API. 4 concurrent ``ansible-playbook`` processes (the slices) over one
  emulator (v2, scenario ``fleet:N``, the API's 35 requests per second on), each with a state folder of its own (as
  on separate execution nodes) and a quarter of the account's 30 requests per second (``IC_API_RATE_LIMIT=7.5``).
  Each slice looks clusters up by name on several hosts at once (the account list and one GET per cluster each
  time). Together they must stay within 30 requests in every sliding second of the emulator's request log, with no
  answer 429. Beside it, the same slices each left at the default 30 (the baseline: four slices believing they
  own the account's limit); the smoke run skips the baseline.

The per-task cost of a module with the budget on and off is measured by ``task_overhead.py``.
"""

import concurrent.futures
import json
import os
import shutil
import statistics
import sys
import tempfile
import time

from benchmarks import harness
from benchmarks.report import row
from tests.support.rate_window import api_times_ms, busiest_window

ACCOUNT_LIMIT = 30
SLICES = 4
FULL = {"acquires": 3000, "repetitions": 5, "process_repetitions": 15, "module_pairs": 30, "clusters": 50, "hosts": 3, "lookups": 2, "baseline": True}
SMOKE = {"acquires": 300, "repetitions": 1, "process_repetitions": 1, "module_pairs": 1, "clusters": 10, "hosts": 1, "lookups": 2, "baseline": False}
PLAYBOOK = harness.PLAYBOOK_DIR / "slice_lookups.yml"


def acquire_cost(acquires, repetitions):
    """Median (over repetitions) of the mean CPU microseconds of one acquire, and of the first (it opens the file)."""
    root = str(harness.collections_root())
    if root not in sys.path:
        sys.path.insert(0, root)
    from ansible_collections.restorekit.instaclustr.plugins.module_utils._budget import RequestBudget  # pylint: disable=import-outside-toplevel

    means, firsts = [], []
    for _repetition in range(repetitions):
        folder = tempfile.mkdtemp(prefix="bench-budget-")
        try:
            clock = {"now": 1000.0}

            def monotonic():
                clock["now"] += 1.0 / 25
                return clock["now"]

            budget = RequestBudget(folder, ACCOUNT_LIMIT, sleep=lambda seconds: None, monotonic=monotonic)
            started = time.process_time()
            budget.acquire()
            firsts.append((time.process_time() - started) * 1e6)
            started = time.process_time()
            for _repetition in range(acquires):
                budget.acquire()
            means.append((time.process_time() - started) * 1e6 / acquires)
            if budget.waited_seconds:
                raise RuntimeError("the acquire benchmark waited: the fake clock is too slow")
            budget.close()
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    return {"mean_us": statistics.median(means), "per_repetition_us": means, "first_us": statistics.median(firsts)}


PROCESS_BASE = ("import ansible.module_utils.basic, requests; "
                "from ansible_collections.restorekit.instaclustr.plugins.module_utils import _http, _rules, _waiter, _errors")
PROCESS_BUDGET = PROCESS_BASE + ("; from ansible_collections.restorekit.instaclustr.plugins.module_utils._budget import budget_for; "
                                 "budget_for(%r, 'https://api.instaclustr.com', 'bench', 30).acquire()")


def process_cost(repetitions):
    """What the budget adds to one module process: importing ``_budget`` and ``_state``, making the account folder
    and the first acquire, measured as the CPU of fresh processes with and without it (alternating, median of the
    paired differences; imports from cached bytecode, so a shipped module, compiled from source, pays somewhat more)."""
    env = dict(os.environ, PYTHONPATH=str(harness.collections_root()))
    differences, without = [], []
    folder = tempfile.mkdtemp(prefix="bench-budget-process-")
    try:
        for _repetition in range(repetitions):
            base = harness.run_measured([harness.PYTHON, "-c", PROCESS_BASE], env=env)
            budgeted = harness.run_measured([harness.PYTHON, "-c", PROCESS_BUDGET % folder], env=env)
            if base.returncode or budgeted.returncode:
                raise RuntimeError("the process cost probe failed:\n" + harness.tail(base.stderr + budgeted.stderr))
            differences.append((budgeted.cpu_seconds - base.cpu_seconds) * 1000.0)
            without.append(base.cpu_seconds * 1000.0)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {"added_ms": statistics.median(differences), "per_repetition_ms": differences,
            "process_ms": statistics.median(without)}


MODULE_RUNNER = harness.BENCH_DIR / "module_process.py"


def module_pairs(emulator, pairs):
    """``cluster_backup_info`` (v1, one cluster of the fleet) run by ``module_process.py`` in fresh processes, with the
    budget on (30) and off (0) alternately, each with a state folder of the run's own: CPU and wall of each process."""
    from tests.support.emulator import fleet_id  # pylint: disable=import-outside-toplevel

    folder = tempfile.mkdtemp(prefix="bench-budget-module-")
    env = dict(os.environ, PYTHONPATH=str(harness.collections_root()))
    samples = {30: [], 0: []}
    try:
        for number in range(pairs):
            for rate in (30, 0) if number % 2 else (0, 30):
                args = {"cluster_id": fleet_id(1), "api_url": emulator.url, "api_username": emulator.username,
                        "api_key": emulator.api_key, "api_rate_limit": rate, "state_dir": folder}
                out = os.path.join(folder, "result.json")
                process = harness.run_measured([harness.PYTHON, MODULE_RUNNER, "cluster_backup_info", json.dumps(args), out],
                                               env=env)
                with open(out, encoding="utf-8") as handle:
                    result = json.load(handle)
                if process.returncode or result.get("failed"):
                    raise RuntimeError("cluster_backup_info failed: %s %s" % (result.get("msg"), harness.tail(process.stderr)))
                samples[rate].append((process.cpu_seconds, process.wall_seconds))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    on, off = samples[30], samples[0]
    return {
        "on_cpu": statistics.median(sample[0] for sample in on), "off_cpu": statistics.median(sample[0] for sample in off),
        "on_wall": statistics.median(sample[1] for sample in on), "off_wall": statistics.median(sample[1] for sample in off),
        "paired_cpu_ratio": statistics.median(a[0] / b[0] for a, b in zip(on, off)),
        "paired_wall_ratio": statistics.median(a[1] / b[1] for a, b in zip(on, off)),
        "samples": {"on": on, "off": off},
    }


def run_slices(emulator, settings, rate):
    """The 4 slices at once, each with its own state folder and ``IC_API_RATE_LIMIT=rate``: their runs and the log."""
    emulator.reset()
    folders = [tempfile.mkdtemp(prefix="bench-slice-") for _repetition in range(SLICES)]
    try:
        commands = []
        for number, folder in enumerate(folders):
            hosts = ",".join("slice%d-host%d" % (number, host) for host in range(settings["hosts"])) + ","
            argv = [harness.BIN_DIR / "ansible-playbook", "-i", hosts, PLAYBOOK, "--forks", str(settings["hosts"]),
                    "-e", "bench_lookups=%d" % settings["lookups"]]
            commands.append((argv, harness.ansible_env(emulator, {"RESTOREKIT_STATE_DIR": folder, "IC_API_RATE_LIMIT": str(rate)})))
        # One thread per slice, each waiting for its own process tree (os.wait4 on its pid): they run at once.
        with concurrent.futures.ThreadPoolExecutor(max_workers=SLICES) as pool:
            runs = list(pool.map(lambda command: harness.run_measured(command[0], env=command[1], timeout=900), commands))
    finally:
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)
    log = harness.api_requests(emulator)
    return runs, log


def slice_figures(runs, log):
    times = api_times_ms(log)
    seconds = (max(times) - min(times)) / 1000.0 if times else 0.0
    return {"requests": len(log), "busiest_second": busiest_window(times), "answers_429": harness.status_count(log, 429),
            "failed_slices": sum(1 for run in runs if run.returncode), "wall_seconds": max(run.wall_seconds for run in runs),
            "requests_per_second": len(log) / seconds if seconds else None,
            "slices": [run.brief() for run in runs]}


def run(context):
    settings = SMOKE if context.smoke else FULL
    cost = acquire_cost(settings["acquires"], settings["repetitions"])
    context.log("budget acquire: %.1f us CPU (median of %d), first %.0f us" % (
        cost["mean_us"], settings["repetitions"], cost["first_us"]))
    process = process_cost(settings["process_repetitions"])
    context.log("budget per process: +%.1f ms CPU over %.0f ms (median of %d paired fresh processes)" % (
        process["added_ms"], process["process_ms"], settings["process_repetitions"]))
    share = ACCOUNT_LIMIT / float(SLICES)
    results = {}
    with harness.start_emulator(scenario="fleet:%d" % settings["clusters"]) as emulator:
        module = module_pairs(emulator, settings["module_pairs"])
        context.log("cluster_backup_info process, budget on vs off: cpu %.3f vs %.3f s (paired %.2fx), wall %.3f vs %.3f s "
                    "(paired %.2fx), %d pairs" % (module["on_cpu"], module["off_cpu"], module["paired_cpu_ratio"],
                                                  module["on_wall"], module["off_wall"], module["paired_wall_ratio"],
                                                  settings["module_pairs"]))
        for name, rate in (("shared", share),) + ((("baseline", ACCOUNT_LIMIT),) if settings["baseline"] else ()):
            runs, log = run_slices(emulator, settings, rate)
            results[name] = slice_figures(runs, log)
            figures = results[name]
            context.log("%d slices at %s req/s each: %d requests, busiest second %d, %d answers 429, wall %.1fs, "
                        "%d failed" % (SLICES, rate, figures["requests"], figures["busiest_second"], figures["answers_429"],
                                       figures["wall_seconds"], figures["failed_slices"]))
    shared = results["shared"]
    baseline = results.get("baseline")
    within = shared["busiest_second"] <= ACCOUNT_LIMIT and shared["answers_429"] == 0 and not shared["failed_slices"]
    rows = [
        row("request_budget", "request budget: CPU of one acquire (us; lock, read, reserve, write), median of %d" % settings["repetitions"],
            cost["mean_us"], None),
        row("request_budget", "request budget: CPU it adds to a module process (ms; import, account folder, first acquire) vs "
            "the process without it (median of %d pairs)" % settings["process_repetitions"], process["added_ms"],
            process["process_ms"]),
        row("request_budget", "cluster_backup_info module process (v1; main() in a fresh process) with the shared request budget vs "
            "without: CPU (s; median of %d alternating pairs, paired ratio %.2fx)" % (
                settings["module_pairs"], module["paired_cpu_ratio"]),
            module["on_cpu"], module["off_cpu"]),
        row("request_budget", "cluster_backup_info module process with the shared request budget vs without: wall (s; median of "
            "%d alternating pairs, paired ratio %.2fx)" % (settings["module_pairs"], module["paired_wall_ratio"]),
            module["on_wall"], module["off_wall"]),
        row("request_budget", "%d job slices (4 ansible-playbook, own state folders) at %s req/s each vs each at %d: busiest "
            "sliding second (requests)" % (SLICES, share, ACCOUNT_LIMIT), shared["busiest_second"],
            baseline["busiest_second"] if baseline else None, target="<= %d" % ACCOUNT_LIMIT, met=within),
        row("request_budget", "%d job slices at %s req/s each vs each at %d: answers 429 (of requests)" % (SLICES, share, ACCOUNT_LIMIT),
            "%d (of %d)" % (shared["answers_429"], shared["requests"]),
            "%d (of %d)" % (baseline["answers_429"], baseline["requests"]) if baseline else None, target="0", met=within),
        row("request_budget", "%d job slices at %s req/s each vs each at %d: failed slices (of %d)" % (SLICES, share, ACCOUNT_LIMIT, SLICES),
            shared["failed_slices"], baseline["failed_slices"] if baseline else None, target="0", met=within),
        row("request_budget", "%d job slices at %s req/s each vs each at %d: wall time of the slowest slice (s)" % (
            SLICES, share, ACCOUNT_LIMIT), shared["wall_seconds"], baseline["wall_seconds"] if baseline else None),
    ]
    notes = ["request budget: %d slices x %d hosts x %d lookups by name on v2 in fleet:%d (%d requests); the shared "
             "run averaged %.1f requests per second" % (SLICES, settings["hosts"], settings["lookups"], settings["clusters"],
                                                        shared["requests"], shared["requests_per_second"] or 0)]
    return {"rows": rows, "notes": notes,
            "details": {"settings": settings, "acquire": cost, "process": process, "module_process": module, "slices": results, "share": share,
                        "account_limit": ACCOUNT_LIMIT}}
