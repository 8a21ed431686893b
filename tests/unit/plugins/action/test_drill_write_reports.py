"""The drill_write_reports action plugin in-process: templates (the role's JSON report, and small ones
of the test) rendered with Ansible's templar, the files written atomically with their modes, check
mode, and failures that write nothing. The collection's own filters need ansible-playbook's
collection loader: the four role templates are compared with ansible.builtin.template's output in
tests/drill/test_write_reports.py."""

import json
import os
import stat
from pathlib import Path
from unittest.mock import MagicMock

import pytest
from ansible.errors import AnsibleActionFail
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

from ansible_collections.restorekit.instaclustr.plugins.action.drill_write_reports import ActionModule
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils import drill_report
from tests.unit.plugins.plugin_utils.drill_fixtures import context

ROLE_DIR = Path(__file__).resolve().parents[4] / "roles" / "backup_restore_drill"
KINDS = {"json": "report.json.j2", "markdown": "test-report.md.j2"}
SEARCH_PATH = [str(ROLE_DIR)]
MARKDOWN = """{% set r = backup_restore_drill_result %}
# DR drill of {{ r.source.name }}: {{ r.status | upper }}

{% for check in r.checks %}
- {{ check.id }}: {{ check.status }}
{% endfor %}
"""


@pytest.fixture(autouse=True)
def templates(tmp_path):
    """The test's templates in a templates/ folder searched after the role's."""
    folder = tmp_path / "play" / "templates"
    folder.mkdir(parents=True)
    (folder / "test-report.md.j2").write_text(MARKDOWN)
    (folder / "broken.j2").write_text("{{ backup_restore_drill_result.nothing_here.deeper }}")
    SEARCH_PATH[1:] = [str(folder.parent)]
    return folder


def sample_report(report_dir):
    return drill_report.build_report(context(settings={"report_dir": str(report_dir)}))


def run_action(args, task_vars, check_mode=False):
    task = MagicMock()
    task.args = args
    task.async_val = 0
    task.check_mode = check_mode
    task.action = "restorekit.instaclustr.drill_write_reports"
    task.get_search_path.return_value = list(SEARCH_PATH)  # as for a task of the role: its templates/ first
    loader = DataLoader()
    templar = Templar(loader=loader, variables=task_vars)
    action = ActionModule(task, MagicMock(), MagicMock(), loader=loader, templar=templar, shared_loader_obj=None)
    return action.run(task_vars=task_vars)


def report_args(report):
    return {"templates": [{"src": template, "dest": report["files"][kind]} for kind, template in KINDS.items()]}


def test_writes_the_four_reports_from_the_role_templates(tmp_path):
    report = sample_report(tmp_path / "reports")

    result = run_action(report_args(report), {"backup_restore_drill_result": report})

    assert not result.get("failed"), result
    paths = [report["files"][kind] for kind in KINDS]
    assert result["changed"] is True and result["files"] == paths and result["written"] == paths
    assert json.loads(Path(report["files"]["json"]).read_text()) == json.loads(json.dumps(report))
    assert Path(report["files"]["markdown"]).read_text().startswith("# DR drill of orders-prod: PASSED\n\n- inputs: passed\n")
    assert Path(report["files"]["json"]).read_text().startswith('{\n  "api_version"')  # to_nice_json, indent 2
    assert stat.S_IMODE(os.stat(tmp_path / "reports").st_mode) == 0o755
    assert {stat.S_IMODE(os.stat(path).st_mode) for path in paths} == {0o644}
    assert sorted(os.listdir(tmp_path / "reports")) == sorted(os.path.basename(path) for path in paths)  # no temp file left


def test_a_second_run_with_the_same_content_changes_nothing(tmp_path):
    report = sample_report(tmp_path)
    run_action(report_args(report), {"backup_restore_drill_result": report})
    again = run_action(report_args(report), {"backup_restore_drill_result": report})
    assert again["changed"] is False and again["written"] == []


def test_the_mode_of_an_existing_file_is_corrected(tmp_path):
    report = sample_report(tmp_path)
    run_action(report_args(report), {"backup_restore_drill_result": report})
    os.chmod(report["files"]["json"], 0o600)
    again = run_action(report_args(report), {"backup_restore_drill_result": report})
    assert again["written"] == [report["files"]["json"]]
    assert stat.S_IMODE(os.stat(report["files"]["json"]).st_mode) == 0o644


def test_check_mode_writes_nothing_and_says_what_would_be_written(tmp_path):
    report = sample_report(tmp_path / "reports")
    result = run_action(report_args(report), {"backup_restore_drill_result": report}, check_mode=True)
    assert result["changed"] is True and len(result["written"]) == len(KINDS)
    assert "would be written" in result["msg"]
    assert not (tmp_path / "reports").exists()


def test_a_template_that_fails_writes_no_file(tmp_path):
    report = sample_report(tmp_path / "reports")
    args = report_args(report)
    args["templates"].append({"src": "no-such-template.j2", "dest": str(tmp_path / "reports" / "x")})
    result = run_action(args, {"backup_restore_drill_result": report})
    assert result["failed"] is True and "no-such-template.j2" in result["msg"]
    assert not (tmp_path / "reports").exists()


def test_an_undefined_variable_fails_clearly(tmp_path):
    report = sample_report(tmp_path)
    result = run_action({"templates": [{"src": "broken.j2", "dest": str(tmp_path / "r.md")}]},
                        {"backup_restore_drill_result": report})
    assert result["failed"] is True and "broken.j2" in result["msg"] and "nothing_here" in result["msg"]
    assert not (tmp_path / "r.md").exists()


def test_modes_and_options_are_checked(tmp_path):
    report = sample_report(tmp_path)
    bad = run_action(dict(report_args(report), mode="rw-r--r--"), {"backup_restore_drill_result": report})
    assert bad["failed"] and bad["msg"].startswith("mode:")
    with pytest.raises(AnsibleActionFail):
        run_action(dict(report_args(report), owner="root"), {"backup_restore_drill_result": report})


def test_the_manifest_is_written_after_the_reports_signed_and_a_refused_key_fails_after_writing(tmp_path):
    from tests.unit.plugins.plugin_utils.test_evidence_manifest import make_key

    report = sample_report(tmp_path / "reports")
    private, _public, key_id = make_key(tmp_path / "keys")
    args = dict(report_args(report), manifest=True, signing_key=private)

    result = run_action(args, {"backup_restore_drill_result": report})

    assert not result.get("failed"), result
    manifest = report["files"]["json"][:-len(".json")] + ".manifest.json"
    assert result["files"][-2:] == [manifest, manifest + ".sig"] and manifest in result["written"]
    document = json.loads(Path(manifest).read_text())
    assert sorted(document["files"]) == sorted(os.path.basename(report["files"][kind]) for kind in KINDS)
    assert document["key_id"] == key_id and document["source"]["id"] == report["source"]["id"]

    os.chmod(private, 0o644)
    refused = run_action(args, {"backup_restore_drill_result": report})
    assert refused["failed"] is True and "readable by group or others" in refused["msg"]
    assert "the reports and an unsigned manifest were written" in refused["msg"]
    assert json.loads(Path(manifest).read_text())["key_id"] is None and not os.path.exists(manifest + ".sig")
    assert open(private).read().splitlines()[1] not in json.dumps(refused)
