"""Issue 5 §1: every request the modules make, under every fault the emulator can inject.

Each case runs the module that makes the request in-process against a live emulator (2 s per
request, 2 retries, 0.2 s backoff cap), with one fault armed on that request. It holds when:

* the module succeeds, or fails with a message naming the operation and the cause (no traceback);
  reads (GET, DELETE) must succeed, since a burst of 2 fits in the retry budget;
* the emulator holds at most one cluster per requested name (admin ``clusters()``, deleted ones
  counted), acted on at most one restore POST and at most one backup POST, and started at most
  one ``snapshot-upload`` per node for the task's one trigger.

The two mutating requests, trigger backup and restore, also run under every fault on the Cluster
Management API v2 (``V2`` targets, ``api_version: v2``): the same promises on v2's paths and statuses.

A few drills under faults run as real playbooks at the end of the file (the role's cleanup must
leave no restored cluster behind).
"""

import itertools
import re
import time

import pytest

from tests.reliability.conftest import (
    REPO_ROOT,
    ansible_env,
    api_requests,
    clusters_named,
    common_args,
    playbook_failures,
    restored_clusters_alive,
    run_module,
    run_playbook,
    scenario_ids,
    traceback_problems,
)
from tests.support.emulator import v2_path

SUITE = ("fault_matrix", "Fault matrix (§1)",
         "Each request under each fault: success or a clear failure naming the operation and the cause; "
         "at most one restored cluster per name, at most one backup per trigger")
EMULATOR = {"scenario": "default"}

API_TIMEOUT = 2
SLOW_SECONDS = API_TIMEOUT + 1.5  # answered after the client has given up
WAIT_TIMEOUT = 4  # seconds; the emulator finishes a backup in 1, a restore in 1.5

# (label, fault kind, status, count, regex the failure message must carry as the cause)
FAULTS = [
    ("429 x2", "status", 429, 2, r"\b429\b"),
    ("500 x2", "status", 500, 2, r"\b500\b"),
    ("502 x2", "status", 502, 2, r"\b502\b"),
    ("503 x2", "status", 503, 2, r"\b503\b"),
    ("504 x2", "status", 504, 2, r"\b504\b"),
    ("slower than api_timeout", "delay", None, 1, r"tim(e|ed) ?out"),
    ("dropped before acting", "drop_before", None, 1, r"connection|reset|closed|lost|abort"),
    ("dropped after acting", "drop_after", None, 1, r"connection|reset|closed|lost|abort"),
]
SECONDARY_FAULTS = [f for f in FAULTS if f[0] in ("503 x2", "slower than api_timeout", "dropped after acting")]

ORDERS, INVENTORY, LEGACY = scenario_ids()
_names = itertools.count(1)


def unique_name(prefix):
    return "%s-%03d" % (prefix, next(_names))


class Target:
    """One request made by one module: where to arm the fault, and the module's arguments.

    ``path(context)`` and ``args(context)`` take the case's context (its restore name, the point in
    time, the cluster to delete). ``reads_only``: every request this case faults is retried by the
    client, so a fault within the retry budget must not fail the task.
    """

    def __init__(self, operation, method, module, reads_only, path, args, api_version="v1"):
        self.operation = operation
        self.method = method
        self.module = module
        self.reads_only = reads_only
        self.path = path
        self.args = args
        self.api_version = api_version


