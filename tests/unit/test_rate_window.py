"""tests/support/rate_window.py: the busiest sliding second of a request log, counted as the emulator's limiter counts."""

from tests.emulator.ratelimit import SlidingWindowLimiter
from tests.support.rate_window import api_times_ms, busiest_window


def test_a_window_is_half_open_as_the_limiter_counts():
    assert busiest_window([0, 999, 1000]) == 2  # 0 has left the window ending at 1000
    assert busiest_window([0, 1, 2, 999]) == 4
    assert busiest_window([]) == 0


def test_it_agrees_with_the_emulators_limiter():
    times_ms = [0, 10, 20, 500, 990, 1000, 1005, 1010, 1990, 2000, 2001, 2500]
    limit = busiest_window(times_ms) - 1
    clock = {"now": 0.0}
    limiter = SlidingWindowLimiter(limit=limit, monotonic=lambda: clock["now"])
    refused = 0
    for time_ms in times_ms:
        clock["now"] = time_ms / 1000.0
        refused += not limiter.allow("demo")
    assert refused >= 1  # one fewer than the busiest window is refused somewhere ...
    limiter = SlidingWindowLimiter(limit=limit + 1, monotonic=lambda: clock["now"])
    for time_ms in times_ms:
        clock["now"] = time_ms / 1000.0
        assert limiter.allow("demo")  # ... and the busiest window itself never is


def test_api_times_of_one_user():
    log = [{"time_ms": 1, "user": "a"}, {"time_ms": 2, "user": "b"}]
    assert api_times_ms(log) == [1, 2] and api_times_ms(log, user="b") == [2]
