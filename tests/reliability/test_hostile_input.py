"""Hostile input from the network: proxies that would see the key, answers without end, answers that drip,
JSON nested without end, error messages of megabytes.

Each case runs the collection's own client (``ApiSession``, as every module and the inventory plugin use it) or
a module's ``main()`` against a tiny loopback server that misbehaves on purpose (``tests/support/hostile_server.py``),
and records what was tried and what held for the "hostile input" table of docs/reliability.md.
"""

import json
import time

import pytest

from ansible_collections.restorekit.instaclustr.plugins.module_utils import _limits
from ansible_collections.restorekit.instaclustr.plugins.module_utils._errors import ApiError
from ansible_collections.restorekit.instaclustr.plugins.module_utils._http import INSECURE_WARNING, ApiSession
from ansible_collections.restorekit.instaclustr.plugins.modules import cluster_info
from tests.support.hostile_server import answer, drip, endless_chunked, hostile_server, recording_proxy
from tests.support.module_runner import run_module_main

SUITE = ("hostile_input", "Hostile input",
         "Proxies, answers without end or dripping, JSON nested without end, huge error bodies, names that hold "
         "templates, report folders with traps: each meets a clear failure or an inert result, no credential "
         "reaches a proxy, no traceback, no MemoryError, no code runs")

USERNAME = "hostile-user"
API_KEY = "HOSTILE-KEY-7c1e"
PROXY_VARIABLES = ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")
CLUSTER = "/provisioning/v1/4f5b9c1e-2d3a-4b6c-8e7f-0a1b2c3d4e5f"


def session(url, **kwargs):
    return ApiSession(url, USERNAME, API_KEY, retries=0, sleep=lambda seconds: None, **kwargs)


def failure(call):
    with pytest.raises(ApiError) as caught:
        call()
    return caught.value


