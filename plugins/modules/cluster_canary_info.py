#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: cluster_canary_info
short_description: Read the canary records found in an Instaclustr cluster's own data
version_added: 0.1.0
description:
  - Reads the canaries that M(restorekit.instaclustr.cluster_canary) wrote into a cluster's data store, for instance in a
    cluster restored from a backup, to see which of them came back.
  - Where canaries live is the same as for M(restorekit.instaclustr.cluster_canary) (Cassandra keyspace
    C(restorekit_canary), PostgreSQL schema C(restorekit_canary) in database C(postgres), OpenSearch index
    C(restorekit-canary), Redis keys C(restorekit:canary:<id>)). When that home does not exist, the result is an empty
    list and RV(home_exists) is false, not an error.
  - Never changes anything.
author:
  - restorekit maintainers (@restorekit)
extends_documentation_fragment:
  - restorekit.instaclustr.api
  - restorekit.instaclustr.data_plane
  - restorekit.instaclustr.attributes.info_module
seealso:
  - module: restorekit.instaclustr.cluster_canary
  - module: restorekit.instaclustr.cluster_data_info
"""

EXAMPLES = r"""
# example: syntax-only (needs a cluster whose data the runner can reach through its firewall)
- name: Read the canaries of a restored cluster
  restorekit.instaclustr.cluster_canary_info:
    api_version: v2
    application: postgresql
    cluster_id: 8a0e1f44-0f7c-4b3e-9d55-3f1c2b7a9e10
    data_ca_path: /etc/restorekit/payments-pg-ca.pem
  register: restored

- name: Fail unless the canary written before the backup came back
  ansible.builtin.assert:
    that:
      - canary.canary.id in (restored.canaries | map(attribute='id'))
"""

RETURN = r"""
canaries:
  description: The canaries found, sorted by RV(canaries[].written_after_ms); empty when the home does not exist.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The canary's id.
      type: str
      sample: 4f1e0c7a9b2d4e8f8a6c3b5d7e9f1a2b
    run_id:
      description: The run id stored with it (null when none was given).
      type: str
      sample: drill-2026-12-07
    written_after:
      description: The API server's time just before the canary was written (ISO 8601, UTC).
      type: str
      sample: "2026-12-07T09:00:00.000Z"
    written_after_ms:
      description: RV(canaries[].written_after) in epoch milliseconds.
      type: int
      sample: 1796634000000
    written_before:
      description: >-
        The API server's time just after the write, plus one second; null when the data holds the canary but not this
        second step (its backup was taken between the two).
      type: str
      sample: "2026-12-07T09:00:02.000Z"
    written_before_ms:
      description: RV(canaries[].written_before) in epoch milliseconds.
      type: int
      sample: 1796634002000
home:
  description: Where the cluster's canaries live, in one sentence.
  returned: always
  type: str
  sample: "postgresql cluster 8a0e1f44-0f7c-4b3e-9d55-3f1c2b7a9e10: schema restorekit_canary, table canary, in database postgres"
home_exists:
  description: Whether the canaries' home (keyspace and table, schema and table, index, or any canary key) exists.
  returned: always
  type: bool
  sample: true
"""

from ansible_collections.restorekit.instaclustr.plugins.module_utils._data_plane import DATA_PLANE, DATA_PLANE_ARGUMENT_SPEC, read_canaries
from ansible_collections.restorekit.instaclustr.plugins.module_utils._module import RestorekitModule

ARGUMENT_SPEC = dict(DATA_PLANE_ARGUMENT_SPEC)


class ClusterCanaryInfo:
    """The canaries of one cluster."""

    def __init__(self, module):
        self.module = module
        self.row = DATA_PLANE[module.params["application"]]

    def run(self):
        return read_canaries(self.module, self.row)


def main():
    module = RestorekitModule(argument_spec=ARGUMENT_SPEC)
    module.run(ClusterCanaryInfo(module).run)


if __name__ == "__main__":
    main()
