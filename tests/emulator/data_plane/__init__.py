"""The emulator's data plane (``--data-plane``): clusters that hold data, back it up and restore it.

``DataPlane`` owns the engines (one ``Engine`` per application, from ``postgresql.py``, ``redis.py``,
``cql.py`` and ``opensearch.py`` of this package; an application whose file is absent serves no data),
the front doors (``front.py``), the emulator's CA (``tls.py``) and the backup timer. The world calls
it when a cluster is restored or deleted; the runtime when the clock jumps or the world is reset.

Backups hold the data: every node backup event of a cluster (scheduled or triggered, not a failing
one) gets a copy of the cluster's data as of an instant of the simulated clock, its START for
Cassandra and OpenSearch (a node snapshot), its END for PostgreSQL and Redis. Copies are taken when
the simulated clock passes the instant: by a timer thread (every ``TIMER_SECONDS`` of real time),
at every clock jump, and before every API request is answered, so a listing never shows an event
COMPLETED before its copy exists, and a write made after the instant is not in it. A restore
chooses its data when it is requested (see ``RESTORE_BY``), by the application's model.
Nothing here imports from ``plugins/``.
"""

import importlib
import os
import sys
import tempfile
import threading
import traceback
from dataclasses import dataclass
from pathlib import Path

from tests.emulator.data_plane.front import FrontDoor
from tests.emulator.data_plane.processes import EngineUnavailable
from tests.emulator.data_plane.tls import CertificateAuthority
from tests.emulator.history import WINDOW_MS
from tests.emulator.lifecycle import RUNNING

# The per-application table of the data plane.
ENGINE_MODULES = {"cassandra": "cql", "postgresql": "postgresql", "opensearch": "opensearch", "redis": "redis"}
REAL_ENGINES = ("postgresql", "redis")  # their programs must be on the machine (make engines)
COPY_AT = {"cassandra": "start", "opensearch": "start", "postgresql": "end", "redis": "end"}
# How a restore chooses its data: "point_in_time": the newest copy whose backup COMPLETED at or before the
# point in time; "requested": the newest copy completed when the restore is requested (Redis: no point in time);
# "log": every write up to the point in time (Cassandra with continuous backup; plain snapshots otherwise).
RESTORE_BY = {"cassandra": "log", "opensearch": "point_in_time", "postgresql": "point_in_time", "redis": "requested"}
TIMER_SECONDS = 0.05


@dataclass
class Copy:
    as_of_ms: int  # the data as of this simulated instant
    completed_ms: int  # the backup event's end: restorable from then on
    token: object


