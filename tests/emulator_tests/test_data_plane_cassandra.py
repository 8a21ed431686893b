"""The data plane's Cassandra through the whole emulator: the CQL double behind the front doors and the
firewall, continuous backup's write log, restores through v2 and v1 at a backup's completion and at a
point in time between two writes, and the next_restore_data outcomes.
Read and written with the DataStax Python driver, as a user would: a whitelist of the cluster's node
addresses, the default user and the password the v2 GET answers."""

import pytest
from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile
from cassandra.policies import WhiteListRoundRobinPolicy

from tests.emulator_tests.data_plane_support import (DURATIONS, back_up, closed_before_any_byte, open_firewall,
                                                     public_addresses, restore, restore_v1)
from tests.support.emulator import ORDERS_PROD_ID, running_emulator, v2_path

PORT = 9042
DB_PASSWORD = "s3cret-Cql"
EAST = "AWS_VPC_US_EAST_1"


@pytest.fixture(scope="module")
def emulator():
    with running_emulator(scenario="default", extra_args=("--data-plane", "--db-password", DB_PASSWORD) + DURATIONS) as emulator:
        yield emulator


class Session:
    """A driver session kept on the cluster's node addresses (the whitelist a user gives the driver)."""

    def __init__(self, emulator, cluster_id):
        body = emulator.api("GET", v2_path("cassandra", "cluster", cluster_id)).json()
        nodes = [node["publicAddress"] for dc in body["dataCentres"] for node in dc["nodes"]]
        profile = ExecutionProfile(load_balancing_policy=WhiteListRoundRobinPolicy(nodes))
        self.cluster = Cluster(nodes, port=PORT, auth_provider=PlainTextAuthProvider("iccassandra", body["defaultUserPassword"]),
                               execution_profiles={EXEC_PROFILE_DEFAULT: profile}, connect_timeout=5,
                               control_connection_timeout=5, protocol_version=4)
        self.session = self.cluster.connect()

    def __enter__(self):
        return self.session

    def __exit__(self, *exc):
        self.cluster.shutdown()


def items(emulator, cluster_id):
    """The rows of shop.orders in ``cluster_id``, or None when the keyspace is not there."""
    with Session(emulator, cluster_id) as session:
        if "shop" not in session.cluster.metadata.keyspaces:
            return None
        return sorted(row.item for row in session.execute("SELECT item FROM shop.orders"))


def insert(emulator, number, item):
    with Session(emulator, ORDERS_PROD_ID) as session:
        session.execute("INSERT INTO shop.orders (id, item) VALUES (%s, %s)", (number, item))
    return emulator.now_ms()


@pytest.fixture(scope="module")
def written(emulator):
    """A row, a backup, a second row, then a third: what the restores below must tell apart."""
    with Session(emulator, ORDERS_PROD_ID) as session:
        session.execute("CREATE KEYSPACE shop WITH replication = {'class': 'NetworkTopologyStrategy', '%s': 3}" % EAST)
        session.execute("CREATE TABLE shop.orders (id int PRIMARY KEY, item text)")
    insert(emulator, 1, "before the backup")
    completed = back_up(emulator, "cassandra", ORDERS_PROD_ID)
    emulator.advance(5)
    second = insert(emulator, 2, "after the backup")
    emulator.advance(60)
    insert(emulator, 3, "a minute later")
    return {"backup": completed, "between": second + 30 * 1000}


def test_the_driver_sees_both_data_centres_and_the_password_of_the_v2_get(emulator):
    with Session(emulator, ORDERS_PROD_ID) as session:
        local = session.execute("SELECT data_center FROM system.local").one().data_center
        peers = {row.data_center for row in session.execute("SELECT data_center FROM system.peers")}
    assert {local} | peers == {EAST, "AWS_VPC_US_WEST_2"}
    assert emulator.cluster_state(ORDERS_PROD_ID)["default_password"] == DB_PASSWORD


def test_a_v2_restore_at_the_backup_brings_the_first_write_behind_a_closed_firewall(emulator, written):
    restored = restore(emulator, "cassandra", ORDERS_PROD_ID, written["backup"])
    addresses = public_addresses(emulator, "cassandra", restored)
    assert closed_before_any_byte(addresses[0], PORT)  # a restored cluster has no firewall rule
    open_firewall(emulator, restored, "CASSANDRA_CQL")
    assert items(emulator, restored) == ["before the backup"]


def test_a_v1_restore_at_a_point_in_time_between_two_writes_replays_the_write_log(emulator, written):
    restored = restore_v1(emulator, ORDERS_PROD_ID, written["between"])
    address = public_addresses(emulator, "cassandra", restored)[-1]
    assert closed_before_any_byte(address, PORT)
    response = emulator.api("POST", "/provisioning/v1/%s/firewallRules/" % restored,
                            json={"network": "127.0.0.1/32", "rules": [{"type": "CASSANDRA"}]})
    assert response.status_code == 202, response.text
    emulator.advance(emulator.settings()["firewall_rule_duration"] + 1)
    assert items(emulator, restored) == ["after the backup", "before the backup"]


def test_next_restore_data_empty_brings_no_keyspace(emulator, written):
    emulator.set_outcomes(next_restore_data="empty")
    restored = restore(emulator, "cassandra", ORDERS_PROD_ID, written["backup"])
    open_firewall(emulator, restored, "CASSANDRA_CQL")
    assert items(emulator, restored) is None


def test_next_restore_data_latest_brings_every_write_whatever_the_point_in_time(emulator, written):
    emulator.set_outcomes(next_restore_data="latest")
    restored = restore(emulator, "cassandra", ORDERS_PROD_ID, written["backup"])
    open_firewall(emulator, restored, "CASSANDRA_CQL")
    assert items(emulator, restored) == ["a minute later", "after the backup", "before the backup"]
    assert emulator.admin("GET", "/outcomes")["next_restore_data"] == "complete"
