"""Reports stay inert whatever the API names things: Markdown, JUnit XML, the evidence index's links, file names."""

import os
import re
from xml.etree import ElementTree

from ansible_collections.restorekit.instaclustr.plugins.plugin_utils import drill_report
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.drill_evidence import build_model, scan
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.drill_evidence_render import render_html, render_markdown
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.report_text import (
    file_name_part,
    markdown_fence,
    markdown_inline,
    relative_href,
    xml_text,
)
from tests.unit.plugins.plugin_utils.drill_fixtures import context
from tests.unit.plugins.plugin_utils.evidence_reports import NOW_MS, ORDERS, write_drill
from tests.unit.plugins.plugin_utils.test_drill_not_applicable import render

HOSTILE_NAME = "orders<img src=x onerror=alert(1)>|# `x` *y* [z](javascript:alert(1))\x00\x1b\x0b"
HOSTILE_MESSAGE = "the API said:\n```\n# Injected heading\n<script>alert(1)</script>\n````"


def hostile_report():
    value = context()
    preflight = dict(value["preflight"])
    preflight["source"] = dict(preflight["source"], name=HOSTILE_NAME)
    value["preflight"] = preflight
    value["failure"] = {"phase": "restore", "task": "Restore <b>", "message": HOSTILE_MESSAGE}
    return drill_report.build_report(value)


def test_markdown_inline_escapes_html_and_structure_on_one_line():
    text = markdown_inline(HOSTILE_NAME + "\nnext")
    assert "<" not in text and ">" not in text and "\n" not in text
    for special in "|#`*[]":
        assert re.search(r"(?<!\\)" + re.escape(special), text) is None, special


def test_markdown_fence_is_longer_than_any_backtick_run():
    assert markdown_fence("plain") == "```"
    assert markdown_fence(HOSTILE_MESSAGE) == "`````"


def test_xml_text_replaces_what_xml_1_0_forbids():
    text = xml_text("a\x00b\x1bc\x0bd\ud800e<&>\"'")
    ElementTree.fromstring('<r a="%s">%s</r>' % (text, text))
    assert text.startswith("a\ufffdb\ufffdc\ufffdd\ufffde&lt;&amp;&gt;")


def test_relative_href_never_yields_a_scheme_or_a_host():
    assert relative_href("javascript:alert(1)/drill-x.html") == "javascript%3Aalert%281%29/drill-x.html"
    assert relative_href("/srv/reports/a b/drill.html", "/srv/reports") == "a%20b/drill.html"
    assert relative_href("//evil.example/x") == "evil.example/x"
    assert ":" not in relative_href("data:text/html,<x>")


def test_file_name_part_is_bounded_and_unique():
    long_a, long_b = "a" * 300 + "-one", "a" * 300 + "-two"
    assert file_name_part("orders-prod") == "orders-prod"
    assert len(file_name_part(long_a)) <= 60 and file_name_part(long_a) != file_name_part(long_b)
    assert file_name_part("a b") != file_name_part("a-b")
    assert file_name_part("a b") == file_name_part("a b")


def test_a_long_source_name_gives_report_files_the_file_system_accepts(tmp_path):
    value = context()
    preflight = dict(value["preflight"])
    preflight["source"] = dict(preflight["source"], name="s" * 1000)
    value["preflight"] = preflight
    report = drill_report.build_report(value)
    for path in report["files"].values():
        name = os.path.basename(path)
        assert len(name.encode()) < 120
        (tmp_path / name).write_text("ok")  # no "File name too long"


def test_markdown_report_keeps_hostile_text_inert_and_its_fence_closed():
    markdown = render("report.md.j2", backup_restore_drill_result=hostile_report())
    assert "<img" not in markdown and "<script" not in markdown.split("`````")[0]
    heading = markdown.splitlines()[0]
    assert heading.startswith("# DR drill of orders&lt;img") and "\\|" in heading and "\\`x\\`" in heading
    block = markdown.split("`````\n", 2)
    assert len(block) == 3 and block[1].rstrip("\n") == HOSTILE_MESSAGE  # the message whole, inside its own fence
    assert not any(line.startswith("# Injected") for line in block[0].splitlines() + block[2].splitlines())


def test_junit_report_is_well_formed_xml_with_control_characters():
    xml = render("report.junit.xml.j2", backup_restore_drill_result=hostile_report())
    root = ElementTree.fromstring(xml.encode("utf-8"))
    assert root.find("testsuite").get("name").startswith("backup_restore_drill.orders<img")  # text, not markup


def test_summary_markdown_escapes_hosts_and_messages():
    summary = {"status": "failed", "run_id": "r1", "counts": {"failed": 1}, "applications": {},
               "check_counts": {"passed": 0, "failed": 1, "not_verifiable": 0, "not_applicable": 0},
               "drills": [{"host": HOSTILE_NAME, "source": HOSTILE_NAME, "status": "failed", "failed_checks": ["rto"],
                           "message": HOSTILE_MESSAGE, "files": {"markdown": "/r/drill-x.md"}}]}
    markdown = render("summary.md.j2", backup_restore_drill_summary=summary)
    assert "<img" not in markdown and "<script" not in markdown and "\n# Injected" not in markdown


def test_index_links_are_relative_percent_encoded_paths(tmp_path):
    write_drill(tmp_path, ORDERS, "orders-prod", "r1", NOW_MS - 1000, sub="javascript:alert(1)")
    model = build_model(scan(str(tmp_path)), NOW_MS)
    page, markdown = render_html(model), render_markdown(model)
    assert 'href="javascript%3Aalert%281%29/drill-orders-prod-r1.json"' in page
    assert "javascript:" not in page and "javascript:" not in markdown
    assert "(javascript%3Aalert%281%29/drill-orders-prod-r1.json)" in markdown
