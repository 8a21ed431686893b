"""Start the API emulator in a subprocess for a test, and drive its admin API.

    with running_emulator(scenario="default", time_scale=60) as emulator:
        emulator.api("GET", "/provisioning/v1")
        emulator.advance(3600)

Each ``running_emulator`` is a separate process on a free loopback port, so tests never share
a clock, faults or outcomes. See docs/emulator.md for the admin API behind these helpers.
"""

import contextlib
import queue
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import requests

from tests.emulator.scenarios import (  # noqa: F401  (re-exported for tests)
    INVENTORY_DEV_DC_ID,
    INVENTORY_DEV_ID,
    LARGE_ID,
    LEGACY_NOBACKUP_ID,
    ORDERS_PROD_ADDED_NODE_ID,
    ORDERS_PROD_EAST_DC_ID,
    ORDERS_PROD_ID,
    ORDERS_PROD_WEST_DC_ID,
    fleet_id,
)
from tests.emulator.mixed import (  # noqa: F401  (re-exported for tests)
    DRILL_LEFTOVER_ID,
    DRILL_LEFTOVER_PG_ID,
    OTHER_ACCOUNT_ID,
    PAYMENTS_PG_ID,
    SEARCH_OS_ID,
    SESSIONS_REDIS_ID,
)
from tests.emulator.wire_v2 import APPS as _V2_APPS, ACCOUNT_LIST_PATH, MAIN_ACCOUNT_ID  # noqa: F401

__all__ = [
    "Emulator", "EmulatorStartError", "running_emulator", "v2_path",
    "INVENTORY_DEV_DC_ID", "INVENTORY_DEV_ID", "LARGE_ID", "LEGACY_NOBACKUP_ID", "ORDERS_PROD_ADDED_NODE_ID",
    "ORDERS_PROD_EAST_DC_ID", "ORDERS_PROD_ID", "ORDERS_PROD_WEST_DC_ID", "fleet_id",
    "DRILL_LEFTOVER_ID", "DRILL_LEFTOVER_PG_ID", "OTHER_ACCOUNT_ID", "PAYMENTS_PG_ID", "SEARCH_OS_ID",
    "SESSIONS_REDIS_ID", "ACCOUNT_LIST_PATH", "MAIN_ACCOUNT_ID",
]


def v2_path(application, operation, cluster_id=None):
    """The OpenAPI spelling of a v2 path: ``operation`` is ``list_backups``, ``trigger_backup``,
    ``restore`` or ``cluster`` (GET and DELETE); ``application`` one of cassandra, postgresql,
    opensearch, redis. Redis has no ``list_backups`` (ValueError)."""
    template = getattr(_V2_APPS[application], operation)
    if template is None:
        raise ValueError("%s has no %s route" % (application, operation))
    return template.replace("{clusterId}", cluster_id or "{clusterId}")


REPO_ROOT = Path(__file__).resolve().parents[2]
READY_PREFIX = "emulator listening on "
START_TIMEOUT = 15.0
DATA_PLANE_START_TIMEOUT = 120.0  # initdb, engines of every cluster of the scenario
ADMIN = "/__emulator__"


class EmulatorStartError(RuntimeError):
    pass


