# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
#
# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""What waiting for one cluster's operation means: a backup every node completed, a restored cluster RUNNING, a
deleted cluster gone.

Each function returns a ``_waiter.Wait`` (its read, when it is done, when it failed, how to describe it), so that a
module waiting for its own operation (``cluster_backup``, ``cluster_restore``) and ``cluster_wait``, which waits for
many clusters' operations from one process (``_waiter.wait_many``), wait by the same rules and the same reads.
"""

from __future__ import annotations

from ansible_collections.restorekit.instaclustr.plugins.module_utils import _coverage
from ansible_collections.restorekit.instaclustr.plugins.module_utils._clock import timestamp_pair
from ansible_collections.restorekit.instaclustr.plugins.module_utils._waiter import Wait

RUNNING = "RUNNING"
DEFERRED = "DEFERRED"
DELETING = "DELETING"
DELETED = "DELETED"
# Clusters with these statuses are on their way out: they neither block a name nor need deleting.
GONE_OR_GOING = (DELETING, DELETED)
# A restored cluster in one of these will never become RUNNING by waiting.
DEAD_END = ("FAILED", DELETING, DELETED)
# After an accepted DELETE, how long a cluster may stay neither DELETING nor gone before we call it a
# two-factor delete waiting for its confirmation (capped by the wait's timeout).
TWO_FACTOR_GRACE_SECONDS = 120


def node_statuses(cluster):
    return [node.get("status") for data_centre in cluster["data_centres"] for node in data_centre["nodes"]]


def describe_cluster(cluster):
    """``status PROVISIONING; nodes: 2 RUNNING, 1 RESTORING`` (or ``not found``) for waits and failures."""
    if cluster is None:
        return "not found (HTTP 404)"
    counts = {}
    for status in node_statuses(cluster):
        status = str(status)  # a malformed answer may carry any JSON value here
        counts[status] = counts.get(status, 0) + 1
    nodes = ", ".join("%d %s" % (count, status) for status, count in sorted(counts.items(), key=str)) or "none listed"
    return "status %s; nodes: %s" % (cluster["status"], nodes)


def backup_completion(backend, cluster_id, since_ms, timeout, every_node=True):
    """The backup made of the snapshot uploads started since ``since_ms``, until every node completed it.

    The state is a ``_coverage.BackupRound``; a node whose snapshot FAILED fails the wait."""
    types = backend.app.backup_event_types

    def fetch():
        return _coverage.BackupRound.started_since(backend.list_backup_events(cluster_id), since_ms, every_node, types)

    def failed(round_):
        if round_.failed_nodes:
            return "the backup of cluster %s FAILED on node(s) %s (last seen: %s)" % (
                cluster_id, ", ".join(round_.failed_nodes), round_.describe())
        return None

    return Wait(fetch, lambda round_: round_.state == _coverage.COMPLETED, failed=failed, timeout=timeout,
                describe=lambda round_: round_.describe(), waiting_for="the backup of cluster %s" % cluster_id)


def backup_since_ms(started):
    """Where a backup started by ``cluster_backup`` (its result, ``wait: false``) is to be followed from, or None.

    The trigger's server time (less the skew the module allows), else the earliest upload of the backup it followed."""
    if started.get("triggered_at_ms") is not None:
        return started["triggered_at_ms"] - _coverage.TRIGGER_SKEW_MS
    backup = started.get("backup") or {}
    if backup.get("started_at_ms") is not None:
        return backup["started_at_ms"] - _coverage.TRIGGER_SKEW_MS
    return None


