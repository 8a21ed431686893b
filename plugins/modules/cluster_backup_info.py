#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: cluster_backup_info
short_description: Read an Instaclustr cluster's backup events and how far back it can be restored
version_added: 0.1.0
description:
  - Reads the backup and restore events of the last 7 days of an Instaclustr managed Apache Cassandra cluster
    (on O(api_version=v1) C(GET /provisioning/v1/{clusterId}/backups), on O(api_version=v2)
    C(GET /cluster-management/v2/data-sources/applications/{cassandra|postgresql|opensearch}/clusters/v2/{clusterId}/list-backups/v2),
    after O(application), with a trailing slash for PostgreSQL and OpenSearch), per data centre and node. Both versions list
    the same fields.
  - O(application=redis) fails saying so, as the API has no backup listing for Redis.
  - For O(application=postgresql) and O(application=opensearch) the API does not establish which events make an instant
    restorable, so Cassandra's rules are not applied. RV(summary.restorable_from) and RV(summary.restorable_until) are
    null (RV(summary.restorable_range_known=false)); the summary gives what the events prove, each node's latest
    completed backup (C(postgresql-backup) or C(snapshot-upload)) and RV(summary.last_backup_completed_at), from which
    freshness is measured. Event types the collection does not know are listed in RV(summary.unknown_event_types).
  - Summarizes them in RV(summary) from all events, whatever the filters. It gives the newest and the earliest instant every
    node can be restored to, the nodes without a backup, with a backup running or with a failed event, and the age of
    the newest restorable instant.
  - With O(max_age) it says whether the backups are fresh, and with O(fail_if_stale=true) it fails when they are not,
    which makes it a monitoring or CI gate.
  - Never changes anything.
author:
  - restorekit maintainers (@restorekit)
extends_documentation_fragment:
  - restorekit.instaclustr.api
  - restorekit.instaclustr.attributes.info_module
options:
  cluster_id:
    description:
      - The id (a UUID) of the cluster.
    type: str
    required: true
  event_types:
    description:
      - Return only events of these types, for example V(snapshot-upload), V(commitlog-upload), V(cassandra-restore).
        Types the API adds later are returned as they are.
      - When not set, every type except V(commitlog-upload) is returned. Continuous backup uploads commit logs every
        5 minutes on every node (about 2,000 events per node in 7 days); name V(commitlog-upload) here to see them.
      - Filters only RV(data_centres); RV(summary) is always computed from every event.
    type: list
    elements: str
  states:
    description:
      - Return only events in these states, for example V(ACTIVE), V(COMPLETED), V(FAILED). Default is every state.
    type: list
    elements: str
  since:
    description:
      - Return only events that started at or after this point in time.
      - An ISO 8601 time with a zone or an offset from UTC (V(2026-11-20T10:00:00Z), V(2026-11-20T12:00:00+02:00)), or
        epoch milliseconds. An unquoted YAML timestamp works when it has a zone.
      - A date and time without a zone is refused; add V(Z) for UTC or the offset.
    type: raw
  until:
    description:
      - Return only events that started at or before this point in time. Same forms as O(since).
    type: raw
  include_events:
    description:
      - Return the events of every node. With V(false) the nodes are returned without events (the summary is the same).
    type: bool
    default: true
  max_age:
    description:
      - The oldest the newest restorable instant may be for the backups to count as fresh (RV(summary.fresh)).
      - A number of seconds or a string with a unit C(s), C(m), C(h) or C(d), such as V(26h).
    type: raw
  fail_if_stale:
    description:
      - Fail when the backups are not fresh under O(max_age), or when nothing can be restored at all.
      - Requires O(max_age).
    type: bool
    default: false
notes:
  - The API keeps 7 days of events, so RV(summary.restorable_from) is never older than 7 days.
  - All times are read against the API server's clock (its C(Date) header), not the controller's.
seealso:
  - module: restorekit.instaclustr.cluster_backup
  - module: restorekit.instaclustr.cluster_restore
