"""The data plane without a network: the per-application table, the shared options and their doc fragment, how a
cluster's addresses, TLS and credentials are chosen, failure messages, result shapes, the canary rules (check mode,
pruning by age) over a recording wire, and the pure parts of each application's wire."""

import json
import types

import pytest
import yaml

from ansible_collections.restorekit.instaclustr.plugins.doc_fragments import data_plane as data_plane_fragment
from ansible_collections.restorekit.instaclustr.plugins.module_utils import _data_plane, _shapes
from ansible_collections.restorekit.instaclustr.plugins.module_utils._applications import APPLICATIONS
from ansible_collections.restorekit.instaclustr.plugins.module_utils._data_plane import (
    DATA_PLANE,
    DATA_PLANE_ARGUMENT_SPEC,
    DataPlaneError,
    OperationFailed,
    WireFailure,
)
from ansible_collections.restorekit.instaclustr.plugins.module_utils._errors import OptionError

CLUSTER = "77b5a4e1-c422-4a78-b551-d8fa5c42ad95"
SECRET = "s3cret-from-the-api"
WIRE_METHODS = ("connect", "home_exists", "ensure_home", "write", "finish", "canaries", "remove", "catalogue", "close")


# --- the table --------------------------------------------------------------------------------------

def test_one_row_per_application_with_its_port_user_and_restored_instant():
    assert sorted(DATA_PLANE) == sorted(APPLICATIONS)
    assert {name: row.port for name, row in DATA_PLANE.items()} == {"cassandra": 9042, "postgresql": 5432, "opensearch": 9200, "redis": 6379}
    assert {name: row.default_user for name, row in DATA_PLANE.items()} == {
        "cassandra": "iccassandra", "postgresql": "icpostgresql", "opensearch": "icopensearch", "redis": "icredis"}
    assert {name: row.restored_as_of for name, row in DATA_PLANE.items()} == {
        "cassandra": "point_in_time", "postgresql": "backup_end", "opensearch": "snapshot_start", "redis": "schedule"}
    assert [name for name, row in DATA_PLANE.items() if not row.api_password] == ["redis"]
    assert DATA_PLANE["redis"].tls_fields == ("clientToNodeEncryption",)
    assert DATA_PLANE["postgresql"].tls_fields == ("clientToClusterEncryption",)


@pytest.mark.parametrize("application", sorted(DATA_PLANE))
def test_each_wire_loads_from_the_table_with_the_same_methods(application):
    row = DATA_PLANE[application]
    wire_module = row.load_wire()
    assert wire_module.__name__.endswith("_data_" + application)
    assert wire_module.HAS_LIBRARY is True and wire_module.IMPORT_ERROR is None
    for method in WIRE_METHODS:
        assert callable(getattr(wire_module.Wire, method)), method
    assert row.import_name in wire_module.__dict__ or application == "cassandra" or application == "redis"


def test_the_firewall_rule_type_comes_from_the_api_table():
    assert _data_plane.firewall_rule_type("postgresql", "v2") == "POSTGRESQL"
    assert _data_plane.firewall_rule_type("cassandra", "v2") == "CASSANDRA_CQL"
    assert _data_plane.firewall_rule_type("cassandra", "v1") == "CASSANDRA"


def test_a_missing_client_library_fails_naming_its_package():
    module = FakeModule()
    with pytest.raises(SystemExit):
        _data_plane.require_library(module, DATA_PLANE["cassandra"], False, "Traceback ...")
    assert "cassandra-driver" in module.failed["msg"]
    assert module.failed["exception"] == "Traceback ..."
    _data_plane.require_library(module, DATA_PLANE["redis"], True, None)  # present: nothing happens


# --- options and their documentation ----------------------------------------------------------------

