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
    started = monotonic()
    last_state = None
    seen_state = False
    last_error = None
    while True:
        try:
            state = fetch()
        except ApiError as error:
            if not is_transient(error):
                raise
            last_error = error
        else:
            last_state, seen_state, last_error = state, True, None
            elapsed = monotonic() - started
            if done(state):
                return state, elapsed
            _raise_if_failed(failed, state, elapsed)
        elapsed = monotonic() - started
        remaining = timeout - elapsed
        if remaining <= 0:
            raise WaitTimeout(_timeout_message(timeout, waiting_for, describe, last_state, seen_state, last_error),
                              last_seen=last_state, elapsed=elapsed)
        sleeper(min(sleep, remaining))


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
