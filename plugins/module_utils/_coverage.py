# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
#
# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""What a cluster's backup events say: restorable instants, freshness, backups in progress, topology.

Pure functions over the snake_case shape of GET backups (``_shapes.backup_events``). Each node's
events are read once (``NodeBackups``), so 100 nodes with seven days of commit logs (about 200,000
events) stay fast; everything after that works on one record per node. ``scan_listing`` reads the
raw payload instead, in the same single pass that picks the events a listing returns, so the
events nobody returns are never shaped (cluster_backup_info); the events it reads carry the same
``type``, ``state``, ``start`` and ``end`` in both shapes, so the records are the same.

The model (from the API text, see docs/architecture.md):

* a node *exists* from its first event in the 7-day window;
* a node is *covered* from the end of its first completed ``snapshot-upload`` up to its newest
  restorable instant: the end of its latest completed snapshot or, when a completed
  ``commitlog-upload`` ended after it, the end of the newest such commit log;
* an instant is *restorable* when every node that exists at that instant is covered at it.

That model is Cassandra's (``restorable_range=True``). For an application where the API does not
establish which events make an instant restorable (PostgreSQL, OpenSearch), nothing is guessed:
``summarize(..., restorable_range=False)`` reports the events and what they prove, each node's
latest completed backup (an event of one of ``backup_types``), and leaves the restorable range
null. Event types the collection does not know are listed, never counted as backups.
"""

from __future__ import annotations

import math

from ansible_collections.restorekit.instaclustr.plugins.module_utils import _shapes
from ansible_collections.restorekit.instaclustr.plugins.module_utils._clock import timestamp_pair

SNAPSHOT = "snapshot-upload"
COMMIT_LOG = "commitlog-upload"
# Every event type the collection knows the meaning of; others are reported as unknown.
KNOWN_EVENT_TYPES = frozenset((SNAPSHOT, COMMIT_LOG, "cassandra-restore", "postgresql-backup"))
# Cassandra's: what counts as a backup when the caller does not say.
DEFAULT_BACKUP_TYPES = (SNAPSHOT,)
ACTIVE = "ACTIVE"
COMPLETED = "COMPLETED"
FAILED = "FAILED"

# Events a backup trigger starts may carry a start a little before the "now" we read from the
# server's Date header (1 s resolution, network latency): follow those too.
TRIGGER_SKEW_MS = 5000


# Event times outside 1970..9999 cannot be shown as ISO 8601: treat them like a missing time.
LATEST_MS = 253402300799999
_NEVER = LATEST_MS + 1  # later than any event time: "not seen yet" in NodeBackups.scan_events


def epoch_ms(value):
    """An event time as int milliseconds, or None for null, a value of the wrong type or out of range."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return int(value) if 0 <= value <= LATEST_MS else None


def iter_nodes(backups):
    """``(data_centre, node)`` for every node of a ``_shapes.backup_events`` result."""
    for data_centre in backups.get("data_centres") or ():
        for node in data_centre.get("nodes") or ():
            yield data_centre, node


