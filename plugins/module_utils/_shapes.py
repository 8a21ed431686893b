# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
#
# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""API payloads (camelCase, as the v1 wire sends them) turned into the snake_case shapes results use.

Rules every shape follows:

* every key whose name contains ``password`` is removed, at any depth (GET cluster returns
  ``instaclustrUserPassword``; other password fields may appear);
* ``cdcNetwork`` becomes a CIDR string whether the API sent ``"10.2.0.0/16"`` or
  ``{"network": "10.2.0.0", "prefixLength": 16}``;
* backup events keep the API's epoch milliseconds in ``start``/``end`` (``end`` is null while
  active); unknown event types are kept as they are and extra event fields are passed through
  (snake_cased), so a new field or type on the server never breaks a module;
* missing fields become None and items of the wrong type are skipped: a malformed payload gives
  a smaller result, never a traceback. A payload that is not even the right JSON type raises
  ``PayloadError``, which the backend turns into an ``ApiError``.
"""

from __future__ import annotations

import re

from ansible_collections.restorekit.instaclustr.plugins.module_utils._errors import ApiError

EVENT_FIELDS = ("type", "state", "progress", "start", "end")
_EVENT_FIELD_SET = frozenset(EVENT_FIELDS)
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


class PayloadError(ValueError):
    """A response body that is not the JSON type the endpoint documents (e.g. a list for an object)."""


def shape_response(shaper, response, operation, method, path):
    """``shaper(response.json)``; a body of the wrong JSON type becomes an ``ApiError`` naming the operation."""
    try:
        return shaper(response.json)
    except PayloadError as error:
        raise ApiError(operation, method, path, status=None,
                       reason="HTTP %s with an unexpected body: %s" % (response.status, error)) from None


def snake_case(name):
    """``privateAddress`` -> ``private_address``; names already in snake_case are unchanged."""
    return _CAMEL_BOUNDARY.sub("_", str(name)).lower()


def is_secret_key(name):
    return "password" in str(name).lower()


def without_secrets(value):
    """A copy of ``value`` without any key containing ``password``, at any depth."""
    if isinstance(value, dict):
        return {key: without_secrets(item) for key, item in value.items() if not is_secret_key(key)}
    if isinstance(value, list):
        return [without_secrets(item) for item in value]
    return value


def network_cidr(value):
    """``cdcNetwork`` as a CIDR string: the string as sent, or ``network/prefixLength`` from the object form."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, dict):
        network = value.get("network")
        prefix = value.get("prefixLength", value.get("prefix_length"))
        if not isinstance(network, str) or not network:
            return None
        if "/" in network or prefix is None or isinstance(prefix, bool):
            return network
        return "%s/%s" % (network, prefix)
    return None


def _items(value):
    """The dict items of a list; anything else (None, a string, a number) counts as an empty list."""
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, dict)]


def _object(payload, what):
    if not isinstance(payload, dict):
        raise PayloadError("expected %s as a JSON object, got %s" % (what, _json_type(payload)))
    return payload


def _json_type(value):
    if value is None:
        return "no JSON body"
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(type(value), "a number")


# ---- backup events: GET /provisioning/v1/{id}/backups ---------------------------------------------

def backup_event(raw):
    """One event: ``type``, ``state``, ``progress``, ``start``, ``end`` plus any extra field, snake_cased."""
    event = {field: raw.get(field) for field in EVENT_FIELDS}
    extra = raw.keys() - _EVENT_FIELD_SET
    for key in extra:
        if not is_secret_key(key):
            event.setdefault(snake_case(key), without_secrets(raw[key]))
    return event


def backup_node(raw):
    return {
        "id": raw.get("id"),
        "public_address": raw.get("publicAddress"),
        "private_address": raw.get("privateAddress"),
        "events": [backup_event(event) for event in _items(raw.get("events"))],
    }


