"""Unit tests of the inventory plugin ``restorekit.instaclustr.clusters`` and of plugin_utils/inventory_clusters.py.

The API is mocked with ``responses``; nothing touches the network and retries sleep on a fake clock.
"""

import ast
import json
from pathlib import Path

import pytest
import responses
import yaml
from ansible.errors import AnsibleParserError
from ansible.inventory.data import InventoryData
from ansible.parsing.dataloader import DataLoader

try:
    from ansible.template import trust_as_template
except ImportError:  # ansible-core < 2.19 has no template trust
    def trust_as_template(value):
        return value

from ansible_collections.restorekit.instaclustr.plugins.inventory import clusters as plugin_module
from ansible_collections.restorekit.instaclustr.plugins.module_utils import _module
from ansible_collections.restorekit.instaclustr.plugins.module_utils._cluster_management_v2 import ACCOUNT_CLUSTERS_PATH, APPLICATIONS
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils import inventory_clusters as ic

ROOT = Path(__file__).resolve().parents[4]
URL = "https://api.example.test"
KEY = "unit-secret-key-8f7e6d"
CASS_A = "11111111-aaaa-4aaa-8aaa-000000000001"
CASS_B = "22222222-bbbb-4bbb-8bbb-000000000002"
PG = "33333333-cccc-4ccc-8ccc-000000000003"
REDIS = "44444444-dddd-4ddd-8ddd-000000000004"
KAFKA = "55555555-eeee-4eee-8eee-000000000005"
LEFTOVER = "66666666-ffff-4fff-8fff-000000000006"


def documentation(path):
    tree = ast.parse(Path(path).read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and node.targets[0].id == "DOCUMENTATION":
            return yaml.safe_load(node.value.value)
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.Assign) and item.targets[0].id == "DOCUMENTATION":
                    return yaml.safe_load(item.value.value)
    raise AssertionError("no DOCUMENTATION in %s" % path)


PLUGIN_DOC = documentation(ROOT / "plugins" / "inventory" / "clusters.py")
FRAGMENT_DOC = documentation(ROOT / "plugins" / "doc_fragments" / "api_plugin.py")
MODULE_FRAGMENT_DOC = documentation(ROOT / "plugins" / "doc_fragments" / "api.py")


def defaults():
    """Every option at its documented default, plus credentials and the URL."""
    options = {name: spec.get("default") for name, spec in FRAGMENT_DOC["options"].items()}
    options.update({name: spec.get("default") for name, spec in PLUGIN_DOC["options"].items()})
    options.update(api_username="unit-user", api_key=KEY, api_url=URL, compose={}, groups={}, keyed_groups=[],
                   strict=False, cache=False, use_extra_vars=False, leading_separator=True)
    return options


# ---------------------------------------------------------------- documentation and options

def test_plugin_fragment_matches_the_module_fragment_and_argument_spec():
    # The modules' `application` picks one application per task; the plugin has its own `applications` list.
    plugin_options = FRAGMENT_DOC["options"]
    module_options = {name: spec for name, spec in MODULE_FRAGMENT_DOC["options"].items() if name != "application"}
    connection_spec = [name for name in _module.API_ARGUMENT_SPEC if name != "application"]
    assert sorted(plugin_options) == sorted(module_options) == sorted(connection_spec)
    for name, spec in module_options.items():
        for key in ("type", "default", "choices"):
            assert plugin_options[name].get(key) == spec.get(key), (name, key)
        fallback = _module.API_ARGUMENT_SPEC[name].get("fallback")
        expected_env = [{"name": variable} for variable in fallback[1]] if fallback else None
        assert plugin_options[name].get("env") == expected_env, name


def test_documented_option_defaults():
    options = PLUGIN_DOC["options"]
    assert options["applications"]["default"] == ["cassandra", "postgresql", "opensearch", "redis"]
    assert options["statuses"]["default"] == ["RUNNING"]
    assert options["exclude_name_prefixes"]["default"] == []  # a name proves nothing: drill restores go by their records
    assert PLUGIN_DOC["extends_documentation_fragment"] == [
        "restorekit.instaclustr.api_plugin", "ansible.builtin.constructed", "ansible.builtin.inventory_cache"]
    assert list(ic.APPLICATIONS) == options["applications"]["default"]


