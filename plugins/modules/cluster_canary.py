#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: cluster_canary
short_description: Write a canary record into an Instaclustr cluster's own data, or prune old ones
version_added: 0.1.0
description:
  - Writes one small record, a canary, into the data store of a cluster (O(state=present)), so that a later restore of that
    cluster can be checked for it; or removes the canaries older than O(older_than) (O(state=absent)).
  - A canary holds its O(id), its O(run_id) and the times it was written between, C(written_after) and C(written_before),
    read from the API server's clock (the C(Date) of a GET cluster made just before and just after the write; the latter
    plus one second, as C(Date) counts whole seconds). A restore whose data is as of an instant after C(written_before)
    must hold the canary; one as of an instant before C(written_after) must not.
  - >-
    Where canaries live: Cassandra keyspace C(restorekit_canary) (C(NetworkTopologyStrategy) over the data centre names the
    cluster reports in C(system.local) and C(system.peers), replication 3 or the data centre's node count) table C(canary),
    written C(USING TIMESTAMP) from the API's clock; PostgreSQL schema C(restorekit_canary) in database C(postgres), table
    C(canary); OpenSearch index C(restorekit-canary); Redis keys C(restorekit:canary:<id>), expiring after 40 days (longer
    than the backup window and the heartbeat's 30-day pruning).
  - The module creates what is missing of that home and changes nothing else. A canary never holds a secret.
  - The canary is written in two steps, the record and then its C(written_before), so a backup taken between them holds
    the canary without C(written_before).
author:
  - restorekit maintainers (@restorekit)
extends_documentation_fragment:
  - restorekit.instaclustr.api
  - restorekit.instaclustr.data_plane
  - restorekit.instaclustr.attributes
attributes:
  check_mode:
    support: full
    details:
      - With O(state=present), check mode reads the cluster through the API, does not connect to it, and returns
        RV(would_write). With O(state=absent) it reads the canaries and returns RV(would_remove), removing nothing.
  diff_mode:
    support: none
options:
  state:
    description:
      - V(present) writes one canary (every run writes a new one unless O(id) names an existing one, which is then
        written again with new times); V(absent) removes the canaries older than O(older_than).
    type: str
    choices: [present, absent]
    default: present
  id:
    description:
      - The canary's id (1 to 128 letters, digits, C(_), C(.) or C(-)). If not set, a new random one (a uuid4 in hex).
      - Only with O(state=present).
    type: str
  run_id:
    description:
      - Any text stored with the canary, for instance the id of the drill or heartbeat run that wrote it. Never a secret.
      - Only with O(state=present).
    type: str
  older_than:
    description:
      - With O(state=absent), the age beyond which canaries are removed, as seconds or a duration such as V(30d), V(12h),
        V(90m). A canary's age is the API server's time now minus its C(written_before) (C(written_after) when it has
        none).
      - Required with O(state=absent).
    type: str
seealso:
  - module: restorekit.instaclustr.cluster_canary_info
  - module: restorekit.instaclustr.cluster_data_info
  - module: restorekit.instaclustr.cluster_firewall_rule
"""

EXAMPLES = r"""
# example: syntax-only (needs a cluster whose data the runner can reach through its firewall)
- name: Write a canary into orders-prod before its backup
  restorekit.instaclustr.cluster_canary:
    api_version: v2
    cluster_id: 77b5a4e1-c422-4a78-b551-d8fa5c42ad95
    run_id: drill-2026-12-07
  register: canary

- name: Write a canary into a PostgreSQL cluster, verifying its certificate with the cluster's CA
  restorekit.instaclustr.cluster_canary:
    api_version: v2
    application: postgresql
    cluster_id: 8a0e1f44-0f7c-4b3e-9d55-3f1c2b7a9e10
    data_ca_path: /etc/restorekit/payments-pg-ca.pem

- name: Write a canary into a Redis cluster (the API answers no Redis password)
  restorekit.instaclustr.cluster_canary:
    api_version: v2
    application: redis
    cluster_id: 0c3b9d7e-51a2-4f86-b9d0-2e4a6c8f1b33
    data_username: icredis
    data_password: "{{ redis_password }}"

- name: Remove canaries older than 30 days
  restorekit.instaclustr.cluster_canary:
    api_version: v2
    cluster_id: 77b5a4e1-c422-4a78-b551-d8fa5c42ad95
    state: absent
    older_than: 30d
"""

RETURN = r"""
canary:
  description: The canary written, with the bracket of API server times it was written in.
  returned: when O(state=present), not in check mode
  type: dict
  contains:
    id:
      description: The canary's id.
      type: str
      sample: 4f1e0c7a9b2d4e8f8a6c3b5d7e9f1a2b
    run_id:
      description: The O(run_id) stored with it (null when not given).
      type: str
      sample: drill-2026-12-07
    written_after:
      description: The API server's time just before the write (ISO 8601, UTC).
      type: str
      sample: "2026-12-07T09:00:00.000Z"
    written_after_ms:
      description: RV(canary.written_after) in epoch milliseconds.
      type: int
      sample: 1796634000000
    written_before:
      description: The API server's time just after the write, plus one second for the C(Date) header's resolution.
      type: str
      sample: "2026-12-07T09:00:02.000Z"
    written_before_ms:
      description: RV(canary.written_before) in epoch milliseconds.
      type: int
      sample: 1796634002000
would_write:
  description: In check mode with O(state=present), what would be written (without times, as nothing was written).
  returned: when O(state=present), in check mode
  type: dict
  sample: {"id": "4f1e0c7a9b2d4e8f8a6c3b5d7e9f1a2b", "run_id": "drill-2026-12-07", "home": "postgresql cluster ...: schema ..."}
removed:
  description: The ids of the canaries removed.
  returned: when O(state=absent), not in check mode
  type: list
  elements: str
  sample: ["4f1e0c7a9b2d4e8f8a6c3b5d7e9f1a2b"]
would_remove:
  description: In check mode with O(state=absent), the ids of the canaries that would be removed.
  returned: when O(state=absent), in check mode
  type: list
  elements: str
  sample: []
home:
  description: Where the cluster's canaries live, in one sentence.
  returned: success
  type: str
  sample: "postgresql cluster 8a0e1f44-0f7c-4b3e-9d55-3f1c2b7a9e10: schema restorekit_canary, table canary, in database postgres"
"""

from ansible_collections.restorekit.instaclustr.plugins.module_utils._clock import parse_duration
from ansible_collections.restorekit.instaclustr.plugins.module_utils._data_plane import (
    DATA_PLANE,
    DATA_PLANE_ARGUMENT_SPEC,
    remove_canaries,
    write_canary,
)
from ansible_collections.restorekit.instaclustr.plugins.module_utils._module import RestorekitModule

ARGUMENT_SPEC = dict(
    DATA_PLANE_ARGUMENT_SPEC,
    state=dict(type="str", default="present", choices=["present", "absent"]),
    id=dict(type="str"),
    run_id=dict(type="str"),
    older_than=dict(type="str"),
)


class ClusterCanary:
    """``present``: one canary written; ``absent``: the old ones removed."""

    def __init__(self, module):
        self.module = module
        self.row = DATA_PLANE[module.params["application"]]

    def run(self):
        if self.module.params["state"] == "absent":
            return remove_canaries(self.module, self.row, parse_duration(self.module.params["older_than"], "older_than"))
        return write_canary(self.module, self.row)


def main():
    module = RestorekitModule(argument_spec=ARGUMENT_SPEC, required_if=[("state", "absent", ("older_than",))],
                              mutually_exclusive=[("older_than", "id"), ("older_than", "run_id")])
    module.run(ClusterCanary(module).run)


if __name__ == "__main__":
    main()
