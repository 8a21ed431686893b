"""The backup summary and the backup-following helpers, on small hand-built event lists."""

import time

import pytest

from ansible_collections.restorekit.instaclustr.plugins.module_utils import _coverage
from ansible_collections.restorekit.instaclustr.plugins.module_utils._clock import iso_utc

NOW = 1_790_000_000_000
MINUTE = 60_000
HOUR = 60 * MINUTE
DAY = 24 * HOUR


def event(kind, state, start, end=None, progress=None):
    if progress is None:
        progress = 1.0 if state == "COMPLETED" else 0.5
    return {"type": kind, "state": state, "progress": progress, "start": start, "end": end}


def snapshot(start, end=None, state="COMPLETED", progress=None):
    return event("snapshot-upload", state, start, end, progress)


def commit_log(start, end=None, state="COMPLETED"):
    return event("commitlog-upload", state, start, end)


def cluster(*data_centres):
    """``cluster(("dc1", {"n1": [events], ...}), ...)`` in the ``_shapes.backup_events`` shape."""
    return {"id": "c", "name": "orders-prod", "data_centres": [
        {"id": dc_id, "name": dc_id.upper(), "nodes": [
            {"id": node_id, "public_address": None, "private_address": None, "events": events}
            for node_id, events in nodes.items()]}
        for dc_id, nodes in data_centres]}


def summarize(backups, max_age_seconds=None):
    return _coverage.summarize(backups, NOW, max_age_seconds)


def test_node_restorable_instant_is_latest_snapshot_end_or_a_later_commit_log_end():
    backups = cluster(("dc1", {
        "n1": [snapshot(NOW - 5 * HOUR, NOW - 4 * HOUR), snapshot(NOW - 2 * HOUR, NOW - 90 * MINUTE),
               commit_log(NOW - 20 * MINUTE, NOW - 15 * MINUTE), commit_log(NOW - 5 * MINUTE, None, "ACTIVE")],
        "n2": [snapshot(NOW - 3 * HOUR, NOW - 150 * MINUTE),
               commit_log(NOW - 4 * HOUR, NOW - 235 * MINUTE)],  # ended before its snapshot: no help
    }))
    summary = summarize(backups)
    by_id = {node["id"]: node for node in summary["nodes"]}
    assert by_id["n1"]["restorable_until_ms"] == NOW - 15 * MINUTE
    assert by_id["n1"]["latest_snapshot_completed_at_ms"] == NOW - 90 * MINUTE
    assert by_id["n1"]["latest_snapshot_started_at_ms"] == NOW - 2 * HOUR
    assert by_id["n2"]["restorable_until_ms"] == NOW - 150 * MINUTE
    # the cluster: the minimum over nodes, with and without commit logs
    assert summary["restorable_until_ms"] == NOW - 150 * MINUTE
    assert summary["restorable_until"] == iso_utc(NOW - 150 * MINUTE)
    assert summary["snapshot_restorable_until_ms"] == NOW - 150 * MINUTE
    assert summary["restorable_from_ms"] == NOW - 150 * MINUTE  # n2 is covered only from its first snapshot's end
    assert summary["last_backup_age_seconds"] == 150 * 60.0


def test_commit_logs_move_restorable_until_but_not_snapshot_restorable_until():
    backups = cluster(("dc1", {
        "n1": [snapshot(NOW - 3 * HOUR, NOW - 2 * HOUR), commit_log(NOW - 10 * MINUTE, NOW - 5 * MINUTE)],
        "n2": [snapshot(NOW - 3 * HOUR, NOW - 2 * HOUR), commit_log(NOW - 15 * MINUTE, NOW - 10 * MINUTE)],
    }))
    summary = summarize(backups)
    assert summary["restorable_until_ms"] == NOW - 10 * MINUTE
    assert summary["snapshot_restorable_until_ms"] == NOW - 2 * HOUR


