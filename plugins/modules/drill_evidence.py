#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Documentation only: the action plugin plugins/action/drill_evidence.py does the work, on the
# controller (as ansible.builtin does for its action-only modules).

from __future__ import annotations

DOCUMENTATION = r"""
module: drill_evidence
short_description: Build the drill evidence index across runs, with trends and a freshness gate
version_added: 0.1.0
description:
  - Reads every drill JSON report (C(drill-<source>-<run id>.json), written by the
    R(backup_restore_drill role,ansible_collections.restorekit.instaclustr.backup_restore_drill_role)) found under O(path),
    recursively, and writes C(index.html), C(index.md) and C(evidence.json) in O(path).
  - One row per source cluster, keyed by cluster id, with application and API version, last drill, last passing drill and its age,
    pass rate over O(window), RTO and RPO of the last drill against their targets, and a trend chart of both over O(window).
  - Recovery reports (C(recovery-<source>-<run id>.json), written by the
    R(cluster_recovery role,ansible_collections.restorekit.instaclustr.cluster_recovery_role), by default in the C(recoveries)
    folder under the drill report folder) found under O(path) are listed in a section of their own, newest first, with the
    source, restored cluster, point in time, data-loss window, time to recover, status, checks, a link to the report and
    whether its manifest verifies. A recovery is never counted as a drill; the freshness gate and each cluster's drills
    ignore it.
  - Runs on the controller only. It sends no API request and needs no credentials.
  - Unreadable or half-written JSON, JSON files that are not drill reports, unknown files and second copies of a drill
    (same cluster and run id) are not counted and are listed in the index. Reports without C(application) count as
    V(cassandra), without C(api_version) as V(v1).
  - Each file is written atomically (a temporary file in O(path), then renamed), so a reader never sees part of one and two
    runs finishing together leave a complete index.
  - Verifies every drill's manifest (C(drill-<source>-<run id>.manifest.json), written beside its reports by the role),
    that is the SHA-256 of each report file, the chain of each cluster's drills (each manifest names the one before it) and,
    with O(trusted_keys), the Ed25519 signature C(<manifest>.sig). The index shows per cluster whether its evidence is
    intact, signed and by whom, and the newest manifest of each chain (its head). Each recovery's manifest is verified
    the same way; a source cluster's recoveries form a chain of their own, beside its drills' chain, and a recovery report
    without a valid manifest counts as tampered whatever its C(format_version).
  - A report that does not match its manifest, a missing link in a chain, a manifest out of order, a signature that does
    not verify, a key that is not trusted, a report of the manifest era (report C(format_version) 3 or later) without a
    valid manifest and an expected cluster without any report make the task fail after the index is written, naming each
    file and what is wrong. Older reports are shown as unverified, never as tampered.
  - The schema of C(evidence.json) is documented in the collection's C(docs/evidence.md).
author:
  - restorekit maintainers (@restorekit)
options:
  path:
    description:
      - The report folder (the role's C(backup_restore_drill_report_dir)). Every report under it counts, in sub-folders too.
      - The index files are written here.
    type: path
    required: true
    aliases: [report_dir]
  window:
    description:
      - The period the pass rate, the trend and each cluster's C(drills) cover, ending now, as seconds or a duration such
        as V(90d).
      - The last drill and the last passing drill are taken from every report, also older ones.
    type: raw
    default: 90d
  max_age:
    description:
      - The freshness gate, as seconds or a duration such as V(30d). When set, the task fails (after writing the index)
        naming each cluster whose last passing drill is older, or that never passed.
      - Unset means no gate.
    type: raw
  allow_empty:
    description:
      - With O(max_age), a folder with no drill report at all fails the gate (RV(status=empty)), because a scheduled check that
        finds no evidence must not pass. V(true) lets it pass, for a first run.
    type: bool
    default: false
  latest_run_id:
    description:
      - The run ids of the latest run. Clusters without a drill of one of them are marked as not drilled in the latest run.
      - Unset, the latest run is the newest C(drill-summary-*.json) in O(path) (the reports it lists); without one, nothing is
        marked.
    type: list
    elements: str
    aliases: [latest_run_ids]
  trusted_keys:
    description:
      - Paths of the Ed25519 public keys (PEM) whose signatures are trusted.
      - When set, every manifest must be signed by one of them; unset, unsigned manifests are intact and shown as unsigned,
        and a signed manifest fails as signed by a key that is not trusted.
    type: list
    elements: path
    default: []
  expected_clusters:
    description:
      - Source cluster ids or names that must have evidence. A cluster with no report at all fails the gate instead of
        vanishing from the index.
    type: list
    elements: str
    default: []
  pack:
    description:
      - The path of an evidence pack (C(.tar.gz)) to write after the index, for an auditor. It holds the index (HTML,
        Markdown, JSON), every report of the window with its manifest and signature, the public keys of O(trusted_keys)
        (C(keys/<key id>.pem)) and C(controls.md), which maps the evidence to the controls it serves.
      - No symlink is followed. It is verified without the collection by C(python evidence_manifest.py verify-pack)
        (see C(docs/evidence.md)). Not written in check mode.
    type: path
attributes:
  check_mode:
    description: Can run in check mode and return the changed status prediction without modifying the target.
    support: full
    details:
      - In check mode nothing is written; the gate still applies.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check mode), when in diff mode.
    support: none
  action:
    description: Indicates this has a corresponding action plugin so some parts of the options can be executed on the controller.
    support: full
  async:
    description: Supports being used with the C(async) keyword.
    support: none
  platform:
    description: Target OS/families that can be operated against.
    support: N/A
    details:
      - Runs on the controller only, whatever the host.
    platforms: all
notes:
  - The freshness gate counts a drill with status V(passed) only; check-mode drills are listed but never pass.
seealso:
  - name: The disaster-recovery drill
    description: The drill, its reports and the evidence index.
    link: https://github.com/restorekit/restorekit.instaclustr/blob/main/docs/drill.md
"""

