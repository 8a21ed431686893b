# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The options of the modules that read or write a cluster's own data (argument spec: DATA_PLANE_ARGUMENT_SPEC in
module_utils/_data_plane.py)."""

from __future__ import annotations


class ModuleDocFragment:
    # Module docs cannot declare env: the environment variables are named in the descriptions.
    DOCUMENTATION = r"""
options:
  cluster_id:
    description:
      - The id (a UUID) of the cluster whose data to reach, of the application O(application) (Cassandra on O(api_version=v1)).
      - The module reads the cluster once through the API (its node addresses, its client encryption setting and, unless
        O(data_password) is set, its default user's password), then connects to the nodes itself.
    type: str
    required: true
  data_username:
    description:
      - The user to log in to the cluster's data store as.
      - If not set, the value of the E(IC_DATA_USERNAME) environment variable is used, else the cluster's default user
        (the v2 GET's C(defaultUsername) for OpenSearch, the v1 GET's C(username); otherwise C(iccassandra),
        C(icpostgresql), C(icopensearch) or C(icredis)).
    type: str
  data_password:
    description:
      - The password of O(data_username).
      - If not set, the value of the E(IC_DATA_PASSWORD) environment variable is used, else the password the API answers for
        the cluster's default user (v2 C(defaultUserPassword), v1 C(instaclustrUserPassword)). That password is held in
        memory for this task only, masked in every output, and never returned.
      - Required for Redis clusters, for which the API answers no password, and with a O(data_username) other than the
        default user.
    type: str
  data_address:
    description:
      - Which node addresses to connect to. V(public) (the nodes' C(publicAddress)) from a runner outside the cluster's
        network, V(private) (C(privateAddress)) from inside it (peering, a VPN).
      - Only the cluster's own node addresses are contact points; a Cassandra driver never connects to addresses its peers
        advertise.
    type: str
    choices: [public, private]
    default: public
  data_port:
    description:
      - The port of the cluster's clients. If not set, the application's standard port (Cassandra CQL 9042, PostgreSQL
        5432, OpenSearch REST 9200, Redis 6379; inferred from Instaclustr's connection pages).
    type: int
  data_tls:
    description:
      - Whether to connect with TLS.
      - If not set, what the cluster's data centre says (C(clientToClusterEncryption); Redis C(clientToNodeEncryption);
        v1 C(clientEncryption)). When the API says nothing (OpenSearch), TLS, except to loopback addresses.
      - Plaintext to an address outside 127.0.0.0/8 is used only when V(false) is set explicitly, and then with a warning;
        when the API says a cluster needs no TLS and this is not set, the module fails before connecting.
    type: bool
  data_ca_path:
    description:
      - A PEM file of the CA certificates to verify the nodes' certificates with (Instaclustr's console offers the
        cluster's CA for download). If not set, the system's CAs.
      - The nodes' host names (their addresses) are verified too.
    type: path
  data_timeout:
    description:
      - Seconds to wait for a connection, and for each request, to the cluster's data store.
    type: float
    default: 30
notes:
  - The runner must reach the nodes' addresses on the data port through the cluster's firewall. A connection the cluster
    closes before any answer (or that nothing answers) usually means that no firewall rule admits the runner's address;
    the module says so and names M(restorekit.instaclustr.cluster_firewall_rule), which adds one.
  - The client library of the application must be installed where the module runs (C(requirements-data-plane.txt) of the
    collection; the execution environment includes it) - C(cassandra-driver) for Cassandra, C(psycopg) 3 for PostgreSQL,
    C(redis) for Redis and C(requests) for OpenSearch. A missing one fails naming the package.
  - Whether a restored cluster keeps its source's users and passwords, or gets new default credentials, is not known;
    the module uses what the API answers for the cluster it reads unless O(data_password) is set.
"""
