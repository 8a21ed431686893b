"""Section 1: the endpoints, their status codes and shapes, auth, 415, 404/400 and the Date header."""

import time
from concurrent.futures import ThreadPoolExecutor
from email.utils import parsedate_to_datetime

import pytest
import requests

from tests.emulator_tests.helpers import DAY, backups_path, cluster_path, restore_path, node_events
from tests.support.emulator import INVENTORY_DEV_ID, LEGACY_NOBACKUP_ID, ORDERS_PROD_ID, running_emulator

UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"
ALL_ROUTES = [
    ("GET", "/provisioning/v1"),
    ("GET", cluster_path(ORDERS_PROD_ID)),
    ("DELETE", cluster_path(ORDERS_PROD_ID)),
    ("GET", backups_path(ORDERS_PROD_ID)),
    ("POST", backups_path(ORDERS_PROD_ID)),
    ("POST", restore_path(ORDERS_PROD_ID)),
]


def test_list_clusters_shows_the_three_seeded_clusters(api):
    response = api.get("/provisioning/v1")
    assert response.status_code == 200
    by_name = {item["name"]: item for item in response.json()}
    assert set(by_name) == {"orders-prod", "inventory-dev", "legacy-nobackup"}
    orders = by_name["orders-prod"]
    assert orders["id"] == ORDERS_PROD_ID
    assert (orders["nodeCount"], orders["runningNodeCount"], orders["derivedStatus"]) == (6, 6, "RUNNING")
    assert set(orders) == {"id", "name", "cassandraVersion", "nodeCount", "runningNodeCount", "derivedStatus",
                           "slaTier", "pciCompliance"}


def test_get_cluster_answers_202_with_details(api):
    response = api.get(cluster_path(ORDERS_PROD_ID))
    assert response.status_code == 202
    body = response.json()
    assert (body["clusterName"], body["clusterStatus"]) == ("orders-prod", "RUNNING")
    assert body["instaclustrUserPassword"]
    centres = {dc["cdcName"]: dc for dc in body["dataCentres"]}
    assert set(centres) == {"AWS_VPC_US_EAST_1", "AWS_VPC_US_WEST_2"}
    east = centres["AWS_VPC_US_EAST_1"]
    assert (east["name"], east["provider"], east["cdcNetwork"], east["nodeCount"]) == (
        "US_EAST_1", "AWS_VPC", "10.1.0.0/16", 4)
    assert sorted(node["rack"] for node in east["nodes"]) == ["us-east-1a", "us-east-1a", "us-east-1b", "us-east-1c"]
    assert {node["nodeStatus"] for node in east["nodes"]} == {"RUNNING"}


def test_inventory_dev_answers_cdc_network_as_an_object(api):
    dc = api.get(cluster_path(INVENTORY_DEV_ID)).json()["dataCentres"][0]
    assert dc["cdcNetwork"] == {"network": "10.2.0.0", "prefixLength": 16}
    assert dc["nodeCount"] == 3


def test_every_cluster_reports_the_db_password_given_on_the_command_line():
    with running_emulator(extra_args=("--db-password", "s3cret-PASS-42")) as emulator:
        for cluster_id in (ORDERS_PROD_ID, INVENTORY_DEV_ID):
            assert emulator.api("GET", cluster_path(cluster_id)).json()["instaclustrUserPassword"] == "s3cret-PASS-42"


def test_generated_db_passwords_differ_between_clusters(api):
    passwords = {api.get(cluster_path(cluster_id)).json()["instaclustrUserPassword"]
                 for cluster_id in (ORDERS_PROD_ID, INVENTORY_DEV_ID)}
    assert len(passwords) == 2


def test_empty_account_lists_404():
    with running_emulator(scenario="empty") as emulator:
        response = emulator.api("GET", "/provisioning/v1")
        assert response.status_code == 404
        assert response.json()["status"] == 404


@pytest.mark.parametrize("method,suffix", [("GET", ""), ("DELETE", ""), ("GET", "/backups"), ("POST", "/backups"),
                                           ("POST", "/backups/restore")])
def test_unknown_cluster_is_404_with_error_message(api, method, suffix):
    response = api(method, cluster_path(UNKNOWN_ID) + suffix)
    assert response.status_code == 404
    assert set(response.json()) == {"status", "message", "errorDetails", "code", "link"}


@pytest.mark.parametrize("method,suffix", [("GET", ""), ("GET", "/backups"), ("POST", "/backups/restore")])
def test_malformed_cluster_id_is_400_naming_cluster_id(api, method, suffix):
    response = api(method, "/provisioning/v1/not-a-uuid" + suffix)
    assert response.status_code == 400
    assert "clusterId" in response.json()["message"]
    assert response.json()["errorDetails"]["field"] == "clusterId"


