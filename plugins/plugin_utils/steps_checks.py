# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


"""The data checks' call site shared by the drill and the recovery.

``data_checks`` turns the data-plane modules' results (``cluster_canary_info`` and ``cluster_data_info`` on the
source and on the restored cluster, the canaries written since, or what a drill report recorded of the source)
into the checks ``canary_restored``, ``point_in_time_honoured`` and ``catalogue``, judged by ``drill_data_checks``.
The drill calls it from ``drill_checks.data_plane_checks``, the recovery through ``recovery_checks``. Also here,
used by both: the check's shape (``make_check``), the rule on the network opened for the data checks
(``check_data_access_cidr``) and the recovery's data-access settings (``data_access_settings``).
"""

from __future__ import annotations

import ipaddress

from ansible_collections.restorekit.instaclustr.plugins.module_utils._errors import OptionError
from ansible_collections.restorekit.instaclustr.plugins.module_utils._rules import check_network
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils import drill_data_checks
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.drill_applications import drill_application
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.drill_constants import (
    DATA_CHECK_IDS,
    NOT_APPLICABLE,
    NOT_VERIFIABLE,
    TITLES,
)
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.drill_values import (
    as_dict,
    as_list,
    completed_snapshots,
    event_nodes,
    is_number,
    result_ms,
    truthy,
)

# The widest network opened on a restored cluster for the data checks unless the ``..._wide`` variable is true.
WIDEST_DATA_ACCESS = {4: 24, 6: 64}
BOOLEAN_WORDS = ("true", "false", "yes", "no", "on", "off", "1", "0", "y", "n")
# A recovery of an application restored from its schedule (Redis): how old its newest scheduled backup may be.
RECOVERY_BACKUP_MAX_AGE_SECONDS = 86400
RECOVERY_PREFIX = "cluster_recovery_"


def make_check(check_id, verdict, details, **figures):
    """A check as every report holds it: ``{id, title, status, details, figures}`` (figures without None values)."""
    return {
        "id": check_id,
        "title": TITLES[check_id],
        "status": verdict,
        "details": details,
        "figures": {key: value for key, value in figures.items() if value is not None},
    }


def is_boolean(value):
    """Whether a role input reads as a boolean (unset counts as one: its default)."""
    return value is None or value == "" or isinstance(value, bool) or (isinstance(value, str) and value.strip().lower() in BOOLEAN_WORDS)


def check_data_access_cidr(value, wide, option="backup_restore_drill_data_access_cidr"):
    """The network allowed on the restored cluster for the data checks, in normal form; refused wider than /24 (IPv4)
    or /64 (IPv6) unless ``wide`` (the variable ``<option>_wide``)."""
    network = ipaddress.ip_network(check_network(value, option))
    if not wide and network.prefixlen < WIDEST_DATA_ACCESS[network.version]:
        raise OptionError(option, "%s is wider than /%d: the restored cluster's data port is opened to it; name the runner's "
                          "own address (%s) or set %s_wide: true" % (
                              network, WIDEST_DATA_ACCESS[network.version],
                              "203.0.113.7/32" if network.version == 4 else "2001:db8::7/128", option))
    return str(network)


def data_access_settings(settings, prefix=RECOVERY_PREFIX):
    """The recovery's data-access inputs checked before anything is sent: ``({cidr, wide, configured}, errors)``.

    ``settings`` holds ``data_access_cidr``, ``data_access_cidr_wide``, ``data_username``, ``data_password_is_text``
    (whether the password is a string: the role never hands the password itself to a filter), ``data_tls``,
    ``data_ca_path``."""
    settings = as_dict(settings)
    errors = []
    for option in ("data_access_cidr_wide", "data_tls"):
        if not is_boolean(settings.get(option)):
            errors.append("%s%s: must be true or false (got %r)" % (prefix, option, settings.get(option)))
    if settings.get("data_password_is_text") is False or str(settings.get("data_password_is_text")).lower() == "false":
        errors.append("%sdata_password: must be a string" % prefix)
    for option in ("data_username", "data_ca_path"):
        value = settings.get(option)
        if value not in (None, "") and not isinstance(value, str):
            errors.append("%s%s: must be a string (got %r)" % (prefix, option, value))
    wide = truthy(settings.get("data_access_cidr_wide"), False) if is_boolean(settings.get("data_access_cidr_wide")) else False
    cidr = None
    if settings.get("data_access_cidr") not in (None, ""):
        try:
            cidr = check_data_access_cidr(settings["data_access_cidr"], wide, prefix + "data_access_cidr")
        except OptionError as error:
            errors.append(str(error))
    return {"cidr": cidr, "wide": wide, "configured": cidr is not None}, errors


# ---- module results ------------------------------------------------------------------------------------------

