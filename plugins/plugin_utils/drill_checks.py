# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The drill's checks and its verdict.

Each check is ``{id, title, status, details, figures}`` with a status from
``drill_constants.CHECK_STATUSES``. ``evaluate`` builds them all in report order, also after a
failure (a check the drill did not reach is not verifiable); ``verdict`` turns them, the failure
and the cleanup into the drill's status. RTO and RPO are measured in ``rto_seconds`` and
``rpo_seconds``, the only places that compute them.
"""

from __future__ import annotations

from ansible_collections.restorekit.instaclustr.plugins.module_utils._clock import iso_utc
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils import drill_data_checks, steps_checks
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.drill_applications import DRILL_APPLICATIONS, drill_application
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.drill_constants import (
    CHECK_MODE,
    CHECK_STATUSES,
    CHECK_TITLES,
    COMPLETED,
    FAILED,
    NOT_APPLICABLE,
    NOT_VERIFIABLE,
    PASSED,
    RESTORE_EVENT,
    RUNNING,
)
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.steps_checks import make_check
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.drill_values import (
    all_nodes,
    as_dict,
    as_list,
    backup_action,
    backup_result_nodes,
    dc_key,
    duration_option,
    event_nodes,
    human_seconds,
    is_number,
    node_events,
    result_ms,
    seconds_between,
    truthy,
)

# Checks that need a restored cluster: none of them is evaluated in check mode.
RESTORE_CHECKS = ("restore_created", "restore_running", "topology", "restore_events", "canary_restored", "point_in_time_honoured",
                  "catalogue", "network", "tables", "indices", "rto", "user_checks")


def not_applicable(check_id, reason):
    """A check that does not apply to this drill (its application or API version); ``reason`` says why."""
    if not reason or not str(reason).strip():
        raise ValueError("a not_applicable check needs a reason (check %s)" % check_id)
    return make_check(check_id, NOT_APPLICABLE, str(reason))


# ---- recovery figures (API server time) ------------------------------------------------------------

RTO_FROM_EVENTS = "api_events"
RTO_FROM_POLLING = "polling"


def _restore_ends_ms(restore, restored_backups):
    """Per node of the restored cluster, the end of its latest COMPLETED ``cassandra-restore`` event.

    None unless every node has one that ended at or after the restore request: a partial set cannot
    say when the last node finished.
    """
    requested = result_ms(restore, "requested_at")
    node_ids = [node.get("id") for _dc, node in all_nodes(restore.get("cluster"))]
    by_node = {node.get("id"): node_events(node, RESTORE_EVENT) for _dc, node in event_nodes(restored_backups)}
    ends = {}
    for node_id in node_ids:
        done = [event["end"] for event in by_node.get(node_id, [])
                if event.get("state") == COMPLETED and is_number(event.get("end"))]
        if not done or requested is None or max(done) < requested:
            return None
        ends[node_id] = int(max(done))
    return ends or None


def rto_seconds(restore, restored_backups=None):
    """Recovery time and its source: ``(seconds, "api_events" | "polling")``, seconds None when unknown.

    Where every restored node has a COMPLETED ``cassandra-restore`` event (the restored cluster's
    backup listing), the RTO runs from the restore request to the last node's restore end: the API's
    own time, free of the poll interval. The time until the cluster was seen RUNNING is added only
    when the cluster became RUNNING later than that end, which cluster_restore shows when it still
    read the cluster not RUNNING after it (``last_not_running_at``); the RTO then ends at
    ``running_at``. Without such events: the restore request to ``running_at``, as polling saw it.
    """
    restore = as_dict(restore)
    requested, running = result_ms(restore, "requested_at"), result_ms(restore, "running_at")
    ends = _restore_ends_ms(restore, restored_backups)
    if ends is None:
        return seconds_between(requested, running), RTO_FROM_POLLING
    end = max(ends.values())
    not_running = result_ms(restore, "last_not_running_at")
    if running is not None and not_running is not None and not_running > end:
        end = max(end, running)  # still not RUNNING after the last node's restore ended
    return seconds_between(requested, end), RTO_FROM_EVENTS


def rpo_seconds(reference_ms, restorable_until_ms):
    """Recovery point: the drill's start minus the newest instant restorable from the backups made
    before it (the preflight's ``restorable_until``); None when either is unknown.

    What a loss of the cluster at the drill's start would have cost, whether or not the drill then
    takes its own backup: the drill's backup protects nothing before the drill.
    """
    if reference_ms is None or restorable_until_ms is None:
        return None
    return max(0.0, seconds_between(restorable_until_ms, reference_ms))


def restore_point_age_seconds(point_ms, reference_ms):
    """How old the restored point in time was at the drill's start (0 when it is after the start,
    a backup the drill took); None when either is unknown. Not the RPO."""
    if point_ms is None or reference_ms is None:
        return None
    return max(0.0, seconds_between(point_ms, reference_ms))


# ---- the checks -----------------------------------------------------------------------------------------

def not_reached(check_id, why):
    return make_check(check_id, NOT_VERIFIABLE, "Not evaluated: %s." % why)


def _expected_topology(preflight, point_ms):
    """Nodes per data centre with a completed snapshot at or before the point in time, with racks.

    Racks come from the source's current nodes; a node no longer in the source has an unknown rack.
    """
    racks = {node.get("id"): node.get("rack") for _dc, node in all_nodes(preflight.get("source"))}
    expected = {}
    for node in as_list(preflight.get("nodes")):
        if any(end <= point_ms for _start, end in node.get("snapshots") or []):
            dc = expected.setdefault(node.get("data_centre"), {"nodes": 0, "racks": []})
            dc["nodes"] += 1
            if racks.get(node.get("id")) is not None:
                dc["racks"].append(racks[node.get("id")])
    for dc in expected.values():
        dc["racks"].sort()
    return expected


def _actual_topology(cluster):
    actual = {}
    for dc in as_list(as_dict(cluster).get("data_centres")):
        nodes = [node for node in as_list(as_dict(dc).get("nodes")) if isinstance(node, dict)]
        actual[dc_key(dc)] = {"nodes": len(nodes), "racks": sorted(str(node.get("rack")) for node in nodes)}
    return actual


def _current_topology(preflight):
    """The source's topology when the drill started: what a restore to the latest state must rebuild."""
    expected = {}
    for dc in as_list(as_dict(preflight.get("source")).get("data_centres")):
        nodes = [node for node in as_list(as_dict(dc).get("nodes")) if isinstance(node, dict)]
        expected[dc_key(dc)] = {"nodes": len(nodes), "racks": sorted(str(node.get("rack")) for node in nodes if node.get("rack") is not None)}
    return expected


