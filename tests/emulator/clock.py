"""The simulated clock every time-based rule of the emulator reads.

sim now = real time at start + elapsed real time x time scale + jumps made through the admin API.
"""

import threading
import time
from datetime import datetime, timezone
from email.utils import format_datetime


class SimClock:
    """Simulated wall clock in epoch milliseconds; thread safe."""

    def __init__(self, time_scale=1.0, wall=time.time, monotonic=time.monotonic):
        self._wall = wall
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self.restart(time_scale)

    def restart(self, time_scale):
        """Start again from the real time now, with no jumps."""
        with self._lock:
            self._base_ms = self._wall() * 1000.0
            self._mono_start = self._monotonic()
            self._scale = float(time_scale)

    @property
    def time_scale(self):
        return self._scale

    def now_ms(self):
        with self._lock:
            return self._now_ms_locked()

    def _now_ms_locked(self):
        elapsed = self._monotonic() - self._mono_start
        return int(self._base_ms + elapsed * 1000.0 * self._scale)

    def advance(self, seconds):
        """Jump forward by ``seconds`` of simulated time."""
        with self._lock:
            self._base_ms += float(seconds) * 1000.0

    def set_time_scale(self, time_scale):
        """Change the speed from now on, without moving the current simulated time."""
        with self._lock:
            self._base_ms = float(self._now_ms_locked())
            self._mono_start = self._monotonic()
            self._scale = float(time_scale)


def iso_ms(ms):
    """Epoch milliseconds as ``2026-11-20T10:00:00.000Z``."""
    moment = datetime.fromtimestamp(ms / 1000.0, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ms % 1000)


def http_date(ms):
    """Epoch milliseconds in the RFC 7231 format of the ``Date`` header."""
    return format_datetime(datetime.fromtimestamp(ms // 1000, tz=timezone.utc), usegmt=True)
