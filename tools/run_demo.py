"""`make demo`: the disaster-recovery drill of five clusters of all four applications against the local API emulator.

Starts the emulator (scenario `mixed`, simulated time running 120x faster, so a 10-minute
backup and a 20-minute restore take seconds), writes an inventory with `orders-prod` (Cassandra, drilled over
the Provisioning API v1), `inventory-dev` (Cassandra, over the Cluster Management API v2: the host variable
`instaclustr_api_version`), `payments-pg` (PostgreSQL, v2), `search-os` (OpenSearch, v2) and `sessions-redis` (Redis, v2: restored to its
latest state, the checks it cannot prove reported not applicable; the host variable
`backup_restore_drill_application` names each application), runs `ansible-playbook restorekit.instaclustr.dr_drill` with this working tree on
the collections path, stops the emulator, checks in its request log that both restored clusters
were deleted (each through its own API version), and prints where the reports are (drill-reports/ at the repository root), with the
evidence index across runs (drill-reports/index.html: run the demo twice to see a trend).

Each drill's manifest is signed with a throwaway Ed25519 key the demo makes once, outside the report
folder with mode 0600 (under the cache folder, ~/.cache/restorekit.instaclustr/demo-signing-key-*/),
and the evidence index trusts its public key: the demo fails unless every cluster's evidence is
intact and signed.

With ``--data-plane`` (``make demo``) the clusters serve their data, and the demo proves it: it puts one object
into each source with the application's own client, adds ``search-os`` (OpenSearch) so that all four applications
are drilled, runs ``playbooks/canary_heartbeat.yml`` over the inventory, lets a simulated day and more pass (the
scheduled backups, Redis's included, then hold the heartbeat's canaries), and drills with
``backup_restore_drill_canary`` on and ``backup_restore_drill_data_access_cidr: 127.0.0.1/32``; ``inventory-dev``
drills its scheduled backups (``backup_restore_drill_trigger_backup: false``), so its report shows a proven RPO.
Every ``canary_restored``, ``catalogue`` and (except Redis) ``point_in_time_honoured`` must pass.

Exit status: 0 when every drill passed and nothing was left behind, 1 otherwise.

    .venv/bin/python tools/run_demo.py [--time-scale 120] [--report-dir drill-reports] [--data-plane]
                                       [--save-timeline docs/images/drill-timeline.svg]
"""

import argparse
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from tests.support import data_seed  # noqa: E402
from tests.support.collection import DEFAULT_ROOT, collections_root  # noqa: E402
from tests.support.emulator import (  # noqa: E402
    INVENTORY_DEV_ID,
    ORDERS_PROD_ID,
    PAYMENTS_PG_ID,
    SEARCH_OS_ID,
    SESSIONS_REDIS_ID,
    running_emulator,
)

CLUSTERS = {"orders-prod": ORDERS_PROD_ID, "inventory-dev": INVENTORY_DEV_ID, "payments-pg": PAYMENTS_PG_ID,
            "search-os": SEARCH_OS_ID, "sessions-redis": SESSIONS_REDIS_ID}
# One Cassandra drill per API version, so both paths are shown (set per host: IC_API_VERSION cannot change
# it); the other applications exist on v2 only.
API_VERSIONS = {"orders-prod": "v1", "inventory-dev": "v2", "payments-pg": "v2", "search-os": "v2", "sessions-redis": "v2"}
APPLICATIONS = {"orders-prod": "cassandra", "inventory-dev": "cassandra", "payments-pg": "postgresql", "search-os": "opensearch",
                "sessions-redis": "redis"}
# Each API's path prefix (v1 lists clusters at /provisioning/v1 itself, without a slash after it).
API_PATHS = {"v1": "/provisioning/v1", "v2": "/cluster-management/v2"}
# Targets a team might promise; the emulator's restore takes 20 simulated minutes.
TARGETS = {"backup_restore_drill_rto_target": "45m", "backup_restore_drill_rpo_target": "15m"}
# The RPO is what the backups before the drill protect: inventory-dev has daily snapshots, payments-pg a
# backup every 6 hours (its RPO runs to the oldest of the nodes' latest backups).
HOST_TARGETS = {"inventory-dev": {"backup_restore_drill_rpo_target": "26h"},
                "payments-pg": {"backup_restore_drill_rpo_target": "7h"},
                "search-os": {"backup_restore_drill_rpo_target": "2h"}}