def test_the_fragment_documents_the_argument_spec_exactly():
    documented = yaml.safe_load(data_plane_fragment.ModuleDocFragment.DOCUMENTATION)["options"]
    assert sorted(documented) == sorted(DATA_PLANE_ARGUMENT_SPEC)
    for name, spec in DATA_PLANE_ARGUMENT_SPEC.items():
        assert documented[name]["type"] == spec["type"], name
        assert documented[name].get("default") == spec.get("default"), name
        assert documented[name].get("choices") == spec.get("choices"), name
        assert bool(documented[name].get("required")) == bool(spec.get("required")), name
    assert DATA_PLANE_ARGUMENT_SPEC["data_password"]["no_log"] is True
    for name, variable in (("data_username", "IC_DATA_USERNAME"), ("data_password", "IC_DATA_PASSWORD")):
        assert DATA_PLANE_ARGUMENT_SPEC[name]["fallback"][1] == [variable]
        assert "E(%s)" % variable in " ".join(documented[name]["description"])


@pytest.mark.parametrize("value", ["it-old-canary", "a" * 128, "4f1e0c7a9b2d4e8f8a6c3b5d7e9f1a2b", "v1.2_x-y"])
def test_canary_ids_accepted(value):
    assert _data_plane.check_canary_id(value) == value


@pytest.mark.parametrize("value", ["", "-x", "a" * 129, "has space", "semi;colon", "quote'", 5])
def test_canary_ids_refused(value):
    with pytest.raises(OptionError, match="^id: "):
        _data_plane.check_canary_id(value)


def test_a_canary_id_defaults_to_a_new_uuid4_hex():
    first, second = _data_plane.check_canary_id(None), _data_plane.check_canary_id(None)
    assert len(first) == 32 and int(first, 16) >= 0 and first != second


# --- shapes -------------------------------------------------------------------------------------------

def test_canary_result_shape_and_sorting():
    records = [{"id": "b", "run_id": None, "written_after_ms": 2000, "written_before_ms": 4000},
               {"id": "a", "run_id": "r", "written_after_ms": 1796634000000, "written_before_ms": None},
               {"id": "c", "run_id": None, "written_after_ms": 2000, "written_before_ms": 3000}]
    shaped = _data_plane.sorted_canaries(records)
    assert [item["id"] for item in shaped] == ["b", "c", "a"]
    assert shaped[2] == {"id": "a", "run_id": "r", "written_after": "2026-12-07T09:00:00.000Z", "written_after_ms": 1796634000000,
                         "written_before": None, "written_before_ms": None}


def test_catalogue_sorted_by_kind_then_name():
    entries = [_data_plane.catalogue_entry("table", "b.t", 5, "estimated_rows"), _data_plane.catalogue_entry("database", "z"),
               _data_plane.catalogue_entry("table", "a.t", None, "estimated_rows")]
    assert [(entry["kind"], entry["name"]) for entry in _data_plane.sorted_catalogue(entries)] == [
        ("database", "z"), ("table", "a.t"), ("table", "b.t")]
    assert entries[1] == {"kind": "database", "name": "z", "count": None, "count_kind": None}


def test_data_access_keeps_credentials_and_flags_of_both_versions():
    v1 = {"clusterStatus": "RUNNING", "username": "iccassandra", "instaclustrUserPassword": SECRET, "dataCentres": [
        {"cdcName": "AWS_VPC_US_EAST_1", "clientEncryption": False, "nodes": [
            {"publicAddress": "127.1.0.1", "privateAddress": "10.0.0.1", "nodeStatus": "RUNNING"}]}]}
    access = _shapes.data_access(v1, _shapes.DATA_ACCESS_FIELDS_V1)
    assert access["username"] == "iccassandra" and access["password"] == SECRET and access["status"] == "RUNNING"
    assert access["data_centres"] == [{"name": "AWS_VPC_US_EAST_1", "flags": {"clientEncryption": False}, "nodes": [
        {"public_address": "127.1.0.1", "private_address": "10.0.0.1", "status": "RUNNING"}]}]
    v2 = {"status": "RUNNING", "defaultUsername": "icopensearch", "defaultUserPassword": SECRET, "clientToNodeEncryption": True,
          "dataCentres": [{"name": "DC", "nodes": "not a list"}]}
    access = _shapes.data_access(v2, _shapes.DATA_ACCESS_FIELDS_V2)
    assert access["flags"] == {"clientToNodeEncryption": True} and access["data_centres"][0]["nodes"] == []
    assert _shapes.data_access({"status": "RUNNING", "defaultUserPassword": ""}, _shapes.DATA_ACCESS_FIELDS_V2)["password"] is None


