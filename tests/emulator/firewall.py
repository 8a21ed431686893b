"""Firewall rules of the emulated clusters: the one store behind both APIs' views, rule status over
simulated time, the check the data plane makes before it lets a client in, and the firewall routes
of the Provisioning API v1 and the Cluster Management API v2.

One rule is one (cluster, network, type). v1 shows a cluster's rules grouped by network,
``[{"network": "CIDR", "rules": [{"type": T}, ...]}]``; v2 shows each rule with its id and status.
A new rule is ``GENESIS`` for the first third of the firewall rule duration (simulated seconds,
``--firewall-rule-duration``), then ``PROVISIONING``, then ``RUNNING``; only a ``RUNNING`` rule
lets a client in. A deleted rule is gone at once. The scenarios' clusters start with a ``RUNNING``
rule for ``127.0.0.1/32`` of their application's type; a restored cluster starts with none.
"""

import ipaddress
import json
import threading
import uuid
from dataclasses import dataclass

from flask import Blueprint, Response, current_app, jsonify, request

from tests.emulator import wire_v2
from tests.emulator.clock import iso_ms
from tests.emulator.gate import error_response as v1_error
from tests.emulator.validation import BadRequest, check_cluster_id, is_uuid

GENESIS = "GENESIS"
PROVISIONING = "PROVISIONING"
RUNNING = "RUNNING"

# The rule types of each application, and the data port each opens (CQL, PostgreSQL, OpenSearch REST, Redis).
APPLICATION_TYPES = {
    "cassandra": ("CASSANDRA", "CASSANDRA_CQL"),
    "postgresql": ("POSTGRESQL",),
    "opensearch": ("OPENSEARCH",),
    "redis": ("REDIS",),
}
PORT_TYPES = {9042: ("CASSANDRA", "CASSANDRA_CQL"), 5432: ("POSTGRESQL",), 9200: ("OPENSEARCH",), 6379: ("REDIS",)}
SEEDED_NETWORK = "127.0.0.1/32"
# The type of the seeded rule: the first type of the application (``CASSANDRA`` is known to both APIs).
SEEDED_TYPE = {application: types[0] for application, types in APPLICATION_TYPES.items()}

V2_RULES = wire_v2.PREFIX + "/resources/network-firewall-rules/v2"
V2_RULE = V2_RULES + "/{firewallRuleId}"
V2_CLUSTER_RULES = wire_v2.PREFIX + "/data-sources/cluster/{clusterId}/network-firewall-rules/v2"
# (operation, method, path template) of the v2 routes, dispatched by ``api_v2``.
V2_ROUTES = [("add_firewall_rule", "POST", V2_RULES), ("get_firewall_rule", "GET", V2_RULE),
             ("delete_firewall_rule", "DELETE", V2_RULE), ("list_firewall_rules", "GET", V2_CLUSTER_RULES)]


def normal_network(value):
    """``value`` as a network in its normal form (``10.0.0.7/24`` -> ``10.0.0.0/24``), or BadRequest."""
    if not isinstance(value, str) or "/" not in value:
        raise BadRequest("network", "must be a CIDR (address/prefix length)")
    try:
        return str(ipaddress.ip_network(value.strip(), strict=False))
    except ValueError:
        raise BadRequest("network", "must be a CIDR (address/prefix length)")


@dataclass
class Rule:
    id: str
    cluster_id: str
    network: str  # normal form
    type: str
    created_ms: int
    duration_ms: int

    def status(self, now):
        elapsed = now - self.created_ms
        if elapsed >= self.duration_ms:
            return RUNNING
        return GENESIS if elapsed < self.duration_ms / 3.0 else PROVISIONING

    def covers(self, address):
        network = ipaddress.ip_network(self.network)
        return address.version == network.version and address in network

    def v2(self, now):
        return {"id": self.id, "clusterId": self.cluster_id, "network": self.network, "type": self.type,
                "status": self.status(now), "deferredReason": None}

    def internal(self, now):
        return {"id": self.id, "cluster_id": self.cluster_id, "network": self.network, "type": self.type,
                "status": self.status(now), "created_at": iso_ms(self.created_ms), "created_at_ms": self.created_ms,
                "duration_seconds": self.duration_ms / 1000.0}


class RuleExists(Exception):
    """A rule of that type already exists for that network in that cluster (answered 409)."""


