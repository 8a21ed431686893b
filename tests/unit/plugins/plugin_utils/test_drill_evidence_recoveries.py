"""Recovery reports in the evidence index: read with the drills' bounds, shown in a section of their own, verified
by their manifests (a chain of their own per source, beside its drills'), part of the pack and its controls, and
never counted as a drill. Also: the index's tables scroll inside their box instead of widening the page."""

import json
import os
import re
import tarfile

from hypothesis import HealthCheck, given, settings, strategies as st

from ansible_collections.restorekit.instaclustr.plugins.plugin_utils import (
    drill_evidence,
    drill_evidence_integrity,
    evidence_manifest,
    steps_memory,
)
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.drill_evidence_render import (
    render_html,
    render_json,
    render_markdown,
    write_index,
)
from tests.unit.plugins.plugin_utils.evidence_reports import DAY_MS, NOW_MS, ORDERS, recovery, write, write_recovery
from tests.unit.plugins.plugin_utils.test_evidence_manifest import drill, make_key, standalone, write_pack

STEM = "recoveries/recovery-orders-prod-rc1"


def index(folder, trusted=(), max_age=None):
    found = drill_evidence.scan(str(folder))
    model = drill_evidence.build_model(found, NOW_MS, max_age=max_age)
    return drill_evidence_integrity.apply(model, drill_evidence_integrity.verify_folder(str(folder), found, list(trusted)))


def without_recoveries(model):
    return {key: value for key, value in model.items() if key not in ("recoveries", "counts", "integrity", "generated_at")}


def test_a_recovery_is_listed_apart_with_what_a_person_on_call_needs(tmp_path):
    drill(tmp_path, ORDERS, "orders-prod", "d1", 20)
    write_recovery(tmp_path, ORDERS, "orders-prod", "rc1", NOW_MS - DAY_MS)

    model = index(tmp_path)

    [entry] = model["recoveries"]
    assert entry["source"] == {"id": ORDERS, "name": "orders-prod"}
    assert entry["restored"]["name"] == "orders-recovered" and entry["restored"]["id"].startswith("5e1d0c3b-")
    assert entry["status"] == "recovered" and entry["run_id"] == "rc1"
    planned = NOW_MS - DAY_MS - 30 * 60 * 1000
    assert entry["point_in_time"] == drill_evidence.iso_utc(planned - 3600 * 1000) and entry["point_in_time_basis"] == "latest"
    assert entry["data_loss_seconds"] == 0.0  # a FAILED source: its newest backup is the point restored
    assert entry["time_to_recover_seconds"] == 1200.0
    assert entry["checks"] == [{"id": "catalogue", "status": "not_run"}]
    assert (entry["report"], entry["report_html"]) == (STEM + ".json", STEM + ".html")
    assert entry["finished_at"] == drill_evidence.iso_utc(NOW_MS - DAY_MS)
    assert model["counts"]["recoveries"] == 1
    # Neither a skipped file nor an unknown one: its Markdown and HTML twins are known siblings.
    assert model["skipped"] == [] and model["unknown_files"] == []


def test_a_recovery_is_never_counted_as_a_drill(tmp_path):
    drill(tmp_path / "alone", ORDERS, "orders-prod", "d1", 1)  # 29 days old: stale at 7d
    write_recovery(tmp_path / "with", ORDERS, "orders-prod", "rc1", NOW_MS - 1000)
    drill(tmp_path / "with", ORDERS, "orders-prod", "d1", 1)

    alone, together = index(tmp_path / "alone", max_age="7d"), index(tmp_path / "with", max_age="7d")

    # The same clusters, drill history, freshness verdict and gate message, recovery or not.
    assert without_recoveries(together) == without_recoveries(alone)
    assert together["counts"]["reports"] == 1 and together["status"] == "stale"
    assert drill_evidence.gate_message(together) == drill_evidence.gate_message(alone)
    # A folder holding only a recovery has no drill evidence: the gate fails on it as on an empty one.
    write_recovery(tmp_path / "only", ORDERS, "orders-prod", "rc1", NOW_MS - 1000)
    only = index(tmp_path / "only", max_age="7d")
    assert only["clusters"] == [] and only["counts"]["reports"] == 0 and len(only["recoveries"]) == 1
    assert drill_evidence.gate_message(only).startswith("no drill report in")


def test_the_pages_show_the_recoveries_section_with_a_link_to_the_report(tmp_path):
    drill(tmp_path, ORDERS, "orders-prod", "d1", 20)
    write_recovery(tmp_path, ORDERS, "orders-prod", "rc1", NOW_MS - DAY_MS)
    model = index(tmp_path)

    page, text, document = render_html(model), render_markdown(model), json.loads(render_json(model))

    section = page.split("<h2>Recoveries</h2>")[1].split("</table>")[0]
    for value in ("orders-prod (%s)" % ORDERS, "orders-recovered (", "RECOVERED", "20m00s", "catalogue not_run", "intact, unsigned",
                  'href="%s.html"' % STEM):
        assert value in section, value
    assert "## Recoveries" in text and "](%s.html)" % STEM in text and "| orders-recovered (" in text
    assert document["recoveries"][0]["evidence"]["status"] == "intact"
    assert "A recovery is not a drill" in page


