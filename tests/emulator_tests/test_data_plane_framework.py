"""The data-plane framework in process, with engines of the test's own (shaped as the doubles of the
contract: ``serve`` for in-process engines, ``upstream`` for proxied ones): front doors and the
firewall, copies taken when the simulated clock passes a backup's instant (start or end by
application), and the data each restore chooses."""

import socket
import socketserver
import threading
import time

import pytest

from tests.emulator.addresses import AddressBlock
from tests.emulator.clock import SimClock
from tests.emulator.data_plane import DataPlane, backup_instants
from tests.emulator.history import TriggeredBackup
from tests.emulator.validation import RestoreRequest
from tests.emulator.world import Settings, World
from tests.support.emulator import INVENTORY_DEV_ID, ORDERS_PROD_ID, PAYMENTS_PG_ID, SEARCH_OS_ID


class FrozenClock(SimClock):
    """A simulated clock that moves only when the test advances it."""

    def __init__(self):
        super().__init__(1.0, wall=lambda: 1_800_000_000.0, monotonic=lambda: 0.0)


class StoreEngine:
    """An engine of the contract with a key-value store per cluster and a line protocol
    (``SET k v`` / ``GET k``); ``serve`` (in process) unless built with ``proxied=True``."""

    def __init__(self, application, port, proxied=False):
        self.application, self.port = application, port
        self.stores, self.calls, self.servers = {}, [], {}
        if proxied:
            self.upstream = self._upstream
        else:
            self.serve = self._serve

    def create(self, cluster_id, nodes, *, username, password, tls, tls_files=None):
        self.stores[cluster_id] = {}
        self.calls.append(("create", cluster_id, username, password, tls))

    def _handle(self, cluster_id, rfile, wfile):
        for line in rfile:
            words = line.decode().split()
            if words[0] == "SET":
                self.stores[cluster_id][words[1]] = words[2]
                wfile.write(b"OK\n")
            else:
                wfile.write(("%s\n" % self.stores[cluster_id].get(words[1])).encode())
            wfile.flush()

    def _serve(self, cluster_id, node_index, sock):
        with sock.makefile("rb") as rfile, sock.makefile("wb") as wfile:
            self._handle(cluster_id, rfile, wfile)

    def _upstream(self, cluster_id, node_index):
        if cluster_id not in self.servers:
            engine = self

            class Handler(socketserver.StreamRequestHandler):
                def handle(self):
                    engine._handle(cluster_id, self.rfile, self.wfile)

            server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
            server.daemon_threads = True
            threading.Thread(target=server.serve_forever, daemon=True).start()
            self.servers[cluster_id] = server
        return self.servers[cluster_id].server_address

    def snapshot(self, cluster_id):
        return dict(self.stores[cluster_id])

    def restore(self, target_cluster_id, source_cluster_id, *, token=None, point_in_time_ms=None, tables=None,
                indices=None):
        self.calls.append(("restore", target_cluster_id, point_in_time_ms, tables, indices))
        self.stores[target_cluster_id].update(token or {})

    def restore_latest(self, target_cluster_id, source_cluster_id):
        self.calls.append(("restore_latest", target_cluster_id))
        self.stores[target_cluster_id].update(self.stores[source_cluster_id])

    def delete(self, cluster_id):
        self.stores.pop(cluster_id, None)
        server = self.servers.pop(cluster_id, None)
        if server:
            server.shutdown()
            server.server_close()

    def close(self):
        for cluster_id in list(self.stores):
            self.delete(cluster_id)


@pytest.fixture
def plane(tmp_path):
    clock = FrozenClock()
    addresses = AddressBlock()
    world = World(Settings(scenario="mixed", backup_duration=600), clock, addresses=addresses)
    engines = {"cassandra": StoreEngine("cassandra", 9042), "postgresql": StoreEngine("postgresql", 5432, proxied=True),
               "opensearch": StoreEngine("opensearch", 9200)}
    data_plane = DataPlane(world, clock, workdir=tmp_path, engines=engines)
    world.data_plane = data_plane
    data_plane.start()  # with engines given, it loads none of its own
    yield data_plane
    data_plane.close()
    addresses.close()


def talk(address, port, *lines):
    with socket.create_connection((address, port), timeout=5) as sock, sock.makefile("rwb") as stream:
        answers = []
        for line in lines:
            stream.write(line.encode() + b"\n")
            stream.flush()
            answers.append(stream.readline().decode().strip())
        return answers


def refused(address, port):
    with socket.create_connection((address, port), timeout=5) as sock:
        sock.settimeout(5)
        return sock.recv(1) == b""


