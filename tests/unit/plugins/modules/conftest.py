"""A small stateful stand-in for the Instaclustr API behind ``responses``, for module ``main()`` runs.

One world, two wire formats: the Provisioning API v1 and the Cluster Management API v2 (the paths
of every application, the account cluster list, 202/204 statuses and v2 bodies) serve the same
clusters and events. ``add_application_clusters()`` adds a PostgreSQL, an OpenSearch and a Redis
cluster (``PG_ID``, ``OS_ID``, ``REDIS_ID``): v1 never shows them, v2 only on their own application's
paths (spelt exactly, trailing slashes included: any other spelling is not routed); Redis has no
backup listing.

``fake_api`` answers the six requests the modules make from in-memory clusters and events, with a
server clock in the ``Date`` header that moves ``tick_ms`` per request (the modules' sleeps are
faked by ``fake_time``, so a wait of simulated minutes takes a few milliseconds). Backups complete
and restored clusters become RUNNING as that clock moves. ``fault(...)`` makes the next matching
request fail, before or after acting; ``requests`` logs every request, so a test can prove that no
POST or DELETE was sent.
"""

import copy
import email.utils
import functools
import json
import re

import pytest
import responses

BASE = "http://127.0.0.1:9"
NOW_MS = 1_795_168_800_000  # 2026-11-20T10:00:00Z
MINUTE = 60_000
HOUR = 60 * MINUTE
DAY = 24 * HOUR

SOURCE_ID = "77b5a4e1-c422-4a78-b551-d8fa5c42ad95"
NOBACKUP_ID = "0e2d9a4c-6f1b-4c1e-9d7a-5b3c2a1f0e9d"
DC1 = "a8c32b20-c8f0-11e7-abc4-cec278b6b50a"
DC2 = "b9d43c31-d9a1-12f8-bcd5-dfd389c7c61b"
NODES = {DC1: ["11111111-0000-4000-8000-000000000001", "11111111-0000-4000-8000-000000000002"],
         DC2: ["22222222-0000-4000-8000-000000000003"]}
PASSWORD = "db-password-must-never-show"
PG_ID = "b8e2d4f6-0a13-4c57-9e21-3d5f7a9c1e06"
OS_ID = "c9f3e5a7-1b24-4d68-8f32-4e6a8b0d2f07"
REDIS_ID = "d0a4f6b8-2c35-4e79-9a43-5f7b9c1e3a08"
APP_DC = {"postgresql": "a1000000-0000-4000-8000-000000000001", "opensearch": "a2000000-0000-4000-8000-000000000002",
          "redis": "a3000000-0000-4000-8000-000000000003"}

V2 = "/cluster-management/v2"
# The v2 paths per application as the reference (§2) spells them, typed out here for the fake.
APP_PATHS = {
    "cassandra": {"list_backups": V2 + "/data-sources/applications/cassandra/clusters/v2/{id}/list-backups/v2",
                  "trigger_backup": V2 + "/operations/applications/cassandra/clusters/v2/{id}/trigger-backup/v2",
                  "restore": V2 + "/operations/applications/cassandra/restore/v2",
                  "cluster": V2 + "/resources/applications/cassandra/clusters/v2/{id}"},
    "postgresql": {"list_backups": V2 + "/data-sources/applications/postgresql/clusters/v2/{id}/list-backups/v2/",
                   "trigger_backup": V2 + "/operations/applications/postgres/clusters/v2/{id}/trigger-backup/v2/",
                   "restore": V2 + "/operations/applications/postgres/restore/v2",
                   "cluster": V2 + "/resources/applications/postgresql/clusters/v2/{id}/"},
    "opensearch": {"list_backups": V2 + "/data-sources/applications/opensearch/clusters/v2/{id}/list-backups/v2/",
                   "trigger_backup": V2 + "/operations/applications/opensearch/clusters/v2/{id}/trigger-backup/v2/",
                   "restore": V2 + "/operations/applications/opensearch/restore/v2",
                   "cluster": V2 + "/resources/applications/opensearch/clusters/v2/{id}"},
    "redis": {"list_backups": None,
              "trigger_backup": V2 + "/operations/applications/redis/clusters/v2/{id}/trigger-backup/v2/",
              "restore": V2 + "/operations/applications/redis/restore/v2",
              "cluster": V2 + "/resources/applications/redis/clusters/v2/{id}"},
}
ACCOUNT_NAMES = {"cassandra": "APACHE_CASSANDRA", "postgresql": "POSTGRESQL", "opensearch": "OPENSEARCH", "redis": "REDIS"}
VERSION_FIELDS = {"cassandra": "cassandraVersion", "postgresql": "postgresqlVersion", "opensearch": "opensearchVersion",
                  "redis": "redisVersion"}
