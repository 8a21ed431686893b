"""The request budget shared by the processes of one controller: window arithmetic on a fake clock, the
lowest rate holding, files that cannot wedge anyone, a killed lock holder, and the session's hook."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest
import responses

from ansible_collections.restorekit.instaclustr.plugins.module_utils import _budget
from ansible_collections.restorekit.instaclustr.plugins.module_utils._budget import (
    BUDGET_FILE,
    FLOOR_HOLD_SECONDS,
    LATE_SECONDS,
    MARGIN_SECONDS,
    RequestBudget,
    allowance,
    budget_for,
    depart,
    earliest_fit,
    reserve,
)
from ansible_collections.restorekit.instaclustr.plugins.module_utils._errors import OptionError
from ansible_collections.restorekit.instaclustr.plugins.module_utils._http import ApiSession

WINDOW = 1.0 + MARGIN_SECONDS
BASE = "https://api.instaclustr.com"


class Clock:
    """A monotonic clock every budget of a test shares; ``sleep`` moves it."""

    def __init__(self, now=5000.0):
        self.now = now
        self.sleeps = []

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def budgets(folder, clock, *rates):
    return [RequestBudget(str(folder), rate, sleep=clock.sleep, monotonic=clock.monotonic) for rate in rates]


def max_in_any_window(times, window):
    """The most ``times`` that fall in one half-open window ``(t - window, t]``."""
    times = sorted(times)
    return max(sum(1 for other in times[:index + 1] if other > time_ - window) for index, time_ in enumerate(times))


# --- window arithmetic ---------------------------------------------------------------------------

def test_a_rate_is_whole_requests_in_a_second_plus_the_margin():
    assert allowance(30) == (30, WINDOW)
    assert allowance(7.5) == (7, WINDOW)  # a quarter of 30 for four slices: 7 a second, never 8
    assert allowance(0.5) == (1, 2.0 + MARGIN_SECONDS)


def test_the_first_n_requests_go_at_once_and_the_next_waits_for_the_window():
    document = None
    slots = []
    for _repetition in range(31):
        slot, document = reserve(document or {"format": 1, "slots": []}, 30, 100.0)
        slots.append(slot)
    assert slots[:30] == [100.0] * 30
    assert slots[30] == pytest.approx(100.0 + WINDOW)


def test_requests_take_slots_first_come_first_served_and_never_crowd_a_window():
    document = {"format": 1, "slots": []}
    slots = []
    for _repetition in range(100):  # a hundred requests asked at the same instant, by any number of processes
        slot, document = reserve(document, 10, 0.0)
        slots.append(slot)
    assert slots == sorted(slots)  # nobody is overtaken
    assert max_in_any_window(slots, WINDOW) == 10
    assert slots[-1] == pytest.approx(9 * WINDOW)  # and nobody waits longer than the rate requires


def test_slots_older_than_the_window_are_forgotten():
    document = {"format": 1, "slots": [0.0] * 30}
    slot, document = reserve(document, 30, 1.0 + WINDOW)
    assert slot == 1.0 + WINDOW and document["sent"] == [slot] and document["slots"] == []  # it leaves at once


def test_a_budget_over_a_shared_file_sleeps_until_its_slot(tmp_path):
    clock = Clock()
    first, second = budgets(tmp_path, clock, 5, 5)
    start = clock.now
    sent = []
    for index in range(12):
        (first if index % 2 else second).acquire()
        sent.append(clock.now)
    assert max_in_any_window(sent, WINDOW) == 5
    assert clock.now - start == pytest.approx(2 * WINDOW)
    assert first.acquired == second.acquired == 6
    assert first.waited_seconds + second.waited_seconds == pytest.approx(sum(clock.sleeps))
    assert oct(os.stat(tmp_path / BUDGET_FILE).st_mode & 0o777) == "0o600"


def test_a_request_that_wakes_late_spaces_the_next_ones_from_its_real_departure(tmp_path):
    clock = Clock()
    late = 0.3

    def oversleeping(seconds):
        clock.sleep(seconds + late)  # a busy machine wakes the process late

    budget = RequestBudget(str(tmp_path), 2, sleep=oversleeping, monotonic=clock.monotonic)
    start = clock.now
    budget.acquire()
    budget.acquire()
    budget.acquire()  # its slot: start + WINDOW; it leaves at start + WINDOW + late
    assert budget.waited_seconds == pytest.approx(WINDOW + late)
    written = json.loads((tmp_path / BUDGET_FILE).read_text())
    assert written["sent"][-1] == pytest.approx(start + WINDOW + late)  # when it left, not its slot
    assert written["slots"] == []  # nothing booked any more
    clock.sleeps.clear()
    budget.acquire()  # at its departure: the window holds one request, so the next goes at once ...
    budget.acquire()  # ... and the one after waits a whole window from the late departure (from the slot: 0.3 s less)
    assert clock.sleeps == [pytest.approx(WINDOW + late)]  # asked for WINDOW (from the slot: WINDOW - late), woke late


def test_a_request_that_wakes_on_time_is_written_at_its_slot(tmp_path):
    clock = Clock()

    def overshooting(seconds):
        clock.sleep(seconds + LATE_SECONDS / 2)  # a sleep's usual overshoot

    budget = RequestBudget(str(tmp_path), 1, sleep=overshooting, monotonic=clock.monotonic)
    start = clock.now
    for _repetition in range(3):
        budget.acquire()
    # Each one a window after the one before: the overshoots do not add up.
    assert json.loads((tmp_path / BUDGET_FILE).read_text())["sent"] == [pytest.approx(start + WINDOW), pytest.approx(start + 2 * WINDOW)]
    assert budget.rebooked == 0


def test_a_late_request_with_no_room_at_its_real_time_books_again_instead_of_sending(tmp_path):
    clock = Clock()
    late = 0.3
    start = clock.now
    others = []

    def oversleeping(seconds):
        if not others:
            # While this process sleeps, two others send at once: they found room before its late wake.
            for _other in range(2):
                document = json.loads((tmp_path / BUDGET_FILE).read_text())
                document["sent"].append(start + WINDOW + 0.1)
                (tmp_path / BUDGET_FILE).write_text(json.dumps(document))
                others.append(start + WINDOW + 0.1)
            clock.sleep(seconds + late)
        else:
            clock.sleep(seconds)

    budget = RequestBudget(str(tmp_path), 2, sleep=oversleeping, monotonic=clock.monotonic)
    budget.acquire()
    budget.acquire()
    budget.acquire()  # slot start + WINDOW; wakes at + late: the window already holds the two others
    assert budget.rebooked == 1
    sent = json.loads((tmp_path / BUDGET_FILE).read_text())["sent"]
    assert sent[-1] == pytest.approx(start + 2 * WINDOW + 0.1)  # the first instant with room
    assert max_in_any_window([start, start] + others + [sent[-1]], WINDOW) == 2


def test_no_burst_after_a_stall_of_the_whole_machine():
    rate, document, booked = 30, {"format": 1, "slots": []}, []
    for _request in range(90):  # 90 processes book at once: 30 leave now, 30 a window later, 30 two windows later
        slot, document = reserve(document, rate, 0.0)
        booked.append(slot)
    waiting = [slot for slot in booked if slot > 0.0]
    assert len(waiting) == 60
    # The machine stalls for 5 s: the 60 waiting processes all wake late, together, and each looks again in turn.
    now, left, rebooked = 5.0, [], []
    for slot in waiting:
        instant, document, leaves = depart(document, slot, rate, now)
        (left if leaves else rebooked).append(instant)
        now += 0.001
    assert len(left) == 30 and max_in_any_window(left, WINDOW) == 30  # not 60 at once
    assert len(rebooked) == 30 and min(rebooked) >= 5.0 + WINDOW  # the others a window later
    assert document["slots"] == sorted(rebooked)


def test_after_a_short_stall_the_requests_sent_before_it_still_count():
    rate = 4
    document = {"format": 1, "slots": [], "sent": [10.0, 10.2, 10.4]}
    # A request booked for 10.5 wakes at 10.9 (late): three were sent within the last window, so it fits ...
    instant, document, leaves = depart(dict(document, slots=[10.5]), 10.5, rate, 10.9)
    assert leaves and instant == pytest.approx(10.9)  # written down when it really leaves
    # ... and a second one late to the same window waits for the oldest to leave it.
    instant, document, leaves = depart(dict(document, slots=document["slots"] + [10.6]), 10.6, rate, 10.95)
    assert not leaves and instant == pytest.approx(10.0 + WINDOW)


def test_the_first_instant_with_room_skips_every_crowded_run():
    assert earliest_fit([], 3.0, 2, 1.0) == 3.0
    assert earliest_fit([1.0, 1.5], 1.2, 2, 1.0) == 2.0  # two within a second: room once the first is a second old
    assert earliest_fit([1.0, 2.0], 1.5, 2, 1.0) == 1.5  # a second apart: a third between them keeps every window at 2
    assert earliest_fit([1.0, 1.1, 2.0, 2.05], 1.5, 2, 1.0) == 3.0  # no room between the pairs: after the second
    assert earliest_fit([1.0, 1.1, 3.5, 3.55], 1.5, 2, 1.0) == 2.0  # room between them


# --- different rates: the lowest holds ----------------------------------------------------------

def test_when_processes_configure_different_rates_the_lowest_holds(tmp_path):
    clock = Clock()
    fast, slow = budgets(tmp_path, clock, 30, 4)
    slow.acquire()
    sent = [clock.now]
    for _repetition in range(11):
        fast.acquire()
        sent.append(clock.now)
    assert max_in_any_window(sent, WINDOW) == 4


def test_a_lower_rate_stops_holding_a_while_after_its_last_request(tmp_path):
    clock = Clock()
    fast, slow = budgets(tmp_path, clock, 30, 4)
    slow.acquire()
    clock.now += FLOOR_HOLD_SECONDS + 1
    start = clock.now
    for _repetition in range(30):
        fast.acquire()
    assert clock.now == start  # the slow process is gone: thirty at once again


def test_a_higher_rate_never_lifts_a_lower_one(tmp_path):
    clock = Clock()
    fast, slow = budgets(tmp_path, clock, 30, 2)
    slow.acquire()
    fast.acquire()
    fast.acquire()  # the third request inside the window: the slow process's 2 hold
    assert clock.sleeps == [pytest.approx(WINDOW)]


# --- nothing wedges ------------------------------------------------------------------------------

def test_an_unreadable_budget_file_counts_as_a_full_window_and_heals(tmp_path):
    (tmp_path / BUDGET_FILE).write_text('{"format": 1, "slots": [1, 2, ')  # a write cut short
    clock = Clock()
    (budget,) = budgets(tmp_path, clock, 10)
    budget.acquire()
    assert clock.sleeps == [pytest.approx(WINDOW)]
    assert json.loads((tmp_path / BUDGET_FILE).read_text())["format"] == 1


def test_a_log_from_before_a_restart_or_absurdly_far_ahead_is_dropped(tmp_path):
    clock = Clock()
    (budget,) = budgets(tmp_path, clock, 10)
    boot = _budget.boot_id()
    for document in ({"format": 1, "boot": "another-boot", "floor": [0.001, clock.now + 9e9], "slots": [clock.now + 500.0] * 10},
                     {"format": 1, "boot": boot, "floor": None, "slots": [clock.now + 9e6] * 10}):
        (tmp_path / BUDGET_FILE).write_text(json.dumps(document))
        budget.acquire()
        assert clock.sleeps == []


def test_a_shorter_document_leaves_no_tail_of_the_longer_one(tmp_path):
    clock = Clock()
    (budget,) = budgets(tmp_path, clock, 30)
    for _repetition in range(30):
        budget.acquire()
    clock.now += 10
    budget.acquire()
    assert json.loads((tmp_path / BUDGET_FILE).read_text())["sent"] == [clock.now]


HOLDER = """
import fcntl, os, sys, time
descriptor = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(descriptor, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(60)
"""


def test_a_process_killed_while_holding_the_lock_does_not_wedge_the_others(tmp_path):
    import fcntl

    path = tmp_path / BUDGET_FILE
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        probe = os.open(str(path), os.O_RDWR)
        try:
            with pytest.raises(BlockingIOError):
                fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)  # the holder really holds it
        finally:
            os.close(probe)
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=10)
        (budget,) = budgets(tmp_path, Clock(), 30)
        started = time.monotonic()
        assert budget.acquire() == 0.0
        assert time.monotonic() - started < 1.0
        assert budget.acquired == 1
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
        holder.stdout.close()


# --- building it, and the session's hook ---------------------------------------------------------

def test_a_rate_of_zero_means_no_budget_and_a_bad_rate_names_the_option(tmp_path):
    assert budget_for(str(tmp_path), BASE, "alice", 0) is None
    for bad in (-1, "30", float("nan"), True):
        with pytest.raises(OptionError, match="api_rate_limit"):
            budget_for(str(tmp_path), BASE, "alice", bad)


def test_each_account_has_a_budget_of_its_own_in_its_private_folder(tmp_path):
    alice = budget_for(str(tmp_path), BASE, "alice", 30)
    bob = budget_for(str(tmp_path), BASE, "bob", 30)
    other_url = budget_for(str(tmp_path), "https://api.example.test", "alice", 30)
    assert len({alice.path, bob.path, other_url.path}) == 3
    alice.acquire()
    assert oct(os.stat(os.path.dirname(alice.path)).st_mode & 0o777) == "0o700"
    assert not os.path.exists(bob.path)


class CountingBudget:
    def __init__(self):
        self.calls = 0

    def acquire(self):
        self.calls += 1
        return 0.0


@responses.activate
def test_the_session_takes_a_slot_before_every_request_it_sends_retries_included():
    responses.get(BASE + "/a", status=429)
    responses.get(BASE + "/a", status=503)
    responses.get(BASE + "/a", json={})
    responses.post(BASE + "/b", json={})
    budget = CountingBudget()
    session = ApiSession(BASE, "demo", "key", sleep=lambda seconds: None, budget=budget)
    session.get("/a", "read")
    assert budget.calls == 3 and session.retried_statuses[429] == 1  # 429s are still retried, and counted
    session.post("/b", "write")
    assert budget.calls == 4 == len(responses.calls)
