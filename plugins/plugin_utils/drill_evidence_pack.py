# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The evidence pack: one ``.tar.gz`` of the window for an auditor, and its ``controls.md``.

Controller-side only. ``write`` gathers the index (HTML, Markdown, JSON), every drill and
recovery report of the window with every file its manifest lists, the manifests and signatures, the trusted public keys
(``keys/<key id>.pem``) and ``controls.md``, and hands them to ``evidence_manifest.write_pack``
(atomic; no symlink followed). ``controls_markdown`` maps what the evidence shows to the controls
it serves, computed from the evidence model and the reports, never written by hand per run.
"""

from __future__ import annotations

import json
import os

from ansible_collections.restorekit.instaclustr.plugins.module_utils._clock import iso_utc, parse_point_in_time
from ansible_collections.restorekit.instaclustr.plugins.module_utils._errors import OptionError
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils import evidence_manifest
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.drill_evidence import INDEX_FILES
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.drill_values import human_seconds

CONTROLS = "controls.md"
# Each control reference, what it asks in our own words, and which facts of the pack serve it.
REFERENCES = (
    ("SOC 2, Trust Services Criteria A1.2 (availability)",
     "backup processes and recovery infrastructure are operated and monitored to meet the entity's objectives",
     ("backups", "schedule", "freshness", "recoveries")),
    ("SOC 2, Trust Services Criteria A1.3 (availability)",
     "the procedures of the recovery plan are tested",
     ("schedule", "restores", "targets", "failures")),
    ("ISO/IEC 27001:2022, Annex A 8.13 Information backup",
     "backup copies are kept and tested regularly, as the backup policy says",
     ("backups", "restores", "data", "schedule")),
    ("ISO/IEC 27001:2022, Annex A 5.30 ICT readiness for business continuity",
     "ICT readiness is planned, implemented, maintained and tested against the continuity objectives",
     ("targets", "schedule", "failures", "freshness", "recoveries")),
    ("DORA, Regulation (EU) 2022/2554, Article 11 (response and recovery)",
     "ICT response and recovery plans exist and are tested",
     ("schedule", "targets", "failures", "freshness", "recoveries")),
    ("DORA, Regulation (EU) 2022/2554, Article 12 (backup policies and procedures, restoration and recovery "
     "procedures and methods)",
     "backups are taken and restoring from them is tested",
     ("backups", "restores", "data", "targets", "recoveries")),
)


def write(folder, model, pack_path, trusted_key_paths=()):
    """Write the pack of ``model`` (built from ``folder``, its index already written) to ``pack_path``; its path."""
    members, reports = [], {}
    for name in INDEX_FILES:
        members.append((name, evidence_manifest.read_regular(os.path.join(folder, name))))
    for relative in _window_files(folder, model):
        data = evidence_manifest.read_regular(os.path.join(folder, *relative.split("/")))
        members.append((relative, data))
        if relative.endswith(".json") and not relative.endswith(evidence_manifest.MANIFEST_SUFFIX):
            reports[relative] = data
    for key_id, key in sorted(evidence_manifest.load_trusted_keys(trusted_key_paths).items()):
        members.append(("keys/%s.pem" % key_id, evidence_manifest.public_pem(key)))
    members.append((CONTROLS, controls_markdown(model, reports).encode("utf-8")))
    evidence_manifest.write_pack(pack_path, members)
    return pack_path


def _window_files(folder, model):
    """Relative paths of every report of the window, its readable twins, its manifest, its
    signature and every file the manifest lists; regular files only (no symlink)."""
    chosen = []
    records = [drill for cluster in model["clusters"] for drill in cluster["drills"]] + list(model.get("recoveries") or [])
    for record in records:
        stem = record["report"][:-len(".json")]
        names = [record["report"], record["report_html"], stem + ".md", stem + ".junit.xml",
                 stem + evidence_manifest.MANIFEST_SUFFIX, stem + evidence_manifest.SIGNATURE_SUFFIX]
        try:
            manifest = evidence_manifest.read_regular(os.path.join(folder, *(stem + evidence_manifest.MANIFEST_SUFFIX).split("/")),
                                                      evidence_manifest.MAX_MANIFEST_BYTES)
        except evidence_manifest.EvidenceError:
            manifest = None
        document, _reason = evidence_manifest.read_manifest(manifest) if manifest else (None, None)
        if document:
            folder_part = stem.rsplit("/", 1)[0] + "/" if "/" in stem else ""
            names += [folder_part + name for name in document["files"]]
        for name in names:
            if name and name not in chosen and _regular(os.path.join(folder, *name.split("/"))):
                chosen.append(name)
    return chosen


def _regular(path):
    try:
        return os.path.isfile(path) and not os.path.islink(path)
    except OSError:
        return False


# ---- controls.md -----------------------------------------------------------------------------------

def _report(data):
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return {}
    return document if isinstance(document, dict) else {}


def _check_status(report, check_id):
    for check in report.get("checks") if isinstance(report.get("checks"), list) else ():
        if isinstance(check, dict) and check.get("id") == check_id:
            return check.get("status")
    return None


def _ms(iso):
    try:
        return parse_point_in_time(iso, "finished_at") if iso else None
    except OptionError:
        return None


def facts(model, reports):
    """What the pack shows, per kind of fact (``schedule``, ``restores``, ...): a list of sentences each."""
    drills = [(cluster, drill) for cluster in model["clusters"] for drill in cluster["drills"]]
    decided = [drill for _cluster, drill in drills if drill["status"] in ("passed", "failed")]
    result = {kind: [] for kind in ("schedule", "restores", "targets", "data", "backups", "failures", "freshness", "recoveries")}
    result["schedule"].append("%d drills of %d source clusters in the window of %s (%d passed, %d failed, %d other)." % (
        len(drills), len(model["clusters"]), model["window"], sum(1 for d in decided if d["status"] == "passed"),
        sum(1 for d in decided if d["status"] == "failed"), len(drills) - len(decided)))
    for cluster in model["clusters"]:
        times = [_ms(drill["finished_at"]) for drill in cluster["drills"]]
        times = sorted(moment for moment in times if moment is not None)
        if len(times) > 1:
            gap = (times[-1] - times[0]) / 1000.0 / (len(times) - 1)
            every = "%.1f days" % (gap / 86400.0) if gap >= 2 * 86400 else human_seconds(gap)
            result["schedule"].append("%s: %d drills, one every %s on average." % (_name(cluster), len(times), every))
        else:
            result["schedule"].append("%s: %d drill in the window." % (_name(cluster), len(times)))
    documents = {drill["report"]: _report(reports.get(drill["report"], b"")) for _cluster, drill in drills}
    restored = [drill for _cluster, drill in drills if _check_status(documents[drill["report"]], "restore_running") == "passed"]
    result["restores"].append("%d of %d drills restored the backups into a new cluster that reached RUNNING "
                              "(check restore_running passed)." % (len(restored), len(drills)))
    for kind in ("rto", "rpo"):
        measured = [d for _c, d in drills if d["%s_seconds" % kind] is not None]
        targeted = [d for d in measured if d["%s_target_seconds" % kind] is not None]
        met = [d for d in targeted if d["%s_seconds" % kind] <= d["%s_target_seconds" % kind]]
        result["targets"].append("%s measured in %d of %d drills; %d had a target, %d met it." % (
            kind.upper(), len(measured), len(drills), len(targeted), len(met)))
    data_runs = {}
    backups = {}
    for _cluster, drill in drills:
        report = documents[drill["report"]]
        status = _check_status(report, "user_checks")
        data_runs[status] = data_runs.get(status, 0) + 1
        for check_id in ("backups_available", "backup_fresh", "backup_completed"):
            if _check_status(report, check_id) == "passed":
                backups[check_id] = backups.get(check_id, 0) + 1
    result["data"].append("The user's data checks on the restored cluster ran and passed in %d drills, failed in %d, "
                          "did not run or could not be verified in %d." % (
                              data_runs.get("passed", 0), data_runs.get("failed", 0),
                              len(drills) - data_runs.get("passed", 0) - data_runs.get("failed", 0)))
    result["backups"].append("Backups covering every node were found before %d drills, recent enough in %d; the drill's "
                             "own backup completed in %d." % (
                                 backups.get("backups_available", 0), backups.get("backup_fresh", 0), backups.get("backup_completed", 0)))
    for cluster in model["clusters"]:
        history = cluster["drills"]
        for index, drill in enumerate(history):
            if drill["status"] != "failed":
                continue
            later = history[index + 1:]
            follow = next((d for d in later if d["status"] == "passed"), None)
            result["failures"].append("%s: drill %s failed on %s; %s." % (
                _name(cluster), drill["run_id"], drill["finished_at"],
                "followed by the passing drill %s on %s" % (follow["run_id"], follow["finished_at"]) if follow
                else "no passing drill after it in the window"))
    if not result["failures"]:
        result["failures"].append("No drill failed in the window.")
    if model["max_age"]:
        stale = [cluster for cluster in model["clusters"] if cluster["stale"]]
        result["freshness"].append("Freshness limit %s: %d of %d clusters passed a drill within it%s." % (
            model["max_age"], len(model["clusters"]) - len(stale), len(model["clusters"]),
            "; not: " + ", ".join(_name(cluster) for cluster in stale) if stale else ""))
    else:
        result["freshness"].append("No freshness limit was set for this pack.")
    for cluster in model["clusters"]:
        result["freshness"].append("%s: last passing drill %s." % (_name(cluster), cluster["last_passing_at"] or "never"))
    result["recoveries"] = recovery_facts(model)
    return result


def recovery_facts(model):
    """What the pack's recovery reports show: recoveries executed and recorded (dr_recover), none counted as a drill."""
    recoveries = model.get("recoveries") or []
    if not recoveries:
        return ["No recovery (dr_recover) was recorded in the window."]
    done = [recovery for recovery in recoveries if recovery["status"] == "recovered"]
    intact = [recovery for recovery in recoveries if (recovery.get("evidence") or {}).get("status") == "intact"]
    lines = ["%d recoveries recorded in the window (%d recovered, %d with another outcome: failed, planned or not confirmed); "
             "%d of their reports verified against their manifests." % (len(recoveries), len(done), len(recoveries) - len(done), len(intact))]
    for recovery in recoveries:
        source, restored = recovery["source"], recovery["restored"]
        lines.append("%s (%s) on %s: %s into %s (%s), point in time %s, data-loss window %s, time to recover %s." % (
            source["name"] or "unnamed", source["id"], recovery["finished_at"] or "an unknown date", recovery["status"],
            restored["name"] or "no cluster", restored["id"] or "-", recovery["point_in_time"] or "latest state",
            human_seconds(recovery["data_loss_seconds"]), human_seconds(recovery["time_to_recover_seconds"])))
    return lines


