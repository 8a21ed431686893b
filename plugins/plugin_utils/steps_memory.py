# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


"""What a recovery takes when the source no longer answers: the newest drill report of that source.

A drill report (``drill-*.json`` under the report folder, any depth) records the source's name, its
firewall rules and (with data access) its catalogue and canaries at the time of the drill. The newest one by its
reference time (API time) wins; the recovery says which report and of when.
"""

from __future__ import annotations

import json
import os

from ansible_collections.restorekit.instaclustr.plugins.module_utils._clock import iso_utc
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.drill_values import as_dict

MAX_REPORT_BYTES = 20 * 1024 * 1024


def _reports(folder):
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            if name.startswith("drill-") and name.endswith(".json") and not name.startswith("drill-summary-") \
                    and not name.endswith(".manifest.json"):
                yield os.path.join(root, name)


def newest_drill_report(folders, cluster_id):
    """``{path, date, date_ms, run_id, status, name, firewall, catalogue, canaries}`` of the newest drill report of
    ``cluster_id`` under ``folders`` (a path or a list), or None when there is none."""
    if not cluster_id:
        return None
    wanted = str(cluster_id).lower()
    best = None
    for folder in [folders] if isinstance(folders, str) else list(folders or []):
        if not folder or not os.path.isdir(folder):
            continue
        for path in _reports(folder):
            try:
                if os.path.islink(path) or os.path.getsize(path) > MAX_REPORT_BYTES:
                    continue
                with open(path, encoding="utf-8") as handle:
                    report = json.load(handle)
            except (OSError, ValueError):
                continue
            source = as_dict(as_dict(report).get("source"))
            if str(source.get("id") or "").lower() != wanted:
                continue
            when = report.get("reference_time_ms")
            if not isinstance(when, int) or isinstance(when, bool):
                continue
            if best is None or when > best[0]:
                best = (when, path, report)
    if best is None:
        return None
    when, path, report = best
    recorded = as_dict(report.get("recovery"))
    return {
        "path": path,
        "date": iso_utc(when),
        "date_ms": when,
        "run_id": report.get("run_id"),
        "status": report.get("status"),
        "name": as_dict(report.get("source")).get("name"),
        "firewall": as_dict(recorded.get("source_firewall")) or None,
        "catalogue": recorded.get("source_catalogue") if isinstance(recorded.get("source_catalogue"), list) else None,
        "canaries": recorded.get("source_canaries") if isinstance(recorded.get("source_canaries"), list) else None,
    }


def earlier_recovery(folder, cluster_id, name):
    """The newest earlier recovery report (``recovery-*.json`` in ``folder``) of ``cluster_id`` into ``name`` whose plan
    went ahead: ``{path, point_in_time_ms, point_in_time, status}``, or None. A rerun after an interruption restores
    to the same point in time (``latest`` would otherwise move while the source still runs)."""
    if not folder or not os.path.isdir(folder) or not cluster_id or not name:
        return None
    best = None
    for entry in sorted(os.listdir(folder)):
        if not (entry.startswith("recovery-") and entry.endswith(".json")) or entry.endswith(".manifest.json"):
            continue
        path = os.path.join(folder, entry)
        try:
            if os.path.islink(path) or os.path.getsize(path) > MAX_REPORT_BYTES:
                continue
            with open(path, encoding="utf-8") as handle:
                report = json.load(handle)
        except (OSError, ValueError):
            continue
        plan = as_dict(as_dict(report).get("plan"))
        request = as_dict(plan.get("request"))
        if str(request.get("cluster_id") or "").lower() != str(cluster_id).lower() or request.get("name") != name \
                or not plan.get("proceed"):
            continue
        when = report.get("reference_time_ms") or 0
        if best is None or when > best[0]:
            best = (when, path, plan, report)
    if best is None:
        return None
    unused_when, path, plan, report = best
    return {"path": path, "point_in_time_ms": plan.get("point_in_time_ms"), "point_in_time": plan.get("point_in_time"),
            "status": report.get("status"), "run_id": report.get("run_id")}
