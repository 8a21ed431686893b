"""A passing drill through the dr_drill playbook: every report file and what it says, the restore the
emulator received, the cleanup in its request log, and no secret in any report."""

from xml.etree import ElementTree

import pytest

from ansible_collections.restorekit.instaclustr.plugins.module_utils._clock import parse_point_in_time
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.report_text import markdown_inline

from tests.drill.conftest import (
    TIME_SCALE,
    api_versions_used,
    check_by_id,
    deleted_ids,
    live_restored_clusters,
    restore_posts,
    run_drill,
)
from tests.support.emulator import INVENTORY_DEV_ID, ORDERS_PROD_ID, running_emulator

DB_PASSWORD = "Drill-DB-Passw0rd-7f3a"
FILES = __import__("pathlib").Path(__file__).resolve().parent / "files"


def iso_ms(text):
    return parse_point_in_time(text, "test")


@pytest.fixture(scope="module")
def module_emulator():
    # A recognisable database password: no report may contain it.
    with running_emulator(scenario="default", time_scale=TIME_SCALE, extra_args=("--db-password", DB_PASSWORD)) as emulator:
        yield emulator


@pytest.mark.parametrize("api_version", ["v1", "v2"])
def test_passing_drill_writes_all_four_reports(emulator, tmp_path, api_version):
    """On v2 through the host variable instaclustr_api_version (dr_drill.yml passes it to every module)."""
    hosts = {"inventory-dev": {
        "backup_restore_drill_cluster_id": INVENTORY_DEV_ID,
        "backup_restore_drill_cluster_network": "10.50.0.0/16",
        "backup_restore_drill_rto_target": "2h",
        # inventory-dev has daily snapshots: the RPO (what they protect) is hours, whatever the drill's own backup.
        "backup_restore_drill_rpo_target": "1d",
        "backup_restore_drill_verify_tasks": str(FILES / "verify_restored_facts.yml"),
        "backup_restore_drill_run_id": "T35T01",
    }}
    if api_version == "v2":
        hosts["inventory-dev"]["instaclustr_api_version"] = "v2"
        # The drill also exercises the recovery's firewall copy (onto its own copy of the data, deleted after).
        hosts["inventory-dev"]["backup_restore_drill_copy_firewall_rules"] = True
        emulator.add_firewall_rules(INVENTORY_DEV_ID, "198.51.100.0/24", duration_seconds=0)

    run = run_drill(emulator, tmp_path, hosts)

    assert run.rc == 0, run.output[-4000:]
    report = run.report()
    assert report["status"] == "passed"
    assert report["run_id"] == "t35t01"
    assert report["api_version"] == api_version
    assert api_versions_used(emulator) == {api_version}  # every module call of the drill used that version
    assert report["source"] == {"id": INVENTORY_DEV_ID, "name": "inventory-dev"}
    statuses = {check["id"]: check["status"] for check in report["checks"]}
    assert statuses == {
        "inputs": "passed", "source_running": "passed", "backups_available": "passed", "backup_completed": "passed",
        "restore_created": "passed", "restore_running": "passed", "topology": "passed", "restore_events": "passed",
        # Without backup_restore_drill_data_access_cidr the drill reads no data.
        "canary_restored": "not_verifiable", "point_in_time_honoured": "not_verifiable", "catalogue": "not_verifiable",
        "network": "passed", "tables": "passed", "rto": "passed", "rpo": "passed", "user_checks": "passed",
        "drill_completed": "passed",
    }
    # The restored cluster's name: prefix, source, the drill's UTC start, run id; at most 48 characters.
    name = report["restored"]["name"]
    assert name.startswith("drill-inventory-dev-") and name.endswith("-t35t01") and len(name) <= 48
    assert name.split("-")[3] == report["reference_time"][:19].replace("-", "").replace(":", "") + "Z"

    # What the emulator received is what the report says was requested.
    restored_id = report["restored"]["id"]
    received = emulator.cluster_state(restored_id)["restore"]["request"]
    assert received["name"] == name
    assert received["api_version"] == api_version
    assert received["point_in_time_ms"] == report["point_in_time_ms"] == int(report["request"]["body"]["pointInTime"])
    assert received["cluster_network"] == "10.50.0.0/16"
    assert report["point_in_time_basis"] == "backup_completed"
    assert len(restore_posts(emulator)) == 1
    # ... and the request the plan step shared with a recovery made (steps_plan): the role only passed it on.
    planned = report["recovery"]["request"]
    assert received["source_cluster_id"] == planned["cluster_id"] == INVENTORY_DEV_ID
    assert {key: received[key] for key in ("name", "point_in_time_ms", "cluster_network")} == {
        key: planned[key] for key in ("name", "point_in_time_ms", "cluster_network")}
    assert received["keyspace_tables"] is None and "keyspace_tables" not in planned
    copied = [(entry["network"], entry["changed"]) for entry in report["recovery"]["firewall"]["copied"]]
    if api_version == "v2":
        # Every network of the source's rules (the scenario's and the one added here), each sent to the restored cluster.
        source_networks = {rule["network"] for rule in report["recovery"]["source_firewall"]["rules"]}
        assert "198.51.100.0/24" in source_networks and sorted(copied) == sorted((network, True) for network in source_networks)
        assert report["recovery"]["steps_exercised"] == ["read", "plan", "restore", "firewall_plan", "firewall_copy", "report"]
    else:
        assert copied == []
        assert report["recovery"]["steps_exercised"] == ["read", "plan", "restore", "firewall_plan", "report"]

    # Figures: RTO from the restored nodes' cassandra-restore events (the emulator's restore takes
    # 1200 simulated seconds; the module's request time is its last read before the POST, within a
    # second or two of it), free of the poll interval (0.2 real s = 120 simulated s at this scale).
    assert report["format_version"] == 3
    rto = check_by_id(report, "rto")["figures"]["seconds"]
    # The request's server time is the last Date header plus the real time since, so at this test's 600x time
    # scale every real millisecond between the last answer and the POST (the intent record written and synced
    # to disk, the request budget's slot) reads as 0.6 s more RTO: at 1x it is a millisecond.
    assert 1200 <= rto <= 1230, rto
    assert report["figures"]["rto_seconds"] == rto and report["figures"]["rto_source"] == "api_events"
    # RPO: the drill's start minus the newest instant restorable from the backups before it (the
    # preflight's restorable_until), although the drill restored its own, fresher backup.
    before = check_by_id(report, "backups_available")["figures"]["restorable_until"]
    rpo = check_by_id(report, "rpo")["figures"]
    assert rpo["restorable_until"] == before and rpo["target_seconds"] == 86400.0
    assert rpo["seconds"] == pytest.approx((report["reference_time_ms"] - iso_ms(before)) / 1000.0, abs=0.002)
    assert rpo["seconds"] > 3600 and report["figures"]["rpo_seconds"] == rpo["seconds"]
    assert report["figures"]["restore_point_age_seconds"] == 0.0  # the drill's own backup, after its start
    topology = check_by_id(report, "topology")["figures"]
    assert topology["expected"] == topology["actual"] == {
        "AWS_VPC_EU_WEST_1": {"nodes": 3, "racks": ["eu-west-1a", "eu-west-1b", "eu-west-1c"]}}
    network = check_by_id(report, "network")["figures"]
    assert network["expected"] == network["actual"] == {"AWS_VPC_EU_WEST_1": "10.50.0.0/16"}
    assert "tables stand-in passed" in check_by_id(report, "tables")["details"]

    # Phases: controller seconds for each one that ended; API server spans for backup and restore.
    phases = {phase["name"]: phase for phase in report["phases"]}
    assert [p["name"] for p in report["phases"]] == ["preflight", "backup", "restore", "verify", "cleanup", "report"]
    for phase in ("preflight", "backup", "restore", "verify", "cleanup"):
        assert phases[phase]["status"] == "completed" and phases[phase]["controller_seconds"] >= 0
    assert phases["restore"]["server_seconds"] >= rto  # request to seen RUNNING: includes the last poll interval
    assert phases["backup"]["server_seconds"] > 0

    # Cleanup: the restored cluster was deleted, and nothing else.
    assert report["cleanup"]["action"] == "deleted"
    assert deleted_ids(emulator) == [restored_id]
    assert live_restored_clusters(emulator) == []

    # JUnit: one testcase per check; no failure, not_verifiable ones skipped (none here).
    junit_path, = run.reports("junit")
    suite = ElementTree.parse(junit_path).getroot().find("testsuite")
    cases = suite.findall("testcase")
    assert [case.get("name") for case in cases] == [check["id"] for check in report["checks"]]
    assert suite.get("failures") == "0" and suite.get("tests") == str(len(report["checks"]))
    assert not any(case.find("failure") is not None for case in cases)

    # HTML: self-contained, with the inline SVG timeline (phases and per-node bars).
    html_path, = run.reports("html")
    html = html_path.read_text()
    assert "<svg" in html and "</svg>" in html and "<script" not in html and "http://" not in html.replace(
        'xmlns="http://www.w3.org/2000/svg"', "")
    assert html.count("<rect") >= 1 + 2 + 3 + 3  # background, backup+restore phases, 3 backup and 3 restore bars
    assert name in html

    # Markdown: the verdict and every check.
    markdown_path, = run.reports("markdown")
    markdown = markdown_path.read_text()
    assert markdown.startswith("# DR drill of inventory-dev: PASSED")
    # The recovery-point figures, one plain sentence each, in Markdown (made inert there) and HTML.
    for sentence in report["figure_sentences"].values():
        assert markdown_inline(sentence) in markdown and sentence.replace("'", "&#39;") in html
    assert "RPO: had the cluster been lost at the drill's start, the backups made before it would have restored it to" in markdown
    assert "The restored point was" in markdown and "from the API's restore events" in markdown
    assert "| Instaclustr API | `%s` |" % api_version in markdown
    assert "<th>Instaclustr API</th><td><code>%s</code></td>" % api_version in html
    for check in report["checks"]:
        assert "`%s`" % check["id"] in markdown

    # The summary across clusters.
    summary = run.summary()
    assert summary["status"] == "passed" and summary["failed"] == []
    assert [d["host"] for d in summary["drills"]] == ["inventory-dev"]

    # No credential and no database password in any file the drill wrote.
    for path in run.report_dir.iterdir():
        text = path.read_text()
        for secret in (DB_PASSWORD, emulator.api_key):
            assert secret not in text, "%s found in %s" % (secret, path.name)


