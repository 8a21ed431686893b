"""The admin API under /__emulator__/: no auth, no rate limit, not in the request log."""

import dataclasses

from flask import Blueprint, current_app, jsonify, request

from tests.emulator import firewall
from tests.emulator.clock import iso_ms
from tests.emulator.faults import FaultError, parse_fault
from tests.emulator.lifecycle import RESTORE_OUTCOMES
from tests.emulator.validation import BadRequest
from tests.emulator.wire_v2 import MAIN_ACCOUNT_ID
from tests.emulator.world import RESTORE_DATA_OUTCOMES

admin = Blueprint("admin", __name__, url_prefix="/__emulator__")


class AdminError(ValueError):
    pass


@admin.errorhandler(AdminError)
@admin.errorhandler(FaultError)
def admin_error(error):
    response = jsonify({"error": str(error)})
    response.status_code = 400
    return response


def runtime():
    return current_app.config["RUNTIME"]


def json_body():
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, dict):
        raise AdminError("the body must be a JSON object")
    return body


def number(body, name, minimum=0.0, exclusive=False):
    value = body[name]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise AdminError("%s must be a number" % name)
    if value < minimum or (exclusive and value == minimum):
        raise AdminError("%s must be %s %s" % (name, ">" if exclusive else ">=", minimum))
    return float(value)


def clock_view():
    now = runtime().now_ms()
    return {"now_ms": now, "now": iso_ms(now), "time_scale": runtime().clock.time_scale}


@admin.get("/requests")
def requests_log():
    return jsonify(runtime().log.entries())


@admin.get("/clock")
def get_clock():
    return jsonify(clock_view())


@admin.post("/clock")
def advance_clock():
    body = json_body()
    if "advance_seconds" not in body:
        raise AdminError("advance_seconds is required")
    runtime().advance(number(body, "advance_seconds"))
    return jsonify(clock_view())


@admin.post("/reset")
def reset():
    runtime().reset()
    return jsonify({"reset": True, **clock_view()})


@admin.post("/faults")
def add_fault():
    fault = parse_fault(json_body())
    runtime().faults.add(fault)
    return jsonify(fault.public()), 201


@admin.get("/faults")
def list_faults():
    return jsonify(runtime().faults.pending())


@admin.delete("/faults")
def clear_faults():
    runtime().faults.clear()
    return jsonify([])


def outcomes_view():
    return dataclasses.asdict(runtime().world.outcomes)


@admin.get("/outcomes")
def get_outcomes():
    return jsonify(outcomes_view())


def check_id_list(body, name, allow_all=False):
    value = body[name]
    if allow_all and value == "all":
        return value
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise AdminError("%s must be a list of ids%s" % (name, ' or "all"' if allow_all else ""))
    return [item.lower() for item in value]


@admin.post("/outcomes")
def set_outcomes():
    """Set only the keys given; the others keep their values."""
    body = json_body()
    unknown = set(body) - {"next_restore", "backup_failure_nodes", "two_factor_delete", "next_restore_data"}
    if unknown:
        raise AdminError("unknown outcome(s): %s" % ", ".join(sorted(unknown)))
    if "next_restore" in body and body["next_restore"] not in RESTORE_OUTCOMES:
        raise AdminError("next_restore must be one of %s" % ", ".join(RESTORE_OUTCOMES))
    if "next_restore_data" in body and body["next_restore_data"] not in RESTORE_DATA_OUTCOMES:
        raise AdminError("next_restore_data must be one of %s" % ", ".join(RESTORE_DATA_OUTCOMES))
    changes = {}
    if "next_restore_data" in body:
        changes["next_restore_data"] = body["next_restore_data"]
    if "next_restore" in body:
        changes["next_restore"] = body["next_restore"]
    if "backup_failure_nodes" in body:
        changes["backup_failure_nodes"] = check_id_list(body, "backup_failure_nodes")
    if "two_factor_delete" in body:
        changes["two_factor_delete"] = check_id_list(body, "two_factor_delete", allow_all=True)
    with runtime().world.lock:
        for name, value in changes.items():
            setattr(runtime().world.outcomes, name, value)
    return jsonify(outcomes_view())