def test_node_added_two_days_ago_does_not_hold_back_restorable_from():
    old_events = [snapshot(NOW - 7 * DAY + HOUR, NOW - 7 * DAY + 2 * HOUR), snapshot(NOW - 3 * HOUR, NOW - 2 * HOUR)]
    backups = cluster(
        ("dc1", {"old1": list(old_events),
                 # old2 exists from its first event (a commit log 7 days ago); its first snapshot ends later
                 "old2": [commit_log(NOW - 7 * DAY, NOW - 7 * DAY + MINUTE), snapshot(NOW - 6 * DAY, NOW - 6 * DAY + HOUR),
                          snapshot(NOW - 3 * HOUR, NOW - 2 * HOUR)]}),
        ("dc2", {"new": [snapshot(NOW - 2 * DAY, NOW - 2 * DAY + 30 * MINUTE), snapshot(NOW - 3 * HOUR, NOW - 2 * HOUR)]}),
    )
    summary = summarize(backups)
    # old2's first snapshot ended last among the nodes that existed then; "new" did not exist yet
    assert summary["restorable_from_ms"] == NOW - 6 * DAY + HOUR
    assert summary["restorable_until_ms"] == NOW - 2 * HOUR
    nodes = _coverage.scan_nodes(backups)
    # between the new node's appearance and its first snapshot's end it is not covered
    assert _coverage.uncovered_nodes_at(nodes, NOW - 2 * DAY + 10 * MINUTE) == ["new"]
    assert _coverage.uncovered_nodes_at(nodes, NOW - 3 * DAY) == []
    assert _coverage.uncovered_nodes_at(nodes, NOW - 6 * DAY) == ["old2"]
    assert _coverage.uncovered_nodes_at(nodes, NOW - 7 * DAY + 3 * HOUR) == ["old2"]


def test_a_node_exists_from_its_first_event_in_the_window():
    backups = cluster(("dc1", {"a": [snapshot(NOW - 7 * DAY, NOW - 7 * DAY + HOUR)],
                               "b": [snapshot(NOW - 6 * DAY, NOW - 6 * DAY + HOUR)]}))
    # before b's first event only a counts, so a's first snapshot end is restorable
    assert summarize(backups)["restorable_from_ms"] == NOW - 7 * DAY + HOUR


def test_a_node_without_any_completed_snapshot_bounds_restorable_until_to_before_it_appeared():
    backups = cluster(("dc1", {
        "old": [snapshot(NOW - 5 * DAY, NOW - 5 * DAY + HOUR), snapshot(NOW - 3 * HOUR, NOW - 2 * HOUR)],
        "joined": [snapshot(NOW - DAY, None, "FAILED"), snapshot(NOW - 30 * MINUTE, None, "ACTIVE", 0.3)],
    }))
    summary = summarize(backups)
    assert summary["restorable_from_ms"] == NOW - 5 * DAY + HOUR
    assert summary["restorable_until_ms"] == NOW - DAY - 1
    assert summary["nodes_without_backup"] == ["joined"]
    assert summary["active_nodes"] == ["joined"]
    assert summary["failed_nodes"] == ["joined"]
    assert summary["last_backup_age_seconds"] == pytest.approx(DAY / 1000.0, abs=0.01)


def test_active_commit_logs_with_null_end_and_unknown_types_do_not_count():
    backups = cluster(("dc1", {"n1": [
        snapshot(NOW - 3 * HOUR, NOW - 2 * HOUR),
        commit_log(NOW - 4 * MINUTE, None, "ACTIVE"),
        event("postgresql-backup", "ACTIVE", NOW - MINUTE),
        event("brand-new-type", "WEIRD", "not a number", {"nested": True}),
        event("commitlog-upload", "COMPLETED", NOW - 30 * MINUTE, None),  # completed but no end: unusable
    ]}))
    summary = summarize(backups)
    assert summary["restorable_until_ms"] == NOW - 2 * HOUR
    assert summary["active_nodes"] == ["n1"]  # the postgresql-backup, not the commit log
    assert summary["failed_nodes"] == []


def test_only_active_commit_logs_means_not_active():
    backups = cluster(("dc1", {"n1": [snapshot(NOW - 3 * HOUR, NOW - 2 * HOUR), commit_log(NOW - MINUTE, None, "ACTIVE")]}))
    assert summarize(backups)["active_nodes"] == []


def test_failed_snapshot_is_not_a_backup_and_marks_the_node_failed():
    backups = cluster(("dc1", {
        "n1": [snapshot(NOW - 3 * HOUR, NOW - 2 * HOUR)],
        "n2": [snapshot(NOW - 3 * HOUR, NOW - 2 * HOUR), snapshot(NOW - HOUR, NOW - 50 * MINUTE, "FAILED")],
    }))
    summary = summarize(backups)
    assert summary["failed_nodes"] == ["n2"]
    assert summary["restorable_until_ms"] == NOW - 2 * HOUR


