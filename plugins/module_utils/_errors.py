# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
#
# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""The exceptions every layer raises and the module funnel turns into one clear failure.

Nothing here imports Ansible or requests, so every layer (and the unit tests) can use them.
"""

from __future__ import annotations

# Hints appended to API failures, by HTTP status. Kept here so every module words them alike.
STATUS_HINTS = {
    401: "check api_username and api_key (or IC_USERNAME and IC_API_KEY)",
    403: "the API key lacks a permission; a read-only provisioning key can only read",
    404: "check the cluster id: it is unknown to this account",
    412: "no complete backup covers the requested point in time",
    415: "the request body was not sent as application/json",
    429: "the account exceeds 35 requests per second; lower the number of parallel tasks",
    503: "the service or this cluster's backup capability is not available",
}


class RestorekitError(Exception):
    """Base class: every failure the collection raises on purpose."""


class OptionError(RestorekitError):
    """An option value breaks a rule. Raised before any mutating request is sent."""

    def __init__(self, option, rule):
        self.option = option
        self.rule = rule
        super().__init__("%s: %s" % (option, rule))


class ApiError(RestorekitError):
    """A request failed: an HTTP error status, a timeout or a lost connection.

    ``status`` is None when no HTTP status was received. ``body`` is the parsed JSON body
    (``ErrorMessage``, the 412 ``{cluster, status, reason}`` shape, anything else) or the
    response text cut to a bounded length. ``ambiguous`` is True when the request was a
    POST or DELETE that the server may have acted on although the client saw a failure
    (timeout, reset, 5xx): the caller must re-read state and never repeat it blindly.
    """

    def __init__(self, operation, method, path, status=None, body=None, reason=None, ambiguous=False):
        self.operation = operation
        self.method = method
        self.path = path
        self.status = status
        self.body = body
        self.reason = reason
        self.ambiguous = ambiguous
        super().__init__(self.describe())

    @property
    def server_message(self):
        """The server's own words, whichever error shape it used."""
        body = self.body
        if isinstance(body, dict):
            parts = []
            for key in ("message", "reason", "error"):
                value = body.get(key)
                if isinstance(value, str) and value:
                    parts.append(value)
            details = body.get("errorDetails")
            if isinstance(details, dict) and details:
                parts.append(", ".join("%s: %s" % (k, v) for k, v in sorted(details.items(), key=str)))
            errors = body.get("errors")
            if isinstance(errors, list):
                parts.extend(str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors)
            return "; ".join(parts) if parts else None
        if isinstance(body, str) and body.strip():
            return body.strip()
        return None

    def describe(self):
        if self.status is None:
            text = "%s failed: %s" % (self.operation, self.reason or "no response")
        else:
            text = "%s failed: HTTP %s" % (self.operation, self.status)
            message = self.server_message
            if message:
                text += ": %s" % message
            if self.reason:  # what the client adds to a status: retries given up, a redirect not followed
                text += "; %s" % self.reason
        hint = STATUS_HINTS.get(self.status)
        if hint:
            text += " (hint: %s)" % hint
        return text

    def to_result(self):
        """What a failing module returns beside ``msg`` (never headers, so never credentials)."""
        return {
            "operation": self.operation,
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "body": self.body,
        }


class WaitTimeout(RestorekitError):
    """A wait ran out. ``last_seen`` is the partial result the module returns with its failure."""

    def __init__(self, message, last_seen=None, elapsed=None):
        self.last_seen = last_seen
        self.elapsed = elapsed
        super().__init__(message)


class OperationFailed(RestorekitError):
    """The API reached a terminal failure (a FAILED backup node, a FAILED or DEFERRED restore, ...).

    ``details`` is returned with the failure; ``rerun_safe`` tells the user whether running the
    task again cannot duplicate anything (None when it does not apply).
    """

    def __init__(self, message, details=None, rerun_safe=None):
        self.details = details or {}
        self.rerun_safe = rerun_safe
        super().__init__(message)
