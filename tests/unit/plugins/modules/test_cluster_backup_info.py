"""cluster_backup_info main() runs against the fake API."""

import json

import pytest

from ansible_collections.restorekit.instaclustr.plugins.modules import cluster_backup_info

MINUTE = 60_000
HOUR = 60 * MINUTE


def run(run_module, module_args, **options):
    return run_module(cluster_backup_info.main, module_args(**options))


def first_node(fake_api):
    return fake_api.NODES[fake_api.DC1][0]


def test_returns_cluster_nodes_events_and_a_summary_never_changed(run_module, module_args, fake_api):
    code, result = run(run_module, module_args, cluster_id=fake_api.SOURCE_ID)
    assert code == 0 and result["changed"] is False
    assert result["cluster"] == {"id": fake_api.SOURCE_ID, "name": "orders-prod"}
    node = result["data_centres"][0]["nodes"][0]
    assert node["id"] == first_node(fake_api) and node["public_address"] == "3.4.5.0" and node["private_address"] == "10.2.0.0"
    assert [event["type"] for event in node["events"]] == ["snapshot-upload", "snapshot-upload"]
    summary = result["summary"]
    server_now = fake_api.now_ms  # the Date of the one answer
    assert 0 <= result["checked_at_ms"] - server_now < 1000 and result["checked_at"].startswith("2026-11-20T10:00:10")
    assert summary["restorable_until_ms"] == 1_795_168_800_000 - 25 * HOUR
    assert summary["restorable_until"] == "2026-11-19T09:00:00.000Z"
    assert summary["last_backup_age_seconds"] == pytest.approx((server_now - summary["restorable_until_ms"]) / 1000.0, abs=1)
    assert fake_api.mutations() == []


def test_commit_logs_are_hidden_by_default_but_counted_in_the_summary(run_module, module_args, fake_api):
    node_id = first_node(fake_api)
    for other in [n for ids in fake_api.NODES.values() for n in ids]:
        fake_api.add_event(fake_api.SOURCE_ID, other, "commitlog-upload", fake_api.now_ms - 20 * MINUTE, fake_api.now_ms - 15 * MINUTE)
    fake_api.add_event(fake_api.SOURCE_ID, node_id, "commitlog-upload", fake_api.now_ms - 5 * MINUTE, None)
    _code, result = run(run_module, module_args, cluster_id=fake_api.SOURCE_ID)
    shown_types = {event["type"] for event in result["data_centres"][0]["nodes"][0]["events"]}
    assert "commitlog-upload" not in shown_types
    assert result["summary"]["restorable_until_ms"] == fake_api.now_ms - fake_api.tick_ms - 15 * MINUTE
    assert result["summary"]["snapshot_restorable_until_ms"] == 1_795_168_800_000 - 25 * HOUR
    assert result["summary"]["active_nodes"] == []  # an ACTIVE commit log is not a running backup

    _code, result = run(run_module, module_args, cluster_id=fake_api.SOURCE_ID, event_types=["commitlog-upload"], states=["ACTIVE"])
    events = result["data_centres"][0]["nodes"][0]["events"]
    assert [(event["type"], event["state"], event["end"]) for event in events] == [("commitlog-upload", "ACTIVE", None)]


def test_since_until_and_include_events(run_module, module_args, fake_api):
    _code, result = run(run_module, module_args, cluster_id=fake_api.SOURCE_ID, since="2026-11-19T00:00:00Z")
    assert len(result["data_centres"][0]["nodes"][0]["events"]) == 1
    _code, result = run(run_module, module_args, cluster_id=fake_api.SOURCE_ID, until=1_795_168_800_000 - 2 * 24 * HOUR)
    assert len(result["data_centres"][0]["nodes"][0]["events"]) == 1
    _code, result = run(run_module, module_args, cluster_id=fake_api.SOURCE_ID, include_events=False)
    assert "events" not in result["data_centres"][0]["nodes"][0]
    assert result["summary"]["restorable_until"] == "2026-11-19T09:00:00.000Z"


def test_unknown_types_and_extra_fields_pass_through(run_module, module_args, fake_api):
    start = fake_api.now_ms
    fake_api.events[fake_api.SOURCE_ID][first_node(fake_api)].append(
        {"type": "hologram-upload", "state": "SHIMMERING", "progress": 0.2, "start": start, "end": None, "shardCount": 3})
    code, result = run(run_module, module_args, cluster_id=fake_api.SOURCE_ID)
    assert code == 0
    assert result["data_centres"][0]["nodes"][0]["events"][-1] == {
        "type": "hologram-upload", "state": "SHIMMERING", "progress": 0.2, "start": start, "end": None, "shard_count": 3}
    assert result["summary"]["active_nodes"] == []  # SHIMMERING is not ACTIVE


