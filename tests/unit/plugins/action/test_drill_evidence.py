"""The drill_evidence action plugin in-process: options, the files it writes, its result, the gate."""

import os
import time
from unittest.mock import MagicMock

import pytest
from ansible.errors import AnsibleActionFail

from ansible_collections.restorekit.instaclustr.plugins.action.drill_evidence import ActionModule
from tests.unit.plugins.plugin_utils.evidence_reports import DAY_MS, INVENTORY, ORDERS, write, write_drill

NOW = int(time.time() * 1000)


def run_action(args, check_mode=False):
    task = MagicMock()
    task.args = args
    task.async_val = 0
    task.check_mode = check_mode
    task.action = "restorekit.instaclustr.drill_evidence"
    action = ActionModule(task, MagicMock(), MagicMock(), loader=None, templar=None, shared_loader_obj=None)
    return action.run(task_vars={})


def test_fresh_folder_passes_the_gate_and_writes_the_index(tmp_path):
    write_drill(tmp_path, ORDERS, "orders-prod", "r1", NOW - 2 * DAY_MS)

    result = run_action({"path": str(tmp_path), "max_age": "30d", "latest_run_id": "r1"})

    assert not result.get("failed"), result
    assert result["changed"] is True and result["status"] == "fresh" and result["stale"] == []
    assert result["files"] == {"html": str(tmp_path / "index.html"), "markdown": str(tmp_path / "index.md"),
                               "json": str(tmp_path / "evidence.json")}
    assert all(os.path.exists(path) for path in result["files"].values())
    assert result["counts"]["reports"] == 1 and result["not_in_latest_run"] == []
    assert "every cluster passed a drill within 30d" in result["msg"]


def test_a_stale_folder_fails_after_writing_everything_naming_each_cluster(tmp_path):
    write_drill(tmp_path, ORDERS, "orders-prod", "r1", NOW - 40 * DAY_MS)
    write_drill(tmp_path, INVENTORY, "inventory-dev", "r1", NOW - 1 * DAY_MS, status="failed")
    write(tmp_path, "drill-crashed-r2.json", "{\"format_version\": 1,")

    result = run_action({"report_dir": str(tmp_path), "max_age": "30d"})

    assert result["failed"] is True and result["status"] == "stale"
    assert "2 of 2 clusters have no passing drill within 30d" in result["msg"]
    assert "orders-prod (%s): last passed" % ORDERS in result["msg"] and "inventory-dev (%s): never passed" % INVENTORY in result["msg"]
    assert sorted(entry["name"] for entry in result["stale"]) == ["inventory-dev", "orders-prod"]
    assert [entry["path"] for entry in result["skipped_files"]] == ["drill-crashed-r2.json"]
    assert "skipped" not in result  # Ansible would take the task for a skipped one
    assert all(os.path.exists(path) for path in result["files"].values())


def test_check_mode_applies_the_gate_and_writes_nothing(tmp_path):
    write_drill(tmp_path, ORDERS, "orders-prod", "r1", NOW - 40 * DAY_MS)
    result = run_action({"path": str(tmp_path), "max_age": "30d"}, check_mode=True)
    assert result["failed"] is True and result["changed"] is True
    assert not os.path.exists(result["files"]["html"])


def test_a_missing_folder_and_a_bad_duration_fail_clearly(tmp_path):
    missing = run_action({"path": str(tmp_path / "nowhere")})
    assert missing["failed"] and "does not exist" in missing["msg"]
    bad = run_action({"path": str(tmp_path), "window": "a while"})
    assert bad["failed"] and bad["msg"].startswith("window")


def test_unknown_options_are_refused(tmp_path):
    with pytest.raises(AnsibleActionFail):
        run_action({"path": str(tmp_path), "api_key": "x"})


def test_an_edited_report_fails_after_writing_and_the_result_keeps_the_chain_heads_and_the_pack(tmp_path):
    from tests.unit.plugins.plugin_utils.test_evidence_manifest import drill, make_key

    _private, public, key_id = make_key(tmp_path / "keys")
    folder = tmp_path / "reports"
    drill(folder, ORDERS, "orders-prod", "r1", 1, key=_private)
    drill(folder, ORDERS, "orders-prod", "r2", 2, key=_private)
    pack = tmp_path / "pack.tar.gz"

    intact = run_action({"path": str(folder), "trusted_keys": [public], "expected_clusters": ["orders-prod"], "pack": str(pack)})
    assert not intact.get("failed") and intact["gate_failed"] is False and intact["files"]["pack"] == str(pack)
    assert intact["integrity"]["status"] == "intact" and intact["integrity"]["trusted_keys"] == [key_id]
    assert [head["manifest"] for head in intact["chain_heads"]] == ["drill-orders-prod-r2.manifest.json"]

    (folder / "drill-orders-prod-r1.md").write_text("edited\n")
    edited = run_action({"path": str(folder), "trusted_keys": [public], "expected_clusters": ["orders-prod", INVENTORY]})

    assert edited["failed"] is True and edited["gate_failed"] is True and edited["status"] == "fresh"
    assert "drill-orders-prod-r1.md: does not match its manifest drill-orders-prod-r1.manifest.json" in edited["msg"]
    assert "expected cluster %s has no evidence at all" % INVENTORY in edited["msg"]
    assert edited["chain_heads"] == intact["chain_heads"]
    assert "does not match" in (folder / "index.html").read_text()  # written before failing