@pytest.fixture
def proxy_env(monkeypatch):
    """Every proxy variable pointing at a recording proxy; NO_PROXY unset."""
    with hostile_server(recording_proxy()) as proxy:
        for name in PROXY_VARIABLES:
            monkeypatch.setenv(name, proxy.url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        yield proxy


def test_loopback_api_never_goes_through_a_proxy(figures, proxy_env):
    with hostile_server(answer(body=b'{"ok": true}')) as api:
        response = session(api.url).get(CLUSTER, "get cluster")
    held = response.json == {"ok": True} and proxy_env.received == [] and len(api.received) == 1
    held = held and api.received[0]["headers"].get("authorization", "").startswith("Basic ")
    figures.case("proxy: loopback http:// API", "HTTP_PROXY, http_proxy, HTTPS_PROXY, ALL_PROXY set to a recording proxy",
                 held, "the request went straight to the loopback API; the proxy received %d requests" % len(proxy_env.received))
    assert held, (proxy_env.received, api.received)


def test_remote_https_api_keeps_its_proxy_and_the_proxy_sees_only_connect(figures, proxy_env):
    error = failure(lambda: session("https://api.instaclustr.invalid").get(CLUSTER, "get cluster"))
    lines = [request["line"] for request in proxy_env.received]
    headers = [request["headers"] for request in proxy_env.received]
    held = lines and all(line.startswith("CONNECT api.instaclustr.invalid:443") for line in lines)
    held = held and not any("authorization" in header for header in headers) and API_KEY not in str(error)
    figures.case("proxy: remote https:// API", "HTTPS_PROXY set to a recording proxy that refuses the tunnel",
                 held, "the proxy saw %s and no Authorization header; the request failed: %s" % (lines[:1], error))
    assert held, (lines, headers)


def test_endless_body_stops_at_the_cap_with_a_clear_message(figures):
    cap = 2 * 1024 * 1024
    with hostile_server(endless_chunked()) as api:
        started = time.monotonic()
        error = failure(lambda: session(api.url, max_response_bytes=cap).get(CLUSTER, "get cluster"))
        seconds = time.monotonic() - started
    message = str(error)
    held = "2 MiB" in message and "MAX_RESPONSE_BYTES" in message and error.status is None
    figures.case("endless chunked body", "a 200 whose chunked body never ends, cap set to 2 MiB", held, message,
                 seconds=seconds)
    assert held, message
    # The default: well above the largest real answer (a 300-node cluster's 7-day listing, about 62 MB).
    assert 4 * 62 * 10 ** 6 < _limits.MAX_RESPONSE_BYTES <= 512 * 1024 * 1024


@pytest.mark.parametrize("headers_too", [False, True], ids=["body", "headers"])
def test_dripping_answer_is_cut_at_api_timeout(figures, headers_too):
    with hostile_server(drip(0.2, headers_too=headers_too)) as api:
        started = time.monotonic()
        error = failure(lambda: session(api.url, timeout=1.5).get(CLUSTER, "get cluster"))
        seconds = time.monotonic() - started
    held = seconds < 1.5 + 1.5 and "api_timeout" in str(error) and "1.5 s" in str(error)
    figures.case("dripping %s" % ("headers" if headers_too else "body"), "one byte every 0.2 s, api_timeout 1.5 s",
                 held, "%s after %.1f s" % (error, seconds), seconds=seconds)
    assert held, (seconds, str(error))


@pytest.mark.parametrize("status", [200, 400])
def test_json_nested_100000_deep_is_refused_clearly(figures, status):
    body = b"[" * 100000 + b"]" * 100000
    with hostile_server(answer(status=status, body=body)) as api:
        error = failure(lambda: session(api.url).get(CLUSTER, "get cluster"))
    message = str(error)
    held = "nested deeper than %d levels" % _limits.MAX_JSON_DEPTH in message and len(message) < 3000
    figures.case("JSON nested 100,000 deep (HTTP %d)" % status, "a body of 100,000 [ then 100,000 ]", held, message[:300])
    assert held, message[:3000]


def test_huge_json_error_message_is_cut_in_the_message_and_the_result(figures):
    body = json.dumps({"status": 400, "message": "x" * (20 * 1024 * 1024),
                       "errors": [{"name": "field%d" % i, "message": "bad"} for i in range(10000)]}).encode()
    with hostile_server(answer(status=400, body=body)) as api:
        failed, result = run_module_main(cluster_info, {"api_username": USERNAME, "api_key": API_KEY, "api_url": api.url,
                                                        "cluster_id": CLUSTER.rsplit("/", 1)[1], "api_retries": 0})
    size = len(json.dumps(result))
    held = failed and "HTTP 400" in result["msg"] and len(result["msg"]) <= 2100 and size < 40000
    figures.case("20 MB JSON error message", "an HTTP 400 whose JSON message is 20 MB and lists 10,000 errors", held,
                 "msg of %d characters, whole result %d characters" % (len(result["msg"]), size))
    assert held, (len(result["msg"]), size)


def test_validate_certs_false_warns(figures, monkeypatch):
    from ansible_collections.restorekit.instaclustr.plugins.module_utils._module import RestorekitModule
    warned = []
    original = RestorekitModule.warn

    def recording_warn(self, warning):
        warned.append(warning)
        return original(self, warning)

    monkeypatch.setattr(RestorekitModule, "warn", recording_warn)
    with hostile_server(answer(body=json.dumps({"id": CLUSTER.rsplit("/", 1)[1], "clusterName": "c"}).encode())) as api:
        _failed, result = run_module_main(cluster_info, {"api_username": USERNAME, "api_key": API_KEY, "api_url": api.url,
                                                         "cluster_id": CLUSTER.rsplit("/", 1)[1], "validate_certs": False})
    warnings = json.dumps(result.get("warnings", []))  # strings up to 2.18, richer entries from 2.19 on
    # The module warned (what Ansible then shows; a test run in one process may not collect it into the result).
    held = warned == [INSECURE_WARNING] and (INSECURE_WARNING in warnings or not result.get("warnings"))
    figures.case("validate_certs: false", "a module run with validate_certs: false", held, INSECURE_WARNING if held else warnings)
    assert held, result


def test_inventory_failure_never_shows_the_echoed_credential(figures):
    from ansible_collections.restorekit.instaclustr.plugins.plugin_utils import inventory_clusters as ic

    def echo(request, sock, _stopping):
        sent = request["headers"].get("authorization", "")
        answer(status=400, body=json.dumps({"message": "gateway saw Authorization: %s" % sent,
                                            "errorDetails": {"token": sent.split(" ", 1)[-1]}}).encode())(request, sock, _stopping)

    with hostile_server(echo) as api:
        with pytest.raises(ic.InventoryError) as caught:
            ic.read_clusters(session(api.url), "v1", ["cassandra"])
        sent = api.received[0]["headers"]["authorization"]
    token = sent.split(" ", 1)[1]
    message = str(caught.value)
    held = "HTTP 400" in message and token not in message and token.rstrip("=") not in message and API_KEY not in message
    figures.case("gateway echoes the Authorization header (inventory)", "an HTTP 400 whose body holds Basic base64(user:key)",
                 held, message[:300])
    assert held, message


def test_evidence_index_survives_the_bad_files_of_the_review(figures, tmp_path):
    from tests.unit.plugins.plugin_utils.test_drill_evidence_hostile import test_every_bad_file_of_the_review_is_skipped_or_recorded
    problems = []
    try:
        test_every_bad_file_of_the_review_is_skipped_or_recorded(tmp_path)
    except AssertionError as error:
        problems.append(str(error)[:300])
    figures.case("evidence index: bad files", "JSON 100,000 deep, reference_time_ms 1e20, a check id that is a list, "
                 "rto_seconds 1e308, FIFOs (one named index.md), links to /dev/zero (one as index.html), a file over the cap",
                 not problems, "each skipped with a reason or read as unknown; the index written", problems)
    assert not problems, problems


def test_reports_stay_inert_with_hostile_names(figures):
    from tests.unit.plugins.plugin_utils import test_report_text as reports
    problems = []
    for case in ("test_markdown_report_keeps_hostile_text_inert_and_its_fence_closed",
                 "test_junit_report_is_well_formed_xml_with_control_characters",
                 "test_summary_markdown_escapes_hosts_and_messages"):
        try:
            getattr(reports, case)()
        except AssertionError as error:
            problems.append("%s: %s" % (case, str(error)[:200]))
    figures.case("reports: hostile names and messages", "a source name with HTML, |, #, backticks, a javascript: link, NUL, "
                 "ESC and VT; a message with a code fence and a heading", not problems,
                 "Markdown escaped, the fence never closed, JUnit well-formed XML", problems)
    assert not problems, problems


def test_inventory_name_holding_a_template_runs_nothing_on_2_16(figures, tmp_path):
    import os
    import subprocess

    from tests.support.collection import collections_root
    from tests.support.emulator import INVENTORY_DEV_ID, REPO_ROOT, running_emulator

    inventory_bin = REPO_ROOT / ".venv-2.16" / "bin" / "ansible-inventory"
    assert inventory_bin.exists(), "make venv-2.16"
    marker = tmp_path / "evaluated"
    command = "{{ lookup('pipe', 'touch %s') }}" % marker
    source = tmp_path / "hostile.instaclustr.yml"
    source.write_text("plugin: restorekit.instaclustr.clusters\napi_version: v2\napplications: [cassandra]\n"
                      "keyed_groups:\n  - key: instaclustr_sla_tier | lower\n    prefix: tier\n")
    with running_emulator(scenario="mixed") as emulator:
        emulator.edit_cluster(INVENTORY_DEV_ID, name="orders" + command, sla_tier="tier" + command)
        env = dict(os.environ, IC_USERNAME=emulator.username, IC_API_KEY=emulator.api_key, IC_API_URL=emulator.url,
                   ANSIBLE_COLLECTIONS_PATH=str(collections_root()))
        completed = subprocess.run([str(inventory_bin), "-i", str(source), "--graph", "--vars"], env=env, cwd=str(tmp_path),
                                   capture_output=True, text=True, timeout=120, check=False)
    held = completed.returncode == 0 and not marker.exists() and "orders{{ lookup" in completed.stdout
    figures.case("inventory: a cluster name and tier holding {{ lookup('pipe', ...) }}",
                 "ansible-inventory --graph --vars on ansible-core 2.16 with the documented keyed_groups",
                 held, "no command ran; the host and group are named with the text as given")
    assert held, completed.stdout[-2000:] + completed.stderr[-2000:]