def test_a_signed_recovery_is_verified_in_a_chain_of_its_own_beside_its_sources_drills(tmp_path):
    private, public, key_id = make_key(tmp_path / "keys")
    folder = tmp_path / "reports"
    drill(folder, ORDERS, "orders-prod", "d1", 10, key=private)
    write_recovery(folder, ORDERS, "orders-prod", "rc1", NOW_MS - 5 * DAY_MS, signing_key=private)
    write_recovery(folder, ORDERS, "orders-prod", "rc2", NOW_MS - 4 * DAY_MS, signing_key=private)
    drill(folder, ORDERS, "orders-prod", "d2", 29, key=private)  # written after the recoveries

    model = index(folder, [public])

    assert model["integrity"]["status"] == "intact" and model["integrity"]["problems"] == []
    # The drill written after the recoveries links to the drill before it, not to a recovery.
    second = json.loads((folder / "drill-orders-prod-d2.manifest.json").read_text())
    assert second["previous_manifest"] == "drill-orders-prod-d1.manifest.json" and "report_kind" not in second
    latest = json.loads((folder / "recoveries" / "recovery-orders-prod-rc2.manifest.json").read_text())
    assert latest["report_kind"] == "recovery" and latest["previous_manifest"] == "recovery-orders-prod-rc1.manifest.json"
    [cluster] = model["clusters"]
    assert cluster["evidence"]["manifests"] == 2 and cluster["evidence"]["status"] == "intact"
    assert [entry["evidence"]["status"] for entry in model["recoveries"]] == ["intact", "intact"]
    assert model["recoveries"][0]["evidence"]["signed_by"] == [key_id] and model["recoveries"][0]["run_id"] == "rc2"
    heads = {(head["kind"], head["manifest"]) for head in model["integrity"]["chain_heads"]}
    assert heads == {("drill", "drill-orders-prod-d2.manifest.json"), ("recovery", STEM[:-3] + "rc2.manifest.json")}


def test_a_tampered_recovery_fails_the_integrity_verdict_naming_it(tmp_path):
    drill(tmp_path, ORDERS, "orders-prod", "d1", 20)
    write_recovery(tmp_path, ORDERS, "orders-prod", "rc1", NOW_MS - DAY_MS)
    path = tmp_path / (STEM + ".json")
    path.write_bytes(path.read_bytes().replace(b'"recovered"', b'"recovereD"', 1))

    model = index(tmp_path)

    assert model["integrity"]["status"] == "failed"
    [problem] = model["integrity"]["problems"]
    assert problem["path"] == STEM + ".json" and "does not match its manifest" in problem["problem"]
    assert "edited after the recovery" in problem["problem"]
    assert model["recoveries"][0]["evidence"]["status"] == "tampered"
    assert model["clusters"][0]["evidence"]["status"] == "intact"  # the source's drills are not what changed
    assert STEM + ".json: does not match" in drill_evidence_integrity.gate_message(model)
    assert "recovery-orders-prod-rc1.json: does not match" in render_html(model).split("<h2>Integrity")[1]


def test_a_recovery_whose_manifest_was_removed_counts_as_tampered(tmp_path):
    write_recovery(tmp_path, ORDERS, "orders-prod", "rc1", NOW_MS - DAY_MS)
    os.unlink(str(tmp_path / (STEM + ".manifest.json")))

    model = index(tmp_path)

    [problem] = model["integrity"]["problems"]
    assert problem["path"] == STEM + ".json" and "a recovery report of format_version 1 has no valid manifest" in problem["problem"]
    assert model["recoveries"][0]["evidence"]["status"] == "tampered"


def test_a_recovery_manifest_written_before_it_named_its_kind_is_still_a_recovery(tmp_path):
    stem = write_recovery(tmp_path, ORDERS, "orders-prod", "rc1", NOW_MS - DAY_MS)
    drill(tmp_path, ORDERS, "orders-prod", "d1", 20)
    manifest = json.loads(open(stem + ".manifest.json").read())
    del manifest["report_kind"]
    with open(stem + ".manifest.json", "w") as handle:
        handle.write(json.dumps(manifest))

    model = index(tmp_path)

    assert model["integrity"]["problems"] == [] and model["recoveries"][0]["evidence"]["status"] == "intact"
    assert evidence_manifest.manifest_kind(manifest) == "recovery"


