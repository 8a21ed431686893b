import pytest

from ansible_collections.restorekit.instaclustr.plugins.module_utils import _rules
from ansible_collections.restorekit.instaclustr.plugins.module_utils._errors import OptionError

DC_A = "a8c32b20-c8f0-11e7-abc4-cec278b6b50a"
DC_B = "0d4c1a5e-9f1b-4c1e-8a9e-3f4b5c6d7e8f"
NOW_MS = 1795000000000  # a fixed "server now" in 2026


def rule_error(call, *args, **kwargs):
    with pytest.raises(OptionError) as caught:
        call(*args, **kwargs)
    return caught.value


# --- uuid ---------------------------------------------------------------------------------------

def test_uuid_is_returned_lower_cased():
    assert _rules.check_uuid(" 77B5A4E1-C422-4A78-B551-D8FA5C42AD95", "cluster_id") == "77b5a4e1-c422-4a78-b551-d8fa5c42ad95"


@pytest.mark.parametrize("value", ["", "not-a-uuid", "77b5a4e1c4224a78b551d8fa5c42ad95", "77b5a4e1-c422-4a78-b551-d8fa5c42ad9", None, 5])
def test_bad_uuids_name_the_option(value):
    error = rule_error(_rules.check_uuid, value, "cluster_id")
    assert error.option == "cluster_id"
    assert "must be a UUID" in error.rule


# --- restore name -------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["abc", "orders-restore_2", "9lives", "a" * 48])
def test_valid_restore_names(name):
    assert _rules.check_restore_name(name) == name


def test_short_name_message_names_option_rule_and_length():
    assert str(rule_error(_rules.check_restore_name, "ab")) == (
        "name: must be 3 to 48 characters of letters, digits, '_' or '-', starting with a letter or digit (got 2 characters)")


@pytest.mark.parametrize("name, got", [("a" * 49, "49 characters"), ("-abc", "'-abc'"), ("_abc", "'_abc'"),
                                       ("has space", "'has space'"), ("dots.no", "'dots.no'"), (None, "None")])
def test_bad_restore_names(name, got):
    error = rule_error(_rules.check_restore_name, name)
    assert error.option == "name"
    assert got in error.rule


# --- point in time -----------------------------------------------------------------------------

def test_point_in_time_within_range_passes():
    assert _rules.check_point_in_time(1420070400000, NOW_MS) == 1420070400000
    assert _rules.check_point_in_time(NOW_MS, NOW_MS) == NOW_MS


def test_point_in_time_before_2015_is_refused_and_epoch_seconds_are_recognised():
    error = rule_error(_rules.check_point_in_time, 1700000000, NOW_MS)
    assert error.option == "point_in_time"
    assert "at least 1420070400000 (2015-01-01" in error.rule
    assert "looks like epoch seconds" in error.rule
    tiny = rule_error(_rules.check_point_in_time, 5, NOW_MS)
    assert "epoch seconds" not in tiny.rule
    # Just before 2015 in milliseconds: x1000 would be far in the future, so no seconds hint.
    late_2014 = rule_error(_rules.check_point_in_time, 1420070399000, NOW_MS)
    assert "epoch seconds" not in late_2014.rule


def test_point_in_time_in_the_future_of_the_server_is_refused():
    error = rule_error(_rules.check_point_in_time, NOW_MS + 1000, NOW_MS, option="until")
    assert error.option == "until"
    assert "must not be in the future" in error.rule
    assert "2026-" in error.rule and "at the latest 2026-" in error.rule


@pytest.mark.parametrize("elapsed_ms", [0, 1, 400, 999])
def test_point_in_time_allows_for_the_date_headers_one_second_resolution(elapsed_ms):
    # The server said "hh:mm:ss" (no ms); a backup that ended at hh:mm:ss.338 is already past on its clock.
    now_ms = NOW_MS + elapsed_ms  # NOW_MS is a whole second: a Date header plus the time counted since
    assert _rules.check_point_in_time(NOW_MS + 338, now_ms) == NOW_MS + 338
    assert _rules.check_point_in_time(NOW_MS + 999, now_ms) == NOW_MS + 999  # up to the end of that second
    error = rule_error(_rules.check_point_in_time, NOW_MS + 1000, now_ms)  # nothing really later
    assert "must not be in the future" in error.rule and "at the latest 2026-11-18T11:06:40.999Z" in error.rule


