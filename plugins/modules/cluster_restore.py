#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: cluster_restore
short_description: Restore an Instaclustr cluster's backups into a new cluster, or delete a restored cluster
version_added: 0.1.0
description:
  - With O(state=present), restores the backups of the source cluster O(cluster_id) to a point in time into a new
    cluster named O(name) (on O(api_version=v1) C(POST /provisioning/v1/{clusterId}/backups/restore), on O(api_version=v2)
    C(POST /cluster-management/v2/operations/applications/{cassandra|postgres|opensearch|redis}/restore/v2), after
    O(application), with C(clusterId) in the body) and, with
    O(wait=true), waits until the new cluster and all its nodes are RUNNING.
  - Ownership is proven, never inferred from a name. Before its restore request the module writes an intent record
    (restored name, source cluster, point in time, application, API version, a nonce, the server's time, O(run_id))
    into the collection's state folder (O(state_dir)), and then records the id of the cluster the request made.
  - When a live cluster (not DELETING or DELETED) already carries O(name), nothing is sent. It is returned
    (RV(created=false)) only when an intent record proves it is an earlier restore of O(cluster_id) to the same
    O(point_in_time); a record with another point in time fails naming both. Without a record the module fails, naming
    the cluster and saying that nothing was sent or deleted, unless O(adopt_existing=true). Several live clusters with
    that name make it fail.
  - Every option is checked before the restore request is sent; an invalid value fails with a message naming the
    option and the rule. Reads the checks need (the source cluster's data centres, its backup events) are allowed.
  - Exactly once. When the restore request fails in a way that leaves its outcome unknown (a timeout or a lost
    connection after it was sent, a 5xx), the module never sends it again; it looks for a new cluster named O(name) (one
    that was not there when the record was written) for a grace period and succeeds with it when it appears and no other
    intent record of that name could have made it; else it fails saying the outcome is unknown, and takes no cluster as
    its own.
  - With O(state=absent), deletes the restored cluster O(restored_cluster_id) (C(DELETE /provisioning/v1/{clusterId}) on v1,
    C(DELETE /cluster-management/v2/resources/applications/cassandra/clusters/v2/{clusterId}) on v2).
    It refuses to delete the source cluster O(cluster_id), a cluster whose name is not O(name) when O(name) is given, and,
    unless O(force=true), a cluster that no intent record proves to be a restore (of O(cluster_id) when given, by
    O(run_id) when given).
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
      - In check mode the module checks every option (reading what the checks need), returns the request it would
        send and sends no restore or delete request.
  diff_mode:
    support: full
    details:
      - With O(state=present) the diff shows the restore request (before is empty) when a cluster would be restored.
options:
  cluster_id:
    description:
      - The id (a UUID) of the source cluster, whose backups are restored. Required with O(state=present).
      - With O(state=absent) it guards the source, which the module refuses to delete. Give it, or O(name), or both.
    type: str
  state:
    description:
      - V(present) restores into a new cluster named O(name) unless a live cluster has that name.
      - V(absent) deletes the restored cluster O(restored_cluster_id).
    type: str
    choices: [present, absent]
    default: present
  name:
    description:
      - The name of the restored cluster (C(clusterNameOverride) on v1, C(restoredClusterName) on v2) and the key that
        makes the restore idempotent.
      - 3 to 48 characters of letters, digits, C(_) and C(-), starting with a letter or a digit.
      - Required with O(state=present). With O(state=absent), the cluster to delete must have this name.
    type: str
  point_in_time:
    description:
      - The instant to restore to. An ISO 8601 time with a zone or an offset from UTC (V(2026-11-20T10:00:00Z),
        V(2026-11-20T12:00:00+02:00)), or epoch milliseconds. An unquoted YAML timestamp works when it has a zone.
      - A date and time without a zone (V(2026-11-20T10:00:00), V(2026-11-20 10:00:00)) is refused; it names a
        different instant in every time zone. Add V(Z) for UTC or the offset.
      - Not before 2015-01-01T00:00:00Z and not after the API server's current time.
      - When not set, the API restores the most recent backup of each node.
      - Not for O(application=redis), which restores its latest state (the API lists no Redis backups, so no instant
        could be shown to be covered). Given for Redis, it fails naming the option before any request.
    type: raw
  keyspace_tables:
    description:
      - Restore the data of these tables only, each C(keyspace.table). The whole schema is restored in any case.
      - Cassandra only; with another O(application) it fails naming the option before any request.
    type: list
    elements: str
  cdc_infos:
    description:
      - Where each data centre of the restored cluster goes (C(cdcInfos) on v1, C(cdcConfigs) on v2). Every application.
      - On O(api_version=v1), either an entry for every data centre of the source cluster or none (then each goes to a new
        VPC), and each entry sets O(cdc_infos[].restore_to_same_vpc=true) or O(cdc_infos[].custom_vpc_id).
      - On O(api_version=v2), any of the data centres; those left out, and an entry with neither, go to a new VPC
        (C(NEW_VPC)); O(cdc_infos[].restore_to_same_vpc=true) is C(SAME_VPC); O(cdc_infos[].custom_vpc_id) is
        C(CUSTOM_VPC) and needs O(cdc_infos[].custom_vpc_network).
    type: list
    elements: dict
    suboptions:
      cdc_id:
        description: The id of the source cluster's data centre.
        type: str
        required: true
      restore_to_same_vpc:
        description: Put the restored data centre in the source data centre's VPC. Exclusive with O(cdc_infos[].custom_vpc_id).
        type: bool
      custom_vpc_id:
        description: Put the restored data centre in this VPC, such as V(vpc-0abc1234).
        type: str
      custom_vpc_network:
        description: The IPv4 network (CIDR) for the restored data centre inside O(cdc_infos[].custom_vpc_id).
        type: str
  cluster_network:
    description:
      - The IPv4 network (CIDR, such as V(10.12.0.0/16)) of the restored cluster.
      - Cassandra only (C(clusterNetwork)); with another O(application) it fails naming the option before any request.
    type: str
  index_names:
    description:
      - Restore these OpenSearch indices only (C(indexNames), sent joined by commas). Lower-case names; C(*) is a wildcard.
      - OpenSearch only (O(application=opensearch)); with another O(application) it fails naming the option before any request.
    type: list
    elements: str
  validate_backups:
    description:
      - Before restoring, read the source's backup events and fail when O(point_in_time) is outside the restorable range
        (RV(restorekit.instaclustr.cluster_backup_info#module:summary.restorable_from) to
        RV(restorekit.instaclustr.cluster_backup_info#module:summary.restorable_until)) or falls before a node's first
        backup, instead of sending a request the API would refuse with HTTP 412.
      - These rules are Cassandra's. For O(application=postgresql) and O(application=opensearch), which events make an
        instant restorable is not established, so nothing is refused; a warning says when a node shows no completed
        backup in the 7-day window or O(point_in_time) is before the first listed backup. For O(application=redis)
        (no backup listing) the check is skipped with a warning.
    type: bool
    default: true
  adopt_existing:
    description:
      - With O(state=present), take a live cluster that already carries O(name) but that no intent record proves to be a
        restore of O(cluster_id) as this restore's result (RV(created=false), RV(adopted=true)), instead of failing.
      - The API does not say which point in time a cluster was restored to, so O(point_in_time) cannot be checked then; a
        warning says so.
    type: bool
    default: false
  force:
    description:
      - With O(state=absent), delete the cluster even when no intent record in the state folder proves it is a restore.
      - The source cluster O(cluster_id) and a cluster not named O(name) are refused all the same.
    type: bool
    default: false
  run_id:
    description:
      - The id of the run (such as a drill's run id) that this restore belongs to, kept in the intent record.
      - With O(state=absent), the record of O(restored_cluster_id) must name this run, else nothing is deleted.
    type: str
  restored_cluster_id:
    description:
      - With O(state=absent), the id of the restored cluster to delete (RV(restored_cluster_id) of the restore).
      - Required with O(state=absent); must not be O(cluster_id).
    type: str
  wait:
    description:
      - With O(state=present), wait until the restored cluster and all its nodes are RUNNING. Fails at once when the
        cluster becomes FAILED, DELETING or DELETED, or DEFERRED (the provider could not place it; Instaclustr
        support must act).
      - With O(state=absent), wait until the cluster is gone. A cluster that is neither DELETING nor gone
        2 minutes (or O(wait_timeout), if shorter) after the deletion was accepted makes the module fail, because two-factor
        delete is probably on and the deletion waits for its confirmation.
    default: true
  wait_timeout:
    default: 5400
  wait_sleep:
    default: 30
notes:
  - The point-in-time checks use the API server's clock (its C(Date) header), not the controller's.
  - Neither API version says which cluster a restored cluster came from, nor to which point in time; the intent
    records in the state folder (O(state_dir)) are the only proof. Keep that folder between runs (a persistent volume in
    AWX, a cached folder in a pipeline), or a rerun fails on the cluster its earlier run made (see O(adopt_existing)).
  - Looking the name up costs one request on O(api_version=v1) (the cluster list has names) and, on O(api_version=v2),
    the account's cluster list plus one request per Cassandra cluster of the account (the v2 list has ids only; each
    cluster is read once per task).
  - On O(api_version=v2), O(point_in_time) is sent as a string of epoch milliseconds, the type the API's OpenAPI document
    gives C(pointInTime); Instaclustr's own operator sends an integer, and which forms the live API accepts is not
    documented.
  - A source cluster that GET cluster no longer finds (deleted) but whose backups the API still lists is restored from
    those backups, with a warning; what the real API keeps after a deletion is not documented.
  - A source cluster id of another application (per the account's cluster list) fails saying which O(application)
    to set; so does a O(restored_cluster_id) of another application with O(state=absent), instead of "already gone".
seealso:
  - module: restorekit.instaclustr.cluster_backup_info
  - module: restorekit.instaclustr.cluster_info
"""

EXAMPLES = r"""
- name: Restore a cluster to a point in time and wait until it runs
  restorekit.instaclustr.cluster_restore:
    api_username: "{{ instaclustr_user }}"
    api_key: "{{ instaclustr_api_key }}"
    cluster_id: 77b5a4e1-c422-4a78-b551-d8fa5c42ad95
    name: orders-restore-test
    point_in_time: "2026-11-20T10:00:00Z"
    cluster_network: 10.12.0.0/16
  register: restore

- name: Restore two tables only, without waiting
  restorekit.instaclustr.cluster_restore:
    cluster_id: 77b5a4e1-c422-4a78-b551-d8fa5c42ad95
    name: orders-tables-restore
    keyspace_tables:
      - orders.by_id
      - orders.by_customer
    wait: false

- name: Restore into a custom VPC (one entry per data centre of the source)
  restorekit.instaclustr.cluster_restore:
    cluster_id: 77b5a4e1-c422-4a78-b551-d8fa5c42ad95
    name: orders-restore-vpc
    cdc_infos:
      - cdc_id: a8c32b20-c8f0-11e7-abc4-cec278b6b50a
        custom_vpc_id: vpc-0abc1234
        custom_vpc_network: 10.20.0.0/16

- name: Restore two indices of an OpenSearch cluster (Cluster Management API v2)
  restorekit.instaclustr.cluster_restore:
    api_version: v2
    application: opensearch
    cluster_id: c9f3e5a7-1b24-4d68-8f32-4e6a8b0d2f07
    name: search-restore-test
    index_names: [orders, customers]

- name: Delete the restored cluster (the id the restore returned; its intent record proves it)
  restorekit.instaclustr.cluster_restore:
    cluster_id: 77b5a4e1-c422-4a78-b551-d8fa5c42ad95
    state: absent
    restored_cluster_id: "{{ restore.restored_cluster_id }}"
    name: orders-restore-test
  when: restore.created
"""

RETURN = r"""
restored_cluster_id:
  description:
    - The id of the restored cluster; null in check mode when nothing was restored yet.
    - Also returned when the module fails after the restore request (wait timeout, FAILED, DEFERRED), so a cleanup
      task can delete it.
  returned: always
  type: str
  sample: 5b0f7c9e-2d47-4c43-9a61-0f3d2f1b8e77
created:
  description:
    - Whether this task's restore request created the cluster (also after an ambiguous failure when the cluster then
      appeared). False when a live cluster with the name existed already, and with O(state=absent).
    - Also returned when the module fails after the restore request.
  returned: always
  type: bool
  sample: true
adopted:
  description: Whether a live cluster without an intent record was taken as the result (O(adopt_existing=true)).
  returned: when a cluster was adopted
  type: bool
  sample: true
intent_nonce:
  description: The nonce of the intent record that proves the cluster is a restore (the file C(intents/<nonce>.json) of the state folder).
  returned: when a record proves it
  type: str
  sample: 0f5d7c1e9a6b4b2f8e3d2c1b0a998877
unproven_cluster_id:
  description:
    - After an ambiguous restore request, the cluster of O(name) that appeared but that this request's intent record
      cannot prove to be its own (another restore request of that name was sent too). Nothing takes it as its own or
      deletes it; a person decides.
  returned: on that failure
  type: str
  sample: 5b0f7c9e-2d47-4c43-9a61-0f3d2f1b8e77
rerun_safe:
  description: On failure, whether running the task again cannot create a second cluster.
  returned: failure
  type: bool
  sample: true
cluster:
  description:
    - The restored cluster in the shape of RV(restorekit.instaclustr.cluster_info#module:clusters) items (never a
      password). With O(state=absent), the cluster as it was before the deletion.
    - Null when the cluster could not be read (not visible yet, or already gone).
  returned: always
  type: dict
  contains:
    id:
      description: The cluster id.
      type: str
      sample: 5b0f7c9e-2d47-4c43-9a61-0f3d2f1b8e77
    name:
      description: The cluster name.
      type: str
      sample: orders-restore-test
    status:
      description: The cluster status (for example PROVISIONING, RESTORING, RUNNING, DEFERRED, FAILED, DELETING).
      type: str
      sample: RUNNING
    sla_tier:
      description: V(PRODUCTION) or V(NON_PRODUCTION).
      type: str
      sample: NON_PRODUCTION
    cassandra_version:
      description: The Cassandra version.
      type: str
      sample: apache-cassandra-4.0.10
    data_centres:
      description: The cluster's data centres.
      type: list
      elements: dict
      contains:
        id:
          description: The cluster data centre id.
          type: str
          sample: 0d4c2b8e-8c1a-4f0e-9a57-3c1b7e5d9f20
        name:
          description: The region name.
          type: str
          sample: US_EAST_1
        cdc_name:
          description: The data centre's own name.
          type: str
          sample: AWS_VPC_US_EAST_1
        provider:
          description: The cloud provider.
          type: str
          sample: AWS_VPC
        status:
          description: The data centre status.
          type: str
          sample: RUNNING
        network:
          description: The data centre's network as a CIDR string.
          type: str
          sample: 10.12.0.0/16
        nodes:
          description: The data centre's nodes.
          type: list
          elements: dict
          contains:
            id:
              description: The node id.
              type: str
              sample: 9a1e7c52-1b2d-4e5f-8a9b-0c1d2e3f4a5b
            status:
              description: The node status.
              type: str
              sample: RUNNING
            rack:
              description: The node's rack.
              type: str
              sample: us-east-1a
            size:
              description: The node size.
              type: str
              sample: CAS-PRD-r6g.large-250
            public_address:
              description: The node's public IPv4 address.
              type: str
              sample: 3.4.5.6
            private_address:
              description: The node's private IPv4 address.
              type: str
              sample: 10.12.0.10
request:
  description:
    - The restore request, in snake_case, with the exact body sent (or that would be sent) under RV(request.body).
    - For a cluster that existed already, the request its intent record holds (the one that made it), or null when
      there is none; never a request that was not sent.
  returned: when O(state=present)
  type: dict
  contains:
    name:
      description: O(name).
      type: str
      sample: orders-restore-test
    point_in_time:
      description: O(point_in_time) in ISO 8601 UTC; null when not set.
      type: str
      sample: "2026-11-20T10:00:00.000Z"
    point_in_time_ms:
      description: O(point_in_time) in epoch milliseconds; null when not set.
      type: int
      sample: 1795168800000
    keyspace_tables:
      description: O(keyspace_tables).
      type: list
      elements: str
      sample: [orders.by_id]
    index_names:
      description: O(index_names).
      type: list
      elements: str
      sample: [orders]
    cdc_infos:
      description: O(cdc_infos), checked, with all four keys.
      type: list
      elements: dict
      sample: [{cdc_id: a8c32b20-c8f0-11e7-abc4-cec278b6b50a, restore_to_same_vpc: false, custom_vpc_id: vpc-0abc1234, custom_vpc_network: 10.20.0.0/16}]
    cluster_network:
      description: O(cluster_network).
      type: str
      sample: 10.12.0.0/16
    body:
      description:
        - The JSON body of the restore request, exactly as sent, in the API's camelCase.
        - On O(api_version=v2) it is the v2 body, with the keys C(clusterId), C(restoredClusterName), C(pointInTime) (a string
          of epoch milliseconds), C(keyspaceTables), C(clusterNetwork) and C(cdcConfigs).
      type: dict
      sample: {clusterNameOverride: orders-restore-test, pointInTime: 1795168800000, clusterNetwork: 10.12.0.0/16}
requested_at:
  description: The API server's time just before this task's restore request (ISO 8601 UTC); null when none was sent.
  returned: when O(state=present)
  type: str
  sample: "2026-11-20T10:05:00.000Z"
requested_at_ms:
  description: RV(requested_at) in epoch milliseconds.
  returned: when O(state=present)
  type: int
  sample: 1795169100000
running_at:
  description: The API server's time when this task saw the cluster and all its nodes RUNNING (ISO 8601 UTC); null when it did not wait.
  returned: when O(state=present)
  type: str
  sample: "2026-11-20T10:27:30.000Z"
running_at_ms:
  description: RV(running_at) in epoch milliseconds.
  returned: when O(state=present)
  type: int
  sample: 1795170450000
last_not_running_at:
  description:
    - The API server's time of this task's last read that found the restored cluster or one of its nodes not yet
      RUNNING (ISO 8601 UTC); null when the first read already found it RUNNING or the task did not wait.
    - The cluster became RUNNING between this and RV(running_at); the gap is at most one O(wait_sleep) and a read.
  returned: when O(state=present)
  type: str
  sample: "2026-11-20T10:27:00.000Z"
last_not_running_at_ms:
  description: RV(last_not_running_at) in epoch milliseconds.
  returned: when O(state=present)
  type: int
  sample: 1795170420000
duration_seconds:
  description: RV(running_at) minus RV(requested_at) in seconds (the restore's recovery time); null unless both are known.
  returned: when O(state=present)
  type: float
  sample: 1350.0
diff:
  description: The restore request as a diff (before is empty).
  returned: when O(state=present) and a cluster is (or would be) restored
  type: dict
  sample: {before: {}, after: {name: orders-restore-test, point_in_time_ms: 1795168800000}}
msg:
  description: What the module did.
  returned: always
  type: str
  sample: restored cluster 77b5a4e1-c422-4a78-b551-d8fa5c42ad95 into orders-restore-test; it is RUNNING
"""

from ansible_collections.restorekit.instaclustr.plugins.module_utils import _coverage
from ansible_collections.restorekit.instaclustr.plugins.module_utils._clock import iso_utc, parse_point_in_time, timestamp_pair
from ansible_collections.restorekit.instaclustr.plugins.module_utils._errors import (
    ApiError,
    OperationFailed,
    OptionError,
    RestorekitError,
    WaitTimeout,
)
from ansible_collections.restorekit.instaclustr.plugins.module_utils._module import RestorekitModule, failure_result, wait_argument_spec
from ansible_collections.restorekit.instaclustr.plugins.module_utils._operation_waits import (
    GONE_OR_GOING,
    Deletion,
    record_restore_running,
    record_restore_seen,
    restore_running,
)
from ansible_collections.restorekit.instaclustr.plugins.module_utils._rules import (
    check_index_names,
    check_ipv4_cidr,
    check_keyspace_tables,
    check_point_in_time,
    check_restore_name,
    check_uuid,
)

# After an ambiguous restore request, how long to look for the cluster by name (capped by wait_timeout).
AMBIGUOUS_GRACE_SECONDS = 90
# Intent records (the state folder): the operation, and the outcomes a restore request's record goes through.
RESTORE_OPERATION = "restore"
PENDING = "pending"  # written, the request not answered yet (or the process died)
CREATED = "created"  # the API answered the restored cluster's id
MATCHED = "matched"  # after an ambiguous request, the one new cluster of that name that no other record can claim
REFUSED = "refused"  # a definite refusal: nothing was created
UNKNOWN = "unknown"  # ambiguous, and no cluster could be proven to be this request's

CDC_INFO_OPTIONS = dict(
    cdc_id=dict(type="str", required=True),
    restore_to_same_vpc=dict(type="bool"),
    custom_vpc_id=dict(type="str"),
    custom_vpc_network=dict(type="str"),
)

ARGUMENT_SPEC = dict(
    cluster_id=dict(type="str"),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    name=dict(type="str"),
    point_in_time=dict(type="raw"),
    keyspace_tables=dict(type="list", elements="str", no_log=False),  # "key" in the name is not a secret
    index_names=dict(type="list", elements="str"),
    cdc_infos=dict(type="list", elements="dict", options=CDC_INFO_OPTIONS),
    cluster_network=dict(type="str"),
    validate_backups=dict(type="bool", default=True),
    restored_cluster_id=dict(type="str"),
    adopt_existing=dict(type="bool", default=False),
    force=dict(type="bool", default=False),
    run_id=dict(type="str"),
    **wait_argument_spec(5400, 30)
)


def _describe_point(ms):
    return "latest (not set)" if ms is None else iso_utc(ms)


class ClusterRestore:
    """``present`` restores exactly once per name; ``absent`` deletes only the restored cluster it is given."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.backend = module.backend
        self.cluster_id = None
        self.result = {}

    def run(self):
        source_id = self.params["cluster_id"]
        self.cluster_id = None if source_id is None else check_uuid(source_id, "cluster_id")
        if self.params["state"] == "absent":
            return self.absent()
        try:
            return self.present()
        except RestorekitError as error:
            # Whatever failed, a rerun cannot duplicate the cluster: it looks the name up before restoring.
            # The failure keeps what is known (restored_cluster_id, created) so a cleanup can act on it.
            failure = failure_result(error)
            message = failure.pop("msg")
            raise OperationFailed(message, details=dict(self.result, **failure), rerun_safe=True)

    # ---- state: present ----

    def present(self):
        self.result = {"changed": False, "created": False, "restored_cluster_id": None, "cluster": None}
        request = self._checked_request()
        self.result["request"] = self._request_result(request)
        self.result.update(timestamp_pair("requested_at", None))
        self.result.update(timestamp_pair("running_at", None))
        self.result.update(timestamp_pair("last_not_running_at", None))
        self.result["duration_seconds"] = None

        named = self._clusters_named(request["name"])
        existing = self._one_live(named, request["name"])
        if existing is not None:
            return self._existing(existing, request)

        if self.params["validate_backups"]:
            self._check_backups_cover(request["point_in_time_ms"])
        self.result.update(changed=True, diff={"before": {}, "after": self.result["request"]})
        if self.module.check_mode:
            self.result["msg"] = "check mode: cluster %s would be restored into %s" % (self.cluster_id, request["name"])
            return self.result

        # The intent record, before the request: what a later task needs to prove this restore made the cluster.
        record = self.module.state.record_intent(
            operation=RESTORE_OPERATION, source_cluster_id=self.cluster_id, restored_name=request["name"],
            point_in_time_ms=request["point_in_time_ms"], application=self.backend.application,
            api_version=self.params["api_version"], created_ms=self.module.session.clock.now_ms(), run_id=self.params["run_id"],
            seen_cluster_ids=sorted(str(cluster["id"]) for cluster in named), outcome=PENDING)
        requested_at_ms = self.module.session.clock.now_ms()  # after the record's write: the restore's own clock starts here
        self.result.update(timestamp_pair("requested_at", requested_at_ms))
        try:
            restored_id = self._post_once(request, record)
        finally:
            # The body the backend last sent (v2 may re-send pointInTime in its other JSON type).
            if self.backend.restore_body_sent is not None:
                self.result["request"]["body"] = self.backend.restore_body_sent
        self.module.state.update_intent(record, restored_cluster_id=restored_id, request=self.result["request"],
                                        outcome=MATCHED if record.get("outcome") == MATCHED else CREATED)
        self.result.update(created=True, restored_cluster_id=restored_id, intent_nonce=record["nonce"],
                           msg="restored cluster %s into %s" % (self.cluster_id, request["name"]))
        return self._finish(restored_id)

    def _existing(self, existing, request):
        """A live cluster has the requested name: this source's earlier restore only when a record proves it."""
        name, cluster_id = request["name"], existing["id"]
        self.result["request"] = None  # nothing is sent for an existing cluster
        record = self._proving_record(existing)
        if record is not None and record.get("source_cluster_id") != self.cluster_id:
            raise OperationFailed("a live cluster named %s exists already (%s) and the intent record %s shows it was restored from "
                                  "cluster %s, not from cluster_id %s; nothing was sent or deleted; choose another name"
                                  % (name, cluster_id, record["nonce"], record.get("source_cluster_id"), self.cluster_id))
        if record is None:
            if not self.params["adopt_existing"]:
                raise OperationFailed(
                    "a live cluster named %s exists already (%s) and no intent record in the state folder %s proves it is a restore "
                    "of cluster %s; nothing was sent or deleted; choose another name, or set adopt_existing: true to take that "
                    "cluster as this restore's result" % (name, cluster_id, self.module.state.path, self.cluster_id))
            if request["point_in_time_ms"] is not None:
                self.module.warn("adopt_existing: cluster %s (%s) has no intent record, and the API does not say which point in "
                                 "time a cluster was restored to, so point_in_time %s cannot be read back or checked"
                                 % (cluster_id, name, iso_utc(request["point_in_time_ms"])))
            self.result.update(restored_cluster_id=cluster_id, request=None, adopted=True,
                               msg="adopted the live cluster %s named %s (adopt_existing: true; no intent record)" % (cluster_id, name))
            return self._finish(cluster_id)
        recorded_ms = record.get("point_in_time_ms")
        if recorded_ms != request["point_in_time_ms"]:
            raise OptionError("point_in_time", "cluster %s (%s) was restored to point_in_time %s (intent record %s), not %s; nothing "
                              "was sent or deleted; choose another name for a restore to another point in time"
                              % (cluster_id, name, _describe_point(recorded_ms), record["nonce"],
                                 _describe_point(request["point_in_time_ms"])))
        # The request that made it, as the record holds it: never one this task did not send.
        self.result.update(restored_cluster_id=cluster_id, request=record.get("request"), intent_nonce=record["nonce"],
                           msg="cluster %s was restored into %s by an earlier run (intent record %s)" % (self.cluster_id, name, record["nonce"]))
        return self._finish(cluster_id)

    def _proving_record(self, cluster):
        """The intent record that proves ``cluster`` came from a restore of this collection, or None.

        A record that names its id proves it. A record whose request had an unknown outcome proves it when it is the
        only unresolved record of that name and the cluster was not seen before that record; it is then completed."""
        state = self.module.state
        record = state.intent_for_cluster(cluster["id"])
        if record is not None:
            return record
        unresolved = [candidate for candidate in state.intents(operation=RESTORE_OPERATION, restored_name=cluster["name"])
                      if candidate.get("restored_cluster_id") is None and candidate.get("outcome") != REFUSED]
        if len(unresolved) != 1 or str(cluster["id"]) in (unresolved[0].get("seen_cluster_ids") or []):
            return None
        if unresolved[0].get("source_cluster_id") != self.cluster_id:
            return unresolved[0]  # another source's request: refused by the caller, never completed here
        return state.update_intent(unresolved[0], restored_cluster_id=cluster["id"], outcome=MATCHED)

    def _checked_request(self):
        """Every rule, before anything is sent: first those on the values alone, then those needing the server."""
        params = self.params
        name = check_restore_name(params["name"], "name")
        # What this application's restore takes (the per-application table), before any request.
        self.backend.check_restore_options({"point_in_time": params["point_in_time"], "keyspace_tables": params["keyspace_tables"],
                                            "index_names": params["index_names"], "cluster_network": params["cluster_network"],
                                            "cdc_infos": params["cdc_infos"]})
        tables = check_keyspace_tables(params["keyspace_tables"], "keyspace_tables")
        network = None if params["cluster_network"] is None else check_ipv4_cidr(params["cluster_network"], "cluster_network")
        indices = check_index_names(params["index_names"], "index_names")
        point_ms = None if params["point_in_time"] is None else parse_point_in_time(params["point_in_time"], "point_in_time")

        source = self.backend.get_cluster(self.cluster_id)  # also gives the server's time for the rules below
        if source is None:
            source = self._deleted_source_backups()
        if source is None:
            self.backend.check_cluster_application(self.cluster_id, "cluster_id")  # another application's cluster?
            raise OptionError("cluster_id", "no cluster %s in this account (GET cluster answered HTTP 404)" % self.cluster_id)
        if point_ms is not None:
            check_point_in_time(point_ms, self.module.session.clock.now_ms(), "point_in_time")
        source_dc_ids = [data_centre["id"] for data_centre in source["data_centres"]]
        cdc_infos = self.backend.check_cdc_infos(params["cdc_infos"], source_dc_ids, "cdc_infos")  # the version's own rules
        return {"name": name, "point_in_time_ms": point_ms, "keyspace_tables": tables, "index_names": indices,
                "cdc_infos": cdc_infos, "cluster_network": network}

    def _deleted_source_backups(self):
        """A source that GET cluster no longer finds (deleted) whose backups the API still lists: their data
        centres stand for the source's (what the real API keeps after a deletion is not documented). None when
        its backups are not listed either."""
        if not self.backend.app.lists_backups:
            return None
        try:
            listing = self.backend.list_backup_events(self.cluster_id)
        except ApiError as error:
            if error.status == 404:
                return None
            raise
        self.module.warn("cluster_id: the source cluster %s is not found (deleted?), but its backups are listed: "
                         "restoring from them" % self.cluster_id)
        return {"data_centres": [{"id": data_centre["id"]} for data_centre in listing["data_centres"]]}

    def _request_result(self, request):
        shown = dict(request)
        shown.update(timestamp_pair("point_in_time", request["point_in_time_ms"]))
        shown["body"] = self.backend.restore_wire_body(self.cluster_id, request)
        return shown

    def _clusters_named(self, name):
        """Every cluster with this name, those on their way out included."""
        return [cluster for cluster in self.backend.list_clusters() if cluster["name"] == name]

    def _live_clusters_named(self, name):
        return [cluster for cluster in self._clusters_named(name) if cluster["status"] not in GONE_OR_GOING]

    def _one_live(self, named, name):
        """The one live cluster among ``named``, None when there is none; several, or the source itself, fail."""
        found = [cluster for cluster in named if cluster["status"] not in GONE_OR_GOING]
        if len(found) > 1:
            raise OperationFailed("several live clusters are named %s: %s; restore by name cannot tell which is meant"
                                  % (name, ", ".join(str(cluster["id"]) for cluster in found)))
        if found and found[0]["id"] == self.cluster_id:
            raise OptionError("name", "%s is the source cluster's own name; choose a new name for the restored cluster" % name)
        return found[0] if found else None

    def _check_backups_cover(self, point_ms):
        """Fail (instead of the API's 412) when the source's backups cannot restore to ``point_ms``.

        Only where the application's rules are known (Cassandra); elsewhere ``_check_latest_backups``
        refuses nothing it cannot prove and warns about the rest; without a backup listing (Redis) there
        is nothing to check."""
        app = self.backend.app
        if not app.lists_backups:
            self.module.warn("validate_backups: skipped; the API lists no %s backups, so they cannot be checked before "
                             "the restore" % self.backend.application)
            return
        if not app.restorable_range:
            self._check_latest_backups(point_ms)
            return
        nodes = _coverage.scan_nodes(self.backend.list_backup_events(self.cluster_id))
        restorable_from, restorable_until = _coverage.restorable_range(nodes)
        if restorable_until is None:
            raise OperationFailed("cluster %s has no restorable backup: no instant is covered by a completed snapshot on every node"
                                  % self.cluster_id)
        if point_ms is None:
            return
        if not restorable_from <= point_ms <= restorable_until:
            raise OptionError("point_in_time", "%s is outside the restorable range of cluster %s, %s to %s (from its backup events)"
                              % (iso_utc(point_ms), self.cluster_id, iso_utc(restorable_from), iso_utc(restorable_until)))
        uncovered = _coverage.uncovered_nodes_at(nodes, point_ms)
        if uncovered:
            raise OptionError("point_in_time", "%s falls before the first completed backup of node(s) %s of cluster %s"
                              % (iso_utc(point_ms), ", ".join(uncovered), self.cluster_id))

    def _check_latest_backups(self, point_ms):
        """An application whose restorable instants the API does not establish (PostgreSQL, OpenSearch).

        The events prove only each node's latest completed backup; which instants a restore can reach
        is not known (continuous archiving, backups older than the 7-day window), so nothing is refused:
        what looks doubtful is said in a warning."""
        app = self.backend.app
        nodes = _coverage.scan_nodes(self.backend.list_backup_events(self.cluster_id), app.backup_event_types)
        application = self.backend.application
        without = [node.node_id for node in nodes if not node.has_backup]
        if without:
            self.module.warn("validate_backups: node(s) %s of %s cluster %s show no completed backup (%s) in the API's "
                             "7-day window; not refused, because which backups a %s restore needs is not established"
                             % (", ".join(str(node_id) for node_id in without), application, self.cluster_id,
                                ", ".join(app.backup_event_types), application))
        earliest = min((node.first_snapshot_end_ms for node in nodes if node.has_backup), default=None)
        if point_ms is not None and earliest is not None and point_ms < earliest:
            self.module.warn("validate_backups: point_in_time %s is before the first completed backup listed for cluster "
                             "%s (%s); not refused, because older backups may exist beyond the API's 7-day window"
                             % (iso_utc(point_ms), self.cluster_id, iso_utc(earliest)))

    def _post_once(self, request, record):
        """Send the restore request once; after an ambiguous failure find the cluster the record matches, never post again."""
        state = self.module.state
        try:
            return self.backend.restore(self.cluster_id, request)
        except ApiError as error:
            if not error.ambiguous:
                state.update_intent(record, outcome=REFUSED)
                raise  # a definite refusal: nothing was created
            found = self._find_after_ambiguous_post(request["name"], record)
            if found is None:
                state.update_intent(record, outcome=UNKNOWN)
                raise OperationFailed(
                    "restore outcome unknown: %s; no cluster named %s was found within %g s; a rerun is safe"
                    % (error.describe(), request["name"], self._grace(AMBIGUOUS_GRACE_SECONDS)),
                    details={"api_error": error.to_result()})
            rivals = self._rival_records(found, record)
            if rivals:
                state.update_intent(record, outcome=UNKNOWN)
                raise OperationFailed(
                    "restore outcome unknown: %s; cluster %s named %s appeared, but another restore request of that name (intent "
                    "record %s, source %s) was sent too, so it is not proven to be this request's; it is not taken as this "
                    "restore's result and nothing deletes it" % (error.describe(), found["id"], request["name"], rivals[0]["nonce"],
                                                                 rivals[0].get("source_cluster_id")),
                    details={"api_error": error.to_result(), "unproven_cluster_id": found["id"]})
            state.update_intent(record, outcome=MATCHED)
            return found["id"]

    def _rival_records(self, cluster, record):
        """Other intent records that could have made ``cluster``: they claim it, or are of its name and unresolved, recent."""
        since_ms = (record.get("created_ms") or 0) - AMBIGUOUS_GRACE_SECONDS * 1000
        return [other for other in self.module.state.intents(operation=RESTORE_OPERATION, restored_name=cluster["name"])
                if other["nonce"] != record["nonce"]
                and (other.get("restored_cluster_id") == cluster["id"]
                     or (other.get("restored_cluster_id") is None and other.get("outcome") != REFUSED
                         and (other.get("created_ms") or 0) >= since_ms))]

    def _find_after_ambiguous_post(self, name, record):
        """The one live cluster of this name that was not there before the record (None when none appears)."""
        seen = set(record.get("seen_cluster_ids") or [])

        def fetch():
            return [cluster for cluster in self._live_clusters_named(name) if str(cluster["id"]) not in seen]

        try:
            found, _elapsed = self._wait(fetch, bool, self._grace(AMBIGUOUS_GRACE_SECONDS),
                                         "a cluster named %s to appear" % name,
                                         describe=lambda clusters: "%d cluster(s) named %s" % (len(clusters or []), name))
        except WaitTimeout:
            return None
        if len(found) > 1:
            raise OperationFailed("several live clusters are named %s after an ambiguous restore request: %s"
                                  % (name, ", ".join(str(cluster["id"]) for cluster in found)))
        return found[0]

    def _finish(self, restored_id):
        """Read (or, with wait, wait for) the restored cluster."""
        if self.params["wait"] and not self.module.check_mode:
            cluster = self._wait_running(restored_id)
            record_restore_running(self.result, self.module.session.clock.now_ms())
            self.result["msg"] += "; it is RUNNING"
        else:
            cluster = self.backend.get_cluster(restored_id)
        self.result["cluster"] = cluster
        return self.result

    def _wait_running(self, restored_id):
        seen = {"cluster": None, "last_not_running_at_ms": None}
        wait = restore_running(self.backend, restored_id, self.params["wait_timeout"], self.module.session.clock.now_ms, seen)
        try:
            cluster, _elapsed = self._wait(wait.fetch, wait.done, wait.timeout, wait.waiting_for, failed=wait.failed,
                                           describe=wait.describe)
        finally:
            record_restore_seen(self.result, seen)
        return cluster

    # ---- state: absent ----

    def absent(self):
        restored_id = check_uuid(self.params["restored_cluster_id"], "restored_cluster_id")
        if restored_id == self.cluster_id:
            raise OptionError("restored_cluster_id", "is the source cluster_id %s; refusing to delete the source cluster" % restored_id)
        self.result = {"changed": False, "created": False, "restored_cluster_id": restored_id, "cluster": None}
        cluster = self.backend.get_cluster(restored_id)
        if cluster is None:
            self.backend.check_cluster_application(restored_id, "restored_cluster_id")  # gone, or another application's?
            self.result["msg"] = "cluster %s is already gone" % restored_id
            return self.result
        self.result["cluster"] = cluster
        name = self.params["name"]
        if name is not None and cluster["name"] != name:
            raise OptionError("name", "cluster %s is named %r, not %r; refusing to delete it" % (restored_id, cluster["name"], name))
        if cluster["status"] not in GONE_OR_GOING:
            self._check_proof(restored_id, cluster)  # before a DELETE (or check mode's promise of one), never after

        if cluster["status"] in GONE_OR_GOING:
            self.result["msg"] = "cluster %s is already %s" % (restored_id, cluster["status"])
        elif self.module.check_mode:
            self.result.update(changed=True, msg="check mode: cluster %s (%s) would be deleted" % (restored_id, cluster["name"]))
            return self.result
        else:
            self._delete(restored_id)
            self.result.update(changed=True, msg="deleted cluster %s (%s)" % (restored_id, cluster["name"]))
        if self.params["wait"] and not self.module.check_mode:
            self._wait_gone(restored_id, accepted_by_us=self.result["changed"])
            self.result["msg"] += "; it is gone"
        return self.result

    def _check_proof(self, restored_id, cluster):
        """Refuse a cluster no intent record proves to be a restore (of ``cluster_id``, by ``run_id``), unless ``force``."""
        if self.params["force"]:
            return
        record = self.module.state.intent_for_cluster(restored_id)
        if record is None:
            raise OperationFailed("no intent record in the state folder %s proves that cluster %s (%s) is a restore made by this "
                                  "collection; nothing was deleted; set force: true to delete it anyway"
                                  % (self.module.state.path, restored_id, cluster["name"]))
        if self.cluster_id is not None and record.get("source_cluster_id") != self.cluster_id:
            raise OperationFailed("cluster %s (%s) was restored from cluster %s (intent record %s), not from cluster_id %s; nothing "
                                  "was deleted" % (restored_id, cluster["name"], record.get("source_cluster_id"), record["nonce"],
                                                   self.cluster_id))
        run_id = self.params["run_id"]
        if run_id is not None and record.get("run_id") != run_id:
            raise OperationFailed("cluster %s (%s) was not restored by run %s (its intent record %s names run %s); nothing was deleted"
                                  % (restored_id, cluster["name"], run_id, record["nonce"], record.get("run_id")))
        self.result["intent_nonce"] = record["nonce"]

    def _delete(self, restored_id):
        """DELETE, retried while the API answers 409 (dependent resources still exist) until wait_timeout.

        A DELETE whose outcome is unknown counts as accepted when a re-read shows the cluster DELETING or gone.
        """
        def attempt():
            try:
                self.backend.delete_cluster(restored_id)
            except ApiError as error:
                if self.backend.delete_later(error):  # v1: 409 while dependent resources exist
                    return error
                if error.ambiguous:
                    after = self.backend.get_cluster(restored_id)
                    if after is None or after["status"] in GONE_OR_GOING:
                        return None
                raise
            return None

        try:
            self._wait(attempt, lambda conflict: conflict is None, self.params["wait_timeout"],
                       "cluster %s's dependent resources to go (HTTP 409)" % restored_id,
                       describe=lambda conflict: conflict.describe() if conflict is not None else "accepted")
        except WaitTimeout as timeout:
            raise OperationFailed(str(timeout), details=self.result)

    def _wait_gone(self, restored_id, accepted_by_us):
        """Until GET answers 404 (or DELETED). A cluster that never starts DELETING waits for a two-factor confirmation."""
        deletion = Deletion(self.backend, restored_id, self.params["wait_timeout"], accepted_by_us, self.module.monotonic)
        wait = deletion.wait
        try:
            self._wait(wait.fetch, wait.done, wait.timeout, wait.waiting_for, failed=wait.failed, describe=wait.describe)
        except WaitTimeout as timeout:
            raise OperationFailed(deletion.timeout_message(timeout), details=self.result)
        except OperationFailed as failure:
            raise OperationFailed(str(failure), details=self.result)

    # ---- shared ----

    def _grace(self, seconds):
        return min(self.params["wait_timeout"], seconds)

    def _wait(self, fetch, done, timeout, waiting_for, failed=None, describe=repr):
        return self.module.wait_until(fetch, done, timeout, waiting_for, failed=failed, describe=describe)


def main():
    module = RestorekitModule(argument_spec=ARGUMENT_SPEC,
                              required_if=[("state", "present", ("cluster_id", "name")), ("state", "absent", ("restored_cluster_id",)),
                                           # A delete names what it must not be (the source) or what it must be (the name).
                                           ("state", "absent", ("cluster_id", "name"), True)])
    module.run(ClusterRestore(module).run)


if __name__ == "__main__":
    main()
