# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
#
# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""The OpenSearch wire of the data plane (REST through ``requests``): canaries as documents of index
``restorekit-canary``, and the catalogue (indices with their document counts, the ``.``-prefixed system and hidden
indices apart).

Requests go to the cluster's node addresses in turn (the next one only when a node cannot be reached), with Basic
authentication, a timeout on each request, no redirect followed, and certificate verification against
``data_ca_path`` (else the system's CAs) over HTTPS.
"""

from __future__ import annotations

import traceback

from ansible_collections.restorekit.instaclustr.plugins.module_utils._data_plane import (
    OPENSEARCH_CANARY_INDEX,
    WireFailure,
    catalogue_entry,
    classify,
    to_int,
)

try:
    import requests
except ImportError:
    requests = None
    HAS_LIBRARY = False
    IMPORT_ERROR = traceback.format_exc()
else:
    HAS_LIBRARY = True
    IMPORT_ERROR = None

EXCERPT = 200
SEARCH_SIZE = 10000
MAPPINGS = {"mappings": {"properties": {
    "id": {"type": "keyword"}, "run_id": {"type": "keyword"},
    "written_after_ms": {"type": "long"}, "written_before_ms": {"type": "long"},
}}}


def base_url(address, port, tls):
    """``http(s)://address:port`` (IPv6 in brackets)."""
    host = "[%s]" % address if ":" in address else address
    return "%s://%s:%d" % ("https" if tls else "http", host, port)


def catalogue_from_cat_indices(rows):
    """``GET /_cat/indices?format=json`` rows as catalogue entries, the ``.``-prefixed indices apart (pure)."""
    entries = []
    for row in rows if isinstance(rows, list) else []:
        name = row.get("index") if isinstance(row, dict) else None
        if not isinstance(name, str) or name.startswith("."):
            continue
        entries.append(catalogue_entry("index", name, to_int(row.get("docs.count")), "documents"))
    return entries


def json_body(response):
    """The response's JSON, or a ``WireFailure`` saying it is not JSON."""
    try:
        return response.json()
    except ValueError:
        raise WireFailure("%s answered %d with a body that is not JSON: %s" % (
            response.request.method if response.request is not None else "the request", response.status_code,
            " ".join(response.text[:EXCERPT].split())))


def canary_from_hit(hit):
    source = hit.get("_source") if isinstance(hit.get("_source"), dict) else {}
    return {"id": source.get("id") or hit.get("_id"), "run_id": source.get("run_id"),
            "written_after_ms": to_int(source.get("written_after_ms")), "written_before_ms": to_int(source.get("written_before_ms"))}


class Wire:
    """Canaries and catalogue of one OpenSearch cluster."""

    def __init__(self, target):
        self.target = target
        self.http = None
        self.base = None

    def _send(self, method, path, body=None, allowed=()):
        """One request to the first node that answers; returns the response (2xx or a status in ``allowed``)."""
        last = None
        candidates = [self.base] if self.base else [base_url(address, self.target.port, self.target.tls) for address in self.target.addresses]
        for base in candidates:
            try:
                response = self.http.request(method, base + path, json=body, timeout=self.target.timeout, allow_redirects=False)
            except requests.RequestException as error:
                last = classify(error)
                continue
            self.base = base
            if 200 <= response.status_code < 300 or response.status_code in allowed:
                return response
            excerpt = " ".join(response.text[:EXCERPT].split())
            raise WireFailure("%s %s answered %d: %s" % (method, path.split("?")[0], response.status_code, excerpt))
        raise last

    def connect(self, writable=False):  # pylint: disable=unused-argument
        if self.http is None:
            self.http = requests.Session()
            self.http.auth = (self.target.username, self.target.password)
            self.http.verify = self.target.ca_path or True
            self.http.trust_env = False
            self.http.headers.update({"Accept": "application/json"})
        self._send("GET", "/")

    def home_exists(self):
        return self._send("HEAD", "/" + OPENSEARCH_CANARY_INDEX, allowed=(404,)).status_code != 404

    def ensure_home(self):
        if not self.home_exists():
            response = self._send("PUT", "/" + OPENSEARCH_CANARY_INDEX, MAPPINGS, allowed=(400,))
            if response.status_code == 400 and "resource_already_exists" not in response.text:
                raise WireFailure("PUT /%s answered 400: %s" % (OPENSEARCH_CANARY_INDEX, " ".join(response.text[:EXCERPT].split())))

    def _put(self, record):
        self._send("PUT", "/%s/_doc/%s?refresh=true" % (OPENSEARCH_CANARY_INDEX, record["id"]), record)

    def write(self, record, timestamp_ms):  # pylint: disable=unused-argument
        self._put(dict(record))

    def finish(self, canary_id, written_before_ms, timestamp_ms):  # pylint: disable=unused-argument
        response = self._send("GET", "/%s/_doc/%s" % (OPENSEARCH_CANARY_INDEX, canary_id))
        record = canary_from_hit(json_body(response))
        record["written_before_ms"] = written_before_ms
        self._put(record)

    def canaries(self):
        if not self.home_exists():
            return None
        response = self._send("POST", "/%s/_search" % OPENSEARCH_CANARY_INDEX, {"size": SEARCH_SIZE, "query": {"match_all": {}}})
        body = json_body(response)
        hits = ((body if isinstance(body, dict) else {}).get("hits") or {}).get("hits") or []
        return [canary_from_hit(hit) for hit in hits if isinstance(hit, dict)]

    def remove(self, ids, timestamp_ms):  # pylint: disable=unused-argument
        for canary_id in ids:
            self._send("DELETE", "/%s/_doc/%s?refresh=true" % (OPENSEARCH_CANARY_INDEX, canary_id), allowed=(404,))

    def catalogue(self):
        return catalogue_from_cat_indices(json_body(self._send("GET", "/_cat/indices?format=json")))

    def close(self):
        if self.http is not None:
            self.http.close()
            self.http = None
