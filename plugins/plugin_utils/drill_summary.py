# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The summary of a play's drills: one row per host, side by side, and their checks counted by status."""

from __future__ import annotations

import re

from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.drill_checks import check_counts
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.drill_constants import CHECK_MODE, FAILED, NOT_APPLICABLE, PASSED
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.drill_values import as_dict, as_list, figure_text


def _application_counts(rows):
    counts = {}
    for row in rows:
        if row.get("application"):
            counts[row["application"]] = counts.get(row["application"], 0) + 1
    return dict(sorted(counts.items()))


def _figure(report, kind):
    """The report's own words for its RTO or RPO (older reports: worded here the same way)."""
    figures = as_dict(report.get("figures"))
    if figures.get("%s_text" % kind):
        return figures["%s_text" % kind]
    skipped = any(as_dict(check).get("id") == kind and as_dict(check).get("status") == NOT_APPLICABLE
                  for check in as_list(report.get("checks")))
    return figure_text(figures.get("%s_seconds" % kind), skipped)


def summarise(results, report_dir=".", run_id=""):
    """The drills of one playbook run, side by side; a host without a report counts as failed."""
    if isinstance(results, dict):
        results = [{"host": host, "report": report} for host, report in results.items()]
    rows = []
    for entry in as_list(results):
        entry = as_dict(entry)
        report = as_dict(entry.get("report"))
        if not report:
            rows.append({"host": entry.get("host"), "status": FAILED, "application": None, "api_version": None, "source": None,
                         "rto_text": figure_text(None), "rpo_text": figure_text(None),
                         "message": "The drill recorded no result (it stopped before its report).",
                         "failed_checks": [], "not_applicable_checks": [], "check_counts": check_counts([]), "files": {}})
            continue
        rows.append({
            "host": entry.get("host"),
            "status": report.get("status"),
            "application": str(report.get("application") or "cassandra").lower(),
            "api_version": report.get("api_version"),
            "source": as_dict(report.get("source")).get("name") or as_dict(report.get("source")).get("id"),
            "restored": as_dict(report.get("restored")).get("name"),
            "point_in_time": report.get("point_in_time"),
            "rto_seconds": as_dict(report.get("figures")).get("rto_seconds"),
            "rpo_seconds": as_dict(report.get("figures")).get("rpo_seconds"),
            "rto_text": _figure(report, "rto"),
            "rpo_text": _figure(report, "rpo"),
            "cleanup": as_dict(report.get("cleanup")).get("action"),
            "failed_checks": as_list(report.get("failed_checks")),
            "not_applicable_checks": [as_dict(check).get("id") for check in as_list(report.get("checks"))
                                      if as_dict(check).get("status") == NOT_APPLICABLE],
            "check_counts": check_counts(report.get("checks")),
            "message": report.get("message"),
            "files": as_dict(report.get("files")),
        })
    counts = {}
    checks = check_counts([])
    for row in rows:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
        for check_status, count in row["check_counts"].items():
            checks[check_status] = checks.get(check_status, 0) + count
    status = FAILED if counts.get(FAILED) or not rows else (CHECK_MODE if counts.get(CHECK_MODE) else PASSED)
    report_dir = str(report_dir or ".").rstrip("/") or "/"
    stem = "drill-summary-%s" % (re.sub(r"[^A-Za-z0-9]+", "", str(run_id)) or "run")
    return {
        "format_version": 1,
        "status": status,
        "run_id": str(run_id),
        "counts": counts,
        # Drills per application (lower case), for a mixed inventory.
        "applications": _application_counts(rows),
        "check_counts": checks,
        "drills": rows,
        "failed": [row["host"] for row in rows if row["status"] == FAILED],
        "files": {"json": "%s/%s.json" % (report_dir, stem), "markdown": "%s/%s.md" % (report_dir, stem)},
    }
