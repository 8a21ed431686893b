"""Issue 5 §4: malformed API responses reach the user as a clear failure or a correct result.

Hypothesis makes the bodies: invalid JSON, JSON of any shape, the real shapes with fields
dropped, nulled or of the wrong type, unknown event types and states, very large payloads.
They are served by ``responses`` (no socket is opened) to the client (``ApiSession``), to the v1
backend, and to each module's ``main()``. What must never happen: an exception other than the
collection's own escaping, a result carrying ``exception`` or ``module_stderr``, a failure without
a message naming the operation, a message of unbounded length, or the returned database password
showing in a result.
"""

import copy
import json
import re
from email.utils import formatdate

import pytest
import responses
from hypothesis import HealthCheck, example, given, settings, strategies as st

from tests.reliability.conftest import OPERATIONS, run_module, traceback_problems

SUITE = ("malformed_responses", "Malformed responses (§4)",
         "Invalid JSON, missing fields, nulls, wrong types, huge payloads, unknown types and states: "
         "a clear failure or a correct result, never a traceback")

BASE = "http://127.0.0.1:9"  # never reached: responses answers before any socket is opened
USER, KEY = "fuzz-user", "fuzz-KEY-8c1f0e"
PASSWORD = "DB-PASSWORD-5e2a9d7c"
CID = "11111111-2222-4333-8444-555555555555"
RID = "99999999-8888-4777-8666-555555555555"
DC = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"
NODES = ["0a0a0a0a-0000-4000-8000-00000000000%d" % i for i in range(1, 4)]
NOW_MS = 1790000000000  # the Date header below is "now"; events sit before it
MAX_MESSAGE = 20000  # a failure message must stay readable, whatever the body size

FUZZ = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large, HealthCheck.large_base_example])


def events(node_index):
    base = NOW_MS - 3 * 3600 * 1000 - node_index * 60000
    return [
        {"type": "snapshot-upload", "state": "COMPLETED", "progress": 1.0, "start": base, "end": base + 900000},
        {"type": "commitlog-upload", "state": "COMPLETED", "progress": 1.0, "start": base + 960000,
         "end": base + 1000000},
        {"type": "commitlog-upload", "state": "ACTIVE", "progress": 0.4, "start": NOW_MS - 60000, "end": None},
    ]


BACKUPS = {"id": CID, "name": "fuzz-source", "clusterDataCentres": [{
    "id": DC, "name": "AWS_VPC_US_EAST_1",
    "nodes": [{"id": node, "publicAddress": "3.0.0.%d" % i, "privateAddress": "10.0.0.%d" % i, "events": events(i)}
              for i, node in enumerate(NODES)]}]}


def details(cluster_id, name, status="RUNNING"):
    return {"id": cluster_id, "clusterName": name, "clusterStatus": status, "cassandraVersion": "apache-cassandra-4.1.3",
            "slaTier": "NON_PRODUCTION", "username": "iccassandra", "instaclustrUserPassword": PASSWORD,
            "dataCentres": [{"id": DC, "name": "US_EAST_1", "cdcName": "AWS_VPC_US_EAST_1", "provider": "AWS_VPC",
                             "cdcStatus": status, "cdcNetwork": "10.0.0.0/16", "nodeCount": 3,
                             "nodes": [{"id": node, "size": "CAS-DEV-t4g.small-30", "rack": "us-east-1a",
                                        "publicAddress": "3.0.0.%d" % i, "privateAddress": "10.0.0.%d" % i,
                                        "nodeStatus": status} for i, node in enumerate(NODES)]}]}


CLUSTER = details(CID, "fuzz-source")
RESTORED = details(RID, "fuzz-restored")
LISTING = [{"id": CID, "name": "fuzz-source", "cassandraVersion": "apache-cassandra-4.1.3", "nodeCount": 3,
            "runningNodeCount": 3, "derivedStatus": "RUNNING", "slaTier": "NON_PRODUCTION", "pciCompliance": "DISABLED"},
           {"id": RID, "name": "fuzz-restored", "cassandraVersion": "apache-cassandra-4.1.3", "nodeCount": 3,
            "runningNodeCount": 3, "derivedStatus": "RUNNING", "slaTier": "NON_PRODUCTION", "pciCompliance": "DISABLED"}]
RESTORE_ANSWER = {"restoredCluster": RID}

# endpoint key -> (method, path regex, valid status, valid body)
ENDPOINTS = {
    "list clusters": ("GET", r"/provisioning/v1/?", 200, LISTING),
    "get cluster": ("GET", r"/provisioning/v1/%s" % CID, 202, CLUSTER),
    "get restored": ("GET", r"/provisioning/v1/%s" % RID, 202, RESTORED),
    "list backups": ("GET", r"/provisioning/v1/%s/backups" % CID, 200, BACKUPS),
    "trigger backup": ("POST", r"/provisioning/v1/%s/backups" % CID, 204, None),
    "restore": ("POST", r"/provisioning/v1/%s/backups/restore" % CID, 200, RESTORE_ANSWER),
    "delete cluster": ("DELETE", r"/provisioning/v1/%s" % RID, 202, {"message": "Cluster has been marked for deletion."}),
}

