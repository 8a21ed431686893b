"""Section 4: the OpenAPI document. The openapi-core check runs in every test through the ``api``
fixture; here, proof that the check bites, and a bounded schemathesis run against a fresh emulator.
"""

import time
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse
from schemathesis.checks import content_type_conformance, response_schema_conformance, status_code_conformance

from tests.support.emulator import running_emulator

OPENAPI_PATH = Path(__file__).resolve().parents[2] / "docs" / "openapi" / "provisioning-v1.yaml"
TRIGGER = ("POST", "/provisioning/v1/{clusterId}/backups")
PACE_SECONDS = 1 / 30.0  # stay under the 35 requests/second limit, so answers are not all 429

schema = schemathesis.from_path(str(OPENAPI_PATH))


def test_the_openapi_check_rejects_an_undocumented_status(emulator, openapi):
    emulator.add_fault("GET", "/provisioning/v1", "status", status=418)
    response = emulator.api("GET", "/provisioning/v1")
    with pytest.raises(Exception, match="418"):
        openapi.validate_response(RequestsOpenAPIRequest(response.request), RequestsOpenAPIResponse(response))


def test_the_openapi_check_counts_validated_responses(api):
    api.get("/provisioning/v1")
    api.get("/provisioning/v1", auth=None)
    assert api.checked == 2


@pytest.fixture(scope="module")
def fresh_emulator():
    with running_emulator(time_scale=60) as emulator:
        yield emulator


def no_undocumented_server_error(case, response):
    """5xx only where documented: the trigger's 503 (backup capability not available)."""
    if response.status_code >= 500:
        assert (case.method.upper(), case.path) == TRIGGER and response.status_code == 503, (
            "%s %s answered %d" % (case.method, case.formatted_path, response.status_code))


@schema.parametrize()
@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_schemathesis_finds_no_undocumented_answer(case, fresh_emulator):
    assert fresh_emulator.url.startswith("http://127.0.0.1:")
    time.sleep(PACE_SECONDS)
    response = case.call(base_url=fresh_emulator.url, auth=(fresh_emulator.username, fresh_emulator.api_key),
                         timeout=30)
    case.validate_response(response, checks=(status_code_conformance, content_type_conformance, response_schema_conformance))
    no_undocumented_server_error(case, response)


def test_schemathesis_run_reached_every_operation(fresh_emulator):
    """Runs after the schemathesis test (file order): its requests are in the emulator's log."""
    log = fresh_emulator.requests_log()
    templates = {(entry["method"], operation_template(entry["path"])) for entry in log}
    assert templates == {("GET", "/provisioning/v1"), ("GET", "/provisioning/v1/{clusterId}"),
                         ("DELETE", "/provisioning/v1/{clusterId}"), ("GET", "/provisioning/v1/{clusterId}/backups"),
                         ("POST", "/provisioning/v1/{clusterId}/backups"),
                         ("POST", "/provisioning/v1/{clusterId}/backups/restore"),
                         ("GET", "/provisioning/v1/{clusterId}/firewallRules/"),
                         ("POST", "/provisioning/v1/{clusterId}/firewallRules/"),
                         ("DELETE", "/provisioning/v1/{clusterId}/firewallRules/")}
    statuses = sorted({entry["status"] for entry in log})
    print("schemathesis sent %d requests; statuses seen: %s" % (len(log), statuses))
    assert len(log) >= 30


def operation_template(path):
    parts = path.split("/")
    if len(parts) > 3:
        parts[3] = "{clusterId}"
    return "/".join(parts)
