"""The 400 rules of the v2 restore body (``POST .../operations/applications/<app>/restore/v2``).

Each rule raises ``validation.BadRequest(field, message)``, answered as a v2 error naming the
field. The checked body becomes the same ``RestoreRequest`` a v1 restore gives, so one world
restores both (``cdcConfigs`` entries map onto v1's ``cdcInfos`` records plus ``restore_mode``).
"""

import re
from datetime import datetime, timezone

from tests.emulator.validation import (BadRequest, RestoreRequest, check_cluster_network, check_keyspace_tables,
                                       check_name, is_ipv4_cidr, is_uuid)
from tests.emulator.wire_v2 import APP_ONLY_FIELDS, APPS

RESTORE_MODES = ("NEW_VPC", "SAME_VPC", "CUSTOM_VPC")
V1_NAMES = {"clusterNameOverride": "restoredClusterName", "cdcInfos": "cdcConfigs"}
INDEX_PATTERN = re.compile(r"[a-z0-9][a-z0-9_.*+-]*\Z")
DIGITS = re.compile(r"[0-9]{1,16}\Z")


def source_id(body):
    """The source cluster's id from the body (checked before the source is looked up)."""
    if not isinstance(body, dict):
        raise BadRequest("body", "must be a JSON object")
    value = body.get("clusterId")
    if value is None:
        raise BadRequest("clusterId", "is required")
    if not is_uuid(value):
        raise BadRequest("clusterId", "must be a UUID")
    return value.lower()


def parse_point_in_time(value, accepted):
    """Epoch ms from an integer (``integer``/``both``) or a string of ms or ISO 8601 (``string``/``both``)."""
    if isinstance(value, int) and not isinstance(value, bool) and accepted != "string":
        return value
    if isinstance(value, str) and accepted != "integer":
        if DIGITS.match(value):
            return int(value)
        try:
            moment = datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith("Z") else value)
        except ValueError:
            moment = None
        if moment is not None and moment.tzinfo is not None:
            return int(round(moment.astimezone(timezone.utc).timestamp() * 1000))
        raise BadRequest("pointInTime", "must be epoch milliseconds or an ISO 8601 date-time with a time zone")
    wanted = {"string": "a string (epoch milliseconds or ISO 8601)",
              "integer": "an integer of epoch milliseconds",
              "both": "an integer or a string of epoch milliseconds or ISO 8601"}[accepted]
    raise BadRequest("pointInTime", "must be " + wanted)


def check_point_in_time(value, accepted, now_ms):
    point = parse_point_in_time(value, accepted)
    if point < 0:
        raise BadRequest("pointInTime", "must not be before 1970")
    if point > now_ms:
        raise BadRequest("pointInTime", "must not be in the future")
    return point


def check_index_names(value):
    if not isinstance(value, str):
        raise BadRequest("indexNames", "must be a string like index1,index2")
    names = [part.strip() for part in value.split(",")]
    for name in names:
        if not INDEX_PATTERN.match(name):
            raise BadRequest("indexNames", "'%s' is not an index name" % name)
    return names


def check_cdc_config(entry, index, source_dc_ids):
    where = "cdcConfigs[%d]" % index
    if not isinstance(entry, dict):
        raise BadRequest(where, "must be an object")
    cdc_id = entry.get("cdcId")
    if not is_uuid(cdc_id):
        raise BadRequest(where + ".cdcId", "must be a UUID")
    if cdc_id.lower() not in source_dc_ids:
        raise BadRequest(where + ".cdcId", "is not a data centre of the source cluster")
    mode = entry.get("restoreMode")
    if mode not in RESTORE_MODES:
        raise BadRequest(where + ".restoreMode", "must be one of %s" % ", ".join(RESTORE_MODES))
    settings = entry.get("customVpcSettings")
    vpc_id = network = None
    if mode == "CUSTOM_VPC":
        if not isinstance(settings, dict):
            raise BadRequest(where + ".customVpcSettings", "is required with CUSTOM_VPC")
        vpc_id, network = settings.get("vpcId"), settings.get("network")
        if not isinstance(vpc_id, str) or not vpc_id:
            raise BadRequest(where + ".customVpcSettings.vpcId", "must be a non-empty string")
        if not is_ipv4_cidr(network):
            raise BadRequest(where + ".customVpcSettings.network", "must be an IPv4 CIDR such as 10.0.0.0/16")
    elif settings is not None:
        raise BadRequest(where + ".customVpcSettings", "is only for CUSTOM_VPC")
    return {"cdc_id": cdc_id.lower(), "restore_mode": mode, "restore_to_same_vpc": mode == "SAME_VPC",
            "custom_vpc_id": vpc_id, "custom_vpc_network": network}


def check_cdc_configs(value, source_dc_ids):
    """Any subset of the source's data centres (those left out go to a new VPC)."""
    if not isinstance(value, list):
        raise BadRequest("cdcConfigs", "must be a list")
    configs = [check_cdc_config(entry, index, source_dc_ids) for index, entry in enumerate(value)]
    given = [config["cdc_id"] for config in configs]
    if len(set(given)) != len(given):
        raise BadRequest("cdcConfigs", "names a data centre more than once")
    return configs


def check_restore_body_v2(body, application, source_dc_ids, now_ms, accepted_point_in_time):
    """Check a parsed v2 restore body for ``application``; return a ``RestoreRequest``."""
    for v1_name, v2_name in V1_NAMES.items():
        if v1_name in body:
            raise BadRequest(v1_name, "is a v1 field; v2 calls it %s" % v2_name)
    for name in sorted(APP_ONLY_FIELDS - APPS[application].restore_fields):
        if body.get(name) is not None:
            raise BadRequest(name, "is not a restore field of %s" % application)
    request = RestoreRequest(api_version="v2")
    if body.get("restoredClusterName") is not None:
        try:
            request.name = check_name(body["restoredClusterName"])
        except BadRequest as error:
            raise BadRequest("restoredClusterName", error.rule)
    if body.get("pointInTime") is not None:
        request.point_in_time_ms = check_point_in_time(body["pointInTime"], accepted_point_in_time, now_ms)
    if body.get("keyspaceTables") is not None:
        request.keyspace_tables = check_keyspace_tables(body["keyspaceTables"])
    if body.get("clusterNetwork") is not None:
        request.cluster_network = check_cluster_network(body["clusterNetwork"])
    if body.get("indexNames") is not None:
        request.index_names = check_index_names(body["indexNames"])
    if body.get("cdcConfigs") is not None:
        request.cdc_infos = check_cdc_configs(body["cdcConfigs"], source_dc_ids)
    return request
