# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Drill evidence across runs: read every drill JSON report under a folder, build one model.

Controller-side only (the ``drill_evidence`` action plugin calls it; nothing here is shipped to a
host). ``scan(folder)`` walks the folder recursively and keeps, per report, only the few fields
the index needs (a ``Drill``); the report itself is dropped as soon as it is read, so memory
grows with the number of drills, not with the size of their reports. ``build_model(...)`` turns
the drills into the per-cluster model that ``drill_evidence_render`` writes as HTML, Markdown
and JSON (the JSON schema is documented in docs/evidence.md).

Real folders are untidy, and nothing in them may crash the index: a half-written report of a
crashed run or any unreadable JSON is listed under ``skipped``; a JSON file that is not a drill
report too; the same drill (cluster and run id) found twice is counted once and the other copy
listed under ``duplicates``; reports of an older ``format_version`` (0: before the field existed)
or of a newer one are read for the fields they share.

A recovery report (``kind: recovery``, written by the ``cluster_recovery`` role, wherever it lies
under the folder) is read with the same bounds into a ``Recovery`` and listed in a section of its
own (``recoveries``): a recovery is never counted as a drill, so the freshness gate and each
cluster's drill history do not see it.
"""

from __future__ import annotations

import math
import os
import re
import stat

from ansible_collections.restorekit.instaclustr.plugins.module_utils._clock import (
    iso_utc,
    parse_duration,
    parse_point_in_time,
)
from ansible_collections.restorekit.instaclustr.plugins.module_utils._errors import OptionError
from ansible_collections.restorekit.instaclustr.plugins.module_utils._limits import BoundExceeded, loads_bounded
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.drill_constants import NOT_APPLICABLE
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.evidence_manifest import MANIFEST_SUFFIX, SIGNATURE_SUFFIX

FORMAT_VERSION = 1  # of evidence.json
# Report format_versions this reader knows; 0: the field is missing. 2: rpo_seconds is what the backups
# before the drill protect (1: the restored point's age); both are read as the figure the drill gated.
# 3: the same fields; from 3 on each drill has a manifest (evidence_manifest.MANIFEST_ERA).
READ_REPORT_VERSIONS = (0, 1, 2, 3)
DEFAULT_APPLICATION = "cassandra"
DEFAULT_API_VERSION = "v1"
PASSED = "passed"
FAILED = "failed"
INDEX_FILES = ("index.html", "index.md", "evidence.json")
# Files the drill itself writes beside its JSON report: known, never listed as unknown.
_KNOWN_SIBLINGS = re.compile(r"^(drill-.*\.(md|html|junit\.xml)|recovery-.*\.(md|html)|index\.(html|md)|evidence\.json)$")
RECOVERY_KIND = "recovery"  # steps_report.KIND: the ``kind`` of a recovery report
_SUMMARY = re.compile(r"^drill-summary-.*\.json$")
# A drill report is tens of kilobytes (a 300-node timeline a few megabytes); a larger "report" is not one and is
# never loaded (parsing JSON costs many times its size in memory). Summaries are bounded alike.
MAX_REPORT_BYTES = 16 * 1024 * 1024
MAX_REPORT_DEPTH = 32  # a drill report is about 6 levels deep
# Times outside these bounds are not a drill's (2015-01-01 to 9999-12-31): read as unknown.
EARLIEST_MS, LATEST_MS = 1420070400000, 253402300799999
MAX_SECONDS = 10 ** 10  # about 317 years: a larger RTO, RPO or target is read as unknown


class Drill:
    """What the index keeps of one drill report."""

    __slots__ = ("cluster_id", "name", "application", "api_version", "run_id", "status", "finished_ms",
                 "finished_basis", "rto_seconds", "rpo_seconds", "rto_target_seconds", "rpo_target_seconds",
                 "proven_rpo_seconds", "report", "report_html", "format_version", "not_applicable")

    def __init__(self, **fields):
        for slot in self.__slots__:
            setattr(self, slot, fields.get(slot))

    def record(self):
        """The drill as evidence.json lists it."""
        return {"run_id": self.run_id, "status": self.status, "finished_at": iso_utc(self.finished_ms),
                "rto_seconds": self.rto_seconds, "rpo_seconds": self.rpo_seconds, "proven_rpo_seconds": self.proven_rpo_seconds,
                "rto_target_seconds": self.rto_target_seconds, "rpo_target_seconds": self.rpo_target_seconds,
                "report": self.report, "report_html": self.report_html, "format_version": self.format_version,
                "not_applicable": list(self.not_applicable or ())}


class Recovery:
    """What the index keeps of one recovery report (``steps_report.recovery_report``)."""

    __slots__ = ("cluster_id", "name", "application", "api_version", "run_id", "status", "finished_ms", "restored_id",
                 "restored_name", "point_in_time", "point_in_time_basis", "data_loss_seconds", "data_loss_from",
                 "data_loss_until", "time_to_recover_seconds", "checks", "check_mode", "report", "report_html", "format_version")

    def __init__(self, **fields):
        for slot in self.__slots__:
            setattr(self, slot, fields.get(slot))

    def record(self):
        """The recovery as evidence.json lists it."""
        return {"run_id": self.run_id, "status": self.status, "finished_at": iso_utc(self.finished_ms),
                "source": {"id": self.cluster_id, "name": self.name},
                "restored": {"id": self.restored_id, "name": self.restored_name},
                "application": self.application, "api_version": self.api_version, "check_mode": self.check_mode,
                "point_in_time": self.point_in_time, "point_in_time_basis": self.point_in_time_basis,
                "data_loss_seconds": self.data_loss_seconds, "data_loss_from": self.data_loss_from,
                "data_loss_until": self.data_loss_until, "time_to_recover_seconds": self.time_to_recover_seconds,
                "checks": [dict(check) for check in self.checks or ()],
                "report": self.report, "report_html": self.report_html, "format_version": self.format_version}


class Scan:
    """The outcome of reading a folder: the drills, the recoveries, and every file set aside with the reason."""

    def __init__(self):
        self.drills = []
        self.recoveries = []
        self.skipped = []  # {"path", "reason"}
        self.unknown = []  # paths of files that are neither reports nor their siblings
        self.summaries = []  # (mtime, relative path, path) of drill-summary-*.json
        self.html = set()  # relative paths of drill-*.html and recovery-*.html, the reports' readable twins
        self.manifests = []  # relative paths of the drills' manifests and their signatures (evidence_manifest)

    def skip(self, path, reason):
        self.skipped.append({"path": path, "reason": reason})


# ---- reading ---------------------------------------------------------------------------------

def scan(folder):
    """Read every drill JSON report under ``folder`` (recursively; hidden entries and links skipped)."""
    result = Scan()
    pending = [folder]
    while pending:
        current = pending.pop()
        try:
            entries = sorted(os.scandir(current), key=lambda entry: entry.name)
        except OSError as error:
            result.skip(_relative(current, folder), "folder not readable: %s" % (error.strerror or error))
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue  # hidden files, and the temporary files of an index being written
            relative = _relative(entry.path, folder)
            if entry.is_dir(follow_symlinks=False):
                pending.append(entry.path)
            elif entry.is_file(follow_symlinks=False):
                _scan_file(entry, relative, result)
            elif entry.name.endswith(".json") or entry.name in INDEX_FILES:
                result.skip(relative, _not_regular(entry))
    result.drills.sort(key=lambda drill: (drill.finished_ms or 0, drill.report))
    result.recoveries.sort(key=lambda recovery: (recovery.finished_ms or 0, recovery.report))
    return result


def _not_regular(entry):
    """Why an entry that is not a regular file is never opened (a FIFO blocks a reader, a device never ends)."""
    kind = "a symbolic link" if entry.is_symlink() else "a FIFO, a device or a socket"
    return "not a regular file (%s): not opened" % kind


def read_json_file(path, max_bytes=MAX_REPORT_BYTES, max_depth=MAX_REPORT_DEPTH):
    """The JSON document in the regular file ``path``: never through a link, never a FIFO or a device, at most
    ``max_bytes`` read, at most ``max_depth`` levels. Raises ``ValueError`` with the reason (``OSError`` when unreadable)."""
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ValueError("not a regular file: not read")
        if info.st_size > max_bytes:
            raise ValueError("larger than %d MiB: not a drill report" % (max_bytes // (1024 * 1024)))
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValueError("larger than %d MiB: not a drill report" % (max_bytes // (1024 * 1024)))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("not UTF-8 text") from None
    try:
        return loads_bounded(text, max_depth, what="the file")
    except BoundExceeded as error:
        raise ValueError(str(error)) from None
    except ValueError as error:  # json.JSONDecodeError, also for a half-written file
        raise ValueError("not valid JSON (half-written?): %s" % error) from None


def _relative(path, folder):
    return os.path.relpath(path, folder).replace(os.sep, "/")


def _scan_file(entry, relative, result):
    name = entry.name
    if name.endswith(MANIFEST_SUFFIX) or name.endswith(SIGNATURE_SUFFIX):
        result.manifests.append(relative)  # verified by drill_evidence_integrity, not read as reports
        return
    if _SUMMARY.match(name):
        try:
            result.summaries.append((entry.stat().st_mtime, relative, entry.path))
        except OSError:
            pass
        return
    if name.startswith(("drill-", "recovery-")) and name.endswith(".html"):
        result.html.add(relative)
    if not name.endswith(".json") or name in INDEX_FILES:
        if not _KNOWN_SIBLINGS.match(name):
            result.unknown.append(relative)
        return
    drill, reason = read_report(entry.path, relative)
    if drill is None:
        result.skip(relative, reason)
    elif isinstance(drill, Recovery):
        result.recoveries.append(drill)
    else:
        result.drills.append(drill)


def read_report(path, relative):
    """(Drill, None) for a readable drill report, (Recovery, None) for a recovery report, else (None, why it
    was set aside)."""
    try:
        mtime_ms = int(os.lstat(path).st_mtime * 1000)
        document = read_json_file(path)
    except OSError as error:
        return None, "not readable: %s" % (error.strerror or error)
    except ValueError as error:
        return None, str(error)
    if isinstance(document, dict) and document.get("kind") == RECOVERY_KIND:
        return _read_recovery(document, relative, mtime_ms)
    if not _looks_like_report(document):
        return None, "JSON, but not a drill report"
    try:
        drill = extract(document, relative, mtime_ms)
    except (TypeError, ValueError, OverflowError) as error:  # a field of a shape no report has
        return None, "a drill report with a field the index cannot read (%s)" % type(error).__name__
    if not drill.cluster_id:
        return None, "drill report without a source cluster id"
    return drill, None


def _looks_like_report(document):
    return isinstance(document, dict) and isinstance(document.get("source"), dict) and "status" in document \
        and ("checks" in document or "figures" in document)


def extract(report, relative, mtime_ms=None):
    """The fields of one report the index needs, whatever its format_version."""
    version = report.get("format_version", 0)
    source = _dict(report.get("source"))
    listed = [check for check in _list(report.get("checks")) if isinstance(check, dict)]
    # A check id is text; any other value (a list, a mapping) names no check the index knows.
    listed = [check for check in listed if isinstance(check.get("id"), str)]
    checks = {check.get("id"): _dict(check.get("figures")) for check in listed}
    # A figure the drill could not measure for its application (a Redis RPO) reads as such, not as unknown.
    not_applicable = sorted({check.get("id") for check in listed if check.get("status") == NOT_APPLICABLE} & {"rto", "rpo"})
    figures = _dict(report.get("figures"))
    settings = _dict(report.get("settings"))
    finished_ms, basis = _finished_ms(report, mtime_ms)
    return Drill(
        cluster_id=_text(source.get("id")).lower() or None,
        name=_text(source.get("name")) or None,
        application=_text(report.get("application") or source.get("application")).lower() or DEFAULT_APPLICATION,
        api_version=_text(report.get("api_version") or source.get("api_version")).lower() or DEFAULT_API_VERSION,
        run_id=_text(report.get("run_id")),
        status=_text(report.get("status")).lower() or "unknown",
        finished_ms=finished_ms,
        finished_basis=basis,
        # format_version 0 had no "figures": the checks carried the seconds.
        rto_seconds=_number(figures.get("rto_seconds", _dict(checks.get("rto")).get("seconds"))),
        rpo_seconds=_number(figures.get("rpo_seconds", _dict(checks.get("rpo")).get("seconds"))),
        # The drill's start minus the newest canary found restored (reports with the data checks); None before them.
        proven_rpo_seconds=_number(figures.get("proven_rpo_seconds")),
        rto_target_seconds=_target(checks.get("rto"), settings.get("rto_target")),
        rpo_target_seconds=_target(checks.get("rpo"), settings.get("rpo_target")),
        report=relative,
        format_version=version if isinstance(version, int) and not isinstance(version, bool) else None,
        not_applicable=not_applicable,
    )


def _read_recovery(document, relative, mtime_ms):
    if not isinstance(document.get("source"), dict):
        return None, "a recovery report without its source"
    try:
        recovery = extract_recovery(document, relative, mtime_ms)
    except (TypeError, ValueError, OverflowError) as error:
        return None, "a recovery report with a field the index cannot read (%s)" % type(error).__name__
    if not recovery.cluster_id:
        return None, "recovery report without a source cluster id"
    return recovery, None


def extract_recovery(report, relative, mtime_ms=None):
    """The fields of one recovery report the index shows."""
    version = report.get("format_version", 0)
    source = _dict(report.get("source"))
    restored = _dict(report.get("restored"))
    plan = _dict(report.get("plan"))
    request = _dict(plan.get("request"))
    loss = _dict(report.get("data_loss") or plan.get("data_loss"))
    checks = [{"id": _text(check.get("id"))[:80], "status": _text(check.get("status")).lower()[:40] or "unknown"}
              for check in _list(report.get("checks")) if isinstance(check, dict) and isinstance(check.get("id"), str)]
    point = _moment(plan.get("point_in_time_ms")) or _moment(plan.get("point_in_time"))
    return Recovery(
        cluster_id=_text(source.get("id") or request.get("cluster_id")).lower() or None,
        name=_text(source.get("name")) or None,
        application=_text(report.get("application") or source.get("application")).lower() or DEFAULT_APPLICATION,
        api_version=_text(report.get("api_version")).lower() or DEFAULT_API_VERSION,
        run_id=_text(report.get("run_id")),
        status=_text(report.get("status")).lower() or "unknown",
        finished_ms=_recovery_finished_ms(report, mtime_ms),
        restored_id=_text(restored.get("id")).lower() or None,
        restored_name=_text(restored.get("name") or request.get("name")) or None,
        point_in_time=iso_utc(point),
        point_in_time_basis=_text(plan.get("point_in_time_basis")) or None,
        data_loss_seconds=_number(loss.get("seconds")),
        data_loss_from=iso_utc(_moment(loss.get("from_ms")) or _moment(loss.get("from"))),
        data_loss_until=iso_utc(_moment(loss.get("until_ms")) or _moment(loss.get("until"))),
        time_to_recover_seconds=_number(_dict(report.get("time_to_recover")).get("seconds")),
        checks=checks,
        check_mode=report.get("check_mode") is True,
        report=relative,
        format_version=version if isinstance(version, int) and not isinstance(version, bool) else None,
    )


def _recovery_finished_ms(report, mtime_ms):
    """When the recovery's report was written (its report step, controller time), else when the restored
    cluster was RUNNING, else its reference time, else the file's modification time."""
    for step in _list(report.get("steps")):
        if isinstance(step, dict) and step.get("name") == "report":
            moment = _moment(step.get("controller_started_at"))
            if moment is not None:
                return moment
    return _moment(_dict(report.get("restore")).get("running_at")) or _moment(report.get("reference_time_ms")) \
        or _moment(report.get("reference_time")) or mtime_ms


