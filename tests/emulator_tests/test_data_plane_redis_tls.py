"""A Redis cluster whose clients must use TLS (clientToNodeEncryption) in the data plane: real redis-server
processes serving TLS only, with the emulator's CA, behind the front doors. In process, with the mixed
scenario's Redis cluster made to ask for TLS; read and written with redis-py, verifying the server's name
with the CA file, as a user would."""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
import redis
from redis.backoff import NoBackoff
from redis.cluster import RedisCluster
from redis.retry import Retry

from tests.emulator.addresses import AddressBlock
from tests.emulator.clock import SimClock
from tests.emulator.data_plane import DataPlane
from tests.emulator.data_plane.redis import Engine
from tests.emulator.world import Settings, World
from tests.support.emulator import SESSIONS_REDIS_ID

PORT = 6379
KEYS = ["session:%d" % number for number in range(12)]  # spread over the masters' slots


@pytest.fixture(scope="module")
def plane():
    clock = SimClock(1.0)
    addresses = AddressBlock()
    # A folder of /tmp, as the harness makes: the engines run as another user, who cannot enter pytest's.
    with tempfile.TemporaryDirectory(prefix="restorekit-data-plane-") as name:
        folder = Path(name)
        os.chmod(folder, 0o711)
        world = World(Settings(scenario="mixed"), clock, addresses=addresses)
        world.clusters[SESSIONS_REDIS_ID].client_encryption = True
        data_plane = DataPlane(world, clock, workdir=folder / "plane", engines={"redis": Engine(folder / "plane" / "redis", clock)})
        world.data_plane = data_plane
        try:
            data_plane.start()
            ca_file = folder / "ca.pem"
            ca_file.write_text(data_plane.ca_pem())
            nodes = data_plane.nodes_of(world.clusters[SESSIONS_REDIS_ID])
            yield type("Plane", (), {"data_plane": data_plane, "ca_file": str(ca_file), "nodes": nodes,
                                     "password": world.clusters[SESSIONS_REDIS_ID].password})
        finally:
            data_plane.close()
            addresses.close()


def write_and_read(plane):
    """Write KEYS with a cluster-aware client that verifies every node's name with the CA file; read them back."""
    with RedisCluster(host=plane.nodes[0]["public"], port=PORT, username="icredis", password=plane.password,
                      ssl=True, ssl_ca_certs=plane.ca_file, ssl_check_hostname=True, decode_responses=True,
                      socket_timeout=10) as client:
        for key in KEYS:
            client.set(key, "over TLS")
        return [client.get(key) for key in KEYS], sorted(node.host for node in client.get_nodes())


def test_a_cluster_aware_client_verifies_the_nodes_with_the_ca_and_writes_and_reads(plane):
    values, hosts = write_and_read(plane)
    assert values == ["over TLS"] * len(KEYS)
    assert hosts == sorted(node["public"] for node in plane.nodes)


def test_a_plain_connection_is_refused(plane):
    client = redis.Redis(host=plane.nodes[0]["public"], port=PORT, username="icredis", password=plane.password,
                         socket_timeout=5, retry=Retry(NoBackoff(), 0))
    with pytest.raises(redis.exceptions.ConnectionError):
        client.ping()
    client.close()


def test_the_emulator_copies_the_keys_over_tls(plane):
    write_and_read(plane)
    copied = {key.decode() for key, _ttl, _value in plane.data_plane.engines["redis"].snapshot(SESSIONS_REDIS_ID)}
    assert copied >= set(KEYS)


def test_redis_cli_with_tls_and_the_ca_file(plane):
    if not shutil.which("redis-cli"):
        pytest.skip("redis-cli is not installed on this machine (Debian: redis-tools)")
    command = ["redis-cli", "--tls", "--cacert", plane.ca_file, "-c", "-h", plane.nodes[0]["public"], "-p", str(PORT),
               "--user", "icredis", "--pass", plane.password]
    written = subprocess.run(command + ["SET", "greeting", "hello"], capture_output=True, text=True, timeout=30, check=False)
    assert (written.returncode, written.stdout) == (0, "OK\n"), written.stderr
    read = subprocess.run(command + ["GET", "greeting"], capture_output=True, text=True, timeout=30, check=False)
    assert (read.returncode, read.stdout) == (0, "hello\n"), read.stderr
