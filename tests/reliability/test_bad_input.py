"""Issue 5 §3: bad input is refused with a message naming the option and the rule, and nothing changes.

Every case runs a module's ``main()`` in-process against a live emulator (so the reads a rule
needs, such as the source's data centres, really happen). It holds when the module fails, its
message names the option and states the rule broken, no traceback shows, the emulator's request
log gained no POST or DELETE, and no connection left the machine. The role's own inputs are
checked through one real playbook run with one host per bad value.

Every case runs again with ``api_version: v2`` (the Cluster Management API v2), except the two
``cdc_infos`` rules that are v1's own (v2 takes a partial list and an entry naming no VPC), plus
v2's own rules and an unknown ``api_version``: on v2 too, no POST or DELETE may be sent.
"""

import json
import re

import pytest

from tests.reliability.conftest import (
    REPO_ROOT,
    ansible_env,
    common_args,
    mutating_api_requests,
    playbook_failures,
    run_module,
    run_playbook,
    scenario_ids,
    task_results,
    traceback_problems,
)

SUITE = ("bad_input", "Bad input (§3)",
         "Each invalid input fails naming the option and the rule; no POST or DELETE is sent")
EMULATOR = {"scenario": "default"}

ORDERS, INVENTORY, LEGACY = scenario_ids()
OTHER_UUID = "0b1e8c55-7d0a-4c47-9a9e-3f2d5b6c7e81"

# Words that state each rule (any one of them must appear in the message).
UUID_RULE = r"uuid"
NAME_LENGTH = r"\b3\b.*\b48\b|\b48\b.*\b3\b|characters|length"
NAME_PATTERN = r"a-zA-Z0-9|letter|character|pattern"
BEFORE_2015 = r"2015"
FUTURE = r"future|after .*now|later than"
NO_ZONE = r"no time zone.*Z for UTC.*offset"
UNPARSEABLE = r"ISO ?8601|epoch|millisecond|pars|format|not a valid (date|time|point)|understand"
TABLE_RULE = r"keyspace\.table"
CIDR_RULE = r"CIDR|IPv4"
ALL_OR_NONE = r"all .*data cent|every data cent|none"
VPC_CHOICE = r"restore_to_same_vpc|custom_vpc_id"
DUPLICATE = r"duplicat|more than once|twice"
NOT_OF_SOURCE = r"not .*(of|in) the source|unknown|does not belong|not one of"
POSITIVE = r"positive|greater than (0|zero)|> ?0|at least|more than (0|zero)"
DURATION = r"duration|seconds|\b[smhd]\b|unit|pars|format"
UNKNOWN_OPTION = r"unsupported|unknown|not (a )?valid|unexpected"
PLAIN_HTTP = r"https|loopback|plain"
SCHEME = r"http|scheme"
REQUIRED = r"required|missing|must be (set|given)|no .*(key|user)"
CHOICES = r"one (or more )?of|choices|must be one|valid values|not a valid"


def dc_ids(emulator, cluster_id):
    return [dc["id"] for dc in emulator.cluster_state(cluster_id)["data_centres"]]


def restore(**extra):
    args = dict(cluster_id=INVENTORY, name="bad-input-restore", wait=False)
    args.update(extra)
    return ("cluster_restore", args)


def same_vpc(cdc_id):
    return {"cdc_id": cdc_id, "restore_to_same_vpc": True}