def _topology_check(preflight, backup_result, point_ms, cluster):
    if point_ms is None:  # a restore to the latest state (no point in time): the source's topology at the drill's start
        return _compare_topology(_current_topology(preflight), _actual_topology(cluster),
                                 "The source had no node when the drill started.")
    # The drill's own backup adds a snapshot per node that the preflight listing predates.
    preflight = dict(preflight)
    extra = {node["id"]: [int(node["start"]), int(node["end"])] for node in backup_result_nodes(backup_result)
             if node.get("state") == COMPLETED and is_number(node.get("end")) and is_number(node.get("start"))}
    if extra:
        nodes = []
        for node in as_list(preflight.get("nodes")):
            node = dict(node)
            if node.get("id") in extra:
                node["snapshots"] = sorted([list(snap) for snap in node.get("snapshots") or []] + [extra[node["id"]]])
            nodes.append(node)
        preflight["nodes"] = nodes
    return _compare_topology(_expected_topology(preflight, point_ms), _actual_topology(cluster),
                             "The source's backup events show no completed backup at or before the point in time.")


def _compare_topology(expected, actual, nothing_expected):
    if not expected:
        return make_check("topology", NOT_VERIFIABLE, nothing_expected, actual=actual)
    problems = []
    for dc_name in sorted(set(expected) | set(actual), key=str):
        want, got = expected.get(dc_name), actual.get(dc_name)
        if want is None:
            problems.append("data centre %s was not expected" % dc_name)
        elif got is None:
            problems.append("data centre %s is missing" % dc_name)
        else:
            if want["nodes"] != got["nodes"]:
                problems.append("%s has %d nodes, expected %d" % (dc_name, got["nodes"], want["nodes"]))
            remaining = list(got["racks"])
            for rack in want["racks"]:
                if rack in remaining:
                    remaining.remove(rack)
                else:
                    problems.append("%s lacks a node in rack %s" % (dc_name, rack))
    if problems:
        return make_check("topology", FAILED, "; ".join(problems) + ".", expected=expected, actual=actual)
    return make_check("topology", PASSED, ", ".join("%s: %d nodes in racks %s" % (
        name, actual[name]["nodes"], ", ".join(sorted(set(actual[name]["racks"])))) for name in sorted(actual, key=str)) + ".",
        expected=expected, actual=actual)


