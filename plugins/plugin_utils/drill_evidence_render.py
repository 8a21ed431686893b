# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The drill evidence model (``drill_evidence.build_model``) as index.html, index.md and evidence.json.

The HTML page is self-contained: inline CSS, one inline SVG trend chart per cluster, no script
and no external resource; every value is escaped. It is meant to be read in ten seconds: a
verdict line on top, then one row per source cluster where stale clusters are red and clusters
the latest run did not drill are amber, then the recoveries (``dr_recover``) in a table of their own.
Each table scrolls inside its own box, so that the page never scrolls sideways (1280 px and less).
"""

from __future__ import annotations

import html
import json
import os
import re

from ansible_collections.restorekit.instaclustr.plugins.plugin_utils import drill_values
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.atomic_files import same_file_content, write_atomic
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.report_text import markdown_inline, relative_href

LIST_LIMIT = 50  # files listed under "not read"; the rest are counted
CHART_WIDTH, PANEL_HEIGHT, PANEL_GAP, LABEL_WIDTH = 240, 26, 6, 30
SPARK = "▁▂▃▄▅▆▇█"
SAFE_CODE = re.compile(r"^[A-Za-z0-9_.:-]+$")


def human_seconds(seconds):
    """``drill_values.human_seconds`` (the one duration format of every output), ``-`` when unknown, as table cells show it."""
    return drill_values.human_seconds(None if seconds is None else abs(float(seconds)), missing="-")


def _day(iso):
    """``2026-11-20 10:00`` (UTC) from an ISO time; ``-`` when unknown."""
    return "%s %s" % (iso[:10], iso[11:16]) if iso else "-"


def verdict(model):
    """One sentence: is every cluster fresh, and what stands out."""
    clusters, counts = model["clusters"], model["counts"]
    if not clusters:
        return "No drill report found."
    parts = []
    if model["max_age"] is None:
        passing = sum(1 for cluster in clusters if cluster["last_passing_at"])
        parts.append("%d of %d clusters have a passing drill (no freshness limit set)." % (passing, len(clusters)))
    elif counts["stale"]:
        names = ", ".join(cluster["name"] or cluster["cluster_id"] for cluster in clusters if cluster["stale"])
        parts.append("%d of %d clusters have no passing drill within %s: %s." % (counts["stale"], len(clusters), model["max_age"], names))
    else:
        parts.append("All %d clusters passed a drill within %s." % (len(clusters), model["max_age"]))
    if counts["not_in_latest_run"]:
        names = ", ".join(cluster["name"] or cluster["cluster_id"] for cluster in clusters if cluster["in_latest_run"] is False)
        parts.append("Not drilled in the latest run: %s." % names)
    return " ".join(parts)


def _figure(cluster, kind):
    if kind in cluster["last_drill"].get("not_applicable", ()):
        return drill_values.NOT_APPLICABLE_TEXT, False
    value = cluster["last_drill"]["%s_seconds" % kind]
    target = cluster["%s_target_seconds" % kind]
    breached = value is not None and target is not None and value > target
    text = human_seconds(value) + (" / %s" % human_seconds(target) if target is not None else "")
    proven = cluster["last_drill"].get("proven_rpo_seconds")
    if kind == "rpo" and proven is not None:
        text += " (proven %s)" % human_seconds(proven)
    return text, breached


def _pass_rate(cluster):
    counts = cluster["counts"]
    decided = counts["passed"] + counts["failed"]
    if not decided:
        return "-"
    return "%d/%d (%d%%)" % (counts["passed"], decided, round(100.0 * counts["passed"] / decided))


# ---- HTML --------------------------------------------------------------------------------------

_CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em auto; padding: 0 1em;
       max-width: 1150px; color: #222; box-sizing: border-box; overflow-wrap: break-word; }
.table-box { max-width: 100%; overflow-x: auto; margin: 1em 0; }
.table-box table { margin: 0; }
.verdict { font-size: 1.15em; padding: 0.6em 0.9em; border-radius: 4px; }
.verdict.fresh { background: #e3f4ea; border-left: 6px solid #2e9d5b; }
.verdict.stale { background: #fde8e8; border-left: 6px solid #d33c3c; }
table { border-collapse: collapse; width: 100%; margin: 1em 0; font-size: 0.92em; }
th, td { border: 1px solid #ddd; padding: 0.35em 0.6em; text-align: left; vertical-align: middle; }
th { background: #f4f4f4; }
tr.stale td { background: #fde8e8; }
tr.absent td { background: #fff4d6; }
.badge { padding: 0.05em 0.4em; border-radius: 3px; color: #fff; white-space: nowrap; font-size: 0.85em; }
.passed { background: #2e9d5b; } .failed { background: #d33c3c; } .other { background: #888; }
.flag { color: #a15c00; font-weight: bold; font-size: 0.85em; }
.bad { color: #c62828; font-weight: bold; }
.note, small { color: #555; }
code { font-size: 0.8em; overflow-wrap: anywhere; }
td.when { white-space: nowrap; }
"""


