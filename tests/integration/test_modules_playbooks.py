"""Each module run by ansible-playbook against a fresh emulator: the canonical sequence of the anchors.

Check mode changes nothing (the playbooks read the emulator's request log), the first run changes,
the second does not, waits end in the right state and errors read as documented. The assertions
live in ``playbooks/<module>.yml``; this file starts the emulator, runs the playbook and checks
what the emulator saw from the outside.

``ansible-playbook`` is the one beside this interpreter, or the one in ``RESTOREKIT_ANSIBLE_BIN_DIR``
(``make integration-2.16`` points it at the ansible-core 2.16 environment, ``make integration-newest``
at the newest one, where ``RESTOREKIT_FAIL_ON_DEPRECATION=1`` also fails a run that prints a
deprecation warning: tests/support/deprecations.py).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import deprecations
from tests.support.emulator import INVENTORY_DEV_ID, LEGACY_NOBACKUP_ID, ORDERS_PROD_ID, running_emulator

PLAYBOOKS = Path(__file__).resolve().parent / "playbooks"
DB_PASSWORD = "it-db-password-0f9e8d"
API_KEY = "it-api-key-7c6b5a"
# 60 simulated seconds per real second; a backup takes 60 simulated seconds, a restore 120, a delete 60.
TIME_SCALE = 60
EMULATOR_ARGS = ("--backup-duration", "60", "--restore-duration", "120", "--delete-duration", "60", "--db-password", DB_PASSWORD)


def ansible_playbook():
    bin_dir = os.environ.get("RESTOREKIT_ANSIBLE_BIN_DIR")
    return str(Path(bin_dir) / "ansible-playbook") if bin_dir else str(Path(sys.executable).parent / "ansible-playbook")


def run_playbook(name, emulator):
    extra_vars = {
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
def emulator():
    with running_emulator(time_scale=TIME_SCALE, api_key=API_KEY, extra_args=EMULATOR_ARGS) as running:
        yield running


def mutations(emulator):
    return [(entry["method"], entry["path"], entry["status"]) for entry in emulator.mutating_requests()]


def test_cluster_info(emulator):
    output = run_playbook("cluster_info.yml", emulator)
    assert mutations(emulator) == []
    assert DB_PASSWORD not in output


def test_cluster_backup_info(emulator):
    run_playbook("cluster_backup_info.yml", emulator)
    assert mutations(emulator) == []


def test_cluster_backup(emulator):
    run_playbook("cluster_backup.yml", emulator)
    assert mutations(emulator) == [
        ("POST", "/provisioning/v1/%s/backups" % INVENTORY_DEV_ID, 204),
        ("POST", "/provisioning/v1/%s/backups" % INVENTORY_DEV_ID, 204),
        ("POST", "/provisioning/v1/%s/backups" % LEGACY_NOBACKUP_ID, 503),
    ]


def test_cluster_restore(emulator):
    output = run_playbook("cluster_restore.yml", emulator)
    for name in ("it-orders-restore", "it-orders-dropped"):  # the second one's answer was dropped after acting
        restored = [cluster for cluster in emulator.clusters() if cluster["name"] == name]
        assert len(restored) == 1 and restored[0]["deleted"] is True, restored
    restored = [cluster for cluster in emulator.clusters() if cluster["name"] == "it-orders-restore"]
    assert emulator.cluster_state(restored[0]["id"])["restore"]["request"]["cluster_network"] == "10.12.0.0/16"
    # one restore request per name, each cluster deleted once
    assert [method for method, _path, _status in mutations(emulator)] == ["POST", "DELETE", "POST", "DELETE"]
    assert DB_PASSWORD not in output and API_KEY not in output
