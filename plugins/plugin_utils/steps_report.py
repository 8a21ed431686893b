# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


"""The recovery report: one document for a person on call, written as JSON, Markdown and HTML.

Built from the plan (``steps_plan``), the restore's result, the firewall rules added, the data checks
and the failure, if any. Results hold no credentials or passwords; the report adds none.
"""

from __future__ import annotations

import os

from ansible_collections.restorekit.instaclustr.plugins.module_utils._clock import iso_utc
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.drill_applications import APPLICATION_PORTS
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.report_text import file_name_part
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.steps_checks import read_ok
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.drill_values import (
    as_dict,
    as_list,
    controller_ms,
    human_seconds,
    result_ms,
    trim_cluster,
)

FORMAT_VERSION = 1
KIND = "recovery"
STEPS = ("plan", "restore", "firewall", "checks", "report")
# The cluster is restored and RUNNING (and kept) but a data check failed: the play fails at its end.
RESTORED_CHECK_FAILED = "restored_check_failed"


def report_files(report_dir, source, run_id):
    name = "recovery-%s-%s" % (file_name_part(source.get("name") or source.get("id"), "source"), file_name_part(run_id, "run"))
    stem = os.path.join(str(report_dir or "."), name)
    return {"json": stem + ".json", "markdown": stem + ".md", "html": stem + ".html"}


def _ran(result):
    result = as_dict(result)
    return bool(result) and not result.get("skipped")


def _restored(restore, port):
    cluster = trim_cluster(as_dict(as_dict(restore).get("cluster")) or None)
    if not cluster:
        return None
    addresses = []
    for dc in cluster["data_centres"]:
        for node in dc["nodes"]:
            node["port"] = port
            if node.get("public_address"):
                addresses.append("%s:%s" % (node["public_address"], port) if port else node["public_address"])
    cluster.update(created=bool(as_dict(restore).get("created")), port=port, addresses=addresses)
    return cluster


def _firewall(plan, results):
    planned = as_dict(plan.get("firewall"))
    added = []
    for item in _loop_items(results):
        if item.get("skipped"):
            continue
        entry = as_dict(item.get("item"))
        added.append({"network": entry.get("network"), "rule_types": entry.get("rule_types"),
                      "changed": bool(item.get("changed")), "failed": bool(item.get("failed")),
                      "message": item.get("msg")})
    return {"enabled": planned.get("enabled"), "basis": planned.get("basis"), "report": planned.get("report"),
            "report_date": planned.get("report_date"), "planned": planned.get("would_copy") or [],
            "copied": [entry for entry in added if not entry["failed"]],
            "failed": [entry for entry in added if entry["failed"]],
            "not_copied": planned.get("not_copied") or [], "unread": planned.get("unread")}


def _data_access(plan, result):
    """The firewall rule the recovery added on the restored cluster for its data checks, or None when it added none."""
    cidr = as_dict(plan.get("data_access")).get("cidr")
    result = as_dict(result)
    if not cidr or not result or result.get("skipped"):
        return None
    return {"network": cidr, "rule_types": [rule.get("type") for rule in as_list(result.get("rules")) if isinstance(rule, dict)]
            or as_list(result.get("rule_types")), "changed": bool(result.get("changed")), "failed": bool(result.get("failed")),
            "message": result.get("msg") if result.get("failed") else None}


def _cutover(plan, restored, firewall, checks, data_access=None):
    source = as_dict(plan.get("source"))
    items = []
    if restored:
        items.append("Change the applications' connection strings from %s to %s (%s)." % (
            source.get("name") or source.get("id"), restored.get("name"), ", ".join(restored["addresses"]) or "addresses not read"))
        items.append("Read the restored cluster's default user and password in the Instaclustr console: this report holds none.")
    if firewall["not_copied"] or firewall["unread"] or firewall["failed"]:
        items.append("Add by hand the firewall rules listed as not copied, then check that each application connects.")
    elif restored:
        items.append("Check that each application connects: the firewall rules copied are listed above.")
    failed = [check.get("id") for check in checks if check.get("status") == "failed"]
    if failed:
        items.append("Do not cut over before the restored data is understood: the data check%s %s failed (see the checks); "
                     "the restored cluster is kept." % ("" if len(failed) == 1 else "s", ", ".join(failed)))
    elif any(check.get("status") not in ("passed", "not_applicable") for check in checks):
        items.append("Check the restored data before the cutover: not every data check passed (see the checks).")
    if data_access and not data_access["failed"]:
        items.append("Remove by hand the firewall rule %s that this recovery added on %s for its data checks, if it is not "
                     "wanted: the recovery deletes nothing." % (data_access["network"], restored.get("name") if restored else "the restored cluster"))
    if plan.get("data_loss", {}).get("seconds") not in (None, 0):
        items.append("Replay or re-enter the writes of the data-loss window (%s .. %s) if the business needs them." % (
            plan["data_loss"].get("from"), plan["data_loss"].get("until")))
    items.append("Keep or delete the source cluster %s (%s) by hand: this recovery deleted nothing." % (
        source.get("name") or "(name unknown)", source.get("id")))
    if restored:
        items.append("Schedule a drill of the new cluster %s (%s): ansible-playbook restorekit.instaclustr.dr_drill." % (
            restored.get("name"), restored.get("id")))
    return items