"""

EXAMPLES = r"""
- name: Show the backups of a cluster and how far back it can be restored
  restorekit.instaclustr.cluster_backup_info:
    api_username: "{{ instaclustr_user }}"
    api_key: "{{ instaclustr_api_key }}"
    cluster_id: 77b5a4e1-c422-4a78-b551-d8fa5c42ad95
  register: backups

- name: Print the restorable range
  ansible.builtin.debug:
    msg: "Restorable from {{ backups.summary.restorable_from }} to {{ backups.summary.restorable_until }}"

- name: Fail (a CI gate) when the newest restorable instant is older than 26 hours
  restorekit.instaclustr.cluster_backup_info:
    cluster_id: 77b5a4e1-c422-4a78-b551-d8fa5c42ad95
    max_age: 26h
    fail_if_stale: true
    include_events: false

- name: Failed snapshot uploads of the last day
  restorekit.instaclustr.cluster_backup_info:
    cluster_id: 77b5a4e1-c422-4a78-b551-d8fa5c42ad95
    event_types: [snapshot-upload]
    states: [FAILED]
    since: "2026-11-19T00:00:00Z"
"""

RETURN = r"""
checked_at:
  description: The API server's time when the events were read (ISO 8601 UTC); the summary's ages are relative to it.
  returned: success
  type: str
  sample: "2026-11-20T10:00:00.000Z"
checked_at_ms:
  description: RV(checked_at) in epoch milliseconds.
  returned: success
  type: int
  sample: 1795168800000
cluster:
  description: The cluster the events belong to.
  returned: success
  type: dict
  contains:
    id:
      description: The cluster id.
      type: str
      sample: 77b5a4e1-c422-4a78-b551-d8fa5c42ad95
    name:
      description: The cluster name.
      type: str
      sample: orders-prod
data_centres:
  description: The cluster's data centres with their nodes and (when O(include_events=true)) the events the filters keep.
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: The cluster data centre id.
      type: str
      sample: a8c32b20-c8f0-11e7-abc4-cec278b6b50a
    name:
      description: The data centre name.
      type: str
      sample: AWS_VPC_US_EAST_1
    nodes:
      description: The data centre's nodes.
      type: list
      elements: dict
      contains:
        id:
          description: The node id.
          type: str
          sample: cb986e08-f6be-4d08-8de2-4352c2cfaf1f
        public_address:
          description: The node's public IPv4 address.
          type: str
          sample: 52.1.2.3
        private_address:
          description: The node's private IPv4 address.
          type: str
          sample: 10.0.0.11
        events:
          description:
            - The node's events, as the API sent them. Fields the API adds later are passed through in snake_case.
          returned: when O(include_events=true)
          type: list
          elements: dict
          contains:
            type:
              description: The event type (V(snapshot-upload), V(commitlog-upload), V(cassandra-restore), or another).
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
              description: When the event started, in epoch milliseconds.
              type: int
              sample: 1717400000000
            end:
              description: When the event ended, in epoch milliseconds; null while it is active.
              type: int
              sample: 1717400900000
