# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The drill's timeline in API server time: its data (phases, one bar per node's backup and
restore, markers) for the report, and the self-contained SVG the HTML report embeds.
"""

from __future__ import annotations

import html
import re

from ansible_collections.restorekit.instaclustr.plugins.module_utils._clock import iso_utc
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.drill_constants import COMPLETED, RESTORE_EVENT
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.drill_values import (
    as_dict,
    as_list,
    backup_result_nodes,
    event_nodes,
    is_number,
    node_events,
)


def timeline(context, report):
    """Bars and markers in API server time for the SVG: phases, per-node backup and restore."""
    bars = []
    backup_nodes = backup_result_nodes(context.get("backup"))
    point_ms = report.get("point_in_time_ms")
    node_dcs = {node.get("id"): node.get("data_centre") for node in as_list(as_dict(context.get("preflight")).get("nodes"))}
    if backup_nodes:
        for node in backup_nodes:
            if is_number(node.get("start")):
                bars.append({"lane": "backup", "node": node.get("id"), "data_centre": node_dcs.get(node.get("id")) or node.get("data_centre"),
                             "start_ms": int(node["start"]), "end_ms": int(node["end"]) if is_number(node.get("end")) else None,
                             "state": node.get("state")})
    elif point_ms is not None:
        # Scheduled backups drilled: show the snapshot each node is restored from.
        for node in as_list(as_dict(context.get("preflight")).get("nodes")):
            usable = [snap for snap in node.get("snapshots") or [] if snap[1] <= point_ms]
            if usable:
                start, end = usable[-1]
                bars.append({"lane": "backup", "node": node.get("id"), "data_centre": node.get("data_centre"),
                             "start_ms": start, "end_ms": end, "state": COMPLETED})
    for dc_name, node in event_nodes(context.get("restored_backups")):
        for event in node_events(node, RESTORE_EVENT)[-1:]:
            if is_number(event.get("start")):
                bars.append({"lane": "restore", "node": node.get("id"), "data_centre": dc_name, "start_ms": int(event["start"]),
                             "end_ms": int(event["end"]) if is_number(event.get("end")) else None, "state": event.get("state")})
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


def timeline_svg(report):
    """A self-contained SVG of the report's timeline (server time): phases, then one bar per node."""
    timeline = as_dict(as_dict(report).get("timeline"))
    phases = as_list(timeline.get("phases"))
    bars = as_list(timeline.get("bars"))
    markers = as_list(timeline.get("markers"))
    times = [t for item in phases + bars for t in (item.get("start_ms"), item.get("end_ms")) if is_number(t)]
    times += [m["ms"] for m in markers if is_number(m.get("ms"))]
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
        end = item.get("end_ms") if is_number(item.get("end_ms")) else high
        colour = _COLOURS.get(item.get("state")) or _COLOURS.get(item.get("name") if lane == "phase" else lane, "#777777")
        x1, x2 = x_of(start), x_of(end)
        finished = iso_utc(int(end)) if is_number(item.get("end_ms")) else "(not finished)"
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
