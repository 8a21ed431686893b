"""The drill run the way AWX and Ansible Automation Platform run it: ansible-runner, a private data
directory holding a project that imports the collection's playbook, credentials as environment
variables (what an AWX custom credential type injects), and the results read from the job events."""

import json

import ansible_runner
import yaml

from tests.drill.conftest import BIN_DIR, FAST_VARS, deleted_ids
from tests.support import deprecations
from tests.support.collection import collections_root
from tests.support.emulator import INVENTORY_DEV_ID, ORDERS_PROD_ID


def test_drill_through_ansible_runner(emulator, tmp_path):
    private_data_dir = tmp_path / "runner"
    (private_data_dir / "project").mkdir(parents=True)
    (private_data_dir / "inventory").mkdir()
    report_dir = tmp_path / "reports"
    # An AWX project: a playbook of the team's repository importing the collection's drill.
    (private_data_dir / "project" / "drill.yml").write_text(
        "---\n- name: Disaster-recovery drill\n  ansible.builtin.import_playbook: restorekit.instaclustr.dr_drill\n")
    (private_data_dir / "inventory" / "hosts.yml").write_text(yaml.safe_dump({"all": {
        "hosts": {"orders-prod": {"backup_restore_drill_cluster_id": ORDERS_PROD_ID},
                  "inventory-dev": {"backup_restore_drill_cluster_id": INVENTORY_DEV_ID}},
        "vars": dict(FAST_VARS, backup_restore_drill_rto_target="2h"),
    }}))

    runner = ansible_runner.run(
        private_data_dir=str(private_data_dir),
        playbook="drill.yml",
        extravars={"backup_restore_drill_report_dir": str(report_dir), "backup_restore_drill_run_id": "awx42"},
        # ansible-runner runs the ansible-playbook it finds on PATH: this interpreter's, or the
        # RESTOREKIT_ANSIBLE_BIN_DIR one (make drill-newest).
        envvars=deprecations.ansible_env({
            **emulator.credentials_env(),
            "ANSIBLE_COLLECTIONS_PATH": str(collections_root()),
            "PATH": "%s:/usr/bin:/bin" % BIN_DIR,
        }),
        forks=2,
        quiet=True,
        timeout=300,
    )

    output = runner.stdout.read()
    assert runner.rc == 0 and runner.status == "successful", output[-3000:]
    deprecations.check(output, "ansible-runner drill.yml")
    assert runner.stats["failures"] == {}
    # The summary reached the job's artifacts through set_stats, as AWX shows it.
    stats = [event["event_data"].get("artifact_data") for event in runner.events if event.get("event") == "playbook_on_stats"]
    assert stats and stats[-1]["backup_restore_drill_summary"]["status"] == "passed"
    reports = sorted(report_dir.glob("drill-*-awx42.json"))
    assert [path.name for path in reports] == ["drill-inventory-dev-awx42.json", "drill-orders-prod-awx42.json"]
    restored = [json.loads(path.read_text())["restored"]["id"] for path in reports]
    assert sorted(deleted_ids(emulator)) == sorted(restored)