@admin.get("/settings")
def get_settings():
    return jsonify(runtime().settings.public())


@admin.post("/settings")
def change_settings():
    body = json_body()
    settings = runtime().settings
    unknown = set(body) - set(settings.public())
    if unknown:
        raise AdminError("unknown setting(s): %s" % ", ".join(sorted(unknown)))
    for name in settings.DURATIONS:
        if name in body:
            setattr(settings, name, number(body, name))
    changes = {}
    for name in settings.LIMITS:
        if name in body:
            value = body[name]
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise AdminError("%s must be an integer >= 1" % name)
            changes[name] = value
    for name, choices in settings.CHOICES.items():
        if name in body and body[name] not in choices:
            raise AdminError("%s must be one of %s" % (name, ", ".join(choices)))
        if name in body:
            changes[name] = body[name]
    for name in settings.FLAGS:
        if name in body and not isinstance(body[name], bool):
            raise AdminError("%s must be true or false" % name)
        if name in body:
            changes[name] = body[name]
    for name, value in changes.items():
        setattr(settings, name, value)
    if "time_scale" in body:
        settings.time_scale = number(body, "time_scale", exclusive=True)
        runtime().clock.set_time_scale(settings.time_scale)
    return jsonify(settings.public())


def cluster_summary(cluster, now):
    deleted = cluster.is_deleted(now)
    return {
        "id": cluster.id,
        "name": cluster.name,
        "application": cluster.application,
        "account_id": cluster.account_id or MAIN_ACCOUNT_ID,
        "status": "DELETED" if deleted else cluster.status(now),
        "created_by_restore": cluster.created_by_restore,
        "deleted": deleted,
        "delete_requested": cluster.deletion is not None or cluster.delete_awaiting_confirmation,
        "delete_awaiting_confirmation": cluster.delete_awaiting_confirmation,
        "source_cluster_id": cluster.source_id,
        "backup_capable": cluster.backup_capable,
        "node_count": len(cluster.nodes()),
        "created_at": iso_ms(cluster.created_ms),
        "created_at_ms": cluster.created_ms,
    }


def cluster_internal(cluster, now):
    state = cluster_summary(cluster, now)
    state["data_centres"] = [{
        "id": dc.id, "name": dc.name, "cdc_name": dc.cdc_name, "network": dc.network,
        "custom_vpc_id": dc.custom_vpc_id,
        "nodes": [{"id": node.id, "rack": node.rack, "size": node.size, "created_at_ms": node.created_ms,
                   "status": "DELETED" if state["deleted"] else cluster.node_status(node, now)}
                  for node in dc.nodes],
    } for dc in cluster.data_centres]
    state["restore"] = None if cluster.restore is None else {
        "request": cluster.restore.request, "outcome": cluster.restore.outcome,
        "duration_seconds": cluster.restore.duration_ms / 1000.0,
    }
    state["deletion"] = None if cluster.deletion is None else {
        "requested_at_ms": cluster.deletion.requested_ms, "duration_seconds": cluster.deletion.duration_ms / 1000.0,
    }
    state["default_username"] = cluster.username
    state["default_password"] = cluster.password
    data_plane = runtime().data_plane
    state["data_plane"] = None if data_plane is None else data_plane.cluster_view(cluster.id)
    state["triggered_backups"] = [{
        "start_ms": backup.start_ms, "duration_seconds": backup.duration_ms / 1000.0,
        "failing_node_ids": sorted(backup.failing_node_ids),
    } for backup in cluster.triggered]
    return state


@admin.get("/clusters")
def list_clusters():
    now = runtime().now_ms()
    with runtime().world.lock:
        return jsonify([cluster_summary(cluster, now) for cluster in runtime().world.clusters.values()])


@admin.get("/clusters/<cluster_id>")
def cluster_state(cluster_id):
    now = runtime().now_ms()
    with runtime().world.lock:
        cluster = runtime().world.clusters.get(cluster_id.lower())
        if cluster is None:
            return jsonify({"error": "no cluster %s" % cluster_id}), 404
        return jsonify(cluster_internal(cluster, now))


