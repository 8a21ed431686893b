# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
#
# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""The Cassandra wire of the data plane (the DataStax driver, ``cassandra-driver``): canaries in keyspace
``restorekit_canary``, table ``canary``, and the catalogue (keyspaces and tables, the system keyspaces apart).

Contact points are the cluster's own node addresses only, and a ``WhiteListRoundRobinPolicy`` of them keeps the driver
from connecting to any address a peer advertises (a cluster with ``privateIpBroadcastForDiscovery`` advertises private
ones). The keyspace is created with ``NetworkTopologyStrategy`` over the data centre names the cluster itself reports
in ``system.local`` and ``system.peers`` (not the API's names), replication 3 or the data centre's node count when
smaller. Every write carries ``USING TIMESTAMP`` from the API's clock, so that a restore to a point in time on that
clock orders it rightly. Reads and writes use ``LOCAL_QUORUM``.
"""

from __future__ import annotations

import logging
import traceback

from ansible_collections.restorekit.instaclustr.plugins.module_utils._data_plane import (
    CANARY_HOME_NAME,
    CANARY_TABLE,
    catalogue_entry,
    classify,
    to_int,
)

try:
    from cassandra import ConsistencyLevel, DriverException
    from cassandra.auth import PlainTextAuthProvider
    from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile, NoHostAvailable
    from cassandra.policies import WhiteListRoundRobinPolicy
except ImportError:
    HAS_LIBRARY = False
    IMPORT_ERROR = traceback.format_exc()
    DriverException = NoHostAvailable = Exception
else:
    HAS_LIBRARY = True
    IMPORT_ERROR = None

SYSTEM_KEYSPACES = frozenset(("system", "system_schema", "system_auth", "system_distributed", "system_traces",
                              "system_views", "system_virtual_schema"))
QUALIFIED = "%s.%s" % (CANARY_HOME_NAME, CANARY_TABLE)
MAX_REPLICATION = 3


def replication(data_centre_nodes):
    """The keyspace's replication map for ``{data centre name: node count}`` (pure: unit-tested)."""
    return dict(sorted((name, min(MAX_REPLICATION, count)) for name, count in data_centre_nodes.items() if name))


def replication_cql(data_centre_nodes):
    parts = ["'class': 'NetworkTopologyStrategy'"]
    parts += ["'%s': %d" % (name.replace("'", "''"), count) for name, count in replication(data_centre_nodes).items()]
    return "{%s}" % ", ".join(parts)


def micros(ms):
    return int(ms) * 1000


def _quiet_driver_logs():
    """The driver logs warnings (e.g. about peers it ignores); a module's stderr is not the place for them."""
    driver_log = logging.getLogger("cassandra")
    if not driver_log.handlers:
        driver_log.addHandler(logging.NullHandler())
    driver_log.propagate = False


def _ssl_settings(target):
    if not target.tls:
        return {}
    import ssl  # pylint: disable=import-outside-toplevel
    context = ssl.create_default_context(cafile=target.ca_path) if target.ca_path else ssl.create_default_context()
    return {"ssl_context": context, "ssl_options": {"check_hostname": True}}


class Wire:
    """Canaries and catalogue of one Cassandra cluster."""

    def __init__(self, target):
        self.target = target
        self.cluster = None
        self.session = None

    def _run(self, statement, params=None):
        try:
            return list(self.session.execute(statement, params))
        except (DriverException, NoHostAvailable, OSError) as error:
            raise classify(_cause(error))

    def connect(self, writable=False):  # pylint: disable=unused-argument
        if self.session is not None:
            return
        _quiet_driver_logs()
        target = self.target
        profile = ExecutionProfile(load_balancing_policy=WhiteListRoundRobinPolicy(target.addresses),
                                   request_timeout=target.timeout, consistency_level=ConsistencyLevel.LOCAL_QUORUM)
        self.cluster = Cluster(contact_points=list(target.addresses), port=target.port, protocol_version=4,
                               auth_provider=PlainTextAuthProvider(target.username, target.password),
                               execution_profiles={EXEC_PROFILE_DEFAULT: profile}, connect_timeout=target.timeout,
                               control_connection_timeout=target.timeout, **_ssl_settings(target))
        try:
            self.session = self.cluster.connect()
        except (DriverException, NoHostAvailable, OSError) as error:
            raise classify(_cause(error))

    def data_centres(self):
        """``{data centre name: node count}`` as the cluster reports itself (system.local and system.peers)."""
        counts = {}
        for row in self._run("SELECT data_center FROM system.local") + self._run("SELECT data_center FROM system.peers"):
            counts[row[0]] = counts.get(row[0], 0) + 1
        return counts

    def home_exists(self):
        rows = self._run("SELECT table_name FROM system_schema.tables WHERE keyspace_name = %s AND table_name = %s",
                         (CANARY_HOME_NAME, CANARY_TABLE))
        return bool(rows)

    def ensure_home(self):
        if self.home_exists():
            return
        self._run("CREATE KEYSPACE IF NOT EXISTS %s WITH replication = %s" % (CANARY_HOME_NAME, replication_cql(self.data_centres())))
        self._run("CREATE TABLE IF NOT EXISTS %s (id text PRIMARY KEY, run_id text, written_after_ms bigint, written_before_ms bigint)"
                  % QUALIFIED)

    def write(self, record, timestamp_ms):
        self._run("INSERT INTO %s (id, run_id, written_after_ms, written_before_ms) VALUES (%%s, %%s, %%s, null) USING TIMESTAMP %d"
                  % (QUALIFIED, micros(timestamp_ms)), (record["id"], record["run_id"], record["written_after_ms"]))

    def finish(self, canary_id, written_before_ms, timestamp_ms):
        self._run("UPDATE %s USING TIMESTAMP %d SET written_before_ms = %%s WHERE id = %%s" % (QUALIFIED, micros(timestamp_ms)),
                  (written_before_ms, canary_id))

    def canaries(self):
        if not self.home_exists():
            return None
        rows = self._run("SELECT id, run_id, written_after_ms, written_before_ms FROM %s" % QUALIFIED)
        return [{"id": row[0], "run_id": row[1], "written_after_ms": to_int(row[2]), "written_before_ms": to_int(row[3])} for row in rows]

    def remove(self, ids, timestamp_ms):
        for canary_id in ids:
            self._run("DELETE FROM %s USING TIMESTAMP %d WHERE id = %%s" % (QUALIFIED, micros(timestamp_ms)), (canary_id,))

    def catalogue(self):
        keyspaces = [row[0] for row in self._run("SELECT keyspace_name FROM system_schema.keyspaces") if row[0] not in SYSTEM_KEYSPACES]
        tables = [(row[0], row[1]) for row in self._run("SELECT keyspace_name, table_name FROM system_schema.tables")
                  if row[0] not in SYSTEM_KEYSPACES]
        return ([catalogue_entry("keyspace", name) for name in keyspaces]
                + [catalogue_entry("table", "%s.%s" % pair) for pair in tables])

    def close(self):
        if self.cluster is not None:
            try:
                self.cluster.shutdown()
            except Exception:  # pylint: disable=broad-except
                pass
        self.cluster = self.session = None


def _cause(error):
    """``NoHostAvailable`` carries one error per host: show them, not only "Unable to connect to any servers"."""
    errors = getattr(error, "errors", None)
    if isinstance(errors, dict) and errors:
        return type(error)("%s (%s)" % (error.args[0] if error.args else "no host available",
                                        "; ".join("%s: %s" % (host, cause) for host, cause in errors.items())))
    return error
