"""Each module run by ansible-playbook against a fresh emulator: the canonical sequence of the anchors.

Check mode changes nothing (the playbooks read the emulator's request log), the first run changes,
the second does not, waits end in the right state and errors read as documented. The assertions
live in ``playbooks/<module>.yml``; this file starts the emulator, runs the playbook and checks
what the emulator saw from the outside.

``ansible-playbook`` is the one beside this interpreter, or the one in ``RESTOREKIT_ANSIBLE_BIN_DIR``
(``make integration-2.16`` points it at the ansible-core 2.16 environment, ``make integration-newest``
at the newest one, where ``RESTOREKIT_FAIL_ON_DEPRECATION=1`` also fails a run that prints a
deprecation warning: tests/support/deprecations.py).

Each playbook runs against both API versions (``api_version`` passed as a variable that the playbooks'
``module_defaults`` hand to every module): ``v1``, ``v2`` under the emulator's default settings, and a
lean sweep of v2 under the other values of the emulator's unknowns (``V2_SWEEPS``; each value at
least once). Cases are marked: ``v2`` for every v2 case (``make integration-2.16`` deselects them:
v1 only) and ``newest_smoke`` for the v2 smoke subset ``make integration-newest`` runs beside v1.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import deprecations
from tests.support.emulator import INVENTORY_DEV_ID, LEGACY_NOBACKUP_ID, ORDERS_PROD_ID, running_emulator, v2_path

PLAYBOOKS = Path(__file__).resolve().parent / "playbooks"
DB_PASSWORD = "it-db-password-0f9e8d"
API_KEY = "it-api-key-7c6b5a"
# 60 simulated seconds per real second; a backup takes 60 simulated seconds, a restore 120, a delete 60.
TIME_SCALE = 60
EMULATOR_ARGS = ("--backup-duration", "60", "--restore-duration", "120", "--delete-duration", "60", "--db-password", DB_PASSWORD)

# The emulator's answers to what the v2 reference leaves open (docs/emulator.md, "Settings of the v2
# unknowns"). The default run covers lenient slashes, pointInTime of both types, list error bodies,
# RESTORING and deleted clusters left out of the account list; these two cover every other value once,
# on the restore playbook, which meets them all (paths of every kind but the trigger's, pointInTime,
# the restore's statuses, the account list after a delete, 404 bodies). The trigger's path and its
# 503 body run under the defaults only, to keep the layer's time (their spelling is unit-tested).
V2_SWEEPS = {
    "strict-integer-bare": {"v2_trailing_slash": "strict", "v2_point_in_time": "integer", "v2_error_body": "bare"},
    "string-text-provisioning-listdeleted": {"v2_point_in_time": "string", "v2_error_body": "text",
                                             "v2_restore_status": "provisioning", "v2_list_deleted": True},
}


def case(api_version, sweep=None, smoke=False):
    """A pytest parameter ``(api_version, emulator settings)``, marked ``v2`` (and ``newest_smoke``)."""
    marks = [pytest.mark.v2] if api_version == "v2" else []
    if smoke:
        marks.append(pytest.mark.newest_smoke)
    return pytest.param((api_version, V2_SWEEPS.get(sweep, {})), id="-".join(filter(None, (api_version, sweep))), marks=marks)


V1, V2 = case("v1"), case("v2")


def ansible_playbook():
    bin_dir = os.environ.get("RESTOREKIT_ANSIBLE_BIN_DIR")
    return str(Path(bin_dir) / "ansible-playbook") if bin_dir else str(Path(sys.executable).parent / "ansible-playbook")


def run_playbook(name, emulator, api_version="v1"):
    extra_vars = {
        "api_version": api_version, "emulator_settings": emulator.settings(),
        "emulator_url": emulator.url, "emulator_username": emulator.username, "emulator_api_key": emulator.api_key,
        "db_password": DB_PASSWORD, "orders_prod_id": ORDERS_PROD_ID, "inventory_dev_id": INVENTORY_DEV_ID,
        "legacy_nobackup_id": LEGACY_NOBACKUP_ID,
    }
    env = deprecations.ansible_env(dict(os.environ, ANSIBLE_LOCALHOST_WARNING="false",
                                        ANSIBLE_INVENTORY_UNPARSED_WARNING="false", ANSIBLE_NOCOLOR="1",
                                        ANSIBLE_RETRY_FILES_ENABLED="false"))
    completed = subprocess.run([ansible_playbook(), str(PLAYBOOKS / name), "-e", json.dumps(extra_vars)],
                               env=env, capture_output=True, text=True, timeout=240, check=False)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, "%s failed (rc %d):\n%s" % (name, completed.returncode, output[-12000:])
    deprecations.check(output, name)
    return output


@pytest.fixture
def emulator(request):
    """A fresh emulator; for a parametrized case, with that case's v2 settings applied."""
    api_version, settings = getattr(request, "param", ("v1", {}))
    with running_emulator(time_scale=TIME_SCALE, api_key=API_KEY, extra_args=EMULATOR_ARGS) as running:
        if settings:
            running.settings(**settings)
        running.api_version = api_version
        yield running