# --- addresses, TLS, credentials ----------------------------------------------------------------------

class FakeBackend:
    def __init__(self, access):
        self.access = access
        self.reads = 0

    def data_access(self, cluster_id):
        assert cluster_id == CLUSTER
        self.reads += 1
        return None if self.access is None else dict(self.access, server_time_ms=1796634000000 + 1000 * self.reads)

    @staticmethod
    def check_cluster_application(cluster_id, option):
        return None


class FakeModule:
    def __init__(self, access=None, **params):
        self.params = dict({name: spec.get("default") for name, spec in DATA_PLANE_ARGUMENT_SPEC.items()},
                           cluster_id=CLUSTER, api_version="v2", application="postgresql", id=None, run_id=None)
        self.params.update(params)
        self.backend = FakeBackend(access)
        self.no_log_values = set()
        self.warnings = []
        self.failed = None
        self.check_mode = False
        self.session = types.SimpleNamespace(clock=types.SimpleNamespace(now_ms=lambda: 1796634000500))

    def warn(self, text):
        self.warnings.append(text)

    def fail_json(self, **result):
        self.failed = result
        raise SystemExit(1)


def access(addresses=(("127.1.0.10", "10.20.0.10"), ("127.1.0.11", "10.20.0.11")), password=SECRET, username=None, dc_flags=None, flags=None):
    return {"status": "RUNNING", "username": username, "password": password, "flags": flags or {},
            "data_centres": [{"name": "AWS_VPC_US_EAST_1", "flags": dc_flags if dc_flags is not None else {"clientToClusterEncryption": True},
                              "nodes": [{"public_address": public, "private_address": private, "status": "RUNNING"}
                                        for public, private in addresses]}]}


def test_public_addresses_the_default_user_and_the_api_password_held_as_a_secret():
    module = FakeModule(access())
    target, found = _data_plane.resolve_target(module, DATA_PLANE["postgresql"])
    assert target.addresses == ["127.1.0.10", "127.1.0.11"] and target.port == 5432 and target.tls is True
    assert target.username == "icpostgresql" and target.password == SECRET
    assert SECRET in module.no_log_values
    assert found["server_time_ms"] == 1796634001000
    assert target.rule_type == "POSTGRESQL" and SECRET not in repr(target)


def test_a_register_of_secrets_gets_the_password_when_the_module_has_one():
    registered = []
    module = FakeModule(access())
    module.secrets = types.SimpleNamespace(register=registered.append)
    _data_plane.resolve_target(module, DATA_PLANE["postgresql"])
    assert registered == [SECRET]


def test_private_addresses_port_and_given_credentials():
    module = FakeModule(access(), data_address="private", data_port=6432, data_username="icpostgresql", data_password="given")
    target, dummy = _data_plane.resolve_target(module, DATA_PLANE["postgresql"])
    assert target.addresses == ["10.20.0.10", "10.20.0.11"] and target.port == 6432 and target.password == "given"
    assert {"given", SECRET} <= module.no_log_values


def test_redis_needs_a_password_given():
    module = FakeModule(access(password=None, dc_flags={}, flags={"clientToNodeEncryption": False}), application="redis")
    with pytest.raises(OptionError, match="^data_password: is required: the API answers no password for redis clusters"):
        _data_plane.resolve_target(module, DATA_PLANE["redis"])


def test_another_user_needs_its_password():
    module = FakeModule(access(), data_username="reporting")
    with pytest.raises(OptionError, match="data_password: is required with data_username reporting"):
        _data_plane.resolve_target(module, DATA_PLANE["postgresql"])


def test_a_cluster_the_api_does_not_know_and_one_without_addresses():
    with pytest.raises(OptionError, match="cluster_id: no postgresql cluster"):
        _data_plane.resolve_target(FakeModule(None), DATA_PLANE["postgresql"])
    with pytest.raises(OperationFailed, match="no node of postgresql cluster .* has a public address"):
        _data_plane.resolve_target(FakeModule(access(addresses=((None, "10.0.0.1"),))), DATA_PLANE["postgresql"])