def _build_targets():
    # wait_timeout also caps the time the module looks for new snapshots after an ambiguous trigger.
    def backup_args(_context):
        return dict(cluster_id=INVENTORY, force=True, wait=True, wait_timeout=WAIT_TIMEOUT, wait_sleep=0.2)

    # wait_timeout also caps the grace period of the name lookup after an ambiguous POST (WAIT_TIMEOUT).
    def restore_args(context):
        return dict(cluster_id=INVENTORY, name=context["name"], point_in_time=context["point_in_time"],
                    wait=True, wait_timeout=WAIT_TIMEOUT, wait_sleep=0.2)

    def absent_args(context):
        return dict(cluster_id=INVENTORY, restored_cluster_id=context["victim_id"], state="absent",
                    wait=True, wait_timeout=WAIT_TIMEOUT, wait_sleep=0.2)

    primary = {
        "list backups / cluster_backup_info": Target(
            "list backups", "GET", "cluster_backup_info", True,
            lambda c: "/provisioning/v1/%s/backups" % INVENTORY, lambda c: dict(cluster_id=INVENTORY)),
        "trigger backup / cluster_backup": Target(
            "trigger backup", "POST", "cluster_backup", False,
            lambda c: "/provisioning/v1/%s/backups" % INVENTORY, backup_args),
        "restore / cluster_restore present": Target(
            "restore", "POST", "cluster_restore", False,
            lambda c: "/provisioning/v1/%s/backups/restore" % INVENTORY, restore_args),
        "get cluster / cluster_info": Target(
            "get cluster", "GET", "cluster_info", True,
            lambda c: "/provisioning/v1/%s" % INVENTORY, lambda c: dict(cluster_id=INVENTORY)),
        "list clusters / cluster_info by name": Target(
            "list clusters", "GET", "cluster_info", True,
            lambda c: "/provisioning/v1", lambda c: dict(name="inventory-dev")),
        "delete cluster / cluster_restore absent": Target(
            "delete cluster", "DELETE", "cluster_restore", True,
            lambda c: "/provisioning/v1/%s" % c["victim_id"], absent_args),
    }
    secondary = {
        # The reads inside the mutating modules' flows: tolerated, never turned into a second POST.
        "list backups / cluster_backup (follow)": Target(
            "list backups", "GET", "cluster_backup", True,
            lambda c: "/provisioning/v1/%s/backups" % INVENTORY, backup_args),
        "list clusters / cluster_restore present (name lookup)": Target(
            "list clusters", "GET", "cluster_restore", True, lambda c: "/provisioning/v1", restore_args),
        "get cluster / cluster_restore present (wait)": Target(
            "get cluster", "GET", "cluster_restore", True,
            lambda c: "/provisioning/v1/{clusterId}", restore_args),
        "get cluster / cluster_restore absent (wait)": Target(
            "get cluster", "GET", "cluster_restore", True,
            lambda c: "/provisioning/v1/%s" % c["victim_id"], absent_args),
    }
    v2 = {
        "trigger backup / cluster_backup (v2)": Target(
            "trigger backup", "POST", "cluster_backup", False,
            lambda c: v2_path("cassandra", "trigger_backup", INVENTORY), backup_args, api_version="v2"),
        "restore / cluster_restore present (v2)": Target(
            "restore", "POST", "cluster_restore", False,
            lambda c: v2_path("cassandra", "restore"), restore_args, api_version="v2"),
    }
    return primary, secondary, v2


PRIMARY, SECONDARY, V2 = _build_targets()
# On v2 every fault kind once: 502 and 504 are left out, as the client classifies every 5xx but 503
# alike whatever the version (a POST answered 500, 502 or 504 is ambiguous), and 500 stands for them.
V2_FAULTS = [f for f in FAULTS if f[0] not in ("502 x2", "504 x2")]
CASES = ([(t, f) for t in PRIMARY for f in FAULTS] + [(t, f) for t in SECONDARY for f in SECONDARY_FAULTS]
         + [(t, f) for t in V2 for f in V2_FAULTS])
ALL_TARGETS = dict(PRIMARY, **SECONDARY, **V2)
# The mutating requests as the emulator logs them, on either version.
RESTORE_PATHS = r"/provisioning/v1/[^/]+/backups/restore|" + re.escape(v2_path("cassandra", "restore"))
TRIGGER_PATHS = r"/provisioning/v1/[^/]+/backups|" + re.escape(v2_path("cassandra", "trigger_backup", "@")).replace("@", "[^/]+")


@pytest.fixture(scope="module")
def point_in_time(emulator):
    """A point in time inventory-dev's backups cover (its summary's ``restorable_until``)."""
    failed, result = run_module("cluster_backup_info", common_args(emulator, cluster_id=INVENTORY))
    assert not failed, result
    return result["summary"]["restorable_until_ms"]


def snapshot_starts(emulator, cluster_id):
    """``{node id: {start ms of each snapshot-upload}}`` as the API shows them."""
    response = emulator.api("GET", "/provisioning/v1/%s/backups" % cluster_id)
    assert response.status_code == 200, response.text
    starts = {}
    for dc in response.json()["clusterDataCentres"]:
        for node in dc["nodes"]:
            starts[node["id"]] = {e["start"] for e in node["events"] if e["type"] == "snapshot-upload"}
    return starts


