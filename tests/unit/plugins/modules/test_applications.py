"""Every module with ``application`` (issue 11) against the fake API: each application's own wire,
what each application does not take or offer refused before anything is sent, and a cluster of
another application named instead of a bare 404."""

import json

import pytest

from ansible_collections.restorekit.instaclustr.plugins.modules import cluster_backup, cluster_backup_info, cluster_info, cluster_restore

from tests.unit.plugins.modules.conftest import APP_PATHS, DAY, HOUR, NOW_MS, OS_ID, PG_ID, REDIS_ID

V2 = "/cluster-management/v2"
ACCOUNT_LIST = V2 + "/data-sources/clusters/v2"
CLUSTER_OF = {"postgresql": PG_ID, "opensearch": OS_ID, "redis": REDIS_ID}
MODULES = {"cluster_info": cluster_info, "cluster_backup_info": cluster_backup_info, "cluster_backup": cluster_backup,
           "cluster_restore": cluster_restore}


def path(application, operation, cluster_id=None):
    return APP_PATHS[application][operation].replace("{id}", cluster_id or "")


@pytest.fixture(autouse=True)
def module_side_warnings(monkeypatch):
    """Warnings go into the module result, as on a target host, even after another test imported controller code
    (ansible-core 2.19 sends a controller-side warn() to the display instead)."""
    try:
        from ansible.module_utils import _internal
    except ImportError:  # ansible-core < 2.19
        return
    monkeypatch.setattr(_internal, "is_controller", False, raising=False)


@pytest.fixture
def apps(fake_api):
    fake_api.add_application_clusters()
    return fake_api


def app_args(module_args, application, **options):
    return module_args(api_version="v2", application=application, **options)


def warned(result, words):
    """Whether a warning contains ``words`` (plain strings before ansible-core 2.19, structured since)."""
    texts = [item if isinstance(item, str) else json.dumps(item) for item in result.get("warnings") or ()]
    return any(words in text for text in texts)


def sent(fake_api, methods=("GET", "POST", "DELETE")):
    return [(method, url) for method, url, _body in fake_api.requests if method in methods]


# ---- v1 takes Cassandra only ----

@pytest.mark.parametrize("module", sorted(MODULES))
@pytest.mark.parametrize("application", ["postgresql", "opensearch", "redis"])
def test_v1_with_another_application_fails_naming_both_options_before_any_request(run_module, module_args, apps, module, application):
    args = module_args(application=application, cluster_id=CLUSTER_OF[application], name="x-restore", wait=False)
    if module == "cluster_info":
        args.pop("name"), args.pop("wait")
    elif module in ("cluster_backup_info",):
        args.pop("name"), args.pop("wait")
    elif module == "cluster_backup":
        args.pop("name")
    code, result = run_module(MODULES[module].main, args)
    assert code == 1 and "application" in result["msg"] and "api_version" in result["msg"] and application in result["msg"]
    assert apps.requests == []


def test_application_cassandra_on_v1_is_the_default_behaviour(run_module, module_args, apps):
    code, result = run_module(cluster_info.main, module_args(application="cassandra", cluster_id=apps.SOURCE_ID))
    assert code == 0 and result["clusters"][0]["name"] == "orders-prod"


# ---- cluster_info ----

@pytest.mark.parametrize("application", ["postgresql", "opensearch", "redis"])
def test_cluster_info_reads_each_application_on_its_own_path(run_module, module_args, apps, application):
    cluster_id = CLUSTER_OF[application]
    code, result = run_module(cluster_info.main, app_args(module_args, application, cluster_id=cluster_id))
    assert code == 0, result
    assert [cluster["id"] for cluster in result["clusters"]] == [cluster_id]
    assert sent(apps) == [("GET", path(application, "cluster", cluster_id))]
    assert apps.PASSWORD not in json.dumps(result)


def test_cluster_info_lists_the_clusters_of_the_chosen_application_only(run_module, module_args, apps):
    code, result = run_module(cluster_info.main, app_args(module_args, "postgresql"))
    assert code == 0, result
    assert [cluster["name"] for cluster in result["clusters"]] == ["payments-pg"]
    assert sorted(sent(apps)) == sorted([("GET", ACCOUNT_LIST), ("GET", path("postgresql", "cluster", PG_ID))])


