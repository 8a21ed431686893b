"""Drill evidence across runs (issue 16): two dr_drill runs into one folder leave an index showing
both drills of a cluster with their trend, and a cluster of an earlier run as not drilled in the
latest; the drill_evidence playbook's freshness gate passes on that folder and fails, naming the
stale cluster, with a shorter limit. Signed evidence (issue 25): both drills are signed and chained,
the pack verifies with the stand-alone command, one byte edited in a report fails the gate naming
it, and the signing key appears in no output and no file."""

import json
import subprocess
import tarfile
import time

from tests.drill.conftest import BIN_DIR, drill_env, run_drill
from tests.support.emulator import ORDERS_PROD_ID
from tests.unit.plugins.plugin_utils.evidence_reports import DAY_MS, write_drill
from tests.unit.plugins.plugin_utils.test_evidence_manifest import make_key, standalone

BILLING_ID = "0b7c1d2e-1111-4a2b-8c3d-4e5f6a7b8c03"
TARGETS = {"backup_restore_drill_rto_target": "45m", "backup_restore_drill_rpo_target": "15m"}


def run_evidence_playbook(emulator, folder, **extra):
    """ansible-playbook restorekit.instaclustr.drill_evidence on ``folder``, without API credentials."""
    env = {key: value for key, value in drill_env(emulator).items() if not key.startswith("IC_")}
    extra = dict({"backup_restore_drill_report_dir": str(folder)}, **extra)
    return subprocess.run([str(BIN_DIR / "ansible-playbook"), "restorekit.instaclustr.drill_evidence", "-e", json.dumps(extra)],
                          cwd=str(folder), env=env, capture_output=True, text=True, timeout=120, check=False)


