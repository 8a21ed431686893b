# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
#
# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""Input rules. Each function returns the clean value or raises ``OptionError(option, rule)``.

The rule text completes the sentence "<option>: ..." and says what was received, so a user can
fix the value without reading the source. They run before any mutating request is sent.
"""

from __future__ import annotations

import ipaddress
import math
import re
from urllib.parse import urlsplit

from ansible_collections.restorekit.instaclustr.plugins.module_utils._clock import iso_utc
from ansible_collections.restorekit.instaclustr.plugins.module_utils._errors import OptionError
# is_loopback_host lives with the HTTP layer (ApiSession.is_loopback needs it); re-exported as a rule helper.
from ansible_collections.restorekit.instaclustr.plugins.module_utils._http import is_loopback_host

EARLIEST_POINT_IN_TIME_MS = 1420070400000  # 2015-01-01T00:00:00Z, the API's minimum for pointInTime

_UUID_PATTERN = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_RESTORE_NAME_PATTERN = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_-]*$")
_RESTORE_NAME_RULE = "must be 3 to 48 characters of letters, digits, '_' or '-', starting with a letter or digit"
_CQL_NAME_PATTERN = re.compile(r"^[A-Za-z0-9_]{1,48}$")
_CDC_INFO_KEYS = ("cdc_id", "restore_to_same_vpc", "custom_vpc_id", "custom_vpc_network")

__all__ = [
    "EARLIEST_POINT_IN_TIME_MS", "check_api_url", "check_cdc_infos", "check_ipv4_cidr", "check_keyspace_tables",
    "check_non_negative", "check_point_in_time", "check_positive", "check_restore_name", "check_uuid", "is_loopback_host",
    "server_second_end_ms",
]


def check_uuid(value, option):
    """A UUID such as a cluster or data centre id, returned lower-cased."""
    if not isinstance(value, str) or not _UUID_PATTERN.match(value.strip()):
        raise OptionError(option, "must be a UUID like 77b5a4e1-c422-4a78-b551-d8fa5c42ad95 (got %r)" % (value,))
    return value.strip().lower()


def check_restore_name(value, option="name"):
    """The restored cluster's name (``clusterNameOverride``): 3 to 48 of ``[a-zA-Z0-9_-]``, not starting with ``_``/``-``."""
    if not isinstance(value, str):
        raise OptionError(option, "%s (got %r)" % (_RESTORE_NAME_RULE, value))
    if not 3 <= len(value) <= 48:
        raise OptionError(option, "%s (got %d characters)" % (_RESTORE_NAME_RULE, len(value)))
    if not _RESTORE_NAME_PATTERN.match(value):
        raise OptionError(option, "%s (got %r)" % (_RESTORE_NAME_RULE, value))
    return value


def server_second_end_ms(now_ms):
    """The latest instant the server's "now" can be, given that its ``Date`` header counts whole seconds.

    ``now_ms`` counts forward from a ``Date`` header, which drops the milliseconds: the server's
    own clock may be up to 999 ms later than it says. Event times (a backup's end) carry
    milliseconds, so an instant the server has already passed can look up to 999 ms "ahead".
    """
    return now_ms - now_ms % 1000 + 999


def check_point_in_time(ms, now_ms, option="point_in_time"):
    """Epoch ms not before 2015-01-01 (the API's minimum) and not after the server's now.

    "After now" allows for the ``Date`` header's one-second resolution: up to the end of the
    server's current second is accepted (``server_second_end_ms``), nothing later.
    """
    if isinstance(ms, bool) or not isinstance(ms, int):
        raise OptionError(option, "must be epoch milliseconds (got %r)" % (ms,))
    if ms < EARLIEST_POINT_IN_TIME_MS:
        rule = "epoch milliseconds must be at least %d (2015-01-01T00:00:00Z) (got %d" % (EARLIEST_POINT_IN_TIME_MS, ms)
        if EARLIEST_POINT_IN_TIME_MS <= ms * 1000 <= now_ms:  # only where x1000 gives a valid instant
            rule += ", which looks like epoch seconds: multiply by 1000"
        raise OptionError(option, rule + ")")
    latest_ms = server_second_end_ms(now_ms)
    if ms > latest_ms:
        raise OptionError(option, "must not be in the future: %s is after the API server's time %s "
                          "(known to the second from its Date header: at the latest %s)"
                          % (iso_utc(ms), iso_utc(now_ms), iso_utc(latest_ms)))
    return ms


def check_keyspace_tables(values, option="keyspace_tables"):
    """A list of ``keyspace.table`` names (a comma-separated string is accepted too); no duplicates."""
    if values is None:
        return []
    if isinstance(values, str):
        values = values.split(",") if values.strip() else []
    if not isinstance(values, (list, tuple)):
        raise OptionError(option, "must be a list of keyspace.table names (got %r)" % (values,))
    checked = []
    for index, value in enumerate(values):
        name = value.strip() if isinstance(value, str) else value
        parts = name.split(".") if isinstance(name, str) else []
        if len(parts) != 2 or not all(_CQL_NAME_PATTERN.match(part) for part in parts):
            raise OptionError("%s[%d]" % (option, index),
                              "must be keyspace.table, each part 1 to 48 letters, digits or '_' (got %r)" % (value,))
        if name in checked:
            raise OptionError(option, "lists %s twice" % name)
        checked.append(name)
    return checked


