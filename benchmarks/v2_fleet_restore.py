"""A restore over the Cluster Management API v2 in an account of 50 clusters
(emulator scenario ``fleet:50``), the name lookup included, then its deletion.

v2's account list carries ids only, so ``cluster_restore`` reads each Cassandra cluster of the
account once to find whether the name is taken (docs/api-client.md, "Request cost per module and
version"). Reported: whether every task passed, the restore task's requests by kind (from the
emulator's log, up to the restore's answer), the polls while waiting, the 429s, and the time.
"""

import re

from benchmarks import harness
from benchmarks.report import row

PLAYBOOK = harness.PLAYBOOK_DIR / "v2_fleet_restore.yml"
FULL = {"clusters": 50}
SMOKE = {"clusters": 10}
V2 = "/cluster-management/v2"
KINDS = (
    ("account list", "GET", re.compile(re.escape(V2 + "/data-sources/clusters/v2") + "$")),
    ("get cluster", "GET", re.compile(re.escape(V2 + "/resources/applications/cassandra/clusters/v2/") + "[^/]+$")),
    ("list backups", "GET", re.compile(".*/list-backups/v2/?$")),
    ("restore", "POST", re.compile(".*/restore/v2$")),
    ("delete cluster", "DELETE", re.compile(".*/clusters/v2/[^/]+$")),
)


def kind_of(entry):
    for name, method, pattern in KINDS:
        if entry["method"] == method and pattern.match(entry["path"]):
            return name
    return "other"


def run(context):
    settings = SMOKE if context.smoke else FULL
    clusters = settings["clusters"]
    # Restores take 120 simulated seconds, 2 real ones at this scale.
    with harness.start_emulator(scenario="fleet:%d" % clusters, time_scale=60, restore=120, delete=60) as emulator:
        source = harness.cluster_id_by_name(emulator, "fleet-01")
        result = harness.run_playbook(PLAYBOOK, emulator, extra_vars={"bench_cluster_id": source})
        entries = harness.api_requests(emulator)
    counters = harness.recap(result.stdout).get("localhost", {})
    failed = result.returncode != 0 or counters.get("failed", 1) != 0
    if failed:
        raise RuntimeError("the v2 restore in fleet:%d failed:\n%s" % (clusters, harness.tail(result.stdout + result.stderr)))
    if any(not entry["path"].startswith(V2) for entry in entries):
        raise RuntimeError("a v1 request was made: %s" % [e["path"] for e in entries if not e["path"].startswith(V2)])
    posted = next(index for index, entry in enumerate(entries) if entry["method"] == "POST")
    # Requests answered 429 are the rate limit's, retried by the client: counted apart.
    before_post = [entry for entry in entries[:posted + 1] if entry.get("status") != 429]
    by_kind = {}
    for entry in before_post:
        by_kind[kind_of(entry)] = by_kind.get(kind_of(entry), 0) + 1
    polls = harness.wait_polls(entries[posted + 1:], 0.5)
    total = len(entries)
    context.log("v2 restore in fleet:%d: %d requests up to the POST (%s), %d in all, %d polls, %.1f s, failed tasks %d"
                % (clusters, len(before_post), by_kind, total, polls, result.wall_seconds, counters.get("failed", 0)))
    rows = [
        row("v2_fleet_restore", "v2 restore by name in fleet:%d: requests up to the restore POST (1 account list + 1 GET per cluster + "
            "listing + POST; 429s apart)" % clusters, len(before_post), clusters + 3,
            target="= clusters + 3", met=len(before_post) == clusters + 3),
        row("v2_fleet_restore", "v2 restore in fleet:%d: failed tasks" % clusters, counters.get("failed", 0), 0, target="0",
            met=counters.get("failed", 0) == 0),
        row("v2_fleet_restore", "v2 restore in fleet:%d: playbook wall time (s), restore and delete" % clusters, result.wall_seconds, None),
    ]
    notes = ["v2 restore in fleet:%d: requests by kind up to the POST %s; %d requests in all (%d wait polls, "
             "%d answered 429)" % (clusters, by_kind, total, polls, harness.status_count(entries, 429))]
    return {"rows": rows, "notes": notes,
            "details": {"settings": settings, "requests_before_post": by_kind, "requests_total": total, "polls": polls,
                        "status_429": harness.status_count(entries, 429), "recap": counters,
                        "wall_seconds": result.wall_seconds}}
