"""The seeded accounts (scenarios). Ids of the ``default`` scenario are fixed and documented in
``docs/emulator.md``; data-centre and node ids are derived from names with uuid5, so they are
stable too. History is placed relative to the simulated time at (re)start.
"""

import ipaddress
import uuid

from tests.emulator.history import CONTINUOUS, DAILY, DAY_MS, MINUTE_MS
from tests.emulator.model import Cluster, DataCentre, Node

ORDERS_PROD_ID = "6f1c2b7e-3d4a-4b8e-9c21-0a7d5e9f1b01"
INVENTORY_DEV_ID = "a3e9d5c2-8b17-4f60-b2d4-5c8e1f7a2b02"
LEGACY_NOBACKUP_ID = "c7b2f8e4-1a95-4d3c-8e6f-9b0a4d2c3e03"
LARGE_ID = "d4a1c6e8-5f27-4b93-a0c5-7e2b9d1f4c04"
ID_NAMESPACE = uuid.UUID("5c9e0f3a-2b6d-4e71-8a4c-1d7f3b9e6a05")


def stable_id(*parts):
    return str(uuid.uuid5(ID_NAMESPACE, "/".join(parts)))


# Derived ids, exported for tests (docs/emulator.md lists their values).
ORDERS_PROD_EAST_DC_ID = stable_id(ORDERS_PROD_ID, "AWS_VPC_US_EAST_1")
ORDERS_PROD_WEST_DC_ID = stable_id(ORDERS_PROD_ID, "AWS_VPC_US_WEST_2")
ORDERS_PROD_ADDED_NODE_ID = stable_id(ORDERS_PROD_ID, "AWS_VPC_US_EAST_1", "3")  # added 2 days ago
INVENTORY_DEV_DC_ID = stable_id(INVENTORY_DEV_ID, "AWS_VPC_EU_WEST_1")

PROD_SIZE = "CAS-PRD-r6g.large-250"
DEV_SIZE = "CAS-DEV-t4g.small-30"
LONG_AGO_MS = 30 * DAY_MS  # seeded nodes exist since well before the 7-day window
SCENARIOS = ("default", "large", "fleet", "fleet:N", "empty", "mixed")
FLEET_SIZE = 20  # plain "fleet"
FLEET_MAX = 999


def fleet_id(number):
    return stable_id("fleet", "%02d" % number)


def fleet_size(scenario):
    """N of ``fleet:N`` (20 for plain ``fleet``), or None when ``scenario`` is no fleet."""
    if scenario == "fleet":
        return FLEET_SIZE
    name, size = scenario.partition(":")[::2]
    if name != "fleet" or not size.isdigit() or not 1 <= int(size) <= FLEET_MAX:
        return None
    return int(size)


def check_scenario(scenario):
    """``scenario`` when it names one, else ValueError."""
    if scenario in SCENARIOS and scenario != "fleet:N" or fleet_size(scenario):
        return scenario
    raise ValueError("invalid choice: %r (choose from %s; N from 1 to %d)"
                     % (scenario, ", ".join(SCENARIOS), FLEET_MAX))


UNASSIGNED = ""  # the world gives every node a loopback address of its block (tests/emulator/addresses.py)


def private_address(network, index):
    net = ipaddress.IPv4Network(network, strict=False)
    return str(net.network_address + (10 + index) % max(net.num_addresses - 1, 1))


def commitlog_offset(node_id):
    """Where in the 5-minute cycle the node uploads its commit logs (staggers nodes)."""
    return (uuid.UUID(node_id).int % 300) * 1000


def make_nodes(cluster_id, cdc_name, network, racks, size, created):
    """Nodes of one data centre; ``racks`` and ``created`` give each node's rack and creation time."""
    nodes = []
    for index, (rack, created_ms) in enumerate(zip(racks, created)):
        node_id = stable_id(cluster_id, cdc_name, str(index))
        nodes.append(Node(node_id, size, rack, UNASSIGNED, private_address(network, index),
                          created_ms, commitlog_offset_ms=commitlog_offset(node_id)))
    return nodes


