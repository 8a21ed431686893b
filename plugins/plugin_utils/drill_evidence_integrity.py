# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The evidence index's integrity: every drill's manifest verified, per cluster, and the gate's problems.

Controller-side only. ``verify_folder`` hands the manifests the scan found to
``evidence_manifest`` (the one home of manifests, chains and signatures) with the reports the
scan read; ``apply`` adds the verdict to the evidence model (``integrity``, each cluster's
``evidence`` and each recovery's), and ``gate_problems`` names every file that fails it. A
source cluster's recoveries form a chain of their own; a problem of a recovery marks that
recovery, not the cluster's drills, and fails the gate all the same.
"""

from __future__ import annotations

from ansible_collections.restorekit.instaclustr.plugins.plugin_utils import evidence_manifest

INTACT, TAMPERED, UNVERIFIED, FAILED = "intact", "tampered", "unverified", "failed"
LIST_LIMIT = 20  # problems named in the task's message; evidence.json lists all


def verify_folder(folder, found, trusted_key_paths=None):
    """The verification of the report folder ``folder`` read by ``drill_evidence.scan`` (``found``).
    Raises ``evidence_manifest.EvidenceError`` when a trusted key cannot be read."""
    trusted = evidence_manifest.load_trusted_keys(trusted_key_paths)
    manifests, signatures, digest = evidence_manifest.folder_source(folder, found.manifests)
    result = evidence_manifest.verify(manifests, signatures, digest, trusted)
    reports = [(drill.report, drill.format_version, drill.cluster_id, evidence_manifest.DRILL) for drill in found.drills]
    reports += [(recovery.report, recovery.format_version, recovery.cluster_id, evidence_manifest.RECOVERY)
                for recovery in found.recoveries]
    unverified = set(evidence_manifest.uncovered_reports(reports, result, digest))
    result["unverified_by_cluster"] = {}
    for relative, _version, cluster_id, kind in reports:
        if relative in unverified and kind == evidence_manifest.DRILL:
            result["unverified_by_cluster"][cluster_id] = result["unverified_by_cluster"].get(cluster_id, 0) + 1
    result["trusted_keys"] = sorted(trusted)
    return result


def apply(model, integrity, expected_clusters=None):
    """Add ``integrity`` (the folder's verdict, the chain heads, every problem) and each cluster's
    ``evidence`` to ``model``; a cluster of ``expected_clusters`` (ids or names) without any
    report is a problem too. Returns ``model``."""
    problems = list(integrity["problems"])
    known = {cluster["cluster_id"] for cluster in model["clusters"]}
    names = {str(cluster["name"]).lower() for cluster in model["clusters"] if cluster["name"]}
    missing = [str(value) for value in expected_clusters or () if str(value).strip()
               and str(value).strip().lower() not in known and str(value).strip().lower() not in names]
    for value in missing:
        problems.append({"path": None, "cluster_id": value, "problem": "expected cluster %s has no evidence at all: no drill report "
                         "of it in the folder" % value})
    heads = []
    for cluster in model["clusters"]:
        cluster_id = cluster["cluster_id"]
        chain = integrity["clusters"].get(cluster_id)
        own = [entry for entry in problems if entry["cluster_id"] == cluster_id and not _of_recovery(entry)]
        unverified = integrity["unverified_by_cluster"].get(cluster_id, 0)
        if own:
            status = TAMPERED
        elif chain is None:
            status = UNVERIFIED
        else:
            status = INTACT
        signed = chain["signed"] if chain else 0
        cluster["evidence"] = {
            "status": status,
            "signed": "signed" if chain and signed == chain["manifests"] else ("partly signed" if signed else "unsigned"),
            "signed_by": chain["signed_by"] if chain else [],
            "manifests": chain["manifests"] if chain else 0,
            "unverified_reports": unverified,
            "head": _head(cluster_id, cluster["name"], chain),
            "problems": [{"path": entry["path"], "problem": entry["problem"]} for entry in own],
        }
        if chain:
            heads.append(cluster["evidence"]["head"])
    for cluster_id, chain in sorted(integrity["clusters"].items()):
        if cluster_id not in known:  # manifests left of a cluster whose reports are all gone
            heads.append(_head(cluster_id, chain["name"], chain))
    _apply_recoveries(model, integrity, problems)
    for cluster_id, chain in sorted(integrity.get("recoveries", {}).items()):
        heads.append(_head(cluster_id, chain["name"], chain, evidence_manifest.RECOVERY))
    unverified_total = sum(integrity["unverified_by_cluster"].values())
    model["integrity"] = {
        "status": FAILED if problems else (UNVERIFIED if unverified_total or not integrity["manifests"] else INTACT),
        "trusted_keys": integrity["trusted_keys"],
        "counts": {"manifests": len(integrity["manifests"]), "verified_reports": len(integrity["covered"]),
                   "unverified_reports": unverified_total, "problems": len(problems), "missing_clusters": len(missing)},
        "chain_heads": heads,
        "missing_clusters": missing,
        "problems": problems,
    }
    return model


def _of_recovery(entry):
    return entry.get("report_kind") == evidence_manifest.RECOVERY


def _apply_recoveries(model, integrity, problems):
    """Each recovery's ``evidence``: its manifest verified (the files it lists, its signature, its place in the
    chain of that source's recoveries), or tampered, naming the problems of its files."""
    manifests = integrity.get("manifests", {})
    for recovery in model.get("recoveries", ()):
        stem = recovery["report"][:-len(".json")] if recovery["report"].endswith(".json") else recovery["report"]
        manifest = stem + evidence_manifest.MANIFEST_SUFFIX
        record = manifests.get(manifest)
        files = {recovery["report"], manifest, manifest + ".sig"} | set(record["files"] if record else ())
        own = [entry for entry in problems if entry["path"] in files]
        if own:
            status = TAMPERED
        elif record and recovery["report"] in integrity["covered"]:
            status = INTACT
        else:
            status = UNVERIFIED
        recovery["evidence"] = {
            "status": status,
            "manifest": manifest if record else None,
            "signed": "signed" if record and record["signed"] else "unsigned",
            "signed_by": [record["key_id"]] if record and record["signed"] else [],
            "problems": [{"path": entry["path"], "problem": entry["problem"]} for entry in own],
        }


def _head(cluster_id, name, chain, kind=evidence_manifest.DRILL):
    if not chain:
        return None
    return {"cluster_id": cluster_id, "name": name, "kind": kind, "manifest": chain["head"], "sha256": chain["head_sha256"],
            "run_id": chain["head_run_id"], "sequence": chain["head_sequence"], "manifests": chain["manifests"]}


def gate_problems(model):
    """The integrity problems that fail the gate (after the index is written)."""
    return list(model.get("integrity", {}).get("problems", ()))


def gate_message(model):
    """The failure message naming each file and what is wrong, or None."""
    problems = gate_problems(model)
    if not problems:
        return None
    named = ["%s: %s" % (entry["path"], entry["problem"]) if entry["path"] else entry["problem"] for entry in problems[:LIST_LIMIT]]
    more = " (and %d more in evidence.json)" % (len(problems) - LIST_LIMIT) if len(problems) > LIST_LIMIT else ""
    return "the drill evidence is not intact, %d problem(s): %s%s" % (len(problems), "; ".join(named), more)