@pytest.mark.parametrize("change, message", [
    ({"api_username": None}, "api_username is not set: set it in the inventory file or in the IC_USERNAME environment variable"),
    ({"api_key": ""}, "api_key is not set: set it in the inventory file or in the IC_API_KEY environment variable"),
    ({"applications": ["cassandra", "kafka"]}, "applications: unknown value 'kafka'"),
    # As the modules' application option: lower case only, and the message gives the spelling to write.
    ({"applications": ["PostgreSQL"]}, "applications: unknown value 'PostgreSQL'; application names are lower case, as the "
                                       "modules' application option takes them: write postgresql"),
    ({"applications": []}, "applications: name at least one of"),
    ({"statuses": ["RUNNING", "ALIVE"]}, "statuses: unknown value 'ALIVE'"),
    ({"exclude_name_prefixes": ["drill", ""]}, "exclude_name_prefixes: must be a list of non-empty strings"),
    ({"api_timeout": 0}, "api_timeout: must be a number greater than 0"),
    ({"api_retries": -1}, "api_retries: must be a number of at least 0"),
    ({"api_rate_limit": -2}, "api_rate_limit: must be a number of at least 0"),
    ({"api_url": "http://api.example.test"}, "api_url: plain http:// would send the API key unencrypted"),
    ({"api_version": "v3"}, "api_version: must be one of v1, v2"),
])
def test_bad_options_name_the_cause(change, message):
    options = dict(defaults(), **change)
    with pytest.raises(ic.InventoryError) as caught:
        ic.check_options(options)
    assert message in str(caught.value)
    assert KEY not in str(caught.value)


def test_option_values_are_normalised():
    options = ic.check_options(dict(defaults(), applications=["redis", "cassandra", "redis"], statuses=["running"],
                                    api_url=URL + "/"))
    assert options["applications"] == ["redis", "cassandra"]
    assert options["statuses"] == ["RUNNING"]
    assert options["api_url"] == URL


# ---------------------------------------------------------------- selection, naming, variables

def record(cluster_id, name, application="cassandra", status="RUNNING"):
    return {"id": cluster_id, "name": name, "application": application, "status": status, "sla_tier": "PRODUCTION",
            "node_count": 3, "data_centres": [{"id": "dc", "name": "AWS_VPC_US_EAST_1", "region": "US_EAST_1"}]}


def test_exclusion_is_prefix_followed_by_a_dash():
    records = [record(CASS_A, "drill-orders-20260101T000000Z-run"), record(CASS_B, "drilling-rig"),
               record(PG, "drill"), record(REDIS, "dr-orders")]
    kept = ic.select_clusters(records, ic.APPLICATIONS, ["RUNNING"], ["drill"])
    assert [r["name"] for r in kept] == ["dr-orders", "drill", "drilling-rig"]
    kept = ic.select_clusters(records, ic.APPLICATIONS, ["RUNNING"], ["drill", "dr"])
    assert [r["name"] for r in kept] == ["drill", "drilling-rig"]
    assert len(ic.select_clusters(records, ic.APPLICATIONS, ["RUNNING"], [])) == 4


def test_selection_by_application_and_status():
    records = [record(CASS_A, "a"), record(CASS_B, "b", status="DELETING"), record(PG, "c", "postgresql"),
               record(REDIS, "d", "redis", status="running")]
    assert [r["name"] for r in ic.select_clusters(records, ["cassandra", "redis"], ["RUNNING"], [])] == ["a", "d"]
    assert [r["name"] for r in ic.select_clusters(records, ["cassandra"], ["RUNNING", "DELETING"], [])] == ["a", "b"]


def test_name_collisions_get_the_id_prefix_on_both_whatever_the_order():
    records = [record(CASS_B, "orders"), record(PG, "payments", "postgresql"), record(CASS_A, "orders", "cassandra"),
               record(REDIS, None, "redis")]
    for ordering in (records, list(reversed(records))):
        chosen = ic.select_clusters(ordering, ic.APPLICATIONS, ["RUNNING"], [])
        names = [host for host, _record in ic.host_names(chosen)]
        assert names == [REDIS, "orders-11111111", "orders-22222222", "payments"]


def test_a_short_name_that_meets_another_hosts_name_falls_back_to_the_whole_id():
    records = [record(CASS_A, "x"), record(CASS_B, "x"), record(PG, "x-11111111")]
    names = sorted(host for host, _record in ic.host_names(ic.select_clusters(records, ic.APPLICATIONS, ["RUNNING"], [])))
    assert len(set(names)) == 3 and "x-22222222" in names


