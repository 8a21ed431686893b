"""Wire-level double of Apache Cassandra for the emulator's data plane (CQL native protocol v4).

No Cassandra server can be installed on the machines the tests run on, so each emulated Cassandra
cluster is this in-process double: one store per cluster, shared by all its nodes, served on every
node's address by the data plane's front door (``Engine.serve`` on one accepted socket). It speaks
enough of the protocol for the DataStax Python driver (``cassandra-driver``) and nothing more.

What it supports, exactly:

- Framing: protocol v4 only, uncompressed, no tracing. A frame of another version (the driver
  first tries v5) is answered with a protocol error saying "Invalid or unsupported protocol
  version", on which the driver downgrades to v4; the connection is then closed.
- Messages: OPTIONS/SUPPORTED, STARTUP, ``PasswordAuthenticator`` SASL (AUTHENTICATE,
  AUTH_RESPONSE, AUTH_SUCCESS; a wrong user name or password answers "Bad credentials"),
  REGISTER (answered READY; no event is ever pushed), QUERY, PREPARE/EXECUTE and BATCH (logged or
  unlogged, of queries and prepared statements, applied one after the other) with bound values,
  positional or named. Paging options are read and ignored: every result comes in one page. The
  client's default timestamp (protocol flag) is ignored, see below.
- Results: Void, Rows, SetKeyspace, SchemaChange, Prepared. Errors: Syntax error for a statement
  it does not parse (and for every CQL feature not listed here), Invalid for a bad request,
  Config error for a replication naming an unknown data centre, Already exists, Unprepared.
- CQL: ``USE``; ``CREATE KEYSPACE [IF NOT EXISTS] ... WITH replication = {...} [AND
  durable_writes = ...]`` with ``SimpleStrategy`` (``replication_factor``) or
  ``NetworkTopologyStrategy`` (data centre names of the cluster only, as Cassandra refuses an
  unknown one); ``CREATE TABLE [IF NOT EXISTS]`` with the types ``text``/``varchar``, ``ascii``,
  ``int``, ``bigint``, ``timestamp``, ``uuid``, ``boolean``, ``double``, ``float`` and a primary
  key given inline or as ``PRIMARY KEY (pk[, clustering...])`` or ``PRIMARY KEY ((pk1, pk2)[,
  ...])``, table options after ``WITH`` accepted and ignored; ``DROP KEYSPACE|TABLE [IF EXISTS]``;
  ``INSERT ... VALUES (...) [IF NOT EXISTS] [USING TTL n] [AND TIMESTAMP n]``; ``UPDATE ...
  [USING ...] SET col = value, ... WHERE <whole primary key> [IF EXISTS]``; ``DELETE [cols] FROM
  ... [USING TIMESTAMP n] WHERE ...``; ``SELECT *|cols|COUNT(*) FROM ... [WHERE col = v [AND
  ...]] [LIMIT n] [ALLOW FILTERING]``. ``WHERE`` takes equalities and ``IN (...)`` on any column,
  joined by ``AND``, without the restrictions of real Cassandra. Literals: strings, integers,
  decimals, ``true``/``false``, ``null``, UUIDs, maps (``{...}``); a ``timestamp`` takes epoch
  milliseconds or an ISO 8601 string. Partitions come back in the order they were first written
  (not in token order), the rows of a partition in ascending clustering order (``CLUSTERING ORDER
  BY`` is ignored).
- System tables the driver reads: ``system.local`` and ``system.peers`` (the data centre and
  rack of each node as given to ``create``; ``rpc_address`` of a peer is its public address, or
  its private one when the cluster was created with ``private_ip_broadcast_for_discovery=True``,
  as Instaclustr's ``privateIpBroadcastForDiscovery`` implies; one token per node), and
  ``system_schema.keyspaces``, ``tables`` and ``columns`` (user keyspaces only), so that the
  driver's schema metadata works. ``system.peers_v2`` is unconfigured (the driver falls back to
  ``system.peers``), as in Cassandra 3; ``system_schema.types``, ``functions``, ``aggregates``,
  ``triggers``, ``indexes``, ``views``, ``dropped_columns`` and ``system_virtual_schema.*`` are
  empty. The release version reported is 4.0.11.
- Write times: a write is stamped with its ``USING TIMESTAMP`` (microseconds) when given, else
  with the emulator's simulated clock; the driver's own client-side timestamp is ignored, as it
  reads the real clock. Cells resolve last write wins; ``USING TTL`` expires on the simulated
  clock. Every write and every schema change is logged with its write time, so that
  ``restore(point_in_time_ms=...)`` replays exactly the writes up to that instant (continuous
  backup); ``snapshot()`` copies the store as of now; ``tables=["ks.table", ...]`` restores only
  those tables (and their keyspaces; an empty list or None restores all); a name that the source
  does not have is ignored. A ``token`` wins over ``point_in_time_ms`` when both are given.
- TLS when the cluster is created with ``tls=True`` (the certificate and key of ``tls_files``).

Not supported (answered with a Syntax error or an Invalid error): collections, user types,
counters, secondary indexes, materialised views, functions and aggregates (``COUNT(*)`` apart),
``TRUNCATE``, ``ALTER``, ranges and ordering in ``WHERE`` and ``ORDER BY``, ``writetime()``/``ttl()``,
``SELECT JSON``, lightweight transactions other than ``IF [NOT] EXISTS``, paging, compression,
tracing, schema events, authorisation (the cluster's one user may do everything), other users.
"""

import copy
import datetime
import hashlib
import re
import socket
import struct
import uuid

from tests.emulator.data_plane.in_process import InProcessCluster, InProcessEngine

APPLICATION = "cassandra"
PORT = 9042
PROTOCOL_VERSION = 4
RELEASE_VERSION = "4.0.11"
CQL_VERSION = "3.4.5"
PARTITIONER = "org.apache.cassandra.dht.Murmur3Partitioner"
AUTHENTICATOR = "org.apache.cassandra.auth.PasswordAuthenticator"
SIMPLE = "org.apache.cassandra.locator.SimpleStrategy"
NETWORK_TOPOLOGY = "org.apache.cassandra.locator.NetworkTopologyStrategy"
SYSTEM_KEYSPACES = ("system", "system_schema", "system_auth", "system_distributed", "system_traces", "system_virtual_schema", "system_views")

# opcodes
ERROR, STARTUP, READY, AUTHENTICATE, OPTIONS, SUPPORTED, QUERY, RESULT = 0x00, 0x01, 0x02, 0x03, 0x05, 0x06, 0x07, 0x08
PREPARE, EXECUTE, REGISTER, BATCH, AUTH_RESPONSE, AUTH_SUCCESS = 0x09, 0x0A, 0x0B, 0x0D, 0x0F, 0x10

# error codes
SERVER_ERROR, PROTOCOL_ERROR, BAD_CREDENTIALS = 0x0000, 0x000A, 0x0100
SYNTAX_ERROR, INVALID, CONFIG_ERROR, ALREADY_EXISTS, UNPREPARED = 0x2000, 0x2200, 0x2300, 0x2400, 0x2500

_HEADER = struct.Struct(">BBhBI")
_MAX_BODY = 256 * 1024 * 1024

