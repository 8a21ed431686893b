import base64
import email.utils
import http.client
import json
import socket
import threading
from pathlib import Path

import ansible.release
import pytest
import requests
import responses
import yaml
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from ansible_collections.restorekit.instaclustr.plugins.module_utils import _http
from ansible_collections.restorekit.instaclustr.plugins.module_utils._errors import ApiError
from ansible_collections.restorekit.instaclustr.plugins.module_utils._http import ApiSession, backoff_delay

BASE = "https://api.instaclustr.com"
KEY = "k3y-Zq81-never-show-me"
CLUSTER = "/provisioning/v1/77b5a4e1-c422-4a78-b551-d8fa5c42ad95"
BACKUPS = CLUSTER + "/backups"
REPO_ROOT = Path(__file__).resolve().parents[4]


class Sleeps(list):
    """An injected sleep that records instead of sleeping."""

    def __call__(self, seconds):
        self.append(seconds)


def make_session(sleeps=None, **options):
    options.setdefault("rng", lambda: 0.5)
    return ApiSession(options.pop("base_url", BASE), "demo", KEY, sleep=sleeps if sleeps is not None else Sleeps(), **options)


def refused():
    """What requests raises when nothing listens on the port (the request never left the client)."""
    reason = NewConnectionError(None, "Failed to establish a new connection: [Errno 111] Connection refused")
    return requests.exceptions.ConnectionError(MaxRetryError(None, BASE + BACKUPS, reason=reason))


def connection_lost():
    """What requests raises when the server closed the connection after the request was sent."""
    cause = ProtocolError("Connection aborted.", http.client.RemoteDisconnected("Remote end closed connection without response"))
    return requests.exceptions.ConnectionError(cause)


def api_error(call):
    with pytest.raises(ApiError) as caught:
        call()
    return caught.value


# --- success ------------------------------------------------------------------------------------

@responses.activate
def test_every_2xx_is_success_including_202_and_an_empty_204():
    responses.get(BASE + "/provisioning/v1", json=[{"id": "x"}], status=200)
    responses.get(BASE + CLUSTER, json={"clusterStatus": "RUNNING"}, status=202)
    responses.post(BASE + BACKUPS, status=204)
    session = make_session()
    listed = session.get("/provisioning/v1", "list clusters")
    assert (listed.status, listed.json) == (200, [{"id": "x"}])
    got = session.get(CLUSTER, "get cluster")
    assert (got.status, got.json) == (202, {"clusterStatus": "RUNNING"})
    triggered = session.post(BACKUPS, "trigger backup")
    assert (triggered.status, triggered.json, triggered.text) == (204, None, "")


@responses.activate
def test_a_non_json_2xx_body_is_kept_as_text():
    responses.delete(BASE + CLUSTER, body="Cluster has been marked for deletion.", status=202)
    answer = make_session().delete(CLUSTER, "delete cluster")
    assert answer.json is None
    assert answer.text == "Cluster has been marked for deletion."


@responses.activate
def test_404_is_an_api_error_left_to_the_caller_and_not_retried():
    responses.get(BASE + "/provisioning/v1", json={"status": 404, "message": "No clusters"}, status=404)
    error = api_error(lambda: make_session().get("/provisioning/v1", "list clusters"))
    assert (error.status, error.method, error.path, error.operation) == (404, "GET", "/provisioning/v1", "list clusters")
    assert error.body == {"status": 404, "message": "No clusters"}
    assert len(responses.calls) == 1


# --- headers, auth, TLS, timeout --------------------------------------------------------------

@responses.activate
def test_basic_auth_accept_and_content_type_on_a_bodyless_post():
    responses.post(BASE + BACKUPS, status=204)
    make_session().post(BACKUPS, "trigger backup")
    sent = responses.calls[0].request
    assert sent.headers["Authorization"] == "Basic " + base64.b64encode(("demo:" + KEY).encode()).decode()
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.headers["Accept"] == "application/json"
    assert sent.body is None


@responses.activate
def test_post_body_is_json_and_gets_do_not_claim_a_content_type():
    responses.post(BASE + BACKUPS + "/restore", json={"restoredCluster": "abc"})
    responses.get(BASE + BACKUPS, json={})
    session = make_session()
    session.post(BACKUPS + "/restore", "restore", body={"clusterNameOverride": "orders-restore"})
    session.get(BACKUPS, "list backups")
    assert json.loads(responses.calls[0].request.body) == {"clusterNameOverride": "orders-restore"}
    assert "Content-Type" not in responses.calls[1].request.headers


