"""tools/performance_report.py: the measured part of docs/performance.md, made from full bench runs."""

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))

import performance_report  # noqa: E402  (tools/ is not a package)
from benchmarks.report import row as bench_row  # noqa: E402


def bench_run(finished, per_task_ratio, spread, fifty_met, smoke=False, error=None, fixed_baseline=1.4):
    """A results JSON as benchmarks/run.py writes it, with a per-task row whose name carries its own spread."""
    rows = [
        {"benchmark": "task_overhead", "metric": "controller CPU per task (s): cluster_backup_info (v1) vs uri, same GET "
                                                 "(ratio per repetition %s)" % spread,
         "restorekit": 0.25 * per_task_ratio, "baseline": 0.25, "ratio": per_task_ratio, "target": "<= 0.9x",
         "met": per_task_ratio <= 0.9},
        {"benchmark": "task_overhead", "metric": "controller CPU per task (s): cluster_backup_info (v1) vs the requests floor module "
                                                 "(the collection's own code; ratio per repetition %s)" % spread,
         "restorekit": 0.25, "baseline": 0.21, "ratio": 1.19, "target": None, "met": None},
        {"benchmark": "parallel_drills", "metric": "50 parallel drills: failed drills / 429 answers", "restorekit": "0 / 310",
         "baseline": "0 / 0", "ratio": None, "target": None, "met": None},
        {"benchmark": "parallel_drills", "metric": "wall at 50 / wall at 1 (slowdown)", "restorekit": 1.9 if fifty_met else 2.1,
         "baseline": None, "ratio": None, "target": "<= 2.0", "met": fifty_met},
        {"benchmark": "task_overhead", "metric": "cluster_backup_info: import CPU out of its payload after basic (ms) + v1 backend %s "
                                                 "+ v2 backend 4.7 vs uri's" % spread.split("-")[0],
         "restorekit": 118.0, "baseline": 55.0, "ratio": 2.15, "target": None, "met": None},
        {"benchmark": "parallel_drills", "metric": "wall at 200 (s) vs its floor, max(one drill 115 s, %d requests / 30 = 155 s, "
                                                   "1013 CPU-s / 2 cores = 507 s), bound by controller CPU / cores" % (4600 + int(per_task_ratio * 100)),
         "restorekit": 640.0, "baseline": 507.0 * per_task_ratio, "ratio": 640.0 / (507.0 * per_task_ratio), "target": "<= 1.25x",
         "met": 640.0 / (507.0 * per_task_ratio) <= 1.25},
        # As runs before benchmarks/report.row refused such a verdict wrote it: met, from a negative ratio.
        {"benchmark": "drill_cost", "metric": "fixed controller CPU per drill (s, outside polling)", "restorekit": 4.2,
         "baseline": fixed_baseline, "ratio": 4.2 / fixed_baseline, "target": "<= 2.0x (stretch 1.0x)",
         "met": 4.2 / fixed_baseline <= 2.0},
    ]
    benchmarks = {"task_overhead": {"rows": rows[:2] + rows[4:5]}, "parallel_drills": {"rows": rows[2:4] + rows[5:6]},
                  "drill_cost": {"rows": rows[6:]}}
    if error:
        benchmarks["large_listing"] = {"rows": [], "error": error}
    return {"smoke": smoke, "finished_at": finished, "duration_seconds": 2100.0, "rows": rows,
            "benchmarks": benchmarks,
            "machine": {"nproc": 2, "cpu_model": "AMD EPYC", "python": "3.11.7", "ansible_core": "ansible [core 2.19.14]",
                        "requests": "2.34.2", "load_average_at_start": [0.5, 0.4, 0.3]}}


PAGE = "# Performance\n\nHand-written method.\n\n%s\nold figures\n%s\n\n## Reasons\n\nHand-written reasons.\n" % (
    performance_report.BEGIN, performance_report.END)


def write_runs(tmp_path, runs):
    paths = []
    for number, run in enumerate(runs, 1):
        path = tmp_path / ("run%d.json" % number)
        path.write_text(json.dumps(run))
        paths.append(str(path))
    return paths


