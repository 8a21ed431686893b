"""The floor of a canary write on PostgreSQL: the least a module can do for the write ``cluster_canary`` makes:
``AnsibleModule``; the v2 GET of the cluster with ``requests`` for a node's address and the default user's
password, and two more for the API's time (the ``Date`` before and after the write, as the canary's bracket);
``psycopg`` with TLS verified against the CA; the home created if missing, one row inserted and its
``written_before`` set; ``exit_json``.

``data_plane_write.py`` copies this file into a throwaway collection (``restorekit_bench.floor``, module
``psycopg_canary``) for the run and loops it beside ``cluster_canary``, so what is left between the two is
the collection's own code, not the driver or the requests. No validation, no retries, no redaction, no
check mode: never use it for anything else.
"""

import email.utils
import uuid

from ansible.module_utils.basic import AnsibleModule, env_fallback

import psycopg
import requests

DOCUMENTATION = r"""
module: psycopg_canary
short_description: The floor of a canary write on PostgreSQL, for benchmarks/data_plane_write.py only
description: [Write one canary row to the PostgreSQL cluster O(cluster_id) with psycopg.]
options:
  cluster_id: {type: str, required: true, description: [The cluster.]}
  cluster_path: {type: str, required: true, description: [The v2 path of the cluster's GET.]}
  data_ca_path: {type: path, required: true, description: [The CA file.]}
"""
HOME = "restorekit_canary"


def api_time_ms(response):
    return int(email.utils.parsedate_to_datetime(response.headers["Date"]).timestamp() * 1000)


def main():
    module = AnsibleModule(argument_spec={
        "cluster_id": {"type": "str", "required": True},
        "cluster_path": {"type": "str", "required": True},
        "data_ca_path": {"type": "path", "required": True},
        "api_url": {"type": "str", "fallback": (env_fallback, ["IC_API_URL"])},
        "api_username": {"type": "str", "fallback": (env_fallback, ["IC_USERNAME"])},
        "api_key": {"type": "str", "no_log": True, "fallback": (env_fallback, ["IC_API_KEY"])},
    })
    params = module.params
    url = params["api_url"] + params["cluster_path"]
    auth = (params["api_username"], params["api_key"])
    cluster = requests.get(url, auth=auth, timeout=60).json()
    addresses = [node["publicAddress"] for centre in cluster["dataCentres"] for node in centre["nodes"]]
    canary_id = uuid.uuid4().hex
    with psycopg.connect(host=",".join(addresses), port=",".join(["5432"] * len(addresses)), dbname="postgres",
                         user="icpostgresql", password=cluster["defaultUserPassword"], target_session_attrs="read-write",
                         sslmode="verify-full", sslrootcert=params["data_ca_path"], autocommit=True) as connection:
        connection.execute('CREATE SCHEMA IF NOT EXISTS "%s"' % HOME)
        connection.execute('CREATE TABLE IF NOT EXISTS "%s".canary (id text PRIMARY KEY, run_id text, written_after_ms bigint NOT NULL, '
                           'written_before_ms bigint)' % HOME)
        after = api_time_ms(requests.get(url, auth=auth, timeout=60))
        connection.execute('INSERT INTO "%s".canary (id, run_id, written_after_ms) VALUES (%%s, %%s, %%s)' % HOME,
                           (canary_id, "bench", after))
        before = api_time_ms(requests.get(url, auth=auth, timeout=60)) + 1000
        connection.execute('UPDATE "%s".canary SET written_before_ms = %%s WHERE id = %%s' % HOME, (before, canary_id))
    module.exit_json(changed=True, canary={"id": canary_id, "written_after_ms": after, "written_before_ms": before})


if __name__ == "__main__":
    main()