def backup_events(payload):
    """The whole GET backups answer: ``{id, name, data_centres: [{id, name, nodes: [...]}]}``."""
    payload = _object(payload, "the cluster's backup events")
    return {
        "id": payload.get("id"),
        "name": payload.get("name"),
        "data_centres": [
            {
                "id": data_centre.get("id"),
                "name": data_centre.get("name"),
                "nodes": [backup_node(node) for node in _items(data_centre.get("nodes"))],
            }
            for data_centre in _items(payload.get("clusterDataCentres"))
        ],
    }


def backup_listing(payload, node_events):
    """The ``backup_events`` shape in one pass, where the caller decides which events each node shows.

    ``node_events(data_centre, node, raw_events)`` gets the shaped data centre (without ``nodes``), the
    shaped node (without ``events``) and the node's raw events (the dicts of the API's list, unshaped);
    it returns the raw events to show, which are shaped here, or None to leave the node's ``events``
    key out. So a caller can read all 200,000 events of a large cluster and shape only the few it returns.
    """
    payload = _object(payload, "the cluster's backup events")
    data_centres = []
    for raw_data_centre in _items(payload.get("clusterDataCentres")):
        data_centre = {"id": raw_data_centre.get("id"), "name": raw_data_centre.get("name")}
        nodes = []
        for raw in _items(raw_data_centre.get("nodes")):
            node = {"id": raw.get("id"), "public_address": raw.get("publicAddress"), "private_address": raw.get("privateAddress")}
            shown = node_events(data_centre, node, _items(raw.get("events")))
            if shown is not None:
                node["events"] = [backup_event(event) for event in shown]
            nodes.append(node)
        data_centre["nodes"] = nodes
        data_centres.append(data_centre)
    return {"id": payload.get("id"), "name": payload.get("name"), "data_centres": data_centres}


# ---- clusters: GET /provisioning/v1 and GET /provisioning/v1/{id} ---------------------------------

def cluster_list(payload):
    """GET /provisioning/v1: a list of ``{id, name, status, cassandra_version, node_count, running_node_count, sla_tier}``."""
    if not isinstance(payload, list):
        raise PayloadError("expected the cluster list as a JSON list, got %s" % _json_type(payload))
    return [
        {
            "id": item.get("id"),
            "name": item.get("name"),
            "status": item.get("derivedStatus"),
            "cassandra_version": item.get("cassandraVersion"),
            "node_count": item.get("nodeCount"),
            "running_node_count": item.get("runningNodeCount"),
            "sla_tier": item.get("slaTier"),
        }
        for item in _items(payload)
    ]


def cluster_node(raw):
    return {
        "id": raw.get("id"),
        "status": raw.get("nodeStatus"),
        "rack": raw.get("rack"),
        "size": raw.get("size"),
        "public_address": raw.get("publicAddress"),
        "private_address": raw.get("privateAddress"),
    }


def cluster_data_centre(raw):
    return {
        "id": raw.get("id"),
        "name": raw.get("name"),
        "cdc_name": raw.get("cdcName"),
        "provider": raw.get("provider"),
        "status": raw.get("cdcStatus"),
        "network": network_cidr(raw.get("cdcNetwork")),
        "nodes": [cluster_node(node) for node in _items(raw.get("nodes"))],
    }


def cluster_details(payload):
    """GET /provisioning/v1/{id}: the one cluster shape every result uses (never a password)."""
    payload = _object(payload, "the cluster details")
    return {
        "id": payload.get("id"),
        "name": payload.get("clusterName", payload.get("name")),
        "status": payload.get("clusterStatus"),
        "sla_tier": payload.get("slaTier"),
        "cassandra_version": payload.get("cassandraVersion"),
        "data_centres": [cluster_data_centre(data_centre) for data_centre in _items(payload.get("dataCentres"))],
    }


# ---- clusters on the Cluster Management API v2 ----------------------------------------------------
#
# The v2 GET cluster (CassandraClusterV2 and its siblings) in the very shape ``cluster_details`` gives
# for v1, so results do not depend on the API version. The v1 meaning of each key is kept: a data
# centre's ``name`` is its region (v1 ``name``, v2 ``region``) and ``cdc_name`` is the data centre's own
# name (v1 ``cdcName``, v2 ``name``).

