"""Module results built by hand in the shapes the modules return, for the drill's unit tests (no network)."""

from ansible_collections.restorekit.instaclustr.plugins.module_utils._clock import iso_utc
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils import drill_plan

HOUR = 3600 * 1000
NOW = 1795000000000  # the API server's time of the preflight read
SOURCE_ID = "6f1c2b7e-3d4a-4b8e-9c21-0a7d5e9f1b01"
RESTORED_ID = "b31ad05d-ea59-4eb3-83fd-a59b1e24d0c2"
EAST_ID = "2a031597-4cfb-5254-9b05-8ed375d97b45"
WEST_ID = "59fb2a3c-91bc-5939-bd77-7ee268afc96c"
NODES = [  # (id, data centre id, rack)
    ("node-e1", EAST_ID, "us-east-1a"),
    ("node-e2", EAST_ID, "us-east-1b"),
    ("node-e3", EAST_ID, "us-east-1a"),  # added recently: its first snapshot ended 2 hours ago
    ("node-w1", WEST_ID, "us-west-2a"),
]
FIRST_SNAPSHOT_END = {"node-e1": NOW - 30 * HOUR, "node-e2": NOW - 29 * HOUR, "node-e3": NOW - 2 * HOUR, "node-w1": NOW - 28 * HOUR}
DC_NAMES = {EAST_ID: ("US_EAST_1", "AWS_VPC_US_EAST_1", "10.1.0.0/16"), WEST_ID: ("US_WEST_2", "AWS_VPC_US_WEST_2", "10.11.0.0/16")}


def cluster(cluster_id, name, status="RUNNING", nodes=None, networks=None, node_status="RUNNING"):
    """A cluster_info item."""
    nodes = NODES if nodes is None else nodes
    centres = []
    for dc_id, (region, cdc_name, network) in DC_NAMES.items():
        members = [n for n in nodes if n[1] == dc_id]
        if members:
            centres.append({"id": dc_id if cluster_id == SOURCE_ID else dc_id[::-1], "name": region, "cdc_name": cdc_name,
                            "provider": "AWS_VPC", "status": status, "network": (networks or {}).get(cdc_name, network),
                            "nodes": [{"id": node_id if cluster_id == SOURCE_ID else "r-" + node_id, "status": node_status,
                                       "rack": rack, "size": "CAS-PRD", "public_address": "3.3.3.%d" % i,
                                       "private_address": "10.0.0.%d" % i} for i, (node_id, _dc, rack) in enumerate(members)]})
    return {"id": cluster_id, "name": name, "status": status, "sla_tier": "PRODUCTION", "cassandra_version": "4.0.10",
            "data_centres": centres}


def source_info(**kwargs):
    return {"changed": False, "clusters": [cluster(SOURCE_ID, "orders-prod", **kwargs)]}


def backup_info(age_seconds=600.0, checked_at=True, nodes=None):
    """A cluster_backup_info result: one completed snapshot per node plus an older one for the first three."""
    nodes = NODES if nodes is None else nodes
    until = NOW - int(age_seconds * 1000)
    centres = {}
    for node_id, dc_id, _rack in nodes:
        events = [{"type": "snapshot-upload", "state": "COMPLETED", "progress": 1.0,
                   "start": FIRST_SNAPSHOT_END[node_id] - 600000, "end": FIRST_SNAPSHOT_END[node_id]}]
        if node_id != "node-e3":
            events.append({"type": "snapshot-upload", "state": "COMPLETED", "progress": 1.0, "start": NOW - 4 * HOUR,
                           "end": NOW - 4 * HOUR + 600000})
        centres.setdefault(dc_id, []).append({"id": node_id, "public_address": None, "private_address": None, "events": events})
    summary = {"nodes_without_backup": [], "active_nodes": [], "failed_nodes": [], "last_backup_age_seconds": age_seconds,
               "restorable_from": iso_utc(NOW - 2 * HOUR), "restorable_from_ms": NOW - 2 * HOUR,
               "restorable_until": iso_utc(until), "restorable_until_ms": until,
               "nodes": [{"id": node_id, "data_centre_id": dc_id, "restorable_until_ms": until + i * 1000}
                         for i, (node_id, dc_id, _rack) in enumerate(nodes)]}
    result = {"changed": False, "cluster": {"id": SOURCE_ID, "name": "orders-prod"}, "summary": summary,
              "data_centres": [{"id": dc_id, "name": DC_NAMES[dc_id][1], "nodes": members} for dc_id, members in centres.items()]}
    if checked_at:
        result.update(checked_at=iso_utc(NOW), checked_at_ms=NOW)
    return result


