"""What every API request goes through before and after its route: injected faults, Basic
auth, the rate limit, the 415 rule, the request log and dropped connections.
"""

import hmac
import json
import socket
import time

from flask import Response, g, jsonify, request

from tests.emulator.clock import http_date, iso_ms
from tests.emulator.wire import error_message

API_PREFIX = "/provisioning/v1"


def is_api_request():
    return request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/")


def error_response(status, message=None, details=None):
    response = jsonify(error_message(status, message, details))
    response.status_code = status
    return response


def empty_401():
    """The real API answers 401 with no body at all."""
    response = Response(b"", status=401)
    del response.headers["Content-Type"]
    return response


def fault_response(fault):
    if fault.status == 401:
        return empty_401()
    return error_response(fault.status, "Injected fault")


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
    within_limit = runtime.limiter.allow(user) if user else True
    fault = g.fault = runtime.faults.take(request.method, request.path)
    if fault is not None:
        answer = apply_fault_before(fault)
        if answer is not None:
            return answer
    if user is None:
        return empty_401()
    if not within_limit:
        return error_response(429, "Rate Limit Exceeded")
    if not is_json_post():
        return error_response(415, "Unsupported media type: the body must be application/json",
                              {"contentType": request.content_type})
    return None


def apply_fault_before(fault):
    if fault.kind == "status":
        return fault_response(fault)
    if fault.kind == "delay":
        time.sleep(fault.delay_seconds)  # real time; the request then acts and answers normally
    if fault.kind == "drop_before":
        drop_connection()
        return Response(b"", status=503)  # never reaches the client
    return None


def after_request(runtime, response):
    response.headers["Date"] = http_date(runtime.now_ms())
    if not is_api_request():
        return response
    fault = g.get("fault")
    dropped = fault is not None and fault.kind in ("drop_before", "drop_after")
    runtime.log.record({
        "method": request.method,
        "path": request.path,
        "status": None if fault is not None and fault.kind == "drop_before" else response.status_code,
        "time": iso_ms(g.sim_start),
        "time_ms": g.sim_start,
        "user": g.get("user"),
        "fault": fault.kind if fault is not None else None,
        "body": g.get("body"),
        "duration_seconds": round(time.monotonic() - g.real_start, 4),
    })
    if dropped and fault.kind == "drop_after":
        drop_connection()  # the action happened; the client sees a failure
    return response
