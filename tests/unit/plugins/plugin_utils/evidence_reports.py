"""Crafted drill reports for the evidence tests and the benchmark: the fields a format_version 1
report has (as the drill_report filter writes them), with the figures and times chosen."""

import json
import os

from ansible_collections.restorekit.instaclustr.plugins.module_utils._clock import iso_utc

DAY_MS = 86400 * 1000
NOW_MS = 1795000000000  # 2026-11-18T...Z, the "now" of the tests
ORDERS = "6f1c2b7e-3d4a-4b8e-9c21-0a7d5e9f1b01"
INVENTORY = "a3e9d5c2-8b17-4f60-b2d4-5c8e1f7a2b02"
BILLING = "0b7c1d2e-1111-4a2b-8c3d-4e5f6a7b8c03"


def report(cluster_id, name, run_id, finished_ms, status="passed", rto=1200.0, rpo=0.0, rto_target="45m",
           rpo_target="15m", version=1, timeline_items=6, **extra):
    """A drill report as the role writes it (trimmed to what matters); ``version=0`` drops the
    format_version and the figures, as a report of before the field existed."""
    checks = [{"id": "inputs", "status": "passed", "details": "", "figures": {}}]
    for check_id, value, target in (("rto", rto, rto_target), ("rpo", rpo, rpo_target)):
        figures = {"seconds": value}
        if target:
            figures["target_seconds"] = {"45m": 2700.0, "15m": 900.0, "2h": 7200.0}[target]
        checks.append({"id": check_id, "status": "passed" if status == "passed" else "failed", "details": "", "figures": figures})
    document = {
        "format_version": version,
        "run_id": run_id,
        "check_mode": status == "check_mode",
        "source": {"id": cluster_id, "name": name},
        "reference_time": iso_utc(finished_ms - 1800 * 1000),
        "reference_time_ms": finished_ms - 1800 * 1000,
        "settings": {"rto_target": rto_target, "rpo_target": rpo_target},
        "checks": checks,
        "phases": [
            {"name": "preflight", "status": "completed", "controller_started_at": iso_utc(finished_ms - 60 * 1000)},
            {"name": "report", "status": "running", "controller_started_at": iso_utc(finished_ms)},
        ],
        "figures": {"rto_seconds": rto, "rpo_seconds": rpo, "backup_seconds": 600.0, "restore_seconds": rto},
        "status": status,
        "message": "Drill of %s %s." % (name, status),
        "timeline": {"items": [{"label": "node %d" % i, "start_ms": finished_ms, "end_ms": finished_ms} for i in range(timeline_items)]},
    }
    if version == 0:
        del document["format_version"]
        del document["figures"]
    document.update(extra)
    return document


def write(folder, relative, document):
    """Write a report (a dict, or text as is) at ``folder/relative``; return its path."""
    path = os.path.join(str(folder), relative)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(document if isinstance(document, str) else json.dumps(document, indent=2))
    return path


def write_drill(folder, cluster_id, name, run_id, finished_ms, sub="", **fields):
    return write(folder, os.path.join(sub, "drill-%s-%s.json" % (name, run_id)),
                 report(cluster_id, name, run_id, finished_ms, **fields))


def synthetic_folder(folder, count, clusters=20, span_days=365, timeline_items=6):
    """``count`` reports of ``clusters`` clusters spread over ``span_days`` before NOW_MS, one run
    folder per 20 reports, every seventh drill failed; for the scale test and the benchmark
    (``timeline_items=90`` gives reports of a real one's size, about 12 kB)."""
    step = span_days * DAY_MS // max(1, count)
    for index in range(count):
        number = index % clusters
        finished = NOW_MS - span_days * DAY_MS + index * step
        run_id = "%08x" % index
        write_drill(folder, "00000000-0000-4000-8000-%012d" % number, "cluster-%02d" % number, run_id, finished,
                    sub="run-%05d" % (index // clusters), status="failed" if index % 7 == 0 else "passed",
                    rto=900.0 + (index % 50) * 30, rpo=(index % 11) * 60.0, timeline_items=timeline_items)


def recovery(cluster_id, name, run_id, finished_ms, restored_name="orders-recovered", confirm=None, status_of_source="FAILED"):
    """A recovery report as the cluster_recovery role writes it (``steps_report.recovery_report`` over a plan of
    ``steps_plan``): the source ``FAILED``, restored to its latest restorable instant (an hour before the plan),
    RUNNING 20 minutes after the request; ``confirm=None`` confirms with the source's name."""
    from ansible_collections.restorekit.instaclustr.plugins.plugin_utils import steps_plan, steps_report

    hour, planned = 3600 * 1000, finished_ms - 30 * 60 * 1000
    settings = {"cluster_id": cluster_id, "name": restored_name, "point_in_time": "latest", "application": "cassandra",
                "api_version": "v1", "copy_firewall_rules": True, "confirm": name if confirm is None else confirm}
    plan = steps_plan.recovery_plan({
        "settings": settings,
        "source": {"clusters": [{"id": cluster_id, "name": name, "status": status_of_source, "data_centres": []}]},
        "backups": {"checked_at_ms": planned, "summary": {"restorable_from_ms": planned - 48 * hour, "restorable_until_ms": planned - hour,
                                                          "last_backup_completed_at_ms": planned - hour, "restorable_range_known": True}},
        "firewall": {"rules": [{"network": "203.0.113.0/24", "type": "CASSANDRA"}]}, "memory": None})
    restored_id = "5e1d0c3b-%s-4a2b-8c3d-4e5f6a7b8c09" % ("%04x" % (sum(map(ord, run_id)) % 65536))
    restore = {"created": True, "restored_cluster_id": restored_id, "requested_at_ms": planned + 60 * 1000,
               "running_at_ms": planned + 21 * 60 * 1000,
               "cluster": {"id": restored_id, "name": restored_name, "status": "RUNNING", "data_centres": [
                   {"name": "US_EAST_1", "cdc_name": "dc1", "nodes": [{"id": "n1", "public_address": "127.5.0.1"}]}]}}
    firewall = {"results": [{"item": {"network": "203.0.113.0/24", "rule_types": ["CASSANDRA"]}, "changed": True}]}
    checks = [{"id": "catalogue", "status": "not_run", "message": "not built"}]
    return steps_report.recovery_report({
        "settings": {"report_dir": "."}, "run_id": run_id, "plan": plan, "restore": restore, "firewall": firewall,
        "checks": checks, "marks": {"plan": iso_utc(planned), "report": iso_utc(finished_ms)}})


def write_recovery(folder, cluster_id, name, run_id, finished_ms, signing_key=None, sub="recoveries", **fields):
    """A recovery's JSON, Markdown and HTML reports and its manifest (signed with ``signing_key``), written by the
    same controller-side code as the role's task (``drill_write``); returns the stem of its files."""
    from ansible_collections.restorekit.instaclustr.plugins.plugin_utils import drill_write

    document = recovery(cluster_id, name, run_id, finished_ms, **fields)
    stem = os.path.join(str(folder), sub, os.path.basename(document["files"]["json"])[:-len(".json")])
    rendered = [(stem + ".json", json.dumps(document, indent=2)), (stem + ".md", "# Recovery %s\n" % run_id),
                (stem + ".html", "<p>Recovery %s</p>\n" % run_id)]
    drill_write.write_files(rendered, 0o644, 0o755)
    unused_written, error = drill_write.write_manifest(rendered, 0o644, signing_key)
    assert error is None, error
    return stem
