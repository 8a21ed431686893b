import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.restorekit.instaclustr.plugins.module_utils._clock import (
    ServerClock,
    http_date_to_ms,
    iso_utc,
    parse_duration,
    parse_point_in_time,
    timestamp_pair,
)
from ansible_collections.restorekit.instaclustr.plugins.module_utils._errors import OptionError

# 2026-11-20T10:00:00Z, computed independently of the code under test.
NOV_20_10H_MS = int((datetime.datetime(2026, 11, 20, 10, tzinfo=datetime.timezone.utc)
                     - datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)).total_seconds()) * 1000


@pytest.mark.parametrize("text, expected", [
    ("2026-11-20T10:00:00Z", NOV_20_10H_MS),
    ("2026-11-20T10:00:00z", NOV_20_10H_MS),
    ("2026-11-20 10:00:00Z", NOV_20_10H_MS),
    ("2026-11-20T12:00:00+02:00", NOV_20_10H_MS),
    ("2026-11-20T07:30:00-0230", NOV_20_10H_MS),
    ("2026-11-20T10:00Z", NOV_20_10H_MS),
    ("2026-11-20T10:00:00.250Z", NOV_20_10H_MS + 250),
    ("2026-11-20T10:00:00.123456789+00:00", NOV_20_10H_MS + 123),
    ("2026-11-20T10:00:00+00:00", NOV_20_10H_MS),  # what Ansible sends for an unquoted YAML timestamp with Z
    ("  2026-11-20T10:00:00Z ", NOV_20_10H_MS),
])
def test_iso_strings_with_a_zone_become_epoch_ms(text, expected):
    assert parse_point_in_time(text, "since") == expected


@pytest.mark.parametrize("text, base", [
    ("2026-11-20T10:00:00", "2026-11-20T10:00:00"),
    ("2026-11-20 10:00:00", "2026-11-20T10:00:00"),  # what ansible-core hands a module for an unquoted YAML timestamp
    ("2026-11-20T10:00", "2026-11-20T10:00"),
    ("2026-11-20T10:00:00.250", "2026-11-20T10:00:00.250"),
])
def test_zone_less_text_is_refused_with_the_fix(text, base):
    # Read as UTC, it restored a user in another zone to the wrong moment.
    with pytest.raises(OptionError) as caught:
        parse_point_in_time(text, "point_in_time")
    assert caught.value.option == "point_in_time"
    assert "has no time zone" in caught.value.rule
    assert "write %sZ for UTC" % base in caught.value.rule and "%s+02:00" % base in caught.value.rule


def test_epoch_milliseconds_as_int_digit_string_and_whole_float():
    assert parse_point_in_time(NOV_20_10H_MS, "since") == NOV_20_10H_MS
    assert parse_point_in_time(str(NOV_20_10H_MS), "since") == NOV_20_10H_MS
    assert parse_point_in_time(float(NOV_20_10H_MS), "since") == NOV_20_10H_MS


def test_aware_datetimes_are_accepted_naive_ones_refused_with_the_fix():
    aware = datetime.datetime(2026, 11, 20, 11, 0, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=1)))
    assert parse_point_in_time(aware, "until") == NOV_20_10H_MS
    with pytest.raises(OptionError) as caught:
        parse_point_in_time(datetime.datetime(2026, 11, 20, 10, 0, 0), "until")
    assert caught.value.option == "until"
    assert "has no time zone" in caught.value.rule and "2026-11-20T10:00:00Z for UTC" in caught.value.rule


def test_the_forms_named_in_messages_no_longer_say_zone_less_means_utc():
    with pytest.raises(OptionError) as caught:
        parse_point_in_time("yesterday", "since")
    assert "no zone means UTC" not in caught.value.rule and "with a zone" in caught.value.rule


@pytest.mark.parametrize("value, words", [
    ("2026-11-20", "a date alone"),
    (datetime.date(2026, 11, 20), "a date alone"),
    ("yesterday", "ISO 8601"),
    ("2026-13-40T10:00:00Z", "not a valid date"),
    ("2026-11-20T10:00:00+25:00", "not a valid date"),
    (-5, "cannot be negative"),
    ("-5", "ISO 8601"),
    (1.5, "whole number"),
    (True, "ISO 8601"),
    (None, "ISO 8601"),
    ([1], "got a list"),
])
def test_points_in_time_that_are_rejected_name_the_option_and_rule(value, words):
    with pytest.raises(OptionError) as caught:
        parse_point_in_time(value, "point_in_time")
    assert caught.value.option == "point_in_time"
    assert str(caught.value).startswith("point_in_time: ")
    assert words in caught.value.rule


