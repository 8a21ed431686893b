"""cluster_firewall_rule and cluster_firewall_rule_info main() runs against a small firewall API fake
(both wire formats over one list of rules), with faults before or after acting and 409 races."""

import json
import re
import uuid

import pytest
import responses

from ansible_collections.restorekit.instaclustr.plugins.modules import cluster_firewall_rule, cluster_firewall_rule_info

BASE = "http://127.0.0.1:9"
CLUSTER = "77b5a4e1-c422-4a78-b551-d8fa5c42ad95"
V1_PATH = "/provisioning/v1/%s/firewallRules/" % CLUSTER
V2_ADD = "/cluster-management/v2/resources/network-firewall-rules/v2"
V2_LIST = "/cluster-management/v2/data-sources/cluster/%s/network-firewall-rules/v2" % CLUSTER


class FakeFirewall:
    """The rules of one cluster; a new v2 rule is RUNNING after ``reads_to_run`` list reads."""

    def __init__(self, mock, reads_to_run=2):
        self.rules = []
        self.requests = []
        self.faults = []
        self.reads_to_run = reads_to_run
        mock.add_callback("GET", BASE + V1_PATH, callback=self.wrap(self.v1_list))
        mock.add_callback("POST", BASE + V1_PATH, callback=self.wrap(self.v1_add))
        mock.add_callback("DELETE", BASE + V1_PATH, callback=self.wrap(self.v1_delete))
        mock.add_callback("GET", BASE + V2_LIST, callback=self.wrap(self.v2_list))
        mock.add_callback("POST", BASE + V2_ADD, callback=self.wrap(self.v2_add))
        mock.add_callback("DELETE", re.compile(re.escape(BASE + V2_ADD) + "/([^/]+)$"), callback=self.wrap(self.v2_delete))

    def add(self, network, rule_type, running=True):
        rule = {"id": str(uuid.uuid4()), "network": network, "type": rule_type, "reads": self.reads_to_run * (not running)}
        self.rules.append(rule)
        return rule

    def fault(self, method, status, after=False, race=False):
        """The next ``method`` answers ``status``: before acting, after acting (``after``), or, with ``race``,
        after someone else added the rule (a 409 to a rule the task's read did not show)."""
        self.faults.append((method, status, after, race))

    def mutations(self):
        return [(method, path, body) for method, path, body in self.requests if method != "GET"]

    def wrap(self, handler):
        def callback(request):
            path = request.path_url
            body = json.loads(request.body) if request.body else None
            self.requests.append((request.method, path, body))
            fault = next((f for f in self.faults if f[0] == request.method), None)
            if fault is not None:
                self.faults.remove(fault)
                _method, status, after, race = fault
                if race:
                    handler(request, body)
                    return status, {}, json.dumps({"message": "exists"})
                if after:
                    handler(request, body)
                return status, {}, json.dumps({"message": "injected"})
            return handler(request, body)
        return callback

    def find(self, network, rule_type):
        return next((rule for rule in self.rules if (rule["network"], rule["type"]) == (network, rule_type)), None)

    def v1_list(self, _request, _body):
        grouped = {}
        for rule in self.rules:
            grouped.setdefault(rule["network"], []).append({"type": rule["type"]})
        return 200, {}, json.dumps([{"network": network, "rules": types} for network, types in grouped.items()])

    def v1_add(self, _request, body):
        if self.find(body["network"], body["rules"][0]["type"]):
            return 409, {}, json.dumps({"message": "exists"})
        self.add(body["network"], body["rules"][0]["type"])
        return 202, {}, json.dumps(body)

    def v1_delete(self, _request, body):
        rule = self.find(body["network"], body["rules"][0]["type"])
        if rule is None:
            return 404, {}, json.dumps({"message": "no such rule"})
        self.rules.remove(rule)
        return 202, {}, json.dumps(body)

    def v2_rule(self, rule):
        status = "RUNNING" if rule["reads"] <= 0 else ("GENESIS" if rule["reads"] > 1 else "PROVISIONING")
        return {"id": rule["id"], "clusterId": CLUSTER, "network": rule["network"], "type": rule["type"],
                "status": status, "deferredReason": None}

    def v2_list(self, _request, _body):
        answer = [{"clusterId": CLUSTER, "firewallRules": [self.v2_rule(rule) for rule in self.rules]}]
        for rule in self.rules:
            rule["reads"] -= 1
        return 200, {}, json.dumps(answer)

    def v2_add(self, _request, body):
        if self.find(body["network"], body["type"]):
            return 409, {}, json.dumps({"errors": [{"name": "type", "message": "exists"}]})
        return 202, {}, json.dumps(self.v2_rule(self.add(body["network"], body["type"], running=False)))

    def v2_delete(self, request, _body):
        rule_id = request.path_url.rsplit("/", 1)[1]
        rule = next((rule for rule in self.rules if rule["id"] == rule_id), None)
        if rule is None:
            return 404, {}, json.dumps({"errors": [{"name": "firewallRuleId", "message": "not found"}]})
        self.rules.remove(rule)
        return 204, {}, ""