@responses.activate
@pytest.mark.parametrize("options, verify", [
    ({}, True),
    ({"validate_certs": False}, False),
    ({"ca_path": "/etc/ssl/private-ca.pem"}, "/etc/ssl/private-ca.pem"),
    ({"validate_certs": False, "ca_path": "/etc/ssl/private-ca.pem"}, False),
])
def test_tls_verification_and_per_request_timeout(options, verify, monkeypatch):
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):  # requests swaps verify=True for these
        monkeypatch.delenv(name, raising=False)
    responses.get(BASE + BACKUPS, json={})
    make_session(timeout=12.5, **options).get(BACKUPS, "list backups")
    kwargs = responses.calls[0].request.req_kwargs
    assert kwargs["verify"] == verify
    assert kwargs["timeout"] == 12.5


@responses.activate
def test_redirects_are_never_followed_and_a_3xx_is_an_error():
    responses.get(BASE + BACKUPS, status=302, headers={"Location": "https://elsewhere.example.com/steal"})
    responses.get("https://elsewhere.example.com/steal", json={})
    error = api_error(lambda: make_session().get(BACKUPS, "list backups"))
    assert error.status == 302
    assert "redirect to https://elsewhere.example.com/steal not followed" in str(error)
    assert len(responses.calls) == 1  # the Location was not requested


@responses.activate
def test_user_agent_names_the_collection_version_from_galaxy_yml_ansible_core_and_requests():
    galaxy_version = yaml.safe_load((REPO_ROOT / "galaxy.yml").read_text())["version"]
    responses.get(BASE + BACKUPS, json={})
    make_session().get(BACKUPS, "list backups")
    agent = responses.calls[0].request.headers["User-Agent"]
    assert agent == "restorekit.instaclustr/%s ansible-core/%s python-requests/%s" % (
        galaxy_version, ansible.release.__version__, requests.__version__)


def test_is_loopback_follows_the_base_url_host():
    assert make_session(base_url="http://127.0.0.1:8080").is_loopback
    assert make_session(base_url="http://localhost:8080/").is_loopback
    assert not make_session(base_url=BASE).is_loopback


# --- server time ----------------------------------------------------------------------------------

@responses.activate
def test_server_time_comes_from_the_date_header_of_every_response_errors_included():
    responses.get(BASE + BACKUPS, json={}, headers={"Date": "Fri, 20 Nov 2026 10:00:00 GMT"})
    responses.get(BASE + CLUSTER, status=404, headers={"Date": "Fri, 20 Nov 2026 11:00:00 GMT"})
    session = make_session()
    session.get(BACKUPS, "list backups")
    first = session.clock.now_ms()
    assert abs(first - 1795168800000) < 1000  # 2026-11-20T10:00:00Z, plus the instant since
    api_error(lambda: session.get(CLUSTER, "get cluster"))
    assert abs(session.clock.now_ms() - (1795168800000 + 3600000)) < 1000


# --- retries: reads -------------------------------------------------------------------------------

@responses.activate
@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_reads_and_deletes_are_retried_on_each_retryable_status(method, status):
    responses.add(method, BASE + CLUSTER, json={"message": "busy"}, status=status)
    responses.add(method, BASE + CLUSTER, json={"ok": True}, status=200)
    sleeps = Sleeps()
    session = make_session(sleeps)
    answer = session.request(method, CLUSTER, "get cluster")
    assert answer.json == {"ok": True}
    assert len(responses.calls) == 2
    assert session.retry_count == 1
    assert session.retried_statuses == {status: 1}
    assert sleeps == [0.75]  # 1 s step, equal jitter with rng 0.5


@responses.activate
@pytest.mark.parametrize("failure, kind", [
    (requests.exceptions.ReadTimeout("read timed out"), "timeout"),
    (requests.exceptions.ConnectTimeout("connect timed out"), "connect timeout"),
    (connection_lost(), "connection lost"),
    (refused(), "connection refused"),
    (requests.exceptions.ChunkedEncodingError("broken chunk"), "connection lost"),
])
def test_gets_are_retried_on_timeouts_and_connection_errors(failure, kind):
    responses.get(BASE + BACKUPS, body=failure)
    responses.get(BASE + BACKUPS, json={"id": "c"})
    session = make_session()
    assert session.get(BACKUPS, "list backups").json == {"id": "c"}
    assert session.retried_statuses == {kind: 1}
    assert session.retry_log[0]["cause"] == kind


