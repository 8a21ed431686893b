"""index.html, index.md and evidence.json from the evidence model, and their atomic writing."""

import json
import os
import re
import threading
from html.parser import HTMLParser

from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.atomic_files import write_atomic
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.drill_evidence import build_model, scan
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.drill_evidence_render import (
    human_seconds,
    render_html,
    render_json,
    render_markdown,
    sparkline,
    write_index,
)
from tests.unit.plugins.plugin_utils.evidence_reports import DAY_MS, INVENTORY, NOW_MS, ORDERS, report, write, write_drill


def folder_model(tmp_path, **options):
    write_drill(tmp_path, ORDERS, "orders-prod", "r1", NOW_MS - 20 * DAY_MS, rto=1200.0, rpo=0.0)
    write_drill(tmp_path, ORDERS, "orders-prod", "r2", NOW_MS - 10 * DAY_MS, status="failed", rto=3000.0, rpo=120.0)
    write_drill(tmp_path, ORDERS, "orders-prod", "r3", NOW_MS - 1 * DAY_MS, rto=1300.0, rpo=60.0)
    write(tmp_path, "drill-orders-prod-r3.html", "<html></html>")
    write_drill(tmp_path, INVENTORY, "inventory-<dev>", "r1", NOW_MS - 50 * DAY_MS)
    write(tmp_path, "drill-broken-r9.json", '{"format_version": 1, "sou')
    return build_model(scan(str(tmp_path)), NOW_MS, max_age="30d", latest_run_ids=["r3"], **options)


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.links, self.rows = [], [], 0

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        attrs = dict(attrs)
        if tag == "a":
            self.links.append(attrs.get("href"))
        if tag == "tr":
            self.rows += 1
        for name in attrs:
            assert not name.startswith("on"), "event handler attribute %s" % name


def test_html_has_a_row_per_cluster_a_verdict_a_trend_and_no_script(tmp_path):
    page = render_html(folder_model(tmp_path))

    collector = _Collector()
    collector.feed(page)
    assert "script" not in collector.tags and "<script" not in page.lower()
    assert not re.search(r'(src|href)="(https?:)?//', page), "no external resource"
    assert collector.rows == 3  # header + 2 clusters
    assert collector.tags.count("svg") == 2 and collector.tags.count("polyline") >= 2
    assert "drill-orders-prod-r3.html" in collector.links  # the readable twin of the last report
    assert "drill-inventory-%3Cdev%3E-r1.json" in page and "inventory-<dev>" not in page  # a percent-encoded link
    assert "1 of 2 clusters have no passing drill within 30d: inventory-&lt;dev&gt;." in page
    assert "Not drilled in the latest run: inventory-&lt;dev&gt;." in page
    assert 'class="stale"' in page and "STALE: last passed" in page
    assert "2/3 (67%)" in page  # orders-prod: two passes of three in the window
    assert "21m40s / 45m00s" in page  # last RTO against its target
    assert "stroke-dasharray" in page  # target lines
    assert 'fill="#d33c3c"' in page  # the failed drill's dot
    assert "1 files not counted" in page and "drill-broken-r9.json" in page


def test_markdown_has_the_same_rows_with_sparklines(tmp_path):
    text = render_markdown(folder_model(tmp_path))
    lines = text.splitlines()
    rows = [line for line in lines if line.startswith("| ") and "`" in line]
    assert len(rows) == 2
    orders = [row for row in rows if "orders-prod" in row][0]
    assert "PASSED" in orders and "[report](drill-orders-prod-r3.html)" in orders and "2/3 (67%)" in orders
    assert sparkline([1200.0, 3000.0, 1300.0]) in orders
    inventory = [row for row in rows if "inventory" in row][0]
    assert "**STALE**" in inventory and "not drilled in the latest run" in inventory
    assert "1 files not counted" in text


def test_json_round_trips_with_the_documented_fields(tmp_path):
    document = json.loads(render_json(folder_model(tmp_path)))
    for key in ("format_version", "generated_at", "window", "max_age", "clusters"):
        assert key in document
    cluster = [c for c in document["clusters"] if c["name"] == "orders-prod"][0]
    for key in ("cluster_id", "name", "application", "api_version", "last_passing_at", "stale", "drills"):
        assert key in cluster
    assert [set(("run_id", "status", "finished_at", "rto_seconds", "rpo_seconds", "report")) <= set(d) for d in cluster["drills"]] == [True] * 3
    assert [d["run_id"] for d in cluster["drills"]] == ["r1", "r2", "r3"]


def test_an_empty_folder_renders_a_page_saying_so(tmp_path):
    model = build_model(scan(str(tmp_path)), NOW_MS)
    assert "No drill report found." in render_html(model)
    assert "No drill report found." in render_markdown(model)


