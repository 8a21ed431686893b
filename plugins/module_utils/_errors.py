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

import http
import json
import re

# A non-JSON error body (an HTML page from a proxy or a load balancer) shows in messages as an
# excerpt of at most this many characters; the body itself stays in ``ApiError.body`` (bounded).
EXCERPT_LIMIT = 120
# The server's own words are shown whole up to this length (each part of them), then cut; all parts together
# up to MESSAGE_LIMIT (an error that lists thousands of entries is shown by its first ones).
MESSAGE_PART_LIMIT = 500
MESSAGE_LIMIT = 2000
# How _http.parse_error_body marks a body it cut (kept here so an excerpt can leave the mark out).
TRUNCATION_NOTE = "... (truncated, %d characters in all)"
_TRUNCATION_NOTE = re.compile(r"\.\.\. \(truncated, \d+ characters in all\)$")
# Scripts, styles and comments (also one cut off by the truncation), then tags (also a cut-off one).
_HTML_NOISE = re.compile(r"<(script|style)\b.*?(</\1\s*>|$)|<!--.*?(-->|$)", re.IGNORECASE | re.DOTALL)
_HTML_TAG = re.compile(r"<[^>]*(>|$)")
_WHITESPACE = re.compile(r"\s+")

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
    response text cut to a bounded length; ``content_type`` is the answer's ``Content-Type``.
    Messages never carry a whole non-JSON body, only a short excerpt (``server_message``).
    ``ambiguous`` is True when the request was a
    POST or DELETE that the server may have acted on although the client saw a failure
    (timeout, reset, 5xx): the caller must re-read state and never repeat it blindly.
    """

    def __init__(self, operation, method, path, status=None, body=None, reason=None, ambiguous=False, content_type=None,
                 hint=None):
        self.operation = operation
        self.method = method
        self.path = path
        self.status = status
        self.body = body
        self.reason = reason
        self.ambiguous = ambiguous
        self.content_type = content_type
        self.hint = hint  # what the client knows better than the status alone (``STATUS_HINTS`` otherwise)
        super().__init__(self.describe())

    @property
    def server_message(self):
        """The server's own words, whichever error shape it used; None for an empty body.

        Provisioning API v1: ``ErrorMessage`` ``{status, message, errorDetails, code, link}`` and the
        412 ``{cluster, status, reason}``. Cluster Management API v2: ``{"errors": [{"name", "message"}, ...]}``
        (``name: message`` joined with ``; ``, the message alone without a name), a bare
        ``{"name", "message"}``, ``{"errors": {key: text}}`` (its values) and ``{"error": text}``.
        Anything else, above all a non-JSON body such as a proxy's HTML error page, is shown as a
        short whitespace-collapsed excerpt with its content type: never the whole body.
        """
        body = self.body
        if body is None or body == {} or body == [] or (isinstance(body, str) and not body.strip()):
            return None
        if isinstance(body, dict):
            parts = _dict_message_parts(body)
        elif isinstance(body, list):  # a bare list of v2 error entries
            parts = _error_list_parts([entry for entry in body if isinstance(entry, dict)])
        else:
            parts = []
        if not parts:
            return self.excerpt()
        return _cut("; ".join(_cut(part, MESSAGE_PART_LIMIT) for part in parts), MESSAGE_LIMIT)

    def excerpt(self):
        """A short, whitespace-collapsed excerpt of a body with no message we know, with its content type."""
        body = self.body
        if isinstance(body, str):
            text = _TRUNCATION_NOTE.sub("", body)
            if _looks_like_html(text, self.content_type):
                text = _HTML_TAG.sub(" ", _HTML_NOISE.sub(" ", text))
            kind = "a non-JSON answer"
        else:
            text = json.dumps(body, sort_keys=True, default=str)
            kind = "an answer of an unknown shape"
        text = _cut(_WHITESPACE.sub(" ", text).strip(), EXCERPT_LIMIT)
        media = (self.content_type or "").split(";")[0].strip() or "no content type"
        return "%s (%s)%s" % (kind, media, ": %s" % text if text else "")

    def describe(self):
        if self.status is None:
            text = "%s failed: %s" % (self.operation, self.reason or "no response")
        else:
            text = "%s failed: HTTP %s" % (self.operation, self.status)
            if isinstance(self.body, str) and self.body.strip():
                phrase = _reason_phrase(self.status)  # no message of the API's to explain the status
                if phrase:
                    text += " %s" % phrase
            message = self.server_message
            if message:
                text += ": %s" % message
            if self.reason:  # what the client adds to a status: retries given up, a redirect not followed
                text += "; %s" % self.reason
        hint = self.hint or STATUS_HINTS.get(self.status)
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
            "content_type": self.content_type,
            "body": self.body,
        }


def _cut(text, limit):
    return text if len(text) <= limit else text[:limit - 3].rstrip() + "..."


def _reason_phrase(status):
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return None


def _looks_like_html(text, content_type):
    return "html" in (content_type or "").lower() or text.lstrip()[:1] == "<"


def _text(value):
    return value.strip() if isinstance(value, str) and value.strip() else None


def _named(name, message):
    """``name: message`` (v2 error entries); the message alone without a name."""
    name, message = _text(name), _text(message)
    if message and name:
        return "%s: %s" % (name, message)
    return message or name


def _error_list_parts(errors):
    """v2 ``errors`` lists: ``[{"name", "message"}, ...]``; plain strings too."""
    parts = []
    for entry in errors:
        if isinstance(entry, dict):
            text = _named(entry.get("name"), entry.get("message"))
        else:
            text = _text(entry)
        if text:
            parts.append(text)
    return parts


def _dict_message_parts(body):
    parts = []
    if "name" in body:  # v2 ErrorResponseV2, a bare {"name", "message"}
        named = _named(body.get("name"), body.get("message"))
        if named:
            parts.append(named)
    elif _text(body.get("message")):  # v1 ErrorMessage
        parts.append(_text(body["message"]))
    for key in ("reason", "error"):  # v1 412 precondition; ErrorResponse {error}
        if _text(body.get(key)):
            parts.append(_text(body[key]))
    details = body.get("errorDetails")
    if isinstance(details, dict) and details:
        parts.append(", ".join("%s: %s" % (k, v) for k, v in sorted(details.items(), key=str)))
    errors = body.get("errors")
    if isinstance(errors, list):
        parts.extend(_error_list_parts(errors))
    elif isinstance(errors, dict):  # ErrorCollectionResponse {errors: {key: text}}
        parts.extend(text for text in (_text(value) for _key, value in sorted(errors.items(), key=str)) if text)
    return parts


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