def render_html(model):
    e = html.escape
    rows = []
    for cluster in model["clusters"]:
        last = cluster["last_drill"]
        css = "stale" if cluster["stale"] else ("absent" if cluster["in_latest_run"] is False else "")
        status = last["status"] or "unknown"
        link = _report_link(last)
        flags = []
        if cluster["stale"]:
            flags.append("STALE: %s" % cluster["stale_reason"])
        if cluster["in_latest_run"] is False:
            flags.append("not drilled in the latest run")
        rto, rto_bad = _figure(cluster, "rto")
        rpo, rpo_bad = _figure(cluster, "rpo")
        age = cluster["last_passing_age_seconds"]
        rows.append(
            '<tr class="%s"><td><strong>%s</strong><br><small><code>%s</code><br>%s &middot; API %s</small>%s</td>'
            '<td class="when"><span class="badge %s">%s</span> %s<br><a href="%s">report</a> <small>run %s</small></td>'
            '<td class="when%s">%s<br><small>%s</small></td><td class="when">%s</td><td class="when%s">%s</td><td class="when%s">%s</td><td>%s</td></tr>' % (
                css, e(cluster["name"] or "(no name)"), e(cluster["cluster_id"]), e(cluster["application"]),
                e(cluster["api_version"]), "".join('<br><span class="flag">%s</span>' % e(flag) for flag in flags),
                status if status in ("passed", "failed") else "other", e(status.upper()), e(_day(last["finished_at"])),
                e(link, quote=True), e(last["run_id"] or "-"),
                ' bad' if cluster["stale"] else "", e(_day(cluster["last_passing_at"])),
                e("%s ago" % human_seconds(age) if age is not None else "never passed"),
                e(_pass_rate(cluster)), " bad" if rto_bad else "", e(rto), " bad" if rpo_bad else "", e(rpo),
                trend_svg(cluster, model)))
    state = "stale" if model["counts"]["stale"] or model["counts"]["not_in_latest_run"] else "fresh"
    return "".join([
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n',
        "<title>Drill evidence: %s</title>\n<style>%s</style>\n</head>\n<body>\n" % (e(model["status"]), _CSS),
        "<h1>Disaster-recovery drill evidence</h1>\n",
        '<p class="verdict %s">%s</p>\n' % (state, e(verdict(model))),
        '<p class="note">Generated %s from %d drill reports. Window %s; freshness limit %s. Times are UTC.</p>\n' % (
            e(_day(model["generated_at"])), model["counts"]["reports"], e(model["window"]), e(model["max_age"] or "none")),
        '<div class="table-box"><table>\n<tr><th>Source cluster</th><th>Last drill</th><th>Last passing drill</th><th>Pass rate (%s)</th>'
        "<th>RTO / target</th><th>RPO / target</th><th>Trend (%s, oldest left)</th></tr>\n" % (e(model["window"]), e(model["window"])),
        "\n".join(rows),
        "\n</table></div>\n",
        '<p class="note">RTO and RPO are the last drill\'s, against its targets. RPO: what the backups made before the drill '
        'protected; proven: the drill\'s start minus the newest canary found in the restored cluster (drills of scheduled backups). '
        'Trend: one dot per drill in the window, oldest on the left, '
        "RTO above and RPO below, dashed line the target, red dot a failed drill. Red rows: no passing drill within the "
        "freshness limit. Amber rows: the cluster was not drilled in the latest run.</p>\n",
        recoveries_html(model),
        integrity_html(model),
        _not_read_html(model),
        "</body>\n</html>\n",
    ])


