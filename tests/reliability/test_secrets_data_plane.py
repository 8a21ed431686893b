"""The secrets suite for the data-plane modules: at ``-vvvv`` through ansible-runner, no byte a run produces holds the
data password (the one the API answers for the cluster's default user, and one given through ``IC_DATA_PASSWORD``),
the API key or base64(user:key).

One emulator with its data plane (``--data-plane``, scenario ``mixed``) for this file. The playbook writes, reads and
prunes canaries and reads the catalogue of a PostgreSQL cluster (logging in with the password the API answers), does
the same on Redis (the password from the environment, as AWX passes a credential), and fails on purpose: a cluster
whose firewall admits no runner, a refused login and Redis without a password, each with one clear message naming the
address and port, what failed and what to do. The search and its exclusions (runner's own copies of its
inputs) are the secrets suite's (``test_secrets.check_run``).
"""

import re

from tests.reliability.conftest import ansible_env, playbook_failures, run_playbook, task_results
from tests.reliability import test_secrets
from tests.reliability.test_secrets import API_KEY, DB_PASSWORD, USERNAME, check_run
from tests.support.emulator import DRILL_LEFTOVER_PG_ID, PAYMENTS_PG_ID, SESSIONS_REDIS_ID

SUITE = test_secrets.SUITE  # the figures count in the secrets suite
EMULATOR = {"scenario": "mixed", "username": USERNAME, "api_key": API_KEY, "time_scale": 1,
            "extra_args": ("--data-plane", "--db-password", DB_PASSWORD)}

PLAYBOOK = """
- name: The data-plane modules and their error paths, at -vvvv
  hosts: localhost
  gather_facts: false
  connection: local
  module_defaults:
    group/restorekit.instaclustr.all:
      api_version: v2
      application: postgresql
  tasks:
    - name: Canary in check mode
      restorekit.instaclustr.cluster_canary:
        cluster_id: {pg}
        data_ca_path: {ca}
      check_mode: true
    - name: Canary written
      restorekit.instaclustr.cluster_canary:
        cluster_id: {pg}
        run_id: secrets-run
        data_ca_path: {ca}
    - name: Canaries read
      restorekit.instaclustr.cluster_canary_info:
        cluster_id: {pg}
        data_ca_path: {ca}
    - name: Catalogue read
      restorekit.instaclustr.cluster_data_info:
        cluster_id: {pg}
        data_ca_path: {ca}
    - name: Canaries pruned
      restorekit.instaclustr.cluster_canary:
        cluster_id: {pg}
        state: absent
        older_than: 0
        data_ca_path: {ca}
    - name: Redis canary, the password from IC_DATA_PASSWORD
      restorekit.instaclustr.cluster_canary:
        application: redis
        cluster_id: {redis}
        data_username: icredis
    - name: Redis canaries read
      restorekit.instaclustr.cluster_canary_info:
        application: redis
        cluster_id: {redis}
        data_username: icredis
    - name: Close a cluster's firewall to the runner
      restorekit.instaclustr.cluster_firewall_rule:
        cluster_id: {closed}
        network: 127.0.0.1/32
        state: absent
    - name: A cluster whose firewall admits no runner (fails)
      restorekit.instaclustr.cluster_canary_info:
        cluster_id: {closed}
        data_ca_path: {ca}
        data_timeout: 5
      ignore_errors: true
    - name: A refused login (fails)
      restorekit.instaclustr.cluster_data_info:
        cluster_id: {pg}
        data_password: not-the-password
        data_ca_path: {ca}
      ignore_errors: true
    - name: Redis without a password (fails)
      restorekit.instaclustr.cluster_canary_info:
        application: redis
        cluster_id: {redis}
      environment:
        IC_DATA_PASSWORD: ""
      ignore_errors: true
"""

# What each failing task's message must say (regular expressions): the address and port, what failed, and what to do.
EXPECTED_FAILURES = {
    "A cluster whose firewall admits no runner (fails)": (
        r"127\.\d+\.\d+\.\d+:5432", r"connecting failed", r"the firewall may not admit this runner",
        r"restorekit\.instaclustr\.cluster_firewall_rule \(rule type POSTGRESQL\)"),
    "A refused login (fails)": (r"127\.\d+\.\d+\.\d+:5432", r"connecting failed", r"password authentication failed"),
    "Redis without a password (fails)": (r"^data_password: is required: the API answers no password for redis clusters",),
}


def test_data_plane_modules_leak_nothing(emulator, figures, tmp_path):
    ca_file = tmp_path / "ca.pem"
    ca_file.write_text(emulator.data_plane()["ca_pem"])
    private_data_dir = tmp_path / "data-plane"
    playbook = tmp_path / "data_plane.yml"
    playbook.write_text(PLAYBOOK.format(pg=PAYMENTS_PG_ID, redis=SESSIONS_REDIS_ID, closed=DRILL_LEFTOVER_PG_ID, ca=ca_file))
    env = dict(ansible_env(emulator), IC_DATA_PASSWORD=DB_PASSWORD)
    runner = run_playbook(private_data_dir, playbook, "localhost ansible_connection=local", env, verbosity=4, forks=1)
    problems = check_run(figures, "data-plane modules and error paths", runner, private_data_dir, expect_failed_tasks=True)
    unexpected = list(playbook_failures(runner))
    if unexpected or runner.rc != 0:
        problems.append("the playbook itself failed (rc=%s): %s" % (runner.rc, unexpected[:3]))
    failed = {task: str(result.get("msg", "")) for dummy, task, result in task_results(runner, "runner_on_failed")}
    if sorted(failed) != sorted(EXPECTED_FAILURES):
        problems.append("the failing tasks were %s" % sorted(failed))
    for task, patterns in EXPECTED_FAILURES.items():
        problems.extend("%s: %r not in %r" % (task, pattern, failed.get(task)) for pattern in patterns
                        if not re.search(pattern, failed.get(task, "")))
    written = [result for dummy, task, result in task_results(runner, "runner_on_ok") if task == "Canary written"]
    if not written or "canary" not in written[0]:
        problems.append("no canary was written: the password was not used")
    assert not problems, "\n".join(problems)