@responses.activate
def test_retries_exhausted_raise_the_last_status_and_say_so():
    for status in (500, 502, 503):
        responses.get(BASE + BACKUPS, json={"status": status, "message": "try later %d" % status}, status=status)
    sleeps = Sleeps()
    session = make_session(sleeps, retries=2)
    error = api_error(lambda: session.get(BACKUPS, "list backups"))
    assert error.status == 503
    assert error.body["message"] == "try later 503"
    assert "gave up after 2 retries" in str(error)
    assert len(responses.calls) == 3
    assert len(sleeps) == 2
    assert not error.ambiguous


@responses.activate
def test_zero_retries_means_one_attempt():
    responses.get(BASE + BACKUPS, status=500)
    error = api_error(lambda: make_session(retries=0).get(BACKUPS, "list backups"))
    assert error.status == 500
    assert len(responses.calls) == 1


@responses.activate
def test_get_timeouts_exhausted_become_a_status_less_error():
    responses.get(BASE + BACKUPS, body=requests.exceptions.ReadTimeout("read timed out"))
    error = api_error(lambda: make_session(retries=1, timeout=60).get(BACKUPS, "list backups"))
    assert error.status is None
    assert error.reason == "timed out after 60 s waiting for the response (api_url %s); gave up after 1 retries" % BASE
    assert not error.ambiguous  # a read changes nothing
    assert len(responses.calls) == 2


# --- retries: POST --------------------------------------------------------------------------------

@responses.activate
@pytest.mark.parametrize("status", [500, 502, 504])
def test_a_post_answered_with_a_5xx_is_ambiguous_and_never_repeated(status):
    responses.post(BASE + BACKUPS, json={"message": "oops"}, status=status)
    session = make_session()
    error = api_error(lambda: session.post(BACKUPS, "trigger backup"))
    assert (error.status, error.ambiguous, error.method) == (status, True, "POST")
    assert len(responses.calls) == 1
    assert session.retry_count == 0


@responses.activate
def test_a_post_answered_503_is_a_definite_failure_not_retried():
    responses.post(BASE + BACKUPS, json={"status": 503, "message": "Backup capability is not available"}, status=503)
    error = api_error(lambda: make_session().post(BACKUPS, "trigger backup"))
    assert (error.status, error.ambiguous) == (503, False)
    assert str(error) == ("trigger backup failed: HTTP 503: Backup capability is not available "
                          "(hint: the service or this cluster's backup capability is not available)")
    assert len(responses.calls) == 1


@responses.activate
@pytest.mark.parametrize("failure, reason", [
    (requests.exceptions.ReadTimeout("read timed out"), "timed out after 60 s waiting for the response"),
    (connection_lost(), "connection lost before a complete response"),
])
def test_a_post_that_was_sent_but_not_answered_is_ambiguous_and_never_repeated(failure, reason):
    responses.post(BASE + BACKUPS + "/restore", body=failure)
    error = api_error(lambda: make_session().post(BACKUPS + "/restore", "restore", body={"clusterNameOverride": "x-restore"}))
    named = "%s (api_url %s)" % (reason, BASE)
    assert (error.status, error.ambiguous, error.reason) == (None, True, named)
    assert str(error) == "restore failed: " + named
    assert len(responses.calls) == 1


@responses.activate
@pytest.mark.parametrize("first, kind", [
    (dict(status=429, json={"message": "Rate Limit Exceeded"}), 429),
    (dict(body=refused()), "connection refused"),
    (dict(body=requests.exceptions.ConnectTimeout("connect timed out")), "connect timeout"),
])
def test_a_post_is_retried_when_the_server_provably_did_not_act(first, kind):
    responses.post(BASE + BACKUPS, **first)
    responses.post(BASE + BACKUPS, status=204)
    session = make_session()
    assert session.post(BACKUPS, "trigger backup").status == 204
    assert len(responses.calls) == 2
    assert session.retried_statuses == {kind: 1}


@responses.activate
def test_a_refused_post_that_stays_refused_is_not_ambiguous():
    responses.post(BASE + BACKUPS, body=refused())
    error = api_error(lambda: make_session(retries=2).post(BACKUPS, "trigger backup"))
    assert (error.status, error.ambiguous) == (None, False)
    assert error.reason == "connection refused (api_url %s); gave up after 2 retries" % BASE