class NodeBackups:
    """Everything the summary needs about one node, read in one pass over its events."""

    __slots__ = ("node_id", "data_centre_id", "first_seen_ms", "first_snapshot_end_ms", "latest_snapshot",
                 "latest_snapshot_end_ms", "newest_commit_log_end_ms", "active", "failed", "backup_types", "unknown_types")

    def __init__(self, node_id, data_centre_id, backup_types=DEFAULT_BACKUP_TYPES):
        self.backup_types = tuple(backup_types)
        self.unknown_types = set()
        self.node_id = node_id
        self.data_centre_id = data_centre_id
        self.first_seen_ms = None
        self.first_snapshot_end_ms = None
        self.latest_snapshot = None
        self.latest_snapshot_end_ms = None
        self.newest_commit_log_end_ms = None
        self.active = False
        self.failed = False

    @classmethod
    def scan(cls, data_centre, node, backup_types=DEFAULT_BACKUP_TYPES):
        """``backup_types``: the event types that count as a backup (a "snapshot" below)."""
        record = cls(node.get("id"), data_centre.get("id"), backup_types)
        record.scan_events(node.get("events") or ())
        return record

    def scan_events(self, events, keep=None):
        """Read ``events`` (a list of dicts, as ``_shapes`` gives them) into this record, in one pass.

        With ``keep`` (a predicate, see ``event_filter``) the same pass returns the events it keeps, in
        order; without, None. The loop is written out with locals and takes commit logs (about 96 % of
        a large cluster's events) on a short path: it runs once per event, 200,000 times for 100 nodes.
        """
        kept = [] if keep is not None else None
        keep_all_but_commit_logs = keep is _all_but_commit_logs  # the default filter, decided without a call
        backup_types = self.backup_types
        commit_log_short_path = COMMIT_LOG not in backup_types
        known_types = KNOWN_EVENT_TYPES.union(kind for kind in backup_types if isinstance(kind, str))
        unknown_types = self.unknown_types
        first_seen = _NEVER if self.first_seen_ms is None else self.first_seen_ms
        first_snapshot_end = self.first_snapshot_end_ms
        latest_snapshot_end = self.latest_snapshot_end_ms
        latest_snapshot = self.latest_snapshot
        newest_commit_log_end = self.newest_commit_log_end_ms
        for event in events:
            get = event.get
            start = get("start")
            if start.__class__ is int and 0 <= start <= LATEST_MS:  # the usual case: an int (not a bool) in range
                if start < first_seen:
                    first_seen = start
            else:
                start = epoch_ms(start)
                if start is not None and start < first_seen:
                    first_seen = start
            kind = get("type")
            state = get("state")
            if commit_log_short_path and kind == COMMIT_LOG:
                # The same rules as below for a commit log: it is no backup, and an ACTIVE one says nothing.
                if state == COMPLETED:
                    end = get("end")
                    if end.__class__ is not int or not 0 <= end <= LATEST_MS:
                        end = epoch_ms(end)
                    if end is not None and (newest_commit_log_end is None or end > newest_commit_log_end):
                        newest_commit_log_end = end
                elif state == FAILED:
                    self.failed = True
                if kept is not None and not keep_all_but_commit_logs and keep(event):
                    kept.append(event)
                continue
            if isinstance(kind, str) and kind not in known_types:
                unknown_types.add(kind)
            if state == FAILED:
                self.failed = True
            elif state == ACTIVE and kind != COMMIT_LOG:
                # Commit-log uploads are always running under continuous backup: an ACTIVE one says nothing.
                self.active = True
            elif state == COMPLETED:
                end = get("end")
                if end.__class__ is not int or not 0 <= end <= LATEST_MS:
                    end = epoch_ms(end)
                if end is None:
                    pass
                elif kind in backup_types:
                    if first_snapshot_end is None or end < first_snapshot_end:
                        first_snapshot_end = end
                    if latest_snapshot_end is None or end > latest_snapshot_end:
                        latest_snapshot_end = end
                        latest_snapshot = event
                elif kind == COMMIT_LOG:
                    if newest_commit_log_end is None or end > newest_commit_log_end:
                        newest_commit_log_end = end
            if kept is not None and (keep_all_but_commit_logs or keep(event)):
                kept.append(event)
        self.first_seen_ms = None if first_seen == _NEVER else first_seen
        self.first_snapshot_end_ms = first_snapshot_end
        self.latest_snapshot_end_ms = latest_snapshot_end
        self.latest_snapshot = latest_snapshot
        self.newest_commit_log_end_ms = newest_commit_log_end
        return kept

    @property
    def has_backup(self):
        return self.latest_snapshot_end_ms is not None

    def restorable_until_ms(self, snapshots_only=False):
        """The newest instant this node's backups restore to (None without a completed snapshot)."""
        newest = self.latest_snapshot_end_ms
        if newest is None or snapshots_only:
            return newest
        if self.newest_commit_log_end_ms is not None and self.newest_commit_log_end_ms > newest:
            return self.newest_commit_log_end_ms
        return newest

    def exists_at(self, point_ms):
        return self.first_seen_ms is not None and self.first_seen_ms <= point_ms

    def covers(self, point_ms, snapshots_only=False):
        until = self.restorable_until_ms(snapshots_only)
        return until is not None and self.first_snapshot_end_ms <= point_ms <= until


def scan_nodes(backups, backup_types=DEFAULT_BACKUP_TYPES):
    """One ``NodeBackups`` per node, in the order of the payload."""
    return [NodeBackups.scan(data_centre, node, backup_types) for data_centre, node in iter_nodes(backups)]


def last_backup_on_every_node_ms(nodes):
    """The oldest of the nodes' latest completed backups: every node has a completed backup ending at or
    after it. None without nodes or when a node has none. Proven by the events for any application."""
    ends = [node.latest_snapshot_end_ms for node in nodes]
    if not ends or None in ends:
        return None
    return min(ends)


def uncovered_nodes_at(nodes, point_ms, snapshots_only=False):
    """Ids of the nodes that exist at ``point_ms`` but whose backups do not cover it."""
    return [node.node_id for node in nodes if node.exists_at(point_ms) and not node.covers(point_ms, snapshots_only)]


