"""Section 3: injected faults (status, delay, drop before and after acting) and their bookkeeping."""

import time

import pytest
import requests

from tests.emulator_tests.helpers import backups_path, cluster_path, restore_path
from tests.support.emulator import INVENTORY_DEV_ID, ORDERS_PROD_ID

RESTORE_TEMPLATE = "/provisioning/v1/{clusterId}/backups/restore"


def restored_clusters(emulator):
    return [cluster for cluster in emulator.clusters() if cluster["created_by_restore"]]


def test_status_fault_answers_the_next_n_matching_requests(emulator, api):
    emulator.add_fault("POST", RESTORE_TEMPLATE, "status", status=503, count=2)
    # Injected answers are outside the contract, so they are read without the OpenAPI check.
    answers = [emulator.api("POST", restore_path(ORDERS_PROD_ID), json={"clusterNameOverride": "faulted"})
               for _attempt in range(3)]
    assert [answer.status_code for answer in answers] == [503, 503, 200]
    assert answers[0].json()["status"] == 503
    assert len(restored_clusters(emulator)) == 1  # the faulted requests did not act
    faults = [entry["fault"] for entry in emulator.requests_log()]
    assert faults == ["status", "status", None]


@pytest.mark.parametrize("status", [429, 500, 502, 504])
def test_status_fault_answers_an_error_message(emulator, status):
    emulator.add_fault("GET", "/provisioning/v1", "status", status=status)
    response = emulator.api("GET", "/provisioning/v1")
    assert response.status_code == status and response.json()["status"] == status
    assert "Retry-After" not in response.headers


def test_status_fault_401_has_an_empty_body(emulator):
    emulator.add_fault("GET", "/provisioning/v1", "status", status=401)
    response = emulator.api("GET", "/provisioning/v1")
    assert (response.status_code, response.content) == (401, b"")


def test_template_matches_any_cluster_but_not_other_paths_or_methods(emulator, api):
    emulator.add_fault("GET", "/provisioning/v1/{clusterId}", "status", status=500, count=5)
    assert api.get("/provisioning/v1").status_code == 200
    assert api.get(backups_path(ORDERS_PROD_ID)).status_code == 200
    assert api.post(backups_path(INVENTORY_DEV_ID)).status_code == 204
    assert emulator.api("GET", cluster_path(INVENTORY_DEV_ID)).status_code == 500
    assert emulator.faults()[0]["remaining"] == 4


def test_delay_fault_waits_then_answers_normally(emulator, api):
    emulator.add_fault("GET", "/provisioning/v1", "delay", delay_seconds=0.6)
    started = time.monotonic()
    response = api.get("/provisioning/v1")
    assert response.status_code == 200 and len(response.json()) == 3
    assert time.monotonic() - started >= 0.6


def test_delay_fault_acts_even_when_the_client_gave_up(emulator):
    emulator.add_fault("POST", "/provisioning/v1/{clusterId}/backups", "delay", delay_seconds=0.8)
    with pytest.raises(requests.Timeout):
        emulator.api("POST", backups_path(INVENTORY_DEV_ID), timeout=0.2)
    deadline = time.monotonic() + 5
    while not emulator.cluster_state(INVENTORY_DEV_ID)["triggered_backups"] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(emulator.cluster_state(INVENTORY_DEV_ID)["triggered_backups"]) == 1
    assert emulator.requests_log()[-1]["fault"] == "delay"


def test_drop_before_closes_the_connection_without_acting(emulator):
    emulator.add_fault("POST", RESTORE_TEMPLATE, "drop_before")
    with pytest.raises(requests.ConnectionError):
        emulator.api("POST", restore_path(ORDERS_PROD_ID), json={"clusterNameOverride": "never-made"})
    assert restored_clusters(emulator) == []
    entry = emulator.requests_log()[-1]
    assert (entry["fault"], entry["status"], entry["method"]) == ("drop_before", None, "POST")


def test_drop_after_acts_then_closes_the_connection(emulator):
    emulator.add_fault("POST", RESTORE_TEMPLATE, "drop_after")
    with pytest.raises(requests.ConnectionError):
        emulator.api("POST", restore_path(ORDERS_PROD_ID), json={"clusterNameOverride": "made-anyway"})
    assert [cluster["name"] for cluster in restored_clusters(emulator)] == ["made-anyway"]
    entry = emulator.requests_log()[-1]
    assert (entry["fault"], entry["status"]) == ("drop_after", 200)


def test_drop_after_on_delete_still_deletes(emulator):
    emulator.add_fault("DELETE", "/provisioning/v1/{clusterId}", "drop_after")
    with pytest.raises(requests.ConnectionError):
        emulator.api("DELETE", cluster_path(INVENTORY_DEV_ID))
    assert emulator.api("GET", cluster_path(INVENTORY_DEV_ID)).json()["clusterStatus"] == "DELETING"


def test_faults_can_be_listed_and_cleared(emulator, api):
    emulator.add_fault("GET", "/provisioning/v1", "status", status=503, count=3)
    emulator.add_fault("POST", RESTORE_TEMPLATE, "drop_after")
    assert [(f["fault"], f["remaining"]) for f in emulator.faults()] == [("status", 3), ("drop_after", 1)]
    emulator.clear_faults()
    assert emulator.faults() == []
    assert api.get("/provisioning/v1").status_code == 200


@pytest.mark.parametrize("spec", [
    {"method": "GET", "path": "/provisioning/v1", "fault": "explode"},
    {"method": "GET", "path": "/provisioning/v1", "fault": "status"},
    {"method": "GET", "path": "/provisioning/v1", "fault": "delay"},
    {"method": "GET", "path": "provisioning/v1", "fault": "drop_before"},
    {"method": "GET", "path": "/provisioning/v1", "fault": "drop_before", "count": 0},
])
def test_invalid_fault_definitions_are_refused(emulator, spec):
    response = requests.post(emulator.url + "/__emulator__/faults", json=spec, timeout=10)
    assert response.status_code == 400 and response.json()["error"]
    assert emulator.faults() == []


def test_echo_auth_answers_with_the_authorization_header_in_the_body(emulator):
    emulator.add_fault("GET", "/provisioning/v1", "echo_auth")
    response = requests.get(emulator.url + "/provisioning/v1", auth=(emulator.username, emulator.api_key), timeout=10)
    sent = requests.auth._basic_auth_str(emulator.username, emulator.api_key)
    assert response.status_code == 502 and sent in response.text
    assert response.json()["errorDetails"]["token"] == sent.split(" ", 1)[1]
    assert requests.get(emulator.url + "/provisioning/v1", auth=(emulator.username, emulator.api_key), timeout=10).status_code == 200
