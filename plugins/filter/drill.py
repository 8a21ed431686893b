# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Filters behind the backup_restore_drill role.

The role keeps its task count low (each task costs controller CPU, multiplied by the clusters
drilled), so the arithmetic of a drill lives here as pure Python: the preflight verdict, the
restore name and point in time, every check with its figures, the report and its SVG timeline,
the sweep's candidates and the summary across clusters. Documentation is in the sidecar files
``plugins/filter/<filter name>.yml``.

Times: every figure about the API's work (RTO, RPO, backup and restore durations, the timeline)
is in API server time, taken from the modules' results. Phase durations are controller
wall-clock seconds, measured by the role with ``now()``: they are what the drill cost the
controller's run, not what the API did.
"""

from __future__ import annotations

import datetime
import html
import re

from ansible.errors import AnsibleFilterError

from ansible_collections.restorekit.instaclustr.plugins.module_utils._clock import (
    iso_utc,
    parse_duration,
    parse_point_in_time,
)
from ansible_collections.restorekit.instaclustr.plugins.module_utils._errors import OptionError
from ansible_collections.restorekit.instaclustr.plugins.module_utils._rules import (
    check_cdc_infos,
    check_ipv4_cidr,
    check_keyspace_tables,
    check_point_in_time,
    check_restore_name,
)

PASSED = "passed"
FAILED = "failed"
NOT_VERIFIABLE = "not_verifiable"

RUNNING = "RUNNING"
COMPLETED = "COMPLETED"
SNAPSHOT = "snapshot-upload"
RESTORE_EVENT = "cassandra-restore"
GONE_STATUSES = ("DELETING", "DELETED")

PHASES = ("preflight", "backup", "restore", "verify", "cleanup", "report")

# The checks, in report order, with the sentence each one proves.
CHECK_TITLES = (
    ("inputs", "The drill's inputs are valid"),
    ("source_running", "The source cluster exists and is RUNNING"),
    ("backups_available", "Scheduled backups cover every node of the source"),
    ("backup_fresh", "The source's last backup is within the maximum age"),
    ("backup_completed", "The drill's backup completed on every node"),
    ("restore_created", "The drill created a new cluster for the restore"),
    ("restore_running", "The restored cluster and all its nodes are RUNNING"),
    ("topology", "The restored topology matches the source's at the point in time"),
    ("restore_events", "Every restored node shows a COMPLETED cassandra-restore event"),
    ("network", "The restored data centres use the requested network"),
    ("tables", "The restored tables are the ones requested"),
    ("rto", "Recovery time (restore request to RUNNING) is within the target"),
    ("rpo", "Recovery point (drill start minus restored point in time) is within the target"),
    ("user_checks", "The user's checks on the restored cluster pass"),
    ("drill_completed", "The drill ran every phase without an error"),
)
_TITLES = dict(CHECK_TITLES)

API_WINDOW_MS = 7 * 86400 * 1000  # the v1 API lists the events of the last 7 days
EDGE_MARGIN_MS = 86400 * 1000  # warn when the point in time is within a day of falling out of it
NAME_MAX = 48
NAME_PATTERN = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_-]*$")
TIMESTAMP_FORMAT = "%Y%m%dT%H%M%SZ"
PREFIX_MAX = 20
RUN_ID_MAX = 8
_NAME_UNSAFE = re.compile(r"[^a-zA-Z0-9_-]+")
_RUN_ID_UNSAFE = re.compile(r"[^a-z0-9]+")
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


# ---- small helpers -----------------------------------------------------------------------------

def _dict(value):
    return value if isinstance(value, dict) else {}


def _truthy(value, default=True):
    """A boolean setting; ansible-core before 2.19 may hand over ``"True"``/``"False"`` strings."""
    if value is None or value == "":
        return default
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "on", "1", "y")
    return bool(value)


def _list(value):
    return value if isinstance(value, list) else []


def _ms(container, name):
    """The ``<name>_ms`` twin of a result time, or the ISO ``<name>`` parsed, or None."""
    container = _dict(container)
    value = container.get(name + "_ms")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value)
    text = container.get(name)
    if text:
        try:
            return parse_point_in_time(text, name)
        except OptionError:
            return None
    return None


def _seconds(start_ms, end_ms):
    if start_ms is None or end_ms is None:
        return None
    return round((end_ms - start_ms) / 1000.0, 3)


def _duration_option(value, option):
    """A target or age given like the modules' durations (``"2h"``, ``"15m"``, seconds); None when unset."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return parse_duration(value, option)
    except OptionError as error:
        raise AnsibleFilterError(str(error))


