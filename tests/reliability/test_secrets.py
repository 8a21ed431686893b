"""Issue 5 §5: no API key, no database password, no Basic credential in anything a run produces.

Two real runs through ansible-runner (the engine of AWX) at ``-vvvv`` against an emulator whose
credentials and database password are recognisable: a playbook that runs every module, its
error paths (a 503, a 404, a 401, a 412, a refused option, a request that fails after retries,
the key passed as an explicit module option) and a check-mode diff; then the whole drill. The
key reaches the run the way AWX passes it: an environment variable (``IC_API_KEY``) through
runner's ``envvars``.

Every byte under runner's private data directory is searched for the key, the password and
base64("user:key") (with and without padding), and so are the drill's reports, which are written
inside that directory. Excluded are exactly runner's own copies of its inputs, which hold the key
by construction: ``env/envvars``, ``env/extravars`` and ``artifacts/<id>/command`` (the command
line with its environment). The test checks that those copies do hold the key, so the search is
known to be looking at the right bytes.
"""

import base64
from pathlib import Path

import pytest

from tests.reliability.conftest import (
    REPO_ROOT,
    ansible_env,
    playbook_failures,
    restored_clusters_alive,
    run_playbook,
    scenario_ids,
    task_results,
)

SUITE = ("secrets", "Secrets (§5)",
         "At -vvvv through ansible-runner, every module, every error path and the whole drill: the API key, "
         "the database password and base64(user:key) appear in no byte produced")

USERNAME = "rk-user-7f3a9c"
API_KEY = "RK-KEY-4b8e1d2f9a6c"
DB_PASSWORD = "RK-DBPASS-93c2e7d1"
EMULATOR = {"scenario": "default", "username": USERNAME, "api_key": API_KEY,
            "extra_args": ("--backup-duration", "60", "--restore-duration", "90", "--delete-duration", "30",
                           "--db-password", DB_PASSWORD)}

ORDERS, INVENTORY, LEGACY = scenario_ids()
BASIC = base64.b64encode(("%s:%s" % (USERNAME, API_KEY)).encode()).decode()
NEEDLES = {"API key": API_KEY, "database password": DB_PASSWORD, "base64(user:key)": BASIC,
           "base64(user:key) unpadded": BASIC.rstrip("="), "Basic base64(user:key)": "Basic " + BASIC}
INPUT_COPIES = ("env/envvars", "env/extravars")  # plus artifacts/<id>/command