@responses.activate
def test_tls_failures_are_not_retried():
    responses.get(BASE + BACKUPS, body=requests.exceptions.SSLError("certificate verify failed"))
    error = api_error(lambda: make_session().get(BACKUPS, "list backups"))
    assert "TLS handshake failed (check validate_certs and ca_path)" in str(error)
    assert len(responses.calls) == 1


# --- backoff and Retry-After ----------------------------------------------------------------------

@responses.activate
def test_retry_after_in_seconds_is_obeyed_exactly():
    responses.get(BASE + BACKUPS, status=429, headers={"Retry-After": "7"})
    responses.get(BASE + BACKUPS, json={})
    sleeps = Sleeps()
    make_session(sleeps).get(BACKUPS, "list backups")
    assert sleeps == [7.0]


@responses.activate
def test_retry_after_as_an_http_date_is_measured_against_the_server_clock():
    date = "Fri, 20 Nov 2026 10:00:00 GMT"
    later = email.utils.format_datetime(email.utils.parsedate_to_datetime(date) + __import__("datetime").timedelta(seconds=12),
                                        usegmt=True)
    responses.post(BASE + BACKUPS, status=429, headers={"Date": date, "Retry-After": later})
    responses.post(BASE + BACKUPS, status=204)
    sleeps = Sleeps()
    make_session(sleeps).post(BACKUPS, "trigger backup")
    assert len(sleeps) == 1
    assert 11.9 <= sleeps[0] <= 12.0  # the few ms between the two clock reads


@responses.activate
def test_retry_after_longer_than_the_cap_fails_at_once_with_the_reason():
    responses.get(BASE + BACKUPS, json={"message": "Rate Limit Exceeded"}, status=429, headers={"Retry-After": "120"})
    sleeps = Sleeps()
    error = api_error(lambda: make_session(sleeps, retry_max_delay=30).get(BACKUPS, "list backups"))
    assert sleeps == []
    assert error.status == 429
    assert "the server asked to retry after 120 s, longer than api_retry_max_delay (30 s)" in str(error)


@responses.activate
def test_unreadable_retry_after_falls_back_to_backoff():
    responses.get(BASE + BACKUPS, status=503, headers={"Retry-After": "soon"})
    responses.get(BASE + BACKUPS, json={})
    sleeps = Sleeps()
    make_session(sleeps, rng=lambda: 1.0).get(BACKUPS, "list backups")
    assert sleeps == [1.0]


@responses.activate
def test_backoff_doubles_and_is_capped_by_retry_max_delay():
    responses.get(BASE + BACKUPS, status=429)
    high, low = Sleeps(), Sleeps()
    api_error(lambda: make_session(high, retries=6, retry_max_delay=5, rng=lambda: 1.0).get(BACKUPS, "list backups"))
    api_error(lambda: make_session(low, retries=6, retry_max_delay=5, rng=lambda: 0.0).get(BACKUPS, "list backups"))
    assert high == [1.0, 2.0, 4.0, 5.0, 5.0, 5.0]
    assert low == [0.5, 1.0, 2.0, 2.5, 2.5, 2.5]


def test_backoff_with_real_randomness_stays_between_half_and_the_full_step_and_varies():
    delays = [backoff_delay(3, 30) for attempt in range(200)]
    assert all(4.0 <= delay <= 8.0 for delay in delays)
    assert len(set(delays)) > 100  # jittered, not a constant


def test_backoff_survives_absurd_retry_numbers():
    assert backoff_delay(10_000, 30, rng=lambda: 1.0) == 30.0


@responses.activate
def test_on_retry_receives_each_retry_without_secrets():
    responses.get(BASE + BACKUPS, status=429)
    responses.get(BASE + BACKUPS, status=502)
    responses.get(BASE + BACKUPS, json={})
    seen = []
    session = make_session(on_retry=seen.append)
    session.get(BACKUPS, "list backups")
    assert [entry["cause"] for entry in seen] == [429, 502]
    assert [entry["retry"] for entry in seen] == [1, 2]
    assert seen == session.retry_log
    assert KEY not in repr(seen)


# --- error bodies ---------------------------------------------------------------------------------

@responses.activate
def test_error_message_shape_is_parsed():
    body = {"status": 400, "message": "Invalid pointInTime", "errorDetails": {"pointInTime": "too early"}, "code": 400, "link": ""}
    responses.post(BASE + BACKUPS + "/restore", json=body, status=400)
    error = api_error(lambda: make_session().post(BACKUPS + "/restore", "restore", body={}))
    assert error.body == body
    assert str(error) == "restore failed: HTTP 400: Invalid pointInTime; pointInTime: too early"
    assert error.to_result() == {"operation": "restore", "method": "POST", "path": BACKUPS + "/restore", "status": 400,
                                 "content_type": "application/json", "body": body}