@pytest.mark.parametrize("data_tls, dc_flags, addresses, expected", [
    (None, {"clientToClusterEncryption": True}, ["127.1.0.1"], True),
    (None, {"clientToClusterEncryption": False}, ["127.1.0.1"], False),
    (None, {}, ["127.1.0.1"], False),        # the API says nothing: plaintext to loopback only
    (None, {}, ["203.0.113.7"], True),       # ... TLS elsewhere
    (True, {"clientToClusterEncryption": False}, ["203.0.113.7"], True),
    (False, {"clientToClusterEncryption": True}, ["127.1.0.1"], False),
])
def test_tls_choice(data_tls, dc_flags, addresses, expected):
    module = FakeModule(data_tls=data_tls)
    assert _data_plane.choose_tls(module, DATA_PLANE["postgresql"], access(dc_flags=dc_flags), addresses) is expected
    assert module.warnings == []


def test_plaintext_to_a_remote_address_only_when_set_explicitly_and_with_a_warning():
    module = FakeModule()
    with pytest.raises(OptionError, match="^data_tls: .*only when data_tls: false is set explicitly"):
        _data_plane.choose_tls(module, DATA_PLANE["postgresql"], access(dc_flags={"clientToClusterEncryption": False}), ["203.0.113.7"])
    module = FakeModule(data_tls=False)
    assert _data_plane.choose_tls(module, DATA_PLANE["postgresql"], access(), ["203.0.113.7"]) is False
    assert len(module.warnings) == 1 and "plaintext from 203.0.113.7" in module.warnings[0]


def test_redis_tls_flag_is_read_on_the_cluster_when_no_data_centre_has_it():
    flags = access(dc_flags={}, flags={"clientToNodeEncryption": True})
    assert _data_plane.tls_from_flags(DATA_PLANE["redis"], flags) is True
    assert _data_plane.tls_from_flags(DATA_PLANE["opensearch"], access(dc_flags={})) is None


# --- failure messages ---------------------------------------------------------------------------------

def target(address_kind="public", addresses=("127.1.0.10", "127.1.0.11")):
    return _data_plane.DataTarget(DATA_PLANE["postgresql"], CLUSTER, addresses, 5432, True, None, "icpostgresql", SECRET, 30,
                                  address_kind, "POSTGRESQL")


def test_a_closed_connection_names_addresses_port_and_the_firewall_module():
    error = target().failure(_data_plane.classify(OSError("server closed the connection unexpectedly")), "connecting")
    assert isinstance(error, DataPlaneError)
    message = str(error)
    assert "127.1.0.10:5432, 127.1.0.11:5432 (public addresses, TLS): connecting failed" in message
    assert "the firewall may not admit this runner" in message
    assert "restorekit.instaclustr.cluster_firewall_rule (rule type POSTGRESQL)" in message
    assert error.details == {"cluster_id": CLUSTER, "addresses": ["127.1.0.10", "127.1.0.11"], "port": 5432}


def test_private_addresses_that_time_out_point_at_public_ones():
    message = str(target("private", ("10.20.0.10",)).failure(WireFailure("timed out", timeout=True), "connecting"))
    assert "10.20.0.10:5432 (private address, TLS)" in message and "not answered in time" in message
    assert "use data_address: public" in message


def test_other_failures_have_no_firewall_hint_and_never_the_password():
    message = str(target().failure(_data_plane.classify(ValueError("password %s refused" % SECRET)), "connecting"))
    assert SECRET not in message and "********" in message and "firewall" not in message


@pytest.mark.parametrize("text, closed, timeout", [
    ("Connection closed by server.", True, False), ("SSL SYSCALL error: EOF detected", True, False),
    ("[Errno 104] Connection reset by peer", True, False), ("timed out", False, True), ("Connection refused", False, False),
])
def test_classify(text, closed, timeout):
    failure = _data_plane.classify(ConnectionError(text + "\n\tdetail"))
    assert (failure.closed, failure.timeout) == (closed, timeout)
    assert failure.what == "ConnectionError: %s detail" % text


