"""Molecule's `default` scenario (extensions/molecule/default) against a fresh emulator: syntax, converge
(the drill role, on two hosts in parallel: inventory-dev over API v1, orders-prod over v2) and verify
(their reports and the API state through cluster_info)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.collection import collections_root
from tests.support.emulator import INVENTORY_DEV_ID, ORDERS_PROD_ID, running_emulator

REPO_ROOT = Path(__file__).resolve().parents[2]
BIN_DIR = Path(sys.executable).parent


def test_molecule_default_scenario(tmp_path):
    molecule = shutil.which("molecule", path=str(BIN_DIR)) or shutil.which("molecule")
    if molecule is None:
        pytest.fail("molecule is not installed in %s (requirements-dev.txt installs it)" % BIN_DIR)
    report_dir = tmp_path / "reports"
    with running_emulator(scenario="default", time_scale=600) as emulator:
        env = dict(os.environ)
        env.update(emulator.credentials_env())
        env.update({
            "MOLECULE_DRILL_CLUSTER_ID": INVENTORY_DEV_ID,
            "MOLECULE_DRILL_REPORT_DIR": str(report_dir),
            "ANSIBLE_COLLECTIONS_PATH": str(collections_root()),
            # molecule's prerun installs a copy of the collection under ANSIBLE_HOME: keep it here.
            "ANSIBLE_HOME": str(tmp_path / "ansible-home"),
            "ANSIBLE_NOCOLOR": "1",
            "NO_COLOR": "1",
            "PATH": "%s:%s" % (BIN_DIR, os.environ.get("PATH", "")),
        })
        completed = subprocess.run([molecule, "test", "-s", "default"], cwd=str(REPO_ROOT / "extensions"), env=env,
                                   capture_output=True, text=True, timeout=600, check=False)
        output = completed.stdout + completed.stderr
        assert completed.returncode == 0, output[-6000:]
        log = emulator.requests_log()
        restored = {cluster["source_cluster_id"]: emulator.cluster_state(cluster["id"])
                    for cluster in emulator.clusters() if cluster["created_by_restore"]}
    # converge ran both drills (each deleted its cluster) and verify found their four reports each.
    assert len([e for e in log if e["method"] == "DELETE"]) == 2
    assert restored[INVENTORY_DEV_ID]["restore"]["request"]["api_version"] == "v1"
    assert restored[ORDERS_PROD_ID]["restore"]["request"]["api_version"] == "v2"
    assert sorted(p.name for p in report_dir.iterdir()) == sorted(
        "drill-%s.%s" % (stem, ext) for stem in ("inventory-dev-molecule", "orders-prod-molv2")
        for ext in ("html", "json", "junit.xml", "md", "manifest.json"))
    for step in ("syntax", "converge", "verify"):
        assert step in output
