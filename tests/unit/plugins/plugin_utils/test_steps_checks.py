"""The data checks' call site the drill and the recovery share (plugin_utils/steps_checks.py): the checks judged from
the data-plane modules' results, what a drill report recorded used when the source cannot answer, and the recovery's
data checks, settings and report."""

import json

import pytest

from ansible_collections.restorekit.instaclustr.plugins.module_utils._clock import iso_utc
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils import drill_data_checks, steps_checks, steps_memory, steps_plan
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils import steps_report

SOURCE_ID = "b8e2d4f6-0a13-4c57-9e21-3d5f7a9c1e06"
NOW = 1795168800000
S = 1000
HOUR = 3600 * S
BACKUP = (NOW - 2 * HOUR - 600 * S, NOW - 2 * HOUR)  # the newest PostgreSQL backup before the point in time
CATALOGUE = [{"kind": "database", "name": "postgres"}, {"kind": "schema", "name": "postgres.public"},
             {"kind": "table", "name": "postgres.public.orders", "count": 2, "count_kind": "rows"},
             {"kind": "table", "name": "postgres.restorekit_canary.canary", "count": 2, "count_kind": "rows"}]


def canary(cid, after_ms):
    return {"id": cid, "run_id": "t", "written_after_ms": after_ms, "written_before_ms": after_ms + S,
            "written_after": iso_utc(after_ms), "written_before": iso_utc(after_ms + S)}


OLD = canary("old", NOW - 5 * HOUR)    # in the backup the restore takes
LATE = canary("late", NOW - 30 * 60 * S)  # after the point in time


def backups():
    events = [{"type": "postgresql-backup", "state": "COMPLETED", "start": start, "end": end}
              for start, end in ((NOW - 8 * HOUR, NOW - 8 * HOUR + 600 * S), BACKUP)]
    return {"checked_at_ms": NOW, "summary": {"last_backup_completed_at_ms": BACKUP[1]},
            "data_centres": [{"name": "US_EAST_1", "nodes": [{"id": "n1", "events": events}]}]}


def plan(cidr="127.0.0.1/32", status="RUNNING", memory=None, **settings):
    base = {"cluster_id": SOURCE_ID, "name": "payments-recovered", "point_in_time": "latest", "application": "postgresql",
            "api_version": "v2", "confirm": SOURCE_ID, "data_access_cidr": cidr}
    base.update(settings)
    source = {"clusters": [{"id": SOURCE_ID, "name": "payments-pg", "status": status, "data_centres": []}]} \
        if status != "UNREADABLE" else {"failed": True, "msg": "HTTP 404: not found"}
    return steps_plan.recovery_plan({"settings": base, "source": source, "backups": backups(), "firewall": {"rules": []},
                                     "memory": memory})


def checks(the_plan, restored_canaries=(OLD,), restored_catalogue=tuple(CATALOGUE), **data):
    reads = {"source_canaries": {"canaries": [OLD]}, "source_catalogue": {"catalogue": CATALOGUE},
             "access": {"changed": True, "rule_types": ["POSTGRESQL"]},
             "restored_canaries": {"canaries": list(restored_canaries)}, "restored_catalogue": {"catalogue": list(restored_catalogue)}}
    reads.update(data)
    context = {"plan": the_plan, "backups": backups(), "restore": {"requested_at_ms": NOW + 60 * S}, "data": reads}
    return {check["id"]: check for check in steps_checks.recovery_checks(context)}


def test_the_recovery_judges_its_restored_data_against_the_source_at_the_plans_point_in_time():
    got = checks(plan())
    assert [got[c]["status"] for c in ("catalogue", "canary_restored", "point_in_time_honoured")] == ["passed"] * 3, got
    # PostgreSQL's model: the restored data is as of the end of the newest backup completed by the point in time.
    assert got["canary_restored"]["figures"]["as_of"] == iso_utc(BACKUP[1]) and got["canary_restored"]["figures"]["required"] == ["old"]
    assert got["catalogue"]["figures"]["objects"] == 3  # the canaries' home apart


def test_a_restore_of_a_later_moment_fails_point_in_time_honoured_and_an_empty_one_catalogue():
    later = checks(plan(), restored_canaries=(OLD, LATE))
    assert later["point_in_time_honoured"]["status"] == "failed" and "late" in later["point_in_time_honoured"]["details"]
    empty = checks(plan(point_in_time=iso_utc(BACKUP[1] + 60 * S)), restored_canaries=(), restored_catalogue=())
    assert empty["canary_restored"]["status"] == "failed" and "old" in empty["canary_restored"]["details"]
    assert empty["point_in_time_honoured"]["status"] == "not_verifiable"  # the restored cluster holds no canary


def test_without_a_data_access_cidr_each_data_check_says_which_variable_to_set():
    got = checks(plan(cidr=None))
    for check_id in ("catalogue", "canary_restored", "point_in_time_honoured"):
        assert got[check_id]["status"] == "not_verifiable"
        assert "cluster_recovery_data_access_cidr is not set" in got[check_id]["details"]


def test_a_source_that_is_not_running_is_not_read_and_its_recorded_catalogue_and_canaries_are_used(tmp_path):
    drill = {"source": {"id": SOURCE_ID, "name": "payments-pg"}, "run_id": "d1", "status": "passed",
             "reference_time_ms": NOW - 6 * HOUR,
             "recovery": {"source_catalogue": CATALOGUE, "source_canaries": [OLD], "source_firewall": {"rules": []}}}
    (tmp_path / "drill-payments-pg-d1.json").write_text(json.dumps(drill))
    memory = steps_memory.newest_drill_report(str(tmp_path), SOURCE_ID)
    assert memory["catalogue"] == CATALOGUE and memory["canaries"] == [OLD]
    got = checks(plan(status="UNREADABLE", memory=memory), source_canaries={}, source_catalogue={})
    assert got["catalogue"]["status"] == "passed" and got["canary_restored"]["status"] == "passed", got
    for check_id in ("catalogue", "canary_restored"):
        assert "drill report of %s" % iso_utc(NOW - 6 * HOUR) in got[check_id]["details"]
        assert "the source is UNREADABLE" in got[check_id]["details"]
    # Nothing recorded: the catalogue cannot be judged and says why.
    bare = checks(plan(status="FAILED"), source_canaries={}, source_catalogue={})
    assert bare["catalogue"]["status"] == "not_verifiable" and "the source is FAILED" in bare["catalogue"]["details"]


