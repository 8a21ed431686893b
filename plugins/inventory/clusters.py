# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: clusters
short_description: Instaclustr clusters as inventory hosts, for drilling a whole account
version_added: 0.1.0
description:
  - One inventory host per cluster of the Instaclustr account, named by the cluster's name, with the variables the
    C(restorekit.instaclustr.dr_drill) playbook and the
    R(backup_restore_drill role,ansible_collections.restorekit.instaclustr.backup_restore_drill_role) need,
    so C(ansible-playbook restorekit.instaclustr.dr_drill -i prod.instaclustr.yml) drills every running source
    cluster of the chosen applications with no other variable.
  - 'The inventory source is a YAML file whose name ends in C(instaclustr.yml) or C(instaclustr.yaml) and that holds
    C(plugin: restorekit.instaclustr.clusters).'
  - On O(api_version=v2) it reads the account cluster list (C(GET /cluster-management/v2/data-sources/clusters/v2), every
    account in it), then each cluster of the chosen O(applications) once (its name, status and data centres are not in
    the list). Clusters of other applications (Kafka, ...) are not read.
  - On O(api_version=v1) it reads the Provisioning API v1 cluster list (C(GET /provisioning/v1)) only. v1 serves Cassandra
    backups only and its list has no application field, so a Cassandra cluster is an item that carries a C(cassandraVersion);
    other items are left out, and only V(cassandra) in O(applications) gives hosts.
  - Requests go through the collection's own API client, as the modules' do, with the same retries (HTTP 429 answers are
    retried after a backoff and counted), TLS rules and redaction.
  - A host is a cluster whose application is in O(applications), whose status is in O(statuses), that no drill's intent
    record proves to be a drill's restored cluster, and whose name does not start with one of O(exclude_name_prefixes)
    followed by C(-).
  - The clusters a drill restored are left out by proof, not by name. The modules write an intent record before each
    restore request into the collection's state folder (O(state_dir), E(RESTOREKIT_STATE_DIR)); a cluster whose record
    names a drill's run id is never a host, so a drill never drills what a drill restored. The plugin reads the state
    folder of the same API URL and username, so keep it where the drills run (in AWX, the same persistent volume).
  - 'Host variables: C(instaclustr_cluster_id), C(instaclustr_cluster_name), C(instaclustr_application) (V(cassandra),
    V(postgresql), V(opensearch) or V(redis)), C(instaclustr_status), C(instaclustr_api_version),
    C(instaclustr_api_url), and for the drill C(backup_restore_drill_cluster_id) and C(backup_restore_drill_application)
    (the same values).'
  - 'Descriptive host variables: C(instaclustr_sla_tier) (V(PRODUCTION) or V(NON_PRODUCTION)), C(instaclustr_node_count),
    and on O(api_version=v2) C(instaclustr_data_centres), a list of C({id, name, region}) per data centre (v1 lists no
    data centres).'
  - Each host is in the group C(instaclustr_<application>) (C(instaclustr_cassandra), C(instaclustr_postgresql),
    C(instaclustr_opensearch), C(instaclustr_redis)), plus the groups O(groups) and O(keyed_groups) make.
  - The user name and the API key are never host variables, never in the inventory cache and never in a message.
  - Host names and every host variable come from the API's answers and are marked unsafe for templating on every
    supported ansible-core, so a cluster name or any other value holding C({{ ... }}) is never evaluated, neither by
    O(compose), O(groups) and O(keyed_groups) nor by the playbooks that use the hosts.
author:
  - restorekit maintainers (@restorekit)
extends_documentation_fragment:
  - restorekit.instaclustr.api_plugin
  - ansible.builtin.constructed
  - ansible.builtin.inventory_cache