# The recovery steps a drill can exercise, in the order they run (docs/recovery.md, "Rehearse it with the drill").
REHEARSED_STEPS = ("read", "plan", "restore", "firewall_plan", "firewall_copy", "checks", "report")


def steps_exercised(context):
    """The recovery steps a drill ran, derived from what its context shows ran, in ``REHEARSED_STEPS`` order:
    ``read`` (the source and its backups read: the preflight), ``plan`` (the shared plan made the restore request),
    ``restore`` (``cluster_restore`` answered with a cluster), ``firewall_plan`` (the copy planned),
    ``firewall_copy`` (at least one rule sent to the restored cluster), ``checks`` (the restored cluster's data
    read), ``report`` (this report: its builder calls this)."""
    context = as_dict(context)
    data = as_dict(context.get("data"))
    ran = {
        "read": bool(as_dict(context.get("preflight"))),
        "plan": bool(as_dict(as_dict(context.get("plan")).get("request"))),
        "restore": bool(as_dict(context.get("restore")).get("restored_cluster_id")),
        "firewall_plan": bool(as_dict(context.get("firewall_plan"))),
        "firewall_copy": any(not entry.get("skipped") for entry in _loop_items(context.get("firewall_copied"))),
        "checks": any(_ran(data.get(key)) for key in ("restored_canaries", "restored_catalogue")),
        "report": True,
    }
    return [step for step in REHEARSED_STEPS if ran[step]]


def _loop_items(results):
    """The items of a registered loop (a dict with ``results``, or a list), each a dict."""
    items = as_dict(results).get("results") if isinstance(results, dict) else results
    return [as_dict(item) for item in as_list(items) if as_dict(item)]


def rehearsal(context):
    """What a drill records for a later recovery, and the recovery steps it exercised (``steps_exercised``):
    the restore request its plan made (``request``, ``steps_plan.restore_request``), the source's firewall rules
    as read (``source_firewall``), the copy planned or done (``firewall``), the source's catalogue and canaries as
    the drill read them at its start (``source_catalogue``, ``source_canaries``: None when not read).
    ``context`` is the drill role's report context."""
    context = as_dict(context)
    data = as_dict(context.get("data"))
    catalogue = read_ok(data.get("source_catalogue"), "catalogue")
    canaries = read_ok(data.get("source_canaries"), "canaries")
    rules = as_dict(context.get("source_rules"))
    planned = as_dict(context.get("firewall_plan"))
    copied = _firewall({"firewall": planned}, context.get("firewall_copied"))
    read = bool(rules) and not rules.get("skipped") and "rules" in rules
    request = as_dict(as_dict(context.get("plan")).get("request"))
    return {
        "steps_exercised": steps_exercised(context),
        "request": dict(request) or None,
        "source_firewall": {"rules": [dict(rule) for rule in as_list(rules.get("rules"))], "read_at": None} if read
        else {"rules": None, "read_error": str(rules.get("msg") or "not read")},
        "firewall": {"planned": planned.get("would_copy") or [], "copied": copied["copied"], "failed": copied["failed"],
                     "not_copied": planned.get("not_copied") or [], "enabled": bool(planned.get("enabled"))},
        "source_catalogue": [dict(entry) for entry in as_list(catalogue.get("catalogue")) if isinstance(entry, dict)]
        if catalogue else None,
        "source_canaries": [dict(canary) for canary in as_list(canaries.get("canaries")) if isinstance(canary, dict)]
        if canaries else None,
    }


