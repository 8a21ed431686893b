"""Firewall rules in the emulator: the check the data plane makes (in process, on a clock the test
moves), and the v1 and v2 firewall routes (on one emulator, every answer checked against the
OpenAPI documents)."""

import threading

import pytest

from tests.emulator.clock import SimClock
from tests.emulator.firewall import Firewall, RuleExists
from tests.emulator.world import Settings, World
from tests.support.emulator import INVENTORY_DEV_ID, ORDERS_PROD_ID, PAYMENTS_PG_ID, SEARCH_OS_ID, SESSIONS_REDIS_ID

CLUSTER = "6f1c2b7e-3d4a-4b8e-9c21-0a7d5e9f1b01"


class FrozenClock(SimClock):
    """A simulated clock that moves only when the test advances it."""

    def __init__(self):
        super().__init__(1.0, wall=lambda: 1_800_000_000.0, monotonic=lambda: 0.0)


@pytest.fixture
def clock():
    return FrozenClock()


@pytest.fixture
def wall(clock):
    return Firewall(clock, Settings(firewall_rule_duration=30.0))


def test_a_new_rule_lets_clients_in_only_once_running(wall, clock):
    now = clock.now_ms()
    (rule,) = wall.add(CLUSTER, "203.0.113.0/24", ["POSTGRESQL"], now)
    assert rule.status(now) == "GENESIS" and not wall.allows(CLUSTER, "203.0.113.9", 5432)
    clock.advance(10)
    assert rule.status(clock.now_ms()) == "PROVISIONING" and not wall.allows(CLUSTER, "203.0.113.9", 5432)
    clock.advance(20)
    assert rule.status(clock.now_ms()) == "RUNNING" and wall.allows(CLUSTER, "203.0.113.9", 5432)
    assert not wall.allows(CLUSTER, "203.0.114.9", 5432)  # outside the network
    assert not wall.allows(CLUSTER, "203.0.113.9", 6379)  # a port that type does not open
    assert not wall.allows("00000000-0000-4000-8000-000000000000", "203.0.113.9", 5432)  # another cluster


@pytest.mark.parametrize("rule_type,port", [("CASSANDRA", 9042), ("CASSANDRA_CQL", 9042), ("POSTGRESQL", 5432),
                                            ("OPENSEARCH", 9200), ("REDIS", 6379)])
def test_each_type_opens_its_application_port_only(wall, clock, rule_type, port):
    wall.add(CLUSTER, "127.0.0.2/32", [rule_type], clock.now_ms(), duration_seconds=0)
    assert [p for p in (9042, 5432, 9200, 6379, 22) if wall.allows(CLUSTER, "127.0.0.2", p)] == [port]


def test_addresses_are_matched_by_family_and_unreadable_ones_refused(wall, clock):
    wall.add(CLUSTER, "::1/128", ["REDIS"], clock.now_ms(), duration_seconds=0)
    wall.add(CLUSTER, "127.0.0.0/8", ["CASSANDRA_CQL"], clock.now_ms(), duration_seconds=0)
    assert wall.allows(CLUSTER, "::1", 6379) and not wall.allows(CLUSTER, "127.0.0.1", 6379)
    assert wall.allows(CLUSTER, "::ffff:127.0.0.5", 9042)  # an IPv4 client seen on a dual-stack socket
    assert not wall.allows(CLUSTER, "not-an-address", 9042)
    assert wall.allows(CLUSTER.upper(), "127.9.9.9", 9042)


def test_a_rule_of_that_type_for_that_network_exists_once(wall, clock):
    wall.add(CLUSTER, "10.0.0.0/8", ["CASSANDRA"], clock.now_ms())
    with pytest.raises(RuleExists):
        wall.add(CLUSTER, "10.0.0.0/8", ["CASSANDRA_CQL", "CASSANDRA"], clock.now_ms())
    assert [rule.type for rule in wall.of_cluster(CLUSTER)] == ["CASSANDRA"]  # all or none


def test_removing_a_rule_closes_the_port(wall, clock):
    (rule,) = wall.add(CLUSTER, "127.0.0.1/32", ["REDIS"], clock.now_ms(), duration_seconds=0)
    assert wall.allows(CLUSTER, "127.0.0.1", 6379)
    wall.remove([rule.id])
    assert not wall.allows(CLUSTER, "127.0.0.1", 6379)


def test_the_check_is_safe_from_many_threads(wall, clock):
    problems = []

    def churn(number):
        try:
            for index in range(50):
                (rule,) = wall.add(CLUSTER, "10.%d.%d.0/24" % (number, index), ["REDIS"], clock.now_ms(), 0)
                wall.allows(CLUSTER, "10.%d.%d.1" % (number, index), 6379) or problems.append(rule.network)
                wall.remove([rule.id])
        except Exception as error:  # pragma: no cover - reported below
            problems.append(repr(error))

    threads = [threading.Thread(target=churn, args=(number,)) for number in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert problems == [] and wall.of_cluster(CLUSTER) == []


def test_scenario_clusters_start_open_to_the_loopback_address_and_reset_restores_that(clock):
    world = World(Settings(), clock)
    assert world.firewall.allows(ORDERS_PROD_ID, "127.0.0.1", 9042)
    assert world.firewall.allows(INVENTORY_DEV_ID, "127.0.0.1", 9042)
    assert not world.firewall.allows(ORDERS_PROD_ID, "127.0.0.2", 9042)
    (seeded,) = world.firewall.of_cluster(ORDERS_PROD_ID)
    world.firewall.remove([seeded.id])
    assert not world.firewall.allows(ORDERS_PROD_ID, "127.0.0.1", 9042)
    world.reset()
    assert world.firewall.allows(ORDERS_PROD_ID, "127.0.0.1", 9042)


def test_mixed_scenario_clusters_each_open_their_own_application_port(clock):
    world = World(Settings(scenario="mixed"), clock)
    for cluster_id, port in ((PAYMENTS_PG_ID, 5432), (SEARCH_OS_ID, 9200), (SESSIONS_REDIS_ID, 6379)):
        assert [p for p in (9042, 5432, 9200, 6379) if world.firewall.allows(cluster_id, "127.0.0.1", p)] == [port]
