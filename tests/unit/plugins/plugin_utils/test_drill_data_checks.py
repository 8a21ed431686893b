"""Judging restored data: canary brackets against each application's as-of instant, the margin, the Redis
schedule rule, the catalogue (partial restores included) and the proven restore point."""

import pytest

from ansible_collections.restorekit.instaclustr.plugins.plugin_utils import drill_data_checks as data
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.drill_constants import FAILED, NOT_VERIFIABLE, PASSED

T0 = 1_800_000_000_000  # an instant on the API's clock
S = 1000


def canary(cid, after, before=None):
    before = after + 2 * S if before is None else before
    return {"id": cid, "run_id": "r1", "written_after_ms": after, "written_after": "a%d" % after,
            "written_before_ms": before, "written_before": "b%d" % before}


# ---- the as-of instant of each application's model ---------------------------------------------------

@pytest.mark.parametrize("application, model", [
    ("cassandra", "point_in_time"), ("postgresql", "backup_end"), ("opensearch", "snapshot_start"), ("redis", "schedule")])
def test_each_application_has_its_model(application, model):
    assert data.restored_as_of_model(application) == model


def test_point_in_time_model_is_the_point_itself():
    as_of = data.as_of_instant("point_in_time", point_ms=T0)
    assert as_of["as_of_ms"] == T0 and as_of["point_ms"] == T0


def test_backup_models_take_the_newest_backup_of_the_cluster_completed_by_the_point():
    # One backup of the cluster, listed per node with staggered times; a later one completed after the point.
    snapshots = [[[T0 - 100 * S, T0 - 90 * S], [T0 - 10 * S, T0 - 5 * S], [T0 + S, T0 + 9 * S]],
                 [[T0 - 12 * S, T0 - 6 * S], [T0 - 9 * S, T0 + 2 * S]]]
    end = data.as_of_instant("backup_end", point_ms=T0, snapshots=snapshots)
    start = data.as_of_instant("snapshot_start", point_ms=T0, snapshots=snapshots)
    assert end["as_of_ms"] == T0 - 5 * S
    assert start["as_of_ms"] == T0 - 10 * S


def test_backup_model_cannot_tell_without_a_backup_completed_by_the_point():
    as_of = data.as_of_instant("backup_end", point_ms=T0, snapshots=[[[T0 + S, T0 + 2 * S]]])
    assert as_of["as_of_ms"] is None and "no backup of the source completed" in as_of["why"]
    assert data.as_of_instant("snapshot_start", point_ms=None, snapshots=[])["why"] == "the restore had no point in time"


def test_schedule_model_is_the_request_minus_the_maximum_age():
    as_of = data.as_of_instant("schedule", requested_ms=T0, max_age_seconds=86400)
    assert as_of["as_of_ms"] == T0 - 86400 * S and as_of["point_ms"] is None


# ---- one canary's bracket ------------------------------------------------------------------------------

