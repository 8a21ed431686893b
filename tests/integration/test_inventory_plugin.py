"""The inventory plugin ``restorekit.instaclustr.clusters`` run by ``ansible-inventory --list`` against the emulator.

v2 on the ``mixed`` scenario (four applications, two accounts, drill leftovers), v1 on ``default``, the cache
across two processes, and the failures a user meets first (wrong key, missing key, unknown value, API down).
``ansible-inventory`` is the one beside this interpreter, or the one in ``RESTOREKIT_ANSIBLE_BIN_DIR`` (so
``make integration-2.16`` runs these on ansible-core 2.16 too).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.emulator import (
    DRILL_LEFTOVER_ID,
    DRILL_LEFTOVER_PG_ID,
    INVENTORY_DEV_ID,
    LEGACY_NOBACKUP_ID,
    ORDERS_PROD_ID,
    PAYMENTS_PG_ID,
    SEARCH_OS_ID,
    SESSIONS_REDIS_ID,
    running_emulator,
)

API_KEY = "it-inventory-key-5e4d3c"
GROUPS = ("instaclustr_cassandra", "instaclustr_postgresql", "instaclustr_opensearch", "instaclustr_redis")


def ansible_inventory():
    bin_dir = os.environ.get("RESTOREKIT_ANSIBLE_BIN_DIR")
    return str(Path(bin_dir) / "ansible-inventory") if bin_dir else str(Path(sys.executable).parent / "ansible-inventory")


def plain(value):
    """ansible-core 2.19 marks inventory strings ``{"__ansible_unsafe": ...}`` in --list output; 2.16 does not."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def unwrapped(text):
    """ansible-core 2.16 wraps warnings at 80 columns; 2.19 prints the message on one line."""
    return " ".join(text.split())


class Listing:
    def __init__(self, completed):
        self.rc = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr
        self.output = completed.stdout + completed.stderr
        self.data = None
        if completed.returncode == 0:
            text = completed.stdout
            self.data = plain(json.loads(text[text.index("{"):]))

    @property
    def hostvars(self):
        return self.data["_meta"]["hostvars"]

    def group(self, name):
        return sorted(self.data.get(name, {}).get("hosts", []))


def list_inventory(tmp_path, emulator, config, api_key=None, extra_env=None, verbose=False, name="test.instaclustr.yml"):
    """``ansible-inventory -i <name> --list`` with the credentials in the environment, as AWX passes them."""
    source = tmp_path / name
    source.write_text(config)
    env = dict(os.environ, IC_USERNAME=emulator.username, IC_API_KEY=api_key if api_key is not None else emulator.api_key,
               IC_API_URL=emulator.url, ANSIBLE_NOCOLOR="1", ANSIBLE_INVENTORY_UNPARSED_WARNING="false")
    env.pop("IC_API_VERSION", None)
    env.update(extra_env or {})
    command = [ansible_inventory(), "-i", str(source), "--list"] + (["-v"] if verbose else [])
    completed = subprocess.run(command, env=env, cwd=str(tmp_path), capture_output=True, text=True, timeout=120, check=False)
    return Listing(completed)


@pytest.fixture(scope="module")
def mixed():
    with running_emulator(scenario="mixed", api_key=API_KEY) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def default():
    with running_emulator(scenario="default", api_key=API_KEY) as emulator:
        yield emulator


