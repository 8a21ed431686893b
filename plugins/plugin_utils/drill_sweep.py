# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The sweep: clusters a drill created and left behind, recognised by the name it gave them."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.restorekit.instaclustr.plugins.module_utils._clock import iso_utc
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.drill_constants import GONE_STATUSES
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.drill_names import check_prefix, name_timestamp_ms
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.drill_values import as_dict, as_list, duration_option, is_number, server_now_ms


def sweep_clusters(results):
    """The clusters of cluster_info results, one per application (a loop over ``application``), each with its ``application``.

    A plain list of clusters passes through (Cassandra where a cluster does not say).
    """
    clusters = []
    for result in as_list(as_dict(results).get("results") if isinstance(results, dict) else results):
        if isinstance(result, dict) and isinstance(result.get("clusters"), list):
            application = result.get("item") or as_dict(as_dict(result.get("invocation")).get("module_args")).get("application")
            clusters.extend(dict(cluster, application=str(cluster.get("application") or application or "cassandra").lower())
                            for cluster in result["clusters"] if isinstance(cluster, dict))
        elif isinstance(result, dict) and not result.get("skipped") and "clusters" not in result:
            clusters.append(dict(result, application=str(result.get("application") or "cassandra").lower()))
    return clusters


def drill_record(cluster):
    """Whether a drill's intent record proves the cluster: one of a restore with a run id, of this very name.

    The name alone proves nothing (anyone can name a cluster ``drill-...``): cluster_info gives each
    cluster's ``restore_record`` from the collection's state folder, written before the drill's restore request.
    """
    record = cluster.get("restore_record")
    return isinstance(record, dict) and bool(record.get("run_id")) and record.get("restored_name") == cluster.get("name")


def _old_drill_clusters(clusters, prefix, older_than, now_ms, protected_ids):
    prefix = check_prefix(prefix)
    age_limit = duration_option(older_than, "backup_restore_drill_sweep_older_than")
    if age_limit is None:
        raise AnsibleFilterError("backup_restore_drill_sweep_older_than is required for the sweep")
    if isinstance(now_ms, dict):
        now_ms = server_now_ms(now_ms)
    if not is_number(now_ms):
        raise AnsibleFilterError("the sweep needs the API server's time: epoch milliseconds or a cluster_backup_info result "
                                 "with checked_at_ms or a restorable backup (got %r)" % (now_ms,))
    protected = {str(cluster_id).lower() for cluster_id in as_list(protected_ids) if cluster_id}
    for cluster in as_list(clusters):
        if not isinstance(cluster, dict) or str(cluster.get("id", "")).lower() in protected:
            continue
        if cluster.get("status") in GONE_STATUSES:
            continue
        stamp = name_timestamp_ms(cluster.get("name"), prefix)
        if stamp is None:
            continue
        age = (now_ms - stamp) / 1000.0
        if age > age_limit:
            yield cluster, {"id": cluster.get("id"), "name": cluster.get("name"), "status": cluster.get("status"),
                            "application": str(cluster.get("application") or "cassandra").lower(),
                            "created_at": iso_utc(stamp), "age_seconds": round(age, 3)}


def sweep_candidates(clusters, prefix="drill", older_than=None, now_ms=None, protected_ids=None):
    """Clusters a drill created and left behind: named ``<prefix>-...-<timestamp>-<run id>``, older than ``older_than``,
    AND proven by a drill's intent record (``drill_record``); the sweep deletes these only.

    Each candidate keeps its ``application`` (cassandra when the cluster does not say), which its deletion needs.
    """
    found = [item for cluster, item in _old_drill_clusters(clusters, prefix, older_than, now_ms, protected_ids) if drill_record(cluster)]
    return sorted(found, key=lambda item: item["name"])


def sweep_unproven(clusters, prefix="drill", older_than=None, now_ms=None, protected_ids=None):
    """Clusters that carry the drill's name pattern and age but no drill's intent record: kept, listed for a person to decide."""
    found = [item for cluster, item in _old_drill_clusters(clusters, prefix, older_than, now_ms, protected_ids) if not drill_record(cluster)]
    return sorted(found, key=lambda item: item["name"])
