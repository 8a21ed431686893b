# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


"""The plan step shared by the recovery and the drill, and the recovery plan built on it.

One home for each part of a restore's plan, called by ``recovery_plan`` (``dr_recover``) and by the
drill's ``drill_plan`` (``dr_drill``), so that a passing drill is evidence for the recovery's plan:

- ``restorable_window``: the restorable window read from the backup listing (``cluster_backup_info``);
- ``requested_point`` and ``choose_point``: the point in time, an explicit instant with its zone, ``latest``
  (the newest instant the backups reach), the earlier run's point of a recovery, or the drill's own backup's
  completion, and how it was chosen;
- ``restore_options`` and ``restore_request``: the restore request that both roles pass to ``cluster_restore``
  (name, point in time, ``keyspace_tables``, ``index_names``, ``cdc_infos``, ``cluster_network``), validated with
  the ``_rules`` checks the module applies.

From the reads of the source (each of which may have failed: a FAILED or deleted source) and the newest
drill report of it, ``recovery_plan`` gives the restorable window, the chosen point in time and how it was
chosen, the writes that will be lost (from the point to the source's last known state), the exact restore
request, the firewall rules to copy, and whether the typed confirmation allows anything to be sent.
"""

from __future__ import annotations

from ansible_collections.restorekit.instaclustr.plugins.module_utils._clock import iso_utc, parse_point_in_time
from ansible_collections.restorekit.instaclustr.plugins.module_utils._errors import OptionError
from ansible_collections.restorekit.instaclustr.plugins.module_utils._rules import (
    check_cdc_infos,
    check_index_names,
    check_ipv4_cidr,
    check_keyspace_tables,
    check_point_in_time,
    check_restore_name,
    check_uuid,
)
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils import steps_checks, steps_firewall
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.drill_applications import RESTORE_OPTIONS, drill_application
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.drill_values import (
    as_dict,
    completed_snapshots,
    event_nodes,
    human_seconds,
    result_ms,
    server_now_ms,
    source_cluster,
    truthy,
)

PREFIX = "cluster_recovery_"
LATEST = "latest"


def _read_ok(result):
    result = as_dict(result)
    return bool(result) and not result.get("failed") and not result.get("skipped")


def _error_of(result):
    result = as_dict(result)
    if result.get("failed"):
        return str(result.get("msg") or "the read failed")
    if result.get("skipped"):
        return "not read"
    return None


def _source(settings, source_info, memory):
    """The source as far as it can be known: its id, name (and where the name comes from), status."""
    cluster = source_cluster(source_info) if _read_ok(source_info) else None
    memory = as_dict(memory)
    if cluster:
        return {"id": settings.get("cluster_id"), "name": cluster.get("name"), "name_basis": "api",
                "status": cluster.get("status"), "read": True, "read_error": None}
    error = _error_of(source_info) or "the API returned no cluster of that id"
    return {"id": settings.get("cluster_id"), "name": memory.get("name"),
            "name_basis": "drill_report" if memory.get("name") else "unknown",
            "status": "UNREADABLE", "read": False, "read_error": error}


def restorable_window(app, backups):
    """The restorable window read from a ``cluster_backup_info`` result (``{}`` when not read): ``restorable_from``,
    ``restorable_until`` (where the restorable-range model applies), ``last_backup_completed_at`` (the oldest of the
    nodes' latest completed backups), ``every_node_latest`` (the instant by which every node had completed its
    latest listed backup: the newest of those ends; None when a node has none), and ``checked_at`` (the server's
    time of the read), each with its ``_ms``."""
    backups = as_dict(backups)
    summary = as_dict(backups.get("summary"))
    window = {
        "restorable_from_ms": result_ms(summary, "restorable_from"),
        "restorable_until_ms": result_ms(summary, "restorable_until"),
        "last_backup_completed_at_ms": result_ms(summary, "last_backup_completed_at"),
        "every_node_latest_ms": None,
        "restorable_range_known": bool(app.restorable_range and summary.get("restorable_range_known", True)),
        "checked_at_ms": server_now_ms(backups),
    }
    if window["last_backup_completed_at_ms"] is not None:
        ends = [max(end for _start, end in snapshots) if snapshots else None
                for snapshots in (completed_snapshots(node, app.backup_event_types) for _dc, node in event_nodes(backups))]
        window["every_node_latest_ms"] = max(ends) if ends and None not in ends else None
    for name in ("restorable_from", "restorable_until", "last_backup_completed_at", "every_node_latest", "checked_at"):
        window[name] = iso_utc(window[name + "_ms"])
    return window