MODULES_PLAYBOOK = """
- name: Every module, its error paths, at -vvvv
  hosts: localhost
  gather_facts: false
  connection: local
  tasks:
    - name: Backup summary
      restorekit.instaclustr.cluster_backup_info:
        cluster_id: {orders}
        api_retry_max_delay: 0.2
    - name: Backup, followed to the end
      restorekit.instaclustr.cluster_backup:
        cluster_id: {inventory}
        force: true
        wait_sleep: 0.2
        wait_timeout: 60
        api_retry_max_delay: 0.2
    - name: Restore (check mode, with a diff)
      restorekit.instaclustr.cluster_restore:
        cluster_id: {inventory}
        name: secrets-restore
        wait_sleep: 0.2
      check_mode: true
      diff: true
    - name: Restore
      restorekit.instaclustr.cluster_restore:
        cluster_id: {inventory}
        name: secrets-restore
        wait_sleep: 0.2
        wait_timeout: 60
        api_retry_max_delay: 0.2
      register: restored
    - name: Restore again (idempotent)
      restorekit.instaclustr.cluster_restore:
        cluster_id: {inventory}
        name: secrets-restore
        wait: false
    - name: The restored cluster, by id (the API returns its password)
      restorekit.instaclustr.cluster_info:
        cluster_id: "{{{{ restored.restored_cluster_id }}}}"
      register: by_id
    - name: Show it
      ansible.builtin.debug:
        var: by_id
    - name: The source, by name, with the key as an explicit option
      restorekit.instaclustr.cluster_info:
        name: inventory-dev
        api_key: "{{{{ lookup('ansible.builtin.env', 'IC_API_KEY') }}}}"
    - name: "Error path: backup capability off (503)"
      restorekit.instaclustr.cluster_backup:
        cluster_id: {legacy}
        wait: false
      ignore_errors: true
    - name: "Error path: unknown cluster (404)"
      restorekit.instaclustr.cluster_backup_info:
        cluster_id: 0b1e8c55-7d0a-4c47-9a9e-3f2d5b6c7e81
      ignore_errors: true
    - name: "Error path: wrong user name with the real key (401)"
      restorekit.instaclustr.cluster_info:
        cluster_id: {orders}
        api_username: not-{username}
      ignore_errors: true
    - name: "Error path: explicit key, wrong user, a failing module"
      restorekit.instaclustr.cluster_backup_info:
        cluster_id: {orders}
        api_username: nobody
        api_key: "{{{{ lookup('ansible.builtin.env', 'IC_API_KEY') }}}}"
      ignore_errors: true
    - name: "Error path: no backup covers 2015 (412)"
      restorekit.instaclustr.cluster_restore:
        cluster_id: {inventory}
        name: secrets-412
        point_in_time: "2015-01-02T00:00:00Z"
        validate_backups: false
        wait: false
      ignore_errors: true
    - name: "Error path: a refused option"
      restorekit.instaclustr.cluster_restore:
        cluster_id: {inventory}
        name: "no spaces allowed"
      ignore_errors: true
    - name: "Arm a fault: the cluster list fails five times"
      ansible.builtin.uri:
        url: "{{{{ lookup('ansible.builtin.env', 'IC_API_URL') }}}}/__emulator__/faults"
        method: POST
        body_format: json
        body: {{method: GET, path: /provisioning/v1, fault: status, status: 500, count: 5}}
        status_code: 201
    - name: "Error path: a request that fails after its retries"
      restorekit.instaclustr.cluster_info:
        name: inventory-dev
        api_retries: 1
        api_retry_max_delay: 0.2
      ignore_errors: true
    - name: Clear faults
      ansible.builtin.uri:
        url: "{{{{ lookup('ansible.builtin.env', 'IC_API_URL') }}}}/__emulator__/faults"
        method: DELETE
    - name: "Arm a gateway that echoes the Authorization header (400, then 502 on the list)"
      ansible.builtin.uri:
        url: "{{{{ lookup('ansible.builtin.env', 'IC_API_URL') }}}}/__emulator__/faults"
        method: POST
        body_format: json
        body: "{{{{ item }}}}"
        status_code: 201
      loop:
        - {{method: GET, path: "/provisioning/v1/{{clusterId}}", fault: echo_auth, status: 400}}
        - {{method: GET, path: /provisioning/v1, fault: echo_auth, status: 502, count: 2}}
    - name: "Error path: the gateway's error body holds Basic base64(user:key)"
      restorekit.instaclustr.cluster_info:
        cluster_id: {orders}
      ignore_errors: true
    - name: "Error path: the same after the retries, and a warning-free failure by name"
      restorekit.instaclustr.cluster_info:
        name: inventory-dev
        api_retries: 1
        api_retry_max_delay: 0.2
      ignore_errors: true
    - name: Delete the restored cluster
      restorekit.instaclustr.cluster_restore:
        state: absent
        cluster_id: {inventory}
        restored_cluster_id: "{{{{ restored.restored_cluster_id }}}}"
        name: secrets-restore
        wait_sleep: 0.2
        wait_timeout: 60
"""

DRILL_PLAYBOOK = REPO_ROOT / "playbooks" / "dr_drill.yml"  # the main job, as AWX would run it


def search_tree(root, needles):
    """``(hits, excluded)``: ``[(relative path, what)]`` found outside runner's input copies."""
    root = Path(root)
    hits, excluded = [], []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        relative = path.relative_to(root).as_posix()
        parts = relative.split("/")
        if relative in INPUT_COPIES or (len(parts) == 3 and parts[0] == "artifacts" and parts[2] == "command"):
            excluded.append(relative)
            continue
        data = path.read_bytes()
        for what, needle in needles.items():
            if needle.encode() in data:
                hits.append((relative, what))
    return hits, excluded