def _running_check(cluster):
    nodes = [node for _dc, node in all_nodes(cluster)]
    not_running = ["%s (%s)" % (node.get("id"), node.get("status")) for node in nodes if node.get("status") != RUNNING]
    status = as_dict(cluster).get("status")
    if status == RUNNING and nodes and not not_running:
        return make_check("restore_running", PASSED, "The cluster and its %d nodes are RUNNING." % len(nodes),
                          status=status, nodes=len(nodes))
    return make_check("restore_running", FAILED,
                      "The cluster is %s; nodes not RUNNING: %s." % (status, ", ".join(not_running) or "none listed"),
                      status=status, nodes=len(nodes), not_running=not_running)


def _restore_events_check(cluster, restored_backups):
    node_ids = [node.get("id") for _dc, node in all_nodes(cluster)]
    by_node = {node.get("id"): node_events(node, RESTORE_EVENT) for _dc, node in event_nodes(restored_backups)}
    if not any(by_node.values()):
        return make_check("restore_events", NOT_VERIFIABLE, "The API lists no cassandra-restore events for the restored cluster.")
    missing = [node_id for node_id in node_ids if not any(e.get("state") == COMPLETED for e in by_node.get(node_id, []))]
    if missing:
        return make_check("restore_events", FAILED, "Nodes without a COMPLETED cassandra-restore event: %s." % ", ".join(map(str, missing)),
                          nodes=len(node_ids), missing=missing)
    return make_check("restore_events", PASSED, "All %d nodes show a COMPLETED cassandra-restore event." % len(node_ids), nodes=len(node_ids))


def _network_check(settings, preflight, cluster):
    """Compare what the API reports for the restored data centres with what was asked for."""
    source_dc_names = {dc.get("id"): dc_key(dc) for dc in as_list(as_dict(preflight.get("source")).get("data_centres"))}
    expected = {}
    if settings.get("cluster_network"):
        expected = {name: settings["cluster_network"] for name in source_dc_names.values()}
    for info in as_list(settings.get("cdc_infos")):
        info = as_dict(info)
        if info.get("custom_vpc_network") and info.get("cdc_id") in source_dc_names:
            expected[source_dc_names[info["cdc_id"]]] = info["custom_vpc_network"]
    if not expected:
        return make_check("network", NOT_VERIFIABLE, "No network was requested; the provider chose one.")
    actual = {dc_key(dc): dc.get("network") for dc in as_list(as_dict(cluster).get("data_centres"))}
    wrong = ["%s uses %s, expected %s" % (name, actual.get(name), want) if name in actual else "%s is missing (expected %s)" % (name, want)
             for name, want in sorted(expected.items(), key=str) if actual.get(name) != want]
    if wrong:
        return make_check("network", FAILED, "; ".join(wrong) + ".", expected=expected, actual=actual)
    return make_check("network", PASSED, ", ".join("%s uses %s" % (name, actual[name]) for name in sorted(actual, key=str) if name in expected) + ".",
                      expected=expected, actual=actual)


