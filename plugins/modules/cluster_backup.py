#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: cluster_backup
short_description: Back up an Instaclustr cluster on every node, or reuse or follow a recent backup
version_added: 0.1.0
description:
  - Triggers a backup of an Instaclustr managed Apache Cassandra cluster on every node
    (on O(api_version=v1) C(POST /provisioning/v1/{clusterId}/backups), on O(api_version=v2)
    C(POST /cluster-management/v2/operations/applications/{cassandra|postgres|opensearch|redis}/clusters/v2/{clusterId}/trigger-backup/v2)
    after O(application)) and, with O(wait=true), follows it until every node's backup event has completed
    (C(snapshot-upload); C(postgresql-backup) or C(snapshot-upload) for PostgreSQL and OpenSearch).
  - Idempotent, counting C(snapshot-upload) events only (under continuous backup, commit-log uploads always run).
    The decision, in this order. O(force=true) always triggers. When B(every) node of the cluster has an ACTIVE snapshot
    upload (a backup of the whole cluster is in progress), the module follows that backup instead of triggering one.
    When every node has a completed snapshot that ended within O(reuse_within), it reuses that backup. Otherwise it
    triggers a backup.
  - An ACTIVE snapshot on some nodes only (the scheduled snapshots come round node by node) is not a backup of the
    cluster, so the module triggers one, as asked; waiting for the schedule would make the outcome depend on when the
    task runs. The answer to that trigger is read as for any trigger (204 means started on every node, 503 means the
    backup capability is not available). What the real API does with a trigger that arrives while a node's snapshot
    is ACTIVE is not documented and has not been verified.
  - A manual backup makes every node flush its memtables at the same moment, which may briefly affect performance.
  - The API returns no backup id. The module follows the snapshot uploads that started at or after the trigger
    time, read from the API server's clock (with a few seconds' allowance for clock resolution).
  - If the trigger request fails in a way that leaves its outcome unknown (a timeout or a lost connection after the
    request was sent, a 5xx), the module never sends it again. It re-reads the events and follows the backup when new
    snapshot uploads appeared; otherwise it fails saying that the outcome is unknown.
author:
  - restorekit maintainers (@restorekit)
extends_documentation_fragment:
  - restorekit.instaclustr.api
  - restorekit.instaclustr.wait
  - restorekit.instaclustr.attributes
attributes:
  check_mode:
    support: full
    details:
      - In check mode the module reads the events and says whether it would trigger a backup; it sends no trigger
        and does not wait.
  diff_mode:
    support: none
options:
  cluster_id:
    description:
      - The id (a UUID) of the cluster to back up.
    type: str
    required: true
  reuse_within:
    description:
      - Do not trigger a backup when every node has a completed snapshot upload that ended less than this long ago;
        return that backup instead (RV(triggered=false)).
      - A number of seconds or a string with a unit C(s), C(m), C(h) or C(d), such as V(6h).
      - When not set, a backup is triggered unless one is running.
    type: raw
  force:
    description:
      - Trigger a backup even when a backup of every node is running or a recent one could be reused.
    type: bool
    default: false
  wait:
    description:
      - Wait until the snapshot upload of every node has completed.
      - With V(false) the module returns once the backup is triggered, with the progress seen then.
    default: true
  wait_timeout:
    default: 3600
  wait_sleep:
    default: 30
