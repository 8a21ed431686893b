"""The ``mixed`` scenario: clusters of every application v2 backs up, across two accounts, plus
two clusters a drill left behind (for sweep tests). Ids are fixed (docs/emulator.md lists them).

v1 serves only the Cassandra ones; the others are reachable through v2 alone.
"""

from datetime import datetime, timezone

from tests.emulator.history import DAILY, DAY_MS, HOUR_MS, MINUTE_MS, BackupSchedule
from tests.emulator.lifecycle import RUNNING, RestoreJob
from tests.emulator.model import Cluster
from tests.emulator.scenarios import LONG_AGO_MS, data_centre, inventory_dev, orders_prod, staggered

PAYMENTS_PG_ID = "b8e2d4f6-0a13-4c57-9e21-3d5f7a9c1e06"
SEARCH_OS_ID = "c9f3e5a7-1b24-4d68-8f32-4e6a8b0d2f07"
SESSIONS_REDIS_ID = "d0a4f6b8-2c35-4e79-9a43-5f7b9c1e3a08"
DRILL_LEFTOVER_ID = "e1b5a7c9-3d46-4f8a-8b54-6a8c0d2f4b09"  # Cassandra, restored from inventory-dev
DRILL_LEFTOVER_PG_ID = "f2c6b8d0-4e57-4a9b-9c65-7b9d1e3a5c0a"  # PostgreSQL, restored from payments-pg
OTHER_ACCOUNT_ID = "3e7a9c1b-5d2f-4b6e-8a0c-9f1d3b5e7a21"  # a second account of the same user (Redis)
LEFTOVER_AGE_MS = 2 * DAY_MS  # the drill clusters were restored this long before the scenario's start
LEFTOVER_RUN_ID = "leftover"

PG_SCHEDULE = BackupSchedule(6 * HOUR_MS, 10 * MINUTE_MS)  # events of type postgresql-backup
OPENSEARCH_SCHEDULE = BackupSchedule(HOUR_MS, 5 * MINUTE_MS)  # snapshot-upload
PG_SIZE = "PGS-DEV-t4g.medium-30"
OPENSEARCH_SIZE = "SRH-DEV-t4g.small-5"
REDIS_SIZE = "RDS-PRD-r6g.large-100"


def leftover_name(source_name, now):
    """``drill-<source>-<UTC stamp>-leftover``: the name the drill gives its restores."""
    stamp = datetime.fromtimestamp((now - LEFTOVER_AGE_MS) // 1000, tz=timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return "drill-%s-%s-%s" % (source_name, stamp, LEFTOVER_RUN_ID)


def payments_pg(now, password_for):
    """PostgreSQL, 1 DC, a primary and a replica, a backup every 6 hours."""
    origin = now - LONG_AGO_MS
    dc = data_centre(PAYMENTS_PG_ID, "US_EAST_1", "AWS_VPC", "10.20.0.0/16", ["us-east-1a", "us-east-1b"],
                     PG_SIZE, staggered(origin, 2, HOUR_MS))
    return Cluster(PAYMENTS_PG_ID, "payments-pg", "postgresql-16.2.0", "PRODUCTION", password_for(PAYMENTS_PG_ID),
                   [dc], PG_SCHEDULE, created_ms=origin, username="icpostgresql", application="postgresql",
                   client_encryption=True)


def search_os(now, password_for):
    """OpenSearch, exactly 1 DC, 3 nodes (each manager-eligible and data), hourly snapshots."""
    origin = now - LONG_AGO_MS
    dc = data_centre(SEARCH_OS_ID, "EU_WEST_1", "AWS_VPC", "10.21.0.0/16", ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
                     OPENSEARCH_SIZE, staggered(origin, 3, 20 * MINUTE_MS))
    return Cluster(SEARCH_OS_ID, "search-os", "opensearch-2.11.1", "NON_PRODUCTION", password_for(SEARCH_OS_ID),
                   [dc], OPENSEARCH_SCHEDULE, created_ms=origin, username="icopensearch", application="opensearch")


def sessions_redis(now, password_for):
    """Redis, 1 DC, 3 masters and 3 replicas, daily backups (the API lists none), in a second account."""
    origin = now - LONG_AGO_MS
    racks = ["us-west-2a", "us-west-2b", "us-west-2c"] * 2
    dc = data_centre(SESSIONS_REDIS_ID, "US_WEST_2", "AWS_VPC", "10.22.0.0/16", racks, REDIS_SIZE,
                     staggered(origin, 6, 4 * HOUR_MS))
    return Cluster(SESSIONS_REDIS_ID, "sessions-redis", "redis-7.2.4", "PRODUCTION", password_for(SESSIONS_REDIS_ID),
                   [dc], DAILY, created_ms=origin, username="icredis", application="redis",
                   account_id=OTHER_ACCOUNT_ID)


def leftover(cluster_id, source, now, password_for):
    """A RUNNING cluster a drill restored from ``source`` two days ago and never deleted."""
    job = RestoreJob(now - LEFTOVER_AGE_MS, 20 * MINUTE_MS, RUNNING)
    name = leftover_name(source.name, now)
    point_in_time = job.requested_ms - HOUR_MS
    job.request = {"source_cluster_id": source.id, "body": None, "name": name,
                   "point_in_time_ms": point_in_time, "point_in_time_defaulted": False,
                   "requested_at_ms": job.requested_ms, "api_version": "v2"}
    src = source.data_centres[0]
    dc = data_centre(cluster_id, src.name, src.provider, "10.30.0.0/16" if source.application == "cassandra"
                     else "10.31.0.0/16", [node.rack for node in src.nodes], src.nodes[0].size,
                     [job.ends_ms] * len(src.nodes))
    return Cluster(cluster_id, name, source.cassandra_version, source.sla_tier, password_for(cluster_id), [dc],
                   source.schedule, created_ms=job.requested_ms, username=source.username, source_id=source.id,
                   restore=job, application=source.application, client_encryption=source.client_encryption)


def mixed(now, password_for):
    inventory = inventory_dev(now, password_for)
    payments = payments_pg(now, password_for)
    return [orders_prod(now, password_for), inventory, payments, search_os(now, password_for),
            sessions_redis(now, password_for), leftover(DRILL_LEFTOVER_ID, inventory, now, password_for),
            leftover(DRILL_LEFTOVER_PG_ID, payments, now, password_for)]
