# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
#
# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""The one per-application table: each application's v2 paths and restore fields, and what its backup events prove.

Both backends read it: ``_cluster_management_v2`` for the paths, ``_provisioning_v1`` for the Cassandra
row (what its events prove, which restore options it takes). It is apart from the v2 backend so that a
module run on v1 does not import (and compile, from the AnsiballZ zip) the v2 wire.
"""

from __future__ import annotations

from collections import namedtuple

API_ROOT = "/cluster-management/v2"

# Restore options (snake_case keys of the module's request) and their v2 wire field.
RESTORE_FIELDS = (
    ("keyspace_tables", "keyspaceTables"),
    ("index_names", "indexNames"),
    ("cluster_network", "clusterNetwork"),
    ("cdc_infos", "cdcConfigs"),
)

_ApplicationRow = namedtuple("_ApplicationRow", (
    "name",            # the collection's name for it: the value of the ``application`` option
    "account_name",    # its ``application`` value in the account cluster list
    "list_backups",    # GET, or None when the API offers no backup listing
    "trigger_backup",  # POST
    "restore",         # POST
    "cluster",         # GET and DELETE
    "restore_fields",  # the optional v2 restore fields this application takes
    # What the collection can prove from this application's backup events (docs/api-client.md):
    "backup_event_types",  # event types that count as a backup (the first is what a trigger makes); () without a listing
    "restorable_range",    # whether the restorable-range model (snapshots + commit logs, the API's 412 rule) applies
    "point_in_time",       # whether a restore to a point in time is offered (else: the latest state)
    # Firewall rules (docs/api-facts.md): the rule type that opens the application's data port to a network.
    "firewall_rule_type",     # on v2 (the API's FirewallRuleTypesV2)
    "v1_firewall_rule_type",  # on v1 (Provisioning API), None where v1 does not serve the application
))


class Application(_ApplicationRow):
    """One row of ``APPLICATIONS``: the wire of one application and what its backup events prove."""

    __slots__ = ()

    @property
    def lists_backups(self):
        """Whether the API lists this application's backup events (so backups can be read, followed and checked)."""
        return self.list_backups is not None

    def takes(self, option):
        """Whether this application's restore takes the module option ``option`` (a key of ``RESTORE_FIELDS``)."""
        return dict(RESTORE_FIELDS)[option] in self.restore_fields


# Event types known to be backups: ``snapshot-upload`` (OpenAPI example; the operator follows it for
# Cassandra, OpenSearch and Redis) and ``postgresql-backup`` (the operator's type for PostgreSQL). Which of
# them make an instant restorable is not established outside Cassandra, so only Cassandra gets the
# restorable-range model; the others get what the events prove (each node's latest completed backup).
SNAPSHOT_UPLOAD = "snapshot-upload"
POSTGRESQL_BACKUP = "postgresql-backup"

# One row per application, every path exactly as the OpenAPI document spells it (§2 of the
# reference). ``{cluster_id}`` is the only placeholder.
APPLICATIONS = {
    "cassandra": Application(
        name="cassandra",
        account_name="APACHE_CASSANDRA",
        list_backups=API_ROOT + "/data-sources/applications/cassandra/clusters/v2/{cluster_id}/list-backups/v2",
        trigger_backup=API_ROOT + "/operations/applications/cassandra/clusters/v2/{cluster_id}/trigger-backup/v2",
        restore=API_ROOT + "/operations/applications/cassandra/restore/v2",
        cluster=API_ROOT + "/resources/applications/cassandra/clusters/v2/{cluster_id}",
        restore_fields=frozenset(("keyspaceTables", "clusterNetwork", "cdcConfigs")),
        backup_event_types=(SNAPSHOT_UPLOAD,),
        restorable_range=True,
        point_in_time=True,
        firewall_rule_type="CASSANDRA_CQL",
        v1_firewall_rule_type="CASSANDRA",
    ),
    "postgresql": Application(
        name="postgresql",
        account_name="POSTGRESQL",
        list_backups=API_ROOT + "/data-sources/applications/postgresql/clusters/v2/{cluster_id}/list-backups/v2/",
        trigger_backup=API_ROOT + "/operations/applications/postgres/clusters/v2/{cluster_id}/trigger-backup/v2/",
        restore=API_ROOT + "/operations/applications/postgres/restore/v2",
        cluster=API_ROOT + "/resources/applications/postgresql/clusters/v2/{cluster_id}/",
        restore_fields=frozenset(("cdcConfigs",)),
        backup_event_types=(POSTGRESQL_BACKUP, SNAPSHOT_UPLOAD),
        restorable_range=False,
        point_in_time=True,
        firewall_rule_type="POSTGRESQL",
        v1_firewall_rule_type=None,
    ),
    "opensearch": Application(
        name="opensearch",
        account_name="OPENSEARCH",
        list_backups=API_ROOT + "/data-sources/applications/opensearch/clusters/v2/{cluster_id}/list-backups/v2/",
        trigger_backup=API_ROOT + "/operations/applications/opensearch/clusters/v2/{cluster_id}/trigger-backup/v2/",
        restore=API_ROOT + "/operations/applications/opensearch/restore/v2",
        cluster=API_ROOT + "/resources/applications/opensearch/clusters/v2/{cluster_id}",
        restore_fields=frozenset(("indexNames", "cdcConfigs")),
        backup_event_types=(SNAPSHOT_UPLOAD, POSTGRESQL_BACKUP),
        restorable_range=False,
        point_in_time=True,
        firewall_rule_type="OPENSEARCH",
        v1_firewall_rule_type=None,
    ),
    "redis": Application(
        name="redis",
        account_name="REDIS",
        list_backups=None,  # no list-backups path for Redis in the OpenAPI document
        trigger_backup=API_ROOT + "/operations/applications/redis/clusters/v2/{cluster_id}/trigger-backup/v2/",
        restore=API_ROOT + "/operations/applications/redis/restore/v2",
        cluster=API_ROOT + "/resources/applications/redis/clusters/v2/{cluster_id}",
        restore_fields=frozenset(("cdcConfigs",)),
        backup_event_types=(),  # nothing to read them from
        restorable_range=False,
        # The schema has pointInTime, but without a listing no instant can be shown to be covered: the
        # collection restores Redis to its latest state only.
        point_in_time=False,
        firewall_rule_type="REDIS",
        v1_firewall_rule_type=None,
    ),
}

# The account list's ``application`` value -> the collection's name; any other value is ignored.
APPLICATION_BY_ACCOUNT_NAME = {app.account_name: app.name for app in APPLICATIONS.values()}