def test_cluster_without_backup_capability(api):
    trigger = api.post(backups_path(LEGACY_NOBACKUP_ID))
    assert trigger.status_code == 503
    assert trigger.json()["message"] == "Backup capability is not available"
    backups = api.get(backups_path(LEGACY_NOBACKUP_ID))
    assert backups.status_code == 200
    events = node_events(backups.json())
    assert len(events) == 2 and all(node == [] for node in events.values())


def test_trigger_answers_204_without_body(api):
    response = api.post(backups_path(ORDERS_PROD_ID))
    assert (response.status_code, response.content) == (204, b"")


@pytest.mark.parametrize("method,path", ALL_ROUTES)
@pytest.mark.parametrize("auth", [None, ("demo", "wrong-key"), ("someone", "demo-key")], ids=["none", "key", "user"])
def test_bad_credentials_answer_401_with_empty_body(emulator, api, method, path, auth):
    response = api(method, path, auth=auth)
    assert (response.status_code, response.content) == (401, b"")
    assert len(emulator.clusters()) == 3
    assert not emulator.cluster_state(ORDERS_PROD_ID)["delete_requested"]
    assert emulator.cluster_state(ORDERS_PROD_ID)["triggered_backups"] == []


@pytest.mark.parametrize("path", [backups_path(ORDERS_PROD_ID), restore_path(ORDERS_PROD_ID)])
@pytest.mark.parametrize("headers", [{}, {"Content-Type": "text/plain"}, {"Content-Type": "application/xml"}],
                         ids=["none", "text", "xml"])
def test_post_without_json_content_type_is_415_and_does_nothing(emulator, api, path, headers):
    response = api.post(path, data=b"", headers=headers)
    assert response.status_code == 415
    assert response.json()["status"] == 415
    assert emulator.cluster_state(ORDERS_PROD_ID)["triggered_backups"] == []
    assert len(emulator.clusters()) == 3


def test_unknown_route_under_the_api_is_404(api, emulator):
    response = emulator.api("GET", "/provisioning/v1/%s/nothing-here" % ORDERS_PROD_ID)
    assert response.status_code == 404 and response.json()["status"] == 404


def date_of(response):
    return parsedate_to_datetime(response.headers["Date"]).timestamp()


def test_date_header_carries_simulated_time_on_every_response(emulator, api):
    before = date_of(api.get("/provisioning/v1"))
    emulator.advance(3 * DAY)
    after = [date_of(api.get("/provisioning/v1")), date_of(api.get("/provisioning/v1", auth=None)),
             date_of(requests.get(emulator.url + "/__emulator__/settings", timeout=10))]
    for stamp in after:
        assert 3 * DAY <= stamp - before <= 3 * DAY + 60


def test_date_header_is_single_and_rfc7231(emulator):
    response = emulator.api("GET", "/provisioning/v1")
    raw_dates = response.raw.headers.getlist("Date")
    assert len(raw_dates) == 1
    assert raw_dates[0].endswith(" GMT") and parsedate_to_datetime(raw_dates[0]) is not None
    assert abs(date_of(response) - emulator.now_ms() / 1000.0) < 5


def test_date_header_counts_whole_seconds_while_event_times_carry_milliseconds(emulator):
    # As the real API: RFC 7231 dates have no milliseconds; backup events are epoch ms.
    before_ms = emulator.now_ms()
    emulator.api("POST", "/provisioning/v1/%s/backups" % ORDERS_PROD_ID)
    emulator.advance(3600)
    response = emulator.api("GET", "/provisioning/v1/%s/backups" % ORDERS_PROD_ID)
    after_ms = emulator.now_ms()
    date_ms = int(date_of(response) * 1000)
    assert date_ms % 1000 == 0
    assert before_ms - before_ms % 1000 <= date_ms - 3600 * 1000 and date_ms <= after_ms - after_ms % 1000  # floored, not rounded
    times = [event[key] for dc in response.json()["clusterDataCentres"] for node in dc["nodes"]
             for event in node["events"] for key in ("start", "end") if event[key] is not None]
    assert any(ms % 1000 for ms in times)


def test_cluster_ids_are_case_insensitive(api):
    assert api.get(cluster_path(ORDERS_PROD_ID.upper())).json()["id"] == ORDERS_PROD_ID


def test_requests_are_served_in_parallel(emulator):
    # 20 clients at once, each held 0.5 s by a delay fault: served together, not one after another.
    emulator.add_fault("GET", "/provisioning/v1/{clusterId}", "delay", delay_seconds=0.5, count=20)
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(lambda _: emulator.api("GET", cluster_path(ORDERS_PROD_ID)), range(20)))
    assert {answer.status_code for answer in answers} == {202}
    assert time.monotonic() - started < 3.0