def read_ok(result, key):
    """A data-plane module's result that holds ``key`` (a read that worked), else None."""
    result = as_dict(result)
    return result if key in result and not result.get("failed") and not result.get("skipped") else None


def why_not(result, what):
    """Why ``result`` (a data-plane module's result) holds nothing to judge, as a sentence about ``what``."""
    result = as_dict(result)
    if result.get("why_not"):
        return "%s %s" % (what, result["why_not"])
    if result.get("skipped"):
        return "%s was not read (%s)" % (what, result.get("skip_reason") or "skipped")
    if not result:
        return "%s was not read" % what
    return "%s could not be read: %s" % (what, result.get("msg") or "no message")


def not_configured(why):
    """Every data check not verifiable because data access is not configured; ``why`` names the variable to set."""
    return {check_id: make_check(check_id, NOT_VERIFIABLE, "Not verifiable: %s." % why) for check_id in DATA_CHECK_IDS}


# ---- the call site -----------------------------------------------------------------------------------------------

def data_checks(reads, as_of, keyspace_tables=None, index_names=None, read_ms=None, actor="the drill",
                source_when="at the drill's start"):
    """``canary_restored``, ``point_in_time_honoured`` and ``catalogue`` of a restored cluster.

    ``reads``: ``restored_canaries``, ``restored_catalogue``, ``source_canaries``, ``source_catalogue`` (module
    results, each may have failed or been skipped), ``written`` (canaries written to the source since, as
    ``cluster_canary`` returned them) and ``recorded`` (what a drill report recorded of the source: ``catalogue``,
    ``canaries``, ``date``, ``date_ms``, ``path``), used for what the source could not answer. ``as_of``:
    ``drill_data_checks.as_of_instant``. ``read_ms``: when the source's catalogue was read (API time): a restored
    point before it means an object missing restored may have been created since. ``actor`` and ``source_when``
    word the details (``the recovery``, ``when the recovery started``).

    Returns ``{"checks": {id: check}, "restored_canaries": list or None, "restored_unread": sentence or None}``.
    """
    reads = as_dict(reads)
    recorded = as_dict(reads.get("recorded"))
    checks = {}
    restored_canaries = read_ok(reads.get("restored_canaries"), "canaries")
    restored_catalogue = read_ok(reads.get("restored_catalogue"), "catalogue")
    source_canaries = read_ok(reads.get("source_canaries"), "canaries")
    source_catalogue = read_ok(reads.get("source_catalogue"), "catalogue")
    written = [canary for canary in as_list(reads.get("written")) if isinstance(canary, dict)]
    tables, indices = as_list(keyspace_tables), as_list(index_names)
    note = (" The restore's selection included the canaries' own %s, so the canary checks apply to this partial restore." % (
        "table" if tables else "index")) if tables or indices else ""
    recorded_from = "the drill report of %s (%s)" % (recorded.get("date"), recorded.get("path"))

    expected, canary_basis = None, ""
    if source_canaries is not None:
        expected = as_list(source_canaries.get("canaries")) + written
    elif isinstance(recorded.get("canaries"), list):
        expected = [canary for canary in recorded["canaries"] if isinstance(canary, dict)] + written
        canary_basis = " The source's canaries are taken from %s: %s." % (
            recorded_from, why_not(reads.get("source_canaries"), "the source's own").rstrip("."))
    elif written:
        expected = written

    unread = None
    if restored_canaries is None:
        unread = why_not(reads.get("restored_canaries"), "The restored cluster's canaries")
        checks["canary_restored"] = make_check("canary_restored", NOT_VERIFIABLE, unread + ".")
        checks["point_in_time_honoured"] = make_check("point_in_time_honoured", NOT_VERIFIABLE, unread + ".")
    else:
        restored = as_list(restored_canaries.get("canaries"))
        if expected is None:
            checks["canary_restored"] = make_check("canary_restored", NOT_VERIFIABLE, "%s, and %s wrote none: no canary is known "
                                                   "to look for." % (why_not(reads.get("source_canaries"), "The source's canaries"), actor))
        else:
            judged = drill_data_checks.canary_restored(expected, restored, as_of)
            checks["canary_restored"] = make_check("canary_restored", judged["status"], judged["details"] + note + canary_basis,
                                                   **judged["figures"])
        judged = drill_data_checks.point_in_time_honoured(restored, as_of)
        checks["point_in_time_honoured"] = make_check("point_in_time_honoured", judged["status"], judged["details"] + note,
                                                      **judged["figures"])

    catalogue_basis, source_entries = "", None
    if source_catalogue is not None:
        source_entries = as_list(source_catalogue.get("catalogue"))
    elif isinstance(recorded.get("catalogue"), list):
        source_entries = recorded["catalogue"]
        read_ms = recorded.get("date_ms") if is_number(recorded.get("date_ms")) else None
        catalogue_basis = " The source's catalogue is the one recorded by %s: %s." % (
            recorded_from, why_not(reads.get("source_catalogue"), "the source's own").rstrip("."))
    if source_entries is None or restored_catalogue is None:
        checks["catalogue"] = make_check("catalogue", NOT_VERIFIABLE, "%s." % (
            why_not(reads.get("source_catalogue"), "The source's catalogue %s" % source_when) if source_entries is None
            else why_not(reads.get("restored_catalogue"), "The restored cluster's catalogue")))
    else:
        as_of_ms = as_dict(as_of).get("as_of_ms")
        may_postdate = as_of_ms is None or as_of_ms < (read_ms or 0)
        judged = drill_data_checks.catalogue(source_entries, as_list(restored_catalogue.get("catalogue")),
                                             tables=tables, indices=indices, may_postdate=may_postdate)
        checks["catalogue"] = make_check("catalogue", judged["status"], judged["details"] + catalogue_basis, **judged["figures"])
    return {"checks": checks, "restored_canaries": None if restored_canaries is None else as_list(restored_canaries.get("canaries")),
            "restored_unread": unread}


