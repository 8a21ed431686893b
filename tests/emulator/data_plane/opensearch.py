"""Wire-level double of OpenSearch for the emulator's data plane (REST over HTTP/1.1).

No OpenSearch server can be installed on the machines the tests run on, so each emulated
OpenSearch cluster is this in-process double: one store of indices per cluster, shared by all its
nodes, served on every node's address by the data plane's front door (``Engine.serve`` on one
accepted socket). It answers what the collection and ``curl`` need, shaped as OpenSearch 2.x
answers it, and nothing more.

What it supports, exactly:

- HTTP/1.1 with keep-alive, request bodies by ``Content-Length`` or chunked; HTTPS when the
  cluster is created with ``tls=True`` (the certificate and key of ``tls_files``); HTTP Basic
  authentication with the cluster's one user on every request (otherwise 401 with
  ``WWW-Authenticate: Basic realm="OpenSearch Security"``, as the security plugin answers).
- ``GET /`` (cluster information, version 2.11.1), ``GET /_cluster/health`` (always green, the
  cluster's node count), ``GET /_cat/indices`` (text, or ``?format=json``: ``health``, ``status``,
  ``index``, ``uuid``, ``pri``, ``rep``, ``docs.count``, ``docs.deleted``, ``store.size``,
  ``pri.store.size``; ``?v`` adds the header line of the text form).
- Indices: ``PUT /<index>`` (optional ``settings`` and ``mappings`` body; 400
  ``resource_already_exists_exception`` when it exists, ``invalid_index_name_exception`` for a bad
  name), ``DELETE /<index>``, ``HEAD /<index>``, ``GET /<index>``, ``GET /<index>/_mapping``,
  ``POST /<index>/_refresh``. A document written to a missing index creates it, with dynamic
  mappings (a string becomes ``text`` with a ``keyword`` sub-field).
- Documents: ``PUT|POST /<index>/_doc/<id>`` (201 ``created`` or 200 ``updated``, ``_version``,
  ``_seq_no``), ``POST /<index>/_doc`` (a generated id), ``GET|HEAD /<index>/_doc/<id>``,
  ``DELETE /<index>/_doc/<id>``. ``?refresh=`` (``true``, ``false``, ``wait_for``) is accepted:
  every write is visible to searches at once, as if refreshed.
- ``GET|POST /<index>/_search`` and ``/<index>/_count`` (``<index>`` may be ``_all``, a pattern
  with ``*`` or a comma list; ``/_search`` and ``/_count`` search every index): the queries
  ``match_all``, ``term`` (``{"field": value}`` or ``{"field": {"value": value}}``; exact on a
  ``keyword``, number, boolean or ``field.keyword``; on a ``text`` field, one of its lower-cased
  words) and ``ids``; ``sort`` (a field, ``{"field": "asc"|"desc"}`` or ``{"field": {"order":
  ...}}``, ``field.keyword`` read as ``field``, ``_id``), ``size`` (default 10) and ``from``,
  in the body or the query string. Hits carry ``_index``, ``_id``, ``_score`` (1.0, or null
  when sorted, with ``sort`` values) and ``_source``; ``hits.total`` is exact (``eq``).
- Errors shaped as OpenSearch's: ``{"error": {"root_cause": [...], "type", "reason", ...},
  "status"}``, 404 ``index_not_found_exception`` for a missing index, 400 ``parsing_exception``
  for a query it does not know, 400 ``no handler found for uri`` for any other path.
- Backups: ``snapshot()`` copies every index as of now; ``restore(token=..., indices=[...])``
  restores only the named indices (``*`` patterns allowed; an empty list or None restores all;
  a name the snapshot lacks is ignored); ``restore_latest`` copies the source's current indices. OpenSearch restores from
  snapshots only: ``restore(point_in_time_ms=...)`` without a token is refused (ValueError).

Not supported: the query DSL beyond the three queries above (``match``, ``bool``, ranges,
aggregations, highlighting, ``_source`` filtering, scroll), the ``_bulk``, ``_update``,
``_mget``, ``_reindex``, ``_alias``, ``_snapshot`` and other ``_cat`` APIs, index templates,
versioning conditions (``if_seq_no``, ``op_type``), users and roles other than the cluster's
one user, shards and replicas (reported as one primary, one replica).
"""

