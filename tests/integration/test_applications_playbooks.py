"""playbooks/applications.yml once per application on v2, against the emulator's ``mixed`` scenario.

The emulator answers only the contract's spelling of each v2 path (``--v2-trailing-slash strict``),
so a path spelt like another application's (``postgresql`` for ``postgres``, a slash too many or too
few) fails the run. PostgreSQL, whose paths meet every kind of spelling difference (GET and DELETE,
list-backups, trigger, the account list), runs once more with ``--v2-trailing-slash operator``: only
the spelling of Instaclustr's operator client is routed, and the client must find it after one 404.
Beside the playbook's own assertions, the emulator's request log must show
exactly the mutating requests the application allows, on its own paths, and none for refused input.
"""

import json
import os
import re
import subprocess

import pytest

from tests.integration.test_modules_playbooks import API_KEY, DB_PASSWORD, EMULATOR_ARGS, PLAYBOOKS, TIME_SCALE, ansible_playbook
from tests.support.emulator import INVENTORY_DEV_ID, PAYMENTS_PG_ID, SEARCH_OS_ID, SESSIONS_REDIS_ID, running_emulator, v2_path

CASES = {
    "postgresql": {
        "source_id": PAYMENTS_PG_ID, "source_name": "payments-pg", "other_id": SEARCH_OS_ID, "other_app": "opensearch",
        "lists_backups": True,
        "refused": [{"keyspace_tables": ["orders.by_id"]}, {"cluster_network": "10.12.0.0/16"}, {"index_names": ["orders"]}],
        "restore_options": {"point_in_time": True}, "expected_body_extra": {},
    },
    "opensearch": {
        "source_id": SEARCH_OS_ID, "source_name": "search-os", "other_id": SESSIONS_REDIS_ID, "other_app": "redis",
        "lists_backups": True,
        "refused": [{"keyspace_tables": ["orders.by_id"]}, {"cluster_network": "10.12.0.0/16"}],
        "restore_options": {"index_names": ["orders", "logs-2026"]}, "expected_body_extra": {"indexNames": "orders,logs-2026"},
    },
    "redis": {
        "source_id": SESSIONS_REDIS_ID, "source_name": "sessions-redis", "other_id": INVENTORY_DEV_ID, "other_app": "cassandra",
        "lists_backups": False,
        "refused": [{"point_in_time": "2026-01-01T00:00:00Z"}, {"index_names": ["orders"]}, {"keyspace_tables": ["a.b"]}],
        "restore_options": {}, "expected_body_extra": {},
    },
}


@pytest.fixture(scope="module", autouse=True)
def ansible_core_2_19():
    """Per issue 11 these run on ansible-core 2.19 only; ``make integration-2.16`` keeps to the v1 playbooks."""
    version = subprocess.run([ansible_playbook(), "--version"], capture_output=True, text=True, check=False).stdout
    found = re.search(r"core (\d+)\.(\d+)", version)
    if found and (int(found.group(1)), int(found.group(2))) < (2, 19):
        pytest.skip("the per-application playbooks run on ansible-core 2.19 (found %s.%s)" % found.groups())


def run_playbook(emulator, variables, state_dir=None):
    extra_vars = dict(variables, emulator_url=emulator.url, emulator_username=emulator.username,
                      emulator_api_key=emulator.api_key)
    env = dict(os.environ, ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
               ANSIBLE_NOCOLOR="1", ANSIBLE_RETRY_FILES_ENABLED="false")
    if state_dir is not None:
        env["RESTOREKIT_STATE_DIR"] = str(state_dir)
    completed = subprocess.run([ansible_playbook(), str(PLAYBOOKS / "applications.yml"), "-e", json.dumps(extra_vars)],
                               env=env, capture_output=True, text=True, timeout=240, check=False)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, "applications.yml (%s) failed (rc %d):\n%s" % (
        variables["application"], completed.returncode, output[-12000:])
    return output


def mutations(emulator):
    return [(entry["method"], entry["path"], entry["status"]) for entry in emulator.mutating_requests()]


@pytest.mark.parametrize("application", sorted(CASES))
def test_application_playbook(application):
    case = CASES[application]
    with running_emulator(scenario="mixed", time_scale=TIME_SCALE, api_key=API_KEY,
                          extra_args=EMULATOR_ARGS + ("--v2-trailing-slash", "strict")) as emulator:
        output = run_playbook(emulator, dict(case, application=application))
        posts = mutations(emulator)
        restored = [cluster["id"] for cluster in emulator.clusters() if cluster["name"] == "it-%s-restore" % application]
    assert len(restored) == 1  # exactly once, through a rerun
    source = case["source_id"]
    # One trigger (on Redis the wait: false one; its wait: true task sent nothing), one restore, one delete;
    # no request at all for the refused options, v1 or the other application's cluster.
    expected = [("POST", v2_path(application, "trigger_backup", source), 202)]
    expected += [("POST", v2_path(application, "restore"), 202), ("DELETE", v2_path(application, "cluster", restored[0]), 204)]
    assert posts == expected
    assert DB_PASSWORD not in output and API_KEY not in output


def test_postgresql_playbook_against_the_operator_clients_spelling(tmp_path):
    case = CASES["postgresql"]
    with running_emulator(scenario="mixed", time_scale=TIME_SCALE, api_key=API_KEY,
                          extra_args=EMULATOR_ARGS + ("--v2-trailing-slash", "operator")) as emulator:
        output = run_playbook(emulator, dict(case, application="postgresql"), state_dir=tmp_path / "state")
        posts = mutations(emulator)
        restored = [cluster["id"] for cluster in emulator.clusters() if cluster["name"] == "it-postgresql-restore"]
    assert len(restored) == 1
    source = case["source_id"]
    trigger = v2_path("postgresql", "trigger_backup", source)
    # The trigger's document spelling answers 404 (nothing done) and is tried once in the operator's; the
    # restore path is spelt alike; the delete goes straight to the spelling learnt while waiting.
    assert posts == [("POST", trigger, 404), ("POST", trigger.rstrip("/"), 202),
                     ("POST", v2_path("postgresql", "restore"), 202),
                     ("DELETE", v2_path("postgresql", "cluster", restored[0]).rstrip("/"), 204)]
    assert DB_PASSWORD not in output and API_KEY not in output
