"""The Cluster Management API v2 on the wire: the per-application table of paths and fields (the
one place that knows them), the JSON shapes of the v2 answers, and the v2 error bodies.

Paths are spelled exactly as Instaclustr's OpenAPI document has them, irregularities included:
``postgres`` under operations but ``postgresql`` elsewhere; trailing slashes where the document
has them; no list-backups route for Redis.
"""

import json
from dataclasses import dataclass
from typing import Optional

from flask import Response, jsonify

from tests.emulator import wire
from tests.emulator.clock import iso_ms
from tests.emulator.history import RESTORE, SNAPSHOT
from tests.emulator.lifecycle import FAILED, PROVISIONING, RESTORING, RUNNING, cluster_status

PREFIX = "/cluster-management/v2"
MAIN_ACCOUNT_ID = "9d1c4b2a-6e3f-4a8d-b5c7-2f0e8a1d3c10"
ACCOUNT_LIST_PATH = PREFIX + "/data-sources/clusters/v2"


@dataclass(frozen=True)
class AppWire:
    """How v2 spells one application: its paths (``{clusterId}`` templates), names and fields."""

    application: str  # the model's value (and the collection's option value)
    list_name: str  # ``application`` in the account list
    list_backups: Optional[str]  # None: the API has no such route (Redis)
    trigger_backup: str
    restore: str
    cluster: str  # GET and DELETE
    version_field: str
    restore_fields: frozenset  # restore fields of this application only
    snapshot_type: str  # the backup event type of a snapshot
    restore_events: bool  # whether a restore shows per-node restore events

    def routes(self):
        """(operation, method, path template) of every route this application has."""
        routes = [("get_cluster", "GET", self.cluster), ("delete_cluster", "DELETE", self.cluster),
                  ("trigger_backup", "POST", self.trigger_backup), ("restore", "POST", self.restore)]
        if self.list_backups is not None:
            routes.append(("list_backups", "GET", self.list_backups))
        return routes


def _paths(data_segment, operations_segment, list_slash, trigger_slash, cluster_slash):
    data = PREFIX + "/data-sources/applications/%s/clusters/v2/{clusterId}/list-backups/v2" % data_segment
    operations = PREFIX + "/operations/applications/%s" % operations_segment
    return {
        "list_backups": None if list_slash is None else data + list_slash,  # None: no listing route
        "trigger_backup": operations + "/clusters/v2/{clusterId}/trigger-backup/v2" + trigger_slash,
        "restore": operations + "/restore/v2",
        "cluster": PREFIX + "/resources/applications/%s/clusters/v2/{clusterId}" % data_segment + cluster_slash,
    }


APPS = {
    "cassandra": AppWire("cassandra", "APACHE_CASSANDRA", version_field="cassandraVersion",
                         restore_fields=frozenset({"keyspaceTables", "clusterNetwork"}), snapshot_type=SNAPSHOT,
                         restore_events=True, **_paths("cassandra", "cassandra", "", "", "")),
    "postgresql": AppWire("postgresql", "POSTGRESQL", version_field="postgresqlVersion", restore_fields=frozenset(),
                          snapshot_type="postgresql-backup", restore_events=False,
                          **_paths("postgresql", "postgres", "/", "/", "/")),
    "opensearch": AppWire("opensearch", "OPENSEARCH", version_field="opensearchVersion",
                          restore_fields=frozenset({"indexNames"}), snapshot_type=SNAPSHOT, restore_events=False,
                          **_paths("opensearch", "opensearch", "/", "/", "")),
    "redis": AppWire("redis", "REDIS", version_field="redisVersion", restore_fields=frozenset(),
                     snapshot_type=SNAPSHOT, restore_events=False,
                     **_paths("redis", "redis", None, "/", "")),
}
APP_ONLY_FIELDS = frozenset().union(*(app.restore_fields for app in APPS.values()))
# Values of the vendor's node role enum (``NodeRolesV2``), which has no OPENSEARCH_CLUSTER_MANAGER.
NODE_ROLES = {"cassandra": ["CASSANDRA"], "postgresql": ["POSTGRESQL"],
              "opensearch": ["OPENSEARCH_MASTER", "OPENSEARCH_DATA"]}


# --- error bodies ------------------------------------------------------------------------------

def error_response(shape, status, name, message):
    """A v2 error in the configured shape: ``list`` ({"errors": [{name, message}]}), ``bare``
    ({name, message}) or ``text`` (plain text ``name: message``)."""
    if shape == "text":
        text = message if name == message else "%s: %s" % (name, message)
        return Response(text, status=status, mimetype="text/plain")
    body = {"name": name, "message": message}
    response = jsonify({"errors": [body]} if shape == "list" else body)
    response.status_code = status
    return response


def phrase(status):
    return wire.STATUS_PHRASES.get(status, "Error")


# --- statuses ----------------------------------------------------------------------------------

def shown_status(status, restore_status):
    """A status as v2 shows it: with ``restore_status == "provisioning"`` a restore shows no RESTORING."""
    return PROVISIONING if status == RESTORING and restore_status == "provisioning" else status


def operation_status(status):
    if status == RUNNING:
        return "NO_OPERATION"
    return "OPERATION_FAILED" if status == FAILED else "OPERATION_IN_PROGRESS"


# --- GET cluster -------------------------------------------------------------------------------

def node_v2(cluster, node, index, status, masters):
    roles = NODE_ROLES.get(cluster.application)
    if roles is None:  # Redis: the first ``masters`` nodes of a data centre are masters
        roles = ["REDIS_MASTER"] if index < masters else ["REDIS_REPLICA"]
    # The vendor's schema allows no null: a field without a value (deletionTime of a live node) is left out.
    body = {"id": node.id, "status": status, "nodeSize": node.size, "rack": node.rack,
            "publicAddress": node.public_address, "privateAddress": node.private_address,
            "nodeRoles": list(roles), "startTime": iso_ms(node.created_ms)}
    return {name: value for name, value in body.items() if value is not None}