options:
  plugin:
    description:
      - The name of this plugin. It must be V(restorekit.instaclustr.clusters) for the file to be read by this plugin.
    type: str
    required: true
    choices: [restorekit.instaclustr.clusters]
  applications:
    description:
      - The applications whose clusters become hosts, any of V(cassandra), V(postgresql), V(opensearch) and V(redis),
        in lower case as the modules' O(restorekit.instaclustr.cluster_restore#module:application) option takes them.
        Another value (V(PostgreSQL) included) fails the inventory, naming it.
      - On O(api_version=v1) only V(cassandra) has clusters; the others are named in a warning (an inventory of none but
        them is empty, and the warning says so).
    type: list
    elements: str
    default: [cassandra, postgresql, opensearch, redis]
  statuses:
    description:
      - The cluster statuses that become hosts. A cluster in any other status (provisioning, being deleted, failed, ...)
        is left out.
      - Any of V(GENESIS), V(PROVISIONING), V(PROVISIONED), V(JOINING), V(RESTORING), V(DEFERRED), V(RUNNING), V(DELETING),
        V(DELETED), V(DEGRADED) and V(FAILED) (case does not matter). Another value fails the inventory, naming it.
    type: list
    elements: str
    default: [RUNNING]
  exclude_name_prefixes:
    description:
      - A cluster whose name is one of these prefixes followed by C(-) is left out, with a warning naming it (a cluster
        never vanishes from the inventory silently).
      - A name proves nothing (a production cluster may be renamed C(drill-...)), so by default no name is left out;
        the drills' own restored clusters are left out by their intent records instead (see the description).
    type: list
    elements: str
    default: []
notes:
  - When two clusters share a name, each one's host is named C(<name>-<first 8 characters of its id>), so the names do not
    depend on the order the API lists them in.
  - On O(api_version=v2) an account of N clusters costs N + 1 requests. The API allows about 35 requests per second; the
    answers HTTP 429 beyond it are retried and counted. Run with C(-v) to see the number of requests and of retried 429s.
    With O(cache=true) a run within O(cache_timeout) sends no request; C(ansible-inventory --flush-cache) reads the API again.
  - The inventory cache is kept per API URL, API version and user name (as a digest; never the key), so a run as
    another user never answers from hosts cached for someone else. The cache is not a credential check, so within
    O(cache_timeout) the same user name reads its cached hosts whatever key is given.
  - A source that fails (missing credential, wrong key, unknown option value, unreachable API) is reported by Ansible as a
    warning naming the cause, and the run goes on without its hosts. Set E(ANSIBLE_INVENTORY_UNPARSED_FAILED=true)
    (C([inventory] unparsed_is_failed)) to make that an error, as a drill of no host is not a drill.
seealso:
  - module: restorekit.instaclustr.cluster_info
"""

EXAMPLES = r"""
# prod.instaclustr.yml: every running cluster of the account (all four applications), over API v2.
# IC_USERNAME and IC_API_KEY come from the environment.
plugin: restorekit.instaclustr.clusters
api_version: v2

# cassandra.instaclustr.yml: production Cassandra clusters only, grouped by SLA tier, cached for an hour.
---
plugin: restorekit.instaclustr.clusters
api_version: v2
applications: [cassandra]
keyed_groups:
  - key: instaclustr_sla_tier | lower
    prefix: tier
groups:
  eu_clusters: instaclustr_data_centres | map(attribute='region') | select('match', 'EU_') | list | length > 0
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/restorekit-inventory
cache_timeout: 3600

