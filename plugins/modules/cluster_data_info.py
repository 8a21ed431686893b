#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: cluster_data_info
short_description: Read the data catalogue of an Instaclustr cluster (keyspaces, tables, databases, indices, keys)
version_added: 0.1.0
description:
  - Connects to a cluster's data store and lists what it holds, in one shape for every application.
  - Cassandra - its keyspaces (C(kind=keyspace)) and tables (C(kind=table), named C(keyspace.table)), the system keyspaces
    apart; no counts.
  - PostgreSQL - its databases (C(kind=database)), schemas (C(kind=schema), named C(database.schema)) and tables
    (C(kind=table), named C(database.schema.table)) with their estimated rows (C(pg_class.reltuples), null until the
    table was first analysed), the C(pg_*) and C(information_schema) schemas apart. A database the user may not open is
    listed without its contents.
  - OpenSearch - its indices (C(kind=index)) with their document counts, the system and hidden indices (starting with
    C(.)) apart.
  - Redis - its databases (C(kind=database), C(db0) in cluster mode) with their key counts.
  - The home of the canaries of M(restorekit.instaclustr.cluster_canary) is listed like any other object.
  - Never changes anything.
author:
  - restorekit maintainers (@restorekit)
extends_documentation_fragment:
  - restorekit.instaclustr.api
  - restorekit.instaclustr.data_plane
  - restorekit.instaclustr.attributes.info_module
seealso:
  - module: restorekit.instaclustr.cluster_canary_info
"""

EXAMPLES = r"""
# example: syntax-only (needs a cluster whose data the runner can reach through its firewall)
- name: List what an OpenSearch cluster holds
  restorekit.instaclustr.cluster_data_info:
    api_version: v2
    application: opensearch
    cluster_id: 2d7c4e9a-6b1f-4a3d-8e5c-9f0b1a2c3d44
  register: data

- name: Show the indices and their document counts
  ansible.builtin.debug:
    msg: "{{ data.catalogue | selectattr('kind', 'equalto', 'index') | items2dict(key_name='name', value_name='count') }}"
"""

RETURN = r"""
catalogue:
  description: What the cluster holds, sorted by kind, then name.
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: V(keyspace) or V(table) (Cassandra); V(database), V(schema) or V(table) (PostgreSQL); V(index) (OpenSearch); V(database) (Redis).
      type: str
      sample: table
    name:
      description: The object's name, qualified by what holds it (C(keyspace.table), C(database.schema.table)).
      type: str
      sample: postgres.public.orders
    count:
      description: How many rows, documents or keys it holds (see RV(catalogue[].count_kind)); null where not counted.
      type: int
      sample: 1200
    count_kind:
      description: V(estimated_rows) (PostgreSQL tables), V(documents) (OpenSearch indices), V(keys) (Redis databases); null without a count.
      type: str
      sample: estimated_rows
"""

from ansible_collections.restorekit.instaclustr.plugins.module_utils._data_plane import DATA_PLANE, DATA_PLANE_ARGUMENT_SPEC, read_catalogue
from ansible_collections.restorekit.instaclustr.plugins.module_utils._module import RestorekitModule

ARGUMENT_SPEC = dict(DATA_PLANE_ARGUMENT_SPEC)


class ClusterDataInfo:
    """The data catalogue of one cluster."""

    def __init__(self, module):
        self.module = module
        self.row = DATA_PLANE[module.params["application"]]

    def run(self):
        return read_catalogue(self.module, self.row)


def main():
    module = RestorekitModule(argument_spec=ARGUMENT_SPEC)
    module.run(ClusterDataInfo(module).run)


if __name__ == "__main__":
    main()
