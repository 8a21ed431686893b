# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
#
# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""The data plane: reaching a cluster's own data store (canaries, catalogue) the same way for every application.

``DATA_PLANE`` is the one per-application table of the data plane (port, client package, canary home,
catalogue kinds, TLS field, default user, the instant restored data is "as of"); the firewall rule
type that opens the port is the API table's (``_applications.APPLICATIONS[...].firewall_rule_type``).
Each application's wire is one small class in its own file (``_data_cassandra``, ``_data_postgresql``,
``_data_opensearch``, ``_data_redis``) with the same methods, chosen once from the table by its
``load_wire`` function, so that each client library is imported only when its application is used.

``DataTarget.resolve`` turns the module's options and the API's GET cluster into what a wire needs:
node addresses, port, TLS, credentials (the API's default user's password held in memory only,
registered as a secret, never returned). ``canary_result`` and ``catalogue_entry`` are the result
shapes of the three modules.
"""

from __future__ import annotations

import re
import uuid
from collections import namedtuple

from ansible.module_utils.basic import env_fallback

from ansible_collections.restorekit.instaclustr.plugins.module_utils._applications import APPLICATIONS
from ansible_collections.restorekit.instaclustr.plugins.module_utils._clock import iso_utc
from ansible_collections.restorekit.instaclustr.plugins.module_utils._errors import OperationFailed, OptionError
from ansible_collections.restorekit.instaclustr.plugins.module_utils._http import is_loopback_host

# Documented by plugins/doc_fragments/data_plane.py; a unit test keeps the two equal.
DATA_PLANE_ARGUMENT_SPEC = {
    "cluster_id": {"type": "str", "required": True},
    "data_username": {"type": "str", "fallback": (env_fallback, ["IC_DATA_USERNAME"])},
    "data_password": {"type": "str", "no_log": True, "fallback": (env_fallback, ["IC_DATA_PASSWORD"])},
    "data_address": {"type": "str", "default": "public", "choices": ["public", "private"]},
    "data_port": {"type": "int"},
    "data_tls": {"type": "bool"},
    "data_ca_path": {"type": "path"},
    "data_timeout": {"type": "float", "default": 30},
}

CANARY_HOME_NAME = "restorekit_canary"  # Cassandra keyspace, PostgreSQL schema
CANARY_TABLE = "canary"
OPENSEARCH_CANARY_INDEX = "restorekit-canary"
REDIS_CANARY_PREFIX = "restorekit:canary:"
# Longer than the 7-day backup window and than the heartbeat's 30-day pruning, so a backup always holds them.
REDIS_CANARY_TTL_SECONDS = 40 * 86400
DATE_RESOLUTION_MS = 1000  # the HTTP Date header counts whole seconds
CANARY_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
MASK = "********"


def _load_cassandra():
    from ansible_collections.restorekit.instaclustr.plugins.module_utils import _data_cassandra
    return _data_cassandra


def _load_postgresql():
    from ansible_collections.restorekit.instaclustr.plugins.module_utils import _data_postgresql
    return _data_postgresql


def _load_opensearch():
    from ansible_collections.restorekit.instaclustr.plugins.module_utils import _data_opensearch
    return _data_opensearch


def _load_redis():
    from ansible_collections.restorekit.instaclustr.plugins.module_utils import _data_redis
    return _data_redis


DataPlaneRow = namedtuple("DataPlaneRow", (
    "name",          # the ``application`` option's value
    "port",          # the client port on every node (inferred: the applications' standard ports)
    "package",       # the client's package on PyPI (named by the error when it is missing)
    "import_name",   # what the wire imports
    "home",          # where the canaries live, one sentence
    "catalogue_kinds",  # the kinds ``cluster_data_info`` lists, in order
    "tls_fields",    # boolean fields of the data centre (then the cluster) that say clients must use TLS
    "default_user",  # the cluster's default user, when the API names none
    "restored_as_of",  # the instant restored data is as of: point_in_time, snapshot_start, backup_end, schedule
    "api_password",  # whether the API answers the default user's password
    "load_wire",     # imports the application's wire file (its client library with it)
))

DATA_PLANE = {
    "cassandra": DataPlaneRow(
        name="cassandra", port=9042, package="cassandra-driver", import_name="cassandra",
        home="keyspace %s, table %s" % (CANARY_HOME_NAME, CANARY_TABLE),
        catalogue_kinds=("keyspace", "table"),
        tls_fields=("clientToClusterEncryption", "clientEncryption"),
        default_user="iccassandra", restored_as_of="point_in_time", api_password=True, load_wire=_load_cassandra,
    ),
    "postgresql": DataPlaneRow(
        name="postgresql", port=5432, package="psycopg", import_name="psycopg",
        home="schema %s, table %s, in database postgres" % (CANARY_HOME_NAME, CANARY_TABLE),
        catalogue_kinds=("database", "schema", "table"),
        tls_fields=("clientToClusterEncryption",),
        default_user="icpostgresql", restored_as_of="backup_end", api_password=True, load_wire=_load_postgresql,
    ),
    "opensearch": DataPlaneRow(
        name="opensearch", port=9200, package="requests", import_name="requests",
        home="index %s" % OPENSEARCH_CANARY_INDEX,
        catalogue_kinds=("index",),
        tls_fields=("clientToClusterEncryption",),  # not in the API document for OpenSearch: usually absent
        default_user="icopensearch", restored_as_of="snapshot_start", api_password=True, load_wire=_load_opensearch,
    ),
    "redis": DataPlaneRow(
        name="redis", port=6379, package="redis", import_name="redis",
        home="keys %s<id> (expiring after %d days)" % (REDIS_CANARY_PREFIX, REDIS_CANARY_TTL_SECONDS // 86400),
        catalogue_kinds=("database",),
        tls_fields=("clientToNodeEncryption",),
        default_user="icredis", restored_as_of="schedule", api_password=False, load_wire=_load_redis,
    ),
}


def firewall_rule_type(application, api_version):
    """The firewall rule type that opens ``application``'s data port (the API table's), for messages."""
    app = APPLICATIONS[application]
    return app.v1_firewall_rule_type if api_version == "v1" else app.firewall_rule_type


class DataPlaneError(OperationFailed):
    """A failure while reaching or using a cluster's data store (the message names the address and port)."""


