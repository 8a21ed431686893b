"""The data plane with real redis-server processes in cluster mode: the icredis ACL user, node addresses
announced through the front doors (a cluster-aware client follows them), the firewall, backups, the
restore of the newest backup completed when it is requested, and the next_restore_data outcomes.
Read and written with redis-py's RedisCluster, as a user would."""

import pytest
import redis
from redis.backoff import NoBackoff
from redis.cluster import RedisCluster
from redis.retry import Retry

from tests.emulator_tests.data_plane_support import (DURATIONS, back_up, closed_before_any_byte, open_firewall,
                                                     public_addresses, restore)
from tests.support.emulator import SESSIONS_REDIS_ID, running_emulator, v2_path

PORT = 6379
NO_RETRY = Retry(NoBackoff(), 0)  # a refused AUTH is final (redis-py retries connection errors by default)
KEYS = ["session:%d" % number for number in range(12)]  # spread over the masters' slots


@pytest.fixture(scope="module")
def emulator():
    with running_emulator(scenario="mixed", extra_args=("--data-plane", "--db-password", "s3cret-Redis")
                          + DURATIONS) as emulator:
        yield emulator


def cluster_client(emulator, cluster_id):
    address = public_addresses(emulator, "redis", cluster_id)[0]
    return RedisCluster(host=address, port=PORT, username="icredis", password="s3cret-Redis", decode_responses=True,
                        socket_timeout=10)


@pytest.fixture(scope="module")
def written(emulator):
    """Keys, a backup, then a change and a new key: what the restores below must tell apart."""
    with cluster_client(emulator, SESSIONS_REDIS_ID) as client:
        for key in KEYS:
            client.set(key, "before the backup")
        back_up(emulator, "redis", SESSIONS_REDIS_ID)
        client.set(KEYS[0], "after the backup")
        client.set("session:late", "after the backup")


def values(emulator, cluster_id):
    with cluster_client(emulator, cluster_id) as client:
        return {key: client.get(key) for key in KEYS + ["session:late"]}


def test_nodes_are_masters_and_replicas_announced_on_their_public_addresses(emulator):
    addresses = public_addresses(emulator, "redis", SESSIONS_REDIS_ID)
    body = emulator.api("GET", v2_path("redis", "cluster", SESSIONS_REDIS_ID)).json()
    assert "defaultUserPassword" not in body
    client = redis.Redis(host=addresses[0], port=PORT, username="icredis", password="s3cret-Redis",
                         decode_responses=True, socket_timeout=10)
    slots = client.execute_command("CLUSTER SLOTS")  # [[first, last, [host, port, id], [replica...]], ...]
    client.close()
    masters = [entry[2][0] for entry in slots]
    replicas = [replica[0] for entry in slots for replica in entry[3:]]
    assert sum(entry[1] - entry[0] + 1 for entry in slots) == 16384
    assert sorted(masters + replicas) == sorted(addresses)
    assert len(masters) == body["dataCentres"][0]["masterNodes"] and len(replicas) == body["dataCentres"][0]["replicaNodes"]


def test_the_default_user_is_off_and_icredis_needs_its_password(emulator):
    address = public_addresses(emulator, "redis", SESSIONS_REDIS_ID)[0]
    with pytest.raises(redis.exceptions.AuthenticationError):
        redis.Redis(host=address, port=PORT, socket_timeout=10, retry=NO_RETRY).ping()
    with pytest.raises(redis.exceptions.AuthenticationError):
        redis.Redis(host=address, port=PORT, username="icredis", password="wrong", socket_timeout=10,
                    retry=NO_RETRY).ping()
    assert redis.Redis(host=address, port=PORT, username="icredis", password="s3cret-Redis", socket_timeout=10).ping()


def test_a_restore_brings_the_newest_backup_completed_when_requested_behind_a_closed_firewall(emulator, written):
    restored = restore(emulator, "redis", SESSIONS_REDIS_ID)
    address = public_addresses(emulator, "redis", restored)[0]
    assert closed_before_any_byte(address, PORT)  # a restored cluster has no firewall rule
    open_firewall(emulator, restored, "REDIS")
    assert values(emulator, restored) == dict({key: "before the backup" for key in KEYS}, **{"session:late": None})


def test_next_restore_data_empty_brings_no_key(emulator, written):
    emulator.set_outcomes(next_restore_data="empty")
    restored = restore(emulator, "redis", SESSIONS_REDIS_ID)
    open_firewall(emulator, restored, "REDIS")
    assert set(values(emulator, restored).values()) == {None}


def test_next_restore_data_latest_brings_the_current_data(emulator, written):
    emulator.set_outcomes(next_restore_data="latest")
    restored = restore(emulator, "redis", SESSIONS_REDIS_ID)
    open_firewall(emulator, restored, "REDIS")
    found = values(emulator, restored)
    assert found[KEYS[0]] == found["session:late"] == "after the backup"