def cluster_node_v2(raw):
    return {
        "id": raw.get("id"),
        "status": raw.get("status"),
        "rack": raw.get("rack"),
        "size": raw.get("nodeSize"),
        "public_address": raw.get("publicAddress"),
        "private_address": raw.get("privateAddress"),
    }


def cluster_data_centre_v2(raw):
    return {
        "id": raw.get("id"),
        "name": raw.get("region"),
        "cdc_name": raw.get("name"),
        "provider": raw.get("cloudProvider"),
        "status": raw.get("status"),
        "network": network_cidr(raw.get("network")),
        "nodes": [cluster_node_v2(node) for node in _items(raw.get("nodes"))],
    }


def cluster_details_v2(payload):
    """GET .../applications/{app}/clusters/v2/{id}: the same shape as ``cluster_details`` (never a password)."""
    payload = _object(payload, "the cluster details")
    return {
        "id": payload.get("id"),
        "name": payload.get("name"),
        "status": payload.get("status"),
        "sla_tier": payload.get("slaTier"),
        "cassandra_version": payload.get("cassandraVersion"),
        "data_centres": [cluster_data_centre_v2(data_centre) for data_centre in _items(payload.get("dataCentres"))],
    }


# ---- what reaching a cluster's data needs (the one shape that holds a secret) ------------------------

# The field names of each API version: (cluster status, user name, password, data centre name, node status).
DATA_ACCESS_FIELDS_V1 = ("clusterStatus", "username", "instaclustrUserPassword", "cdcName", "nodeStatus")
DATA_ACCESS_FIELDS_V2 = ("status", "defaultUsername", "defaultUserPassword", "name", "status")


def _flags(raw):
    return {key: value for key, value in raw.items() if isinstance(value, bool)}


def data_access(payload, fields):
    """GET cluster read for its data plane: statuses, node addresses, boolean fields and the default user's credentials.

    The only shape that keeps a password (``password``): the data-plane modules hold it in memory to log in and
    never return it. ``flags`` are the cluster's and each data centre's boolean fields (e.g.
    ``clientToClusterEncryption``), read by the data-plane table.
    """
    payload = _object(payload, "the cluster details")
    status_field, username_field, password_field, dc_name_field, node_status_field = fields
    password = payload.get(password_field)
    username = payload.get(username_field)
    return {
        "status": payload.get(status_field),
        "username": username if isinstance(username, str) and username else None,
        "password": password if isinstance(password, str) and password else None,
        "flags": _flags(payload),
        "data_centres": [{
            "name": data_centre.get(dc_name_field),
            "flags": _flags(data_centre),
            "nodes": [{"public_address": node.get("publicAddress"), "private_address": node.get("privateAddress"),
                       "status": node.get(node_status_field)} for node in _items(data_centre.get("nodes"))],
        } for data_centre in _items(payload.get("dataCentres"))],
    }


def cluster_list_item(cluster):
    """A ``cluster_details`` shape cut down to a ``cluster_list`` item (v2 has no list with names and statuses)."""
    nodes = [node for data_centre in cluster["data_centres"] for node in data_centre["nodes"]]
    return {
        "id": cluster["id"],
        "name": cluster["name"],
        "status": cluster["status"],
        "cassandra_version": cluster["cassandra_version"],
        "node_count": len(nodes),
        "running_node_count": sum(1 for node in nodes if node["status"] == "RUNNING"),
        "sla_tier": cluster["sla_tier"],
    }


def account_clusters_v2(payload):
    """GET /cluster-management/v2/data-sources/clusters/v2: ``[{id, application}]`` over every account.

    Strict, unlike the other shapes: a cluster left out here could be restored twice under one name,
    so an account or cluster entry of the wrong type raises ``PayloadError`` instead of being skipped.
    ``application`` is the API's open string (``APACHE_CASSANDRA``, ``POSTGRESQL``, ...) or None.
    """
    if not isinstance(payload, list):
        raise PayloadError("expected the account cluster list as a JSON list of accounts, got %s" % _json_type(payload))
    clusters = []
    for account_index, account in enumerate(payload):
        if not isinstance(account, dict):
            raise PayloadError("expected account %d as a JSON object, got %s" % (account_index, _json_type(account)))
        entries = account.get("clusters")
        if entries is None:
            continue
        if not isinstance(entries, list):
            raise PayloadError("expected the clusters of account %d as a JSON list, got %s" % (account_index, _json_type(entries)))
        for entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("id"), str) or not entry["id"]:
                got = "an object without a string id" if isinstance(entry, dict) else _json_type(entry)
                raise PayloadError("expected each cluster of account %d as an object with a string id, got %s" % (account_index, got))
            application = entry.get("application")
            clusters.append({"id": entry["id"], "application": application if isinstance(application, str) else None})
    return clusters


