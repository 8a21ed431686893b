"""The sweep (only old drill clusters go), --check (nothing changes) and the backup the drill takes
when a scheduled snapshot is already running on one node."""

import datetime

from tests.drill.conftest import check_by_id, deleted_ids, record_drill_restore, run_drill
from tests.support.emulator import INVENTORY_DEV_ID, ORDERS_PROD_ID

DAY_MS = 86400 * 1000


def stamp(ms):
    return (datetime.datetime(1970, 1, 1) + datetime.timedelta(milliseconds=ms)).strftime("%Y%m%dT%H%M%SZ")


def restore_named(emulator, name):
    answer = emulator.api("POST", "/provisioning/v1/%s/backups/restore" % INVENTORY_DEV_ID, json={"clusterNameOverride": name})
    assert answer.status_code == 200, answer.text
    return answer.json()["restoredCluster"]


def test_sweep_deletes_only_old_prefixed_clusters(emulator, tmp_path):
    now = emulator.now_ms()
    old, recent = stamp(now - 2 * DAY_MS), stamp(now - 3600 * 1000)
    names = {
        "drill-inventory-dev-%s-a1b2c3d4" % old: True,  # a drill's cluster whose cleanup never ran
        "drill-inventory-dev-%s-e5f6" % recent: False,  # younger than the limit (maybe still running)
        "keep-inventory-dev-%s-a1b2" % old: False,  # another prefix
        "drillx-inventory-dev-%s-a1b2" % old: False,  # the prefix only as a substring
        "drill-inventory-dev-copy": False,  # the prefix, but no drill timestamp
    }
    ids = {name: restore_named(emulator, name) for name in names}
    # Each a drill made, as its intent record proves (the sweep deletes nothing a record does not prove) ...
    for name, cluster_id in ids.items():
        record_drill_restore(emulator, cluster_id, name, run_id=name[-4:])
    # ... but a production cluster renamed like a drill's, with no record: kept and listed.
    renamed = "drill-orders-prod-%s-prod1" % old
    renamed_id = restore_named(emulator, renamed)
    hosts = {"inventory-dev": {"backup_restore_drill_cluster_id": INVENTORY_DEV_ID}}
    sweep = {"backup_restore_drill_sweep_older_than": "1d"}

    checked = run_drill(emulator, tmp_path / "check", hosts, extra_vars=sweep, check=True)

    assert checked.rc == 0, checked.output[-3000:]
    assert deleted_ids(emulator) == []
    old_name = next(name for name, goes in names.items() if goes)
    assert "Would delete (check mode): %s" % old_name in checked.output
    assert "Kept, not proven to be a drill's" in checked.output and "%s %s" % (renamed, renamed_id) in checked.output

    swept = run_drill(emulator, tmp_path / "sweep", hosts, extra_vars=sweep)

    assert swept.rc == 0, swept.output[-3000:]
    assert deleted_ids(emulator) == [ids[old_name]]
    # Sweep mode drills nothing and writes no drill report.
    assert not [e for e in emulator.requests_log() if e["method"] == "POST" and e["path"].endswith("/backups")]
    assert not list((tmp_path / "sweep" / "reports").glob("drill-*"))


def test_check_mode_changes_nothing_and_shows_the_restore(emulator, tmp_path):
    hosts = {
        "orders-prod": {"backup_restore_drill_cluster_id": ORDERS_PROD_ID},
        "inventory-dev": {"backup_restore_drill_cluster_id": INVENTORY_DEV_ID, "backup_restore_drill_cluster_network": "10.60.0.0/16"},
    }

    run = run_drill(emulator, tmp_path, hosts, check=True)

    assert run.rc == 0, run.output[-3000:]
    assert emulator.mutating_requests() == []
    reports = {report["source"]["name"]: report for report in run.reports()}
    assert sorted(reports) == ["inventory-dev", "orders-prod"]
    for name, report in reports.items():
        assert report["status"] == "check_mode" and report["check_mode"] is True
        body = report["request"]["body"]
        assert body["clusterNameOverride"].startswith("drill-%s-" % name)
        assert body["pointInTime"] == report["point_in_time_ms"]
        # Check mode triggers no backup: the point in time shown is the newest restorable one.
        assert report["point_in_time_basis"] == "restorable_until"
        assert check_by_id(report, "restore_running")["status"] == "not_verifiable"
        assert report["cleanup"]["action"] == "none"
    assert reports["inventory-dev"]["request"]["body"]["clusterNetwork"] == "10.60.0.0/16"
    assert run.summary()["status"] == "check_mode"
    markdown = next(p for p in run.reports("markdown") if "inventory-dev" in p.name).read_text()
    assert "**Check mode**" in markdown