def test_runs_line_up_by_figure_although_each_names_its_own_spread(tmp_path):
    runs = [bench_run("2026-12-06T21:00:00Z", 1.02, "0.97-1.10", True),
            bench_run("2026-12-06T21:40:00Z", 0.98, "0.95-1.01", False, fixed_baseline=-0.5),
            bench_run("2026-12-06T22:20:00Z", 1.05, "1.01-1.07", True)]
    page = tmp_path / "performance.md"
    page.write_text(PAGE)

    assert performance_report.main([*write_runs(tmp_path, runs), "--page", str(page), "--check"]) == 0

    text = page.read_text()
    spread = text.split("### The spread over the runs", 1)[1].split("### Targets over the runs", 1)[0]
    # One spread row per figure, named by its benchmark, its three ratios side by side.
    assert "| task_overhead | controller CPU per task (s): cluster_backup_info (v1) vs uri, same GET | 1.02x | 0.98x | 1.05x |" in spread
    assert "vs the requests floor module (the collection's own code) | 1.19x | 1.19x | 1.19x |" in spread
    assert "| parallel_drills | 50 parallel drills: failed drills / 429 answers | 0 / 310 | 0 / 310 | 0 / 310 |" in spread
    assert "import CPU out of its payload after basic (ms) vs uri's | 2.15x | 2.15x | 2.15x |" in spread
    targets = text.split("### Targets over the runs", 1)[1]
    assert "| <= 0.9x | **no** (0.255, 1.02x) | **no** (0.245, 0.98x) | **no** (0.263, 1.05x) | met in 0 of 3 runs |" in targets
    assert "| <= 2.0 | yes (1.90) | **no** (2.10) | yes (1.90) | met in 2 of 3 runs |" in targets
    # A floor's terms differ in every run: one row, by what it measures.
    assert "| wall at 200 (s) vs its floor | <= 1.25x | yes (640, 1.24x) | **no** (640, 1.29x) | yes (640, 1.20x) | met in 2 of 3 runs |" in targets
    assert "| parallel_drills | wall at 200 (s) vs its floor | 1.24x | 1.29x | 1.20x |" in spread
    # A negative baseline (a two-point fit gone wrong) judges nothing, whatever the run recorded.
    assert "| <= 2.0x (stretch 1.0x) | **no** (4.20, 3.00x) | – (4.20, -8.40x) | **no** (4.20, 3.00x) | met in 0 of 2 runs |" in targets
    # The last run's table keeps the names as that run wrote them; the hand-written parts stay.
    assert "(ratio per repetition 1.01-1.07)" in text.split("### The spread over the runs", 1)[0]
    assert "old figures" not in text
    assert text.startswith("# Performance\n\nHand-written method.\n\n" + performance_report.BEGIN)
    assert text.endswith(performance_report.END + "\n\n## Reasons\n\nHand-written reasons.\n")
    assert "`run1.json` | 2026-12-06T21:00:00Z | 2100 | 0.50, 0.40, 0.30 | 2 CPUs" in text


def numbered(run):
    """The same run as results files wrote it when rows carried a number instead of their benchmark's name."""
    number = {"task_overhead": "3", "parallel_drills": "6", "drill_cost": "2"}
    rows = [{**{key: value for key, value in row.items() if key != "benchmark"}, "item": number[row["benchmark"]]}
            for row in run["rows"]]
    return {**run, "rows": rows}


def test_a_run_with_numbered_rows_lines_up_with_runs_named_by_benchmark(tmp_path):
    runs = [numbered(bench_run("2026-12-06T21:00:00Z", 1.02, "0.97-1.10", True)),
            bench_run("2026-12-07T21:40:00Z", 0.98, "0.95-1.01", True)]
    page = tmp_path / "performance.md"
    page.write_text(PAGE)

    performance_report.main([*write_runs(tmp_path, runs), "--page", str(page)])

    text = page.read_text()
    spread = text.split("### The spread over the runs", 1)[1].split("### Targets over the runs", 1)[0]
    assert "| task_overhead | controller CPU per task (s): cluster_backup_info (v1) vs uri, same GET | 1.02x | 0.98x |" in spread
    assert "| drill_cost | fixed controller CPU per drill (s, outside polling) | 3.00x | 3.00x |" in spread
    assert "| 3 |" not in text and "| 6 |" not in text


def test_rendering_twice_gives_the_same_page(tmp_path):
    paths = write_runs(tmp_path, [bench_run("a", 1.0, "1.00-1.00", True)] * 3)
    page = tmp_path / "performance.md"
    page.write_text(PAGE)
    performance_report.main([*paths, "--page", str(page)])
    first = page.read_text()
    performance_report.main([*paths, "--page", str(page)])
    assert page.read_text() == first


@pytest.mark.parametrize("runs, expected", [
    ([bench_run("a", 1.0, "1-1", True)] * 2, "2 run(s) given, at least 3 needed"),
    ([bench_run("a", 1.0, "1-1", True)] * 2 + [bench_run("b", 1.0, "1-1", True, smoke=True)], "run 3 is a smoke run"),
    ([bench_run("a", 1.0, "1-1", True, error="OSError: no emulator")] + [bench_run("b", 1.0, "1-1", True)] * 2,
     "run 1: large_listing could not run (OSError: no emulator)"),
])
def test_check_refuses_partial_smoke_or_too_few_runs_and_leaves_the_page(tmp_path, capsys, runs, expected):
    page = tmp_path / "performance.md"
    page.write_text(PAGE)

    assert performance_report.main([*write_runs(tmp_path, runs), "--page", str(page), "--check"]) == 1

    assert expected in capsys.readouterr().err
    assert page.read_text() == PAGE


def test_a_page_without_the_markers_is_refused(tmp_path):
    page = tmp_path / "performance.md"
    page.write_text("# Performance\n")
    with pytest.raises(ValueError, match="section"):
        performance_report.main([*write_runs(tmp_path, [bench_run("a", 1.0, "1-1", True)]), "--page", str(page)])


def test_a_ratio_between_figures_of_opposite_sign_decides_no_target():
    assert bench_row("2", "fixed CPU", 4.2, -0.5, target="<= 2.0x", limit=2.0)["met"] is None
    assert bench_row("2", "fixed CPU", 4.2, 1.4, target="<= 2.0x", limit=2.0)["met"] is False
    assert bench_row("2", "fixed CPU", 2.0, 1.4, target="<= 2.0x", limit=2.0)["met"] is True
