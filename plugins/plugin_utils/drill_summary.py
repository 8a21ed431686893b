# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The summary of a play's drills: one row per host, side by side."""

from __future__ import annotations

import re

from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.drill_constants import CHECK_MODE, FAILED, PASSED
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.drill_values import as_dict, as_list


def summarise(results, report_dir=".", run_id=""):
    """The drills of one playbook run, side by side; a host without a report counts as failed."""
    if isinstance(results, dict):
        results = [{"host": host, "report": report} for host, report in results.items()]
    rows = []
    for entry in as_list(results):
        entry = as_dict(entry)
        report = as_dict(entry.get("report"))
        if not report:
            rows.append({"host": entry.get("host"), "status": FAILED, "source": None, "message": "The drill recorded no result (it stopped before its report).",
                         "failed_checks": [], "files": {}})
            continue
        rows.append({
            "host": entry.get("host"),
            "status": report.get("status"),
            "source": as_dict(report.get("source")).get("name") or as_dict(report.get("source")).get("id"),
            "restored": as_dict(report.get("restored")).get("name"),
            "point_in_time": report.get("point_in_time"),
            "rto_seconds": as_dict(report.get("figures")).get("rto_seconds"),
            "rpo_seconds": as_dict(report.get("figures")).get("rpo_seconds"),
            "cleanup": as_dict(report.get("cleanup")).get("action"),
            "failed_checks": as_list(report.get("failed_checks")),
            "message": report.get("message"),
            "files": as_dict(report.get("files")),
        })
    counts = {}
    for row in rows:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    status = FAILED if counts.get(FAILED) or not rows else (CHECK_MODE if counts.get(CHECK_MODE) else PASSED)
    report_dir = str(report_dir or ".").rstrip("/") or "/"
    stem = "drill-summary-%s" % (re.sub(r"[^A-Za-z0-9]+", "", str(run_id)) or "run")
    return {
        "format_version": 1,
        "status": status,
        "run_id": str(run_id),
        "counts": counts,
        "drills": rows,
        "failed": [row["host"] for row in rows if row["status"] == FAILED],
        "files": {"json": "%s/%s.json" % (report_dir, stem), "markdown": "%s/%s.md" % (report_dir, stem)},
    }