@pytest.mark.parametrize("value, seconds", [
    (90, 90.0), (1.5, 1.5), (0, 0.0), ("90", 90.0), ("90s", 90.0), ("90m", 5400.0),
    ("1.5h", 5400.0), ("2d", 172800.0), (" 10 M ", 600.0), (".5h", 1800.0),
])
def test_durations_in_seconds_or_with_a_unit(value, seconds):
    assert parse_duration(value, "max_age") == seconds


@pytest.mark.parametrize("value, words", [
    (-1, "cannot be negative"), ("-1h", "number of seconds"), ("1w", "unit"), ("h", "unit"),
    ("", "unit"), (True, "got True"), (None, "got None"), (float("inf"), "finite"), ({"s": 1}, "got a dict"),
])
def test_bad_durations_are_rejected(value, words):
    with pytest.raises(OptionError) as caught:
        parse_duration(value, "reuse_within")
    assert caught.value.option == "reuse_within"
    assert words in caught.value.rule


def test_iso_utc_and_timestamp_pair():
    assert iso_utc(NOV_20_10H_MS + 7) == "2026-11-20T10:00:00.007Z"
    assert iso_utc(0) == "1970-01-01T00:00:00.000Z"
    assert iso_utc(None) is None
    assert timestamp_pair("completed_at", NOV_20_10H_MS) == {"completed_at": "2026-11-20T10:00:00.000Z",
                                                             "completed_at_ms": NOV_20_10H_MS}
    assert timestamp_pair("completed_at", None) == {"completed_at": None, "completed_at_ms": None}


def test_iso_utc_round_trips_through_the_parser():
    for ms in (1420070400000, NOV_20_10H_MS + 999, 1717400900123):
        assert parse_point_in_time(iso_utc(ms), "x") == ms


def test_http_date_parsing():
    assert http_date_to_ms("Fri, 20 Nov 2026 10:00:00 GMT") == NOV_20_10H_MS
    assert http_date_to_ms("not a date") is None
    assert http_date_to_ms("") is None
    assert http_date_to_ms(None) is None


class FakeClocks:
    def __init__(self):
        self.mono = 50.0
        self.wall = 1_000_000.0  # the controller's clock, deliberately far from the server's

    def monotonic(self):
        return self.mono

    def time(self):
        return self.wall


def test_server_clock_uses_the_server_date_plus_monotonic_elapsed_time():
    clocks = FakeClocks()
    clock = ServerClock(monotonic=clocks.monotonic, wall=clocks.time)
    assert clock.now_ms() == 1_000_000_000  # no Date seen yet: the local clock
    assert not clock.has_server_time
    assert clock.observe("Fri, 20 Nov 2026 10:00:00 GMT")
    clocks.mono += 2.5
    assert clock.now_ms() == NOV_20_10H_MS + 2500
    clocks.wall += 999  # the controller clock jumping does not move server time
    assert clock.now_ms() == NOV_20_10H_MS + 2500


def test_server_clock_ignores_missing_or_unreadable_dates_and_follows_the_latest():
    clocks = FakeClocks()
    clock = ServerClock(monotonic=clocks.monotonic, wall=clocks.time)
    clock.observe("Fri, 20 Nov 2026 10:00:00 GMT")
    assert not clock.observe(None)
    assert not clock.observe("garbage")
    assert clock.now_ms() == NOV_20_10H_MS
    clock.observe("Fri, 20 Nov 2026 10:05:00 GMT")
    assert clock.now_ms() == NOV_20_10H_MS + 300000


@given(st.integers(min_value=0, max_value=253402300799999))  # up to 9999-12-31T23:59:59.999Z
def test_any_epoch_ms_survives_iso_formatting_and_parsing(ms):
    assert parse_point_in_time(iso_utc(ms), "point_in_time") == ms


@given(st.integers(min_value=0, max_value=10 ** 6), st.sampled_from([("s", 1), ("m", 60), ("h", 3600), ("d", 86400)]))
def test_any_whole_duration_with_a_unit_is_read_exactly(number, unit):
    suffix, factor = unit
    assert parse_duration("%d%s" % (number, suffix), "max_age") == number * factor