def _not_read_html(model):
    e = html.escape
    items = ["%s: %s" % (entry["path"], entry["reason"]) for entry in model["skipped"]]
    items += ["%s: duplicate of the drill in %s (%s, run %s)" % (entry["path"], entry["kept"], entry["cluster_id"], entry["run_id"])
              for entry in model["duplicates"]]
    items += ["%s: not a drill report" % path for path in model["unknown_files"]]
    if not items:
        return ""
    shown = "".join("<li><code>%s</code></li>" % e(item) for item in items[:LIST_LIMIT])
    more = "<li>and %d more (see evidence.json)</li>" % (len(items) - LIST_LIMIT) if len(items) > LIST_LIMIT else ""
    return "<details><summary>%d files not counted</summary><ul>%s%s</ul></details>\n" % (len(items), shown, more)


def trend_svg(cluster, model):
    """RTO (top panel) and RPO (bottom panel) of the cluster's drills in the window, oldest on the
    left, one step per drill (the dates are in each dot's tooltip), with the target lines."""
    height = 2 * PANEL_HEIGHT + PANEL_GAP
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img">' % (
        CHART_WIDTH, height, CHART_WIDTH, height),
        "<title>RTO and RPO of %d drills in the last %s</title>" % (len(cluster["drills"]), html.escape(model["window"]))]
    for index, kind in enumerate(("rto", "rpo")):
        parts.append(_panel(cluster, kind, index * (PANEL_HEIGHT + PANEL_GAP)))
    parts.append("</svg>")
    return "".join(parts)


def _panel(cluster, kind, top):
    target = cluster["%s_target_seconds" % kind]
    drills = cluster["drills"]
    points = [(index, drill["%s_seconds" % kind], drill) for index, drill in enumerate(drills)
              if drill["%s_seconds" % kind] is not None]
    top_value = max([value for _index, value, _drill in points] + [target or 0]) or 1.0
    plot_width = CHART_WIDTH - LABEL_WIDTH - 4
    inset = 6

    def x_of(index):
        if len(drills) < 2:
            return LABEL_WIDTH + plot_width / 2.0
        return LABEL_WIDTH + inset + (plot_width - 2 * inset) * index / float(len(drills) - 1)

    def y_of(value):
        return top + PANEL_HEIGHT - 3 - (PANEL_HEIGHT - 6) * (value / (top_value * 1.05))

    parts = ['<rect x="%d" y="%d" width="%d" height="%d" fill="#fafafa" stroke="#e4e4e4"/>' % (
        LABEL_WIDTH, top, plot_width, PANEL_HEIGHT),
        '<text x="2" y="%d" font-size="10" font-family="sans-serif" fill="#555">%s</text>' % (top + PANEL_HEIGHT / 2 + 4, kind.upper())]
    if target is not None:
        y = y_of(target)
        parts.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#d33c3c" stroke-dasharray="3,2" stroke-width="1">'
                     "<title>%s target %s</title></line>" % (LABEL_WIDTH, y, LABEL_WIDTH + plot_width, y, kind.upper(), human_seconds(target)))
    if len(points) > 1:
        parts.append('<polyline fill="none" stroke="#3b6fb6" stroke-width="1.4" points="%s"/>' % " ".join(
            "%.1f,%.1f" % (x_of(index), y_of(value)) for index, value, _drill in points))
    for index, value, drill in points:
        color = "#d33c3c" if drill["status"] == "failed" else "#3b6fb6"
        parts.append('<circle cx="%.1f" cy="%.1f" r="2.4" fill="%s"><title>%s %s: %s %s</title></circle>' % (
            x_of(index), y_of(value), color, html.escape(_day(drill["finished_at"])), html.escape(drill["run_id"] or ""),
            kind.upper(), human_seconds(value)))
    if not points:
        parts.append('<text x="%d" y="%d" font-size="9" font-family="sans-serif" fill="#999">no figure in the window</text>' % (
            LABEL_WIDTH + 6, top + PANEL_HEIGHT / 2 + 3))
    return "".join(parts)