def make_victim(emulator, point_in_time):
    """A restored cluster (made without faults) for the delete cases."""
    name = unique_name("fm-victim")
    failed, result = run_module("cluster_restore", common_args(
        emulator, cluster_id=INVENTORY, name=name, point_in_time=point_in_time, wait=False))
    assert not failed, result
    return result["restored_cluster_id"]


def acted(entries, method, path_regex):
    """Requests the emulator acted on: it answered 2xx (a drop after acting still logs its 2xx)."""
    return [e for e in entries if e["method"] == method and re.fullmatch(path_regex, e["path"])
            and e.get("status") is not None and 200 <= e["status"] < 300]


@pytest.mark.parametrize("target_label,fault", CASES, ids=["%s | %s" % (t, f[0]) for t, f in CASES])
def test_request_under_fault(emulator, figures, point_in_time, target_label, fault):
    label, kind, status, count, cause_regex = fault
    target = ALL_TARGETS[target_label]
    context = {"name": unique_name("fm"), "point_in_time": point_in_time}
    if "absent" in target_label:
        context["victim_id"] = make_victim(emulator, point_in_time)
    emulator.clear_faults()
    if target.api_version == "v2":
        # A v2 name lookup reads every cluster of the account, which by now holds the clusters the
        # earlier cases restored (about 20): start each case with an empty rate window (1 real
        # second), so the case's own burst is not counted with the last one's against the 35/s limit.
        time.sleep(1.0)
    snapshots_before = snapshot_starts(emulator, INVENTORY)
    log_start = len(api_requests(emulator))
    emulator.add_fault(target.method, target.path(context), kind, status=status,
                       delay_seconds=SLOW_SECONDS if kind == "delay" else None, count=count)

    failed, result = run_module(target.module, common_args(emulator, api_timeout=API_TIMEOUT, api_version=target.api_version,
                                                           **target.args(context)))
    emulator.clear_faults()  # a POST is not retried, so part of a burst may still be armed

    entries = api_requests(emulator)[log_start:]
    problems = traceback_problems(result)
    msg = str(result.get("msg", ""))
    if failed:
        if target.reads_only:  # every read fault here fits in the retry budget (2 retries)
            problems.append("a read under a fault within the retry budget failed: %s" % msg)
        if target.operation not in msg:
            problems.append("failure does not name the operation %r: %s" % (target.operation, msg))
        if not re.search(cause_regex, msg, re.IGNORECASE):
            problems.append("failure does not name the cause (%s): %s" % (label, msg))
    elif target.method == "POST" and kind == "status" and status != 429 and target.operation == "restore":
        # The emulator answered the status without acting: nothing was made, so nothing may be claimed.
        problems.append("restore succeeded although the server refused it (%s): %s" % (label, result))

    # Exactly once: one name, one restore POST acted on, one backup POST acted on, one snapshot per node.
    same_name = clusters_named(emulator, context["name"])
    if len(same_name) > 1:
        problems.append("%d clusters named %s" % (len(same_name), context["name"]))
    restores = acted(entries, "POST", RESTORE_PATHS)
    allowed_restores = 0 if "absent" in target_label or target.module != "cluster_restore" else 1
    if len(restores) > allowed_restores:
        problems.append("%d restore POSTs acted on" % len(restores))
    triggers = acted(entries, "POST", TRIGGER_PATHS)
    if len(triggers) > (1 if target.module == "cluster_backup" else 0):
        problems.append("%d backup POSTs acted on" % len(triggers))
    snapshots_after = snapshot_starts(emulator, INVENTORY)
    for node_id, starts in snapshots_after.items():
        new = starts - snapshots_before.get(node_id, set())
        if len(new) > 1:
            problems.append("node %s got %d new snapshot-upload events" % (node_id, len(new)))

    if not failed and target.module == "cluster_restore" and "absent" not in target_label:
        named = clusters_named(emulator, context["name"])
        if [c["id"] for c in named] != [result.get("restored_cluster_id")]:
            problems.append("success names %r but the emulator holds %r" % (result.get("restored_cluster_id"), named))
    if not failed and target.module == "cluster_backup" and result.get("triggered") and not triggers:
        problems.append("reports triggered=true although no trigger was acted on")

    outcome = "failed: %s" % msg[:160] if failed else "succeeded (changed=%s)" % result.get("changed")
    figures.case("%s | %s" % (target_label, label), "%s %s: %s" % (target.method, target.operation, label),
                 held=not problems, outcome=outcome, problems=problems)
    figures.add("cases")
    figures.add("succeeded" if not failed else "failed clearly" if not problems else "failed badly")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("fault", SECONDARY_FAULTS, ids=[f[0] for f in SECONDARY_FAULTS])