# CQL types: a name, or ("set"|"list", element) / ("map", key, value) for the system tables
_TYPE_IDS = {
    "ascii": 0x01, "bigint": 0x02, "blob": 0x03, "boolean": 0x04, "double": 0x07, "float": 0x08, "int": 0x09,
    "timestamp": 0x0B, "uuid": 0x0C, "text": 0x0D, "varchar": 0x0D, "timeuuid": 0x0F, "inet": 0x10,
}
_COLLECTION_IDS = {"list": 0x20, "map": 0x21, "set": 0x22}
USER_TYPES = ("text", "varchar", "ascii", "int", "bigint", "timestamp", "uuid", "boolean", "double", "float")


class CqlError(Exception):
    """An error answered to the client: code, message and the code's extra fields."""

    def __init__(self, code, message, extra=b""):
        super().__init__(message)
        self.code = code
        self.message = message
        self.extra = extra


def _syntax(message):
    return CqlError(SYNTAX_ERROR, message)


def _invalid(message):
    return CqlError(INVALID, message)


# ---------------------------------------------------------------------------------------------
# encoding


def _short(n):
    return struct.pack(">H", n)


def _int(n):
    return struct.pack(">i", n)


def _string(s):
    b = s.encode("utf-8")
    return _short(len(b)) + b


def _bytes(b):
    return _int(-1) if b is None else _int(len(b)) + b


def _short_bytes(b):
    return _short(len(b)) + b


def _type_option(t):
    if isinstance(t, tuple):
        return _short(_COLLECTION_IDS[t[0]]) + b"".join(_type_option(sub) for sub in t[1:])
    return _short(_TYPE_IDS[t])


def _encode(t, value):
    if value is None:
        return None
    if isinstance(t, tuple):
        if t[0] == "map":
            items = sorted(value.items())
            return _int(len(items)) + b"".join(_bytes(_encode(t[1], k)) + _bytes(_encode(t[2], v)) for k, v in items)
        return _int(len(value)) + b"".join(_bytes(_encode(t[1], v)) for v in sorted(value))
    if t in ("text", "varchar", "ascii"):
        return value.encode("utf-8")
    if t == "int":
        return struct.pack(">i", value)
    if t in ("bigint", "timestamp"):
        return struct.pack(">q", value)
    if t == "boolean":
        return b"\x01" if value else b"\x00"
    if t == "double":
        return struct.pack(">d", value)
    if t == "float":
        return struct.pack(">f", value)
    if t in ("uuid", "timeuuid"):
        return value.bytes
    if t == "inet":
        return socket.inet_aton(value)
    if t == "blob":
        return value
    raise CqlError(SERVER_ERROR, "cannot encode type %s" % (t,))


def _decode(t, raw, name):
    if raw is None:
        return None
    try:
        if t in ("text", "varchar", "ascii"):
            return raw.decode("utf-8")
        if t == "int":
            return struct.unpack(">i", raw)[0]
        if t in ("bigint", "timestamp"):
            return struct.unpack(">q", raw)[0]
        if t == "boolean":
            return raw != b"\x00"
        if t == "double":
            return struct.unpack(">d", raw)[0]
        if t == "float":
            return struct.unpack(">f", raw)[0]
        if t in ("uuid", "timeuuid"):
            return uuid.UUID(bytes=raw)
    except (struct.error, ValueError, UnicodeDecodeError):
        raise _invalid("Invalid bound value for %s of type %s" % (name, t))
    raise _invalid("Bound values of type %s are not supported by this emulator" % (t,))


class _Reader:
    def __init__(self, data):
        self.data = data
        self.pos = 0

    def take(self, n):
        if n < 0 or self.pos + n > len(self.data):
            raise CqlError(PROTOCOL_ERROR, "Truncated message body")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def byte(self):
        return self.take(1)[0]

    def short(self):
        return struct.unpack(">H", self.take(2))[0]

    def int(self):
        return struct.unpack(">i", self.take(4))[0]

    def long(self):
        return struct.unpack(">q", self.take(8))[0]

    def string(self):
        return self.take(self.short()).decode("utf-8")

    def long_string(self):
        return self.take(self.int()).decode("utf-8")

    def bytes(self):
        n = self.int()
        return None if n < 0 else self.take(n)

    def short_bytes(self):
        return self.take(self.short())

    def string_map(self):
        return {self.string(): self.string() for dummy in range(self.short())}


def _query_parameters(reader):
    """consistency, then the v4 flags and what they announce; returns (values, names)."""
    reader.short()
    flags = reader.byte()
    values, names = [], []
    if flags & 0x01:
        for dummy in range(reader.short()):
            names.append(reader.string() if flags & 0x40 else None)
            values.append(reader.bytes())
    if flags & 0x04:
        reader.int()
    if flags & 0x08:
        reader.bytes()
    if flags & 0x10:
        reader.short()
    if flags & 0x20:
        reader.long()  # the client's default timestamp: ignored (it reads the real clock)
    return values, names


# ---------------------------------------------------------------------------------------------
# parsing


_TOKEN = re.compile(r"""
    (?P<space>\s+|--[^\n]*|//[^\n]*|/\*.*?\*/)
  | (?P<str>'(?:[^']|'')*')
  | (?P<qid>"(?:[^"]|"")*")
  | (?P<uuid>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})
  | (?P<num>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<id>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<named>:[A-Za-z_][A-Za-z0-9_]*)
  | (?P<sym>[(),;.=*?{}:<>\[\]])
""", re.VERBOSE | re.DOTALL)


class Marker:
    """A bind marker; ``column`` names what it binds (a column, or [limit], [ttl], [timestamp])."""

    def __init__(self, index, name=None):
        self.index = index
        self.name = name
        self.column = None


def _tokenize(text):
    tokens, pos = [], 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match:
            raise _syntax("line 1:%d no viable alternative at input '%s'" % (pos, text[pos:pos + 10]))
        pos = match.end()
        kind = match.lastgroup
        value = match.group()
        if kind == "space":
            continue
        if kind == "str":
            value = value[1:-1].replace("''", "'")
        elif kind == "qid":
            value = value[1:-1].replace('""', '"')
            tokens.append(("qid", value))
            continue
        tokens.append((kind, value))
    return tokens


