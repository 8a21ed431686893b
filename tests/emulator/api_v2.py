"""Routes of the emulated Cluster Management API v2 (the gate in ``gate.py`` has already run).

One catch-all route resolves the path through the table in ``wire_v2.APPS``, so the trailing-slash
setting (``strict``: only the OpenAPI document's spelling; ``operator``: only the spelling of
Instaclustr's operator client, which leaves out every trailing slash the document has and adds one
to the account list; ``lenient``: with or without the slash) applies to every route alike, and a
path the table does not have answers 404 in the v2 error shape.
"""

import json
import re
from dataclasses import dataclass

from flask import Blueprint, Response, current_app, jsonify, request

from tests.emulator import firewall, wire_v2
from tests.emulator.validation import BadRequest, check_cluster_id
from tests.emulator.validation_v2 import check_restore_body_v2, source_id
from tests.emulator.world import BackupUnavailable, PreconditionFailed

api_v2 = Blueprint("api_v2", __name__, url_prefix=wire_v2.PREFIX)
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


@dataclass(frozen=True)
class Route:
    operation: str
    method: str
    template: str
    app: object  # wire_v2.AppWire, or None for the account list
    exact: re.Pattern
    lenient: re.Pattern
    operator: re.Pattern

    def match(self, path, spelling):
        found = getattr(self, spelling if spelling in ("lenient", "operator") else "exact").match(path)
        return None if found is None else found.groups()

    def path(self, *values):
        """The template with its placeholders filled in order."""
        filled = iter(values)
        return PLACEHOLDER.sub(lambda _found: next(filled), self.template)


PLACEHOLDER = re.compile(r"\{(?:clusterId|firewallRuleId)\}")


def operator_spelling(template):
    """How Instaclustr's operator client spells a path: no trailing slash, but one on the account list."""
    if template == wire_v2.ACCOUNT_LIST_PATH:
        return template.rstrip("/") + "/"
    return template.rstrip("/")


def route(operation, method, template, app=None):
    regex = "([^/]+)".join(re.escape(part) for part in PLACEHOLDER.split(template.rstrip("/")))
    exact = regex + ("/" if template.endswith("/") else "")
    operator = regex + ("/" if operator_spelling(template).endswith("/") else "")
    return Route(operation, method, template, app, re.compile(exact + r"\Z"), re.compile(regex + r"/?\Z"),
                 re.compile(operator + r"\Z"))


ROUTES = [route("account_list", "GET", wire_v2.ACCOUNT_LIST_PATH)] + [
    route(operation, method, template, app)
    for app in wire_v2.APPS.values() for operation, method, template in app.routes()
] + [route(operation, method, template) for operation, method, template in firewall.V2_ROUTES]


def runtime():
    return current_app.config["RUNTIME"]


def error(status, name, message):
    return wire_v2.error_response(runtime().settings.v2_error_body, status, name, message)


def bad_request(problem):
    return error(400, problem.field, problem.rule)


def empty(status):
    response = Response(b"", status=status)
    del response.headers["Content-Type"]
    return response


def json_response(body, status):
    response = jsonify(body)
    response.status_code = status
    return response


def lookup(app, cluster_id, now, backups=False):
    """The cluster of ``app``, or the 400/404 response to answer instead (another application's
    cluster is not found on this application's path)."""
    try:
        cluster_id = check_cluster_id(cluster_id)
    except BadRequest as problem:
        return None, bad_request(problem)
    cluster = runtime().world.find(cluster_id, now, application=app.application, backups=backups)
    if cluster is None:
        return None, error(404, "clusterId", "%s cluster %s not found" % (app.application, cluster_id))
    return cluster, None


@api_v2.route("", methods=METHODS)
@api_v2.route("/<path:_rest>", methods=METHODS)
def dispatch(_rest=""):
    spelling = runtime().settings.v2_trailing_slash
    allowed = set()
    for candidate in ROUTES:
        groups = candidate.match(request.path, spelling)
        if groups is None:
            continue
        if candidate.method != request.method:
            allowed.add(candidate.method)
            continue
        return HANDLERS[candidate.operation](candidate.app, *groups)
    if allowed:
        return error(405, "method", "%s is not allowed here (allowed: %s)" % (request.method, ", ".join(sorted(allowed))))
    return error(404, "path", "No route %s" % request.path)


def account_list(_app):
    now = runtime().now_ms()
    world = runtime().world
    with world.lock:
        clusters = [cluster for cluster in world.clusters.values()
                    if runtime().settings.v2_list_deleted or not cluster.is_deleted(now)]
        return json_response(wire_v2.account_list(clusters), 200)


def get_cluster(app, cluster_id):
    now = runtime().now_ms()
    cluster, answer = lookup(app, cluster_id, now)
    if answer is not None:
        return answer
    with runtime().world.lock:
        return json_response(wire_v2.cluster_v2(cluster, now, runtime().settings.v2_restore_status), 200)


def delete_cluster(app, cluster_id):
    now = runtime().now_ms()
    cluster, answer = lookup(app, cluster_id, now)
    if answer is not None:
        return answer
    runtime().world.delete(cluster, now)
    return empty(204)


def list_backups(app, cluster_id):
    now = runtime().now_ms()
    cluster, answer = lookup(app, cluster_id, now, backups=True)
    if answer is not None:
        return answer
    with runtime().world.lock:
        text = wire_v2.backups_json(cluster, now)
    return Response(text, status=200, mimetype="application/json")


def trigger_backup(app, cluster_id):
    now = runtime().now_ms()
    cluster, answer = lookup(app, cluster_id, now)
    if answer is not None:
        return answer
    try:
        runtime().world.trigger_backup(cluster, now)
    except BackupUnavailable:
        return error(503, "clusterId", "Backup capability is not available")
    return empty(202)


def parsed_body():
    raw = request.get_data(cache=True)
    if not raw.strip():
        raise BadRequest("clusterId", "is required")
    try:
        return json.loads(raw)
    except ValueError:
        raise BadRequest("body", "is not valid JSON")


def restore(app):
    now = runtime().now_ms()
    settings = runtime().settings
    try:
        body = parsed_body()
        source, answer = lookup(app, source_id(body), now, backups=True)
        if answer is not None:
            return answer
        checked = check_restore_body_v2(body, app.application, {dc.id for dc in source.data_centres}, now,
                                        settings.v2_point_in_time)
        restored = runtime().world.restore(source, checked, body, now)
    except BadRequest as problem:
        return bad_request(problem)
    except PreconditionFailed as problem:
        return error(412, "pointInTime", str(problem))
    return json_response(wire_v2.restore_answer(body, restored.id), 202)


HANDLERS = {"account_list": account_list, "get_cluster": get_cluster, "delete_cluster": delete_cluster,
            "list_backups": list_backups, "trigger_backup": trigger_backup, "restore": restore,
            **firewall.V2_HANDLERS}