def _human_seconds(seconds):
    if seconds is None:
        return "unknown"
    seconds = float(seconds)
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    if seconds < 120:
        return "%s%ds" % (sign, round(seconds))
    if seconds < 7200:
        return "%s%dm%02ds" % (sign, seconds // 60, round(seconds % 60))
    return "%s%dh%02dm" % (sign, seconds // 3600, round((seconds % 3600) / 60))


def _controller_ms(text):
    """A mark the role took with ``now(utc=True, fmt=...)``: ``2026-11-20T10:00:00.123456Z``."""
    if not text:
        return None
    try:
        return parse_point_in_time(str(text), "mark")
    except OptionError:
        return None


def _check(check_id, verdict, details, **figures):
    return {
        "id": check_id,
        "title": _TITLES[check_id],
        "status": verdict,
        "details": details,
        "figures": {key: value for key, value in figures.items() if value is not None},
    }


def server_now_ms(backup_info):
    """The API server's time of a cluster_backup_info read: ``checked_at_ms``, else derived from the summary.

    ``last_backup_age_seconds`` is the server's now minus ``restorable_until``, so their sum is
    the server's now (to the millisecond) when the result has no ``checked_at``. None when neither.
    """
    backup_info = _dict(backup_info)
    checked = _ms(backup_info, "checked_at")
    if checked is not None:
        return checked
    summary = _dict(backup_info.get("summary"))
    until, age = _ms(summary, "restorable_until"), summary.get("last_backup_age_seconds")
    if until is not None and _is_number(age):
        return until + int(round(age * 1000))
    return None


def _dc_key(dc):
    """How data centres are matched across clusters: the restored one keeps the source's cdc_name and region."""
    dc = _dict(dc)
    return dc.get("cdc_name") or dc.get("name") or dc.get("id")


def _source_cluster(cluster_info):
    clusters = _list(_dict(cluster_info).get("clusters"))
    return clusters[0] if clusters and isinstance(clusters[0], dict) else None


def _trim_cluster(cluster):
    """The parts of a cluster_info item a report needs (results already hold no password)."""
    if not cluster:
        return None
    return {
        "id": cluster.get("id"),
        "name": cluster.get("name"),
        "status": cluster.get("status"),
        "data_centres": [
            {
                "id": dc.get("id"),
                "name": dc.get("name"),
                "cdc_name": dc.get("cdc_name"),
                "network": dc.get("network"),
                "nodes": [
                    {
                        "id": node.get("id"),
                        "status": node.get("status"),
                        "rack": node.get("rack"),
                        "public_address": node.get("public_address"),
                        "private_address": node.get("private_address"),
                    }
                    for node in _list(dc.get("nodes")) if isinstance(node, dict)
                ],
            }
            for dc in _list(cluster.get("data_centres")) if isinstance(dc, dict)
        ],
    }


def _all_nodes(cluster):
    for dc in _list(_dict(cluster).get("data_centres")):
        for node in _list(_dict(dc).get("nodes")):
            if isinstance(node, dict):
                yield dc, node


def _event_nodes(backup_info, whole=False):
    """(data centre name, node) pairs of a cluster_backup_info result; (data centre, node) with ``whole``."""
    for dc in _list(_dict(backup_info).get("data_centres")):
        for node in _list(_dict(dc).get("nodes")):
            if isinstance(node, dict):
                yield (_dict(dc) if whole else _dict(dc).get("name")), node


def _events(node, event_type):
    return [event for event in _list(node.get("events")) if isinstance(event, dict) and event.get("type") == event_type]


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _completed_snapshots(node):
    return sorted(
        [int(event["start"]), int(event["end"])]
        for event in _events(node, SNAPSHOT)
        if event.get("state") == COMPLETED and _is_number(event.get("start")) and _is_number(event.get("end"))
    )


def _effective_backup(value):
    """The cluster_backup result the drill restores from.

    The role may call cluster_backup twice (when the first call only followed a scheduled snapshot
    running on some nodes) and passes both results as a list: the last one that ran counts.
    """
    if isinstance(value, list):
        ran = [item for item in value if isinstance(item, dict) and item and not item.get("skipped")]
        return ran[-1] if ran else next((item for item in value if isinstance(item, dict) and item), {})
    return _dict(value)


def _backup_result_nodes(backup_result):
    """Per-node events of a cluster_backup result: ``[{id, data_centre, start, end, state, progress}]``.

    Accepts the per-node list as ``backup.nodes`` (each with ``event`` or flat fields) or the
    cluster_backup_info-like ``backup.data_centres`` tree.
    """
    backup = _dict(_dict(backup_result).get("backup"))
    found = []
    for node in _list(backup.get("nodes")):
        if not isinstance(node, dict):
            continue
        event = node.get("event") if isinstance(node.get("event"), dict) else node
        found.append({
            "id": node.get("id") or node.get("node_id"),
            "data_centre": node.get("data_centre") or node.get("data_centre_id"),
            "start": event.get("start"),
            "end": event.get("end"),
            "state": event.get("state"),
            "progress": event.get("progress"),
        })
    for dc_name, node in _event_nodes(backup):
        for event in _events(node, SNAPSHOT)[-1:]:
            found.append({
                "id": node.get("id"), "data_centre": dc_name, "start": event.get("start"),
                "end": event.get("end"), "state": event.get("state"), "progress": event.get("progress"),
            })
    return found


# ---- restore names -------------------------------------------------------------------------------

def restore_name(prefix, source_name, reference_ms, run_id):
    """``<prefix>-<source name>-<UTC timestamp>-<run id>``, at most 48 characters, valid for the API.

    The source name is sanitised and shortened (never the timestamp or the run id: the sweep
    parses the timestamp back, and the run id keeps parallel drills apart).
    """
    prefix = check_prefix(prefix)
    run = _RUN_ID_UNSAFE.sub("", str(run_id).lower())[:RUN_ID_MAX]
    if not run:
        raise AnsibleFilterError("backup_restore_drill_run_id must contain at least one letter or digit (got %r)" % run_id)
    stamp = (_EPOCH + datetime.timedelta(milliseconds=int(reference_ms))).strftime(TIMESTAMP_FORMAT)
    source = _NAME_UNSAFE.sub("-", str(source_name or "cluster")).strip("-_") or "cluster"
    room = NAME_MAX - len(prefix) - len(stamp) - len(run) - 3
    source = source[:room].rstrip("-_") or source[:1]
    return "%s-%s-%s-%s" % (prefix, source, stamp, run)


def check_prefix(prefix):
    prefix = str(prefix or "")
    if not NAME_PATTERN.match(prefix) or len(prefix) > PREFIX_MAX:
        raise AnsibleFilterError(
            "backup_restore_drill_name_prefix must be 1 to %d characters of letters, digits, '_' or '-', "
            "starting with a letter or digit (got %r)" % (PREFIX_MAX, prefix)
        )
    return prefix


def name_timestamp_ms(name, prefix):
    """The epoch ms a drill put in a restored cluster's name, or None when it is not such a name."""
    match = re.match(r"^%s-.+-(\d{8}T\d{6}Z)-[a-z0-9]{1,%d}$" % (re.escape(prefix), RUN_ID_MAX), str(name or ""))
    if not match:
        return None
    try:
        moment = datetime.datetime.strptime(match.group(1), TIMESTAMP_FORMAT).replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        return None
    return int((moment - _EPOCH).total_seconds() * 1000)


# ---- preflight -------------------------------------------------------------------------------------

def drill_preflight(source_info, backup_info, settings=None):
    """The preflight verdict: checks, blocking errors, warnings and the drill's reference time."""
    settings = _dict(settings)
    backup_info = _dict(backup_info)
    trigger = _truthy(settings.get("trigger_backup"))
    checks, errors, warnings = [], [], []

    reference_ms = server_now_ms(backup_info)
    reference_clock = "api"
    if reference_ms is None:
        # Only when the module gave no server time: the controller's clock is the best left.
        reference_ms = int((datetime.datetime.now(datetime.timezone.utc) - _EPOCH).total_seconds() * 1000)
        reference_clock = "controller"
        warnings.append("The API's time was not available; the drill's reference time is the controller's clock.")

    source = _source_cluster(source_info)
    if source is None:
        message = "No cluster with id %s is visible to these credentials." % settings.get("cluster_id")
        checks.append(_check("source_running", FAILED, message))
        errors.append(message)
    elif source.get("status") != RUNNING:
        message = "The source cluster %s is %s, not RUNNING." % (source.get("name"), source.get("status"))
        checks.append(_check("source_running", FAILED, message, status=source.get("status")))
        errors.append(message)
    else:
        nodes = list(_all_nodes(source))
        checks.append(_check(
            "source_running", PASSED,
            "%s is RUNNING with %d nodes in %d data centre%s." % (
                source.get("name"), len(nodes), len(_list(source.get("data_centres"))), "" if len(_list(source.get("data_centres"))) == 1 else "s"),
            status=RUNNING, nodes=len(nodes), data_centres=len(_list(source.get("data_centres"))),
        ))

    # GET backups names a data centre by its cdc_name, GET cluster by its region: match them by id.
    dc_keys = {dc.get("id"): _dc_key(dc) for dc in _list(_dict(source).get("data_centres")) if isinstance(dc, dict)}
    summary = _dict(backup_info.get("summary"))
    node_until = {node.get("id"): _ms(node, "restorable_until") for node in _list(summary.get("nodes")) if isinstance(node, dict)}
    restorable_until_ms = _ms(summary, "restorable_until")
    restorable_from_ms = _ms(summary, "restorable_from")
    without_backup = [str(node) for node in _list(summary.get("nodes_without_backup"))]
    age = summary.get("last_backup_age_seconds")
    figures = {"restorable_from": iso_utc(restorable_from_ms), "restorable_until": iso_utc(restorable_until_ms),
               "last_backup_age_seconds": age, "nodes_without_backup": without_backup or None}
    if restorable_until_ms is not None and not without_backup:
        checks.append(_check("backups_available", PASSED,
                             "Restorable from %s until %s (last backup %s old)." % (
                                 iso_utc(restorable_from_ms), iso_utc(restorable_until_ms), _human_seconds(age)),
                             **figures))
    else:
        gap = ("no completed backup in the API's 7-day window" if restorable_until_ms is None
               else "nodes without a completed backup: %s" % ", ".join(without_backup))
        if trigger:
            checks.append(_check("backups_available", NOT_VERIFIABLE,
                                 "Before the drill: %s; the drill's own backup stands in for them." % gap, **figures))
        else:
            message = "Scheduled backups cannot be drilled: %s." % gap
            checks.append(_check("backups_available", FAILED, message, **figures))
            errors.append(message)

    try:
        max_age = _duration_option(settings.get("max_backup_age"), "backup_restore_drill_max_backup_age")
    except AnsibleFilterError:
        max_age = None  # reported by the inputs check below
    if max_age is not None:
        if age is not None and float(age) <= max_age:
            checks.append(_check("backup_fresh", PASSED, "The last backup is %s old (maximum %s)." % (_human_seconds(age), _human_seconds(max_age)),
                                 last_backup_age_seconds=age, max_age_seconds=max_age))
        else:
            checks.append(_check("backup_fresh", FAILED,
                                 "The last backup is %s old, older than the maximum %s." % (_human_seconds(age), _human_seconds(max_age)),
                                 last_backup_age_seconds=age, max_age_seconds=max_age))

    input_errors = []
    requested_ms = _check_inputs(settings, source, reference_ms, input_errors)
    if input_errors:
        checks.insert(0, _check("inputs", FAILED, " ".join(input_errors)))
        errors.extend(input_errors)
    else:
        checks.insert(0, _check("inputs", PASSED, "Every backup_restore_drill_* input follows its rule."))
    if requested_ms is not None:
        warnings.extend(_edge_warnings(requested_ms, reference_ms))

    return {
        "reference_ms": reference_ms,
        "reference": iso_utc(reference_ms),
        "reference_clock": reference_clock,
        "source": _trim_cluster(source),
        "summary": {
            "restorable_from_ms": restorable_from_ms,
            "restorable_from": iso_utc(restorable_from_ms),
            "restorable_until_ms": restorable_until_ms,
            "restorable_until": iso_utc(restorable_until_ms),
            "last_backup_age_seconds": age,
            "nodes_without_backup": without_backup,
            "active_nodes": [str(node) for node in _list(summary.get("active_nodes"))],
            "failed_nodes": [str(node) for node in _list(summary.get("failed_nodes"))],
        },
        "nodes": [
            {"id": node.get("id"), "data_centre": dc_keys.get(dc.get("id")) or _dc_key(dc), "snapshots": _completed_snapshots(node),
             "restorable_until_ms": node_until.get(node.get("id"))}
            for dc, node in _event_nodes(backup_info, whole=True)
        ],
        "requested_point_in_time_ms": requested_ms,
        "checks": checks,
        "errors": errors,
        "warnings": warnings,
    }


def _check_inputs(settings, source, reference_ms, errors):
    """Every role input, before the drill sends anything; appends ``option: rule`` errors.

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
    for option in ("rto_target", "rpo_target", "max_backup_age"):
        attempt(_duration_option, settings.get(option), "backup_restore_drill_" + option)
    if settings.get("cluster_network"):
        attempt(check_ipv4_cidr, settings["cluster_network"], "backup_restore_drill_cluster_network")
    if settings.get("keyspace_tables"):
        attempt(check_keyspace_tables, settings["keyspace_tables"], "backup_restore_drill_keyspace_tables")
    if settings.get("cdc_infos") and source is not None:
        source_dc_ids = [dc.get("id") for dc in _list(source.get("data_centres")) if isinstance(dc, dict)]
        attempt(check_cdc_infos, settings["cdc_infos"], source_dc_ids, "backup_restore_drill_cdc_infos")
    raw_point = settings.get("point_in_time")
    if raw_point in (None, ""):
        return None
    point_ms = attempt(parse_point_in_time, raw_point, "backup_restore_drill_point_in_time")
    if point_ms is not None and attempt(check_point_in_time, point_ms, reference_ms, "backup_restore_drill_point_in_time") is None:
        return None
    return point_ms


def _edge_warnings(point_ms, reference_ms):
    window_start = reference_ms - API_WINDOW_MS
    if point_ms < window_start + EDGE_MARGIN_MS:
        return ["The point in time %s is within a day of the API's 7-day backup window (which starts at %s): "
                "the backups it needs may drop out of the window before or during the restore." % (
                    iso_utc(point_ms), iso_utc(window_start))]
    return []


# ---- the restore plan ------------------------------------------------------------------------------

def drill_restore_plan(preflight, backup_result=None, settings=None):
    """The restore's name and point in time, and why that point in time."""
    preflight = _dict(preflight)
    settings = _dict(settings)
    reference_ms = preflight.get("reference_ms")
    summary = _dict(preflight.get("summary"))
    backup_result = _effective_backup(backup_result)

    point_ms = preflight.get("requested_point_in_time_ms")
    basis = "requested"
    if point_ms is None:
        completed_ms = _backup_completion_ms(backup_result, preflight)
        if completed_ms is not None:
            point_ms, basis = completed_ms, "backup_completed"
        elif summary.get("restorable_until_ms") is not None:
            point_ms, basis = summary["restorable_until_ms"], "restorable_until"
        else:
            raise AnsibleFilterError(
                "No point in time to restore to: the source has no completed backup and the drill took none"
                + (" (check mode triggers nothing)" if settings.get("check_mode") else "") + "."
            )

    name = settings.get("restore_name")
    if not name:
        source_name = _dict(preflight.get("source")).get("name")
        name = restore_name(settings.get("name_prefix", "drill"), source_name, reference_ms, settings.get("run_id"))
    return {
        "name": name,
        "point_in_time_ms": int(point_ms),
        "point_in_time": iso_utc(point_ms),
        "point_in_time_basis": basis,
        "warnings": list(_list(preflight.get("warnings"))) + (_edge_warnings(point_ms, reference_ms) if basis != "requested" else []),
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
    nodes = _backup_result_nodes(backup_result)
    ends = {node["id"]: int(node["end"]) for node in nodes if node.get("state") == COMPLETED and _is_number(node.get("end"))}
    if not nodes or len(ends) != len(nodes):
        return None
    before = {node.get("id"): node.get("restorable_until_ms") for node in _list(_dict(preflight).get("nodes"))}
    instants = []
    for node_id in set(before) | set(ends):
        candidates = [value for value in (before.get(node_id), ends.get(node_id)) if _is_number(value)]
        if not candidates:
            return None  # a node with neither a backup before the drill nor one now
        instants.append(max(candidates))
    return min(instants)


# ---- the checks and the report -----------------------------------------------------------------------

def _not_reached(check_id, why):
    return _check(check_id, NOT_VERIFIABLE, "Not evaluated: %s." % why)


def _expected_topology(preflight, point_ms):
    """Nodes per data centre with a completed snapshot at or before the point in time, with racks.

    Racks come from the source's current nodes; a node no longer in the source has an unknown rack.
    """
    racks = {node.get("id"): node.get("rack") for _dc, node in _all_nodes(preflight.get("source"))}
    expected = {}
    for node in _list(preflight.get("nodes")):
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
    for dc in _list(_dict(cluster).get("data_centres")):
        nodes = [node for node in _list(_dict(dc).get("nodes")) if isinstance(node, dict)]
        actual[_dc_key(dc)] = {"nodes": len(nodes), "racks": sorted(str(node.get("rack")) for node in nodes)}
    return actual


def _topology_check(preflight, backup_result, point_ms, cluster):
    # The drill's own backup adds a snapshot per node that the preflight listing predates.
    preflight = dict(preflight)
    extra = {node["id"]: [int(node["start"]), int(node["end"])] for node in _backup_result_nodes(backup_result)
             if node.get("state") == COMPLETED and _is_number(node.get("end")) and _is_number(node.get("start"))}
    if extra:
        nodes = []
        for node in _list(preflight.get("nodes")):
            node = dict(node)
            if node.get("id") in extra:
                node["snapshots"] = sorted([list(snap) for snap in node.get("snapshots") or []] + [extra[node["id"]]])
            nodes.append(node)
        preflight["nodes"] = nodes
    expected = _expected_topology(preflight, point_ms)
    actual = _actual_topology(cluster)
    if not expected:
        return _check("topology", NOT_VERIFIABLE,
                      "The source's backup events show no completed snapshot at or before the point in time.",
                      actual=actual)
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
        return _check("topology", FAILED, "; ".join(problems) + ".", expected=expected, actual=actual)
    return _check("topology", PASSED, ", ".join("%s: %d nodes in racks %s" % (
        name, actual[name]["nodes"], ", ".join(sorted(set(actual[name]["racks"])))) for name in sorted(actual, key=str)) + ".",
        expected=expected, actual=actual)


def _running_check(cluster):
    nodes = [node for _dc, node in _all_nodes(cluster)]
    not_running = ["%s (%s)" % (node.get("id"), node.get("status")) for node in nodes if node.get("status") != RUNNING]
    status = _dict(cluster).get("status")
    if status == RUNNING and nodes and not not_running:
        return _check("restore_running", PASSED, "The cluster and its %d nodes are RUNNING." % len(nodes),
                      status=status, nodes=len(nodes))
    return _check("restore_running", FAILED,
                  "The cluster is %s; nodes not RUNNING: %s." % (status, ", ".join(not_running) or "none listed"),
                  status=status, nodes=len(nodes), not_running=not_running)


def _restore_events_check(cluster, restored_backups):
    node_ids = [node.get("id") for _dc, node in _all_nodes(cluster)]
    by_node = {node.get("id"): _events(node, RESTORE_EVENT) for _dc, node in _event_nodes(restored_backups)}
    if not any(by_node.values()):
        return _check("restore_events", NOT_VERIFIABLE, "The API lists no cassandra-restore events for the restored cluster.")
    missing = [node_id for node_id in node_ids if not any(e.get("state") == COMPLETED for e in by_node.get(node_id, []))]
    if missing:
        return _check("restore_events", FAILED, "Nodes without a COMPLETED cassandra-restore event: %s." % ", ".join(map(str, missing)),
                      nodes=len(node_ids), missing=missing)
    return _check("restore_events", PASSED, "All %d nodes show a COMPLETED cassandra-restore event." % len(node_ids), nodes=len(node_ids))


def _network_check(settings, preflight, cluster):
    """Compare what the API reports for the restored data centres with what was asked for."""
    source_dc_names = {dc.get("id"): _dc_key(dc) for dc in _list(_dict(preflight.get("source")).get("data_centres"))}
    expected = {}
    if settings.get("cluster_network"):
        expected = {name: settings["cluster_network"] for name in source_dc_names.values()}
    for info in _list(settings.get("cdc_infos")):
        info = _dict(info)
        if info.get("custom_vpc_network") and info.get("cdc_id") in source_dc_names:
            expected[source_dc_names[info["cdc_id"]]] = info["custom_vpc_network"]
    if not expected:
        return _check("network", NOT_VERIFIABLE, "No network was requested; the provider chose one.")
    actual = {_dc_key(dc): dc.get("network") for dc in _list(_dict(cluster).get("data_centres"))}
    wrong = ["%s uses %s, expected %s" % (name, actual.get(name), want) if name in actual else "%s is missing (expected %s)" % (name, want)
             for name, want in sorted(expected.items(), key=str) if actual.get(name) != want]
    if wrong:
        return _check("network", FAILED, "; ".join(wrong) + ".", expected=expected, actual=actual)
    return _check("network", PASSED, ", ".join("%s uses %s" % (name, actual[name]) for name in sorted(actual, key=str) if name in expected) + ".",
                  expected=expected, actual=actual)


def _tables_check(settings, user):
    covering = [result for result in _list(_dict(user).get("results"))
                if isinstance(result, dict) and "tables" in _list(result.get("covers"))]
    tables = _list(settings.get("keyspace_tables"))
    asked = ("the tables %s" % ", ".join(map(str, tables))) if tables else "all tables"
    if covering:
        failed = [r for r in covering if r.get("status") != PASSED]
        status = FAILED if failed or _dict(user).get("failed") else PASSED
        return _check("tables", status, "%s, as checked by the user checks: %s." % (
            asked[0].upper() + asked[1:], ", ".join("%s %s" % (r.get("name"), r.get("status")) for r in covering)),
            keyspace_tables=tables or None)
    return _check("tables", NOT_VERIFIABLE,
                  "Requested %s; which tables were restored cannot be read back through the v1 API "
                  "(a user check marked as covering 'tables' can verify it)." % asked, keyspace_tables=tables or None)


def _target_check(check_id, value, target, what):
    if value is None:
        return _check(check_id, NOT_VERIFIABLE, "The %s could not be measured." % what)
    if target is None:
        return _check(check_id, NOT_VERIFIABLE, "Measured %s (%s s); no target was set." % (_human_seconds(value), value),
                      seconds=value)
    if value <= target:
        return _check(check_id, PASSED, "%s (%s s) is within the target %s (%s s)." % (
            _human_seconds(value), value, _human_seconds(target), target), seconds=value, target_seconds=target)
    return _check(check_id, FAILED, "%s (%s s) exceeds the target %s (%s s) by %s." % (
        _human_seconds(value), value, _human_seconds(target), target, _human_seconds(value - target)),
        seconds=value, target_seconds=target)


def _user_check(settings, user):
    user = _dict(user)
    if not settings.get("verify_tasks"):
        return _check("user_checks", NOT_VERIFIABLE, "No user checks were given (backup_restore_drill_verify_tasks).")
    results = [r for r in _list(user.get("results")) if isinstance(r, dict)]
    if not user.get("ran"):
        return _not_reached("user_checks", "the user checks did not run")
    if user.get("failed"):
        return _check("user_checks", FAILED, "The task %r failed: %s" % (user.get("task"), user.get("message")),
                      tasks_file=settings.get("verify_tasks"), results=results or None)
    failed = [r.get("name") for r in results if r.get("status") == FAILED]
    if failed:
        return _check("user_checks", FAILED, "User checks failed: %s." % ", ".join(map(str, failed)),
                      tasks_file=settings.get("verify_tasks"), results=results)
    return _check("user_checks", PASSED, "%s ran without failure%s." % (
        settings.get("verify_tasks"), (" (%s)" % ", ".join("%s %s" % (r.get("name"), r.get("status")) for r in results)) if results else ""),
        tasks_file=settings.get("verify_tasks"), results=results or None)


def _evaluate(context, report):
    """All checks in report order; a check after the point where the drill stopped is not evaluated."""
    settings = _dict(context.get("settings"))
    preflight = _dict(context.get("preflight"))
    plan = _dict(context.get("plan"))
    backup_result = _dict(context.get("backup"))
    restore = _dict(context.get("restore"))
    failure = _dict(context.get("failure"))
    failed_phase = failure.get("phase")
    checks = {check["id"]: check for check in _list(preflight.get("checks"))}

    if not preflight:
        checks["source_running"] = _check("source_running", FAILED, "The preflight did not complete: %s" % failure.get("message"))

    if _truthy(settings.get("trigger_backup")):
        if backup_result.get("failed") or failed_phase == "backup":
            message = backup_result.get("msg") or failure.get("message")
            failed_nodes = [node["id"] for node in _backup_result_nodes(backup_result) if node.get("state") == "FAILED"]
            checks["backup_completed"] = _check("backup_completed", FAILED, "The backup failed: %s" % message,
                                                failed_nodes=failed_nodes or None)
        elif _truthy(context.get("check_mode"), False) and backup_result:
            checks["backup_completed"] = _check("backup_completed", NOT_VERIFIABLE,
                                                "Check mode: a backup %s." % ("would be triggered" if backup_result.get("changed") else "would be reused"))
        elif backup_result and not backup_result.get("skipped"):
            nodes = _backup_result_nodes(backup_result)
            incomplete = [n["id"] for n in nodes if n.get("state") != COMPLETED]
            covered = {n["id"] for n in nodes}
            incomplete += [n.get("id") for n in _list(preflight.get("nodes")) if n.get("id") not in covered]
            backup = _dict(backup_result.get("backup"))
            figures = dict(nodes=len(nodes), triggered=backup_result.get("triggered"),
                           started_at=backup.get("started_at"), completed_at=backup.get("completed_at"),
                           duration_seconds=backup.get("duration_seconds"))
            if incomplete:
                checks["backup_completed"] = _check("backup_completed", FAILED, "Not completed on nodes: %s." % ", ".join(map(str, incomplete)), **figures)
            else:
                checks["backup_completed"] = _check("backup_completed", PASSED, "%s backup completed on %d nodes in %s." % (
                    "A new" if backup_result.get("triggered") else "A running or recent", len(nodes), _human_seconds(backup.get("duration_seconds"))),
                    **figures)

    if _truthy(context.get("check_mode"), False):
        why = "check mode makes no restore"
        restore_checks = ("restore_created", "restore_running", "topology", "restore_events", "network", "tables", "rto", "rpo", "user_checks")
        for check_id in restore_checks:
            checks[check_id] = _not_reached(check_id, why)
        checks["drill_completed"] = _completed_check(failure)
        return _ordered(checks)

    cluster = restore.get("cluster") if isinstance(restore.get("cluster"), dict) else None
    if restore and "created" in restore:
        if restore.get("created"):
            checks["restore_created"] = _check("restore_created", PASSED, "Created %s (%s)." % (
                report["restored"]["name"], report["restored"]["id"]), cluster_id=restore.get("restored_cluster_id"))
        elif restore.get("restored_cluster_id"):
            checks["restore_created"] = _check("restore_created", FAILED,
                                               "A cluster named %s (%s) existed before this drill: it was not restored by it and is not deleted." % (
                                                   plan.get("name"), restore.get("restored_cluster_id")),
                                               cluster_id=restore.get("restored_cluster_id"))
        else:
            checks["restore_created"] = _check("restore_created", FAILED, "The restore failed before a cluster was created: %s" % restore.get("msg"))
    elif failed_phase == "restore":
        checks["restore_created"] = _check("restore_created", FAILED, "The restore failed: %s" % failure.get("message"))

    restore_ok = bool(restore) and not restore.get("failed") and restore.get("created") and cluster is not None
    if restore.get("failed") or failed_phase == "restore":
        checks["restore_running"] = _check("restore_running", FAILED, "The restore did not reach RUNNING: %s" % (restore.get("msg") or failure.get("message")),
                                           status=_dict(cluster).get("status"))
    elif restore_ok:
        checks["restore_running"] = _running_check(cluster)

    stopped = failure and failed_phase in ("preflight", "backup", "restore")
    why = "the drill stopped in the %s phase" % failed_phase if stopped else "no restored cluster of this drill to verify"
    if restore_ok:
        point_ms = plan.get("point_in_time_ms")
        checks["topology"] = _topology_check(preflight, backup_result, point_ms, cluster)
        restored_backups = context.get("restored_backups")
        if _dict(restored_backups).get("data_centres") is not None:
            checks["restore_events"] = _restore_events_check(cluster, restored_backups)
        checks["network"] = _network_check(settings, preflight, cluster)
        checks["tables"] = _tables_check(settings, context.get("user_checks"))
        rto = _seconds(_ms(restore, "requested_at"), _ms(restore, "running_at"))
        checks["rto"] = _target_check("rto", rto, _duration_option(settings.get("rto_target"), "backup_restore_drill_rto_target"), "recovery time")
        rpo = None
        if point_ms is not None and preflight.get("reference_ms") is not None:
            # A point in time after the drill started (a fresh backup) loses nothing written before it.
            rpo = max(0.0, _seconds(point_ms, preflight["reference_ms"]))
        checks["rpo"] = _target_check("rpo", rpo, _duration_option(settings.get("rpo_target"), "backup_restore_drill_rpo_target"), "recovery point")
        checks["user_checks"] = _user_check(settings, context.get("user_checks"))
        if failed_phase == "verify":
            checks.setdefault("restore_events", _check("restore_events", FAILED, "Verification failed: %s" % failure.get("message")))
    for check_id, _title in CHECK_TITLES:
        if check_id in ("backup_fresh", "backup_completed", "drill_completed") or check_id in checks:
            continue
        checks[check_id] = _not_reached(check_id, why)
    checks["drill_completed"] = _completed_check(failure)
    return _ordered(checks)


def _completed_check(failure):
    if failure:
        return _check("drill_completed", FAILED, "Stopped in the %s phase at task %r: %s" % (
            failure.get("phase"), failure.get("task"), failure.get("message")), phase=failure.get("phase"))
    return _check("drill_completed", PASSED, "Every phase ran to its end.")


def _ordered(checks):
    return [checks[check_id] for check_id, _title in CHECK_TITLES if check_id in checks]


def _phases(context, report):
    marks = {name: _controller_ms(value) for name, value in _dict(context.get("marks")).items()}
    failure = _dict(context.get("failure"))
    phases = []
    for index, name in enumerate(PHASES):
        start = marks.get(name)
        later = [marks[n] for n in PHASES[index + 1:] if marks.get(n) is not None]
        end = later[0] if later and start is not None else None
        if start is None:
            status = "not_reached"
        elif failure.get("phase") == name:
            status = "failed"
        elif name == "backup" and not _truthy(_dict(context.get("settings")).get("trigger_backup")):
            status = "skipped"
        else:
            status = "completed" if end is not None else "running"
        phases.append({
            "name": name,
            "status": status,
            "controller_started_at": iso_utc(start),
            "controller_seconds": _seconds(start, end),
        })
    server = _server_spans(context)
    for phase in phases:
        span = server.get(phase["name"])
        if span:
            phase["server_started_at_ms"], phase["server_ended_at_ms"] = span
            phase["server_started_at"], phase["server_ended_at"] = iso_utc(span[0]), iso_utc(span[1])
            phase["server_seconds"] = _seconds(span[0], span[1])
    return phases


def _server_spans(context):
    """Phase spans in API server time, where the API's results give both ends."""
    spans = {}
    backup_result = _dict(context.get("backup"))
    backup = _dict(backup_result.get("backup"))
    start = _ms(backup_result, "triggered_at")
    if start is None:
        start = _ms(backup, "started_at")
    if start is not None and _ms(backup, "completed_at") is not None:
        spans["backup"] = (start, _ms(backup, "completed_at"))
    restore = _dict(context.get("restore"))
    requested, running = _ms(restore, "requested_at"), _ms(restore, "running_at")
    if requested is not None and running is not None:
        spans["restore"] = (requested, running)
        checked = _ms(context.get("restored_backups"), "checked_at")
        if checked is not None and checked >= running:
            spans["verify"] = (running, checked)
    return spans


def _cleanup(context, report):
    settings = _dict(context.get("settings"))
    restore = _dict(context.get("restore"))
    result = _dict(_dict(context.get("cleanup")).get("result"))
    error = _dict(context.get("cleanup")).get("error")
    cluster_id = restore.get("restored_cluster_id")
    record = {"enabled": _truthy(settings.get("cleanup")), "cluster_id": cluster_id,
              "name": _dict(context.get("plan")).get("name")}
    if _truthy(context.get("check_mode"), False):
        record.update(action="none", details="Check mode: no cluster was created, nothing to delete.")
    elif error or result.get("failed"):
        record.update(action="failed", details="Deleting the restored cluster failed: %s. Delete %s by hand or run the sweep." % (
            error or result.get("msg"), cluster_id))
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


def drill_report(context):
    """The whole drill as one document: status, checks, phases, request, cleanup, timeline."""
    context = dict(_dict(context))
    context["backup"] = _effective_backup(context.get("backup"))
    settings = _dict(context.get("settings"))
    preflight = _dict(context.get("preflight"))
    plan = _dict(context.get("plan"))
    restore = _dict(context.get("restore"))
    failure = _dict(context.get("failure")) or None
    source = _dict(preflight.get("source"))
    cluster = _dict(restore.get("cluster"))
    run_id = str(context.get("run_id") or "")
    source_name = source.get("name") or settings.get("cluster_id") or "cluster"
    stem = "drill-%s-%s" % (_NAME_UNSAFE.sub("-", str(source_name)).strip("-_") or "cluster",
                            _RUN_ID_UNSAFE.sub("", run_id.lower()) or "run")

    report = {
        "format_version": 1,
        "run_id": run_id,
        "check_mode": _truthy(context.get("check_mode"), False),
        "source": {"id": source.get("id") or settings.get("cluster_id"), "name": source.get("name")},
        "restored": {
            "id": restore.get("restored_cluster_id"),
            "name": cluster.get("name") or plan.get("name"),
            "created": bool(restore.get("created")),
            "status": cluster.get("status"),
            "data_centres": _trim_cluster(cluster)["data_centres"] if cluster else [],
        },
        "reference_time": preflight.get("reference"),
        "reference_time_ms": preflight.get("reference_ms"),
        "reference_clock": preflight.get("reference_clock"),
        "point_in_time": plan.get("point_in_time"),
        "point_in_time_ms": plan.get("point_in_time_ms"),
        "point_in_time_basis": plan.get("point_in_time_basis"),
        "settings": {
            "trigger_backup": _truthy(settings.get("trigger_backup")),
            "cleanup": _truthy(settings.get("cleanup")),
            "keyspace_tables": _list(settings.get("keyspace_tables")),
            "cluster_network": settings.get("cluster_network"),
            "rto_target": settings.get("rto_target"),
            "rpo_target": settings.get("rpo_target"),
            "verify_tasks": settings.get("verify_tasks"),
        },
        "request": restore.get("request") if isinstance(restore.get("request"), dict) else None,
        "failure": failure,
        "warnings": sorted(set(map(str, _list(plan.get("warnings")) or _list(preflight.get("warnings"))))),
    }
    report["checks"] = _evaluate(context, report)
    report["phases"] = _phases(context, report)
    report["cleanup"] = _cleanup(context, report)
    report["failed_checks"] = [check["id"] for check in report["checks"] if check["status"] == FAILED]
    figures = {check["id"]: check["figures"].get("seconds") for check in report["checks"] if check["id"] in ("rto", "rpo")}
    report["figures"] = {
        "rto_seconds": figures.get("rto"),
        "rpo_seconds": figures.get("rpo"),
        "backup_seconds": _dict(_dict(context.get("backup")).get("backup")).get("duration_seconds"),
        "restore_seconds": restore.get("duration_seconds"),
    }
    failed = bool(report["failed_checks"]) or failure is not None or report["cleanup"]["action"] == "failed"
    report["status"] = FAILED if failed else ("check_mode" if report["check_mode"] else PASSED)
    report["message"] = _message(report)
    report_dir = str(settings.get("report_dir") or ".").rstrip("/") or "/"
    report["files"] = {kind: "%s/%s.%s" % (report_dir, stem, ext)
                       for kind, ext in (("json", "json"), ("markdown", "md"), ("html", "html"), ("junit", "junit.xml"))}
    report["timeline"] = _timeline(context, report)
    return report


def _message(report):
    name = report["source"]["name"] or report["source"]["id"]
    if report["status"] == PASSED:
        return "Drill of %s passed: restored to %s in %s (RTO), RPO %s, cleanup %s." % (
            name, report["point_in_time"], _human_seconds(report["figures"]["rto_seconds"]),
            _human_seconds(report["figures"]["rpo_seconds"]), report["cleanup"]["action"])
    if report["status"] == "check_mode":
        return "Check mode for %s: the restore of %s as %s would be requested; nothing was changed." % (
            name, report["point_in_time"], report["restored"]["name"])
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


def _timeline(context, report):
    """Bars and markers in API server time for the SVG: phases, per-node backup and restore."""
    bars = []
    backup_nodes = _backup_result_nodes(context.get("backup"))
    point_ms = report.get("point_in_time_ms")
    node_dcs = {node.get("id"): node.get("data_centre") for node in _list(_dict(context.get("preflight")).get("nodes"))}
    if backup_nodes:
        for node in backup_nodes:
            if _is_number(node.get("start")):
                bars.append({"lane": "backup", "node": node.get("id"), "data_centre": node_dcs.get(node.get("id")) or node.get("data_centre"),
                             "start_ms": int(node["start"]), "end_ms": int(node["end"]) if _is_number(node.get("end")) else None,
                             "state": node.get("state")})
    elif point_ms is not None:
        # Scheduled backups drilled: show the snapshot each node is restored from.
        for node in _list(_dict(context.get("preflight")).get("nodes")):
            usable = [snap for snap in node.get("snapshots") or [] if snap[1] <= point_ms]
            if usable:
                start, end = usable[-1]
                bars.append({"lane": "backup", "node": node.get("id"), "data_centre": node.get("data_centre"),
                             "start_ms": start, "end_ms": end, "state": COMPLETED})
    for dc_name, node in _event_nodes(context.get("restored_backups")):
        for event in _events(node, RESTORE_EVENT)[-1:]:
            if _is_number(event.get("start")):
                bars.append({"lane": "restore", "node": node.get("id"), "data_centre": dc_name, "start_ms": int(event["start"]),
                             "end_ms": int(event["end"]) if _is_number(event.get("end")) else None, "state": event.get("state")})
    phases = [{"name": p["name"], "start_ms": p["server_started_at_ms"], "end_ms": p["server_ended_at_ms"]}
              for p in report["phases"] if p.get("server_started_at_ms") is not None]
    markers = []
    if report.get("reference_time_ms") is not None:
        markers.append({"label": "drill start", "ms": report["reference_time_ms"]})
    if point_ms is not None:
        markers.append({"label": "point in time", "ms": point_ms})
    return {"phases": phases, "bars": bars, "markers": markers}


# ---- the SVG timeline -----------------------------------------------------------------------------------

_COLOURS = {"backup": "#3b7dd8", "restore": "#2e9d5b", "verify": "#8a63d2", "preflight": "#999999",
            "FAILED": "#d33c3c", "ACTIVE": "#e69a28"}


def drill_timeline_svg(report):
    """A self-contained SVG of the report's timeline (server time): phases, then one bar per node."""
    timeline = _dict(_dict(report).get("timeline"))
    phases = _list(timeline.get("phases"))
    bars = _list(timeline.get("bars"))
    markers = _list(timeline.get("markers"))
    times = [t for item in phases + bars for t in (item.get("start_ms"), item.get("end_ms")) if _is_number(t)]
    times += [m["ms"] for m in markers if _is_number(m.get("ms"))]
    label_width, width, row, top = 230, 960, 22, 40
    rows = [("phase", p["name"], p) for p in phases] + [
        (b["lane"], "%s %s %s" % (b["lane"], _short(b.get("node")), _short_dc(b.get("data_centre"))), b) for b in bars]
    height = top + row * max(len(rows), 1) + 40
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" '
           'aria-label="Drill timeline" font-family="sans-serif" font-size="12">' % (width, height, width, height),
           '<title>Drill timeline (API server time)</title>',
           '<rect x="0" y="0" width="%d" height="%d" fill="#ffffff"/>' % (width, height)]
    if not times:
        out.append('<text x="10" y="24">No timed events: the drill stopped before the API reported any.</text></svg>')
        return "".join(out)
    low, high = min(times), max(times)
    span = max(high - low, 1000)
    low, high = low - span * 0.02, high + span * 0.02
    plot = width - label_width - 50

    def x_of(ms):
        return label_width + (ms - low) * plot / float(high - low)

    for tick in range(6):
        ms = low + (high - low) * tick / 5.0
        x = x_of(ms)
        out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#e3e3e3"/>' % (x, top - 8, x, height - 30))
        out.append('<text x="%.1f" y="%d" text-anchor="%s" fill="#555">%s</text>' % (
            x, height - 14, "end" if tick == 5 else "middle", html.escape(iso_utc(int(ms))[5:16].replace("T", " "))))
    for index, (lane, label, item) in enumerate(rows):
        y = top + index * row
        out.append('<text x="8" y="%d" fill="#222">%s</text>' % (y + 14, html.escape(str(label))))
        start = item.get("start_ms")
        end = item.get("end_ms") if _is_number(item.get("end_ms")) else high
        colour = _COLOURS.get(item.get("state")) or _COLOURS.get(item.get("name") if lane == "phase" else lane, "#777777")
        x1, x2 = x_of(start), x_of(end)
        finished = iso_utc(int(end)) if _is_number(item.get("end_ms")) else "(not finished)"
        tip = "%s: %s to %s%s" % (label, iso_utc(int(start)), finished, " (%s)" % item.get("state") if item.get("state") else "")
        out.append('<rect x="%.1f" y="%d" width="%.1f" height="%d" rx="2" fill="%s"><title>%s</title></rect>' % (
            x1, y + 3, max(x2 - x1, 2.0), row - 8, colour, html.escape(tip)))
    for marker in markers:
        x = x_of(marker["ms"])
        out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#222" stroke-dasharray="4 3"/>' % (x, top - 22, x, height - 30))
        anchor = "end" if x > width - 140 else "start"
        out.append('<text x="%.1f" y="%d" text-anchor="%s" fill="#222">%s %s</text>' % (
            x + (-4 if anchor == "end" else 4), top - 24 + 12 * markers.index(marker), anchor,
            html.escape(marker["label"]), html.escape(iso_utc(int(marker["ms"]))[11:19] + "Z")))
    out.append("</svg>")
    return "".join(out)


def _short(node_id):
    return str(node_id)[:8] if node_id else "?"


def _short_dc(name):
    """``AWS_VPC_US_EAST_1`` -> ``(US_EAST_1)``; nothing for ids and unknown names."""
    if not name or re.match(r"^[0-9a-f-]{36}$", str(name)):
        return ""
    return "(%s)" % re.sub(r"^(AWS_VPC|GCP|AZURE)_", "", str(name))


# ---- sweep and summary ------------------------------------------------------------------------------------

def drill_sweep_candidates(clusters, prefix="drill", older_than=None, now_ms=None, protected_ids=None):
    """Clusters a drill created and left behind: named ``<prefix>-...-<timestamp>-<run id>``, older than ``older_than``."""
    prefix = check_prefix(prefix)
    age_limit = _duration_option(older_than, "backup_restore_drill_sweep_older_than")
    if age_limit is None:
        raise AnsibleFilterError("backup_restore_drill_sweep_older_than is required for the sweep")
    if isinstance(now_ms, dict):
        now_ms = server_now_ms(now_ms)
    if not _is_number(now_ms):
        raise AnsibleFilterError("the sweep needs the API server's time: epoch milliseconds or a cluster_backup_info result "
                                 "with checked_at_ms or a restorable backup (got %r)" % (now_ms,))
    protected = {str(cluster_id).lower() for cluster_id in _list(protected_ids) if cluster_id}
    found = []
    for cluster in _list(clusters):
        if not isinstance(cluster, dict) or str(cluster.get("id", "")).lower() in protected:
            continue
        if cluster.get("status") in GONE_STATUSES:
            continue
        stamp = name_timestamp_ms(cluster.get("name"), prefix)
        if stamp is None:
            continue
        age = (now_ms - stamp) / 1000.0
        if age > age_limit:
            found.append({"id": cluster.get("id"), "name": cluster.get("name"), "status": cluster.get("status"),
                          "created_at": iso_utc(stamp), "age_seconds": round(age, 3)})
    return sorted(found, key=lambda item: item["name"])


def drill_summary(results, report_dir=".", run_id=""):
    """The drills of one playbook run, side by side; a host without a report counts as failed."""
    if isinstance(results, dict):
        results = [{"host": host, "report": report} for host, report in results.items()]
    rows = []
    for entry in _list(results):
        entry = _dict(entry)
        report = _dict(entry.get("report"))
        if not report:
            rows.append({"host": entry.get("host"), "status": FAILED, "source": None, "message": "The drill recorded no result (it stopped before its report).",
                         "failed_checks": [], "files": {}})
            continue
        rows.append({
            "host": entry.get("host"),
            "status": report.get("status"),
            "source": _dict(report.get("source")).get("name") or _dict(report.get("source")).get("id"),
            "restored": _dict(report.get("restored")).get("name"),
            "point_in_time": report.get("point_in_time"),
            "rto_seconds": _dict(report.get("figures")).get("rto_seconds"),
            "rpo_seconds": _dict(report.get("figures")).get("rpo_seconds"),
            "cleanup": _dict(report.get("cleanup")).get("action"),
            "failed_checks": _list(report.get("failed_checks")),
            "message": report.get("message"),
            "files": _dict(report.get("files")),
        })
    counts = {}
    for row in rows:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    status = FAILED if counts.get(FAILED) or not rows else ("check_mode" if counts.get("check_mode") else PASSED)
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


def human_seconds(seconds):
    """Seconds as ``45s``, ``12m30s`` or ``3h05m`` for the reports."""
    return _human_seconds(seconds)


class FilterModule:
    """The backup_restore_drill role's filters."""

    def filters(self):
        return {
            "drill_preflight": drill_preflight,
            "drill_restore_plan": drill_restore_plan,
            "drill_report": drill_report,
            "drill_timeline_svg": drill_timeline_svg,
            "drill_sweep_candidates": drill_sweep_candidates,
            "drill_summary": drill_summary,
            "drill_duration": human_seconds,
        }
