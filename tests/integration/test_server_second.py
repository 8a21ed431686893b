"""The API's ``Date`` header counts whole seconds while event times carry milliseconds.

A restore to the end of a backup that completed within the server's current second must not be
refused as "in the future" (issue 14, point 10). The emulator serves both as the real API does;
the module runs in this process (no playbook) against it, with the simulated clock nearly stopped
so that the situation is exact.
"""

from email.utils import parsedate_to_datetime

from ansible_collections.restorekit.instaclustr.plugins.modules import cluster_restore

from tests.support.emulator import INVENTORY_DEV_ID, running_emulator
from tests.support.module_runner import run_module_main


def test_a_restore_to_a_backup_end_within_the_servers_current_second_is_accepted():
    # 1 simulated millisecond per real second: the clock stays inside one second for the whole test.
    with running_emulator(time_scale=0.001, extra_args=("--backup-duration", "60", "--quiet")) as emulator:
        now_ms = emulator.now_ms()
        emulator.advance(((1500 - now_ms % 1000) % 1000) / 1000.0)  # to about .500 of a second
        trigger_ms = emulator.now_ms()
        assert emulator.api("POST", "/provisioning/v1/%s/backups" % INVENTORY_DEV_ID).status_code == 204
        emulator.advance(60.010)  # the first node's new snapshot ended about 10 ms ago

        answer = emulator.api("GET", "/provisioning/v1/%s/backups" % INVENTORY_DEV_ID)
        ends = [event["end"] for dc in answer.json()["clusterDataCentres"] for node in dc["nodes"]
                for event in node["events"]
                if event["type"] == "snapshot-upload" and event["state"] == "COMPLETED" and event["start"] >= trigger_ms]
        assert len(ends) == 1  # the other nodes start 2 s and 4 s later
        ended_ms = ends[0]
        date_ms = int(parsedate_to_datetime(answer.headers["Date"]).timestamp() * 1000)
        now_ms = emulator.now_ms()
        # What the real API shows: a whole-second Date, an event end with milliseconds in that same second.
        assert date_ms % 1000 == 0 and ended_ms % 1000 != 0
        assert date_ms == ended_ms - ended_ms % 1000 and ended_ms <= now_ms < date_ms + 1000

        failed, result = run_module_main(cluster_restore, {
            "api_url": emulator.url, "api_username": emulator.username, "api_key": emulator.api_key,
            "cluster_id": INVENTORY_DEV_ID, "name": "restore-same-second", "point_in_time": ended_ms,
            "validate_backups": False, "wait": False,
        })
        assert not failed, result["msg"]
        assert result["request"]["body"]["pointInTime"] == ended_ms
        restores = [e for e in emulator.mutating_requests() if e["path"].endswith("/backups/restore")]
        assert [e["status"] for e in restores] == [200]


def test_a_point_in_time_a_second_after_the_servers_date_is_still_refused():
    with running_emulator(time_scale=0.001, extra_args=("--quiet",)) as emulator:
        date_ms = int(parsedate_to_datetime(emulator.api("GET", "/provisioning/v1").headers["Date"]).timestamp() * 1000)
        failed, result = run_module_main(cluster_restore, {
            "api_url": emulator.url, "api_username": emulator.username, "api_key": emulator.api_key,
            "cluster_id": INVENTORY_DEV_ID, "name": "restore-next-second", "point_in_time": date_ms + 1000,
            "validate_backups": False, "wait": False,
        })
        assert failed and "must not be in the future" in result["msg"]
        assert emulator.mutating_requests() == []
