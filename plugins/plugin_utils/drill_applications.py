# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What a drill can prove per application: the one table of the drill's per-application differences.

Each row is derived from the modules' facts (``module_utils._applications.APPLICATIONS``):
whether the API lists the application's backups (so they can be read, followed and dated), whether a
restore takes a point in time, whether Cassandra's restorable-range model applies, which events are
backups. Added here: the restore event type the drill knows (Cassandra's only), the check that
compares the restored selection (``tables`` for Cassandra, ``indices`` for OpenSearch) and the role
options each restore takes. ``not_applicable`` then says, for every check that cannot apply, why, in
one sentence. Tasks, filters and checks read the row; none of them tests an application's name.
"""

from __future__ import annotations

from collections import namedtuple

from ansible.errors import AnsibleFilterError

from ansible_collections.restorekit.instaclustr.plugins.module_utils._applications import APPLICATIONS
from ansible_collections.restorekit.instaclustr.plugins.module_utils._data_plane import DATA_PLANE
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.drill_constants import CHECK_TITLES, RESTORE_EVENT

DEFAULT_APPLICATION = "cassandra"
# v1 (the Provisioning API) backs up and restores Cassandra only.
V1_APPLICATIONS = ("cassandra",)

# Names as the reports print them.
LABELS = {"cassandra": "Cassandra", "postgresql": "PostgreSQL", "opensearch": "OpenSearch", "redis": "Redis"}
# The restore event type each application's restored nodes show, where it is known.
RESTORE_EVENTS = {"cassandra": RESTORE_EVENT}
# The check that compares the restored selection with the request, with the role option it reads.
SELECTION_CHECKS = {"cassandra": ("tables", "keyspace_tables"), "opensearch": ("indices", "index_names")}
SELECTION_CHECK_IDS = ("tables", "indices")
# Role options (backup_restore_drill_<option>) that only some applications' restores take (the module option of the same name).
RESTORE_OPTIONS = ("keyspace_tables", "index_names", "cluster_network", "cdc_infos")

DrillApplication = namedtuple("DrillApplication", (
    "name",                # cassandra, postgresql, opensearch or redis
    "label",               # as the reports print it
    "lists_backups",       # the API lists its backup events: backups can be read, followed, dated
    "point_in_time",       # the drill restores to a point in time (else: the latest state)
    "restorable_range",    # Cassandra's restorable-range model applies (restorable_from..restorable_until)
    "backup_event_types",  # the events that count as a backup
    "restore_event",       # the restore event type of the restored nodes, or None when not known
    "selection_check",     # tables, indices or None: the check comparing the restored selection
    "selection_option",    # the role option that selection reads (keyspace_tables, index_names) or None
    "restore_options",     # the role options its restore takes
    "restored_as_of",      # the instant restored data is as of (the data-plane table): point_in_time, snapshot_start, backup_end, schedule
    "not_applicable",      # {check id: the one-sentence reason}
    "check_ids",           # its checks, in report order (the tables check or its OpenSearch form indices)
    "titles",              # {check id: title} where this application words a check otherwise than CHECK_TITLES
))


def _reasons(app, label, restore_event, selection_check):
    reasons = {}
    if not app.lists_backups:
        unlisted = "the API lists no %s backups" % label
        reasons.update({
            "backups_available": "The source's scheduled backups cannot be read: %s." % unlisted,
            "backup_fresh": "The age of the source's last backup cannot be read: %s." % unlisted,
            "backup_completed": ("A %s backup cannot be followed to completion (%s), so the drill triggers none and "
                                 "restores the latest state." % (label, unlisted)),
            "rpo": ("A %s restore goes to the latest state and %s, so no recovery point can be dated." % (label, unlisted)),
        })
    if restore_event is None:
        reasons["restore_events"] = ("The API documents no restore event type for %s, so restored nodes show no event "
                                     "to check." % label)
    if not app.point_in_time:
        reasons["point_in_time_honoured"] = ("A %s restore takes no point in time (it restores the latest scheduled backup), so "
                                             "no canary can be too new for it." % label)
    if selection_check is None:
        reasons["tables"] = "A %s restore takes no table selection: the whole cluster is restored." % label
    return reasons


def _row(name):
    app = APPLICATIONS[name]
    label = LABELS[name]
    restore_event = RESTORE_EVENTS.get(name) if app.lists_backups else None
    selection_check, selection_option = SELECTION_CHECKS.get(name, (None, None))
    return DrillApplication(
        name=name,
        label=label,
        lists_backups=app.lists_backups,
        point_in_time=app.point_in_time,
        restorable_range=app.restorable_range,
        backup_event_types=tuple(app.backup_event_types),
        restore_event=restore_event,
        selection_check=selection_check,
        selection_option=selection_option,
        restore_options=tuple(option for option in RESTORE_OPTIONS if app.takes(option)),
        restored_as_of=DATA_PLANE[name].restored_as_of,
        not_applicable=_reasons(app, label, restore_event, selection_check),
        check_ids=tuple(check_id for check_id, _title in CHECK_TITLES
                        if check_id not in SELECTION_CHECK_IDS or check_id == (selection_check or "tables")),
        titles={"restore_events": "Every restored node shows a COMPLETED %s event" % (restore_event or "%s restore" % label)},
    )


DRILL_APPLICATIONS = {name: _row(name) for name in APPLICATIONS}


def drill_application(application=None, api_version=None):
    """The row of ``application`` (default cassandra); fails naming both role variables when the API
    version cannot drill it (v1: Cassandra only) or the application is unknown."""
    name = str(application or DEFAULT_APPLICATION).strip().lower()
    if name not in DRILL_APPLICATIONS:
        raise AnsibleFilterError("backup_restore_drill_application: must be one of %s (got %r)" % (
            ", ".join(sorted(DRILL_APPLICATIONS)), application))
    if api_version is not None and str(api_version).lower() == "v1" and name not in V1_APPLICATIONS:
        raise AnsibleFilterError(
            "backup_restore_drill_application: %s needs backup_restore_drill_api_version v2 (the v1 API backs up and restores "
            "%s only); nothing was sent" % (name, ", ".join(V1_APPLICATIONS)))
    return DRILL_APPLICATIONS[name]


def application_facts(application=None, api_version=None):
    """The row as a dict, for the role's tasks (``backup_restore_drill__app``)."""
    row = drill_application(application, api_version)
    facts = row._asdict()
    facts["backup_event_types"] = list(row.backup_event_types)
    facts["restore_options"] = list(row.restore_options)
    facts["not_applicable"] = dict(row.not_applicable)
    facts["check_ids"] = list(row.check_ids)
    # The API versions that can drill it (v1 backs up and restores Cassandra only): the tasks read the source
    # through an API version that cannot drill it only to name it in the preflight's failure.
    facts["api_versions"] = ["v1", "v2"] if row.name in V1_APPLICATIONS else ["v2"]
    facts["titles"] = dict(row.titles)
    return facts


def not_applicable_reason(application, check_id):
    """Why ``check_id`` does not apply to ``application``; None when it applies."""
    return drill_application(application).not_applicable.get(check_id)


# The port each application's clients connect to (the firewall rule type of _applications opens it).
APPLICATION_PORTS = {"cassandra": 9042, "postgresql": 5432, "opensearch": 9200, "redis": 6379}
