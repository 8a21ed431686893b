# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Judging restored data: canaries against the instant the restored data is as of, the restored catalogue
against the source's, and the proven restore point.

Pure functions over the data-plane modules' results (``cluster_canary``, ``cluster_canary_info``,
``cluster_data_info``) and plain numbers: no drill report, no role variable, so that anything that
restores (the drill, a recovery) judges its data the same way. Each judgement returns
``{"status", "details", "figures"}`` with a status of ``drill_constants``; the caller gives it its id.

How a canary is judged: its bracket (``written_after_ms``, ``written_before_ms``, API server time) against
the instant the restored data is as of (``as_of_instant``, by the application's model in
``module_utils._data_plane.DATA_PLANE``), with ``MARGIN_MS`` for clock resolution either side:

- written wholly before the as-of instant (``written_before + margin <= as_of``): must be present;
- written wholly after the point in time (``written_after >= point + margin``): must be absent;
- anything else: indeterminate, and the judgement says so.
"""

from __future__ import annotations

import fnmatch

from ansible_collections.restorekit.instaclustr.plugins.module_utils._clock import iso_utc
from ansible_collections.restorekit.instaclustr.plugins.module_utils._data_plane import (
    CANARY_HOME_NAME,
    CANARY_TABLE,
    DATA_PLANE,
    OPENSEARCH_CANARY_INDEX,
)
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.drill_constants import FAILED, NOT_VERIFIABLE, PASSED

# The margin either side of an instant inside which a canary is indeterminate: the API's Date header
# counts whole seconds (already in written_before), and the data store's clock may differ from the API's.
MARGIN_MS = 1000

MUST_BE_PRESENT = "must_be_present"
MUST_BE_ABSENT = "must_be_absent"
INDETERMINATE = "indeterminate"

# The canary's own home, per catalogue kind: the restore of a selection includes it, the catalogue check leaves it out.
CANARY_TABLE_NAME = "%s.%s" % (CANARY_HOME_NAME, CANARY_TABLE)
CANARY_INDEX = OPENSEARCH_CANARY_INDEX

MODEL_SENTENCES = {
    "point_in_time": "the point in time restored",
    "snapshot_start": "the start of the newest snapshot of the cluster completed by the point in time",
    "backup_end": "the end of the newest backup of the cluster completed by the point in time",
    "schedule": "the newest scheduled backup before the restore request, at most the maximum backup age old",
}


def result(status, details, **figures):
    return {"status": status, "details": details, "figures": {key: value for key, value in figures.items() if value is not None}}


def _ms(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return int(value)


def restored_as_of_model(application):
    """The application's model of the instant restored data is as of (``point_in_time``, ``snapshot_start``,
    ``backup_end`` or ``schedule``)."""
    return DATA_PLANE[str(application).lower()].restored_as_of


def as_of_instant(model, point_ms=None, snapshots=None, requested_ms=None, max_age_seconds=None):
    """The earliest instant the restored data may be as of, by the application's model.

    ``snapshots``: per node, the completed backups as ``[start_ms, end_ms]`` pairs (the drill's own included);
    ``requested_ms``: when the restore was requested (the ``schedule`` model); ``max_age_seconds``: how old the
    newest scheduled backup may be then. Returns ``{"as_of_ms", "as_of", "point_ms", "point", "model",
    "basis", "why"}``; ``as_of_ms`` None (and ``why``) when it cannot be told.
    """
    answer = {"model": model, "point_ms": _ms(point_ms), "point": iso_utc(_ms(point_ms)), "as_of_ms": None,
              "basis": MODEL_SENTENCES.get(model, model), "why": None}
    if model == "point_in_time":
        if answer["point_ms"] is None:
            answer["why"] = "the restore had no point in time"
        answer["as_of_ms"] = answer["point_ms"]
    elif model in ("snapshot_start", "backup_end"):
        if answer["point_ms"] is None:
            answer["why"] = "the restore had no point in time"
        else:
            # A PostgreSQL or OpenSearch backup is one backup of the whole cluster that the API lists per node:
            # the restore takes the newest one completed by the point in time, whichever node's listing shows it.
            done = [(int(start), int(end)) for node in snapshots or [] for start, end in node
                    if _ms(start) is not None and _ms(end) is not None and int(end) <= answer["point_ms"]]
            if done:
                start, end = max(done, key=lambda pair: (pair[1], pair[0]))
                answer["as_of_ms"] = start if model == "snapshot_start" else end
            else:
                answer["why"] = "no backup of the source completed by the point in time is known"
    elif model == "schedule":
        if _ms(requested_ms) is None or max_age_seconds is None:
            answer["why"] = "the restore request's time or the maximum backup age is unknown"
        else:
            answer["as_of_ms"] = int(requested_ms) - int(float(max_age_seconds) * 1000)
            answer["basis"] = ("the restore request minus the maximum age of a scheduled backup (%s): a backup that old "
                               "or newer holds everything written before it" % iso_utc(answer["as_of_ms"]))
    else:
        answer["why"] = "unknown model %r" % (model,)
    answer["as_of"] = iso_utc(answer["as_of_ms"])
    return answer


def judge_canary(canary, as_of_ms, point_ms=None, margin_ms=MARGIN_MS):
    """``must_be_present``, ``must_be_absent`` or ``indeterminate`` for one canary (its bracket)."""
    after, before = _ms((canary or {}).get("written_after_ms")), _ms((canary or {}).get("written_before_ms"))
    if before is not None and as_of_ms is not None and before + margin_ms <= as_of_ms:
        return MUST_BE_PRESENT
    if after is not None and point_ms is not None and after >= point_ms + margin_ms:
        return MUST_BE_ABSENT
    return INDETERMINATE


def _name(canary):
    return "%s (written %s..%s%s)" % (canary.get("id"), canary.get("written_after"), canary.get("written_before") or "?",
                                      ", run %s" % canary["run_id"] if canary.get("run_id") else "")


def _merge(*groups):
    """Canaries by id, the first seen of each id kept, sorted by written_after_ms."""
    merged = {}
    for group in groups:
        for canary in group or []:
            if isinstance(canary, dict) and canary.get("id") and canary["id"] not in merged:
                merged[canary["id"]] = canary
    return sorted(merged.values(), key=lambda item: (_ms(item.get("written_after_ms")) or 0, str(item.get("id"))))


def canary_restored(expected, restored, as_of, margin_ms=MARGIN_MS):
    """Every canary known before the restore (``expected``: the source's at the start and those written since)
    that was written wholly before the as-of instant is in the restored data (``restored``)."""
    as_of = as_of or {}
    expected = _merge(expected)
    if as_of.get("as_of_ms") is None:
        return result(NOT_VERIFIABLE, "When the restored data is as of cannot be told (%s), so no canary can be required."
                      % (as_of.get("why") or "unknown"), expected=len(expected))
    present_ids = {canary.get("id") for canary in restored or [] if isinstance(canary, dict)}
    required = [c for c in expected if judge_canary(c, as_of["as_of_ms"], as_of.get("point_ms"), margin_ms) == MUST_BE_PRESENT]
    undecided = [c for c in expected if judge_canary(c, as_of["as_of_ms"], as_of.get("point_ms"), margin_ms) == INDETERMINATE]
    figures = dict(as_of=as_of.get("as_of"), margin_seconds=margin_ms / 1000.0, required=[c["id"] for c in required],
                   indeterminate=[c["id"] for c in undecided] or None)
    if not required:
        why = ("no canary known to the drill was written more than %s s before %s, %s" % (
            margin_ms / 1000.0, as_of.get("as_of"), as_of.get("basis")))
        if undecided:
            why += "; %d canar%s inside the margin (indeterminate): %s" % (
                len(undecided), "y is" if len(undecided) == 1 else "ies are", ", ".join(_name(c) for c in undecided))
        return result(NOT_VERIFIABLE, "No canary must be present: %s." % why, **figures)
    missing = [c for c in required if c.get("id") not in present_ids]
    if missing:
        return result(FAILED, "Missing from the restored data though written before %s (%s): %s." % (
            as_of.get("as_of"), as_of.get("basis"), ", ".join(_name(c) for c in missing)), missing=[c["id"] for c in missing], **figures)
    details = "All %d canar%s written before %s (%s) %s present, the newest %s." % (
        len(required), "y" if len(required) == 1 else "ies", as_of.get("as_of"), as_of.get("basis"),
        "is" if len(required) == 1 else "are", _name(required[-1]))
    if undecided:
        details += " Indeterminate (inside the %s s margin): %s." % (margin_ms / 1000.0, ", ".join(_name(c) for c in undecided))
    return result(PASSED, details, **figures)


def point_in_time_honoured(restored, as_of, margin_ms=MARGIN_MS):
    """No canary in the restored data was written wholly after the point in time (each canary carries its bracket)."""
    as_of = as_of or {}
    point = as_of.get("point_ms")
    restored = _merge(restored)
    if point is None:
        return result(NOT_VERIFIABLE, "The restore had no point in time to hold the canaries against.", canaries=len(restored))
    late = [c for c in restored if judge_canary(c, None, point, margin_ms) == MUST_BE_ABSENT]
    figures = dict(point_in_time=as_of.get("point"), margin_seconds=margin_ms / 1000.0, canaries=len(restored))
    if late:
        newest = late[-1]
        return result(FAILED, "The restored data holds %d canar%s written after the point in time %s, the newest %s: the data "
                      "is from a later moment." % (len(late), "y" if len(late) == 1 else "ies", as_of.get("point"), _name(newest)),
                      offending=[c["id"] for c in late], **figures)
    if not restored:
        return result(NOT_VERIFIABLE, "The restored data holds no canary, so none can show the data's moment.", **figures)
    return result(PASSED, "None of the %d restored canar%s was written after the point in time %s (margin %s s)." % (
        len(restored), "y" if len(restored) == 1 else "ies", as_of.get("point"), margin_ms / 1000.0), **figures)


def is_canary_home(entry):
    """Whether a catalogue entry is the canaries' own home (its keyspace, schema, table or index)."""
    parts = str((entry or {}).get("name") or "").split(".")
    return CANARY_HOME_NAME in parts or (entry or {}).get("name") == CANARY_INDEX


def _exists(entry):
    """A Redis database with no key does not exist (Redis lists a database only while it holds keys)."""
    return not (entry.get("count_kind") == "keys" and entry.get("count") == 0)


def _selected(entry, tables, indices):
    """Whether a catalogue entry is within a partial restore's selection (no selection: everything)."""
    kind, name = entry.get("kind"), str(entry.get("name"))
    if tables:
        if kind == "table":
            return name in tables
        if kind == "keyspace":
            return any(table.split(".", 1)[0] == name for table in tables)
        return True
    if indices and kind == "index":
        return any(fnmatch.fnmatchcase(name, pattern) for pattern in indices)
    return True


def _label(entry):
    return "%s %s" % (entry.get("kind"), entry.get("name"))


def catalogue(source, restored, tables=None, indices=None, may_postdate=False):
    """Every object the source held (``source``: ``cluster_data_info``'s catalogue) within the restore's selection
    exists in the restored cluster (``restored``), the canaries' home apart.

    ``may_postdate``: the restored data is as of an instant before the source's catalogue was read (scheduled
    backups), so a missing object may have been created since: listed, not failed.
    """
    tables = [str(table) for table in tables or []]
    indices = [str(index) for index in indices or []]
    wanted = [e for e in source or [] if isinstance(e, dict) and not is_canary_home(e) and _selected(e, tables, indices)]
    have = {(e.get("kind"), e.get("name")): e for e in restored or [] if isinstance(e, dict) and _exists(e)}
    missing = [e for e in wanted if (e.get("kind"), e.get("name")) not in have]
    extra = sorted(_label(e) for key, e in have.items() if not is_canary_home(e) and _selected(e, tables, indices)
                   and key not in {(w.get("kind"), w.get("name")) for w in wanted})
    counts = {"%s %s" % key: {"source": next((w.get("count") for w in wanted if (w.get("kind"), w.get("name")) == key), None),
                              "restored": e.get("count"), "count_kind": e.get("count_kind")}
              for key, e in have.items() if e.get("count") is not None and not is_canary_home(e)}
    scope = (" within the restored selection (%s)" % ", ".join(tables or indices)) if tables or indices else ""
    figures = dict(objects=len(wanted), missing=[_label(e) for e in missing] or None, not_in_source=extra or None,
                   counts=counts or None, selection=(tables or indices) or None)
    if not wanted:
        return result(NOT_VERIFIABLE, "The source held no object%s to look for (the canaries' home apart)." % scope, **figures)
    if missing and not may_postdate:
        return result(FAILED, "%d of the %d objects the source held%s are missing from the restored cluster: %s." % (
            len(missing), len(wanted), scope, ", ".join(_label(e) for e in missing)), **figures)
    if missing and len(missing) == len(wanted):
        return result(NOT_VERIFIABLE, "None of the %d objects the source held%s exists restored; each may postdate the restored "
                      "point, so none is failed: %s." % (len(wanted), scope, ", ".join(_label(e) for e in missing)), **figures)
    details = "%d of the %d objects the source held%s exist in the restored cluster." % (len(wanted) - len(missing), len(wanted), scope)
    if missing:
        details += " Missing, and possibly created after the restored point (listed, not failed): %s." % ", ".join(
            _label(e) for e in missing)
    if extra:
        details += " Restored but not in the source now: %s." % ", ".join(extra)
    return result(PASSED, details, **figures)


def proven_restore_point(restored):
    """The newest ``written_after`` among the canaries present in the restored data (ms), or None: their presence
    proves the data existed by then, nothing later."""
    instants = [_ms(c.get("written_after_ms")) for c in restored or [] if isinstance(c, dict)]
    instants = [value for value in instants if value is not None]
    return max(instants) if instants else None


def proven_rpo_seconds(reference_ms, proven_ms, own_backup):
    """The drill's start minus the proven restore point, when that point is at or before the start (a restore of
    scheduled backups); None with the drill's own backup (it protects nothing written before the drill) or when
    unknown."""
    if own_backup or reference_ms is None or proven_ms is None or proven_ms > reference_ms:
        return None
    return round((reference_ms - proven_ms) / 1000.0, 3)