def _name(cluster):
    return "%s (%s)" % (cluster["name"] or "unnamed", cluster["cluster_id"])


def controls_markdown(model, reports):
    """``controls.md``: for each control reference, what the pack holds that serves it."""
    found = facts(model, reports)
    integrity = model.get("integrity") or {}
    lines = ["# Drill evidence and the controls it serves", "",
             "Generated %s from the evidence in this pack (window %s, ending then). Every figure below is computed from "
             "the reports in the pack; `evidence.json` and the reports hold the details." % (model["generated_at"], model["window"]),
             "",
             "Integrity: %s; %d manifests, %d reports verified against them, %d older reports unverified, %d problems. "
             "Trusted signing keys: %s. Verify this pack with `python evidence_manifest.py verify-pack <pack> --trust <key id>` "
             "(docs/evidence.md)." % (
                 integrity.get("status", "not checked"), integrity.get("counts", {}).get("manifests", 0),
                 integrity.get("counts", {}).get("verified_reports", 0), integrity.get("counts", {}).get("unverified_reports", 0),
                 integrity.get("counts", {}).get("problems", 0), ", ".join(integrity.get("trusted_keys") or []) or "none"),
             "",
             "The mapping says which records bear on which control; whether they satisfy it is the auditor's judgement.", ""]
    titles = {"schedule": "Scheduled drills and their frequency", "restores": "Restores tested",
              "targets": "RTO and RPO measured against their targets", "data": "Data proven by the data checks",
              "backups": "Backups present and fresh", "failures": "Failures and their follow-up drills",
              "freshness": "Freshness", "recoveries": "Recoveries executed and recorded"}
    for reference, asks, kinds in REFERENCES:
        lines += ["## %s" % reference, "", "What it asks, in short: %s." % asks, ""]
        for kind in kinds:
            lines.append("- **%s**: %s" % (titles[kind], " ".join(found[kind])))
        lines.append("")
    lines += ["Generated at %s (controller clock, UTC)." % iso_utc(_ms(model["generated_at"]))]
    return "\n".join(lines) + "\n"