summary:
  description: What the events say, computed from every event of the last 7 days whatever the filters.
  returned: success
  type: dict
  contains:
    node_count:
      description: How many nodes the cluster has.
      type: int
      sample: 6
    restorable_until:
      description:
        - The newest instant every node can be restored to (ISO 8601 UTC), null when nothing is restorable.
        - Per node the newest restorable instant is the end of its latest completed snapshot, or the end of a
          later completed commit-log upload; this is the minimum over the nodes. A node without any completed
          snapshot bounds it to the instant before that node first appeared.
      type: str
      sample: "2026-11-20T09:55:00.000Z"
    restorable_until_ms:
      description: RV(summary.restorable_until) in epoch milliseconds.
      type: int
      sample: 1795168500000
    snapshot_restorable_until:
      description: Like RV(summary.restorable_until) with snapshots only (no commit logs).
      type: str
      sample: "2026-11-20T08:20:00.000Z"
    snapshot_restorable_until_ms:
      description: RV(summary.snapshot_restorable_until) in epoch milliseconds.
      type: int
      sample: 1795162800000
    restorable_from:
      description:
        - The earliest instant at which every node that existed then was covered by a completed snapshot
          (a node exists from its first event in the window). Null when nothing is restorable.
      type: str
      sample: "2026-11-13T11:20:00.000Z"
    restorable_from_ms:
      description: RV(summary.restorable_from) in epoch milliseconds.
      type: int
      sample: 1794568800000
    last_backup_age_seconds:
      description:
        - The API server's now minus RV(summary.restorable_until) (Cassandra) or RV(summary.last_backup_completed_at)
          (PostgreSQL, OpenSearch), in seconds; null when that is null.
      type: float
      sample: 312.5
    max_age_seconds:
      description: O(max_age) in seconds.
      returned: when O(max_age) is set
      type: float
      sample: 93600.0
    fresh:
      description: Whether RV(summary.last_backup_age_seconds) is within O(max_age) (false when nothing is restorable).
      returned: when O(max_age) is set
      type: bool
      sample: true
    backup_event_types:
      description: The event types counted as a backup for O(application).
      type: list
      elements: str
      sample: [snapshot-upload]
    restorable_range_known:
      description:
        - Whether the restorable range is computed (Cassandra). False for PostgreSQL and OpenSearch, where the API does
          not establish which events make an instant restorable; the range keys are then null.
      type: bool
      sample: true
    unknown_event_types:
      description: Event types seen that the collection does not know the meaning of; they are not counted as backups.
      type: list
      elements: str
      sample: []
    last_backup_completed_at:
      description:
        - The oldest of the nodes' latest completed backups (ISO 8601 UTC) - every node has a completed backup ending at or
          after it. Null when a node has none. For PostgreSQL and OpenSearch, RV(summary.last_backup_age_seconds) and
          RV(summary.fresh) are measured from it.
      type: str
      sample: "2026-11-20T08:20:00.000Z"
    last_backup_completed_at_ms:
      description: RV(summary.last_backup_completed_at) in epoch milliseconds.
      type: int
      sample: 1795162800000
    nodes_without_backup:
      description: Ids of the nodes without any completed snapshot (backup event of RV(summary.backup_event_types)) in the window.
      type: list
      elements: str
      sample: []
    active_nodes:
      description: Ids of the nodes with an ACTIVE event other than a commit-log upload (a backup or a restore running).
      type: list
      elements: str
      sample: [cb986e08-f6be-4d08-8de2-4352c2cfaf1f]
    failed_nodes:
      description: Ids of the nodes with a FAILED event in the window.
      type: list
      elements: str
      sample: []
    nodes:
      description: Per node, its latest completed snapshot and its newest restorable instant.
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
        first_seen:
          description: The start of the node's first event in the window (ISO 8601 UTC); null without events.
          type: str
          sample: "2026-11-13T10:00:00.000Z"
        first_seen_ms:
          description: RV(summary.nodes[].first_seen) in epoch milliseconds.
          type: int
          sample: 1794564000000
        latest_snapshot_started_at:
          description: When the node's latest completed snapshot started (ISO 8601 UTC); null without one.
          type: str
          sample: "2026-11-20T08:00:00.000Z"
        latest_snapshot_started_at_ms:
          description: RV(summary.nodes[].latest_snapshot_started_at) in epoch milliseconds.
          type: int
          sample: 1795161600000
        latest_snapshot_completed_at:
          description: When the node's latest completed snapshot ended (ISO 8601 UTC); null without one.
          type: str
          sample: "2026-11-20T08:20:00.000Z"
        latest_snapshot_completed_at_ms:
          description: RV(summary.nodes[].latest_snapshot_completed_at) in epoch milliseconds.
          type: int
          sample: 1795162800000
        restorable_until:
          description: The node's newest restorable instant (ISO 8601 UTC); null without a completed snapshot.
          type: str
          sample: "2026-11-20T09:55:00.000Z"
        restorable_until_ms:
          description: RV(summary.nodes[].restorable_until) in epoch milliseconds.
          type: int
          sample: 1795168500000
