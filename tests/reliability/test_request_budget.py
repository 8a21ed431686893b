"""The shared request budget under load: several processes of one controller, one state folder, one
account, against the emulator with its rate limit set to the budget's rate. Every sliding second of the
emulator's request log stays within ``api_rate_limit``, no request is answered 429, and waiting is shared
fairly (first come, first served: no process waits far longer than the others). Also after the whole
controller stalls past the booked slots: the budget counts when requests really leave, so they do not
leave together."""

import json
import os
import subprocess
import sys
import time

import pytest

from tests.support.collection import collections_root
from tests.support.emulator import running_emulator
from tests.support.rate_window import api_times_ms, busiest_window

RATE = 8
PROCESSES = 4
REQUESTS_EACH = 7

WORKER = r"""
import json, sys, time
from ansible_collections.restorekit.instaclustr.plugins.module_utils._budget import budget_for
from ansible_collections.restorekit.instaclustr.plugins.module_utils._http import ApiSession

url, user, key, state, rate, count, start = sys.argv[1:8]
budget = budget_for(state, url, user, float(rate))
session = ApiSession(url, user, key, budget=budget, retries=0)
session.get("/provisioning/v1", "list clusters")  # connect and warm up before the common start
time.sleep(max(0.0, float(start) - time.monotonic()))
begun = time.monotonic()
for _repetition in range(int(count)):
    session.get("/provisioning/v1", "list clusters")
print(json.dumps({"waited": budget.waited_seconds, "elapsed": time.monotonic() - begun,
                  "retried": session.retry_count, "acquired": budget.acquired}))
"""


@pytest.fixture(scope="module")
def emulator():
    with running_emulator(extra_args=("--rate-limit", str(RATE))) as handle:
        yield handle


def run_workers(emulator, state_dir, rate, processes, count):
    env = dict(os.environ, PYTHONPATH=str(collections_root()))
    start = time.monotonic() + 1.5  # every worker imported and connected by then
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, emulator.url, emulator.username, emulator.api_key,
                                 str(state_dir), str(rate), str(count), repr(start)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
               for _repetition in range(processes)]
    results = []
    try:
        for worker in workers:
            out, err = worker.communicate(timeout=120)
            assert worker.returncode == 0, err
            results.append(json.loads(out))
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    return results


def test_processes_sharing_a_state_folder_stay_within_the_rate_in_every_sliding_second(emulator, tmp_path):
    emulator.reset()
    results = run_workers(emulator, tmp_path, RATE, PROCESSES, REQUESTS_EACH)
    log = emulator.requests_log()
    assert len(log) == PROCESSES * (REQUESTS_EACH + 1)
    assert [entry for entry in log if entry["status"] != 200] == []  # no 429, nothing retried
    assert sum(result["retried"] for result in results) == 0
    assert busiest_window(api_times_ms(log)) <= RATE
    # 32 requests at 8 a second take more than three windows: the budget really made them wait ...
    assert sum(result["waited"] for result in results) > 1.0
    # ... and shared the wait: first come, first served, so every process ends within about a window of the others.
    elapsed = sorted(result["elapsed"] for result in results)
    assert elapsed[-1] - elapsed[0] < 1.5, elapsed
    waited = sorted(result["waited"] for result in results)
    print("budget load: busiest second %d of %d; waited %s; elapsed %s" % (
        busiest_window(api_times_ms(log)), RATE, ["%.2f" % value for value in waited], ["%.2f" % value for value in elapsed]))
    assert waited[-1] <= 2 * waited[len(waited) // 2] + 0.5, waited


STALL_RATE = 4
STALLED_WORKER = r"""
import json, random, sys, time
from ansible_collections.restorekit.instaclustr.plugins.module_utils._budget import budget_for
from ansible_collections.restorekit.instaclustr.plugins.module_utils._http import ApiSession

url, user, key, state, rate, count, stall = sys.argv[1:8]


def stalled_sleep(seconds):
    # The whole controller stalls until stall_end: no sleep that would have ended before it ends before it.
    end = max(time.monotonic() + seconds, stall_end + random.uniform(0.0, 0.02))
    time.sleep(max(0.0, end - time.monotonic()))


budget = budget_for(state, url, user, float(rate), sleep=stalled_sleep)
session = ApiSession(url, user, key, budget=budget, retries=0)
session._session.get(url + "/__emulator__/clock", timeout=30)  # connected before the start; the admin API is not counted
print("ready", flush=True)
start = float(sys.stdin.readline())
stall_end = start + float(stall)
time.sleep(max(0.0, start - time.monotonic()))
for _repetition in range(int(count)):
    session.get("/provisioning/v1", "list clusters")
print(json.dumps({"retried": session.retry_count, "rebooked": budget.rebooked}))
"""


def test_requests_whose_slots_pass_during_a_stall_do_not_leave_together(emulator, tmp_path):
    emulator.reset()
    env = dict(os.environ, PYTHONPATH=str(collections_root()))
    # Ten processes at 4 requests a second: four leave at once, the others book slots a window or two ahead; the
    # controller then stalls past those slots. Counted when they really leave, they still leave four a second.
    workers = [subprocess.Popen([sys.executable, "-c", STALLED_WORKER, emulator.url, emulator.username, emulator.api_key,
                                 str(tmp_path), str(STALL_RATE), "2", "2.5"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
               for _worker in range(10)]
    results = []
    try:
        for worker in workers:
            assert worker.stdout.readline().strip() == "ready", worker.stderr.read()
        start = repr(time.monotonic() + 0.2)
        for worker in workers:
            worker.stdin.write(start + "\n")
            worker.stdin.close()
        for worker in workers:
            out = worker.stdout.read()
            worker.wait(timeout=60)
            assert worker.returncode == 0, worker.stderr.read()
            results.append(json.loads(out))
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
            worker.stdout.close()
            worker.stderr.close()
    log = emulator.requests_log()
    assert len(log) == 20 and [entry for entry in log if entry["status"] != 200] == []
    busiest = busiest_window(api_times_ms(log))
    print("after a stall: busiest second %d of %d; rebooked %d" % (busiest, STALL_RATE, sum(result["rebooked"] for result in results)))
    assert busiest <= STALL_RATE
    assert sum(result["rebooked"] for result in results) >= 4  # the late ones beyond the rate looked again and waited
