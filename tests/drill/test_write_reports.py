"""The drill_write_reports action writes what ansible.builtin.template writes: the role's four report
templates and its two summary templates rendered both ways by one ansible-playbook run, on a sample
report and summary, compared byte for byte."""

import json
import os
import subprocess
import sys
from pathlib import Path

from ansible_collections.restorekit.instaclustr.plugins.plugin_utils import drill_report, drill_summary
from tests.drill.conftest import BIN_DIR
from tests.support import deprecations
from tests.unit.plugins.plugin_utils.drill_fixtures import context

TEMPLATES = Path(__file__).resolve().parents[2] / "roles" / "backup_restore_drill" / "templates"
NAMES = ("report.json.j2", "report.md.j2", "report.html.j2", "report.junit.xml.j2", "summary.json.j2", "summary.md.j2")


def test_the_action_writes_what_template_writes(tmp_path):
    report = drill_report.build_report(context(settings={"report_dir": str(tmp_path)}))
    summary = drill_summary.summarise({"orders-prod": report, "inventory-dev": None}, str(tmp_path), "20261118T110000Z")
    (tmp_path / "report.json").write_text(json.dumps(report))
    (tmp_path / "summary.json").write_text(json.dumps(summary))
    (tmp_path / "template").mkdir()
    files = [{"src": str(TEMPLATES / name), "dest": str(tmp_path / "action" / name)} for name in NAMES]
    playbook = tmp_path / "compare.yml"
    playbook.write_text(json.dumps([{
        "name": "The report templates written by ansible.builtin.template and by drill_write_reports",
        "hosts": "localhost", "connection": "local", "gather_facts": False,
        "vars": {
            "backup_restore_drill_result": "{{ lookup('ansible.builtin.file', '%s') | from_json }}" % (tmp_path / "report.json"),
            "backup_restore_drill_summary": "{{ lookup('ansible.builtin.file', '%s') | from_json }}" % (tmp_path / "summary.json"),
        },
        "tasks": [
            {"name": "With ansible.builtin.template",
             "ansible.builtin.template": {"src": "{{ item.src }}", "dest": "%s/template/{{ item.src | basename }}" % tmp_path,
                                          "mode": "0644"},
             "loop": files},
            {"name": "With restorekit.instaclustr.drill_write_reports",
             "restorekit.instaclustr.drill_write_reports": {"templates": files}},
        ],
    }]))
    env = deprecations.ansible_env(dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_LOCALHOST_WARNING="False", ANSIBLE_PYTHON_INTERPRETER=sys.executable,
                                        PATH="%s:%s" % (BIN_DIR, os.environ.get("PATH", ""))))
    completed = subprocess.run([str(BIN_DIR / "ansible-playbook"), "-i", "localhost,", str(playbook)],
                               cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=120, check=False)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-2000:]
    deprecations.check(completed.stdout + completed.stderr, "ansible-playbook compare.yml")
    for name in NAMES:
        expected = (tmp_path / "template" / name).read_bytes()
        assert len(expected) > 100, name
        assert (tmp_path / "action" / name).read_bytes() == expected, name
