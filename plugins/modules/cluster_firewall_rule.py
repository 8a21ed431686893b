#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: cluster_firewall_rule
short_description: Open or close an Instaclustr cluster's data port to a network (firewall rules)
version_added: 0.1.0
description:
  - Makes sure that a cluster's firewall lets a network reach the cluster's data port (O(state=present)), or no longer
    does (O(state=absent)), for instance so that a disaster-recovery drill or a recovery runner can reach a restored
    cluster.
  - One firewall rule is one network and one rule type. The module first reads the cluster's rules and sends a request
    only for a rule type that is missing (O(state=present)) or still there (O(state=absent)); otherwise it sends nothing
    and returns RV(ignore:changed=false).
  - >-
    On O(api_version=v1) it uses C(GET|POST|DELETE /provisioning/v1/{clusterId}/firewallRules/) with a body
    C({"network": ..., "rules": [{"type": ...}]}) (DELETE with the same body), one request per rule type. On
    O(api_version=v2) it uses C(POST /cluster-management/v2/resources/network-firewall-rules/v2) with
    C({"clusterId", "network", "type"}), C(DELETE .../network-firewall-rules/v2/{firewallRuleId}), and reads
    C(GET /cluster-management/v2/data-sources/cluster/{clusterId}/network-firewall-rules/v2). The v2 paths are the same
    for every O(application).
  - A 409 to an add (a rule of that type already exists for that network, added by someone else since the module read
    the rules) is read as present, never as an error.
  - If an add fails in a way that leaves its outcome unknown (a timeout or a lost connection after the request was
    sent, a 5xx), the module never sends it again. It reads the rules again and carries on when the rule shows;
    otherwise it fails saying that the outcome is unknown (running the task again is safe, as it reads the rules first).
    A remove that fails is retried by the API client like every DELETE; when it still fails, the module reads the
    rules again and counts the rule as removed when it is gone.
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
      - In check mode the module reads the rules and returns the requests it would send in RV(requests); it sends none
        and does not wait.
  diff_mode:
    support: none
options:
  cluster_id:
    description:
      - The id (a UUID) of the cluster whose firewall rules to manage.
    type: str
    required: true
  network:
    description:
      - The network to open or close, in CIDR notation, IPv4 or IPv6, such as V(203.0.113.0/24) or V(2001:db8::/64).
      - A bare address means that one address (V(203.0.113.7) is V(203.0.113.7/32), an IPv6 address is a C(/128)).
      - The host bits must be zero (V(10.0.0.7/24) is refused, naming V(10.0.0.0/24)).
    type: str
    required: true
  rule_types:
    description:
      - The firewall rule types to open or close for O(network), one rule per type.
      - Default, the type that opens the data port of O(application) - on O(api_version=v2) V(CASSANDRA_CQL) (Cassandra,
        port 9042), V(POSTGRESQL) (5432), V(OPENSEARCH) (9200) or V(REDIS) (6379); on O(api_version=v1) V(CASSANDRA).
      - Other types the API knows (such as V(CASSANDRA) on v2) are passed through as given, upper-cased.
    type: list
    elements: str
  state:
    description:
      - V(present) adds the rules that are missing; V(absent) removes those that are there.
    type: str
    choices: [present, absent]
    default: present
  wait:
    description:
      - With O(state=present), wait until every rule is applied - on O(api_version=v2) until its C(status) is
        V(RUNNING) (a new rule goes through V(GENESIS) and V(PROVISIONING)). On O(api_version=v1), whose rules carry no
        status, until every rule is listed.
      - With O(state=absent), wait until no rule of O(rule_types) for O(network) is listed.
      - Also applies when nothing had to be sent (a rule added by an earlier run may still be provisioning).
    default: true
  wait_timeout:
    default: 600
  wait_sleep:
    default: 10
notes:
  - Whether a cluster restored from a backup inherits its source's firewall rules is not documented; assume it does not
    and open the restored cluster with this module (its rules can be copied from the source with
    M(restorekit.instaclustr.cluster_firewall_rule_info)).
  - Rule statuses other than V(GENESIS), V(PROVISIONING) and V(RUNNING) (such as a deferred rule with a
    C(deferredReason)) are not documented; the module keeps waiting on them until O(wait_timeout) and then fails,
    naming the status and the reason it saw.
seealso:
  - module: restorekit.instaclustr.cluster_firewall_rule_info
"""

EXAMPLES = r"""
- name: Let this runner reach a PostgreSQL cluster, and wait until the rule is RUNNING
  restorekit.instaclustr.cluster_firewall_rule:
    api_version: v2
    application: postgresql
    cluster_id: "{{ payments_pg_id }}"
    network: 203.0.113.7

- name: Open the CQL port of a Cassandra cluster to a network on the Provisioning API (v1)
  restorekit.instaclustr.cluster_firewall_rule:
    cluster_id: 77b5a4e1-c422-4a78-b551-d8fa5c42ad95
    network: 198.51.100.0/24

- name: Close it again
  restorekit.instaclustr.cluster_firewall_rule:
    cluster_id: 77b5a4e1-c422-4a78-b551-d8fa5c42ad95
    network: 198.51.100.0/24
    state: absent
