"""The API's JSON shapes (camelCase), built from the simulated world at a given instant."""

import json

from tests.emulator.lifecycle import cluster_status

STATUS_PHRASES = {
    400: "Bad Request", 401: "Not Authorized", 403: "Missing permissions", 404: "Resource not found",
    405: "Method Not Allowed", 409: "Conflict", 412: "Pre-condition failed", 415: "Unsupported media type",
    429: "Rate Limit Exceeded", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
    504: "Gateway Timeout",
}


def error_message(status, message=None, details=None):
    """The API's ``ErrorMessage`` body."""
    return {"status": status, "message": message or STATUS_PHRASES.get(status, "Error"),
            "errorDetails": details or {}, "code": status, "link": ""}


def list_item(cluster, now):
    statuses = [cluster.node_status(node, now) for node in cluster.nodes()]
    return {
        "id": cluster.id,
        "name": cluster.name,
        "cassandraVersion": cluster.cassandra_version,
        "nodeCount": len(statuses),
        "runningNodeCount": statuses.count("RUNNING"),
        "derivedStatus": cluster.status(now),
        "slaTier": cluster.sla_tier,
        "pciCompliance": cluster.pci_compliance,
    }


def node_details(cluster, node, now):
    return {
        "id": node.id, "size": node.size, "rack": node.rack,
        "publicAddress": node.public_address, "privateAddress": node.private_address,
        "nodeStatus": cluster.node_status(node, now),
        "sparkMaster": False, "sparkJobserver": False, "zeppelin": False,
    }


def data_centre_details(cluster, dc, now):
    nodes = [node_details(cluster, node, now) for node in dc.nodes]
    return {
        "id": dc.id, "name": dc.name, "cdcName": dc.cdc_name, "provider": dc.provider,
        "cdcStatus": cluster_status({node["nodeStatus"] for node in nodes}),
        "cdcNetwork": dc.network_wire(),
        "bundles": [], "clientEncryption": False, "passwordAuthentication": True,
        "userAuthorization": True, "usePrivateBroadcastRPCAddress": False, "privateIPOnly": False,
        "nodes": nodes, "nodeCount": len(nodes),
        "encryptionKeyId": None, "resizeTargetNodeSize": None,
    }


def cluster_details(cluster, now):
    return {
        "id": cluster.id,
        "clusterName": cluster.name,
        "clusterStatus": cluster.status(now),
        "cassandraVersion": cluster.cassandra_version,
        "slaTier": cluster.sla_tier,
        "pciCompliance": cluster.pci_compliance,
        "username": cluster.username,
        "instaclustrUserPassword": cluster.password,
        "clusterCertificateDownload": "disabled",
        "dataCentres": [data_centre_details(cluster, dc, now) for dc in cluster.data_centres],
    }


def event_json(event):
    end = "null" if event.end is None else "%d" % event.end
    return '{"type":"%s","state":"%s","progress":%r,"start":%d,"end":%s}' % (
        event.type, event.state, float(event.progress), event.start, end)


def backups_json(cluster, now):
    """GET backups as JSON text, formatted directly: ~200,000 events must render well under a second."""
    centres = []
    for dc in cluster.data_centres:
        nodes = []
        for node in dc.nodes:
            events = ",".join([event_json(event) for event in cluster.node_events(node, now)])
            nodes.append('{"id":%s,"publicAddress":%s,"privateAddress":%s,"events":[%s]}' % (
                json.dumps(node.id), json.dumps(node.public_address), json.dumps(node.private_address), events))
        centres.append('{"id":%s,"name":%s,"nodes":[%s]}' % (
            json.dumps(dc.id), json.dumps(dc.cdc_name), ",".join(nodes)))
    return '{"id":%s,"name":%s,"clusterDataCentres":[%s]}' % (
        json.dumps(cluster.id), json.dumps(cluster.name), ",".join(centres))