@pytest.mark.parametrize("value", [True, "1717400000000", 1.7e12])
def test_point_in_time_must_already_be_epoch_ms_int(value):
    assert "epoch milliseconds" in rule_error(_rules.check_point_in_time, value, NOW_MS).rule


# --- keyspace tables ---------------------------------------------------------------------------

def test_keyspace_tables_list_and_comma_string():
    assert _rules.check_keyspace_tables(["orders.by_id", " orders.by_customer "]) == ["orders.by_id", "orders.by_customer"]
    assert _rules.check_keyspace_tables("orders.by_id,ks2.t") == ["orders.by_id", "ks2.t"]
    assert _rules.check_keyspace_tables(None) == []
    assert _rules.check_keyspace_tables([]) == []
    assert _rules.check_keyspace_tables("") == []


@pytest.mark.parametrize("values, option", [
    (["orders"], "keyspace_tables[0]"), (["orders.by_id", "a.b.c"], "keyspace_tables[1]"), ([".t"], "keyspace_tables[0]"),
    (["ks.ta-ble"], "keyspace_tables[0]"), ([5], "keyspace_tables[0]"), (["ks." + "t" * 49], "keyspace_tables[0]"),
])
def test_bad_keyspace_tables_point_at_the_entry(values, option):
    error = rule_error(_rules.check_keyspace_tables, values)
    assert error.option == option
    assert "must be keyspace.table" in error.rule


def test_duplicate_keyspace_tables_are_refused():
    assert "twice" in rule_error(_rules.check_keyspace_tables, ["a.b", "a.b"]).rule


# --- CIDR --------------------------------------------------------------------------------------

def test_ipv4_cidr():
    assert _rules.check_ipv4_cidr("10.12.0.0/16", "cluster_network") == "10.12.0.0/16"


@pytest.mark.parametrize("value, words", [
    ("10.12.0.1/16", "did you mean 10.12.0.0/16"), ("10.12.0.0", "CIDR"), ("10.300.0.0/16", "CIDR"),
    ("fd00::/8", "CIDR"), ("10.0.0.0/33", "CIDR"), (None, "CIDR"),
])
def test_bad_cidrs(value, words):
    error = rule_error(_rules.check_ipv4_cidr, value, "cluster_network")
    assert error.option == "cluster_network"
    assert words in error.rule


# --- cdc_infos ---------------------------------------------------------------------------------

def test_cdc_infos_none_or_every_data_centre():
    assert _rules.check_cdc_infos(None, [DC_A, DC_B]) == []
    checked = _rules.check_cdc_infos([
        {"cdc_id": DC_A.upper(), "restore_to_same_vpc": True},
        {"cdc_id": DC_B, "custom_vpc_id": "vpc-0abc1234", "custom_vpc_network": "10.20.0.0/16"},
    ], [DC_A, DC_B])
    assert checked == [
        {"cdc_id": DC_A, "restore_to_same_vpc": True, "custom_vpc_id": None, "custom_vpc_network": None},
        {"cdc_id": DC_B, "restore_to_same_vpc": False, "custom_vpc_id": "vpc-0abc1234", "custom_vpc_network": "10.20.0.0/16"},
    ]


