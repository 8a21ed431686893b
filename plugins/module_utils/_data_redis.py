# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
#
# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""The Redis wire of the data plane (redis-py, cluster-aware): canaries as keys ``restorekit:canary:<id>`` holding a
small JSON object and expiring after ``REDIS_CANARY_TTL_SECONDS``, and the catalogue (keys of ``db0``, counted on the
primaries).

The client starts from the cluster's own node addresses and follows the slot map the nodes announce (cluster mode;
inferred from ``masterNodes``/``replicaNodes``). Keys are found with SCAN on every primary.
"""

from __future__ import annotations

import json
import traceback

from ansible_collections.restorekit.instaclustr.plugins.module_utils._data_plane import (
    REDIS_CANARY_PREFIX,
    REDIS_CANARY_TTL_SECONDS,
    catalogue_entry,
    classify,
    to_int,
)

try:
    from redis.cluster import ClusterNode, RedisCluster
    from redis.exceptions import RedisClusterException, RedisError
except ImportError:
    ClusterNode = RedisCluster = None
    RedisError = RedisClusterException = Exception
    HAS_LIBRARY = False
    IMPORT_ERROR = traceback.format_exc()
else:
    HAS_LIBRARY = True
    IMPORT_ERROR = None

SCAN_COUNT = 500


def canary_key(canary_id):
    return REDIS_CANARY_PREFIX + canary_id


def canary_value(record):
    """The JSON a canary key holds (pure: unit-tested)."""
    return json.dumps({"id": record["id"], "run_id": record.get("run_id"), "written_after_ms": record.get("written_after_ms"),
                       "written_before_ms": record.get("written_before_ms")}, sort_keys=True)


def read_canary_value(key, value):
    """A stored canary from its key and JSON value; a value that is not one still names its id."""
    canary_id = key[len(REDIS_CANARY_PREFIX):]
    try:
        stored = json.loads(value)
    except (TypeError, ValueError):
        stored = {}
    if not isinstance(stored, dict):
        stored = {}
    return {"id": canary_id, "run_id": stored.get("run_id"), "written_after_ms": to_int(stored.get("written_after_ms")),
            "written_before_ms": to_int(stored.get("written_before_ms"))}


def client_options(target):
    """redis-py options of the cluster client (pure: unit-tested)."""
    options = {
        "username": target.username, "password": target.password, "decode_responses": True,
        "socket_timeout": target.timeout, "socket_connect_timeout": target.timeout,
        "cluster_error_retry_attempts": 1, "dynamic_startup_nodes": False,
    }
    if target.tls:
        options.update(ssl=True, ssl_cert_reqs="required", ssl_ca_certs=target.ca_path, ssl_check_hostname=True)
    return options


class Wire:
    """Canaries and catalogue of one Redis cluster."""

    def __init__(self, target):
        self.target = target
        self.client = None

    def _call(self, call, *args, **kwargs):
        try:
            return call(*args, **kwargs)
        except (RedisError, RedisClusterException, OSError) as error:
            raise classify(error)

    def connect(self, writable=False):  # pylint: disable=unused-argument  # every primary takes writes
        if self.client is None:
            nodes = [ClusterNode(address, self.target.port) for address in self.target.addresses]
            self.client = self._call(RedisCluster, startup_nodes=nodes, **client_options(self.target))

    def _keys(self):
        found = self._call(lambda: set(self.client.scan_iter(match=REDIS_CANARY_PREFIX + "*", count=SCAN_COUNT,
                                                             target_nodes=RedisCluster.PRIMARIES)))
        return sorted(found)

    def home_exists(self):
        return bool(self._keys())

    def ensure_home(self):
        return None  # keys need no home

    def write(self, record, timestamp_ms):  # pylint: disable=unused-argument
        self._call(self.client.set, canary_key(record["id"]), canary_value(record), ex=REDIS_CANARY_TTL_SECONDS)

    def finish(self, canary_id, written_before_ms, timestamp_ms):  # pylint: disable=unused-argument
        stored = read_canary_value(canary_key(canary_id), self._call(self.client.get, canary_key(canary_id)))
        stored["written_before_ms"] = written_before_ms
        self._call(self.client.set, canary_key(canary_id), canary_value(stored), ex=REDIS_CANARY_TTL_SECONDS)

    def canaries(self):
        """Every canary key's canary, or None when there is none (keys need no home: no key is no home)."""
        keys = self._keys()
        if not keys:
            return None
        found = []
        for key in keys:
            value = self._call(self.client.get, key)
            if value is not None:  # expired between the scan and the read
                found.append(read_canary_value(key, value))
        return found

    def remove(self, ids, timestamp_ms):  # pylint: disable=unused-argument
        for canary_id in ids:
            self._call(self.client.delete, canary_key(canary_id))

    def catalogue(self):
        sizes = self._call(self.client.dbsize, target_nodes=RedisCluster.PRIMARIES)
        total = sum(sizes.values()) if isinstance(sizes, dict) else int(sizes)
        return [catalogue_entry("database", "db0", total, "keys")]

    def close(self):
        if self.client is not None:
            try:
                self.client.close()
            except Exception:  # pylint: disable=broad-except
                pass
            self.client = None