# (case id, builder(ctx) -> (module, args), options any of which the message must name, rule regex)
CASES = [
    # malformed UUIDs
    ("restore cluster_id not a uuid", lambda c: restore(cluster_id="not-a-uuid"), ["cluster_id"], UUID_RULE),
    ("restore cluster_id uuid plus a character", lambda c: restore(cluster_id=INVENTORY + "0"), ["cluster_id"], UUID_RULE),
    ("restore cluster_id with braces", lambda c: restore(cluster_id="{%s}" % INVENTORY), ["cluster_id"], UUID_RULE),
    ("backup_info cluster_id not a uuid", lambda c: ("cluster_backup_info", dict(cluster_id="orders-prod")),
     ["cluster_id"], UUID_RULE),
    ("backup cluster_id not a uuid", lambda c: ("cluster_backup", dict(cluster_id="12345")), ["cluster_id"], UUID_RULE),
    ("info cluster_id not a uuid", lambda c: ("cluster_info", dict(cluster_id="zzzz-zzzz")), ["cluster_id"], UUID_RULE),
    ("absent restored_cluster_id not a uuid",
     lambda c: restore(state="absent", restored_cluster_id="gone", name=None), ["restored_cluster_id"], UUID_RULE),
    # restore names
    ("name too short", lambda c: restore(name="ab"), ["name"], NAME_LENGTH),
    ("name too long (49)", lambda c: restore(name="a" * 49), ["name"], NAME_LENGTH),
    ("name starts with a hyphen", lambda c: restore(name="-drill-1"), ["name"], NAME_PATTERN),
    ("name with a space", lambda c: restore(name="drill one"), ["name"], NAME_PATTERN),
    ("name with a dot", lambda c: restore(name="drill.one"), ["name"], NAME_PATTERN),
    ("name with a non-ASCII letter", lambda c: restore(name="drill-\u00e9t\u00e9"), ["name"], NAME_PATTERN),
    ("name with a slash", lambda c: restore(name="drill/../x"), ["name"], NAME_PATTERN),
    # points in time
    ("point_in_time before 2015 (ISO)", lambda c: restore(point_in_time="2014-12-31T23:59:59Z"),
     ["point_in_time"], BEFORE_2015),
    ("point_in_time before 2015 (epoch ms)", lambda c: restore(point_in_time=1420070399999),
     ["point_in_time"], BEFORE_2015),
    ("point_in_time in the future", lambda c: restore(point_in_time="2999-01-01T00:00:00Z"),
     ["point_in_time"], FUTURE),
    ("point_in_time unparseable", lambda c: restore(point_in_time="yesterday at noon"),
     ["point_in_time"], UNPARSEABLE),
    ("point_in_time impossible date", lambda c: restore(point_in_time="2025-02-30T10:00:00Z"),
     ["point_in_time"], UNPARSEABLE),
    ("point_in_time without a zone", lambda c: restore(point_in_time="2026-11-20T10:00:00"),
     ["point_in_time"], NO_ZONE),
    ("point_in_time unquoted YAML timestamp without a zone", lambda c: restore(point_in_time="2026-11-20 10:00:00"),
     ["point_in_time"], NO_ZONE),
    ("backup_info since without a zone", lambda c: ("cluster_backup_info", dict(cluster_id=INVENTORY, since="2026-11-20T10:00:00")),
     ["since"], NO_ZONE),
    ("backup_info since unparseable", lambda c: ("cluster_backup_info", dict(cluster_id=INVENTORY, since="last week")),
     ["since"], UNPARSEABLE),
    # keyspace.table entries
    ("table without a keyspace", lambda c: restore(keyspace_tables=["orders"]), ["keyspace_tables"], TABLE_RULE),
    ("table with an empty table part", lambda c: restore(keyspace_tables=["orders."]), ["keyspace_tables"], TABLE_RULE),
    ("table with an empty keyspace part", lambda c: restore(keyspace_tables=[".by_id"]), ["keyspace_tables"], TABLE_RULE),
    ("table with three parts", lambda c: restore(keyspace_tables=["orders.by_id.x"]), ["keyspace_tables"], TABLE_RULE),
    ("two tables in one entry", lambda c: restore(keyspace_tables=["orders.a,orders.b"]), ["keyspace_tables"], TABLE_RULE),
    ("table with a space", lambda c: restore(keyspace_tables=["orders.by id"]), ["keyspace_tables"], TABLE_RULE),
    # CIDRs
    ("cluster_network prefix 33", lambda c: restore(cluster_network="10.0.0.0/33"), ["cluster_network"], CIDR_RULE),
    ("cluster_network octet 300", lambda c: restore(cluster_network="300.0.0.0/16"), ["cluster_network"], CIDR_RULE),
    ("cluster_network words", lambda c: restore(cluster_network="my-network"), ["cluster_network"], CIDR_RULE),
    ("cluster_network IPv6", lambda c: restore(cluster_network="fd00::/64"), ["cluster_network"], CIDR_RULE),
    # cdc_infos
    ("cdc_infos cover one of two data centres",
     lambda c: restore(cluster_id=ORDERS, cdc_infos=[same_vpc(c["orders_dcs"][0])]), ["cdc_infos"], ALL_OR_NONE),
    ("cdc_infos entry chooses no VPC",
     lambda c: restore(cdc_infos=[{"cdc_id": c["inventory_dcs"][0]}]), ["cdc_infos"], VPC_CHOICE),
    ("cdc_infos entry chooses both VPCs",
     lambda c: restore(cdc_infos=[{"cdc_id": c["inventory_dcs"][0], "restore_to_same_vpc": True,
                                   "custom_vpc_id": "vpc-0abc1234", "custom_vpc_network": "10.50.0.0/16"}]),
     ["cdc_infos"], VPC_CHOICE),
    ("cdc_infos duplicate entry",
     lambda c: restore(cdc_infos=[same_vpc(c["inventory_dcs"][0]), same_vpc(c["inventory_dcs"][0])]),
     ["cdc_infos"], DUPLICATE),
    ("cdc_infos data centre of another cluster",
     lambda c: restore(cdc_infos=[same_vpc(c["orders_dcs"][0])]), ["cdc_infos"], NOT_OF_SOURCE),
    ("cdc_infos custom_vpc_network not a CIDR",
     lambda c: restore(cdc_infos=[{"cdc_id": c["inventory_dcs"][0], "custom_vpc_id": "vpc-0abc1234",
                                   "custom_vpc_network": "10.0.0.0/99"}]),
     ["custom_vpc_network", "cdc_infos"], CIDR_RULE),
    # zero or negative timeouts and sleeps
    ("restore wait_timeout 0", lambda c: restore(wait=True, wait_timeout=0), ["wait_timeout"], POSITIVE),
    ("restore wait_sleep negative", lambda c: restore(wait=True, wait_sleep=-1), ["wait_sleep"], POSITIVE),
    ("backup wait_timeout negative", lambda c: ("cluster_backup", dict(cluster_id=INVENTORY, wait_timeout=-60)),
     ["wait_timeout"], POSITIVE),
    ("backup wait_sleep 0", lambda c: ("cluster_backup", dict(cluster_id=INVENTORY, wait_sleep=0)),
     ["wait_sleep"], POSITIVE),
    ("api_timeout 0", lambda c: ("cluster_info", dict(cluster_id=INVENTORY, api_timeout=0)), ["api_timeout"], POSITIVE),
    ("api_timeout negative", lambda c: restore(api_timeout=-2), ["api_timeout"], POSITIVE),
    ("absent wait_timeout 0", lambda c: restore(state="absent", restored_cluster_id=OTHER_UUID, name=None,
                                                wait_timeout=0), ["wait_timeout"], POSITIVE),
    # durations
    ("backup reuse_within unparseable", lambda c: ("cluster_backup", dict(cluster_id=INVENTORY, reuse_within="a while")),
     ["reuse_within"], DURATION),
    ("backup reuse_within unknown unit", lambda c: ("cluster_backup", dict(cluster_id=INVENTORY, reuse_within="3w")),
     ["reuse_within"], DURATION),
    ("backup_info max_age unparseable", lambda c: ("cluster_backup_info", dict(cluster_id=INVENTORY, max_age="fresh")),
     ["max_age"], DURATION),
    # choices and unknown options
    ("info cluster_id and name together",
     lambda c: ("cluster_info", dict(cluster_id=INVENTORY, name="inventory-dev")), ["cluster_id"], r"mutually exclusive"),
    ("backup_info fail_if_stale without max_age",
     lambda c: ("cluster_backup_info", dict(cluster_id=INVENTORY, fail_if_stale=True)), ["max_age"], REQUIRED),
    ("restore unknown option", lambda c: restore(colour="blue"), ["colour"], UNKNOWN_OPTION),
    ("backup unknown option", lambda c: ("cluster_backup", dict(cluster_id=INVENTORY, wait_for="ever")),
     ["wait_for"], UNKNOWN_OPTION),
    ("restore state not a state", lambda c: restore(state="gone"), ["state"], CHOICES),
    # transport and credentials
    ("plain http to a non-loopback host", lambda c: restore(api_url="http://192.0.2.10:8080"), ["api_url"], PLAIN_HTTP),
    ("api_url not http(s)", lambda c: ("cluster_info", dict(cluster_id=INVENTORY, api_url="ftp://127.0.0.1/")),
     ["api_url"], SCHEME),
    ("api_key missing", lambda c: restore(api_key=None), ["api_key"], REQUIRED),
    ("api_username missing", lambda c: ("cluster_backup", dict(cluster_id=INVENTORY, api_username=None)),
     ["api_username"], REQUIRED),
    ("absent without restored_cluster_id", lambda c: restore(state="absent", name=None), ["restored_cluster_id"], REQUIRED),
]