def restore_running(backend, restored_id, timeout, now_ms, seen):
    """The restored cluster and all its nodes RUNNING; DEFERRED, FAILED, DELETING or deleted fails the wait.

    ``seen`` (a dict) is kept up to date: ``cluster`` (the last read) and ``last_not_running_at_ms`` (``now_ms()`` at the
    last read that found it not RUNNING: it became RUNNING after that)."""
    found = []

    def done(cluster):
        return cluster is not None and cluster["status"] == RUNNING and all(status == RUNNING for status in node_statuses(cluster))

    def fetch():
        cluster = backend.get_cluster(restored_id)
        seen["cluster"] = cluster
        if cluster is not None:
            found.append(True)
            if not done(cluster):
                seen["last_not_running_at_ms"] = now_ms()
        return cluster

    def failed(cluster):
        if cluster is None:
            return "the restored cluster %s was deleted while waiting (HTTP 404)" % restored_id if found else None
        statuses = [cluster["status"]] + [dc.get("status") for dc in cluster["data_centres"]] + node_statuses(cluster)
        if DEFERRED in statuses:
            return ("the restored cluster %s is DEFERRED: the provider could not provision it and Instaclustr support must act "
                    "(contact support; waiting will not help; %s)" % (restored_id, describe_cluster(cluster)))
        dead = [status for status in DEAD_END if status == cluster["status"] or status in node_statuses(cluster)]
        if dead:
            return "the restored cluster %s is %s (%s)" % (restored_id, dead[0], describe_cluster(cluster))
        return None

    return Wait(fetch, done, failed=failed, timeout=timeout, describe=describe_cluster,
                waiting_for="the restored cluster %s and all its nodes to be RUNNING" % restored_id)


class Deletion:
    """A cluster whose deletion was sent, until GET answers 404 (or DELETED).

    When this run's DELETE was accepted (``accepted_by_us``), a cluster still neither DELETING nor gone after the
    two-factor grace (``TWO_FACTOR_GRACE_SECONDS``, capped by ``timeout``) fails the wait: the deletion waits for a
    two-factor confirmation. ``failure_message(error)`` is the message a failed or timed-out wait ends with."""

    def __init__(self, backend, cluster_id, timeout, accepted_by_us, monotonic):
        self.cluster_id = cluster_id
        self.accepted_by_us = accepted_by_us
        self.monotonic = monotonic
        self.grace = min(timeout, TWO_FACTOR_GRACE_SECONDS)
        self.started = monotonic()
        self.wait = Wait(lambda: backend.get_cluster(cluster_id), lambda cluster: cluster is None or cluster["status"] == DELETED,
                         failed=self._failed, timeout=timeout, describe=describe_cluster,
                         waiting_for="cluster %s to be deleted" % cluster_id)

    def _waits_for_confirmation(self, cluster):
        return self.accepted_by_us and cluster is not None and cluster["status"] not in GONE_OR_GOING

    def two_factor_message(self, cluster):
        return ("the API accepted the deletion of cluster %s but after %g s it is still %s, not DELETING: two-factor delete "
                "is probably enabled and the deletion waits for its confirmation (email or SMS to the account's contacts); "
                "confirm it, then run this task again" % (self.cluster_id, self.monotonic() - self.started, cluster["status"]))

    def _failed(self, cluster):
        if self._waits_for_confirmation(cluster) and self.monotonic() - self.started >= self.grace:
            return self.two_factor_message(cluster)
        return None

    def timeout_message(self, timeout):
        """A ``WaitTimeout``'s message: the two-factor one when the cluster never started DELETING."""
        if self._waits_for_confirmation(timeout.last_seen):
            return self.two_factor_message(timeout.last_seen)
        return str(timeout)


def record_restore_seen(result, seen):
    """Into a restore's ``result``: the cluster its wait last read and, when known, when it was last seen not RUNNING
    (which bounds when it became RUNNING)."""
    result["cluster"] = seen["cluster"]
    if seen["last_not_running_at_ms"] is not None:
        result.update(timestamp_pair("last_not_running_at", seen["last_not_running_at_ms"]))


def record_restore_running(result, running_at_ms):
    """Into a restore's ``result``: when it was seen RUNNING, and the restore's duration from its request."""
    result.update(timestamp_pair("running_at", running_at_ms))
    if result.get("requested_at_ms") is not None:
        result["duration_seconds"] = (running_at_ms - result["requested_at_ms"]) / 1000.0