def _tables_check(settings, user, check_id="tables", option="keyspace_tables"):
    """The restored selection (Cassandra's tables, OpenSearch's indices), as far as the user checks cover it."""
    covering = [result for result in as_list(as_dict(user).get("results"))
                if isinstance(result, dict) and check_id in as_list(result.get("covers"))]
    names = as_list(settings.get(option))
    asked = ("the %s %s" % (check_id, ", ".join(map(str, names)))) if names else "all %s" % check_id
    if covering:
        failed = [r for r in covering if r.get("status") != PASSED]
        status = FAILED if failed or as_dict(user).get("failed") else PASSED
        return make_check(check_id, status, "%s, as checked by the user checks: %s." % (
            asked[0].upper() + asked[1:], ", ".join("%s %s" % (r.get("name"), r.get("status")) for r in covering)),
            **{option: names or None})
    return make_check(check_id, NOT_VERIFIABLE,
                      "Requested %s; which %s were restored cannot be read back through the %s API "
                      "(a user check marked as covering '%s' can verify it)." % (
                          asked, check_id, settings.get("api_version") or "v1", check_id), **{option: names or None})


# What cluster_backup said it would do in check mode, in the report's words.
CHECK_MODE_BACKUP = {
    "triggered": "cluster_backup would trigger a backup of every node",
    "followed": "cluster_backup would follow the backup already running on every node",
    "reused": "cluster_backup would reuse the backup every node completed within backup_restore_drill_backup_reuse_within",
}


def _check_mode_backup_check(backup_result):
    """The backup step under --check: what the module's own check-mode result says it would do."""
    action = backup_action(backup_result)
    if action is None:
        return make_check("backup_completed", NOT_VERIFIABLE, "Check mode: cluster_backup did not say what it would do.")
    return make_check("backup_completed", NOT_VERIFIABLE, "Check mode: %s (%s)." % (
        CHECK_MODE_BACKUP[action], backup_result.get("msg") or "no message"), action=action,
        triggered=bool(truthy(backup_result.get("triggered"), False)))


def _target_check(check_id, value, target, what, note="", **extra):
    """A figure against its target; ``note`` ends the sentence (where the figure comes from)."""
    if value is None:
        return make_check(check_id, NOT_VERIFIABLE, "The %s could not be measured." % what, **extra)
    if target is None:
        # The note is written to run on into "is within ..."; here the sentence ends after it.
        return make_check(check_id, NOT_VERIFIABLE, "Measured %s (%s s)%s; no target was set." % (
            human_seconds(value), value, note.rstrip(",")), seconds=value, **extra)
    if value <= target:
        return make_check(check_id, PASSED, "%s (%s s)%s is within the target %s (%s s)." % (
            human_seconds(value), value, note, human_seconds(target), target), seconds=value, target_seconds=target, **extra)
    return make_check(check_id, FAILED, "%s (%s s)%s exceeds the target %s (%s s) by %s." % (
        human_seconds(value), value, note, human_seconds(target), target, human_seconds(value - target)),
        seconds=value, target_seconds=target, **extra)


RTO_NOTES = {
    RTO_FROM_EVENTS: ", from the restore request to the last node's cassandra-restore end (the API's times),",
    RTO_FROM_POLLING: ", from the restore request until the cluster was seen RUNNING (polling),",
}


def _rto_check(settings, restore, restored_backups):
    seconds, source = rto_seconds(restore, restored_backups)
    return _target_check("rto", seconds, duration_option(settings.get("rto_target"), "backup_restore_drill_rto_target"),
                         "recovery time", RTO_NOTES[source] if seconds is not None else "",
                         source=source if seconds is not None else None)


RPO_BASES = ("backups", "proven")


def _rpo_check(settings, preflight, proven=None):
    """The ``rpo`` check on the basis ``backup_restore_drill_rpo_basis`` chooses: ``backups`` (the default, what the
    backups made before the drill protect) or ``proven`` (the drill's start minus the proven restore point, which
    ``proven`` carries once the restored canaries were read). The other figure is kept beside it."""
    backups = _backups_rpo_check(settings, preflight)
    basis = str(settings.get("rpo_basis") or "backups").lower()
    if basis != "proven":
        return dict(backups, figures=dict(backups["figures"], basis="backups"))
    target = duration_option(settings.get("rpo_target"), "backup_restore_drill_rpo_target")
    proven = as_dict(proven)
    seconds = proven.get("proven_rpo_seconds")
    extra = dict(basis="proven", backups_rpo_seconds=backups["figures"].get("seconds"), proven_restore_point=proven.get("proven_restore_point"))
    if seconds is None:
        return make_check("rpo", NOT_VERIFIABLE, "backup_restore_drill_rpo_basis is proven, and no proven RPO was measured: %s" % (
            proven.get("proven_rpo_reason") or "the restored cluster's canaries were not read."), target_seconds=target, **extra)
    return _target_check("rpo", seconds, target, "recovery point",
                         ", the drill's start minus %s, the newest canary found restored (the proven restore point)," % proven.get(
                             "proven_restore_point"), **extra)