# v1's own rules, which v2 does not have (docs/api-client.md, "cdc_infos on v2").
V1_ONLY = {"cdc_infos cover one of two data centres", "cdc_infos entry chooses no VPC"}


def on_v2(build):
    def build_v2(context):
        module, args = build(context)
        return module, dict(args, api_version="v2")
    return build_v2


CASES += [("v2: " + case, on_v2(build), options, rule) for case, build, options, rule in CASES if case not in V1_ONLY]
CASES += [
    ("api_version unknown", lambda c: restore(api_version="v3"), ["api_version"], CHOICES),
    ("api_version unknown (backup)", lambda c: ("cluster_backup", dict(cluster_id=INVENTORY, api_version="V2")),
     ["api_version"], CHOICES),
    ("v2: cdc_infos custom_vpc_id without its network",
     on_v2(lambda c: restore(cdc_infos=[{"cdc_id": c["inventory_dcs"][0], "custom_vpc_id": "vpc-0abc1234"}])),
     ["custom_vpc_network", "cdc_infos"], r"required"),
]


# Hints a message must not give for these inputs: they would send the user the wrong way.
MISLEADING = {
    # 2014-12-31T23:59:59Z is an ISO time and 1420070399999 plainly milliseconds: neither is epoch seconds.
    "point_in_time before 2015 (ISO)": r"multiply by 1000|epoch seconds",
    "point_in_time before 2015 (epoch ms)": r"multiply by 1000|epoch seconds",
}