def test_v2_mixed_every_application_grouped_leftovers_excluded(mixed, tmp_path):
    mixed.reset()
    # The leftovers are a drill's restored clusters, as their intent records in the state folder (this test's
    # own, RESTOREKIT_STATE_DIR) prove: that, not their drill-... names, leaves them out.
    from ansible_collections.restorekit.instaclustr.plugins.module_utils._state import StateFolder

    state = StateFolder(None, mixed.url, mixed.username)
    for cluster in mixed.clusters():
        if cluster["id"] in (DRILL_LEFTOVER_ID, DRILL_LEFTOVER_PG_ID):
            state.record_intent(operation="restore", restored_cluster_id=cluster["id"], restored_name=cluster["name"],
                                run_id="leftover")
    listing = list_inventory(tmp_path, mixed, "plugin: restorekit.instaclustr.clusters\napi_version: v2\n", verbose=True)
    assert listing.rc == 0, listing.output[-4000:]
    assert sorted(listing.hostvars) == ["inventory-dev", "orders-prod", "payments-pg", "search-os", "sessions-redis"]
    assert listing.group("instaclustr_cassandra") == ["inventory-dev", "orders-prod"]
    assert listing.group("instaclustr_postgresql") == ["payments-pg"]
    assert listing.group("instaclustr_opensearch") == ["search-os"]
    assert listing.group("instaclustr_redis") == ["sessions-redis"]  # from the second account
    ids = {host: variables["instaclustr_cluster_id"] for host, variables in listing.hostvars.items()}
    assert ids == {"orders-prod": ORDERS_PROD_ID, "inventory-dev": INVENTORY_DEV_ID, "payments-pg": PAYMENTS_PG_ID,
                   "search-os": SEARCH_OS_ID, "sessions-redis": SESSIONS_REDIS_ID}
    assert DRILL_LEFTOVER_ID not in json.dumps(listing.data) and DRILL_LEFTOVER_PG_ID not in json.dumps(listing.data)
    orders = listing.hostvars["orders-prod"]
    assert {key: orders[key] for key in orders if key != "instaclustr_data_centres"} == {
        "instaclustr_cluster_id": ORDERS_PROD_ID, "instaclustr_cluster_name": "orders-prod",
        "instaclustr_application": "cassandra", "instaclustr_status": "RUNNING", "instaclustr_api_version": "v2",
        "instaclustr_api_url": mixed.url, "backup_restore_drill_cluster_id": ORDERS_PROD_ID,
        "backup_restore_drill_application": "cassandra", "instaclustr_sla_tier": "PRODUCTION",
        "instaclustr_node_count": 6,
    }
    assert [(dc["name"], dc["region"]) for dc in orders["instaclustr_data_centres"]] == [
        ("AWS_VPC_US_EAST_1", "US_EAST_1"), ("AWS_VPC_US_WEST_2", "US_WEST_2")]
    # One account list and one GET per cluster of the four applications (the two leftovers included).
    log = [entry for entry in mixed.requests_log() if entry["path"].startswith("/cluster-management/")]
    assert len(log) == 1 + 7 and all(entry["method"] == "GET" for entry in log)
    assert "7 clusters read" in listing.stdout and "5 hosts" in listing.stdout
    assert API_KEY not in listing.output and mixed.username not in json.dumps(listing.data)


def test_v2_options_filter_and_construct(mixed, tmp_path):
    config = """
plugin: restorekit.instaclustr.clusters
api_version: v2
applications: [cassandra, postgresql]
statuses: [running]
exclude_name_prefixes: []
compose:
  drill_wait: 5 if instaclustr_sla_tier == 'PRODUCTION' else 1
groups:
  production: instaclustr_sla_tier == 'PRODUCTION'
keyed_groups:
  - key: instaclustr_data_centres | map(attribute='region') | list
    prefix: region
"""
    listing = list_inventory(tmp_path, mixed, config)
    assert listing.rc == 0, listing.output[-4000:]
    hosts = sorted(listing.hostvars)
    assert len(hosts) == 5 and {"inventory-dev", "orders-prod", "payments-pg"} <= set(hosts)
    assert sum(host.startswith("drill-") for host in hosts) == 2  # leftovers kept: no prefix excluded
    assert listing.group("instaclustr_redis") == [] and listing.group("instaclustr_opensearch") == []
    leftover_pg = [host for host in hosts if host.startswith("drill-payments-pg-")]
    assert listing.group("production") == sorted(["orders-prod", "payments-pg"] + leftover_pg)
    # int(): ansible-core 2.16 templates without native types, so a composed number is a string there
    assert int(listing.hostvars["orders-prod"]["drill_wait"]) == 5 and int(listing.hostvars["inventory-dev"]["drill_wait"]) == 1
    assert "orders-prod" in listing.group("region_US_WEST_2") and "inventory-dev" in listing.group("region_EU_WEST_1")


def test_v1_default_cassandra_clusters(default, tmp_path):
    default.reset()
    listing = list_inventory(tmp_path, default, "plugin: restorekit.instaclustr.clusters\n", name="legacy.instaclustr.yaml")
    assert listing.rc == 0, listing.output[-4000:]
    assert sorted(listing.hostvars) == ["inventory-dev", "legacy-nobackup", "orders-prod"]
    assert listing.group("instaclustr_cassandra") == ["inventory-dev", "legacy-nobackup", "orders-prod"]
    for group in GROUPS[1:]:
        assert listing.group(group) == []
    legacy = listing.hostvars["legacy-nobackup"]
    assert legacy["backup_restore_drill_cluster_id"] == LEGACY_NOBACKUP_ID
    assert legacy["instaclustr_api_version"] == "v1" and legacy["instaclustr_application"] == "cassandra"
    assert legacy["instaclustr_node_count"] == 2 and "instaclustr_data_centres" not in legacy
    log = default.requests_log()
    assert [(entry["method"], entry["path"]) for entry in log] == [("GET", "/provisioning/v1")]