def _backups_rpo_check(settings, preflight):
    """What the backups made before the drill protect: drill start minus their newest restorable instant."""
    target = duration_option(settings.get("rpo_target"), "backup_restore_drill_rpo_target")
    summary = as_dict(preflight.get("summary"))
    until = result_ms(summary, "restorable_until")
    last_completed = result_ms(summary, "last_backup_completed_at")
    if until is None and last_completed is not None and not _application(settings, preflight).restorable_range:
        # Where the API does not establish which instants are restorable: what the events prove, the
        # instant every node had completed a backup. A restore may reach later instants (an upper bound).
        return _target_check("rpo", rpo_seconds(preflight.get("reference_ms"), last_completed), target, "recovery point",
                             ", the drill's start minus %s, when every node had completed a backup before it (at most: "
                             "later instants may be restorable)," % iso_utc(last_completed),
                             last_backup_completed_at=iso_utc(last_completed))
    if until is None:
        return make_check("rpo", NOT_VERIFIABLE,
                          "No instant was restorable from the backups made before the drill's start (none in the API's listing): "
                          "had the cluster been lost then, nothing could have been restored, so there is no RPO to measure.",
                          target_seconds=target, nothing_restorable=True)
    return _target_check("rpo", rpo_seconds(preflight.get("reference_ms"), until), target, "recovery point",
                         ", the drill's start minus %s, the newest instant restorable from the backups made before it," % iso_utc(until),
                         restorable_until=iso_utc(until))


def _user_check(settings, user):
    user = as_dict(user)
    if not settings.get("verify_tasks"):
        return make_check("user_checks", NOT_VERIFIABLE, "No user checks were given (backup_restore_drill_verify_tasks).")
    results = [r for r in as_list(user.get("results")) if isinstance(r, dict)]
    if not user.get("ran"):
        return not_reached("user_checks", "the user checks did not run")
    if user.get("failed"):
        return make_check("user_checks", FAILED, "The task %r failed: %s" % (user.get("task"), user.get("message")),
                          tasks_file=settings.get("verify_tasks"), results=results or None)
    failed = [r.get("name") for r in results if r.get("status") == FAILED]
    if failed:
        return make_check("user_checks", FAILED, "User checks failed: %s." % ", ".join(map(str, failed)),
                          tasks_file=settings.get("verify_tasks"), results=results)
    return make_check("user_checks", PASSED, "%s ran without failure%s." % (
        settings.get("verify_tasks"), (" (%s)" % ", ".join("%s %s" % (r.get("name"), r.get("status")) for r in results)) if results else ""),
        tasks_file=settings.get("verify_tasks"), results=results or None)