def newest_instant(app, window):
    """(ms, basis): the newest instant the backups reach, what ``latest`` means. ``restorable_until`` where the
    restorable-range model applies; else ``every_node_latest`` (basis ``last_backup_completed``). (None, None)."""
    window = as_dict(window)
    if app.restorable_range:
        until = window.get("restorable_until_ms")
        return (None, None) if until is None else (int(until), "restorable_until")
    latest = window.get("every_node_latest_ms")
    return (None, None) if latest is None else (int(latest), "last_backup_completed")


def is_latest(value):
    """Whether a requested point in time asks for ``latest`` (or is not given)."""
    return value in (None, "") or str(value).strip().lower() == LATEST


def requested_point(app, value, option, errors, reference_ms=None, window=None):
    """An explicit point in time (an instant with its zone, or epoch ms) in epoch ms, or None with the reason
    appended to ``errors``. With ``reference_ms`` (the API server's time): not in the future, not before the API's
    earliest; with ``window``: inside the restorable window."""
    try:
        point = parse_point_in_time(value, option)
        if reference_ms is not None:
            point = check_point_in_time(point, reference_ms, option)
    except OptionError as error:
        errors.append(str(error))
        return None
    if window is not None:
        low, high = as_dict(window).get("restorable_from_ms"), newest_instant(app, window)[0]
        if high is None:
            errors.append("%s: the source's backups show no restorable instant to check %s against." % (option, iso_utc(point)))
        elif point > high or (low is not None and point < low):
            errors.append("%s: %s is outside the restorable window %s .. %s." % (
                option, iso_utc(point), iso_utc(low) if low is not None else "(start unknown)", iso_utc(high)))
    return point


def choose_point(app, window, requested_ms=None, own_backup_ms=None, earlier_ms=None):
    """(point ms or None, basis), in this order: ``latest_state`` (an application restored to its latest state takes
    no point), ``requested`` (``requested_point``), ``earlier_run`` (a recovery's rerun keeps its first point),
    ``backup_completed`` (the drill's own backup, ``drill_plan``), else ``latest`` as ``newest_instant`` gives it
    (``restorable_until`` or ``last_backup_completed``); (None, None) when the backups reach no instant."""
    if not app.point_in_time:
        return None, "latest_state"
    for point, basis in ((requested_ms, "requested"), (earlier_ms, "earlier_run"), (own_backup_ms, "backup_completed")):
        if point is not None:
            return int(point), basis
    return newest_instant(app, window)


def restore_options(app, settings, prefix, errors, source_dc_ids=None):
    """The restore options set in ``settings`` (each only when set), checked as ``cluster_restore`` checks them;
    ``option: rule`` messages appended to ``errors``, named ``<prefix><option>``. ``cdc_infos`` is checked against
    the source's data centres when ``source_dc_ids`` is given, else by ``cluster_restore`` with the API version's rules."""
    settings = as_dict(settings)
    checks = {"keyspace_tables": check_keyspace_tables, "index_names": check_index_names, "cluster_network": check_ipv4_cidr}
    options = {}
    for option in RESTORE_OPTIONS:
        value = settings.get(option)
        if value in (None, "", [], {}):
            continue
        if option not in app.restore_options:
            errors.append("%s%s: a %s restore does not take it (%sapplication %s)" % (prefix, option, app.label, prefix, app.name))
            continue
        try:
            if option in checks:
                value = checks[option](value, prefix + option)
            elif source_dc_ids is not None:
                check_cdc_infos(value, source_dc_ids, prefix + option)
        except OptionError as error:
            errors.append(str(error))
        options[option] = value
    return options


def restore_request(app, cluster_id, name, point_ms, options=None):
    """The restore request both roles pass to ``cluster_restore``: the source, the application, the new cluster's
    name, the point in time (None for an application restored to its latest state) and the options set."""
    request = {"cluster_id": cluster_id, "application": app.name, "name": name,
               "point_in_time": iso_utc(point_ms), "point_in_time_ms": None if point_ms is None else int(point_ms)}
    request.update({option: value for option, value in as_dict(options).items() if option in RESTORE_OPTIONS})
    return request