import base64
import copy
import fnmatch
import http.server
import json
import re
import uuid
from urllib.parse import parse_qs, unquote, urlsplit

from tests.emulator.data_plane.in_process import InProcessCluster, InProcessEngine

APPLICATION = "opensearch"
PORT = 9200
VERSION = "2.11.1"
_INDEX_NAME = re.compile(r"^[a-z0-9][a-z0-9_.+-]*$")


class OpenSearchError(Exception):
    """An error answered to the client in OpenSearch's shape."""

    def __init__(self, status, error_type, reason, index=None):
        super().__init__(reason)
        self.status = status
        cause = {"type": error_type, "reason": reason}
        if index is not None:
            cause.update({"index": index, "resource.type": "index_or_alias", "resource.id": index, "index_uuid": "_na_"})
        self.body = {"error": dict(cause, root_cause=[dict(cause)]), "status": status}


def _index_not_found(index):
    return OpenSearchError(404, "index_not_found_exception", "no such index [%s]" % index, index)


def _field(source, path):
    value = source
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _dynamic_mapping(value):
    if isinstance(value, bool):
        return {"type": "boolean"}
    if isinstance(value, int):
        return {"type": "long"}
    if isinstance(value, float):
        return {"type": "float"}
    if isinstance(value, str):
        return {"type": "text", "fields": {"keyword": {"type": "keyword", "ignore_above": 256}}}
    if isinstance(value, dict):
        return {"properties": {k: _dynamic_mapping(v) for k, v in value.items()}}
    if isinstance(value, list) and value:
        return _dynamic_mapping(value[0])
    return None


def _merge_mapping(properties, source):
    for name, value in source.items():
        mapping = _dynamic_mapping(value)
        if mapping is None:
            continue
        if name not in properties:
            properties[name] = mapping
        elif "properties" in properties[name] and isinstance(value, dict):
            _merge_mapping(properties[name]["properties"], value)


def _field_type(properties, path):
    mapping = {"properties": properties}
    for part in path.split("."):
        if "properties" in mapping and part in mapping["properties"]:
            mapping = mapping["properties"][part]
        elif part in mapping.get("fields", {}):
            mapping = mapping["fields"][part]
        else:
            return None
    return mapping.get("type")


def _term_matches(index, field, wanted, source):
    if field == "_id":
        return False
    field_type = _field_type(index["mappings"]["properties"], field)
    path = field[:-len(".keyword")] if field.endswith(".keyword") else field
    value = _field(source, path)
    values = value if isinstance(value, list) else [value]
    if field_type == "text":
        return any(isinstance(v, str) and str(wanted) in re.findall(r"\w+", v.lower()) for v in values)
    return any(v == wanted or (isinstance(v, str) and v == str(wanted)) for v in values)


def _matcher(index, query):
    if query is None:
        return lambda doc_id, source: True
    if not isinstance(query, dict) or len(query) != 1:
        raise OpenSearchError(400, "parsing_exception", "[query] malformed query, expected a single query object")
    (kind, body), = query.items()
    if kind == "match_all":
        return lambda doc_id, source: True
    if kind == "term":
        if not isinstance(body, dict) or len(body) != 1:
            raise OpenSearchError(400, "parsing_exception", "[term] query malformed, no start_object after query name")
        (field, wanted), = body.items()
        if isinstance(wanted, dict):
            wanted = wanted.get("value")
        if field == "_id":
            return lambda doc_id, source: doc_id == str(wanted)
        return lambda doc_id, source: _term_matches(index, field, wanted, source)
    if kind == "ids":
        values = [str(v) for v in (body or {}).get("values", [])]
        return lambda doc_id, source: doc_id in values
    raise OpenSearchError(400, "parsing_exception", "unknown query [%s] (this emulator knows match_all, term and ids)" % kind)