def test_two_runs_build_one_index_with_both_drills_and_the_gate(emulator, tmp_path):
    # Lean: one cluster, its scheduled backups (no backup phase); the other cluster is a crafted
    # report of an earlier run, 10 days old, that the latest run did not drill.
    hosts = {"orders-prod": dict(TARGETS, backup_restore_drill_cluster_id=ORDERS_PROD_ID, backup_restore_drill_trigger_backup=False)}
    write_drill(tmp_path / "reports" / "2026-archive", BILLING_ID, "billing", "old", int(time.time() * 1000) - 10 * DAY_MS)
    private, public, key_id = make_key(tmp_path / "keys")
    signing = {"backup_restore_drill_signing_key": private, "backup_restore_drill_evidence_trusted_keys": [public]}
    first = run_drill(emulator, tmp_path, hosts, extra_vars=dict(signing, backup_restore_drill_run_id="ev1"))
    assert first.rc == 0, first.output[-4000:]
    # The second run has the gate on: every cluster passed within 30 days.
    second = run_drill(emulator, tmp_path, hosts,
                       extra_vars=dict(signing, backup_restore_drill_run_id="ev2", backup_restore_drill_evidence_max_age="30d"))
    assert second.rc == 0, second.output[-4000:]
    folder = second.report_dir

    evidence = json.loads((folder / "evidence.json").read_text())
    assert evidence["format_version"] == 1 and evidence["max_age"] == "30d" and evidence["status"] == "fresh"
    clusters = {cluster["name"]: cluster for cluster in evidence["clusters"]}
    orders = clusters["orders-prod"]
    assert orders["cluster_id"] == ORDERS_PROD_ID
    assert (orders["application"], orders["api_version"]) == ("cassandra", "v1")
    assert [drill["run_id"] for drill in orders["drills"]] == ["ev1", "ev2"]
    assert [drill["status"] for drill in orders["drills"]] == ["passed", "passed"]
    assert [drill["report"] for drill in orders["drills"]] == ["drill-orders-prod-ev1.json", "drill-orders-prod-ev2.json"]
    assert all(drill["rto_seconds"] > 0 and drill["rpo_seconds"] > 0 for drill in orders["drills"])
    assert orders["drills"][0]["finished_at"] < orders["drills"][1]["finished_at"] == orders["last_passing_at"]
    assert (orders["rto_target_seconds"], orders["rpo_target_seconds"]) == (2700.0, 900.0)
    assert orders["in_latest_run"] is True and orders["pass_rate"] == 1.0 and orders["stale"] is False
    billing = clusters["billing"]
    assert billing["in_latest_run"] is False and billing["drills"][0]["report"] == "2026-archive/drill-billing-old.json"

    page = (folder / "index.html").read_text()
    assert "<script" not in page and page.count("<svg") == 2
    assert "<polyline" in page  # orders-prod's two drills joined: the trend
    assert 'href="drill-orders-prod-ev2.html"' in page
    assert "Not drilled in the latest run: billing." in page
    assert "All 2 clusters passed a drill within 30d." in page
    assert "drill-orders-prod-ev2.html" in (folder / "index.md").read_text()
    assert "evidence index" in second.output

    # The compliance check alone (no credentials): passes at 30 days, fails at 5 naming billing only.
    # (Signed evidence needs its trusted key: a key that is not trusted fails the gate.)
    fresh = run_evidence_playbook(emulator, folder, backup_restore_drill_evidence_max_age="30d",
                                  backup_restore_drill_evidence_trusted_keys=[public])
    assert fresh.returncode == 0, fresh.stdout[-3000:]
    stale = run_evidence_playbook(emulator, folder, backup_restore_drill_evidence_max_age="5d",
                                  backup_restore_drill_evidence_trusted_keys=[public])
    assert stale.returncode != 0
    assert "1 of 2 clusters have no passing drill within 5d: billing (%s): last passed" % BILLING_ID in stale.stdout
    assert "orders-prod (" not in stale.stdout.split("have no passing drill")[1].split("\n")[0]
    assert json.loads((folder / "evidence.json").read_text())["status"] == "stale"  # written before failing

    # Both drills signed and chained; the crafted report of format_version 1 predates manifests: unverified.
    integrity = evidence["integrity"]
    assert integrity["status"] == "unverified" and integrity["problems"] == [] and integrity["trusted_keys"] == [key_id]
    assert clusters["orders-prod"]["evidence"]["status"] == "intact" and clusters["orders-prod"]["evidence"]["signed"] == "signed"
    assert clusters["billing"]["evidence"]["status"] == "unverified"
    [head] = integrity["chain_heads"]
    assert (head["manifest"], head["manifests"]) == ("drill-orders-prod-ev2.manifest.json", 2)
    chained = json.loads((folder / "drill-orders-prod-ev2.manifest.json").read_text())
    assert chained["previous_manifest"] == "drill-orders-prod-ev1.manifest.json" and chained["key_id"] == key_id
    assert sorted(chained["files"]) == ["drill-orders-prod-ev2.html", "drill-orders-prod-ev2.json", "drill-orders-prod-ev2.junit.xml",
                                        "drill-orders-prod-ev2.md"]

    # The pack, verified on a machine without the collection.
    pack = tmp_path / "pack" / "drill-evidence.tar.gz"
    packed = run_evidence_playbook(emulator, folder, backup_restore_drill_evidence_trusted_keys=[public],
                                   backup_restore_drill_evidence_pack=str(pack))
    assert packed.returncode == 0, packed.stdout[-3000:]
    verified = standalone(tmp_path, "verify-pack", str(pack), "--trust", key_id)
    assert verified.returncode == 0 and "pack verified: 1 clusters, 2 manifests" in verified.stdout, verified.stdout

    # One byte edited in one report: the gate fails naming it, after publishing the chain heads.
    report = folder / "drill-orders-prod-ev1.json"
    report.write_bytes(report.read_bytes().replace(b'"passed"', b'"passeD"', 1))
    edited = run_evidence_playbook(emulator, folder, backup_restore_drill_evidence_trusted_keys=[public])
    assert edited.returncode != 0
    assert "drill-orders-prod-ev1.json: does not match its manifest drill-orders-prod-ev1.manifest.json" in edited.stdout
    assert "Publish the evidence to AWX" in edited.stdout

    # The key is in no output, report, manifest or pack.
    body = "".join(open(private).read().splitlines()[1:-1])
    with tarfile.open(str(pack)) as tar:
        packed_bytes = b"".join(tar.extractfile(member).read() for member in tar.getmembers() if member.isreg())
    assert body.encode() not in packed_bytes
    for text in [first.output, second.output, packed.stdout, packed.stderr, edited.stdout] + [
            path.read_text(errors="replace") for path in folder.rglob("*") if path.is_file()]:
        assert body not in text