def restorable_range(nodes, snapshots_only=False):
    """``(restorable_from_ms, restorable_until_ms)``, both None when no instant is restorable.

    The restorable instants form a few intervals: each starts where a node's coverage starts and
    ends where a node's coverage ends or just before a node without coverage appears. So only
    those candidates need checking (a few per node: quadratic in nodes, never in events).
    """
    seen = [node for node in nodes if node.first_seen_ms is not None]
    starts = sorted({node.first_snapshot_end_ms for node in seen if node.has_backup})
    ends = {node.restorable_until_ms(snapshots_only) for node in seen if node.has_backup}
    ends.update(node.first_seen_ms - 1 for node in seen)

    def restorable(point_ms):
        return not uncovered_nodes_at(seen, point_ms, snapshots_only)

    restorable_from = next((point for point in starts if restorable(point)), None)
    if restorable_from is None:
        return None, None
    restorable_until = max((point for point in ends if point >= restorable_from and restorable(point)),
                           default=restorable_from)
    return restorable_from, restorable_until


def summarize(backups, now_ms, max_age_seconds=None, backup_types=DEFAULT_BACKUP_TYPES, restorable_range_known=True):
    """The ``summary`` of cluster_backup_info, computed from all events of ``backups``.

    ``backup_types`` are the event types that count as a backup. With ``restorable_range_known``
    (Cassandra) the restorable range is computed and the age is that of its newest instant; without
    it the range is null and the age is that of the oldest of the nodes' latest completed backups.
    """
    return summarize_nodes(scan_nodes(backups, backup_types), now_ms, max_age_seconds, backup_types, restorable_range_known)


def summarize_nodes(nodes, now_ms, max_age_seconds=None, backup_types=DEFAULT_BACKUP_TYPES, restorable_range_known=True):
    """``summarize`` from the ``NodeBackups`` records already read (``scan_nodes`` or ``scan_listing``)."""
    if restorable_range_known:
        restorable_from, restorable_until = restorable_range(nodes)
        snapshot_until = restorable_range(nodes, snapshots_only=True)[1]
        newest = restorable_until
    else:
        restorable_from = restorable_until = snapshot_until = None
        newest = last_backup_on_every_node_ms(nodes)
    age = None if newest is None else round((now_ms - newest) / 1000.0, 3)
    summary = {
        "backup_event_types": list(backup_types),
        "restorable_range_known": bool(restorable_range_known),
        "unknown_event_types": sorted(set().union(*(node.unknown_types for node in nodes))),
        "node_count": len(nodes),
        "nodes_without_backup": [node.node_id for node in nodes if not node.has_backup],
        "active_nodes": [node.node_id for node in nodes if node.active],
        "failed_nodes": [node.node_id for node in nodes if node.failed],
        "last_backup_age_seconds": age,
        "nodes": [_node_summary(node, restorable_range_known) for node in nodes],
    }
    summary.update(timestamp_pair("restorable_from", restorable_from))
    summary.update(timestamp_pair("restorable_until", restorable_until))
    summary.update(timestamp_pair("snapshot_restorable_until", snapshot_until))
    summary.update(timestamp_pair("last_backup_completed_at", last_backup_on_every_node_ms(nodes)))
    if max_age_seconds is not None:
        summary["max_age_seconds"] = max_age_seconds
        summary["fresh"] = age is not None and age <= max_age_seconds
    return summary


def _node_summary(node, restorable_range_known=True):
    latest = node.latest_snapshot or {}
    result = {"id": node.node_id, "data_centre_id": node.data_centre_id}
    result.update(timestamp_pair("first_seen", node.first_seen_ms))
    result.update(timestamp_pair("latest_snapshot_started_at", epoch_ms(latest.get("start"))))
    result.update(timestamp_pair("latest_snapshot_completed_at", node.latest_snapshot_end_ms))
    result.update(timestamp_pair("restorable_until", node.restorable_until_ms() if restorable_range_known else None))
    return result


def topology_at(backups, point_ms):
    """The data centres a restore to ``point_ms`` recreates: per data centre, the nodes with a
    completed snapshot ending at or before that instant. Data centres without such a node are left out."""
    topology = []
    for data_centre in backups.get("data_centres") or ():
        node_ids = []
        for node in data_centre.get("nodes") or ():
            record = NodeBackups.scan(data_centre, node)
            if record.first_snapshot_end_ms is not None and record.first_snapshot_end_ms <= point_ms:
                node_ids.append(record.node_id)
        if node_ids:
            topology.append({"id": data_centre.get("id"), "name": data_centre.get("name"),
                             "node_count": len(node_ids), "node_ids": node_ids})
    return topology