# ---- firewall rules: one shape on both API versions ----

FIREWALL_RULE_KEYS = ("id", "cluster_id", "network", "type", "status", "deferred_reason", "security_group_id")


def _text(value):
    return value if isinstance(value, str) and value else None


def firewall_rule(cluster_id, network, rule_type, rule_id=None, status=None, deferred_reason=None, security_group_id=None):
    """One firewall rule: ``{id, cluster_id, network, type, status, deferred_reason, security_group_id}``.

    ``id``, ``status`` and ``deferred_reason`` are v2's (None on v1, which shows neither); ``network`` is
    None for a rule of an AWS security group (``security_group_id``)."""
    return {"id": rule_id, "cluster_id": cluster_id, "network": network, "type": rule_type, "status": status,
            "deferred_reason": deferred_reason, "security_group_id": security_group_id}


def firewall_rule_v2(payload, what="the firewall rule"):
    """A v2 rule ``{id, clusterId, network, type, status, deferredReason}`` in the shared shape; a rule
    without a string ``type`` raises ``PayloadError``."""
    raw = _object(payload, what)
    if not _text(raw.get("type")):
        raise PayloadError("expected %s with a string type, got %s" % (what, "an object without one"))
    return firewall_rule(_text(raw.get("clusterId")), _text(raw.get("network")), raw["type"], rule_id=_text(raw.get("id")),
                         status=_text(raw.get("status")), deferred_reason=_text(raw.get("deferredReason")))


def firewall_rules_v2(payload):
    """GET .../data-sources/cluster/{clusterId}/network-firewall-rules/v2: ``[{clusterId, firewallRules}]``,
    flattened to a list of rules. Strict: a rule left out would be added again."""
    if not isinstance(payload, list):
        raise PayloadError("expected the firewall rules as a JSON list, got %s" % _json_type(payload))
    rules = []
    for index, entry in enumerate(payload):
        entry = _object(entry, "firewall rule entry %d" % index)
        listed = entry.get("firewallRules")
        if listed is None:
            continue
        if not isinstance(listed, list):
            raise PayloadError("expected the firewallRules of entry %d as a JSON list, got %s" % (index, _json_type(listed)))
        for position, raw in enumerate(listed):
            rule = firewall_rule_v2(raw, "firewall rule %d of entry %d" % (position, index))
            if rule["cluster_id"] is None:
                rule["cluster_id"] = _text(entry.get("clusterId"))
            rules.append(rule)
    return rules


def firewall_rules_v1(payload, cluster_id):
    """GET /provisioning/v1/{clusterId}/firewallRules/: ``[{network | securityGroupId, rules: [{type}]}]``,
    flattened to one rule per type. Strict, as on v2."""
    if not isinstance(payload, list):
        raise PayloadError("expected the firewall rules as a JSON list, got %s" % _json_type(payload))
    rules = []
    for index, entry in enumerate(payload):
        entry = _object(entry, "firewall rule entry %d" % index)
        types = entry.get("rules")
        if not isinstance(types, list):
            raise PayloadError("expected the rules of entry %d as a JSON list, got %s" % (index, _json_type(types)))
        for position, raw in enumerate(types):
            if not isinstance(raw, dict) or not _text(raw.get("type")):
                raise PayloadError("expected rule %d of entry %d as an object with a string type" % (position, index))
            rules.append(firewall_rule(cluster_id, _text(entry.get("network")), raw["type"],
                                       security_group_id=_text(entry.get("securityGroupId"))))
    return rules