# ---- Markdown and JSON -------------------------------------------------------------------------

def sparkline(values):
    """``▁▃█`` for the figures (None skipped); empty when there is none."""
    values = [value for value in values if value is not None]
    if not values:
        return ""
    top = max(values) or 1.0
    return "".join(SPARK[min(len(SPARK) - 1, int(round((len(SPARK) - 1) * value / top)))] for value in values)


def _report_link(last):
    """The link to a drill's report: a percent-encoded path relative to the folder (never a scheme or a host)."""
    return relative_href(last["report_html"] or last["report"])


def _md_code(text):
    """An id as a code span when it is made of safe characters only, else as escaped text."""
    text = str(text)
    return "`%s`" % text if SAFE_CODE.match(text) else _md(text)


def _md(text):
    """Text from a report (names, messages, paths) as inert Markdown: HTML and structure characters escaped."""
    return markdown_inline(text)


def render_markdown(model):
    lines = ["# Disaster-recovery drill evidence", "", "**%s**" % _md(verdict(model)), "",
             "Generated %s from %d drill reports. Window %s; freshness limit %s." % (
                 _day(model["generated_at"]), model["counts"]["reports"], model["window"], model["max_age"] or "none"), "",
             "RPO: what the backups made before the drill protected; proven: the drill's start minus the newest canary found "
             "in the restored cluster (drills of scheduled backups).", "",
             "| source cluster | application | last drill | last passing drill | pass rate (%s) "
             "| RTO / target | RPO / target | RTO trend | RPO trend |" % model["window"],
             "|---|---|---|---|---|---|---|---|---|"]
    for cluster in model["clusters"]:
        last = cluster["last_drill"]
        flags = []
        if cluster["stale"]:
            flags.append("**STALE** (%s)" % cluster["stale_reason"])
        if cluster["in_latest_run"] is False:
            flags.append("not drilled in the latest run")
        age = cluster["last_passing_age_seconds"]
        lines.append("| %s %s%s | %s, API %s | %s %s ([report](%s)) | %s | %s | %s | %s | %s | %s |" % (
            _md(cluster["name"] or "(no name)"), _md_code(cluster["cluster_id"]), "<br>" + ", ".join(flags) if flags else "",
            _md(cluster["application"]), _md(cluster["api_version"]), _md((last["status"] or "unknown").upper()),
            _day(last["finished_at"]), _report_link(last),
            "%s (%s ago)" % (_day(cluster["last_passing_at"]), human_seconds(age)) if age is not None else "never",
            _pass_rate(cluster), _figure(cluster, "rto")[0], _figure(cluster, "rpo")[0],
            sparkline(drill["rto_seconds"] for drill in cluster["drills"]),
            sparkline(drill["rpo_seconds"] for drill in cluster["drills"])))
    lines += recoveries_markdown(model)
    lines += integrity_markdown(model)
    not_read = len(model["skipped"]) + len(model["duplicates"]) + len(model["unknown_files"])
    if not_read:
        lines += ["", "%d files not counted (listed in evidence.json): %d unreadable or not reports, %d duplicates, %d unknown." % (
            not_read, len(model["skipped"]), len(model["duplicates"]), len(model["unknown_files"]))]
    return "\n".join(lines) + "\n"


def render_json(model):
    return json.dumps(model, indent=2) + "\n"


# ---- recoveries (dr_recover) ------------------------------------------------------------------------

def _recovery_cells(recovery):
    """(source, restored, point in time, data-loss window, time to recover, status, checks, evidence) as text."""
    source, restored = recovery["source"], recovery["restored"]
    loss = recovery["data_loss_seconds"]
    window = "-" if loss is None else "%s (%s .. %s)" % (
        human_seconds(loss), _day(recovery["data_loss_from"]), _day(recovery["data_loss_until"]))
    checks = ", ".join("%s %s" % (check["id"], check["status"]) for check in recovery["checks"]) or "-"
    evidence = recovery.get("evidence") or {}
    state = evidence.get("status", "not checked")
    if evidence.get("status") == "intact":
        signers = ", ".join(key[:16] for key in evidence["signed_by"])
        state += ", %s%s" % (evidence["signed"], " by %s" % signers if signers else "")
    return ("%s (%s)" % (source["name"] or "(no name)", source["id"]),
            "%s (%s)" % (restored["name"] or "(no name)", restored["id"] or "not restored"),
            "%s%s" % (_day(recovery["point_in_time"]), ", %s" % recovery["point_in_time_basis"] if recovery["point_in_time_basis"] else ""),
            window, human_seconds(recovery["time_to_recover_seconds"]), (recovery["status"] or "unknown").upper(), checks, state)


