"""Firewall rules on the wire: both backends' paths, bodies and status codes (HTTP mocked with
responses), the one rule shape they return, and the option rules for networks and rule types."""

import json

import pytest
import responses

from ansible_collections.restorekit.instaclustr.plugins.module_utils import _shapes
from ansible_collections.restorekit.instaclustr.plugins.module_utils._applications import APPLICATIONS
from ansible_collections.restorekit.instaclustr.plugins.module_utils._cluster_management_v2 import ClusterManagementV2
from ansible_collections.restorekit.instaclustr.plugins.module_utils._errors import ApiError, OptionError
from ansible_collections.restorekit.instaclustr.plugins.module_utils._http import ApiSession
from ansible_collections.restorekit.instaclustr.plugins.module_utils._provisioning_v1 import ProvisioningV1
from ansible_collections.restorekit.instaclustr.plugins.module_utils._rules import check_network, check_rule_types

BASE = "http://127.0.0.1:9"
CLUSTER = "77b5a4e1-c422-4a78-b551-d8fa5c42ad95"
RULE_ID = "8e5c7a3b-51c1-4d7e-9f8a-2b6d4c0e1a93"
V1_PATH = "/provisioning/v1/%s/firewallRules/" % CLUSTER
V2_RULES = "/cluster-management/v2/resources/network-firewall-rules/v2"
V2_LIST = "/cluster-management/v2/data-sources/cluster/%s/network-firewall-rules/v2" % CLUSTER
KEYS = {"id", "cluster_id", "network", "type", "status", "deferred_reason", "security_group_id"}


@pytest.fixture
def api():
    with responses.RequestsMock() as mock:
        yield mock


def session():
    return ApiSession(BASE, "demo", "demo-key", retries=0, sleep=lambda seconds: None)


@pytest.fixture
def v1():
    return ProvisioningV1(session())


@pytest.fixture
def v2():
    return ClusterManagementV2(session(), application="postgresql")


def test_default_rule_types_come_from_the_application_table():
    assert ProvisioningV1.default_firewall_rule_type == "CASSANDRA"
    assert {name: ClusterManagementV2(session(), name).default_firewall_rule_type for name in APPLICATIONS} == {
        "cassandra": "CASSANDRA_CQL", "postgresql": "POSTGRESQL", "opensearch": "OPENSEARCH", "redis": "REDIS"}


def test_v1_lists_one_rule_per_type_and_network_or_security_group(api, v1):
    api.get(BASE + V1_PATH, json=[{"network": "10.0.0.0/8", "rules": [{"type": "CASSANDRA"}, {"type": "CASSANDRA_CQL"}]},
                                  {"securityGroupId": "sg-1", "rules": [{"type": "CASSANDRA"}]}])
    rules = v1.list_firewall_rules(CLUSTER)
    assert [(r["network"], r["type"], r["security_group_id"]) for r in rules] == [
        ("10.0.0.0/8", "CASSANDRA", None), ("10.0.0.0/8", "CASSANDRA_CQL", None), (None, "CASSANDRA", "sg-1")]
    assert all(set(rule) == KEYS and rule["cluster_id"] == CLUSTER and rule["id"] is None for rule in rules)


def test_v1_adds_and_removes_with_the_same_body_409_means_there_and_404_gone(api, v1):
    body = {"network": "10.0.0.0/8", "rules": [{"type": "CASSANDRA"}]}
    api.post(BASE + V1_PATH, status=202, json=body)
    api.delete(BASE + V1_PATH, status=202, json=body)
    assert v1.add_firewall_rule(CLUSTER, "10.0.0.0/8", "CASSANDRA")["network"] == "10.0.0.0/8"
    assert v1.delete_firewall_rule(CLUSTER, {"network": "10.0.0.0/8", "type": "CASSANDRA"}) is True
    assert [json.loads(call.request.body) for call in api.calls] == [body, body]
    assert api.calls[1].request.headers["Content-Type"] == "application/json"
    api.replace(responses.POST, BASE + V1_PATH, status=409, json={"message": "exists"})
    api.replace(responses.DELETE, BASE + V1_PATH, status=404, json={"message": "none"})
    assert v1.add_firewall_rule(CLUSTER, "10.0.0.0/8", "CASSANDRA") is None
    assert v1.delete_firewall_rule(CLUSTER, {"network": "10.0.0.0/8", "type": "CASSANDRA"}) is False


def test_v2_lists_flattens_and_shapes_rules(api, v2):
    api.get(BASE + V2_LIST, json=[{"clusterId": CLUSTER, "firewallRules": [
        {"id": RULE_ID, "network": "10.0.0.0/8", "type": "POSTGRESQL", "status": "DEFERRED", "deferredReason": "quota"}]}])
    [rule] = v2.list_firewall_rules(CLUSTER)
    assert rule == {"id": RULE_ID, "cluster_id": CLUSTER, "network": "10.0.0.0/8", "type": "POSTGRESQL",
                    "status": "DEFERRED", "deferred_reason": "quota", "security_group_id": None}