# legacy.instaclustr.yml: the Cassandra clusters through the Provisioning API v1, drill clusters named dr-... left out.
---
plugin: restorekit.instaclustr.clusters
api_version: v1
exclude_name_prefixes: [dr]
"""

from ansible.errors import AnsibleError, AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable

from ansible_collections.restorekit.instaclustr.plugins.module_utils._http import INSECURE_WARNING
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils import inventory_clusters as ic
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.unsafe import mark_unsafe

OPTION_NAMES = ("api_username", "api_key", "api_url", "api_version", "api_timeout", "api_retries", "api_retry_max_delay",
                "validate_certs", "ca_path", "state_dir", "api_rate_limit", "applications", "statuses", "exclude_name_prefixes")


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    """Hosts from the clusters of an Instaclustr account; the work is in plugin_utils/inventory_clusters.py."""

    NAME = "restorekit.instaclustr.clusters"

    def verify_file(self, path):
        return super().verify_file(path) and path.endswith(("instaclustr.yml", "instaclustr.yaml"))

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache=cache)
        try:
            self._read_config_data(path)
            options = ic.check_options({name: self.get_option(name) for name in OPTION_NAMES})
        except ic.InventoryError as error:
            raise AnsibleParserError("%s: %s" % (self.NAME, error)) from None
        except AnsibleError as error:  # an option Ansible's configuration refused (required, choices, type)
            raise AnsibleParserError("%s: %s" % (self.NAME, error.message)) from None
        for warning in ic.option_warnings(options):
            self.display.warning("%s: %s" % (self.NAME, warning))
        records = self._records(path, options, cache)
        self._populate(records, options)

    # ---- reading, through the cache when it is on ----

    def _records(self, path, options, cache):
        use_cache = bool(self.get_option("cache"))
        key = self._cache_key(path, options)
        if use_cache and cache:
            try:
                records = ic.records_from_cache(self._cache[key], options["api_version"], options["api_url"],
                                                options["applications"], username=options["api_username"])
            except KeyError:
                records = None
            if records is not None:
                self.display.v("%s: %d clusters from the inventory cache, no request sent" % (self.NAME, len(records)))
                return records
        records = self._read(options)
        if use_cache:
            self._cache[key] = ic.cache_document(records, options["api_version"], options["api_url"],
                                                 options["applications"], username=options["api_username"])
        return records

    def _cache_key(self, path, options):
        # The API and the account read from are part of the key: another URL, version or user never answers from
        # this cache (the user name as a digest; the key is never part of it).
        suffix = ic.cache_key_suffix(options["api_url"], options["api_version"], options["api_username"])
        return "%s_%s" % (self.get_cache_key(path), suffix)

    def _read(self, options):
        if not options["validate_certs"]:
            self.display.warning("%s: %s" % (self.NAME, INSECURE_WARNING))
        try:
            session = ic.open_session(options, on_retry=self._log_retry)
            records, stats = ic.read_clusters(session, options["api_version"], options["applications"])
        except ic.InventoryError as error:
            raise AnsibleParserError("%s: %s" % (self.NAME, error)) from None
        hosts = ic.select_clusters(records, options["applications"], options["statuses"], options["exclude_name_prefixes"],
                                   ic.drill_restore_ids(options))
        self.display.v(ic.describe_stats(len(records), len(hosts), stats, options["api_version"], options["api_url"]))
        return records

    def _log_retry(self, entry):
        self.display.vvv("%s: retry %s of %s %s (%s) after %s, sleeping %s s" % (
            self.NAME, entry["retry"], entry["method"], entry["path"], entry["operation"], entry["cause"],
            entry["delay_seconds"]))

    # ---- hosts, variables, groups ----

    def _populate(self, records, options):
        drill_ids = ic.drill_restore_ids(options)
        chosen = ic.select_clusters(records, options["applications"], options["statuses"], options["exclude_name_prefixes"], drill_ids)
        for record in ic.name_excluded(records, options["applications"], options["statuses"], options["exclude_name_prefixes"], drill_ids):
            self.display.warning("%s: cluster %s (%s) is left out by exclude_name_prefixes although no drill's intent record "
                                 "proves it is a drill's restored cluster" % (self.NAME, record.get("name"), record.get("id")))
        strict = self.get_option("strict")
        for application in options["applications"]:
            self.inventory.add_group(ic.group_name(application))
        for host, record in ic.host_names(chosen):
            # Names and values come from the API: never templates, also inside compose, groups and keyed_groups.
            host = mark_unsafe(host)
            variables = mark_unsafe(ic.host_vars(record, options["api_version"], options["api_url"]))
            self.inventory.add_host(host, group=ic.group_name(record["application"]))
            for name, value in variables.items():
                self.inventory.set_variable(host, name, value)
            self._set_composite_vars(self.get_option("compose"), variables, host, strict=strict)
            self._add_host_to_composed_groups(self.get_option("groups"), variables, host, strict=strict)
            self._add_host_to_keyed_groups(self.get_option("keyed_groups"), variables, host, strict=strict)