def _sort_keys(sort):
    if sort is None:
        return []
    keys = []
    for item in sort if isinstance(sort, list) else [sort]:
        if isinstance(item, str):
            keys.append((item, "desc" if item == "_score" else "asc"))
        elif isinstance(item, dict) and len(item) == 1:
            (field, order), = item.items()
            if isinstance(order, dict):
                order = order.get("order", "asc")
            if order not in ("asc", "desc"):
                raise OpenSearchError(400, "parsing_exception", "[sort] unknown order [%s]" % order)
            keys.append((field, order))
        else:
            raise OpenSearchError(400, "parsing_exception", "[sort] malformed sort")
    return keys


class _Cluster(InProcessCluster):
    def __init__(self, cluster_id, nodes, username, password, tls, tls_files):
        super().__init__(cluster_id, nodes, username, password, tls, tls_files)
        self.indices = {}
        self.uuid = str(uuid.uuid5(uuid.NAMESPACE_URL, "opensearch:%s" % cluster_id))


class Engine(InProcessEngine):
    """The OpenSearch double: every emulated OpenSearch cluster's indices and its REST wire."""

    application = APPLICATION
    port = PORT
    label = "OpenSearch"

    # lifecycle (create, delete, close, serve: in_process.InProcessEngine)
    def new_cluster(self, cluster_id, nodes, username, password, tls, tls_files, **options):
        return _Cluster(cluster_id, nodes, username, password, tls, tls_files)

    def snapshot(self, cluster_id):
        with self._lock:
            return ("opensearch-snapshot", cluster_id, copy.deepcopy(self._cluster(cluster_id).indices))

    def restore(self, target_cluster_id, source_cluster_id, *, token=None, point_in_time_ms=None, tables=None, indices=None):
        """Materialise the snapshot ``token`` into the target, only the ``indices`` named (``*``
        patterns; empty or None: all); without a token, leave the target empty. ``tables`` is not
        OpenSearch's; a point in time without a token is refused (OpenSearch restores snapshots)."""
        with self._lock:
            target = self._cluster(target_cluster_id)
            if token is None:
                if point_in_time_ms is not None:
                    raise ValueError("OpenSearch restores from a snapshot: pass the token of the snapshot to restore")
                target.indices = {}
                return
            source = token[2]
            names = [n for n in source if not indices or any(fnmatch.fnmatchcase(n, pattern) for pattern in indices)]
            target.indices = {name: copy.deepcopy(source[name]) for name in names}

    def restore_latest(self, target_cluster_id, source_cluster_id):
        with self._lock:
            self._cluster(target_cluster_id).indices = copy.deepcopy(self._cluster(source_cluster_id).indices)

    def serve_connection(self, cluster, node_index, conn):
        _Handler(conn, (cluster.nodes[node_index]["public"], self.port), _Server(self, cluster, node_index))