@pytest.fixture(scope="module")
def context(emulator):
    return {"orders_dcs": dc_ids(emulator, ORDERS), "inventory_dcs": dc_ids(emulator, INVENTORY)}


@pytest.fixture
def no_env_credentials(monkeypatch):
    # A missing option must stay missing: no fallback from the test runner's environment.
    for variable in ("IC_USERNAME", "IC_API_KEY", "IC_API_URL"):
        monkeypatch.delenv(variable, raising=False)


def names_option(msg, options):
    return any(re.search(r"(?<![a-z_])%s(?![a-z_])" % re.escape(option), msg) for option in options)


@pytest.mark.parametrize("case,build,options,rule", CASES, ids=[c[0] for c in CASES])
def test_invalid_input_is_refused(emulator, figures, context, no_env_credentials, loopback_only,
                                  case, build, options, rule):
    module, extra = build(context)
    args = common_args(emulator)
    args.update(extra)
    args = {key: value for key, value in args.items() if value is not None}
    mutating_before = len(mutating_api_requests(emulator))

    failed, result = run_module(module, args)

    problems = traceback_problems(result)
    msg = str(result.get("msg", ""))
    if not failed:
        problems.append("accepted: %s" % json.dumps(result, default=str)[:400])
    else:
        if not names_option(msg, options):
            problems.append("message does not name %s: %s" % (" or ".join(options), msg))
        if not re.search(rule, msg, re.IGNORECASE):
            problems.append("message does not state the rule (/%s/): %s" % (rule, msg))
        if case in MISLEADING and re.search(MISLEADING[case], msg, re.IGNORECASE):
            problems.append("message gives a wrong hint (/%s/): %s" % (MISLEADING[case], msg))
    sent = mutating_api_requests(emulator)[mutating_before:]
    if sent:
        problems.append("mutating requests sent: %s" % [(e["method"], e["path"]) for e in sent])
    if loopback_only:
        problems.append("tried to connect to %s" % loopback_only)
    figures.case(case, "%s %s" % (module, {k: v for k, v in extra.items() if k not in ("wait",)}),
                 held=not problems, outcome="refused: %s" % msg[:200] if failed else "accepted", problems=problems)
    figures.add("inputs tried")
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------- the role's inputs

