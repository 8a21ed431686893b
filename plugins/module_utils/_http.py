# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
#
# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""The one HTTP session every module uses: auth, User-Agent, retries, error parsing, server time.

Retry policy (see docs/api-client.md):

* GET and DELETE are safe to repeat: retried on 429, 500, 502, 503, 504, timeouts and lost connections.
* POST is retried only when the server provably did not act on it: a 429, or a connection that
  was never established (refused, name not resolved, connect timeout). Any other POST failure
  after the request was sent (read timeout, reset, 500/502/504) raises ``ApiError(ambiguous=True)``:
  the caller re-reads state instead of repeating the POST. A 503 on POST is the documented
  "backup capability is not available": a definite failure, never retried.
* Backoff: exponential from 1 s, doubling, with equal jitter (half fixed, half random), capped by
  ``retry_max_delay``. A ``Retry-After`` header (seconds or HTTP date) is obeyed exactly; when it
  asks for longer than ``retry_max_delay`` the request fails at once instead of retrying early.
"""

from __future__ import annotations

import collections
import ipaddress
import json
import math
import os
import random
import socket
import threading
import time
import traceback
from urllib.parse import urlsplit

from ansible_collections.restorekit.instaclustr.plugins.module_utils._clock import ServerClock, http_date_to_ms
from ansible_collections.restorekit.instaclustr.plugins.module_utils._errors import TRUNCATION_NOTE, ApiError
from ansible_collections.restorekit.instaclustr.plugins.module_utils._limits import (
    ERROR_TEXT_LIMIT,
    MAX_JSON_DEPTH,
    MAX_RESPONSE_BYTES,
    READ_CHUNK_BYTES,
    BoundExceeded,
    Deadline,
    bound_json,
    loads_bounded,
    read_bounded,
)
from ansible_collections.restorekit.instaclustr.plugins.module_utils._secrets import Secrets
from ansible_collections.restorekit.instaclustr.plugins.module_utils._version import COLLECTION_VERSION

try:
    import requests
    from requests import exceptions as requests_errors
    from requests.adapters import HTTPAdapter
    HAS_REQUESTS = True
    REQUESTS_IMPORT_TRACEBACK = None
except ImportError:  # the module reports it with missing_required_lib("requests")
    requests = None
    requests_errors = None
    HTTPAdapter = object
    HAS_REQUESTS = False
    REQUESTS_IMPORT_TRACEBACK = traceback.format_exc()

SAFE_TO_REPEAT = frozenset(("GET", "DELETE"))
RETRYABLE_STATUSES = frozenset((429, 500, 502, 503, 504))
# A refused port or an unknown host name is a wrong api_url far more often than a blip: retried this
# many times at most (about 3 s), not api_retries times, and the failure names the URL.
CONNECT_FAILURE_KINDS = frozenset(("connection refused", "name resolution"))
CONNECT_FAILURE_RETRIES = 2
# Paths the collection adds itself: an api_url that already ends in one doubles it, and every request answers 404.
API_PREFIXES = ("/provisioning/v1", "/cluster-management/v2")
BACKOFF_BASE_SECONDS = 1.0
# How long after api_timeout a request still under way is cut (the connection shut down).
DEADLINE_GRACE_SECONDS = 0.5
# Failures the client itself decides: never repeated (the same server gives the same answer).
FINAL_KINDS = frozenset(("tls error", "response too large", "unreadable answer"))
# The CA bundle variables requests reads; read here for loopback URLs, whose environment is otherwise ignored.
CA_BUNDLE_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
INSECURE_WARNING = ("validate_certs is false: the API's TLS certificate is not verified, so anyone on the path "
                    "can read the API key; use ca_path for a private certificate authority instead")


def is_loopback_host(host):
    """True for localhost, 127.0.0.0/8 and ::1 (brackets allowed): hosts that never leave the machine."""
    if not host:
        return False
    name = host.strip().strip("[]").rstrip(".").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def default_user_agent():
    """``restorekit.instaclustr/<version> ansible-core/<version> python-requests/<version>``."""
    try:
        from ansible.module_utils.ansible_release import __version__ as ansible_version
    except ImportError:  # a stripped-down module payload: leave the version out rather than fail
        ansible_version = "unknown"
    requests_version = requests.__version__ if HAS_REQUESTS else "missing"
    return "restorekit.instaclustr/%s ansible-core/%s python-requests/%s" % (COLLECTION_VERSION, ansible_version, requests_version)


class ApiResponse:
    """A 2xx answer: ``status``, ``headers`` (case-insensitive mapping), ``json`` (parsed body or None) and ``text``."""

    def __init__(self, status, headers, json_body, text):
        self.status = status
        self.headers = headers
        self.json = json_body
        self.text = text

    def __repr__(self):
        return "ApiResponse(status=%r)" % self.status


class _TransportFailure:
    """A request that got no HTTP answer. ``sent`` is False when it provably never reached the server."""

    def __init__(self, kind, reason, sent):
        self.kind = kind
        self.reason = reason
        self.sent = sent


def _caused_by(error, wanted_types):
    """Whether ``error`` or anything in its cause chain (requests wraps urllib3 wraps socket) is one of ``wanted_types``."""
    seen = set()
    pending = [error]
    while pending:
        current = pending.pop()
        if not isinstance(current, BaseException) or id(current) in seen:
            continue  # None, or a ``reason`` that is only text (some urllib3 errors carry a string there)
        seen.add(id(current))
        if isinstance(current, wanted_types):
            return True
        pending.extend((current.__cause__, current.__context__, getattr(current, "reason", None)))
        pending.extend(arg for arg in getattr(current, "args", ()) if isinstance(arg, BaseException))
    return False


def _urllib3_types(*names):
    """urllib3 exception classes by name (names missing from an older urllib3 are skipped)."""
    try:
        from urllib3 import exceptions as urllib3_errors
    except ImportError:
        return ()
    return tuple(getattr(urllib3_errors, name) for name in names if hasattr(urllib3_errors, name))


def classify_transport_error(error, timeout):
    """Turn a requests exception into a ``_TransportFailure`` with a message free of URLs and headers."""
    if isinstance(error, requests_errors.ConnectTimeout):
        return _TransportFailure("connect timeout", "could not connect within %s s" % _seconds(timeout), sent=False)
    if isinstance(error, requests_errors.SSLError):
        return _TransportFailure("tls error", "TLS handshake failed (check validate_certs and ca_path)", sent=False)
    if isinstance(error, requests_errors.Timeout):
        return _TransportFailure("timeout", "timed out after %s s waiting for the response" % _seconds(timeout), sent=True)
    if isinstance(error, requests_errors.ConnectionError):
        if _caused_by(error, _urllib3_types("NameResolutionError")):
            return _TransportFailure("name resolution", "could not resolve the API host name", sent=False)
        if _caused_by(error, (ConnectionRefusedError,) + _urllib3_types("NewConnectionError")):
            return _TransportFailure("connection refused", "connection refused", sent=False)
        return _TransportFailure("connection lost", "connection lost before a complete response", sent=True)
    if isinstance(error, (requests_errors.ChunkedEncodingError, requests_errors.ContentDecodingError)):
        return _TransportFailure("connection lost", "connection lost while reading the response", sent=True)
    return _TransportFailure("request error", "the request could not be made (%s)" % type(error).__name__, sent=False)


def displayed_url(url):
    """``url`` without credentials, query or fragment: ``scheme://host[:port]/path``, safe to show in a message."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = "[%s]" % host
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port is None else "%s:%d" % (host, port)
    return "%s://%s%s" % (parts.scheme, netloc, parts.path.rstrip("/"))


