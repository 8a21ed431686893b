# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
#
# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""The Cluster Management API v2 wire in one place: per-application paths and fields, bodies, status codes.

``ClusterManagementV2`` has the methods of ``_provisioning_v1.ProvisioningV1`` and returns the same
snake_case shapes, so modules never ask which version they talk to. Facts relied on (see
docs/api-client.md for their public sources):

* paths differ per application, with irregular spelling (``postgresql`` under ``data-sources`` and
  ``resources``, ``postgres`` under ``operations``) and trailing slashes: they are spelt out, one
  row per application, in ``APPLICATIONS`` and never derived from each other;
* trigger backup answers 202 without a body, restore 202 with ``restoredClusterId`` in a JSON body,
  GET cluster 200, DELETE 204; any 2xx is success. GET or DELETE answering 404 means the cluster is
  gone;
* the account cluster list is a list of accounts, each with ``clusters: [{id, application}]`` and
  no names: a lookup by name is the list plus one GET per cluster of this application. GETs are
  kept for the backend's life (one module run) so no cluster is read twice for a lookup;
* ``cdc_infos`` may name any subset of the data centres (the rest go to a new VPC);
* ``pointInTime`` is typed ``string`` (epoch ms or ISO 8601) in the OpenAPI document although its
  examples and Instaclustr's operator send an integer: it is sent as a string of epoch ms, and when
  the API refuses that with a 400 naming ``pointInTime`` (nothing was created), the restore is sent
  once more with the integer form. ``restore_body_sent`` keeps the body of the accepted request;
* the OpenAPI document and Instaclustr's operator client spell eight paths differently: the document
  has a trailing slash on PostgreSQL's GET and DELETE, on PostgreSQL's and OpenSearch's list-backups and
  on PostgreSQL's, OpenSearch's and Redis's trigger-backup, which the operator leaves out, and none on the
  account list, where the operator has one. The document's spelling is sent first; a 404 to it is
  answered by one try of the operator's (a 404 proves nothing was acted on, so POSTs too), and the
  spelling that worked is kept in the state folder's memo ``v2-path-spelling`` for the rest of the run.
"""

from __future__ import annotations

import time

from ansible_collections.restorekit.instaclustr.plugins.module_utils import _shapes
# The per-application table lives in _applications, so that v1 reads its Cassandra row without this backend.
from ansible_collections.restorekit.instaclustr.plugins.module_utils._applications import (
    API_ROOT,
    APPLICATION_BY_ACCOUNT_NAME,
    APPLICATIONS,
    RESTORE_FIELDS,
)
from ansible_collections.restorekit.instaclustr.plugins.module_utils._errors import ApiError, OperationFailed, OptionError
from ansible_collections.restorekit.instaclustr.plugins.module_utils._rules import check_cdc_infos

ACCOUNT_CLUSTERS_PATH = API_ROOT + "/data-sources/clusters/v2"
# Firewall rules: the same paths for every application.
FIREWALL_RULES_PATH = API_ROOT + "/resources/network-firewall-rules/v2"
CLUSTER_FIREWALL_RULES_PATH = API_ROOT + "/data-sources/cluster/{cluster_id}/network-firewall-rules/v2"

# Where Instaclustr's operator client spells a path otherwise than the OpenAPI document (docs/api-client.md):
# it leaves out every trailing slash the document has, and adds one to the account list.
DOCUMENT = "document"
OPERATOR = "operator"
SPELLING_MEMO = "v2-path-spelling"
# How long a spelling learnt by an earlier process is trusted without trying the other one on a 404:
# long enough for one run (a drill, a pipeline), short enough that a server that changes its routes is relearnt.
SPELLING_TRUSTED_SECONDS = 6 * 3600


def operator_spelling(template):
    """The operator client's spelling of a v2 path template, or None where it spells it as the document does."""
    if template == ACCOUNT_CLUSTERS_PATH:
        return template + "/"
    if template.endswith("/"):
        return template.rstrip("/")
    return None


# Operation names, used in every message about a failed request (the same words as v1).
LIST_BACKUPS = "list backups"
TRIGGER_BACKUP = "trigger backup"
RESTORE = "restore"
GET_CLUSTER = "get cluster"
LIST_CLUSTERS = "list clusters"
DELETE_CLUSTER = "delete cluster"
LIST_FIREWALL_RULES = "list firewall rules"
ADD_FIREWALL_RULE = "add firewall rule"
DELETE_FIREWALL_RULE = "delete firewall rule"