@pytest.mark.parametrize("max_age, fresh", [("26h", True), (25 * 3600 - 60, False), ("1d", False)])
def test_max_age_sets_fresh(run_module, module_args, fake_api, max_age, fresh):
    code, result = run(run_module, module_args, cluster_id=fake_api.SOURCE_ID, max_age=max_age)
    assert code == 0
    assert result["summary"]["fresh"] is fresh


def test_fail_if_stale_fails_with_the_age_and_still_returns_the_summary(run_module, module_args, fake_api):
    code, result = run(run_module, module_args, cluster_id=fake_api.SOURCE_ID, max_age="1h", fail_if_stale=True)
    assert code == 1 and result["failed"] is True
    assert "backups of cluster %s are stale" % fake_api.SOURCE_ID in result["msg"]
    assert "more than max_age (3600 s)" in result["msg"]
    assert result["summary"]["fresh"] is False


def test_fail_if_stale_on_a_cluster_without_backups(run_module, module_args, fake_api):
    code, result = run(run_module, module_args, cluster_id=fake_api.NOBACKUP_ID, max_age=60, fail_if_stale=True)
    assert code == 1
    assert "no instant is restorable" in result["msg"]
    assert result["summary"]["nodes_without_backup"] == ["44444444-0000-4000-8000-000000000001"]


def test_fail_if_stale_requires_max_age(run_module, module_args, fake_api):
    code, result = run(run_module, module_args, cluster_id=fake_api.SOURCE_ID, fail_if_stale=True)
    assert code == 1 and "max_age" in result["msg"]
    assert fake_api.requests == []


@pytest.mark.parametrize("options, option", [
    ({"cluster_id": "not-a-uuid"}, "cluster_id"),
    ({"since": "yesterday"}, "since"),
    ({"until": "2026-13-40T10:00:00Z"}, "until"),
    ({"max_age": "3 weeks"}, "max_age"),
    ({"since": "2026-11-20T10:00:00Z", "until": "2026-11-19T10:00:00Z"}, "until"),
])
def test_bad_options_fail_naming_the_option_before_any_request(run_module, module_args, fake_api, options, option):
    args = {"cluster_id": fake_api.SOURCE_ID}
    args.update(options)
    code, result = run(run_module, module_args, **args)
    assert code == 1 and result["msg"].startswith(option + ":")
    assert fake_api.requests == []


def test_unknown_cluster_fails_with_404_and_hint(run_module, module_args, fake_api):
    code, result = run(run_module, module_args, cluster_id="99999999-0000-4000-8000-000000000000")
    assert code == 1
    assert result["msg"] == ("list backups failed: HTTP 404: Cluster not found "
                             "(hint: check the cluster id: it is unknown to this account)")


def test_check_mode_reads_like_a_normal_run(run_module, module_args, fake_api):
    code, result = run(run_module, module_args, cluster_id=fake_api.SOURCE_ID, _ansible_check_mode=True)
    assert code == 0 and result["summary"]["restorable_until"] == "2026-11-19T09:00:00.000Z"


def test_200000_events_give_a_small_result_with_default_options(run_module, module_args, fake_api):
    """100 nodes x 7 days of 5-minute commit logs: commit logs are filtered out, the result stays well under 2 MB."""
    nodes = {fake_api.DC1: ["77777777-0000-4000-8000-%012d" % index for index in range(100)]}
    cluster_id = "88888888-0000-4000-8000-000000000000"
    fake_api.add_cluster(cluster_id, "large", nodes)
    start = fake_api.now_ms - 7 * 24 * HOUR
    for node_id in nodes[fake_api.DC1]:
        events = fake_api.events[cluster_id][node_id]
        events.extend({"type": "commitlog-upload", "state": "COMPLETED", "progress": 1.0, "start": start + step * 5 * MINUTE,
                       "end": start + step * 5 * MINUTE + MINUTE} for step in range(2000))
        events.extend({"type": "snapshot-upload", "state": "COMPLETED", "progress": 1.0, "start": start + step * 3 * HOUR,
                       "end": start + step * 3 * HOUR + 20 * MINUTE} for step in range(56))
    code, result = run(run_module, module_args, cluster_id=cluster_id)
    assert code == 0
    assert len(json.dumps(result)) < 2_000_000
    assert sum(len(node["events"]) for node in result["data_centres"][0]["nodes"]) == 5600
    assert result["summary"]["restorable_until_ms"] == start + 1999 * 5 * MINUTE + MINUTE


def test_since_without_a_zone_is_refused_before_any_request(run_module, module_args, fake_api):
    code, result = run_module(cluster_backup_info.main, module_args(cluster_id=fake_api.SOURCE_ID, since="2026-11-19 10:00:00"))
    assert code == 1
    assert result["msg"].startswith("since: '2026-11-19 10:00:00' has no time zone") and "2026-11-19T10:00:00Z" in result["msg"]
    assert fake_api.requests == []
