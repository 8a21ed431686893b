"""Shared machinery of the reliability suites (issue 5).

* one emulator per test module (``emulator`` fixture, configured by the module's ``EMULATOR``
  dict), fast: high time scale, short simulated durations;
* ``run_module(name, args)``: a module's ``main()`` in-process, any escaping exception turned into
  a result the checks can see;
* ``common_args(emulator)``: a small per-request timeout and retry budget, so faults cost seconds;
* ``run_playbook(...)``: the few representative real playbook runs, through ansible-runner;
* the figures: each suite records what it tried and what held; at the end of the session they
  are written to ``tests/output/reliability/<suite>.json``, which ``tools/reliability_report.py``
  renders into ``docs/reliability.md``;
* a guard that refuses any in-process connection to a non-loopback address.
"""

import importlib
import ipaddress
import json
import os
import re
import socket
import sys
import time
import traceback
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
FIGURES_DIR = Path(os.environ.get("RELIABILITY_FIGURES_DIR", REPO_ROOT / "tests" / "output" / "reliability"))
MODULE_PACKAGE = "ansible_collections.restorekit.instaclustr.plugins.modules"
MUTATING_METHODS = frozenset(("POST", "PUT", "PATCH", "DELETE"))
API_PREFIX = ("/provisioning/", "/cluster-management/")  # API v1 and v2 paths

# Operation names the client puts in its messages (docs/architecture.md, _http.py).
OPERATIONS = {
    "list backups": ("GET", "/provisioning/v1/{clusterId}/backups"),
    "trigger backup": ("POST", "/provisioning/v1/{clusterId}/backups"),
    "restore": ("POST", "/provisioning/v1/{clusterId}/backups/restore"),
    "get cluster": ("GET", "/provisioning/v1/{clusterId}"),
    "list clusters": ("GET", "/provisioning/v1"),
    "delete cluster": ("DELETE", "/provisioning/v1/{clusterId}"),
}

# Fast world for in-process matrices: 1 real second = 60 simulated seconds; a backup takes
# 60 simulated s, a restore 90, a delete 30 (about 1 to 1.5 real seconds each).
FAST_TIME_SCALE = 60.0
FAST_DURATIONS = ("--backup-duration", "60", "--restore-duration", "90", "--delete-duration", "30")


# --------------------------------------------------------------------------- network guard

_real_connect = socket.socket.connect
_blocked_connections = []


def _is_loopback_address(address):
    if not isinstance(address, tuple):
        return True  # AF_UNIX paths stay on this machine
    host = address[0]
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _guarded_connect(sock, address):
    if not _is_loopback_address(address):
        _blocked_connections.append(address)
        raise OSError("reliability tests refuse connections to non-loopback address %r" % (address,))
    return _real_connect(sock, address)


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    """No test traffic may leave 127.0.0.1 (a module that ignored the http:// rule would try)."""
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    del _blocked_connections[:]
    yield _blocked_connections


# --------------------------------------------------------------------------- emulator

@pytest.fixture(scope="module")
def emulator(request):
    """One emulator per test module, configured by the module's ``EMULATOR`` dict."""
    emulator_support = pytest.importorskip("tests.support.emulator", reason="the emulator harness has not landed")
    options = dict(scenario="default", time_scale=FAST_TIME_SCALE, extra_args=FAST_DURATIONS)
    options.update(getattr(request.module, "EMULATOR", {}))
    options["extra_args"] = tuple(options.get("extra_args", ()))
    with emulator_support.running_emulator(**options) as handle:
        yield handle


def scenario_ids():
    """The documented ids of the default scenario (ORDERS_PROD_ID, INVENTORY_DEV_ID, LEGACY_NOBACKUP_ID)."""
    support = pytest.importorskip("tests.support.emulator", reason="the emulator harness has not landed")
    return support.ORDERS_PROD_ID, support.INVENTORY_DEV_ID, support.LEGACY_NOBACKUP_ID


def api_requests(emulator):
    """The emulator's log of API requests (the admin API excluded)."""
    return [entry for entry in emulator.requests_log() if entry.get("path", "").startswith(API_PREFIX)]


def mutating_api_requests(emulator):
    return [entry for entry in api_requests(emulator) if entry.get("method", "").upper() in MUTATING_METHODS]


def clusters_named(emulator, name):
    """Every cluster that ever carried ``name`` (deleted ones included): the exactly-once count."""
    return [cluster for cluster in emulator.clusters() if cluster.get("name") == name]


def restored_clusters_alive(emulator):
    """Clusters made by a restore that are neither deleted nor being deleted."""
    alive = []
    for cluster in emulator.clusters():
        if not cluster.get("created_by_restore") or cluster.get("deleted"):
            continue
        if str(cluster.get("status", "")).upper() in ("DELETING", "DELETED"):
            continue
        alive.append(cluster)
    return alive


# --------------------------------------------------------------------------- modules in-process

def load_module(name):
    try:
        return importlib.import_module("%s.%s" % (MODULE_PACKAGE, name))
    except ImportError as error:
        if "restorekit" in str(error) and name in str(error):
            pytest.skip("module %s has not landed" % name)
        raise


def common_args(emulator, **extra):
    """Credentials and a small time/retry budget: 2 s per request, 2 retries, 0.2 s max backoff."""
    args = {
        "api_url": emulator.url,
        "api_username": emulator.username,
        "api_key": emulator.api_key,
        "api_timeout": 2,
        "api_retries": 2,
        "api_retry_max_delay": 0.2,
    }
    args.update(extra)
    return args