def _choose_point(app, settings, window, errors):
    """(point ms or None, basis, how) for the requested point in time."""
    requested = settings.get("point_in_time")
    if not app.point_in_time:
        return None, "latest_state", "%s restores take no point in time: the restore brings back the latest state the service holds." % app.label
    if not is_latest(requested):
        point = requested_point(app, requested, PREFIX + "point_in_time", errors, window=window)
        if point is None:
            return None, "requested", "refused"
        return point, "requested", "requested: %s, inside the restorable window." % iso_utc(point)
    earlier = as_dict(settings.get("earlier"))
    point, basis = choose_point(app, window, earlier_ms=earlier.get("point_in_time_ms"))
    if basis == "earlier_run":
        return point, "earlier_run", "latest, as the earlier run of this recovery chose it: %s (%s, %s), so that its restore is found again." % (
            iso_utc(point), earlier.get("status"), earlier.get("path"))
    if point is None:
        errors.append("%spoint_in_time: the source's backups show no restorable instant (no completed backup is listed)." % PREFIX)
        return None, "latest", "no restorable instant"
    what = "restorable_until, the newest instant every node's backups reach" if basis == "restorable_until" \
        else "the newest instant by which every node had completed its latest backup"
    return point, "latest", "latest: %s (%s), read from the backup events." % (iso_utc(point), what)


def _data_loss(source, window, point_ms, basis):
    """The writes that will be lost: from the point in time to the source's last known state."""
    if source["status"] == "RUNNING":
        until, how = window["checked_at_ms"], ("the API server's time of the backups read: the source still takes writes, "
                                               "so the window grows until the cutover")
    else:
        ends = (window["restorable_until_ms"], window["last_backup_completed_at_ms"], window["every_node_latest_ms"])
        until = max([value for value in ends if value is not None], default=None)
        how = "the newest instant the source's backup events reach: writes after it were never backed up and are lost"
    if basis == "latest_state":
        return {"from": None, "from_ms": None, "until": iso_utc(until), "until_ms": until, "seconds": None,
                "human": "unknown", "basis": "the restore brings back the latest state; the API does not say of when"}
    seconds = None if until is None or point_ms is None else max(0.0, round((until - point_ms) / 1000.0, 3))
    return {"from": iso_utc(point_ms), "from_ms": point_ms, "until": iso_utc(until), "until_ms": until,
            "seconds": seconds, "human": human_seconds(seconds), "basis": how}