# With the data plane: OpenSearch too, so that all four applications are drilled.
DATA_PLANE_CLUSTERS = {"search-os": SEARCH_OS_ID}
DATA_PLANE_APPLICATIONS = {"search-os": "opensearch"}
DATA_PLANE_API_VERSIONS = {"search-os": "v2"}
DATA_CHECKS = ("canary_restored", "point_in_time_honoured", "catalogue")
HEARTBEAT_AGE_SECONDS = 26 * 3600  # more than a day: Redis's daily scheduled backup then holds the heartbeat canary


def use_data_plane():
    CLUSTERS.update(DATA_PLANE_CLUSTERS)
    APPLICATIONS.update(DATA_PLANE_APPLICATIONS)
    API_VERSIONS.update(DATA_PLANE_API_VERSIONS)


def data_plane_vars(name, ca_file):
    """The data checks' variables of one host: canaries on, the runner allowed on the restored cluster, the CA; the
    Redis password (the API answers none) from the environment, never written into the inventory."""
    host = {"backup_restore_drill_canary": True, "backup_restore_drill_data_access_cidr": "127.0.0.1/32",
            "backup_restore_drill_data_ca_path": str(ca_file)}
    if APPLICATIONS[name] == "redis":
        host["backup_restore_drill_data_password"] = "{{ lookup('ansible.builtin.env', 'RESTOREKIT_DEMO_DATA_PASSWORD') }}"
    if name == "inventory-dev":
        host["backup_restore_drill_trigger_backup"] = False  # drills the scheduled backups: a proven RPO
    return host


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--time-scale", type=float, default=120.0, help="simulated seconds per real second (default 120)")
    parser.add_argument("--report-dir", type=Path, default=REPO_ROOT / "drill-reports", help="where the reports go")
    parser.add_argument("--save-timeline", type=Path, help="also save the orders-prod HTML report's SVG timeline here")
    parser.add_argument("--data-plane", action="store_true",
                        help="the emulated clusters serve their data (the emulator's --data-plane; make demo sets it)")
    return parser.parse_args(argv)


def write_inventory(folder, ca_file=None):
    inventory = {"all": {
        "hosts": {name: {"backup_restore_drill_cluster_id": cluster_id, "instaclustr_api_version": API_VERSIONS[name],
                         "backup_restore_drill_application": APPLICATIONS[name], **HOST_TARGETS.get(name, {}),
                         **(data_plane_vars(name, ca_file) if ca_file else {})}
                  for name, cluster_id in CLUSTERS.items()},
        "vars": dict(TARGETS, backup_restore_drill_wait_sleep=1),
    }}
    path = Path(folder) / "inventory.json"  # JSON is YAML: the inventory plugin reads it
    path.write_text(json.dumps(inventory, indent=2))
    return path