@pytest.fixture
def firewall(fake_time):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield FakeFirewall(mock)


def run(run_module, main=cluster_firewall_rule.main, **options):
    args = {"api_url": BASE, "api_username": "demo", "api_key": "fake-api-key-1234", "api_retries": 1,
            "cluster_id": CLUSTER}
    if main is cluster_firewall_rule.main:
        args["wait_sleep"] = 1
    args.update(options)
    return run_module(main, args)


@pytest.mark.parametrize("version,rule_type", [("v1", "CASSANDRA"), ("v2", "CASSANDRA_CQL")])
def test_adds_the_application_default_once_then_changes_nothing(run_module, firewall, version, rule_type):
    code, result = run(run_module, api_version=version, network="203.0.113.7")
    assert code == 0 and result["changed"] is True, result
    assert (result["network"], result["rule_types"]) == ("203.0.113.7/32", [rule_type])
    assert [(rule["network"], rule["type"]) for rule in result["rules"]] == [("203.0.113.7/32", rule_type)]
    assert len(firewall.mutations()) == 1 and result["requests"][0]["method"] == "POST"
    code, again = run(run_module, api_version=version, network="203.0.113.7/32")
    assert code == 0 and again["changed"] is False and again["requests"] == []
    assert len(firewall.mutations()) == 1


def test_v2_sends_the_documented_body_and_waits_until_running(run_module, firewall):
    code, result = run(run_module, api_version="v2", application="postgresql", network="2001:db8::/64")
    assert code == 0
    assert firewall.mutations() == [("POST", V2_ADD, {"clusterId": CLUSTER, "network": "2001:db8::/64", "type": "POSTGRESQL"})]
    assert [rule["status"] for rule in result["rules"]] == ["RUNNING"]
    assert [method for method, _path, _body in firewall.requests].count("GET") == 4  # read, then GENESIS, PROVISIONING, RUNNING
    assert "RUNNING" in result["msg"]


def test_v2_without_wait_returns_the_rule_as_it_is(run_module, firewall):
    code, result = run(run_module, api_version="v2", application="redis", network="10.0.0.0/8", wait=False)
    assert code == 0 and [rule["status"] for rule in result["rules"]] == ["GENESIS"]


def test_v2_wait_times_out_naming_the_status_seen(run_module, firewall):
    firewall.reads_to_run = 1000
    code, result = run(run_module, api_version="v2", network="10.0.0.0/8", wait_timeout=5)
    assert code == 1 and "GENESIS" in result["msg"] and result["changed"] is True
    assert [rule["status"] for rule in result["rules"]] == ["GENESIS"]


def test_v1_rule_types_are_upper_cased_and_each_sent_once_in_its_own_request(run_module, firewall):
    code, result = run(run_module, network="10.0.0.0/8", rule_types=["cassandra", "CASSANDRA_CQL", "cassandra"])
    assert code == 0 and result["rule_types"] == ["CASSANDRA", "CASSANDRA_CQL"]
    assert firewall.mutations() == [
        ("POST", V1_PATH, {"network": "10.0.0.0/8", "rules": [{"type": "CASSANDRA"}]}),
        ("POST", V1_PATH, {"network": "10.0.0.0/8", "rules": [{"type": "CASSANDRA_CQL"}]})]


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_check_mode_returns_the_requests_it_would_send_and_sends_none(run_module, firewall, version):
    code, result = run(run_module, api_version=version, network="198.51.100.0/24", _ansible_check_mode=True)
    assert code == 0 and result["changed"] is True and firewall.mutations() == []
    [request] = result["requests"]
    assert request["method"] == "POST" and request["body"]["network"] == "198.51.100.0/24"
    firewall.add("198.51.100.0/24", result["rule_types"][0])
    code, result = run(run_module, api_version=version, network="198.51.100.0/24", state="absent", _ansible_check_mode=True)
    assert code == 0 and result["changed"] is True and result["requests"][0]["method"] == "DELETE"
    assert firewall.mutations() == [] and len(firewall.rules) == 1


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_a_409_race_is_read_as_present(run_module, firewall, version):
    firewall.fault("POST", 409, race=True)
    code, result = run(run_module, api_version=version, network="10.1.0.0/16", wait=False)
    assert code == 0 and result["changed"] is False, result
    assert "409" in result["msg"] and len(result["rules"]) == 1 and len(firewall.mutations()) == 1


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_an_ambiguous_add_that_took_effect_is_not_sent_again(run_module, firewall, version):
    firewall.fault("POST", 500, after=True)
    code, result = run(run_module, api_version=version, network="10.2.0.0/16")
    assert code == 0 and result["changed"] is True, result
    assert len(firewall.mutations()) == 1 and len(firewall.rules) == 1 and "unknown outcome" in result["msg"]


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_an_ambiguous_add_that_did_not_take_effect_fails_without_a_second_post(run_module, firewall, version):
    firewall.fault("POST", 502)
    code, result = run(run_module, api_version=version, network="10.3.0.0/16", wait_timeout=3)
    assert code == 1 and "outcome unknown" in result["msg"] and result["rerun_safe"] is True
    assert len(firewall.mutations()) == 1 and firewall.rules == []
    assert result["requests"][0]["body"]["network"] == "10.3.0.0/16"