def data_centre_v2(cluster, dc, now, restore_status):
    masters = (len(dc.nodes) + 1) // 2
    statuses = [shown_status(cluster.node_status(node, now), restore_status) for node in dc.nodes]
    nodes = [node_v2(cluster, node, index, status, masters)
             for index, (node, status) in enumerate(zip(dc.nodes, statuses))]
    # ``tags`` is a list of {key, value} in the vendor's schema; providerAccountName (no null allowed) is
    # left out, as for a data centre in Instaclustr's own account.
    body = {"id": dc.id, "name": dc.cdc_name, "status": cluster_status(set(statuses)), "region": dc.name,
            "cloudProvider": dc.provider, "network": dc.network, "tags": [], "nodes": nodes}
    app = cluster.application
    if app == "cassandra":
        body.update(numberOfNodes=len(nodes), replicationFactor=min(3, len(nodes)), nodeSize=dc.nodes[0].size,
                    continuousBackup=bool(cluster.schedule and cluster.schedule.continuous),
                    clientToClusterEncryption=cluster.client_encryption, privateIpBroadcastForDiscovery=False)
    elif app == "postgresql":
        body.update(numberOfNodes=len(nodes), nodeSize=dc.nodes[0].size, clientToClusterEncryption=cluster.client_encryption,
                    pgBouncer=[], interDataCentreReplication=[], intraDataCentreReplication=[{"replicationMode": "ASYNCHRONOUS"}])
    elif app == "opensearch":
        body.update(numberOfRacks=len({node.rack for node in dc.nodes}))
    else:
        body.update(nodeSize=dc.nodes[0].size, masterNodes=masters, replicaNodes=len(nodes) - masters,
                    replicationFactor=1 if len(nodes) > masters else 0)
    return body


def cluster_v2(cluster, now, restore_status):
    """GET cluster in the application's v2 shape (``CassandraClusterV2``, ``PostgresqlClusterV2`` ...)."""
    centres = [data_centre_v2(cluster, dc, now, restore_status) for dc in cluster.data_centres]
    status = shown_status(cluster.status(now), restore_status)
    body = {"id": cluster.id, "name": cluster.name, "status": status,
            "currentClusterOperationStatus": operation_status(status), "slaTier": cluster.sla_tier,
            APPS[cluster.application].version_field: cluster.version, "privateNetworkCluster": False,
            "pciComplianceMode": cluster.pci_compliance == "ENABLED", "twoFactorDelete": [], "dataCentres": centres}
    # No ``description``: the vendor's schema allows no null, and these clusters have none.
    app = cluster.application
    if app == "cassandra":
        body.update(luceneEnabled=False, passwordAndUserAuth=True, spark=[])
    elif app == "postgresql":
        body.update(synchronousModeStrict=False)
    elif app == "opensearch":
        size = cluster.data_centres[0].nodes[0].size
        body.update(clusterManagerNodes=[{"nodeSize": size, "dedicatedManager": False}],
                    dataNodes=[{"nodeSize": size, "nodeCount": len(cluster.nodes())}], ingestNodes=[],
                    opensearchDashboards=[], defaultUsername=cluster.username)
    else:
        body.update(clientToNodeEncryption=cluster.client_encryption, passwordAndUserAuth=True)
    if app != "redis":  # the document has no password field for Redis: icredis's password comes from the user
        body["defaultUserPassword"] = cluster.password
    return body


# --- list backups, restore, account list -------------------------------------------------------

def backups_json(cluster, now):
    """List backups: v1's shape, with the application's event types (fast path for Cassandra)."""
    app = APPS[cluster.application]
    if app.application == "cassandra":
        return wire.backups_json(cluster, now)
    centres = []
    for dc in cluster.data_centres:
        nodes = []
        for node in dc.nodes:
            events = [event._replace(type=app.snapshot_type) if event.type == SNAPSHOT else event
                      for event in cluster.node_events(node, now) if app.restore_events or event.type != RESTORE]
            nodes.append('{"id":%s,"publicAddress":%s,"privateAddress":%s,"events":[%s]}' % (
                json.dumps(node.id), json.dumps(node.public_address), json.dumps(node.private_address),
                ",".join(wire.event_json(event) for event in events)))
        centres.append('{"id":%s,"name":%s,"nodes":[%s]}' % (json.dumps(dc.id), json.dumps(dc.cdc_name),
                                                             ",".join(nodes)))
    return '{"id":%s,"name":%s,"clusterDataCentres":[%s]}' % (
        json.dumps(cluster.id), json.dumps(cluster.name), ",".join(centres))


def restore_answer(body, restored_id):
    """The 202 body: the request echoed (``pointInTime`` as the string the schema types it as,
    top-level nulls left out), plus ``restoredClusterId``."""
    answer = {name: value for name, value in body.items() if value is not None}
    if answer.get("pointInTime") is not None:
        answer["pointInTime"] = str(answer["pointInTime"])
    answer["restoredClusterId"] = restored_id
    return answer


def account_list(clusters):
    """``[{accountId, clusters: [{id, application}]}]``: one entry per account, main account first."""
    accounts = {MAIN_ACCOUNT_ID: []}
    for cluster in clusters:
        accounts.setdefault(cluster.account_id or MAIN_ACCOUNT_ID, []).append(
            {"id": cluster.id, "application": APPS[cluster.application].list_name})
    return [{"accountId": account, "clusters": items} for account, items in accounts.items()]
