#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: cluster_firewall_rule_info
short_description: Read the firewall rules of an Instaclustr cluster
version_added: 0.1.0
description:
  - Returns every firewall rule of a cluster, one per network (or security group) and rule type, in the same shape on
    O(api_version=v1) (C(GET /provisioning/v1/{clusterId}/firewallRules/)) and O(api_version=v2)
    (C(GET /cluster-management/v2/data-sources/cluster/{clusterId}/network-firewall-rules/v2), the same path for every
    O(application)).
  - Use it to see who can reach a cluster, or to copy a source cluster's rules to the cluster restored from it with
    M(restorekit.instaclustr.cluster_firewall_rule) (whether a restored cluster inherits its source's rules is not
    documented).
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
seealso:
  - module: restorekit.instaclustr.cluster_firewall_rule
"""

EXAMPLES = r"""
- name: Read the rules of a Cassandra cluster (Provisioning API v1)
  restorekit.instaclustr.cluster_firewall_rule_info:
    cluster_id: 77b5a4e1-c422-4a78-b551-d8fa5c42ad95
  register: cassandra_rules

---
# example: syntax-only (needs the id of a cluster restored from the source)
- name: Read the rules of the source cluster
  restorekit.instaclustr.cluster_firewall_rule_info:
    api_version: v2
    application: postgresql
    cluster_id: "{{ payments_pg_id }}"
  register: source_rules

- name: Open the restored cluster to the same networks
  restorekit.instaclustr.cluster_firewall_rule:
    api_version: v2
    application: postgresql
    cluster_id: "{{ restored_cluster_id }}"
    network: "{{ item.network }}"
    rule_types: ["{{ item.type }}"]
  loop: "{{ source_rules.rules | selectattr('network') | list }}"
"""

RETURN = r"""
cluster_id:
  description: The cluster's id (lower case).
  returned: always
  type: str
  sample: 4b7d2e9a-61c3-4f85-b0a2-9e3c5d7f1a06
rules:
  description: The cluster's firewall rules, one per network (or security group) and rule type, in the API's order.
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
      sample: 4b7d2e9a-61c3-4f85-b0a2-9e3c5d7f1a06
    network:
      description: The network in CIDR notation as the API spells it; null for a rule of a security group.
      type: str
      sample: 203.0.113.7/32
    type:
      description: The rule type, such as V(CASSANDRA_CQL), V(CASSANDRA), V(POSTGRESQL), V(OPENSEARCH) or V(REDIS).
      type: str
      sample: POSTGRESQL
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
"""

from ansible_collections.restorekit.instaclustr.plugins.module_utils._module import RestorekitModule
from ansible_collections.restorekit.instaclustr.plugins.module_utils._rules import check_uuid

ARGUMENT_SPEC = dict(
    cluster_id=dict(type="str", required=True),
)


class ClusterFirewallRuleInfo:
    def __init__(self, module):
        self.module = module

    def run(self):
        cluster_id = check_uuid(self.module.params["cluster_id"], "cluster_id")
        return {"changed": False, "cluster_id": cluster_id, "rules": self.module.backend.list_firewall_rules(cluster_id)}


def main():
    module = RestorekitModule(argument_spec=ARGUMENT_SPEC)
    module.run(ClusterFirewallRuleInfo(module).run)


if __name__ == "__main__":
    main()
