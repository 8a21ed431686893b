"""Routes of the emulated Provisioning API v1 (the gate in ``gate.py`` has already run)."""

import json

from flask import Blueprint, Response, current_app, jsonify, request

from tests.emulator import wire
from tests.emulator.gate import error_response
from tests.emulator.validation import BadRequest, check_cluster_id, check_restore_body
from tests.emulator.world import BackupUnavailable, PreconditionFailed

api = Blueprint("api", __name__, url_prefix="/provisioning/v1")


def runtime():
    return current_app.config["RUNTIME"]


def json_response(body, status):
    response = jsonify(body)
    response.status_code = status
    return response


def bad_request(error):
    return error_response(400, error.message, {"field": error.field, "rule": error.rule})


def lookup(cluster_id, now, backups=False):
    """The cluster, or the 400/404 response to answer instead (``backups``: see ``World.find``)."""
    try:
        cluster_id = check_cluster_id(cluster_id)
    except BadRequest as error:
        return None, bad_request(error)
    cluster = runtime().world.find(cluster_id, now, application="cassandra", backups=backups)  # v1: Cassandra only
    if cluster is None:
        return None, error_response(404, "Cluster %s not found" % cluster_id, {"clusterId": cluster_id})
    return cluster, None


@api.get("")
def list_clusters():
    now = runtime().now_ms()
    clusters = runtime().world.live_clusters(now, application="cassandra")
    if not clusters:
        return error_response(404, "No clusters found for this account")
    with runtime().world.lock:
        return json_response([wire.list_item(cluster, now) for cluster in clusters], 200)


@api.get("/<cluster_id>")
def get_cluster(cluster_id):
    now = runtime().now_ms()
    cluster, answer = lookup(cluster_id, now)
    if answer is not None:
        return answer
    with runtime().world.lock:
        return json_response(wire.cluster_details(cluster, now), 202)  # the real API answers 202


@api.delete("/<cluster_id>")
def delete_cluster(cluster_id):
    now = runtime().now_ms()
    cluster, answer = lookup(cluster_id, now)
    if answer is not None:
        return answer
    runtime().world.delete(cluster, now)
    return json_response({"message": "Cluster has been marked for deletion."}, 202)


@api.get("/<cluster_id>/backups")
def list_backups(cluster_id):
    now = runtime().now_ms()
    cluster, answer = lookup(cluster_id, now, backups=True)
    if answer is not None:
        return answer
    with runtime().world.lock:
        text = wire.backups_json(cluster, now)
    return Response(text, status=200, mimetype="application/json")


@api.post("/<cluster_id>/backups")
def trigger_backup(cluster_id):
    now = runtime().now_ms()
    cluster, answer = lookup(cluster_id, now)
    if answer is not None:
        return answer
    try:
        runtime().world.trigger_backup(cluster, now)
    except BackupUnavailable:
        return error_response(503, "Backup capability is not available", {"clusterId": cluster.id})
    return Response(b"", status=204)


def restore_body():
    """The parsed restore body; an empty body means a restore to now with defaults."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except ValueError:
        raise BadRequest("body", "is not valid JSON")


@api.post("/<cluster_id>/backups/restore")
def restore(cluster_id):
    now = runtime().now_ms()
    source, answer = lookup(cluster_id, now, backups=True)
    if answer is not None:
        return answer
    try:
        body = restore_body()
        checked = check_restore_body(body, {dc.id for dc in source.data_centres}, now)
        restored = runtime().world.restore(source, checked, body, now)
    except BadRequest as error:
        return bad_request(error)
    except PreconditionFailed as error:
        return json_response({"cluster": source.id, "status": "Pre-condition failed", "reason": str(error)}, 412)
    return json_response({"restoredCluster": restored.id}, 200)
