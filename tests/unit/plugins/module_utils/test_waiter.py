import pytest

from ansible_collections.restorekit.instaclustr.plugins.module_utils._errors import ApiError, OperationFailed, WaitTimeout
from ansible_collections.restorekit.instaclustr.plugins.module_utils._waiter import POLL_FLOOR_SECONDS, poll_interval, wait_until


class FakeClock:
    """Monotonic time that moves only when the waiter sleeps (or a fetch takes time)."""

    def __init__(self):
        self.now = 500.0
        self.sleeps = []

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


class Script:
    """A fetch that returns (or raises) the scripted items in order, then repeats the last one."""

    def __init__(self, clock, *items, fetch_seconds=0.0):
        self.clock = clock
        self.items = list(items)
        self.calls = 0
        self.fetch_seconds = fetch_seconds

    def __call__(self):
        item = self.items[min(self.calls, len(self.items) - 1)]
        self.calls += 1
        self.clock.now += self.fetch_seconds
        if isinstance(item, Exception):
            raise item
        return item


def run(clock, fetch, **options):
    options.setdefault("timeout", 100)
    options.setdefault("sleep", 10)
    return wait_until(fetch, done=lambda state: state == "RUNNING", monotonic=clock.monotonic, sleeper=clock.sleep, **options)


def transient(status=503):
    return ApiError("get cluster", "GET", "/provisioning/v1/x", status=status, body={"message": "busy"})


def test_returns_the_state_and_elapsed_time_once_done():
    clock = FakeClock()
    fetch = Script(clock, "PROVISIONING", "PROVISIONING", "RUNNING")
    assert run(clock, fetch) == ("RUNNING", 20.0)
    assert clock.sleeps == [10, 10]


def test_done_at_once_does_not_sleep():
    clock = FakeClock()
    assert run(clock, Script(clock, "RUNNING")) == ("RUNNING", 0.0)
    assert clock.sleeps == []


def test_a_failed_state_raises_operation_failed_with_the_state():
    clock = FakeClock()
    fetch = Script(clock, "PROVISIONING", "FAILED")
    with pytest.raises(OperationFailed) as caught:
        run(clock, fetch, failed=lambda state: "the cluster is FAILED" if state == "FAILED" else None)
    assert str(caught.value) == "the cluster is FAILED"
    assert caught.value.details == {"last_seen": "FAILED", "elapsed": 10.0}


def test_timeout_carries_the_last_state_and_the_elapsed_time_and_never_overshoots():
    clock = FakeClock()
    fetch = Script(clock, "PROVISIONING")
    with pytest.raises(WaitTimeout) as caught:
        run(clock, fetch, timeout=25, sleep=10, describe=lambda state: "status %s" % state, waiting_for="the cluster to be RUNNING")
    assert clock.sleeps == [10, 10, 5]  # the last sleep is cut to the time left
    assert fetch.calls == 4  # including one last look at the deadline
    assert caught.value.last_seen == "PROVISIONING"
    assert caught.value.elapsed == 25
    assert str(caught.value) == "timed out after 25 s waiting for the cluster to be RUNNING; last seen: status PROVISIONING"


def test_a_timeout_shorter_than_one_sleep_sleeps_only_the_remaining_time():
    clock = FakeClock()
    with pytest.raises(WaitTimeout):
        run(clock, Script(clock, "PROVISIONING"), timeout=0.5, sleep=30)
    assert clock.sleeps == [0.5]


def test_slow_fetches_count_against_the_timeout():
    clock = FakeClock()
    fetch = Script(clock, "PROVISIONING", fetch_seconds=8)
    with pytest.raises(WaitTimeout) as caught:
        run(clock, fetch, timeout=30, sleep=10)
    assert caught.value.elapsed >= 30
    assert sum(clock.sleeps) + 8 * fetch.calls == pytest.approx(caught.value.elapsed)


@pytest.mark.parametrize("error", [transient(503), transient(429), transient(500),
                                   ApiError("get cluster", "GET", "/p", status=None, reason="connection lost")])
