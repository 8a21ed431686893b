"""A newcomer's walk through the emulator's data plane, one test per application, as docs/emulator.md
("Connecting") tells a person to do it: connect with the application's client (``psql``, ``redis-cli``,
the DataStax Python driver, ``curl``, or ``requests`` sending the docs' curl commands where curl is
missing), write, back up and restore at that backup through the API, see the
restored cluster's firewall refuse the client, admit it by running ``open-firewall.yml`` (the playbook of
the docs, taken from them, with ``restorekit.instaclustr.cluster_firewall_rule``) through
``ansible-playbook``, and read the write back in the restored cluster.

One emulator of the ``mixed`` scenario with ``--data-plane`` serves the module. It needs the engines
(``make engines``) and the client programs; a walk whose client is missing is skipped and says why.
"""

import json
import os
import re
import shlex
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
WRITE_BLOCK = "$ .venv/bin/python -m tests.emulator --port 8099 --scenario mixed --data-plane --db-password 'S3cret-pw'"
READ_BLOCK = '$ psql "host=127.B.X.Y'


def docs_block(first_line):
    """The fenced block of docs/emulator.md whose first line is ``first_line``."""
    for block in re.findall(r"^```[a-z]*\n(.*?)^```", DOCS.read_text(encoding="utf-8"), re.S | re.M):
        if block.splitlines()[0].startswith(first_line):
            return block
    raise AssertionError("docs/emulator.md has no block starting %r" % first_line)


def docs_commands(first_line):
    """The commands of a console block of docs/emulator.md (``$`` lines, continuations joined), split as the shell does."""
    commands, current = [], None
    for line in docs_block(first_line).splitlines():
        if current is not None:
            current += " " + line.strip()
        elif line.startswith("$ "):
            current = line[2:]
        else:
            continue  # what the command prints
        if current.endswith("\\"):
            current = current[:-1]
            continue
        commands.append(shlex.split(current, comments=True))
        current = None
    return commands


def docs_command(first_line, program, port, network, restored_address=None):
    """The docs' ``program`` command on ``port`` of that block, in this emulator's address block ``network``
    (``127.B.0.0/16``; and ``127.B.X.Y``, a restored cluster's node, made ``restored_address``)."""
    block = int(network.split(".")[1])
    for words in docs_commands(first_line):
        if words[0] == program and any(str(port) in word for word in words):
            words = [word.replace("127.B.", "127.%d." % block) for word in words]
            return [word.replace("127.%d.X.Y" % block, restored_address or "") for word in words]
    raise AssertionError("docs/emulator.md shows no %s command on port %d" % (program, port))


@pytest.fixture(scope="module")
def emulator():
    if not (PG_BIN.exists() and shutil.which("redis-server")):
        pytest.skip("the data plane's engines are missing (PostgreSQL 15 and redis-server): run make engines")
    with running_emulator(scenario="mixed", extra_args=EMULATOR_ARGS) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def workdir(emulator, tmp_path_factory):
    """The newcomer's folder: the docs' ``open-firewall.yml`` and the emulator's ``ca.pem``."""
    folder = tmp_path_factory.mktemp("walk")
    (folder / "open-firewall.yml").write_text(docs_block("# open-firewall.yml: "), encoding="utf-8")
    (folder / "ca.pem").write_text(requests.get(emulator.url + "/__emulator__/data-plane/ca.pem", timeout=10).text)
    return folder


def open_firewall(emulator, workdir, application, cluster_id):  # pylint: disable=redefined-outer-name
    """The docs' ``ansible-playbook open-firewall.yml`` command, on this emulator; the module waits until the rule is RUNNING."""
    words = docs_commands("$ IC_API_URL=")[0]
    assignments = dict(word.split("=", 1) for word in words if re.match(r"^[A-Z_]+=", word))
    assert assignments == {"IC_API_URL": "http://127.0.0.1:8099", "IC_USERNAME": emulator.username, "IC_API_KEY": emulator.api_key}
    command = [word for word in words if word.split("=", 1)[0] not in assignments]
    assert command[0] == "ansible-playbook"
    command = [ansible_playbook()] + [word.replace("=postgresql", "=" + application).replace("RESTORED_ID", cluster_id)
                                      for word in command[1:]]
    env = dict(os.environ, IC_API_URL=emulator.url, IC_USERNAME=emulator.username, IC_API_KEY=emulator.api_key,
               ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_INVENTORY_UNPARSED_WARNING="false", ANSIBLE_NOCOLOR="1")
    completed = subprocess.run(command, cwd=str(workdir), env=env, capture_output=True, text=True, timeout=120, check=False)
    assert completed.returncode == 0, completed.stdout[-6000:] + completed.stderr[-3000:]
    assert "changed=1" in completed.stdout
    rules = emulator.admin("GET", "/clusters/%s/firewall-rules" % cluster_id)
    assert [(rule["network"], rule["status"]) for rule in rules] == [("127.0.0.1/32", "RUNNING")]


def first_address(emulator, application, cluster_id):
    return emulator.api("GET", v2_path(application, "cluster", cluster_id)).json()["dataCentres"][0]["nodes"][0]["publicAddress"]


def run(command, workdir):  # pylint: disable=redefined-outer-name
    return subprocess.run(command, cwd=str(workdir), capture_output=True, text=True, timeout=30, check=False)


def closed(output, message):
    """Whether a client says the server closed its connection: ``message``, or a reset when the client had
    sent bytes the front door never read (the docs name both)."""
    return message in output or "Connection reset by peer" in output


