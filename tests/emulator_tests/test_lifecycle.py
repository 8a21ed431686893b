"""Section 2 and 3: restore progression and its outcomes, delete progression and two-factor delete."""

import pytest

from tests.emulator_tests.helpers import backups_path, cluster_path, node_events, restore_path
from tests.support.emulator import INVENTORY_DEV_ID, ORDERS_PROD_ID


def start_restore(api, name, source=ORDERS_PROD_ID):
    response = api.post(restore_path(source), json={"clusterNameOverride": name})
    assert response.status_code == 200
    return response.json()["restoredCluster"]


def statuses(api, cluster_id):
    """(clusterStatus, the set of nodeStatus, the restore events) of a cluster."""
    details = api.get(cluster_path(cluster_id)).json()
    nodes = {node["nodeStatus"] for dc in details["dataCentres"] for node in dc["nodes"]}
    events = [event for events in node_events(api.get(backups_path(cluster_id)).json()).values()
              for event in events if event["type"] == "cassandra-restore"]
    return details["clusterStatus"], nodes, events


def listed(api, cluster_id):
    return {item["id"]: item for item in api.get("/provisioning/v1").json()}.get(cluster_id)


def test_restore_goes_provisioning_restoring_running_with_restore_events(emulator, api):
    restored = start_restore(api, "orders-progress")
    assert statuses(api, restored) == ("PROVISIONING", {"PROVISIONING"}, [])
    emulator.advance(600)
    status, nodes, events = statuses(api, restored)
    assert (status, nodes) == ("RESTORING", {"RESTORING"})
    assert len(events) == 6 and all(e["state"] == "ACTIVE" and e["end"] is None for e in events)
    emulator.advance(520)  # 1120 s of 1200: the nodes reach RUNNING one after another
    item = listed(api, restored)
    assert 0 < item["runningNodeCount"] < item["nodeCount"] and item["derivedStatus"] == "RESTORING"
    emulator.advance(90)
    status, nodes, events = statuses(api, restored)
    assert (status, nodes) == ("RUNNING", {"RUNNING"})
    assert len(events) == 6 and all(e["state"] == "COMPLETED" and e["end"] >= e["start"] for e in events)
    assert listed(api, restored)["runningNodeCount"] == 6


def test_restore_duration_setting_shortens_the_restore(emulator, api):
    emulator.settings(restore_duration=120)
    restored = start_restore(api, "orders-quick", source=INVENTORY_DEV_ID)
    emulator.advance(125)
    assert statuses(api, restored)[0] == "RUNNING"


def test_failed_outcome_ends_in_failed(emulator, api):
    emulator.set_outcomes(next_restore="FAILED")
    restored = start_restore(api, "orders-fails")
    emulator.advance(600)
    assert statuses(api, restored)[0] == "RESTORING"
    emulator.advance(700)
    status, nodes, events = statuses(api, restored)
    assert (status, nodes) == ("FAILED", {"FAILED"})
    assert events and {event["state"] for event in events} == {"FAILED"}


def test_deferred_outcome_stays_deferred(emulator, api):
    emulator.set_outcomes(next_restore="DEFERRED")
    restored = start_restore(api, "orders-deferred")
    emulator.advance(400)
    assert statuses(api, restored)[:2] == ("DEFERRED", {"DEFERRED"})
    emulator.advance(10 * 3600)
    assert statuses(api, restored)[:2] == ("DEFERRED", {"DEFERRED"})
    assert listed(api, restored)["derivedStatus"] == "DEFERRED"


def test_next_restore_outcome_applies_to_one_restore_only(emulator, api):
    assert emulator.set_outcomes(next_restore="FAILED")["next_restore"] == "FAILED"
    failing = start_restore(api, "orders-first")
    healthy = start_restore(api, "orders-second")
    emulator.advance(1300)
    assert statuses(api, failing)[0] == "FAILED"
    assert statuses(api, healthy)[0] == "RUNNING"


def test_delete_answers_202_then_deleting_then_404(emulator, api):
    restored = start_restore(api, "orders-doomed")
    response = api.delete(cluster_path(restored))
    assert response.status_code == 202
    assert response.json() == {"message": "Cluster has been marked for deletion."}
    assert api.get(cluster_path(restored)).json()["clusterStatus"] == "DELETING"
    assert listed(api, restored)["derivedStatus"] == "DELETING"
    assert api.delete(cluster_path(restored)).status_code == 202  # still there: accepted again
    emulator.advance(61)
    assert api.get(cluster_path(restored)).status_code == 404
    assert api.get(backups_path(restored)).status_code == 404
    assert api.delete(cluster_path(restored)).status_code == 404
    assert listed(api, restored) is None
    summary = {cluster["id"]: cluster for cluster in emulator.clusters()}[restored]
    assert (summary["deleted"], summary["status"], summary["name"]) == (True, "DELETED", "orders-doomed")


def test_delete_duration_setting_applies(emulator, api):
    emulator.settings(delete_duration=600)
    api.delete(cluster_path(INVENTORY_DEV_ID))
    emulator.advance(300)
    assert api.get(cluster_path(INVENTORY_DEV_ID)).json()["clusterStatus"] == "DELETING"
    emulator.advance(301)
    assert api.get(cluster_path(INVENTORY_DEV_ID)).status_code == 404


@pytest.mark.parametrize("two_factor", [[INVENTORY_DEV_ID], "all"], ids=["listed", "all"])
def test_two_factor_delete_is_accepted_but_the_cluster_stays(emulator, api, two_factor):
    emulator.set_outcomes(two_factor_delete=two_factor)
    assert api.delete(cluster_path(INVENTORY_DEV_ID)).status_code == 202
    emulator.advance(3600)
    assert api.get(cluster_path(INVENTORY_DEV_ID)).json()["clusterStatus"] == "RUNNING"
    assert emulator.cluster_state(INVENTORY_DEV_ID)["delete_awaiting_confirmation"] is True


def test_two_factor_delete_for_other_clusters_does_not_hold_this_one(emulator, api):
    emulator.set_outcomes(two_factor_delete=[ORDERS_PROD_ID])
    api.delete(cluster_path(INVENTORY_DEV_ID))
    emulator.advance(61)
    assert api.get(cluster_path(INVENTORY_DEV_ID)).status_code == 404
