"""The data checks in the drill's report: canaries and catalogue read through the data plane, the selection
check verified by the catalogue, the proven restore point and the RPO basis."""

from ansible_collections.restorekit.instaclustr.plugins.plugin_utils import drill_plan, drill_report
from tests.unit.plugins.plugin_utils.drill_fixtures import SETTINGS, NOW, backup_info, context, restore_result, source_info, statuses

S = 1000
CATALOGUE = [{"kind": "keyspace", "name": "shop", "count": None, "count_kind": None},
             {"kind": "table", "name": "shop.orders", "count": None, "count_kind": None},
             {"kind": "keyspace", "name": "restorekit_canary", "count": None, "count_kind": None},
             {"kind": "table", "name": "restorekit_canary.canary", "count": None, "count_kind": None}]


def canary(cid, after_ms):
    return {"id": cid, "run_id": "a1b2c3d4", "written_after_ms": after_ms, "written_after": "t%d" % after_ms,
            "written_before_ms": after_ms + 2 * S, "written_before": "t%d" % (after_ms + 2 * S)}


BEFORE = canary("before", NOW + 100 * S)   # before the drill's backup (it ends at NOW + 600 s on the first node)
AFTER = canary("after", NOW + 650 * S)     # after the backup completed, before the restore request (NOW + 700 s)
HEARTBEAT = canary("heartbeat", NOW - 7200 * S)


def data(restored_canaries, restored_catalogue=None, written=(BEFORE, AFTER), source_canaries=(HEARTBEAT,)):
    return {
        "source_canaries": {"canaries": list(source_canaries)},
        "source_catalogue": {"catalogue": CATALOGUE},
        "canaries_written": [{"canary": c} for c in written],
        "restored_canaries": {"canaries": list(restored_canaries)},
        "restored_catalogue": {"catalogue": CATALOGUE if restored_catalogue is None else restored_catalogue},
    }


def build(settings=None, **overrides):
    settings = dict({"data_access_cidr": "127.0.0.1/32", "canary": True}, **(settings or {}))
    return drill_report.build_report(context(settings, **overrides))


def check(report, check_id):
    return next(c for c in report["checks"] if c["id"] == check_id)


def test_a_restore_holding_the_data_before_its_point_passes_every_data_check():
    report = build(data=data([HEARTBEAT, BEFORE]))
    got = statuses(report)
    assert (got["canary_restored"], got["point_in_time_honoured"], got["catalogue"]) == ("passed", "passed", "passed"), report["checks"]
    # The tables check is verified by the catalogue.
    assert got["tables"] == "passed" and check(report, "tables")["details"].startswith("Verified by the catalogue check")
    assert report["status"] == "passed"
    # The data checks come right after restore_events.
    ids = [c["id"] for c in report["checks"]]
    assert ids[ids.index("restore_events") + 1:ids.index("restore_events") + 4] == ["canary_restored", "point_in_time_honoured", "catalogue"]
    # The drill's own backup: the proven restore point is there, the proven RPO is not applicable.
    assert report["figures"]["proven_restore_point_ms"] == BEFORE["written_after_ms"]
    assert report["figures"]["proven_rpo_seconds"] is None
    assert "protects nothing written before the drill" in report["figure_sentences"]["proven_rpo"]


def test_an_empty_restore_fails_on_canary_restored_and_catalogue():
    report = build(data=data([], restored_catalogue=[]))
    got = statuses(report)
    assert got["canary_restored"] == "failed" and got["catalogue"] == "failed" and got["tables"] == "failed"
    assert "before (written" in check(report, "canary_restored")["details"]
    assert report["status"] == "failed"


def test_data_from_a_later_moment_fails_on_point_in_time_honoured():
    report = build(data=data([HEARTBEAT, BEFORE, AFTER]))
    assert statuses(report)["point_in_time_honoured"] == "failed"
    assert "the newest after (written" in check(report, "point_in_time_honoured")["details"]


def test_without_a_data_access_cidr_the_data_checks_are_not_verifiable_saying_why():
    report = build({"data_access_cidr": None}, data=data([HEARTBEAT, BEFORE]))
    for check_id in ("canary_restored", "point_in_time_honoured", "catalogue"):
        assert check(report, check_id)["status"] == "not_verifiable"
        assert "backup_restore_drill_data_access_cidr is not set" in check(report, check_id)["details"]