def evaluate(context, report):
    """All checks in report order; a check after the point where the drill stopped is not evaluated."""
    settings = as_dict(context.get("settings"))
    preflight = as_dict(context.get("preflight"))
    plan = as_dict(context.get("plan"))
    backup_result = as_dict(context.get("backup"))
    restore = as_dict(context.get("restore"))
    failure = as_dict(context.get("failure"))
    failed_phase = failure.get("phase")
    app = _application(settings, preflight)
    checks = {check["id"]: check for check in as_list(preflight.get("checks"))}

    if not preflight:
        checks["source_running"] = make_check("source_running", FAILED, "The preflight did not complete: %s" % failure.get("message"))

    if truthy(settings.get("trigger_backup")):
        if backup_result.get("failed") or failed_phase == "backup":
            message = backup_result.get("msg") or failure.get("message")
            failed_nodes = [node["id"] for node in backup_result_nodes(backup_result) if node.get("state") == "FAILED"]
            checks["backup_completed"] = make_check("backup_completed", FAILED, "The backup failed: %s" % message,
                                                    failed_nodes=failed_nodes or None)
        elif truthy(context.get("check_mode"), False) and backup_result:
            checks["backup_completed"] = _check_mode_backup_check(backup_result)
        elif backup_result and not backup_result.get("skipped"):
            nodes = backup_result_nodes(backup_result)
            incomplete = [n["id"] for n in nodes if n.get("state") != COMPLETED]
            covered = {n["id"] for n in nodes}
            incomplete += [n.get("id") for n in as_list(preflight.get("nodes")) if n.get("id") not in covered]
            backup = as_dict(backup_result.get("backup"))
            figures = dict(nodes=len(nodes), triggered=backup_result.get("triggered"),
                           started_at=backup.get("started_at"), completed_at=backup.get("completed_at"),
                           duration_seconds=backup.get("duration_seconds"))
            if incomplete:
                checks["backup_completed"] = make_check("backup_completed", FAILED, "Not completed on nodes: %s." % ", ".join(map(str, incomplete)), **figures)
            else:
                checks["backup_completed"] = make_check("backup_completed", PASSED, "%s backup completed on %d nodes in %s." % (
                    "A new" if backup_result.get("triggered") else "A running or recent", len(nodes), human_seconds(backup.get("duration_seconds"))),
                    **figures)

    # The RPO needs only the preflight (the backups before the drill): known in check mode and after a failure too.
    if preflight and not preflight.get("errors"):
        checks["rpo"] = _rpo_check(settings, preflight)

    if truthy(context.get("check_mode"), False):
        why = "check mode makes no restore"
        for check_id in RESTORE_CHECKS:
            if check_id in app.check_ids:
                checks.setdefault(check_id, not_reached(check_id, why))
        checks["drill_completed"] = _completed_check(failure)
        return _ordered(checks, preflight, app)

    cluster = restore.get("cluster") if isinstance(restore.get("cluster"), dict) else None
    if restore and "created" in restore:
        if restore.get("created"):
            checks["restore_created"] = make_check("restore_created", PASSED, "Created %s (%s)." % (
                report["restored"]["name"], report["restored"]["id"]), cluster_id=restore.get("restored_cluster_id"))
        elif restore.get("restored_cluster_id"):
            checks["restore_created"] = make_check("restore_created", FAILED,
                                                   "A cluster named %s (%s) existed before this drill: it was not restored by it and is not deleted." % (
                                                       plan.get("name"), restore.get("restored_cluster_id")),
                                                   cluster_id=restore.get("restored_cluster_id"))
        else:
            checks["restore_created"] = make_check("restore_created", FAILED, "The restore failed before a cluster was created: %s" % restore.get("msg"))
    elif failed_phase == "restore":
        checks["restore_created"] = make_check("restore_created", FAILED, "The restore failed: %s" % failure.get("message"))

    restore_ok = bool(restore) and not restore.get("failed") and restore.get("created") and cluster is not None
    if restore.get("failed") or failed_phase == "restore":
        checks["restore_running"] = make_check("restore_running", FAILED,
                                               "The restore did not reach RUNNING: %s" % (restore.get("msg") or failure.get("message")),
                                               status=as_dict(cluster).get("status"))
    elif restore_ok:
        checks["restore_running"] = _running_check(cluster)

    stopped = failure and failed_phase in ("preflight", "backup", "restore")
    why = "the drill stopped in the %s phase" % failed_phase if stopped else "no restored cluster of this drill to verify"
    if restore_ok:
        point_ms = plan.get("point_in_time_ms")
        checks["topology"] = _topology_check(preflight, backup_result, point_ms, cluster)
        restored_backups = context.get("restored_backups")
        if app.restore_event and as_dict(restored_backups).get("data_centres") is not None:
            checks["restore_events"] = _restore_events_check(cluster, restored_backups)
        checks["network"] = _network_check(settings, preflight, cluster)
        if app.selection_check:
            checks[app.selection_check] = _tables_check(settings, context.get("user_checks"), app.selection_check, app.selection_option)
        data_checks, proven = data_plane_checks(context, app)
        checks.update(data_checks)
        if app.selection_check:
            checks[app.selection_check] = _selection_by_catalogue(checks[app.selection_check], checks.get("catalogue"))
        if preflight and not preflight.get("errors") and str(settings.get("rpo_basis") or "backups").lower() == "proven":
            checks["rpo"] = _rpo_check(settings, preflight, proven)
        checks["rto"] = _rto_check(settings, restore, restored_backups)
        checks["user_checks"] = _user_check(settings, context.get("user_checks"))
        if failed_phase == "verify":
            checks.setdefault("restore_events", make_check("restore_events", FAILED, "Verification failed: %s" % failure.get("message")))
    for check_id in app.check_ids:
        if check_id in ("backup_fresh", "backup_completed", "drill_completed") or check_id in checks:
            continue
        checks[check_id] = not_reached(check_id, why)
    checks["drill_completed"] = _completed_check(failure)
    return _ordered(checks, preflight, app)


