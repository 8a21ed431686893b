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
import threading
import uuid
from dataclasses import dataclass


from tests.emulator import wire_v2
from tests.emulator.clock import iso_ms
from tests.emulator.validation import BadRequest

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
            address = ipaddress.ip_address(str(client_ip).split("%")[0])
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