# --- the canary rules over a recording wire -------------------------------------------------------------

class RecordingWire:
    def __init__(self, stored=None):
        self.stored = stored
        self.calls = []

    def __getattr__(self, name):
        if name not in WIRE_METHODS:
            raise AttributeError(name)

        def call(*args):
            self.calls.append((name,) + args)
            if name == "canaries":
                return self.stored
            return None
        return call


@pytest.fixture
def wire(monkeypatch):
    recording = RecordingWire()
    monkeypatch.setattr(_data_plane, "open_wire", lambda module, row, target: recording)
    return recording


def test_present_writes_one_canary_bracketed_by_two_api_reads(wire):
    module = FakeModule(access(), id="it-canary", run_id="run-1")
    result = _data_plane.write_canary(module, DATA_PLANE["postgresql"])
    assert result["changed"] is True
    assert result["canary"] == {"id": "it-canary", "run_id": "run-1", "written_after": "2026-12-07T09:00:02.000Z",
                                "written_after_ms": 1796634002000, "written_before": "2026-12-07T09:00:04.000Z",
                                "written_before_ms": 1796634004000}
    assert [call[0] for call in wire.calls] == ["connect", "ensure_home", "write", "finish", "close"]
    assert wire.calls[2][2] == 1796634002000  # the write's time is inside its bracket
    assert wire.calls[3][1:3] == ("it-canary", 1796634004000) and wire.calls[3][3] > wire.calls[2][2]
    assert "schema restorekit_canary" in result["home"] and SECRET not in json.dumps(result)


def test_present_in_check_mode_writes_nothing(wire):
    module = FakeModule(access(), run_id="run-1")
    module.check_mode = True
    result = _data_plane.write_canary(module, DATA_PLANE["postgresql"])
    assert result["changed"] is True and result["would_write"]["run_id"] == "run-1" and len(result["would_write"]["id"]) == 32
    assert "canary" not in result and wire.calls == []


def test_absent_removes_canaries_older_than_the_cutoff_on_the_api_clock(wire):
    now = 1796634001000  # the first API read's time
    wire.stored = [{"id": "old", "written_after_ms": now - 90000, "written_before_ms": now - 61000},
                   {"id": "young", "written_after_ms": now - 62000, "written_before_ms": now - 59000},
                   {"id": "half", "written_after_ms": now - 70000, "written_before_ms": None}]
    result = _data_plane.remove_canaries(FakeModule(access()), DATA_PLANE["postgresql"], 60)
    assert result == {"changed": True, "removed": ["half", "old"], "home": result["home"]}
    assert ("remove", ["half", "old"], 1796634000500) in wire.calls
    module = FakeModule(access())
    module.check_mode = True
    wire.calls[:] = []
    assert _data_plane.remove_canaries(module, DATA_PLANE["postgresql"], 60)["would_remove"] == ["half", "old"]
    assert "remove" not in [call[0] for call in wire.calls]


def test_info_without_a_home_is_an_empty_list(wire):
    result = _data_plane.read_canaries(FakeModule(access()), DATA_PLANE["postgresql"])
    assert result["canaries"] == [] and result["home_exists"] is False and result["changed"] is False


def test_a_wire_failure_becomes_the_targets_message(monkeypatch):
    class Failing(RecordingWire):
        def connect(self, writable):
            raise WireFailure("Connection closed by server.", closed=True)
    failing = Failing()
    monkeypatch.setattr(_data_plane, "open_wire", lambda module, row, target: failing)
    with pytest.raises(DataPlaneError, match="127.1.0.10:5432.*connecting failed: Connection closed by server.*cluster_firewall_rule"):
        _data_plane.read_catalogue(FakeModule(access()), DATA_PLANE["postgresql"])
    assert failing.calls == [("close",)]


# --- pure parts of each wire --------------------------------------------------------------------------------