"""

RETURN = r"""
cluster_id:
  description: The cluster's id (lower case).
  returned: always
  type: str
  sample: 77b5a4e1-c422-4a78-b551-d8fa5c42ad95
network:
  description: O(network) in its normal form (a bare address with its C(/32) or C(/128)).
  returned: always
  type: str
  sample: 203.0.113.7/32
rule_types:
  description: The rule types managed (O(rule_types) upper-cased, or the application's default).
  returned: always
  type: list
  elements: str
  sample: [CASSANDRA_CQL]
rules:
  description:
    - The cluster's rules of RV(rule_types) for RV(network), as last read (after the wait when O(wait=true)); empty once
      they are absent.
    - In check mode, the rules as they are before any change.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The rule's id on v2; null on v1, whose rules have none.
      type: str
      sample: 8e5c7a3b-51c1-4d7e-9f8a-2b6d4c0e1a93
    cluster_id:
      description: The cluster's id.
      type: str
      sample: 77b5a4e1-c422-4a78-b551-d8fa5c42ad95
    network:
      description: The network as the API spells it.
      type: str
      sample: 203.0.113.7/32
    type:
      description: The rule type.
      type: str
      sample: CASSANDRA_CQL
    status:
      description: V(GENESIS), V(PROVISIONING), V(RUNNING) or another status the API names, on v2; null on v1.
      type: str
      sample: RUNNING
    deferred_reason:
      description: Why the API defers the rule, when it says so (v2); else null.
      type: str
      sample: null
    security_group_id:
      description: An AWS security group's id for a rule of a security group instead of a network (v1); else null.
      type: str
      sample: null
requests:
  description:
    - The requests this task sent (in check mode, would send), in order, each with C(method), C(path) and C(body) (null
      when there is none).
  returned: always
  type: list
  elements: dict
  sample:
    - method: POST
      path: /cluster-management/v2/resources/network-firewall-rules/v2
      body: {clusterId: 77b5a4e1-c422-4a78-b551-d8fa5c42ad95, network: 203.0.113.7/32, type: CASSANDRA_CQL}
msg:
  description: What the module did.
  returned: always
  type: str
  sample: added CASSANDRA_CQL for 203.0.113.7/32; every rule is RUNNING (cluster 77b5a4e1-c422-4a78-b551-d8fa5c42ad95)
"""

import ipaddress

from ansible_collections.restorekit.instaclustr.plugins.module_utils._errors import ApiError, OperationFailed, WaitTimeout
from ansible_collections.restorekit.instaclustr.plugins.module_utils._module import RestorekitModule, wait_argument_spec
from ansible_collections.restorekit.instaclustr.plugins.module_utils._rules import check_network, check_rule_types, check_uuid

RUNNING = "RUNNING"
# After an ambiguous add, how long the rule may take to show in the list (capped by wait_timeout).
AMBIGUOUS_GRACE_SECONDS = 30

ARGUMENT_SPEC = dict(
    cluster_id=dict(type="str", required=True),
    network=dict(type="str", required=True),
    rule_types=dict(type="list", elements="str"),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    **wait_argument_spec(600, 10)
)


def same_network(listed, wanted):
    """Whether the network the API lists is ``wanted`` (a normal-form CIDR), whatever its spelling."""
    if not isinstance(listed, str):
        return False
    try:
        return str(ipaddress.ip_network(listed.strip(), strict=False)) == wanted
    except ValueError:
        return False


class ClusterFirewallRule:
    """Read the rules, send what is missing (or still there) once each, then wait for the end state."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.backend = module.backend
        self.cluster_id = None
        self.network = None
        self.types = []
        self.sent = []  # the requests sent, in order
        self.notes = []

    def run(self):
        params = self.params
        self.cluster_id = check_uuid(params["cluster_id"], "cluster_id")
        self.network = check_network(params["network"], "network")
        if params["rule_types"] is None:
            self.types = [self.backend.default_firewall_rule_type]
        else:
            self.types = check_rule_types(params["rule_types"], "rule_types")
        found = self.matching(self.backend.list_firewall_rules(self.cluster_id))
        if params["state"] == "present":
            return self.present(found)
        return self.absent(found)

    def matching(self, rules):
        """``{type: rule}`` of the rules of ``self.types`` for ``self.network``."""
        return {rule["type"]: rule for rule in rules if rule["type"] in self.types and same_network(rule["network"], self.network)}

    def read(self):
        return self.matching(self.backend.list_firewall_rules(self.cluster_id))

    # ---- present ----

    def present(self, found):
        missing = [rule_type for rule_type in self.types if rule_type not in found]
        if self.module.check_mode:
            planned = [self.backend.add_firewall_rule_request(self.cluster_id, self.network, t) for t in missing]
            note = "check mode: would add %s" % ", ".join(missing) if missing else "every rule is there"
            return self.result(bool(missing), self.ordered(found), note, requests=planned)
        added = [rule_type for rule_type in missing if self.add(rule_type)]
        if added:
            self.notes.append("added %s" % ", ".join(added))
        if not missing:
            self.notes.append("every rule is there")
        found = self.wait_present(changed=bool(added)) if self.params["wait"] else self.read()
        return self.result(bool(added), self.ordered(found), "; ".join(self.notes))

    def add(self, rule_type):
        """Send the add once; True when this task added the rule, False when it was there (409)."""
        request = self.backend.add_firewall_rule_request(self.cluster_id, self.network, rule_type)
        self.sent.append(request)
        try:
            rule = self.backend.add_firewall_rule(self.cluster_id, self.network, rule_type)
        except ApiError as error:
            if not error.ambiguous:
                raise
            self.confirm_ambiguous_add(error, rule_type)
            self.notes.append("the add of %s had an unknown outcome (%s); the rule then showed" % (rule_type, error.describe()))
            return True
        if rule is None:
            self.notes.append("%s was added meanwhile by someone else (the API answered 409)" % rule_type)
            return False
        return True

    def confirm_ambiguous_add(self, error, rule_type):
        """Read the rules until the one just sent shows; fail (without sending it again) when it does not."""
        grace = min(self.params["wait_timeout"], AMBIGUOUS_GRACE_SECONDS)
        try:
            self.module.wait_until(self.read, lambda found: rule_type in found, grace,
                                   "firewall rule %s for %s" % (rule_type, self.network), describe=self.describe)
        except WaitTimeout:
            raise OperationFailed(
                "add firewall rule outcome unknown: %s; no %s rule for %s showed within %g s. The request was not sent "
                "again; running the task again is safe (it reads the rules first)" % (error.describe(), rule_type, self.network, grace),
                details=self.details(api_error=error.to_result()), rerun_safe=True)

    def wait_present(self, changed):
        have_status = self.backend.firewall_rules_have_status

        def applied(found):
            return all(rule_type in found and (not have_status or found[rule_type]["status"] == RUNNING)
                       for rule_type in self.types)

        state = "RUNNING" if have_status else "listed"
        found = self.poll(applied, "firewall rules %s for %s %s" % (", ".join(self.types), self.network, state), changed)
        self.notes.append("every rule is %s" % state)
        return found

    # ---- absent ----

    def absent(self, found):
        present = self.ordered(found)
        if self.module.check_mode:
            planned = [self.backend.delete_firewall_rule_request(self.cluster_id, rule) for rule in present]
            note = "check mode: would remove %s" % ", ".join(rule["type"] for rule in present) if present else "no rule is there"
            return self.result(bool(present), self.ordered(found), note, requests=planned)
        removed = [rule["type"] for rule in present if self.remove(rule)]
        self.notes.append("removed %s" % ", ".join(removed) if removed else "no rule is there")
        if self.params["wait"]:
            found = self.poll(lambda found: not found, "no firewall rule %s for %s" % (", ".join(self.types), self.network),
                              bool(removed))
        else:
            found = self.read()
        return self.result(bool(removed), self.ordered(found), "; ".join(self.notes))

    def remove(self, rule):
        """Send the remove; True when this task removed the rule, False when it was gone already."""
        self.sent.append(self.backend.delete_firewall_rule_request(self.cluster_id, rule))
        try:
            return self.backend.delete_firewall_rule(self.cluster_id, rule)
        except ApiError as error:
            if not error.ambiguous and error.status is not None and error.status < 500:
                raise
            if rule["type"] in self.read():  # still there: the failure stands
                raise
            self.notes.append("the remove of %s failed (%s) but the rule is gone" % (rule["type"], error.describe()))
            return True

    # ---- shared ----

    def poll(self, done, waiting_for, changed):
        try:
            found, _elapsed = self.module.wait_until(self.read, done, self.params["wait_timeout"], waiting_for,
                                                     describe=self.describe)
        except WaitTimeout as timeout:
            raise OperationFailed(str(timeout), details=self.details(changed=changed, rules=self.ordered(timeout.last_seen or {}),
                                                                     elapsed=timeout.elapsed))
        return found

    def describe(self, found):
        if not found:
            return "no rule of %s for %s" % (", ".join(self.types), self.network)
        return ", ".join("%s %s%s" % (rule_type, found[rule_type]["status"] or "listed",
                                      " (%s)" % found[rule_type]["deferred_reason"] if found[rule_type]["deferred_reason"] else "")
                         for rule_type in self.types if rule_type in found)

    def ordered(self, found):
        return [found[rule_type] for rule_type in self.types if rule_type in found]

    def details(self, **extra):
        details = {"cluster_id": self.cluster_id, "network": self.network, "rule_types": self.types, "requests": self.sent}
        details.update(extra)
        return details

    def result(self, changed, rules, note, requests=None):
        return {"changed": changed, "cluster_id": self.cluster_id, "network": self.network, "rule_types": self.types,
                "rules": rules, "requests": self.sent if requests is None else requests,
                "msg": "%s (cluster %s)" % (note, self.cluster_id)}


def main():
    module = RestorekitModule(argument_spec=ARGUMENT_SPEC)
    module.run(ClusterFirewallRule(module).run)


if __name__ == "__main__":
    main()
