"""Unit tests of the sweep's candidates (plugins/plugin_utils/drill_sweep.py)."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.restorekit.instaclustr.plugins.module_utils._clock import iso_utc
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils import drill_names
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils import drill_sweep
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils import drill_values
from tests.unit.plugins.plugin_utils.drill_fixtures import (
    HOUR,
    NOW,
    backup_info,
)


def drill_record(name, run_id="old1"):
    """cluster_info's ``restore_record`` of a drill's restore."""
    return {"nonce": "n-" + name, "restored_name": name, "run_id": run_id, "source_cluster_id": "src"}


def proven(cluster):
    return dict(cluster, restore_record=drill_record(cluster["name"]))


def test_sweep_takes_only_old_drill_clusters_never_protected_or_going():
    old = drill_names.restore_name("drill", "orders-prod", NOW - 50 * HOUR, "old1")
    clusters = [proven(cluster) for cluster in (
        {"id": "c1", "name": old, "status": "RUNNING"},
        {"id": "c2", "name": drill_names.restore_name("drill", "orders-prod", NOW - HOUR, "new1"), "status": "RUNNING"},
        {"id": "c3", "name": old.replace("old1", "old2"), "status": "DELETING"},
        {"id": "C4", "name": old.replace("old1", "old3"), "status": "RUNNING"},
        {"id": "c5", "name": "keep-" + old, "status": "RUNNING"},
        {"id": "c6", "name": "drill-orders-prod-copy", "status": "RUNNING"},
    )]
    chosen = drill_sweep.sweep_candidates(clusters, "drill", "1d", NOW, protected_ids=["c4"])
    assert [item["id"] for item in chosen] == ["c1"]
    assert chosen[0]["age_seconds"] == pytest.approx(50 * 3600, abs=1)
    assert chosen[0]["created_at"] == iso_utc((NOW - 50 * HOUR) // 1000 * 1000)


def test_sweep_reads_the_server_time_from_a_backup_info_result():
    name = drill_names.restore_name("drill", "orders-prod", NOW - 25 * HOUR, "r1")
    clusters = [proven({"id": "c1", "name": name, "status": "RUNNING"})]
    assert drill_sweep.sweep_candidates(clusters, "drill", "1d", backup_info()) != []
    # Without checked_at the server time is restorable_until plus the age (both from the server).
    assert drill_values.server_now_ms(backup_info(checked_at=False)) == NOW
    assert drill_sweep.sweep_candidates(clusters, "drill", "26h", backup_info(checked_at=False)) == []
    with pytest.raises(AnsibleFilterError, match="server's time"):
        drill_sweep.sweep_candidates(clusters, "drill", "1d", {"summary": {}})
    with pytest.raises(AnsibleFilterError, match="backup_restore_drill_sweep_older_than"):
        drill_sweep.sweep_candidates(clusters, "drill", "a while", NOW)


def test_a_drill_name_without_a_drills_record_is_kept_for_a_person():
    """A production cluster renamed like a drill's is never swept: the name proves nothing."""
    renamed = drill_names.restore_name("drill", "orders", NOW - 50 * HOUR, "prod1")
    made = drill_names.restore_name("drill", "orders", NOW - 50 * HOUR, "old1")
    clusters = [
        {"id": "p1", "name": renamed, "status": "RUNNING", "restore_record": None},
        {"id": "p2", "name": renamed + "x", "status": "RUNNING"},  # no record field at all (another source)
        # a record, but of another name, or of a restore outside any drill (no run id): no proof either
        {"id": "p3", "name": renamed.replace("prod1", "prod3"), "status": "RUNNING", "restore_record": drill_record("other")},
        {"id": "p4", "name": renamed.replace("prod1", "prod4"), "status": "RUNNING",
         "restore_record": drill_record(renamed.replace("prod1", "prod4"), run_id=None)},
        proven({"id": "d1", "name": made, "status": "RUNNING"}),
    ]
    assert [item["id"] for item in drill_sweep.sweep_candidates(clusters, "drill", "1d", NOW)] == ["d1"]
    assert [item["id"] for item in drill_sweep.sweep_unproven(clusters, "drill", "1d", NOW)] == ["p1", "p2", "p3", "p4"]
