"""Nothing in a report folder can crash the evidence index: every bad file is skipped or recorded with a reason,
what is read is bounded (size, depth), and a FIFO, a device or a symbolic link is never opened.

The bad files are the ones a review from outside put in a folder; a property test (hypothesis) then feeds the
index arbitrary JSON, as whole files and as the values of a real report's fields.
"""

import json
import os
import threading

from hypothesis import HealthCheck, given, settings, strategies as st

from ansible_collections.restorekit.instaclustr.plugins.plugin_utils import drill_evidence
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.drill_evidence import build_model, scan
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.drill_evidence_render import (
    render_html,
    render_json,
    render_markdown,
    write_index,
)
from tests.unit.plugins.plugin_utils.evidence_reports import NOW_MS, ORDERS, report, write, write_drill


def index_of(folder, **options):
    """Scan, model, the three renderings and the write: what the action does, in a thread that must end."""
    outcome = {}

    def work():
        model = build_model(scan(str(folder)), NOW_MS, max_age="30d", **options)
        outcome["texts"] = (render_html(model), render_markdown(model), render_json(model))
        outcome["files"] = write_index(str(folder), model)
        outcome["model"] = model

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive(), "the index blocked (a FIFO or a device was opened?)"
    assert "model" in outcome, "the index raised (see the thread's traceback above)"
    return outcome["model"]


def reasons(model):
    return {entry["path"]: entry["reason"] for entry in model["skipped"]}


def test_every_bad_file_of_the_review_is_skipped_or_recorded(tmp_path):
    write_drill(tmp_path, ORDERS, "orders-prod", "good", NOW_MS - 1000)
    write(tmp_path, "drill-deep-r1.json", "[" * 100000 + "]" * 100000)
    write(tmp_path, "drill-time-r1.json", report(ORDERS, "orders-prod", "t1", NOW_MS, reference_time_ms=1e20, phases=[]))
    listed = report(ORDERS, "orders-prod", "l1", NOW_MS - 500)
    listed["checks"] = [{"id": ["rto"], "status": "passed", "figures": {"seconds": 1}},
                        {"id": {"x": 1}, "status": "not_applicable"}]
    write(tmp_path, "drill-listid-r1.json", listed)
    write(tmp_path, "drill-huge-r1.json", report(ORDERS, "orders-prod", "h1", NOW_MS - 400,
                                                 figures={"rto_seconds": 1e308, "rpo_seconds": -1e308}))
    os.mkfifo(str(tmp_path / "index.md"))
    os.mkfifo(str(tmp_path / "drill-fifo-r1.json"))
    os.symlink("/dev/zero", str(tmp_path / "index.html"))
    os.symlink("/dev/zero", str(tmp_path / "drill-zero-r1.json"))
    with open(str(tmp_path / "drill-big-r1.json"), "wb") as handle:
        handle.truncate(drill_evidence.MAX_REPORT_BYTES + 1)  # sparse: costs no disk
    write(tmp_path, "drill-summary-x.json", "[" * 100000)
    model = index_of(tmp_path)
    why = reasons(model)
    assert "nested deeper" in why["drill-deep-r1.json"]
    assert "not a regular file" in why["drill-fifo-r1.json"] and "not a regular file" in why["drill-zero-r1.json"]
    assert "larger than" in why["drill-big-r1.json"]
    runs = {drill["run_id"] for cluster in model["clusters"] for drill in cluster["drills"]}
    assert {"good", "l1", "h1"} <= runs  # read for what they hold; the bad fields left out
    assert os.path.isfile(str(tmp_path / "index.md")) and not os.path.islink(str(tmp_path / "index.html"))


def test_summaries_are_bounded_too(tmp_path):
    write_drill(tmp_path, ORDERS, "orders-prod", "good", NOW_MS - 1000)
    with open(str(tmp_path / "drill-summary-big.json"), "wb") as handle:
        handle.truncate(drill_evidence.MAX_REPORT_BYTES + 1)
    model = index_of(tmp_path)
    assert model["clusters"][0]["in_latest_run"] is None  # the summary was not read


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
                    max_leaves=20)
FIELDS = ["format_version", "source", "status", "checks", "figures", "settings", "phases", "run_id", "application",
          "api_version", "reference_time_ms", "reference_time", "message"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(whole=JSON, fields=st.dictionaries(st.sampled_from(FIELDS), JSON, max_size=5),
       source_fields=st.dictionaries(st.sampled_from(["id", "name", "application", "api_version"]), JSON, max_size=3))
def test_arbitrary_json_never_crashes_the_index(tmp_path_factory, whole, fields, source_fields):
    folder = tmp_path_factory.mktemp("evidence")
    write(folder, "drill-whole-r1.json", json.dumps(whole))
    document = report(ORDERS, "orders-prod", "f1", NOW_MS - 1000)
    document.update(fields)
    if isinstance(document.get("source"), dict):
        document["source"] = dict(document["source"], **source_fields)
    write(folder, "drill-fields-r1.json", json.dumps(document))
    write(folder, "drill-summary-r1.json", json.dumps({"drills": [whole]}))
    index_of(folder)
