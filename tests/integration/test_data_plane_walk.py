"""A newcomer's walk through the emulator's data plane, one test per application, as docs/emulator.md
("Connecting") tells a person to do it: connect with the application's client (``psql``, ``redis-cli``,
the DataStax Python driver, ``curl``), write, back up and restore at that backup through the API, see the
restored cluster's firewall refuse the client, admit it by running ``open-firewall.yml`` (the playbook of
the docs, taken from them, with ``restorekit.instaclustr.cluster_firewall_rule``) through
``ansible-playbook``, and read the write back in the restored cluster.

One emulator of the ``mixed`` scenario with ``--data-plane`` serves the module. It needs the engines
(``make engines``) and the client programs; a walk whose client is missing is skipped and says why.
"""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import requests

from tests.emulator_tests.data_plane_support import back_up, restore
from tests.integration.test_modules_playbooks import ansible_playbook
from tests.support.emulator import ORDERS_PROD_ID, PAYMENTS_PG_ID, SEARCH_OS_ID, SESSIONS_REDIS_ID, running_emulator, v2_path

pytestmark = pytest.mark.v2  # the v2 API throughout: make integration runs it, make integration-2.16 leaves it out

DOCS = Path(__file__).resolve().parents[2] / "docs" / "emulator.md"
DB_PASSWORD = "S3cret-pw"
# A rule is RUNNING 2 simulated seconds after it is asked for (the docs' emulator: 30): the playbook's wait stays short.
EMULATOR_ARGS = ("--data-plane", "--db-password", DB_PASSWORD, "--backup-duration", "60", "--restore-duration", "60",
                 "--firewall-rule-duration", "2")
PG_BIN = Path("/usr/lib/postgresql/15/bin/postgres")


def docs_block(first_line):
    """The fenced block of docs/emulator.md whose first line is ``first_line``."""
    for block in re.findall(r"^```[a-z]*\n(.*?)^```", DOCS.read_text(encoding="utf-8"), re.S | re.M):
        if block.splitlines()[0] == first_line:
            return block
    raise AssertionError("docs/emulator.md has no block starting %r" % first_line)


@pytest.fixture(scope="module")
def emulator():
    if not (PG_BIN.exists() and shutil.which("redis-server")):
        pytest.skip("the data plane's engines are missing (PostgreSQL 15 and redis-server): run make engines")
    with running_emulator(scenario="mixed", extra_args=EMULATOR_ARGS) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def open_firewall_playbook(tmp_path_factory):
    path = tmp_path_factory.mktemp("walk") / "open-firewall.yml"
    path.write_text(docs_block("# open-firewall.yml: let this machine (127.0.0.1) reach a cluster's data port"))
    return path


def open_firewall(emulator, playbook, application, cluster_id):
    """``ansible-playbook open-firewall.yml`` as the docs run it; the module waits until the rule is RUNNING."""
    env = dict(os.environ, IC_API_URL=emulator.url, IC_USERNAME=emulator.username, IC_API_KEY=emulator.api_key,
               ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_INVENTORY_UNPARSED_WARNING="false", ANSIBLE_NOCOLOR="1")
    completed = subprocess.run([ansible_playbook(), str(playbook), "-e", "application=" + application, "-e",
                                "cluster_id=" + cluster_id], env=env, capture_output=True, text=True, timeout=120, check=False)
    assert completed.returncode == 0, completed.stdout[-6000:] + completed.stderr[-3000:]
    assert "changed=1" in completed.stdout
    rules = emulator.admin("GET", "/clusters/%s/firewall-rules" % cluster_id)
    assert [(rule["network"], rule["status"]) for rule in rules] == [("127.0.0.1/32", "RUNNING")]


def first_address(emulator, application, cluster_id):
    return emulator.api("GET", v2_path(application, "cluster", cluster_id)).json()["dataCentres"][0]["nodes"][0]["publicAddress"]


def run(command, **kwargs):
    return subprocess.run(command, capture_output=True, text=True, timeout=30, check=False, **kwargs)


def test_postgresql_with_psql(emulator, open_firewall_playbook, tmp_path):
    if not shutil.which("psql"):
        pytest.skip("psql is not installed on this machine (Debian: postgresql-client)")
    (tmp_path / "ca.pem").write_text(requests.get(emulator.url + "/__emulator__/data-plane/ca.pem", timeout=10).text)

    def psql(cluster_id, sql):
        conninfo = ("host=%s port=5432 dbname=postgres user=icpostgresql password=%s sslmode=verify-full sslrootcert=ca.pem"
                    % (first_address(emulator, "postgresql", cluster_id), DB_PASSWORD))
        return run(["psql", conninfo, "-Atc", sql], cwd=str(tmp_path))

    written = psql(PAYMENTS_PG_ID, "CREATE TABLE greetings (word text); INSERT INTO greetings VALUES ('hello')")
    assert written.returncode == 0, written.stderr
    restored = restore(emulator, "postgresql", PAYMENTS_PG_ID, back_up(emulator, "postgresql", PAYMENTS_PG_ID))
    refused = psql(restored, "SELECT word FROM greetings")
    assert refused.returncode != 0 and "closed the connection" in refused.stderr, refused.stderr
    open_firewall(emulator, open_firewall_playbook, "postgresql", restored)
    read = psql(restored, "SELECT word FROM greetings")
    assert (read.returncode, read.stdout) == (0, "hello\n"), read.stderr


