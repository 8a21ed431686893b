"""The ``not_applicable`` check status: accepted by the checks and the verdict, counted on its own,
and shown in every report kind (the role's JSON, Markdown, HTML and JUnit templates, and the summary)."""

import json
import os
from pathlib import Path
from xml.etree import ElementTree

import jinja2
import pytest
from ansible.plugins.filter.core import to_nice_json

from ansible_collections.restorekit.instaclustr.plugins.filter.drill import FilterModule
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils import drill_checks, drill_report, drill_summary
from tests.unit.plugins.plugin_utils.drill_fixtures import context, statuses

TEMPLATES = Path(__file__).resolve().parents[4] / "roles" / "backup_restore_drill" / "templates"
REASON = "Kafka clusters have no data centre network to compare (application KAFKA)"


def na_report(check_id="network", **overrides):
    """A passing drill whose preflight found ``check_id`` not applicable."""
    value = context(**overrides)
    preflight = dict(value["preflight"])
    preflight["checks"] = preflight["checks"] + [drill_checks.not_applicable(check_id, REASON)]
    value["preflight"] = preflight
    return drill_report.build_report(value)


def render(template, **variables):
    """A role template rendered the way Ansible does (trim_blocks), with the filters it uses."""
    filters = FilterModule().filters()
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), trim_blocks=True, undefined=jinja2.StrictUndefined)
    env.filters.update({
        "ansible.builtin.to_nice_json": to_nice_json,
        "basename": os.path.basename,
        "restorekit.instaclustr.drill_escape": filters["drill_escape"],
        "restorekit.instaclustr.drill_duration": filters["drill_duration"],
        "restorekit.instaclustr.drill_timeline_svg": filters["drill_timeline_svg"],
    })
    return env.get_template(template).render(**variables)


def test_a_not_applicable_check_needs_a_reason():
    check = drill_checks.not_applicable("network", REASON)
    assert check == {"id": "network", "title": "The restored data centres use the requested network",
                     "status": "not_applicable", "details": REASON, "figures": {}}
    with pytest.raises(ValueError, match="needs a reason"):
        drill_checks.not_applicable("network", " ")


def test_checks_and_verdict_keep_it_apart_and_ignore_it():
    report = na_report()
    network = [c for c in report["checks"] if c["id"] == "network"][0]
    assert network["status"] == "not_applicable" and network["details"] == REASON  # not overwritten by evaluation
    assert report["status"] == "passed" and report["failed_checks"] == []
    assert report["check_counts"] == {"passed": 11, "failed": 0, "not_verifiable": 5, "not_applicable": 1}  # 3: the data checks, no data access
    assert [c["id"] for c in report["checks"]] == [c["id"] for c in drill_report.build_report(context())["checks"]]
    assert drill_checks.verdict([network], None, "deleted", False) == ("passed", [])
    assert drill_checks.verdict([network], None, "none", True) == ("check_mode", [])


def test_it_stays_not_applicable_in_check_mode():
    report = na_report("rto", check_mode=True, restore={}, restored_backups={})
    assert statuses(report)["rto"] == "not_applicable" and report["status"] == "check_mode"
    assert report["check_counts"]["not_applicable"] == 1


def test_json_report():
    report = json.loads(render("report.json.j2", backup_restore_drill_result=na_report()))
    assert statuses(report)["network"] == "not_applicable"
    assert report["check_counts"]["not_applicable"] == 1 and report["check_counts"]["not_verifiable"] == 5


def test_markdown_report():
    markdown = render("report.md.j2", backup_restore_drill_result=na_report())
    assert "| The restored data centres use the requested network (`network`) | NOT APPLICABLE | %s |" % REASON in markdown
    assert "11 passed, 0 failed, 5 not verifiable, 1 not applicable." in markdown


def test_html_report():
    page = render("report.html.j2", backup_restore_drill_result=na_report())
    assert '<span class="not_applicable">not applicable</span></td><td>%s</td>' % REASON in page
    assert ".not_applicable { background:" in page  # a colour of its own, not white on white
    assert "<p>11 passed, 0 failed, 5 not verifiable, 1 not applicable.</p>" in page


def test_junit_report_skips_it_with_its_reason():
    xml = render("report.junit.xml.j2", backup_restore_drill_result=na_report())
    suite = ElementTree.fromstring(xml).find("testsuite")
    case = [c for c in suite.findall("testcase") if c.get("name") == "network"][0]
    skipped = case.find("skipped")
    assert skipped is not None and skipped.get("message") == REASON and skipped.get("type") == "not_applicable"
    assert case.find("failure") is None
    assert suite.get("skipped") == "6" and suite.get("failures") == "0"
    properties = {p.get("name"): p.get("value") for p in suite.find("properties")}
    assert properties["not_applicable"] == "1" and properties["not_verifiable"] == "5"


def test_summary():
    summary = drill_summary.summarise({"orders-prod": na_report(), "lost": None}, "/tmp/r", "r1")
    assert summary["counts"] == {"passed": 1, "failed": 1}  # drills, as before
    assert summary["check_counts"] == {"passed": 11, "failed": 0, "not_verifiable": 5, "not_applicable": 1}
    assert summary["drills"][0]["not_applicable_checks"] == ["network"]
    assert summary["drills"][1]["check_counts"]["not_applicable"] == 0
    markdown = render("summary.md.j2", backup_restore_drill_summary=summary)
    assert "Checks: 11 passed, 0 failed, 5 not verifiable, 1 not applicable." in markdown
    assert "| Failed checks | Not applicable | Report |" in markdown and "|  | network | " in markdown
