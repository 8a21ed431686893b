"""Unit tests of the drill filters (plugins/filter/drill.py): no network, module results built by hand
in the shapes the modules return."""

import datetime
import re
from xml.etree import ElementTree

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.restorekit.instaclustr.plugins.filter import drill
from ansible_collections.restorekit.instaclustr.plugins.module_utils._clock import iso_utc

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
    preflight = drill.drill_preflight(source_info(), backup_info(), settings)
    backup = backup_result(FULL_BACKUP_ENDS)
    plan = drill.drill_restore_plan(preflight, backup, settings)
    value = {"settings": settings, "run_id": "a1b2c3d4", "check_mode": False,
             "marks": marks("preflight", "backup", "restore", "verify", "cleanup", "report"),
             "preflight": preflight, "backup": [backup, {"skipped": True}], "plan": plan,
             "restore": restore_result(point_ms=plan["point_in_time_ms"]), "restored_backups": restored_backups(),
             "user_checks": {}, "failure": None, "cleanup": {"result": {"changed": True, "msg": "deleted"}, "error": None}}
    value.update(overrides)
    return value


def statuses(report):
    return {check["id"]: check["status"] for check in report["checks"]}


# ---- names -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("source_name", ["orders-prod", "a" * 100, "Orders Prod (EU)/2", "-_-", "x"])
def test_restore_name_is_valid_and_keeps_timestamp_and_run_id(source_name):
    name = drill.restore_name("drill", source_name, NOW, "A1-B2_c3d4e5")
    assert len(name) <= 48 and re.match(r"^[a-zA-Z0-9][a-zA-Z0-9_-]*$", name)
    assert name.startswith("drill-") and name.endswith("-20261118T110640Z-a1b2c3d4")
    assert drill.name_timestamp_ms(name, "drill") == NOW // 1000 * 1000


def test_restore_name_shortens_only_the_source_name():
    name = drill.restore_name("nightly-dr", "orders-production-eu-west-primary", NOW, "ff00")
    assert name == "nightly-dr-orders-producti-20261118T110640Z-ff00"
    assert len(name) == 48


@pytest.mark.parametrize("prefix", ["", "-drill", "drill prefix!", "d" * 21])
def test_a_bad_prefix_is_refused_with_its_rule(prefix):
    with pytest.raises(AnsibleFilterError, match="backup_restore_drill_name_prefix must be 1 to 20 characters"):
        drill.restore_name(prefix, "orders-prod", NOW, "a1")


@pytest.mark.parametrize("name", [
    "drillx-orders-prod-20261118T110640Z-a1b2",  # prefix only as a substring
    "prod-orders-prod-20261118T110640Z-a1b2",  # another prefix
    "drill-orders-prod-copy",  # no timestamp
    "drill-20261118T110640Z-a1b2",  # no source part
    "drill-orders-prod-20261318T082640Z-a1b2",  # month 13
    "drill-orders-prod-20261118T110640Z-A1B2",  # run ids are lower case
])
def test_names_a_drill_did_not_make_have_no_timestamp(name):
    assert drill.name_timestamp_ms(name, "drill") is None


# ---- sweep -------------------------------------------------------------------------------------------