def test_bracket_wholly_before_must_be_present_inside_the_margin_indeterminate_after_must_be_absent():
    as_of = point = T0
    assert data.judge_canary(canary("a", T0 - 5 * S, T0 - 2 * S), as_of, point) == data.MUST_BE_PRESENT
    # written_before only 0.5 s before the instant: inside the 1 s margin.
    assert data.judge_canary(canary("b", T0 - 3 * S, T0 - S // 2), as_of, point) == data.INDETERMINATE
    # straddling the instant
    assert data.judge_canary(canary("c", T0 - S, T0 + S), as_of, point) == data.INDETERMINATE
    assert data.judge_canary(canary("d", T0 + S // 2, T0 + 3 * S), as_of, point) == data.INDETERMINATE
    assert data.judge_canary(canary("e", T0 + S, T0 + 3 * S), as_of, point) == data.MUST_BE_ABSENT


def test_between_a_backup_end_and_the_point_in_time_is_indeterminate():
    # PostgreSQL: data as of the backup's end, the point in time later; a canary between them may or may not be there.
    assert data.judge_canary(canary("x", T0 - 50 * S, T0 - 48 * S), T0 - 60 * S, T0) == data.INDETERMINATE


# ---- canary_restored and point_in_time_honoured ---------------------------------------------------------

def test_canary_restored_passes_when_every_earlier_canary_is_back():
    before, after = canary("before", T0 - 60 * S), canary("after", T0 + 60 * S)
    as_of = data.as_of_instant("point_in_time", point_ms=T0)
    check = data.canary_restored([before, after], [before], as_of)
    assert check["status"] == PASSED, check
    assert check["figures"]["required"] == ["before"]


def test_canary_restored_fails_naming_the_missing_canary():
    as_of = data.as_of_instant("point_in_time", point_ms=T0)
    check = data.canary_restored([canary("old", T0 - 90 * S), canary("before", T0 - 60 * S)], [canary("old", T0 - 90 * S)], as_of)
    assert check["status"] == FAILED and check["figures"]["missing"] == ["before"]
    assert "before (written" in check["details"]


def test_canary_restored_is_not_verifiable_when_every_canary_is_inside_the_margin():
    as_of = data.as_of_instant("point_in_time", point_ms=T0)
    check = data.canary_restored([canary("near", T0 - S, T0 + S // 2)], [], as_of)
    assert check["status"] == NOT_VERIFIABLE
    assert "indeterminate" in check["details"] and check["figures"]["indeterminate"] == ["near"]


def test_canary_restored_is_not_verifiable_without_an_as_of_instant():
    check = data.canary_restored([canary("a", T0)], [], data.as_of_instant("backup_end", point_ms=None))
    assert check["status"] == NOT_VERIFIABLE and "no point in time" in check["details"]


def test_point_in_time_honoured_fails_naming_the_newest_late_canary():
    as_of = data.as_of_instant("point_in_time", point_ms=T0)
    restored = [canary("before", T0 - 60 * S), canary("late1", T0 + 30 * S), canary("late2", T0 + 90 * S)]
    check = data.point_in_time_honoured(restored, as_of)
    assert check["status"] == FAILED and check["figures"]["offending"] == ["late1", "late2"]
    assert "the newest late2" in check["details"]


def test_point_in_time_honoured_passes_with_only_earlier_or_undecided_canaries():
    as_of = data.as_of_instant("point_in_time", point_ms=T0)
    check = data.point_in_time_honoured([canary("before", T0 - 60 * S), canary("edge", T0 + S // 2)], as_of)
    assert check["status"] == PASSED


def test_point_in_time_honoured_is_not_verifiable_without_a_point_or_a_canary():
    assert data.point_in_time_honoured([canary("a", T0)], data.as_of_instant("schedule", requested_ms=T0, max_age_seconds=60))[
        "status"] == NOT_VERIFIABLE
    assert data.point_in_time_honoured([], data.as_of_instant("point_in_time", point_ms=T0))["status"] == NOT_VERIFIABLE


def test_redis_requires_only_canaries_older_than_the_maximum_backup_age():
    as_of = data.as_of_instant("schedule", requested_ms=T0, max_age_seconds=86400)
    old, young = canary("old", T0 - 2 * 86400 * S), canary("young", T0 - 3600 * S)
    assert data.canary_restored([old, young], [old], as_of)["status"] == PASSED
    assert data.canary_restored([old, young], [old], as_of)["figures"]["indeterminate"] == ["young"]
    assert data.canary_restored([old, young], [young], as_of)["status"] == FAILED
    assert data.canary_restored([young], [], as_of)["status"] == NOT_VERIFIABLE


# ---- catalogue ---------------------------------------------------------------------------------------------

PG_SOURCE = [
    {"kind": "database", "name": "postgres"},
    {"kind": "schema", "name": "postgres.public"},
    {"kind": "schema", "name": "postgres.restorekit_canary"},
    {"kind": "table", "name": "postgres.public.orders", "count": 10, "count_kind": "estimated_rows"},
    {"kind": "table", "name": "postgres.restorekit_canary.canary", "count": 2, "count_kind": "estimated_rows"},
]


def test_catalogue_passes_when_every_source_object_is_restored_and_ignores_the_canary_home():
    restored = [e for e in PG_SOURCE if "restorekit_canary" not in e["name"]]
    check = data.catalogue(PG_SOURCE, restored)
    assert check["status"] == PASSED and check["figures"]["objects"] == 3


def test_catalogue_fails_listing_the_missing_objects():
    check = data.catalogue(PG_SOURCE, [{"kind": "database", "name": "postgres"}])
    assert check["status"] == FAILED
    assert check["figures"]["missing"] == ["schema postgres.public", "table postgres.public.orders"]


def test_catalogue_lists_objects_that_may_postdate_the_restored_point_without_failing():
    check = data.catalogue(PG_SOURCE, PG_SOURCE[:2], may_postdate=True)
    assert check["status"] == PASSED and "table postgres.public.orders" in check["details"]
    empty = data.catalogue(PG_SOURCE, [], may_postdate=True)
    assert empty["status"] == NOT_VERIFIABLE


def test_catalogue_of_a_partial_cassandra_restore_looks_only_at_the_selection():
    source = [{"kind": "keyspace", "name": "shop"}, {"kind": "table", "name": "shop.orders"}, {"kind": "table", "name": "shop.carts"},
              {"kind": "keyspace", "name": "audit"}, {"kind": "table", "name": "audit.log"},
              {"kind": "keyspace", "name": "restorekit_canary"}, {"kind": "table", "name": "restorekit_canary.canary"}]
    restored = [{"kind": "keyspace", "name": "shop"}, {"kind": "table", "name": "shop.orders"},
                {"kind": "keyspace", "name": "restorekit_canary"}, {"kind": "table", "name": "restorekit_canary.canary"}]
    check = data.catalogue(source, restored, tables=["shop.orders", data.CANARY_TABLE_NAME])
    assert check["status"] == PASSED, check
    assert check["figures"]["objects"] == 2


def test_catalogue_of_a_partial_opensearch_restore_matches_index_patterns():
    source = [{"kind": "index", "name": "logs-1", "count": 3}, {"kind": "index", "name": "logs-2", "count": 4},
              {"kind": "index", "name": "users", "count": 1}, {"kind": "index", "name": "restorekit-canary", "count": 2}]
    check = data.catalogue(source, source[:1], indices=["logs-*", data.CANARY_INDEX])
    assert check["status"] == FAILED and check["figures"]["missing"] == ["index logs-2"]


def test_redis_catalogue_of_an_empty_restore_fails():
    check = data.catalogue([{"kind": "database", "name": "db0", "count": 12, "count_kind": "keys"}], [])
    assert check["status"] == FAILED and check["figures"]["missing"] == ["database db0"]
    # A Redis database with no key is no database.
    check = data.catalogue([{"kind": "database", "name": "db0", "count": 12, "count_kind": "keys"}],
                           [{"kind": "database", "name": "db0", "count": 0, "count_kind": "keys"}])
    assert check["status"] == FAILED


# ---- the proven restore point -----------------------------------------------------------------------------

def test_proven_restore_point_is_the_newest_written_after_present():
    assert data.proven_restore_point([canary("a", T0 - 60 * S), canary("b", T0 - 5 * S)]) == T0 - 5 * S
    assert data.proven_restore_point([]) is None


def test_proven_rpo_applies_only_to_scheduled_backups_restored_before_the_start():
    assert data.proven_rpo_seconds(T0, T0 - 300 * S, own_backup=False) == 300.0
    assert data.proven_rpo_seconds(T0, T0 - 300 * S, own_backup=True) is None
    assert data.proven_rpo_seconds(T0, T0 + S, own_backup=False) is None
    assert data.proven_rpo_seconds(T0, None, own_backup=False) is None