# The restore field whose JSON type the reference leaves open (see ``restore``).
POINT_IN_TIME = "pointInTime"

RESTORE_MODE_NEW_VPC = "NEW_VPC"
RESTORE_MODE_SAME_VPC = "SAME_VPC"
RESTORE_MODE_CUSTOM_VPC = "CUSTOM_VPC"


class ClusterManagementV2:
    """Backend for ``/cluster-management/v2`` and one application, on top of an ``ApiSession``.

    ``clusters_read`` keeps every cluster this backend has read (id -> shape; never a 404), so
    one module run reads each cluster at most once for its name lookups; ``get_cluster`` without
    ``reuse`` always asks the API (waits need fresh answers) and refreshes it.
    """

    api_version = "v2"
    # v2 rules carry an id and a status (GENESIS, PROVISIONING, RUNNING, ...).
    firewall_rules_have_status = True
    # The v2 reference documents no 409 on DELETE; read like v1's "dependent resources still exist".
    DELETE_LATER_STATUSES = frozenset((409,))

    def __init__(self, session, application="cassandra", state=None, clock=time.time):
        """``state``: the module's ``_state.StateFolder`` (or anything with ``memo`` and ``remember``), where the
        path spelling the server routes is kept for the next process; without it, only for this backend's life."""
        if application not in APPLICATIONS:
            raise OptionError("application", "must be one of %s (got %r)" % (", ".join(sorted(APPLICATIONS)), application))
        self.session = session
        self.application = application
        self.app = APPLICATIONS[application]
        self.clusters_read = {}
        self.restore_body_sent = None  # the restore body last sent (the integer pointInTime after a retry)
        self.state = state
        self._clock = clock
        self._spellings = None  # template -> DOCUMENT or OPERATOR: known to be routed (this process or a trusted memo)

    # ---- clusters ----

    def list_account_clusters(self):
        """Every cluster of every account in the list: ``[{id, application, api_application}]``.

        ``application`` is the collection's name (``cassandra``, ``postgresql``, ``opensearch``,
        ``redis``) or None for an application the collection does not handle; ``api_application``
        is the API's own word.
        """
        response = self._send(self.session.get, ACCOUNT_CLUSTERS_PATH, None, LIST_CLUSTERS)
        clusters = _shapes.shape_response(_shapes.account_clusters_v2, response, LIST_CLUSTERS, "GET", ACCOUNT_CLUSTERS_PATH)
        return [{"id": cluster["id"], "application": APPLICATION_BY_ACCOUNT_NAME.get(cluster["application"]),
                 "api_application": cluster["application"]} for cluster in clusters]

    def list_clusters(self):
        """The clusters of this application in ``_shapes.cluster_list`` item shape.

        The v2 list has ids only: each cluster not read yet in this run costs one GET. A cluster
        that answers 404 between the list and its GET is left out.
        """
        ids = []
        for cluster in self.list_account_clusters():
            if cluster["application"] == self.application and cluster["id"] not in ids:
                ids.append(cluster["id"])
        found = (self.get_cluster(cluster_id, reuse=True) for cluster_id in ids)
        return [_shapes.cluster_list_item(cluster) for cluster in found if cluster is not None]

    def check_cluster_application(self, cluster_id, option="cluster_id"):
        """After the API answered 404 for ``cluster_id`` on this application's path: raise an ``OptionError``
        naming ``option`` when the account list holds that id under another application, and say which
        ``application`` to set. Costs one GET (the account list), so only the failure path calls it;
        returns quietly when the id is not listed or the list cannot be read (the caller's 404 stands)."""
        try:
            clusters = self.list_account_clusters()
        except ApiError:
            return
        wanted = str(cluster_id).lower()
        for cluster in clusters:
            if str(cluster["id"]).lower() != wanted or cluster["application"] == self.application:
                continue
            if cluster["application"] is None:
                raise OptionError(option, "cluster %s is a %s cluster (the account's cluster list says so), an application "
                                  "this collection does not handle; option application is %s"
                                  % (cluster_id, cluster["api_application"], self.application))
            raise OptionError(option, "cluster %s is a %s cluster (%s in the account's cluster list), not a %s one: "
                              "set application: %s" % (cluster_id, cluster["application"], cluster["api_application"],
                                                       self.application, cluster["application"]))

    def get_cluster(self, cluster_id, reuse=False):
        """One cluster (``_shapes.cluster_details`` shape), or None when the API answers 404.

        With ``reuse``, a cluster this backend has read already is returned without a request.
        """
        if reuse and cluster_id in self.clusters_read:
            return self.clusters_read[cluster_id]
        path = self._path(self.app.cluster, cluster_id)
        try:
            response = self._send(self.session.get, self.app.cluster, cluster_id, GET_CLUSTER)
        except ApiError as error:
            if error.status == 404:
                # Not kept: a cluster just restored may answer 404 until it shows, and must be read again.
                self.clusters_read.pop(cluster_id, None)
                return None
            raise
        cluster = _shapes.shape_response(_shapes.cluster_details_v2, response, GET_CLUSTER, "GET", path)
        self.clusters_read[cluster_id] = cluster
        return cluster

    def delete_cluster(self, cluster_id):
        """Ask for the cluster's deletion (204): True when accepted, False when it was already gone (404)."""
        try:
            self._send(self.session.delete, self.app.cluster, cluster_id, DELETE_CLUSTER)
        except ApiError as error:
            if error.status == 404:
                return False
            raise
        finally:
            self.clusters_read.pop(cluster_id, None)  # its status changes now: never answer from an old read
        return True

    def delete_later(self, error):
        """Whether ``delete_cluster``'s ``ApiError`` means "not now, try again" (409, as on v1)."""
        return error.status in self.DELETE_LATER_STATUSES

    # ---- backups ----

    def list_backup_events(self, cluster_id, shape=None):
        """The backup and restore events of the last 7 days (``_shapes.backup_events``: v2 keeps v1's fields).

        ``shape``: another function of the raw payload to apply instead, as on v1 (``ProvisioningV1.list_backup_events``).
        """
        if self.app.list_backups is None:
            raise OperationFailed("list backups: the Cluster Management API v2 offers no backup listing for %s clusters, "
                                  "so their backups cannot be read or followed" % self.application)
        path = self._path(self.app.list_backups, cluster_id)
        response = self._unless_other_application(self.session.get, self.app.list_backups, LIST_BACKUPS, cluster_id)
        return _shapes.shape_response(shape or _shapes.backup_events, response, LIST_BACKUPS, "GET", path)

    def trigger_backup(self, cluster_id):
        """Start a backup on every node: POST without a body, 202 (any 2xx) without a body or a backup id."""
        self._unless_other_application(self.session.post, self.app.trigger_backup, TRIGGER_BACKUP, cluster_id)

    def restore(self, cluster_id, request):
        """Restore ``cluster_id``'s backups into a new cluster; return the new cluster's id (``restoredClusterId``).

        A 2xx without ``restoredClusterId`` is ambiguous: the server accepted something, so the
        caller must look the name up rather than post again.
        """
        path = self.app.restore
        wire_body = self.restore_wire_body(cluster_id, request)
        self.restore_body_sent = wire_body
        try:
            response = self.session.post(path, RESTORE, body=wire_body)
        except ApiError as error:
            if not _refuses_string_point_in_time(error, wire_body):
                raise
            # A 400 is a definite refusal (nothing was created): send the one other form the
            # reference's examples use, once. Any answer to it, success or failure, is final.
            wire_body = dict(wire_body, pointInTime=int(wire_body["pointInTime"]))
            self.restore_body_sent = wire_body
            response = self.session.post(path, RESTORE, body=wire_body)
        body = response.json
        restored_id = body.get("restoredClusterId") if isinstance(body, dict) else None
        if not isinstance(restored_id, str) or not restored_id:
            raise ApiError(RESTORE, "POST", path, status=None,
                           body=_shapes.without_secrets(body) if body is not None else response.text[:200] or None,
                           reason="HTTP %s without a restoredClusterId in the answer" % response.status, ambiguous=True)
        return restored_id

    # ---- firewall rules ----

    @property
    def default_firewall_rule_type(self):
        """The rule type that opens this application's data port (the per-application table)."""
        return self.app.firewall_rule_type

    def list_firewall_rules(self, cluster_id):
        """The cluster's firewall rules, one per type (``_shapes.firewall_rule``, with id and status)."""
        path = self._path(CLUSTER_FIREWALL_RULES_PATH, cluster_id)
        response = self.session.get(path, LIST_FIREWALL_RULES)
        return _shapes.shape_response(_shapes.firewall_rules_v2, response, LIST_FIREWALL_RULES, "GET", path)

    @staticmethod
    def add_firewall_rule_request(cluster_id, network, rule_type):
        """``{method, path, body}`` of the request that opens ``network`` to ``rule_type``."""
        return {"method": "POST", "path": FIREWALL_RULES_PATH,
                "body": {"clusterId": cluster_id, "network": network, "type": rule_type}}

    @staticmethod
    def delete_firewall_rule_request(cluster_id, rule):
        """``{method, path, body}`` of the request that removes ``rule`` (by its id; no body)."""
        return {"method": "DELETE", "path": "%s/%s" % (FIREWALL_RULES_PATH, rule["id"]), "body": None}

    def add_firewall_rule(self, cluster_id, network, rule_type):
        """Open ``network`` to ``rule_type`` (202 with the rule): the rule, or None when the API answers 409 (it exists).

        A 2xx without a readable rule is ambiguous (something was accepted): the caller re-reads the rules."""
        request = self.add_firewall_rule_request(cluster_id, network, rule_type)
        try:
            response = self.session.post(request["path"], ADD_FIREWALL_RULE, body=request["body"])
        except ApiError as error:
            if error.status == 409:
                return None
            raise
        try:
            rule = _shapes.firewall_rule_v2(response.json)
        except _shapes.PayloadError as problem:
            raise ApiError(ADD_FIREWALL_RULE, "POST", request["path"], status=None, ambiguous=True,
                           reason="HTTP %s with an unexpected body: %s" % (response.status, problem)) from None
        rule["cluster_id"] = rule["cluster_id"] or cluster_id
        return rule

    def delete_firewall_rule(self, cluster_id, rule):
        """Remove ``rule`` (a rule of ``list_firewall_rules``; 204): True when accepted, False when already gone (404)."""
        request = self.delete_firewall_rule_request(cluster_id, rule)
        try:
            self.session.delete(request["path"], DELETE_FIREWALL_RULE)
        except ApiError as error:
            if error.status == 404:
                return False
            raise
        return True

    def check_cdc_infos(self, entries, source_dc_ids, option="cdc_infos"):
        """v2's rules for ``cdc_infos``: any subset of the data centres; an entry with neither
        ``restore_to_same_vpc`` nor ``custom_vpc_id`` goes to a new VPC; a custom VPC needs its network."""
        if entries:
            self._check_takes("cdc_infos", "cdcConfigs", option)
        return check_cdc_infos(entries, source_dc_ids, option, every_data_centre=False, new_vpc_entries=True,
                               custom_vpc_needs_network=True)

    def check_restore_options(self, options):
        """Refuse, before any request, a restore option this application does not take.

        ``options`` maps module option names (``point_in_time`` and the keys of ``RESTORE_FIELDS``)
        to their values; an empty value is not an option given. Raises ``OptionError`` naming the
        option and the application."""
        if options.get("point_in_time") is not None and not self.app.point_in_time:
            raise OptionError("point_in_time", "a %s restore does not take it: the API lists no %s backups, so no instant "
                              "can be shown to be restorable; a %s restore restores the latest state"
                              % (self.application, self.application, self.application))
        for option, field in RESTORE_FIELDS:
            if options.get(option):
                self._check_takes(option, field)

    def restore_wire_body(self, cluster_id, request):
        """The exact v2 body for ``request`` = ``{name, point_in_time_ms, keyspace_tables, cdc_infos,
        cluster_network[, index_names]}``; empty values are left out (the API then uses its defaults).

        An option this application's restore does not take raises ``OptionError`` naming it.
        """
        body = {"clusterId": cluster_id, "restoredClusterName": request["name"]}
        if request.get("point_in_time_ms") is not None:
            body["pointInTime"] = str(int(request["point_in_time_ms"]))  # OpenAPI: type string (epoch ms or ISO 8601)
        for option, field in RESTORE_FIELDS:
            value = request.get(option)
            if not value:
                continue
            self._check_takes(option, field)
            if option == "cdc_infos":
                body[field] = [_cdc_config_wire(entry) for entry in value]
            elif isinstance(value, (list, tuple)):
                body[field] = ",".join(value)
            else:
                body[field] = value
        return body

    # ---- helpers ----

    def _unless_other_application(self, call, template, operation, cluster_id):
        """``call`` on ``template``'s path; a 404 first asks the account list whether the id is another application's."""
        try:
            return self._send(call, template, cluster_id, operation)
        except ApiError as error:
            if error.status == 404:
                self.check_cluster_application(cluster_id)
            raise

    def _send(self, call, template, cluster_id, operation):
        """``call(path, operation)`` on the spelling of ``template`` the server routes.

        Where the operator spells the path otherwise, the known spelling is sent (the document's when
        none is known yet); while none is known, a 404 is answered by one try of the other spelling, and
        the spelling that succeeded becomes known. With a known spelling a 404 is the
        API's own answer (the cluster is unknown), as it is when both spellings answer 404.
        """
        other = operator_spelling(template)
        if other is None:
            return call(self._path(template, cluster_id), operation)
        spellings = {DOCUMENT: template, OPERATOR: other}
        known = self._known_spelling(template)
        first = known or DOCUMENT
        try:
            response = call(self._path(spellings[first], cluster_id), operation)
        except ApiError as error:
            if error.status != 404 or known is not None:
                raise
            second = OPERATOR if first == DOCUMENT else DOCUMENT
            try:
                response = call(self._path(spellings[second], cluster_id), operation)
            except ApiError as second_error:
                if second_error.status == 404:
                    raise error from None  # neither spelling knows the id: the first answer stands
                raise
            self._learn(template, second)
            return response
        if known is None:
            self._learn(template, first)
        return response

    def _known_spelling(self, template):
        if self._spellings is None:
            self._spellings = {}
            memo = {}
            if self.state is not None:
                try:
                    memo = self.state.memo(SPELLING_MEMO)
                except (OSError, OptionError):
                    memo = {}
            now = self._clock()
            for key, entry in memo.items():
                if (isinstance(entry, dict) and entry.get("spelling") in (DOCUMENT, OPERATOR)
                        and isinstance(entry.get("learnt"), (int, float)) and 0 <= now - entry["learnt"] < SPELLING_TRUSTED_SECONDS):
                    self._spellings[key] = entry["spelling"]
        return self._spellings.get(template)

    def _learn(self, template, spelling):
        """Keep the spelling that worked for this process and, through the state folder, for the next ones."""
        if self._spellings is None:
            self._known_spelling(template)
        if self._spellings.get(template) == spelling:
            return
        self._spellings[template] = spelling
        if self.state is None:
            return
        try:
            self.state.remember(SPELLING_MEMO, template, {"spelling": spelling, "learnt": int(self._clock())})
        except (OSError, OptionError):
            pass  # the memo only saves a request: a state folder that cannot be written is reported where records need it

    def _check_takes(self, option, field, shown_option=None):
        if field not in self.app.restore_fields:
            takers = ", ".join(sorted(app.name for app in APPLICATIONS.values() if field in app.restore_fields))
            raise OptionError(shown_option or option, "a %s restore does not take it (the API has no %s field for %s; "
                              "only for %s)" % (self.application, field, self.application, takers))

    @staticmethod
    def _path(template, cluster_id):
        return template.format(cluster_id=cluster_id)


