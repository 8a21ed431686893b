"""Faults, the request log and the rate limit on v2 paths; the mixed and fleet:N scenarios;
proof that the v2 contract check bites."""

import time

import pytest
import requests
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse

from tests.support.emulator import (ACCOUNT_LIST_PATH, ORDERS_PROD_ID, PAYMENTS_PG_ID, fleet_id, running_emulator,
                                    v2_path)

RESTORE_PG = v2_path("postgresql", "restore")


def restored(emulator, name):
    return [cluster for cluster in emulator.clusters() if cluster["name"] == name]


def test_the_v2_contract_check_rejects_an_undocumented_status(mixed, openapi_v2):
    mixed.add_fault("GET", ACCOUNT_LIST_PATH, "status", status=418)
    response = mixed.api("GET", ACCOUNT_LIST_PATH)
    with pytest.raises(Exception, match="418"):
        openapi_v2.validate_response(RequestsOpenAPIRequest(response.request), RequestsOpenAPIResponse(response))


@pytest.mark.parametrize("shape", ["list", "bare", "text"])
def test_status_faults_answer_in_the_configured_v2_shape(mixed, shape):
    mixed.settings(v2_error_body=shape)
    mixed.add_fault("POST", RESTORE_PG, "status", status=503, count=2)
    answers = [mixed.api("POST", RESTORE_PG, json={"clusterId": PAYMENTS_PG_ID, "restoredClusterName": "faulted"})
               for _attempt in range(3)]
    assert [answer.status_code for answer in answers] == [503, 503, 202]
    expected = {"list": {"errors": [{"name": "Service Unavailable", "message": "Injected fault"}]},
                "bare": {"name": "Service Unavailable", "message": "Injected fault"}}
    if shape == "text":
        assert answers[0].text == "Service Unavailable: Injected fault"
    else:
        assert answers[0].json() == expected[shape]
    assert len(restored(mixed, "faulted")) == 1
    assert [(entry["path"], entry["fault"]) for entry in mixed.requests_log()] == [
        (RESTORE_PG, "status"), (RESTORE_PG, "status"), (RESTORE_PG, None)]


def test_fault_templates_match_v2_paths(mixed):
    template = v2_path("cassandra", "cluster")  # with {clusterId}
    mixed.add_fault("GET", template, "status", status=500, count=2)
    assert mixed.api("GET", v2_path("cassandra", "list_backups", ORDERS_PROD_ID)).status_code == 200
    assert mixed.api("GET", v2_path("cassandra", "cluster", ORDERS_PROD_ID)).status_code == 500
    assert mixed.faults()[0]["remaining"] == 1


def test_drop_after_on_a_v2_restore_still_restores(mixed):
    mixed.add_fault("POST", RESTORE_PG, "drop_after")
    with pytest.raises(requests.ConnectionError):
        mixed.api("POST", RESTORE_PG, json={"clusterId": PAYMENTS_PG_ID, "restoredClusterName": "made-anyway"})
    assert len(restored(mixed, "made-anyway")) == 1
    entry = mixed.requests_log()[-1]
    assert (entry["fault"], entry["status"], entry["body"]["restoredClusterName"]) == ("drop_after", 202, "made-anyway")


def test_drop_before_and_delay_on_v2(mixed):
    trigger = v2_path("postgresql", "trigger_backup", PAYMENTS_PG_ID)
    mixed.add_fault("POST", trigger, "drop_before")
    with pytest.raises(requests.ConnectionError):
        mixed.api("POST", trigger)
    assert mixed.cluster_state(PAYMENTS_PG_ID)["triggered_backups"] == []
    mixed.add_fault("*", ACCOUNT_LIST_PATH, "delay", delay_seconds=0.3)
    started = time.monotonic()
    assert mixed.api("GET", ACCOUNT_LIST_PATH).status_code == 200
    assert time.monotonic() - started >= 0.3


def test_v2_rate_limit_has_its_own_figure_and_window():
    # A low figure keeps this quick and robust: 5 per second on v2, v1 unaffected.
    with running_emulator(scenario="mixed", extra_args=("--v2-rate-limit", "5")) as emulator:
        started = time.monotonic()
        codes = [emulator.api("GET", ACCOUNT_LIST_PATH).status_code for _request in range(8)]
        v1 = emulator.api("GET", "/provisioning/v1").status_code
        if time.monotonic() - started > 0.9:
            pytest.skip("the machine is too slow to send 9 requests within one second")
        assert codes == [200] * 5 + [429] * 3 and v1 == 200
        rejected = emulator.api("GET", ACCOUNT_LIST_PATH)
        assert rejected.json() == {"errors": [{"name": "Rate Limit Exceeded", "message": "Rate Limit Exceeded"}]}
        assert "Retry-After" not in rejected.headers
        time.sleep(1.05)
        assert emulator.api("GET", ACCOUNT_LIST_PATH).status_code == 200
        emulator.settings(v2_rate_limit=35)
        assert emulator.settings()["v2_rate_limit"] == 35


def test_fleet_size_can_be_set():
    with running_emulator(scenario="fleet:200") as emulator:
        listed = emulator.api("GET", "/provisioning/v1").json()
        assert len(listed) == 200 and listed[-1]["name"] == "fleet-200" and listed[-1]["id"] == fleet_id(200)
        accounts = emulator.api("GET", ACCOUNT_LIST_PATH).json()
        assert [len(account["clusters"]) for account in accounts] == [200]
        assert {c["application"] for c in accounts[0]["clusters"]} == {"APACHE_CASSANDRA"}
        networks = {emulator.api("GET", v2_path("cassandra", "cluster", fleet_id(n))).json()["dataCentres"][0]["network"]
                    for n in (1, 155, 156, 200)}
        assert len(networks) == 4


def test_bad_scenario_names_are_refused():
    from tests.emulator.scenarios import check_scenario
    from tests.support.emulator import EmulatorStartError

    for scenario in ("fleet:0", "fleet:x", "fleet:1000", "fleet:N", "mixed:2"):
        with pytest.raises(ValueError, match="invalid choice"):
            check_scenario(scenario)
    assert [check_scenario(name) for name in ("fleet", "fleet:1", "fleet:999", "mixed")] == [
        "fleet", "fleet:1", "fleet:999", "mixed"]
    with pytest.raises(EmulatorStartError, match="invalid choice"):
        with running_emulator(scenario="fleet:0"):
            pass
