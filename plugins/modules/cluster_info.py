#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: cluster_info
short_description: Read Instaclustr clusters, their data centres and nodes
version_added: 0.1.0
description:
  - Reads clusters of the account. One by O(cluster_id) (C(GET /provisioning/v1/{clusterId}) on O(api_version=v1),
    C(GET /cluster-management/v2/resources/applications/{cassandra|postgresql|opensearch|redis}/clusters/v2/{clusterId}),
    after O(application), on O(api_version=v2)),
    the clusters named O(name) (from the account's cluster list, then each by id), or every cluster when neither is set.
  - On O(api_version=v2) the account's cluster list (C(GET /cluster-management/v2/data-sources/clusters/v2), every account
    in it) carries ids and applications only, so every cluster of O(application) in the account is read once to learn
    its name; other applications are not read.
  - A O(cluster_id) of another application (per the account's cluster list) fails saying which O(application) to set;
    an id the account does not hold returns an empty list.
  - Returns a list of clusters in one shape, empty when none matches. Passwords the API returns are never included.
  - Never changes anything.
author:
  - restorekit maintainers (@restorekit)
extends_documentation_fragment:
  - restorekit.instaclustr.api
  - restorekit.instaclustr.attributes.info_module
options:
  cluster_id:
    description:
      - The id (a UUID) of the cluster to read. Mutually exclusive with O(name).
    type: str
  name:
    description:
      - Read the clusters with exactly this name. Mutually exclusive with O(cluster_id).
    type: str
notes:
  - Without O(cluster_id) and O(name) every cluster of the account is read, one request per cluster. With O(name), one
    request per matching cluster on O(api_version=v1), one per Cassandra cluster of the account on O(api_version=v2).
seealso:
  - module: restorekit.instaclustr.cluster_restore
  - module: restorekit.instaclustr.cluster_backup_info
"""

EXAMPLES = r"""
- name: Read a cluster by id
  restorekit.instaclustr.cluster_info:
    api_username: "{{ instaclustr_user }}"
    api_key: "{{ instaclustr_api_key }}"
    cluster_id: 77b5a4e1-c422-4a78-b551-d8fa5c42ad95
  register: source

- name: Fail unless the cluster is running
  ansible.builtin.assert:
    that:
      - source.clusters | length == 1
      - source.clusters[0].status == 'RUNNING'

- name: Find the clusters named orders-restore-test
  restorekit.instaclustr.cluster_info:
    name: orders-restore-test
  register: restored

- name: Every cluster of the account
  restorekit.instaclustr.cluster_info:
  register: account
"""

RETURN = r"""
clusters:
  description: The clusters found, empty when none matches.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The cluster id.
      type: str
      sample: 77b5a4e1-c422-4a78-b551-d8fa5c42ad95
    name:
      description: The cluster name.
      type: str
      sample: orders-prod
    status:
      description: The cluster status (GENESIS, PROVISIONING, PROVISIONED, JOINING, RESTORING, DEFERRED, RUNNING, DELETING, DELETED, DEGRADED, FAILED).
      type: str
      sample: RUNNING
    sla_tier:
      description: V(PRODUCTION) or V(NON_PRODUCTION).
      type: str
      sample: PRODUCTION
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
          sample: a8c32b20-c8f0-11e7-abc4-cec278b6b50a
        name:
          description: The region name.
          type: str
          sample: US_EAST_1
        cdc_name:
          description: The data centre's own name.
          type: str
          sample: AWS_VPC_US_EAST_1
        provider:
          description: The cloud provider (V(AWS_VPC), V(AZURE), V(GCP)).
          type: str
          sample: AWS_VPC
        status:
          description: The data centre status.
          type: str
          sample: RUNNING
        network:
          description: The data centre's network as a CIDR string, whether the API sent a string or an object.
          type: str
          sample: 10.0.0.0/16
        nodes:
          description: The data centre's nodes.
          type: list
          elements: dict
          contains:
            id:
              description: The node id.
              type: str
              sample: cb986e08-f6be-4d08-8de2-4352c2cfaf1f
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
              sample: 52.1.2.3
            private_address:
              description: The node's private IPv4 address.
              type: str
              sample: 10.0.0.11
    restore_record:
      description:
        - The intent record in the state folder (O(state_dir)) that proves this cluster is a restore made by
          M(restorekit.instaclustr.cluster_restore); null when none does (the API itself does not say which
          cluster a cluster was restored from).
      type: dict
      contains:
        nonce:
          description: The record's nonce (its file C(intents/<nonce>.json)).
          type: str
        source_cluster_id:
          description: The cluster whose backups were restored.
          type: str
        restored_name:
          description: The name the restore gave.
          type: str
        run_id:
          description: The run (such as a drill's) the restore belonged to; null when none was given.
          type: str
        point_in_time_ms:
          description: The point in time restored to, epoch milliseconds; null for the latest state.
          type: int
        created_ms:
          description: The API server's time when the record was written, just before the restore request.
          type: int
        application:
          description: The application.
          type: str
        api_version:
          description: The API version of the restore request.
          type: str
"""

from ansible_collections.restorekit.instaclustr.plugins.module_utils._module import RestorekitModule
from ansible_collections.restorekit.instaclustr.plugins.module_utils._rules import check_uuid

ARGUMENT_SPEC = dict(
    cluster_id=dict(type="str"),
    name=dict(type="str"),
)


def restore_record(record):
    """What an intent record says about the cluster it proves (None without one)."""
    if record is None:
        return None
    return {"nonce": record.get("nonce"), "source_cluster_id": record.get("source_cluster_id"),
            "restored_name": record.get("restored_name"), "run_id": record.get("run_id"),
            "point_in_time_ms": record.get("point_in_time_ms"), "created_ms": record.get("created_ms"),
            "application": record.get("application"), "api_version": record.get("api_version")}


class ClusterInfo:
    """One GET by id, or the cluster list (filtered by name) and one GET per cluster."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.backend = module.backend

    def run(self):
        clusters = self.clusters()
        # Which of them an intent record proves a restore of this collection (the sweep deletes only those).
        records = {}
        for record in self.module.state.intents(operation="restore"):
            if record.get("restored_cluster_id"):
                records.setdefault(record["restored_cluster_id"], record)  # newest first
        for cluster in clusters:
            cluster["restore_record"] = restore_record(records.get(cluster["id"]))
        return {"changed": False, "clusters": clusters}

    def clusters(self):
        if self.params["cluster_id"] is not None:
            cluster_id = check_uuid(self.params["cluster_id"], "cluster_id")
            cluster = self.backend.get_cluster(cluster_id)
            if cluster is None:
                self.backend.check_cluster_application(cluster_id, "cluster_id")  # another application's cluster fails
                return []
            return [cluster]
        name = self.params["name"]
        ids = [item["id"] for item in self.backend.list_clusters()
               if item["id"] and (name is None or item["name"] == name)]
        # A cluster deleted between the list and its GET answers 404 (None): it is simply not there any more.
        # reuse: on v2 the list itself read each cluster once already; v1 reads each here.
        return [cluster for cluster in (self.backend.get_cluster(cluster_id, reuse=True) for cluster_id in ids) if cluster is not None]


def main():
    module = RestorekitModule(argument_spec=ARGUMENT_SPEC, mutually_exclusive=[("cluster_id", "name")])
    module.run(ClusterInfo(module).run)


if __name__ == "__main__":
    main()