@pytest.mark.parametrize("backups", [
    {"id": "c", "name": "x", "data_centres": []},
    cluster(("dc1", {"n1": [], "n2": []})),  # legacy-nobackup: nodes, no events
    cluster(("dc1", {"n1": [snapshot(NOW - HOUR, None, "ACTIVE")]})),
])
def test_nothing_restorable(backups):
    summary = summarize(backups, max_age_seconds=3600)
    assert summary["restorable_from"] is None and summary["restorable_until"] is None
    assert summary["restorable_until_ms"] is None and summary["snapshot_restorable_until_ms"] is None
    assert summary["last_backup_age_seconds"] is None
    assert summary["fresh"] is False


def test_empty_cluster_counts():
    summary = summarize({"id": "c", "name": "x", "data_centres": []})
    assert summary["node_count"] == 0 and summary["nodes"] == [] and summary["nodes_without_backup"] == []


def test_backups_that_stopped_on_one_node_before_another_was_covered_leave_nothing_restorable():
    backups = cluster(("dc1", {
        "stopped": [commit_log(NOW - 7 * DAY, NOW - 7 * DAY + MINUTE), snapshot(NOW - 6 * DAY, NOW - 6 * DAY + HOUR)],
        "late": [snapshot(NOW - 7 * DAY, NOW - 7 * DAY + HOUR), snapshot(NOW - 4 * DAY, NOW - 4 * DAY + HOUR)],
    }))
    # both exist from 7 days ago; "stopped" is covered only at 6d-1h, where "late" is covered too
    summary = summarize(backups)
    assert summary["restorable_from_ms"] == NOW - 6 * DAY + HOUR
    assert summary["restorable_until_ms"] == NOW - 6 * DAY + HOUR
    backups = cluster(("dc1", {
        "stopped": [snapshot(NOW - 7 * DAY, NOW - 7 * DAY + HOUR)],
        "late": [snapshot(NOW - 7 * DAY, NOW - 7 * DAY + 10 * MINUTE, "FAILED"), snapshot(NOW - 4 * DAY, NOW - 4 * DAY + HOUR)],
    }))
    summary = summarize(backups)
    assert summary["restorable_from_ms"] is None and summary["restorable_until_ms"] is None


@pytest.mark.parametrize("max_age, fresh", [(3 * 3600, True), (2 * 3600, True), (3600, False)])
def test_freshness_against_max_age(max_age, fresh):
    backups = cluster(("dc1", {"n1": [snapshot(NOW - 3 * HOUR, NOW - 2 * HOUR)]}))
    summary = summarize(backups, max_age_seconds=max_age)
    assert summary["last_backup_age_seconds"] == 7200.0
    assert summary["fresh"] is fresh
    assert summary["max_age_seconds"] == max_age


def test_no_fresh_key_without_max_age():
    assert "fresh" not in summarize(cluster(("dc1", {"n1": [snapshot(NOW - 3 * HOUR, NOW - 2 * HOUR)]})))


def test_topology_at_a_point_in_time_leaves_out_nodes_not_yet_backed_up():
    backups = cluster(
        ("dc1", {"a": [snapshot(NOW - 6 * DAY, NOW - 6 * DAY + HOUR)], "b": [snapshot(NOW - 6 * DAY, NOW - 6 * DAY + HOUR)],
                 "added": [snapshot(NOW - 2 * DAY, NOW - 2 * DAY + HOUR)]}),
        ("dc2", {"c": [snapshot(NOW - 6 * DAY, NOW - 6 * DAY + HOUR)]}),
        ("dc3", {"d": [snapshot(NOW - DAY, None, "ACTIVE")]}),
    )
    assert _coverage.topology_at(backups, NOW - 3 * DAY) == [
        {"id": "dc1", "name": "DC1", "node_count": 2, "node_ids": ["a", "b"]},
        {"id": "dc2", "name": "DC2", "node_count": 1, "node_ids": ["c"]},
    ]
    assert _coverage.topology_at(backups, NOW)[0]["node_ids"] == ["a", "b", "added"]
    # "at or before": a snapshot ending exactly at the point counts
    assert _coverage.topology_at(backups, NOW - 2 * DAY + HOUR)[0]["node_count"] == 3


def test_a_cluster_wide_backup_ignores_commit_logs():
    backups = cluster(("dc1", {"n1": [commit_log(NOW - MINUTE, None, "ACTIVE"), snapshot(NOW - 5 * MINUTE, None, "ACTIVE")],
                               "n2": [commit_log(NOW - 2 * MINUTE, None, "ACTIVE")]}))
    assert _coverage.cluster_wide_backup_starts(backups) is None