class WireFailure(Exception):
    """Raised by a wire: ``what`` failed; ``closed`` when the connection was closed or reset before an answer,
    ``timeout`` when nothing answered in time (both what a firewall that does not admit the runner looks like)."""

    def __init__(self, what, closed=False, timeout=False):
        super().__init__(what)
        self.what = what
        self.closed = closed
        self.timeout = timeout


_CLOSED_WORDS = ("closed", "eof", "reset", "aborted", "remotedisconnected", "shutdown", "broken pipe")
_TIMEOUT_WORDS = ("timeout", "timed out")


def classify(error):
    """A ``WireFailure`` for a client library's exception: its text, and whether it looks closed or timed out."""
    text = "%s: %s" % (type(error).__name__, " ".join(str(error).split())) if str(error) else type(error).__name__
    lowered = text.lower()
    return WireFailure(text, closed=any(word in lowered for word in _CLOSED_WORDS),
                       timeout=any(word in lowered for word in _TIMEOUT_WORDS))


def require_library(module, row, has_library, import_error):
    """Fail naming the package when the wire's client library is missing (it is in requirements-data-plane.txt)."""
    if not has_library:
        from ansible.module_utils.basic import missing_required_lib
        module.fail_json(msg=missing_required_lib(row.package, reason="reading the data of a %s cluster" % row.name),
                         exception=import_error)


def check_canary_id(value, option="id"):
    """A canary id: 1 to 128 letters, digits, ``_``, ``.``, ``-`` (starting with a letter or digit); a new uuid4 hex when None."""
    if value is None:
        return uuid.uuid4().hex
    if not isinstance(value, str) or not CANARY_ID_PATTERN.match(value):
        raise OptionError(option, "must be 1 to 128 letters, digits, '_', '.' or '-', starting with a letter or digit (got %r)" % (value,))
    return value


