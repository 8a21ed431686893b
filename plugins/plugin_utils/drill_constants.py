# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Names the drill's parts share: check statuses, check ids and titles, phases, API states.

No logic and no import: every other ``drill_*`` file may import this one.
"""

from __future__ import annotations

# Check statuses. ``not_applicable`` is for a check that does not apply to the drill's
# application or API version: it carries its reason in ``details`` and counts neither as
# passed, failed nor not verifiable (the verdict ignores it).
PASSED = "passed"
FAILED = "failed"
NOT_VERIFIABLE = "not_verifiable"
NOT_APPLICABLE = "not_applicable"
CHECK_STATUSES = (PASSED, FAILED, NOT_VERIFIABLE, NOT_APPLICABLE)

# The drill's status besides passed and failed.
CHECK_MODE = "check_mode"

# API states and event types the checks read.
RUNNING = "RUNNING"
COMPLETED = "COMPLETED"
SNAPSHOT = "snapshot-upload"
RESTORE_EVENT = "cassandra-restore"
GONE_STATUSES = ("DELETING", "DELETED")

# The role's phases, in order (its tasks files and the controller marks use these names).
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
    # The data checks (drill_data_checks): read through the cluster's own data store.
    ("canary_restored", "Every canary written before the restored data's instant is in the restored cluster"),
    ("point_in_time_honoured", "No canary written after the point in time is in the restored cluster"),
    ("catalogue", "Every object the source held when the drill started, within the restore's selection, exists restored"),
    ("network", "The restored data centres use the requested network"),
    ("tables", "The restored tables are the ones requested"),
    # OpenSearch's form of the tables check (drill_applications: one or the other, never both).
    ("indices", "The restored indices are the ones requested"),
    ("rto", "Recovery time (restore request to the restored cluster RUNNING) is within the target"),
    ("rpo", "Recovery point (by backup_restore_drill_rpo_basis: the backups' or the one the canaries prove) is within the target"),
    ("user_checks", "The user's checks on the restored cluster pass"),
    ("drill_completed", "The drill ran every phase without an error"),
)
TITLES = dict(CHECK_TITLES)
DATA_CHECK_IDS = ("canary_restored", "point_in_time_honoured", "catalogue")