def test_a_firewall_rule_that_could_not_be_added_leaves_the_restored_data_unread_saying_why():
    got = checks(plan(), access={"failed": True, "msg": "HTTP 400: bad network"}, restored_canaries=(), restored_catalogue=())
    assert got["catalogue"]["status"] == "not_verifiable" and "HTTP 400: bad network" in got["catalogue"]["details"]


def test_redis_has_no_point_in_time_to_honour():
    the_plan = dict(plan(), application="redis")
    got = checks(the_plan)
    assert got["point_in_time_honoured"]["status"] == "not_applicable" and got["point_in_time_honoured"]["details"]


@pytest.mark.parametrize("cidr,wide,error", [
    ("127.0.0.1", False, None), ("10.0.0.0/8", False, "cluster_recovery_data_access_cidr: 10.0.0.0/8 is wider than /24"),
    ("10.0.0.0/8", True, None), ("2001:db8::/48", False, "wider than /64"), ("not-a-network", False, "cluster_recovery_data_access_cidr"),
])
def test_the_data_access_cidr_follows_the_drills_rule_and_is_refused_in_the_plan(cidr, wide, error):
    the_plan = plan(cidr=cidr, data_access_cidr_wide=wide)
    if error is None:
        assert the_plan["errors"] == [] and the_plan["data_access"]["configured"] and the_plan["proceed"]
    else:
        assert any(error in text for text in the_plan["errors"]) and the_plan["proceed"] is False
        assert any("cluster_recovery_data_access_cidr_wide: true" in text for text in the_plan["errors"]) or "wide" not in error


def test_the_data_inputs_are_checked_without_ever_seeing_the_password():
    the_plan = plan(data_tls="maybe", data_password_is_text=False, data_username=["x"])
    text = " ".join(the_plan["errors"])
    assert "cluster_recovery_data_tls: must be true or false" in text and "cluster_recovery_data_password: must be a string" in text
    assert "cluster_recovery_data_username: must be a string" in text and the_plan["proceed"] is False


def test_the_drill_and_the_recovery_share_one_rule_and_one_call_site():
    from ansible_collections.restorekit.instaclustr.plugins.plugin_utils import drill_checks, drill_plan
    assert drill_plan.check_data_access_cidr is steps_checks.check_data_access_cidr
    assert drill_checks.make_check is steps_checks.make_check


def test_the_generic_call_site_judges_written_canaries_without_a_source_read():
    as_of = drill_data_checks.as_of_instant("point_in_time", point_ms=NOW)
    judged = steps_checks.data_checks({"source_canaries": {"failed": True, "msg": "refused"}, "written": [OLD],
                                       "restored_canaries": {"canaries": [OLD]}, "restored_catalogue": {"catalogue": []}}, as_of)
    assert judged["checks"]["canary_restored"]["status"] == "passed" and judged["restored_canaries"] == [OLD]
    assert judged["checks"]["catalogue"]["status"] == "not_verifiable"
    assert "The source's catalogue at the drill's start was not read" in judged["checks"]["catalogue"]["details"]


def report(the_plan, got):
    restore = {"created": True, "restored_cluster_id": "r1", "requested_at_ms": NOW, "running_at_ms": NOW + 600 * S,
               "cluster": {"id": "r1", "name": "payments-recovered", "status": "RUNNING", "data_centres": []}}
    return steps_report.recovery_report({"settings": {"report_dir": "/r"}, "run_id": "abc", "plan": the_plan, "restore": restore,
                                         "firewall": {"results": []}, "checks": list(got.values()),
                                         "data_access": {"changed": True, "rule_types": ["POSTGRESQL"]}})


def test_a_failed_data_check_keeps_the_cluster_and_says_so_and_the_rule_added_is_in_the_cutover():
    the_plan = plan()
    failed = report(the_plan, checks(the_plan, restored_canaries=(OLD, LATE)))
    assert failed["status"] == steps_report.RESTORED_CHECK_FAILED == "restored_check_failed"
    assert "point_in_time_honoured failed" in failed["message"] and "kept" in failed["message"]
    assert failed["deleted"] == [] and failed["restored"]["id"] == "r1"
    assert failed["data_access"] == {"network": "127.0.0.1/32", "rule_types": ["POSTGRESQL"], "changed": True, "failed": False,
                                     "message": None}
    assert any("127.0.0.1/32" in item and "by hand" in item for item in failed["cutover"])
    assert report(the_plan, checks(the_plan))["status"] == "recovered"


def test_a_drill_records_the_source_catalogue_and_canaries_it_read_for_a_later_recovery():
    recorded = steps_report.rehearsal({"data": {"source_catalogue": {"catalogue": CATALOGUE}, "source_canaries": {"canaries": [OLD]}}})
    assert recorded["source_catalogue"] == CATALOGUE and recorded["source_canaries"] == [OLD]
    unread = steps_report.rehearsal({"data": {"source_catalogue": {"failed": True, "msg": "x"}, "source_canaries": {"skipped": True}}})
    assert unread["source_catalogue"] is None and unread["source_canaries"] is None