class Firewall:
    """Every cluster's firewall rules; thread safe (a lock of its own, so the data plane may ask
    from any thread without the world's lock)."""

    def __init__(self, clock, settings):
        self.clock = clock
        self.settings = settings
        self.lock = threading.RLock()
        self.rules = {}  # id -> Rule, in creation order

    def reset(self, clusters, now):
        """Back to the scenario's start: one RUNNING rule for 127.0.0.1/32 per cluster given."""
        with self.lock:
            self.rules = {}
            for cluster in clusters:
                rule = Rule(str(uuid.uuid4()), cluster.id, SEEDED_NETWORK, SEEDED_TYPE[cluster.application],
                            min(cluster.created_ms, now), 0)
                self.rules[rule.id] = rule

    # --- the data plane's check ----------------------------------------------------------------

    def allows(self, cluster_id: str, client_ip: str, port: int) -> bool:
        """Whether a client at ``client_ip`` may reach ``port`` of the cluster: a RUNNING rule of a type
        that opens that port covers the address. False for an unknown port or an unreadable address."""
        types = PORT_TYPES.get(int(port))
        try:
            address = ipaddress.ip_address(str(client_ip).split("%", maxsplit=1)[0])
        except ValueError:
            return False
        if types is None:
            return False
        if getattr(address, "ipv4_mapped", None) is not None:
            address = address.ipv4_mapped
        now = self.clock.now_ms()
        cluster_id = str(cluster_id).lower()
        with self.lock:
            return any(rule.cluster_id == cluster_id and rule.type in types and rule.status(now) == RUNNING
                       and rule.covers(address) for rule in self.rules.values())

    # --- reads and changes -----------------------------------------------------------------------

    def of_cluster(self, cluster_id):
        with self.lock:
            return [rule for rule in self.rules.values() if rule.cluster_id == cluster_id]

    def get(self, rule_id):
        with self.lock:
            return self.rules.get(rule_id)

    def find(self, cluster_id, network, rule_type):
        with self.lock:
            for rule in self.rules.values():
                if (rule.cluster_id, rule.network, rule.type) == (cluster_id, network, rule_type):
                    return rule
            return None

    def add(self, cluster_id, network, rule_types, now, duration_seconds=None):
        """Add one rule per type, all or none: RuleExists when one of them is there already."""
        seconds = self.settings.firewall_rule_duration if duration_seconds is None else duration_seconds
        with self.lock:
            if any(self.find(cluster_id, network, rule_type) for rule_type in rule_types):
                raise RuleExists()
            added = [Rule(str(uuid.uuid4()), cluster_id, network, rule_type, now, int(seconds * 1000))
                     for rule_type in rule_types]
            for rule in added:
                self.rules[rule.id] = rule
            return added

    def remove(self, rule_ids):
        with self.lock:
            return [self.rules.pop(rule_id) for rule_id in rule_ids if rule_id in self.rules]

    def v1_view(self, cluster_id):
        """The cluster's rules as v1 lists them: one object per network, its rule types in order."""
        grouped = {}
        for rule in self.of_cluster(cluster_id):
            grouped.setdefault(rule.network, []).append({"type": rule.type})
        return [{"network": network, "rules": types} for network, types in grouped.items()]

    def v2_view(self, cluster_id, now):
        return [{"clusterId": cluster_id, "firewallRules": [rule.v2(now) for rule in self.of_cluster(cluster_id)]}]


# --- the routes --------------------------------------------------------------------------------

def runtime():
    return current_app.config["RUNTIME"]


def json_response(body, status):
    response = jsonify(body)
    response.status_code = status
    return response


def request_object():
    """The request's JSON object, or BadRequest."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        raise BadRequest("body", "is required")
    try:
        body = json.loads(raw)
    except ValueError:
        raise BadRequest("body", "is not valid JSON")
    if not isinstance(body, dict):
        raise BadRequest("body", "must be a JSON object")
    return body


def check_type(value, cluster, field_name="type"):
    """A rule type that applies to the cluster's application, or BadRequest."""
    allowed = APPLICATION_TYPES[cluster.application]
    if not isinstance(value, str) or value not in allowed:
        raise BadRequest(field_name, "must be one of %s for a %s cluster" % (", ".join(allowed), cluster.application))
    return value


# v1: GET|POST|DELETE /provisioning/v1/{clusterId}/firewallRules/ (body {"network", "rules": [{"type"}]})

firewall_v1 = Blueprint("firewall_v1", __name__, url_prefix="/provisioning/v1")


def v1_cluster(cluster_id, now):
    """The v1 (Cassandra) cluster, or the 400/404 response to answer instead."""
    try:
        cluster_id = check_cluster_id(cluster_id)
    except BadRequest as problem:
        return None, v1_error(400, problem.message, {"field": problem.field, "rule": problem.rule})
    cluster = runtime().world.find(cluster_id, now, application="cassandra")
    if cluster is None:
        return None, v1_error(404, "Cluster %s not found" % cluster_id, {"clusterId": cluster_id})
    return cluster, None


