"""The simulated account: its clusters and the operations the API performs on them.

One lock guards the whole world; every method takes the simulated ``now`` it should act at.
"""

import ipaddress
import secrets
import threading
import uuid
from dataclasses import dataclass, field
from typing import List, Union

from tests.emulator import scenarios
from tests.emulator.addresses import AddressBlock
from tests.emulator.clock import iso_ms
from tests.emulator.firewall import Firewall
from tests.emulator.history import TriggeredBackup
from tests.emulator.lifecycle import RUNNING, Deletion, RestoreJob
from tests.emulator.model import Cluster, DataCentre, Node


@dataclass
class Settings:
    """Values from the command line; the durations and time scale can change at run time."""

    scenario: str = "default"
    username: str = "demo"
    api_key: str = "demo-key"
    db_password: str = None  # None: a generated password per cluster
    time_scale: float = 1.0
    backup_duration: float = 600.0  # simulated seconds
    restore_duration: float = 1200.0
    delete_duration: float = 60.0
    firewall_rule_duration: float = 30.0  # a new firewall rule is RUNNING after this
    rate_limit: int = 35  # requests per user in a sliding second of real time, v1 paths
    v2_rate_limit: int = 35  # the same for v2 paths (a window of its own)
    # The forms the reference leaves open for v2 (docs/emulator.md, "Settings of the v2 unknowns"):
    v2_trailing_slash: str = "lenient"
    v2_point_in_time: str = "both"
    v2_error_body: str = "list"
    v2_list_deleted: bool = False
    v2_restore_status: str = "restoring"
    address_block: int = None  # B of the 127.B.0.0/16 block of node addresses; None: the first free one
    data_plane: bool = False  # the clusters serve their data (tests/emulator/data_plane)

    DURATIONS = ("backup_duration", "restore_duration", "delete_duration", "firewall_rule_duration")
    LIMITS = ("rate_limit", "v2_rate_limit")
    CHOICES = {
        "v2_trailing_slash": ("lenient", "strict", "operator"),
        "v2_point_in_time": ("both", "string", "integer"),
        "v2_error_body": ("list", "bare", "text"),
        "v2_restore_status": ("restoring", "provisioning"),
    }
    FLAGS = ("v2_list_deleted",)

    def public(self):
        """What the admin API shows (no credentials)."""
        names = self.DURATIONS + ("time_scale",) + self.LIMITS + tuple(self.CHOICES) + self.FLAGS
        return {name: getattr(self, name) for name in names}


COMPLETE_DATA = "complete"  # the data as of the point in time, by the application's model
RESTORE_DATA_OUTCOMES = (COMPLETE_DATA, "empty", "latest")  # empty: no user data; latest: the source's current data


@dataclass
class Outcomes:
    """How the next operations end, set through the admin API."""

    next_restore: str = RUNNING  # applies to the next restore only
    backup_failure_nodes: List[str] = field(default_factory=list)  # every following trigger
    two_factor_delete: Union[List[str], str] = field(default_factory=list)  # ids, or "all"
    next_restore_data: str = COMPLETE_DATA  # what the next restored cluster holds (with the data plane)

    def take_next_restore(self):
        outcome, self.next_restore = self.next_restore, RUNNING
        return outcome

    def take_next_restore_data(self):
        outcome, self.next_restore_data = self.next_restore_data, COMPLETE_DATA
        return outcome

    def delete_needs_confirmation(self, cluster_id):
        return self.two_factor_delete == "all" or cluster_id in self.two_factor_delete


class PreconditionFailed(Exception):
    """No complete backup covers the point in time (answered 412)."""


class BackupUnavailable(Exception):
    """The cluster's backup capability is off (answered 503)."""