@admin.post("/clusters/<cluster_id>/disaster")
def cluster_disaster(cluster_id):
    """Make a source cluster lost: ``{"kind": "failed"}`` (every node FAILED, its backups still listed and
    restorable) or ``{"kind": "deleted"}`` (deleted at once, but its backups still listed and restorable)."""
    body = json_body()
    kind = body.get("kind")
    if kind not in ("failed", "deleted"):
        raise AdminError("kind must be failed or deleted")
    world = runtime().world
    now = runtime().now_ms()
    with world.lock:
        cluster = world.clusters.get(cluster_id.lower())
        if cluster is None:
            return jsonify({"error": "no cluster %s" % cluster_id}), 404
        world.disaster(cluster, kind, now)
        return jsonify(cluster_summary(cluster, now))


@admin.get("/data-plane")
def data_plane_view():
    """The address block, and with ``--data-plane`` the CA certificate and every cluster's engine."""
    data_plane = runtime().data_plane
    view = {"enabled": data_plane is not None, "address_block": runtime().world.addresses.network}
    if data_plane is not None:
        view.update(data_plane.view())
    return jsonify(view)


@admin.get("/data-plane/ca.pem")
def data_plane_ca():
    data_plane = runtime().data_plane
    if data_plane is None:
        return jsonify({"error": "the data plane is off (start the emulator with --data-plane)"}), 404
    return data_plane.ca_pem(), 200, {"Content-Type": "application/x-pem-file"}


def firewall_cluster(cluster_id):
    cluster = runtime().world.clusters.get(cluster_id.lower())
    if cluster is None:
        raise AdminError("no cluster %s" % cluster_id)
    return cluster


@admin.get("/clusters/<cluster_id>/firewall-rules")
def firewall_rules(cluster_id):
    """The cluster's firewall rules with their status at the simulated now."""
    cluster = firewall_cluster(cluster_id)
    now = runtime().now_ms()
    return jsonify([rule.internal(now) for rule in runtime().world.firewall.of_cluster(cluster.id)])


@admin.post("/clusters/<cluster_id>/firewall-rules")
def add_firewall_rules(cluster_id):
    """Add rules without the API: ``{"network": CIDR, "types": [...], "duration_seconds": N}`` (types default
    to the application's, duration to the setting; 0 makes them RUNNING at once)."""
    cluster = firewall_cluster(cluster_id)
    body = json_body()
    world = runtime().world
    try:
        network = firewall.normal_network(body.get("network"))
    except BadRequest as problem:
        raise AdminError("network %s" % problem.rule)
    types = body.get("types", list(firewall.APPLICATION_TYPES[cluster.application][:1]))
    if not isinstance(types, list) or not types or not all(isinstance(item, str) for item in types):
        raise AdminError("types must be a non-empty list of rule types")
    duration = number(body, "duration_seconds") if "duration_seconds" in body else None
    now = runtime().now_ms()
    try:
        added = world.firewall.add(cluster.id, network, types, now, duration)
    except firewall.RuleExists:
        raise AdminError("a rule of one of those types already exists for %s" % network)
    return jsonify([rule.internal(now) for rule in added]), 201


# Fields of a cluster a test may rewrite, to play an API (or a proxy) that answers with hostile values.
EDITABLE_CLUSTER_FIELDS = ("name", "sla_tier")


@admin.patch("/clusters/<cluster_id>")
def edit_cluster(cluster_id):
    """Rewrite a cluster's ``name`` and/or ``sla_tier`` to any string (no API rule applies); the new state."""
    body = json_body()
    unknown = set(body) - set(EDITABLE_CLUSTER_FIELDS)
    if unknown:
        raise AdminError("unknown field(s): %s; editable: %s" % (", ".join(sorted(unknown)), ", ".join(EDITABLE_CLUSTER_FIELDS)))
    for name, value in body.items():
        if not isinstance(value, str) or not value:
            raise AdminError("%s must be a non-empty string" % name)
    now = runtime().now_ms()
    with runtime().world.lock:
        cluster = runtime().world.clusters.get(cluster_id.lower())
        if cluster is None:
            return jsonify({"error": "no cluster %s" % cluster_id}), 404
        for name, value in body.items():
            setattr(cluster, name, value)
        return jsonify(cluster_internal(cluster, now))