def recoveries_html(model):
    """The recoveries section: each recovery report of the window, newest first (none: no section)."""
    recoveries = model.get("recoveries") or []
    if not recoveries:
        return ""
    e = html.escape
    rows = []
    for recovery in recoveries:
        source, restored, point, window, ttr, status, checks, state = _recovery_cells(recovery)
        evidence = recovery.get("evidence") or {}
        problems = "".join("<br>%s" % e("%s: %s" % (entry["path"], entry["problem"])) for entry in evidence.get("problems", [])[:LIST_LIMIT])
        css = "passed" if recovery["status"] == "recovered" else ("failed" if recovery["status"] in ("failed", "refused") else "other")
        rows.append(
            '<tr class="%s"><td>%s</td><td>%s</td><td class="when">%s</td><td>%s</td><td class="when">%s</td>'
            '<td class="when"><span class="badge %s">%s</span> %s<br><a href="%s">report</a> <small>run %s</small></td>'
            "<td><small>%s</small></td><td>%s%s</td></tr>" % (
                "stale" if evidence.get("status") == "tampered" else "", e(source), e(restored), e(point), e(window), e(ttr),
                css, e(status), e(_day(recovery["finished_at"])), e(_report_link(recovery), quote=True), e(recovery["run_id"] or "-"),
                e(checks), e(state), problems))
    return "".join([
        "<h2>Recoveries</h2>\n",
        '<p class="note">%d recovery reports in the window (dr_recover), newest first. A recovery is not a drill: it '
        "counts in no cluster's drill history and never for the freshness limit.</p>\n" % len(recoveries),
        '<div class="table-box"><table>\n<tr><th>Source cluster</th><th>Restored cluster</th><th>Point in time</th>'
        "<th>Data-loss window</th><th>Time to recover</th><th>Status</th><th>Checks</th><th>Evidence</th></tr>\n",
        "\n".join(rows), "\n</table></div>\n",
    ])


def recoveries_markdown(model):
    """The recoveries section of index.md, as lines."""
    recoveries = model.get("recoveries") or []
    if not recoveries:
        return []
    lines = ["", "## Recoveries", "",
             "%d recovery reports in the window (dr_recover), newest first. A recovery is not a drill: it counts in no "
             "cluster's drill history and never for the freshness limit." % len(recoveries), "",
             "| source cluster | restored cluster | point in time | data-loss window | time to recover | status | checks | evidence |",
             "|---|---|---|---|---|---|---|---|"]
    for recovery in recoveries:
        source, restored, point, window, ttr, status, checks, state = _recovery_cells(recovery)
        lines.append("| %s | %s | %s | %s | %s | %s %s ([report](%s)) | %s | %s |" % (
            _md(source), _md(restored), _md(point), _md(window), _md(ttr), _md(status), _day(recovery["finished_at"]),
            _report_link(recovery), _md(checks), _md(state)))
    return lines


# ---- integrity (drill_evidence_integrity) ----------------------------------------------------------

def _integrity_rows(model):
    """(name, cluster id, evidence, signature, chain head, problems) per cluster."""
    rows = []
    for cluster in model["clusters"]:
        evidence = cluster.get("evidence")
        if not evidence:
            continue
        state = evidence["status"]
        if state == "intact" and evidence["unverified_reports"]:
            state = "intact (%d older reports unverified)" % evidence["unverified_reports"]
        signature = evidence["signed"] + (" by %s" % ", ".join(key[:16] for key in evidence["signed_by"]) if evidence["signed_by"] else "")
        head = evidence["head"]
        rows.append((cluster["name"] or "(no name)", cluster["cluster_id"], state, signature,
                     "%s (SHA-256 %s, %d manifests)" % (head["manifest"], head["sha256"][:16], head["manifests"]) if head else "-",
                     ["%s: %s" % (entry["path"], entry["problem"]) for entry in evidence["problems"]]))
    return rows