EXAMPLES = r"""
# example: syntax-only (needs AWX: the drill job's report volume and awx_job_id)
- name: Build the evidence index of the drill reports, fail when a cluster has no passing drill in 30 days
  restorekit.instaclustr.drill_evidence:
    path: /evidence/drill-reports
    window: 90d
    max_age: 30d

- name: The index after a run, marking the clusters this run did not drill
  restorekit.instaclustr.drill_evidence:
    path: "{{ playbook_dir }}/drill-reports"
    latest_run_id: ["{{ awx_job_id }}"]

- name: Verify the signed evidence of three clusters and write the pack for the auditor
  restorekit.instaclustr.drill_evidence:
    path: /evidence/drill-reports
    max_age: 30d
    trusted_keys: [/etc/restorekit/drill-signing.pub.pem]
    expected_clusters: [orders-prod, inventory-dev, payments-pg]
    pack: /evidence/packs/drill-evidence-2026-q4.tar.gz
"""

RETURN = r"""
files:
  description: The files written (or that would be, in check mode).
  returned: when the index was built, also when the gate fails
  type: dict
  contains:
    html:
      description: Path of C(index.html).
      type: str
    markdown:
      description: Path of C(index.md).
      type: str
    json:
      description: Path of C(evidence.json).
      type: str
    pack:
      description: Path of the evidence pack, when O(pack) is set.
      type: str
  sample: {html: /evidence/drill-reports/index.html, markdown: /evidence/drill-reports/index.md,
           json: /evidence/drill-reports/evidence.json}
status:
  description: V(stale) when a cluster fails the freshness gate, V(empty) when the gate fails because the folder holds no drill report, else V(fresh).
  returned: when the index was built, also when the gate fails
  type: str
  sample: fresh
counts:
  description: >-
    Numbers of C(clusters), C(stale) clusters, drill C(reports) counted, C(skipped) files (unreadable or not reports),
    C(duplicates), C(unknown_files), clusters C(not_in_latest_run), C(recoveries) in the window and C(recoveries_all_time)
    (recovery reports, never counted in C(reports)).
  returned: when the index was built, also when the gate fails
  type: dict
  sample: {clusters: 2, stale: 0, reports: 14, skipped: 1, duplicates: 0, unknown_files: 0, not_in_latest_run: 0, recoveries: 1,
           recoveries_all_time: 1}
stale:
  description: The clusters the freshness gate names (empty without O(max_age)).
  returned: when the index was built, also when the gate fails
  type: list
  elements: dict
  contains:
    cluster_id:
      description: The source cluster's id.
      type: str
    name:
      description: Its latest name.
      type: str
    last_passing_at:
      description: When its last passing drill finished (ISO 8601, UTC), null when it never passed.
      type: str
    reason:
      description: C(never passed) or C(last passed <time>).
      type: str
  sample: [{cluster_id: 6f1c2b7e-3d4a-4b8e-9c21-0a7d5e9f1b01, name: orders-prod, last_passing_at: null, reason: never passed}]
not_in_latest_run:
  description: Clusters (C(cluster_id), C(name)) with reports in the folder but no drill in the latest run.
  returned: when the index was built, also when the gate fails
  type: list
  elements: dict
  sample: []
skipped_files:
  description: Files set aside, each with C(path) (relative to O(path)) and C(reason).
  returned: when the index was built, also when the gate fails
  type: list
  elements: dict
  sample: [{path: drill-orders-prod-7a1c.json, reason: "not valid JSON (half-written?): Expecting value: line 1 column 1 (char 0)"}]
integrity:
  description: >-
    The verdict of the manifests: C(status) (V(intact), V(unverified) when some reports predate manifests, V(failed)),
    C(trusted_keys) (key ids), C(counts), C(missing_clusters) and C(problems) (each with C(path), C(cluster_id), C(problem)).
  returned: when the index was built, also when the gate fails
  type: dict
  sample: {status: intact, trusted_keys: [8c4a92320070a63b5bfb9713de67981d0d558d16e156869abc8a5eb325b12ad7],
           counts: {manifests: 8, verified_reports: 32, unverified_reports: 0, problems: 0, missing_clusters: 0},
           missing_clusters: [], problems: []}
chain_heads:
  description: >-
    The newest manifest of each chain, C(kind) V(drill) (a cluster's drills) or V(recovery) (its recoveries); keep it (AWX job
    artifacts) to detect the removal of the newest drill or recovery.
  returned: when the index was built, also when the gate fails
  type: list
  elements: dict
  sample: [{cluster_id: 6f1c2b7e-3d4a-4b8e-9c21-0a7d5e9f1b01, name: orders-prod, kind: drill, manifest: drill-orders-prod-r2.manifest.json,
            sha256: c95bf353eaf68b74dbd517de462f5cc30aa198b7b68780e3aee083792379c81f, run_id: r2, sequence: 2, manifests: 2}]
gate_failed:
  description: Whether the freshness or the integrity gate failed (the role's gate reads it).
  returned: when the index was built
  type: bool
  sample: false
duplicates:
  description: Second copies of a drill (same cluster and run id), each with C(path), C(kept) (the copy counted), C(cluster_id), C(run_id).
  returned: when the index was built, also when the gate fails
  type: list
  elements: dict
  sample: []
"""