def test_host_vars_are_the_pinned_ones_and_never_a_credential():
    variables = ic.host_vars(record(CASS_A, "orders"), "v2", URL)
    assert set(ic.PINNED_VARS) <= set(variables)
    assert variables["backup_restore_drill_cluster_id"] == variables["instaclustr_cluster_id"] == CASS_A
    assert variables["backup_restore_drill_application"] == variables["instaclustr_application"] == "cassandra"
    assert variables["instaclustr_api_url"] == URL and variables["instaclustr_api_version"] == "v2"
    assert variables["instaclustr_data_centres"] == [{"id": "dc", "name": "AWS_VPC_US_EAST_1", "region": "US_EAST_1"}]
    assert set(variables) == set(ic.PINNED_VARS) | {"instaclustr_sla_tier", "instaclustr_node_count", "instaclustr_data_centres"}
    v1 = dict(record(CASS_A, "orders"))
    del v1["data_centres"]
    assert "instaclustr_data_centres" not in ic.host_vars(v1, "v1", URL)


# ---------------------------------------------------------------- reading the API

def v2_cluster(cluster_id, name, status="RUNNING", nodes=3):
    return {"id": cluster_id, "name": name, "status": status, "slaTier": "PRODUCTION", "instaclustrUserPassword": "pw",
            "dataCentres": [{"id": "dc-" + cluster_id[:4], "name": "AWS_VPC_US_EAST_1", "region": "US_EAST_1",
                             "nodes": [{"id": "n%d" % i, "status": "RUNNING"} for i in range(nodes)]}]}


def mock_v2(mock, account=None):
    account = account or [
        {"accountId": "a1", "clusters": [{"id": CASS_A, "application": "APACHE_CASSANDRA"},
                                         {"id": PG, "application": "POSTGRESQL"},
                                         {"id": KAFKA, "application": "KAFKA"},
                                         {"id": LEFTOVER, "application": "APACHE_CASSANDRA"}]},
        {"accountId": "a2", "clusters": [{"id": REDIS, "application": "REDIS"}, {"id": CASS_B, "application": "APACHE_CASSANDRA"}]},
    ]
    mock.add(responses.GET, URL + ACCOUNT_CLUSTERS_PATH, json=account)
    for cluster_id, application, name in ((CASS_A, "cassandra", "orders"), (PG, "postgresql", "payments"),
                                          (REDIS, "redis", "sessions"), (LEFTOVER, "cassandra", "drill-orders-x-y")):
        mock.add(responses.GET, URL + APPLICATIONS[application].cluster.format(cluster_id=cluster_id),
                 json=v2_cluster(cluster_id, name))
    mock.add(responses.GET, URL + APPLICATIONS["cassandra"].cluster.format(cluster_id=CASS_B), status=404, json={})


def session(**overrides):
    sleeps = []
    options = ic.check_options(dict(defaults(), **overrides))
    return ic.open_session(options, sleep=sleeps.append), sleeps


def test_the_plugin_reads_through_the_accounts_shared_request_budget(tmp_path):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock_v2(mock)
        api, _sleeps = session(state_dir=str(tmp_path), api_rate_limit=3)
        _records, stats = ic.read_clusters(api, "v2", ["cassandra", "redis"])
        assert api.budget.rate == 3 and api.budget.acquired == stats["calls"] == len(mock.calls) == 5
    assert api.budget.path.startswith(str(tmp_path) + "/")
    assert len(_sleeps) >= 1  # five requests at 3 a second: the budget made the plugin wait (on its sleep)
    assert session(state_dir=str(tmp_path), api_rate_limit=0)[0].budget is None


def test_v2_reads_the_list_then_one_get_per_cluster_of_the_chosen_applications():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock_v2(mock)
        api, _sleeps = session()
        records, stats = ic.read_clusters(api, "v2", ["cassandra", "redis"])
        paths = [call.request.url.replace(URL, "") for call in mock.calls]
    assert paths[0] == ACCOUNT_CLUSTERS_PATH and len(paths) == 5  # list + CASS_A, LEFTOVER, REDIS, CASS_B (404)
    assert not [path for path in paths if PG in path or KAFKA in path]
    assert sorted((r["name"], r["application"]) for r in records) == [
        ("drill-orders-x-y", "cassandra"), ("orders", "cassandra"), ("sessions", "redis")]  # the 404 left out
    assert stats["calls"] == 5 and stats["rate_limited"] == 0
    orders = [r for r in records if r["name"] == "orders"][0]
    assert orders["node_count"] == 3 and orders["data_centres"] == [
        {"id": "dc-" + CASS_A[:4], "name": "AWS_VPC_US_EAST_1", "region": "US_EAST_1"}]
    assert "pw" not in json.dumps(records)