def address_of(plane, cluster_id, index=0):
    return plane.world.clusters[cluster_id].nodes()[index].public_address


def advance(plane, seconds):
    plane.clock.advance(seconds)
    plane.catch_up()


def trigger(plane, cluster_id):
    cluster = plane.world.clusters[cluster_id]
    plane.world.trigger_backup(cluster, plane.clock.now_ms())
    return cluster.triggered[-1]


def restore(plane, cluster_id, point_in_time_ms=None, **fields):
    world = plane.world
    request = RestoreRequest(point_in_time_ms=point_in_time_ms, api_version="v2", **fields)
    cluster = world.restore(world.clusters[cluster_id], request, {}, plane.clock.now_ms())
    deadline = time.monotonic() + 10
    while not plane.ready.get(cluster.id):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    advance(plane, cluster.restore.duration_ms / 1000.0 + 1)
    return cluster.id


@pytest.mark.parametrize("cluster_id", [INVENTORY_DEV_ID, PAYMENTS_PG_ID])  # in process, and proxied
def test_front_doors_serve_every_node_of_a_cluster_through_the_firewall(plane, cluster_id):
    cluster = plane.world.clusters[cluster_id]
    port = plane.engines[cluster.application].port
    for index in range(len(cluster.nodes())):
        assert talk(address_of(plane, cluster_id, index), port, "SET k%d v" % index, "GET k%d" % index) == ["OK", "v"]
    plane.world.firewall.remove([rule.id for rule in plane.world.firewall.of_cluster(cluster_id)])
    assert refused(address_of(plane, cluster_id), port)


def test_a_restored_cluster_refuses_before_any_byte_until_a_running_rule_admits_the_client(plane):
    restored = restore(plane, INVENTORY_DEV_ID)
    address = address_of(plane, restored)
    assert refused(address, 9042)
    plane.world.firewall.add(restored, "127.0.0.1/32", ["CASSANDRA_CQL"], plane.clock.now_ms(), 30)
    assert refused(address, 9042)  # GENESIS, then PROVISIONING: not yet
    plane.clock.advance(31)
    assert talk(address, 9042, "GET anything") == ["None"]


def test_backup_instants_are_a_snapshots_start_or_a_backups_end():
    clock = FrozenClock()
    addresses = AddressBlock()
    try:
        world = World(Settings(scenario="mixed"), clock, addresses=addresses)
        cluster = world.clusters[SEARCH_OS_ID]
        now = clock.now_ms()
        cluster.triggered.append(TriggeredBackup(now, 600000, cluster.node_ids(), frozenset(cluster.node_ids()[2:])))
        cluster.schedule = None
        starts = backup_instants(cluster, now - 1, now + 10 ** 7, "start")
        ends = backup_instants(cluster, now - 1, now + 10 ** 7, "end")
        assert starts == [(now, now + 600000), (now + 2000, now + 602000)]  # the failing third node has none
        assert ends == [(now + 600000, now + 600000), (now + 602000, now + 602000)]
        assert backup_instants(cluster, now + 600000, now + 10 ** 7, "end") == [(now + 602000, now + 602000)]
    finally:
        addresses.close()


def test_a_snapshot_holds_the_data_as_of_its_start_and_a_restore_at_its_end_brings_it(plane):
    store = plane.engines["cassandra"].stores[INVENTORY_DEV_ID]
    store["first"] = "1"
    backup = trigger(plane, INVENTORY_DEV_ID)
    advance(plane, 5)  # every node's snapshot has started: the copies are taken now
    store["second"] = "2"  # written while the snapshot runs: not in it
    copies = plane.copies[INVENTORY_DEV_ID]
    assert copies and all(copy.token == {"first": "1"} for copy in copies)
    assert not [copy for copy in copies if copy.completed_ms <= plane.clock.now_ms()]  # none restorable yet
    advance(plane, 600)
    end = backup.start_ms + 600000 + 2000 * (len(backup.node_ids) - 1)
    restored = restore(plane, INVENTORY_DEV_ID, point_in_time_ms=end, keyspace_tables=["shop.orders"])
    assert plane.engines["cassandra"].stores[restored] == {"first": "1"}
    assert plane.engines["cassandra"].calls[-1] == ("restore", restored, None, ["shop.orders"], None)


