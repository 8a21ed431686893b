# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Reading what the drill is given: the modules' results (times, nodes, events), the role's
settings (booleans, durations), and durations written for people.

Times: every figure about the API's work comes from the modules' results in API server time;
controller marks (``controller_ms``) are the controller's wall clock, used only for phase durations.
"""

from __future__ import annotations

import datetime

from ansible.errors import AnsibleFilterError

from ansible_collections.restorekit.instaclustr.plugins.module_utils._clock import (
    parse_duration,
    parse_point_in_time,
)
from ansible_collections.restorekit.instaclustr.plugins.module_utils._errors import OptionError
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.drill_constants import COMPLETED, SNAPSHOT

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def as_dict(value):
    return value if isinstance(value, dict) else {}


def truthy(value, default=True):
    """A boolean setting; ansible-core before 2.19 may hand over ``"True"``/``"False"`` strings."""
    if value is None or value == "":
        return default
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "on", "1", "y")
    return bool(value)


def as_list(value):
    return value if isinstance(value, list) else []


def result_ms(container, name):
    """The ``<name>_ms`` twin of a result time, or the ISO ``<name>`` parsed, or None."""
    container = as_dict(container)
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


def seconds_between(start_ms, end_ms):
    if start_ms is None or end_ms is None:
        return None
    return round((end_ms - start_ms) / 1000.0, 3)


def duration_option(value, option):
    """A target or age given like the modules' durations (``"2h"``, ``"15m"``, seconds); None when unset."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return parse_duration(value, option)
    except OptionError as error:
        raise AnsibleFilterError(str(error))


NOT_APPLICABLE_TEXT = "not applicable"


def human_seconds(seconds, missing="unknown"):
    """The one way every output (reports, summary, evidence index, the demo) writes a duration.

    ``45s`` under two minutes, ``12m30s`` under two hours, ``3h05m`` under two days, else ``4d03h``; the
    value is rounded once, to the unit shown last, so ``1201.6`` s reads ``20m02s`` everywhere (never
    ``2m60s``). ``missing`` (default ``unknown``) when there is no value.
    """
    if seconds is None:
        return missing
    seconds = float(seconds)
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    if seconds < 119.5:
        return "%s%ds" % (sign, int(round(seconds)))
    if seconds < 7170:  # under 1h59m30s: rounded to the second
        total = int(round(seconds))
        return "%s%dm%02ds" % (sign, total // 60, total % 60)
    if seconds < 172800 - 30:  # under 47h59m30s: rounded to the minute
        total = int(round(seconds / 60.0))
        return "%s%dh%02dm" % (sign, total // 60, total % 60)
    total = int(round(seconds / 3600.0))
    return "%s%dd%02dh" % (sign, total // 24, total % 24)


def figure_text(seconds, not_applicable=False, missing="unknown"):
    """An RTO or RPO as every output words it: ``not applicable`` when its check does not apply (Redis's RPO),
    else ``human_seconds``."""
    return NOT_APPLICABLE_TEXT if not_applicable else human_seconds(seconds, missing)


def controller_ms(text):
    """A mark the role took with ``now(utc=True, fmt=...)``: ``2026-11-20T10:00:00.123456Z``."""
    if not text:
        return None
    try:
        return parse_point_in_time(str(text), "mark")
    except OptionError:
        return None


def server_now_ms(backup_info):
    """The API server's time of a cluster_backup_info read: ``checked_at_ms``, else derived from the summary.

    ``last_backup_age_seconds`` is the server's now minus ``restorable_until``, so their sum is
    the server's now (to the millisecond) when the result has no ``checked_at``. None when neither.
    """
    backup_info = as_dict(backup_info)
    checked = result_ms(backup_info, "checked_at")
    if checked is not None:
        return checked
    summary = as_dict(backup_info.get("summary"))
    until, age = result_ms(summary, "restorable_until"), summary.get("last_backup_age_seconds")
    if until is not None and is_number(age):
        return until + int(round(age * 1000))
    return None


def dc_key(dc):
    """How data centres are matched across clusters: the restored one keeps the source's cdc_name and region."""
    dc = as_dict(dc)
    return dc.get("cdc_name") or dc.get("name") or dc.get("id")


def source_cluster(cluster_info):
    clusters = as_list(as_dict(cluster_info).get("clusters"))
    return clusters[0] if clusters and isinstance(clusters[0], dict) else None


def trim_cluster(cluster):
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
                    for node in as_list(dc.get("nodes")) if isinstance(node, dict)
                ],
            }
            for dc in as_list(cluster.get("data_centres")) if isinstance(dc, dict)
        ],
    }


def all_nodes(cluster):
    for dc in as_list(as_dict(cluster).get("data_centres")):
        for node in as_list(as_dict(dc).get("nodes")):
            if isinstance(node, dict):
                yield dc, node


def event_nodes(backup_info, whole=False):
    """(data centre name, node) pairs of a cluster_backup_info result; (data centre, node) with ``whole``."""
    for dc in as_list(as_dict(backup_info).get("data_centres")):
        for node in as_list(as_dict(dc).get("nodes")):
            if isinstance(node, dict):
                yield (as_dict(dc) if whole else as_dict(dc).get("name")), node


def node_events(node, event_type):
    return [event for event in as_list(node.get("events")) if isinstance(event, dict) and event.get("type") == event_type]


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def completed_snapshots(node, types=(SNAPSHOT,)):
    """``[[start, end], ...]`` of a node's completed backups (events of ``types``; Cassandra's snapshot-upload by default)."""
    return sorted(
        [int(event["start"]), int(event["end"])]
        for event_type in types
        for event in node_events(node, event_type)
        if event.get("state") == COMPLETED and is_number(event.get("start")) and is_number(event.get("end"))
    )


def effective_backup(value):
    """The cluster_backup result the drill restores from (the role's one backup call; {} when it made none).

    A list is still accepted, its last result that ran counting, for playbooks that call the
    filters themselves with several backup results.
    """
    if isinstance(value, list):
        ran = [item for item in value if isinstance(item, dict) and item and not item.get("skipped")]
        return ran[-1] if ran else next((item for item in value if isinstance(item, dict) and item), {})
    return as_dict(value)


def backup_action(backup_result):
    """What a cluster_backup result says the module did, or would do in check mode, in its own terms.

    ``triggered`` (``triggered: true``), ``reused`` (``backup.reused: true``, a recent backup of every
    node under ``reuse_within``) or ``followed`` (neither: a backup running on every node); None for
    an empty or skipped result. Read from the module's result only, never guessed from ``changed``.
    """
    backup_result = as_dict(backup_result)
    if not backup_result or backup_result.get("skipped") or "triggered" not in backup_result:
        return None
    if truthy(backup_result.get("triggered"), False):
        return "triggered"
    if truthy(as_dict(backup_result.get("backup")).get("reused"), False):
        return "reused"
    return "followed"


def backup_result_nodes(backup_result):
    """Per-node events of a cluster_backup result: ``[{id, data_centre, start, end, state, progress}]``.

    Accepts the per-node list as ``backup.nodes`` (each with ``event`` or flat fields) or the
    cluster_backup_info-like ``backup.data_centres`` tree.
    """
    backup = as_dict(as_dict(backup_result).get("backup"))
    found = []
    for node in as_list(backup.get("nodes")):
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
    for dc_name, node in event_nodes(backup):
        for event in node_events(node, SNAPSHOT)[-1:]:
            found.append({
                "id": node.get("id"), "data_centre": dc_name, "start": event.get("start"),
                "end": event.get("end"), "state": event.get("state"), "progress": event.get("progress"),
            })
    return found