def test_v2_cache_second_run_sends_no_request_and_holds_no_credential(mixed, tmp_path):
    cache_dir = tmp_path / "cache"
    config = ("plugin: restorekit.instaclustr.clusters\napi_version: v2\ncache: true\n"
              "cache_plugin: ansible.builtin.jsonfile\ncache_connection: %s\n" % cache_dir)
    mixed.reset()
    first = list_inventory(tmp_path, mixed, config)
    assert first.rc == 0, first.output[-4000:]
    assert len(mixed.requests_log()) == 8
    mixed.reset()  # empties the request log
    second = list_inventory(tmp_path, mixed, config, verbose=True)
    assert second.rc == 0, second.output[-4000:]
    assert mixed.requests_log() == []
    assert second.hostvars == first.hostvars and "from the inventory cache, no request sent" in second.stdout
    cached = "".join(path.read_text() for path in cache_dir.iterdir())
    assert "orders-prod" in cached and API_KEY not in cached and mixed.username not in cached
    # --flush-cache reads the API again (ansible-inventory has the option from ansible-core 2.17 on)
    help_text = subprocess.run([ansible_inventory(), "--help"], capture_output=True, text=True, check=False).stdout
    if "--flush-cache" not in help_text:
        return
    source = tmp_path / "test.instaclustr.yml"
    env = dict(os.environ, IC_USERNAME=mixed.username, IC_API_KEY=API_KEY, IC_API_URL=mixed.url)
    completed = subprocess.run([ansible_inventory(), "-i", str(source), "--list", "--flush-cache"], env=env,
                               capture_output=True, text=True, timeout=120, check=False)
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert len(mixed.requests_log()) == 8


def test_cache_never_answers_another_user(mixed, tmp_path):
    cache_dir = tmp_path / "cache"
    config = ("plugin: restorekit.instaclustr.clusters\napi_version: v2\ncache: true\n"
              "cache_plugin: ansible.builtin.jsonfile\ncache_connection: %s\n" % cache_dir)
    mixed.reset()
    first = list_inventory(tmp_path, mixed, config)
    assert first.rc == 0, first.output[-4000:]
    mixed.reset()
    other = list_inventory(tmp_path, mixed, config, extra_env={"IC_USERNAME": "someone-else"})
    assert other.rc == 0 and other.data["_meta"]["hostvars"] == {}  # the source failed (HTTP 401): a warning, no host
    assert "401" in unwrapped(other.output) and [entry["user"] for entry in mixed.requests_log()] == ["someone-else"]


@pytest.mark.parametrize("case", ["wrong key", "missing key", "unknown application", "unknown status", "api down"])
def test_bad_input_fails_with_one_clear_line(mixed, tmp_path, case):
    config = "plugin: restorekit.instaclustr.clusters\napi_version: v2\napi_retries: 0\n"
    api_key, extra_env = None, {}
    expected = {
        "wrong key": "list clusters failed: HTTP 401",
        "missing key": "api_key is not set: set it in the inventory file or in the IC_API_KEY environment variable",
        "unknown application": "applications: unknown value 'kafka'",
        "unknown status": "statuses: unknown value 'ALIVE'",
        "api down": "list clusters failed: connection refused",
    }[case]
    if case == "wrong key":
        api_key = "not-the-key"
    elif case == "missing key":
        api_key = ""
    elif case == "unknown application":
        config += "applications: [cassandra, kafka]\n"
    elif case == "unknown status":
        config += "statuses: [RUNNING, ALIVE]\n"
    else:
        extra_env["IC_API_URL"] = "http://127.0.0.1:9"  # discard port: nothing listens
    # As documented: ANSIBLE_INVENTORY_UNPARSED_FAILED makes a source that fails an error.
    strict_env = dict(extra_env, ANSIBLE_INVENTORY_UNPARSED_FAILED="true", ANSIBLE_INVENTORY_ENABLED="restorekit.instaclustr.clusters")
    listing = list_inventory(tmp_path, mixed, config, api_key=api_key, extra_env=strict_env)
    assert listing.rc != 0
    assert expected in unwrapped(listing.stderr), listing.stderr
    assert "Traceback" not in listing.output and API_KEY not in listing.output and "not-the-key" not in listing.output
    # Without it Ansible warns, naming the cause, and goes on with no host from this source.
    lenient = list_inventory(tmp_path, mixed, config, api_key=api_key, extra_env=extra_env)
    assert lenient.rc == 0 and lenient.hostvars == {}
    assert expected in unwrapped(lenient.stderr), lenient.stderr
    assert "Traceback" not in lenient.output


def test_strict_false_ignores_a_bad_compose_expression_strict_true_fails(mixed, tmp_path):
    config = """
plugin: restorekit.instaclustr.clusters
api_version: v2
applications: [redis]
strict: %s
compose:
  broken: instaclustr_no_such_variable.missing
groups:
  also_broken: instaclustr_no_such_variable.missing
"""
    lenient = list_inventory(tmp_path, mixed, config % "false")
    assert lenient.rc == 0, lenient.output[-3000:]
    assert sorted(lenient.hostvars) == ["sessions-redis"] and "broken" not in lenient.hostvars["sessions-redis"]
    strict = list_inventory(tmp_path, mixed, config % "true",
                            extra_env={"ANSIBLE_INVENTORY_UNPARSED_FAILED": "true",
                                       "ANSIBLE_INVENTORY_ENABLED": "restorekit.instaclustr.clusters"})
    assert strict.rc != 0 and "instaclustr_no_such_variable" in strict.stderr
    assert "Traceback" not in strict.output
