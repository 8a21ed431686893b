"""The floor of a ``requests``-based module: the least a module can do for the GET
``cluster_backup_info`` makes: ``AnsibleModule``, ``requests.get``, ``exit_json`` of the parsed body
(the v1 backups listing, or with ``api_version: v2`` the v2 Cassandra listing).

``task_overhead.py`` copies this file into a throwaway collection (``restorekit_bench.floor``, module
``requests_get``) for the run and loops it like the other kinds, so each run measures the floor
side by side with ``cluster_backup_info`` and ``uri``: what is left between the floor and the
collection's module is the collection's own code, not ``requests``. No retries, no validation, no
redaction: never use it for anything else.
"""

from ansible.module_utils.basic import AnsibleModule, env_fallback

import requests

DOCUMENTATION = r"""
module: requests_get
short_description: The floor of a requests-based module, for benchmarks/task_overhead.py only
description: [GET the backups listing of O(cluster_id) with requests and return the parsed body.]
options:
  cluster_id: {type: str, required: true, description: [The cluster.]}
  api_version: {type: str, default: v1, description: [v1 or v2, the listing GET of that API version.]}
"""
V1_PATH = "/provisioning/v1/%s/backups"
V2_PATH = "/cluster-management/v2/data-sources/applications/cassandra/clusters/v2/%s/list-backups/v2"


def main():
    module = AnsibleModule(argument_spec={
        "cluster_id": {"type": "str", "required": True},
        "api_version": {"type": "str", "default": "v1"},
        "api_url": {"type": "str", "fallback": (env_fallback, ["IC_API_URL"])},
        "api_username": {"type": "str", "fallback": (env_fallback, ["IC_USERNAME"])},
        "api_key": {"type": "str", "no_log": True, "fallback": (env_fallback, ["IC_API_KEY"])},
    })
    params = module.params
    path = V2_PATH if params["api_version"] == "v2" else V1_PATH
    response = requests.get(params["api_url"] + path % params["cluster_id"], auth=(params["api_username"], params["api_key"]), timeout=60)
    if response.status_code != 200:
        module.fail_json(msg="GET backups answered %d" % response.status_code)
    module.exit_json(changed=False, json=response.json())


if __name__ == "__main__":
    main()
