"""A drill of nothing is not a pass: dr_drill fails (non-zero), naming why, when its target group is
missing or empty, and the evidence play still runs and gates; the freshness gate fails on a folder
with no drill report unless ``backup_restore_drill_evidence_allow_empty`` allows it (a first run)."""

import json
import subprocess

from tests.drill.conftest import BIN_DIR, drill_env, restore_posts, run_drill
from tests.support.emulator import INVENTORY_DEV_ID

HOST = {"inventory-dev": {"backup_restore_drill_cluster_id": INVENTORY_DEV_ID}}


def test_unknown_group_fails_naming_it_and_the_gate_still_runs(emulator, tmp_path):
    (tmp_path / "reports").mkdir()
    run = run_drill(emulator, tmp_path, HOST, extra_vars={"dr_drill_group": "production",
                                                          "backup_restore_drill_evidence_max_age": "30d"})
    assert run.rc != 0, run.output
    assert "The group production (dr_drill_group) is not in the inventory" in run.output, run.output[-3000:]
    assert "has no attribute" not in run.output
    assert "no drill report in" in run.output  # the evidence play ran and its gate failed on no evidence
    assert restore_posts(emulator) == []


def test_empty_group_fails_naming_it(emulator, tmp_path):
    inventory = tmp_path / "inventory.ini"
    inventory.write_text("[production]\n\n[staging]\ninventory-dev backup_restore_drill_cluster_id=%s\n" % INVENTORY_DEV_ID)
    completed = subprocess.run(
        [str(BIN_DIR / "ansible-playbook"), "restorekit.instaclustr.dr_drill", "-i", str(inventory),
         "-e", json.dumps({"dr_drill_group": "production", "backup_restore_drill_report_dir": str(tmp_path / "reports")})],
        cwd=str(tmp_path), env=drill_env(emulator), capture_output=True, text=True, timeout=120, check=False)
    output = completed.stdout + completed.stderr
    assert completed.returncode != 0, output
    assert "The group production (dr_drill_group) has no host" in output, output[-3000:]
    assert restore_posts(emulator) == []


def test_unparsed_inventory_fails_instead_of_drilling_nothing(emulator, tmp_path):
    """A wrong API key: the inventory plugin's source fails to parse; without unparsed_is_failed the run went on, rc 0."""
    source = tmp_path / "prod.instaclustr.yml"
    source.write_text("plugin: restorekit.instaclustr.clusters\napi_url: %s\napi_retries: 0\n" % emulator.url)
    env = dict(drill_env(emulator), IC_API_KEY="a-wrong-key")
    env.pop("ANSIBLE_INVENTORY_UNPARSED_FAILED", None)
    completed = subprocess.run(
        [str(BIN_DIR / "ansible-playbook"), "restorekit.instaclustr.dr_drill", "-i", str(source),
         "-e", json.dumps({"backup_restore_drill_report_dir": str(tmp_path / "reports")})],
        cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=120, check=False)
    output = completed.stdout + completed.stderr
    assert completed.returncode != 0, output
    assert "The inventory has no host at all" in output, output[-3000:]
    assert restore_posts(emulator) == []


def test_the_gate_fails_on_a_folder_without_reports_unless_allowed(emulator, tmp_path):
    folder = tmp_path / "empty-reports"
    folder.mkdir()
    gate = {"backup_restore_drill_report_dir": str(folder), "backup_restore_drill_evidence_max_age": "30d"}
    run = run_drill(emulator, tmp_path / "gate", {}, extra_vars=gate, playbook="restorekit.instaclustr.drill_evidence")
    assert run.rc != 0, run.output
    assert "no drill report in %s" % folder in run.output, run.output[-3000:]
    allowed = run_drill(emulator, tmp_path / "first-run", {}, playbook="restorekit.instaclustr.drill_evidence",
                        extra_vars=dict(gate, backup_restore_drill_evidence_allow_empty=True))
    assert allowed.rc == 0, allowed.output[-3000:]
