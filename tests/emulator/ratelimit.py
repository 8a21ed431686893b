"""Per-user request limit: more than 35 requests in any sliding one-second window of REAL time
answers 429 (the simulated clock does not matter here: the real API counts real requests).
"""

import threading
import time
from collections import defaultdict, deque

LIMIT = 35
WINDOW_SECONDS = 1.0


class SlidingWindowLimiter:
    def __init__(self, limit=LIMIT, window=WINDOW_SECONDS, monotonic=time.monotonic):
        self.limit = limit
        self.window = window
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._seen = defaultdict(deque)

    def allow(self, user, limit=None):
        """Count one request of ``user`` (rejected ones count too); False when over the limit
        (``limit``, else the limiter's own)."""
        now = self._monotonic()
        with self._lock:
            seen = self._seen[user]
            while seen and seen[0] <= now - self.window:
                seen.popleft()
            seen.append(now)
            return len(seen) <= (self.limit if limit is None else limit)

    def reset(self):
        with self._lock:
            self._seen.clear()