def v1_body(cluster):
    """(network, [types]) of a v1 add or remove body, or BadRequest."""
    body = request_object()
    network = normal_network(body.get("network"))
    rules = body.get("rules")
    if not isinstance(rules, list) or not rules or not all(isinstance(rule, dict) for rule in rules):
        raise BadRequest("rules", 'must be a non-empty list of {"type": ...} objects')
    types = [check_type(rule.get("type"), cluster, "rules.type") for rule in rules]
    if len(set(types)) != len(types):
        raise BadRequest("rules", "names a type twice")
    return network, types


@firewall_v1.route("/<cluster_id>/firewallRules/", methods=["GET", "POST", "DELETE"])
def v1_firewall_rules(cluster_id):
    now = runtime().now_ms()
    cluster, answer = v1_cluster(cluster_id, now)
    if answer is not None:
        return answer
    firewall = runtime().world.firewall
    if request.method == "GET":
        return json_response(firewall.v1_view(cluster.id), 200)
    try:
        network, types = v1_body(cluster)
    except BadRequest as problem:
        return v1_error(400, problem.message, {"field": problem.field, "rule": problem.rule})
    if request.method == "POST":
        try:
            firewall.add(cluster.id, network, types, now)
        except RuleExists:
            return v1_error(409, "A firewall rule of that type already exists for %s" % network,
                            {"network": network})
        return json_response({"network": network, "rules": [{"type": rule_type} for rule_type in types]}, 202)
    with firewall.lock:
        found = [firewall.find(cluster.id, network, rule_type) for rule_type in types]
        removed = firewall.remove([rule.id for rule in found if rule is not None])
    if not removed:
        return v1_error(404, "No such firewall rule for %s" % network, {"network": network})
    return json_response({"network": network, "rules": [{"type": rule.type} for rule in removed]}, 202)


# v2: one rule per request, with its id and status (dispatched by api_v2 through V2_ROUTES).

def v2_error(status, name, message):
    return wire_v2.error_response(runtime().settings.v2_error_body, status, name, message)


def v2_cluster(cluster_id, now):
    """The cluster (of any application), or the 400/404 response to answer instead."""
    try:
        cluster_id = check_cluster_id(cluster_id)
    except BadRequest as problem:
        return None, v2_error(400, problem.field, problem.rule)
    cluster = runtime().world.find(cluster_id, now)
    if cluster is None:
        return None, v2_error(404, "clusterId", "cluster %s not found" % cluster_id)
    return cluster, None


def v2_rule(rule_id, now):
    """The rule of a live cluster, or None."""
    rule = runtime().world.firewall.get(rule_id.lower()) if is_uuid(rule_id) else None
    if rule is None or runtime().world.find(rule.cluster_id, now) is None:
        return None
    return rule


def add_firewall_rule(_app):
    now = runtime().now_ms()
    try:
        body = request_object()
        cluster, answer = v2_cluster(body.get("clusterId"), now)
        if answer is not None:
            return answer
        network = normal_network(body.get("network"))
        rule_type = check_type(body.get("type"), cluster)
    except BadRequest as problem:
        return v2_error(400, problem.field, problem.rule)
    try:
        (rule,) = runtime().world.firewall.add(cluster.id, network, [rule_type], now)
    except RuleExists:
        return v2_error(409, "type", "A firewall rule of that kind already exists for that address in cluster")
    return json_response(rule.v2(now), 202)


def get_firewall_rule(_app, rule_id):
    now = runtime().now_ms()
    rule = v2_rule(rule_id, now)
    if rule is None:
        return v2_error(404, "firewallRuleId", "firewall rule %s not found" % rule_id)
    return json_response(rule.v2(now), 200)


def delete_firewall_rule(_app, rule_id):
    now = runtime().now_ms()
    rule = v2_rule(rule_id, now)
    if rule is None or not runtime().world.firewall.remove([rule.id]):
        return v2_error(404, "firewallRuleId", "firewall rule %s not found" % rule_id)
    response = Response(b"", status=204)
    del response.headers["Content-Type"]
    return response


def list_firewall_rules(_app, cluster_id):
    now = runtime().now_ms()
    cluster, answer = v2_cluster(cluster_id, now)
    if answer is not None:
        return answer
    return json_response(runtime().world.firewall.v2_view(cluster.id, now), 200)


V2_HANDLERS = {"add_firewall_rule": add_firewall_rule, "get_firewall_rule": get_firewall_rule,
               "delete_firewall_rule": delete_firewall_rule, "list_firewall_rules": list_firewall_rules}