def _finished_ms(report, mtime_ms):
    """When the drill ended: its report phase began (controller time), else the latest phase
    time, else its reference time, else the file's modification time."""
    phases = [phase for phase in _list(report.get("phases")) if isinstance(phase, dict)]
    for phase in phases:
        if phase.get("name") == "report":
            moment = _moment(phase.get("controller_started_at"))
            if moment is not None:
                return moment, "report"
    moments = [_moment(phase.get(key)) for phase in phases for key in ("controller_started_at", "server_ended_at")]
    moments = [moment for moment in moments if moment is not None]
    if moments:
        return max(moments), "phases"
    reference = _moment(report.get("reference_time_ms")) or _moment(report.get("reference_time"))
    if reference is not None:
        return reference, "reference_time"
    return mtime_ms, "file_time"


def _moment(value):
    if value in (None, "") or isinstance(value, (bool, dict, list)):
        return None
    try:
        moment = parse_point_in_time(value, "finished_at")
    except (OptionError, TypeError, ValueError, OverflowError):
        return None
    return moment if EARLIEST_MS <= moment <= LATEST_MS else None  # 1e20 ms is no drill's time


def _target(check_figures, setting):
    target = _number(_dict(check_figures).get("target_seconds"))
    if target is not None or setting in (None, ""):
        return target
    try:
        return _number(parse_duration(setting, "target"))
    except (OptionError, TypeError, ValueError, OverflowError):
        return None