"""

from ansible_collections.restorekit.instaclustr.plugins.module_utils import _coverage
from ansible_collections.restorekit.instaclustr.plugins.module_utils._clock import parse_duration, parse_point_in_time, timestamp_pair
from ansible_collections.restorekit.instaclustr.plugins.module_utils._errors import OperationFailed, OptionError
from ansible_collections.restorekit.instaclustr.plugins.module_utils._module import RestorekitModule
from ansible_collections.restorekit.instaclustr.plugins.module_utils._rules import check_uuid

ARGUMENT_SPEC = dict(
    cluster_id=dict(type="str", required=True),
    event_types=dict(type="list", elements="str"),
    states=dict(type="list", elements="str"),
    since=dict(type="raw"),
    until=dict(type="raw"),
    include_events=dict(type="bool", default=True),
    max_age=dict(type="raw"),
    fail_if_stale=dict(type="bool", default=False),
)


class ClusterBackupInfo:
    """Read the events once; return them filtered plus the summary of all of them."""

    def __init__(self, module):
        self.module = module
        self.params = module.params

    def run(self):
        params = self.params
        cluster_id = check_uuid(params["cluster_id"], "cluster_id")
        since_ms = self._point_in_time("since")
        until_ms = self._point_in_time("until")
        if since_ms is not None and until_ms is not None and until_ms < since_ms:
            raise OptionError("until", "must not be before since")
        max_age = None if params["max_age"] is None else parse_duration(params["max_age"], "max_age")

        app = self.module.backend.app  # what this application's events prove (one row of the per-application table)

        def scan(payload):
            # One pass over the raw events: the summary's records, and only the returned events shaped.
            return _coverage.scan_listing(payload, app.backup_event_types, params["event_types"], params["states"],
                                          since_ms, until_ms, params["include_events"])

        # Redis: fails at once, the API lists none
        listing, nodes = self.module.backend.list_backup_events(cluster_id, shape=scan)
        checked_at_ms = self.module.session.clock.now_ms()
        summary = _coverage.summarize_nodes(nodes, checked_at_ms, max_age, backup_types=app.backup_event_types,
                                            restorable_range_known=app.restorable_range)
        result = timestamp_pair("checked_at", checked_at_ms)
        result.update({
            "changed": False,
            "cluster": {"id": listing["id"], "name": listing["name"]},
            "data_centres": listing["data_centres"],
            "summary": summary,
        })
        if params["fail_if_stale"] and not summary["fresh"]:
            raise OperationFailed(self._stale_message(cluster_id, summary), details=result)
        return result

    def _point_in_time(self, option):
        value = self.params[option]
        return None if value is None else parse_point_in_time(value, option)

    @staticmethod
    def _stale_message(cluster_id, summary):
        if not summary["restorable_range_known"]:
            if summary["last_backup_completed_at"] is None:
                return "backups of cluster %s are stale: not every node has a completed backup (%s) in the last 7 days " \
                       "(nodes without one: %s)" % (cluster_id, ", ".join(summary["backup_event_types"]),
                                                    ", ".join(summary["nodes_without_backup"]) or "none")
            return "backups of cluster %s are stale: the oldest of the nodes' latest completed backups ended %s, %.0f s ago, " \
                   "more than max_age (%g s)" % (cluster_id, summary["last_backup_completed_at"],
                                                 summary["last_backup_age_seconds"], summary["max_age_seconds"])
        if summary["restorable_until"] is None:
            return "backups of cluster %s are stale: no instant is restorable (nodes without a completed snapshot: %s)" % (
                cluster_id, ", ".join(summary["nodes_without_backup"]) or "none")
        return "backups of cluster %s are stale: the newest restorable instant %s is %.0f s old, more than max_age (%g s)" % (
            cluster_id, summary["restorable_until"], summary["last_backup_age_seconds"], summary["max_age_seconds"])


def main():
    module = RestorekitModule(argument_spec=ARGUMENT_SPEC, required_if=[("fail_if_stale", True, ("max_age",))])
    module.run(ClusterBackupInfo(module).run)


if __name__ == "__main__":
    main()