def test_an_unreachable_source_leaves_canary_restored_not_verifiable_when_the_drill_wrote_none():
    failed = {"failed": True, "msg": "postgresql cluster x at 127.0.0.1:5432: connecting failed: closed"}
    report = build(data=dict(data([HEARTBEAT], written=()), source_canaries=failed, source_catalogue=failed))
    assert check(report, "canary_restored")["status"] == "not_verifiable"
    assert "connecting failed" in check(report, "canary_restored")["details"]
    assert check(report, "catalogue")["status"] == "not_verifiable"
    assert check(report, "point_in_time_honoured")["status"] == "passed"  # the restored canaries carry their own brackets


def test_a_partial_restore_says_that_it_included_the_canary_table():
    report = build({"keyspace_tables": ["shop.orders"]}, data=data([HEARTBEAT, BEFORE]))
    assert "included the canaries' own table" in check(report, "canary_restored")["details"]
    assert check(report, "catalogue")["status"] == "passed"


def test_scheduled_backups_give_a_proven_rpo_that_the_rpo_check_gates_on_basis_proven():
    settings = {"trigger_backup": False, "rpo_basis": "proven", "rpo_target": "4h"}
    full = dict(SETTINGS, data_access_cidr="127.0.0.1/32", **settings)
    preflight = drill_plan.preflight_verdict(source_info(), backup_info(), full)
    plan = drill_plan.restore_plan(preflight, {"skipped": True}, full)
    assert plan["point_in_time_basis"] == "restorable_until"
    scheduled = dict(backup={"skipped": True}, preflight=preflight, plan=plan, restore=restore_result(point_ms=plan["point_in_time_ms"]))
    report = build(settings, data=data([HEARTBEAT], written=()), **scheduled)
    assert report["figures"]["proven_rpo_seconds"] == 7200.0
    rpo = check(report, "rpo")
    assert rpo["status"] == "passed" and rpo["figures"]["seconds"] == 7200.0 and rpo["figures"]["basis"] == "proven"
    # The backups' RPO is still reported beside it.
    assert report["figures"]["rpo_seconds"] is not None
    assert report["figures"]["rpo_seconds"] == rpo["figures"]["backups_rpo_seconds"]
    assert report["figure_sentences"]["proven_rpo"].startswith("Proven RPO: the newest canary")
    too_tight = build(dict(settings, rpo_target="1h"), data=data([HEARTBEAT], written=()), **scheduled)
    assert check(too_tight, "rpo")["status"] == "failed"


def preflight_errors(**settings):
    full = dict(SETTINGS, **settings)
    return drill_plan.preflight_verdict(source_info(), backup_info(), full)["errors"]


def test_the_preflight_checks_every_data_variable_naming_it():
    assert preflight_errors(data_access_cidr="127.0.0.1/32", canary=True, rpo_basis="proven", redis_backup_max_age="2d") == []
    assert any("backup_restore_drill_data_access_cidr: 10.0.0.0/8 is wider than /24" in e for e in preflight_errors(data_access_cidr="10.0.0.0/8"))
    assert any("wider than /64" in e for e in preflight_errors(data_access_cidr="2001:db8::/48"))
    assert preflight_errors(data_access_cidr="10.0.0.0/8", data_access_cidr_wide=True) == []
    assert any("backup_restore_drill_data_access_cidr" in e for e in preflight_errors(data_access_cidr="10.0.0.1/8"))
    assert any("backup_restore_drill_rpo_basis" in e for e in preflight_errors(rpo_basis="canaries"))
    assert any("backup_restore_drill_redis_backup_max_age" in e for e in preflight_errors(redis_backup_max_age="soon"))
    assert any("backup_restore_drill_canary" in e for e in preflight_errors(canary="maybe"))
    assert any("backup_restore_drill_data_tls" in e for e in preflight_errors(data_tls="sometimes"))
    assert any("backup_restore_drill_data_username" in e for e in preflight_errors(data_username=["a"]))
    errors = preflight_errors(data_password_is_text=False)
    assert errors == ["backup_restore_drill_data_password: must be a string"]


def test_the_proven_rpo_is_on_the_api_clock_when_the_drill_start_is_the_controllers():
    settings = {"trigger_backup": False}
    full = dict(SETTINGS, data_access_cidr="127.0.0.1/32", **settings)
    preflight = dict(drill_plan.preflight_verdict(source_info(), backup_info(), full), reference_clock="controller", reference_ms=NOW - 86400 * S)
    plan = drill_plan.restore_plan(preflight, {"skipped": True}, full)
    restore = restore_result(point_ms=plan["point_in_time_ms"], requested=NOW + 100 * S)
    report = build(settings, data=data([HEARTBEAT], written=()), backup={"skipped": True}, preflight=preflight, plan=plan, restore=restore)
    # The restore request (API time), not the controller's start, minus the heartbeat canary.
    assert report["figures"]["proven_rpo_seconds"] == 7300.0