def _dict(value):
    return value if isinstance(value, dict) else {}


def _list(value):
    return value if isinstance(value, list) else []


def _text(value):
    return "" if value is None or isinstance(value, (dict, list)) else str(value).strip()


def _number(value):
    """A figure in seconds, or None: not a number, not finite, or beyond any drill's (1e308 s is no RTO)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return value if abs(value) <= MAX_SECONDS else None


# ---- the latest run ----------------------------------------------------------------------------

def latest_summary_reports(summaries):
    """Report file names (basenames) of the newest drill-summary-*.json, or None without one."""
    for _mtime, _relative_path, path in sorted(summaries, reverse=True):
        try:
            summary = read_json_file(path)
        except (OSError, ValueError):
            continue
        names = set()
        for row in _list(_dict(summary).get("drills")):
            report = _dict(_dict(row).get("files")).get("json")
            if report:
                names.add(os.path.basename(str(report)))
        return names
    return None


# ---- the model -------------------------------------------------------------------------------

def duration_option(value, option, default=None):
    """(label, seconds) of a duration option; (None, None) when unset. Raises OptionError."""
    if value in (None, ""):
        value = default
    if value in (None, ""):
        return None, None
    return str(value), parse_duration(value, option)


def build_model(found, now_ms, window="90d", max_age=None, latest_run_ids=None):
    """The evidence model (the evidence.json document) from a ``Scan``.

    ``latest_run_ids``: the run ids of the latest run; None infers the latest run from the newest
    drill summary in the folder (a cluster is in it when one of its reports is listed there); when
    neither is known, ``in_latest_run`` is None for every cluster.
    """
    window_label, window_seconds = duration_option(window, "window", "90d")
    max_age_label, max_age_seconds = duration_option(max_age, "max_age")
    latest_ids = {str(run_id).lower() for run_id in latest_run_ids or () if run_id not in (None, "")} or None
    latest_names = None if latest_ids else latest_summary_reports(found.summaries)

    drills, duplicates = _unique(found.drills)
    recoveries, recovery_duplicates = _unique(found.recoveries)
    duplicates += recovery_duplicates
    for drill in drills + recoveries:
        twin = drill.report[:-len(".json")] + ".html"
        drill.report_html = twin if twin in found.html else None
    by_cluster = {}
    for drill in drills:
        by_cluster.setdefault(drill.cluster_id, []).append(drill)
    window_start = now_ms - int(window_seconds * 1000)
    clusters = [_cluster(cluster_id, history, now_ms, window_start, max_age_seconds, latest_ids, latest_names)
                for cluster_id, history in by_cluster.items()]
    clusters.sort(key=lambda cluster: ((cluster["name"] or "").lower(), cluster["cluster_id"]))
    stale = [cluster for cluster in clusters if cluster["stale"]]
    # Recoveries are listed apart, newest first; none of them counts as a drill anywhere above.
    recent = [recovery for recovery in recoveries if recovery.finished_ms is not None and recovery.finished_ms >= window_start]
    return {
        "format_version": FORMAT_VERSION,
        "generated_at": iso_utc(now_ms),
        "window": window_label,
        "window_seconds": window_seconds,
        "max_age": max_age_label,
        "max_age_seconds": max_age_seconds,
        "status": "stale" if stale else "fresh",
        "counts": {"clusters": len(clusters), "stale": len(stale), "reports": len(drills),
                   "skipped": len(found.skipped), "duplicates": len(duplicates), "unknown_files": len(found.unknown),
                   "not_in_latest_run": sum(1 for cluster in clusters if cluster["in_latest_run"] is False),
                   "recoveries": len(recent), "recoveries_all_time": len(recoveries)},
        "clusters": clusters,
        "recoveries": [recovery.record() for recovery in reversed(recent)],
        "skipped": found.skipped,
        "duplicates": duplicates,
        "unknown_files": found.unknown,
    }


def _unique(drills):
    """The drills with one per (cluster, run id): the latest finished copy is kept."""
    kept, duplicates = {}, []
    for drill in drills:  # oldest first, so a later copy replaces an earlier one
        key = (drill.cluster_id, drill.run_id) if drill.run_id else (drill.cluster_id, drill.report)
        earlier = kept.get(key)
        if earlier is not None:
            duplicates.append({"path": earlier.report, "kept": drill.report, "cluster_id": drill.cluster_id,
                               "run_id": drill.run_id})
        kept[key] = drill
    return sorted(kept.values(), key=lambda drill: (drill.finished_ms or 0, drill.report)), duplicates


def _cluster(cluster_id, history, now_ms, window_start, max_age_seconds, latest_ids, latest_names):
    """One source cluster: ``history`` is every drill of it, oldest first."""
    last = history[-1]
    named = [drill for drill in history if drill.name]
    passing = [drill for drill in history if drill.status == PASSED]
    last_pass = passing[-1] if passing else None
    in_window = [drill for drill in history if drill.finished_ms is not None and drill.finished_ms >= window_start]
    decided = [drill for drill in in_window if drill.status in (PASSED, FAILED)]
    passed = sum(1 for drill in decided if drill.status == PASSED)
    age = None if last_pass is None or last_pass.finished_ms is None else max(0.0, (now_ms - last_pass.finished_ms) / 1000.0)
    stale, reason = False, None
    if max_age_seconds is not None:
        if last_pass is None:
            stale, reason = True, "never passed"
        elif age is None or age > max_age_seconds:
            stale, reason = True, "last passed %s" % iso_utc(last_pass.finished_ms)
    if latest_ids is not None:
        in_latest = any(drill.run_id.lower() in latest_ids for drill in history)
    elif latest_names is not None:
        in_latest = any(os.path.basename(drill.report) in latest_names for drill in history)
    else:
        in_latest = None
    targets = [drill for drill in history if drill.rto_target_seconds is not None or drill.rpo_target_seconds is not None]
    return {
        "cluster_id": cluster_id,
        "name": named[-1].name if named else None,
        "application": last.application,
        "api_version": last.api_version,
        "last_drill": last.record(),
        "last_passing_at": iso_utc(last_pass.finished_ms) if last_pass else None,
        "last_passing_report": last_pass.report if last_pass else None,
        "last_passing_age_seconds": None if age is None else round(age, 3),
        "stale": stale,
        "stale_reason": reason,
        "in_latest_run": in_latest,
        "pass_rate": round(passed / len(decided), 4) if decided else None,
        "counts": {"passed": passed, "failed": len(decided) - passed, "other": len(in_window) - len(decided),
                   "all_time": len(history)},
        "rto_target_seconds": targets[-1].rto_target_seconds if targets else None,
        "rpo_target_seconds": targets[-1].rpo_target_seconds if targets else None,
        "format_versions": sorted({drill.format_version for drill in history if drill.format_version is not None}),
        "drills": [drill.record() for drill in in_window],
    }


def stale_clusters(model):
    """The clusters the freshness gate names: id, name, reason."""
    return [{"cluster_id": cluster["cluster_id"], "name": cluster["name"], "last_passing_at": cluster["last_passing_at"],
             "reason": cluster["stale_reason"]} for cluster in model["clusters"] if cluster["stale"]]


def gate_message(model, allow_empty=False, folder=None):
    """The failure message of the freshness gate, or None when every cluster is fresh (or no gate).

    A folder with no drill report at all proves nothing: the gate fails on it unless ``allow_empty`` (a first run)."""
    if model.get("max_age") and not model["counts"]["reports"] and not allow_empty:
        return ("no drill report in %s: the freshness gate (max_age %s) has no evidence to pass on; a scheduled check "
                "that finds nothing must not pass (for a first run, set backup_restore_drill_evidence_allow_empty: true, "
                "the drill_evidence option allow_empty)" % (folder or "the report folder", model["max_age"]))
    stale = stale_clusters(model)
    if not stale:
        return None
    return "%d of %d clusters have no passing drill within %s: %s" % (
        len(stale), len(model["clusters"]), model["max_age"],
        "; ".join("%s (%s): %s" % (entry["name"] or "unnamed", entry["cluster_id"], entry["reason"]) for entry in stale))
