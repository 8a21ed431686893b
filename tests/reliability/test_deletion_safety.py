"""Issue 5 §7: deletion safety.

* ``cluster_restore state=absent`` refuses the source cluster, a ``name`` that does not match
  the id, and a cluster no intent record proves to be a restore, sending no DELETE (a matching name
  with ``force`` does delete: the control that shows the refusals are refusals and not a module that
  never deletes);
* a drill deletes only the cluster it created: not the source, not another restored cluster
  that was there before, and not a cluster that already had the drill's name;
* the sweep deletes only clusters with the drill's prefix, a name timestamp older than its age AND a
  drill's intent record; a cluster with a drill's name but no record (a production cluster renamed
  ``drill-...``) is kept and listed; under ``--check`` it deletes nothing.
"""

import datetime
import re

import pytest

from tests.reliability.conftest import (
    REPO_ROOT,
    ansible_env,
    api_requests,
    common_args,
    playbook_failures,
    run_module,
    run_playbook,
    scenario_ids,
    task_results,
    traceback_problems,
)

SUITE = ("deletion_safety", "Deletion safety (§7)",
         "Never the source, never a name that does not match, never a cluster no intent record proves; "
         "the sweep only takes old prefixed clusters a drill's record proves")
EMULATOR = {"scenario": "default"}

ORDERS, INVENTORY, LEGACY = scenario_ids()
DAY_MS = 86400000


def deletes(entries):
    """Ids targeted by a DELETE in these log entries."""
    return [m.group(1) for e in entries if e["method"] == "DELETE"
            for m in [re.fullmatch(r"/provisioning/v1/([^/]+)", e["path"])] if m]


def make_restored(emulator, name, point_in_time):
    """A restored cluster made directly through the API (not by a drill)."""
    answer = emulator.api("POST", "/provisioning/v1/%s/backups/restore" % INVENTORY,
                          json={"clusterNameOverride": name, "pointInTime": point_in_time})
    assert answer.status_code == 200, answer.text
    return answer.json()["restoredCluster"]


def alive(emulator, cluster_id):
    state = emulator.cluster_state(cluster_id)
    return not state["deleted"] and not state["delete_requested"]


@pytest.fixture(scope="module")
def point_in_time(emulator):
    failed, result = run_module("cluster_backup_info", common_args(emulator, cluster_id=INVENTORY))
    assert not failed, result
    return result["summary"]["restorable_until_ms"]


# --------------------------------------------------------------------------- the module

ABSENT_CASES = [
    # (case, args builder(victim id, victim name), must delete, words the refusal must carry)
    ("source as restored_cluster_id", lambda vid, vname: dict(cluster_id=INVENTORY, restored_cluster_id=INVENTORY),
     False, r"source"),
    ("source as restored_cluster_id, upper case",
     lambda vid, vname: dict(cluster_id=INVENTORY, restored_cluster_id=INVENTORY.upper()), False, r"source"),
    ("name does not match the id", lambda vid, vname: dict(cluster_id=INVENTORY, restored_cluster_id=vid,
                                                           name="inventory-dev"), False, r"name|match"),
    ("name of another restored cluster", lambda vid, vname: dict(cluster_id=INVENTORY, restored_cluster_id=vid,
                                                                 name=vname + "-other"), False, r"name|match"),
    ("no intent record proves it", lambda vid, vname: dict(cluster_id=INVENTORY, restored_cluster_id=vid, name=vname),
     False, r"no intent record.*nothing was deleted"),
    ("name matches, force (control)", lambda vid, vname: dict(cluster_id=INVENTORY, restored_cluster_id=vid, name=vname,
                                                              force=True), True, None),
]