class _Server:
    """What the request handler knows of its side: the engine, the cluster and the node."""

    def __init__(self, engine, cluster, node_index):
        self.engine = engine
        self.cluster = cluster
        self.node_index = node_index


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    wbufsize = 64 * 1024  # headers and body leave in one segment (no delayed-ACK stall); flushed after each request
    server_version = "OpenSearch-emulator"
    sys_version = ""

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        pass

    def do_GET(self):
        self.dispatch("GET")

    def do_HEAD(self):
        self.dispatch("HEAD")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_POST(self):
        self.dispatch("POST")

    def do_DELETE(self):
        self.dispatch("DELETE")

    # plumbing
    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def reply(self, status, body, content_type="application/json; charset=UTF-8", headers=()):
        if isinstance(body, (dict, list)):
            payload = json.dumps(body).encode("utf-8")
        else:
            payload = (body or "").encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def authorised(self):
        cluster = self.server.cluster
        header = self.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        try:
            user, dummy, password = base64.b64decode(header[6:]).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        return user == cluster.username and password == cluster.password

    def dispatch(self, method):
        raw = self.read_body()
        if not self.authorised():
            self.reply(401, "Unauthorized", "text/plain; charset=UTF-8", [("WWW-Authenticate", 'Basic realm="OpenSearch Security"')])
            return
        url = urlsplit(self.path)
        params = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        parts = [unquote(p) for p in url.path.split("/") if p]
        try:
            body = json.loads(raw) if raw.strip() else None
        except ValueError as exc:
            self.reply(400, OpenSearchError(400, "parse_exception", "request body is not valid JSON: %s" % exc).body)
            return
        try:
            with self.server.engine._lock:
                status, answer = _Api(self.server, method, params, body).route(parts, url.path)
        except OpenSearchError as exc:
            status, answer = exc.status, exc.body
        if isinstance(answer, str):
            self.reply(status, answer, "text/plain; charset=UTF-8")
        else:
            self.reply(status, answer if method != "HEAD" else None)