def test_human_seconds_and_sparkline():
    assert [human_seconds(v) for v in (None, 45, 750, 11100, 360000)] == ["-", "45s", "12m30s", "3h05m", "4d04h"]
    assert sparkline([None, 0.0, 50.0, 100.0]) == "▁▅█"
    assert sparkline([None]) == ""


def test_write_index_writes_three_files_and_reports_a_change(tmp_path):
    model = folder_model(tmp_path)
    files, changed = write_index(str(tmp_path), model)
    assert changed and sorted(os.path.basename(p) for p in files.values()) == ["evidence.json", "index.html", "index.md"]
    assert write_index(str(tmp_path), model) == (files, False)  # the same content: unchanged
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".tmp")]
    # The index files are not reports: the next scan ignores them.
    again = build_model(scan(str(tmp_path)), NOW_MS)
    assert again["counts"]["reports"] == 4 and again["unknown_files"] == []


def test_check_mode_writes_nothing(tmp_path):
    files, changed = write_index(str(tmp_path), folder_model(tmp_path), check_mode=True)
    assert changed and not any(os.path.exists(path) for path in files.values())


def test_concurrent_writers_and_readers_only_ever_see_a_whole_file(tmp_path):
    target = str(tmp_path / "index.html")
    texts = ["<html>%s</html>\n" % (letter * 200000) for letter in "abcd"]
    write_atomic(target, texts[0].encode(), 0o644)
    seen, stop = [], threading.Event()

    def writer(text):
        for _round in range(15):
            write_atomic(target, text.encode(), 0o644)
            write_atomic(target, texts[0].encode(), 0o644)

    def reader():
        while not stop.is_set():
            with open(target, encoding="utf-8") as handle:
                seen.append(handle.read())

    readers = [threading.Thread(target=reader) for _index in range(2)]
    writers = [threading.Thread(target=writer, args=(text,)) for text in texts[1:]]
    for thread in readers + writers:
        thread.start()
    for thread in writers:
        thread.join()
    stop.set()
    for thread in readers:
        thread.join()

    assert seen and all(text in texts for text in seen)
    with open(target, encoding="utf-8") as handle:
        assert handle.read() in texts
    assert sorted(os.listdir(tmp_path)) == ["index.html"]  # no temporary file left behind
    assert oct(os.stat(target).st_mode & 0o777) == "0o644"


def test_a_figure_the_drill_marks_not_applicable_reads_so_and_an_unmeasured_one_stays_a_dash(tmp_path):
    # A Redis drill: its rpo check is not applicable (no backup listing), its figure null.
    redis = report(INVENTORY, "sessions-redis", "r1", NOW_MS - DAY_MS, rpo=None, rpo_target=None)
    for check in redis["checks"]:
        if check["id"] == "rpo":
            check.update(status="not_applicable", details="Redis has no backup listing", figures={})
    write(tmp_path, "drill-sessions-redis-r1.json", redis)
    # A Cassandra drill whose RPO was simply not measured (null, check not verifiable).
    write_drill(tmp_path, ORDERS, "orders-prod", "r1", NOW_MS - DAY_MS, rpo=None, rpo_target=None)
    model = build_model(scan(str(tmp_path)), NOW_MS, max_age="30d")

    by_name = {cluster["name"]: cluster for cluster in json.loads(render_json(model))["clusters"]}
    assert by_name["sessions-redis"]["last_drill"]["not_applicable"] == ["rpo"]
    assert by_name["orders-prod"]["last_drill"]["not_applicable"] == []
    markdown_rows = {line.split("|")[1].strip(): line for line in render_markdown(model).splitlines() if line.startswith("| ")}
    redis_row = next(line for name, line in markdown_rows.items() if "sessions-redis" in name)
    orders_row = next(line for name, line in markdown_rows.items() if "orders-prod" in name)
    assert "| not applicable |" in redis_row
    assert "not applicable" not in orders_row and "| - |" in orders_row
    page = render_html(model)
    assert page.count(">not applicable<") == 1


def test_the_index_shows_the_proven_rpo_beside_the_backups_rpo(tmp_path):
    document = report(ORDERS, "orders-prod", "r1", NOW_MS - DAY_MS, rpo=600.0)
    document["figures"]["proven_rpo_seconds"] = 5400.0
    write(tmp_path, "drill-orders-prod-r1.json", json.dumps(document))
    model = build_model(scan(str(tmp_path)), NOW_MS, max_age="30d")
    assert model["clusters"][0]["last_drill"]["proven_rpo_seconds"] == 5400.0
    markdown, page = render_markdown(model), render_html(model)
    assert "%s / %s (proven %s)" % (human_seconds(600.0), human_seconds(900.0), human_seconds(5400.0)) in markdown
    assert "(proven %s)" % human_seconds(5400.0) in page
    assert "proven: the drill's start minus the newest canary" in markdown
    assert "proven: the drill's start minus the newest canary" in page
