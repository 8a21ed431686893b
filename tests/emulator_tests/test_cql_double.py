"""The Cassandra double of the data plane, through the DataStax Python driver.

One loopback listener serves every cluster of this module; a manual clock stamps the writes.
"""

import itertools
import socket
import ssl
import uuid

import pytest
from cassandra import AlreadyExists, InvalidRequest
from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile, NoHostAvailable
from cassandra.policies import DCAwareRoundRobinPolicy, TokenAwarePolicy, WhiteListRoundRobinPolicy
from cassandra.protocol import ConfigurationException, SyntaxException
from cassandra.query import BatchStatement

from tests.emulator.data_plane.cql import Engine
from tests.emulator_tests.data_plane_doubles import DoubleListener, ManualClock, node, tls_files

USER, PASSWORD = "iccassandra", "s3cret-cql"
EAST, WEST = "AWS_VPC_US_EAST_1", "AWS_VPC_US_WEST_2"


@pytest.fixture(scope="module")
def plane(tmp_path_factory):
    listener = DoubleListener()
    engine = Engine(tmp_path_factory.mktemp("cql"), ManualClock())
    addresses = itertools.count(1)
    plane = type("Plane", (), {})()
    plane.engine, plane.listener, plane.clock = engine, listener, engine.clock

    def new_cluster(data_centres=(EAST,), private_addresses=None, tls_folder=None, **kwargs):
        cluster_id = str(uuid.uuid4())
        nodes = []
        for i, dc in enumerate(data_centres):
            n = next(addresses)
            private = private_addresses[i] if private_addresses else "10.1.%d.%d" % (n // 250, n % 250 + 1)
            nodes.append(node(listener.address(n), private, dc, "%s-rack%d" % (dc.lower(), i % 2)))
        files = tls_files(tls_folder, nodes[0]["public"]) if tls_folder else None
        engine.create(cluster_id, nodes, username=USER, password=PASSWORD, tls=bool(files), tls_files=files, **kwargs)
        plane.files = files
        listener.serve(engine, cluster_id, nodes)
        return cluster_id, nodes

    plane.new_cluster = new_cluster
    try:
        yield plane
    finally:
        engine.close()
        listener.close()


class Client:
    """A driver session on a cluster's first node, kept on that node unless told otherwise."""

    def __init__(self, plane, nodes, password=PASSWORD, whitelist=True, keyspace=None, ssl_context=None):
        contact = nodes[0]["public"]
        policy = WhiteListRoundRobinPolicy([contact]) if whitelist else TokenAwarePolicy(DCAwareRoundRobinPolicy())
        self.cluster = Cluster([contact], port=plane.listener.port, auth_provider=PlainTextAuthProvider(USER, password),
                               execution_profiles={EXEC_PROFILE_DEFAULT: ExecutionProfile(load_balancing_policy=policy)},
                               connect_timeout=5, control_connection_timeout=5, ssl_context=ssl_context)
        self.session = self.cluster.connect(keyspace, wait_for_all_pools=True)

    def rows(self, query, params=None):
        return list(self.session.execute(query, params))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cluster.shutdown()


def schema(client, keyspace="shop"):
    dc = client.rows("SELECT data_center FROM system.local WHERE key = 'local'")[0].data_center
    client.session.execute("CREATE KEYSPACE IF NOT EXISTS %s WITH replication = {'class': 'NetworkTopologyStrategy', '%s': 3}" % (keyspace, dc))
    client.session.execute("CREATE TABLE IF NOT EXISTS %s.orders (id int PRIMARY KEY, item text, placed timestamp)" % keyspace)
    client.session.execute("CREATE TABLE IF NOT EXISTS %s.audit (id uuid PRIMARY KEY, note text, ok boolean)" % keyspace)


def items(client, keyspace="shop"):
    return sorted(row.item for row in client.rows("SELECT item FROM %s.orders" % keyspace))


def test_the_driver_negotiates_v4_and_finds_every_node_with_its_data_centre_and_rack(plane):
    cluster_id, nodes = plane.new_cluster((EAST, EAST, WEST))
    with Client(plane, nodes, whitelist=False) as client:
        assert client.cluster.protocol_version == 4
        hosts = {host.address: (host.datacenter, host.rack) for host in client.cluster.metadata.all_hosts()}
        assert hosts == {n["public"]: (n["data_centre"], n["rack"]) for n in nodes}
        # the driver's default policy pools the local data centre's nodes, reached at their public addresses
        assert plane.listener.accepted[nodes[1]["public"]] > 0
        for index, spec in enumerate(nodes[:2]):
            host = client.cluster.metadata.get_host(spec["public"], plane.listener.port)
            peers = client.session.execute("SELECT peer, rpc_address, data_center FROM system.peers", host=host)
            assert sorted((p.peer, p.rpc_address, p.data_center) for p in peers) == sorted(
                (n["private"], n["public"], n["data_centre"]) for n in nodes if n is not spec)
            local = client.session.execute("SELECT * FROM system.local WHERE key = 'local'", host=host).one()
            assert (local.cluster_name, local.rpc_address, local.data_center, local.rack) == (
                cluster_id, spec["public"], spec["data_centre"], spec["rack"]), index


def test_schema_metadata_and_a_network_topology_keyspace_on_the_data_centre_names(plane):
    nodes = plane.new_cluster((EAST, WEST))[1]
    with Client(plane, nodes) as client:
        schema(client)
        keyspace = client.cluster.metadata.keyspaces["shop"]
        assert keyspace.replication_strategy.dc_replication_factors == {EAST: 3}
        table = keyspace.tables["orders"]
        assert [c.name for c in table.partition_key] == ["id"]
        assert {name: c.cql_type for name, c in table.columns.items()} == {"id": "int", "item": "text", "placed": "timestamp"}
        assert "audit" in keyspace.tables
        client.session.execute("CREATE KEYSPACE both_dcs WITH replication = {'class': 'NetworkTopologyStrategy', '%s': 3, '%s': 1}"
                               % (EAST, WEST))
        assert client.cluster.metadata.keyspaces["both_dcs"].replication_strategy.dc_replication_factors == {EAST: 3, WEST: 1}
        with pytest.raises(ConfigurationException, match=r"Unrecognized strategy option \{AWS_VPC_EU_WEST_1\}"):
            client.session.execute("CREATE KEYSPACE nowhere WITH replication = {'class': 'NetworkTopologyStrategy', 'AWS_VPC_EU_WEST_1': 3}")
        with pytest.raises(AlreadyExists):
            client.session.execute("CREATE TABLE shop.orders (id int PRIMARY KEY)")
        client.session.execute("DROP TABLE shop.audit")
        assert "audit" not in client.cluster.metadata.keyspaces["shop"].tables


def test_a_wrong_password_is_refused(plane):
    nodes = plane.new_cluster()[1]
    with pytest.raises(NoHostAvailable, match="Bad credentials|incorrect"):
        Client(plane, nodes, password="wrong")


def test_writes_reads_prepared_statements_batches_ttl_and_lightweight_inserts(plane):
    nodes = plane.new_cluster()[1]
    with Client(plane, nodes) as client:
        schema(client)
        insert = client.session.prepare("INSERT INTO shop.orders (id, item, placed) VALUES (?, ?, ?)")
        client.session.execute(insert, (1, "apple", 1_700_000_000_000))
        client.session.execute("INSERT INTO shop.orders (id, item) VALUES (%s, %s)", (2, "it's a pear"))
        batch = BatchStatement()
        batch.add(insert, (3, "plum", None))
        batch.add("INSERT INTO shop.orders (id, item) VALUES (4, 'fig')")
        client.session.execute(batch)
        assert items(client) == ["apple", "fig", "it's a pear", "plum"]
        one = client.rows(client.session.prepare("SELECT id, item, placed FROM shop.orders WHERE id = ?"), (1,))
        assert [(r.id, r.item, int(r.placed.timestamp() * 1000)) for r in one] == [(1, "apple", 1_700_000_000_000)]
        assert client.rows("SELECT COUNT(*) FROM shop.orders")[0].count == 4
        client.session.execute("UPDATE shop.orders SET placed = '2026-11-20T10:00:00Z' WHERE id = 4")
        placed = client.rows("SELECT placed FROM shop.orders WHERE id = 4")[0].placed
        assert placed.isoformat() == "2026-11-20T10:00:00"  # the driver reads timestamps as naive UTC
        assert len(client.rows("SELECT * FROM shop.orders LIMIT 2")) == 2
        assert not client.session.execute("INSERT INTO shop.orders (id, item) VALUES (1, 'other') IF NOT EXISTS").was_applied
        client.session.execute("INSERT INTO shop.orders (id, item) VALUES (5, 'short-lived') USING TTL 60")
        client.session.execute("DELETE FROM shop.orders WHERE id = 4")
        assert items(client) == ["apple", "it's a pear", "plum", "short-lived"]
        plane.clock.now += 61_000
        assert items(client) == ["apple", "it's a pear", "plum"]
        with pytest.raises(SyntaxException, match="not supported by this emulator"):
            client.session.execute("SELECT item FROM shop.orders WHERE id = 1 ORDER BY id")
        with pytest.raises(InvalidRequest, match="unconfigured table"):
            client.session.execute("SELECT * FROM shop.missing")


def test_a_snapshot_holds_the_data_as_of_its_instant_and_restores_into_another_cluster(plane):
    source, source_nodes = plane.new_cluster()
    target, target_nodes = plane.new_cluster()
    with Client(plane, source_nodes) as client:
        schema(client)
        client.session.execute("INSERT INTO shop.orders (id, item) VALUES (1, 'before backup')")
        token = plane.engine.snapshot(source)
        client.session.execute("INSERT INTO shop.orders (id, item) VALUES (2, 'after backup')")
    plane.engine.restore(target, source, token=token, tables=[])  # none named: all
    with Client(plane, target_nodes) as client:
        assert items(client) == ["before backup"]
        assert set(client.cluster.metadata.keyspaces["shop"].tables) == {"orders", "audit"}


def test_a_point_in_time_restore_replays_the_writes_up_to_that_instant(plane):
    source, source_nodes = plane.new_cluster()
    early, late, empty = plane.new_cluster(), plane.new_cluster(), plane.new_cluster()
    with Client(plane, source_nodes) as client:
        schema(client)
        t1 = plane.clock.now
        client.session.execute("INSERT INTO shop.orders (id, item) VALUES (1, 'first')")
        plane.clock.now += 60_000
        t2 = plane.clock.now
        client.session.execute("INSERT INTO shop.orders (id, item) VALUES (2, 'second')")
        client.session.execute("UPDATE shop.orders SET item = 'first, renamed' WHERE id = 1")
        plane.clock.now += 60_000
        # written now, but stamped by the client a minute before t1: part of every restore from t1 on
        client.session.execute("INSERT INTO shop.orders (id, item) VALUES (3, 'backdated') USING TIMESTAMP %d" % ((t1 - 60_000) * 1000))
        client.session.execute("DELETE FROM shop.orders WHERE id = 2")
    plane.engine.restore(early[0], source, point_in_time_ms=t1)
    plane.engine.restore(late[0], source, point_in_time_ms=t2)
    plane.engine.restore(empty[0], source)
    with Client(plane, early[1]) as client:
        assert items(client) == ["backdated", "first"]
    with Client(plane, late[1]) as client:
        assert items(client) == ["backdated", "first, renamed", "second"]
    with Client(plane, empty[1]) as client:
        assert "shop" not in client.cluster.metadata.keyspaces


def test_tables_restricts_a_restore_and_restore_latest_brings_the_current_data(plane):
    source, source_nodes = plane.new_cluster()
    only_orders, latest = plane.new_cluster(), plane.new_cluster()
    with Client(plane, source_nodes) as client:
        schema(client)
        client.session.execute("INSERT INTO shop.orders (id, item) VALUES (1, 'kept')")
        client.session.execute("INSERT INTO shop.audit (id, note, ok) VALUES (%s, 'left out', true)", (uuid.uuid4(),))
        token = plane.engine.snapshot(source)
        client.session.execute("INSERT INTO shop.orders (id, item) VALUES (2, 'newest')")
    plane.engine.restore(only_orders[0], source, token=token, tables=["shop.orders"])
    plane.engine.restore_latest(latest[0], source)
    with Client(plane, only_orders[1]) as client:
        assert items(client) == ["kept"]
        assert set(client.cluster.metadata.keyspaces["shop"].tables) == {"orders"}
        with pytest.raises(InvalidRequest, match="unconfigured table audit"):
            client.session.execute("SELECT * FROM shop.audit")
    with Client(plane, latest[1]) as client:
        assert items(client) == ["kept", "newest"]
        assert [r.note for r in client.rows("SELECT note FROM shop.audit")] == ["left out"]


def test_a_whitelisted_driver_never_wanders_to_other_nodes_public_or_private(plane):
    listener = plane.listener
    traps = [listener.address(200 + i) for i in range(3)]
    for address in traps:
        listener.trap(address)
    public_nodes = plane.new_cluster((EAST, EAST, WEST))[1]
    private_nodes = plane.new_cluster((EAST, EAST, WEST), private_addresses=traps, private_ip_broadcast_for_discovery=True)[1]
    for nodes in (public_nodes, private_nodes):
        with Client(plane, nodes) as client:
            schema(client)
            for i in range(20):
                client.session.execute("INSERT INTO shop.orders (id, item) VALUES (%s, 'x')", (i,))
            assert client.rows("SELECT COUNT(*) FROM shop.orders")[0].count == 20
            advertised = sorted(p.rpc_address for p in client.rows("SELECT rpc_address FROM system.peers"))
            assert advertised == sorted(n["public"] if nodes is public_nodes else n["private"] for n in nodes[1:])
    for address in [n["public"] for n in public_nodes[1:] + private_nodes[1:]] + traps:
        assert listener.accepted[address] == 0, address
    assert listener.accepted[public_nodes[0]["public"]] > 0


def test_deleting_a_cluster_closes_its_connections_and_refuses_new_ones(plane):
    cluster_id, nodes = plane.new_cluster()
    client = Client(plane, nodes)
    try:
        plane.engine.delete(cluster_id)
        with pytest.raises(Exception):
            client.session.execute("SELECT * FROM system.local")
    finally:
        client.cluster.shutdown()
    with socket.create_connection((nodes[0]["public"], plane.listener.port), timeout=5) as raw:
        assert raw.recv(1) == b""  # closed before any byte


def test_tls_with_the_clusters_certificate(plane, tmp_path):
    nodes = plane.new_cluster(tls_folder=tmp_path)[1]
    context = ssl.create_default_context(cafile=str(plane.files["ca"]))
    context.check_hostname = False  # the driver connects by address; the CA is still verified
    with Client(plane, nodes, ssl_context=context) as client:
        assert client.rows("SELECT cluster_name FROM system.local")[0].cluster_name
    with pytest.raises(NoHostAvailable):
        Client(plane, nodes, ssl_context=ssl.create_default_context())  # an unknown CA is refused


def test_clustering_keys_order_the_rows_of_a_partition(plane):
    nodes = plane.new_cluster()[1]
    with Client(plane, nodes) as client:
        schema(client)
        client.session.execute("CREATE TABLE shop.lines (order_id int, line int, sku text, PRIMARY KEY (order_id, line))")
        for order_id, line in [(7, 3), (7, 1), (2, 5), (7, 2), (2, 1)]:
            client.session.execute("INSERT INTO shop.lines (order_id, line, sku) VALUES (%s, %s, 'x')", (order_id, line))
        assert [(r.order_id, r.line) for r in client.rows("SELECT order_id, line FROM shop.lines")] == [
            (7, 1), (7, 2), (7, 3), (2, 1), (2, 5)]
        assert [r.line for r in client.rows("SELECT line FROM shop.lines WHERE order_id = 2")] == [1, 5]
        client.session.execute("DELETE FROM shop.lines WHERE order_id = 7")
        assert client.rows("SELECT COUNT(*) FROM shop.lines")[0].count == 2


def test_close_ends_every_connection_and_refuses_new_ones(plane, tmp_path):
    engine = Engine(tmp_path, plane.clock)
    nodes = [node(plane.listener.address(240), "10.1.9.1")]
    engine.create("closing", nodes, username=USER, password=PASSWORD, tls=False)
    plane.listener.serve(engine, "closing", nodes)
    client = Client(plane, nodes)
    try:
        assert client.rows("SELECT cluster_name FROM system.local")[0].cluster_name == "closing"
        engine.close()
        engine.close()  # idempotent
        with pytest.raises(NoHostAvailable):
            client.session.execute("SELECT cluster_name FROM system.local")
    finally:
        client.cluster.shutdown()
    with socket.create_connection((nodes[0]["public"], plane.listener.port), timeout=5) as raw:
        assert raw.recv(1) == b""