def backup_result(ends, failed=(), triggered=True):
    """A cluster_backup result with one event per node ending at ends[node]."""
    nodes = []
    for node_id, dc_id, _rack in NODES:
        if node_id not in ends:
            continue
        state = "FAILED" if node_id in failed else "COMPLETED"
        nodes.append({"id": node_id, "data_centre_id": dc_id,
                      "event": {"type": "snapshot-upload", "state": state, "progress": 1.0, "start": NOW + 1000, "end": ends[node_id]}})
    completed = None if failed else max(ends.values())
    result = {"changed": triggered, "triggered": triggered, "triggered_at": iso_utc(NOW + 500), "triggered_at_ms": NOW + 500,
              "backup": {"state": "FAILED" if failed else "COMPLETED", "nodes": nodes, "started_at_ms": NOW + 1000,
                         "completed_at_ms": completed, "duration_seconds": None if failed else (completed - NOW - 1000) / 1000.0}}
    if failed:
        result.update(failed=True, msg="the backup of cluster %s FAILED on node(s) %s" % (SOURCE_ID, ", ".join(failed)))
    return result


SETTINGS = {"cluster_id": SOURCE_ID, "trigger_backup": True, "name_prefix": "drill", "run_id": "a1b2c3d4",
            "rto_target": "2h", "rpo_target": "15m", "cleanup": True, "report_dir": "/tmp/reports",
            "keyspace_tables": [], "cdc_infos": [], "cluster_network": None, "verify_tasks": None}
FULL_BACKUP_ENDS = {"node-e1": NOW + 600000, "node-e2": NOW + 602000, "node-e3": NOW + 604000, "node-w1": NOW + 606000}


def restore_result(created=True, requested=NOW + 700000, seconds=1200, restored=None, failed_msg=None, point_ms=NOW + 600000):
    result = {"changed": created, "created": created, "restored_cluster_id": RESTORED_ID,
              "cluster": restored or cluster(RESTORED_ID, "drill-orders-prod-x"),
              "request": {"name": "drill-orders-prod-x", "point_in_time_ms": point_ms,
                          "body": {"clusterNameOverride": "drill-orders-prod-x", "pointInTime": point_ms}},
              "requested_at_ms": requested, "requested_at": iso_utc(requested),
              "running_at_ms": None if failed_msg else requested + seconds * 1000,
              "running_at": None if failed_msg else iso_utc(requested + seconds * 1000),
              "duration_seconds": None if failed_msg else float(seconds)}
    if failed_msg:
        result.update(failed=True, msg=failed_msg)
    return result


def restored_backups(states=None):
    states = states or {}
    centres = {}
    for node_id, dc_id, _rack in NODES:
        state = states.get(node_id, "COMPLETED")
        events = [] if state is None else [{"type": "cassandra-restore", "state": state, "progress": 1.0,
                                            "start": NOW + 1000000, "end": NOW + 1800000}]
        centres.setdefault(dc_id, []).append({"id": "r-" + node_id, "events": events})
    return {"changed": False, "data_centres": [{"id": k[::-1], "name": DC_NAMES[k][1], "nodes": v} for k, v in centres.items()]}


def marks(*phases):
    return {phase: iso_utc(NOW + i * 10000)[:-1] + "000Z" for i, phase in enumerate(phases)}


def context(settings=None, **overrides):
    settings = dict(SETTINGS, **(settings or {}))
    preflight = drill_plan.preflight_verdict(source_info(), backup_info(), settings)
    backup = backup_result(FULL_BACKUP_ENDS)
    plan = drill_plan.restore_plan(preflight, backup, settings)
    value = {"settings": settings, "run_id": "a1b2c3d4", "check_mode": False,
             "marks": marks("preflight", "backup", "restore", "verify", "cleanup", "report"),
             "preflight": preflight, "backup": [backup, {"skipped": True}], "plan": plan,
             "restore": restore_result(point_ms=plan["point_in_time_ms"]), "restored_backups": restored_backups(),
             "user_checks": {}, "failure": None, "cleanup": {"result": {"changed": True, "msg": "deleted"}, "error": None}}
    value.update(overrides)
    return value


def statuses(report):
    return {check["id"]: check["status"] for check in report["checks"]}