def canary_result(record):
    """A stored canary (``id``, ``run_id``, ``written_after_ms``, ``written_before_ms``) in the result shape."""
    after, before = record.get("written_after_ms"), record.get("written_before_ms")
    return {
        "id": record.get("id"), "run_id": record.get("run_id"),
        "written_after": iso_utc(after), "written_after_ms": None if after is None else int(after),
        "written_before": iso_utc(before), "written_before_ms": None if before is None else int(before),
    }


def sorted_canaries(records):
    """Result canaries sorted by ``written_after_ms`` (unknown first), then id."""
    shaped = [canary_result(record) for record in records]
    return sorted(shaped, key=lambda item: (item["written_after_ms"] is not None, item["written_after_ms"] or 0, item["id"] or ""))


def catalogue_entry(kind, name, count=None, count_kind=None):
    return {"kind": kind, "name": name, "count": count, "count_kind": count_kind if count is not None or count_kind else None}


def sorted_catalogue(entries):
    return sorted(entries, key=lambda entry: (entry["kind"], entry["name"]))


def to_int(value):
    """An int from a stored number or text, None when it is not one."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class DataTarget:
    """Where and how to reach one cluster's data: addresses, port, TLS, credentials, timeout.

    ``password`` is held in memory only; ``resolve`` registers it as a secret of the module run.
    """

    def __init__(self, row, cluster_id, addresses, port, tls, ca_path, username, password, timeout, address_kind,
                 rule_type, data_centres=()):
        self.row = row
        self.cluster_id = cluster_id
        self.addresses = list(addresses)
        self.port = port
        self.tls = tls
        self.ca_path = ca_path
        self.username = username
        self.password = password
        self.timeout = timeout
        self.address_kind = address_kind
        self.rule_type = rule_type
        self.data_centres = list(data_centres)

    def __repr__(self):
        return "DataTarget(%s, %s, port %s, tls %s)" % (self.row.name, self.addresses, self.port, self.tls)

    @property
    def endpoints(self):
        return ", ".join("%s:%s" % (address, self.port) for address in self.addresses)

    def failure(self, failure, doing):
        """The ``DataPlaneError`` for a ``WireFailure`` met while ``doing`` (e.g. "connecting"), password masked."""
        message = "%s cluster %s at %s (%s address%s, %s): %s failed: %s" % (
            self.row.name, self.cluster_id, self.endpoints, self.address_kind, "es" if len(self.addresses) > 1 else "",
            "TLS" if self.tls else "plaintext", doing, failure.what)
        if failure.closed or failure.timeout:
            message += (". The connection was %s before any answer, which is what a cluster's firewall does to an address "
                        "no rule admits: the firewall may not admit this runner. Add a rule for the runner's address with "
                        "restorekit.instaclustr.cluster_firewall_rule (rule type %s)" % (
                            "closed" if failure.closed else "not answered in time", self.rule_type or "of the application"))
            if self.address_kind == "private":
                message += ", or use data_address: public: private addresses are reachable only from the cluster's network"
        return DataPlaneError(self.mask(message), details={"cluster_id": self.cluster_id, "addresses": self.addresses,
                                                           "port": self.port})

    def mask(self, text):
        if self.password and isinstance(text, str):
            return text.replace(self.password, MASK)
        return text


def tls_from_flags(row, access):
    """What the API says about client TLS: the first of the row's fields found in a data centre, then the cluster; None when absent."""
    for data_centre in access.get("data_centres") or []:
        for field in row.tls_fields:
            if field in data_centre.get("flags", {}):
                return data_centre["flags"][field]
    for field in row.tls_fields:
        if field in (access.get("flags") or {}):
            return access["flags"][field]
    return None


def hold_secret(module, value):
    """Keep ``value`` out of every output: Ansible's ``no_log_values`` and the module's register of secrets, when it has one."""
    if not value or value in module.no_log_values:
        return
    module.no_log_values.add(value)
    register = getattr(module, "secrets", None)
    if register is not None and hasattr(register, "register"):
        register.register(value)


