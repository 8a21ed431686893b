"""The results table: rows built by each benchmark, printed and saved as JSON and Markdown."""

import json
import time

from benchmarks import harness


def row(benchmark, metric, ours, baseline, target=None, limit=None, met=None):
    """One table row of ``benchmark`` (its file's name in benchmarks/). ``limit``: the largest acceptable ours/baseline ratio; or pass ``met``
    directly for targets that are not a ratio to the baseline."""
    value_ratio = harness.ratio(ours, baseline)
    if met is None and limit is not None and ratio_judges(value_ratio):
        met = value_ratio <= limit
    return {"benchmark": benchmark, "metric": metric, "restorekit": ours, "baseline": baseline, "ratio": value_ratio,
            "target": target, "met": met}


def ratio_judges(value_ratio):
    """Whether a ratio can decide a target: only one between two positive figures. A fit that came
    out negative (noise in a two-point fit on a loaded machine) is no evidence either way."""
    return value_ratio is not None and value_ratio > 0


def met_cell(met):
    return {True: "yes", False: "**no**", None: ""}[met]


def cell(value):
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if value == 0:
            return "0"
        if abs(value) >= 100:
            return "%.0f" % value
        if abs(value) >= 1:
            return "%.2f" % value
        return "%.3g" % value
    return str(value)


def ratio_cell(value):
    return "–" if value is None else "%.2fx" % value


def markdown_table(rows):
    lines = ["| benchmark | metric | restorekit | baseline | ratio | target | met |",
             "|---|---|---:|---:|---:|---|---|"]
    for entry in rows:
        met = met_cell(entry["met"])
        lines.append("| %s | %s | %s | %s | %s | %s | %s |" % (
            entry["benchmark"], entry["metric"], cell(entry["restorekit"]), cell(entry["baseline"]),
            ratio_cell(entry["ratio"]), entry["target"] or "", met))
    return "\n".join(lines)


def markdown(results):
    info = results["machine"]
    parts = [
        "# Benchmark results (%s%s)" % (results["finished_at"], ", smoke run" if results["smoke"] else ""),
        "",
        "Machine: %s CPU(s), %s; Python %s; %s; load average at start %s. Total run time %.0f s." % (
            info["nproc"], info["cpu_model"], info["python"], info["ansible_core"],
            info["load_average_at_start"], results["duration_seconds"]),
        "",
        markdown_table(results["rows"]),
    ]
    notes = [note for bench in results["benchmarks"].values() for note in bench.get("notes", [])]
    errors = ["%s: %s" % (name, bench["error"]) for name, bench in results["benchmarks"].items() if bench.get("error")]
    failures = ["%s: %s" % (name, bench["failures"]) for name, bench in results["benchmarks"].items()
                if bench.get("failures")]
    for title, items in (("Notes", notes), ("Benchmarks that did not finish", errors),
                         ("Failed runs inside benchmarks", failures)):
        if items:
            parts += ["", "## " + title, ""] + ["- " + item for item in items]
    return "\n".join(parts) + "\n"


def save(results):
    """Write ``results/<stamp>.json|.md`` and ``results/latest.json|.md``; return the paths."""
    harness.RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + ("-smoke" if results["smoke"] else "")
    text_json = json.dumps(results, indent=1, sort_keys=True, default=str)
    text_md = markdown(results)
    paths = []
    for name in (stamp, "latest-smoke" if results["smoke"] else "latest"):
        for suffix, text in ((".json", text_json), (".md", text_md)):
            path = harness.RESULTS_DIR / (name + suffix)
            path.write_text(text, encoding="utf-8")
            paths.append(path)
    return paths