def test_the_pack_holds_the_recovery_maps_it_to_controls_and_verifies_stand_alone(tmp_path):
    private, public, key_id = make_key(tmp_path / "keys")
    folder = tmp_path / "reports"
    drill(folder, ORDERS, "orders-prod", "d1", 20, key=private)
    write_recovery(folder, ORDERS, "orders-prod", "rc1", NOW_MS - DAY_MS, signing_key=private)

    pack = write_pack(folder, public, tmp_path)

    with tarfile.open(pack) as tar:
        names = set(tar.getnames())
        controls = tar.extractfile("controls.md").read().decode()
    assert {STEM + suffix for suffix in (".json", ".md", ".html", ".manifest.json", ".manifest.json.sig")} <= names
    assert "**Recoveries executed and recorded**: 1 recoveries recorded in the window (1 recovered" in controls
    dora = controls.split("Article 11")[1].split("## ")[0]
    assert "orders-prod (%s)" % ORDERS in dora and "into orders-recovered" in dora
    verified = standalone(tmp_path, "verify-pack", pack, "--trust", key_id)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "pack verified: 1 clusters, 2 manifests; recoveries: 1 manifests of 1 source clusters" in verified.stdout
    assert "recoveries of orders-prod (%s): 1 manifests" % ORDERS in verified.stdout


def test_a_pack_without_the_recovery_its_index_names_fails_stand_alone(tmp_path):
    private, public, key_id = make_key(tmp_path / "keys")
    folder = tmp_path / "reports"
    drill(folder, ORDERS, "orders-prod", "d1", 20, key=private)
    write_recovery(folder, ORDERS, "orders-prod", "rc1", NOW_MS - DAY_MS, signing_key=private)
    pack = write_pack(folder, public, tmp_path)
    cut = str(tmp_path / "cut.tar.gz")
    with tarfile.open(pack) as source, tarfile.open(cut, "w:gz") as target:
        for member in source.getmembers():
            if not member.name.startswith("recoveries/"):
                target.addfile(member, source.extractfile(member))

    result = standalone(tmp_path, "verify-pack", cut, "--trust", key_id)

    assert result.returncode == 1 and "PROBLEM %s.json: named in evidence.json but not in the pack" % STEM in result.stdout


def test_the_drill_memory_and_an_earlier_recovery_are_found_with_recoveries_under_the_drill_folder(tmp_path):
    drill(tmp_path, ORDERS, "orders-prod", "d1", 20)
    write_recovery(tmp_path, ORDERS, "orders-prod", "rc1", NOW_MS - DAY_MS)

    memory = steps_memory.newest_drill_report(str(tmp_path), ORDERS)
    earlier = steps_memory.earlier_recovery(str(tmp_path / "recoveries"), ORDERS, "orders-recovered")

    assert memory["run_id"] == "d1" and memory["path"].endswith("drill-orders-prod-d1.json")
    assert earlier["run_id"] == "rc1" and earlier["status"] == "recovered"


def test_the_index_tables_scroll_inside_their_box_not_the_page(tmp_path):
    drill(tmp_path, ORDERS, "orders-prod", "d1", 20)
    write_recovery(tmp_path, ORDERS, "orders-prod", "rc1", NOW_MS - DAY_MS)
    page = render_html(index(tmp_path))
    css = page.split("<style>")[1].split("</style>")[0]

    box = re.search(r"\.table-box \{([^}]*)\}", css).group(1)
    assert "overflow-x: auto" in box and "max-width: 100%" in box
    # Every table is inside such a box, and no rule keeps long ids or paths from wrapping.
    assert page.count("<table>") == page.count('<div class="table-box"><table>') == 3
    assert page.count("</table></div>") == 3
    code = re.search(r"(^|\n)code \{([^}]*)\}", css).group(2)
    assert "nowrap" not in code and "overflow-wrap: anywhere" in code
    body = re.search(r"(^|\n)body \{([^}]*)\}", css).group(2)
    assert "max-width: 1150px" in body and "box-sizing: border-box" in body


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
                    max_leaves=20)
FIELDS = ["format_version", "source", "status", "checks", "plan", "restored", "restore", "data_loss", "time_to_recover",
          "steps", "run_id", "application", "api_version", "reference_time_ms", "check_mode"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fields=st.dictionaries(st.sampled_from(FIELDS), JSON, max_size=5))
def test_arbitrary_values_in_a_recovery_report_never_crash_the_index(tmp_path_factory, fields):
    folder = tmp_path_factory.mktemp("evidence")
    document = recovery(ORDERS, "orders-prod", "f1", NOW_MS - 1000)
    document.update(fields)
    write(folder, "recoveries/recovery-orders-prod-f1.json", json.dumps(document))
    model = index(folder)
    render_html(model), render_markdown(model), render_json(model)
    write_index(str(folder), model)
