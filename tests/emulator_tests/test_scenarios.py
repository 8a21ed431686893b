"""Section 2: the large and fleet scenarios (benchmarks and parallel drills)."""

import time

from tests.emulator_tests.helpers import backups_path, node_events
from tests.support.emulator import LARGE_ID, fleet_id, running_emulator


def test_large_cluster_serves_about_200000_events_well_under_a_second():
    with running_emulator(scenario="large") as emulator:
        emulator.api("GET", backups_path(LARGE_ID))  # warm up the process
        started = time.monotonic()
        response = emulator.api("GET", backups_path(LARGE_ID))
        elapsed = time.monotonic() - started
        events = node_events(response.json())
        assert response.status_code == 200 and len(events) == 100
        assert 190000 <= sum(len(node) for node in events.values()) <= 215000
        assert elapsed < 1.0
        listed = emulator.api("GET", "/provisioning/v1").json()
        assert [(c["name"], c["nodeCount"]) for c in listed] == [("large-100", 100)]


def test_fleet_has_20_small_clusters_with_daily_snapshots():
    with running_emulator(scenario="fleet") as emulator:
        listed = emulator.api("GET", "/provisioning/v1").json()
        assert [c["name"] for c in listed] == ["fleet-%02d" % n for n in range(1, 21)]
        assert {c["nodeCount"] for c in listed} == {3}
        assert [c["id"] for c in listed] == [fleet_id(n) for n in range(1, 21)]
        events = node_events(emulator.api("GET", backups_path(fleet_id(7))).json())
        assert all({e["type"] for e in node} == {"snapshot-upload"} and 6 <= len(node) <= 7 for node in events.values())