def demo_signing_key():
    """(private key path, public key path) of the demo's throwaway Ed25519 key, made once, mode 0600,
    in the cache folder (never in the report folder, which is published)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    folder = DEFAULT_ROOT.parent / ("demo-signing-key-" + DEFAULT_ROOT.name.rsplit("-", 1)[-1])
    private, public = folder / "signing.pem", folder / "signing.pub.pem"
    if not private.exists() or not public.exists():
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = ed25519.Ed25519PrivateKey.generate()
        descriptor = os.open(str(private), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
        public.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                         serialization.PublicFormat.SubjectPublicKeyInfo))
    os.chmod(str(private), 0o600)
    return private, public


def run_playbook(emulator, inventory, report_dir, run_id, data_password=None, playbook="restorekit.instaclustr.dr_drill"):
    env = dict(os.environ)
    env.update(emulator.credentials_env())
    if data_password:
        env["RESTOREKIT_DEMO_DATA_PASSWORD"] = data_password
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": str(collections_root()),
        "ANSIBLE_RETRY_FILES_ENABLED": "False",
        "PATH": "%s:%s" % (Path(sys.executable).parent, os.environ.get("PATH", "")),
    })
    private, public = demo_signing_key()
    extra = {"backup_restore_drill_report_dir": str(report_dir), "backup_restore_drill_run_id": run_id,
             "backup_restore_drill_summary_run_id": run_id, "backup_restore_drill_signing_key": str(private),
             "backup_restore_drill_evidence_trusted_keys": [str(public)]}
    command = [str(Path(sys.executable).parent / "ansible-playbook"), playbook,
               "-i", str(inventory), "--forks", str(len(CLUSTERS)), "-e", json.dumps(extra)]
    print("$ " + " ".join(command[:4]) + " ...", flush=True)
    return subprocess.run(command, cwd=str(REPO_ROOT), env=env, check=False).returncode


def restored_clusters_deleted(reports, request_log):
    """Problems, if any: each drill's restored cluster must have an accepted DELETE in the log, sent
    through the API version its host asked for, which its report must record."""
    # The last path segment is the cluster id (some v2 paths end in a slash).
    deleted = {entry["path"].rstrip("/").rsplit("/", 1)[-1]: entry["path"] for entry in request_log
               if entry["method"] == "DELETE" and entry.get("status") is not None and 200 <= entry["status"] < 300}
    problems = []
    for report in reports:
        name, restored = report["source"]["name"], report["restored"]["id"]
        wanted = API_VERSIONS.get(name)
        if report.get("application") != APPLICATIONS.get(name):
            problems.append("%s: the report says application %s, the inventory asked for %s" % (
                name, report.get("application"), APPLICATIONS.get(name)))
        if report.get("api_version") != wanted:
            problems.append("%s: the report says API %s, the inventory asked for %s" % (name, report.get("api_version"), wanted))
        if not restored:
            problems.append("%s: no cluster was restored" % name)
        elif restored not in deleted:
            problems.append("%s: restored cluster %s was not deleted" % (name, restored))
        elif wanted and not deleted[restored].startswith(API_PATHS[wanted] + "/"):
            problems.append("%s: restored cluster %s was deleted through %s, not API %s" % (name, restored, deleted[restored], wanted))
    return problems


def save_timeline(report, path):
    html = Path(report["files"]["html"]).read_text()
    match = re.search(r"<svg.*?</svg>", html, re.DOTALL)
    if match:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(match.group(0) + "\n")
        print("timeline of %s saved to %s" % (report["source"]["name"], path))


def main(argv=None):
    args = parse_args(argv)
    report_dir = args.report_dir.resolve()
    run_id = "demo" + secrets.token_hex(2)
    started = time.monotonic()
    data_password = secrets.token_hex(12) if args.data_plane else None
    if args.data_plane:
        use_data_plane()
    heartbeat_rc = 0
    with tempfile.TemporaryDirectory(prefix="restorekit-demo-") as folder:
        print("starting the API emulator (time scale %gx%s)" % (args.time_scale, ", data plane" if args.data_plane else ""),
              flush=True)
        with running_emulator(scenario="mixed", time_scale=args.time_scale,
                              extra_args=("--data-plane", "--db-password", data_password) if args.data_plane else ()) as emulator:
            ca_file = None
            if args.data_plane:
                ca_file = Path(folder) / "ca.pem"
                ca_file.write_text(emulator.data_plane()["ca_pem"])
                for name, cluster_id in CLUSTERS.items():
                    data_seed.put_user_object(emulator, APPLICATIONS[name], cluster_id, data_password, str(ca_file))
            inventory = write_inventory(folder, ca_file)
            if args.data_plane:
                print("canary heartbeat over %s, then %d simulated hours pass" % (", ".join(CLUSTERS), HEARTBEAT_AGE_SECONDS // 3600),
                      flush=True)
                heartbeat_rc = run_playbook(emulator, inventory, report_dir, run_id, data_password,
                                            playbook="restorekit.instaclustr.canary_heartbeat")
                emulator.advance(HEARTBEAT_AGE_SECONDS)
            print("emulator at %s; drilling %s" % (emulator.url, ", ".join(CLUSTERS)), flush=True)
            rc = run_playbook(emulator, inventory, report_dir, run_id, data_password)
            request_log = emulator.requests_log()
        print("emulator stopped", flush=True)

    reports = [json.loads(path.read_text()) for path in sorted(report_dir.glob("drill-*-%s.json" % run_id))
               if not path.name.startswith("drill-summary-")]
    problems = [] if rc == 0 else ["ansible-playbook exited with %d" % rc]
    if heartbeat_rc:
        problems.append("the canary heartbeat exited with %d" % heartbeat_rc)
    if len(reports) != len(CLUSTERS):
        problems.append("%d drill reports for %d clusters" % (len(reports), len(CLUSTERS)))
    problems.extend(restored_clusters_deleted(reports, request_log))

    print()
    for report in reports:
        figures = report["figures"]
        print("%-14s %-10s API %-3s %-7s RTO %-7s RPO %-7s cleanup %s" % (
            report["source"]["name"], report.get("application"), report.get("api_version"), report["status"].upper(),
            figures.get("rto_text") or "-", figures.get("rpo_text") or "-", report["cleanup"]["action"]))
        if args.data_plane:
            problems.extend(data_check_problems(report))
        not_applicable = [check["id"] for check in report["checks"] if check["status"] == "not_applicable"]
        if not_applicable:
            print("    not applicable: %s" % ", ".join(not_applicable))
        for kind in ("html", "markdown", "json", "junit"):
            print("    %-8s %s" % (kind, os.path.relpath(report["files"][kind], os.getcwd())))
        if args.save_timeline and report["source"]["name"] == "orders-prod":
            save_timeline(report, args.save_timeline)
    summaries = sorted(report_dir.glob("drill-summary-%s.*" % run_id))
    for path in summaries:
        print("summary        %s" % os.path.relpath(str(path), os.getcwd()))
    index = report_dir / "index.html"
    if index.exists():
        print("evidence       %s (every run in the folder; run the demo again for a trend)" % os.path.relpath(str(index), os.getcwd()))
        problems.extend(evidence_problems(report_dir / "evidence.json"))
    else:
        problems.append("no evidence index %s" % index)
    counts = request_counts(request_log)
    print("\nrequest log: %d API requests (%s), %d DELETEs of restored clusters" % (
        sum(counts.values()), ", ".join("%s %d" % item for item in counts.items()),
        sum(1 for e in request_log if e["method"] == "DELETE")))
    print("demo took %.0f s" % (time.monotonic() - started))
    if problems:
        print("\nDEMO FAILED:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    print("all %d drills passed (%s); reports in %s" % (
        len(reports), ", ".join("%s: %s over API %s" % (name, APPLICATIONS[name], API_VERSIONS[name]) for name in CLUSTERS),
        os.path.relpath(str(report_dir), os.getcwd())))
    return 0


def data_check_problems(report):
    """Print the data checks and the proven RPO of one report; problems, if any: each must pass (or not apply)."""
    checks = {check["id"]: check for check in report["checks"]}
    print("    data: %s" % ", ".join("%s %s" % (check_id, checks[check_id]["status"]) for check_id in DATA_CHECKS if check_id in checks))
    print("    %s" % report["figure_sentences"].get("proven_rpo", "Proven RPO: not reported."))
    problems = ["%s: %s is %s: %s" % (report["source"]["name"], check_id, checks[check_id]["status"], checks[check_id]["details"])
                for check_id in DATA_CHECKS if check_id in checks and checks[check_id]["status"] not in ("passed", "not_applicable")]
    if report["source"]["name"] == "inventory-dev" and report["figures"].get("proven_rpo_seconds") is None:
        problems.append("inventory-dev drilled its scheduled backups but shows no proven RPO")
    return problems


def evidence_problems(path):
    """Problems, if any: every drilled cluster's evidence must be intact and signed by the demo's key."""
    evidence = json.loads(path.read_text())
    integrity = evidence.get("integrity") or {}
    problems = ["%s: %s" % (entry["path"], entry["problem"]) for entry in integrity.get("problems", [])]
    for cluster in evidence["clusters"]:
        if cluster["name"] in CLUSTERS:
            state = cluster.get("evidence") or {}
            print("evidence of %-14s %s, %s" % (cluster["name"], state.get("status"), state.get("signed")))
            if state.get("status") != "intact" or state.get("signed") != "signed":
                problems.append("the evidence of %s is %s and %s, not intact and signed" % (
                    cluster["name"], state.get("status"), state.get("signed")))
    return problems


def api_of(path):
    """``v1``, ``v2`` or ``other`` for a request path (``/provisioning/v1`` itself is v1's cluster list)."""
    for version, prefix in sorted(API_PATHS.items()):
        if path == prefix or path.startswith(prefix + "/"):
            return version
    return "other"


def request_counts(request_log):
    """Requests per API, in a fixed order (``other`` only when there is one), adding up to the log's length."""
    counts = {version: 0 for version in sorted(API_PATHS)}
    for entry in request_log:
        version = api_of(entry["path"].split("?", 1)[0])
        counts[version] = counts.get(version, 0) + 1
    return counts


if __name__ == "__main__":
    sys.exit(main())