@pytest.mark.parametrize("application, cluster_id, other", [("cassandra", PG_ID, "postgresql"), ("postgresql", OS_ID, "opensearch"),
                                                            ("redis", "77b5a4e1-c422-4a78-b551-d8fa5c42ad95", "cassandra")])
def test_cluster_info_on_a_cluster_of_another_application_says_which_and_what_to_set(run_module, module_args, apps,
                                                                                     application, cluster_id, other):
    code, result = run_module(cluster_info.main, app_args(module_args, application, cluster_id=cluster_id))
    assert code == 1
    assert result["msg"].startswith("cluster_id: ") and "is a %s cluster" % other in result["msg"]
    assert "set application: %s" % other in result["msg"]
    # one extra GET, the account list, and only on the 404 path (after one try of the operator client's
    # spelling of the path, where it has another)
    document = path(application, "cluster", cluster_id)
    other = [("GET", document.rstrip("/"))] if document.endswith("/") else []
    assert sent(apps) == [("GET", document)] + other + [("GET", ACCOUNT_LIST)]


def test_cluster_info_on_an_unknown_id_still_answers_empty_after_one_account_list(run_module, module_args, apps):
    code, result = run_module(cluster_info.main, app_args(module_args, "postgresql", cluster_id="12345678-0000-4000-8000-000000000000"))
    assert code == 0 and result["clusters"] == []


# ---- cluster_backup_info ----

@pytest.mark.parametrize("application", ["postgresql", "opensearch"])
def test_backup_info_reports_what_the_events_prove_without_cassandras_rules(run_module, module_args, apps, application):
    cluster_id = CLUSTER_OF[application]
    code, result = run_module(cluster_backup_info.main, app_args(module_args, application, cluster_id=cluster_id, max_age="7h"))
    assert code == 0, result
    assert sent(apps) == [("GET", path(application, "list_backups", cluster_id))]
    summary = result["summary"]
    assert summary["restorable_range_known"] is False and summary["restorable_until"] is None
    assert summary["nodes_without_backup"] == [] and summary["fresh"] is True
    assert summary["last_backup_completed_at_ms"] == NOW_MS - 6 * HOUR + 10 * 60_000
    assert summary["unknown_event_types"] == (["opensearch-mystery"] if application == "opensearch" else [])
    events = [event["type"] for dc in result["data_centres"] for node in dc["nodes"] for event in node["events"]]
    assert set(events) == ({"snapshot-upload", "opensearch-mystery"} if application == "opensearch" else {"postgresql-backup"})


def test_backup_info_stale_gate_on_postgresql_uses_the_latest_backup(run_module, module_args, apps):
    code, result = run_module(cluster_backup_info.main, app_args(module_args, "postgresql", cluster_id=PG_ID, max_age="1h",
                                                                 fail_if_stale=True))
    assert code == 1 and "stale" in result["msg"] and "latest completed backups" in result["msg"]


def test_backup_info_on_redis_fails_saying_the_api_lists_no_backups_without_a_request(run_module, module_args, apps):
    code, result = run_module(cluster_backup_info.main, app_args(module_args, "redis", cluster_id=REDIS_ID))
    assert code == 1 and "no backup listing for redis" in result["msg"]
    assert apps.requests == []


def test_backup_info_on_a_cluster_of_another_application_names_it(run_module, module_args, apps):
    code, result = run_module(cluster_backup_info.main, app_args(module_args, "opensearch", cluster_id=PG_ID))
    assert code == 1 and "set application: postgresql" in result["msg"]


# ---- cluster_backup ----

@pytest.mark.parametrize("application", ["postgresql", "opensearch"])
def test_backup_triggers_on_the_applications_path_and_follows_its_event_type(run_module, module_args, apps, application):
    cluster_id = CLUSTER_OF[application]
    code, result = run_module(cluster_backup.main, app_args(module_args, application, cluster_id=cluster_id, wait_sleep=60))
    assert code == 0, result
    assert result["triggered"] is True and result["backup"]["state"] == "COMPLETED"
    expected_type = "postgresql-backup" if application == "postgresql" else "snapshot-upload"
    assert {node["event"]["type"] for node in result["backup"]["nodes"]} == {expected_type}
    assert sent(apps, ("POST", "DELETE")) == [("POST", path(application, "trigger_backup", cluster_id))]