def staggered(start_ms, count, spread_ms):
    """Creation times spreading ``count`` nodes evenly over ``spread_ms`` (staggers their snapshots)."""
    return [start_ms + i * spread_ms // count for i in range(count)]


def data_centre(cluster_id, region, provider, network, racks, size, created, as_object=False):
    cdc_name = "%s_%s" % (provider, region)
    return DataCentre(stable_id(cluster_id, cdc_name), region, cdc_name, provider, network, as_object,
                      make_nodes(cluster_id, cdc_name, network, racks, size, created))


def orders_prod(now, password_for):
    """2 DCs, 6 nodes, continuous backup; the 4th us-east-1 node was added 2 days ago."""
    origin = now - LONG_AGO_MS
    every = CONTINUOUS.snapshot_every_ms
    # Six snapshot slots 30 minutes apart; the node added 2 days ago (16 x 3 h) takes slot 0.
    slots = staggered(origin, 6, every)
    east_created = slots[1:4] + [now - 2 * DAY_MS]
    west_created = slots[4:6]
    east = data_centre(ORDERS_PROD_ID, "US_EAST_1", "AWS_VPC", "10.1.0.0/16",
                       ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1a"], PROD_SIZE, east_created)
    west = data_centre(ORDERS_PROD_ID, "US_WEST_2", "AWS_VPC", "10.11.0.0/16",
                       ["us-west-2a", "us-west-2b"], PROD_SIZE, west_created)
    return Cluster(ORDERS_PROD_ID, "orders-prod", "apache-cassandra-4.0.10", "PRODUCTION",
                   password_for(ORDERS_PROD_ID), [east, west], CONTINUOUS, created_ms=origin)


def inventory_dev(now, password_for):
    """1 DC, 3 nodes, daily snapshots; answers cdcNetwork in the object form."""
    origin = now - LONG_AGO_MS
    created = staggered(origin, 3, 8 * 60 * MINUTE_MS)
    dc = data_centre(INVENTORY_DEV_ID, "EU_WEST_1", "AWS_VPC", "10.2.0.0/16",
                     ["eu-west-1a", "eu-west-1b", "eu-west-1c"], DEV_SIZE, created, as_object=True)
    return Cluster(INVENTORY_DEV_ID, "inventory-dev", "apache-cassandra-4.1.3", "NON_PRODUCTION",
                   password_for(INVENTORY_DEV_ID), [dc], DAILY, created_ms=origin)


def legacy_nobackup(now, password_for):
    """Backup capability off: no events, POST backups answers 503."""
    origin = now - LONG_AGO_MS
    dc = data_centre(LEGACY_NOBACKUP_ID, "US_EAST_1", "AWS_VPC", "10.3.0.0/16",
                     ["us-east-1a", "us-east-1b"], DEV_SIZE, [origin, origin])
    return Cluster(LEGACY_NOBACKUP_ID, "legacy-nobackup", "apache-cassandra-3.11.16", "NON_PRODUCTION",
                   password_for(LEGACY_NOBACKUP_ID), [dc], None, created_ms=origin)


def large(now, password_for):
    """One 100-node cluster with continuous backup (about 200,000 events in GET backups)."""
    origin = now - LONG_AGO_MS
    racks = ["us-east-1a", "us-east-1b", "us-east-1c"] * 34
    dc = data_centre(LARGE_ID, "US_EAST_1", "AWS_VPC", "10.4.0.0/16", racks[:100], PROD_SIZE,
                     staggered(origin, 100, CONTINUOUS.snapshot_every_ms))
    return Cluster(LARGE_ID, "large-100", "apache-cassandra-4.0.10", "PRODUCTION",
                   password_for(LARGE_ID), [dc], CONTINUOUS, created_ms=origin)


def fleet_member(number, now, password_for):
    cluster_id = fleet_id(number)
    origin = now - LONG_AGO_MS
    if number <= 155:
        network = "10.%d.0.0/16" % (100 + number)
    else:  # fleet:N beyond 155 clusters
        network = "172.%d.%d.0/24" % (16 + number // 256, number % 256)
    dc = data_centre(cluster_id, "US_EAST_1", "AWS_VPC", network, ["us-east-1a", "us-east-1b", "us-east-1c"],
                     DEV_SIZE, staggered(origin, 3, 8 * 60 * MINUTE_MS))
    return Cluster(cluster_id, "fleet-%02d" % number, "apache-cassandra-4.1.3", "NON_PRODUCTION",
                   password_for(cluster_id), [dc], DAILY, created_ms=origin)


def build(scenario, now, password_for):
    """The clusters of ``scenario`` at simulated time ``now``."""
    if scenario == "default":
        return [orders_prod(now, password_for), inventory_dev(now, password_for),
                legacy_nobackup(now, password_for)]
    if scenario == "large":
        return [large(now, password_for)]
    if fleet_size(scenario):
        return [fleet_member(number, now, password_for) for number in range(1, fleet_size(scenario) + 1)]
    if scenario == "empty":
        return []
    if scenario == "mixed":
        from tests.emulator.mixed import mixed  # it builds on this module's helpers

        return mixed(now, password_for)
    raise ValueError("unknown scenario %r (choose from %s)" % (scenario, ", ".join(SCENARIOS)))
