"""Section 2: the simulated clock, seven days of scheduled history and triggered backups."""

import time

from tests.emulator_tests.helpers import DAY, DAY_MS, backups_path, node_events
from tests.support.emulator import INVENTORY_DEV_ID, ORDERS_PROD_ID

HOUR_MS = 3600 * 1000
MINUTE_MS = 60 * 1000


def events_by_node(api, cluster_id):
    return node_events(api.get(backups_path(cluster_id)).json())


def of_type(events, kind):
    return [event for event in events if event["type"] == kind]


def gaps(events):
    starts = [event["start"] for event in events]
    return {later - earlier for earlier, later in zip(starts, starts[1:])}


def test_orders_prod_snapshots_every_3_hours_staggered_between_nodes(emulator, api):
    nodes = events_by_node(api, ORDERS_PROD_ID)
    assert len(nodes) == 6
    phases = set()
    for events in nodes.values():
        snapshots = of_type(events, "snapshot-upload")
        assert gaps(snapshots) == {3 * HOUR_MS}
        phases.add(snapshots[0]["start"] % (3 * HOUR_MS))
    assert len(phases) == 6  # no two nodes snapshot at the same moment


def test_orders_prod_uploads_commit_logs_every_5_minutes_lasting_30_seconds(emulator, api):
    now = emulator.now_ms()
    for events in events_by_node(api, ORDERS_PROD_ID).values():
        logs = of_type(events, "commitlog-upload")
        assert gaps(logs) == {5 * MINUTE_MS}
        assert now - logs[-1]["start"] <= 5 * MINUTE_MS
        for event in logs[:-1]:
            assert (event["state"], event["progress"], event["end"] - event["start"]) == ("COMPLETED", 1.0, 30000)
        newest = logs[-1]
        assert newest["state"] == "COMPLETED" or (newest["state"] == "ACTIVE" and newest["end"] is None
                                                  and 0 <= newest["progress"] < 1)


def test_events_cover_seven_days_oldest_first(emulator, api):
    now = emulator.now_ms()
    for events in events_by_node(api, ORDERS_PROD_ID).values():
        starts = [event["start"] for event in events]
        assert starts == sorted(starts)
        assert now - 7 * DAY_MS <= starts[0] and starts[-1] <= now


def test_node_added_two_days_ago_has_events_only_from_then(emulator, api):
    now = emulator.now_ms()
    firsts = sorted(events[0]["start"] for events in events_by_node(api, ORDERS_PROD_ID).values())
    assert firsts[-1] >= now - 2 * DAY_MS - 60 * 1000 and firsts[-1] < now - 2 * DAY_MS + 60 * 1000
    assert all(first < now - 6 * DAY_MS for first in firsts[:-1])


def test_inventory_dev_has_daily_snapshots_and_no_commit_logs(emulator, api):
    for events in events_by_node(api, INVENTORY_DEV_ID).values():
        assert {event["type"] for event in events} == {"snapshot-upload"}
        assert gaps(events) == {DAY_MS}
        assert 6 <= len(events) <= 7


def test_advancing_the_clock_moves_history_and_drops_events_older_than_7_days(emulator, api):
    before = events_by_node(api, INVENTORY_DEV_ID)
    emulator.advance(2 * DAY)
    now = emulator.now_ms()
    after = events_by_node(api, INVENTORY_DEV_ID)
    for node_id, events in after.items():
        assert events[0]["start"] >= now - 7 * DAY_MS
        assert events[0]["start"] > before[node_id][0]["start"]  # the oldest dropped out of the window
        assert events[-1]["start"] > before[node_id][-1]["start"]  # new snapshots happened meanwhile


def triggered(events, since):
    return [event for event in of_type(events, "snapshot-upload") if event["start"] >= since]


def test_triggered_backup_progresses_and_completes_after_the_backup_duration(emulator, api):
    emulator.settings(backup_duration=600)
    started = emulator.now_ms()
    assert api.post(backups_path(INVENTORY_DEV_ID)).status_code == 204
    emulator.advance(10)  # past the few seconds of stagger between nodes
    first = {node: triggered(events, started) for node, events in events_by_node(api, INVENTORY_DEV_ID).items()}
    assert all(len(events) == 1 and events[0]["state"] == "ACTIVE" and events[0]["end"] is None
               for events in first.values())
    assert len({events[0]["start"] for events in first.values()}) == 3  # staggered
    emulator.advance(290)
    halfway = [triggered(events, started)[0] for events in events_by_node(api, INVENTORY_DEV_ID).values()]
    assert all(event["state"] == "ACTIVE" and 0.4 < event["progress"] < 0.6 for event in halfway)
    emulator.advance(310)
    done = [triggered(events, started)[0] for events in events_by_node(api, INVENTORY_DEV_ID).values()]
    assert all(event["state"] == "COMPLETED" and event["progress"] == 1.0 for event in done)
    assert {event["end"] - event["start"] for event in done} == {600 * 1000}


def test_backup_failure_outcome_fails_the_named_node(emulator, api):
    failing = sorted(events_by_node(api, INVENTORY_DEV_ID))[0]
    emulator.set_outcomes(backup_failure_nodes=[failing])
    started = emulator.now_ms()
    api.post(backups_path(INVENTORY_DEV_ID))
    emulator.advance(700)
    states = {node: triggered(events, started)[0] for node, events in events_by_node(api, INVENTORY_DEV_ID).items()}
    assert states[failing]["state"] == "FAILED" and states[failing]["end"] is not None
    assert {event["state"] for node, event in states.items() if node != failing} == {"COMPLETED"}


def test_backup_duration_setting_applies_to_the_next_trigger(emulator, api):
    assert emulator.settings(backup_duration=60)["backup_duration"] == 60
    started = emulator.now_ms()
    api.post(backups_path(INVENTORY_DEV_ID))
    emulator.advance(70)
    events = [triggered(events, started)[0] for events in events_by_node(api, INVENTORY_DEV_ID).values()]
    assert {event["state"] for event in events} == {"COMPLETED"}


def test_time_scale_speeds_up_the_simulated_clock(emulator):
    emulator.settings(time_scale=3600)
    before = emulator.now_ms()
    time.sleep(0.2)
    assert emulator.now_ms() - before >= 600 * 1000  # 0.2 real s x 3600 = 12 simulated minutes