def test_check_mode_says_what_cluster_backup_would_do_when_a_backup_runs_on_every_node(emulator, tmp_path):
    # A backup of every node of orders-prod is running (triggered a moment ago): cluster_backup in
    # check mode says it would follow it, and the report says that, not "a backup would be reused".
    emulator.settings(time_scale=60, backup_duration=3600)
    answer = emulator.api("POST", "/provisioning/v1/%s/backups" % ORDERS_PROD_ID)
    assert answer.status_code in (200, 201, 202, 204), answer.text

    run = run_drill(emulator, tmp_path, {"orders-prod": {"backup_restore_drill_cluster_id": ORDERS_PROD_ID}}, check=True)

    assert run.rc == 0, run.output[-3000:]
    assert len(emulator.mutating_requests()) == 1  # only the trigger above: --check sent nothing
    report = run.report()
    backup = check_by_id(report, "backup_completed")
    assert backup["status"] == "not_verifiable" and backup["figures"]["action"] == "followed", backup
    assert "would follow the backup already running on every node" in backup["details"]
    assert "followed the backup already running on every node" in backup["details"]  # the module's own msg
    assert "reused" not in backup["details"]
    assert "would follow the backup already running on every node" in report["message"]


def test_backup_of_every_node_when_a_scheduled_snapshot_runs_on_one(emulator, tmp_path):
    # At the scenario's start one inventory-dev node is in the middle of its daily snapshot
    # (25 simulated minutes). At 60x that lasts about 25 real seconds: long enough for the drill
    # to find it running. That is not a backup of the cluster: the drill triggers one at once
    # (it does not wait for the scheduled snapshot first) and backs up every node with one call.
    emulator.settings(time_scale=60, backup_duration=60, restore_duration=120)
    before = emulator.api("GET", "/provisioning/v1/%s/backups" % INVENTORY_DEV_ID).json()
    active = [(n["id"], e["start"]) for dc in before["clusterDataCentres"] for n in dc["nodes"]
              for e in n["events"] if e["type"] == "snapshot-upload" and e["state"] == "ACTIVE"]
    assert len(active) == 1
    scheduled_end_ms = active[0][1] + 25 * 60 * 1000

    run = run_drill(emulator, tmp_path, {"inventory-dev": {"backup_restore_drill_cluster_id": INVENTORY_DEV_ID}})

    assert run.rc == 0, run.output[-3000:]
    report = run.report()
    triggers = [e for e in emulator.requests_log() if e["method"] == "POST" and e["path"].endswith("/backups")]
    assert len(triggers) == 1  # one backup of every node, not a follow and then a second one
    assert triggers[0]["time_ms"] < scheduled_end_ms  # triggered without waiting for the scheduled snapshot
    backup = check_by_id(report, "backup_completed")
    assert backup["status"] == "passed" and backup["figures"]["nodes"] == 3 and backup["figures"]["triggered"] is True
    # The point in time is after the trigger: every node's new snapshot covers it.
    assert report["point_in_time_basis"] == "backup_completed"
    assert report["point_in_time_ms"] >= triggers[0]["time_ms"]
    # The restored point is the drill's own backup; the RPO is what the scheduled backups protected.
    assert report["figures"]["restore_point_age_seconds"] == 0.0
    assert check_by_id(report, "rpo")["figures"]["seconds"] == check_by_id(report, "backups_available")["figures"]["last_backup_age_seconds"]