def test_two_clusters_in_parallel_with_scheduled_backups(emulator, tmp_path):
    """trigger_backup false: the drill restores the scheduled backups and measures the real RPO."""
    hosts = {
        "orders-prod": {"backup_restore_drill_cluster_id": ORDERS_PROD_ID},
        "inventory-dev": {"backup_restore_drill_cluster_id": INVENTORY_DEV_ID},
    }

    run = run_drill(emulator, tmp_path, hosts, group_vars={"backup_restore_drill_trigger_backup": False})

    assert run.rc == 0, run.output[-4000:]
    reports = {report["source"]["name"]: report for report in run.reports()}
    assert sorted(reports) == ["inventory-dev", "orders-prod"]
    posts = [e for e in emulator.requests_log() if e["method"] == "POST"]
    assert all(e["path"].endswith("/backups/restore") for e in posts), "a backup was triggered: %s" % posts
    for report in reports.values():
        assert report["status"] == "passed"
        assert report["point_in_time_basis"] == "restorable_until"
        assert "backup_completed" not in [check["id"] for check in report["checks"]]
        # The real RPO: the drill's start minus the newest restorable instant, a positive figure.
        rpo = check_by_id(report, "rpo")
        assert rpo["status"] == "not_verifiable" and "no target" in rpo["details"]
        assert rpo["figures"]["seconds"] == pytest.approx((report["reference_time_ms"] - report["point_in_time_ms"]) / 1000.0)
        assert rpo["figures"]["seconds"] > 0
    # orders-prod: continuous backup (commit logs every 5 minutes) beats inventory-dev's daily snapshots.
    assert reports["orders-prod"]["figures"]["rpo_seconds"] < 600 < reports["inventory-dev"]["figures"]["rpo_seconds"]
    assert check_by_id(reports["orders-prod"], "topology")["figures"]["actual"] == {
        "AWS_VPC_US_EAST_1": {"nodes": 4, "racks": ["us-east-1a", "us-east-1a", "us-east-1b", "us-east-1c"]},
        "AWS_VPC_US_WEST_2": {"nodes": 2, "racks": ["us-west-2a", "us-west-2b"]},
    }
    assert sorted(deleted_ids(emulator)) == sorted(r["restored"]["id"] for r in reports.values())
    summary = run.summary()
    assert summary["counts"] == {"passed": 2}