def _refuses_string_point_in_time(error, wire_body):
    """Whether ``error`` is a 400 naming ``pointInTime`` for a body that sent it as a string.

    v2 error bodies come in several shapes (a list of ``{name, message}``, a bare ``{name,
    message}``, v1's ``ErrorMessage`` with ``errorDetails.field``, or plain text); any of them
    naming the field counts.
    """
    if error.status != 400 or error.ambiguous or not isinstance(wire_body.get("pointInTime"), str):
        return False
    body = error.body
    if isinstance(body, dict):
        entries = [body]
        if isinstance(body.get("errors"), list):
            entries.extend(entry for entry in body["errors"] if isinstance(entry, dict))
        if isinstance(body.get("errorDetails"), dict):
            entries.append(body["errorDetails"])
        names = [entry.get(key) for entry in entries for key in ("name", "field")]
        if POINT_IN_TIME in names:
            return True
    return POINT_IN_TIME in (error.server_message or "")


def _cdc_config_wire(entry):
    """A checked ``cdc_infos`` entry as a ``ClusterDataCentreRestoreConfigV2``."""
    wire = {"cdcId": entry["cdc_id"]}
    if entry.get("restore_to_same_vpc"):
        wire["restoreMode"] = RESTORE_MODE_SAME_VPC
    elif entry.get("custom_vpc_id"):
        wire["restoreMode"] = RESTORE_MODE_CUSTOM_VPC
        wire["customVpcSettings"] = {"vpcId": entry["custom_vpc_id"], "network": entry.get("custom_vpc_network")}
    else:
        wire["restoreMode"] = RESTORE_MODE_NEW_VPC
    return wire