def write_command(emulator, program, port, application, source_id):
    """The docs' write command, whose address must be the one the API answers for the source's first node."""
    command = docs_command(WRITE_BLOCK, program, port, emulator.address_block)
    assert any(first_address(emulator, application, source_id) in word for word in command), command
    return command


def read_command(emulator, program, port, application, restored):
    return docs_command(READ_BLOCK, program, port, emulator.address_block, first_address(emulator, application, restored))


def test_postgresql_with_psql(emulator, workdir):  # pylint: disable=redefined-outer-name
    if not shutil.which("psql"):
        pytest.skip("psql is not installed on this machine (Debian: postgresql-client)")
    written = run(write_command(emulator, "psql", 5432, "postgresql", PAYMENTS_PG_ID), workdir)
    assert written.returncode == 0, written.stderr
    restored = restore(emulator, "postgresql", PAYMENTS_PG_ID, back_up(emulator, "postgresql", PAYMENTS_PG_ID))
    refused = run(read_command(emulator, "psql", 5432, "postgresql", restored), workdir)
    assert refused.returncode != 0 and closed(refused.stderr, "server closed the connection unexpectedly"), refused.stderr
    open_firewall(emulator, workdir, "postgresql", restored)
    read = run(read_command(emulator, "psql", 5432, "postgresql", restored), workdir)
    assert (read.returncode, read.stdout) == (0, "hello\n"), read.stderr


def test_redis_with_redis_cli(emulator, workdir):  # pylint: disable=redefined-outer-name
    if not shutil.which("redis-cli"):
        pytest.skip("redis-cli is not installed on this machine (Debian: redis-tools)")
    written = run(write_command(emulator, "redis-cli", 6379, "redis", SESSIONS_REDIS_ID), workdir)
    assert (written.returncode, written.stdout) == (0, "OK\n"), written.stderr
    back_up(emulator, "redis", SESSIONS_REDIS_ID)
    restored = restore(emulator, "redis", SESSIONS_REDIS_ID)
    refused = run(read_command(emulator, "redis-cli", 6379, "redis", restored), workdir)
    assert closed(refused.stdout + refused.stderr, "Server closed the connection"), refused.stdout + refused.stderr
    open_firewall(emulator, workdir, "redis", restored)
    read = run(read_command(emulator, "redis-cli", 6379, "redis", restored), workdir)
    assert (read.returncode, read.stdout) == (0, "hello\n"), read.stderr  # without a terminal, redis-cli prints no quotes


def curl(words, workdir):  # pylint: disable=redefined-outer-name
    """The docs' ``curl`` command, run by curl; on a machine without curl, sent the same way with requests.
    Answers (whether an answer came, its body, what the client said)."""
    if shutil.which("curl"):
        completed = run(words, workdir)
        assert completed.returncode in (0, 52, 56), completed.stderr  # 52 / 56: closed before any byte, or reset
        return completed.returncode == 0, completed.stdout, completed.stderr
    options, url = {"-X": "GET", "-H": None, "-d": None, "-u": None}, None
    words = iter(words[1:])
    for word in words:
        if word in options:
            options[word] = next(words)
        elif not word.startswith("-"):
            url = word
    headers = dict([options["-H"].split(": ", 1)]) if options["-H"] else {}
    try:
        answer = requests.request(options["-X"], url, auth=tuple(options["-u"].split(":", 1)), data=options["-d"],
                                  headers=headers, timeout=10)
    except requests.ConnectionError as error:
        return False, "", "Empty reply from server (requests: %s)" % error
    return True, answer.text, ""


def test_opensearch_with_curl(emulator, workdir):  # pylint: disable=redefined-outer-name
    answered, body, said = curl(write_command(emulator, "curl", 9200, "opensearch", SEARCH_OS_ID), workdir)
    assert answered and json.loads(body)["result"] == "created", body + said
    restored = restore(emulator, "opensearch", SEARCH_OS_ID, back_up(emulator, "opensearch", SEARCH_OS_ID))
    answered, body, said = curl(read_command(emulator, "curl", 9200, "opensearch", restored), workdir)
    assert not answered and closed(said, "Empty reply from server"), said
    open_firewall(emulator, workdir, "opensearch", restored)
    answered, body, said = curl(read_command(emulator, "curl", 9200, "opensearch", restored), workdir)
    assert answered and json.loads(body)["_source"] == {"word": "hello"}, body + said


def test_cassandra_with_the_datastax_driver(emulator, workdir):  # pylint: disable=redefined-outer-name
    from cassandra.cluster import NoHostAvailable  # pylint: disable=import-outside-toplevel

    def session_on(cluster_id, connect_timeout=5):
        """The docs' driver code, run as it is written there with the cluster's addresses and password (and a
        shorter ``connect_timeout`` where the doors are closed: the driver waits it out on each)."""
        body = emulator.api("GET", v2_path("cassandra", "cluster", cluster_id)).json()
        nodes = [node["publicAddress"] for dc in body["dataCentres"] for node in dc["nodes"]]
        code = docs_block("from cassandra.auth import PlainTextAuthProvider")
        assert '["NODE"]' in code and '"PASSWORD"' in code and "connect_timeout=5," in code
        code = code.replace('["NODE"]', repr(nodes)).replace('"PASSWORD"', repr(body["defaultUserPassword"]))
        code = code.replace("connect_timeout=5,", "connect_timeout=%s," % connect_timeout)
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
        session_on(restored, connect_timeout=0.5)
    open_firewall(emulator, workdir, "cassandra", restored)
    cluster, session = session_on(restored)
    try:
        assert [row.word for row in session.execute("SELECT word FROM shop.greetings")] == ["hello"]
    finally:
        cluster.shutdown()