def test_backup_reuse_on_postgresql_counts_postgresql_backups(run_module, module_args, apps):
    code, result = run_module(cluster_backup.main, app_args(module_args, "postgresql", cluster_id=PG_ID, reuse_within="7h"))
    assert code == 0, result
    assert result["triggered"] is False and result["backup"]["state"] == "COMPLETED"
    assert sent(apps, ("POST",)) == []


def test_backup_on_redis_with_wait_fails_before_sending_anything(run_module, module_args, apps):
    code, result = run_module(cluster_backup.main, app_args(module_args, "redis", cluster_id=REDIS_ID))
    assert code == 1 and result["msg"].startswith("wait: ") and "redis" in result["msg"] and "wait: false" in result["msg"]
    assert apps.requests == []


def test_backup_on_redis_without_wait_triggers_once_and_warns(run_module, module_args, apps):
    code, result = run_module(cluster_backup.main, app_args(module_args, "redis", cluster_id=REDIS_ID, wait=False))
    assert code == 0, result
    assert result["triggered"] is True and result["changed"] is True and result["backup"]["state"] == "UNKNOWN"
    assert warned(result, "cannot be followed")
    assert sent(apps) == [("POST", path("redis", "trigger_backup", REDIS_ID))]


def test_backup_on_redis_never_reuses(run_module, module_args, apps):
    code, result = run_module(cluster_backup.main, app_args(module_args, "redis", cluster_id=REDIS_ID, wait=False, reuse_within="1d"))
    assert code == 1 and result["msg"].startswith("reuse_within: ") and "redis" in result["msg"]
    assert apps.requests == []


def test_backup_on_redis_in_check_mode_would_trigger_and_sends_nothing(run_module, module_args, apps):
    args = app_args(module_args, "redis", cluster_id=REDIS_ID, wait=False, _ansible_check_mode=True)
    code, result = run_module(cluster_backup.main, args)
    assert code == 0 and result["triggered"] is True and apps.requests == []


def test_backup_on_redis_with_an_ambiguous_trigger_is_not_sent_again(run_module, module_args, apps):
    apps.fault("POST", "/trigger-backup/v2/", status=502, after=True)
    code, result = run_module(cluster_backup.main, app_args(module_args, "redis", cluster_id=REDIS_ID, wait=False))
    assert code == 1 and "outcome unknown" in result["msg"] and result["triggered"] is None
    assert len(sent(apps, ("POST",))) == 1


def test_backup_of_a_cluster_of_another_application_names_it(run_module, module_args, apps):
    code, result = run_module(cluster_backup.main, app_args(module_args, "redis", cluster_id=PG_ID, wait=False))
    assert code == 1 and "is a postgresql cluster" in result["msg"] and "set application: postgresql" in result["msg"]


# ---- cluster_restore ----

POINT_IN_TIME = "2026-11-20T00:00:00Z"


@pytest.mark.parametrize("application, extra, body_extra", [
    ("postgresql", {"point_in_time": POINT_IN_TIME}, {"pointInTime": "1795132800000"}),
    ("opensearch", {"index_names": ["orders", "logs-*"]}, {"indexNames": "orders,logs-*"}),
    ("redis", {}, {}),
])
def test_restore_posts_each_applications_body_to_its_path(run_module, module_args, apps, application, extra, body_extra):
    cluster_id = CLUSTER_OF[application]
    apps.restore_duration_ms = 5 * 60_000
    args = app_args(module_args, application, cluster_id=cluster_id, name="%s-restore" % application, wait_sleep=60, **extra)
    code, result = run_module(cluster_restore.main, args)
    assert code == 0, result
    body = dict({"clusterId": cluster_id, "restoredClusterName": "%s-restore" % application}, **body_extra)
    assert result["request"]["body"] == body and result["created"] is True and result["cluster"]["status"] == "RUNNING"
    posts = [(url, json.loads(raw)) for method, url, raw in apps.requests if method == "POST"]
    assert posts == [(path(application, "restore"), body)]
    assert apps.application(result["restored_cluster_id"]) == application
    listings = [url for method, url in sent(apps, ("GET",)) if "list-backups" in url]
    assert listings == ([] if application == "redis" else [path(application, "list_backups", cluster_id)])
    if application == "redis":
        assert warned(result, "validate_backups: skipped")