def check_ipv4_cidr(value, option):
    """An IPv4 network in CIDR notation with its host bits zero, such as ``10.0.0.0/16``."""
    rule = "must be an IPv4 network in CIDR notation such as 10.0.0.0/16"
    if not isinstance(value, str) or "/" not in value:
        raise OptionError(option, "%s (got %r)" % (rule, value))
    try:
        network = ipaddress.IPv4Network(value.strip(), strict=False)
    except ValueError:
        raise OptionError(option, "%s (got %r)" % (rule, value)) from None
    if str(network) != value.strip():
        raise OptionError(option, "%s with the host bits zero: did you mean %s? (got %r)" % (rule, network, value))
    return str(network)


def check_network(value, option):
    """An IPv4 or IPv6 network in CIDR notation, host bits zero; a bare address means that one address
    (``/32``, ``/128``). Returns the network in its normal form (``2001:db8::/64``)."""
    rule = "must be an IPv4 or IPv6 address or network in CIDR notation such as 203.0.113.7/32 or 2001:db8::/64"
    if not isinstance(value, str) or not value.strip():
        raise OptionError(option, "%s (got %r)" % (rule, value))
    text = value.strip()
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise OptionError(option, "%s (got %r)" % (rule, value)) from None
    if "/" in text and network.network_address != ipaddress.ip_address(text.split("/", 1)[0]):
        raise OptionError(option, "%s with the host bits zero: did you mean %s? (got %r)" % (rule, network, value))
    return str(network)


_RULE_TYPE = re.compile(r"\A[A-Z][A-Z0-9_]*\Z")


def check_rule_types(values, option="rule_types"):
    """Firewall rule types (``CASSANDRA_CQL``, ``POSTGRESQL``, ...): upper-cased, each once, in the order given."""
    if not isinstance(values, (list, tuple)) or not values:
        raise OptionError(option, "must be a non-empty list of firewall rule types such as CASSANDRA_CQL")
    types = []
    for value in values:
        text = str(value).strip().upper() if isinstance(value, str) else None
        if not text or not _RULE_TYPE.match(text):
            raise OptionError(option, "each must be a firewall rule type such as CASSANDRA_CQL or POSTGRESQL (got %r)" % (value,))
        if text not in types:
            types.append(text)
    return types


def check_cdc_infos(entries, source_dc_ids, option="cdc_infos", every_data_centre=True, new_vpc_entries=False,
                    custom_vpc_needs_network=False):
    """Where each restored data centre goes; returns the entries with all four snake_case keys.

    Rules: no duplicates, each entry at most one of ``restore_to_same_vpc: true`` and a
    ``custom_vpc_id``, ``custom_vpc_network`` a CIDR and only with a custom VPC. The API version's
    own rules come from its backend: ``every_data_centre`` (v1: all data centres of the source or
    none), ``new_vpc_entries`` (v2: an entry with neither means a new VPC; v1 wants exactly one) and
    ``custom_vpc_needs_network`` (v2: a custom VPC needs its network).
    """
    if not entries:
        return []
    if not isinstance(entries, (list, tuple)):
        raise OptionError(option, "must be a list of data centre entries (got %r)" % (entries,))
    known_ids = [check_uuid(dc_id, "source data centre id") for dc_id in source_dc_ids]
    checked = []
    for index, entry in enumerate(entries):
        item = _check_cdc_info("%s[%d]" % (option, index), entry, known_ids, new_vpc_entries, custom_vpc_needs_network)
        if any(previous["cdc_id"] == item["cdc_id"] for previous in checked):
            raise OptionError(option, "lists data centre %s twice" % item["cdc_id"])
        checked.append(item)
    missing = [dc_id for dc_id in known_ids if dc_id not in [item["cdc_id"] for item in checked]]
    if missing and every_data_centre:
        raise OptionError(option, "must cover every data centre of the source cluster or none; missing %s" % ", ".join(missing))
    return checked


