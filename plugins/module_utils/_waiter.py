# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
#
# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""Poll until a condition holds, a terminal failure shows, or the time is up.

Time is measured with a monotonic clock (a wall-clock jump cannot end or stretch a wait). Both the
clock and the sleeper are injectable so unit tests run instantly.
"""

from __future__ import annotations

import time

from ansible_collections.restorekit.instaclustr.plugins.module_utils._errors import ApiError, OperationFailed, WaitTimeout

# The real API asks for no more than one poll every 2.5 s; loopback hosts (tests, the emulator) may poll faster.
POLL_FLOOR_SECONDS = 2.5


def poll_interval(wait_sleep, is_loopback):
    """``wait_sleep`` raised to the 2.5 s floor unless the API host is a loopback host."""
    if is_loopback:
        return wait_sleep
    return max(wait_sleep, POLL_FLOOR_SECONDS)


def is_transient(error):
    """An ``ApiError`` that a later poll could cure: no HTTP status (timeout, lost connection), 429 or a 5xx."""
    return error.status is None or error.status == 429 or error.status >= 500


class Wait:
    """One wait, advanced one poll at a time: what ``wait_until`` runs alone and ``wait_many`` runs beside others.

    ``start(monotonic)`` starts its clock; each ``poll(monotonic)`` calls ``fetch()`` once and returns True when the
    wait is over: then ``outcome()`` returns ``(state, elapsed_seconds)`` or raises what ended it (``OperationFailed``,
    ``WaitTimeout``, or an ``ApiError`` that is not transient). The rules are ``wait_until``'s.
    """

    def __init__(self, fetch, done, failed=None, timeout=600, describe=repr, waiting_for="the operation"):
        self.fetch = fetch
        self.done = done
        self.failed = failed
        self.timeout = timeout
        self.describe = describe
        self.waiting_for = waiting_for
        self.started = None
        self.elapsed = None  # seconds from start to the poll that ended the wait
        self.polls = 0
        self.last_state = None
        self.seen_state = False
        self.last_error = None
        self._result = None
        self._error = None

    def start(self, monotonic):
        self.started = monotonic()
        return self

    def remaining(self, monotonic):
        return self.timeout - (monotonic() - self.started)

    def poll(self, monotonic):
        """One ``fetch()``; True when the wait is over (its ``outcome()`` is known)."""
        over = self._poll(monotonic)
        if over:
            self.elapsed = monotonic() - self.started
        return over

    def _poll(self, monotonic):
        self.polls += 1
        try:
            state = self.fetch()
        except ApiError as error:
            if not is_transient(error):
                self._error = error
                return True
            self.last_error = error
        else:
            self.last_state, self.seen_state, self.last_error = state, True, None
            elapsed = monotonic() - self.started
            if self.done(state):
                self._result = (state, elapsed)
                return True
            try:
                _raise_if_failed(self.failed, state, elapsed)
            except OperationFailed as failure:
                self._error = failure
                return True
        elapsed = monotonic() - self.started
        if self.timeout - elapsed <= 0:
            self._error = WaitTimeout(_timeout_message(self.timeout, self.waiting_for, self.describe, self.last_state,
                                                       self.seen_state, self.last_error),
                                      last_seen=self.last_state, elapsed=elapsed)
            return True
        return False

    def outcome(self):
        """``(state, elapsed_seconds)``, or raise what ended the wait."""
        if self._error is not None:
            raise self._error
        return self._result


def wait_until(fetch, done, failed=None, timeout=600, sleep=10, describe=repr,
               monotonic=time.monotonic, sleeper=time.sleep, waiting_for="the operation"):
    """Call ``fetch()`` until ``done(state)``; return ``(state, elapsed_seconds)``.

    * ``failed(state)`` returning a message raises ``OperationFailed(message, details={"last_seen": state})``
      (it may also raise its own ``OperationFailed`` for richer details).
    * A transient ``ApiError`` (see ``is_transient``) is tolerated while time remains; any other
      ``ApiError`` propagates at once.
    * When ``timeout`` seconds have passed, one last poll runs at the deadline, then ``WaitTimeout``
      carries ``describe(last_state)`` (and the last error, if the last poll failed) in its message,
      the last state in ``last_seen`` and the elapsed seconds in ``elapsed``.
    * Sleeps are ``sleep`` seconds, shortened so the wait never overshoots ``timeout``.
    """
    wait = Wait(fetch, done, failed=failed, timeout=timeout, describe=describe, waiting_for=waiting_for).start(monotonic)
    while not wait.poll(monotonic):
        sleeper(min(sleep, wait.remaining(monotonic)))
    return wait.outcome()


def wait_many(waits, sleep=10, monotonic=time.monotonic, sleeper=time.sleep):
    """Advance many ``Wait`` objects together, round-robin, from one process; return them once every one is over.

    Each wait is polled every ``sleep`` seconds from its own last poll (never past its own ``timeout``), the one
    due first first; between polls the process sleeps until the next one is due. One wait ending (done, failed,
    timed out) never ends another: read each one's ``outcome()``.
    """
    due = {}
    for wait in waits:
        wait.start(monotonic)
        due[id(wait)] = wait.started
    pending = list(waits)
    while pending:
        pending.sort(key=lambda wait: due[id(wait)])  # stable: ties keep the caller's order
        now = monotonic()
        still = []
        for wait in pending:
            if due[id(wait)] > now:
                still.append(wait)
                continue
            if not wait.poll(monotonic):
                due[id(wait)] = monotonic() + min(sleep, wait.remaining(monotonic))
                still.append(wait)
        pending = still
        if pending:
            pause = min(due[id(wait)] for wait in pending) - monotonic()
            if pause > 0:
                sleeper(pause)
    return waits


def _raise_if_failed(failed, state, elapsed):
    if failed is None:
        return
    message = failed(state)
    if message:
        raise OperationFailed(message, details={"last_seen": state, "elapsed": elapsed})


def _timeout_message(timeout, waiting_for, describe, last_state, seen_state, last_error):
    text = "timed out after %s s waiting for %s" % (_seconds(timeout), waiting_for)
    if seen_state:
        text += "; last seen: %s" % describe(last_state)
    else:
        text += "; no poll succeeded"
    if last_error is not None:
        text += "; the last poll failed: %s" % last_error.describe()
    return text


def _seconds(value):
    return ("%g" % value) if isinstance(value, float) else str(value)
