"""Section 3: the request log, reset, settings, outcomes and the internal cluster views."""

import json
import time

import pytest
import requests

from tests.emulator_tests.helpers import DAY, backups_path, cluster_path, restore_path
from tests.support.emulator import EmulatorStartError, INVENTORY_DEV_ID, ORDERS_PROD_ID, running_emulator

DEFAULT_LIMITS_AND_V2_FORMS = {"rate_limit": 35, "v2_rate_limit": 35, "v2_trailing_slash": "lenient",
                               "v2_point_in_time": "both", "v2_error_body": "list", "v2_restore_status": "restoring",
                               "v2_list_deleted": False}


def test_request_log_records_each_api_request(emulator, api):
    api.get("/provisioning/v1")
    api.post(restore_path(ORDERS_PROD_ID), json={"clusterNameOverride": "logged"})
    api.get("/provisioning/v1", auth=("intruder", "guess"))
    log = emulator.requests_log()
    assert [(e["method"], e["path"], e["status"]) for e in log] == [
        ("GET", "/provisioning/v1", 200),
        ("POST", restore_path(ORDERS_PROD_ID), 200),
        ("GET", "/provisioning/v1", 401),
    ]
    assert set(log[0]) == {"method", "path", "status", "time", "time_ms", "user", "fault", "body", "duration_seconds"}
    assert log[1]["body"] == {"clusterNameOverride": "logged"} and log[0]["body"] is None
    assert (log[1]["user"], log[2]["user"]) == ("demo", "intruder")
    assert log[0]["time"].endswith("Z") and abs(log[0]["time_ms"] - emulator.now_ms()) < 60 * 1000


def test_request_log_never_holds_credentials(emulator, api):
    api.get("/provisioning/v1")
    text = json.dumps(emulator.requests_log())
    assert "demo-key" not in text and "Authorization" not in text and "ZGVtbzpkZW1vLWtleQ" not in text


def test_admin_calls_are_not_logged_and_mutating_requests_are_filtered(emulator, api):
    emulator.clusters()
    emulator.advance(10)
    assert emulator.requests_log() == []
    api.get("/provisioning/v1")
    api.post(backups_path(INVENTORY_DEV_ID))
    api.delete(cluster_path(INVENTORY_DEV_ID))
    assert [(e["method"], e["status"]) for e in emulator.mutating_requests()] == [("POST", 204), ("DELETE", 202)]


def test_clock_advance_reports_the_new_time(emulator):
    before = emulator.now_ms()
    after = emulator.advance(DAY)
    assert DAY * 1000 <= after["now_ms"] - before < DAY * 1000 + 60 * 1000


def test_reset_returns_to_the_scenario_start(emulator, api):
    answer = api.post(restore_path(ORDERS_PROD_ID), json={"clusterNameOverride": "to-forget"})
    restored = answer.json()["restoredCluster"]
    api.delete(cluster_path(INVENTORY_DEV_ID))
    emulator.add_fault("GET", "/provisioning/v1", "status", status=500)
    emulator.set_outcomes(next_restore="FAILED", backup_failure_nodes=["x"], two_factor_delete="all")
    emulator.settings(restore_duration=5, time_scale=100)
    emulator.advance(5 * DAY)
    emulator.reset()
    assert sorted(c["name"] for c in emulator.clusters()) == ["inventory-dev", "legacy-nobackup", "orders-prod"]
    assert restored not in {c["id"] for c in emulator.clusters()}
    assert emulator.faults() == [] and emulator.requests_log() == []
    assert emulator.admin("GET", "/outcomes") == {"next_restore": "RUNNING", "backup_failure_nodes": [],
                                                  "two_factor_delete": [], "next_restore_data": "complete"}
    assert emulator.settings() == {"backup_duration": 600.0, "restore_duration": 1200.0, "delete_duration": 60.0,
                                   "firewall_rule_duration": 30.0, "time_scale": 1.0, **DEFAULT_LIMITS_AND_V2_FORMS}
    assert abs(emulator.now_ms() / 1000.0 - time.time()) < 60
    assert api.get(cluster_path(INVENTORY_DEV_ID)).json()["clusterStatus"] == "RUNNING"


def test_clusters_view_includes_deleted_clusters(emulator, api):
    api.delete(cluster_path(INVENTORY_DEV_ID))
    emulator.advance(120)
    summary = {c["name"]: c for c in emulator.clusters()}
    assert summary["inventory-dev"]["deleted"] is True and summary["inventory-dev"]["status"] == "DELETED"
    assert summary["orders-prod"]["deleted"] is False and summary["orders-prod"]["created_by_restore"] is False
    assert emulator.cluster_state(INVENTORY_DEV_ID)["deleted"] is True


def test_edit_cluster_rewrites_name_and_tier_as_the_api_answers_them(emulator, api):
    hostile = "orders{{ lookup('pipe', 'id') }}"
    state = emulator.edit_cluster(INVENTORY_DEV_ID, name=hostile)
    assert state["name"] == hostile
    assert api.get(cluster_path(INVENTORY_DEV_ID)).json()["clusterName"] == hostile
    emulator.edit_cluster(INVENTORY_DEV_ID, sla_tier="PRODUCTION")
    assert api.get(cluster_path(INVENTORY_DEV_ID)).json()["slaTier"] == "PRODUCTION"
    for body in ({"id": "x"}, {"name": ""}, {"name": 5}):
        response = requests.patch(emulator.url + "/__emulator__/clusters/" + INVENTORY_DEV_ID, json=body, timeout=10)
        assert response.status_code == 400
    assert requests.patch(emulator.url + "/__emulator__/clusters/nope", json={"name": "x"}, timeout=10).status_code == 404


def test_unknown_cluster_state_is_404(emulator):
    response = requests.get(emulator.url + "/__emulator__/clusters/nope", timeout=10)
    assert response.status_code == 404


@pytest.mark.parametrize("path,body", [
    ("/outcomes", {"next_restore": "MAYBE"}),
    ("/outcomes", {"backup_failure_nodes": "node-1"}),
    ("/outcomes", {"surprise": True}),
    ("/settings", {"time_scale": 0}),
    ("/settings", {"restore_duration": -1}),
    ("/settings", {"api_key": "x"}),
    ("/clock", {"advance_seconds": -5}),
    ("/clock", {}),
])
def test_invalid_admin_requests_are_400(emulator, path, body):
    response = requests.post(emulator.url + "/__emulator__" + path, json=body, timeout=10)
    assert response.status_code == 400 and response.json()["error"]


def test_command_line_options_set_credentials_and_durations():
    args = ("--backup-duration", "30", "--restore-duration", "90", "--delete-duration", "5",
            "--firewall-rule-duration", "12")
    with running_emulator(username="ops", api_key="k-123", time_scale=2, extra_args=args) as emulator:
        assert emulator.settings() == {"backup_duration": 30.0, "restore_duration": 90.0, "delete_duration": 5.0,
                                       "firewall_rule_duration": 12.0, "time_scale": 2.0, **DEFAULT_LIMITS_AND_V2_FORMS}
        assert emulator.api("GET", "/provisioning/v1").status_code == 200
        assert emulator.api("GET", "/provisioning/v1", auth=("demo", "demo-key")).status_code == 401


def test_harness_reports_a_failed_start_with_stderr():
    with pytest.raises(EmulatorStartError, match="invalid choice"):
        with running_emulator(scenario="no-such-scenario"):
            pass