# ---- the data checks (the call site steps_checks.data_checks, shared with the recovery) --------------------------

def written_canaries(data):
    """The canaries this drill wrote to the source (before its backup, after it), as the modules returned them."""
    return [as_dict(result).get("canary") for result in as_list(as_dict(data).get("canaries_written"))
            if isinstance(as_dict(result).get("canary"), dict)]


def own_backup(context):
    """Whether the restore used the drill's own backup (triggered or followed and completed)."""
    return as_dict(context.get("plan")).get("point_in_time_basis") == "backup_completed"


def _as_of(context, app):
    settings = as_dict(context.get("settings"))
    preflight = as_dict(context.get("preflight"))
    snapshots = {node.get("id"): [list(pair) for pair in node.get("snapshots") or []] for node in as_list(preflight.get("nodes"))}
    for node in backup_result_nodes(as_dict(context.get("backup"))):
        if node.get("state") == COMPLETED and is_number(node.get("start")) and is_number(node.get("end")):
            snapshots.setdefault(node.get("id"), []).append([int(node["start"]), int(node["end"])])
    max_age = duration_option(settings.get("redis_backup_max_age") or "1d", "backup_restore_drill_redis_backup_max_age")
    return drill_data_checks.as_of_instant(app.restored_as_of, point_ms=as_dict(context.get("plan")).get("point_in_time_ms"),
                                           snapshots=list(snapshots.values()),
                                           requested_ms=result_ms(as_dict(context.get("restore")), "requested_at"),
                                           max_age_seconds=max_age)


def proven_reference_ms(context):
    """The drill's start on the API's clock, which the canaries' times are on: the preflight's reference when the API gave
    it; else (an application whose backups the API does not list, such as Redis) the restore request's server time, a
    little later than the start, so that the proven RPO errs long, never short."""
    preflight = as_dict(context.get("preflight"))
    if preflight.get("reference_clock", "api") == "api" and preflight.get("reference_ms") is not None:
        return preflight["reference_ms"]
    return result_ms(as_dict(context.get("restore")), "requested_at")


def data_plane_checks(context, app):
    """``canary_restored``, ``point_in_time_honoured`` and ``catalogue`` of a restored cluster (through
    ``steps_checks.data_checks``), and the proven restore point: ``(checks by id, proven figures)``."""
    settings = as_dict(context.get("settings"))
    data = as_dict(context.get("data"))
    proven = {"proven_rpo_seconds": None, "proven_restore_point": None, "proven_restore_point_ms": None}
    if not settings.get("data_access_cidr"):
        why = ("backup_restore_drill_data_access_cidr is not set, so the drill opened no firewall rule on the restored cluster "
               "and read none of its data (set it to the runner's address, for instance 203.0.113.7/32)")
        proven["proven_rpo_reason"] = why + "."
        return steps_checks.not_configured(why), proven
    written = written_canaries(data)
    read_ms = max([value for value in [as_dict(context.get("preflight")).get("reference_ms")]
                   + [as_dict(c).get("written_before_ms") for c in written[:1]] if is_number(value)] or [0])
    judged = steps_checks.data_checks(dict(data, written=written), _as_of(context, app),
                                      keyspace_tables=settings.get("keyspace_tables"), index_names=settings.get("index_names"),
                                      read_ms=read_ms)
    restored = judged["restored_canaries"]
    if restored is None:
        proven["proven_rpo_reason"] = judged["restored_unread"] + "."
    else:
        point_ms = drill_data_checks.proven_restore_point(restored)
        reference_ms = proven_reference_ms(context)
        proven.update(proven_restore_point_ms=point_ms, proven_restore_point=iso_utc(point_ms),
                      proven_rpo_seconds=drill_data_checks.proven_rpo_seconds(reference_ms, point_ms, own_backup(context)))
        if point_ms is None:
            proven["proven_rpo_reason"] = "the restored cluster holds no canary."
        elif own_backup(context):
            proven["proven_rpo_reason"] = ("not applicable: the drill restored its own backup, which protects nothing written before "
                                           "the drill (drill scheduled backups, backup_restore_drill_trigger_backup: false, for a proven RPO).")
        elif proven["proven_rpo_seconds"] is None:
            proven["proven_rpo_reason"] = "the proven restore point is after the drill's start."
    return judged["checks"], proven


