# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What the ``restorekit.instaclustr.clusters`` inventory plugin does, apart from Ansible's inventory API.

* ``check_options``: the plugin's options, checked (one ``InventoryError`` naming the option);
* ``open_session``: the collection's ``ApiSession`` (retries, 429 handling, TLS rules, redaction);
* ``read_clusters``: the account's clusters as plain records (what the inventory cache keeps: no credential);
  v2 is the account list and one GET per cluster of the chosen applications, v1 the v1 cluster list, whose
  Cassandra clusters are the items that carry a ``cassandraVersion``;
* ``select_clusters``, ``host_names``, ``host_vars``, ``group_name``: which clusters become hosts, under which
  names, with which variables, in which group.

No Ansible import here except through module_utils, so the unit tests drive it without an inventory.
"""

from __future__ import annotations

import hashlib
import time

from ansible_collections.restorekit.instaclustr.plugins.module_utils._budget import DEFAULT_RATE_LIMIT, budget_for
from ansible_collections.restorekit.instaclustr.plugins.module_utils._errors import ApiError, RestorekitError
from ansible_collections.restorekit.instaclustr.plugins.module_utils._http import HAS_REQUESTS, ApiSession
from ansible_collections.restorekit.instaclustr.plugins.module_utils._rules import check_api_url

APPLICATIONS = ("cassandra", "postgresql", "opensearch", "redis")
# v1's ClusterStatus words; v2 sends the same words as plain strings.
STATUSES = ("GENESIS", "PROVISIONING", "PROVISIONED", "JOINING", "RESTORING", "DEFERRED", "RUNNING",
            "DELETING", "DELETED", "DEGRADED", "FAILED")
API_VERSIONS = ("v1", "v2")
GROUP_PREFIX = "instaclustr_"
ID_PREFIX_LENGTH = 8
# Host variables, pinned by issue 12 (docs in plugins/inventory/clusters.py).
PINNED_VARS = ("instaclustr_cluster_id", "instaclustr_cluster_name", "instaclustr_application", "instaclustr_status",
               "instaclustr_api_version", "instaclustr_api_url", "backup_restore_drill_cluster_id",
               "backup_restore_drill_application")
# Bumped when the cached record shape changes, so an old cache is never read as a new one.
# 2: the document names the account it was read with (a digest of the user name).
CACHE_FORMAT = 2


class InventoryError(Exception):
    """One line naming what is wrong (an option, the credentials, the API); never a credential."""


def check_options(options):
    """The options the plugin uses, checked and cleaned: ``api_url`` normalised, lists de-duplicated.

    ``options`` is a mapping of option name to value (``get_option`` for each). Raises ``InventoryError``.
    """
    clean = dict(options)
    for name, variable in (("api_username", "IC_USERNAME"), ("api_key", "IC_API_KEY")):
        if not clean.get(name):
            raise InventoryError("%s is not set: set it in the inventory file or in the %s environment variable"
                                 % (name, variable))
    if clean.get("api_version") not in API_VERSIONS:
        raise InventoryError("api_version: must be one of %s (got %r)" % (", ".join(API_VERSIONS), clean.get("api_version")))
    # Application names are lower case, exactly as the modules' application option takes them (a module refuses
    # PostgreSQL): the plugin refuses the same spelling instead of accepting here what a task then refuses.
    clean["applications"] = _checked_list(clean.get("applications"), "applications", APPLICATIONS, lower=None)
    if not clean["applications"]:
        raise InventoryError("applications: name at least one of %s" % ", ".join(APPLICATIONS))
    clean["statuses"] = _checked_list(clean.get("statuses"), "statuses", STATUSES, lower=False)
    prefixes = clean.get("exclude_name_prefixes") or []
    if not isinstance(prefixes, (list, tuple)) or not all(isinstance(prefix, str) and prefix for prefix in prefixes):
        raise InventoryError("exclude_name_prefixes: must be a list of non-empty strings")
    clean["exclude_name_prefixes"] = list(prefixes)
    for name in ("api_timeout",):
        if not _number(clean.get(name)) or clean[name] <= 0:
            raise InventoryError("%s: must be a number greater than 0 (got %r)" % (name, clean.get(name)))
    for name in ("api_retries", "api_retry_max_delay", "api_rate_limit"):
        if not _number(clean.get(name)) or clean[name] < 0:
            raise InventoryError("%s: must be a number of at least 0 (got %r)" % (name, clean.get(name)))
    try:
        clean["api_url"] = check_api_url(clean.get("api_url"))
    except RestorekitError as error:
        raise InventoryError(str(error)) from None
    return clean


def option_warnings(options):
    """What checked ``options`` will not give that a reader of the file would expect: on v1 (Cassandra only) the other
    applications get no host, and an inventory naming none but them is empty."""
    if options.get("api_version") != "v1":
        return []
    others = [application for application in options["applications"] if application != "cassandra"]
    if not others:
        return []
    if "cassandra" not in options["applications"]:
        return ["this inventory is empty: applications is %s, but api_version v1 (the Provisioning API) serves cassandra "
                "only; set api_version: v2 for %s clusters" % (", ".join(others), ", ".join(others))]
    return ["%s: no hosts on api_version v1 (the Provisioning API serves cassandra only); set api_version: v2 for them"
            % ", ".join(others)]


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _checked_list(values, option, allowed, lower):
    """``values`` checked against ``allowed``: ``lower`` True/False folds each to lower/upper case first, None takes them as written."""
    if values is None:
        return []
    if not isinstance(values, (list, tuple)):
        raise InventoryError("%s: must be a list (got %r)" % (option, values))
    clean = []
    for value in values:
        word = str(value).strip()
        if lower is None and word not in allowed and word.lower() in allowed:
            raise InventoryError("%s: unknown value %r; application names are lower case, as the modules' application "
                                 "option takes them: write %s" % (option, value, word.lower()))
        if lower is not None:
            word = word.lower() if lower else word.upper()
        if word not in allowed:
            raise InventoryError("%s: unknown value %r; known values: %s" % (option, value, ", ".join(allowed)))
        if word not in clean:
            clean.append(word)
    return clean


def open_session(options, on_retry=None, sleep=time.sleep):
    """The collection's ``ApiSession`` for checked ``options``, sending through the account's request budget
    (``api_rate_limit``, shared with the modules of this controller through the state folder)."""
    if not HAS_REQUESTS:
        raise InventoryError("the Python library requests is required on the controller (pip install requests)")
    rate = options.get("api_rate_limit")
    try:
        budget = budget_for(options.get("state_dir"), options["api_url"], options["api_username"],
                            DEFAULT_RATE_LIMIT if rate is None else rate, sleep=sleep)
    except RestorekitError as error:
        raise InventoryError(str(error)) from None
    return ApiSession(options["api_url"], options["api_username"], options["api_key"],
                      timeout=options["api_timeout"], retries=options["api_retries"],
                      retry_max_delay=options["api_retry_max_delay"], validate_certs=options["validate_certs"],
                      ca_path=options.get("ca_path"), sleep=sleep, on_retry=on_retry, budget=budget)


def read_clusters(session, api_version, applications):
    """``(records, stats)``: the clusters of ``applications`` in the account, and what reading them cost.

    A record is ``{id, name, application, status, sla_tier, node_count[, data_centres]}`` (``data_centres``
    on v2 only, from the GET each cluster needs there). ``stats`` is ``{calls, retries, rate_limited,
    seconds}``: ``rate_limited`` counts the answers HTTP 429 that were retried. A failed read raises
    ``InventoryError`` with the client's one-line description (the key never in it).
    """
    started = time.monotonic()
    calls = [0]

    def counted(call, *args):
        calls[0] += 1
        return call(*args)

    try:
        if api_version == "v2":
            records = _read_v2(session, applications, counted)
        else:
            records = _read_v1(session, applications, counted)
    except ApiError as error:
        raise InventoryError(error.describe()) from None
    except RestorekitError as error:
        raise InventoryError(str(error)) from None
    stats = {"calls": calls[0], "retries": session.retry_count, "rate_limited": session.retried_statuses.get(429, 0),
             "seconds": round(time.monotonic() - started, 3)}
    return records, stats


def _read_v1(session, applications, counted):
    # Imported here: a v2 inventory never needs the v1 wire, and the reverse.
    from ansible_collections.restorekit.instaclustr.plugins.module_utils._provisioning_v1 import ProvisioningV1

    if "cassandra" not in applications:
        return []  # v1 serves Cassandra only: nothing to ask
    records = []
    for item in counted(ProvisioningV1(session).list_clusters):
        # The v1 list has no application field; a Cassandra cluster is an item with a cassandraVersion.
        if not item.get("cassandra_version") or not item.get("id"):
            continue
        records.append({"id": item["id"], "name": item.get("name"), "application": "cassandra",
                        "status": item.get("status"), "sla_tier": item.get("sla_tier"),
                        "node_count": item.get("node_count")})
    return records


def _read_v2(session, applications, counted):
    from ansible_collections.restorekit.instaclustr.plugins.module_utils._cluster_management_v2 import ClusterManagementV2

    backends = {application: ClusterManagementV2(session, application=application) for application in applications}
    listed = counted(backends[applications[0]].list_account_clusters)
    records, seen = [], set()
    for entry in listed:
        application = entry.get("application")
        if application not in backends or entry["id"] in seen:
            continue  # another application (Kafka, ...), one not chosen, or listed twice
        seen.add(entry["id"])
        cluster = counted(backends[application].get_cluster, entry["id"])
        if cluster is None:
            continue  # deleted between the list and its GET
        data_centres = cluster.get("data_centres") or []
        records.append({
            "id": cluster.get("id") or entry["id"], "name": cluster.get("name"), "application": application,
            "status": cluster.get("status"), "sla_tier": cluster.get("sla_tier"),
            "node_count": sum(len(data_centre.get("nodes") or []) for data_centre in data_centres),
            # the shape keeps v1's meaning: ``name`` is the region, ``cdc_name`` the data centre's own name
            "data_centres": [{"id": data_centre.get("id"), "name": data_centre.get("cdc_name"),
                              "region": data_centre.get("name")} for data_centre in data_centres],
        })
    return records


def drill_restore_ids(options):
    """Ids of the clusters a drill's intent record proves (a restore with a run id), from the collection's state folder
    for this API URL and username (``state_dir`` / ``RESTOREKIT_STATE_DIR``); read only, nothing is created."""
    from ansible_collections.restorekit.instaclustr.plugins.module_utils._state import StateFolder

    state = StateFolder(options.get("state_dir"), options.get("api_url"), options.get("api_username"))
    return {str(record["restored_cluster_id"]).lower() for record in state.intents(operation="restore")
            if record.get("restored_cluster_id") and record.get("run_id")}


def excluded_by_name(name, prefixes):
    """Whether ``name`` is ``<prefix>-...`` for one of ``prefixes`` (a cluster a drill restored)."""
    return any(str(name or "").startswith(prefix + "-") for prefix in prefixes)


def select_clusters(records, applications, statuses, exclude_name_prefixes, drill_ids=()):
    """The records that become hosts, sorted by name then id (so naming and output are deterministic).

    Left out: a cluster a drill's intent record proves (``drill_ids``: a drill's restored cluster is never drilled
    itself), and one whose name has one of ``exclude_name_prefixes`` (``name_excluded`` lists those for a warning)."""
    chosen = [record for record in records
              if record.get("application") in applications
              and str(record.get("status") or "").upper() in statuses
              and str(record.get("id")).lower() not in drill_ids
              and not excluded_by_name(record.get("name"), exclude_name_prefixes)]
    return sorted(chosen, key=lambda record: (str(record.get("name") or ""), str(record.get("id"))))


def name_excluded(records, applications, statuses, exclude_name_prefixes, drill_ids=()):
    """The records left out by their name alone (no drill's record proves them): said in a warning, never silently."""
    return [record for record in records
            if record.get("application") in applications
            and str(record.get("status") or "").upper() in statuses
            and str(record.get("id")).lower() not in drill_ids
            and excluded_by_name(record.get("name"), exclude_name_prefixes)]


def host_names(records):
    """``[(host name, record)]``: the cluster name, or ``name-<first 8 characters of the id>`` for every
    cluster whose name another one shares (a cluster without a name is named by its id)."""
    counts = {}
    for record in records:
        counts[record.get("name")] = counts.get(record.get("name"), 0) + 1
    named, taken = [], set()
    for record in records:
        name, cluster_id = record.get("name"), str(record["id"])
        if not name:
            host = cluster_id
        elif counts[name] > 1:
            host = "%s-%s" % (name, cluster_id[:ID_PREFIX_LENGTH])
        else:
            host = name
        if host in taken:  # the short form met another host's name: the whole id is unique
            host = "%s-%s" % (name or "cluster", cluster_id)
        taken.add(host)
        named.append((host, record))
    return named


def host_vars(record, api_version, api_url):
    """The variables of one host: the pinned ones, then the descriptive ones the API gave. Never a credential."""
    variables = {
        "instaclustr_cluster_id": record["id"],
        "instaclustr_cluster_name": record.get("name"),
        "instaclustr_application": record["application"],
        "instaclustr_status": record.get("status"),
        "instaclustr_api_version": api_version,
        "instaclustr_api_url": api_url,
        "backup_restore_drill_cluster_id": record["id"],
        "backup_restore_drill_application": record["application"],
        "instaclustr_sla_tier": record.get("sla_tier"),
        "instaclustr_node_count": record.get("node_count"),
    }
    if record.get("data_centres") is not None:
        variables["instaclustr_data_centres"] = [dict(data_centre) for data_centre in record["data_centres"]]
    return variables


def group_name(application):
    return GROUP_PREFIX + application


def account_digest(username):
    """A digest of the user name: names the account in the cache without writing the name (never the key)."""
    return hashlib.sha256(("restorekit-inventory|%s" % (username or "")).encode("utf-8")).hexdigest()[:16]


def cache_key_suffix(api_url, api_version, username):
    """What sets one cache entry apart: the API's URL and version and the account (the user name, as a digest).

    Another URL, version or user never answers from this entry, so a wrong key never gets another user's cached
    hosts. The API key is never part of it.
    """
    where = "%s|%s|%s" % (api_url, api_version, account_digest(username))
    return hashlib.sha256(where.encode("utf-8")).hexdigest()[:16]


def cache_document(records, api_version, api_url, applications, username=None):
    """What the inventory cache keeps: the records, and what they were read from (no credential)."""
    return {"format": CACHE_FORMAT, "api_version": api_version, "api_url": api_url, "account": account_digest(username),
            "applications": sorted(applications), "clusters": records}


def records_from_cache(document, api_version, api_url, applications, username=None):
    """The records of a cache document read from the same API and account for at least ``applications``, else None
    (then the API is read again)."""
    if not isinstance(document, dict) or document.get("format") != CACHE_FORMAT:
        return None
    if document.get("api_version") != api_version or document.get("api_url") != api_url:
        return None
    if document.get("account") != account_digest(username):
        return None
    if not set(applications) <= set(document.get("applications") or ()):
        return None
    clusters = document.get("clusters")
    return clusters if isinstance(clusters, list) else None


def describe_stats(count, hosts, stats, api_version, api_url):
    """One line for ``-v``: how many clusters and hosts, requests, retried 429s, seconds."""
    return ("restorekit.instaclustr.clusters: %d clusters read from %s (API %s), %d hosts; %d requests, "
            "%d answers HTTP 429 retried, %d retries in all, %.1f s" % (
                count, api_url, api_version, hosts, stats["calls"] + stats["retries"], stats["rate_limited"],
                stats["retries"], stats["seconds"]))