def test_a_backup_is_running_on_the_cluster_only_when_every_node_has_an_active_snapshot():
    some = cluster(("dc1", {"n1": [snapshot(NOW - 5 * MINUTE, None, "ACTIVE")],
                            "n2": [snapshot(NOW - HOUR, NOW - 30 * MINUTE), commit_log(NOW - MINUTE, None, "ACTIVE")]}))
    assert _coverage.cluster_wide_backup_starts(some) is None
    every = cluster(("dc1", {"n1": [snapshot(NOW - 5 * MINUTE, None, "ACTIVE")]}),
                    ("dc2", {"n2": [snapshot(NOW - HOUR, NOW - 30 * MINUTE), snapshot(NOW - 3 * MINUTE, None, "ACTIVE")]}))
    assert _coverage.cluster_wide_backup_starts(every) == {"n1": NOW - 5 * MINUTE, "n2": NOW - 3 * MINUTE}
    assert _coverage.cluster_wide_backup_starts(cluster()) is None


def test_nodes_without_snapshot_since():
    backups = cluster(("dc1", {"n1": [snapshot(NOW - 2 * HOUR, NOW - HOUR)],
                               "n2": [snapshot(NOW - 5 * HOUR, NOW - 4 * HOUR), commit_log(NOW - 10 * MINUTE, NOW - 5 * MINUTE)],
                               "n3": []}))
    assert _coverage.nodes_without_snapshot_since(backups, NOW - 3 * HOUR) == ["n2", "n3"]
    assert _coverage.nodes_without_snapshot_since(backups, NOW - 5 * HOUR) == ["n3"]


def test_backup_round_after_a_trigger_follows_events_started_at_or_after_it():
    trigger = NOW - 10 * MINUTE
    since = trigger - _coverage.TRIGGER_SKEW_MS
    backups = cluster(("dc1", {
        "n1": [snapshot(NOW - DAY, NOW - DAY + HOUR), snapshot(trigger - 2000, None, "ACTIVE", 0.4)],  # within skew
        "n2": [snapshot(NOW - 3 * HOUR, None, "ACTIVE", 0.9)],  # older backup still running: not ours
    }))
    round_ = _coverage.BackupRound.started_since(backups, since)
    assert round_.state == "ACTIVE"
    assert round_.describe() == "n1: ACTIVE 40%, n2: not started"
    backups["data_centres"][0]["nodes"][0]["events"][1].update(state="COMPLETED", progress=1.0, end=trigger + 5 * MINUTE)
    backups["data_centres"][0]["nodes"][1]["events"].append(snapshot(trigger + 1000, trigger + 8 * MINUTE))
    round_ = _coverage.BackupRound.started_since(backups, since)
    assert round_.state == "COMPLETED"
    result = round_.as_result()
    assert result["started_at_ms"] == trigger - 2000
    assert result["completed_at_ms"] == trigger + 8 * MINUTE
    assert result["completed_at"] == iso_utc(trigger + 8 * MINUTE)
    assert result["duration_seconds"] == (8 * MINUTE + 2000) / 1000.0
    assert [node["id"] for node in result["nodes"]] == ["n1", "n2"]
    assert result["nodes"][1]["event"]["start"] == trigger + 1000


def test_backup_round_failed_names_the_failed_nodes_and_has_no_completion_time():
    backups = cluster(("dc1", {"n1": [snapshot(NOW, NOW + MINUTE)], "n2": [snapshot(NOW, NOW + MINUTE, "FAILED", 0.2)]}))
    round_ = _coverage.BackupRound.started_since(backups, NOW)
    assert round_.state == "FAILED"
    assert round_.failed_nodes == ["n2"]
    assert round_.as_result()["completed_at"] is None
    assert round_.as_result()["duration_seconds"] is None


def test_backup_round_following_someone_elses_backup_keeps_only_nodes_with_an_event():
    backups = cluster(("dc1", {"n1": [snapshot(NOW, None, "ACTIVE")], "n2": [snapshot(NOW - DAY, NOW - DAY + HOUR)]}))
    round_ = _coverage.BackupRound.started_since(backups, NOW - _coverage.TRIGGER_SKEW_MS, every_node=False)
    assert [node_id for _dc, node_id, _event in round_.nodes] == ["n1"]
    assert round_.state == "ACTIVE"
    empty = _coverage.BackupRound.started_since(backups, NOW + DAY, every_node=False)
    assert empty.state == "PENDING" and empty.describe() == "no nodes"