def test_v2_answers_429_are_retried_and_counted():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        # responses answers a URL's registrations in order: the 429s first
        mock.add(responses.GET, URL + ACCOUNT_CLUSTERS_PATH, status=429, json={"message": "Rate Limit Exceeded"})
        path = URL + APPLICATIONS["cassandra"].cluster.format(cluster_id=CASS_A)
        mock.add(responses.GET, path, status=429, json={})
        mock.add(responses.GET, path, status=429, json={})
        mock_v2(mock)
        api, sleeps = session()
        records, stats = ic.read_clusters(api, "v2", ["cassandra"])
    assert len(records) == 2  # orders and the leftover (selection comes later)
    assert stats["rate_limited"] == stats["retries"] == len(sleeps) == 3
    line = ic.describe_stats(len(records), 1, stats, "v2", URL)
    assert "%d answers HTTP 429 retried" % stats["rate_limited"] in line


def test_v1_keeps_the_items_with_a_cassandra_version_only():
    listing = [{"id": CASS_A, "name": "orders", "cassandraVersion": "4.1.3", "derivedStatus": "RUNNING", "nodeCount": 6,
                "slaTier": "PRODUCTION"},
               {"id": KAFKA, "name": "events", "derivedStatus": "RUNNING", "nodeCount": 3}]
    with responses.RequestsMock() as mock:
        mock.add(responses.GET, URL + "/provisioning/v1", json=listing)
        api, _sleeps = session()
        records, stats = ic.read_clusters(api, "v1", list(ic.APPLICATIONS))
    assert records == [{"id": CASS_A, "name": "orders", "application": "cassandra", "status": "RUNNING",
                        "sla_tier": "PRODUCTION", "node_count": 6}]
    assert stats["calls"] == 1
    api, _sleeps = session()
    assert ic.read_clusters(api, "v1", ["redis"])[0] == []  # v1 serves Cassandra only: no request at all


@pytest.mark.parametrize("status, expected", [(401, "list clusters failed: HTTP 401"), (403, "HTTP 403")])
def test_api_refusals_become_one_line(status, expected):
    with responses.RequestsMock() as mock:
        mock.add(responses.GET, URL + ACCOUNT_CLUSTERS_PATH, status=status, body="")
        api, _sleeps = session()
        with pytest.raises(ic.InventoryError) as caught:
            ic.read_clusters(api, "v2", ["cassandra"])
    message = str(caught.value)
    assert expected in message and "\n" not in message and KEY not in message


def test_cache_document_is_only_reused_for_the_same_api_and_applications():
    document = ic.cache_document([record(CASS_A, "orders")], "v2", URL, ["cassandra", "redis"])
    assert ic.records_from_cache(document, "v2", URL, ["redis"]) == [record(CASS_A, "orders")]
    assert ic.records_from_cache(document, "v1", URL, ["redis"]) is None
    assert ic.records_from_cache(document, "v2", "https://other.test", ["redis"]) is None
    assert ic.records_from_cache(document, "v2", URL, ["postgresql"]) is None
    assert ic.records_from_cache({"format": 0}, "v2", URL, ["redis"]) is None


def test_cache_is_kept_per_api_url_version_and_user_never_by_key():
    document = ic.cache_document([record(CASS_A, "orders")], "v2", URL, ["cassandra"], username="alice")
    assert ic.records_from_cache(document, "v2", URL, ["cassandra"], username="alice") == [record(CASS_A, "orders")]
    assert ic.records_from_cache(document, "v2", URL, ["cassandra"], username="mallory") is None
    assert "alice" not in str(document) and KEY not in str(document)
    keys = {ic.cache_key_suffix(url, version, user) for url in (URL, "https://other.test") for version in ("v1", "v2")
            for user in ("alice", "mallory")}
    assert len(keys) == 8 and not any("alice" in key for key in keys)


# ---------------------------------------------------------------- the plugin itself