@responses.activate
def test_the_412_precondition_shape_is_parsed():
    body = {"cluster": "77b5a4e1-c422-4a78-b551-d8fa5c42ad95", "status": "Pre-condition failed", "reason": "No backup covers it"}
    responses.post(BASE + BACKUPS + "/restore", json=body, status=412)
    error = api_error(lambda: make_session().post(BACKUPS + "/restore", "restore", body={}))
    assert error.body == body
    assert "HTTP 412: No backup covers it" in str(error)
    assert not error.ambiguous


@responses.activate
def test_non_json_error_text_is_truncated():
    responses.get(BASE + BACKUPS, body="<html>" + "x" * 5000 + "</html>", status=400, content_type="text/html")
    error = api_error(lambda: make_session().get(BACKUPS, "list backups"))
    assert error.body.startswith("<html>xxx")
    assert error.body.endswith("... (truncated, 5013 characters in all)")
    assert len(error.body) < 2100


@responses.activate
def test_an_empty_401_reads_clearly():
    responses.get(BASE + BACKUPS, body="", status=401)
    error = api_error(lambda: make_session().get(BACKUPS, "list backups"))
    assert error.body is None
    assert str(error) == "list backups failed: HTTP 401 (hint: check api_username and api_key (or IC_USERNAME and IC_API_KEY))"


# --- the key never shows ----------------------------------------------------------------------------

def _all_failures():
    """Every failure path, including a hostile server that echoes the key back."""
    return [
        ("GET", dict(status=401, body="")),
        ("GET", dict(status=400, json={"message": "bad auth " + KEY, "errorDetails": {"key": KEY}})),
        ("GET", dict(status=400, body="Authorization: Basic " + KEY)),
        ("GET", dict(status=302, headers={"Location": "https://x.example.com/?k=" + KEY})),
        ("GET", dict(status=429, headers={"Retry-After": "999"})),
        ("GET", dict(body=requests.exceptions.ReadTimeout("timeout with " + KEY))),
        ("POST", dict(body=connection_lost())),
        ("POST", dict(body=refused())),
        ("POST", dict(status=500, json={"message": KEY})),
        ("GET", dict(body=requests.exceptions.SSLError("ssl " + KEY))),
        ("GET", dict(body=requests.exceptions.InvalidURL("bad url " + KEY))),
    ]


@responses.activate
@pytest.mark.parametrize("method, answer", _all_failures())
def test_the_api_key_is_absent_from_every_exception(method, answer):
    responses.add(method, BASE + BACKUPS, **answer)
    session = make_session(retries=1)
    error = api_error(lambda: session.request(method, BACKUPS, "list backups"))
    for text in (str(error), repr(error), error.describe(), json.dumps(error.to_result()), repr(error.reason), repr(session),
                 repr(session.retry_log)):
        assert KEY not in text


# --- real sockets on 127.0.0.1: the exceptions requests really raises are classified right ----------

def _closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _SilentServer:
    """Accepts connections on 127.0.0.1; then either hangs up after reading, or never answers."""

    def __init__(self, hang_up):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.port = self.listener.getsockname()[1]
        self.hang_up = hang_up
        self.accepted = 0
        self.held = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn = self.listener.accept()[0]
            except OSError:
                return
            self.accepted += 1
            conn.recv(65536)
            if self.hang_up:
                conn.close()
            else:
                self.held.append(conn)

    def close(self):
        self.listener.close()
        for conn in self.held:
            conn.close()


def test_real_connection_refused_is_retried_even_for_post_and_not_ambiguous():
    sleeps = Sleeps()
    url = "http://127.0.0.1:%d" % _closed_port()
    session = make_session(sleeps, base_url=url, retries=2)
    error = api_error(lambda: session.post(BACKUPS, "trigger backup"))
    assert (error.status, error.ambiguous) == (None, False)
    assert error.reason == "connection refused (api_url %s); gave up after 2 retries" % url
    assert session.retried_statuses == {"connection refused": 2}


@pytest.mark.parametrize("hang_up, reason", [(True, "connection lost before a complete response"),
                                             (False, "timed out after 0.3 s waiting for the response")])