class Emulator:
    """A running emulator: its URL and credentials, and helpers for its admin API."""

    def __init__(self, url, username, api_key, process):
        self.url = url
        self.username = username
        self.api_key = api_key
        self.process = process
        self.http = requests.Session()

    # --- the emulated API --------------------------------------------------------------------

    def credentials_env(self):
        """The IC_* environment variables a playbook reads its credentials from (as AWX passes them)."""
        return {"IC_API_URL": self.url, "IC_USERNAME": self.username, "IC_API_KEY": self.api_key}

    def api(self, method, path, **kwargs):
        """An authenticated call to the emulated API. A POST without a body or a Content-Type
        gets ``Content-Type: application/json``, as the real clients send."""
        kwargs.setdefault("auth", (self.username, self.api_key))
        kwargs.setdefault("timeout", 30)
        if method.upper() == "POST" and "json" not in kwargs and "data" not in kwargs:
            headers = dict(kwargs.get("headers") or {})
            headers.setdefault("Content-Type", "application/json")
            kwargs["headers"] = headers
        return self.http.request(method, self.url + path, **kwargs)

    # --- the admin API -----------------------------------------------------------------------

    def admin(self, method, path, body=None):
        response = self.http.request(method, self.url + ADMIN + path, json=body, timeout=30)
        response.raise_for_status()
        return response.json()

    def requests_log(self):
        return self.admin("GET", "/requests")

    def mutating_requests(self):
        return [entry for entry in self.requests_log() if entry["method"] in ("POST", "DELETE")]

    def now_ms(self):
        return self.admin("GET", "/clock")["now_ms"]

    def advance(self, seconds):
        return self.admin("POST", "/clock", {"advance_seconds": seconds})

    def reset(self):
        return self.admin("POST", "/reset")

    def add_fault(self, method, path, fault, status=None, delay_seconds=None, count=1):
        spec = {"method": method, "path": path, "fault": fault, "count": count}
        if status is not None:
            spec["status"] = status
        if delay_seconds is not None:
            spec["delay_seconds"] = delay_seconds
        return self.admin("POST", "/faults", spec)

    def faults(self):
        return self.admin("GET", "/faults")

    def clear_faults(self):
        return self.admin("DELETE", "/faults")

    def set_outcomes(self, **outcomes):
        return self.admin("POST", "/outcomes", outcomes)

    def settings(self, **settings):
        if settings:
            return self.admin("POST", "/settings", settings)
        return self.admin("GET", "/settings")

    def clusters(self):
        return self.admin("GET", "/clusters")

    def cluster_state(self, cluster_id):
        return self.admin("GET", "/clusters/" + cluster_id)

    def data_plane(self):
        """``{enabled, address_block, ...}``: the node address block, and with ``--data-plane`` the CA and engines."""
        return self.admin("GET", "/data-plane")

    @property
    def address_block(self):
        """The ``127.B.0.0/16`` block of this emulator's node addresses."""
        return self.data_plane()["address_block"]

    def firewall_rules(self, cluster_id):
        return self.admin("GET", "/clusters/%s/firewall-rules" % cluster_id)

    def add_firewall_rules(self, cluster_id, network, types=None, duration_seconds=None):
        body = {"network": network}
        if types is not None:
            body["types"] = types
        if duration_seconds is not None:
            body["duration_seconds"] = duration_seconds
        return self.admin("POST", "/clusters/%s/firewall-rules" % cluster_id, body)

    def edit_cluster(self, cluster_id, **fields):
        """Rewrite a cluster's ``name`` or ``sla_tier`` to any string (hostile values included)."""
        return self.admin("PATCH", "/clusters/" + cluster_id, fields)

    def disaster(self, cluster_id, kind):
        """Make a source cluster lost: ``failed`` or ``deleted`` (its backups still listed), docs/emulator.md."""
        return self.admin("POST", "/clusters/%s/disaster" % cluster_id, {"kind": kind})

    def close(self):
        self.http.close()


def _read_lines(stream, lines):
    for line in iter(stream.readline, ""):
        lines.put(line)
    lines.put(None)


def _wait_for_url(process, lines, stderr_file, timeout=START_TIMEOUT):
    """The URL from the emulator's first stdout line, or an error with its stderr."""
    try:
        line = lines.get(timeout=timeout)
    except queue.Empty:
        line = None
    if line and line.startswith(READY_PREFIX):
        return line[len(READY_PREFIX):].strip()
    process.kill()
    process.wait()
    stderr_file.seek(0)
    raise EmulatorStartError("emulator did not start (first line %r); stderr:\n%s" % (line, stderr_file.read()))


def _stop(process):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def running_emulator(scenario="default", time_scale=1.0, username="demo", api_key="demo-key", extra_args=()):
    """Start ``python -m tests.emulator`` on a free port; yield an ``Emulator``; stop it on exit.

    With ``--data-plane`` in ``extra_args`` the engines' files go to a temporary folder removed on exit
    (also after a crash of the emulator), and the start may take up to ``DATA_PLANE_START_TIMEOUT``."""
    command = [sys.executable, "-m", "tests.emulator", "--host", "127.0.0.1", "--port", "0", "--quiet",
               "--scenario", scenario, "--time-scale", str(time_scale),
               "--username", username, "--api-key", api_key, *extra_args]
    data_plane = "--data-plane" in extra_args
    with contextlib.ExitStack() as stack:
        if data_plane and "--data-plane-dir" not in extra_args:
            workdir = stack.enter_context(tempfile.TemporaryDirectory(prefix="restorekit-data-plane-"))
            command += ["--data-plane-dir", workdir]
        yield from _run(command, username, api_key, DATA_PLANE_START_TIMEOUT if data_plane else START_TIMEOUT)


def _run(command, username, api_key, start_timeout):
    with tempfile.TemporaryFile(mode="w+") as stderr_file:
        process = subprocess.Popen(command, cwd=str(REPO_ROOT), stdout=subprocess.PIPE, stderr=stderr_file,
                                   stdin=subprocess.DEVNULL, text=True)
        lines = queue.Queue()
        threading.Thread(target=_read_lines, args=(process.stdout, lines), daemon=True).start()
        try:
            emulator = Emulator(_wait_for_url(process, lines, stderr_file, start_timeout), username, api_key, process)
            try:
                yield emulator
            finally:
                emulator.close()
        finally:
            _stop(process)