def test_a_definite_refusal_fails_at_once(run_module, firewall):
    firewall.fault("POST", 400)
    code, result = run(run_module, api_version="v2", network="10.4.0.0/16")
    assert code == 1 and result["api_error"]["status"] == 400 and len(firewall.mutations()) == 1


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_absent_removes_the_rule_once_then_changes_nothing(run_module, firewall, version):
    rule_type = "CASSANDRA" if version == "v1" else "CASSANDRA_CQL"
    firewall.add("10.5.0.0/16", rule_type)
    firewall.add("10.6.0.0/16", rule_type)
    code, result = run(run_module, api_version=version, network="10.5.0.0/16", state="absent")
    assert code == 0 and result["changed"] is True and result["rules"] == []
    assert [rule["network"] for rule in firewall.rules] == ["10.6.0.0/16"]
    code, again = run(run_module, api_version=version, network="10.5.0.0/16", state="absent")
    assert code == 0 and again["changed"] is False and len(firewall.mutations()) == 1


def test_v1_removes_with_the_add_body(run_module, firewall):
    firewall.add("10.5.0.0/16", "CASSANDRA")
    run(run_module, network="10.5.0.0/16", state="absent")
    assert firewall.mutations() == [("DELETE", V1_PATH, {"network": "10.5.0.0/16", "rules": [{"type": "CASSANDRA"}]})]


def test_a_remove_whose_answer_is_lost_counts_when_the_rule_is_gone(run_module, firewall):
    firewall.add("10.7.0.0/16", "CASSANDRA_CQL")
    firewall.fault("DELETE", 500, after=True)
    code, result = run(run_module, api_version="v2", network="10.7.0.0/16", state="absent", api_retries=0)
    assert code == 0 and result["changed"] is True and firewall.rules == []


def test_networks_are_compared_in_normal_form(run_module, firewall):
    firewall.add("2001:0db8:0000::/64", "CASSANDRA")
    code, result = run(run_module, network="2001:db8::/64")
    assert code == 0 and result["changed"] is False and firewall.mutations() == []


@pytest.mark.parametrize("options,option", [
    ({"network": "10.0.0.7/24"}, "network"),
    ({"network": "not-a-network"}, "network"),
    ({"network": "10.0.0.0/8", "rule_types": ["CQL PORT"]}, "rule_types"),
    ({"network": "10.0.0.0/8", "rule_types": []}, "rule_types"),
    ({"network": "10.0.0.0/8", "cluster_id": "nope"}, "cluster_id"),
])
def test_bad_options_fail_before_any_request(run_module, firewall, options, option):
    code, result = run(run_module, **options)
    assert code == 1 and result["msg"].startswith(option + ":") and firewall.requests == []


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_info_returns_every_rule_in_one_shape(run_module, firewall, version):
    firewall.add("127.0.0.1/32", "CASSANDRA")
    firewall.add("10.8.0.0/16", "CASSANDRA_CQL")
    code, result = run(run_module, main=cluster_firewall_rule_info.main, api_version=version)
    assert code == 0 and result["changed"] is False and result["cluster_id"] == CLUSTER
    assert [(rule["network"], rule["type"], rule["cluster_id"]) for rule in result["rules"]] == [
        ("127.0.0.1/32", "CASSANDRA", CLUSTER), ("10.8.0.0/16", "CASSANDRA_CQL", CLUSTER)]
    assert all(set(rule) == {"id", "cluster_id", "network", "type", "status", "deferred_reason", "security_group_id"}
               for rule in result["rules"])
    assert (result["rules"][0]["id"] is None) == (version == "v1")