def test_real_sent_but_unanswered_post_is_ambiguous_and_sent_once(hang_up, reason):
    server = _SilentServer(hang_up)
    try:
        url = "http://127.0.0.1:%d" % server.port
        session = make_session(base_url=url, timeout=0.3)
        error = api_error(lambda: session.post(BACKUPS, "trigger backup"))
    finally:
        server.close()
    assert (error.status, error.ambiguous, error.reason) == (None, True, "%s (api_url %s)" % (reason, url))
    assert server.accepted == 1


def test_real_sent_but_unanswered_get_is_retried():
    server = _SilentServer(hang_up=True)
    try:
        session = make_session(base_url="http://127.0.0.1:%d" % server.port, timeout=0.3, retries=2)
        error = api_error(lambda: session.get(BACKUPS, "list backups"))
    finally:
        server.close()
    assert error.ambiguous is False
    assert server.accepted == 3
    assert session.retried_statuses == {"connection lost": 2}


def test_without_requests_the_module_imports_and_the_session_refuses(monkeypatch):
    monkeypatch.setattr(_http, "HAS_REQUESTS", False)
    with pytest.raises(ImportError):
        ApiSession(BASE, "demo", KEY)


def test_a_connection_error_whose_cause_chain_has_a_text_reason_is_a_lost_connection_not_a_crash():
    """urllib3 errors may carry ``reason`` as text (seen under a dropped restore answer): the cause
    walk must skip it instead of raising AttributeError out of the module."""
    inner = Exception("connection aborted")
    inner.reason = "Connection aborted."  # text, not an exception
    failure = _http.classify_transport_error(requests.exceptions.ConnectionError(inner), 2)
    assert failure.sent is True and failure.kind == "connection lost"


# --- a wrong api_url says so ----------------------------------------------------------------------

@responses.activate
@pytest.mark.parametrize("base, prefix", [
    ("https://api.instaclustr.com/provisioning/v1", "/provisioning/v1"),
    ("https://api.instaclustr.com/cluster-management/v2/", "/cluster-management/v2"),
])
def test_a_404_under_an_api_url_that_ends_in_an_api_prefix_says_so_instead_of_blaming_the_cluster_id(base, prefix):
    responses.get(base.rstrip("/") + BACKUPS, status=404, json={"message": "Not found"})
    error = api_error(lambda: make_session(base_url=base).get(BACKUPS, "list backups"))
    assert error.status == 404
    assert "check the cluster id" not in str(error)
    assert ("hint: api_url https://api.instaclustr.com%s ends in %s, which the collection adds itself: set api_url to the "
            "API's base URL without it, such as https://api.instaclustr.com)" % (prefix, prefix)) in str(error)


@responses.activate
def test_a_404_under_a_plain_api_url_keeps_the_cluster_id_hint():
    responses.get(BASE + BACKUPS, status=404, json={"message": "Not found"})
    assert "(hint: check the cluster id" in str(api_error(lambda: make_session().get(BACKUPS, "list backups")))


def test_a_refused_port_is_retried_twice_at_most_and_the_failure_names_the_url_without_credentials():
    sleeps = Sleeps()
    port = _closed_port()
    session = ApiSession("http://operator:s3cret@127.0.0.1:%d/base?token=abc" % port, "demo", KEY, sleep=sleeps, rng=lambda: 0.5)
    error = api_error(lambda: session.get(BACKUPS, "list backups"))  # api_retries is 5 by default
    assert session.retried_statuses == {"connection refused": 2}
    assert sum(sleeps) < 3
    assert str(error) == "list backups failed: connection refused (api_url http://127.0.0.1:%d/base); gave up after 2 retries" % port
    assert "s3cret" not in str(error) and "operator" not in str(error) and "token" not in str(error)


@responses.activate
def test_a_host_name_that_does_not_resolve_is_retried_twice_at_most_and_named():
    cause = NewConnectionError(None, "Failed to resolve")
    try:
        from urllib3.exceptions import NameResolutionError
        cause = NameResolutionError("api.instaclustr.test", None, socket.gaierror("Name or service not known"))
    except ImportError:  # an older urllib3: the refused branch names the URL the same way
        pass
    responses.get("https://api.instaclustr.test" + BACKUPS, body=requests.exceptions.ConnectionError(MaxRetryError(None, "x", reason=cause)))
    error = api_error(lambda: make_session(base_url="https://api.instaclustr.test").get(BACKUPS, "list backups"))
    assert len(responses.calls) == 3
    assert "(api_url https://api.instaclustr.test); gave up after 2 retries" in str(error)