def mutations(emulator):
    return [(entry["method"], entry["path"], entry["status"]) for entry in emulator.mutating_requests()]


def trigger_path(emulator, cluster_id):
    if emulator.api_version == "v2":
        return v2_path("cassandra", "trigger_backup", cluster_id)
    return "/provisioning/v1/%s/backups" % cluster_id


@pytest.mark.parametrize("emulator", [V1, V2], indirect=True)
def test_cluster_info(emulator):
    output = run_playbook("cluster_info.yml", emulator, emulator.api_version)
    assert mutations(emulator) == []
    assert DB_PASSWORD not in output


@pytest.mark.parametrize("emulator", [V1, V2], indirect=True)
def test_cluster_backup_info(emulator):
    run_playbook("cluster_backup_info.yml", emulator, emulator.api_version)
    assert mutations(emulator) == []


@pytest.mark.parametrize("emulator", [V1, V2], indirect=True)
def test_cluster_backup(emulator):
    run_playbook("cluster_backup.yml", emulator, emulator.api_version)
    accepted = 202 if emulator.api_version == "v2" else 204
    assert mutations(emulator) == [
        ("POST", trigger_path(emulator, INVENTORY_DEV_ID), accepted),
        ("POST", trigger_path(emulator, INVENTORY_DEV_ID), accepted),
        ("POST", trigger_path(emulator, LEGACY_NOBACKUP_ID), 503),
    ]


@pytest.mark.parametrize("emulator", [V1, case("v2", smoke=True), case("v2", "strict-integer-bare"),
                                      case("v2", "string-text-provisioning-listdeleted")], indirect=True)
def test_cluster_restore(emulator):
    output = run_playbook("cluster_restore.yml", emulator, emulator.api_version)
    for name in ("it-orders-restore", "it-orders-dropped"):  # the second one's answer was dropped after acting
        restored = [cluster for cluster in emulator.clusters() if cluster["name"] == name]
        assert len(restored) == 1 and restored[0]["deleted"] is True, restored
    restored = [cluster for cluster in emulator.clusters() if cluster["name"] == "it-orders-restore"]
    assert emulator.cluster_state(restored[0]["id"])["restore"]["request"]["cluster_network"] == "10.12.0.0/16"
    assert emulator.cluster_state(restored[0]["id"])["restore"]["request"]["api_version"] == emulator.api_version
    # one accepted restore request per name, each cluster deleted once; an emulator taking only an
    # integer pointInTime first refuses the v2 client's string (400, nothing created), once
    sent = mutations(emulator)
    refused = [status for _method, _path, status in sent if status == 400]
    integer_only = emulator.settings()["v2_point_in_time"] == "integer" and emulator.api_version == "v2"
    assert refused == ([400] if integer_only else [])
    assert [method for method, _path, status in sent if status != 400] == ["POST", "DELETE", "POST", "DELETE"]
    assert DB_PASSWORD not in output and API_KEY not in output


@pytest.mark.parametrize("emulator", [V1, V2], indirect=True)
def test_cluster_firewall_rule(emulator):
    run_playbook("cluster_firewall_rule.yml", emulator, emulator.api_version)
    if emulator.api_version == "v2":
        add = "/cluster-management/v2/resources/network-firewall-rules/v2"
        accepted, removed = 202, 204
    else:
        add = "/provisioning/v1/%s/firewallRules/" % ORDERS_PROD_ID
        accepted, removed = 202, 202
    sent = mutations(emulator)
    # one add per new network (two), the race's two adds (one 409), one remove; nothing in check mode or on a second run
    assert sorted(status for method, path, status in sent if method == "POST" and path == add) == [accepted] * 3 + [409]
    assert [(method, status) for method, _path, status in sent if method != "POST"] == [("DELETE", removed)]
    assert len(emulator.firewall_rules(ORDERS_PROD_ID)) == 3


def test_cluster_wait(emulator):
    """One run on both versions at once: cluster_wait reads each item through its own api_version."""
    output = run_playbook("cluster_wait.yml", emulator)
    # the waits sent nothing: one trigger, two restores, two deletions, all from the starting tasks
    assert sorted(method for method, _path, _status in mutations(emulator)) == ["DELETE", "DELETE", "POST", "POST", "POST"]
    assert API_KEY not in output