class Plugin:
    """The plugin with its options given directly (Ansible's config system is exercised by the integration tests)."""

    def __init__(self, tmp_path, **options):
        options = dict(defaults(), **options)
        # Ansible's config loader trusts the source file's expressions; given directly they must be marked so.
        options["compose"] = {name: trust_as_template(value) for name, value in options["compose"].items()}
        options["groups"] = {name: trust_as_template(value) for name, value in options["groups"].items()}
        options["keyed_groups"] = [dict(entry, key=trust_as_template(entry["key"])) for entry in options["keyed_groups"]]
        self.options = options
        self.cache = {}
        self.source = tmp_path / "prod.instaclustr.yml"
        self.source.write_text("plugin: restorekit.instaclustr.clusters\n")

    def parse(self, cache=True):
        plugin = plugin_module.InventoryModule()
        plugin._read_config_data = lambda path: {}
        plugin.get_option = lambda name: self.options[name]
        plugin._cache = self.cache
        plugin.get_cache_key = lambda path: "restorekit_test"
        inventory = InventoryData()
        plugin.parse(inventory, DataLoader(), str(self.source), cache=cache)
        return inventory


def hosts_of(inventory, group):
    return sorted(host.name for host in inventory.groups[group].get_hosts())


def test_verify_file(tmp_path):
    plugin = plugin_module.InventoryModule()
    for name, wanted in (("prod.instaclustr.yml", True), ("instaclustr.yaml", True), ("prod.yml", False),
                         ("prod.instaclustr.json", False)):
        path = tmp_path / name
        path.write_text("plugin: restorekit.instaclustr.clusters\n")
        assert bool(plugin.verify_file(str(path))) is wanted, name


def test_parse_makes_hosts_groups_and_variables(tmp_path):
    with responses.RequestsMock() as mock:
        mock_v2(mock)
        inventory = Plugin(tmp_path, api_version="v2").parse()
    assert hosts_of(inventory, "instaclustr_cassandra") == ["drill-orders-x-y", "orders"]
    assert hosts_of(inventory, "instaclustr_postgresql") == ["payments"]
    assert hosts_of(inventory, "instaclustr_redis") == ["sessions"]
    assert hosts_of(inventory, "instaclustr_opensearch") == []
    assert "drill-orders-x-y" in inventory.hosts  # a name proves nothing: no record, so it does not vanish
    variables = inventory.get_host("payments").vars
    assert variables["instaclustr_cluster_id"] == PG and variables["backup_restore_drill_application"] == "postgresql"
    assert KEY not in json.dumps({name: inventory.get_host(name).vars for name in inventory.hosts}, default=str)


def record_drill_restore(options, cluster_id, name, run_id="r1"):
    from ansible_collections.restorekit.instaclustr.plugins.module_utils._state import StateFolder

    checked = ic.check_options(options)
    return StateFolder(checked["state_dir"], checked["api_url"], checked["api_username"]).record_intent(
        operation="restore", restored_cluster_id=cluster_id, restored_name=name, run_id=run_id, source_cluster_id=CASS_A)


def test_a_drills_restored_cluster_is_left_out_by_its_record_not_by_its_name(tmp_path, monkeypatch):
    plugin = Plugin(tmp_path, api_version="v2")
    record_drill_restore(plugin.options, LEFTOVER, "drill-orders-x-y")
    with responses.RequestsMock() as mock:
        mock_v2(mock)
        inventory = plugin.parse()
    assert "drill-orders-x-y" not in inventory.hosts
    assert hosts_of(inventory, "instaclustr_cassandra") == ["orders"]


def test_a_name_prefix_leaves_a_cluster_out_only_with_a_warning(tmp_path, monkeypatch):
    warnings = []
    from ansible.utils.display import Display

    monkeypatch.setattr(Display, "warning", lambda self, message, *args, **kwargs: warnings.append(message))
    with responses.RequestsMock() as mock:
        mock_v2(mock)
        inventory = Plugin(tmp_path, api_version="v2", exclude_name_prefixes=["drill"]).parse()
    assert "drill-orders-x-y" not in inventory.hosts
    assert len(warnings) == 1 and "drill-orders-x-y" in warnings[0] and LEFTOVER in warnings[0], warnings