def check_run(figures, case, runner, private_data_dir, expect_failed_tasks, needles=None):
    problems = []
    hits, excluded = search_tree(private_data_dir, needles or NEEDLES)
    for relative, what in hits:
        problems.append("%s found in %s" % (what, relative))
    # The exclusions are runner's copies of the key we gave it: prove the search would see it.
    holds_key = [rel for rel in excluded if API_KEY.encode() in (Path(private_data_dir) / rel).read_bytes()]
    if "env/envvars" not in holds_key:
        problems.append("env/envvars does not hold the key: the run did not get it the way AWX passes it")
    produced = [p for p in Path(private_data_dir).rglob("*") if p.is_file()
                and p.relative_to(private_data_dir).as_posix() not in excluded]
    stdout_bytes = sum(p.stat().st_size for p in produced)
    if stdout_bytes < 10000:
        problems.append("the run produced only %d bytes: nothing to search" % stdout_bytes)
    if expect_failed_tasks and not task_results(runner, "runner_on_failed"):
        problems.append("no task failed: the error paths did not run")
    figures.case(case, "ansible-runner -vvvv, %d files, %d bytes searched; excluded %s" % (
        len(produced), stdout_bytes, ", ".join(sorted(set(
            "artifacts/<id>/command" if e.endswith("/command") else e for e in excluded)))),
        held=not problems, outcome="rc=%s" % runner.rc, problems=problems)
    figures.add("bytes searched", stdout_bytes)
    figures.add("runs searched")
    return problems


def test_every_module_and_error_path_leaks_nothing(emulator, figures, tmp_path):
    private_data_dir = tmp_path / "modules"
    playbook = tmp_path / "every_module.yml"
    playbook.write_text(MODULES_PLAYBOOK.format(orders=ORDERS, inventory=INVENTORY, legacy=LEGACY, username=USERNAME))
    runner = run_playbook(private_data_dir, playbook, "localhost ansible_connection=local", ansible_env(emulator),
                          verbosity=4, forks=1)
    problems = check_run(figures, "every module and error path", runner, private_data_dir, expect_failed_tasks=True)
    unexpected = list(playbook_failures(runner))
    if unexpected or runner.rc != 0:
        problems.append("the playbook itself failed (rc=%s): %s" % (runner.rc, unexpected[:3]))
    statuses = {entry.get("status") for entry in emulator.requests_log()}
    for status in (400, 401, 404, 412, 500, 502, 503):
        if status not in statuses:
            problems.append("no request answered %d: that error path was not exercised" % status)
    echoed = [entry for entry in emulator.requests_log() if entry.get("fault") == "echo_auth"]
    if len(echoed) < 3:
        problems.append("the gateway echoed the Authorization header %d times, expected 3" % len(echoed))
    assert not problems, "\n".join(problems)


def test_whole_drill_leaks_nothing(emulator, figures, tmp_path):
    if not DRILL_PLAYBOOK.is_file() or not (REPO_ROOT / "roles" / "backup_restore_drill" / "tasks").is_dir():
        pytest.skip("the drill role or playbooks/dr_drill.yml has not landed")
    from tests.unit.plugins.plugin_utils.test_evidence_manifest import make_key

    # The manifests are signed with a key given as its PEM text, as a vaulted value or an AWX
    # credential passes it (in env/extravars, runner's input copy): no output and no file may hold it.
    private, public, _key_id = make_key(tmp_path / "keys")
    pem = Path(private).read_text()
    needles = dict(NEEDLES, **{"signing key": "".join(pem.splitlines()[1:-1])})
    private_data_dir = tmp_path / "drill"
    report_dir = private_data_dir / "reports"
    inventory = {"all": {"hosts": {"inventory-dev": {
        "ansible_connection": "local",
        "backup_restore_drill_cluster_id": INVENTORY,
        "backup_restore_drill_report_dir": str(report_dir),
        "backup_restore_drill_wait_sleep": 0.2,
        "backup_restore_drill_backup_wait_timeout": 120,
        "backup_restore_drill_restore_wait_timeout": 120,
        "backup_restore_drill_delete_wait_timeout": 120,
    }}}}
    runner = run_playbook(private_data_dir, DRILL_PLAYBOOK, inventory, ansible_env(emulator), verbosity=4, forks=1,
                          extravars={"backup_restore_drill_signing_key": pem, "backup_restore_drill_evidence_trusted_keys": [public]})
    problems = check_run(figures, "whole drill", runner, private_data_dir, expect_failed_tasks=False, needles=needles)
    if runner.rc != 0:
        problems.append("the drill failed (rc=%s): %s" % (runner.rc, playbook_failures(runner)[:3]))
    reports = [p for p in report_dir.rglob("*") if p.is_file()] if report_dir.exists() else []
    if not reports:
        problems.append("the drill wrote no report under %s" % report_dir)
    if restored_clusters_alive(emulator):
        problems.append("restored clusters left behind: %s" % restored_clusters_alive(emulator))
    if not list(report_dir.rglob("*.manifest.json.sig")):
        problems.append("no signed manifest under %s: the signing key was not used" % report_dir)
    figures.figure("drill report files searched", len(reports))
    assert not problems, "\n".join(problems)