class _Parser:
    def __init__(self, text):
        self.text = text
        self.tokens = _tokenize(text)
        self.pos = 0
        self.markers = []

    # token helpers
    def peek(self, offset=0):
        i = self.pos + offset
        return self.tokens[i] if i < len(self.tokens) else (None, None)

    def is_kw(self, word, offset=0):
        kind, value = self.peek(offset)
        return kind == "id" and value.lower() == word

    def accept_kw(self, *words):
        if all(self.is_kw(w, i) for i, w in enumerate(words)):
            self.pos += len(words)
            return True
        return False

    def expect_kw(self, *words):
        if not self.accept_kw(*words):
            self.fail("expecting %s" % " ".join(w.upper() for w in words))

    def accept_sym(self, sym):
        if self.peek() == ("sym", sym):
            self.pos += 1
            return True
        return False

    def expect_sym(self, sym):
        if not self.accept_sym(sym):
            self.fail("expecting '%s'" % sym)

    def fail(self, why):
        kind, value = self.peek()
        raise _syntax("line 1:%d %s at input '%s' (this emulator supports only the CQL listed in its documentation)"
                      % (self.pos, why, value if kind else "<EOF>"))

    def ident(self):
        kind, value = self.peek()
        if kind == "id":
            self.pos += 1
            return value.lower()
        if kind == "qid":
            self.pos += 1
            return value
        self.fail("expecting an identifier")

    def qualified(self):
        first = self.ident()
        if self.accept_sym("."):
            return first, self.ident()
        return None, first

    def end(self):
        self.accept_sym(";")
        if self.pos != len(self.tokens):
            self.fail("extraneous input")

    def term(self, column=None):
        kind, value = self.peek()
        if kind == "sym" and value == "?":
            self.pos += 1
            marker = Marker(len(self.markers))
            marker.column = column
            self.markers.append(marker)
            return marker
        if kind == "named":
            self.pos += 1
            marker = Marker(len(self.markers), value[1:].lower())
            marker.column = column
            self.markers.append(marker)
            return marker
        if kind == "str":
            self.pos += 1
            return value
        if kind == "uuid":
            self.pos += 1
            return uuid.UUID(value)
        if kind == "num":
            self.pos += 1
            return float(value) if any(c in value for c in ".eE") else int(value)
        if kind == "id" and value.lower() in ("true", "false"):
            self.pos += 1
            return value.lower() == "true"
        if kind == "id" and value.lower() == "null":
            self.pos += 1
            return None
        if kind == "sym" and value == "{":
            self.pos += 1
            result = {}
            if not self.accept_sym("}"):
                while True:
                    key = self.term()
                    self.expect_sym(":")
                    result[key] = self.term()
                    if self.accept_sym("}"):
                        break
                    self.expect_sym(",")
            return result
        self.fail("expecting a value (this emulator supports literals and bind markers only)")

    def cql_type(self):
        name = self.ident()
        if self.accept_sym("<"):
            self.fail("collection types are not supported by this emulator")
        if name not in USER_TYPES:
            raise _syntax("Unknown type or type not supported by this emulator: %s (supported: %s)" % (name, ", ".join(USER_TYPES)))
        return name

    # statements
    def statement(self):
        if self.accept_kw("use"):
            return {"kind": "use", "keyspace": self.ident()}
        if self.accept_kw("create", "keyspace"):
            return self.create_keyspace()
        if self.accept_kw("create", "table") or self.accept_kw("create", "columnfamily"):
            return self.create_table()
        if self.accept_kw("drop", "keyspace"):
            exists = self.accept_kw("if", "exists")
            return {"kind": "drop_keyspace", "keyspace": self.ident(), "if_exists": exists}
        if self.accept_kw("drop", "table"):
            exists = self.accept_kw("if", "exists")
            ks, name = self.qualified()
            return {"kind": "drop_table", "keyspace": ks, "table": name, "if_exists": exists}
        if self.accept_kw("insert", "into"):
            return self.insert()
        if self.accept_kw("update"):
            return self.update()
        if self.accept_kw("delete"):
            return self.delete()
        if self.accept_kw("select"):
            return self.select()
        self.fail("no viable alternative")

    def create_keyspace(self):
        not_exists = self.accept_kw("if", "not", "exists")
        name = self.ident()
        self.expect_kw("with")
        options = {}
        while True:
            key = self.ident()
            self.expect_sym("=")
            options[key] = self.term()
            if not self.accept_kw("and"):
                break
        return {"kind": "create_keyspace", "keyspace": name, "if_not_exists": not_exists, "options": options}

    def create_table(self):
        not_exists = self.accept_kw("if", "not", "exists")
        ks, name = self.qualified()
        self.expect_sym("(")
        columns, partition, clustering = [], [], []
        while True:
            if self.accept_kw("primary", "key"):
                self.expect_sym("(")
                if self.accept_sym("("):
                    partition.append(self.ident())
                    while self.accept_sym(","):
                        partition.append(self.ident())
                    self.expect_sym(")")
                else:
                    partition.append(self.ident())
                while self.accept_sym(","):
                    clustering.append(self.ident())
                self.expect_sym(")")
            else:
                column = self.ident()
                columns.append((column, self.cql_type()))
                if self.accept_kw("primary", "key"):
                    partition.append(column)
                elif self.accept_kw("static"):
                    self.fail("static columns are not supported by this emulator")
            if self.accept_sym(")"):
                break
            self.expect_sym(",")
        if self.accept_kw("with"):
            self.pos = len(self.tokens)  # table options: accepted and ignored
        self.end()
        return {"kind": "create_table", "keyspace": ks, "table": name, "if_not_exists": not_exists,
                "columns": columns, "partition": partition, "clustering": clustering}

    def using(self, allow_ttl=True):
        result = {}
        if self.accept_kw("using"):
            while True:
                if allow_ttl and self.accept_kw("ttl"):
                    result["ttl"] = self.term("[ttl]")
                elif self.accept_kw("timestamp"):
                    result["timestamp"] = self.term("[timestamp]")
                else:
                    self.fail("expecting TTL or TIMESTAMP")
                if not self.accept_kw("and"):
                    break
        return result

    def insert(self):
        ks, name = self.qualified()
        self.expect_sym("(")
        names = [self.ident()]
        while self.accept_sym(","):
            names.append(self.ident())
        self.expect_sym(")")
        self.expect_kw("values")
        self.expect_sym("(")
        values = [self.term(names[0])]
        for column in names[1:]:
            self.expect_sym(",")
            values.append(self.term(column))
        self.expect_sym(")")
        if len(values) != len(names):
            raise _invalid("Unmatched column names/values")
        not_exists = self.accept_kw("if", "not", "exists")
        using = self.using()
        self.end()
        return {"kind": "insert", "keyspace": ks, "table": name, "values": dict(zip(names, values)),
                "if_not_exists": not_exists, "using": using}

    def where(self):
        conditions = []
        if self.accept_kw("where"):
            while True:
                column = self.ident()
                if self.accept_kw("in"):
                    self.expect_sym("(")
                    options = [self.term(column)]
                    while self.accept_sym(","):
                        options.append(self.term(column))
                    self.expect_sym(")")
                    conditions.append((column, "in", options))
                else:
                    self.expect_sym("=")
                    conditions.append((column, "=", self.term(column)))
                if not self.accept_kw("and"):
                    break
        return conditions

    def update(self):
        ks, name = self.qualified()
        using = self.using()
        self.expect_kw("set")
        assignments = {}
        while True:
            column = self.ident()
            self.expect_sym("=")
            assignments[column] = self.term(column)
            if not self.accept_sym(","):
                break
        conditions = self.where()
        exists = self.accept_kw("if", "exists")
        self.end()
        return {"kind": "update", "keyspace": ks, "table": name, "values": assignments, "using": using,
                "where": conditions, "if_exists": exists}

    def delete(self):
        columns = []
        if not self.is_kw("from"):
            columns.append(self.ident())
            while self.accept_sym(","):
                columns.append(self.ident())
        self.expect_kw("from")
        ks, name = self.qualified()
        using = self.using(allow_ttl=False)
        conditions = self.where()
        exists = self.accept_kw("if", "exists")
        self.end()
        return {"kind": "delete", "keyspace": ks, "table": name, "columns": columns, "using": using,
                "where": conditions, "if_exists": exists}

    def select(self):
        if self.is_kw("json") or self.is_kw("distinct"):
            self.fail("SELECT JSON and DISTINCT are not supported by this emulator")
        selectors = []
        if self.accept_sym("*"):
            selectors = "*"
        elif self.is_kw("count") and self.peek(1) == ("sym", "("):
            self.pos += 2
            if not self.accept_sym("*"):
                self.term()
            self.expect_sym(")")
            alias = self.ident() if self.accept_kw("as") else "count"
            selectors = ("count", alias)
        else:
            while True:
                column = self.ident()
                if self.peek() == ("sym", "("):
                    self.fail("functions are not supported by this emulator")
                selectors.append((column, self.ident() if self.accept_kw("as") else column))
                if not self.accept_sym(","):
                    break
        self.expect_kw("from")
        ks, name = self.qualified()
        conditions = self.where()
        if self.is_kw("order"):
            self.fail("ORDER BY is not supported by this emulator")
        limit = self.term("[limit]") if self.accept_kw("limit") else None
        self.accept_kw("allow", "filtering")
        self.end()
        return {"kind": "select", "keyspace": ks, "table": name, "selectors": selectors, "where": conditions, "limit": limit}