def event_filter(types=None, states=None, since_ms=None, until_ms=None):
    """The predicate of cluster_backup_info's filters: True for an event the listing returns.

    ``types`` None keeps every type except ``commitlog-upload`` (continuous backup writes one per
    node every 5 minutes: about 2,000 per node in the 7-day window). ``since_ms``/``until_ms``
    bound the event's start.
    """
    if types is None and states is None and since_ms is None and until_ms is None:
        return _all_but_commit_logs
    # Tuples, not sets: a malformed event may carry an unhashable type or state.
    types = None if types is None else tuple(types)
    states = None if states is None else tuple(states)

    def keep(event):
        if types is None:
            if event.get("type") == COMMIT_LOG:
                return False
        elif event.get("type") not in types:
            return False
        if states is not None and event.get("state") not in states:
            return False
        if since_ms is not None or until_ms is not None:
            start = epoch_ms(event.get("start"))
            if start is None or (since_ms is not None and start < since_ms) or (until_ms is not None and start > until_ms):
                return False
        return True

    return keep


def _all_but_commit_logs(event):
    """``event_filter()``, the default: every event but the commit logs."""
    return event.get("type") != COMMIT_LOG


def select_events(backups, types=None, states=None, since_ms=None, until_ms=None, include_events=True):
    """The ``data_centres`` of cluster_backup_info: nodes with only the events the filters keep
    (``event_filter``). ``include_events=False`` leaves the ``events`` lists out."""
    keep = event_filter(types, states, since_ms, until_ms)
    data_centres = []
    for data_centre in backups.get("data_centres") or ():
        nodes = []
        for node in data_centre.get("nodes") or ():
            shown = {"id": node.get("id"), "public_address": node.get("public_address"),
                     "private_address": node.get("private_address")}
            if include_events:
                shown["events"] = [event for event in node.get("events") or () if keep(event)]
            nodes.append(shown)
        data_centres.append({"id": data_centre.get("id"), "name": data_centre.get("name"), "nodes": nodes})
    return data_centres


def scan_listing(payload, backup_types=DEFAULT_BACKUP_TYPES, types=None, states=None, since_ms=None, until_ms=None,
                 include_events=True):
    """GET backups' raw payload read in one pass: ``(listing, nodes)``.

    ``listing`` is ``{id, name, data_centres}`` where ``data_centres`` equals
    ``select_events(_shapes.backup_events(payload), types, states, since_ms, until_ms, include_events)``,
    and ``nodes`` equals ``scan_nodes(_shapes.backup_events(payload), backup_types)`` (feed it to
    ``summarize_nodes``). Only the events returned are shaped. A payload that is not a JSON object
    raises ``_shapes.PayloadError``; pass this as the backend's ``shape``.
    """
    keep = event_filter(types, states, since_ms, until_ms) if include_events else None
    nodes = []

    def node_events(data_centre, node, events):
        record = NodeBackups(node["id"], data_centre["id"], backup_types)
        nodes.append(record)
        return record.scan_events(events, keep)

    return _shapes.backup_listing(payload, node_events), nodes


# ---- one backup across the cluster (cluster_backup) -----------------------------------------------

def _snapshots(node, types=DEFAULT_BACKUP_TYPES):
    return [event for event in node.get("events") or () if event.get("type") in types]


def cluster_wide_backup_starts(backups, types=DEFAULT_BACKUP_TYPES):
    """Per node the start (ms) of its ACTIVE backup event (of ``types``) when EVERY node has one, else None.

    Only then is a backup of the whole cluster in progress (ours or someone else's trigger). The
    scheduled snapshots of a node come round one node after another: an ACTIVE snapshot on some
    nodes is not a backup of the cluster, and waiting for it would make the outcome depend on when
    the task runs. A cluster without nodes has no backup in progress.
    """
    starts = {}
    for _data_centre, node in iter_nodes(backups):
        active = [epoch_ms(event.get("start")) for event in _snapshots(node, types)
                  if event.get("state") == ACTIVE and epoch_ms(event.get("start")) is not None]
        if not active:
            return None
        starts[node.get("id")] = max(active)
    return starts or None


