"""Clusters, data centres and nodes of the simulated account."""

import ipaddress
from dataclasses import dataclass, field
from typing import List, Optional

from tests.emulator.history import WINDOW_MS, BackupSchedule, TriggeredBackup
from tests.emulator.lifecycle import RUNNING, Deletion, RestoreJob, cluster_status


@dataclass
class Node:
    id: str
    size: str
    rack: str
    public_address: str
    private_address: str
    created_ms: int  # the node exists, and its first snapshot starts, at this instant
    commitlog_offset_ms: int = 0  # staggers commit-log uploads between nodes


@dataclass
class DataCentre:
    id: str
    name: str  # the region, as GET cluster's dataCentres[].name (e.g. US_EAST_1)
    cdc_name: str  # as GET cluster's cdcName and GET backups' clusterDataCentres[].name
    provider: str
    network: str  # CIDR string
    network_as_object: bool = False  # answer cdcNetwork as {"network", "prefixLength"} (a real quirk)
    nodes: List[Node] = field(default_factory=list)
    custom_vpc_id: Optional[str] = None

    def network_wire(self):
        if not self.network_as_object:
            return self.network
        net = ipaddress.IPv4Network(self.network, strict=False)
        return {"network": str(net.network_address), "prefixLength": net.prefixlen}


@dataclass
class Cluster:
    id: str
    name: str
    cassandra_version: str  # the product version as v1 spells it: apache-cassandra-X.Y.Z (<application>-X.Y.Z)
    sla_tier: str
    password: str
    data_centres: List[DataCentre]
    schedule: Optional[BackupSchedule] = None  # None: backup capability off
    created_ms: int = 0
    pci_compliance: str = "DISABLED"
    username: str = "iccassandra"
    source_id: Optional[str] = None
    restore: Optional[RestoreJob] = None
    deletion: Optional[Deletion] = None
    delete_awaiting_confirmation: bool = False  # two-factor delete accepted, never confirmed
    triggered: List[TriggeredBackup] = field(default_factory=list)
    application: str = "cassandra"  # cassandra, postgresql, opensearch or redis (v1 serves cassandra only)
    account_id: Optional[str] = None  # None: the main account (see wire_v2.MAIN_ACCOUNT_ID)
    client_encryption: bool = False  # clientToClusterEncryption (Redis: clientToNodeEncryption): clients must use TLS
    failed: bool = False  # a disaster (admin): every node FAILED, the backups still listed
    backups_kept: bool = False  # deleted by a disaster (admin) whose backups the API still lists and restores from
    lost_ms: Optional[int] = None  # when a disaster struck: no backup ends after it

    @property
    def version(self):
        """The version as v2 spells it (X.Y.Z)."""
        return self.cassandra_version.rsplit("-", 1)[-1]

    @property
    def backup_capable(self):
        return self.schedule is not None

    @property
    def created_by_restore(self):
        return self.restore is not None

    def nodes(self):
        """Every node, in data-centre order."""
        return [node for dc in self.data_centres for node in dc.nodes]

    def node_ids(self):
        return tuple(node.id for node in self.nodes())

    def is_deleted(self, now):
        return self.deletion is not None and self.deletion.is_gone(now)

    def node_status(self, node, now):
        if self.deletion is not None:
            return "DELETING"
        if self.failed:
            return "FAILED"
        if self.restore is None:
            return RUNNING
        nodes = self.nodes()
        return self.restore.node_status(nodes.index(node), len(nodes), now)

    def status(self, now):
        return cluster_status({self.node_status(node, now) for node in self.nodes()})

    def node_events(self, node, now):
        """The node's events of the last 7 days, oldest first (none after a disaster)."""
        now = now if self.lost_ms is None else min(now, self.lost_ms)
        lo = now - WINDOW_MS
        events = []
        if self.schedule is not None and node.created_ms <= now:
            events = self.schedule.events(node.created_ms, node.commitlog_offset_ms, lo, now)
        for backup in self.triggered:
            event = backup.event(node.id, now)
            if event is not None and event.start >= lo:
                events.append(event)
        if self.restore is not None:
            nodes = self.nodes()
            event = self.restore.node_event(nodes.index(node), len(nodes), now)
            if event is not None and event.start >= lo:
                events.append(event)
        events.sort(key=lambda event: event.start)
        return events

    def latest_snapshot_end(self, node, at, now):
        """End of the node's newest COMPLETED snapshot at or before ``at`` within the 7-day window."""
        now = now if self.lost_ms is None else min(now, self.lost_ms)
        lo = now - WINDOW_MS
        ends = [backup.completed_end(node.id, lo, at, now) for backup in self.triggered]
        if self.schedule is not None:
            ends.append(self.schedule.latest_snapshot_end(node.created_ms, lo, at, now))
        ends = [end for end in ends if end is not None]
        return max(ends) if ends else None