def test_waiting_together_under_fault(emulator, figures, point_in_time, fault):
    """cluster_wait's reads (GET cluster of two restored clusters, waited for together) under each fault: both items end
    RUNNING (the client retries the reads), nothing is sent but reads, no traceback."""
    label, kind, status, count, _cause_regex = fault
    started = {}
    for key in ("first", "second"):
        failed, started[key] = run_module("cluster_restore", common_args(
            emulator, cluster_id=INVENTORY, name=unique_name("fm-together"), point_in_time=point_in_time, wait=False))
        assert not failed, started[key]
        # As the controller registers it: warnings and deprecations go to the display, not into the registered result
        # (run in this process, a module's result also carries the warnings earlier in-process runs left behind).
        started[key] = {name: value for name, value in started[key].items() if name not in ("warnings", "deprecations")}
    emulator.clear_faults()
    log_start = len(api_requests(emulator))
    emulator.add_fault("GET", "/provisioning/v1/{clusterId}", kind, status=status,
                       delay_seconds=SLOW_SECONDS if kind == "delay" else None, count=count)
    waits = [{"key": key, "operation": "restore", "cluster_id": result["restored_cluster_id"], "started": result}
             for key, result in started.items()]
    failed, result = run_module("cluster_wait", common_args(emulator, api_timeout=API_TIMEOUT, waits=waits,
                                                            wait_timeout=WAIT_TIMEOUT * 3, wait_sleep=0.2))
    emulator.clear_faults()
    problems = traceback_problems(result)
    if failed:
        problems.append("cluster_wait failed as a whole: %s" % result.get("msg"))
    for key, item in (result.get("outcomes") or {}).items():
        if item.get("failed") or (item.get("cluster") or {}).get("status") != "RUNNING":
            problems.append("item %s did not end RUNNING under %s: %s" % (key, label, item.get("msg")))
    sent = [e for e in api_requests(emulator)[log_start:] if e["method"] != "GET"]
    if sent:
        problems.append("waiting sent %s" % ["%s %s" % (e["method"], e["path"]) for e in sent])
    figures.case("get cluster / cluster_wait (two restores) | %s" % label, "GET get cluster: %s" % label,
                 held=not problems, outcome="failed" if failed else "succeeded", problems=problems)
    figures.add("cases")
    figures.add("succeeded" if not failed else "failed badly")
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------- drills under faults (playbooks)

DRILL_PLAYBOOK = """
- name: Drill under faults
  hosts: all
  gather_facts: false
  connection: local
  roles:
    - role: backup_restore_drill
"""

# (case, faults armed before the run, whether the drill must still pass)
DRILL_CASES = [
    ("acted-on drops and bursts on every request",
     [("POST", "/provisioning/v1/%s/backups" % INVENTORY, "drop_after", None, 1),
      ("POST", "/provisioning/v1/%s/backups/restore" % INVENTORY, "drop_after", None, 1),
      ("GET", "/provisioning/v1/{clusterId}", "status", 503, 2),
      ("GET", "/provisioning/v1/{clusterId}/backups", "status", 429, 2),
      ("GET", "/provisioning/v1", "status", 502, 2),
      ("DELETE", "/provisioning/v1/{clusterId}", "status", 500, 2)],
     True),
    ("restore refused with 500 (not acted on)",
     [("POST", "/provisioning/v1/%s/backups/restore" % INVENTORY, "status", 500, 1)],
     False),
]