@pytest.mark.parametrize("application, option, value", [
    ("postgresql", "keyspace_tables", ["orders.by_id"]), ("postgresql", "cluster_network", "10.12.0.0/16"),
    ("postgresql", "index_names", ["orders"]), ("opensearch", "keyspace_tables", ["orders.by_id"]),
    ("opensearch", "cluster_network", "10.12.0.0/16"), ("redis", "index_names", ["orders"]),
    ("redis", "point_in_time", POINT_IN_TIME), ("cassandra", "index_names", ["orders"]),
])
def test_restore_option_the_application_does_not_take_fails_naming_both_and_sends_nothing(run_module, module_args, apps,
                                                                                          application, option, value):
    cluster_id = CLUSTER_OF.get(application, apps.SOURCE_ID)
    args = app_args(module_args, application, cluster_id=cluster_id, name="bad-restore", **{option: value})
    code, result = run_module(cluster_restore.main, args)
    assert code == 1 and result["msg"].startswith(option + ": ") and application in result["msg"], result["msg"]
    assert apps.requests == []


def test_restore_on_v1_refuses_index_names(run_module, module_args, apps):
    code, result = run_module(cluster_restore.main, module_args(cluster_id=apps.SOURCE_ID, name="bad-restore", index_names=["a"]))
    assert code == 1 and result["msg"].startswith("index_names: ") and apps.requests == []


@pytest.mark.parametrize("names", [["Orders"], ["_hidden"], ["a,b"], ["ok", "ok"], ["with space"]])
def test_restore_refuses_index_names_opensearch_would_not_know(run_module, module_args, apps, names):
    args = app_args(module_args, "opensearch", cluster_id=OS_ID, name="bad-restore", index_names=names)
    code, result = run_module(cluster_restore.main, args)
    assert code == 1 and result["msg"].startswith("index_names") and apps.requests == []


def test_restore_validate_backups_on_postgresql_warns_but_refuses_nothing_it_cannot_prove(run_module, module_args, apps):
    point = NOW_MS - 3 * DAY  # before every listed backup: older ones may exist beyond the 7-day window
    args = app_args(module_args, "postgresql", cluster_id=PG_ID, name="pg-early", point_in_time=point, wait=False)
    code, result = run_module(cluster_restore.main, args)
    assert code == 0, result
    assert warned(result, "before the first completed backup listed")


def test_restore_from_a_cluster_of_another_application_names_it_before_any_post(run_module, module_args, apps):
    code, result = run_module(cluster_restore.main, app_args(module_args, "cassandra", cluster_id=PG_ID, name="wrong-app"))
    assert code == 1 and result["msg"].startswith("cluster_id: ") and "set application: postgresql" in result["msg"]
    assert sent(apps, ("POST", "DELETE")) == []


def test_delete_of_a_restored_cluster_of_another_application_is_not_called_gone(run_module, module_args, apps):
    args = app_args(module_args, "cassandra", state="absent", restored_cluster_id=PG_ID, cluster_id=apps.SOURCE_ID)
    code, result = run_module(cluster_restore.main, args)
    assert code == 1 and result["msg"].startswith("restored_cluster_id: ") and "set application: postgresql" in result["msg"]
    assert sent(apps, ("DELETE",)) == []


def test_delete_of_a_restored_postgresql_cluster_uses_its_path(run_module, module_args, apps):
    code, made = run_module(cluster_restore.main, app_args(module_args, "postgresql", cluster_id=PG_ID, name="pg-gone", wait=False))
    assert code == 0, made
    args = app_args(module_args, "postgresql", state="absent", restored_cluster_id=made["restored_cluster_id"], name="pg-gone",
                    wait_sleep=60)
    code, result = run_module(cluster_restore.main, args)
    assert code == 0 and result["changed"] is True, result
    assert sent(apps, ("DELETE",)) == [("DELETE", path("postgresql", "cluster", made["restored_cluster_id"]))]