@pytest.mark.parametrize("case,build,must_delete,refusal", ABSENT_CASES, ids=[c[0] for c in ABSENT_CASES])
def test_absent_refuses_what_it_must_not_delete(emulator, figures, point_in_time, case, build, must_delete, refusal):
    victim_name = "ds-victim-%d" % len(api_requests(emulator))
    victim_id = make_restored(emulator, victim_name, point_in_time)
    args = build(victim_id, victim_name)
    log_start = len(api_requests(emulator))

    failed, result = run_module("cluster_restore", common_args(emulator, state="absent", wait=False, **args))

    targeted = deletes(api_requests(emulator)[log_start:])
    problems = traceback_problems(result)
    if must_delete:
        if failed or targeted != [victim_id]:
            problems.append("control: the matching name did not delete %s (failed=%s, DELETEs %s): %s" % (
                victim_id, failed, targeted, result.get("msg")))
    else:
        if not failed:
            problems.append("not refused: %s" % result)
        elif not re.search(refusal, str(result.get("msg", "")), re.IGNORECASE):
            problems.append("the refusal does not say why (/%s/): %s" % (refusal, result.get("msg")))
        if targeted:
            problems.append("DELETE sent to %s" % targeted)
        if not alive(emulator, INVENTORY) or not alive(emulator, victim_id):
            problems.append("a cluster was deleted")
    figures.case("module: %s" % case, "cluster_restore state=absent %s" % args, held=not problems,
                 outcome="deleted" if targeted else "refused: %s" % str(result.get("msg"))[:150], problems=problems)
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------- the drill

DRILL_PLAYBOOK = """
- name: Drill
  hosts: all
  gather_facts: false
  connection: local
  roles:
    - role: backup_restore_drill
"""

SWEEP_PLAYBOOK = """
- name: Sweep
  hosts: localhost
  gather_facts: false
  connection: local
  tasks:
    - name: Sweep what drills left behind
      ansible.builtin.include_role:
        name: backup_restore_drill
        tasks_from: sweep
"""


def drill_vars(tmp_path, **extra):
    host_vars = {"ansible_connection": "local", "backup_restore_drill_cluster_id": INVENTORY,
                 "backup_restore_drill_report_dir": str(tmp_path / "reports"),
                 "backup_restore_drill_wait_sleep": 0.2, "backup_restore_drill_backup_wait_timeout": 120,
                 "backup_restore_drill_restore_wait_timeout": 120, "backup_restore_drill_delete_wait_timeout": 120,
                 "backup_restore_drill_trigger_backup": False}
    host_vars.update(extra)
    return {"all": {"hosts": {"inventory-dev": host_vars}}}


def need_role():
    if not (REPO_ROOT / "roles" / "backup_restore_drill" / "tasks").is_dir():
        pytest.skip("the drill role has not landed")


def test_drill_deletes_only_what_it_created(emulator, figures, point_in_time, tmp_path):
    """A normal drill beside a restored cluster that is not its own: only the drill's cluster goes."""
    need_role()
    bystander = make_restored(emulator, "ds-bystander", point_in_time)
    before = {c["id"] for c in emulator.clusters()}
    log_start = len(api_requests(emulator))
    playbook = tmp_path / "drill.yml"
    playbook.write_text(DRILL_PLAYBOOK)

    runner = run_playbook(tmp_path / "runner", playbook, drill_vars(tmp_path), ansible_env(emulator))

    made = [c for c in emulator.clusters() if c["id"] not in before]
    targeted = deletes(api_requests(emulator)[log_start:])
    problems = []
    if runner.rc != 0:
        problems.append("the drill failed: %s" % playbook_failures(runner)[:3])
    if len(made) != 1:
        problems.append("the drill made %d clusters" % len(made))
    stray = set(targeted) - {c["id"] for c in made}
    if stray:
        problems.append("DELETE sent to clusters the drill did not create: %s" % sorted(stray))
    if made and not set(targeted) & {c["id"] for c in made}:
        problems.append("the drill's own cluster was not deleted")
    if not alive(emulator, bystander) or not alive(emulator, INVENTORY):
        problems.append("the bystander or the source was deleted")
    figures.case("drill: beside another restored cluster", "one drill of inventory-dev with ds-bystander present",
                 held=not problems, outcome="rc=%s, DELETEs %d" % (runner.rc, len(targeted)), problems=problems)
    assert not problems, "\n".join(problems)


