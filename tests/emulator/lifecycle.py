"""Status over simulated time for the two long operations a cluster can be in: a restore that
built it, and a deletion. Nothing runs in the background: each request derives the state from
the simulated time it sees.
"""

from dataclasses import dataclass, field

from tests.emulator.history import COMPLETED, FAILED, RESTORE, Event, active

RUNNING = "RUNNING"
PROVISIONING = "PROVISIONING"
RESTORING = "RESTORING"
DEFERRED = "DEFERRED"
DELETING = "DELETING"
RESTORE_OUTCOMES = (RUNNING, FAILED, DEFERRED)

PROVISIONING_SHARE = 0.25  # first quarter of the restore duration: machines being provisioned
LAST_NODES_SHARE = 0.10  # nodes reach RUNNING one after another during the last tenth


@dataclass
class RestoreJob:
    """A restore into a new cluster: PROVISIONING, then RESTORING, then the outcome."""

    requested_ms: int
    duration_ms: int
    outcome: str = RUNNING
    request: dict = field(default_factory=dict)
    data_outcome: str = "complete"  # next_restore_data when it was requested: complete, empty or latest

    @property
    def restoring_from(self):
        return self.requested_ms + int(self.duration_ms * PROVISIONING_SHARE)

    @property
    def ends_ms(self):
        return self.requested_ms + self.duration_ms

    def node_done_at(self, index, count):
        """When node ``index`` of ``count`` leaves RESTORING (the last one at the full duration)."""
        if self.outcome != RUNNING:
            return self.ends_ms
        share = 1.0 - LAST_NODES_SHARE * (count - 1 - index) / float(count)
        return self.requested_ms + int(self.duration_ms * share)

    def node_status(self, index, count, now):
        if now < self.restoring_from:
            return PROVISIONING
        if self.outcome == DEFERRED:
            return DEFERRED
        if now < self.node_done_at(index, count):
            return RESTORING
        return self.outcome

    def node_event(self, index, count, now):
        """The node's ``cassandra-restore`` event, once RESTORING has begun (none when DEFERRED)."""
        if self.outcome == DEFERRED or now < self.restoring_from:
            return None
        start = self.restoring_from
        done = self.node_done_at(index, count)
        if now < done:
            return active(RESTORE, start, done - start, now)
        state = COMPLETED if self.outcome == RUNNING else FAILED
        progress = 1.0 if state == COMPLETED else 0.5
        return Event(RESTORE, state, progress, start, done)

    def running_from(self):
        """When the whole cluster is RUNNING, or None when it never will be."""
        return self.ends_ms if self.outcome == RUNNING else None


@dataclass
class Deletion:
    """An accepted DELETE: DELETING for ``duration_ms``, then gone."""

    requested_ms: int
    duration_ms: int

    def is_gone(self, now):
        return now >= self.requested_ms + self.duration_ms


def cluster_status(node_statuses):
    """A cluster's status from its nodes': the least advanced one wins."""
    for status in (DELETING, FAILED, DEFERRED, PROVISIONING, RESTORING):
        if status in node_statuses:
            return status
    return RUNNING