def proven_figures(context):
    """The proven restore point and ``proven_rpo_seconds`` of a drill (None when the restored data was not read)."""
    settings = as_dict(context.get("settings"))
    app = _application(settings, as_dict(context.get("preflight")))
    restore = as_dict(context.get("restore"))
    if truthy(context.get("check_mode"), False) or not restore.get("created") or not isinstance(restore.get("cluster"), dict):
        return {"proven_rpo_seconds": None, "proven_restore_point": None, "proven_restore_point_ms": None,
                "proven_rpo_reason": "no restored cluster of this drill was read."}
    return data_plane_checks(context, app)[1]


def _selection_by_catalogue(selection, catalogue):
    """``tables``/``indices`` verified by ``catalogue`` when that ran (passed or failed); else as the user checks left it."""
    catalogue = as_dict(catalogue)
    if catalogue.get("status") not in (PASSED, FAILED) or as_dict(selection).get("status") == FAILED:
        return selection
    return make_check(selection["id"], catalogue["status"], "Verified by the catalogue check: %s" % catalogue["details"],
                      **dict(selection.get("figures") or {}, verified_by="catalogue"))


def _application(settings, preflight):
    """The drill's row of drill_applications (the preflight's, else the settings'; Cassandra when neither names a known one)."""
    name = str(preflight.get("application") or settings.get("application") or "cassandra").lower()
    return DRILL_APPLICATIONS.get(name) or drill_application()


def _completed_check(failure):
    if failure:
        return make_check("drill_completed", FAILED, "Stopped in the %s phase at task %r: %s" % (
            failure.get("phase"), failure.get("task"), failure.get("message")), phase=failure.get("phase"))
    return make_check("drill_completed", PASSED, "Every phase ran to its end.")


def _ordered(checks, preflight, app):
    # A check the preflight found not applicable stays so: nothing evaluated later replaces it; nor
    # does a check that cannot apply to the application (also when the preflight did not complete).
    for check_id, reason in app.not_applicable.items():
        if check_id != "backup_fresh":  # present only when backup_restore_drill_max_backup_age asks for it (the preflight's)
            checks[check_id] = not_applicable(check_id, reason)
    for check in as_list(preflight.get("checks")):
        if as_dict(check).get("status") == NOT_APPLICABLE:
            checks[check["id"]] = check
    return [checks[check_id] for check_id, _title in CHECK_TITLES if check_id in checks]


# ---- the verdict ----------------------------------------------------------------------------------------

def check_counts(checks):
    """How many checks have each status, every status present (not applicable counted on its own)."""
    counts = dict.fromkeys(CHECK_STATUSES, 0)
    for check in as_list(checks):
        status = as_dict(check).get("status")
        counts[status] = counts.get(status, 0) + 1
    return counts


def verdict(checks, failure, cleanup_action, check_mode):
    """``(status, failed check ids)``: only failed checks, a failure or a failed cleanup fail a drill.

    Not verifiable and not applicable checks never change the status.
    """
    failed_checks = [check["id"] for check in checks if check["status"] == FAILED]
    if failed_checks or failure or cleanup_action == "failed":
        return FAILED, failed_checks
    return (CHECK_MODE if check_mode else PASSED), failed_checks
