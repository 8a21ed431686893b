"""Backup events computed arithmetically from schedules, so seven days of history for a
100-node cluster (about 200,000 events) cost a few list comprehensions, not stored rows.

An event is a tuple ``(type, state, progress, start_ms, end_ms)``; ``end_ms`` is None while ACTIVE.
"""

from collections import namedtuple
from dataclasses import dataclass

SNAPSHOT = "snapshot-upload"
COMMITLOG = "commitlog-upload"
RESTORE = "cassandra-restore"

ACTIVE = "ACTIVE"
COMPLETED = "COMPLETED"
FAILED = "FAILED"

MINUTE_MS = 60 * 1000
HOUR_MS = 60 * MINUTE_MS
DAY_MS = 24 * HOUR_MS
WINDOW_MS = 7 * DAY_MS  # GET backups shows the last 7 days

Event = namedtuple("Event", "type state progress start end")


def active(kind, start, duration, now):
    """An ACTIVE event whose progress grows linearly with simulated time."""
    progress = min(max((now - start) / float(duration), 0.0), 0.999)
    return Event(kind, ACTIVE, round(progress, 4), start, None)


def periodic_events(kind, anchor, every, duration, lo, now):
    """Events of a series starting at ``anchor + j * every`` (j >= 0) with ``lo <= start <= now``."""
    if now < anchor:
        return []
    first = max(0, -(-(lo - anchor) // every))
    last = (now - anchor) // every
    starts = range(anchor + first * every, anchor + last * every + 1, every)
    events = [Event(kind, COMPLETED, 1.0, start, start + duration) for start in starts]
    # Only the newest event can still be running, since every series has duration < every.
    if events and events[-1].end > now:
        events[-1] = active(kind, events[-1].start, duration, now)
    return events


@dataclass(frozen=True)
class BackupSchedule:
    """How the backup service backs a node up: periodic snapshots, and commit logs when continuous."""

    snapshot_every_ms: int
    snapshot_duration_ms: int
    commitlog_every_ms: int = 0  # 0: no continuous backup
    commitlog_duration_ms: int = 30 * 1000

    @property
    def continuous(self):
        return self.commitlog_every_ms > 0

    def events(self, anchor, commitlog_offset, lo, now):
        """The node's scheduled events in the window; its first snapshot starts at ``anchor``."""
        events = periodic_events(SNAPSHOT, anchor, self.snapshot_every_ms, self.snapshot_duration_ms, lo, now)
        if self.continuous:
            events += periodic_events(
                COMMITLOG, anchor + commitlog_offset, self.commitlog_every_ms, self.commitlog_duration_ms, lo, now
            )
        return events

    def latest_snapshot_end(self, anchor, lo, at, now):
        """End of the newest snapshot COMPLETED at or before ``at`` that started within the window."""
        limit = min(at, now) - self.snapshot_duration_ms - anchor
        if limit < 0:
            return None
        start = anchor + (limit // self.snapshot_every_ms) * self.snapshot_every_ms
        if start < lo:
            return None
        return start + self.snapshot_duration_ms


CONTINUOUS = BackupSchedule(3 * HOUR_MS, 12 * MINUTE_MS, commitlog_every_ms=5 * MINUTE_MS)
DAILY = BackupSchedule(DAY_MS, 25 * MINUTE_MS)


@dataclass
class TriggeredBackup:
    """A backup started through POST backups: one snapshot-upload per node, slightly staggered."""

    STAGGER_MS = 2000

    start_ms: int
    duration_ms: int
    node_ids: tuple
    failing_node_ids: frozenset

    def node_start(self, node_id):
        return self.start_ms + self.node_ids.index(node_id) * self.STAGGER_MS

    def event(self, node_id, now):
        """The node's event at ``now``, or None before it starts. A failing node fails half way."""
        if node_id not in self.node_ids:
            return None
        start = self.node_start(node_id)
        if now < start:
            return None
        if node_id in self.failing_node_ids:
            failed_at = start + self.duration_ms // 2
            if now >= failed_at:
                return Event(SNAPSHOT, FAILED, 0.5, start, failed_at)
        elif now >= start + self.duration_ms:
            return Event(SNAPSHOT, COMPLETED, 1.0, start, start + self.duration_ms)
        return active(SNAPSHOT, start, self.duration_ms, now)

    def completed_end(self, node_id, lo, at, now):
        """End of this backup's snapshot on the node if it COMPLETED at or before ``at`` in the window."""
        event = self.event(node_id, now)
        if event is None or event.state != COMPLETED or event.start < lo or event.end > at:
            return None
        return event.end
