"""The OpenSearch double of the data plane, through ``requests`` (the collection's HTTP client).

One loopback listener serves every cluster of this module; a manual clock stamps the writes.
"""

import itertools
import socket
import uuid

import pytest
import requests

from tests.emulator.data_plane.opensearch import Engine
from tests.emulator_tests.data_plane_doubles import DoubleListener, ManualClock, node, tls_files

USER, PASSWORD = "icopensearch", "s3cret-os"


@pytest.fixture(scope="module")
def plane(tmp_path_factory):
    listener = DoubleListener()
    engine = Engine(tmp_path_factory.mktemp("opensearch"), ManualClock())
    addresses = itertools.count(1)
    plane = type("Plane", (), {})()
    plane.engine, plane.listener = engine, listener
    plane.folder = tmp_path_factory.mktemp("opensearch-tls")

    def new_cluster(nodes=1, tls=False):
        cluster_id = str(uuid.uuid4())
        specs = [node(listener.address(n), "10.2.0.%d" % n) for n in (next(addresses) for dummy in range(nodes))]
        files = tls_files(plane.folder, specs[0]["public"]) if tls else None
        engine.create(cluster_id, specs, username=USER, password=PASSWORD, tls=tls, tls_files=files)
        listener.serve(engine, cluster_id, specs)
        scheme = "https" if tls else "http"
        return cluster_id, "%s://%s:%d" % (scheme, specs[0]["public"], listener.port), files

    plane.new_cluster = new_cluster
    try:
        yield plane
    finally:
        engine.close()
        listener.close()


@pytest.fixture
def http():
    with requests.Session() as session:
        session.auth = (USER, PASSWORD)
        yield session


def ids(http, url, index, body=None):
    answer = http.post("%s/%s/_search" % (url, index), json=body or {"query": {"match_all": {}}, "size": 100})
    assert answer.status_code == 200, answer.text
    return sorted(hit["_id"] for hit in answer.json()["hits"]["hits"])


def test_basic_auth_is_required_and_the_cluster_answers_its_info_and_health(plane, http):
    cluster_id, url = plane.new_cluster(nodes=3)[:2]
    refused = requests.get(url + "/", auth=(USER, "wrong"))
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"] == 'Basic realm="OpenSearch Security"'
    assert requests.get(url + "/_cluster/health").status_code == 401
    info = http.get(url + "/").json()
    assert (info["cluster_name"], info["version"]["distribution"]) == (cluster_id, "opensearch")
    health = http.get(url + "/_cluster/health").json()
    assert (health["status"], health["number_of_nodes"]) == ("green", 3)