def test_redis_with_redis_cli(emulator, open_firewall_playbook):
    if not shutil.which("redis-cli"):
        pytest.skip("redis-cli is not installed on this machine (Debian: redis-tools)")

    def redis_cli(cluster_id, *words):
        address = first_address(emulator, "redis", cluster_id)
        return run(["redis-cli", "-c", "-h", address, "-p", "6379", "--user", "icredis", "--pass", DB_PASSWORD, *words])

    written = redis_cli(SESSIONS_REDIS_ID, "SET", "greeting", "hello")
    assert (written.returncode, written.stdout) == (0, "OK\n"), written.stderr
    back_up(emulator, "redis", SESSIONS_REDIS_ID)
    restored = restore(emulator, "redis", SESSIONS_REDIS_ID)
    refused = redis_cli(restored, "GET", "greeting")
    assert "hello" not in refused.stdout and ("closed" in refused.stdout + refused.stderr
                                               or "reset" in refused.stdout + refused.stderr), refused.stdout + refused.stderr
    open_firewall(emulator, open_firewall_playbook, "redis", restored)
    read = redis_cli(restored, "GET", "greeting")
    assert (read.returncode, read.stdout) == (0, "hello\n"), read.stderr


def test_opensearch_with_curl(emulator, open_firewall_playbook):
    def http(cluster_id, method, path, body=None):
        url = "http://%s:9200%s" % (first_address(emulator, "opensearch", cluster_id), path)
        if not shutil.which("curl"):  # requests, as the docs say when curl is missing
            answer = requests.request(method, url, auth=("icopensearch", DB_PASSWORD), json=body, timeout=10)
            return 0, answer.text
        command = ["curl", "-sS", "-u", "icopensearch:" + DB_PASSWORD, "-X", method, url]
        if body is not None:
            command += ["-H", "Content-Type: application/json", "-d", json.dumps(body)]
        completed = run(command)
        return completed.returncode, completed.stdout + completed.stderr

    status, text = http(SEARCH_OS_ID, "PUT", "/greetings/_doc/1?refresh=true", {"word": "hello"})
    assert status == 0 and json.loads(text)["result"] == "created", text
    restored = restore(emulator, "opensearch", SEARCH_OS_ID, back_up(emulator, "opensearch", SEARCH_OS_ID))
    if shutil.which("curl"):
        status, text = http(restored, "GET", "/greetings/_doc/1")
        assert status in (52, 56), text  # curl: empty reply from server / connection reset
    open_firewall(emulator, open_firewall_playbook, "opensearch", restored)
    status, text = http(restored, "GET", "/greetings/_doc/1")
    assert status == 0 and json.loads(text)["_source"] == {"word": "hello"}, text


def test_cassandra_with_the_datastax_driver(emulator, open_firewall_playbook):
    from cassandra.cluster import NoHostAvailable  # pylint: disable=import-outside-toplevel

    def session_on(cluster_id):
        """The docs' driver snippet, run as it is written there with the cluster's addresses and password."""
        body = emulator.api("GET", v2_path("cassandra", "cluster", cluster_id)).json()
        nodes = [node["publicAddress"] for dc in body["dataCentres"] for node in dc["nodes"]]
        code = docs_block("from cassandra.auth import PlainTextAuthProvider").replace(
            '["NODE"]', repr(nodes)).replace('"PASSWORD"', repr(body["defaultUserPassword"]))
        scope = {}
        exec(compile(code, "docs/emulator.md", "exec"), scope)  # pylint: disable=exec-used
        return scope["cluster"], scope["session"]

    cluster, session = session_on(ORDERS_PROD_ID)
    session.execute("CREATE KEYSPACE shop WITH replication = {'class': 'NetworkTopologyStrategy', 'AWS_VPC_US_EAST_1': 3}")
    session.execute("CREATE TABLE shop.greetings (id int PRIMARY KEY, word text)")
    session.execute("INSERT INTO shop.greetings (id, word) VALUES (1, 'hello')")
    cluster.shutdown()
    restored = restore(emulator, "cassandra", ORDERS_PROD_ID, back_up(emulator, "cassandra", ORDERS_PROD_ID))
    with pytest.raises(NoHostAvailable):
        session_on(restored)
    open_firewall(emulator, open_firewall_playbook, "cassandra", restored)
    cluster, session = session_on(restored)
    try:
        assert [row.word for row in session.execute("SELECT word FROM shop.greetings")] == ["hello"]
    finally:
        cluster.shutdown()