def recovery_plan(context):
    """The plan (a dict) from ``context``: ``settings`` (the role's inputs), ``source`` (cluster_info),
    ``backups`` (cluster_backup_info), ``firewall`` (cluster_firewall_rule_info on the source) and ``memory``
    (``steps_memory.newest_drill_report``). Every result may be a failed or skipped task."""
    context = as_dict(context)
    settings = as_dict(context.get("settings"))
    errors, warnings, unread = [], [], []
    try:
        settings["cluster_id"] = check_uuid(settings.get("cluster_id"), PREFIX + "cluster_id")
    except OptionError as error:
        errors.append(str(error))
    app = drill_application(settings.get("application"), settings.get("api_version"))
    memory = as_dict(context.get("memory")) or None
    source = _source(settings, context.get("source"), memory)
    if not source["read"]:
        unread.append("The source cluster could not be read (%s)%s." % (
            source["read_error"], "; its name is taken from the drill report of %s (%s)" % (memory["date"], memory["path"])
            if source["name_basis"] == "drill_report" else "; its name is unknown"))
    backups = context.get("backups")
    if app.lists_backups and not _read_ok(backups):
        errors.append("The source's backups could not be read (%s): without them no point in time can be chosen." % _error_of(backups))
    window = restorable_window(app, backups if _read_ok(backups) else {})

    name = settings.get("name")
    try:
        name = check_restore_name(name, PREFIX + "name")
    except OptionError as error:
        errors.append(str(error) if name else "%sname is required: the new cluster's name (no generated name on the day it matters)." % PREFIX)
    data_access, data_errors = steps_checks.data_access_settings(settings, PREFIX)
    errors += data_errors
    point_ms, basis, how = _choose_point(app, settings, window, errors)
    data_loss = _data_loss(source, window, point_ms, basis)
    request = restore_request(app, settings.get("cluster_id"), name, point_ms, restore_options(app, settings, PREFIX, errors))

    read = steps_firewall.source_rules(context.get("firewall"), memory)
    firewall = steps_firewall.firewall_copy(read, truthy(settings.get("copy_firewall_rules"), True))
    if read["basis"] == steps_firewall.READ_DRILL_REPORT:
        unread.append("The source's firewall rules could not be read (%s); they are taken from the drill report of %s (%s)." % (
            read["read_error"] or "not read", memory["date"], memory["path"]))
    elif firewall["unread"]:
        unread.append(firewall["unread"])
    if not firewall["enabled"]:
        warnings.append("%scopy_firewall_rules is false: the restored cluster gets no firewall rule, so no client reaches it." % PREFIX)

    confirm = str(settings.get("confirm") or "").strip()
    accepted = {value.lower() for value in (settings.get("cluster_id"), source.get("name")) if value}
    confirmed = bool(confirm) and confirm.lower() in accepted
    check_mode = truthy(settings.get("check_mode"), False)
    if confirmed:
        confirmation = "confirmed: %s names the source." % confirm
    elif confirm:
        confirmation = "refused: %s is neither the source's id nor its name%s: nothing is sent." % (
            confirm, "" if source.get("name") else " (its name is unknown: type its id)")
    else:
        confirmation = ("not confirmed: set %sconfirm to the source's name or id to recover; nothing is sent." % PREFIX)
    proceed = confirmed and not check_mode and not errors
    plan = {
        "source": source,
        "application": app.name,
        "application_label": app.label,
        "api_version": settings.get("api_version"),
        "window": window,
        "point_in_time": iso_utc(point_ms),
        "point_in_time_ms": point_ms,
        "point_in_time_basis": basis,
        "point_in_time_how": how,
        "data_loss": data_loss,
        "request": request,
        "firewall": firewall,
        "data_access": data_access,
        "memory": memory,
        "unread": unread,
        "errors": errors,
        "warnings": warnings,
        "confirmed": confirmed,
        "confirm_given": bool(confirm),
        "confirmation": confirmation,
        "check_mode": check_mode,
        "proceed": proceed,
    }
    plan["lines"] = plan_lines(plan)
    return plan


def plan_lines(plan):
    """The plan as lines a person on call reads, in the order the role acts."""
    source = plan["source"]
    window = plan["window"]
    lines = [
        "Source: %s (%s), %s %s" % (source.get("name") or "name unknown", source["id"], plan["application_label"],
                                    source["status"]),
        "Restorable window: %s .. %s" % (window["restorable_from"] or "unknown", window["restorable_until"]
                                         or window["last_backup_completed_at"] or "unknown"),
        "Point in time: %s" % plan["point_in_time_how"],
        "Writes that will be lost: %s (%s .. %s; %s)" % (plan["data_loss"]["human"], plan["data_loss"]["from"] or "-",
                                                         plan["data_loss"]["until"] or "-", plan["data_loss"]["basis"]),
        "Restore request: %s" % ", ".join("%s=%s" % (key, value) for key, value in plan["request"].items()
                                          if value not in (None, "", [], {}) and key != "point_in_time_ms"),
    ]
    firewall = plan["firewall"]
    rules = ["%s (%s)" % (entry["network"], ", ".join(entry["rule_types"])) for entry in firewall["would_copy"]]
    lines.append("Firewall rules to copy%s: %s" % ("" if firewall["enabled"] else " (disabled, would copy)",
                                                   "; ".join(rules) or "none"))
    lines += ["Not copied: %s %s (%s)" % (rule.get("network") or rule.get("security_group_id"), rule.get("type"), rule["reason"])
              for rule in firewall["not_copied"]]
    access = plan.get("data_access") or {}
    lines.append("Data checks: %s" % (
        "the restored cluster allows %s (a firewall rule this recovery adds and keeps), then its canaries and catalogue are "
        "checked against the source's" % access["cidr"] if access.get("cidr")
        else "not verifiable: %sdata_access_cidr is not set (the runner's address, for instance 203.0.113.7/32)" % PREFIX))
    lines += ["Could not read: %s" % text for text in plan["unread"]]
    lines += ["Warning: %s" % text for text in plan["warnings"]]
    lines += ["Error: %s" % text for text in plan["errors"]]
    lines.append("Confirmation: %s" % plan["confirmation"])
    if plan["check_mode"]:
        lines.append("Check mode: the plan only, nothing is sent.")
    return lines