def test_indices_and_documents_as_opensearch_answers_them(plane, http):
    url = plane.new_cluster()[1]
    created = http.put(url + "/orders", json={"mappings": {"properties": {"sku": {"type": "keyword"}, "qty": {"type": "integer"}}}})
    assert created.json() == {"acknowledged": True, "shards_acknowledged": True, "index": "orders"}
    again = http.put(url + "/orders")
    assert (again.status_code, again.json()["error"]["type"]) == (400, "resource_already_exists_exception")
    assert http.head(url + "/orders").status_code == 200
    assert http.head(url + "/missing").status_code == 404
    for i, sku in enumerate(["red", "blue", "red", "green"]):
        written = http.put("%s/orders/_doc/o%d?refresh=true" % (url, i), json={"sku": sku, "qty": 10 - i, "note": "Order %s shipped" % sku})
        assert (written.status_code, written.json()["result"]) == (201, "created")
    updated = http.post(url + "/orders/_doc/o3?refresh=wait_for", json={"sku": "green", "qty": 1, "note": "Order green shipped"})
    assert (updated.status_code, updated.json()["result"], updated.json()["_version"]) == (200, "updated", 2)
    doc = http.get(url + "/orders/_doc/o1").json()
    assert (doc["found"], doc["_source"]["sku"]) == (True, "blue")
    assert http.get(url + "/orders/_doc/nope").json() == {"_index": "orders", "_id": "nope", "found": False}
    assert ids(http, url, "orders", {"query": {"term": {"sku": "red"}}}) == ["o0", "o2"]
    assert ids(http, url, "orders", {"query": {"term": {"note": "shipped"}}}) == ["o0", "o1", "o2", "o3"]
    sorted_hits = http.post(url + "/orders/_search", json={"sort": [{"qty": {"order": "asc"}}], "size": 2}).json()["hits"]
    assert [h["_id"] for h in sorted_hits["hits"]] == ["o3", "o2"]
    assert sorted_hits["total"] == {"value": 4, "relation": "eq"}
    assert http.get(url + "/orders/_count").json()["count"] == 4
    assert http.post(url + "/orders/_count", json={"query": {"term": {"sku": "red"}}}).json()["count"] == 2
    assert http.delete(url + "/orders/_doc/o0").json()["result"] == "deleted"
    assert http.get(url + "/orders/_doc/o0").status_code == 404
    http.put(url + "/events/_doc/e1", json={"kind": "auto-created"})
    cat = http.get(url + "/_cat/indices?format=json").json()
    assert {(row["index"], row["docs.count"], row["health"], row["status"]) for row in cat} == {
        ("orders", "3", "green", "open"), ("events", "1", "green", "open")}
    assert http.delete(url + "/events").json() == {"acknowledged": True}
    missing = http.get(url + "/events/_doc/e1")
    assert missing.status_code == 404
    assert missing.json()["error"]["type"] == "index_not_found_exception"
    assert missing.json()["error"]["root_cause"][0]["index"] == "events"
    unknown = http.post(url + "/orders/_search", json={"query": {"match": {"note": "x"}}})
    assert (unknown.status_code, unknown.json()["error"]["type"]) == (400, "parsing_exception")


def test_a_snapshot_restores_as_of_its_instant_and_only_the_indices_asked_for(plane, http):
    source, source_url = plane.new_cluster()[:2]
    everything, only_orders, latest, empty = (plane.new_cluster() for dummy in range(4))
    http.put(source_url + "/orders/_doc/before", json={"n": 1})
    http.put(source_url + "/customers/_doc/c1", json={"name": "Ada"})
    token = plane.engine.snapshot(source)
    http.put(source_url + "/orders/_doc/after", json={"n": 2})
    plane.engine.restore(everything[0], source, token=token, indices=[])  # none named: all
    plane.engine.restore(only_orders[0], source, token=token, indices=["orders"])
    plane.engine.restore_latest(latest[0], source)
    plane.engine.restore(empty[0], source)
    assert ids(http, everything[1], "orders") == ["before"]
    assert ids(http, everything[1], "customers") == ["c1"]
    assert ids(http, only_orders[1], "orders") == ["before"]
    assert http.head(only_orders[1] + "/customers").status_code == 404
    assert ids(http, latest[1], "orders") == ["after", "before"]
    assert http.get(empty[1] + "/_cat/indices?format=json").json() == []
    with pytest.raises(ValueError, match="snapshot"):
        plane.engine.restore(empty[0], source, point_in_time_ms=1)


def test_https_with_the_clusters_certificate(plane, http):
    url, files = plane.new_cluster(tls=True)[1:]
    answer = http.put(url + "/secure/_doc/1", json={"ok": True}, verify=str(files["ca"]))
    assert answer.status_code == 201
    assert http.get(url + "/secure/_doc/1", verify=str(files["ca"])).json()["_source"] == {"ok": True}
    with pytest.raises(requests.exceptions.SSLError):
        http.get(url + "/")  # the system's trust store does not know the cluster's CA
    with pytest.raises(requests.exceptions.ConnectionError):
        http.get(url.replace("https://", "http://") + "/", timeout=5)


def test_deleting_a_cluster_refuses_new_connections(plane, http):
    cluster_id, url = plane.new_cluster()[:2]
    assert http.get(url + "/").status_code == 200
    plane.engine.delete(cluster_id)
    host, port = url[len("http://"):].split(":")
    with socket.create_connection((host, int(port)), timeout=5) as raw:
        assert raw.recv(1) == b""
