# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
#
# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""Points in time, durations and the API server's "now".

The API speaks epoch milliseconds; users write ISO 8601, epoch milliseconds or durations such as
``90m``. Everything here is pure Python (no Ansible, no requests).
"""

from __future__ import annotations

import datetime
import email.utils
import math
import re
import time

from ansible_collections.restorekit.instaclustr.plugins.module_utils._errors import OptionError

_UTC = datetime.timezone.utc
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=_UTC)

# 2026-11-20T10:00:00Z, 2026-11-20 10:00:00.123+02:00, 2026-11-20T10:00+0200 (seconds optional).
_ISO_PATTERN = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})[T ](?P<hour>\d{2}):(?P<minute>\d{2})"
    r"(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d+))?)?"
    r"\s*(?P<zone>Z|z|[+-]\d{2}(?::?\d{2})?)?$"
)
_DATE_ONLY_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DURATION_PATTERN = re.compile(r"^(?P<number>\d+(?:\.\d+)?|\.\d+)\s*(?P<unit>[smhd]?)$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}

POINT_IN_TIME_FORMS = ("an ISO 8601 date and time with a zone (2026-11-20T10:00:00Z for UTC, 2026-11-20T12:00:00+02:00) "
                       "or epoch milliseconds")
DURATION_FORMS = "a number of seconds or a number with a unit s, m, h or d (90m, 1.5h)"


def parse_point_in_time(value, option):
    """Return epoch milliseconds for ``value``; raise ``OptionError(option, rule)`` when it is not one.

    Accepted: an ISO 8601 date and time with a zone or offset, epoch milliseconds (int or digit
    string), or a ``datetime`` with a ``tzinfo``. A date and time without a zone is refused, text or
    naive ``datetime``: it names a different instant in every time zone, and a restore to the wrong
    instant loses data. (Ansible hands a module an unquoted YAML timestamp as text, so the module
    cannot tell whether the author quoted it; reading it as UTC guessed for them.) The message
    shows the fix. A ``date`` alone is rejected too: it names no time of day. The range (not
    before 2015, not in the future) is checked by ``_rules.check_point_in_time``.
    """
    if isinstance(value, bool) or value is None:
        raise OptionError(option, "must be %s (got %r)" % (POINT_IN_TIME_FORMS, value))
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise OptionError(option, _zone_less_rule(value.isoformat()))
        return _datetime_to_ms(value)
    if isinstance(value, datetime.date):
        raise OptionError(option, "a date alone is not a point in time: give a time and a zone, e.g. %sT00:00:00Z" % value.isoformat())
    if isinstance(value, int):
        return _checked_epoch_ms(value, option)
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise OptionError(option, "epoch milliseconds must be a whole number (got %r)" % value)
        return _checked_epoch_ms(int(value), option)
    if isinstance(value, str):
        return _parse_point_in_time_text(value.strip(), option)
    raise OptionError(option, "must be %s (got a %s)" % (POINT_IN_TIME_FORMS, type(value).__name__))


def _checked_epoch_ms(ms, option):
    if ms < 0:
        raise OptionError(option, "epoch milliseconds cannot be negative (got %d)" % ms)
    return ms


def _parse_point_in_time_text(text, option):
    if text.isdigit():
        return _checked_epoch_ms(int(text), option)
    if _DATE_ONLY_PATTERN.match(text):
        raise OptionError(option, "a date alone is not a point in time: give a time and a zone, e.g. %sT00:00:00Z" % text)
    match = _ISO_PATTERN.match(text)
    if not match:
        raise OptionError(option, "must be %s (got %r)" % (POINT_IN_TIME_FORMS, text))
    if match.group("zone") is None:
        raise OptionError(option, _zone_less_rule(text))
    try:
        moment = _datetime_from_match(match)
    except ValueError as error:
        raise OptionError(option, "is not a valid date and time (%s; got %r)" % (error, text)) from None
    return _datetime_to_ms(moment)


def _zone_less_rule(text):
    """The refusal of a date and time without a zone, with the two ways to fix it."""
    base = re.sub(r"^(\d{4}-\d{2}-\d{2})[ T]", r"\1T", text.strip())
    return ("%r has no time zone, so it names a different instant in every zone: write %sZ for UTC, "
            "or add its offset from UTC, such as %s+02:00" % (text, base, base))


def _datetime_from_match(match):
    year, month, day = (int(part) for part in match.group("date").split("-"))
    fraction = (match.group("fraction") or "0")[:6].ljust(6, "0")
    zone = _zone_from_text(match.group("zone"))
    return datetime.datetime(year, month, day, int(match.group("hour")), int(match.group("minute")),
                             int(match.group("second") or 0), int(fraction), tzinfo=zone)


def _zone_from_text(zone):
    if zone in ("Z", "z"):
        return _UTC
    digits = zone[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 23 or minutes > 59:
        raise ValueError("zone offset %s out of range" % zone)
    offset = datetime.timedelta(hours=hours, minutes=minutes)
    return datetime.timezone(-offset if zone[0] == "-" else offset)


def _datetime_to_ms(moment):
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_UTC)  # only HTTP dates get here naive ("-0000": UTC); users' are refused
    delta = moment - _EPOCH
    return (delta.days * 86400 + delta.seconds) * 1000 + delta.microseconds // 1000


def parse_duration(value, option):
    """Return seconds (float) for a number of seconds or ``"<number><unit>"`` (unit s, m, h, d)."""
    if isinstance(value, bool) or value is None:
        raise OptionError(option, "must be %s (got %r)" % (DURATION_FORMS, value))
    if isinstance(value, (int, float)):
        seconds = float(value)
    elif isinstance(value, str):
        seconds = _parse_duration_text(value.strip().lower(), option)
    else:
        raise OptionError(option, "must be %s (got a %s)" % (DURATION_FORMS, type(value).__name__))
    if not math.isfinite(seconds):
        raise OptionError(option, "must be a finite duration (got %r)" % value)
    if seconds < 0:
        raise OptionError(option, "cannot be negative (got %r)" % value)
    return seconds


def _parse_duration_text(text, option):
    match = _DURATION_PATTERN.match(text)
    if not match:
        raise OptionError(option, "must be %s (got %r)" % (DURATION_FORMS, text))
    return float(match.group("number")) * _UNIT_SECONDS[match.group("unit")]


def iso_utc(ms):
    """Epoch milliseconds as ``2026-11-20T10:00:00.000Z``; None stays None."""
    if ms is None:
        return None
    moment = _EPOCH + datetime.timedelta(milliseconds=int(ms))
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (moment.microsecond // 1000)


def timestamp_pair(name, ms):
    """``{name: iso, name_ms: ms}``, the form of every time in a result (both None when ms is None)."""
    return {name: iso_utc(ms), name + "_ms": None if ms is None else int(ms)}


def http_date_to_ms(text):
    """Epoch milliseconds of an HTTP date (``Sun, 22 Nov 2026 10:00:00 GMT``), or None when unreadable."""
    if not text:
        return None
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment is None:
        return None
    return _datetime_to_ms(moment)


class ServerClock:
    """The API server's "now": its last ``Date`` header plus the monotonic time elapsed since.

    Every time rule uses this instead of the controller's clock, so a skewed controller clock (or
    the emulator's simulated one) does not move "now". Before any ``Date`` was seen it falls back
    to the local clock.
    """

    def __init__(self, monotonic=time.monotonic, wall=time.time):
        self._monotonic = monotonic
        self._wall = wall
        self._server_ms = None
        self._observed_at = None

    def observe(self, date_header):
        """Record a response's ``Date`` header; unreadable or missing values are ignored."""
        server_ms = http_date_to_ms(date_header)
        if server_ms is None:
            return False
        self._server_ms = server_ms
        self._observed_at = self._monotonic()
        return True

    @property
    def has_server_time(self):
        return self._server_ms is not None

    def now_ms(self):
        if self._server_ms is None:
            return int(self._wall() * 1000)
        elapsed = self._monotonic() - self._observed_at
        return self._server_ms + int(round(elapsed * 1000))
