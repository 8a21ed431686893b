#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: cluster_wait
short_description: Wait for many clusters' backups, restores and deletions at once, from one process
version_added: 0.1.0
description:
  - Waits until each of many operations that other tasks started with O(restorekit.instaclustr.cluster_backup#module:wait=false)
    or O(restorekit.instaclustr.cluster_restore#module:wait=false) reaches its end (a backup every node completed, a
    restored cluster and all its nodes RUNNING, a deleted cluster gone).
  - One process polls every cluster in turn, each every O(wait_sleep) seconds, through the account's shared request
    budget (O(api_rate_limit)), by the same rules and reads as those modules' own waits. A playbook that drills many
    clusters starts each operation in its own host's task (a short task, so the worker is free again) and waits for
    all of them in one C(run_once) task, instead of holding a worker process per waiting cluster.
  - Sends no request that changes anything, only the reads of the waits (C(GET) of the backups or of the cluster).
  - Never fails as a whole because one operation failed or timed out; each item of RV(outcomes) says whether its
    operation ended (RV(outcomes.failed), RV(outcomes.msg)). The module fails only for options it cannot use.
  - Each item's result is the start task's result (O(waits[].started)) updated with what the wait saw, in the shape
    the starting module returns with O(restorekit.instaclustr.cluster_backup#module:wait=true), so that a playbook can
    use it in place of that result.
author:
  - restorekit maintainers (@restorekit)
extends_documentation_fragment:
  - restorekit.instaclustr.api
  - restorekit.instaclustr.attributes
attributes:
  check_mode:
    support: full
    details:
      - In check mode nothing is polled (the starting modules do not wait in check mode either); each item's result is
        its O(waits[].started) result.
  diff_mode:
    support: none
options:
  waits:
    description:
      - The operations to wait for, one item each.
    type: list
    elements: dict
    required: true
    suboptions:
      key:
        description:
          - The item's name in RV(outcomes), unique among the items (for example the inventory host name).
        type: str
        required: true
      operation:
        description:
          - V(backup) - the backup that O(waits[].started) (a C(cluster_backup) result) triggered or followed, until every
            node completed it. A reused backup needs no wait. Not for an application whose backups the API does not list
            (Redis); the item fails saying so.
          - V(restore) - the cluster that O(waits[].started) (a C(cluster_restore) result) restored, until it and all its
            nodes are RUNNING. FAILED, DEFERRED, DELETING or deleted fail the item.
          - V(delete) - the cluster whose deletion O(waits[].started) (a C(cluster_restore) result with C(state=absent))
            sent, until the API answers 404 or DELETED. When that task's deletion was accepted (C(changed)) and the
            cluster is neither DELETING nor gone after 2 minutes (or the item's O(waits[].wait_timeout), if shorter),
            the item fails; two-factor delete is probably on.
        type: str
        required: true
        choices: [backup, restore, delete]
      cluster_id:
        description:
          - The cluster to poll (a UUID), the backed-up source for V(backup), the restored cluster for V(restore) and
            V(delete).
        type: str
        required: true
      application:
        description:
          - The cluster's application (see O(application)); defaults to O(application).
        type: str
        choices: [cassandra, postgresql, opensearch, redis]
      api_version:
        description:
          - The API version to read this cluster through; defaults to O(api_version). Every item is read with the same
            O(api_url) and credentials.
        type: str
        choices: [v1, v2]
      started:
        description:
          - The registered result of the task that started the operation (its C(invocation) is dropped). What the wait
            needs is read from it (V(backup) - C(triggered_at_ms), else C(backup.started_at_ms), and C(backup.reused);
            V(restore) - C(requested_at_ms); V(delete) - C(changed)); every other field is kept in the item's result.
        type: dict
        default: {}
      wait_timeout:
        description:
          - How many seconds to wait at most for this item; defaults to O(wait_timeout). When it passes the item fails,
            naming the state it saw last; the other items go on.
        type: float
  wait_timeout:
    description:
      - How many seconds to wait at most for each item that sets no O(waits[].wait_timeout). Each item's clock starts
        when the module starts.
    type: float
    default: 5400
  wait_sleep:
    description:
      - Seconds between two polls of the same cluster. Fractions are allowed.
      - For API hosts other than loopback addresses, values below 2.5 are raised to 2.5 seconds to spare the API's rate limit.
      - The polls of all clusters share the request budget (O(api_rate_limit)); with more clusters than
        O(api_rate_limit) x O(wait_sleep), each cluster is polled less often than O(wait_sleep).
    type: float
    default: 30
notes:
  - Every item is read with the task's O(api_url), O(api_username) and O(api_key); wait together only for clusters of one
    account.
  - In a play, run it once for all hosts (C(run_once) with the C(linear) strategy) and hand each host its own item of
    RV(outcomes). Under C(strategy=free) Ansible runs a C(run_once) task for every host, so do not wait together there.
seealso:
  - module: restorekit.instaclustr.cluster_backup
  - module: restorekit.instaclustr.cluster_restore
"""

EXAMPLES = r"""
- name: Start each host's restore without waiting (a short task, its worker is free again at once)
  restorekit.instaclustr.cluster_restore:
    cluster_id: 77b5a4e1-c422-4a78-b551-d8fa5c42ad95
    name: "orders-{{ inventory_hostname }}-wait"
    wait: false
  register: restore_started

- name: Hand each host's restore to the shared wait
  ansible.builtin.set_fact:
    restore_item:
      key: "{{ inventory_hostname }}"
      operation: restore
      cluster_id: "{{ restore_started.restored_cluster_id }}"
      started: "{{ restore_started }}"

- name: Wait for every host's restored cluster at once, from one process
  restorekit.instaclustr.cluster_wait:
    waits: "{{ ansible_play_batch | map('extract', hostvars) | map(attribute='restore_item') | list }}"
    wait_timeout: 5400
  run_once: true
  register: restores

- name: Each host takes its own result, in the shape cluster_restore returns with wait=true
  ansible.builtin.set_fact:
    restore: "{{ restores.outcomes[inventory_hostname] }}"

- name: Fail the hosts whose restore failed, and only those
  ansible.builtin.fail:
    msg: "{{ restore.msg }}"
  when: restore.failed
"""

RETURN = r"""
outcomes:
  description:
    - One result per item of O(waits), keyed by O(waits[].key).
    - Each is the item's O(waits[].started) result (without C(invocation)) updated by the wait, in the shape the starting
      module returns with C(wait=true) (for example C(backup) for a backup, C(cluster), C(running_at) and
      C(duration_seconds) for a restore), plus the keys below.
  returned: always
  type: dict
  contains:
    failed:
      description: Whether the item's operation failed or its wait timed out (the others are not affected).
      type: bool
      sample: false
    msg:
      description: The start task's message with the wait's outcome, or why the item failed.
      type: str
      sample: restored cluster 77b5a4e1-c422-4a78-b551-d8fa5c42ad95 into orders-restore-test; it is RUNNING
    elapsed:
      description: Seconds this module waited for the item; null when it needed no wait (check mode, a reused backup).
      type: float
      sample: 4210.5
    polls:
      description: How many reads the item's wait made.
      type: int
      sample: 141
failed_keys:
  description: The O(waits[].key) of the items that failed, in the order of O(waits).
  returned: always
  type: list
  elements: str
  sample: [orders-eu]
msg:
  description: How many items ended and how many failed.
  returned: always
  type: str
  sample: waited for 200 operations; 199 ended, 1 failed
"""

from ansible_collections.restorekit.instaclustr.plugins.module_utils._errors import OptionError, RestorekitError, WaitTimeout
from ansible_collections.restorekit.instaclustr.plugins.module_utils._module import APPLICATION_NAMES, RestorekitModule, failure_result
from ansible_collections.restorekit.instaclustr.plugins.module_utils._operation_waits import (
    Deletion,
    backup_completion,
    backup_since_ms,
    record_restore_running,
    record_restore_seen,
    restore_running,
)
from ansible_collections.restorekit.instaclustr.plugins.module_utils._rules import check_positive, check_uuid
from ansible_collections.restorekit.instaclustr.plugins.module_utils._waiter import poll_interval, wait_many

WAIT_OPTIONS = dict(
    key=dict(type="str", required=True, no_log=False),  # "key" in the name is not a secret
    operation=dict(type="str", required=True, choices=["backup", "restore", "delete"]),
    cluster_id=dict(type="str", required=True),
    application=dict(type="str", choices=list(APPLICATION_NAMES)),
    api_version=dict(type="str", choices=["v1", "v2"]),
    started=dict(type="dict", default={}),
    wait_timeout=dict(type="float"),
)

ARGUMENT_SPEC = dict(
    waits=dict(type="list", elements="dict", required=True, options=WAIT_OPTIONS),
    wait_timeout=dict(type="float", default=5400),
    wait_sleep=dict(type="float", default=30),
)

# What Ansible adds to a registered result; not the operation's.
_NOT_KEPT = ("invocation", "failed", "skipped", "skip_reason", "warnings", "deprecations", "changed_when_result", "failed_when_result")


class Item:
    """One operation to wait for: its ``Wait`` (None when nothing is to be waited for) and how its result is made."""

    def __init__(self, module, spec):
        self.module = module
        self.key = spec["key"]
        self.spec = spec
        self.result = {key: value for key, value in (spec["started"] or {}).items()
                       if key not in _NOT_KEPT and not str(key).startswith("_ansible")}
        self.result.update(failed=False, elapsed=None, polls=0)
        self.wait = None
        self._seen = {"cluster": None, "last_not_running_at_ms": None}
        self._deletion = None

    def prepare(self):
        """Check the item and build its wait; an item that cannot be waited for fails alone (its result says why)."""
        spec = self.spec
        params = self.module.params
        timeout = spec["wait_timeout"] if spec["wait_timeout"] is not None else params["wait_timeout"]
        check_positive(timeout, "waits[%s].wait_timeout" % self.key)
        cluster_id = check_uuid(spec["cluster_id"], "waits[%s].cluster_id" % self.key)
        application = spec["application"] or params["application"]
        api_version = spec["api_version"] or params["api_version"]
        if api_version == "v1" and application != "cassandra":
            raise OptionError("waits[%s].application" % self.key, "%s needs api_version: v2" % application)
        if self.module.check_mode:
            return
        backend = self.module.backend_for(api_version, application)
        started = spec["started"] or {}
        operation = spec["operation"]
        if operation == "backup":
            if (started.get("backup") or {}).get("reused"):
                return  # a reused backup completed before the task that chose it
            if not backend.app.lists_backups:
                raise OptionError("waits[%s].operation" % self.key, "a %s backup cannot be followed: the API lists no %s backups"
                                  % (application, application))
            since_ms = backup_since_ms(started)
            if since_ms is None:
                raise OptionError("waits[%s].started" % self.key, "holds neither triggered_at_ms nor backup.started_at_ms: "
                                  "not a cluster_backup result of a backup to follow")
            self.wait = backup_completion(backend, cluster_id, since_ms, timeout)
        elif operation == "restore":
            self.wait = restore_running(backend, cluster_id, timeout, self.module.session.clock.now_ms, self._seen)
        else:
            self._deletion = Deletion(backend, cluster_id, timeout, bool(started.get("changed")), self.module.monotonic)
            self.wait = self._deletion.wait

    def fail(self, error):
        failure = failure_result(error)
        failure.pop("last_seen", None)
        self.result.update(failure, failed=True)

    def finish(self):
        """The item's result once its wait is over (or was never needed)."""
        if self.wait is None or self.result["failed"]:
            return self.result
        self.result.update(elapsed=self.wait.elapsed, polls=self.wait.polls)
        operation = self.spec["operation"]
        if operation == "restore":
            record_restore_seen(self.result, self._seen)
        try:
            state, _elapsed = self.wait.outcome()
        except WaitTimeout as timeout:
            self._failed(timeout, self._deletion.timeout_message(timeout) if self._deletion else str(timeout))
            return self.result
        except RestorekitError as error:
            self._failed(error, failure_result(error)["msg"])
            return self.result
        message = self.result.get("msg") or ""
        if operation == "backup":
            self.result["backup"] = state.as_result()
            self.result["msg"] = message + "; every node completed"
        elif operation == "restore":
            record_restore_running(self.result, self.module.session.clock.now_ms())
            self.result["msg"] = message + "; it is RUNNING"
        else:
            self.result["msg"] = message + "; it is gone"
        return self.result

    def _failed(self, error, message):
        failure = failure_result(error)
        last_seen = failure.pop("last_seen", None)
        if self.spec["operation"] == "backup" and last_seen is not None:
            self.result["backup"] = last_seen.as_result()
        if self.spec["operation"] == "restore":
            self.result["rerun_safe"] = True  # as cluster_restore: a rerun looks the name up before restoring
        self.result.update(failure, failed=True, msg=message)


def run(module):
    keys = [spec["key"] for spec in module.params["waits"]]
    duplicates = sorted(set(key for key in keys if keys.count(key) > 1))
    if duplicates:
        raise OptionError("waits", "each key must be unique; repeated: %s" % ", ".join(duplicates))
    check_positive(module.params["wait_timeout"], "wait_timeout")
    check_positive(module.params["wait_sleep"], "wait_sleep")
    items = [Item(module, spec) for spec in module.params["waits"]]
    for item in items:
        try:
            item.prepare()
        except RestorekitError as error:
            item.fail(error)
    waits = [item.wait for item in items if item.wait is not None and not item.result["failed"]]
    if waits:
        wait_many(waits, sleep=poll_interval(module.params["wait_sleep"], module.session.is_loopback),
                  monotonic=module.monotonic, sleeper=module.sleep)
    outcomes = {item.key: item.finish() for item in items}
    failed_keys = [item.key for item in items if outcomes[item.key]["failed"]]
    return {"changed": False, "outcomes": outcomes, "failed_keys": failed_keys,
            "msg": "waited for %d operations; %d ended, %d failed" % (len(items), len(items) - len(failed_keys), len(failed_keys))}


def main():
    module = RestorekitModule(argument_spec=ARGUMENT_SPEC)
    module.run(lambda: run(module))


if __name__ == "__main__":
    main()