def test_transient_api_errors_are_tolerated_while_time_remains(error):
    clock = FakeClock()
    fetch = Script(clock, "PROVISIONING", error, error, "RUNNING")
    assert run(clock, fetch)[0] == "RUNNING"
    assert fetch.calls == 4


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_other_api_errors_propagate_at_once(status):
    clock = FakeClock()
    error = transient(status)
    fetch = Script(clock, "PROVISIONING", error)
    with pytest.raises(ApiError) as caught:
        run(clock, fetch)
    assert caught.value is error
    assert fetch.calls == 2


def test_a_timeout_during_errors_names_the_last_state_and_the_last_error():
    clock = FakeClock()
    fetch = Script(clock, "PROVISIONING", transient(503))
    with pytest.raises(WaitTimeout) as caught:
        run(clock, fetch, timeout=30, sleep=10)
    assert caught.value.last_seen == "PROVISIONING"
    assert "last seen: 'PROVISIONING'" in str(caught.value)
    assert "the last poll failed: get cluster failed: HTTP 503: busy" in str(caught.value)


def test_a_timeout_without_any_successful_poll_says_so():
    clock = FakeClock()
    with pytest.raises(WaitTimeout) as caught:
        run(clock, Script(clock, transient(502)), timeout=20, sleep=10)
    assert caught.value.last_seen is None
    assert "no poll succeeded" in str(caught.value)
    assert "HTTP 502" in str(caught.value)


def test_an_error_followed_by_a_state_forgets_the_error():
    clock = FakeClock()
    with pytest.raises(WaitTimeout) as caught:
        run(clock, Script(clock, transient(502), "PROVISIONING"), timeout=20, sleep=10)
    assert "failed" not in str(caught.value)


@pytest.mark.parametrize("wait_sleep, loopback, expected", [
    (0.1, True, 0.1), (0.1, False, POLL_FLOOR_SECONDS), (2.5, False, 2.5), (30, False, 30), (30, True, 30),
])
def test_poll_interval_has_a_floor_for_remote_hosts_only(wait_sleep, loopback, expected):
    assert poll_interval(wait_sleep, loopback) == expected
    assert POLL_FLOOR_SECONDS == 2.5


def test_many_waits_advance_round_robin_and_one_ending_never_ends_another():
    from ansible_collections.restorekit.instaclustr.plugins.module_utils._waiter import Wait, wait_many
    clock = FakeClock()
    order = []

    def counting(name, states):
        states = list(states)

        def fetch():
            order.append(name)
            return states.pop(0) if len(states) > 1 else states[0]
        return fetch

    quick = Wait(counting("quick", ["busy", "ok"]), lambda state: state == "ok", timeout=100)
    broken = Wait(counting("broken", ["busy", "bad"]), lambda state: state == "ok",
                  failed=lambda state: "went bad" if state == "bad" else None, timeout=100)
    slow = Wait(counting("slow", ["busy"]), lambda state: state == "ok", timeout=25, waiting_for="the slow one")
    assert wait_many([quick, broken, slow], sleep=10, monotonic=clock.monotonic, sleeper=clock.sleep) == [quick, broken, slow]
    # each polled in turn, the same interval apart, from one loop
    assert order[:6] == ["quick", "broken", "slow", "quick", "broken", "slow"]
    assert quick.outcome() == ("ok", 10.0) and quick.polls == 2
    with pytest.raises(OperationFailed, match="went bad"):
        broken.outcome()
    with pytest.raises(WaitTimeout, match="timed out after 25 s waiting for the slow one"):
        slow.outcome()
    # the slow one kept its own interval and its last poll at its own deadline: 0, 10, 20, 25
    assert slow.polls == 4 and slow.elapsed == 25.0
    assert clock.sleeps == [10.0, 10.0, 5.0]


def test_many_waits_keep_the_rules_of_one_wait_a_transient_error_is_tolerated_another_ends_only_its_wait():
    from ansible_collections.restorekit.instaclustr.plugins.module_utils._waiter import Wait, wait_many
    clock = FakeClock()
    busy = Script(clock, transient(503), "ok")
    final = Script(clock, transient(403))
    tolerant = Wait(busy, lambda state: state == "ok", timeout=60)
    refused = Wait(final, lambda state: state == "ok", timeout=60)
    wait_many([tolerant, refused], sleep=5, monotonic=clock.monotonic, sleeper=clock.sleep)
    assert tolerant.outcome()[0] == "ok"
    with pytest.raises(ApiError) as error:
        refused.outcome()
    assert error.value.status == 403 and refused.polls == 1
