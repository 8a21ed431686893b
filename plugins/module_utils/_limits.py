# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
#
# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""The bounds on what a server may hand the collection, in one place for every client (the API's and later ones).

* ``MAX_RESPONSE_BYTES``: a response body is read in chunks and refused beyond this many bytes. The largest
  real answer known is a 300-node cluster's 7-day backup listing, about 62 MB; the cap is four times that and
  well below a controller's memory.
* ``MAX_JSON_DEPTH``: JSON nested deeper than this is refused (the API's answers are about 6 levels deep); deeper
  JSON would otherwise end in a ``RecursionError`` in the parser or in any code that walks it.
* ``ERROR_TEXT_LIMIT`` / ``ERROR_STRING_LIMIT`` / ``ERROR_ITEMS_LIMIT``: an error body kept for a result is cut to
  these sizes, a JSON one too (its strings, lists and mappings), so a 20 MB error never lands whole in a task's output.
* ``Deadline``: the total time a request may take, the whole exchange and not each read (``api_timeout``).

No Ansible, no requests: pure functions a data-plane client can use as well.
"""

from __future__ import annotations

import json
import time

MAX_RESPONSE_BYTES = 256 * 1024 * 1024
MAX_JSON_DEPTH = 100
READ_CHUNK_BYTES = 64 * 1024
ERROR_TEXT_LIMIT = 2000
ERROR_STRING_LIMIT = 500
ERROR_ITEMS_LIMIT = 20
CUT_MARK = "... (cut)"


class BoundExceeded(Exception):
    """A server's answer broke a bound. ``kind``: ``"size"``, ``"deadline"`` or ``"depth"``; the message names the bound."""

    def __init__(self, kind, message):
        self.kind = kind
        super().__init__(message)


def human_bytes(count):
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if count >= size:
            return "%g %s" % (round(count / float(size), 1), unit)
    return "%d bytes" % count


class Deadline:
    """A point in monotonic time a whole exchange must end by."""

    def __init__(self, seconds, monotonic=time.monotonic):
        self.seconds = seconds
        self._monotonic = monotonic
        self.at = monotonic() + seconds

    def remaining(self):
        return self.at - self._monotonic()

    def expired(self):
        return self.remaining() <= 0

    def error(self, what="the answer"):
        return BoundExceeded("deadline", "%s did not arrive in full within %s s (api_timeout bounds the whole request)"
                             % (what, _seconds(self.seconds)))


def read_bounded(chunks, max_bytes=MAX_RESPONSE_BYTES, deadline=None, what="the answer"):
    """The bytes of ``chunks`` (an iterable of bytes), refusing more than ``max_bytes`` or a passed ``deadline``."""
    parts = []
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > max_bytes:
            raise BoundExceeded("size", "%s is larger than the %s the collection reads (MAX_RESPONSE_BYTES); "
                                        "it was not read further" % (what, human_bytes(max_bytes)))
        parts.append(chunk)
        if deadline is not None and deadline.expired():
            raise deadline.error(what)
    return b"".join(parts)


def json_depth_exceeds(value, limit=MAX_JSON_DEPTH):
    """Whether ``value`` (parsed JSON) nests containers deeper than ``limit`` (walked without recursion)."""
    stack = [(value, 1)]
    while stack:
        current, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(current, dict):
            stack.extend((item, depth + 1) for item in current.values() if isinstance(item, (dict, list)))
        elif isinstance(current, list):
            stack.extend((item, depth + 1) for item in current if isinstance(item, (dict, list)))
    return False


def loads_bounded(text, limit=MAX_JSON_DEPTH, what="the answer"):
    """``json.loads(text)``; JSON nested deeper than ``limit`` raises ``BoundExceeded("depth")``, invalid JSON ``ValueError``."""
    try:
        value = json.loads(text)
    except RecursionError:
        value = None
        deep = True
    else:
        deep = isinstance(value, (dict, list)) and json_depth_exceeds(value, limit)
    if deep:
        raise BoundExceeded("depth", "%s holds JSON nested deeper than %d levels (MAX_JSON_DEPTH); it was not read"
                            % (what, limit))
    return value


def bound_json(value, string_limit=ERROR_STRING_LIMIT, items_limit=ERROR_ITEMS_LIMIT, depth_limit=8):
    """A copy of parsed JSON small enough to show: strings cut, lists and mappings to their first items, depth bounded."""
    if isinstance(value, str):
        return value if len(value) <= string_limit else value[:string_limit] + CUT_MARK
    if depth_limit <= 0 and isinstance(value, (dict, list)):
        return CUT_MARK
    if isinstance(value, dict):
        keys = list(value)[:items_limit]
        bounded = {bound_json(key, string_limit, items_limit, 0) if isinstance(key, str) else key:
                   bound_json(value[key], string_limit, items_limit, depth_limit - 1) for key in keys}
        if len(value) > items_limit:
            bounded[CUT_MARK] = "%d more entries" % (len(value) - items_limit)
        return bounded
    if isinstance(value, list):
        bounded = [bound_json(item, string_limit, items_limit, depth_limit - 1) for item in value[:items_limit]]
        if len(value) > items_limit:
            bounded.append("%s %d more items" % (CUT_MARK, len(value) - items_limit))
        return bounded
    return value


def _seconds(value):
    return ("%g" % value) if isinstance(value, float) else str(value)