class _Api:
    """One request against the cluster's indices (the engine lock is held)."""

    def __init__(self, server, method, params, body):
        self.engine = server.engine
        self.cluster = server.cluster
        self.node_index = server.node_index
        self.method = method
        self.params = params
        self.body = body
        self.now_ms = int(self.engine.clock.now_ms())

    def route(self, parts, path):
        m = self.method
        n = len(parts)
        if n == 0 and m in ("GET", "HEAD"):
            return 200, self.info()
        if parts[:2] == ["_cluster", "health"] and m == "GET":
            return 200, self.health()
        if parts[:2] == ["_cat", "indices"] and n == 2 and m == "GET":
            return 200, self.cat_indices()
        if n == 1 and parts[0] in ("_search", "_count") and m in ("GET", "POST"):
            return 200, self.search("_all", count=parts[0] == "_count")
        if n >= 1 and not parts[0].startswith("_"):
            index = parts[0]
            if n == 1 and m == "PUT":
                return self.create_index(index)
            if n == 1 and m == "DELETE":
                return 200, self.delete_index(index)
            if n == 1 and m in ("GET", "HEAD"):
                return 200, self.get_index(index)
            if n == 2 and parts[1] == "_mapping" and m == "GET":
                return 200, {index: {"mappings": self.existing(index)["mappings"]}}
            if n == 2 and parts[1] == "_refresh" and m in ("GET", "POST"):
                self.existing(index)
                return 200, {"_shards": self.shards()}
            if n == 2 and parts[1] in ("_search", "_count") and m in ("GET", "POST"):
                return 200, self.search(index, count=parts[1] == "_count")
            if n == 2 and parts[1] == "_doc" and m == "POST":
                return self.write_doc(index, uuid.uuid4().hex[:20])
            if n == 3 and parts[1] == "_doc":
                if m in ("PUT", "POST"):
                    return self.write_doc(index, parts[2])
                if m in ("GET", "HEAD"):
                    return self.get_doc(index, parts[2])
                if m == "DELETE":
                    return self.delete_doc(index, parts[2])
        return 400, {"error": "no handler found for uri [%s] and method [%s]" % (path, m)}

    # helpers
    def shards(self):
        total = max(1, len(self.cluster.nodes))
        return {"total": min(2, total), "successful": min(2, total), "failed": 0}

    def existing(self, index):
        found = self.cluster.indices.get(index)
        if found is None:
            raise _index_not_found(index)
        return found

    def resolve(self, expression):
        names = []
        for pattern in expression.split(","):
            if pattern in ("_all", "*"):
                names.extend(self.cluster.indices)
            elif "*" in pattern:
                names.extend(n for n in self.cluster.indices if fnmatch.fnmatchcase(n, pattern))
            else:
                self.existing(pattern)
                names.append(pattern)
        return sorted(set(names))

    def new_index(self, index, settings=None, mappings=None):
        if not _INDEX_NAME.match(index) or index in (".", ".."):
            raise OpenSearchError(400, "invalid_index_name_exception",
                                  "Invalid index name [%s], must be lowercase and must not start with '_', '-' or '+'" % index, index)
        mappings = copy.deepcopy(mappings or {})
        mappings.setdefault("properties", {})
        created = {"uuid": uuid.uuid4().hex[:22], "created_ms": self.now_ms, "settings": copy.deepcopy(settings or {}),
                   "mappings": mappings, "docs": {}, "seq_no": -1}
        self.cluster.indices[index] = created
        return created

    # handlers
    def info(self):
        node = self.cluster.nodes[self.node_index]
        return {"name": node["public"], "cluster_name": self.cluster.id, "cluster_uuid": self.cluster.uuid,
                "version": {"distribution": "opensearch", "number": VERSION, "build_type": "tar", "build_hash": "emulator",
                            "build_date": "2023-11-14T00:00:00.000000Z", "build_snapshot": False, "lucene_version": "9.7.0",
                            "minimum_wire_compatibility_version": "7.10.0", "minimum_index_compatibility_version": "7.0.0"},
                "tagline": "The OpenSearch Project: https://opensearch.org/"}

    def health(self):
        nodes = len(self.cluster.nodes)
        shards = len(self.cluster.indices)
        return {"cluster_name": self.cluster.id, "status": "green", "timed_out": False, "number_of_nodes": nodes,
                "number_of_data_nodes": nodes, "discovered_master": True, "discovered_cluster_manager": True,
                "active_primary_shards": shards, "active_shards": shards * min(2, nodes), "relocating_shards": 0,
                "initializing_shards": 0, "unassigned_shards": 0, "delayed_unassigned_shards": 0,
                "number_of_pending_tasks": 0, "number_of_in_flight_fetch": 0, "task_max_waiting_in_queue_millis": 0,
                "active_shards_percent_as_number": 100.0}

    def cat_indices(self):
        rows = []
        for name in sorted(self.cluster.indices):
            index = self.cluster.indices[name]
            size = "%dkb" % (1 + len(json.dumps([d["source"] for d in index["docs"].values()])) // 1024)
            rows.append({"health": "green", "status": "open", "index": name, "uuid": index["uuid"], "pri": "1", "rep": "1",
                         "docs.count": str(len(index["docs"])), "docs.deleted": "0", "store.size": size, "pri.store.size": size})
        if self.params.get("format") == "json":
            return rows
        keys = ["health", "status", "index", "uuid", "pri", "rep", "docs.count", "docs.deleted", "store.size", "pri.store.size"]
        lines = [" ".join(keys)] if "v" in self.params else []
        lines.extend(" ".join(row[k] for k in keys) for row in rows)
        return "".join(line + "\n" for line in lines)

    def create_index(self, index):
        if index in self.cluster.indices:
            raise OpenSearchError(400, "resource_already_exists_exception",
                                  "index [%s/%s] already exists" % (index, self.cluster.indices[index]["uuid"]), index)
        body = self.body or {}
        self.new_index(index, body.get("settings"), body.get("mappings"))
        return 200, {"acknowledged": True, "shards_acknowledged": True, "index": index}

    def delete_index(self, index):
        for name in self.resolve(index):
            del self.cluster.indices[name]
        return {"acknowledged": True}

    def get_index(self, index):
        index_data = self.existing(index)
        settings = {"index": dict({"number_of_shards": "1", "number_of_replicas": "1", "uuid": index_data["uuid"],
                                   "provided_name": index, "creation_date": str(index_data["created_ms"])},
                                  **index_data["settings"].get("index", {}))}
        return {index: {"aliases": {}, "mappings": index_data["mappings"], "settings": settings}}

    def write_doc(self, index, doc_id):
        if not isinstance(self.body, dict):
            raise OpenSearchError(400, "mapper_parsing_exception", "failed to parse, document is empty")
        index_data = self.cluster.indices.get(index) or self.new_index(index)
        _merge_mapping(index_data["mappings"]["properties"], self.body)
        old = index_data["docs"].get(doc_id)
        index_data["seq_no"] += 1
        version = old["version"] + 1 if old else 1
        index_data["docs"][doc_id] = {"source": copy.deepcopy(self.body), "version": version, "seq_no": index_data["seq_no"],
                                      "written_ms": self.now_ms}
        answer = {"_index": index, "_id": doc_id, "_version": version, "result": "updated" if old else "created",
                  "_shards": self.shards(), "_seq_no": index_data["seq_no"], "_primary_term": 1}
        if self.params.get("refresh") in ("", "true"):
            answer["forced_refresh"] = True
        return (200 if old else 201), answer

    def get_doc(self, index, doc_id):
        doc = self.existing(index)["docs"].get(doc_id)
        if doc is None:
            return 404, {"_index": index, "_id": doc_id, "found": False}
        return 200, {"_index": index, "_id": doc_id, "_version": doc["version"], "_seq_no": doc["seq_no"], "_primary_term": 1,
                     "found": True, "_source": doc["source"]}

    def delete_doc(self, index, doc_id):
        index_data = self.existing(index)
        doc = index_data["docs"].pop(doc_id, None)
        index_data["seq_no"] += 1
        version = doc["version"] + 1 if doc else 1
        return (200 if doc else 404), {"_index": index, "_id": doc_id, "_version": version,
                                       "result": "deleted" if doc else "not_found", "_shards": self.shards(),
                                       "_seq_no": index_data["seq_no"], "_primary_term": 1}

    def search(self, expression, count=False):
        body = self.body if isinstance(self.body, dict) else {}
        names = self.resolve(expression)
        hits = []
        for name in names:
            index = self.cluster.indices[name]
            matches = _matcher(index, body.get("query"))
            hits.extend((name, doc_id, doc) for doc_id, doc in index["docs"].items() if matches(doc_id, doc["source"]))
        shards = {"total": len(names), "successful": len(names), "skipped": 0, "failed": 0}
        if count:
            return {"count": len(hits), "_shards": shards}
        keys = _sort_keys(body.get("sort", self.params.get("sort")))
        for field, order in reversed(keys):
            path = field[:-len(".keyword")] if field.endswith(".keyword") else field

            def key(hit, path=path):
                value = hit[1] if path == "_id" else (1.0 if path == "_score" else _field(hit[2]["source"], path))
                return (value is None, value if value is not None else 0)

            present = [h for h in hits if not key(h)[0]]
            missing = [h for h in hits if key(h)[0]]
            try:
                present.sort(key=key, reverse=order == "desc")
            except TypeError:
                raise OpenSearchError(400, "illegal_argument_exception", "cannot sort on [%s]: mixed value types" % field)
            hits = present + missing
        start = int(body.get("from", self.params.get("from", 0)))
        size = int(body.get("size", self.params.get("size", 10)))
        page = hits[start:start + size]
        shaped = []
        for name, doc_id, doc in page:
            hit = {"_index": name, "_id": doc_id, "_score": None if keys else 1.0, "_source": doc["source"]}
            if keys:
                hit["sort"] = [doc_id if f == "_id" else _field(doc["source"], f[:-8] if f.endswith(".keyword") else f) for f, dummy in keys]
            shaped.append(hit)
        return {"took": 1, "timed_out": False, "_shards": shards,
                "hits": {"total": {"value": len(hits), "relation": "eq"}, "max_score": None if keys or not hits else 1.0, "hits": shaped}}
