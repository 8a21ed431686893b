"""Fixtures of the drill suite: one fast emulator per test module, reset before each test, and
``run_drill`` to run ``restorekit.instaclustr.dr_drill`` (or another playbook) with ansible-playbook:
the one beside this interpreter, or the one in ``RESTOREKIT_ANSIBLE_BIN_DIR`` (``make drill-newest``,
which also sets ``RESTOREKIT_FAIL_ON_DEPRECATION=1``: tests/support/deprecations.py).

Time scale 600 with the emulator's default durations: a backup (600 simulated seconds) takes about
1 real second, a restore (1200) about 2, a deletion (60) a tenth of one.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.support import deprecations
from tests.support.collection import collections_root
from tests.support.emulator import running_emulator

REPO_ROOT = Path(__file__).resolve().parents[2]
BIN_DIR = Path(os.environ.get("RESTOREKIT_ANSIBLE_BIN_DIR", Path(sys.executable).parent))
TIME_SCALE = 600.0
# Real seconds for the modules' waits; far above what a drill needs at TIME_SCALE.
FAST_VARS = {
    "backup_restore_drill_wait_sleep": 0.2,
    "backup_restore_drill_backup_wait_timeout": 120,
    "backup_restore_drill_restore_wait_timeout": 120,
    "backup_restore_drill_delete_wait_timeout": 120,
}


@pytest.fixture(scope="module")
def module_emulator():
    with running_emulator(scenario="default", time_scale=TIME_SCALE) as emulator:
        yield emulator


@pytest.fixture
def emulator(module_emulator):
    module_emulator.reset()
    return module_emulator


def record_drill_restore(emulator, cluster_id, name, run_id="leftover", source_cluster_id=None):
    """Write the intent record a drill's restore of ``cluster_id`` would have written, into the state folder
    (``RESTOREKIT_STATE_DIR``, this test's own) that the playbooks this test runs read."""
    from ansible_collections.restorekit.instaclustr.plugins.module_utils._state import StateFolder

    return StateFolder(None, emulator.url, emulator.username).record_intent(
        operation="restore", restored_cluster_id=cluster_id, restored_name=name, run_id=run_id,
        source_cluster_id=source_cluster_id, application="cassandra", api_version="v1", created_ms=emulator.now_ms())


def drill_env(emulator):
    """The credentials the way AWX passes them: environment variables read by the playbook.

    ``RESTOREKIT_STATE_DIR`` comes with the environment: tests/conftest.py gives each test its own state folder."""
    env = dict(os.environ)
    env.update(emulator.credentials_env())
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": str(collections_root()),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_RETRY_FILES_ENABLED": "False",
        "ANSIBLE_LOCALHOST_WARNING": "False",
        "PATH": "%s:%s" % (BIN_DIR, os.environ.get("PATH", "")),
    })
    return deprecations.ansible_env(env)


class DrillRun:
    """One ansible-playbook run: its exit code, output, duration and the reports it wrote."""

    def __init__(self, completed, seconds, report_dir):
        self.rc = completed.returncode
        self.output = completed.stdout + completed.stderr
        self.seconds = seconds
        self.report_dir = Path(report_dir)

    def reports(self, kind="json"):
        """Per-drill reports of that kind (not the summary), parsed when JSON."""
        pattern = {"json": "drill-*.json", "markdown": "drill-*.md", "html": "drill-*.html", "junit": "drill-*.junit.xml"}[kind]
        paths = sorted(p for p in self.report_dir.glob(pattern)
                       if not p.name.startswith("drill-summary-") and not p.name.endswith(".manifest.json"))
        if kind == "json":
            return [json.loads(p.read_text()) for p in paths]
        return paths

    def report(self):
        reports = self.reports()
        assert len(reports) == 1, "expected one drill report in %s, found %d\n%s" % (self.report_dir, len(reports), self.output[-3000:])
        return reports[0]

    def summary(self):
        paths = sorted(self.report_dir.glob("drill-summary-*.json"))
        assert len(paths) == 1, "expected one summary in %s: %s" % (self.report_dir, paths)
        return json.loads(paths[0].read_text())


def write_inventory(path, hosts, group_vars=None):
    inventory = {"all": {"hosts": {name: dict(host_vars) for name, host_vars in hosts.items()},
                         "vars": dict(FAST_VARS, **(group_vars or {}))}}
    path.write_text(yaml.safe_dump(inventory))
    return path


def run_drill(emulator, tmp_path, hosts, extra_vars=None, check=False, playbook="restorekit.instaclustr.dr_drill",
              group_vars=None, timeout=300, env=None):
    """Run the dr_drill playbook over ``hosts`` ({inventory name: host vars}); reports go to tmp_path/reports.
    ``env`` adds environment variables (``IC_API_VERSION``, ...)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    report_dir = tmp_path / "reports"
    inventory = write_inventory(tmp_path / "inventory.yml", hosts, group_vars)
    extra = {"backup_restore_drill_report_dir": str(report_dir)}
    extra.update(extra_vars or {})
    command = [str(BIN_DIR / "ansible-playbook"), playbook, "-i", str(inventory), "-e", json.dumps(extra)]
    if check:
        command.append("--check")
    started = time.monotonic()
    completed = subprocess.run(command, cwd=str(tmp_path), env=dict(drill_env(emulator), **(env or {})), capture_output=True, text=True,
                               timeout=timeout, check=False)
    run = DrillRun(completed, time.monotonic() - started, report_dir)
    # Failing drills are expected in some tests; a deprecation warning never is (when checked).
    deprecations.check(run.output, "ansible-playbook %s" % playbook)
    return run


RESTORE_PATHS = ("/backups/restore", "/restore/v2")  # v1's POST /provisioning/v1/{id}/backups/restore, v2's restore


def restore_posts(emulator):
    return [e for e in emulator.requests_log() if e["method"] == "POST" and e["path"].endswith(RESTORE_PATHS)]


def api_versions_used(emulator):
    """The API versions the request log shows requests of: {"v1"}, {"v2"}, or both."""
    return {"v2" if e["path"].startswith("/cluster-management/v2") else "v1" for e in emulator.requests_log()}


def deleted_ids(emulator):
    """Cluster ids the request log shows a successful DELETE for."""
    return [e["path"].rsplit("/", 1)[1] for e in emulator.requests_log()
            if e["method"] == "DELETE" and e["status"] is not None and 200 <= e["status"] < 300]


def live_restored_clusters(emulator):
    return [c for c in emulator.clusters() if c.get("created_by_restore") and not c.get("deleted") and not c.get("delete_requested")]


def check_by_id(report, check_id):
    found = [check for check in report["checks"] if check["id"] == check_id]
    assert found, "no check %s in %s" % (check_id, [c["id"] for c in report["checks"]])
    return found[0]