def resolve_target(module, row):
    """The ``DataTarget`` of the module's cluster: one GET cluster (``backend.data_access``) and the options.

    Returns ``(target, access)``; ``access['server_time_ms']`` is the API's time of that answer.
    """
    params = module.params
    from ansible_collections.restorekit.instaclustr.plugins.module_utils._rules import check_uuid
    cluster_id = check_uuid(params["cluster_id"], "cluster_id")
    backend = module.backend
    access = backend.data_access(cluster_id)
    if access is None:
        backend.check_cluster_application(cluster_id, "cluster_id")
        raise OptionError("cluster_id", "no %s cluster %s in this account (the API answered 404)" % (row.name, cluster_id))
    hold_secret(module, access.get("password"))
    rule_type = firewall_rule_type(row.name, params["api_version"])
    kind = params["data_address"]
    addresses = []
    for data_centre in access["data_centres"]:
        for node in data_centre["nodes"]:
            address = node.get(kind + "_address")
            if address and address not in addresses:
                addresses.append(address)
    if not addresses:
        raise OperationFailed("no node of %s cluster %s has a %s address (its status is %s); %s" % (
            row.name, cluster_id, kind, access.get("status"),
            "try data_address: private from inside the cluster's network" if kind == "public" else "try data_address: public"))
    username = params["data_username"] or access.get("username") or row.default_user
    password = params["data_password"] or None  # an empty IC_DATA_PASSWORD is no password
    if password is None:
        if params["data_username"] and params["data_username"] != (access.get("username") or row.default_user):
            raise OptionError("data_password", "is required with data_username %s: the API answers the password of the cluster's "
                              "default user only" % params["data_username"])
        password = access.get("password")
    if password is None:
        reason = ("the API answers no password for %s clusters" % row.name if not row.api_password
                  else "the API answered no default user password for cluster %s" % cluster_id)
        raise OptionError("data_password", "is required: %s; give data_username and data_password (or IC_DATA_USERNAME and "
                          "IC_DATA_PASSWORD) of a user of the cluster (%s's default user is %s)" % (reason, row.name, row.default_user))
    hold_secret(module, password)
    tls = choose_tls(module, row, access, addresses)
    return DataTarget(row, cluster_id, addresses, params["data_port"] or row.port, tls, params["data_ca_path"], username, password,
                      params["data_timeout"], kind, rule_type, [dc.get("name") for dc in access["data_centres"]]), access


def choose_tls(module, row, access, addresses):
    """``data_tls`` when set; else what the API says; else (the API says nothing) TLS except to loopback addresses.

    Plaintext to an address outside 127.0.0.0/8 only with ``data_tls: false`` set explicitly, with a warning.
    """
    explicit = module.params["data_tls"]
    remote = [address for address in addresses if not is_loopback_host(address)]
    if explicit is not None:
        if not explicit and remote:
            module.warn("data_tls is false: the %s data of cluster %s is read in plaintext from %s, outside this machine; the "
                        "password and the data cross the network unencrypted" % (row.name, module.params["cluster_id"], ", ".join(remote)))
        return explicit
    said = tls_from_flags(row, access)
    if said is None:
        return bool(remote)
    if not said and remote:
        raise OptionError("data_tls", "the API says cluster %s's clients need no TLS (%s false), but plaintext to an address outside "
                          "this machine (%s) is used only when data_tls: false is set explicitly" % (
                              module.params["cluster_id"], "/".join(row.tls_fields), ", ".join(remote)))
    return bool(said)


def open_wire(module, row, target):
    """The application's wire for ``target``, its client library checked (a clear failure naming the package)."""
    wire_module = row.load_wire()
    require_library(module, row, wire_module.HAS_LIBRARY, wire_module.IMPORT_ERROR)
    return wire_module.Wire(target)


class WireSession:
    """Runs wire calls, turning a ``WireFailure`` into the target's ``DataPlaneError``; closes the wire at the end."""

    def __init__(self, wire, target):
        self.wire = wire
        self.target = target

    def call(self, doing, method, *args):
        try:
            return getattr(self.wire, method)(*args)
        except WireFailure as failure:
            raise self.target.failure(failure, doing)
        except Exception as error:  # pylint: disable=broad-except
            # A client library's error a wire did not expect: still one clear failure, password masked, no traceback.
            raise self.target.failure(classify(error), doing)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        try:
            self.wire.close()
        except Exception:  # pylint: disable=broad-except  # closing never hides the real outcome
            pass
        return False


