"""The evidence index over crafted report folders: pass, fail, stale, never passed, corrupt,
mixed format versions, duplicate run ids, extra files, the latest run, the window, and scale."""

import json
import os
import time

import pytest

from ansible_collections.restorekit.instaclustr.plugins.module_utils._clock import iso_utc
from ansible_collections.restorekit.instaclustr.plugins.module_utils._errors import OptionError
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils import drill_evidence, drill_report
from tests.unit.plugins.plugin_utils import drill_fixtures
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.drill_evidence import build_model, gate_message, scan
from tests.unit.plugins.plugin_utils.evidence_reports import (
    BILLING,
    DAY_MS,
    INVENTORY,
    NOW_MS,
    ORDERS,
    report,
    synthetic_folder,
    write,
    write_drill,
)


def model_of(folder, **options):
    return build_model(scan(str(folder)), NOW_MS, **options)


def by_name(model):
    return {cluster["name"]: cluster for cluster in model["clusters"]}


def test_two_passing_drills_of_one_cluster_oldest_first_with_their_figures(tmp_path):
    write_drill(tmp_path, ORDERS, "orders-prod", "r2", NOW_MS - 1 * DAY_MS, rto=1500.0, rpo=60.0)
    write_drill(tmp_path, ORDERS, "orders-prod", "r1", NOW_MS - 8 * DAY_MS, rto=1200.0, rpo=0.0)
    write(tmp_path, "drill-orders-prod-r2.html", "<html></html>")

    model = model_of(tmp_path, max_age="30d")

    assert model["format_version"] == 1
    assert model["generated_at"] == iso_utc(NOW_MS)
    assert (model["window"], model["window_seconds"], model["max_age"], model["max_age_seconds"]) == ("90d", 7776000.0, "30d", 2592000.0)
    assert model["status"] == "fresh"
    [cluster] = model["clusters"]
    assert cluster["cluster_id"] == ORDERS and cluster["name"] == "orders-prod"
    assert (cluster["application"], cluster["api_version"]) == ("cassandra", "v1")
    assert [d["run_id"] for d in cluster["drills"]] == ["r1", "r2"]
    assert [(d["rto_seconds"], d["rpo_seconds"]) for d in cluster["drills"]] == [(1200.0, 0.0), (1500.0, 60.0)]
    assert cluster["drills"][1]["report"] == "drill-orders-prod-r2.json"
    assert cluster["drills"][1]["report_html"] == "drill-orders-prod-r2.html"
    assert cluster["drills"][0]["report_html"] is None
    assert cluster["drills"][1]["finished_at"] == iso_utc(NOW_MS - DAY_MS)
    assert cluster["last_passing_at"] == iso_utc(NOW_MS - DAY_MS)
    assert cluster["last_passing_age_seconds"] == 86400.0
    assert (cluster["stale"], cluster["pass_rate"]) == (False, 1.0)
    assert (cluster["rto_target_seconds"], cluster["rpo_target_seconds"]) == (2700.0, 900.0)
    assert gate_message(model) is None


def test_a_failed_last_drill_keeps_the_earlier_pass_and_lowers_the_pass_rate(tmp_path):
    write_drill(tmp_path, ORDERS, "orders-prod", "r1", NOW_MS - 10 * DAY_MS)
    write_drill(tmp_path, ORDERS, "orders-prod", "r2", NOW_MS - 2 * DAY_MS, status="failed", rto=4000.0)

    cluster = model_of(tmp_path, max_age="30d")["clusters"][0]

    assert cluster["last_drill"]["status"] == "failed" and cluster["last_drill"]["rto_seconds"] == 4000.0
    assert cluster["last_passing_at"] == iso_utc(NOW_MS - 10 * DAY_MS)
    assert cluster["pass_rate"] == 0.5 and cluster["counts"] == {"passed": 1, "failed": 1, "other": 0, "all_time": 2}
    assert cluster["stale"] is False


def test_stale_and_never_passed_clusters_fail_the_gate_naming_each(tmp_path):
    write_drill(tmp_path, ORDERS, "orders-prod", "r1", NOW_MS - 45 * DAY_MS)  # passed, but too long ago
    write_drill(tmp_path, INVENTORY, "inventory-dev", "r1", NOW_MS - 1 * DAY_MS, status="failed")  # never passed
    write_drill(tmp_path, BILLING, "billing", "r1", NOW_MS - 3 * DAY_MS)  # fresh

    model = model_of(tmp_path, max_age="30d")

    clusters = by_name(model)
    assert clusters["orders-prod"]["stale"] and clusters["orders-prod"]["stale_reason"] == "last passed %s" % iso_utc(NOW_MS - 45 * DAY_MS)
    assert clusters["inventory-dev"]["stale"] and clusters["inventory-dev"]["stale_reason"] == "never passed"
    assert clusters["inventory-dev"]["last_passing_at"] is None
    assert not clusters["billing"]["stale"]
    assert model["status"] == "stale" and model["counts"]["stale"] == 2
    message = gate_message(model)
    assert message.startswith("2 of 3 clusters have no passing drill within 30d: ")
    assert "inventory-dev (%s): never passed" % INVENTORY in message
    assert "orders-prod (%s): last passed" % ORDERS in message
    assert "billing" not in message