def recovery_report(context):
    """The recovery report (a dict) from the role's context: ``settings``, ``run_id``, ``plan``, ``marks``
    (controller times per step), ``restore`` (cluster_restore), ``firewall`` (the loop of cluster_firewall_rule),
    ``data_access`` (cluster_firewall_rule for the data checks' network), ``checks`` (``steps_checks.recovery_checks``),
    ``failure``."""
    context = as_dict(context)
    settings = as_dict(context.get("settings"))
    plan = as_dict(context.get("plan"))
    marks = as_dict(context.get("marks"))
    restore = as_dict(context.get("restore"))
    failure = as_dict(context.get("failure"))
    source = dict(as_dict(plan.get("source")), application=plan.get("application"))
    port = APPLICATION_PORTS.get(plan.get("application"))
    restored = _restored(restore, port) if _ran(restore) else None
    firewall = _firewall(plan, context.get("firewall"))
    checks = [dict(check) for check in as_list(context.get("checks")) if isinstance(check, dict)]
    failed_checks = [check["id"] for check in checks if check.get("status") == "failed"]
    data_access = _data_access(plan, context.get("data_access"))
    requested_ms, running_ms = result_ms(restore, "requested_at"), result_ms(restore, "running_at")

    if failure:
        status = "failed"
        message = "The recovery stopped at %s: %s" % (failure.get("task") or "a task", failure.get("message"))
    elif plan.get("errors"):
        status = "failed"
        message = "Nothing was sent: " + " ".join(plan["errors"])
    elif plan.get("check_mode"):
        status = "planned"
        message = "Check mode: the plan only, nothing was sent."
    elif not plan.get("confirmed"):
        status = "refused" if plan.get("confirm_given") else "not_confirmed"
        message = "Nothing was sent: " + str(plan.get("confirmation"))
    elif restored and restored.get("status") == "RUNNING" and not firewall["failed"] and failed_checks:
        status = RESTORED_CHECK_FAILED
        message = ("%s is RUNNING, restored from %s at %s, but the data check%s %s failed: the cluster is kept; do not cut over "
                   "before the restored data is understood (see the checks); nothing was deleted." % (
                       restored["name"], source.get("name") or source.get("id"), plan.get("point_in_time") or "its latest state",
                       "" if len(failed_checks) == 1 else "s", ", ".join(failed_checks)))
    elif restored and restored.get("status") == "RUNNING" and not firewall["failed"]:
        status = "recovered"
        message = "%s is RUNNING, restored from %s at %s%s; nothing was deleted." % (
            restored["name"], source.get("name") or source.get("id"), plan.get("point_in_time") or "its latest state",
            "" if restore.get("created") else " (found from an earlier run of this recovery, not sent again)")
    else:
        status = "failed"
        message = "The recovery did not finish: the restored cluster is not RUNNING or a firewall rule failed."

    steps = []
    for name in STEPS:
        started = marks.get(name)
        steps.append({"name": name, "controller_started_at": started, "ran": started is not None})
    restore_step = {"requested_at": iso_utc(requested_ms), "running_at": iso_utc(running_ms),
                    "created": bool(restore.get("created")), "sent": bool(restore.get("created"))}
    checked_ms = as_dict(plan.get("window")).get("checked_at_ms")
    return {
        "format_version": FORMAT_VERSION,
        "kind": KIND,
        "run_id": context.get("run_id"),
        "status": status,
        "message": message,
        "check_mode": bool(plan.get("check_mode")),
        "api_version": plan.get("api_version"),
        "application": plan.get("application"),
        "source": source,
        "reference_time": iso_utc(checked_ms),
        "reference_time_ms": checked_ms,
        "plan": {key: value for key, value in plan.items() if key != "memory"},
        "memory": plan.get("memory"),
        "steps": steps,
        "phases": [{"name": "restore", "server_started_at": restore_step["requested_at"],
                    "server_ended_at": restore_step["running_at"]}] if requested_ms is not None else [],
        "restore": restore_step,
        "time_to_recover": {
            "seconds": None if requested_ms is None or running_ms is None else round((running_ms - requested_ms) / 1000.0, 3),
            "human": human_seconds(None if requested_ms is None or running_ms is None else (running_ms - requested_ms) / 1000.0),
            "basis": "API server time from the restore request to the restored cluster and all its nodes RUNNING",
            "controller_seconds": None if controller_ms(marks.get("plan")) is None or controller_ms(marks.get("report")) is None
            else round((controller_ms(marks["report"]) - controller_ms(marks["plan"])) / 1000.0, 3),
        },
        "data_loss": plan.get("data_loss"),
        "restored": restored,
        "firewall": firewall,
        "data_access": data_access,
        "checks": checks,
        "cutover": _cutover(plan, restored, firewall, checks, data_access),
        "deleted": [],
        "failure": failure or None,
        "files": report_files(settings.get("report_dir"), source, context.get("run_id")),
    }
