"""Everything one emulator process holds, and how to put it back to the scenario's start."""

import dataclasses

from tests.emulator.clock import SimClock
from tests.emulator.faults import FaultBook
from tests.emulator.ratelimit import SlidingWindowLimiter
from tests.emulator.requestlog import RequestLog
from tests.emulator.world import World


class Runtime:
    def __init__(self, settings, data_plane_dir=None):
        self.initial_settings = dataclasses.replace(settings)
        self.settings = settings
        self.clock = SimClock(settings.time_scale)
        self.world = World(settings, self.clock)
        self.data_plane = None
        if settings.data_plane:
            from tests.emulator.data_plane import DataPlane  # engines and their folders only when asked for

            self.data_plane = DataPlane(self.world, self.clock, workdir=data_plane_dir)
            self.world.data_plane = self.data_plane
            try:
                self.data_plane.start()
            except BaseException:
                self.close()
                raise
        self.faults = FaultBook()
        self.limiter = SlidingWindowLimiter()  # v1 paths
        self.limiter_v2 = SlidingWindowLimiter()  # v2 paths: a window of their own
        self.log = RequestLog()

    def reset(self):
        """Back to the scenario's start: settings, clock, world, faults, outcomes, log, rate window."""
        for name, value in dataclasses.asdict(self.initial_settings).items():
            setattr(self.settings, name, value)
        self.clock.restart(self.settings.time_scale)
        self.world.reset()
        if self.data_plane is not None:
            self.data_plane.reset()
        self.faults.clear()
        self.limiter.reset()
        self.limiter_v2.reset()
        self.log.clear()

    def now_ms(self):
        return self.clock.now_ms()

    def advance(self, seconds):
        """Move the simulated clock; the data plane takes the copies of the backups passed over."""
        self.clock.advance(seconds)
        if self.data_plane is not None:
            self.data_plane.catch_up()

    def close(self):
        """Stop every engine and listener, and give the address block back (idempotent)."""
        if self.data_plane is not None:
            self.data_plane.close()
        self.world.addresses.close()