def run_module(name, args, check_mode=False):
    """``(failed, result)`` of ``name``'s ``main()``; an escaping exception becomes ``result['escaped']``."""
    from tests.support.module_runner import run_module_main

    module = load_module(name)
    try:
        return run_module_main(module, args, check_mode=check_mode)
    except AssertionError:
        raise
    except BaseException:  # what reaches the user as a traceback
        return True, {"failed": True, "escaped": traceback.format_exc()}


def traceback_problems(result):
    """Ways a result shows a traceback instead of a clear message."""
    problems = []
    if "escaped" in result:
        problems.append("exception escaped main(): %s" % result["escaped"][-1500:])
    if result.get("exception"):
        problems.append("result carries a traceback: %s" % str(result["exception"])[-1500:])
    if result.get("module_stderr"):
        problems.append("module wrote to stderr: %s" % str(result["module_stderr"])[-1500:])
    if "Traceback (most recent call last)" in str(result.get("msg", "")):
        problems.append("msg holds a traceback")
    if result.get("failed") and not str(result.get("msg", "")).strip():
        problems.append("failed without a message")
    return problems


# --------------------------------------------------------------------------- playbooks (ansible-runner)

def ansible_env(emulator, username=None, api_key=None):
    """Environment for a playbook run: the credentials the way AWX passes them (env vars)."""
    from tests.support.collection import collections_root

    return {
        **emulator.credentials_env(),
        "IC_USERNAME": username or emulator.username,
        "IC_API_KEY": api_key or emulator.api_key,
        "ANSIBLE_COLLECTIONS_PATH": str(collections_root()),
        "ANSIBLE_ROLES_PATH": str(REPO_ROOT / "roles"),
        "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
        "ANSIBLE_HOST_KEY_CHECKING": "False",
        "ANSIBLE_RETRY_FILES_ENABLED": "False",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_LOCALHOST_WARNING": "False",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "False",
        "PATH": "%s:%s" % (Path(sys.executable).parent, os.environ.get("PATH", "")),
    }


def run_playbook(private_data_dir, playbook, inventory, envvars, extravars=None, forks=5, verbosity=0,
                 timeout=600, cmdline=None):
    """Run ``playbook`` (a path) with ansible-runner in ``private_data_dir``; return the runner."""
    import ansible_runner

    private_data_dir = Path(private_data_dir)
    private_data_dir.mkdir(parents=True, exist_ok=True)
    kwargs = dict(private_data_dir=str(private_data_dir), playbook=str(playbook), inventory=inventory,
                  envvars=envvars, forks=forks, verbosity=verbosity, quiet=True, timeout=timeout,
                  json_mode=False)
    if extravars:
        kwargs["extravars"] = extravars
    if cmdline:
        kwargs["cmdline"] = cmdline
    return ansible_runner.run(**kwargs)


def task_results(runner, event_name):
    """``[(host, task name, result dict)]`` of the runner's events called ``event_name``."""
    found = []
    for event in runner.events:
        if event.get("event") != event_name:
            continue
        data = event.get("event_data", {})
        found.append((data.get("host"), data.get("task"), data.get("res", {})))
    return found


def playbook_failures(runner):
    """Failed tasks that were not ignored, as ``[(host, task, msg)]``."""
    failures = []
    for event in runner.events:
        if event.get("event") != "runner_on_failed":
            continue
        data = event.get("event_data", {})
        if data.get("ignore_errors"):
            continue
        failures.append((data.get("host"), data.get("task"), str(data.get("res", {}).get("msg", ""))))
    return failures


def runner_stdout(runner):
    try:
        return runner.stdout.read()
    except Exception:  # the stdout file may be closed already; the events hold the same text
        return "\n".join(event.get("stdout", "") for event in runner.events)


# --------------------------------------------------------------------------- figures

class SuiteFigures:
    """What one suite tried and what held, plus named figures (counts, seconds)."""

    def __init__(self, name, title, promise):
        self.name = name
        self.title = title
        self.promise = promise
        self.cases = []
        self.figures = {}
        self.started = time.monotonic()

    def case(self, case, tried, held, outcome="", problems=(), seconds=None):
        entry = {"case": case, "tried": tried, "held": bool(held), "outcome": outcome,
                 "problems": [str(p)[:500] for p in problems]}
        if seconds is not None:
            entry["seconds"] = round(seconds, 2)
        self.cases.append(entry)

    def figure(self, key, value):
        self.figures[key] = value

    def add(self, key, amount=1):
        self.figures[key] = self.figures.get(key, 0) + amount

    def as_json(self, duration):
        return {"suite": self.name, "title": self.title, "promise": self.promise,
                "cases": self.cases, "figures": self.figures, "duration_seconds": round(duration, 1),
                "recorded_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "python": sys.version.split()[0]}


_SUITES = {}
_DURATIONS = {}


@pytest.fixture(scope="module")
def figures(request):
    """The figures of this test module's suite (``SUITE`` = (name, title, promise) in the module)."""
    name, title, promise = request.module.SUITE
    if name not in _SUITES:
        _SUITES[name] = SuiteFigures(name, title, promise)
    return _SUITES[name]


def pytest_runtest_logreport(report):
    # Wall time per suite file (setup, call and teardown: emulator start-up counts too).
    key = report.nodeid.split("::")[0]
    _DURATIONS[key] = _DURATIONS.get(key, 0.0) + report.duration


def pytest_sessionfinish(session, exitstatus):
    if not _SUITES:
        return
    FIGURES_DIR.mkdir(parents=True, exist_ok=True)
    for name, suite in _SUITES.items():
        duration = sum(seconds for nodeid, seconds in _DURATIONS.items()
                       if re.search(r"test_%s\.py$" % re.escape(name), nodeid))
        path = FIGURES_DIR / ("%s.json" % name)
        path.write_text(json.dumps(suite.as_json(duration), indent=2, sort_keys=True) + "\n")