def test_a_postgresql_backup_holds_the_data_as_of_its_end(plane):
    store = plane.engines["postgresql"].stores[PAYMENTS_PG_ID]
    store["first"] = "1"
    backup = trigger(plane, PAYMENTS_PG_ID)
    advance(plane, 300)
    store["second"] = "2"  # before the end: in the backup
    advance(plane, 400)
    store["third"] = "3"
    restored = restore(plane, PAYMENTS_PG_ID, point_in_time_ms=backup.start_ms + 602000)
    assert plane.engines["postgresql"].stores[restored] == {"first": "1", "second": "2"}


def test_the_timer_takes_the_copies_without_any_request(plane):
    store = plane.engines["postgresql"].stores[PAYMENTS_PG_ID]
    store["first"] = "1"
    trigger(plane, PAYMENTS_PG_ID)
    plane.clock.advance(700)  # a jump the timer notices by itself (no catch_up called here)
    deadline = time.monotonic() + 5
    while not plane.copies[PAYMENTS_PG_ID]:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert plane.copies[PAYMENTS_PG_ID][-1].token == {"first": "1"}


def test_a_restore_before_any_copy_is_empty_and_continuous_cassandra_replays_its_log(plane):
    plane.engines["postgresql"].stores[PAYMENTS_PG_ID]["first"] = "1"
    restored = restore(plane, PAYMENTS_PG_ID, point_in_time_ms=plane.clock.now_ms())
    assert plane.engines["postgresql"].stores[restored] == {}
    point = plane.clock.now_ms()
    restored = restore(plane, ORDERS_PROD_ID, point_in_time_ms=point)
    assert plane.engines["cassandra"].calls[-1] == ("restore", restored, point, None, None)


@pytest.mark.parametrize("outcome, expected", [("empty", {}), ("latest", {"first": "1", "second": "2"})])
def test_next_restore_data_outcomes(plane, outcome, expected):
    store = plane.engines["postgresql"].stores[PAYMENTS_PG_ID]
    store["first"] = "1"
    backup = trigger(plane, PAYMENTS_PG_ID)
    advance(plane, 700)
    store["second"] = "2"
    plane.world.outcomes.next_restore_data = outcome
    restored = restore(plane, PAYMENTS_PG_ID, point_in_time_ms=backup.start_ms + 602000)
    assert plane.engines["postgresql"].stores[restored] == expected
    assert plane.world.outcomes.next_restore_data == "complete"


def test_a_deleted_cluster_stops_serving(plane):
    address = address_of(plane, INVENTORY_DEV_ID)
    plane.world.delete(plane.world.clusters[INVENTORY_DEV_ID], plane.clock.now_ms())
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((address, 9042), timeout=5)
    assert INVENTORY_DEV_ID not in plane.engines["cassandra"].stores


def test_reset_drops_the_data_and_serves_the_scenario_again(plane):
    plane.engines["cassandra"].stores[INVENTORY_DEV_ID]["first"] = "1"
    restored = restore(plane, INVENTORY_DEV_ID)
    plane.world.reset()
    plane.reset()
    assert restored not in plane.engines["cassandra"].stores and plane.engines["cassandra"].stores[INVENTORY_DEV_ID] == {}
    assert talk(address_of(plane, INVENTORY_DEV_ID), 9042, "GET first") == ["None"]


def test_a_missing_engine_program_stops_the_start_naming_make_engines(tmp_path, monkeypatch):
    from tests.emulator.data_plane import postgresql, processes

    monkeypatch.setattr(postgresql, "FOLDERS", ())
    monkeypatch.setattr(processes.shutil, "which", lambda name: None)
    clock = FrozenClock()
    addresses = AddressBlock()
    try:
        data_plane = DataPlane(World(Settings(scenario="empty"), clock, addresses=addresses), clock, workdir=tmp_path)
        with pytest.raises(processes.EngineUnavailable, match="postgresql.*initdb not found.*make engines"):
            data_plane.start()
        data_plane.close()
    finally:
        addresses.close()


def test_a_cluster_deleted_while_its_data_comes_up_is_dropped(plane):
    engine = plane.engines["cassandra"]
    created = threading.Event()
    release = threading.Event()
    original = engine.create

    def slow_create(*args, **kwargs):
        original(*args, **kwargs)
        created.set()
        release.wait(5)

    engine.create = slow_create
    world = plane.world
    cluster = world.restore(world.clusters[INVENTORY_DEV_ID], RestoreRequest(api_version="v2"), {}, plane.clock.now_ms())
    assert created.wait(5)
    world.delete(cluster, plane.clock.now_ms())
    release.set()
    deadline = time.monotonic() + 5
    while cluster.id in engine.stores:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert cluster.id not in plane.doors and not plane.ready.get(cluster.id)