def _outside_cluster_rows(entry, model):
    """A problem the per-cluster rows do not show: of no cluster with drills, or of a recovery."""
    return entry.get("report_kind") == "recovery" or entry["cluster_id"] not in {cluster["cluster_id"] for cluster in model["clusters"]}


def _integrity_verdict(integrity):
    counts = integrity["counts"]
    text = {"intact": "Every report's evidence is intact", "unverified": "No problem found, some evidence unverified",
            "failed": "The evidence is NOT intact"}.get(integrity["status"], integrity["status"])
    return "%s: %d manifests, %d reports verified, %d older reports unverified, %d problems. Trusted keys: %s." % (
        text, counts["manifests"], counts["verified_reports"], counts["unverified_reports"], counts["problems"],
        ", ".join(key[:16] for key in integrity["trusted_keys"]) or "none")


def integrity_html(model):
    """The integrity section: per cluster whether its evidence is intact, signed and by whom, and its chain head."""
    integrity = model.get("integrity")
    if not integrity:
        return ""
    e = html.escape
    rows = "".join(
        '<tr class="%s"><td><strong>%s</strong><br><small><code>%s</code></small></td><td>%s</td><td>%s</td><td><code>%s</code></td><td>%s</td></tr>' % (
            "stale" if problems else "", e(name), e(cluster_id), e(state), e(signature), e(head),
            "<br>".join(e(problem) for problem in problems[:LIST_LIMIT]) or "-")
        for name, cluster_id, state, signature, head, problems in _integrity_rows(model))
    others = [entry for entry in integrity["problems"] if _outside_cluster_rows(entry, model)]
    extra = "".join("<li>%s</li>" % e("%s: %s" % (entry["path"], entry["problem"]) if entry["path"] else entry["problem"])
                    for entry in others[:LIST_LIMIT])
    return "".join([
        "<h2>Integrity of the evidence</h2>\n",
        '<p class="verdict %s">%s</p>\n' % ("stale" if integrity["problems"] else "fresh", e(_integrity_verdict(integrity))),
        '<div class="table-box"><table>\n<tr><th>Source cluster</th><th>Evidence</th><th>Signature</th><th>Chain head</th><th>Problems</th></tr>\n',
        rows, "\n</table></div>\n",
        "<ul>%s</ul>\n" % extra if extra else "",
    ])


def integrity_markdown(model):
    """The integrity section of index.md, as lines."""
    integrity = model.get("integrity")
    if not integrity:
        return []
    lines = ["", "## Integrity of the evidence", "", "**%s**" % _md(_integrity_verdict(integrity)), "",
             "| source cluster | evidence | signature | chain head | problems |", "|---|---|---|---|---|"]
    for name, cluster_id, state, signature, head, problems in _integrity_rows(model):
        cells = (_md(name), cluster_id, _md(state), _md(signature), _md(head), _md("; ".join(problems)) or "-")
        lines.append("| %s `%s` | %s | %s | `%s` | %s |" % cells)
    for entry in integrity["problems"]:
        if _outside_cluster_rows(entry, model):
            lines.append("- %s" % _md("%s: %s" % (entry["path"], entry["problem"]) if entry["path"] else entry["problem"]))
    return lines


# ---- writing -----------------------------------------------------------------------------------

RENDERERS = (("html", "index.html", render_html), ("markdown", "index.md", render_markdown), ("json", "evidence.json", render_json))


def write_index(folder, model, check_mode=False):
    """Render and write index.html, index.md and evidence.json; ({kind: path}, changed)."""
    files, changed = {}, False
    for kind, name, renderer in RENDERERS:
        path = os.path.join(folder, name)
        files[kind] = path
        text = renderer(model)
        if check_mode:
            changed = changed or not same_file_content(path, text.encode("utf-8"))
        else:
            changed = write_atomic(path, text.encode("utf-8"), 0o644) or changed
    return files, changed