def test_backup_round_latest_completed_is_the_reused_backup():
    backups = cluster(("dc1", {"n1": [snapshot(NOW - 5 * HOUR, NOW - 4 * HOUR), snapshot(NOW - 2 * HOUR, NOW - HOUR),
                                      snapshot(NOW - 10 * MINUTE, None, "ACTIVE")],
                               "n2": [snapshot(NOW - 3 * HOUR, NOW - 150 * MINUTE)]}))
    result = _coverage.BackupRound.latest_completed(backups).as_result()
    assert result["state"] == "COMPLETED"
    assert result["started_at_ms"] == NOW - 3 * HOUR
    assert result["completed_at_ms"] == NOW - HOUR
    # The span of exactly these two staggered snapshots, not how long a backup took: each node says that.
    assert result["duration_seconds"] == 2 * 3600.0
    assert [node["duration_seconds"] for node in result["nodes"]] == [3600.0, 1800.0]
    assert result["reused"] is False  # the module says whether it reused it
    assert _coverage.BackupRound.latest_completed(backups).as_result(reused=True)["reused"] is True


def test_backup_round_per_node_duration_is_its_snapshots_start_to_end_and_null_while_running():
    backups = cluster(("dc1", {"n1": [snapshot(NOW, NOW + 10 * MINUTE)], "n2": [snapshot(NOW + 2000, None, "ACTIVE", 0.5)]}),
                      ("dc2", {"n3": []}))
    result = _coverage.BackupRound.started_since(backups, NOW).as_result()
    assert [(node["id"], node["duration_seconds"]) for node in result["nodes"]] == [("n1", 600.0), ("n2", None), ("n3", None)]
    assert result["duration_seconds"] is None


def test_summary_of_200000_events_is_one_pass_and_fast():
    """100 nodes x 7 days of 5-minute commit logs plus 3-hourly snapshots: well under a second or two."""
    nodes = {}
    for index in range(100):
        events = [commit_log(NOW - 7 * DAY + step * 5 * MINUTE, NOW - 7 * DAY + step * 5 * MINUTE + MINUTE)
                  for step in range(2000)]
        events += [snapshot(NOW - 7 * DAY + step * 3 * HOUR, NOW - 7 * DAY + step * 3 * HOUR + 20 * MINUTE) for step in range(56)]
        nodes["n%03d" % index] = events
    backups = cluster(("dc1", nodes))
    started = time.perf_counter()
    summary = summarize(backups)
    elapsed = time.perf_counter() - started
    assert summary["restorable_from_ms"] == NOW - 7 * DAY + 20 * MINUTE
    assert summary["restorable_until_ms"] == NOW - 7 * DAY + 1999 * 5 * MINUTE + MINUTE
    assert elapsed < 2.0, "summary of 205,600 events took %.2f s" % elapsed


# ---- malformed payloads: shapes and summaries never crash ----

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from ansible_collections.restorekit.instaclustr.plugins.module_utils import _shapes  # noqa: E402

JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(min_value=-10 ** 20, max_value=10 ** 20),
                         st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=5),
                         st.sampled_from(["snapshot-upload", "commitlog-upload", "ACTIVE", "COMPLETED", "FAILED"]))
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)),
    max_leaves=10)
EVENTS = st.fixed_dictionaries({}, optional={"type": JSON_VALUES, "state": JSON_VALUES, "progress": JSON_VALUES,
                                             "start": st.one_of(st.integers(min_value=-10 ** 16, max_value=10 ** 16), JSON_VALUES),
                                             "end": st.one_of(st.integers(min_value=0, max_value=NOW), JSON_VALUES)})
NODES = st.fixed_dictionaries({}, optional={"id": JSON_VALUES, "events": st.one_of(st.lists(EVENTS, max_size=6), JSON_VALUES)})
PAYLOADS = st.one_of(JSON_VALUES, st.fixed_dictionaries({}, optional={
    "id": JSON_VALUES, "name": JSON_VALUES,
    "clusterDataCentres": st.one_of(JSON_VALUES, st.lists(st.fixed_dictionaries({}, optional={
        "id": JSON_VALUES, "nodes": st.one_of(JSON_VALUES, st.lists(NODES, max_size=3))}), max_size=3))}))