@pytest.mark.parametrize("case,faults,must_pass", DRILL_CASES, ids=[c[0] for c in DRILL_CASES])
def test_drill_under_faults_leaves_nothing_behind(emulator, figures, tmp_path, case, faults, must_pass):
    if not (REPO_ROOT / "roles" / "backup_restore_drill" / "tasks").is_dir():
        pytest.skip("the drill role has not landed")
    emulator.clear_faults()
    before = {c["id"] for c in emulator.clusters()}
    alive_before = {c["id"] for c in restored_clusters_alive(emulator)}
    log_start = len(api_requests(emulator))
    for method, path, kind, status, count in faults:
        emulator.add_fault(method, path, kind, status=status, count=count)
    playbook = tmp_path / "drill.yml"
    playbook.write_text(DRILL_PLAYBOOK)
    # Short wait timeouts: they also cap the modules' grace periods after an ambiguous POST.
    inventory = {"all": {"hosts": {"inventory-dev": {
        "ansible_connection": "local", "backup_restore_drill_cluster_id": INVENTORY,
        "backup_restore_drill_report_dir": str(tmp_path / "reports"), "backup_restore_drill_wait_sleep": 0.2,
        "backup_restore_drill_backup_wait_timeout": 15, "backup_restore_drill_restore_wait_timeout": 15,
        "backup_restore_drill_delete_wait_timeout": 15}}}}

    runner = run_playbook(tmp_path / "runner", playbook, inventory, ansible_env(emulator))
    emulator.clear_faults()

    entries = api_requests(emulator)[log_start:]
    made = [c for c in emulator.clusters() if c["id"] not in before]
    problems = []
    failures = playbook_failures(runner)
    if must_pass and runner.rc != 0:
        problems.append("the drill failed under faults it should absorb: %s" % failures[:3])
    for host, task, msg in failures:
        if "Traceback (most recent call last)" in msg or not msg.strip():
            problems.append("unclear failure in %r: %s" % (task, msg[:300]))
    if not must_pass and runner.rc == 0:
        problems.append("the drill passed although its restore was refused")
    names = [c["name"] for c in made]
    if len(names) != len(set(names)) or len(made) > 1:
        problems.append("the drill made %d clusters: %s" % (len(made), names))
    left = [c for c in restored_clusters_alive(emulator) if c["id"] not in alive_before]
    if left:
        problems.append("restored clusters left behind: %s" % [c["name"] for c in left])
    if len(acted(entries, "POST", r"/provisioning/v1/[^/]+/backups/restore")) > 1:
        problems.append("more than one restore acted on")
    if len(acted(entries, "POST", r"/provisioning/v1/[^/]+/backups")) > 1:
        problems.append("more than one backup trigger acted on")
    stray = {m.group(1) for e in entries if e["method"] == "DELETE"
             for m in [re.fullmatch(r"/provisioning/v1/([^/]+)", e["path"])] if m} - {c["id"] for c in made}
    if stray:
        problems.append("DELETE sent to clusters the drill did not create: %s" % sorted(stray))
    tried = "; ".join("%s %s %s%s x%d" % (m, p, k, "" if s is None else " %d" % s, n) for m, p, k, s, n in faults)
    figures.case("drill playbook | %s" % case, tried,
                 held=not problems,
                 outcome="rc=%s%s" % (runner.rc, "; " + failures[0][2][:150] if failures else ""),
                 problems=problems)
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------- firewall rules

# cluster_firewall_rule's add (POST) and remove (DELETE) on both versions under every fault. Each case
# uses a network of its own on orders-prod; the remove cases start from a RUNNING rule made through the
# admin API. It holds when: no traceback; a failure names the operation and the cause; a remove under
# a fault within the retry budget succeeds; an add is sent once (the client repeats only a 429); success means the rule is
# there (present) or gone (absent); a failure that calls a rerun safe is followed by a rerun without
# faults that succeeds and leaves exactly one rule.
FIREWALL_V2_PATH = "/cluster-management/v2/resources/network-firewall-rules/v2"
FIREWALL_WAIT_TIMEOUT = 1  # also the grace period after an ambiguous add
FIREWALL_RULE_SECONDS = 6  # simulated: a new rule is RUNNING after 0.1 real second
FIREWALL_TARGETS = {  # label: (operation, method, api_version, state)
    "add firewall rule / cluster_firewall_rule present": ("add firewall rule", "POST", "v1", "present"),
    "delete firewall rule / cluster_firewall_rule absent": ("delete firewall rule", "DELETE", "v1", "absent"),
    "add firewall rule / cluster_firewall_rule present (v2)": ("add firewall rule", "POST", "v2", "present"),
    "delete firewall rule / cluster_firewall_rule absent (v2)": ("delete firewall rule", "DELETE", "v2", "absent"),
}
FIREWALL_CASES = [(t, f) for t in FIREWALL_TARGETS for f in (V2_FAULTS if t.endswith("(v2)") else FAULTS)]
_firewall_networks = itertools.count(1)