# The backup event a trigger makes per application (Redis makes one too, but the API cannot list it).
BACKUP_EVENT = {"cassandra": "snapshot-upload", "postgresql": "postgresql-backup", "opensearch": "snapshot-upload",
                "redis": "snapshot-upload"}
# v2 restore fields only some applications take.
APP_ONLY_FIELDS = {"keyspaceTables": ("cassandra",), "clusterNetwork": ("cassandra",), "indexNames": ("opensearch",)}


def _node_id(index):
    return "33333333-0000-4000-8000-%012d" % index


class FakeInstaclustr:
    """Clusters and backup events in memory, served through ``responses`` callbacks."""

    BASE = BASE
    SOURCE_ID = SOURCE_ID
    NOBACKUP_ID = NOBACKUP_ID
    DC1 = DC1
    DC2 = DC2
    NODES = NODES
    PASSWORD = PASSWORD
    PG_ID = PG_ID
    OS_ID = OS_ID
    REDIS_ID = REDIS_ID
    APP_PATHS = APP_PATHS

    def __init__(self, mock, tick_ms=10_000):
        self.now_ms = NOW_MS
        self.tick_ms = tick_ms
        self.clusters = {}
        self.events = {}  # cluster id -> {node id: [event, ...]}; events may carry "_done_at" and "_fails"
        self.requests = []
        self.faults = []
        self.backup_duration_ms = 10 * MINUTE
        self.restore_duration_ms = 20 * MINUTE
        self.delete_duration_ms = 2 * MINUTE
        self.restore_outcome = "RUNNING"
        self.backup_failure_nodes = set()
        self.two_factor_delete = False
        self.delete_conflicts = 0  # answer 409 to this many DELETEs first
        self._restored = 0
        self.other_applications = [{"id": "77777777-0000-4000-8000-000000000001", "application": "POSTGRESQL"},
                                   {"id": "77777777-0000-4000-8000-000000000002", "application": "KAFKA"}]
        self._routes(mock)
        self._routes_v2(mock)
        self.add_cluster(SOURCE_ID, "orders-prod", NODES)
        self.add_cluster(NOBACKUP_ID, "legacy-nobackup", {DC1: ["44444444-0000-4000-8000-000000000001"]}, backup_capable=False)
        for node_ids in NODES.values():
            for node_id in node_ids:
                self.add_event(SOURCE_ID, node_id, "snapshot-upload", NOW_MS - 6 * DAY, NOW_MS - 6 * DAY + 20 * MINUTE)
                self.add_event(SOURCE_ID, node_id, "snapshot-upload", NOW_MS - 26 * HOUR, NOW_MS - 25 * HOUR)

    # ---- the world ----

    def add_cluster(self, cluster_id, name, nodes, status="RUNNING", backup_capable=True, network=None, application="cassandra"):
        if network is None:
            network = {"network": "10.2.0.0", "prefixLength": 16}  # the object form some API answers use
        self.clusters[cluster_id] = {
            "id": cluster_id, "clusterName": name, "clusterStatus": status, "cassandraVersion": "apache-cassandra-4.0.10",
            "slaTier": "NON_PRODUCTION", "username": "iccassandra", "instaclustrUserPassword": PASSWORD,
            "dataCentres": [{"id": dc_id, "name": "US_EAST_1", "cdcName": "DC_%d" % index, "provider": "AWS_VPC",
                             "cdcStatus": status, "cdcNetwork": network, "nodeCount": len(node_ids),
                             "nodes": [{"id": node_id, "size": "CAS-DEV-t4g.small-5", "rack": "us-east-1%s" % "abc"[i % 3],
                                        "publicAddress": "3.4.5.%d" % i, "privateAddress": "10.2.0.%d" % i, "nodeStatus": status}
                                       for i, node_id in enumerate(node_ids)]}
                            for index, (dc_id, node_ids) in enumerate(nodes.items())],
            "_backup_capable": backup_capable, "_created": None, "_outcome": None, "_deleting_since": None,
            "_application": application,
        }
        self.events[cluster_id] = {node_id: [] for node_ids in nodes.values() for node_id in node_ids}

    def add_event(self, cluster_id, node_id, kind, start, end=None, state=None, progress=None):
        state = state or ("COMPLETED" if end is not None else "ACTIVE")
        progress = progress if progress is not None else (1.0 if state == "COMPLETED" else 0.5)
        self.events[cluster_id][node_id].append({"type": kind, "state": state, "progress": progress, "start": start, "end": end})

    def add_application_clusters(self):
        """A PostgreSQL (2 nodes, ``postgresql-backup`` events), an OpenSearch (3 nodes, ``snapshot-upload``
        plus an event type nobody knows) and a Redis cluster (2 nodes, no listing)."""
        shapes = (("postgresql", PG_ID, "payments-pg", 2), ("opensearch", OS_ID, "search-os", 3), ("redis", REDIS_ID, "sessions-redis", 2))
        for application, cluster_id, name, count in shapes:
            node_ids = ["%s-0000-4000-8000-%012d" % (cluster_id[:8], index) for index in range(count)]
            self.add_cluster(cluster_id, name, {APP_DC[application]: node_ids}, application=application,
                             network="10.%d.0.0/16" % (20 + len(self.clusters)))
            for node_id in node_ids:
                kind = BACKUP_EVENT[application]
                self.add_event(cluster_id, node_id, kind, NOW_MS - 2 * DAY, NOW_MS - 2 * DAY + 10 * MINUTE)
                self.add_event(cluster_id, node_id, kind, NOW_MS - 6 * HOUR, NOW_MS - 6 * HOUR + 10 * MINUTE)
        self.other_applications = [app for app in self.other_applications if app["application"] != "POSTGRESQL"]
        for node_id in self.events[OS_ID]:
            self.add_event(OS_ID, node_id, "opensearch-mystery", NOW_MS - HOUR, NOW_MS - HOUR + MINUTE)

    def application(self, cluster_id):
        cluster = self.clusters.get(cluster_id)
        return None if cluster is None else cluster["_application"]

    def fault(self, method, suffix, status=None, exception=None, after=False, count=1, body=None, text=None,
              content_type="application/json"):
        """The next ``count`` requests whose path ends with ``suffix`` fail: ``status`` or ``exception``, before or after acting.

        ``body`` is sent as JSON; ``text`` is sent as it is, with ``content_type`` (an HTML error page from a proxy).
        """
        self.faults.append({"method": method, "suffix": suffix, "status": status, "exception": exception,
                            "after": after, "count": count, "body": body, "text": text, "content_type": content_type})

    def mutations(self):
        return [(method, path) for method, path, _body in self.requests if method in ("POST", "DELETE")]

    def clusters_named(self, name):
        return [c for c in self.clusters.values() if c["clusterName"] == name]

    def status(self, cluster_id):
        cluster = self.clusters[cluster_id]
        if cluster["_deleting_since"] is not None:
            return "DELETING"
        if cluster["_created"] is None:
            return cluster["clusterStatus"]
        age = self.now_ms - cluster["_created"]
        if age < self.restore_duration_ms / 2:
            return "PROVISIONING"
        if age < self.restore_duration_ms:
            return "RESTORING"
        return cluster["_outcome"]

    def _gone(self, cluster_id):
        cluster = self.clusters.get(cluster_id)
        if cluster is None:
            return True
        since = cluster["_deleting_since"]
        return since is not None and self.now_ms - since >= self.delete_duration_ms

    # ---- wire ----

    def _routes(self, mock):
        root = re.escape(BASE + "/provisioning/v1")
        mock.add_callback("GET", re.compile(root + r"$"), callback=self._wrap(self._list))
        mock.add_callback("GET", re.compile(root + r"/([^/]+)$"), callback=self._wrap(self._get))
        mock.add_callback("DELETE", re.compile(root + r"/([^/]+)$"), callback=self._wrap(self._delete))
        mock.add_callback("GET", re.compile(root + r"/([^/]+)/backups$"), callback=self._wrap(self._backups))
        mock.add_callback("POST", re.compile(root + r"/([^/]+)/backups$"), callback=self._wrap(self._trigger))
        mock.add_callback("POST", re.compile(root + r"/([^/]+)/backups/restore$"), callback=self._wrap(self._restore))

    def _routes_v2(self, mock):
        mock.add_callback("GET", re.compile(re.escape(BASE + V2 + "/data-sources/clusters/v2") + "$"),
                          callback=self._wrap(self._v2_accounts, v2=True))
        for application, paths in APP_PATHS.items():
            def route(method, operation, handler):
                pattern = re.escape(BASE + paths[operation]).replace(re.escape("{id}"), "([^/]+)") + "$"
                mock.add_callback(method, re.compile(pattern), callback=self._wrap(functools.partial(handler, application=application), v2=True))
                # The path's other spelling (with or without its trailing slash) answers 404, as a server that
                # routes one spelling does: the client tries it once after a 404.
                other = paths[operation][:-1] if paths[operation].endswith("/") else paths[operation] + "/"
                other_pattern = re.escape(BASE + other).replace(re.escape("{id}"), "([^/]+)") + "$"
                mock.add_callback(method, re.compile(other_pattern), callback=self._wrap(self._not_found, v2=True))
            route("GET", "cluster", self._v2_get)
            route("DELETE", "cluster", self._v2_delete)
            if paths["list_backups"] is not None:
                route("GET", "list_backups", self._backups)
            route("POST", "trigger_backup", self._v2_trigger)
            route("POST", "restore", self._v2_restore)

    def _not_found(self, cluster_id, request):
        return 404, [{"message": "Not found"}]

    def _wrap(self, handler, v2=False):
        def callback(request):
            path = request.path_url
            self.requests.append((request.method, path, request.body))
            self.now_ms += self.tick_ms
            fault = self._take_fault(request.method, path)
            if fault is not None and not fault["after"]:
                return self._fail(fault)
            parts = path.split("/")
            if v2:
                found = re.search(r"/clusters/v2/([^/]+)", path)
                cluster_id = found.group(1) if found else None
            else:
                cluster_id = parts[3] if len(parts) > 3 else None
            answer = handler(cluster_id, request)
            if fault is not None:
                return self._fail(fault)
            status, body = answer
            return status, self._headers(), "" if body is None else json.dumps(body)
        return callback

    def _take_fault(self, method, path):
        for fault in self.faults:
            if fault["method"] == method and path.endswith(fault["suffix"]) and fault["count"] > 0:
                fault["count"] -= 1
                return fault
        return None

    def _fail(self, fault):
        if fault["exception"] is not None:
            raise fault["exception"]
        if fault["text"] is not None:
            return fault["status"], self._headers(fault["content_type"]), fault["text"]
        body = fault["body"] if fault["body"] is not None else {"status": fault["status"], "message": "injected"}
        return fault["status"], self._headers(), json.dumps(body)

    def _headers(self, content_type="application/json"):
        return {"Date": email.utils.formatdate(self.now_ms / 1000.0, usegmt=True), "Content-Type": content_type}

    def _list(self, _cluster_id, _request):
        items = [{"id": c["id"], "name": c["clusterName"], "derivedStatus": self.status(c["id"]),
                  "cassandraVersion": c["cassandraVersion"], "slaTier": c["slaTier"]}
                 for c in self.clusters.values() if not self._gone(c["id"]) and c["_application"] == "cassandra"]
        return (200, items) if items else (404, {"status": 404, "message": "No clusters"})

    def _get(self, cluster_id, _request, application="cassandra"):
        if self._gone(cluster_id) or self.application(cluster_id) != application:
            return 404, {"status": 404, "message": "Cluster not found"}
        cluster = copy.deepcopy({k: v for k, v in self.clusters[cluster_id].items() if not k.startswith("_")})
        status = self.status(cluster_id)
        cluster["clusterStatus"] = status
        for data_centre in cluster["dataCentres"]:
            data_centre["cdcStatus"] = status
            for node in data_centre["nodes"]:
                node["nodeStatus"] = status
        return 202, cluster

    def _delete(self, cluster_id, _request, application="cassandra"):
        if self._gone(cluster_id) or self.application(cluster_id) != application:
            return 404, {"status": 404, "message": "Cluster not found"}
        if self.delete_conflicts:
            self.delete_conflicts -= 1
            return 409, {"status": 409, "message": "dependent resources still exist"}
        cluster = self.clusters[cluster_id]
        if not self.two_factor_delete and cluster["_deleting_since"] is None:
            cluster["_deleting_since"] = self.now_ms
        return 202, {"message": "Cluster has been marked for deletion."}

    def _backups(self, cluster_id, _request, application="cassandra"):
        if self._gone(cluster_id) or self.application(cluster_id) != application:
            return 404, {"status": 404, "message": "Cluster not found"}
        cluster = self.clusters[cluster_id]
        return 200, {"id": cluster_id, "name": cluster["clusterName"], "clusterDataCentres": [
            {"id": dc["id"], "name": dc["cdcName"], "nodes": [
                {"id": node["id"], "publicAddress": node["publicAddress"], "privateAddress": node["privateAddress"],
                 "events": [self._render(event) for event in self.events[cluster_id][node["id"]]]}
                for node in dc["nodes"]]}
            for dc in cluster["dataCentres"]]}

    def _render(self, event):
        done_at = event.get("_done_at")
        shown = {k: v for k, v in event.items() if not k.startswith("_")}
        if done_at is None:
            return shown
        if self.now_ms >= done_at:
            shown.update(state="FAILED" if event["_fails"] else "COMPLETED", progress=1.0 if not event["_fails"] else 0.3, end=done_at)
        else:
            shown.update(state="ACTIVE", end=None,
                         progress=round((self.now_ms - event["start"]) / float(done_at - event["start"]), 3))
        return shown

    def _trigger(self, cluster_id, _request, application="cassandra"):
        if self._gone(cluster_id) or self.application(cluster_id) != application:
            return 404, {"status": 404, "message": "Cluster not found"}
        if not self.clusters[cluster_id]["_backup_capable"]:
            return 503, {"status": 503, "message": "Backup capability is not available"}
        for index, (node_id, events) in enumerate(self.events[cluster_id].items()):
            start = self.now_ms + index * 1000  # slightly staggered
            events.append({"type": BACKUP_EVENT[application], "state": "ACTIVE", "progress": 0.0, "start": start, "end": None,
                           "_done_at": start + self.backup_duration_ms, "_fails": node_id in self.backup_failure_nodes})
        return 204, None

    def _restore(self, cluster_id, request):
        if self._gone(cluster_id) or self.application(cluster_id) != "cassandra":
            return 404, {"status": 404, "message": "Cluster not found"}
        body = json.loads(request.body)
        self._restored += 1
        new_id = "55555555-0000-4000-8000-%012d" % self._restored
        source = self.clusters[cluster_id]
        nodes = {"66666666-0000-4000-8000-%012d" % (self._restored * 10 + i): [_node_id(self._restored * 10 + i)]
                 for i, _dc in enumerate(source["dataCentres"])}
        self.add_cluster(new_id, body.get("clusterNameOverride", "restored"), nodes,
                         network=body.get("clusterNetwork", "10.9.0.0/16"))
        self.clusters[new_id].update(_created=self.now_ms, _outcome=self.restore_outcome, _body=body)
        return 200, {"restoredCluster": new_id}

    # ---- the v2 wire over the same world ----

    def _v2_accounts(self, _cluster_id, _request):
        """Two accounts: the clusters split between them, plus clusters of applications the fake does not serve."""
        live = [{"id": c["id"], "application": ACCOUNT_NAMES[c["_application"]]} for c in self.clusters.values() if not self._gone(c["id"])]
        return 200, [{"accountId": "acc-1", "clusters": live[::2] + self.other_applications},
                     {"accountId": "acc-2", "clusters": live[1::2]}]

    def _v2_get(self, cluster_id, request, application="cassandra"):
        status, v1 = self._get(cluster_id, request, application)
        if status != 202:
            return 404, {"errors": [{"name": "clusterId", "message": "Cluster not found"}]}
        return 200, {
            "id": v1["id"], "name": v1["clusterName"], "status": v1["clusterStatus"],
            VERSION_FIELDS[application]: v1["cassandraVersion"],
            "slaTier": v1["slaTier"], "currentClusterOperationStatus": "NO_OPERATION", "defaultUserPassword": PASSWORD,
            "dataCentres": [{"id": dc["id"], "name": dc["cdcName"], "region": dc["name"], "cloudProvider": dc["provider"],
                             "status": dc["cdcStatus"], "network": _cidr(dc["cdcNetwork"]), "numberOfNodes": dc["nodeCount"],
                             "continuousBackup": False,
                             "nodes": [{"id": node["id"], "status": node["nodeStatus"], "nodeSize": node["size"], "rack": node["rack"],
                                        "publicAddress": node["publicAddress"], "privateAddress": node["privateAddress"],
                                        "nodeRoles": [application.upper()]} for node in dc["nodes"]]}
                            for dc in v1["dataCentres"]]}

    def _v2_delete(self, cluster_id, request, application="cassandra"):
        status, body = self._delete(cluster_id, request, application)
        return (204, None) if status == 202 else (status, body)

    def _v2_trigger(self, cluster_id, request, application="cassandra"):
        status, body = self._trigger(cluster_id, request, application)
        return (202, None) if status == 204 else (status, body)

    def _v2_restore(self, _cluster_id, request, application="cassandra"):
        body = json.loads(request.body)
        cluster_id = body["clusterId"]
        if self._gone(cluster_id) or self.application(cluster_id) != application:
            return 404, {"errors": [{"name": "clusterId", "message": "Cluster not found"}]}
        for field, takers in APP_ONLY_FIELDS.items():
            if field in body and application not in takers:
                return 400, {"errors": [{"name": field, "message": "is not a restore field of %s" % application}]}
        if "pointInTime" in body and not isinstance(body["pointInTime"], str):
            return 400, {"errors": [{"name": "pointInTime", "message": "must be a string"}]}
        self._restored += 1
        new_id = "55555555-0000-4000-8000-%012d" % self._restored
        source = self.clusters[cluster_id]
        nodes = {"66666666-0000-4000-8000-%012d" % (self._restored * 10 + i): [_node_id(self._restored * 10 + i)]
                 for i, _dc in enumerate(source["dataCentres"])}
        self.add_cluster(new_id, body.get("restoredClusterName", "restored"), nodes, network=body.get("clusterNetwork", "10.9.0.0/16"),
                         application=application)
        self.clusters[new_id].update(_created=self.now_ms, _outcome=self.restore_outcome, _body=body)
        return 202, dict(body, restoredClusterId=new_id)


def _cidr(network):
    return network if isinstance(network, str) else "%s/%s" % (network["network"], network["prefixLength"])


@pytest.fixture
def fake_api(fake_time):
    """A ``FakeInstaclustr`` serving ``BASE`` for the duration of the test (module sleeps faked)."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield FakeInstaclustr(mock)


@pytest.fixture
def module_args():
    """The common options pointing at the fake API, plus the test's own."""
    def build(**options):
        args = {"api_url": BASE, "api_username": "demo", "api_key": "fake-api-key-1234", "api_retries": 1}
        args.update(options)
        return args
    return build