@settings(max_examples=300, deadline=None)
@given(payload=PAYLOADS, types=st.one_of(st.none(), st.lists(st.text(max_size=3), max_size=2)))
def test_any_json_body_gives_a_summary_or_a_payload_error(payload, types):
    try:
        backups = _shapes.backup_events(payload)
    except _shapes.PayloadError:
        assert not isinstance(payload, dict)
        return
    summary = _coverage.summarize(backups, NOW, max_age_seconds=3600)
    assert isinstance(summary["fresh"], bool)
    _coverage.select_events(backups, types=types, states=["ACTIVE"], since_ms=0, until_ms=NOW)
    _coverage.topology_at(backups, NOW)
    round_ = _coverage.BackupRound.started_since(backups, 0)
    round_.describe()
    round_.as_result()
    _coverage.BackupRound.latest_completed(backups).as_result()


# ---- applications whose restorable instants the API does not establish (issue 11) ----

PG_TYPES = ("postgresql-backup", "snapshot-upload")


def pg_backup(start, end=None, state="COMPLETED"):
    return event("postgresql-backup", state, start, end)


def test_without_known_rules_the_range_is_null_and_the_latest_backup_per_node_is_what_is_proven():
    backups = cluster(("dc1", {
        "n1": [pg_backup(NOW - 30 * HOUR, NOW - 29 * HOUR), pg_backup(NOW - 6 * HOUR, NOW - 5 * HOUR),
               commit_log(NOW - 10 * MINUTE, NOW - 5 * MINUTE)],  # not PostgreSQL's: Cassandra's rule is not applied
        "n2": [snapshot(NOW - 8 * HOUR, NOW - 7 * HOUR), event("wal-archive", "COMPLETED", NOW - HOUR, NOW - 50 * MINUTE)],
    }))
    summary = _coverage.summarize(backups, NOW, 6 * 3600, backup_types=PG_TYPES, restorable_range_known=False)
    assert summary["restorable_range_known"] is False and summary["backup_event_types"] == list(PG_TYPES)
    assert summary["restorable_from"] is None and summary["restorable_until"] is None and summary["snapshot_restorable_until"] is None
    assert [node["restorable_until"] for node in summary["nodes"]] == [None, None]
    assert summary["last_backup_completed_at_ms"] == NOW - 7 * HOUR  # every node has one ending at or after it
    assert summary["last_backup_age_seconds"] == 7 * 3600 and summary["fresh"] is False
    assert [node["latest_snapshot_completed_at_ms"] for node in summary["nodes"]] == [NOW - 5 * HOUR, NOW - 7 * HOUR]
    assert summary["unknown_event_types"] == ["wal-archive"] and summary["nodes_without_backup"] == []


def test_a_node_without_a_backup_of_a_known_type_leaves_nothing_proven():
    backups = cluster(("dc1", {"n1": [pg_backup(NOW - 6 * HOUR, NOW - 5 * HOUR)],
                               "n2": [event("mystery", "COMPLETED", NOW - HOUR, NOW - 50 * MINUTE)]}))
    summary = _coverage.summarize(backups, NOW, 3600, backup_types=PG_TYPES, restorable_range_known=False)
    assert summary["nodes_without_backup"] == ["n2"] and summary["last_backup_completed_at"] is None
    assert summary["last_backup_age_seconds"] is None and summary["fresh"] is False


def test_cassandra_ignores_postgresql_backups_and_keeps_its_model():
    backups = cluster(("dc1", {"n1": [pg_backup(NOW - 6 * HOUR, NOW - 5 * HOUR)]}))
    summary = summarize(backups)
    assert summary["restorable_range_known"] is True and summary["nodes_without_backup"] == ["n1"]
    assert summary["unknown_event_types"] == []  # known, just not a Cassandra backup


def test_a_backup_round_follows_the_applications_event_type():
    backups = cluster(("dc1", {"n1": [pg_backup(NOW, None, "ACTIVE")], "n2": [pg_backup(NOW + 1000, NOW + 5000)]}))
    running = cluster(("dc1", {"n1": [pg_backup(NOW, None, "ACTIVE")], "n2": [pg_backup(NOW + 1000, None, "ACTIVE")]}))
    assert _coverage.cluster_wide_backup_starts(running) is None
    assert _coverage.cluster_wide_backup_starts(running, PG_TYPES) == {"n1": NOW, "n2": NOW + 1000}
    assert _coverage.BackupRound.started_since(backups, NOW - 1, types=PG_TYPES).state == "ACTIVE"
    assert _coverage.BackupRound.started_since(backups, NOW - 1).state == "PENDING"
    assert _coverage.nodes_without_snapshot_since(backups, NOW - HOUR, PG_TYPES) == ["n1"]