def nodes_without_snapshot_since(backups, since_ms, types=DEFAULT_BACKUP_TYPES):
    """Ids of the nodes with no COMPLETED backup event (of ``types``) ending at or after ``since_ms``."""
    missing = []
    for data_centre, node in iter_nodes(backups):
        record = NodeBackups.scan(data_centre, {"events": _snapshots(node, types)}, types)
        if record.latest_snapshot_end_ms is None or record.latest_snapshot_end_ms < since_ms:
            missing.append(node.get("id"))
    return missing


def _event_seconds(event):
    """A snapshot's own duration (end minus start) in seconds; None without both times."""
    if event is None:
        return None
    start, end = epoch_ms(event.get("start")), epoch_ms(event.get("end"))
    if start is None or end is None:
        return None
    return (end - start) / 1000.0


def _is_fraction(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and abs(value) <= 1e6


class BackupRound:
    """One backup across the cluster: per node the ``snapshot-upload`` event that belongs to it (or None).

    ``state`` is FAILED when any node's event failed, COMPLETED when every node's event completed,
    ACTIVE when some event exists and PENDING when none does yet.
    """

    def __init__(self, nodes):
        self.nodes = nodes  # list of (data_centre_id, node_id, event or None)

    @classmethod
    def started_since(cls, backups, since_ms, every_node=True, types=DEFAULT_BACKUP_TYPES):
        """Per node the earliest snapshot starting at or after ``since_ms``.

        ``every_node=False`` keeps only the nodes that have one (following a backup someone else
        started, which may not cover every node); after our own trigger every node must get one.
        """
        nodes = []
        for data_centre, node in iter_nodes(backups):
            candidates = [event for event in _snapshots(node, types)
                          if epoch_ms(event.get("start")) is not None and epoch_ms(event["start"]) >= since_ms]
            event = min(candidates, key=lambda item: epoch_ms(item["start"])) if candidates else None
            if event is not None or every_node:
                nodes.append((data_centre.get("id"), node.get("id"), event))
        return cls(nodes)

    @classmethod
    def latest_completed(cls, backups, types=DEFAULT_BACKUP_TYPES):
        """Per node its latest completed backup event (the backup a reuse points at)."""
        nodes = []
        for data_centre, node in iter_nodes(backups):
            record = NodeBackups.scan(data_centre, {"events": _snapshots(node, types)}, types)
            nodes.append((data_centre.get("id"), node.get("id"), record.latest_snapshot))
        return cls(nodes)

    def _events(self):
        return [event for _dc, _node, event in self.nodes if event is not None]

    @property
    def failed_nodes(self):
        return [node_id for _dc, node_id, event in self.nodes if event is not None and event.get("state") == FAILED]

    @property
    def state(self):
        events = self._events()
        if self.failed_nodes:
            return FAILED
        if self.nodes and len(events) == len(self.nodes) and all(event.get("state") == COMPLETED for event in events):
            return COMPLETED
        return ACTIVE if events else "PENDING"

    def describe(self):
        """Per node, what was last seen: ``node-id: ACTIVE 40%`` (for timeouts and failures)."""
        parts = []
        for _dc, node_id, event in self.nodes:
            if event is None:
                parts.append("%s: not started" % node_id)
                continue
            progress = event.get("progress")
            shown = " %d%%" % round(progress * 100) if _is_fraction(progress) else ""
            parts.append("%s: %s%s" % (node_id, event.get("state"), shown))
        return ", ".join(parts) if parts else "no nodes"

    def as_result(self, reused=False):
        """The ``backup`` result: ``state``, ``reused``, per-node events with their ``duration_seconds``,
        ``started_at``, ``completed_at`` and ``duration_seconds``.

        ``duration_seconds`` is the span from the earliest start to the latest end of exactly the
        snapshots in ``nodes`` (None until all completed). Per node it is that snapshot's end minus
        its start (None while it runs). A reused backup's snapshots may be hours apart.
        """
        events = self._events()
        starts = [epoch_ms(event.get("start")) for event in events]
        ends = [epoch_ms(event.get("end")) for event in events]
        started_ms = min((start for start in starts if start is not None), default=None)
        state = self.state
        completed_ms = None
        if state == COMPLETED and ends and None not in ends:
            completed_ms = max(ends)
        result = {
            "state": state,
            "reused": bool(reused),
            "nodes": [{"id": node_id, "data_centre_id": dc_id, "event": event, "duration_seconds": _event_seconds(event)}
                      for dc_id, node_id, event in self.nodes],
            "duration_seconds": None if completed_ms is None or started_ms is None else (completed_ms - started_ms) / 1000.0,
        }
        result.update(timestamp_pair("started_at", started_ms))
        result.update(timestamp_pair("completed_at", completed_ms))
        return result