# ---- the recovery's data checks ---------------------------------------------------------------------------------

def recovery_as_of(app, plan, backups, restore):
    """The instant the recovery's restored data is as of, by the application's model, with the plan's point in time."""
    snapshots = [completed_snapshots(node, app.backup_event_types) for _dc, node in event_nodes(backups)]
    return drill_data_checks.as_of_instant(app.restored_as_of, point_ms=as_dict(plan).get("point_in_time_ms"), snapshots=snapshots,
                                           requested_ms=result_ms(as_dict(restore), "requested_at"),
                                           max_age_seconds=RECOVERY_BACKUP_MAX_AGE_SECONDS)


def recovery_checks(context):
    """The recovery's data checks in report order, from ``context``: ``plan`` (``steps_plan.recovery_plan``), ``backups``
    (the source's cluster_backup_info), ``restore`` (cluster_restore), ``data`` (the module results ``source_canaries``,
    ``source_catalogue``, ``access`` (the rule added), ``restored_canaries``, ``restored_catalogue``).

    ``catalogue`` always; ``canary_restored`` when canaries are known (from the source, else the drill report);
    ``point_in_time_honoured`` when the restored cluster holds canaries; without data access each is not verifiable,
    naming the variable to set. A check that cannot apply to the application is not applicable, with its reason."""
    context = as_dict(context)
    plan = as_dict(context.get("plan"))
    app = drill_application(plan.get("application"))
    data = as_dict(context.get("data"))
    if not as_dict(plan.get("data_access")).get("configured"):
        checks = not_configured(
            "%sdata_access_cidr is not set, so the recovery opened no firewall rule for this runner on the restored cluster "
            "and read none of its data (set it to the runner's address, for instance 203.0.113.7/32, and run the recovery "
            "again: it finds its cluster and checks it)" % RECOVERY_PREFIX)
    else:
        reads = dict(data)
        source = as_dict(plan.get("source"))
        if source.get("status") != "RUNNING":
            why = "was not read: the source is %s%s" % (source.get("status") or "unknown", (
                " (%s)" % source["read_error"]) if source.get("read_error") else "")
            for key in ("source_canaries", "source_catalogue"):
                if read_ok(reads.get(key), "canaries" if key == "source_canaries" else "catalogue") is None:
                    reads[key] = {"why_not": why}
        access = as_dict(data.get("access"))
        if access.get("failed"):
            why = "was not read: the firewall rule for %sdata_access_cidr could not be added (%s)" % (
                RECOVERY_PREFIX, access.get("msg") or "no message")
            reads.update(restored_canaries={"why_not": why}, restored_catalogue={"why_not": why})
        memory = as_dict(plan.get("memory"))
        if memory:
            reads["recorded"] = {"catalogue": memory.get("catalogue"), "canaries": memory.get("canaries"),
                                 "date": memory.get("date"), "date_ms": memory.get("date_ms"), "path": memory.get("path")}
        judged = data_checks(reads, recovery_as_of(app, plan, context.get("backups"), context.get("restore")),
                             keyspace_tables=as_dict(plan.get("request")).get("keyspace_tables"),
                             index_names=as_dict(plan.get("request")).get("index_names"),
                             read_ms=as_dict(plan.get("window")).get("checked_at_ms"), actor="the recovery",
                             source_when="when the recovery started")
        checks = judged["checks"]
    for check_id, reason in app.not_applicable.items():
        if check_id in checks:
            checks[check_id] = make_check(check_id, NOT_APPLICABLE, reason)
    return [checks[check_id] for check_id in ("catalogue", "canary_restored", "point_in_time_honoured")]