# ---- what the three modules do -------------------------------------------------------------------

def home_sentence(row, target):
    return "%s cluster %s: %s" % (row.name, target.cluster_id, row.home)


def _server_time_ms(module, access):
    """The API's time of ``access`` (its ``Date``), else the session's clock."""
    if access is not None and access.get("server_time_ms") is not None:
        return access["server_time_ms"]
    return module.session.clock.now_ms()


def _read_server_time(module, target):
    """One GET cluster for the API's time now (the whole-second ``Date`` of its answer)."""
    return _server_time_ms(module, module.backend.data_access(target.cluster_id))


def write_canary(module, row):
    """``cluster_canary`` with ``state: present``: one canary, bracketed by the API's clock."""
    params = module.params
    target, access = resolve_target(module, row)
    canary_id = check_canary_id(params.get("id"))
    run_id = params.get("run_id")
    home = home_sentence(row, target)
    if module.check_mode:
        return {"changed": True, "would_write": {"id": canary_id, "run_id": run_id, "home": home}, "home": home}
    del access
    with WireSession(open_wire(module, row, target), target) as session:
        session.call("connecting", "connect", True)
        session.call("creating the canary home (%s)" % row.home, "ensure_home")
        written_after_ms = _read_server_time(module, target)
        # The write's own time on the API's clock (Cassandra: USING TIMESTAMP): inside the bracket.
        stamp_ms = max(module.session.clock.now_ms(), written_after_ms)
        record = {"id": canary_id, "run_id": run_id, "written_after_ms": written_after_ms, "written_before_ms": None}
        session.call("writing canary %s" % canary_id, "write", record, stamp_ms)
        written_before_ms = _read_server_time(module, target) + DATE_RESOLUTION_MS
        record["written_before_ms"] = written_before_ms
        session.call("recording canary %s's written_before" % canary_id, "finish", canary_id, written_before_ms,
                     max(module.session.clock.now_ms(), stamp_ms + 1))
    return {"changed": True, "canary": canary_result(record), "home": home}


def remove_canaries(module, row, older_than_seconds):
    """``cluster_canary`` with ``state: absent``: remove the canaries whose ``written_before`` is older than ``older_than``."""
    target, access = resolve_target(module, row)
    cutoff_ms = _server_time_ms(module, access) - int(older_than_seconds * 1000)
    home = home_sentence(row, target)
    with WireSession(open_wire(module, row, target), target) as session:
        session.call("connecting", "connect", not module.check_mode)
        found = session.call("reading the canaries", "canaries") or []
        old = [record for record in found if _older(record, cutoff_ms)]
        ids = sorted(record["id"] for record in old)
        if module.check_mode:
            return {"changed": bool(ids), "would_remove": ids, "home": home}
        if ids:
            session.call("removing canaries %s" % ", ".join(ids), "remove", ids, module.session.clock.now_ms())
    return {"changed": bool(ids), "removed": ids, "home": home}


def _older(record, cutoff_ms):
    moment = record.get("written_before_ms")
    if moment is None:
        moment = record.get("written_after_ms")
    return moment is not None and moment < cutoff_ms


def read_canaries(module, row):
    """``cluster_canary_info``: every canary found, sorted by ``written_after_ms``; an absent home is an empty list."""
    target, dummy = resolve_target(module, row)
    with WireSession(open_wire(module, row, target), target) as session:
        session.call("connecting", "connect", False)
        found = session.call("reading the canaries", "canaries")
    return {"changed": False, "canaries": sorted_canaries(found or []), "home": home_sentence(row, target),
            "home_exists": found is not None}


def read_catalogue(module, row):
    """``cluster_data_info``: the cluster's data catalogue sorted by (kind, name)."""
    target, dummy = resolve_target(module, row)
    with WireSession(open_wire(module, row, target), target) as session:
        session.call("connecting", "connect", False)
        entries = session.call("reading the catalogue", "catalogue")
    return {"changed": False, "catalogue": sorted_catalogue(entries)}