def test_without_max_age_nothing_is_stale(tmp_path):
    write_drill(tmp_path, ORDERS, "orders-prod", "r1", NOW_MS - 400 * DAY_MS, status="failed")
    model = model_of(tmp_path)
    assert model["max_age"] is None and model["status"] == "fresh" and gate_message(model) is None
    assert model["clusters"][0]["stale"] is False


def test_the_window_limits_drills_and_pass_rate_not_the_last_pass(tmp_path):
    write_drill(tmp_path, ORDERS, "orders-prod", "old", NOW_MS - 100 * DAY_MS)
    write_drill(tmp_path, ORDERS, "orders-prod", "new", NOW_MS - 5 * DAY_MS, status="failed")

    cluster = model_of(tmp_path, window="30d")["clusters"][0]

    assert [d["run_id"] for d in cluster["drills"]] == ["new"]
    assert cluster["pass_rate"] == 0.0
    assert cluster["last_passing_at"] == iso_utc(NOW_MS - 100 * DAY_MS)
    assert cluster["counts"]["all_time"] == 2


def test_a_cluster_with_no_drill_in_the_window_is_still_listed(tmp_path):
    write_drill(tmp_path, ORDERS, "orders-prod", "old", NOW_MS - 200 * DAY_MS)
    cluster = model_of(tmp_path)["clusters"][0]
    assert cluster["drills"] == [] and cluster["pass_rate"] is None
    assert cluster["last_drill"]["run_id"] == "old"