def test_v2_adds_with_the_documented_body_and_deletes_by_id(api, v2):
    api.post(BASE + V2_RULES, status=202, json={"id": RULE_ID, "clusterId": CLUSTER, "network": "10.0.0.0/8",
                                                "type": "POSTGRESQL", "status": "GENESIS", "deferredReason": None})
    api.delete(BASE + V2_RULES + "/" + RULE_ID, status=204)
    rule = v2.add_firewall_rule(CLUSTER, "10.0.0.0/8", "POSTGRESQL")
    assert (rule["id"], rule["status"]) == (RULE_ID, "GENESIS")
    assert json.loads(api.calls[0].request.body) == {"clusterId": CLUSTER, "network": "10.0.0.0/8", "type": "POSTGRESQL"}
    assert v2.delete_firewall_rule(CLUSTER, rule) is True
    assert api.calls[1].request.body is None


def test_v2_409_means_there_404_means_gone_and_other_failures_raise(api, v2):
    api.post(BASE + V2_RULES, status=409, json={"errors": [{"name": "type", "message": "exists"}]})
    api.delete(BASE + V2_RULES + "/" + RULE_ID, status=404, json={"errors": []})
    assert v2.add_firewall_rule(CLUSTER, "10.0.0.0/8", "POSTGRESQL") is None
    assert v2.delete_firewall_rule(CLUSTER, {"id": RULE_ID}) is False
    api.replace(responses.POST, BASE + V2_RULES, status=400, json={"errors": [{"name": "network", "message": "bad"}]})
    with pytest.raises(ApiError) as raised:
        v2.add_firewall_rule(CLUSTER, "10.0.0.0/8", "POSTGRESQL")
    assert raised.value.status == 400 and raised.value.operation == "add firewall rule" and not raised.value.ambiguous


def test_v2_an_accepted_add_without_a_rule_is_ambiguous(api, v2):
    api.post(BASE + V2_RULES, status=202, body="accepted")
    with pytest.raises(ApiError) as raised:
        v2.add_firewall_rule(CLUSTER, "10.0.0.0/8", "POSTGRESQL")
    assert raised.value.ambiguous


def test_the_request_descriptions_match_what_is_sent(v1, v2):
    assert v1.add_firewall_rule_request(CLUSTER, "10.0.0.0/8", "CASSANDRA") == {
        "method": "POST", "path": V1_PATH, "body": {"network": "10.0.0.0/8", "rules": [{"type": "CASSANDRA"}]}}
    assert v1.delete_firewall_rule_request(CLUSTER, {"network": "10.0.0.0/8", "type": "CASSANDRA"})["method"] == "DELETE"
    assert v2.delete_firewall_rule_request(CLUSTER, {"id": RULE_ID}) == {
        "method": "DELETE", "path": V2_RULES + "/" + RULE_ID, "body": None}


@pytest.mark.parametrize("payload", [{"firewallRules": []}, [{"firewallRules": {}}], [{"firewallRules": [{"network": "x"}]}],
                                     [[]]])
def test_v2_a_listing_of_the_wrong_shape_is_an_error_not_an_empty_list(payload):
    with pytest.raises(_shapes.PayloadError):
        _shapes.firewall_rules_v2(payload)


@pytest.mark.parametrize("payload", [{}, [{"network": "10.0.0.0/8"}], [{"network": "10.0.0.0/8", "rules": [{}]}], ["x"]])
def test_v1_a_listing_of_the_wrong_shape_is_an_error_not_an_empty_list(payload):
    with pytest.raises(_shapes.PayloadError):
        _shapes.firewall_rules_v1(payload, CLUSTER)


@pytest.mark.parametrize("value,expected", [("203.0.113.7", "203.0.113.7/32"), (" 10.0.0.0/8 ", "10.0.0.0/8"),
                                            ("2001:db8::1", "2001:db8::1/128"), ("2001:0db8::/64", "2001:db8::/64"),
                                            ("0.0.0.0/0", "0.0.0.0/0")])
def test_check_network_takes_ipv4_ipv6_and_bare_addresses(value, expected):
    assert check_network(value, "network") == expected


@pytest.mark.parametrize("value,hint", [("10.0.0.7/24", "did you mean 10.0.0.0/24"), ("10.0.0.0/33", "CIDR"),
                                        ("example.com", "CIDR"), ("", "CIDR"), (None, "CIDR")])
def test_check_network_refuses_with_the_rule(value, hint):
    with pytest.raises(OptionError, match=hint) as raised:
        check_network(value, "network")
    assert raised.value.option == "network"


def test_check_rule_types_upper_cases_and_keeps_each_once():
    assert check_rule_types(["cassandra_cql", "POSTGRESQL", "Cassandra_CQL"]) == ["CASSANDRA_CQL", "POSTGRESQL"]
    for bad in ([], ["CQL PORT"], [""], [7], "CASSANDRA"):
        with pytest.raises(OptionError):
            check_rule_types(bad)
