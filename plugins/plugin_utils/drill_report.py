# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The drill's report: one document with the status, the checks and their counts, the phases,
the restore request, the cleanup and the timeline data. The role's templates render it as JSON,
Markdown, HTML and JUnit; it holds no credential and no password.

Phase durations are controller wall-clock seconds (the role's ``now()`` marks); every other time
is API server time from the modules' results.
"""

from __future__ import annotations

from ansible_collections.restorekit.instaclustr.plugins.module_utils._clock import iso_utc
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.drill_applications import DRILL_APPLICATIONS
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.drill_checks import (
    CHECK_MODE_BACKUP,
    check_counts,
    evaluate,
    proven_figures,
    restore_point_age_seconds,
    verdict,
)
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.drill_constants import CHECK_MODE, FAILED, NOT_APPLICABLE, PASSED, PHASES
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.drill_names import RUN_ID_UNSAFE
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils import steps_report
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.drill_timeline import timeline
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.drill_values import (
    as_dict,
    as_list,
    controller_ms,
    effective_backup,
    figure_text,
    human_seconds,
    result_ms,
    seconds_between,
    trim_cluster,
    truthy,
)
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.report_text import file_name_part

RUN_ID_PART_MAX = 32  # of the report's file name (the role's run ids have 8 characters)
FORMAT_VERSION = 3  # of the drill's JSON report; raised when a field changes meaning or goes away, or its evidence changes


def build_report(context):
    """The whole drill as one document: status, checks, phases, request, cleanup, timeline."""
    context = dict(as_dict(context))
    context["backup"] = effective_backup(context.get("backup"))
    settings = as_dict(context.get("settings"))
    preflight = as_dict(context.get("preflight"))
    plan = as_dict(context.get("plan"))
    restore = as_dict(context.get("restore"))
    failure = as_dict(context.get("failure")) or None
    source = as_dict(preflight.get("source"))
    cluster = as_dict(restore.get("cluster"))
    run_id = str(context.get("run_id") or "")
    source_name = source.get("name") or settings.get("cluster_id") or "cluster"
    # Bounded and unique whatever the source's name (a long name never makes "File name too long").
    stem = "drill-%s-%s" % (file_name_part(source_name), RUN_ID_UNSAFE.sub("", run_id.lower())[:RUN_ID_PART_MAX] or "run")

    report = {
        # 2: figures.rpo_seconds is what the backups before the drill protect (was: the restored
        # point's age, now figures.restore_point_age_seconds); figures.rto_source is new.
        # 3: the manifest era (evidence_manifest.MANIFEST_ERA): the drill writes a manifest beside its reports,
        # so a report of this version without a valid manifest counts as tampered; no field changed.
        "format_version": FORMAT_VERSION,
        "run_id": run_id,
        # cassandra, postgresql, opensearch or redis (lower case): what the checks could prove depends on it.
        "application": _application_name(settings, preflight),
        "check_mode": truthy(context.get("check_mode"), False),
        "api_version": str(settings.get("api_version") or "v1").lower(),  # the version the role says its modules use
        "source": {"id": source.get("id") or settings.get("cluster_id"), "name": source.get("name")},
        "restored": {
            "id": restore.get("restored_cluster_id"),
            "name": cluster.get("name") or plan.get("name"),
            "created": bool(restore.get("created")),
            "status": cluster.get("status"),
            "data_centres": trim_cluster(cluster)["data_centres"] if cluster else [],
        },
        "reference_time": preflight.get("reference"),
        "reference_time_ms": preflight.get("reference_ms"),
        "reference_clock": preflight.get("reference_clock"),
        "point_in_time": plan.get("point_in_time"),
        "point_in_time_ms": plan.get("point_in_time_ms"),
        "point_in_time_basis": plan.get("point_in_time_basis"),
        "settings": {
            "trigger_backup": truthy(settings.get("trigger_backup")),
            "cleanup": truthy(settings.get("cleanup")),
            "keyspace_tables": as_list(settings.get("keyspace_tables")),
            "index_names": as_list(settings.get("index_names")),
            "cluster_network": settings.get("cluster_network"),
            "rto_target": settings.get("rto_target"),
            "rpo_target": settings.get("rpo_target"),
            "verify_tasks": settings.get("verify_tasks"),
            "canary": truthy(settings.get("canary"), False),
            "data_access_cidr": settings.get("data_access_cidr") or None,
            "rpo_basis": str(settings.get("rpo_basis") or "backups").lower(),
        },
        "request": restore.get("request") if isinstance(restore.get("request"), dict) else None,
        "failure": failure,
        "warnings": sorted(set(map(str, as_list(plan.get("warnings")) or as_list(preflight.get("warnings"))))),
    }
    report["checks"] = evaluate(context, report)
    titles = DRILL_APPLICATIONS[report["application"]].titles
    for check in report["checks"]:
        check["title"] = titles.get(check["id"], check["title"])  # the application's own words (its restore event)
    report["phases"] = _phases(context, report)
    report["cleanup"] = _cleanup(context, report)
    report["status"], report["failed_checks"] = verdict(report["checks"], failure, report["cleanup"]["action"], report["check_mode"])
    report["check_counts"] = check_counts(report["checks"])
    figures = {check["id"]: check["figures"] for check in report["checks"] if check["id"] in ("rto", "rpo")}
    report["figures"] = {
        "rto_seconds": as_dict(figures.get("rto")).get("seconds"),
        "rto_source": as_dict(figures.get("rto")).get("source"),
        # What the backups made before the drill protect, whichever basis the rpo check gates (rpo_basis).
        "rpo_seconds": _backups_rpo(as_dict(figures.get("rpo"))),
        "rpo_basis": as_dict(figures.get("rpo")).get("basis") or str(settings.get("rpo_basis") or "backups").lower(),
        "restore_point_age_seconds": restore_point_age_seconds(plan.get("point_in_time_ms"), preflight.get("reference_ms")),
        "backup_seconds": as_dict(as_dict(context.get("backup")).get("backup")).get("duration_seconds"),
        "restore_seconds": restore.get("duration_seconds"),
    }
    proven = proven_figures(context)
    report["figures"].update(proven_rpo_seconds=proven.get("proven_rpo_seconds"), proven_restore_point=proven.get("proven_restore_point"),
                             proven_restore_point_ms=proven.get("proven_restore_point_ms"))
    # The RTO and RPO as every output writes them (reports, summary, the demo): "not applicable" when the check does not apply.
    skipped = {check["id"] for check in report["checks"] if check["status"] == NOT_APPLICABLE}
    for kind in ("rto", "rpo"):
        report["figures"]["%s_text" % kind] = figure_text(report["figures"]["%s_seconds" % kind], kind in skipped)
    report["figure_sentences"] = _figure_sentences(report, as_dict(figures.get("rpo")))
    report["figure_sentences"]["proven_rpo"] = _proven_sentence(report["figures"], proven)
    report["message"] = _message(report)
    report_dir = str(settings.get("report_dir") or ".").rstrip("/") or "/"
    report["files"] = {kind: "%s/%s.%s" % (report_dir, stem, ext)
                       for kind, ext in (("json", "json"), ("markdown", "md"), ("html", "html"), ("junit", "junit.xml"))}
    report["timeline"] = timeline(context, report)
    # For a later recovery (steps_memory reads it back): the source's firewall rules, the recovery steps exercised.
    report["recovery"] = steps_report.rehearsal(context)
    return report


def _application_name(settings, preflight):
    name = str(preflight.get("application") or settings.get("application") or "cassandra").lower()
    return name if name in DRILL_APPLICATIONS else "cassandra"


def _backups_rpo(rpo_figures):
    """The backups' RPO from the rpo check's figures (its own figure when it gates the backups' basis)."""
    if rpo_figures.get("basis") == "proven":
        return rpo_figures.get("backups_rpo_seconds")
    return rpo_figures.get("seconds")


def _proven_sentence(figures, proven):
    """The proven RPO in one plain sentence: what the canaries found restored prove."""
    if figures.get("proven_rpo_seconds") is not None:
        return ("Proven RPO: the newest canary found in the restored cluster was written at %s, %s before the drill's start: "
                "the restore is proven to hold the data written until then." % (
                    figures["proven_restore_point"], human_seconds(figures["proven_rpo_seconds"])))
    if figures.get("proven_restore_point"):
        return ("Proven restore point %s (the newest canary found restored); proven RPO %s" % (
            figures["proven_restore_point"], proven.get("proven_rpo_reason") or "not measured."))
    return "Proven RPO: not measured: %s" % (proven.get("proven_rpo_reason") or "the restored cluster's canaries were not read.")


def _figure_sentences(report, rpo_figures):
    """The RPO and the restored point's age, one plain sentence each (the Markdown and HTML reports say them)."""
    figures = report["figures"]
    rpo_check = next((check for check in report["checks"] if check["id"] == "rpo"), {})
    if figures["rpo_seconds"] is not None:
        until = rpo_figures.get("restorable_until")
        rpo = ("RPO: had the cluster been lost at the drill's start, the backups made before it would have restored it to "
               "%s before then%s." % (human_seconds(figures["rpo_seconds"]), " (%s)" % until if until else ""))
    elif rpo_check.get("status") == NOT_APPLICABLE:
        rpo = "RPO: not applicable: %s" % rpo_check.get("details")
    elif rpo_figures.get("nothing_restorable"):
        rpo = ("RPO: not verifiable: no backup made before the drill's start was restorable, so a loss at that moment "
               "could not have been restored at all.")
    else:
        rpo = "RPO: not measured (the drill stopped before its preflight completed)."
    age, point = figures["restore_point_age_seconds"], report["point_in_time_ms"]
    if report["point_in_time_basis"] == "latest_state":
        restored = "The latest state was restored: a %s restore takes no point in time." % DRILL_APPLICATIONS[report["application"]].label
    elif age is None:
        restored = "No point in time was chosen to restore."
    elif point is not None and report["reference_time_ms"] is not None and point > report["reference_time_ms"]:
        restored = "The restored point was %s after the drill's start (the drill's own backup)." % human_seconds(
            (point - report["reference_time_ms"]) / 1000.0)
    else:
        restored = "The restored point was %s old at the drill's start." % human_seconds(age)
    return {"rpo": rpo, "restore_point": restored}


def _message(report):
    name = report["source"]["name"] or report["source"]["id"]
    if report["status"] == PASSED:
        return "Drill of %s passed: restored to %s in %s (RTO), RPO %s, cleanup %s." % (
            name, report["point_in_time"] or "the latest state", report["figures"]["rto_text"],
            report["figures"]["rpo_text"], report["cleanup"]["action"])
    if report["status"] == CHECK_MODE:
        backup = next((check for check in report["checks"] if check["id"] == "backup_completed"), None)
        action = as_dict(as_dict(backup).get("figures")).get("action")
        return "Check mode for %s: %sthe restore of %s as %s would be requested; nothing was changed." % (
            name, "%s, then " % CHECK_MODE_BACKUP[action] if action in CHECK_MODE_BACKUP else "",
            report["point_in_time"], report["restored"]["name"])
    reasons = []
    failure_message = None
    if report["failure"]:
        failure_message = str(report["failure"].get("message"))
        reasons.append("Stopped in the %s phase: %s" % (report["failure"].get("phase"), failure_message))
    # Failed checks, except those that only repeat the failure above.
    reasons.extend("%s: %s" % (check["id"], check["details"]) for check in report["checks"]
                   if check["status"] == FAILED and not (failure_message and failure_message in check["details"]))
    if report["cleanup"]["action"] == "failed":
        reasons.append("cleanup: %s" % report["cleanup"]["details"])
    return "Drill of %s FAILED. %s" % (name, " | ".join(reasons))


def _phases(context, report):
    marks = {name: controller_ms(value) for name, value in as_dict(context.get("marks")).items()}
    failure = as_dict(context.get("failure"))
    phases = []
    for index, name in enumerate(PHASES):
        start = marks.get(name)
        later = [marks[n] for n in PHASES[index + 1:] if marks.get(n) is not None]
        end = later[0] if later and start is not None else None
        if start is None:
            status = "not_reached"
        elif failure.get("phase") == name:
            status = "failed"
        elif name == "backup" and not truthy(as_dict(context.get("settings")).get("trigger_backup")):
            status = "skipped"
        else:
            # The report phase is the last: by the time its document is finished, so is the phase.
            status = "completed" if end is not None or name == PHASES[-1] else "running"
        phases.append({
            "name": name,
            "status": status,
            "controller_started_at": iso_utc(start),
            "controller_seconds": seconds_between(start, end),
        })
    server = _server_spans(context)
    for phase in phases:
        span = server.get(phase["name"])
        if span:
            phase["server_started_at_ms"], phase["server_ended_at_ms"] = span
            phase["server_started_at"], phase["server_ended_at"] = iso_utc(span[0]), iso_utc(span[1])
            phase["server_seconds"] = seconds_between(span[0], span[1])
    return phases


def _server_spans(context):
    """Phase spans in API server time, where the API's results give both ends."""
    spans = {}
    backup_result = as_dict(context.get("backup"))
    backup = as_dict(backup_result.get("backup"))
    start = result_ms(backup_result, "triggered_at")
    if start is None:
        start = result_ms(backup, "started_at")
    if start is not None and result_ms(backup, "completed_at") is not None:
        spans["backup"] = (start, result_ms(backup, "completed_at"))
    restore = as_dict(context.get("restore"))
    requested, running = result_ms(restore, "requested_at"), result_ms(restore, "running_at")
    if requested is not None and running is not None:
        spans["restore"] = (requested, running)
        checked = result_ms(context.get("restored_backups"), "checked_at")
        if checked is not None and checked >= running:
            spans["verify"] = (running, checked)
    return spans


def _cleanup(context, report):
    settings = as_dict(context.get("settings"))
    restore = as_dict(context.get("restore"))
    result = as_dict(as_dict(context.get("cleanup")).get("result"))
    error = as_dict(context.get("cleanup")).get("error")
    cluster_id = restore.get("restored_cluster_id")
    record = {"enabled": truthy(settings.get("cleanup")), "cluster_id": cluster_id,
              "name": as_dict(context.get("plan")).get("name")}
    if truthy(context.get("check_mode"), False):
        record.update(action="none", details="Check mode: no cluster was created, nothing to delete.")
    elif error or result.get("failed"):
        record.update(action="failed", details="Deleting the restored cluster failed: %s. Delete %s by hand or run the sweep." % (
            error or result.get("msg"), cluster_id))
    elif not restore.get("created") and restore.get("unproven_cluster_id"):
        record.update(action="kept", cluster_id=restore["unproven_cluster_id"],
                      details="Kept %s (%s): it appeared after this drill's restore request had an unknown outcome, but another "
                              "restore request of that name was sent too, so no intent record proves this drill made it; it was "
                              "not deleted. Decide by hand whether to delete it." % (record["name"], restore["unproven_cluster_id"]))
    elif not restore.get("created"):
        record.update(action="none", cluster_id=None if not restore.get("restored_cluster_id") else cluster_id,
                      details="This drill created no cluster, so it deleted none%s." % (
                          " (the existing cluster %s was left as it was)" % cluster_id if cluster_id else ""))
    elif not record["enabled"]:
        record.update(action="kept", details="Kept as asked (backup_restore_drill_cleanup: false): %s (%s) keeps running and is billed until deleted." % (
            record["name"], cluster_id))
    elif result and not result.get("skipped"):
        record.update(action="deleted", details="Deleted %s (%s)." % (record["name"], cluster_id))
    else:
        record.update(action="failed", details="The restored cluster %s was not deleted (the cleanup did not run)." % cluster_id)
    return record
