"""Unit tests of the summary across hosts (plugins/plugin_utils/drill_summary.py)."""

from ansible_collections.restorekit.instaclustr.plugins.plugin_utils import drill_report
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils import drill_summary
from tests.unit.plugins.plugin_utils.drill_fixtures import (
    context,
)


def test_summary_across_hosts():
    passed = drill_report.build_report(context())
    failed = drill_report.build_report(context(settings={"rto_target": 60}))
    summary = drill_summary.summarise({"orders-prod": passed, "inventory-dev": failed, "lost": None}, "/tmp/r", "20261120T100000Z")
    assert summary["status"] == "failed" and summary["counts"] == {"passed": 1, "failed": 2}
    assert summary["failed"] == ["inventory-dev", "lost"]
    assert summary["drills"][2]["message"].startswith("The drill recorded no result")
    assert summary["files"]["json"] == "/tmp/r/drill-summary-20261120T100000Z.json"
    assert drill_summary.summarise({"a": passed})["status"] == "passed"
    assert drill_summary.summarise({})["status"] == "failed"
