# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Before the restore: the preflight verdict and the restore plan (name, point in time, request).

The preflight reads the source and its backups, validates every role input and records the
first checks (``inputs``, ``source_running``, ``backups_available``, ``backup_fresh``); the plan
chooses the point in time and says why, and builds the restore request the role sends.

What the drill shares with a recovery (``dr_recover``) is not here but in ``steps_plan``, called from here:
the restorable window read from the backups, the point in time (an explicit instant, ``latest``, or the
completion of the drill's own backup, the one basis only a drill has) and the restore request with its
checks. What only a drill does stays here: its preflight checks, following its own backup, its name.
"""

from __future__ import annotations

import datetime

from ansible.errors import AnsibleFilterError

from ansible_collections.restorekit.instaclustr.plugins.module_utils._clock import iso_utc
from ansible_collections.restorekit.instaclustr.plugins.module_utils._data_plane import CANARY_HOME_NAME, CANARY_TABLE, OPENSEARCH_CANARY_INDEX
from ansible_collections.restorekit.instaclustr.plugins.module_utils._errors import OptionError
from ansible_collections.restorekit.instaclustr.plugins.module_utils._rules import (
    check_positive,
    check_restore_name,
)
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils import steps_plan
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.drill_applications import drill_application
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.drill_checks import make_check, not_applicable
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.drill_constants import (
    COMPLETED,
    FAILED,
    NOT_VERIFIABLE,
    PASSED,
    RUNNING,
)
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.drill_names import RUN_ID_UNSAFE, check_prefix, restore_name
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.steps_checks import check_data_access_cidr
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.steps_checks import is_boolean as _boolean
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.drill_values import (
    EPOCH,
    all_nodes,
    as_dict,
    as_list,
    backup_result_nodes,
    completed_snapshots,
    dc_key,
    duration_option,
    effective_backup,
    event_nodes,
    human_seconds,
    is_number,
    result_ms,
    server_now_ms,
    source_cluster,
    trim_cluster,
    truthy,
)

# The role's waits (settings keys; the role variable is backup_restore_drill_<key>), checked in the preflight.
WAIT_OPTIONS = ("backup_wait_timeout", "restore_wait_timeout", "delete_wait_timeout", "wait_sleep")
PREFIX = "backup_restore_drill_"
# What a partial restore adds when the drill reads data, so that the canary checks still apply (the report says so).
CANARY_HOMES = {"keyspace_tables": "%s.%s" % (CANARY_HOME_NAME, CANARY_TABLE), "index_names": OPENSEARCH_CANARY_INDEX}
API_WINDOW_MS = 7 * 86400 * 1000  # the v1 API lists the events of the last 7 days
EDGE_MARGIN_MS = 86400 * 1000  # warn when the point in time is within a day of falling out of it


# ---- preflight -------------------------------------------------------------------------------------

def preflight_verdict(source_info, backup_info, settings=None):
    """The preflight verdict: checks, blocking errors, warnings and the drill's reference time."""
    settings = as_dict(settings)
    backup_info = as_dict(backup_info)
    app = drill_application(settings.get("application"))
    trigger = truthy(settings.get("trigger_backup")) and app.lists_backups
    checks, errors, warnings = [], [], []

    reference_ms = server_now_ms(backup_info)
    reference_clock = "api"
    if reference_ms is None:
        # Only when the module gave no server time: the controller's clock is the best left.
        reference_ms = int((datetime.datetime.now(datetime.timezone.utc) - EPOCH).total_seconds() * 1000)
        reference_clock = "controller"
        warnings.append("The API's time was not available%s; the drill's reference time is the controller's clock." % (
            "" if app.lists_backups else " (the API lists no %s backups, whose read gives it)" % app.label))

    source = source_cluster(source_info)
    try:
        drill_application(app.name, settings.get("api_version"))
    except AnsibleFilterError as error:
        # An application its API version cannot drill (v1: Cassandra only): an input error, with the cluster named.
        named = "%s (%s)" % (source.get("name"), settings.get("cluster_id")) if source and source.get("name") else settings.get("cluster_id")
        message = "%s. The source cluster %s was not drilled and nothing was changed." % (str(error).split("; nothing was sent", maxsplit=1)[0], named)
        checks.append(make_check("inputs", FAILED, message))
        errors.append(message)
        summary = dict(steps_plan.restorable_window(app, {}), last_backup_age_seconds=None, nodes_without_backup=[],
                       active_nodes=[], failed_nodes=[])
        return {"reference_ms": reference_ms, "reference": iso_utc(reference_ms), "reference_clock": reference_clock,
                "application": app.name, "source": trim_cluster(source), "summary": summary, "nodes": [],
                "requested_point_in_time_ms": None, "checks": checks, "errors": errors, "warnings": warnings}
    if source is None:
        message = "No cluster with id %s is visible to these credentials." % settings.get("cluster_id")
        checks.append(make_check("source_running", FAILED, message))
        errors.append(message)
    elif source.get("status") != RUNNING:
        message = "The source cluster %s is %s, not RUNNING." % (source.get("name"), source.get("status"))
        checks.append(make_check("source_running", FAILED, message, status=source.get("status")))
        errors.append(message)
    else:
        nodes = list(all_nodes(source))
        checks.append(make_check(
            "source_running", PASSED,
            "%s is RUNNING with %d nodes in %d data centre%s." % (
                source.get("name"), len(nodes), len(as_list(source.get("data_centres"))), "" if len(as_list(source.get("data_centres"))) == 1 else "s"),
            status=RUNNING, nodes=len(nodes), data_centres=len(as_list(source.get("data_centres"))),
        ))

    # GET backups names a data centre by its cdc_name, GET cluster by its region: match them by id.
    dc_keys = {dc.get("id"): dc_key(dc) for dc in as_list(as_dict(source).get("data_centres")) if isinstance(dc, dict)}
    summary = as_dict(backup_info.get("summary"))
    node_until = {node.get("id"): result_ms(node, "restorable_until") for node in as_list(summary.get("nodes")) if isinstance(node, dict)}
    window = steps_plan.restorable_window(app, backup_info)
    restorable_until_ms = window["restorable_until_ms"]
    restorable_from_ms = window["restorable_from_ms"]
    without_backup = [str(node) for node in as_list(summary.get("nodes_without_backup"))]
    age = summary.get("last_backup_age_seconds")
    figures = {"restorable_from": iso_utc(restorable_from_ms), "restorable_until": iso_utc(restorable_until_ms),
               "last_backup_age_seconds": age, "nodes_without_backup": without_backup or None}
    last_completed_ms = window["last_backup_completed_at_ms"]
    figures = dict(figures, last_backup_completed_at=iso_utc(last_completed_ms))
    if not app.lists_backups:
        pass  # not applicable (below): nothing to read
    elif app.restorable_range and restorable_until_ms is not None and not without_backup:
        checks.append(make_check("backups_available", PASSED,
                                 "Restorable from %s until %s (last backup %s old)." % (
                                     iso_utc(restorable_from_ms), iso_utc(restorable_until_ms), human_seconds(age)),
                                 **figures))
    elif not app.restorable_range and last_completed_ms is not None and not without_backup:
        # What the events prove where the restorable-range model is not established: a completed backup per node.
        checks.append(make_check("backups_available", PASSED,
                                 "Every node has a completed %s backup (%s) in the API's 7-day window, the last on every node "
                                 "by %s (%s old); which instants a %s restore reaches the API does not establish." % (
                                     app.label, ", ".join(app.backup_event_types), iso_utc(last_completed_ms), human_seconds(age),
                                     app.label),
                                 **figures))
    else:
        no_backup = restorable_until_ms is None if app.restorable_range else last_completed_ms is None
        gap = ("no completed backup in the API's 7-day window" if no_backup
               else "nodes without a completed backup: %s" % ", ".join(without_backup))
        if trigger:
            checks.append(make_check("backups_available", NOT_VERIFIABLE,
                                     "Before the drill: %s; the drill's own backup stands in for them." % gap, **figures))
        else:
            message = "Scheduled backups cannot be drilled: %s." % gap
            checks.append(make_check("backups_available", FAILED, message, **figures))
            errors.append(message)

    try:
        max_age = duration_option(settings.get("max_backup_age"), "backup_restore_drill_max_backup_age")
    except AnsibleFilterError:
        max_age = None  # reported by the inputs check below
    if max_age is not None and app.lists_backups:
        if age is not None and float(age) <= max_age:
            checks.append(make_check("backup_fresh", PASSED, "The last backup is %s old (maximum %s)." % (human_seconds(age), human_seconds(max_age)),
                                     last_backup_age_seconds=age, max_age_seconds=max_age))
        else:
            checks.append(make_check("backup_fresh", FAILED,
                                     "The last backup is %s old, older than the maximum %s." % (human_seconds(age), human_seconds(max_age)),
                                     last_backup_age_seconds=age, max_age_seconds=max_age))

    input_errors = []
    requested_ms = _check_inputs(settings, source, reference_ms, input_errors, app)
    if input_errors:
        checks.insert(0, make_check("inputs", FAILED, " ".join(input_errors)))
        errors.extend(input_errors)
    else:
        checks.insert(0, make_check("inputs", PASSED, "Every backup_restore_drill_* input follows its rule."))
    if requested_ms is not None:
        warnings.extend(_edge_warnings(requested_ms, reference_ms))
    # The checks that cannot apply to this application, each with its reason (they stay so: drill_checks._ordered).
    checks.extend(not_applicable(check_id, reason) for check_id, reason in sorted(app.not_applicable.items())
                  if check_id != "backup_fresh" or max_age is not None)

    return {
        "reference_ms": reference_ms,
        "reference": iso_utc(reference_ms),
        "reference_clock": reference_clock,
        "application": app.name,
        "source": trim_cluster(source),
        # The restorable window (steps_plan.restorable_window) and what the preflight's checks add to it.
        "summary": dict(
            window,
            last_backup_age_seconds=age,
            nodes_without_backup=without_backup,
            active_nodes=[str(node) for node in as_list(summary.get("active_nodes"))],
            failed_nodes=[str(node) for node in as_list(summary.get("failed_nodes"))],
        ),
        "nodes": [
            {"id": node.get("id"), "data_centre": dc_keys.get(dc.get("id")) or dc_key(dc), "snapshots": completed_snapshots(node, app.backup_event_types),
             "restorable_until_ms": node_until.get(node.get("id"))}
            for dc, node in event_nodes(backup_info, whole=True)
        ],
        "requested_point_in_time_ms": requested_ms,
        "checks": checks,
        "errors": errors,
        "warnings": warnings,
    }


def _check_inputs(settings, source, reference_ms, errors, app):
    """Every role input, before the drill sends anything; appends ``option: rule`` errors.

    An option the application's restore does not take is an error naming the option and the application.

    Returns the requested point in time in epoch ms (None when not given or invalid).
    """
    def attempt(check, *args):
        try:
            return check(*args)
        except OptionError as error:
            errors.append(str(error))
        except AnsibleFilterError as error:
            errors.append(str(error))
        return None

    if settings.get("restore_name"):
        attempt(check_restore_name, settings["restore_name"], "backup_restore_drill_restore_name")
    else:
        attempt(check_prefix, settings.get("name_prefix", "drill"))
    for option in ("rto_target", "rpo_target", "max_backup_age", "backup_reuse_within"):
        attempt(duration_option, settings.get(option), "backup_restore_drill_" + option)
    # The waits of every phase, cleanup's included: a bad one found after the backup or the restore would leave
    # a production backup triggered or a restored cluster behind.
    for option in WAIT_OPTIONS:
        if option in settings:
            attempt(_check_wait, settings.get(option), "backup_restore_drill_" + option)
    run_id = settings.get("run_id_input")
    if run_id not in (None, "") and not RUN_ID_UNSAFE.sub("", str(run_id).lower()):
        errors.append("backup_restore_drill_run_id: must contain at least one letter or digit (got %r)" % (run_id,))
    # The restore request's options, checked by the code that builds the request (steps_plan, shared with a recovery).
    source_dc_ids = None if source is None else [dc.get("id") for dc in as_list(source.get("data_centres")) if isinstance(dc, dict)]
    steps_plan.restore_options(app, settings, PREFIX, errors, source_dc_ids)
    if settings.get("point_in_time") not in (None, "") and not app.point_in_time:
        errors.append("backup_restore_drill_point_in_time: a %s drill restores the latest state, never a point in time "
                      "(backup_restore_drill_application %s)" % (app.label, app.name))
        return None
    _check_data_inputs(settings, attempt, errors)
    raw_point = settings.get("point_in_time")
    if raw_point in (None, ""):
        return None
    return steps_plan.requested_point(app, raw_point, PREFIX + "point_in_time", errors, reference_ms=reference_ms)


def _check_data_inputs(settings, attempt, errors):
    """The data-plane inputs (canaries, credentials' shape, network access, RPO basis); never a password's value."""
    for option in ("canary", "data_access_cidr_wide", "data_tls"):
        if not _boolean(settings.get(option)):
            errors.append("backup_restore_drill_%s: must be true or false (got %r)" % (option, settings.get(option)))
    for option in ("data_password", "restored_data_password"):
        # The role hands over whether the password is a string (or vaulted), never the password.
        if not truthy(settings.get(option + "_is_text"), True):
            errors.append("backup_restore_drill_%s: must be a string" % option)
    for option in ("data_username", "data_ca_path"):
        value = settings.get(option)
        if value not in (None, "") and not isinstance(value, str):
            errors.append("backup_restore_drill_%s: must be a string (got %r)" % (option, value))
    if settings.get("data_access_cidr") not in (None, ""):
        attempt(check_data_access_cidr, settings["data_access_cidr"], truthy(settings.get("data_access_cidr_wide"), False)
                if _boolean(settings.get("data_access_cidr_wide")) else False)
    basis = settings.get("rpo_basis")
    if basis not in (None, "") and str(basis).lower() not in ("backups", "proven"):
        errors.append("backup_restore_drill_rpo_basis: must be backups or proven (got %r)" % (basis,))
    attempt(duration_option, settings.get("redis_backup_max_age"), "backup_restore_drill_redis_backup_max_age")


def _check_wait(value, option):
    """A wait the role passes to a module's wait_timeout or wait_sleep: a number (or numeric text) greater than 0."""
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise OptionError(option, "must be a number of seconds greater than 0 (got %r)" % (value,)) from None
    return check_positive(value, option)


def _edge_warnings(point_ms, reference_ms):
    window_start = reference_ms - API_WINDOW_MS
    if point_ms < window_start + EDGE_MARGIN_MS:
        return ["The point in time %s is within a day of the API's 7-day backup window (which starts at %s): "
                "the backups it needs may drop out of the window before or during the restore." % (
                    iso_utc(point_ms), iso_utc(window_start))]
    return []


# ---- the restore plan ------------------------------------------------------------------------------

def restore_plan(preflight, backup_result=None, settings=None):
    """The restore's name and point in time, why that point in time, and the restore ``request`` the role passes
    to ``cluster_restore`` (``steps_plan.restore_request``, as a recovery builds it)."""
    preflight = as_dict(preflight)
    settings = as_dict(settings)
    reference_ms = preflight.get("reference_ms")
    backup_result = effective_backup(backup_result)

    app = drill_application(preflight.get("application") or settings.get("application"))
    point_ms, basis = steps_plan.choose_point(app, preflight.get("summary"), preflight.get("requested_point_in_time_ms"),
                                              own_backup_ms=_backup_completion_ms(backup_result, preflight))
    if basis is None:
        raise AnsibleFilterError(
            "No point in time to restore to: the source has no completed backup and the drill took none"
            + (" (check mode triggers nothing)" if settings.get("check_mode") else "") + "."
        )

    name = settings.get("restore_name")
    if not name:
        source_name = as_dict(preflight.get("source")).get("name")
        name = restore_name(settings.get("name_prefix", "drill"), source_name, reference_ms, settings.get("run_id"))
    # Checked in the preflight (its errors stop the drill before this): none are added here.
    options = steps_plan.restore_options(app, settings, PREFIX, [])
    if truthy(settings.get("data_on"), False):
        for option, home in CANARY_HOMES.items():
            if options.get(option) and home not in options[option]:
                options[option] = list(options[option]) + [home]
    return {
        "name": name,
        "point_in_time_ms": point_ms,
        "point_in_time": iso_utc(point_ms),
        "point_in_time_basis": basis,
        "request": steps_plan.restore_request(app, settings.get("cluster_id"), name, point_ms, options),
        "warnings": list(as_list(preflight.get("warnings"))) + (
            _edge_warnings(point_ms, reference_ms) if basis not in ("requested", "latest_state") else []),
    }


def _backup_completion_ms(backup_result, preflight=None):
    """The newest instant restorable once the drill's backup completed (server time), or None.

    Per node: the later of its new snapshot's end and its newest restorable instant before the
    drill; then the minimum over the nodes. With a fresh snapshot on every node that is the
    earliest node completion: from that instant every node is covered (by its new snapshot or its
    earlier backups), which keeps the point in time inside the ``restorable_from``..
    ``restorable_until`` range the restore module checks. None when the backup did not complete.
    """
    if not backup_result or backup_result.get("skipped") or backup_result.get("failed"):
        return None
    nodes = backup_result_nodes(backup_result)
    ends = {node["id"]: int(node["end"]) for node in nodes if node.get("state") == COMPLETED and is_number(node.get("end"))}
    if not nodes or len(ends) != len(nodes):
        return None
    before = {node.get("id"): node.get("restorable_until_ms") for node in as_list(as_dict(preflight).get("nodes"))}
    instants = []
    for node_id in set(before) | set(ends):
        candidates = [value for value in (before.get(node_id), ends.get(node_id)) if is_number(value)]
        if not candidates:
            return None  # a node with neither a backup before the drill nor one now
        instants.append(max(candidates))
    return min(instants)
