# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
#
# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""The Provisioning API v1 wire in one place: paths, camelCase bodies, status codes.

Modules speak snake_case to ``ProvisioningV1`` and get snake_case shapes back (``_shapes``). The
backend for the Cluster Management API v2 (``_cluster_management_v2.ClusterManagementV2``) is a
sibling class with the same methods; ``_module`` picks one from ``api_version``.

Status handling taken from the API reference: GET cluster answers 202, the trigger 204, restore
200; every 2xx is success. GET /provisioning/v1 answering 404 means "no clusters", GET or DELETE
of a cluster answering 404 means it is gone. What the rest means on v1 lives here too: 503 on the
trigger is "backup capability is not available" (a definite failure), 409 on DELETE is "dependent
resources still exist" (try again later), and ``cdc_infos`` must name every data centre or none.
"""

from __future__ import annotations

from ansible_collections.restorekit.instaclustr.plugins.module_utils import _shapes
from ansible_collections.restorekit.instaclustr.plugins.module_utils._applications import APPLICATIONS, RESTORE_FIELDS
from ansible_collections.restorekit.instaclustr.plugins.module_utils._clock import http_date_to_ms
from ansible_collections.restorekit.instaclustr.plugins.module_utils._errors import ApiError, OperationFailed, OptionError
from ansible_collections.restorekit.instaclustr.plugins.module_utils._rules import check_cdc_infos

API_ROOT = "/provisioning/v1"

# Operation names, used in every message about a failed request.
LIST_BACKUPS = "list backups"
TRIGGER_BACKUP = "trigger backup"
RESTORE = "restore"
GET_CLUSTER = "get cluster"
LIST_CLUSTERS = "list clusters"
DELETE_CLUSTER = "delete cluster"
LIST_FIREWALL_RULES = "list firewall rules"
ADD_FIREWALL_RULE = "add firewall rule"
DELETE_FIREWALL_RULE = "delete firewall rule"


class ProvisioningV1:
    """Backend for ``/provisioning/v1`` on top of an ``ApiSession``."""

    api_version = "v1"
    application = "cassandra"
    # What Cassandra's backup events prove and which restore options it takes: the same row of the one
    # per-application table as on v2 (its paths are v2's and unused here).
    app = APPLICATIONS["cassandra"]
    # A DELETE answered with one of these is refused for now (dependent resources still exist): try again later.
    DELETE_LATER_STATUSES = frozenset((409,))
    # v1 sends ``restore_wire_body`` as it is; v2 may re-send a restore and keeps the body it sent here.
    restore_body_sent = None
    # The rule type that opens Cassandra's CQL port to a network on v1 (the per-application table).
    default_firewall_rule_type = app.v1_firewall_rule_type
    # v1 rules have no id and no status: a rule listed is a rule applied, as far as the client can tell.
    firewall_rules_have_status = False

    def __init__(self, session):
        self.session = session

    # ---- clusters ----

    def list_clusters(self):
        """Every cluster of the account (``_shapes.cluster_list``); [] when the API answers 404."""
        path = API_ROOT
        try:
            response = self.session.get(path, LIST_CLUSTERS)
        except ApiError as error:
            if error.status == 404:
                return []
            raise
        return _shapes.shape_response(_shapes.cluster_list, response, LIST_CLUSTERS, "GET", path)

    def get_cluster(self, cluster_id, reuse=False):
        """One cluster (``_shapes.cluster_details``), or None when the API answers 404.

        ``reuse`` lets a backend answer from what this run has read already; v1 always reads (its
        cluster list carries names and statuses, so it never needs a GET per cluster).
        """
        path = "%s/%s" % (API_ROOT, cluster_id)
        try:
            response = self.session.get(path, GET_CLUSTER)
        except ApiError as error:
            if error.status == 404:
                return None
            raise
        return _shapes.shape_response(_shapes.cluster_details, response, GET_CLUSTER, "GET", path)

    def data_access(self, cluster_id):
        """What reaching the cluster's data needs (``_shapes.data_access``: addresses, flags, ``username`` and
        ``instaclustrUserPassword`` as ``password``), plus ``server_time_ms`` (the answer's ``Date``); None on 404.

        The password is for the data-plane modules' login only: never put it in a result.
        """
        path = "%s/%s" % (API_ROOT, cluster_id)
        try:
            response = self.session.get(path, GET_CLUSTER)
        except ApiError as error:
            if error.status == 404:
                return None
            raise
        access = _shapes.shape_response(lambda body: _shapes.data_access(body, _shapes.DATA_ACCESS_FIELDS_V1),
                                        response, GET_CLUSTER, "GET", path)
        access["server_time_ms"] = http_date_to_ms(response.headers.get("Date"))
        return access

    @staticmethod
    def check_cluster_application(cluster_id, option="cluster_id"):
        """v1's cluster list does not say which application a cluster is: a 404 stays a 404."""
        return None

    def delete_cluster(self, cluster_id):
        """Ask for the cluster's deletion: True when accepted, False when it was already gone (404).

        Other failures (409 while dependent resources exist, ...) raise ``ApiError``; ask
        ``delete_later(error)`` whether one means "try again later".
        """
        try:
            self.session.delete("%s/%s" % (API_ROOT, cluster_id), DELETE_CLUSTER)
        except ApiError as error:
            if error.status == 404:
                return False
            raise
        return True

    def delete_later(self, error):
        """Whether ``delete_cluster``'s ``ApiError`` means "not now, try again" (v1: 409, dependent resources still exist)."""
        return error.status in self.DELETE_LATER_STATUSES

    # ---- backups ----

    def list_backup_events(self, cluster_id, shape=None):
        """The backup and restore events of the last 7 days (``_shapes.backup_events``).

        ``shape``: another function of the raw payload to apply instead (``_coverage.scan_listing``, which
        reads it in one pass); a ``_shapes.PayloadError`` it raises becomes an ``ApiError`` as well.
        """
        path = "%s/%s/backups" % (API_ROOT, cluster_id)
        response = self.session.get(path, LIST_BACKUPS)
        return _shapes.shape_response(shape or _shapes.backup_events, response, LIST_BACKUPS, "GET", path)

    def trigger_backup(self, cluster_id):
        """Start a backup on every node (204, no body either way).

        503 is v1's documented "Backup capability is not available": a definite refusal, raised as
        ``OperationFailed`` saying so (``triggered: false``); other failures raise ``ApiError``.
        """
        try:
            self.session.post("%s/%s/backups" % (API_ROOT, cluster_id), TRIGGER_BACKUP)
        except ApiError as error:
            if error.status == 503:
                raise OperationFailed("backup capability is not available for cluster %s: %s" % (cluster_id, error.describe()),
                                      details={"api_error": error.to_result(), "triggered": False}) from None
            raise

    def restore(self, cluster_id, request):
        """Restore ``cluster_id``'s backups into a new cluster; return the new cluster's id.

        A 2xx without ``restoredCluster`` is ambiguous: the server accepted something, so the
        caller must look the name up rather than post again.
        """
        path = "%s/%s/backups/restore" % (API_ROOT, cluster_id)
        response = self.session.post(path, RESTORE, body=self.restore_wire_body(cluster_id, request))
        body = response.json
        restored_id = body.get("restoredCluster") if isinstance(body, dict) else None
        if not isinstance(restored_id, str) or not restored_id:
            raise ApiError(RESTORE, "POST", path, status=None, body=_shapes.without_secrets(body),
                           reason="HTTP %s without a restoredCluster id in the answer" % response.status,
                           ambiguous=True)
        return restored_id

    # ---- firewall rules ----

    @staticmethod
    def _firewall_path(cluster_id):
        return "%s/%s/firewallRules/" % (API_ROOT, cluster_id)  # the trailing slash, as Instaclustr's client sends it

    def list_firewall_rules(self, cluster_id):
        """The cluster's firewall rules, one per type (``_shapes.firewall_rule``; no id or status on v1)."""
        path = self._firewall_path(cluster_id)
        response = self.session.get(path, LIST_FIREWALL_RULES)
        return _shapes.shape_response(lambda payload: _shapes.firewall_rules_v1(payload, cluster_id), response,
                                      LIST_FIREWALL_RULES, "GET", path)

    def add_firewall_rule_request(self, cluster_id, network, rule_type):
        """``{method, path, body}`` of the request that opens ``network`` to ``rule_type``."""
        return {"method": "POST", "path": self._firewall_path(cluster_id),
                "body": {"network": network, "rules": [{"type": rule_type}]}}

    def delete_firewall_rule_request(self, cluster_id, rule):
        """``{method, path, body}`` of the request that removes ``rule``: v1 deletes with the add's body."""
        return {"method": "DELETE", "path": self._firewall_path(cluster_id),
                "body": {"network": rule["network"], "rules": [{"type": rule["type"]}]}}

    def add_firewall_rule(self, cluster_id, network, rule_type):
        """Open ``network`` to ``rule_type`` (202): the rule, or None when the API answers 409 (it exists)."""
        request = self.add_firewall_rule_request(cluster_id, network, rule_type)
        try:
            self.session.post(request["path"], ADD_FIREWALL_RULE, body=request["body"])
        except ApiError as error:
            if error.status == 409:
                return None
            raise
        return _shapes.firewall_rule(cluster_id, network, rule_type)

    def delete_firewall_rule(self, cluster_id, rule):
        """Remove ``rule`` (a rule of ``list_firewall_rules``): True when accepted, False when already gone (404)."""
        request = self.delete_firewall_rule_request(cluster_id, rule)
        try:
            self.session.delete(request["path"], DELETE_FIREWALL_RULE, body=request["body"])
        except ApiError as error:
            if error.status == 404:
                return False
            raise
        return True

    @staticmethod
    def check_cdc_infos(entries, source_dc_ids, option="cdc_infos"):
        """v1's rules for ``cdc_infos``: every data centre of the source or none, each entry same VPC xor a custom VPC."""
        return check_cdc_infos(entries, source_dc_ids, option)

    def check_restore_options(self, options):
        """Refuse, before any request, a restore option Cassandra does not take (``index_names``)."""
        for option, _field in RESTORE_FIELDS:
            if options.get(option) and not self.app.takes(option):
                raise OptionError(option, "a %s restore does not take it" % self.application)

    @staticmethod
    def restore_wire_body(cluster_id, request):
        """The exact camelCase body for ``request`` = ``{name, point_in_time_ms, keyspace_tables,
        cdc_infos, cluster_network}``; empty values are left out (the API then uses its defaults).
        ``cluster_id`` goes in the path on v1, not in the body."""
        body = {"clusterNameOverride": request["name"]}
        if request.get("point_in_time_ms") is not None:
            body["pointInTime"] = int(request["point_in_time_ms"])
        if request.get("keyspace_tables"):
            body["keyspaceTables"] = ",".join(request["keyspace_tables"])
        if request.get("cdc_infos"):
            body["cdcInfos"] = [_cdc_info_wire(entry) for entry in request["cdc_infos"]]
        if request.get("cluster_network"):
            body["clusterNetwork"] = request["cluster_network"]
        return body


def _cdc_info_wire(entry):
    wire = {"cdcId": entry["cdc_id"], "restoreToSameVpc": bool(entry.get("restore_to_same_vpc"))}
    if entry.get("custom_vpc_id"):
        wire["customVpcId"] = entry["custom_vpc_id"]
    if entry.get("custom_vpc_network"):
        wire["customVpcNetwork"] = entry["custom_vpc_network"]
    return wire