# --------------------------------------------------------------------------- body strategies

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2 ** 63, 2 ** 63) | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=25)


def _is_json(text):
    try:
        json.loads(text)
        return True
    except ValueError:
        return False


invalid_json = st.one_of(
    st.text(max_size=300).filter(lambda t: t.strip() and not _is_json(t)),
    st.sampled_from(['{"id": ', "[1, 2,", "<html><body>502 Bad Gateway</body></html>", "null}", "\x00\x01",
                     '{"clusterDataCentres": [{"nodes": [', "NaN]", "{'single': 'quotes'}"]),
)


def paths_of(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from paths_of(child, prefix + (key,))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from paths_of(child, prefix + (index,))


@st.composite
def mutated(draw, base):
    """The real shape with one to three fields dropped, nulled, retyped, renamed or blown up."""
    doc = copy.deepcopy(base)
    for _event in range(draw(st.integers(1, 3))):
        paths = list(paths_of(doc))
        path = draw(st.sampled_from(paths))
        action = draw(st.sampled_from(["drop", "null", "wrong type", "odd text", "huge", "extra field"]))
        if not path:
            doc = draw(json_values) if action in ("wrong type", "drop") else None if action == "null" else doc
            continue
        parent = doc
        for step in path[:-1]:
            parent = parent[step]
        key = path[-1]
        if action == "drop":
            del parent[key]
        elif action == "null":
            parent[key] = None
        elif action == "wrong type":
            parent[key] = draw(json_values)
        elif action == "odd text":
            parent[key] = draw(st.sampled_from(["", "postgresql-backup", "UNKNOWN", "RUNNING", "-1", "1e309"])
                               | st.text(max_size=20))
        elif action == "huge":
            value = parent[key]
            parent[key] = (value * 2000)[:5000] if isinstance(value, list) and value else "x" * 200000
        elif action == "extra field" and isinstance(parent[key], dict):
            parent[key][draw(st.text(min_size=1, max_size=10))] = draw(json_values)
    return doc


def body_text(doc):
    return json.dumps(doc)


def bodies_for(base):
    """Serialized bodies: invalid JSON, any JSON, or the real shape mutated."""
    return st.one_of(invalid_json, json_values.map(body_text), mutated(base).map(body_text))


# Well-formed backups with event types and states the collection has never seen.
odd_types = st.sampled_from(["snapshot-upload", "commitlog-upload", "cassandra-restore", "postgresql-backup"]) \
    | st.text(min_size=1, max_size=20)
odd_states = st.sampled_from(["ACTIVE", "COMPLETED", "FAILED"]) | st.text(min_size=1, max_size=12)


@st.composite
def backups_with_odd_events(draw):
    doc = copy.deepcopy(BACKUPS)
    for node in doc["clusterDataCentres"][0]["nodes"]:
        for event in node["events"]:
            if draw(st.booleans()):
                event["type"] = draw(odd_types)
            if draw(st.booleans()):
                event["state"] = draw(odd_states)
        if draw(st.booleans()):
            node["events"].append({"type": draw(odd_types), "state": draw(odd_states), "progress": 0.5,
                                   "start": NOW_MS - 1000, "end": None, "extraField": {"x": 1}})
    return doc


# --------------------------------------------------------------------------- serving

def serve(rsps, override=None):
    """Every endpoint answers its valid body, except ``override = (endpoint, status, text)``."""
    date = formatdate(NOW_MS / 1000.0, usegmt=True)
    for name, (method, path, status, body) in ENDPOINTS.items():
        text = "" if body is None else json.dumps(body)
        if override and override[0] == name:
            status, text = override[1], override[2]
        rsps.add(method, re.compile(re.escape(BASE) + path + r"$"), body=text, status=status,
                 headers={"Date": date}, content_type="application/json")


def module_args(**extra):
    # wait_timeout also caps the grace period a mutating module spends re-reading after an
    # ambiguous answer (a 5xx to its POST): keep it short, the fuzzed answers do not change.
    args = {"api_url": BASE, "api_username": USER, "api_key": KEY, "api_timeout": 2, "api_retries": 0,
            "api_retry_max_delay": 0.01, "wait_timeout": 0.3, "wait_sleep": 0.1}
    args.update(extra)
    return args


def info_args(**extra):
    """The info modules have no wait options."""
    args = module_args(**extra)
    del args["wait_timeout"], args["wait_sleep"]
    return args


def clear_failure_problems(failed, result, operations):
    """A traceback, a silent failure, a message without an operation, an unbounded message, a leak."""
    problems = traceback_problems(result)
    msg = str(result.get("msg", ""))
    if failed and not any(op in msg for op in operations):
        problems.append("failure names none of %s: %s" % (sorted(operations), msg[:300]))
    if len(msg) > MAX_MESSAGE:
        problems.append("message of %d characters" % len(msg))
    dumped = json.dumps(result, default=str)
    for secret in (KEY, PASSWORD):
        if secret in dumped:
            problems.append("%s appears in the result" % ("the API key" if secret == KEY else "the password"))
    return problems


# (case, endpoint whose answer is fuzzed, module, args)
MODULE_CASES = [
    ("cluster_backup_info: list backups", "list backups", "cluster_backup_info", dict(cluster_id=CID)),
    ("cluster_info: get cluster", "get cluster", "cluster_info", dict(cluster_id=CID)),
    ("cluster_info by name: list clusters", "list clusters", "cluster_info", dict(name="fuzz-source")),
    ("cluster_backup: list backups", "list backups", "cluster_backup",
     dict(cluster_id=CID, reuse_within="1h", wait=False)),
    ("cluster_restore present: restore", "restore", "cluster_restore",
     dict(cluster_id=CID, name="fuzz-new", validate_backups=False, wait=False)),
    ("cluster_restore present: list clusters", "list clusters", "cluster_restore",
     dict(cluster_id=CID, name="fuzz-new", validate_backups=False, wait=False)),
    ("cluster_restore absent: get cluster", "get restored", "cluster_restore",
     dict(cluster_id=CID, restored_cluster_id=RID, state="absent", wait=False)),
]
STATUSES = st.sampled_from([200, 202, 200, 202, 400, 401, 404, 409, 412, 415, 429, 500, 503])


def _record(figures, case, tried, failed, result, problems):
    figures.case(case, tried, held=not problems,
                 outcome=("failed: %s" % str(result.get("msg"))[:150]) if failed else "succeeded",
                 problems=problems)
    figures.add("bodies served")
    figures.add("clear failures" if failed and not problems else "correct results" if not problems else "broken")


@pytest.mark.parametrize("case,endpoint,module,args", MODULE_CASES, ids=[c[0] for c in MODULE_CASES])
def test_module_survives_malformed_body(figures, case, endpoint, module, args):
    seen = []

    @FUZZ
    @given(status=STATUSES, text=bodies_for(ENDPOINTS[endpoint][3]))
    @example(status=500, text="<html>" + "x" * 3000000 + "</html>")
    @example(status=200, text="")
    def check(status, text):
        with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
            serve(rsps, (endpoint, status, text))
            build = info_args if module.endswith("_info") else module_args
            failed, result = run_module(module, build(**args))
        problems = clear_failure_problems(failed, result, OPERATIONS)
        seen.append(not problems)
        _record(figures, "%s [%d]" % (case, len(seen)), "%s answered %d with %d bytes: %r" % (
            endpoint, status, len(text), text[:60]), failed, result, problems)
        assert not problems, "\n".join(problems)

    check()


@FUZZ
@given(doc=backups_with_odd_events())
def test_unknown_event_types_and_states_give_a_result(figures, doc):
    """Well-formed events of unknown types or states are passed through, never a failure."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        serve(rsps, ("list backups", 200, json.dumps(doc)))
        failed, result = run_module("cluster_backup_info", info_args(cluster_id=CID))
    problems = clear_failure_problems(failed, result, OPERATIONS)
    if failed:
        problems.append("unknown event types or states made the module fail: %s" % result.get("msg"))
    else:
        returned = sorted(node["id"] for dc in result.get("data_centres", []) for node in dc.get("nodes", []))
        if returned != sorted(NODES):
            problems.append("nodes %s returned for %s" % (returned, sorted(NODES)))
    event_types = sorted({e["type"] for n in doc["clusterDataCentres"][0]["nodes"] for e in n["events"]})
    _record(figures, "odd events", "types %s" % event_types, failed, result, problems)
    assert not problems, "\n".join(problems)


def test_very_large_backup_listing(figures):
    """10,000 events per node on 3 nodes (about 3 MB): a correct summary, not a failure."""
    doc = copy.deepcopy(BACKUPS)
    for index, node in enumerate(doc["clusterDataCentres"][0]["nodes"]):
        start = NOW_MS - 6 * 86400000
        node["events"] = [{"type": "commitlog-upload", "state": "COMPLETED", "progress": 1.0,
                           "start": start + k * 50000, "end": start + k * 50000 + 10000} for k in range(10000)]
        node["events"].insert(0, {"type": "snapshot-upload", "state": "COMPLETED", "progress": 1.0,
                                  "start": start - 3600000, "end": start - 60000})
    text = json.dumps(doc)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        serve(rsps, ("list backups", 200, text))
        failed, result = run_module("cluster_backup_info", info_args(cluster_id=CID, include_events=False))
    problems = clear_failure_problems(failed, result, OPERATIONS)
    if failed:
        problems.append("failed on a large but valid listing: %s" % result.get("msg"))
    else:
        newest = min(max(e["end"] for e in n["events"]) for n in doc["clusterDataCentres"][0]["nodes"])
        if result.get("summary", {}).get("restorable_until_ms") != newest:
            problems.append("restorable_until_ms %r, expected %r" % (result.get("summary", {}).get(
                "restorable_until_ms"), newest))
    _record(figures, "large listing", "GET backups of %d bytes, 30,003 events" % len(text), failed, result, problems)
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------- client and backend

@FUZZ
@given(status=st.sampled_from([200, 201, 202, 204, 299, 301, 400, 401, 403, 404, 409, 412, 415, 418, 429, 500, 502,
                               503, 504]),
       text=st.one_of(invalid_json, json_values.map(body_text), st.none()),
       method=st.sampled_from(["GET", "POST", "DELETE"]))
def test_client_returns_or_raises_api_error(figures, status, text, method):
    if text is None:  # drawn as None so a failure report does not print half a megabyte
        text = "y" * 500000
    if status == 204:
        text = ""  # a 204 carries no body by definition (urllib3 would not read one)
    from ansible_collections.restorekit.instaclustr.plugins.module_utils._errors import ApiError
    from ansible_collections.restorekit.instaclustr.plugins.module_utils._http import ApiResponse, ApiSession

    session = ApiSession(BASE, USER, KEY, timeout=2, retries=0, retry_max_delay=0.01, sleep=lambda seconds: None)
    problems = []
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add(method, BASE + "/provisioning/v1/x", body=text, status=status,
                 headers={"Date": formatdate(usegmt=True)})
        try:
            answer = session.request(method, "/provisioning/v1/x", "fuzz operation")
            if not 200 <= status < 300:
                problems.append("HTTP %d returned as success" % status)
            elif not isinstance(answer, ApiResponse):
                problems.append("returned %r" % type(answer))
        except ApiError as error:
            message = str(error)
            if 200 <= status < 300:
                problems.append("HTTP %d raised %s" % (status, message[:200]))
            if "fuzz operation" not in message or str(status) not in message:
                problems.append("error message lacks the operation or the status: %s" % message[:200])
            if len(message) > MAX_MESSAGE or len(json.dumps(error.to_result(), default=str)) > 50000:
                problems.append("error of unbounded size (%d characters)" % len(message))
            if KEY in message:
                problems.append("the key is in the message")
        except Exception as error:  # anything else is a traceback for the user
            problems.append("raised %s: %s" % (type(error).__name__, error))
    figures.add("client answers served")
    if problems:
        figures.case("client %s %d" % (method, status), repr(text[:60]), held=False, problems=problems)
    assert not problems, "\n".join(problems)


BACKEND_CALLS = [
    ("list_clusters", (), "list clusters"),
    ("get_cluster", (CID,), "get cluster"),
    ("list_backup_events", (CID,), "list backups"),
    ("delete_cluster", (RID,), "delete cluster"),
]


@pytest.mark.parametrize("method_name,call_args,endpoint", BACKEND_CALLS, ids=[c[0] for c in BACKEND_CALLS])
def test_backend_raises_only_collection_errors(figures, method_name, call_args, endpoint):
    provisioning = pytest.importorskip(
        "ansible_collections.restorekit.instaclustr.plugins.module_utils._provisioning_v1")
    from ansible_collections.restorekit.instaclustr.plugins.module_utils._errors import RestorekitError
    from ansible_collections.restorekit.instaclustr.plugins.module_utils._http import ApiSession

    base_doc = ENDPOINTS["get restored" if method_name == "delete_cluster" else endpoint][3]

    @FUZZ
    @given(status=STATUSES, text=bodies_for(base_doc if base_doc is not None else {}))
    def check(status, text):
        session = ApiSession(BASE, USER, KEY, timeout=2, retries=0, retry_max_delay=0.01, sleep=lambda s: None)
        backend = provisioning.ProvisioningV1(session)
        problems = []
        with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
            serve(rsps, (endpoint, status, text))
            try:
                getattr(backend, method_name)(*call_args)
            except RestorekitError:
                pass
            except Exception as error:
                problems.append("%s raised %s: %s" % (method_name, type(error).__name__, str(error)[:200]))
        figures.add("backend answers served")
        if problems:
            figures.case("backend %s %d" % (method_name, status), repr(text[:60]), held=False, problems=problems)
        assert not problems, "\n".join(problems)

    check()