notes:
  - O(application=redis) - the API lists no Redis backups, so a Redis backup can be triggered but not followed, and a
    running or recent one cannot be seen. With O(wait=true) (the default) or O(reuse_within) the module fails before
    sending anything; with O(wait=false) it triggers a backup on every run (O(force) changes nothing), returns
    RV(triggered=true) and RV(backup.state=UNKNOWN), and warns that completion cannot be confirmed.
  - A cluster id of another application (per the account's cluster list) fails saying which O(application) to set.
  - On O(api_version=v1), a cluster whose backup capability is off makes the API answer HTTP 503; the module fails saying so.
    The Cluster Management API v2 documents no such answer; any refusal fails with the API's status and message.
seealso:
  - module: restorekit.instaclustr.cluster_backup_info
  - module: restorekit.instaclustr.cluster_restore
"""

EXAMPLES = r"""
- name: Back up a cluster and wait until every node's snapshot is uploaded
  restorekit.instaclustr.cluster_backup:
    api_username: "{{ instaclustr_user }}"
    api_key: "{{ instaclustr_api_key }}"
    cluster_id: 77b5a4e1-c422-4a78-b551-d8fa5c42ad95
    wait_timeout: 7200
  register: backup

- name: Show how long it took
  ansible.builtin.debug:
    msg: >-
      Backup completed at {{ backup.backup.completed_at }}, {{ backup.backup.duration_seconds }} s from the first
      node's start to the last node's end; the slowest node took
      {{ backup.backup.nodes | map(attribute='duration_seconds') | max }} s

- name: Back up unless every node has a snapshot of the last 6 hours
  restorekit.instaclustr.cluster_backup:
    cluster_id: 77b5a4e1-c422-4a78-b551-d8fa5c42ad95
    reuse_within: 6h
  register: recent

# A reused backup is each node's latest snapshot: scheduled snapshots run node after node, so
# backup.duration_seconds can span hours. Each node's own duration_seconds is its snapshot's.
- name: Say whether the backup was reused
  ansible.builtin.debug:
    msg: >-
      {{ 'Reused the snapshots every node completed by' if recent.backup.reused else 'Backed up every node by' }}
      {{ recent.backup.completed_at }}

- name: Trigger a backup of a Redis cluster (its completion cannot be followed through the API)
  restorekit.instaclustr.cluster_backup:
    api_version: v2
    application: redis
    cluster_id: d0a4f6b8-2c35-4e79-9a43-5f7b9c1e3a08
    wait: false

- name: Trigger a backup and return at once
  restorekit.instaclustr.cluster_backup:
    cluster_id: 77b5a4e1-c422-4a78-b551-d8fa5c42ad95
    force: true
    wait: false
"""

RETURN = r"""
triggered:
  description:
    - Whether this task triggered a backup. False when a backup running on every node was followed or a recent one
      reused.
    - In check mode, whether it would trigger one.
  returned: always
  type: bool
  sample: true
triggered_at:
  description: The API server's time just before the trigger was sent (ISO 8601 UTC); null when nothing was triggered.
  returned: always
  type: str
  sample: "2026-11-20T10:00:00.000Z"
triggered_at_ms:
  description: RV(triggered_at) in epoch milliseconds.
  returned: always
  type: int
  sample: 1795168800000
msg:
  description: What the module did.
  returned: always
  type: str
  sample: triggered a backup; every node completed (cluster 77b5a4e1-c422-4a78-b551-d8fa5c42ad95)
backup:
  description:
    - The backup this task triggered, followed or reused, with its snapshot upload on each node.
    - Also returned when the module fails after the trigger (a node FAILED, the wait timed out).
  returned: always
  type: dict
  contains:
    state:
      description:
        - V(COMPLETED) when every node's snapshot completed, V(FAILED) when one failed, V(ACTIVE) while running,
          V(PENDING) when no node has started yet.
        - V(UNKNOWN) for O(application=redis), whose backups the API does not list (RV(backup.nodes) is then empty).
      type: str
      sample: COMPLETED
    reused:
      description:
        - V(true) when the task reused a recent backup (O(reuse_within)), that is per node its latest completed
          snapshot. Those snapshots are often the scheduled ones, taken node after node, hours apart.
        - V(false) when the task triggered the backup or followed one running on every node.
      type: bool
      sample: false
    nodes:
      description: Per node, the snapshot upload that belongs to this backup (null when it has not started).
      type: list
      elements: dict
      contains:
        id:
          description: The node id.
          type: str
          sample: cb986e08-f6be-4d08-8de2-4352c2cfaf1f
        data_centre_id:
          description: The node's data centre id.
          type: str
          sample: a8c32b20-c8f0-11e7-abc4-cec278b6b50a
        event:
          description: The C(snapshot-upload) event as the API sent it (times in epoch milliseconds), or null.
          type: dict
          contains:
            type:
              description: V(snapshot-upload) (Cassandra, OpenSearch) or V(postgresql-backup) (PostgreSQL).
              type: str
              sample: snapshot-upload
            state:
              description: V(ACTIVE), V(COMPLETED) or V(FAILED).
              type: str
              sample: COMPLETED
            progress:
              description: Progress from 0 to 1.
              type: float
              sample: 1.0
            start:
              description: Start in epoch milliseconds.
              type: int
              sample: 1795168801000
            end:
              description: End in epoch milliseconds; null while active.
              type: int
              sample: 1795169400000
        duration_seconds:
          description: How long this node's snapshot upload took, from its start to its end in seconds; null while it runs.
          type: float
          sample: 599.0
    started_at:
      description: The earliest start of the backup's snapshot uploads (ISO 8601 UTC); null before any started.
      type: str
      sample: "2026-11-20T10:00:01.000Z"
    started_at_ms:
      description: RV(backup.started_at) in epoch milliseconds.
      type: int
      sample: 1795168801000
    completed_at:
      description: The latest end of the snapshot uploads once every node completed (ISO 8601 UTC), else null.
      type: str
      sample: "2026-11-20T10:10:00.000Z"
    completed_at_ms:
      description: RV(backup.completed_at) in epoch milliseconds.
      type: int
      sample: 1795169400000
    duration_seconds:
      description:
        - The span from the earliest start to the latest end of exactly the snapshot uploads in RV(backup.nodes), in
          seconds (RV(backup.completed_at) minus RV(backup.started_at)); null until every node's snapshot completed.
        - For a triggered or followed backup, how long the backup of the cluster took. For a reused backup
          (RV(backup.reused=true)) the snapshots may have run hours apart, so this is not how long a backup takes;
          each node's own time is RV(backup.nodes[].duration_seconds).
      type: float
      sample: 599.0
"""

from ansible_collections.restorekit.instaclustr.plugins.module_utils import _coverage
from ansible_collections.restorekit.instaclustr.plugins.module_utils._clock import iso_utc, parse_duration, timestamp_pair
from ansible_collections.restorekit.instaclustr.plugins.module_utils._errors import ApiError, OperationFailed, OptionError, WaitTimeout
from ansible_collections.restorekit.instaclustr.plugins.module_utils._module import RestorekitModule, wait_argument_spec
from ansible_collections.restorekit.instaclustr.plugins.module_utils._operation_waits import backup_completion
from ansible_collections.restorekit.instaclustr.plugins.module_utils._rules import check_uuid

# After an ambiguous trigger, how long new snapshot uploads may take to show (capped by wait_timeout).
AMBIGUOUS_GRACE_SECONDS = 30

# The ``backup`` result where the API lists no backups (Redis): nothing about it can be seen.
UNSEEN_BACKUP = {"state": "UNKNOWN", "nodes": [], "started_at": None, "started_at_ms": None, "completed_at": None,
                 "completed_at_ms": None, "duration_seconds": None}

ARGUMENT_SPEC = dict(
    cluster_id=dict(type="str", required=True),
    reuse_within=dict(type="raw"),
    force=dict(type="bool", default=False),
    **wait_argument_spec(3600, 30)
)


class ClusterBackup:
    """Decide (follow, reuse or trigger), then follow the backup to its end when asked to wait."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.backend = module.backend
        self.types = module.backend.app.backup_event_types  # the events that make up a backup of this application
        self.cluster_id = None
        self.triggered_at_ms = None  # server time just before this task's trigger, if it sent one

    def run(self):
        params = self.params
        self.cluster_id = check_uuid(params["cluster_id"], "cluster_id")
        reuse_within = None if params["reuse_within"] is None else parse_duration(params["reuse_within"], "reuse_within")
        if not self.backend.app.lists_backups:
            return self.trigger_unseen()
        backups = self.backend.list_backup_events(self.cluster_id)

        if not params["force"]:
            running = _coverage.cluster_wide_backup_starts(backups, self.types)
            if running:  # every node has an ACTIVE snapshot: a backup of the whole cluster is in progress
                since_ms = min(running.values()) - _coverage.TRIGGER_SKEW_MS
                return self.follow(since_ms, every_node=True, note="followed the backup already running on every node",
                                   backups=backups)
            if reuse_within is not None and self._recent_backup_on_every_node(backups, reuse_within):
                return self.result(_coverage.BackupRound.latest_completed(backups, self.types),
                                   "reused the backup every node completed within %g s" % reuse_within, reused=True)

        if self.module.check_mode:
            round_ = _coverage.BackupRound.started_since(backups, self.module.session.clock.now_ms(), types=self.types)
            return self.result(round_, "check mode: a backup would be triggered", triggered=True)
        self.triggered_at_ms = self.trigger()
        return self.follow(self.triggered_at_ms - _coverage.TRIGGER_SKEW_MS, every_node=True, note="triggered a backup")

    def _recent_backup_on_every_node(self, backups, reuse_within):
        since_ms = self.module.session.clock.now_ms() - int(reuse_within * 1000)
        has_nodes = any(True for _node in _coverage.iter_nodes(backups))
        return has_nodes and not _coverage.nodes_without_snapshot_since(backups, since_ms, self.types)

    def trigger(self):
        """POST the trigger once; return the server time taken just before it. Never posts twice."""
        triggered_at_ms = self.module.session.clock.now_ms()
        try:
            self.backend.trigger_backup(self.cluster_id)
        except ApiError as error:  # what a status means on this API version (v1's 503) is the backend's to say
            if not error.ambiguous:
                raise
            if not self.backend.app.lists_backups:
                raise OperationFailed(
                    "trigger backup outcome unknown: %s; the API lists no %s backups, so whether one started cannot be "
                    "checked. The trigger was not sent again" % (error.describe(), self.backend.application),
                    details={"api_error": error.to_result(), "triggered": None})
            self._confirm_ambiguous_trigger(error, triggered_at_ms)
        return triggered_at_ms

    def trigger_unseen(self):
        """An application whose backups the API does not list (Redis): trigger, never follow, never reuse.

        Nothing is sent when the task asks for what cannot be done: ``wait`` (completion cannot be seen)
        or ``reuse_within`` (a recent backup cannot be seen)."""
        application = self.backend.application
        if self.params["wait"]:
            raise OptionError("wait", "a %s backup cannot be followed: the API lists no %s backups, so their completion "
                              "cannot be seen; set wait: false to trigger it without following it" % (application, application))
        if self.params["reuse_within"] is not None:
            raise OptionError("reuse_within", "a %s backup cannot be reused: the API lists no %s backups, so a recent one "
                              "cannot be seen; leave reuse_within out" % (application, application))
        if self.module.check_mode:
            return self.result(None, "check mode: a backup would be triggered (a %s cluster's running or recent backups "
                               "cannot be seen)" % application, triggered=True)
        self.triggered_at_ms = self.trigger()
        self.module.warn("a backup of %s cluster %s was triggered, but the API lists no %s backups: whether it completes "
                         "cannot be followed or confirmed" % (application, self.cluster_id, application))
        return self.result(None, "triggered a backup; its completion cannot be followed (%s)" % application)

    def _confirm_ambiguous_trigger(self, error, triggered_at_ms):
        """Look for snapshot uploads started since the trigger; fail (without posting again) when none shows."""
        since_ms = triggered_at_ms - _coverage.TRIGGER_SKEW_MS
        grace = min(self.params["wait_timeout"], AMBIGUOUS_GRACE_SECONDS)
        try:
            self._poll(lambda: self._round(since_ms, every_node=False), lambda round_: bool(round_.nodes), grace,
                       "snapshot uploads started by the trigger")
        except WaitTimeout:
            raise OperationFailed(
                "trigger backup outcome unknown: %s; no snapshot upload started at or after %s on any node within %g s. "
                "The trigger was not sent again; check cluster_backup_info before running this task again"
                % (error.describe(), iso_utc(triggered_at_ms), grace),
                details={"api_error": error.to_result(), "triggered": None})

    def follow(self, since_ms, every_node, note, backups=None):
        """The backup made of the snapshot uploads started since ``since_ms``; followed to its end when waiting."""
        if not self.params["wait"] or self.module.check_mode:
            if backups is None:
                return self.result(self._round(since_ms, every_node), note)
            return self.result(_coverage.BackupRound.started_since(backups, since_ms, every_node, self.types), note)
        wait = backup_completion(self.backend, self.cluster_id, since_ms, self.params["wait_timeout"], every_node)
        try:
            round_, _elapsed = self.module.wait_until(wait.fetch, wait.done, wait.timeout, wait.waiting_for, failed=wait.failed,
                                                      describe=wait.describe)
        except WaitTimeout as timeout:
            raise OperationFailed(str(timeout), details=self._failure_details(timeout.last_seen, elapsed=timeout.elapsed))
        except OperationFailed as failure:  # a node's snapshot FAILED
            raise OperationFailed(str(failure), details=self._failure_details(failure.details.get("last_seen")))
        return self.result(round_, note + "; every node completed")

    def _round(self, since_ms, every_node):
        return _coverage.BackupRound.started_since(self.backend.list_backup_events(self.cluster_id), since_ms, every_node,
                                                   self.types)

    def _poll(self, fetch, done, timeout, waiting_for, failed=None):
        round_, _elapsed = self.module.wait_until(fetch, done, timeout, waiting_for, failed=failed,
                                                  describe=lambda round_: round_.describe())
        return round_

    def _failure_details(self, round_, elapsed=None):
        """What a failure after the decision returns: the same keys as a success, so the drill can report them."""
        details = {"triggered": self.triggered_at_ms is not None, "backup": None if round_ is None else round_.as_result()}
        details.update(timestamp_pair("triggered_at", self.triggered_at_ms))
        if elapsed is not None:
            details["elapsed"] = elapsed
        return details

    def result(self, round_, note, triggered=None, reused=False):
        if triggered is None:
            triggered = self.triggered_at_ms is not None
        result = {"changed": triggered, "triggered": triggered,
                  "backup": UNSEEN_BACKUP if round_ is None else round_.as_result(reused=reused),
                  "msg": "%s (cluster %s)" % (note, self.cluster_id)}
        result.update(timestamp_pair("triggered_at", self.triggered_at_ms))
        return result


def main():
    module = RestorekitModule(argument_spec=ARGUMENT_SPEC)
    module.run(ClusterBackup(module).run)


if __name__ == "__main__":
    main()
