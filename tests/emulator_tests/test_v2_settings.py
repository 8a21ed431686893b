"""The settings that choose the emulator's answer where the v2 reference is silent: trailing
slashes, pointInTime forms, error bodies, deleted clusters in the account list, restore statuses;
from the admin API and from the command line."""

import pytest
import requests

from tests.emulator.api_v2 import ROUTES
from tests.support.emulator import (ACCOUNT_LIST_PATH, ORDERS_PROD_ID, PAYMENTS_PG_ID, SEARCH_OS_ID,
                                    SESSIONS_REDIS_ID, running_emulator, v2_path)

SOURCE = {"cassandra": ORDERS_PROD_ID, "postgresql": PAYMENTS_PG_ID, "opensearch": SEARCH_OS_ID,
          "redis": SESSIONS_REDIS_ID}
# Every documented read route, spelled both ways (GETs only: they change nothing).
READS = [(route.template, route.app.application if route.app else None) for route in ROUTES if route.method == "GET"]


def spelled(emulator, template, application):
    path = template.replace("{clusterId}", SOURCE.get(application, ORDERS_PROD_ID))  # firewall routes: any application
    if "{firewallRuleId}" in path:
        path = path.replace("{firewallRuleId}", emulator.firewall_rules(ORDERS_PROD_ID)[0]["id"])
    other = path[:-1] if path.endswith("/") else path + "/"
    return path, other


@pytest.mark.parametrize("template,application", READS, ids=[t.split("/v2/", 1)[1] for t, _a in READS])
def test_lenient_answers_both_spellings_strict_only_the_documented_one(v2, template, application):
    documented, other = spelled(v2.emulator, template, application)
    assert v2.get(documented).status_code == 200
    assert v2.get(other).status_code == 200  # lenient, the default
    v2.emulator.settings(v2_trailing_slash="strict")
    assert v2.get(documented).status_code == 200
    refused = v2.get(other)
    assert refused.status_code == 404 and refused.json()["errors"][0]["name"] == "path"


@pytest.mark.parametrize("template,application", READS, ids=[t.split("/v2/", 1)[1] for t, _a in READS])
def test_operator_answers_only_the_operator_clients_spelling(v2, template, application):
    documented, _other = spelled(v2.emulator, template, application)
    operator = documented + "/" if template == ACCOUNT_LIST_PATH else documented.rstrip("/")
    v2.emulator.settings(v2_trailing_slash="operator")
    assert v2.get(operator).status_code == 200
    if operator != documented:
        refused = v2.get(documented)
        assert refused.status_code == 404 and refused.json()["errors"][0]["name"] == "path"


def test_operator_refuses_the_documents_spelling_of_a_mutation_and_does_nothing(v2):
    v2.emulator.settings(v2_trailing_slash="operator")
    documented = v2_path("redis", "trigger_backup", SESSIONS_REDIS_ID)
    assert v2.post(documented).status_code == 404
    assert v2.delete(v2_path("postgresql", "cluster", PAYMENTS_PG_ID)).status_code == 404
    assert v2.emulator.cluster_state(SESSIONS_REDIS_ID)["triggered_backups"] == []
    assert not v2.emulator.cluster_state(PAYMENTS_PG_ID)["delete_requested"]
    assert v2.post(documented.rstrip("/")).status_code == 202


def test_strict_refuses_a_mutation_spelled_the_other_way_and_does_nothing(v2):
    v2.emulator.settings(v2_trailing_slash="strict")
    documented = v2_path("postgresql", "trigger_backup", PAYMENTS_PG_ID)
    assert v2.post(documented.rstrip("/")).status_code == 404
    assert v2.post(v2_path("cassandra", "restore") + "/", json={"clusterId": ORDERS_PROD_ID}).status_code == 404
    assert v2.delete(v2_path("postgresql", "cluster", PAYMENTS_PG_ID).rstrip("/")).status_code == 404
    assert not any(cluster["created_by_restore"] and cluster["source_cluster_id"] == ORDERS_PROD_ID
                   for cluster in v2.emulator.clusters())
    assert v2.emulator.cluster_state(PAYMENTS_PG_ID)["triggered_backups"] == []
    assert not v2.emulator.cluster_state(PAYMENTS_PG_ID)["delete_requested"]
    assert v2.post(documented).status_code == 202


def restore(v2, point_in_time, name="pit-form"):
    return v2.post(v2_path("cassandra", "restore"),
                   json={"clusterId": ORDERS_PROD_ID, "restoredClusterName": name, "pointInTime": point_in_time})


def pit_forms(now):
    from tests.emulator.clock import iso_ms

    moment = now - 3600 * 1000
    return {"integer": moment, "string-ms": str(moment), "string-iso": iso_ms(moment),
            "string-iso-seconds": iso_ms(moment)[:19] + "Z", "string-iso-offset": iso_ms(moment)[:19] + "+00:00"}, moment


@pytest.mark.parametrize("setting,accepted", [
    ("both", {"integer", "string-ms", "string-iso", "string-iso-seconds", "string-iso-offset"}),
    ("string", {"string-ms", "string-iso", "string-iso-seconds", "string-iso-offset"}),
    ("integer", {"integer"}),
])
def test_point_in_time_forms(v2, setting, accepted):
    v2.emulator.settings(v2_point_in_time=setting)
    forms, moment = pit_forms(v2.emulator.now_ms())
    for form, value in sorted(forms.items()):
        response = restore(v2, value, name="pit-" + form)
        if form in accepted:
            assert response.status_code == 202, (form, response.text)
            assert response.json()["pointInTime"] == str(value)  # echoed as the string the schema types it as
            state = v2.emulator.cluster_state(response.json()["restoredClusterId"])
            assert abs(state["restore"]["request"]["point_in_time_ms"] - moment) < 1000
        else:
            assert response.status_code == 400, form
            assert response.json()["errors"][0]["name"] == "pointInTime"