def test_drill_leaves_a_cluster_with_its_name_alone(emulator, figures, point_in_time, tmp_path):
    """The drill's exact name already taken: the drill fails and deletes nothing."""
    need_role()
    name = "ds-taken-name"
    taken = make_restored(emulator, name, point_in_time)
    log_start = len(api_requests(emulator))
    playbook = tmp_path / "drill.yml"
    playbook.write_text(DRILL_PLAYBOOK)

    runner = run_playbook(tmp_path / "runner", playbook,
                          drill_vars(tmp_path, backup_restore_drill_restore_name=name), ansible_env(emulator))

    entries = api_requests(emulator)[log_start:]
    targeted = deletes(entries)
    problems = []
    if targeted:
        problems.append("DELETE sent to %s (the taken name's cluster is %s)" % (targeted, taken))
    if not alive(emulator, taken):
        problems.append("the cluster that had the drill's name was deleted")
    if runner.rc == 0:
        problems.append("the drill passed although its cluster was not its own")
    restores = [e for e in entries if e["method"] == "POST" and e["path"].endswith("/backups/restore")]
    if restores:
        problems.append("a restore was posted under a taken name: %d" % len(restores))
    figures.case("drill: name already taken", "drill with restore_name of an existing cluster", held=not problems,
                 outcome="rc=%s, DELETEs %s" % (runner.rc, targeted), problems=problems)
    assert not problems, "\n".join(problems)


def stamp(ms):
    return (datetime.datetime(1970, 1, 1) + datetime.timedelta(milliseconds=ms)).strftime("%Y%m%dT%H%M%SZ")


def test_sweep_takes_only_old_prefixed_clusters(emulator, figures, point_in_time, tmp_path):
    need_role()
    now = emulator.now_ms()
    old, recent = stamp(now - 3 * DAY_MS), stamp(now - 3600000)
    named = {
        "old drill cluster": ("drill-inventory-dev-%s-old1" % old, True),
        "recent drill cluster": ("drill-inventory-dev-%s-new1" % recent, False),
        "old, other prefix": ("prod-inventory-dev-%s-old2" % old, False),
        "old, prefix as a substring": ("drillx-inventory-dev-%s-old3" % old, False),
        "prefix without a timestamp": ("drill-keep-this-one", False),
        "production cluster renamed like a drill's, no record": ("drill-orders-prod-%s-prod1" % old, False),
    }
    # Every one but the renamed production cluster made as a drill makes it: cluster_restore with a run id,
    # so that a drill's intent record proves it. The name is then the only difference.
    ids = {}
    for label, (name, _age) in named.items():
        if "no record" in label:
            ids[label] = make_restored(emulator, name, point_in_time)
            continue
        failed, result = run_module("cluster_restore", common_args(emulator, cluster_id=INVENTORY, name=name, wait=False,
                                                                   point_in_time=point_in_time, run_id=name[-4:]))
        assert not failed, result
        ids[label] = result["restored_cluster_id"]
    playbook = tmp_path / "sweep.yml"
    playbook.write_text(SWEEP_PLAYBOOK)
    extravars = {"backup_restore_drill_sweep_older_than": "1d", "backup_restore_drill_wait_sleep": 0.2,
                 "backup_restore_drill_delete_wait_timeout": 60}
    problems = []

    log_start = len(api_requests(emulator))
    checked = run_playbook(tmp_path / "check", playbook, "localhost ansible_connection=local", ansible_env(emulator),
                           extravars=extravars, cmdline="--check")
    if deletes(api_requests(emulator)[log_start:]):
        problems.append("--check sent DELETEs: %s" % deletes(api_requests(emulator)[log_start:]))
    if checked.rc != 0:
        problems.append("the sweep under --check failed: %s" % playbook_failures(checked)[:3])

    log_start = len(api_requests(emulator))
    swept = run_playbook(tmp_path / "sweep", playbook, "localhost ansible_connection=local", ansible_env(emulator),
                         extravars=extravars)
    targeted = set(deletes(api_requests(emulator)[log_start:]))
    if swept.rc != 0:
        problems.append("the sweep failed: %s" % playbook_failures(swept)[:3])
    for label, (name, should_go) in named.items():
        went = ids[label] in targeted
        if went != should_go:
            problems.append("%s (%s) %s" % (label, name, "was deleted" if went else "was not deleted"))
    others = targeted - set(ids.values())
    if others:
        problems.append("the sweep deleted clusters it was not shown: %s" % sorted(others))
    renamed = named["production cluster renamed like a drill's, no record"][0]
    listed = [result.get("msg") for _host, task, result in task_results(swept, "runner_on_ok")
              if task.startswith("List the clusters with a drill's name")]
    if not listed or renamed not in str(listed[0]):
        problems.append("the renamed production cluster is not listed for a person to decide: %s" % listed)
    figures.case("sweep", "older_than 1d over %s" % ", ".join(n for n, _age in named.values()), held=not problems,
                 outcome="deleted %d" % len(targeted), problems=problems)
    assert not problems, "\n".join(problems)