def test_constructed_groups_and_compose(tmp_path):
    with responses.RequestsMock() as mock:
        mock_v2(mock)
        inventory = Plugin(tmp_path, api_version="v2", exclude_name_prefixes=["drill"], compose={"tier": "instaclustr_sla_tier | lower"},
                           groups={"big": "instaclustr_node_count > 2"},
                           keyed_groups=[{"key": "instaclustr_application", "prefix": "app"}]).parse()
    assert hosts_of(inventory, "big") == ["orders", "payments", "sessions"]
    assert hosts_of(inventory, "app_redis") == ["sessions"]
    assert inventory.get_host("orders").vars["tier"] == "production"


def test_strict_compose_errors_fail_only_when_strict(tmp_path):
    broken = {"compose": {"x": "no_such_variable.attribute"}}
    with responses.RequestsMock() as mock:
        mock_v2(mock)
        inventory = Plugin(tmp_path, api_version="v2", strict=False, **broken).parse()
    assert "x" not in inventory.get_host("orders").vars
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock_v2(mock)
        with pytest.raises(Exception) as caught:
            Plugin(tmp_path, api_version="v2", strict=True, **broken).parse()
    assert "no_such_variable" in str(caught.value)


def test_errors_are_parser_errors_with_the_cause(tmp_path):
    with pytest.raises(AnsibleParserError) as caught:
        Plugin(tmp_path, api_key=None).parse()
    assert "restorekit.instaclustr.clusters: api_key is not set" in str(caught.value)
    with responses.RequestsMock() as mock:
        mock.add(responses.GET, URL + "/provisioning/v1", status=401, body="")
        with pytest.raises(AnsibleParserError) as caught:
            Plugin(tmp_path).parse()
    assert "HTTP 401" in str(caught.value) and KEY not in str(caught.value)


def test_cache_second_parse_sends_no_request_and_flush_reads_again(tmp_path):
    plugin = Plugin(tmp_path, api_version="v2", cache=True)
    with responses.RequestsMock() as mock:
        mock_v2(mock)
        first = plugin.parse()
        assert len(mock.calls) == 6  # the list and one GET per cluster of the four applications
    assert len(plugin.cache) == 1 and KEY not in json.dumps(plugin.cache) and "unit-user" not in json.dumps(plugin.cache)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        second = plugin.parse()
        assert len(mock.calls) == 0
    assert sorted(second.hosts) == sorted(first.hosts)
    # a narrower run answers from the same cache; cache=False (--flush-cache) reads the API again
    plugin.options["applications"] = ["redis"]
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        assert sorted(plugin.parse().hosts) == ["sessions"]
        assert len(mock.calls) == 0
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock_v2(mock)
        plugin.parse(cache=False)
        assert [call.request.url.replace(URL, "") for call in mock.calls] == [
            ACCOUNT_CLUSTERS_PATH, APPLICATIONS["redis"].cluster.format(cluster_id=REDIS)]


def test_the_modules_refuse_the_application_spelling_the_plugin_refuses():
    assert "PostgreSQL" not in _module.API_ARGUMENT_SPEC["application"]["choices"]
    assert "postgresql" in _module.API_ARGUMENT_SPEC["application"]["choices"]


@pytest.mark.parametrize("applications, warning", [
    (["postgresql"], "this inventory is empty: applications is postgresql, but api_version v1 (the Provisioning API) serves "
                     "cassandra only; set api_version: v2 for postgresql clusters"),
    (["cassandra", "redis"], "redis: no hosts on api_version v1 (the Provisioning API serves cassandra only); set api_version: v2 for them"),
    (["cassandra"], None),
])
def test_v1_with_other_applications_than_cassandra_warns_why_they_give_no_host(applications, warning):
    options = ic.check_options(dict(defaults(), api_version="v1", applications=applications))
    assert ic.option_warnings(options) == ([warning] if warning else [])
    assert ic.option_warnings(dict(options, api_version="v2")) == []


def test_parsing_a_v1_inventory_of_postgresql_only_warns_that_it_is_empty_and_why(tmp_path, monkeypatch):
    warnings = []
    from ansible.utils.display import Display

    monkeypatch.setattr(Display, "warning", lambda self, msg, *args, **kwargs: warnings.append(msg))
    with responses.RequestsMock():  # v1 serves no PostgreSQL: not a single request
        inventory = Plugin(tmp_path, api_version="v1", applications=["postgresql"]).parse()
    assert hosts_of(inventory, "instaclustr_postgresql") == []
    assert warnings == ["restorekit.instaclustr.clusters: this inventory is empty: applications is postgresql, but api_version v1 "
                        "(the Provisioning API) serves cassandra only; set api_version: v2 for postgresql clusters"]
