"""The data-plane modules (cluster_canary, cluster_canary_info, cluster_data_info) run by ansible-playbook against one
emulator with its data plane (``--data-plane``, scenario ``mixed``) for this whole file.

Per application, ``playbooks/data_plane.yml``: check mode writes nothing, canaries are written and read back with their
brackets, the catalogue lists the canary home and an object the test put there with the application's own client,
pruning with ``older_than`` removes only old canaries; the data password never appears in any output (PostgreSQL at
``-vvvv``). Their failures (a closed firewall, a refused login, Redis without a password) are checked, with every byte
of the run searched for secrets, by tests/reliability/test_secrets_data_plane.py. Tests connect to loopback addresses
only: ``data_address: private`` is unit-tested.

Cassandra runs on v1, so that ``make integration-2.16`` and ``make integration-newest`` run the three data-plane modules
too (their environments have the clients: tests/requirements-2.16.txt and -newest.txt include requirements-data-plane.txt);
the others on v2 (marked ``v2``), to keep those layers' time.
"""

import contextlib
import json
import os
import subprocess

import pytest

from tests.integration.test_modules_playbooks import PLAYBOOKS, ansible_playbook
from tests.support import deprecations
from tests.support.emulator import (
    INVENTORY_DEV_ID,
    PAYMENTS_PG_ID,
    SEARCH_OS_ID,
    SESSIONS_REDIS_ID,
    running_emulator,
)

DB_PASSWORD = "it-data-pw-5e4d3c"
API_KEY = "it-api-key-9a8b7c"
EMULATOR_ARGS = ("--data-plane", "--db-password", DB_PASSWORD)


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    with running_emulator(scenario="mixed", time_scale=1, api_key=API_KEY, extra_args=EMULATOR_ARGS) as running:
        ca_file = tmp_path_factory.mktemp("data-plane") / "ca.pem"
        ca_file.write_text(running.data_plane()["ca_pem"])
        running.ca_file = str(ca_file)
        yield running


def run_playbook(emulator, name, variables, verbose=False, expect_rc=0, env_extra=None):
    """Run a playbook; the data password reaches it through the environment only, and must not be in its output."""
    extra_vars = dict(variables, emulator_url=emulator.url, emulator_username=emulator.username, emulator_api_key=emulator.api_key)
    env = deprecations.ansible_env(dict(os.environ, ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
                                        ANSIBLE_NOCOLOR="1", ANSIBLE_RETRY_FILES_ENABLED="false", RESTOREKIT_IT_DB_PASSWORD=DB_PASSWORD,
                                        **(env_extra or {})))
    command = [ansible_playbook(), str(PLAYBOOKS / name), "-e", json.dumps(extra_vars)] + (["-vvvv"] if verbose else [])
    completed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)
    output = completed.stdout + completed.stderr
    assert completed.returncode == expect_rc, "%s failed (rc %d):\n%s" % (name, completed.returncode, output[-12000:])
    deprecations.check(output, name)
    assert DB_PASSWORD not in output
    return output


def node_addresses(emulator, cluster_id):
    return emulator.data_plane()["clusters"][cluster_id]["addresses"]


def put_postgresql_table(emulator, cluster_id):
    import psycopg  # pylint: disable=import-outside-toplevel
    with psycopg.connect(host=node_addresses(emulator, cluster_id)[0], port=5432, dbname="postgres", user="icpostgresql",
                         password=DB_PASSWORD, sslmode="verify-full", sslrootcert=emulator.ca_file, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS public.orders (id int PRIMARY KEY)")
        conn.execute("INSERT INTO public.orders VALUES (1), (2) ON CONFLICT DO NOTHING")


@pytest.mark.v2
def test_postgresql(emulator):
    put_postgresql_table(emulator, PAYMENTS_PG_ID)
    run_playbook(emulator, "data_plane.yml", {
        "api_version": "v2", "application": "postgresql", "cluster_id": PAYMENTS_PG_ID,
        "data_options": {"data_ca_path": emulator.ca_file},
        "canary_home": "schema postgres.restorekit_canary", "user_object": {"kind": "table", "name": "postgres.public.orders"},
    }, verbose=True)


@pytest.mark.v2
def test_redis(emulator):
    """The API answers no Redis password: the user gives it (here through IC_DATA_PASSWORD)."""
    run_playbook(emulator, "data_plane.yml", {
        "api_version": "v2", "application": "redis", "cluster_id": SESSIONS_REDIS_ID, "data_options": {"data_username": "icredis"},
        "canary_home": "database db0", "user_object": {"kind": "database", "name": "db0"},
    }, env_extra={"IC_DATA_PASSWORD": DB_PASSWORD})


def put_opensearch_index(emulator, cluster_id):
    import requests  # pylint: disable=import-outside-toplevel
    response = requests.put("http://%s:9200/orders/_doc/1?refresh=true" % node_addresses(emulator, cluster_id)[0],
                            json={"sku": "red"}, auth=("icopensearch", DB_PASSWORD), timeout=10)
    response.raise_for_status()


@pytest.mark.v2
def test_opensearch(emulator):
    """The API says nothing about OpenSearch's client TLS: plaintext to the emulator's loopback nodes."""
    put_opensearch_index(emulator, SEARCH_OS_ID)
    run_playbook(emulator, "data_plane.yml", {
        "api_version": "v2", "application": "opensearch", "cluster_id": SEARCH_OS_ID, "data_options": {},
        "canary_home": "index restorekit-canary", "user_object": {"kind": "index", "name": "orders"},
    })


@contextlib.contextmanager
def cassandra_session(emulator, cluster_id):
    from cassandra.auth import PlainTextAuthProvider  # pylint: disable=import-outside-toplevel
    from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile  # pylint: disable=import-outside-toplevel
    from cassandra.policies import WhiteListRoundRobinPolicy  # pylint: disable=import-outside-toplevel
    nodes = node_addresses(emulator, cluster_id)
    cluster = Cluster(nodes, port=9042, protocol_version=4, auth_provider=PlainTextAuthProvider("iccassandra", DB_PASSWORD),
                      execution_profiles={EXEC_PROFILE_DEFAULT: ExecutionProfile(load_balancing_policy=WhiteListRoundRobinPolicy(nodes))})
    try:
        yield cluster.connect()
    finally:
        cluster.shutdown()


def test_cassandra_v1(emulator):
    """On v1 (so that the ansible-core 2.16 and newest layers run a data-plane module): the password is v1's
    ``instaclustrUserPassword``."""
    with cassandra_session(emulator, INVENTORY_DEV_ID) as session:
        session.execute("CREATE KEYSPACE IF NOT EXISTS shop WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
        session.execute("CREATE TABLE IF NOT EXISTS shop.orders (id int PRIMARY KEY, sku text)")
        session.execute("INSERT INTO shop.orders (id, sku) VALUES (1, 'red')")
    run_playbook(emulator, "data_plane.yml", {
        "api_version": "v1", "application": "cassandra", "cluster_id": INVENTORY_DEV_ID, "data_options": {},
        "canary_home": "table restorekit_canary.canary", "user_object": {"kind": "table", "name": "shop.orders"},
    })
    with cassandra_session(emulator, INVENTORY_DEV_ID) as session:
        reported = {row.data_center for row in session.execute("SELECT data_center FROM system.local")}
        reported |= {row.data_center for row in session.execute("SELECT data_center FROM system.peers")}
        keyspace = session.execute("SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = 'restorekit_canary'").one()
    replication = dict(keyspace.replication)
    assert replication.pop("class").endswith("NetworkTopologyStrategy")
    assert set(replication) == reported and all(int(value) == 3 for value in replication.values())