@pytest.mark.parametrize("value", ["yesterday", "2024-06-03T08:00:00", 1.5e12, True, [1]],
                         ids=["word", "iso-without-zone", "float", "bool", "list"])
def test_point_in_time_that_no_setting_accepts(v2, value):
    response = restore(v2, value)
    assert response.status_code == 400 and response.json()["errors"][0]["name"] == "pointInTime"


def test_error_bodies_in_each_shape(v2):
    missing = v2_path("cassandra", "cluster", "00000000-0000-4000-8000-000000000000")
    listed = v2.get(missing)
    assert listed.json() == {"errors": [{"name": "clusterId", "message": listed.json()["errors"][0]["message"]}]}
    v2.emulator.settings(v2_error_body="bare")
    bare = v2.get(missing)
    assert bare.status_code == 404 and set(bare.json()) == {"name", "message"} and bare.json()["name"] == "clusterId"
    assert set(v2.get(ACCOUNT_LIST_PATH, auth=None).json()) == {"name", "message"}
    v2.emulator.settings(v2_error_body="text")
    text = v2.get(missing)
    assert text.status_code == 404 and text.headers["Content-Type"].startswith("text/plain")
    assert text.text.startswith("clusterId: ")
    bad = v2.post(v2_path("cassandra", "restore"), json={"clusterId": ORDERS_PROD_ID, "restoredClusterName": "a"})
    assert bad.status_code == 400 and bad.text.startswith("restoredClusterName: ")
    assert v2.get(ACCOUNT_LIST_PATH, auth=None).text == "Not Authorized"
    assert v2.get("/provisioning/v1/" + "0" * 8).json()["status"] == 400  # v1 keeps its ErrorMessage


def test_deleted_clusters_leave_the_account_list_unless_set_to_stay(v2):
    v2.delete(v2_path("opensearch", "cluster", SEARCH_OS_ID))
    v2.emulator.advance(120)

    def listed():
        return {c["id"] for account in v2.get(ACCOUNT_LIST_PATH).json() for c in account["clusters"]}

    assert SEARCH_OS_ID not in listed()
    v2.emulator.settings(v2_list_deleted=True)
    assert SEARCH_OS_ID in listed()
    assert v2.get(v2_path("opensearch", "cluster", SEARCH_OS_ID)).status_code == 404  # listed, yet gone


@pytest.mark.parametrize("setting,middle", [("restoring", "RESTORING"), ("provisioning", "PROVISIONING")])
def test_restored_cluster_statuses(v2, setting, middle):
    v2.emulator.settings(v2_restore_status=setting, restore_duration=1000)
    new_id = restore(v2, None).json()["restoredClusterId"]
    path = v2_path("cassandra", "cluster", new_id)
    seen = [v2.get(path).json()["status"]]
    for _step in range(2):
        v2.emulator.advance(500)
        seen.append(v2.get(path).json()["status"])
    assert seen == ["PROVISIONING", middle, "RUNNING"]


def test_v1_shows_restoring_whatever_the_v2_setting(v2):
    v2.emulator.settings(v2_restore_status="provisioning", restore_duration=1000)
    new_id = restore(v2, None).json()["restoredClusterId"]
    v2.emulator.advance(500)
    assert v2.get("/provisioning/v1/" + new_id).json()["clusterStatus"] == "RESTORING"
    assert v2.get(v2_path("cassandra", "cluster", new_id)).json()["status"] == "PROVISIONING"


@pytest.mark.parametrize("body", [{"v2_trailing_slash": "loose"}, {"v2_point_in_time": "float"},
                                  {"v2_error_body": "xml"}, {"v2_list_deleted": "yes"},
                                  {"v2_restore_status": "RESTORING"}, {"v2_rate_limit": 0}, {"rate_limit": 2.5}])
def test_invalid_settings_are_refused(mixed, body):
    response = requests.post(mixed.url + "/__emulator__/settings", json=body, timeout=10)
    assert response.status_code == 400 and next(iter(body)) in response.json()["error"]


def test_command_line_sets_every_v2_form_and_reset_keeps_them():
    args = ("--v2-trailing-slash", "strict", "--v2-point-in-time", "string", "--v2-error-body", "bare",
            "--v2-list-deleted", "--v2-restore-status", "provisioning", "--v2-rate-limit", "7", "--rate-limit", "9")
    with running_emulator(scenario="mixed", extra_args=args) as emulator:
        expected = {"v2_trailing_slash": "strict", "v2_point_in_time": "string", "v2_error_body": "bare",
                    "v2_list_deleted": True, "v2_restore_status": "provisioning", "v2_rate_limit": 7, "rate_limit": 9}
        emulator.settings(v2_error_body="text", rate_limit=35)
        emulator.reset()
        settings = emulator.settings()
        assert {name: settings[name] for name in expected} == expected
        answer = emulator.api("GET", ACCOUNT_LIST_PATH + "/")
        assert answer.status_code == 404 and set(answer.json()) == {"name", "message"}