def parse(text):
    """Parse one statement; returns (statement, markers)."""
    parser = _Parser(text)
    statement = parser.statement()
    if statement["kind"] in ("use", "drop_keyspace", "drop_table", "create_keyspace"):
        parser.end()
    return statement, parser.markers


# ---------------------------------------------------------------------------------------------
# the store


def _parse_timestamp_text(value, column):
    text = value.strip().replace("T", " ")
    text = re.sub(r"(Z|[+-]\d\d:?\d\d)$", lambda m: "+00:00" if m.group(1) == "Z" else m.group(1)[:3] + ":" + m.group(1)[-2:], text)
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise _invalid("Unable to coerce '%s' to a formatted date (long) for %s" % (value, column))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return int(moment.timestamp() * 1000)


def coerce(cql_type, value, column):
    """A literal or a bound value as the column's type keeps it (timestamps as epoch ms)."""
    if value is None:
        return None
    bad = _invalid("Invalid value %r for %s of type %s" % (value, column, cql_type))
    if cql_type in ("text", "varchar", "ascii"):
        if not isinstance(value, str):
            raise bad
        return value
    if cql_type in ("int", "bigint"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad
        limit = 2 ** 31 if cql_type == "int" else 2 ** 63
        if not -limit <= value < limit:
            raise bad
        return value
    if cql_type == "timestamp":
        if isinstance(value, str):
            return _parse_timestamp_text(value, column)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise bad
        return int(value)
    if cql_type in ("uuid", "timeuuid"):
        if isinstance(value, uuid.UUID):
            return value
        raise bad
    if cql_type == "boolean":
        if not isinstance(value, bool):
            raise bad
        return value
    if cql_type in ("double", "float"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise bad
        return float(value)
    raise bad


class _Table:
    def __init__(self, keyspace, name, columns, partition, clustering, created_us, table_id=None):
        self.keyspace = keyspace
        self.name = name
        self.columns = dict(columns)
        self.partition = list(partition)
        self.clustering = list(clustering)
        self.created_us = created_us
        self.id = table_id or uuid.uuid4()
        self.rows = {}  # key tuple -> {"marker": (ts, expires) | None, "tombstone": ts | None, "cells": {col: (value, ts, expires)}}

    @property
    def key_columns(self):
        return self.partition + self.clustering

    def ordered_columns(self):
        """Primary key columns first, then the others by name, as ``SELECT *`` shows them."""
        return self.key_columns + sorted(c for c in self.columns if c not in self.key_columns)

    def definition(self):
        return {"keyspace": self.keyspace, "table": self.name, "columns": list(self.columns.items()),
                "partition": self.partition, "clustering": self.clustering, "created_us": self.created_us, "id": self.id}


def _live_row(row, now_ms):
    tombstone = row["tombstone"]

    def live(ts, expires):
        return (tombstone is None or ts > tombstone) and (expires is None or expires > now_ms)

    cells = {col: value for col, (value, ts, expires) in row["cells"].items() if value is not None and live(ts, expires)}
    marker = row["marker"] is not None and live(*row["marker"])
    return cells if (marker or cells) else None


def _apply(table, key, mutation, cutoff_us=None):
    """Apply one logged mutation (only its parts written at or before ``cutoff_us`` when given)."""

    def keep(ts):
        return cutoff_us is None or ts <= cutoff_us

    parts = []
    if mutation.get("marker") and keep(mutation["marker"][0]):
        parts.append("marker")
    if mutation.get("tombstone") is not None and keep(mutation["tombstone"]):
        parts.append("tombstone")
    cells = {col: cell for col, cell in mutation.get("cells", {}).items() if keep(cell[1])}
    if not parts and not cells:
        return
    row = table.rows.setdefault(key, {"marker": None, "tombstone": None, "cells": {}})
    if "marker" in parts and (row["marker"] is None or row["marker"][0] <= mutation["marker"][0]):
        row["marker"] = tuple(mutation["marker"])
    if "tombstone" in parts and (row["tombstone"] is None or row["tombstone"] < mutation["tombstone"]):
        row["tombstone"] = mutation["tombstone"]
    for col, cell in cells.items():
        old = row["cells"].get(col)
        if old is None or old[1] <= cell[1]:
            row["cells"][col] = tuple(cell)


class _Store:
    """A cluster's keyspaces and tables, with the log of every schema change and write."""

    def __init__(self):
        self.keyspaces = {}  # name -> {"name", "replication", "durable_writes", "created_us", "tables": {name: _Table}}
        self.schema_log = []  # (ts_us, op, payload)
        self.data_log = []  # (table id, key, mutation)
        self.schema_version = uuid.uuid4()

    def table(self, keyspace, name):
        ks = self.keyspaces.get(keyspace)
        table = ks["tables"].get(name) if ks else None
        if table is None:
            raise _invalid("unconfigured table %s" % name)
        return table

    def tables(self):
        for ks in self.keyspaces.values():
            yield from ks["tables"].values()

    # schema
    def create_keyspace(self, name, replication, durable_writes, ts_us):
        payload = {"name": name, "replication": dict(replication), "durable_writes": durable_writes, "created_us": ts_us}
        self._do_schema("create_keyspace", payload)
        self.schema_log.append((ts_us, "create_keyspace", copy.deepcopy(payload)))

    def create_table(self, definition):
        self._do_schema("create_table", definition)
        self.schema_log.append((definition["created_us"], "create_table", copy.deepcopy(definition)))

    def drop_keyspace(self, name, ts_us):
        self._do_schema("drop_keyspace", name)
        self.schema_log.append((ts_us, "drop_keyspace", name))

    def drop_table(self, keyspace, name, ts_us):
        self._do_schema("drop_table", (keyspace, name))
        self.schema_log.append((ts_us, "drop_table", (keyspace, name)))

    def _do_schema(self, op, payload):
        if op == "create_keyspace":
            self.keyspaces[payload["name"]] = dict(payload, replication=dict(payload["replication"]), tables={})
        elif op == "create_table":
            d = payload
            self.keyspaces[d["keyspace"]]["tables"][d["table"]] = _Table(
                d["keyspace"], d["table"], d["columns"], d["partition"], d["clustering"], d["created_us"], d["id"])
        elif op == "drop_keyspace":
            self.keyspaces.pop(payload, None)
        elif op == "drop_table":
            ks = self.keyspaces.get(payload[0])
            if ks:
                ks["tables"].pop(payload[1], None)
        self.schema_version = uuid.uuid4()

    # data
    def write(self, table, key, mutation):
        _apply(table, key, mutation)
        self.data_log.append((table.id, key, copy.deepcopy(mutation)))

    # copies
    def copy_as_of(self, cutoff_us):
        """A new store holding what the log says up to ``cutoff_us`` (inclusive)."""
        result = _Store()
        for ts_us, op, payload in self.schema_log:
            if ts_us <= cutoff_us:
                result._do_schema(op, copy.deepcopy(payload))
        by_id = {table.id: table for table in result.tables()}
        for table_id, key, mutation in self.data_log:
            if table_id in by_id:
                _apply(by_id[table_id], key, mutation, cutoff_us)
        return result

    def frozen(self):
        """The keyspaces as of now, as an opaque snapshot."""
        return copy.deepcopy(self.keyspaces)

    @classmethod
    def from_keyspaces(cls, keyspaces, tables=None):
        """A store holding ``keyspaces`` (restricted to ``tables`` when given), logged anew."""
        wanted = {tuple(str(t).lower().split(".", 1)) for t in tables} if tables else None
        store = cls()
        for ks in keyspaces.values():
            kept = [t for t in ks["tables"].values() if wanted is None or (t.keyspace, t.name) in wanted]
            if wanted is not None and not kept:
                continue
            store.create_keyspace(ks["name"], ks["replication"], ks["durable_writes"], ks["created_us"])
            for source in kept:
                store.create_table(source.definition())
                table = store.keyspaces[ks["name"]]["tables"][source.name]
                for key, row in source.rows.items():
                    store.write(table, key, copy.deepcopy(row))
        return store


# ---------------------------------------------------------------------------------------------
# the engine


class _Cluster(InProcessCluster):
    def __init__(self, cluster_id, nodes, username, password, tls, tls_files, private_broadcast):
        super().__init__(cluster_id, nodes, username, password, tls, tls_files)
        self.tls = tls
        self.private_broadcast = private_broadcast
        self.store = _Store()
        self.host_ids = [uuid.uuid5(uuid.NAMESPACE_URL, "cassandra:%s:%d" % (cluster_id, i)) for i in range(len(nodes))]

    @property
    def data_centres(self):
        return sorted({node["data_centre"] for node in self.nodes})

    def token(self, index):
        return str(-2 ** 63 + index * (2 ** 64 // max(1, len(self.nodes))))

    def rpc_address(self, index):
        return self.nodes[index]["private" if self.private_broadcast else "public"]


class Engine(InProcessEngine):
    """The Cassandra double: every emulated Cassandra cluster's store and its CQL wire."""

    application = APPLICATION
    port = PORT
    label = "Cassandra"

    def __init__(self, workdir, clock):
        super().__init__(workdir, clock)
        self._prepared = {}  # id -> query text

    # lifecycle (create, delete, close, serve: in_process.InProcessEngine)
    def new_cluster(self, cluster_id, nodes, username, password, tls, tls_files, private_ip_broadcast_for_discovery=False):
        return _Cluster(cluster_id, nodes, username, password, tls, tls_files, private_ip_broadcast_for_discovery)

    # backups and restores
    def snapshot(self, cluster_id):
        with self._lock:
            return ("cassandra-snapshot", cluster_id, self._cluster(cluster_id).store.frozen())

    def restore(self, target_cluster_id, source_cluster_id, *, token=None, point_in_time_ms=None, tables=None, indices=None):
        """Materialise into the target: the snapshot ``token`` when given, else the source's write log
        up to ``point_in_time_ms`` (inclusive, to the millisecond), else nothing. ``tables``
        (``keyspace.table`` names; empty or None: all) restricts it; ``indices`` is not Cassandra's."""
        with self._lock:
            target = self._cluster(target_cluster_id)
            if token is not None:
                keyspaces = token[2]
            elif point_in_time_ms is not None:
                keyspaces = self._cluster(source_cluster_id).store.copy_as_of(int(point_in_time_ms) * 1000 + 999).keyspaces
            else:
                target.store = _Store()
                return
            target.store = _Store.from_keyspaces(keyspaces, tables)

    def restore_latest(self, target_cluster_id, source_cluster_id):
        with self._lock:
            source = self._cluster(source_cluster_id)
            self._cluster(target_cluster_id).store = _Store.from_keyspaces(source.store.keyspaces)

    # the wire
    def serve_connection(self, cluster, node_index, conn):
        _Connection(self, cluster, node_index, conn).run()


def _recv_exact(sock, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError("connection closed")
        buf += chunk
    return bytes(buf)


# system tables: columns (name, type) in the order ``SELECT *`` shows them
_LOCAL_COLUMNS = [
    ("key", "text"), ("bootstrapped", "text"), ("broadcast_address", "inet"), ("cluster_name", "text"),
    ("cql_version", "text"), ("data_center", "text"), ("host_id", "uuid"), ("listen_address", "inet"),
    ("native_protocol_version", "text"), ("partitioner", "text"), ("rack", "text"), ("release_version", "text"),
    ("rpc_address", "inet"), ("schema_version", "uuid"), ("tokens", ("set", "text")),
]
_PEERS_COLUMNS = [
    ("peer", "inet"), ("data_center", "text"), ("host_id", "uuid"), ("preferred_ip", "inet"), ("rack", "text"),
    ("release_version", "text"), ("rpc_address", "inet"), ("schema_version", "uuid"), ("tokens", ("set", "text")),
]
_KEYSPACES_COLUMNS = [("keyspace_name", "text"), ("durable_writes", "boolean"), ("replication", ("map", "text", "text"))]
_TABLES_COLUMNS = [
    ("keyspace_name", "text"), ("table_name", "text"), ("comment", "text"), ("default_time_to_live", "int"),
    ("flags", ("set", "text")), ("gc_grace_seconds", "int"), ("id", "uuid"),
]
_COLUMNS_COLUMNS = [
    ("keyspace_name", "text"), ("table_name", "text"), ("column_name", "text"), ("clustering_order", "text"),
    ("column_name_bytes", "blob"), ("kind", "text"), ("position", "int"), ("type", "text"),
]
_EMPTY_SYSTEM_TABLES = {  # always empty here; their key columns, so that the driver's filters apply
    ("system_schema", "types"): ("keyspace_name", "type_name"),
    ("system_schema", "functions"): ("keyspace_name", "function_name"),
    ("system_schema", "aggregates"): ("keyspace_name", "aggregate_name"),
    ("system_schema", "triggers"): ("keyspace_name", "table_name", "trigger_name"),
    ("system_schema", "indexes"): ("keyspace_name", "table_name", "index_name"),
    ("system_schema", "views"): ("keyspace_name", "view_name"),
    ("system_schema", "dropped_columns"): ("keyspace_name", "table_name", "column_name"),
    ("system_virtual_schema", "keyspaces"): ("keyspace_name",),
    ("system_virtual_schema", "tables"): ("keyspace_name", "table_name"),
    ("system_virtual_schema", "columns"): ("keyspace_name", "table_name", "column_name"),
}


class _Connection:
    """One client connection: the handshake, then requests answered in order."""

    def __init__(self, engine, cluster, node_index, sock):
        self.engine = engine
        self.cluster = cluster
        self.node = node_index
        self.sock = sock
        self.ready = False
        self.authenticated = False
        self.keyspace = None

    def run(self):
        while True:
            header = _recv_exact(self.sock, _HEADER.size)
            version, flags, stream, opcode, length = _HEADER.unpack(header)
            if length > _MAX_BODY:
                raise EOFError("frame too large")
            body = _recv_exact(self.sock, length)
            if version & 0x7F != PROTOCOL_VERSION:
                self.send(stream, ERROR, _int(PROTOCOL_ERROR) + _string(
                    "Invalid or unsupported protocol version (%d); supported versions are (4/v4)" % (version & 0x7F)))
                return
            reader = _Reader(body)
            if flags & 0x04:  # custom payload
                for dummy in range(reader.short()):
                    reader.string()
                    reader.bytes()
            try:
                op, response = self.handle(opcode, reader)
            except CqlError as exc:
                op, response = ERROR, _int(exc.code) + _string(exc.message) + exc.extra
            except Exception as exc:  # pylint: disable=broad-except
                op, response = ERROR, _int(SERVER_ERROR) + _string("emulator error: %s" % exc)
            self.send(stream, op, response)

    def send(self, stream, opcode, body):
        self.sock.sendall(_HEADER.pack(0x80 | PROTOCOL_VERSION, 0, stream, opcode, len(body)) + body)

    def handle(self, opcode, reader):
        if opcode == OPTIONS:
            supported = {"CQL_VERSION": [CQL_VERSION], "COMPRESSION": [], "PROTOCOL_VERSIONS": ["4/v4"]}
            body = _short(len(supported)) + b"".join(
                _string(k) + _short(len(v)) + b"".join(_string(s) for s in v) for k, v in supported.items())
            return SUPPORTED, body
        if opcode == STARTUP:
            options = reader.string_map()
            if options.get("COMPRESSION"):
                raise CqlError(PROTOCOL_ERROR, "Unknown compression algorithm: %s" % options["COMPRESSION"])
            self.ready = True
            return AUTHENTICATE, _string(AUTHENTICATOR)
        if opcode == AUTH_RESPONSE:
            if not self.ready:
                raise CqlError(PROTOCOL_ERROR, "Unexpected AUTH_RESPONSE before STARTUP")
            token = reader.bytes() or b""
            parts = token.split(b"\x00")
            user, password = (parts[1], parts[2]) if len(parts) == 3 else (b"", b"")
            if user.decode("utf-8", "replace") != self.cluster.username or password.decode("utf-8", "replace") != self.cluster.password:
                raise CqlError(BAD_CREDENTIALS, "Provided username %s and/or password are incorrect" % user.decode("utf-8", "replace"))
            self.authenticated = True
            return AUTH_SUCCESS, _bytes(None)
        if not self.authenticated:
            raise CqlError(PROTOCOL_ERROR, "Unexpected message %d, expecting STARTUP or AUTH_RESPONSE" % opcode)
        if opcode == REGISTER:
            return READY, b""
        if opcode == QUERY:
            text = reader.long_string()
            values, names = _query_parameters(reader)
            return RESULT, self.run_text(text, values, names)
        if opcode == PREPARE:
            return RESULT, self.prepare(reader.long_string())
        if opcode == EXECUTE:
            query_id = reader.short_bytes()
            values, names = _query_parameters(reader)
            with self.engine._lock:
                text = self.engine._prepared.get(query_id)
            if text is None:
                raise CqlError(UNPREPARED, "Prepared query with ID %s not found" % query_id.hex(), _short_bytes(query_id))
            return RESULT, self.run_text(text, values, names)
        if opcode == BATCH:
            return RESULT, self.batch(reader)
        raise CqlError(PROTOCOL_ERROR, "Unsupported message opcode 0x%02x (this emulator does not support it)" % opcode)

    # requests
    def prepare(self, text):
        statement, markers = parse(text)
        specs = self.marker_specs(statement, markers)
        query_id = hashlib.md5(((self.keyspace or "") + "\x00" + text).encode("utf-8")).digest()
        with self.engine._lock:
            self.engine._prepared[query_id] = text
        ks, table = statement.get("keyspace") or self.keyspace or "", statement.get("table") or ""
        body = _int(0x0004) + _short_bytes(query_id)
        body += _int(0) + _int(len(specs)) + _int(0)
        for name, cql_type in specs:
            body += _string(ks) + _string(table) + _string(name) + _type_option(cql_type)
        body += _int(0x0004) + _int(0)  # result metadata: none, sent with every Rows result
        return body

    def batch(self, reader):
        reader.byte()
        queries = []
        for dummy in range(reader.short()):
            kind = reader.byte()
            if kind == 0:
                text = reader.long_string()
            else:
                query_id = reader.short_bytes()
                with self.engine._lock:
                    text = self.engine._prepared.get(query_id)
                if text is None:
                    raise CqlError(UNPREPARED, "Prepared query with ID %s not found" % query_id.hex(), _short_bytes(query_id))
            queries.append((text, [reader.bytes() for dummy in range(reader.short())]))
        with self.engine._lock:
            for text, values in queries:
                statement = parse(text)[0]
                if statement["kind"] not in ("insert", "update", "delete"):
                    raise _invalid("Only INSERT, UPDATE and DELETE statements are allowed in a batch")
                self.run_text(text, values, [None] * len(values))
        return _int(0x0001)

    def marker_specs(self, statement, markers):
        specs = []
        for marker in markers:
            if marker.column == "[limit]" or marker.column == "[ttl]":
                specs.append((marker.column, "int"))
            elif marker.column == "[timestamp]":
                specs.append((marker.column, "bigint"))
            else:
                specs.append((marker.name or marker.column, self.column_type(statement, marker.column)))
        return specs

    def column_type(self, statement, column):
        ks = statement.get("keyspace") or self.keyspace
        if ks in SYSTEM_KEYSPACES:
            return dict(_system_columns(ks, statement.get("table"))).get(column, "text")
        with self.engine._lock:
            table = self.cluster.store.table(self.require_keyspace(ks), statement["table"])
            if column not in table.columns:
                raise _invalid("Undefined column name %s in table %s.%s" % (column, table.keyspace, table.name))
            return table.columns[column]

    def require_keyspace(self, ks):
        if not ks:
            raise _invalid("No keyspace has been specified. USE a keyspace, or explicitly specify keyspace.tablename")
        return ks

    def run_text(self, text, raw_values, names):
        statement, markers = parse(text)
        bound = {}
        if markers:
            specs = self.marker_specs(statement, markers)
            if len(raw_values) != len(markers):
                raise _invalid("There were %d markers(?) in CQL but %d bound variables" % (len(markers), len(raw_values)))
            by_name = {name: raw for name, raw in zip(names, raw_values) if name}
            for marker, (name, cql_type), raw in zip(markers, specs, raw_values):
                if by_name:
                    if marker.name not in by_name:
                        raise _invalid("Missing value for bind marker %s" % marker.name)
                    raw = by_name[marker.name]
                bound[marker.index] = _decode(cql_type, raw, name)
        elif raw_values:
            raise _invalid("There were 0 markers(?) in CQL but %d bound variables" % len(raw_values))

        def value(term):
            return bound[term.index] if isinstance(term, Marker) else term

        with self.engine._lock:
            return _Executor(self, value).run(statement)


def _system_columns(ks, table):
    if ks == "system" and table == "local":
        return _LOCAL_COLUMNS
    if ks == "system" and table == "peers":
        return _PEERS_COLUMNS
    if ks == "system_schema" and table == "keyspaces":
        return _KEYSPACES_COLUMNS
    if ks == "system_schema" and table == "tables":
        return _TABLES_COLUMNS
    if ks == "system_schema" and table == "columns":
        return _COLUMNS_COLUMNS
    if (ks, table) in _EMPTY_SYSTEM_TABLES:
        return [(name, "text") for name in _EMPTY_SYSTEM_TABLES[(ks, table)]]
    raise _invalid("unconfigured table %s" % table)


def _rows_result(ks, table, columns, rows):
    body = _int(0x0002) + _int(0) + _int(len(columns))
    for name, cql_type in columns:
        body += _string(ks) + _string(table) + _string(name) + _type_option(cql_type)
    body += _int(len(rows))
    for row in rows:
        body += b"".join(_bytes(_encode(cql_type, value)) for (name, cql_type), value in zip(columns, row))
    return body


def _schema_change(change, target, ks, table=None):
    body = _int(0x0005) + _string(change) + _string(target) + _string(ks)
    return body + (_string(table) if table is not None else b"")


class _Executor:
    """Runs one parsed statement against the cluster (the engine lock is held)."""

    def __init__(self, conn, value):
        self.conn = conn
        self.cluster = conn.cluster
        self.store = conn.cluster.store
        self.value = value
        self.now_ms = conn.engine.clock.now_ms()

    def run(self, st):
        return getattr(self, "do_" + st["kind"])(st)

    def now_us(self):
        return int(self.now_ms) * 1000

    def write_time(self, st):
        ts = self.value(st["using"].get("timestamp"))
        return self.now_us() if ts is None else int(ts)

    def keyspace_of(self, st):
        return self.conn.require_keyspace(st.get("keyspace") or self.conn.keyspace)

    def do_use(self, st):
        ks = st["keyspace"]
        if ks not in self.store.keyspaces and ks not in SYSTEM_KEYSPACES:
            raise _invalid("Keyspace '%s' does not exist" % ks)
        self.conn.keyspace = ks
        return _int(0x0003) + _string(ks)

    def do_create_keyspace(self, st):
        name = st["keyspace"]
        if name in SYSTEM_KEYSPACES:
            raise _invalid("Keyspace name %s is reserved" % name)
        options = st["options"]
        replication = options.get("replication")
        if not isinstance(replication, dict) or "class" not in replication:
            raise CqlError(CONFIG_ERROR, "Missing mandatory option 'class' in replication")
        strategy = str(replication["class"])
        short_name = strategy.rsplit(".", 1)[-1]
        clean = {}
        if short_name == "SimpleStrategy":
            if "replication_factor" not in replication:
                raise CqlError(CONFIG_ERROR, "SimpleStrategy requires a replication_factor strategy option.")
            clean = {"class": SIMPLE, "replication_factor": str(replication["replication_factor"])}
            extra = set(map(str, replication)) - {"class", "replication_factor"}
            if extra:
                raise CqlError(CONFIG_ERROR, "Unrecognized strategy option {%s} passed to SimpleStrategy for keyspace %s" % (sorted(extra)[0], name))
        elif short_name == "NetworkTopologyStrategy":
            clean = {"class": NETWORK_TOPOLOGY}
            for dc, factor in replication.items():
                if dc == "class":
                    continue
                dc = str(dc)
                if dc == "replication_factor":
                    for known in self.cluster.data_centres:
                        clean[known] = str(factor)
                    continue
                if dc not in self.cluster.data_centres:
                    raise CqlError(CONFIG_ERROR, "Unrecognized strategy option {%s} passed to NetworkTopologyStrategy for keyspace %s" % (dc, name))
                clean[dc] = str(factor)
        else:
            raise CqlError(CONFIG_ERROR, "Unable to find replication strategy class '%s' (this emulator knows SimpleStrategy and "
                           "NetworkTopologyStrategy)" % strategy)
        for factor in (v for k, v in clean.items() if k != "class"):
            if not factor.isdigit():
                raise CqlError(CONFIG_ERROR, "Replication factor must be non-negative integer; found %s" % factor)
        if name in self.store.keyspaces:
            if st["if_not_exists"]:
                return _int(0x0001)
            raise CqlError(ALREADY_EXISTS, "Keyspace %s already exists" % name, _string(name) + _string(""))
        durable = options.get("durable_writes", True)
        self.store.create_keyspace(name, clean, bool(durable), self.now_us())
        return _schema_change("CREATED", "KEYSPACE", name)

    def do_create_table(self, st):
        ks = self.keyspace_of(st)
        if ks not in self.store.keyspaces:
            raise _invalid("Keyspace %s doesn't exist" % ks)
        columns = dict(st["columns"])
        if len(columns) != len(st["columns"]):
            raise _invalid("Multiple definition of identifier")
        if not st["partition"]:
            raise _invalid("No PRIMARY KEY specifed for table %s (exactly one required)" % st["table"])
        for key in st["partition"] + st["clustering"]:
            if key not in columns:
                raise _invalid("Unknown definition %s referenced in PRIMARY KEY" % key)
        if st["table"] in self.store.keyspaces[ks]["tables"]:
            if st["if_not_exists"]:
                return _int(0x0001)
            raise CqlError(ALREADY_EXISTS, "Object %s.%s already exists" % (ks, st["table"]), _string(ks) + _string(st["table"]))
        self.store.create_table({"keyspace": ks, "table": st["table"], "columns": st["columns"], "partition": st["partition"],
                                 "clustering": st["clustering"], "created_us": self.now_us(), "id": uuid.uuid4()})
        return _schema_change("CREATED", "TABLE", ks, st["table"])

    def do_drop_keyspace(self, st):
        if st["keyspace"] not in self.store.keyspaces:
            if st["if_exists"]:
                return _int(0x0001)
            raise _invalid("Keyspace '%s' doesn't exist" % st["keyspace"])
        self.store.drop_keyspace(st["keyspace"], self.now_us())
        return _schema_change("DROPPED", "KEYSPACE", st["keyspace"])

    def do_drop_table(self, st):
        ks = self.keyspace_of(st)
        if ks not in self.store.keyspaces or st["table"] not in self.store.keyspaces[ks]["tables"]:
            if st["if_exists"]:
                return _int(0x0001)
            raise _invalid("Table '%s.%s' doesn't exist" % (ks, st["table"]))
        self.store.drop_table(ks, st["table"], self.now_us())
        return _schema_change("DROPPED", "TABLE", ks, st["table"])

    # writes
    def user_table(self, st):
        ks = self.keyspace_of(st)
        if ks in SYSTEM_KEYSPACES:
            raise CqlError(0x2100, "%s keyspace is not user-modifiable." % ks)
        return self.store.table(ks, st["table"])

    def key_from(self, table, given):
        key = []
        for column in table.key_columns:
            if column not in given:
                kind = "partition key" if column in table.partition else "clustering key"
                raise _invalid("Some %s parts are missing: %s" % (kind, column))
            value = coerce(table.columns[column], given[column], column)
            if value is None:
                raise _invalid("Invalid null value in condition for column %s" % column)
            key.append(value)
        return tuple(key)

    def ttl_expiry(self, st):
        ttl = self.value(st["using"].get("ttl"))
        if ttl is None or ttl == 0:
            return None
        if ttl < 0:
            raise _invalid("A TTL must be greater or equal to 0, but was %d" % ttl)
        return self.now_ms + int(ttl) * 1000

    def check_columns(self, table, names):
        for name in names:
            if name not in table.columns:
                raise _invalid("Undefined column name %s in table %s.%s" % (name, table.keyspace, table.name))

    def applied(self, table, key, flag):
        row = table.rows.get(key)
        current = _live_row(row, self.now_ms) if row else None
        if flag == "not_exists" and current is None or flag == "exists" and current is not None:
            return None, current
        columns = [("[applied]", "boolean")]
        values = [False]
        if current is not None:
            for column in table.ordered_columns():
                columns.append((column, table.columns[column]))
                values.append(key[table.key_columns.index(column)] if column in table.key_columns else current.get(column))
        return _rows_result(table.keyspace, table.name, columns, [values]), current

    def applied_true(self, table):
        return _rows_result(table.keyspace, table.name, [("[applied]", "boolean")], [[True]])

    def do_insert(self, st):
        table = self.user_table(st)
        given = {column: self.value(term) for column, term in st["values"].items()}
        self.check_columns(table, given)
        key = self.key_from(table, given)
        ts, expires = self.write_time(st), self.ttl_expiry(st)
        if st["if_not_exists"]:
            refused = self.applied(table, key, "not_exists")[0]
            if refused is not None:
                return refused
        cells = {c: (coerce(table.columns[c], v, c), ts, expires) for c, v in given.items() if c not in table.key_columns}
        self.store.write(table, key, {"marker": (ts, expires), "cells": cells})
        return self.applied_true(table) if st["if_not_exists"] else _int(0x0001)

    def key_conditions(self, table, st):
        given = {}
        for column, op, term in st["where"]:
            if op != "=" or column not in table.key_columns:
                raise _invalid("Non PRIMARY KEY columns found in where clause: %s" % column if column not in table.key_columns
                               else "IN is not supported here by this emulator")
            given[column] = self.value(term)
        return given

    def do_update(self, st):
        table = self.user_table(st)
        assignments = {column: self.value(term) for column, term in st["values"].items()}
        self.check_columns(table, assignments)
        for column in assignments:
            if column in table.key_columns:
                raise _invalid("PRIMARY KEY part %s found in SET part" % column)
        key = self.key_from(table, self.key_conditions(table, st))
        ts, expires = self.write_time(st), self.ttl_expiry(st)
        if st["if_exists"]:
            refused = self.applied(table, key, "exists")[0]
            if refused is not None:
                return refused
        cells = {c: (coerce(table.columns[c], v, c), ts, expires) for c, v in assignments.items()}
        self.store.write(table, key, {"cells": cells})
        return self.applied_true(table) if st["if_exists"] else _int(0x0001)

    def do_delete(self, st):
        table = self.user_table(st)
        self.check_columns(table, st["columns"])
        given = self.key_conditions(table, st)
        ts = self.write_time(st)
        for column in table.partition:
            if column not in given:
                raise _invalid("Some partition key parts are missing: %s" % column)
        if len(given) == len(table.key_columns):
            keys = [self.key_from(table, given)]
        else:
            prefix = tuple(coerce(table.columns[c], given[c], c) for c in table.key_columns[:len(given)])
            if set(given) != set(table.key_columns[:len(given)]):
                raise _invalid("PRIMARY KEY column cannot be restricted as preceding column is not restricted")
            keys = [k for k in table.rows if k[:len(prefix)] == prefix]
        if st["if_exists"]:
            refused = self.applied(table, keys[0], "exists")[0]
            if refused is not None:
                return refused
        for key in keys:
            if st["columns"]:
                self.store.write(table, key, {"cells": {c: (None, ts, None) for c in st["columns"]}})
            else:
                self.store.write(table, key, {"tombstone": ts})
        return self.applied_true(table) if st["if_exists"] else _int(0x0001)

    # reads
    def do_select(self, st):
        ks = self.keyspace_of(st)
        if ks in SYSTEM_KEYSPACES:
            columns = _system_columns(ks, st["table"])
            rows = self.system_rows(ks, st["table"])
        else:
            table = self.store.table(ks, st["table"])
            columns = [(c, table.columns[c]) for c in table.ordered_columns()]
            rows, partitions = [], {}
            width = len(table.partition)
            for key in sorted(table.rows, key=lambda k: (partitions.setdefault(k[:width], len(partitions)), k[width:])):
                cells = _live_row(table.rows[key], self.now_ms)
                if cells is not None:
                    rows.append([key[table.key_columns.index(c)] if c in table.key_columns else cells.get(c) for c, dummy in columns])
        types = dict(columns)
        names = [c for c, dummy in columns]
        for column, op, term in st["where"]:
            if column not in types:
                raise _invalid("Undefined column name %s" % column)
            wanted = [self.value(t) for t in (term if op == "in" else [term])]
            wanted = [coerce(types[column], w, column) if not isinstance(types[column], tuple) and types[column] != "inet" else w for w in wanted]
            index = names.index(column)
            rows = [r for r in rows if r[index] in wanted]
        limit = self.value(st["limit"]) if st["limit"] is not None else None
        if limit is not None:
            if limit <= 0:
                raise _invalid("LIMIT must be strictly positive")
            rows = rows[:limit]
        selectors = st["selectors"]
        if isinstance(selectors, tuple):
            return _rows_result(ks, st["table"], [(selectors[1], "bigint")], [[len(rows)]])
        if selectors != "*":
            for column, dummy in selectors:
                if column not in types:
                    raise _invalid("Undefined column name %s in selection clause" % column)
            picked = [names.index(column) for column, dummy in selectors]
            columns = [(alias, types[column]) for column, alias in selectors]
            rows = [[r[i] for i in picked] for r in rows]
        return _rows_result(ks, st["table"], columns, rows)

    def system_rows(self, ks, table):
        cluster, store = self.cluster, self.store
        if (ks, table) == ("system", "local"):
            i = self.conn.node
            node = cluster.nodes[i]
            return [["local", "COMPLETED", node["private"], cluster.id, CQL_VERSION, node["data_centre"], cluster.host_ids[i],
                     node["private"], str(PROTOCOL_VERSION), PARTITIONER, node["rack"], RELEASE_VERSION, cluster.rpc_address(i),
                     store.schema_version, {cluster.token(i)}]]
        if (ks, table) == ("system", "peers"):
            return [[node["private"], node["data_centre"], cluster.host_ids[i], None, node["rack"], RELEASE_VERSION,
                     cluster.rpc_address(i), store.schema_version, {cluster.token(i)}]
                    for i, node in enumerate(cluster.nodes) if i != self.conn.node]
        if (ks, table) == ("system_schema", "keyspaces"):
            return [[name, k["durable_writes"], dict(k["replication"])] for name, k in store.keyspaces.items()]
        if (ks, table) == ("system_schema", "tables"):
            return [[t.keyspace, t.name, "", 0, {"compound"}, 864000, t.id] for t in store.tables()]
        if (ks, table) == ("system_schema", "columns"):
            rows = []
            for t in store.tables():
                for column, cql_type in t.columns.items():
                    if column in t.partition:
                        kind, position, order = "partition_key", t.partition.index(column), "none"
                    elif column in t.clustering:
                        kind, position, order = "clustering", t.clustering.index(column), "asc"
                    else:
                        kind, position, order = "regular", -1, "none"
                    rows.append([t.keyspace, t.name, column, order, column.encode("utf-8"), kind, position, cql_type])
            return rows
        return []