ROLE_CASES = [
    # (host, bad variables, names the message may use, rule)
    ("bad_source_id", {"backup_restore_drill_cluster_id": "orders-prod"},
     ["backup_restore_drill_cluster_id", "cluster_id"], UUID_RULE),
    ("bad_prefix", {"backup_restore_drill_name_prefix": "drill prefix!"},
     ["backup_restore_drill_name_prefix", "name"], NAME_PATTERN),
    ("bad_rto", {"backup_restore_drill_rto_target": "soon"},
     ["backup_restore_drill_rto_target"], DURATION),
    ("bad_point_in_time", {"backup_restore_drill_point_in_time": "2014-06-01T00:00:00Z",
                           "backup_restore_drill_trigger_backup": False},
     ["backup_restore_drill_point_in_time", "point_in_time"], BEFORE_2015),
    ("zone_less_point_in_time", {"backup_restore_drill_point_in_time": "2026-11-20 10:00:00",
                                 "backup_restore_drill_trigger_backup": False},
     ["backup_restore_drill_point_in_time", "point_in_time"], NO_ZONE),
    ("bad_network", {"backup_restore_drill_cluster_network": "10.0.0.0/40"},
     ["backup_restore_drill_cluster_network", "cluster_network"], CIDR_RULE),
    ("bad_tables", {"backup_restore_drill_keyspace_tables": ["orders"]},
     ["backup_restore_drill_keyspace_tables", "keyspace_tables"], TABLE_RULE),
]

ROLE_PLAYBOOK = """
- name: Drill each host's source cluster (one bad input per host)
  hosts: all
  gather_facts: false
  connection: local
  roles:
    - role: backup_restore_drill
"""


def test_role_refuses_bad_variables(emulator, figures, tmp_path):
    if not (REPO_ROOT / "roles" / "backup_restore_drill").is_dir():
        pytest.skip("the drill role has not landed")
    hosts = {}
    for host, variables, _options, _rule in ROLE_CASES:
        host_vars = {"backup_restore_drill_cluster_id": INVENTORY,
                     "backup_restore_drill_report_dir": str(tmp_path / "reports" / host),
                     "ansible_connection": "local"}
        host_vars.update(variables)
        hosts[host] = host_vars
    playbook = tmp_path / "bad_role_input.yml"
    playbook.write_text(ROLE_PLAYBOOK)
    mutating_before = len(mutating_api_requests(emulator))

    runner = run_playbook(tmp_path / "runner", playbook, {"all": {"hosts": hosts}}, ansible_env(emulator), forks=6)

    failures = {host: msg for host, _task, msg in playbook_failures(runner)}
    sent = mutating_api_requests(emulator)[mutating_before:]
    all_problems = []
    for host, variables, options, rule in ROLE_CASES:
        problems = []
        msg = failures.get(host)
        if msg is None:
            problems.append("the drill did not fail on %s" % variables)
        else:
            if not names_option(msg, options):
                problems.append("message does not name %s: %s" % (" or ".join(options), msg[:300]))
            if not re.search(rule, msg, re.IGNORECASE):
                problems.append("message does not state the rule (/%s/): %s" % (rule, msg[:300]))
            if "Traceback (most recent call last)" in msg:
                problems.append("traceback in the message")
        if sent:
            problems.append("mutating requests sent during the run: %s" % [(e["method"], e["path"]) for e in sent])
        figures.case("role: %s" % host, "backup_restore_drill %s" % variables, held=not problems,
                     outcome="refused: %s" % (msg or "")[:200] if msg else "not refused", problems=problems)
        figures.add("inputs tried")
        all_problems.extend("%s: %s" % (host, p) for p in problems)
    ok_hosts = [h for h, _t, res in task_results(runner, "runner_on_ok") if h in hosts]
    assert runner.rc != 0, "the playbook passed although every host had a bad input (ok: %s)" % ok_hosts
    assert not all_problems, "\n".join(all_problems)