def test_sweep_takes_only_old_drill_clusters_never_protected_or_going():
    old = drill.restore_name("drill", "orders-prod", NOW - 50 * HOUR, "old1")
    clusters = [
        {"id": "c1", "name": old, "status": "RUNNING"},
        {"id": "c2", "name": drill.restore_name("drill", "orders-prod", NOW - HOUR, "new1"), "status": "RUNNING"},
        {"id": "c3", "name": old.replace("old1", "old2"), "status": "DELETING"},
        {"id": "C4", "name": old.replace("old1", "old3"), "status": "RUNNING"},
        {"id": "c5", "name": "keep-" + old, "status": "RUNNING"},
        {"id": "c6", "name": "drill-orders-prod-copy", "status": "RUNNING"},
    ]
    chosen = drill.drill_sweep_candidates(clusters, "drill", "1d", NOW, protected_ids=["c4"])
    assert [item["id"] for item in chosen] == ["c1"]
    assert chosen[0]["age_seconds"] == pytest.approx(50 * 3600, abs=1)
    assert chosen[0]["created_at"] == iso_utc((NOW - 50 * HOUR) // 1000 * 1000)


def test_sweep_reads_the_server_time_from_a_backup_info_result():
    name = drill.restore_name("drill", "orders-prod", NOW - 25 * HOUR, "r1")
    clusters = [{"id": "c1", "name": name, "status": "RUNNING"}]
    assert drill.drill_sweep_candidates(clusters, "drill", "1d", backup_info()) != []
    # Without checked_at the server time is restorable_until plus the age (both from the server).
    assert drill.server_now_ms(backup_info(checked_at=False)) == NOW
    assert drill.drill_sweep_candidates(clusters, "drill", "26h", backup_info(checked_at=False)) == []
    with pytest.raises(AnsibleFilterError, match="server's time"):
        drill.drill_sweep_candidates(clusters, "drill", "1d", {"summary": {}})
    with pytest.raises(AnsibleFilterError, match="backup_restore_drill_sweep_older_than"):
        drill.drill_sweep_candidates(clusters, "drill", "a while", NOW)


# ---- preflight -----------------------------------------------------------------------------------------

def test_preflight_of_a_healthy_source():
    preflight = drill.drill_preflight(source_info(), backup_info(), SETTINGS)
    assert preflight["errors"] == [] and preflight["warnings"] == []
    assert preflight["reference_ms"] == NOW and preflight["reference_clock"] == "api"
    assert statuses({"checks": preflight["checks"]}) == {"inputs": "passed", "source_running": "passed", "backups_available": "passed"}
    # Backup events name data centres by cdc_name, the cluster by region: matched by id.
    assert {node["id"]: node["data_centre"] for node in preflight["nodes"]}["node-w1"] == "AWS_VPC_US_WEST_2"


def test_preflight_takes_the_server_time_from_the_summary_without_checked_at():
    preflight = drill.drill_preflight(source_info(), backup_info(checked_at=False), SETTINGS)
    assert preflight["reference_ms"] == NOW and preflight["reference_clock"] == "api"


@pytest.mark.parametrize("info, text", [
    ({"changed": False, "clusters": []}, "No cluster with id %s" % SOURCE_ID),
    (source_info(status="PROVISIONING"), "is PROVISIONING, not RUNNING"),
])
def test_preflight_stops_on_a_missing_or_busy_source(info, text):
    preflight = drill.drill_preflight(info, backup_info(), SETTINGS)
    assert any(text in error for error in preflight["errors"])
    assert statuses({"checks": preflight["checks"]})["source_running"] == "failed"


def test_scheduled_backups_must_exist_when_not_triggering():
    empty = backup_info()
    empty["summary"].update(restorable_until=None, restorable_until_ms=None, nodes_without_backup=["node-e1"])
    blocked = drill.drill_preflight(source_info(), empty, dict(SETTINGS, trigger_backup=False))
    assert blocked["errors"] == ["Scheduled backups cannot be drilled: no completed backup in the API's 7-day window."]
    triggering = drill.drill_preflight(source_info(), empty, SETTINGS)
    assert triggering["errors"] == []
    assert statuses({"checks": triggering["checks"]})["backups_available"] == "not_verifiable"


@pytest.mark.parametrize("settings, option, rule", [
    ({"rto_target": "soon"}, "backup_restore_drill_rto_target", "seconds or a number with a unit"),
    ({"rpo_target": -5}, "backup_restore_drill_rpo_target", "cannot be negative"),
    ({"max_backup_age": "1w"}, "backup_restore_drill_max_backup_age", "unit s, m, h or d"),
    ({"name_prefix": "drill prefix!"}, "backup_restore_drill_name_prefix", "letters, digits"),
    ({"restore_name": "x"}, "backup_restore_drill_restore_name", "3 to 48"),
    ({"cluster_network": "10.0.0.0/40"}, "backup_restore_drill_cluster_network", "CIDR"),
    ({"keyspace_tables": ["orders"]}, "backup_restore_drill_keyspace_tables", "keyspace.table"),
    ({"cdc_infos": [{"cdc_id": EAST_ID, "restore_to_same_vpc": True}]}, "backup_restore_drill_cdc_infos", "every data centre"),
    ({"point_in_time": "2014-06-01T00:00:00Z"}, "backup_restore_drill_point_in_time", "2015-01-01"),
    ({"point_in_time": NOW + HOUR}, "backup_restore_drill_point_in_time", "future"),
    ({"point_in_time": "yesterday"}, "backup_restore_drill_point_in_time", "ISO 8601"),
    ({"point_in_time": "2026-11-20T09:00:00"}, "backup_restore_drill_point_in_time", "has no time zone"),
    ({"point_in_time": datetime.datetime(2026, 11, 20, 9, 0)}, "backup_restore_drill_point_in_time", "2026-11-20T09:00:00Z for UTC"),
])
def test_every_input_is_checked_before_anything_is_sent(settings, option, rule):
    preflight = drill.drill_preflight(source_info(), backup_info(), dict(SETTINGS, **settings))
    assert len(preflight["errors"]) == 1
    assert preflight["errors"][0].startswith(option) and rule in preflight["errors"][0]
    inputs = preflight["checks"][0]
    assert inputs["id"] == "inputs" and inputs["status"] == "failed" and option in inputs["details"]


def test_freshness_against_the_maximum_age():
    fresh = drill.drill_preflight(source_info(), backup_info(age_seconds=600), dict(SETTINGS, max_backup_age="1h"))
    stale = drill.drill_preflight(source_info(), backup_info(age_seconds=7200), dict(SETTINGS, max_backup_age="1h"))
    assert statuses(fresh)["backup_fresh"] == "passed"
    assert statuses(stale)["backup_fresh"] == "failed" and stale["errors"] == []  # recorded, the drill goes on


def test_a_point_in_time_near_the_seven_day_edge_warns():
    settings = dict(SETTINGS, point_in_time=NOW - 6 * 24 * HOUR - 12 * HOUR)
    preflight = drill.drill_preflight(source_info(), backup_info(), settings)
    assert preflight["errors"] == [] and "7-day backup window" in preflight["warnings"][0]
    plan = drill.drill_restore_plan(preflight, backup_result(FULL_BACKUP_ENDS), SETTINGS)
    assert plan["point_in_time_basis"] == "requested" and plan["point_in_time_ms"] == settings["point_in_time"]
    assert plan["warnings"] == preflight["warnings"]


# ---- the point in time -----------------------------------------------------------------------------------

def test_point_in_time_after_a_full_backup_is_the_earliest_node_completion():
    preflight = drill.drill_preflight(source_info(), backup_info(), SETTINGS)
    plan = drill.drill_restore_plan(preflight, backup_result(FULL_BACKUP_ENDS), SETTINGS)
    assert plan["point_in_time_ms"] == NOW + 600000 and plan["point_in_time_basis"] == "backup_completed"
    assert plan["name"] == "drill-orders-prod-20261118T110640Z-a1b2c3d4"


def test_point_in_time_after_a_partial_backup_is_the_newest_instant_every_node_covers():
    preflight = drill.drill_preflight(source_info(), backup_info(age_seconds=600), SETTINGS)
    followed = backup_result({"node-e1": NOW + 600000}, triggered=False)
    plan = drill.drill_restore_plan(preflight, [followed, {"skipped": True}], SETTINGS)
    # node-e2, e3 and w1 still end where the preflight saw them: the earliest of those counts.
    assert plan["point_in_time_ms"] == NOW - 600000 + 1000
    # When the role backed up every node after following, the second result counts.
    plan = drill.drill_restore_plan(preflight, [followed, backup_result(FULL_BACKUP_ENDS)], SETTINGS)
    assert plan["point_in_time_ms"] == NOW + 600000


def test_point_in_time_without_a_drill_backup():
    preflight = drill.drill_preflight(source_info(), backup_info(age_seconds=900), SETTINGS)
    plan = drill.drill_restore_plan(preflight, {"skipped": True}, dict(SETTINGS, trigger_backup=False))
    assert plan["point_in_time_ms"] == NOW - 900000 and plan["point_in_time_basis"] == "restorable_until"
    nothing = dict(preflight, summary=dict(preflight["summary"], restorable_until_ms=None))
    with pytest.raises(AnsibleFilterError, match="No point in time to restore to.*check mode"):
        drill.drill_restore_plan(nothing, {"changed": True, "backup": {"nodes": []}}, dict(SETTINGS, check_mode=True))


def test_a_fixed_restore_name_is_used_as_given():
    preflight = drill.drill_preflight(source_info(), backup_info(), SETTINGS)
    assert drill.drill_restore_plan(preflight, None, dict(SETTINGS, restore_name="my-drill"))["name"] == "my-drill"


# ---- the report --------------------------------------------------------------------------------------------

def test_a_passing_drill():
    report = drill.drill_report(context())
    assert report["status"] == "passed" and report["failed_checks"] == []
    assert statuses(report) == {
        "inputs": "passed", "source_running": "passed", "backups_available": "passed", "backup_completed": "passed",
        "restore_created": "passed", "restore_running": "passed", "topology": "passed", "restore_events": "passed",
        "network": "not_verifiable", "tables": "not_verifiable", "rto": "passed", "rpo": "passed",
        "user_checks": "not_verifiable", "drill_completed": "passed"}
    assert report["figures"] == {"rto_seconds": 1200.0, "rpo_seconds": 0.0, "backup_seconds": 605.0, "restore_seconds": 1200.0}
    assert report["cleanup"]["action"] == "deleted"
    assert report["files"]["junit"] == "/tmp/reports/drill-orders-prod-a1b2c3d4.junit.xml"
    topology = [c for c in report["checks"] if c["id"] == "topology"][0]["figures"]
    assert topology["expected"]["AWS_VPC_US_EAST_1"] == {"nodes": 3, "racks": ["us-east-1a", "us-east-1a", "us-east-1b"]}
    phases = {p["name"]: p for p in report["phases"]}
    assert phases["backup"]["controller_seconds"] == 10.0 and phases["report"]["status"] == "running"
    assert phases["restore"]["server_seconds"] == 1200.0
    assert phases["backup"]["server_started_at_ms"] == NOW + 500  # the trigger, not the first event
    assert "passed: restored to" in report["message"]


def test_rto_and_rpo_targets_fail_with_their_figures():
    slow = context(settings={"rto_target": "10m"})
    report = drill.drill_report(slow)
    rto = [c for c in report["checks"] if c["id"] == "rto"][0]
    assert rto["status"] == "failed" and rto["figures"] == {"seconds": 1200.0, "target_seconds": 600.0}
    assert "exceeds the target 10m00s (600.0 s) by 10m00s" in rto["details"]
    assert report["status"] == "failed" and "rto:" in report["message"]
    old = context(settings={"rpo_target": 60, "trigger_backup": False})
    old["plan"] = dict(old["plan"], point_in_time_ms=NOW - 900000)
    rpo = [c for c in drill.drill_report(old)["checks"] if c["id"] == "rpo"][0]
    assert rpo["status"] == "failed" and rpo["figures"]["seconds"] == 900.0


def test_topology_missing_a_node_or_a_rack_fails():
    restored = cluster(RESTORED_ID, "drill-orders-prod-x", nodes=[NODES[0], NODES[1], ("node-x", EAST_ID, "us-east-1c"), NODES[3]])
    report = drill.drill_report(context(restore=restore_result(restored=restored, point_ms=NOW + 600000)))
    topology = [c for c in report["checks"] if c["id"] == "topology"][0]
    assert topology["status"] == "failed" and "AWS_VPC_US_EAST_1 lacks a node in rack us-east-1a" in topology["details"]
    fewer = cluster(RESTORED_ID, "drill-orders-prod-x", nodes=NODES[:2] + NODES[3:])
    report = drill.drill_report(context(restore=restore_result(restored=fewer, point_ms=NOW + 600000)))
    assert "AWS_VPC_US_EAST_1 has 2 nodes, expected 3" in [c for c in report["checks"] if c["id"] == "topology"][0]["details"]


def test_a_node_added_after_the_point_in_time_is_not_expected():
    value = context(settings={"trigger_backup": False})
    value["backup"] = {"skipped": True}
    value["plan"] = dict(value["plan"], point_in_time_ms=NOW - 3 * HOUR)  # before node-e3's first snapshot
    restored = cluster(RESTORED_ID, "drill-orders-prod-x", nodes=[n for n in NODES if n[0] != "node-e3"])
    value["restore"] = restore_result(restored=restored, point_ms=NOW - 3 * HOUR)
    topology = [c for c in drill.drill_report(value)["checks"] if c["id"] == "topology"][0]
    assert topology["status"] == "passed" and topology["figures"]["expected"]["AWS_VPC_US_EAST_1"]["nodes"] == 2


def test_restore_events_missing_on_a_node_fail_and_none_at_all_is_not_verifiable():
    report = drill.drill_report(context(restored_backups=restored_backups({"node-e2": "ACTIVE"})))
    assert statuses(report)["restore_events"] == "failed"
    none = drill.drill_report(context(restored_backups=restored_backups({n[0]: None for n in NODES})))
    assert statuses(none)["restore_events"] == "not_verifiable"


def test_network_is_compared_with_the_request_per_data_centre():
    networks = {"AWS_VPC_US_EAST_1": "10.60.0.0/16", "AWS_VPC_US_WEST_2": "10.70.0.0/16"}
    restored = cluster(RESTORED_ID, "drill-orders-prod-x", networks=networks)
    settings = {"cluster_network": "10.60.0.0/16", "cdc_infos": [
        {"cdc_id": EAST_ID, "restore_to_same_vpc": True}, {"cdc_id": WEST_ID, "custom_vpc_id": "vpc-1", "custom_vpc_network": "10.70.0.0/16"}]}
    report = drill.drill_report(context(settings=settings, restore=restore_result(restored=restored, point_ms=NOW + 600000)))
    assert statuses(report)["network"] == "passed"
    wrong = drill.drill_report(context(settings={"cluster_network": "10.99.0.0/16"}, restore=restore_result(restored=restored, point_ms=NOW + 600000)))
    network = [c for c in wrong["checks"] if c["id"] == "network"][0]
    assert network["status"] == "failed" and "AWS_VPC_US_EAST_1 uses 10.60.0.0/16, expected 10.99.0.0/16" in network["details"]


def test_user_checks_pass_fail_and_cover_tables():
    settings = {"verify_tasks": "/checks/canary.yml", "keyspace_tables": ["shop.orders"]}
    covering = {"ran": True, "failed": False, "results": [{"name": "canary", "status": "passed", "covers": ["tables"]}]}
    report = drill.drill_report(context(settings=settings, user_checks=covering))
    assert statuses(report)["user_checks"] == "passed" and statuses(report)["tables"] == "passed"
    failing = {"ran": True, "failed": True, "task": "Read the canary row", "message": "row missing", "results": []}
    report = drill.drill_report(context(settings=settings, user_checks=failing))
    user = [c for c in report["checks"] if c["id"] == "user_checks"][0]
    assert user["status"] == "failed" and user["details"] == "The task 'Read the canary row' failed: row missing"
    assert statuses(report)["tables"] == "not_verifiable" and report["failure"] is None
    assert report["cleanup"]["action"] == "deleted"


def test_backup_failure_names_the_node_and_nothing_after_it_is_verified():
    value = context(backup=[backup_result({"node-e1": NOW + 1, "node-e2": NOW + 2}, failed=["node-e2"]), {}],
                    plan={}, restore={}, restored_backups={}, cleanup={"result": {}, "error": None},
                    marks=marks("preflight", "backup", "cleanup", "report"),
                    failure={"phase": "backup", "task": "Back up the source", "message": "the backup FAILED on node(s) node-e2"})
    report = drill.drill_report(value)
    backup = [c for c in report["checks"] if c["id"] == "backup_completed"][0]
    assert backup["status"] == "failed" and backup["figures"]["failed_nodes"] == ["node-e2"]
    assert statuses(report)["restore_running"] == "not_verifiable"
    assert "stopped in the backup phase" in [c for c in report["checks"] if c["id"] == "rto"][0]["details"]
    assert report["cleanup"]["action"] == "none" and report["status"] == "failed"
    assert report["message"].startswith("Drill of orders-prod FAILED. Stopped in the backup phase: the backup FAILED on node(s) node-e2")
    phases = {p["name"]: p["status"] for p in report["phases"]}
    assert phases == {"preflight": "completed", "backup": "failed", "restore": "not_reached", "verify": "not_reached",
                      "cleanup": "completed", "report": "running"}


def test_a_deferred_restore_is_reported_and_deleted():
    deferred = restore_result(failed_msg="the restored cluster %s is DEFERRED: Instaclustr support must act" % RESTORED_ID,
                              restored=cluster(RESTORED_ID, "drill-orders-prod-x", status="DEFERRED", node_status="DEFERRED"))
    report = drill.drill_report(context(restore=deferred, restored_backups={},
                                        failure={"phase": "restore", "task": "Restore", "message": deferred["msg"]}))
    assert statuses(report)["restore_created"] == "passed"
    running = [c for c in report["checks"] if c["id"] == "restore_running"][0]
    assert running["status"] == "failed" and "DEFERRED" in running["details"]
    assert report["cleanup"]["action"] == "deleted" and report["restored"]["id"] == RESTORED_ID


def test_a_cluster_that_had_the_name_is_neither_verified_nor_deleted():
    report = drill.drill_report(context(restore=restore_result(created=False), cleanup={"result": {"skipped": True}, "error": None}))
    created = [c for c in report["checks"] if c["id"] == "restore_created"][0]
    assert created["status"] == "failed" and "existed before this drill" in created["details"]
    assert statuses(report)["topology"] == "not_verifiable"
    assert report["cleanup"]["action"] == "none" and RESTORED_ID in report["cleanup"]["details"]


def test_cleanup_kept_or_failed():
    kept = drill.drill_report(context(settings={"cleanup": False}, cleanup={"result": {"skipped": True}, "error": None}))
    assert kept["status"] == "passed" and kept["cleanup"]["action"] == "kept" and "billed" in kept["cleanup"]["details"]
    failed = drill.drill_report(context(cleanup={"result": {}, "error": "delete cluster: HTTP 409"}))
    assert failed["status"] == "failed" and failed["cleanup"]["action"] == "failed"
    assert "run the sweep" in failed["cleanup"]["details"] and "cleanup:" in failed["message"]


def test_check_mode_report():
    value = context(check_mode=True, backup=[{"changed": True, "triggered": True, "backup": {"state": "PENDING", "nodes": []}}, {"skipped": True}],
                    restore={"changed": True, "created": False, "restored_cluster_id": None, "cluster": None,
                             "request": {"body": {"clusterNameOverride": "drill-orders-prod-x"}}},
                    restored_backups={}, cleanup={"result": {"skipped": True}, "error": None})
    report = drill.drill_report(value)
    assert report["status"] == "check_mode" and report["cleanup"]["action"] == "none"
    assert statuses(report)["backup_completed"] == "not_verifiable"
    assert statuses(report)["restore_running"] == "not_verifiable"
    assert report["request"]["body"]["clusterNameOverride"] == "drill-orders-prod-x"


def test_the_report_holds_no_password_even_if_a_result_had_one():
    value = context()
    value["restore"]["cluster"]["instaclustr_user_password"] = "leaked-pw"
    assert "leaked-pw" not in repr(drill.drill_report(value))


# ---- timeline, summary, durations -----------------------------------------------------------------------------

def test_timeline_svg_has_phases_node_bars_markers_and_escapes_text():
    value = context()
    value["preflight"] = dict(value["preflight"], source=dict(value["preflight"]["source"], name="<script>x</script>"))
    report = drill.drill_report(value)
    svg = drill.drill_timeline_svg(report)
    root = ElementTree.fromstring(svg)  # well-formed XML
    rects = root.findall("{http://www.w3.org/2000/svg}rect")
    assert len(rects) == 1 + 2 + 4 + 4  # background, backup and restore phases, 4 backup bars, 4 restore bars
    assert "drill start" in svg and "point in time" in svg and "<script>" not in svg
    assert drill.drill_timeline_svg({"timeline": {}}).startswith("<svg")


def test_summary_across_hosts():
    passed = drill.drill_report(context())
    failed = drill.drill_report(context(settings={"rto_target": 60}))
    summary = drill.drill_summary({"orders-prod": passed, "inventory-dev": failed, "lost": None}, "/tmp/r", "20261120T100000Z")
    assert summary["status"] == "failed" and summary["counts"] == {"passed": 1, "failed": 2}
    assert summary["failed"] == ["inventory-dev", "lost"]
    assert summary["drills"][2]["message"].startswith("The drill recorded no result")
    assert summary["files"]["json"] == "/tmp/r/drill-summary-20261120T100000Z.json"
    assert drill.drill_summary({"a": passed})["status"] == "passed"
    assert drill.drill_summary({})["status"] == "failed"


@pytest.mark.parametrize("seconds, text", [(None, "unknown"), (45, "45s"), (750, "12m30s"), (11100, "3h05m"), (-30, "-30s")])
def test_durations(seconds, text):
    assert drill.human_seconds(seconds) == text


def test_every_filter_is_registered_and_documented():
    from pathlib import Path
    filters = drill.FilterModule().filters()
    folder = Path(drill.__file__).parent
    for name in filters:
        assert (folder / ("%s.yml" % name)).is_file(), "no documentation for %s" % name