class World:
    def __init__(self, settings, clock, addresses=None):
        self.settings = settings
        self.clock = clock
        self.addresses = addresses if addresses is not None else AddressBlock(settings.address_block)
        self.data_plane = None  # the DataPlane when the emulator serves data (set by the runtime)
        self.lock = threading.RLock()
        self.firewall = Firewall(clock, settings)  # every cluster's firewall rules (a lock of its own)
        self.reset()

    def reset(self):
        with self.lock:
            self.outcomes = Outcomes()
            now = self.clock.now_ms()
            built = scenarios.build(self.settings.scenario, now, self.new_password)
            self.addresses.reset()
            for node in (node for cluster in built for node in cluster.nodes()):
                node.public_address = self.addresses.next_public()
            self.clusters = {cluster.id: cluster for cluster in built}
            self.firewall.reset(built, now)  # scenario clusters: 127.0.0.1/32 open to their application

    def new_password(self, cluster_id=None):
        return self.settings.db_password or secrets.token_urlsafe(12)

    # --- reads -------------------------------------------------------------------------------

    def live_clusters(self, now, application=None):
        with self.lock:
            return [cluster for cluster in self.clusters.values() if not cluster.is_deleted(now)
                    and application in (None, cluster.application)]

    def find(self, cluster_id, now, application=None, backups=False):
        """The cluster with that id (of that application, when given), or None when unknown or deleted.
        With ``backups`` (listing its backups, restoring from them) a cluster a disaster deleted with its
        backups kept is found too."""
        with self.lock:
            cluster = self.clusters.get(cluster_id.lower())
            if cluster is None or application not in (None, cluster.application):
                return None
            if cluster.is_deleted(now) and not (backups and cluster.backups_kept):
                return None
            return cluster

    def disaster(self, cluster, kind, now):
        """Make ``cluster`` a lost source: ``failed`` (every node FAILED, backups listed, restores taken)
        or ``deleted`` (gone from every read but its backups, which are still listed and restored from).
        Its data-plane engine is kept, so that a restore of it still has its data; no request is served."""
        with self.lock:
            if kind not in ("failed", "deleted"):
                raise ValueError("kind must be failed or deleted, not %r" % (kind,))
            if cluster.lost_ms is None:
                cluster.lost_ms = now
            if kind == "failed":
                cluster.failed = True
            elif kind == "deleted":
                cluster.backups_kept = True
                if cluster.deletion is None:
                    cluster.deletion = Deletion(now, 0)

    # --- operations --------------------------------------------------------------------------

    def trigger_backup(self, cluster, now):
        with self.lock:
            if not cluster.backup_capable:
                raise BackupUnavailable()
            failing = frozenset(self.outcomes.backup_failure_nodes) & set(cluster.node_ids())
            duration_ms = int(self.settings.backup_duration * 1000)
            cluster.triggered.append(TriggeredBackup(now, duration_ms, cluster.node_ids(), failing))

    def delete(self, cluster, now):
        with self.lock:
            if self.outcomes.delete_needs_confirmation(cluster.id):
                cluster.delete_awaiting_confirmation = True
            elif cluster.deletion is None:
                cluster.deletion = Deletion(now, int(self.settings.delete_duration * 1000))
                if self.data_plane is not None:
                    self.data_plane.cluster_deleted(cluster)

    def restore(self, source, request, body, now):
        """Start a restore of ``source`` into a new cluster; return the new cluster."""
        with self.lock:
            point_in_time = request.point_in_time_ms if request.point_in_time_ms is not None else now
            kept = self.nodes_restorable_at(source, point_in_time, now)
            job = RestoreJob(now, int(self.settings.restore_duration * 1000), self.outcomes.take_next_restore())
            cluster = self.build_restored(source, request, kept, job, now)
            job.request = restore_record(source, request, body, point_in_time, now)
            job.data_outcome = self.outcomes.take_next_restore_data()
            self.clusters[cluster.id] = cluster
            if self.data_plane is not None:
                self.data_plane.cluster_restored(cluster, source, point_in_time, now)
            return cluster

    def nodes_restorable_at(self, source, point_in_time, now):
        """The source's nodes that existed at the point in time; 412 when one has no snapshot by then."""
        existing = [node for node in source.nodes() if node.created_ms <= point_in_time]
        if not existing:
            raise PreconditionFailed("The cluster had no nodes at the requested point in time.")
        missing = [node.id for node in existing if source.latest_snapshot_end(node, point_in_time, now) is None]
        if missing:
            raise PreconditionFailed(
                "No completed backup at or before the requested point in time for node(s): %s." % ", ".join(missing)
            )
        return {node.id for node in existing}

    def build_restored(self, source, request, kept_node_ids, job, now):
        cluster_id = str(uuid.uuid4())
        cdc_infos = {info["cdc_id"]: info for info in request.cdc_infos}
        centres = []
        used_addresses = set()  # private addresses are unique across the cluster, whatever the DCs' networks
        for dc in source.data_centres:
            nodes = [node for node in dc.nodes if node.id in kept_node_ids]
            if nodes:
                centres.append(restored_data_centre(cluster_id, dc, nodes, request, cdc_infos.get(dc.id), job,
                                                    used_addresses, self.addresses))
        name = request.name or "%s restored %s" % (source.name, iso_ms(now)[:19] + "Z")
        schedule = source.schedule if job.outcome == RUNNING else None
        # The restored cluster carries the source's users with its data, its default user's password included
        # (the emulator's choice: what the real service does is unknown).
        return Cluster(cluster_id, name, source.cassandra_version, source.sla_tier, source.password,
                       centres, schedule, created_ms=now, pci_compliance=source.pci_compliance,
                       source_id=source.id, restore=job, application=source.application,
                       account_id=source.account_id, username=source.username,
                       client_encryption=source.client_encryption)