def test_corrupt_half_written_and_foreign_files_are_listed_never_fatal(tmp_path):
    write_drill(tmp_path, ORDERS, "orders-prod", "good", NOW_MS - DAY_MS)
    whole = json.dumps(report(ORDERS, "orders-prod", "half", NOW_MS))
    write(tmp_path, "drill-orders-prod-half.json", whole[: len(whole) // 2])  # a crashed run
    write(tmp_path, "drill-orders-prod-empty.json", "")
    (tmp_path / "drill-binary.json").write_bytes(b"\xff\xfe\x00garbage")
    write(tmp_path, "package.json", {"name": "not a report"})
    write(tmp_path, "list.json", [1, 2, 3])
    write(tmp_path, "drill-nosource.json", {"status": "passed", "checks": [], "source": {"name": "x"}})
    write(tmp_path, "notes.txt", "hello")
    write(tmp_path, "drill-orders-prod-good.md", "# report")
    write(tmp_path, ".hidden.json", "{")
    write(tmp_path, ".index.html.abc.tmp", "<html")

    model = model_of(tmp_path)

    assert model["counts"]["reports"] == 1 and len(model["clusters"]) == 1
    reasons = {entry["path"]: entry["reason"] for entry in model["skipped"]}
    assert reasons["drill-orders-prod-half.json"].startswith("not valid JSON (half-written?)")
    assert reasons["drill-orders-prod-empty.json"].startswith("not valid JSON")
    assert reasons["drill-binary.json"] in ("not UTF-8 text",) or reasons["drill-binary.json"].startswith("not valid JSON")
    assert reasons["package.json"] == reasons["list.json"] == "JSON, but not a drill report"
    assert reasons["drill-nosource.json"] == "drill report without a source cluster id"
    assert model["unknown_files"] == ["notes.txt"]
    assert set(reasons) == {"drill-orders-prod-half.json", "drill-orders-prod-empty.json", "drill-binary.json",
                            "package.json", "list.json", "drill-nosource.json"}


def test_a_folder_with_nothing_readable_gives_an_empty_index(tmp_path):
    write(tmp_path, "drill-x-1.json", "{")
    model = model_of(tmp_path, max_age="30d")
    assert model["clusters"] == [] and model["status"] == "fresh"
    # No report at all is no evidence: the gate fails on it, unless a first run allows it.
    assert "no drill report in %s" % tmp_path in gate_message(model, folder=str(tmp_path))
    assert gate_message(model, allow_empty=True) is None
    assert gate_message(model_of(tmp_path)) is None  # no gate, no failure


def test_mixed_format_versions_old_and_newer_are_read_with_defaults(tmp_path):
    write_drill(tmp_path, ORDERS, "orders-prod", "v0", NOW_MS - 20 * DAY_MS, version=0, rto=1000.0)
    write_drill(tmp_path, ORDERS, "orders-prod", "v1", NOW_MS - 10 * DAY_MS, rto=1100.0)
    write_drill(tmp_path, ORDERS, "orders-prod", "v2", NOW_MS - 1 * DAY_MS, version=2, rto=1300.0,
                application="cassandra", api_version="v2")
    write_drill(tmp_path, INVENTORY, "pg-main", "v2", NOW_MS - 1 * DAY_MS, version=2, application="PostgreSQL", api_version="v2")

    model = model_of(tmp_path)

    orders = by_name(model)["orders-prod"]
    assert [d["rto_seconds"] for d in orders["drills"]] == [1000.0, 1100.0, 1300.0]  # v0: from the rto check
    assert [d["format_version"] for d in orders["drills"]] == [0, 1, 2]
    assert orders["format_versions"] == [0, 1, 2]
    assert (orders["application"], orders["api_version"]) == ("cassandra", "v2")  # the latest drill's
    postgres = by_name(model)["pg-main"]
    assert (postgres["application"], postgres["api_version"]) == ("postgresql", "v2")


def test_a_report_without_phases_falls_back_to_its_reference_time_then_the_file_time(tmp_path):
    document = report(ORDERS, "orders-prod", "a", NOW_MS - 3 * DAY_MS)
    del document["phases"]
    write(tmp_path, "drill-orders-prod-a.json", document)
    bare = report(INVENTORY, "inventory-dev", "b", NOW_MS)
    for key in ("phases", "reference_time", "reference_time_ms"):
        del bare[key]
    path = write(tmp_path, "drill-inventory-dev-b.json", bare)
    os.utime(path, (NOW_MS / 1000 - 7 * 86400, NOW_MS / 1000 - 7 * 86400))

    clusters = by_name(model_of(tmp_path))

    assert clusters["orders-prod"]["last_drill"]["finished_at"] == iso_utc(NOW_MS - 3 * DAY_MS - 1800 * 1000)
    assert clusters["inventory-dev"]["last_drill"]["finished_at"] == iso_utc(NOW_MS - 7 * DAY_MS)


def test_duplicate_run_ids_count_once_and_are_listed(tmp_path):
    write_drill(tmp_path, ORDERS, "orders-prod", "awx42", NOW_MS - 2 * DAY_MS)
    write_drill(tmp_path, ORDERS, "orders-prod", "awx42", NOW_MS - 2 * DAY_MS, sub="archive")  # a copy
    write_drill(tmp_path, INVENTORY, "inventory-dev", "awx42", NOW_MS - 2 * DAY_MS)  # same run, other cluster: fine

    model = model_of(tmp_path)

    assert model["counts"]["reports"] == 2 and model["counts"]["duplicates"] == 1
    [duplicate] = model["duplicates"]
    assert duplicate["cluster_id"] == ORDERS and duplicate["run_id"] == "awx42"
    assert {duplicate["path"], duplicate["kept"]} == {"drill-orders-prod-awx42.json", "archive/drill-orders-prod-awx42.json"}
    assert len(by_name(model)["orders-prod"]["drills"]) == 1


def test_reports_in_sub_folders_are_found_and_linked_relative_to_the_index(tmp_path):
    write_drill(tmp_path, ORDERS, "orders-prod", "a", NOW_MS - 2 * DAY_MS, sub="2026/11")
    cluster = model_of(tmp_path)["clusters"][0]
    assert cluster["drills"][0]["report"] == "2026/11/drill-orders-prod-a.json"


def test_the_latest_name_is_shown_for_a_renamed_cluster(tmp_path):
    write_drill(tmp_path, ORDERS, "orders-old", "a", NOW_MS - 9 * DAY_MS)
    write_drill(tmp_path, ORDERS, "orders-prod", "b", NOW_MS - 1 * DAY_MS)
    [cluster] = model_of(tmp_path)["clusters"]
    assert cluster["name"] == "orders-prod" and len(cluster["drills"]) == 2


def test_clusters_not_drilled_in_the_latest_run_by_run_id(tmp_path):
    write_drill(tmp_path, ORDERS, "orders-prod", "r1", NOW_MS - 9 * DAY_MS)
    write_drill(tmp_path, INVENTORY, "inventory-dev", "r1", NOW_MS - 9 * DAY_MS)
    write_drill(tmp_path, ORDERS, "orders-prod", "r2", NOW_MS - 1 * DAY_MS)

    model = model_of(tmp_path, latest_run_ids=["R2"])

    assert by_name(model)["orders-prod"]["in_latest_run"] is True
    assert by_name(model)["inventory-dev"]["in_latest_run"] is False
    assert model["counts"]["not_in_latest_run"] == 1


def test_the_latest_run_is_inferred_from_the_newest_summary(tmp_path):
    write_drill(tmp_path, ORDERS, "orders-prod", "a1", NOW_MS - 9 * DAY_MS)
    write_drill(tmp_path, INVENTORY, "inventory-dev", "b1", NOW_MS - 9 * DAY_MS)
    write_drill(tmp_path, ORDERS, "orders-prod", "a2", NOW_MS - 1 * DAY_MS)
    old = write(tmp_path, "drill-summary-1.json", {"drills": [{"files": {"json": "/x/drill-orders-prod-a1.json"}},
                                                              {"files": {"json": "/x/drill-inventory-dev-b1.json"}}]})
    os.utime(old, (1, 1))
    write(tmp_path, "drill-summary-2.json", {"drills": [{"files": {"json": "/x/drill-orders-prod-a2.json"}}]})

    clusters = by_name(model_of(tmp_path))

    assert clusters["orders-prod"]["in_latest_run"] is True
    assert clusters["inventory-dev"]["in_latest_run"] is False


def test_without_a_latest_run_nothing_is_marked(tmp_path):
    write_drill(tmp_path, ORDERS, "orders-prod", "a1", NOW_MS - 9 * DAY_MS)
    assert model_of(tmp_path)["clusters"][0]["in_latest_run"] is None


def test_check_mode_drills_are_listed_but_never_pass(tmp_path):
    write_drill(tmp_path, ORDERS, "orders-prod", "c1", NOW_MS - DAY_MS, status="check_mode", rto=None, rpo=None)
    cluster = model_of(tmp_path, max_age="30d")["clusters"][0]
    assert cluster["stale"] and cluster["pass_rate"] is None and cluster["counts"]["other"] == 1


@pytest.mark.parametrize("options, option", [({"window": "soon"}, "window"), ({"max_age": "-1d"}, "max_age")])
def test_a_bad_duration_names_its_option(tmp_path, options, option):
    with pytest.raises(OptionError) as raised:
        model_of(tmp_path, **options)
    assert option in str(raised.value)


def test_the_reader_keeps_only_the_indexed_fields(tmp_path):
    path = write_drill(tmp_path, ORDERS, "orders-prod", "a", NOW_MS)
    drill, reason = drill_evidence.read_report(path, "drill-orders-prod-a.json")
    assert reason is None
    assert not hasattr(drill, "__dict__")  # slots: no room for the report's timeline, checks or request


def test_ten_thousand_reports_take_at_most_twelve_times_a_thousand(tmp_path):
    small, large = tmp_path / "small", tmp_path / "large"
    synthetic_folder(small, 200)
    synthetic_folder(large, 2000)

    def timed(folder):
        best = None
        for _attempt in range(2):
            started = time.perf_counter()
            model = model_of(folder)
            elapsed = time.perf_counter() - started
            best = elapsed if best is None else min(best, elapsed)
        return best, model

    small_seconds, small_model = timed(small)
    large_seconds, large_model = timed(large)
    assert small_model["counts"]["reports"] == 200 and large_model["counts"]["reports"] == 2000
    assert len(large_model["clusters"]) == 20
    # Linear: 10x the reports, at most 12x the time (the bench measures 1,000 and 10,000).
    assert large_seconds <= 12 * small_seconds + 0.05, (small_seconds, large_seconds)


def test_a_report_of_the_drill_filter_today_is_read_with_its_rto_and_rpo(tmp_path):
    # The report as drill_report writes it now: RTO from the restore events, RPO from the backups
    # made before the drill (not the restored point's age, which is a figure of its own).
    document = drill_report.build_report(drill_fixtures.context())
    assert document["format_version"] == 3 and 3 in drill_evidence.READ_REPORT_VERSIONS
    assert document["figures"]["rpo_seconds"] != document["figures"]["restore_point_age_seconds"]
    write(tmp_path, "drill-orders-prod-a1b2c3d4.json", document)

    model = build_model(scan(str(tmp_path)), drill_fixtures.NOW + 3 * drill_fixtures.HOUR)
    [cluster] = model["clusters"]
    [read] = cluster["drills"]
    assert (read["rto_seconds"], read["rpo_seconds"]) == (document["figures"]["rto_seconds"], document["figures"]["rpo_seconds"])
    assert (read["rto_seconds"], read["rpo_seconds"]) == (1100.0, 600.0)
    assert (read["rto_target_seconds"], read["rpo_target_seconds"]) == (7200.0, 900.0)
    assert read["format_version"] == 3 and cluster["format_versions"] == [3]