def _check_cdc_info(where, entry, known_ids, new_vpc_entries=False, custom_vpc_needs_network=False):
    if not isinstance(entry, dict):
        raise OptionError(where, "must be a dictionary with %s (got %r)" % (", ".join(_CDC_INFO_KEYS), entry))
    unknown = sorted(set(entry) - set(_CDC_INFO_KEYS))
    if unknown:
        raise OptionError(where, "unknown key(s) %s; allowed: %s" % (", ".join(unknown), ", ".join(_CDC_INFO_KEYS)))
    cdc_id = check_uuid(entry.get("cdc_id"), where + ".cdc_id")
    if cdc_id not in known_ids:
        raise OptionError(where + ".cdc_id", "%s is not a data centre of the source cluster (its data centres: %s)"
                          % (cdc_id, ", ".join(known_ids) or "none"))
    same_vpc = entry.get("restore_to_same_vpc")
    if same_vpc is None:
        same_vpc = False
    if not isinstance(same_vpc, bool):
        raise OptionError(where + ".restore_to_same_vpc", "must be true or false (got %r)" % (same_vpc,))
    vpc_id = entry.get("custom_vpc_id") or None
    if new_vpc_entries and same_vpc and vpc_id is not None:
        raise OptionError(where, "set restore_to_same_vpc: true or a custom_vpc_id, not both (neither means a new VPC)")
    if not new_vpc_entries and same_vpc == (vpc_id is not None):
        raise OptionError(where, "set either restore_to_same_vpc: true or a custom_vpc_id, not both and not neither")
    if vpc_id is not None and not isinstance(vpc_id, str):
        raise OptionError(where + ".custom_vpc_id", "must be a VPC id string such as vpc-0abc1234 (got %r)" % (vpc_id,))
    network = entry.get("custom_vpc_network") or None
    if network is not None:
        if vpc_id is None:
            raise OptionError(where + ".custom_vpc_network", "is only used with custom_vpc_id")
        network = check_ipv4_cidr(network, where + ".custom_vpc_network")
    elif vpc_id is not None and custom_vpc_needs_network:
        raise OptionError(where + ".custom_vpc_network", "is required with custom_vpc_id (the network of the restored data centre in that VPC)")
    return {"cdc_id": cdc_id, "restore_to_same_vpc": same_vpc, "custom_vpc_id": vpc_id, "custom_vpc_network": network}


def _check_number(value, option):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise OptionError(option, "must be a number (got %r)" % (value,))
    return value


def check_positive(value, option):
    """A number greater than zero (timeouts, sleeps)."""
    if _check_number(value, option) <= 0:
        raise OptionError(option, "must be greater than 0 (got %r)" % (value,))
    return value


def check_non_negative(value, option):
    """A number of zero or more (retries, a delay cap)."""
    if _check_number(value, option) < 0:
        raise OptionError(option, "must be 0 or more (got %r)" % (value,))
    return value


def check_api_url(url, option="api_url"):
    """The API base URL, without a trailing ``/``. ``https://`` anywhere; plain ``http://`` only to loopback hosts."""
    if not isinstance(url, str) or not url.strip():
        raise OptionError(option, "must be an https:// URL such as https://api.instaclustr.com (got %r)" % (url,))
    text = url.strip()
    parts = _split_url(text, option)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OptionError(option, "must be an https:// URL with a host, such as https://api.instaclustr.com (got %r)" % _without_userinfo(parts))
    if parts.username is not None or parts.password is not None:
        # Do not echo the URL: it holds a secret. Credentials go in api_username and api_key.
        raise OptionError(option, "must not contain credentials; use api_username and api_key")
    if parts.query or parts.fragment:
        raise OptionError(option, "must not contain a query or a fragment (got %r)" % text)
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise OptionError(option, "plain http:// would send the API key unencrypted; use https:// (http:// is allowed only "
                                  "for loopback hosts such as 127.0.0.1 or localhost; got host %r)" % parts.hostname)
    return text.rstrip("/")


def _split_url(text, option):
    """``urlsplit`` plus the port check it defers until ``.port`` is read."""
    try:
        parts = urlsplit(text)
        if parts.port == 0:
            raise ValueError("port 0")
    except ValueError:
        raise OptionError(option, "is not a valid URL (got %r)" % _mask_userinfo(text)) from None
    return parts


def _mask_userinfo(text):
    head, sep, tail = text.partition("://")
    if sep and "@" in tail.split("/", 1)[0]:
        return head + sep + "********@" + tail.split("@", 1)[1]
    return text


def _without_userinfo(parts):
    netloc = parts.netloc.rsplit("@", 1)[-1]
    return "%s://%s%s" % (parts.scheme, netloc, parts.path)


# OpenSearch index names: lower case, no spaces or , \ / ? " < > | #, not starting with - _ +; a * is a
# wildcard (as in OpenSearch's own restore); at most 255 characters.
_INDEX_NAME_PATTERN = re.compile(r"[a-z0-9*.][a-z0-9_.*+-]{0,254}\Z")


def check_index_names(values, option="index_names"):
    """A list of OpenSearch index names (or patterns with ``*``), sent joined by commas; no duplicates."""
    if values is None:
        return []
    if not isinstance(values, (list, tuple)):
        raise OptionError(option, "must be a list of index names (got %r)" % (values,))
    checked = []
    for index, value in enumerate(values):
        name = value.strip() if isinstance(value, str) else value
        if not isinstance(name, str) or not _INDEX_NAME_PATTERN.match(name) or name in (".", ".."):
            raise OptionError("%s[%d]" % (option, index),
                              "must be an OpenSearch index name: lower-case letters, digits and _ . - + * (a wildcard), "
                              "not starting with _ - +, at most 255 characters (got %r)" % (value,))
        if name in checked:
            raise OptionError(option, "lists %s twice" % name)
        checked.append(name)
    return checked
