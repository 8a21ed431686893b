# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The common API options of every module (argument spec: API_ARGUMENT_SPEC in module_utils/_module.py)."""

from __future__ import annotations


class ModuleDocFragment:
    # Module docs cannot declare env: the environment variables are named in the descriptions.
    DOCUMENTATION = r"""
options:
  api_username:
    description:
      - The Instaclustr user name the API key belongs to.
      - If not set, the value of the E(IC_USERNAME) environment variable is used.
    type: str
    required: true
  api_key:
    description:
      - The Provisioning API key of O(api_username), sent only in the HTTP Basic C(Authorization) header.
      - If not set, the value of the E(IC_API_KEY) environment variable is used.
      - A read-only provisioning key can only run the C(_info) modules.
      - The key never appears in results, warnings or error messages.
    type: str
    required: true
  api_url:
    description:
      - Base URL of the Instaclustr API, without the C(/provisioning/v1) or C(/cluster-management/v2) path.
      - If not set, the value of the E(IC_API_URL) environment variable is used, else the default.
      - Must use C(https://). Plain C(http://) is accepted only for loopback hosts (C(127.0.0.0/8), C(::1), C(localhost)),
        so credentials are never sent unencrypted over a network. A URL holding credentials or a query is refused.
    type: str
    default: https://api.instaclustr.com
  api_version:
    description:
      - Which Instaclustr API the module speaks. V(v1) is the Provisioning API v1 (C(/provisioning/v1), deprecated by
        Instaclustr); V(v2) is the Cluster Management API v2 (C(/cluster-management/v2)).
      - If not set, the value of the E(IC_API_VERSION) environment variable is used, else the default.
      - Results have the same shape on both versions; only the restore request body
        (RV(restorekit.instaclustr.cluster_restore#module:request.body)) differs, as it is the exact body sent on the
        chosen API's wire.
      - On V(v2) a lookup by name (a restore's idempotency check, O(restorekit.instaclustr.cluster_info#module:name)) costs
        one request more than on V(v1) per cluster of the account, because the v2 cluster list carries no names.
    type: str
    choices: [v1, v2]
    default: v1
  application:
    description:
      - The application of the cluster(s) the module works on. Each application has its own paths on the Cluster
        Management API v2, its own restore options and its own limits (see each module's notes).
      - V(postgresql), V(opensearch) and V(redis) need O(api_version=v2); with O(api_version=v1) only V(cassandra) is
        accepted, and any other value fails naming both options before any request.
      - A cluster id that the API does not know under this application but the account's cluster list holds under
        another fails saying which application it is and that this option must be set to it.
      - Redis has no backup listing in the API, so its backups cannot be read, followed or checked.
    type: str
    choices: [cassandra, postgresql, opensearch, redis]
    default: cassandra
  api_timeout:
    description:
      - Seconds to wait for each HTTP request (to connect, and then between bytes of the answer). Fractions are allowed.
      - This is per request. How long a module waits for a backup or a restore is set by the module's own C(wait_timeout) option, where it has one.
    type: float
    default: 60
  api_retries:
    description:
      - How many times a request is retried after a rate limit (HTTP 429), a server error (500, 502, 503, 504),
        a timeout or a lost connection. V(0) disables retries.
      - Reads (GET) and deletions are retried on all of these. A POST (trigger a backup, start a restore) is retried
        only when the server provably did not act on it (HTTP 429, connection refused); any other failure after a POST
        was sent makes the module re-read the state instead of posting again.
    type: int
    default: 5
  api_retry_max_delay:
    description:
      - The longest wait in seconds between two retries. Waits start at about 1 second and double, with random jitter.
      - A C(Retry-After) header sent by the API is obeyed; if it asks for longer than this, the request fails at once.
    type: float
    default: 30
  validate_certs:
    description:
      - Verify the API's TLS certificate. Set to V(false) only for a test endpoint you trust; the module then warns.
    type: bool
    default: true
  ca_path:
    description:
      - A CA bundle file (PEM) to verify the API's certificate with, instead of the system's CA certificates.
      - Ignored when O(validate_certs=false).
    type: path
  state_dir:
    description:
      - The collection's state folder, where it keeps what must outlive one task, for example the intent record written
        before each restore request, which later proves which clusters the collection made.
      - One folder per API account is made inside it (named by a hash of O(api_url) and O(api_username), never the key),
        private to the user (mode 0700); a folder others can write is refused.
      - Defaults to C(restorekit.instaclustr/state) under E(XDG_CACHE_HOME), or C(~/.cache/restorekit.instaclustr/state).
        Keep it between runs (in AWX, on a persistent volume) so that reruns and cleanups find their records.
      - The environment variable E(RESTOREKIT_STATE_DIR) is used when this is not set.
    type: path
  api_rate_limit:
    description:
      - The most requests per second that all tasks of this controller together send to O(api_url) as O(api_username),
        whatever the number of forks, parallel plays or inventory runs. Each module process takes a send slot from a budget
        kept in the account's folder under O(state_dir) (a small file under a lock), and waits for its slot when the
        budget is spent; waiting requests are served first come, first served.
      - When tasks configure different values, the lowest holds for all of them, from its first request until a minute
        after its last.
      - The default leaves a margin under the API's limit of 35 requests per second per user. The budget counts a
        second plus 100 ms as its window, so that requests delayed on their way still arrive within the limit as the API
        counts them.
      - A fraction counts down to whole requests per second (V(7.5) allows 7); below V(1), one request every 1/rate seconds.
        V(0) switches the shared budget off (answers 429 are still retried).
      - The budget is per controller (per state folder). Runs on separate machines, such as AWX job slices on separate
        execution nodes, each need a share of the limit, for example V(7.5) for each of four slices.
      - A process that dies, even killed, never blocks the others, as the lock is released with it.
      - If not set, the value of the E(IC_API_RATE_LIMIT) environment variable is used, else the default.
    type: float
    default: 30
requirements:
  - requests >= 2.20
"""