def firewall_rules_for(emulator, network):
    return [rule for rule in emulator.firewall_rules(ORDERS) if rule["network"] == network]


@pytest.mark.parametrize("target_label,fault", FIREWALL_CASES, ids=["%s | %s" % (t, f[0]) for t, f in FIREWALL_CASES])
def test_firewall_rule_request_under_fault(emulator, figures, target_label, fault):
    label, kind, status, count, cause_regex = fault
    operation, method, api_version, state = FIREWALL_TARGETS[target_label]
    network = "10.200.%d.0/24" % next(_firewall_networks)
    rule_type = "CASSANDRA_CQL" if api_version == "v2" else "CASSANDRA"
    emulator.clear_faults()
    emulator.settings(firewall_rule_duration=FIREWALL_RULE_SECONDS)
    if api_version == "v2":
        path = FIREWALL_V2_PATH
    else:
        path = "/provisioning/v1/%s/firewallRules/" % ORDERS
    if state == "absent":
        (made,) = emulator.add_firewall_rules(ORDERS, network, [rule_type], duration_seconds=0)
        if api_version == "v2":
            path = "%s/%s" % (FIREWALL_V2_PATH, made["id"])
    log_start = len(api_requests(emulator))
    emulator.add_fault(method, path, kind, status=status, delay_seconds=SLOW_SECONDS if kind == "delay" else None,
                       count=count)
    args = dict(cluster_id=ORDERS, network=network, state=state, wait=True, wait_timeout=FIREWALL_WAIT_TIMEOUT,
                wait_sleep=0.2)
    failed, result = run_module("cluster_firewall_rule", common_args(emulator, api_timeout=API_TIMEOUT,
                                                                     api_version=api_version, **args))
    emulator.clear_faults()

    entries = api_requests(emulator)[log_start:]
    problems = traceback_problems(result)
    msg = str(result.get("msg", ""))
    if failed:
        if method == "DELETE":  # a DELETE is retried: a fault within the retry budget must not fail the task
            problems.append("a remove under a fault within the retry budget failed: %s" % msg)
        if operation not in msg:
            problems.append("failure does not name the operation %r: %s" % (operation, msg))
        if not re.search(cause_regex, msg, re.IGNORECASE):
            problems.append("failure does not name the cause (%s): %s" % (label, msg))
    # The client repeats a POST only after a 429: any other second add would be the module sending it again.
    # (Counted by the case's network: a delayed add of the case before is logged when it ends.)
    adds = [e for e in entries if e["method"] == "POST" and (e.get("body") or {}).get("network") == network
            and e.get("status") != 429]
    if len(adds) > 1:
        problems.append("%d adds sent (not counting 429s)" % len(adds))
    rules = firewall_rules_for(emulator, network)
    if len(rules) > 1:
        problems.append("%d rules for %s" % (len(rules), network))
    if not failed and (len(rules) == 1) != (state == "present"):
        problems.append("succeeded (state %s) but the emulator holds %r" % (state, rules))
    if failed and result.get("rerun_safe") is True:
        rerun_failed, rerun = run_module("cluster_firewall_rule", common_args(emulator, api_version=api_version, **args))
        if rerun_failed or len(firewall_rules_for(emulator, network)) != (1 if state == "present" else 0):
            problems.append("a rerun called safe did not end in the state asked: %s" % rerun.get("msg"))

    outcome = "failed: %s" % msg[:160] if failed else "succeeded (changed=%s)" % result.get("changed")
    figures.case("%s | %s" % (target_label, label), "%s %s: %s" % (method, operation, label),
                 held=not problems, outcome=outcome, problems=problems)
    figures.add("cases")
    figures.add("succeeded" if not failed else "failed clearly" if not problems else "failed badly")
    assert not problems, "\n".join(problems)