def restored_data_centre(cluster_id, source_dc, nodes, request, cdc_info, job, used_addresses, addresses):
    """A data centre of the restored cluster: same name, racks and sizes, new ids and network.

    Its ``network`` is the requested range (``clusterNetwork`` for every data centre, or the entry's
    ``customVpcNetwork``); node addresses skip those ``used_addresses`` already holds, so two data
    centres restored into one range do not repeat an address. (How the real API allocates
    addresses for a multi-DC restore is not documented.)
    """
    network = source_dc.network
    if request.cluster_network:
        network = request.cluster_network
    if cdc_info and cdc_info.get("custom_vpc_network"):
        network = cdc_info["custom_vpc_network"]
    backups_from = job.running_from() or job.ends_ms
    new_nodes = []
    index = 0
    for node in nodes:
        node_id = str(uuid.uuid4())
        while scenarios.private_address(network, index) in used_addresses and index < 65536:
            index += 1
        address = scenarios.private_address(network, index)
        used_addresses.add(address)
        new_nodes.append(Node(node_id, node.size, node.rack, addresses.next_public(),
                              address, backups_from, node.commitlog_offset_ms))
    return DataCentre(str(uuid.uuid4()), source_dc.name, source_dc.cdc_name, source_dc.provider,
                      str(ipaddress.IPv4Network(network, strict=False)), False, new_nodes,
                      custom_vpc_id=cdc_info.get("custom_vpc_id") if cdc_info else None)


def restore_record(source, request, body, point_in_time, now):
    """The restore request as received, for the admin API."""
    return {
        "source_cluster_id": source.id,
        "body": body,
        "name": request.name,
        "point_in_time_ms": point_in_time,
        "point_in_time": iso_ms(point_in_time),
        "point_in_time_defaulted": request.point_in_time_ms is None,
        "keyspace_tables": request.keyspace_tables,
        "cluster_network": request.cluster_network,
        "cdc_infos": request.cdc_infos,
        "index_names": request.index_names,
        "api_version": request.api_version,
        "requested_at_ms": now,
        "requested_at": iso_ms(now),
    }
