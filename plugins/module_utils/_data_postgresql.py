# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
#
# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""The PostgreSQL wire of the data plane (psycopg 3): canaries in schema ``restorekit_canary`` of database
``postgres``, and the catalogue (databases, schemas, tables with their estimated rows).

Every node's address is given to libpq at once (``host=a,b``); writes ask for the read-write server
(``target_session_attrs=read-write``), reads take any. TLS is ``sslmode=verify-full`` against
``data_ca_path`` (else the system's CAs), plaintext ``sslmode=disable``.
"""

from __future__ import annotations

import math
import traceback

from ansible_collections.restorekit.instaclustr.plugins.module_utils._data_plane import (
    CANARY_HOME_NAME,
    CANARY_TABLE,
    WireFailure,
    catalogue_entry,
    classify,
    to_int,
)

try:
    import psycopg
except ImportError:
    psycopg = None
    HAS_LIBRARY = False
    IMPORT_ERROR = traceback.format_exc()
else:
    HAS_LIBRARY = True
    IMPORT_ERROR = None

CANARY_DATABASE = "postgres"
QUALIFIED = '"%s"."%s"' % (CANARY_HOME_NAME, CANARY_TABLE)
SYSTEM_SCHEMAS = ("information_schema",)  # and every pg_* schema
ROWS = "estimated_rows"


def connection_options(target, dbname, writable):
    """The libpq options of a connection (pure: unit-tested)."""
    options = {
        "host": ",".join(target.addresses),
        "port": ",".join([str(target.port)] * len(target.addresses)),
        "dbname": dbname,
        "user": target.username,
        "password": target.password,
        "connect_timeout": max(2, int(math.ceil(target.timeout))),
        "application_name": "restorekit.instaclustr",
        "target_session_attrs": "read-write" if writable else "any",
        "options": "-c statement_timeout=%d" % int(target.timeout * 1000),
    }
    if target.tls:
        options.update(sslmode="verify-full", sslrootcert=target.ca_path or "system")
    else:
        options["sslmode"] = "disable"
    return options


def estimated_rows(reltuples):
    """pg_class.reltuples as a count: None while the table was never analysed (-1)."""
    if reltuples is None or reltuples < 0:
        return None
    return int(reltuples)


class Wire:
    """Canaries and catalogue of one PostgreSQL cluster."""

    def __init__(self, target):
        self.target = target
        self._connections = {}

    def _connection(self, dbname=CANARY_DATABASE, writable=False):
        key = (dbname, writable)
        if key not in self._connections:
            try:
                self._connections[key] = psycopg.connect(autocommit=True, **connection_options(self.target, dbname, writable))
            except psycopg.Error as error:
                raise classify(error)
        return self._connections[key]

    def _execute(self, sql, params=None, dbname=CANARY_DATABASE, writable=False, fetch=True):
        connection = self._connection(dbname, writable)
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall() if fetch else None
        except psycopg.Error as error:
            raise classify(error)

    def connect(self, writable=False):
        self._connection(CANARY_DATABASE, writable)

    def home_exists(self):
        rows = self._execute("SELECT 1 FROM information_schema.tables WHERE table_schema = %s AND table_name = %s",
                             (CANARY_HOME_NAME, CANARY_TABLE))
        return bool(rows)

    def ensure_home(self):
        self._execute('CREATE SCHEMA IF NOT EXISTS "%s"' % CANARY_HOME_NAME, writable=True, fetch=False)
        self._execute("CREATE TABLE IF NOT EXISTS %s (id text PRIMARY KEY, run_id text, written_after_ms bigint NOT NULL, "
                      "written_before_ms bigint)" % QUALIFIED, writable=True, fetch=False)

    def write(self, record, timestamp_ms):  # pylint: disable=unused-argument  # the server stamps its own writes
        self._execute("INSERT INTO %s (id, run_id, written_after_ms, written_before_ms) VALUES (%%s, %%s, %%s, NULL) "
                      "ON CONFLICT (id) DO UPDATE SET run_id = EXCLUDED.run_id, written_after_ms = EXCLUDED.written_after_ms, "
                      "written_before_ms = NULL" % QUALIFIED,
                      (record["id"], record["run_id"], record["written_after_ms"]), writable=True, fetch=False)

    def finish(self, canary_id, written_before_ms, timestamp_ms):  # pylint: disable=unused-argument
        self._execute("UPDATE %s SET written_before_ms = %%s WHERE id = %%s" % QUALIFIED, (written_before_ms, canary_id),
                      writable=True, fetch=False)

    def canaries(self):
        """Every stored canary, or None when the home does not exist."""
        if not self.home_exists():
            return None
        rows = self._execute("SELECT id, run_id, written_after_ms, written_before_ms FROM %s" % QUALIFIED)
        return [{"id": row[0], "run_id": row[1], "written_after_ms": to_int(row[2]), "written_before_ms": to_int(row[3])}
                for row in rows]

    def remove(self, ids, timestamp_ms):  # pylint: disable=unused-argument
        if ids:
            self._execute("DELETE FROM %s WHERE id = ANY(%%s)" % QUALIFIED, (list(ids),), writable=True, fetch=False)

    def catalogue(self):
        entries = []
        databases = [row[0] for row in self._execute(
            "SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate ORDER BY datname")]
        for database in databases:
            entries.append(catalogue_entry("database", database))
            try:
                schemas = self._execute("SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%%' AND nspname <> ALL(%s)",
                                        (list(SYSTEM_SCHEMAS),), dbname=database)
                tables = self._execute(
                    "SELECT n.nspname, c.relname, c.reltuples FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT LIKE 'pg\\_%%' AND n.nspname <> ALL(%s)",
                    (list(SYSTEM_SCHEMAS),), dbname=database)
            except WireFailure as failure:
                if database == CANARY_DATABASE:
                    raise
                # A database this user may not open is listed without its contents.
                del failure
                continue
            entries.extend(catalogue_entry("schema", "%s.%s" % (database, row[0])) for row in schemas)
            entries.extend(catalogue_entry("table", "%s.%s.%s" % (database, row[0], row[1]), estimated_rows(row[2]), ROWS)
                           for row in tables)
        return entries

    def close(self):
        for connection in self._connections.values():
            try:
                connection.close()
            except Exception:  # pylint: disable=broad-except
                pass
        self._connections = {}