@pytest.mark.parametrize("entries, option, words", [
    ([{"cdc_id": DC_A, "restore_to_same_vpc": True}], "cdc_infos", "missing " + DC_B),
    ([{"cdc_id": DC_A, "restore_to_same_vpc": True}, {"cdc_id": DC_A, "restore_to_same_vpc": True}], "cdc_infos", "twice"),
    ([{"cdc_id": DC_A}, {"cdc_id": DC_B, "restore_to_same_vpc": True}], "cdc_infos[0]", "not neither"),
    ([{"cdc_id": DC_A, "restore_to_same_vpc": True, "custom_vpc_id": "vpc-1"}], "cdc_infos[0]", "not both"),
    ([{"cdc_id": DC_A, "restore_to_same_vpc": True, "custom_vpc_network": "10.0.0.0/16"}], "cdc_infos[0].custom_vpc_network",
     "only used with custom_vpc_id"),
    ([{"cdc_id": DC_A, "custom_vpc_id": "vpc-1", "custom_vpc_network": "10.0.0.1/16"}], "cdc_infos[0].custom_vpc_network", "did you mean"),
    ([{"cdc_id": "11111111-2222-3333-4444-555555555555", "restore_to_same_vpc": True}], "cdc_infos[0].cdc_id",
     "not a data centre of the source"),
    ([{"cdc_id": "x", "restore_to_same_vpc": True}], "cdc_infos[0].cdc_id", "must be a UUID"),
    ([{"cdc_id": DC_A, "restore_to_same_vpc": "yes"}], "cdc_infos[0].restore_to_same_vpc", "true or false"),
    ([{"cdcId": DC_A}], "cdc_infos[0]", "unknown key(s) cdcId"),
    (["not a dict"], "cdc_infos[0]", "must be a dictionary"),
    ("nope", "cdc_infos", "must be a list"),
])
def test_bad_cdc_infos(entries, option, words):
    error = rule_error(_rules.check_cdc_infos, entries, [DC_A, DC_B])
    assert error.option == option
    assert words in error.rule


# --- numbers -------------------------------------------------------------------------------------

def test_positive_and_non_negative():
    assert _rules.check_positive(0.5, "wait_sleep") == 0.5
    assert _rules.check_non_negative(0, "api_retries") == 0
    assert str(rule_error(_rules.check_positive, 0, "wait_timeout")) == "wait_timeout: must be greater than 0 (got 0)"
    assert str(rule_error(_rules.check_non_negative, -1, "api_retries")) == "api_retries: must be 0 or more (got -1)"
    for bad in (True, "5", None, float("nan")):
        assert "must be a number" in rule_error(_rules.check_positive, bad, "api_timeout").rule


# --- API URL -------------------------------------------------------------------------------------

@pytest.mark.parametrize("url, cleaned", [
    ("https://api.instaclustr.com", "https://api.instaclustr.com"),
    ("https://api.dev.instaclustr.com/", "https://api.dev.instaclustr.com"),
    ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
    ("http://127.3.4.5:8080/", "http://127.3.4.5:8080"),
    ("http://localhost:9000", "http://localhost:9000"),
    ("http://[::1]:9000", "http://[::1]:9000"),
    ("https://proxy.example.com/instaclustr", "https://proxy.example.com/instaclustr"),
])
def test_acceptable_api_urls(url, cleaned):
    assert _rules.check_api_url(url) == cleaned


@pytest.mark.parametrize("url, words", [
    ("http://api.instaclustr.com", "plain http://"),
    ("http://10.0.0.5:8080", "plain http://"),
    ("http://128.0.0.1", "plain http://"),
    ("http://localhost.example.com", "plain http://"),
    ("ftp://api.instaclustr.com", "https:// URL with a host"),
    ("api.instaclustr.com", "https:// URL with a host"),
    ("https://", "https:// URL with a host"),
    ("https://api.instaclustr.com?x=1", "query"),
    ("https://api.instaclustr.com#frag", "query or a fragment"),
    ("https://api.instaclustr.com:99999", "not a valid URL"),
    ("", "must be an https:// URL"),
])
def test_refused_api_urls(url, words):
    error = rule_error(_rules.check_api_url, url)
    assert error.option == "api_url"
    assert words in error.rule


def test_api_url_with_credentials_is_refused_without_echoing_them():
    error = rule_error(_rules.check_api_url, "https://demo:s3cret-key@api.instaclustr.com")
    assert "must not contain credentials" in error.rule
    assert "s3cret-key" not in str(error)
    bad_port = rule_error(_rules.check_api_url, "https://demo:s3cret-key@api.instaclustr.com:99999")
    assert "s3cret-key" not in str(bad_port)


@pytest.mark.parametrize("host, loopback", [
    ("localhost", True), ("LOCALHOST", True), ("127.0.0.1", True), ("127.255.0.9", True), ("::1", True), ("[::1]", True),
    ("128.0.0.1", False), ("10.0.0.1", False), ("api.instaclustr.com", False), ("localhost.evil.com", False), ("", False), (None, False),
])
def test_is_loopback_host(host, loopback):
    assert _rules.is_loopback_host(host) is loopback