def api_prefix_of(url):
    """The API prefix ``url``'s path ends in (``/provisioning/v1``, ``/cluster-management/v2``), or None."""
    path = urlsplit(url).path.rstrip("/").lower()
    for prefix in API_PREFIXES:
        if path.endswith(prefix):
            return prefix
    return None


def _seconds(value):
    return ("%g" % value) if isinstance(value, float) else str(value)


def parse_error_body(text, limit=ERROR_TEXT_LIMIT):
    """An error body as JSON (any shape) when it parses, else the text cut to ``limit`` characters; None when empty.

    The text is kept (bounded) for ``api_error.body``; messages show only a short excerpt of it
    (``ApiError.server_message``).
    """
    if text is None or not text.strip():
        return None
    try:
        parsed = loads_bounded(text)
    except BoundExceeded as error:
        return "%s: %s" % (str(error), text[:limit])
    except ValueError:
        pass
    else:
        # A JSON error body is cut too (its strings, lists and mappings): a 20 MB message never lands whole in a result.
        return parsed if len(text) <= limit else bound_json(parsed)
    if len(text) > limit:
        return text[:limit] + TRUNCATION_NOTE % len(text)
    return text


def parse_retry_after(value, server_now_ms):
    """Seconds to wait from a ``Retry-After`` header (delay seconds or an HTTP date), or None."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        until_ms = http_date_to_ms(value)
        if until_ms is None:
            return None
        seconds = (until_ms - server_now_ms) / 1000.0
    if math.isnan(seconds):
        return None
    return max(0.0, seconds)


def backoff_delay(retry_number, max_delay, rng=random.random):
    """Delay before retry ``retry_number`` (0-based): 1, 2, 4, ... s capped by ``max_delay``, with equal jitter.

    Equal jitter (half the step fixed, half random) spreads parallel tasks apart without ever
    retrying a rate limit almost at once, which full jitter can do.
    """
    step = min(float(max_delay), BACKOFF_BASE_SECONDS * (2 ** min(retry_number, 30)))
    return step / 2.0 + rng() * step / 2.0


class _DeadlineAdapter(HTTPAdapter):
    """requests' adapter that knows the connection of the request under way, so a deadline can cut it.

    A server may send its status line, headers or body one byte at a time: each read then ends within the read
    timeout and the exchange never would. ``expire`` shuts the connection's socket down, which ends the
    blocked read at once; the session then reports the deadline, not a lost connection.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._local = threading.local()

    def get_connection_with_tls_context(self, *args, **kwargs):  # requests 2.32 and later
        return self._watched(super().get_connection_with_tls_context(*args, **kwargs))

    def get_connection(self, *args, **kwargs):  # older requests
        return self._watched(super().get_connection(*args, **kwargs))

    def _watched(self, pool):
        if not getattr(pool, "_restorekit_watched", False):
            original = pool._get_conn
            local = self._local

            def get_conn(*args, **kwargs):
                connection = original(*args, **kwargs)
                holder = getattr(local, "holder", None)
                if holder is not None:
                    holder["connection"] = connection
                return connection
            pool._get_conn = get_conn
            pool._restorekit_watched = True
        return pool

    def begin(self):
        """A new holder for the connection of the request this thread is about to send (read by the timer's thread)."""
        self._local.holder = {}
        return self._local.holder

    @staticmethod
    def expire(holder):
        sock = getattr(holder.get("connection"), "sock", None)
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Watch:
    """A timer that cuts the request under way when its deadline passes."""

    def __init__(self, adapter, deadline):
        self.expired = False
        self._adapter = adapter
        self._holder = adapter.begin()
        # A moment after the deadline: a server that sends nothing meets the read timeout first, with its own message.
        self._timer = threading.Timer(max(0.0, deadline.remaining()) + DEADLINE_GRACE_SECONDS, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def _expire(self):
        self.expired = True
        self._adapter.expire(self._holder)

    def cancel(self):
        self._timer.cancel()


def _environment_ca_bundle():
    for name in CA_BUNDLE_VARIABLES:
        if os.environ.get(name):
            return os.environ[name]
    return None


class ApiSession:
    """The single ``requests.Session`` to the API (constructed only when requests is installed).

    ``retry_count`` counts retried answers, ``retried_statuses`` counts them by HTTP status or by
    failure kind (``"timeout"``, ``"connection refused"``, ...), and ``retry_log`` keeps one entry
    per retry; ``on_retry(entry)`` is called for each, so the caller can log them at debug level.
    """

    def __init__(self, base_url, username, api_key, timeout=60, retries=5, retry_max_delay=30,
                 validate_certs=True, ca_path=None, user_agent=None, sleep=time.sleep,
                 on_retry=None, rng=random.random, monotonic=time.monotonic, max_response_bytes=MAX_RESPONSE_BYTES,
                 max_json_depth=MAX_JSON_DEPTH, secrets=None, budget=None):
        if not HAS_REQUESTS:
            raise ImportError("the Python library requests is required")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retries = retries
        self.retry_max_delay = retry_max_delay
        self.clock = ServerClock(monotonic=monotonic)
        self.retry_count = 0
        self.retried_statuses = collections.Counter()
        self.retry_log = []
        # Every form of the key (base64(user:key) with and without padding too), masked in what the server sends back.
        self.secrets = secrets if secrets is not None else Secrets()
        self.secrets.register(api_key, username=username)
        self._sleep = sleep
        self._on_retry = on_retry
        self._rng = rng
        self.max_response_bytes = max_response_bytes
        self.max_json_depth = max_json_depth
        self._monotonic = monotonic
        self.budget = budget  # a _budget.RequestBudget: acquire() before every request sent, retries included
        self._verify = ca_path if (validate_certs and ca_path) else bool(validate_certs)
        self._session = requests.Session()
        self._adapter = _DeadlineAdapter()
        self._session.mount("https://", self._adapter)
        self._session.mount("http://", self._adapter)
        if self.is_loopback:
            # Never through a proxy (HTTP_PROXY, ALL_PROXY, ...): the request, key included, stays on the machine.
            # That ignores the whole environment (and .netrc) for this URL, so the CA bundle variables are read here.
            self._session.trust_env = False
            self._session.proxies = {}
            if self._verify is True and _environment_ca_bundle():
                self._verify = _environment_ca_bundle()
        self._session.auth = (username, api_key)  # only ever sent in the Authorization header
        self._session.headers.update({"Accept": "application/json", "User-Agent": user_agent or default_user_agent()})

    def __repr__(self):
        # Never the key: the repr may end up in a traceback or a debug log.
        return "ApiSession(base_url=%r)" % self.base_url

    @property
    def is_loopback(self):
        return is_loopback_host(urlsplit(self.base_url).hostname)

    def get(self, path, operation):
        return self.request("GET", path, operation)

    def post(self, path, operation, body=None):
        return self.request("POST", path, operation, body=body)

    def delete(self, path, operation, body=None):
        return self.request("DELETE", path, operation, body=body)

    def request(self, method, path, operation, body=None):
        """Send until a 2xx (returned as ``ApiResponse``), a final failure (``ApiError``) or retries run out."""
        retry_number = 0
        while True:
            outcome = self._send_once(method, path, body)
            if isinstance(outcome, ApiResponse):
                return outcome
            delay, stop_note = self._retry_delay(method, outcome, retry_number)
            if delay is None:
                raise self._final_error(operation, method, path, outcome, stop_note)
            self._record_retry(operation, method, path, outcome, retry_number, delay)
            self._sleep(delay)
            retry_number += 1

    def _send_once(self, method, path, body):
        """One HTTP exchange: an ``ApiResponse`` (2xx), a non-2xx ``requests.Response`` or a ``_TransportFailure``."""
        headers = {}
        data = None
        if method == "POST" or body is not None:  # a body on DELETE too (v1's firewall rules)
            headers["Content-Type"] = "application/json"  # also on the bodyless trigger: the API answers 415 without it
            data = None if body is None else json.dumps(body)
        if self.budget is not None:
            self.budget.acquire()
        deadline = Deadline(self.timeout, monotonic=self._monotonic)
        watch = _Watch(self._adapter, deadline)
        response, complete = None, False
        try:
            response = self._session.request(method, self.base_url + path, data=data, headers=headers,
                                             timeout=self.timeout, verify=self._verify, allow_redirects=False,
                                             stream=True)
            # The body in chunks: never more than max_response_bytes, never past the deadline.
            chunks = response.iter_content(READ_CHUNK_BYTES)
            response._content = read_bounded(chunks, self.max_response_bytes, deadline)
            complete = True  # read to its end: the connection goes back to the pool (keep-alive)
        except BoundExceeded as error:
            return _TransportFailure("timeout" if error.kind == "deadline" else "response too large", str(error), sent=True)
        except requests_errors.RequestException as error:
            if watch.expired:
                return _TransportFailure("timeout", str(deadline.error()), sent=not isinstance(error, requests_errors.ConnectTimeout))
            return classify_transport_error(error, self.timeout)
        finally:
            watch.cancel()
            if response is not None and not complete:
                response.close()  # a body not read to its end: the connection is dropped, never reused
        self.clock.observe(response.headers.get("Date"))
        if 200 <= response.status_code < 300:
            try:
                return _success(response, self.max_json_depth)
            except BoundExceeded as error:
                return _TransportFailure("unreadable answer", str(error), sent=True)
        return response

    def _retry_delay(self, method, outcome, retry_number):
        """``(seconds to sleep, None)`` before the next attempt, or ``(None, note)`` when this outcome is final."""
        if not self._is_retryable(method, outcome):
            return None, None
        allowed = self.retries
        if isinstance(outcome, _TransportFailure) and outcome.kind in CONNECT_FAILURE_KINDS:
            allowed = min(allowed, CONNECT_FAILURE_RETRIES)
        if retry_number >= allowed:
            return None, ("gave up after %d retries" % retry_number) if retry_number else None
        if isinstance(outcome, _TransportFailure):
            return backoff_delay(retry_number, self.retry_max_delay, self._rng), None
        asked = parse_retry_after(outcome.headers.get("Retry-After"), self.clock.now_ms())
        if asked is None:
            return backoff_delay(retry_number, self.retry_max_delay, self._rng), None
        if asked > self.retry_max_delay:
            # Retrying before the server allows it only earns another refusal: say so and stop.
            return None, "the server asked to retry after %s s, longer than api_retry_max_delay (%s s)" % (
                _seconds(asked), _seconds(self.retry_max_delay))
        return asked, None

    @staticmethod
    def _is_retryable(method, outcome):
        if isinstance(outcome, _TransportFailure):
            if outcome.kind in FINAL_KINDS:
                return False  # a certificate does not fix itself between attempts, nor does an answer too big
            return not outcome.sent or method in SAFE_TO_REPEAT
        if outcome.status_code == 429:
            return True  # the rate limiter refused it: nothing was done
        return method in SAFE_TO_REPEAT and outcome.status_code in RETRYABLE_STATUSES

    def _record_retry(self, operation, method, path, outcome, retry_number, delay):
        cause = outcome.kind if isinstance(outcome, _TransportFailure) else outcome.status_code
        self.retry_count += 1
        self.retried_statuses[cause] += 1
        entry = {"operation": operation, "method": method, "path": path, "cause": cause,
                 "retry": retry_number + 1, "delay_seconds": round(delay, 3)}
        self.retry_log.append(entry)
        if self._on_retry is not None:
            self._on_retry(entry)

    def _final_error(self, operation, method, path, outcome, note):
        if isinstance(outcome, _TransportFailure):
            # Name the URL (never its credentials): a wrong api_url is the usual cause of a connection failure.
            reason = "%s (api_url %s)" % (outcome.reason, displayed_url(self.base_url))
            reason = reason if note is None else "%s; %s" % (reason, note)
            # Sent but unanswered: a POST or DELETE may have been acted on.
            return ApiError(operation, method, path, status=None, reason=self._scrub(reason),
                            ambiguous=outcome.sent and method != "GET")
        status = outcome.status_code
        notes = []
        if 300 <= status < 400:
            notes.append("redirect to %s not followed" % (outcome.headers.get("Location") or "an unnamed location"))
        if note:
            notes.append(note)
        return ApiError(operation, method, path, status=status, body=self._scrub(parse_error_body(outcome.text)),
                        reason=self._scrub("; ".join(notes)) if notes else None,
                        ambiguous=self._status_is_ambiguous(method, status),
                        content_type=self._scrub(outcome.headers.get("Content-Type")), hint=self._status_hint(status))

    def _status_hint(self, status):
        """A better hint than the status's usual one: a 404 under an api_url that ends in an API prefix."""
        prefix = api_prefix_of(self.base_url) if status == 404 else None
        if prefix is None:
            return None
        return ("api_url %s ends in %s, which the collection adds itself: set api_url to the API's base URL without it, "
                "such as %s" % (displayed_url(self.base_url), prefix, displayed_url(self.base_url)[:-len(prefix)] or "https://api.instaclustr.com"))

    @staticmethod
    def _status_is_ambiguous(method, status):
        """A POST or DELETE answered with 500/502/504 may have been acted on; 503 is a definite refusal."""
        return method != "GET" and status >= 500 and status != 503

    def _scrub(self, value):
        """Mask every secret form wherever it could appear in a message or an echoed body (belt and braces)."""
        return self.secrets.mask(value)


def _success(response, max_json_depth=MAX_JSON_DEPTH):
    text = response.text
    parsed = None
    if text and text.strip():
        try:
            parsed = loads_bounded(text, max_json_depth)
        except ValueError:
            parsed = None
    return ApiResponse(response.status_code, response.headers, parsed, text)  # case-insensitive, as HTTP headers are
