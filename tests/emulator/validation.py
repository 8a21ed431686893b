"""The 400 rules of POST /provisioning/v1/{clusterId}/backups/restore.

Each rule raises ``BadRequest(field, message)``; the answer names the field in ``message`` and
in ``errorDetails``. Fields the schema does not know are tolerated, as Instaclustr's own clients
send some (``indexNames``, ``clusterNetwork`` for other products).
"""

import ipaddress
import re
import uuid
from dataclasses import dataclass, field
from typing import List, Optional

MIN_POINT_IN_TIME_MS = 1420070400000  # 2015-01-01T00:00:00Z, the schema's minimum
NAME_PATTERN = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_-]*\Z")
NAME_LENGTH = (3, 48)
TABLE_PATTERN = re.compile(r"[A-Za-z0-9_]{1,48}\.[A-Za-z0-9_]{1,48}\Z")


class BadRequest(Exception):
    def __init__(self, field_name, message):
        super().__init__("%s: %s" % (field_name, message))
        self.field = field_name
        self.message = "%s: %s" % (field_name, message)
        self.rule = message


@dataclass
class RestoreRequest:
    """A restore body that passed every rule, in plain Python names."""

    name: Optional[str] = None
    point_in_time_ms: Optional[int] = None
    keyspace_tables: Optional[List[str]] = None
    cluster_network: Optional[str] = None
    cdc_infos: List[dict] = field(default_factory=list)
    index_names: Optional[List[str]] = None  # v2, OpenSearch only
    api_version: str = "v1"


def is_uuid(value):
    if not isinstance(value, str):
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return len(value) == 36


def check_cluster_id(value):
    if not is_uuid(value):
        raise BadRequest("clusterId", "must be a UUID")
    return value.lower()


def is_ipv4_cidr(value):
    if not isinstance(value, str) or value.count("/") != 1:
        return False
    try:
        ipaddress.IPv4Network(value, strict=False)
    except ValueError:
        return False
    return True


def check_name(value):
    if not isinstance(value, str):
        raise BadRequest("clusterNameOverride", "must be a string")
    low, high = NAME_LENGTH
    if not low <= len(value) <= high:
        raise BadRequest("clusterNameOverride", "must be %d to %d characters long" % (low, high))
    if not NAME_PATTERN.match(value):
        raise BadRequest("clusterNameOverride", "must match [a-zA-Z0-9][a-zA-Z0-9_-]*")
    return value


def check_point_in_time(value, now_ms):
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequest("pointInTime", "must be an integer of milliseconds since the epoch")
    if value < MIN_POINT_IN_TIME_MS:
        raise BadRequest("pointInTime", "must be at least %d (2015-01-01T00:00:00Z)" % MIN_POINT_IN_TIME_MS)
    if value > now_ms:
        raise BadRequest("pointInTime", "must not be in the future")
    return value


def check_keyspace_tables(value):
    if not isinstance(value, str):
        raise BadRequest("keyspaceTables", "must be a string like keyspace1.table1,keyspace1.table2")
    tables = [part.strip() for part in value.split(",")]
    for table in tables:
        if not TABLE_PATTERN.match(table):
            raise BadRequest("keyspaceTables", "'%s' is not of the form <keyspace>.<table>" % table)
    return tables


def check_cluster_network(value):
    if not is_ipv4_cidr(value):
        raise BadRequest("clusterNetwork", "must be an IPv4 CIDR such as 10.0.0.0/16")
    return value


def check_cdc_info(entry, index, source_dc_ids):
    where = "cdcInfos[%d]" % index
    if not isinstance(entry, dict):
        raise BadRequest(where, "must be an object")
    cdc_id = entry.get("cdcId")
    if not is_uuid(cdc_id):
        raise BadRequest(where + ".cdcId", "must be a UUID")
    if cdc_id.lower() not in source_dc_ids:
        raise BadRequest(where + ".cdcId", "is not a data centre of the source cluster")
    same_vpc = entry.get("restoreToSameVpc", False)
    if not isinstance(same_vpc, bool):
        raise BadRequest(where + ".restoreToSameVpc", "must be a boolean")
    vpc_id = entry.get("customVpcId")
    if vpc_id is not None and (not isinstance(vpc_id, str) or not vpc_id):
        raise BadRequest(where + ".customVpcId", "must be a non-empty string")
    if same_vpc == (vpc_id is not None):
        raise BadRequest(where, "must set either restoreToSameVpc or customVpcId (exactly one)")
    network = entry.get("customVpcNetwork")
    if network is not None and not is_ipv4_cidr(network):
        raise BadRequest(where + ".customVpcNetwork", "must be an IPv4 CIDR such as 10.0.0.0/16")
    return {"cdc_id": cdc_id.lower(), "restore_to_same_vpc": same_vpc, "custom_vpc_id": vpc_id,
            "custom_vpc_network": network}


def check_cdc_infos(value, source_dc_ids):
    if not isinstance(value, list):
        raise BadRequest("cdcInfos", "must be a list")
    infos = [check_cdc_info(entry, index, source_dc_ids) for index, entry in enumerate(value)]
    given = [info["cdc_id"] for info in infos]
    if len(set(given)) != len(given):
        raise BadRequest("cdcInfos", "names a data centre more than once")
    if infos and set(given) != set(source_dc_ids):
        raise BadRequest("cdcInfos", "must cover all data centres of the source cluster or none")
    return infos


def check_restore_body(body, source_dc_ids, now_ms):
    """Check a parsed restore body against every rule; return a ``RestoreRequest``."""
    if not isinstance(body, dict):
        raise BadRequest("body", "must be a JSON object")
    request = RestoreRequest()
    if body.get("clusterNameOverride") is not None:
        request.name = check_name(body["clusterNameOverride"])
    if body.get("pointInTime") is not None:
        request.point_in_time_ms = check_point_in_time(body["pointInTime"], now_ms)
    if body.get("keyspaceTables") is not None:
        request.keyspace_tables = check_keyspace_tables(body["keyspaceTables"])
    if body.get("clusterNetwork") is not None:
        request.cluster_network = check_cluster_network(body["clusterNetwork"])
    if body.get("cdcInfos") is not None:
        request.cdc_infos = check_cdc_infos(body["cdcInfos"], source_dc_ids)
    return request
