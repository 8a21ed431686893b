# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
#
# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""The request budget shared by every process of one controller for one API account (``api_rate_limit``).

Each module runs in its own process, so the budget is a small file in the account's state folder
(``request-budget``), read and rewritten under ``flock`` for a few microseconds per request:

* it holds the **send slots** reserved in the last window (a sliding-window log). A request takes the
  next slot: now, but not before the previous reservation (first come, first served: a waiting
  request is never overtaken, so no process starves) and not before the slot ``N`` places back plus
  the window, so no window of ``window`` seconds holds more than ``N`` slots. The process then
  sleeps until its slot *without* holding the lock;
* it counts requests when they really **leave** (``sent``), not only when they were booked: a request
  that had to wait looks again under the lock when it wakes (``depart``). It leaves when the requests
  already sent leave room in every window around the time it leaves (its slot when it woke within
  ``LATE_SECONDS``, a sleep's usual overshoot, else the real time), and is written down at that time;
  otherwise it takes the first instant with room, sleeps and looks again. So a process scheduled long after its slot on a loaded controller, or many whose slots
  passed during a stall of the whole machine, cannot leave in a burst: they leave at the rate. Only
  requests really sent count for that look, so a late request is never queued behind the bookings made
  after it (it goes as soon as the window has room; those bookings look again in their turn);
* it holds the **lowest rate** any process configured in the last ``FLOOR_HOLD_SECONDS``: every process
  budgets with the lowest of its own rate and that floor, so when rates differ the lowest holds;
* nothing in it can wedge another process: the lock is an ``flock`` (the kernel releases it when its
  holder dies, however it dies), a slot reserved by a process that died is simply not used (and, never
  sent, takes no room from the requests that look again), a file cut
  short or unreadable is read as a full window (the next request waits one window, then the file
  heals), and a log written before the machine restarted (another boot id) or pointing absurdly far
  ahead is dropped.

A rate of ``R`` requests per second allows ``N = floor(R)`` requests in any window of one second plus
``MARGIN_SECONDS`` (the API counts arrivals, which lag departures by a little scheduling and network
jitter); a rate below 1 allows one request per ``1 / R`` seconds. A request is written down at most ``LATE_SECONDS``
before it leaves, so by departure every window of ``1 + MARGIN_SECONDS - LATE_SECONDS`` seconds holds at most
``N`` requests. The times are ``time.monotonic``, which one machine's processes share.
"""

from __future__ import annotations

import bisect
import contextlib
import json
import math
import os
import stat
import time

from ansible_collections.restorekit.instaclustr.plugins.module_utils._errors import OptionError

RATE_LIMIT_ENV = "IC_API_RATE_LIMIT"
DEFAULT_RATE_LIMIT = 30.0
BUDGET_FILE = "request-budget"
WINDOW_SECONDS = 1.0
# The API counts requests when they arrive; a slot is when the request leaves. Arrivals lag slots by
# a variable few milliseconds (the sleep's overshoot, scheduling on a busy controller, the network),
# so two requests N slots apart must stay more than a second apart on the server's side too.
MARGIN_SECONDS = 0.1
# A request that waited is written down as sent at its slot when it wakes within this of it (a sleep's usual
# overshoot), else at its real time; ``depart`` checks the windows around that instant.
LATE_SECONDS = 0.02
# How long a process's rate keeps holding for the others after its last request.
FLOOR_HOLD_SECONDS = 60.0
# A reservation further ahead than this is not one a live process made (a clock from an earlier boot).
STALE_AHEAD_SECONDS = 3600.0
FORMAT = 1
_READ_LIMIT = 1024 * 1024
# Rewrites pad with spaces to the previous length (a process killed between two writes cannot leave
# a tail of an older document); past this much padding the file is cut back.
_PAD_LIMIT = 4096
_BOOT_ID = None


def boot_id():
    """This boot's identity (Linux ``boot_id``), or "" where the system does not tell."""
    global _BOOT_ID  # pylint: disable=global-statement
    if _BOOT_ID is None:
        try:
            with open("/proc/sys/kernel/random/boot_id", "r") as handle:
                _BOOT_ID = handle.read(64).strip()
        except (OSError, UnicodeDecodeError):
            _BOOT_ID = ""
    return _BOOT_ID


def allowance(rate):
    """``(requests, window_seconds)`` for a rate in requests per second (rate > 0)."""
    if rate >= 1:
        return int(math.floor(rate)), WINDOW_SECONDS + MARGIN_SECONDS
    return 1, 1.0 / rate + MARGIN_SECONDS


def check_rate_limit(value, option="api_rate_limit"):
    """The rate as a float: a number of 0 (no budget) or more."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value) or math.isinf(value) or value < 0:
        raise OptionError(option, "must be a number of requests per second of 0 (no shared budget) or more, got %r" % (value,))
    return float(value)


def _usable(document, rate, now, boot):
    """``document`` as a log this boot's processes can use: malformed counts as a full window, another boot's as empty."""
    if not isinstance(document, dict) or document.get("format") != FORMAT or not _valid(document):
        # Unreadable (a cut write, another program): assume a window was just spent, so no burst can follow.
        requests, _window = allowance(rate)
        return {"slots": [], "sent": [now] * requests, "floor": [rate, now + FLOOR_HOLD_SECONDS], "boot": boot}
    times = document["slots"] + document.get("sent", [])
    if document.get("boot", "") != boot or (times and max(times) > now + STALE_AHEAD_SECONDS):
        return {"slots": [], "sent": [], "floor": None, "boot": boot}  # written before a restart: its times mean nothing now
    return document


def _effective(document, rate, now):
    """``(requests, window, floor)``: the allowance of the lowest rate that holds, and the floor still in force (or None)."""
    floor = document.get("floor")
    effective = rate
    if floor and floor[1] > now and floor[0] < rate:
        effective = floor[0]
    else:
        floor = None
    requests, window = allowance(effective)
    return requests, window, floor


def _written(slots, sent, floor, rate, now, boot):
    if floor is None or rate <= floor[0]:
        floor = [rate, now + FLOOR_HOLD_SECONDS]
    return {"format": FORMAT, "boot": boot, "floor": floor, "slots": slots, "sent": sent}


def reserve(document, rate, now, boot=""):
    """Pure arithmetic of one reservation: ``(slot, new_document)`` for a request asked at ``now``.

    The slot is now when the window has room (the request is then written down as sent), else the next one in
    first-come-first-served order, counting the requests sent and those booked (``slots``) alike.
    ``document`` is the budget file's content (None or anything malformed counts as a full window).
    """
    document = _usable(document, rate, now, boot)
    requests, window, floor = _effective(document, rate, now)
    slots = sorted(slot for slot in document["slots"] if slot > now - window)
    sent = sorted(time_ for time_ in document.get("sent", []) if time_ > now - window - LATE_SECONDS)
    booked = sorted(slots + [time_ for time_ in sent if time_ > now - window])
    slot = now
    if booked:
        slot = max(slot, booked[-1])
    if len(booked) >= requests:
        slot = max(slot, booked[-requests] + window)
    if slot <= now:
        sent.append(slot)
    else:
        slots.append(slot)
    return slot, _written(slots, sent, floor, rate, now, boot)


def earliest_fit(times, earliest, requests, window):
    """The first instant from ``earliest`` at which one more request keeps every window within ``requests``.

    ``times`` is sorted. A window ``(t - window, t]`` holds at most ``requests`` of them exactly when any
    ``requests + 1`` consecutive times span at least ``window``. A run ``times[j:j + requests]`` spanning less
    than ``window`` forbids the open interval ``(times[j + requests - 1] - window, times[j] + window)``; both
    ends grow with ``j``, so one pass finds the first instant outside every forbidden interval.
    """
    instant = earliest
    for first in range(len(times) - requests + 1):
        low, high = times[first], times[first + requests - 1]
        if high - low >= window:
            continue
        start, end = high - window, low + window
        if end <= instant:
            continue
        if start >= instant:
            break  # every later run starts later still
        instant = end
    return instant


def depart(document, slot, rate, now, boot=""):
    """Pure arithmetic of a waiting request's second look: ``(instant, new_document, leaves)``.

    The request booked ``slot`` and is ready at ``now``. Written down at its slot when it woke within
    ``LATE_SECONDS`` of it, else at ``now``, it leaves (``leaves`` True, ``instant`` the time written in
    ``sent``) when every window of the requests already sent still holds at most the rate's ``requests``; otherwise ``instant`` is the first
    later time with room, booked in its place, and the caller sleeps until it and looks again. Only requests sent
    count: bookings made after this one look again when they wake. A log unreadable or of another boot is read
    as ``reserve`` reads it.
    """
    ready = max(now, slot)  # a sleep that returned early (a fake one) counts as on time
    usable = _usable(document, rate, ready, boot)
    requests, window, floor = _effective(usable, rate, ready)
    slots = sorted(other for other in usable["slots"] if other > ready - window)
    if usable is document and slot in slots:
        slots.remove(slot)
    sent = sorted(time_ for time_ in usable.get("sent", []) if time_ > ready - window - LATE_SECONDS)
    # On time (a sleep's usual overshoot): written at its slot; later: at the real time.
    instant = earliest_fit(sent, slot if ready - slot <= LATE_SECONDS else ready, requests, window)
    leaves = instant <= ready
    bisect.insort(sent if leaves else slots, instant)
    return instant, _written(slots, sent, floor, rate, ready, boot), leaves


def _times(value):
    return isinstance(value, list) and all(isinstance(item, (int, float)) and not isinstance(item, bool) for item in value)


def _valid(document):
    floor = document.get("floor")
    if not _times(document.get("slots")) or not _times(document.get("sent", [])):
        return False
    if floor is None:
        return True
    return (isinstance(floor, list) and len(floor) == 2 and all(isinstance(part, (int, float)) for part in floor)
            and floor[0] > 0)


class RequestBudget:
    """The budget file of one account folder; ``acquire()`` before each request waits for its slot.

    ``monotonic`` must be a clock every process of the machine shares (the default); ``sleep`` may be the
    module's (unit tests make it instant). ``acquired``, ``rebooked`` (second looks that found no room and
    waited again) and ``waited_seconds`` count what it did.
    """

    def __init__(self, folder, rate, sleep=time.sleep, monotonic=time.monotonic, ensure=None):
        self.path = os.path.join(folder, BUDGET_FILE)
        self.rate = float(rate)
        self.acquired = 0
        self.rebooked = 0
        self.waited_seconds = 0.0
        self._sleep = sleep
        self._monotonic = monotonic
        self._ensure = ensure
        self._descriptor = None
        self._length = 0

    def __repr__(self):
        return "RequestBudget(rate=%r)" % self.rate

    def _open(self):
        if self._ensure is not None:
            self._ensure()
        descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0), 0o600)
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode) or (hasattr(os, "getuid") and info.st_uid != os.getuid()):
            os.close(descriptor)
            raise OptionError("state_dir", "%s is not a regular file of this user; remove it" % self.path)
        self._descriptor = descriptor

    def acquire(self):
        """Book the next send slot (under the lock, microseconds), sleep until it; returns the wait in seconds.

        A request that had to wait looks again under the lock when it wakes (``depart``): it leaves when the requests
        already sent leave room around the real time, else it sleeps until the first instant with room and looks
        again (``rebooked`` counts those). So what is counted is when requests really leave, however late the
        process was scheduled.
        """
        with self._locked() as document:
            asked = self._monotonic()
            slot, updated = reserve(document.get("read"), self.rate, asked, boot_id())
            document["write"] = updated
        self.acquired += 1
        if slot <= asked:
            return 0.0
        now = asked
        while True:
            if slot > now:
                self._sleep(slot - now)
            with self._locked() as document:
                now = self._monotonic()
                slot, updated, leaves = depart(document.get("read"), slot, self.rate, now, boot_id())
                document["write"] = updated
            if leaves:
                break
            self.rebooked += 1
        waited = max(now, slot) - asked
        self.waited_seconds += waited
        return waited

    @contextlib.contextmanager
    def _locked(self):
        """The budget document under ``flock``: ``{"read": parsed or None}``; what the caller puts in ``"write"`` is saved."""
        import fcntl  # POSIX only, as the state folder's locks

        if self._descriptor is None:
            self._open()
        descriptor = self._descriptor
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        try:
            raw = os.pread(descriptor, _READ_LIMIT, 0)
            try:
                parsed = json.loads(raw.decode("utf-8")) if raw.strip() else {"format": FORMAT, "slots": [], "sent": [], "boot": boot_id()}
            except (ValueError, UnicodeDecodeError, RecursionError):
                parsed = None
            document = {"read": parsed}
            yield document
            if "write" in document:
                text = json.dumps(document["write"], separators=(",", ":")).encode("utf-8")
                length = len(text)
                if length < len(raw):
                    text += b" " * (len(raw) - length)
                os.pwrite(descriptor, text, 0)
                if len(text) - length > _PAD_LIMIT:
                    os.ftruncate(descriptor, length)  # only padding goes: the document before it is whole
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)

    def close(self):
        if self._descriptor is not None:
            os.close(self._descriptor)
            self._descriptor = None


def budget_for(state_home, api_url, username, rate, sleep=time.sleep):
    """The ``RequestBudget`` of this account under ``state_home`` (None: the default home), or None when ``rate`` is 0."""
    rate = check_rate_limit(rate)
    if rate == 0:
        return None
    from ansible_collections.restorekit.instaclustr.plugins.module_utils._state import StateFolder

    folder = StateFolder(state_home, api_url, username)
    return RequestBudget(folder.path, rate, sleep=sleep, ensure=folder.ensure)