class DataPlane:
    def __init__(self, world, clock, workdir=None, engines=None):
        self.world = world
        self.clock = clock
        self._own_workdir = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="restorekit-data-plane-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.workdir, 0o711)  # engines run as another user and must reach their folders
        self.engines = dict(engines or {})  # application -> Engine (given: tests with engines of their own)
        self._load = engines is None
        self.unavailable = {}  # application -> why it serves no data
        self.doors = {}  # cluster id -> [FrontDoor]
        self.ready = {}  # cluster id -> True once its engine holds its data
        self.members = {}  # cluster id -> the application whose engine serves it
        self.restores = {}  # restored cluster id -> how its data was chosen (admin view)
        self.copies = {}  # cluster id -> [Copy]
        self.caught_up = {}  # cluster id -> simulated ms up to which copies were taken
        self.lock = threading.RLock()
        self._stop = threading.Event()
        self._timer = None
        self.ca = None
        self.closed = False

    # --- life -------------------------------------------------------------------------------------

    def start(self):
        """Load the engines, make the CA, serve every live cluster of the scenario, start the timer."""
        self.ca = CertificateAuthority(self.workdir / "tls")
        for application, module_name in ENGINE_MODULES.items() if self._load else ():
            try:
                module = importlib.import_module("tests.emulator.data_plane." + module_name)
            except ModuleNotFoundError as missing:
                if missing.name != "tests.emulator.data_plane." + module_name:
                    raise
                self.unavailable[application] = "no engine in this tree (tests/emulator/data_plane/%s.py)" % module_name
                continue
            try:
                self.engines[application] = module.Engine(self.workdir / application, self.clock)
            except EngineUnavailable as problem:
                raise EngineUnavailable("the data plane needs %s: %s" % (application, problem))
        self.create_scenario_clusters()
        self._timer = threading.Thread(target=self._tick, name="data-plane-timer", daemon=True)
        self._timer.start()

    def create_scenario_clusters(self):
        now = self.clock.now_ms()
        with self.world.lock:
            clusters = [cluster for cluster in self.world.live_clusters(now) if cluster.restore is None
                        or cluster.restore.running_from() is not None]
        for cluster in clusters:
            self._create(cluster, now)
            self.ready[cluster.id] = True

    def reset(self):
        """Back to the scenario's start: every cluster's engine and copies dropped, the scenario's made again."""
        with self.lock:
            for cluster_id in list(self.doors):
                self._drop(cluster_id)
            self.copies.clear()
            self.caught_up.clear()
            self.ready.clear()
            self.restores.clear()
        self.create_scenario_clusters()

    def close(self):
        """Stop the timer, every front door and every engine (idempotent)."""
        if self.closed:
            return
        self.closed = True
        self._stop.set()
        if self._timer is not None:
            self._timer.join(timeout=5)
        with self.lock:
            for cluster_id in list(self.doors):
                for door in self.doors.pop(cluster_id):
                    door.close()
            for engine in self.engines.values():
                try:
                    engine.close()
                except Exception:
                    traceback.print_exc()
        if self._own_workdir:
            import shutil

            shutil.rmtree(self.workdir, ignore_errors=True)

    # --- clusters ---------------------------------------------------------------------------------

    def nodes_of(self, cluster):
        return [{"public": node.public_address, "private": node.private_address, "data_centre": dc.cdc_name,
                 "rack": node.rack, "engine": self.world.addresses.engine_address(node.public_address)}
                for dc in cluster.data_centres for node in dc.nodes]

    def _create(self, cluster, now):
        """The cluster's engine and front doors (no data yet); False when its application serves no data."""
        engine = self.engines.get(cluster.application)
        if engine is None:
            return False
        nodes = self.nodes_of(cluster)
        tls_files = self.ca.issue(cluster.id, [node["public"] for node in nodes]) if cluster.client_encryption else None
        # The engine starts outside the lock (seconds for a Redis cluster): the API keeps answering meanwhile.
        engine.create(cluster.id, nodes, username=cluster.username, password=cluster.password,
                      tls=cluster.client_encryption, tls_files=tls_files)
        doors = [FrontDoor(node["public"], engine.port, cluster.id, index, engine, self.admits)
                 for index, node in enumerate(nodes)]
        with self.lock:
            self.members[cluster.id] = cluster.application
            self.copies[cluster.id] = []
            self.caught_up[cluster.id] = now
            self.doors[cluster.id] = doors
        return True

    def _drop(self, cluster_id):
        for door in self.doors.pop(cluster_id, []):
            door.close()
        application = self.members.pop(cluster_id, None)
        if application is not None:
            try:
                self.engines[application].delete(cluster_id)
            except Exception:
                traceback.print_exc()
        self.ready.pop(cluster_id, None)
        self.copies.pop(cluster_id, None)
        self.caught_up.pop(cluster_id, None)

    def cluster_deleted(self, cluster):
        """A DELETE was accepted: the data stops being served and is dropped."""
        with self.lock:
            if cluster.id in self.doors:
                self._drop(cluster.id)

    def cluster_restored(self, cluster, source, point_in_time, now):
        """A restore was requested: choose its data now, materialise it in a new engine in the background."""
        if cluster.application not in self.engines or cluster.restore.running_from() is None:
            return  # no engine for it, or a restore that never comes up (FAILED, DEFERRED)
        self.catch_up()
        request = cluster.restore.request
        outcome = cluster.restore.data_outcome
        how = {"outcome": outcome}
        with self.lock:
            if source.id not in self.doors:
                how["basis"] = "source serves no data"
            elif outcome == "latest":
                how["basis"] = "the source's current data"
            elif outcome == "complete":
                how.update(self._basis(source, point_in_time, now))
        how["tables"] = request.get("keyspace_tables")
        how["indices"] = request.get("index_names")
        self.ready[cluster.id] = False
        threading.Thread(target=self._materialise, args=(cluster, source, how, now), daemon=True,
                         name="restore-%s" % cluster.id).start()

    def _basis(self, source, point_in_time, now):
        by = RESTORE_BY[source.application]
        if by == "log" and not (source.schedule and source.schedule.continuous):
            by = "point_in_time"
        if by == "log":
            return {"basis": "every write up to the point in time", "point_in_time_ms": point_in_time}
        limit = point_in_time if by == "point_in_time" else now
        usable = [copy for copy in self.copies.get(source.id, []) if copy.completed_ms <= limit]
        if not usable:
            return {"basis": "no copy completed by %d: empty" % limit}
        chosen = max(usable, key=lambda copy: (copy.as_of_ms, copy.completed_ms))
        return {"basis": "the copy as of %d" % chosen.as_of_ms, "token": chosen.token, "as_of_ms": chosen.as_of_ms}

    def _materialise(self, cluster, source, how, now):
        engine = self.engines[cluster.application]
        try:
            self._create(cluster, now)
            if how["outcome"] == "latest" and source.id in self.doors:
                engine.restore_latest(cluster.id, source.id)
            elif "token" in how or "point_in_time_ms" in how:
                engine.restore(cluster.id, source.id, token=how.get("token"),
                               point_in_time_ms=how.get("point_in_time_ms"), tables=how["tables"],
                               indices=how["indices"])
            how.pop("token", None)
            with self.world.lock, self.lock:
                self.restores[cluster.id] = how
                if cluster.deletion is not None or self.closed:  # deleted (or stopped) while its data came up
                    self._drop(cluster.id)
                elif cluster.id in self.doors:
                    self.ready[cluster.id] = True
        except Exception:
            sys.stderr.write("data plane: restoring %s failed\n" % cluster.id)
            traceback.print_exc()

    # --- who may connect --------------------------------------------------------------------------

    def admits(self, cluster_id, client_ip, port):
        """The front doors' rule: the cluster RUNNING with its data, and a firewall rule for the client."""
        now = self.clock.now_ms()
        if not self.ready.get(cluster_id):
            return False
        cluster = self.world.find(cluster_id, now)
        if cluster is None or cluster.status(now) != RUNNING:
            return False
        return bool(self.world.firewall.allows(cluster_id, client_ip, port))

    # --- backups ----------------------------------------------------------------------------------

    def _tick(self):
        while not self._stop.wait(TIMER_SECONDS):
            try:
                self.catch_up()
            except Exception:
                traceback.print_exc()

    def catch_up(self):
        """Take the copies of every backup instant the simulated clock has passed since the last call."""
        with self.world.lock, self.lock:  # always the world's lock first (the world calls in holding it)
            if self.closed:
                return
            now = self.clock.now_ms()
            clusters = {cluster_id: self.world.clusters.get(cluster_id) for cluster_id in self.caught_up}
            for cluster_id, cluster in clusters.items():
                if cluster is None or not self.ready.get(cluster_id):
                    continue
                since = max(self.caught_up[cluster_id], now - WINDOW_MS)
                due = backup_instants(cluster, since, now, COPY_AT[cluster.application])
                self.caught_up[cluster_id] = now
                if not due:
                    continue
                token = self.engines[cluster.application].snapshot(cluster_id)
                copies = self.copies[cluster_id]
                copies.extend(Copy(as_of, completed, token) for as_of, completed in sorted(due))
                copies[:] = [copy for copy in copies if copy.completed_ms >= now - WINDOW_MS] or copies[-1:]

    # --- views ------------------------------------------------------------------------------------

    def ca_pem(self):
        return self.ca.pem.decode()

    def cluster_view(self, cluster_id):
        with self.lock:
            cluster = self.world.clusters.get(cluster_id)
            engine = self.engines.get(cluster.application) if cluster else None
            return {
                "serves_data": cluster_id in self.doors,
                "ready": bool(self.ready.get(cluster_id)),
                "port": engine.port if engine else None,
                "copies": [{"as_of_ms": copy.as_of_ms, "completed_ms": copy.completed_ms}
                           for copy in self.copies.get(cluster_id, [])],
                "restore": self.restores.get(cluster_id),
            }

    def view(self):
        with self.lock:
            return {"ca_pem": self.ca_pem(), "engines": sorted(self.engines),
                    "unavailable": dict(self.unavailable), "workdir": str(self.workdir),
                    "clusters": {cluster_id: {"ready": bool(self.ready.get(cluster_id)),
                                              "addresses": [door.address for door in doors],
                                              "port": doors[0].port if doors else None}
                                 for cluster_id, doors in self.doors.items()}}


def backup_instants(cluster, since, now, at):
    """``[(as_of_ms, completed_ms)]`` of the cluster's node backups whose instant is in ``(since, now]``.

    ``at`` is ``"start"`` (the copy is as of the snapshot's start) or ``"end"``. Failing nodes of a
    triggered backup have no copy (their event ends FAILED)."""
    found = []
    for node in cluster.nodes():
        schedule = cluster.schedule
        if schedule is not None:
            shift = 0 if at == "start" else schedule.snapshot_duration_ms
            every, anchor = schedule.snapshot_every_ms, node.created_ms
            low, high = since - shift, now - shift
            if high >= anchor:
                first = max(0, (low - anchor) // every + 1)
                for j in range(first, (high - anchor) // every + 1):
                    start = anchor + j * every
                    found.append((start + shift, start + schedule.snapshot_duration_ms))
        for backup in cluster.triggered:
            if node.id not in backup.node_ids or node.id in backup.failing_node_ids:
                continue
            start = backup.node_start(node.id)
            shift = 0 if at == "start" else backup.duration_ms
            if since < start + shift <= now:
                found.append((start + shift, start + backup.duration_ms))
    return found