def test_postgresql_connection_options():
    from ansible_collections.restorekit.instaclustr.plugins.module_utils import _data_postgresql as pg
    options = pg.connection_options(target(), "postgres", writable=True)
    assert options["host"] == "127.1.0.10,127.1.0.11" and options["port"] == "5432,5432"
    assert options["target_session_attrs"] == "read-write" and options["sslmode"] == "verify-full"
    assert options["sslrootcert"] == "system" and options["connect_timeout"] == 30
    plain = target()
    plain.tls, plain.ca_path = False, None
    assert pg.connection_options(plain, "shop", writable=False)["sslmode"] == "disable"
    with_ca = target()
    with_ca.ca_path = "/ca.pem"
    assert pg.connection_options(with_ca, "postgres", False)["sslrootcert"] == "/ca.pem"
    assert pg.estimated_rows(-1) is None and pg.estimated_rows(12.0) == 12 and pg.estimated_rows(None) is None


def test_cassandra_replication_over_the_reported_data_centres():
    from ansible_collections.restorekit.instaclustr.plugins.module_utils import _data_cassandra as cql
    assert cql.replication({"AWS_VPC_US_EAST_1": 4, "AWS_VPC_US_WEST_2": 2, None: 1}) == {"AWS_VPC_US_EAST_1": 3, "AWS_VPC_US_WEST_2": 2}
    assert cql.replication_cql({"dc'1": 1}) == "{'class': 'NetworkTopologyStrategy', 'dc''1': 1}"
    assert cql.micros(1796634000123) == 1796634000123000


def test_redis_canary_values_and_client_options():
    from ansible_collections.restorekit.instaclustr.plugins.module_utils import _data_redis as rd
    record = {"id": "c1", "run_id": "r", "written_after_ms": 1, "written_before_ms": None}
    assert rd.canary_key("c1") == "restorekit:canary:c1"
    assert rd.read_canary_value("restorekit:canary:c1", rd.canary_value(record)) == record
    unreadable = {"id": "c2", "run_id": None, "written_after_ms": None, "written_before_ms": None}
    assert rd.read_canary_value("restorekit:canary:c2", "not json") == unreadable
    assert _data_plane.REDIS_CANARY_TTL_SECONDS > 30 * 86400
    options = rd.client_options(target())
    assert options["ssl"] is True and options["ssl_cert_reqs"] == "required" and options["username"] == "icpostgresql"


def test_opensearch_urls_catalogue_and_hits():
    from ansible_collections.restorekit.instaclustr.plugins.module_utils import _data_opensearch as osr
    assert osr.base_url("127.1.0.1", 9200, False) == "http://127.1.0.1:9200"
    assert osr.base_url("2001:db8::1", 9200, True) == "https://[2001:db8::1]:9200"
    rows = [{"index": "orders", "docs.count": "3"}, {"index": ".kibana_1", "docs.count": "1"}, {"index": "restorekit-canary", "docs.count": None}]
    assert osr.catalogue_from_cat_indices(rows) == [
        {"kind": "index", "name": "orders", "count": 3, "count_kind": "documents"},
        {"kind": "index", "name": "restorekit-canary", "count": None, "count_kind": "documents"}]
    assert osr.catalogue_from_cat_indices({"error": "x"}) == []
    assert osr.canary_from_hit({"_id": "x", "_source": {"written_after_ms": "5"}}) == {
        "id": "x", "run_id": None, "written_after_ms": 5, "written_before_ms": None}


def test_an_unexpected_client_error_is_still_one_clear_failure(monkeypatch):
    class Surprising(RecordingWire):
        def connect(self, writable):
            raise KeyError("password %s in a surprise" % SECRET)
    monkeypatch.setattr(_data_plane, "open_wire", lambda module, row, target: Surprising())
    with pytest.raises(DataPlaneError, match="connecting failed: KeyError") as raised:
        _data_plane.read_canaries(FakeModule(access()), DATA_PLANE["postgresql"])
    assert SECRET not in str(raised.value)


def test_an_empty_password_from_the_environment_is_no_password():
    module = FakeModule(access(password=None, dc_flags={}, flags={"clientToNodeEncryption": False}), application="redis", data_password="")
    with pytest.raises(OptionError, match="^data_password: is required"):
        _data_plane.resolve_target(module, DATA_PLANE["redis"])
