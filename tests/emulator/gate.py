"""What every API request goes through before and after its route: injected faults, Basic
auth, the rate limit, the 415 rule, the request log and dropped connections.
"""

import hmac
import json
import socket
import time

from flask import Response, g, jsonify, request

from tests.emulator import wire_v2
from tests.emulator.clock import http_date, iso_ms
from tests.emulator.wire import error_message

API_PREFIX = "/provisioning/v1"


def under(prefix):
    return request.path == prefix or request.path.startswith(prefix + "/")


def is_api_request():
    return under(API_PREFIX) or under(wire_v2.PREFIX)


def is_v2_request():
    return under(wire_v2.PREFIX)


def api_error(runtime, status, message=None, details=None):
    """An error in the wire format of the request's API version (v2: the configured error body)."""
    if is_v2_request():
        phrase = wire_v2.phrase(status)
        return wire_v2.error_response(runtime.settings.v2_error_body, status, phrase, message or phrase)
    if status == 401:
        return empty_401()
    return error_response(status, message, details)


def error_response(status, message=None, details=None):
    response = jsonify(error_message(status, message, details))
    response.status_code = status
    return response


def empty_401():
    """The real API answers 401 with no body at all."""
    response = Response(b"", status=401)
    del response.headers["Content-Type"]
    return response


def fault_response(runtime, fault):
    return api_error(runtime, fault.status, "Injected fault")


def drop_connection():
    """Close the client's TCP connection so it gets no response at all."""
    sock = request.environ.get("werkzeug.socket")
    if sock is None:  # not under werkzeug's server (e.g. Flask's test client)
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def authenticated_user(settings):
    """The user name when the Basic credentials are right, else None."""
    auth = request.authorization
    if auth is None or auth.type != "basic" or auth.username is None or auth.password is None:
        return None
    good_user = hmac.compare_digest(auth.username.encode(), settings.username.encode())
    good_key = hmac.compare_digest(auth.password.encode(), settings.api_key.encode())
    return auth.username if good_user and good_key else None


def is_json_post():
    return request.method != "POST" or request.mimetype == "application/json"


def parsed_body():
    raw = request.get_data(cache=True)
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def before_api_request(runtime):
    """Run the gate; a response returned here answers the request instead of the route."""
    g.sim_start = runtime.now_ms()
    g.real_start = time.monotonic()
    g.fault = None
    g.body = parsed_body()
    user = authenticated_user(runtime.settings)
    g.user = user or (request.authorization.username if request.authorization else None)
    if is_v2_request():  # v2 has a window of its own, with its own limit
        limiter, limit = runtime.limiter_v2, runtime.settings.v2_rate_limit
    else:
        limiter, limit = runtime.limiter, runtime.settings.rate_limit
    within_limit = limiter.allow(user, limit) if user else True
    fault = g.fault = runtime.faults.take(request.method, request.path)
    if fault is not None:
        answer = apply_fault_before(runtime, fault)
        if answer is not None:
            return answer
    if user is None:
        return api_error(runtime, 401)
    if not within_limit:
        return api_error(runtime, 429, "Rate Limit Exceeded")
    if not is_json_post():
        return api_error(runtime, 415, "Unsupported media type: the body must be application/json",
                         {"contentType": request.content_type})
    return None


def apply_fault_before(runtime, fault):
    if fault.kind == "status":
        return fault_response(runtime, fault)
    if fault.kind == "echo_auth":
        # As some gateways do: the request's Authorization header, whole, in the error body (text and JSON alike).
        echoed = request.headers.get("Authorization", "")
        return error_response(fault.status, "Bad gateway; request had Authorization: %s" % echoed,
                              {"authorization": echoed, "token": echoed.split(" ", 1)[-1]})
    if fault.kind == "delay":
        time.sleep(fault.delay_seconds)  # real time; the request then acts and answers normally
    if fault.kind == "drop_before":
        # Logged before the connection closes: a client that reads the log as soon as it sees the
        # failure must find the request there.
        record_request(runtime, None)
        drop_connection()
        return Response(b"", status=503)  # never reaches the client
    return None


def after_request(runtime, response):
    response.headers["Date"] = http_date(runtime.now_ms())
    if not is_api_request():
        return response
    fault = g.get("fault")
    if not g.get("logged"):
        record_request(runtime, response.status_code)
    if fault is not None and fault.kind == "drop_after":
        drop_connection()  # the action happened; the client sees a failure
    return response


def record_request(runtime, status):
    """The request's entry in the request log (``status`` None: no answer reached the client), once."""
    fault = g.get("fault")
    g.logged = True
    runtime.log.record({
        "method": request.method,
        "path": request.path,
        "status": status,
        "time": iso_ms(g.sim_start),
        "time_ms": g.sim_start,
        "user": g.get("user"),
        "fault": fault.kind if fault is not None else None,
        "body": g.get("body"),
        "duration_seconds": round(time.monotonic() - g.real_start, 4),
    })
