"""How the API counts a rate: the most requests of one user in any sliding window, from the emulator's log.

The emulator's limiter counts a request against the requests of the last second before it, window
``(t - 1 s, t]``; ``busiest_window`` finds the largest such count over a log, so tests and benchmarks can
show that clients stayed within a limit as the API would see it (with ``time_scale`` 1 and no jumps,
``time_ms`` moves with real time).
"""


def busiest_window(times_ms, window_ms=1000):
    """The largest number of ``times_ms`` in one half-open window ``(t - window_ms, t]``."""
    times = sorted(times_ms)
    best = 0
    first = 0
    for last, time_ms in enumerate(times):
        while times[first] <= time_ms - window_ms:
            first += 1
        best = max(best, last - first + 1)
    return best


def api_times_ms(entries, user=None):
    """The ``time_ms`` of every API request in an emulator log (of ``user`` when given)."""
    return [entry["time_ms"] for entry in entries if user is None or entry.get("user") == user]
