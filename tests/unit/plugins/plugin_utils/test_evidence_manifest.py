"""Tamper-evident drill evidence: manifests, chains and signatures as the evidence index verifies them,
the signing key's rules, the evidence pack and the stand-alone verifier."""

import importlib.util
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.restorekit.instaclustr.plugins.plugin_utils import (
    drill_evidence,
    drill_evidence_integrity,
    drill_evidence_pack,
    drill_write,
    evidence_manifest,
)
from tests.unit.plugins.plugin_utils.evidence_reports import BILLING, DAY_MS, NOW_MS, ORDERS, report

VERIFIER = evidence_manifest.__file__


def make_key(folder, name="signing.pem"):
    """An Ed25519 key: (private key path, mode 0600; public key path; key id)."""
    key = ed25519.Ed25519PrivateKey.generate()
    os.makedirs(str(folder), exist_ok=True)
    private = os.path.join(str(folder), name)
    with open(private, "wb") as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    os.chmod(private, 0o600)
    public = private[:-len(".pem")] + ".pub.pem"
    with open(public, "wb") as handle:
        handle.write(evidence_manifest.public_pem(key.public_key()))
    return private, public, evidence_manifest.key_id(key.public_key())


def drill(folder, cluster_id, name, run_id, day, key=None, version=3, status="passed"):
    """One drill's reports (JSON and Markdown) and its manifest, written as the role's task writes them."""
    finished = NOW_MS - (30 - day) * DAY_MS
    document = report(cluster_id, name, run_id, finished, status=status, version=version)
    stem = os.path.join(str(folder), "drill-%s-%s" % (name, run_id))
    rendered = [(stem + ".json", json.dumps(document, indent=2)), (stem + ".md", "# Drill %s\n" % run_id)]
    drill_write.write_files(rendered, 0o644, 0o755)
    if version >= evidence_manifest.MANIFEST_ERA:
        written, error = drill_write.write_manifest(rendered, 0o644, key)
        assert error is None
    return stem


def index(folder, trusted=(), expected=()):
    found = drill_evidence.scan(str(folder))
    model = drill_evidence.build_model(found, NOW_MS)
    return drill_evidence_integrity.apply(model, drill_evidence_integrity.verify_folder(str(folder), found, list(trusted)), expected)


def problems(model):
    return [(entry["path"], entry["problem"]) for entry in model["integrity"]["problems"]]


@pytest.fixture(name="signed")
def fixture_signed(tmp_path):
    """Three signed drills of orders-prod and one of billing, with the key outside the report folder."""
    private, public, key_id = make_key(tmp_path / "keys")
    folder = tmp_path / "reports"
    for day, run_id in ((1, "r1"), (2, "r2"), (3, "r3")):
        drill(folder, ORDERS, "orders-prod", run_id, day, key=private)
    drill(folder, BILLING, "billing", "b1", 2, key=private)
    return folder, private, public, key_id


def test_signed_chains_are_intact_signed_and_their_heads_are_the_newest_manifests(signed):
    folder, _private, public, key_id = signed
    model = index(folder, [public])

    assert model["integrity"]["status"] == "intact" and problems(model) == []
    orders = next(cluster for cluster in model["clusters"] if cluster["name"] == "orders-prod")
    assert orders["evidence"]["status"] == "intact" and orders["evidence"]["signed"] == "signed"
    assert orders["evidence"]["signed_by"] == [key_id] and orders["evidence"]["manifests"] == 3
    head = orders["evidence"]["head"]
    assert head["manifest"] == "drill-orders-prod-r3.manifest.json" and head["run_id"] == "r3"
    data = (folder / "drill-orders-prod-r3.manifest.json").read_bytes()
    assert head["sha256"] == evidence_manifest.sha256_hex(data)
    assert {entry["cluster_id"] for entry in model["integrity"]["chain_heads"]} == {ORDERS, BILLING}
    # Each manifest links to the one before it; the first of a chain to nothing.
    second = json.loads((folder / "drill-orders-prod-r2.manifest.json").read_text())
    assert second["previous"] == evidence_manifest.sha256_hex((folder / "drill-orders-prod-r1.manifest.json").read_bytes())
    assert json.loads((folder / "drill-orders-prod-r1.manifest.json").read_text())["previous"] is None
    # Manifests and signatures are neither reports nor unknown files.
    assert model["skipped"] == [] and model["unknown_files"] == []


def test_one_byte_edited_in_a_report_is_named(signed):
    folder, _private, public, _key_id = signed
    path = folder / "drill-orders-prod-r2.json"
    data = bytearray(path.read_bytes())
    data[10] ^= 1
    path.write_bytes(bytes(data))

    model = index(folder, [public])

    [(name, problem)] = problems(model)
    assert name == "drill-orders-prod-r2.json" and "does not match its manifest drill-orders-prod-r2.manifest.json" in problem
    orders = next(cluster for cluster in model["clusters"] if cluster["name"] == "orders-prod")
    assert orders["evidence"]["status"] == "tampered"
    assert next(cluster for cluster in model["clusters"] if cluster["name"] == "billing")["evidence"]["status"] == "intact"
    message = drill_evidence_integrity.gate_message(model)
    assert "drill-orders-prod-r2.json: does not match" in message


def test_a_drill_deleted_from_the_middle_of_a_chain_breaks_the_link(signed):
    folder, _private, public, _key_id = signed
    for suffix in (".json", ".md", ".manifest.json", ".manifest.json.sig"):
        os.unlink(str(folder / ("drill-orders-prod-r2" + suffix)))

    model = index(folder, [public])

    [(name, problem)] = problems(model)
    assert name == "drill-orders-prod-r3.manifest.json" and problem.startswith("missing link")


def test_a_manifest_deleted_to_hide_an_edit_leaves_a_tampered_report(signed):
    folder, _private, public, _key_id = signed
    (folder / "drill-orders-prod-r3.json").write_text("{}")
    for suffix in (".manifest.json", ".manifest.json.sig"):
        os.unlink(str(folder / ("drill-orders-prod-r3" + suffix)))
    drill(folder, ORDERS, "orders-prod", "r3", 3, version=3)  # rewritten, and its manifest removed again
    os.unlink(str(folder / "drill-orders-prod-r3.manifest.json"))

    model = index(folder, [public])

    assert ("drill-orders-prod-r3.json", "a report of format_version 3 has no valid manifest: its manifest was removed, or "
            "the report was added or edited afterwards") in problems(model)


def test_the_chain_is_the_order_drills_were_written_in_whatever_their_api_times(tmp_path):
    # API times need not grow from one run to the next (a test emulator's clock, two drills of one
    # cluster at once): a drill written last is the head of the chain, not a break in it.
    folder = tmp_path / "reports"
    drill(folder, ORDERS, "orders-prod", "r1", 1)
    drill(folder, ORDERS, "orders-prod", "r3", 3)
    drill(folder, ORDERS, "orders-prod", "r2", 2)  # written last, dated between the two

    model = index(folder)

    assert problems(model) == []
    head = model["integrity"]["chain_heads"][0]
    assert (head["manifest"], head["sequence"], head["manifests"]) == ("drill-orders-prod-r2.manifest.json", 3, 3)


def test_reordered_unsigned_manifests_are_out_of_order(tmp_path):
    folder = tmp_path / "reports"
    for day, run_id in ((1, "r1"), (2, "r2"), (3, "r3")):
        drill(folder, ORDERS, "orders-prod", run_id, day)
    for run_id, sequence in (("r2", 3), ("r3", 2)):  # swapped places, links left as they were
        path = folder / ("drill-orders-prod-%s.manifest.json" % run_id)
        path.write_text(path.read_text().replace('"sequence": %d' % (5 - sequence), '"sequence": %d' % sequence))

    found = problems(index(folder))

    assert ("drill-orders-prod-r3.manifest.json", "missing link: the manifest before it (SHA-256 %s, sequence 1) is gone"
            % json.loads((folder / "drill-orders-prod-r3.manifest.json").read_text())["previous"][:12]) in found
    assert ("drill-orders-prod-r2.manifest.json", "out of order: it links to drill-orders-prod-r1.manifest.json, but "
            "drill-orders-prod-r3.manifest.json comes before it") in found


def test_a_reordered_signed_manifest_breaks_its_signature(signed):
    folder, _private, public, _key_id = signed
    path = folder / "drill-orders-prod-r1.manifest.json"
    document = json.loads(path.read_text())
    document["sequence"], document["previous"] = 4, evidence_manifest.sha256_hex(
        (folder / "drill-orders-prod-r3.manifest.json").read_bytes())  # moved after r3
    path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")

    found = problems(index(folder, [public]))

    assert ("drill-orders-prod-r1.manifest.json", "its signature does not verify with key %s: manifest or signature changed"
            % document["key_id"]) in found
    assert any(name == "drill-orders-prod-r2.manifest.json" for name, _problem in found)  # and the chain no longer fits


def test_a_key_that_is_not_trusted_fails(signed, tmp_path):
    folder, _private, _public, key_id = signed
    _other_private, other_public, _other_id = make_key(tmp_path / "other")

    found = problems(index(folder, [other_public]))

    assert ("drill-orders-prod-r1.manifest.json", "signed by key %s, which is not trusted" % key_id) in found
    assert len(found) == 4  # every manifest


def test_unsigned_manifests_are_intact_and_unsigned_until_keys_are_trusted(tmp_path):
    folder = tmp_path / "reports"
    drill(folder, ORDERS, "orders-prod", "r1", 1)
    _private, public, _key_id = make_key(tmp_path / "keys")

    model = index(folder)
    assert model["integrity"]["status"] == "intact"
    assert model["clusters"][0]["evidence"]["signed"] == "unsigned" and not (folder / "drill-orders-prod-r1.manifest.json.sig").exists()

    assert problems(index(folder, [public])) == [
        ("drill-orders-prod-r1.manifest.json", "not signed, but trusted keys are set: every manifest must be signed")]


def test_a_truncated_manifest_is_named_and_its_reports_count_as_tampered(signed):
    folder, _private, public, _key_id = signed
    path = folder / "drill-billing-b1.manifest.json"
    path.write_bytes(path.read_bytes()[:40])

    found = problems(index(folder, [public]))

    assert any(name == "drill-billing-b1.manifest.json" and problem.startswith("not a valid manifest: not valid JSON (truncated?)")
               for name, problem in found)
    assert any(name == "drill-billing-b1.json" and "has no valid manifest" in problem for name, problem in found)


def test_reports_before_the_manifest_era_are_unverified_never_tampered(tmp_path):
    folder = tmp_path / "reports"
    drill(folder, ORDERS, "orders-prod", "old", 1, version=2)
    drill(folder, BILLING, "billing", "new", 2, version=3)

    model = index(folder)

    assert problems(model) == [] and model["integrity"]["status"] == "unverified"
    clusters = {cluster["name"]: cluster["evidence"] for cluster in model["clusters"]}
    assert clusters["orders-prod"]["status"] == "unverified" and clusters["orders-prod"]["unverified_reports"] == 1
    assert clusters["billing"]["status"] == "intact"


def test_an_expected_cluster_without_any_evidence_fails_instead_of_vanishing(signed):
    folder, _private, public, _key_id = signed
    model = index(folder, [public], expected=["orders-prod", BILLING.upper(), "payments-pg"])

    assert model["integrity"]["missing_clusters"] == ["payments-pg"]
    assert "expected cluster payments-pg has no evidence at all" in drill_evidence_integrity.gate_message(model)


# ---- the signing key -----------------------------------------------------------------------------------

def test_a_key_inside_the_report_folder_or_readable_by_others_is_refused(tmp_path):
    folder = tmp_path / "reports"
    inside, _public, _key_id = make_key(folder)
    with pytest.raises(evidence_manifest.EvidenceError, match="inside the report folder"):
        evidence_manifest.load_signing_key(inside, str(folder))
    outside, _public, _key_id = make_key(tmp_path / "keys")
    os.chmod(outside, 0o640)
    with pytest.raises(evidence_manifest.EvidenceError, match=r"readable by group or others \(mode 0640\)"):
        evidence_manifest.load_signing_key(outside, str(folder))


def test_a_refused_key_still_leaves_the_reports_and_an_unsigned_manifest_and_never_shows_the_key(tmp_path):
    folder = tmp_path / "reports"
    private, _public, _key_id = make_key(folder)  # inside: refused
    pem = open(private).read()
    stem = str(folder / "drill-orders-prod-r1")
    rendered = [(stem + ".json", json.dumps(report(ORDERS, "orders-prod", "r1", NOW_MS, version=3)))]
    drill_write.write_files(rendered, 0o644, 0o755)

    written, error = drill_write.write_manifest(rendered, 0o644, private)

    assert "inside the report folder" in error and list(written) == [stem + ".manifest.json"]
    body = pem.split("-----")[2].strip()
    assert body not in error and body not in (folder / "drill-orders-prod-r1.manifest.json").read_text()
    # As text (a vaulted value) it signs, and neither the manifest nor the signature holds it.
    written, error = drill_write.write_manifest(rendered, 0o644, pem)
    assert error is None and sorted(written) == [stem + ".manifest.json", stem + ".manifest.json.sig"]
    for path in written:
        assert body not in open(path).read()
    _written, error = drill_write.write_manifest(rendered, 0o644, pem.replace(body[:20], "A" * 20))
    assert error == "the signing key given as text: not an unencrypted PEM private key"


# ---- the manifest reader never crashes -------------------------------------------------------------------

JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
                    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
                    max_leaves=20)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2048))
def test_the_manifest_reader_never_crashes_on_any_bytes(data):
    document, reason = evidence_manifest.read_manifest(data)
    assert (document is None) != (reason is None)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["kind", "manifest_version", "source", "files", "previous", "key_id", "run_id", "order_ms"]),
                       JSON, max_size=8), st.booleans())
def test_the_verifier_never_crashes_on_any_manifest_like_document(fields, with_kind):
    if with_kind:
        fields = dict(fields, kind=evidence_manifest.KIND, manifest_version=1)
    data = json.dumps(fields).encode("utf-8")
    result = evidence_manifest.verify({"drill-x-r1.manifest.json": data}, {"drill-x-r1.manifest.json.sig": b"\x00garbage"},
                                      lambda path: None, {})
    assert isinstance(result["problems"], list)


# ---- the pack and the stand-alone verifier ---------------------------------------------------------------

def standalone(tmp_path, *args):
    """The verifier run from a copy of its file by a plain python: no site-packages, only the standard library and
    cryptography (with its own dependencies) beside it."""
    folder = tmp_path / "auditor"
    folder.mkdir(exist_ok=True)
    shutil.copy(VERIFIER, str(folder / "evidence_manifest.py"))
    for name in ("cryptography", "cffi", "_cffi_backend", "pycparser"):
        spec = importlib.util.find_spec(name)
        if spec is None or (folder / os.path.basename(spec.origin)).exists():
            continue
        origin = os.path.dirname(spec.origin) if spec.submodule_search_locations else spec.origin
        target = folder / os.path.basename(origin)
        if not target.exists():
            os.symlink(origin, str(target))
    return subprocess.run([sys.executable, "-s", "-S", "-E", str(folder / "evidence_manifest.py")] + list(args),
                          cwd=str(folder), capture_output=True, text=True, timeout=60, check=False)


def write_pack(folder, public, tmp_path):
    model = index(folder, [public])
    from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.drill_evidence_render import write_index
    write_index(str(folder), model)
    pack = str(tmp_path / "out" / "drill-evidence.tar.gz")
    drill_evidence_pack.write(str(folder), model, pack, [public])
    return pack


def test_a_pack_verifies_with_the_standalone_command_and_trusts_only_the_keys_given(signed, tmp_path):
    folder, _private, public, key_id = signed
    pack = write_pack(folder, public, tmp_path)
    with tarfile.open(pack) as tar:
        names = tar.getnames()
        controls = tar.extractfile("controls.md").read().decode()
    assert {"index.html", "index.md", "evidence.json", "controls.md", "keys/%s.pem" % key_id,
            "drill-orders-prod-r3.json", "drill-orders-prod-r3.md", "drill-orders-prod-r3.manifest.json",
            "drill-orders-prod-r3.manifest.json.sig"} <= set(names)
    for reference in ("A1.2", "A1.3", "Annex A 8.13", "Annex A 5.30", "Article 11", "Article 12"):
        assert reference in controls
    assert "4 drills of 2 source clusters" in controls and "RTO measured in 4 of 4 drills; 4 had a target, 4 met it." in controls

    verified = standalone(tmp_path, "verify-pack", pack, "--trust", key_id)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "pack verified: 2 clusters, 4 manifests" in verified.stdout
    assert "head drill-orders-prod-r3.manifest.json" in verified.stdout

    # The key is in the pack, but only a key id on the command line is trusted.
    untrusted = standalone(tmp_path, "verify-pack", pack)
    assert untrusted.returncode == 1 and "which is not trusted" in untrusted.stdout


def test_a_pack_with_an_edited_report_or_a_link_fails_the_standalone_command(signed, tmp_path):
    folder, _private, public, key_id = signed
    pack = write_pack(folder, public, tmp_path)
    members = []
    with tarfile.open(pack) as tar:
        for member in tar.getmembers():
            data = tar.extractfile(member).read()
            if member.name == "drill-billing-b1.json":
                data = data.replace(b"passed", b"passeD", 1)
            members.append((member.name, data))
    edited = str(tmp_path / "edited.tar.gz")
    with tarfile.open(edited, "w:gz") as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("drill-orders-prod-r9.json")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tar.addfile(link)

    result = standalone(tmp_path, "verify-pack", edited, "--trust", key_id)

    assert result.returncode == 1
    assert "PROBLEM drill-billing-b1.json: does not match its manifest drill-billing-b1.manifest.json" in result.stdout
    assert "PROBLEM drill-orders-prod-r9.json: not a regular file (a link or a device): refused" in result.stdout
    garbage = tmp_path / "garbage.tar.gz"
    garbage.write_bytes(b"\x1f\x8b" + os.urandom(64))
    assert standalone(tmp_path, "verify-pack", str(garbage), "--trust", key_id).returncode == 2


def test_the_index_pages_show_each_cluster_intact_signed_and_its_chain_head(signed):
    from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.drill_evidence_render import render_html, render_markdown
    folder, _private, public, key_id = signed
    (folder / "drill-billing-b1.md").write_text("edited\n")
    model = index(folder, [public])

    page, text = render_html(model), render_markdown(model)

    assert "Integrity of the evidence" in page and "The evidence is NOT intact" in page
    assert "drill-orders-prod-r3.manifest.json (SHA-256 %s" % model["integrity"]["chain_heads"][1]["sha256"][:16] in text
    assert "| orders-prod `%s` | intact | signed by %s |" % (ORDERS, key_id[:16]) in text
    assert "| billing `%s` | tampered |" % BILLING in text and "drill-billing-b1.md: does not match its manifest" in page


def test_controls_show_the_frequency_targets_data_checks_and_the_follow_up_of_a_failure(tmp_path):
    folder = tmp_path / "reports"
    drill(folder, ORDERS, "orders-prod", "r1", 1, status="failed")
    drill(folder, ORDERS, "orders-prod", "r2", 8)
    drill(folder, BILLING, "billing", "b1", 2, status="failed")
    model = index(folder)
    reports = {path.name: path.read_bytes() for path in folder.glob("drill-*.json") if not path.name.endswith(".manifest.json")}

    found = drill_evidence_pack.facts(model, reports)

    assert "orders-prod (%s): 2 drills, one every 7.0 days on average." % ORDERS in found["schedule"]
    failures = " ".join(found["failures"])
    assert "drill r1 failed on" in failures and "followed by the passing drill r2 on" in failures
    assert "billing (%s): drill b1 failed on" % BILLING in failures and "no passing drill after it in the window" in failures
    assert found["targets"][0] == "RTO measured in 3 of 3 drills; 3 had a target, 3 met it."
    assert found["data"] == ["The user's data checks on the restored cluster ran and passed in 0 drills, failed in 0, "
                             "did not run or could not be verified in 3."]
    controls = drill_evidence_pack.controls_markdown(model, reports)
    assert controls.count("## ") == 6 and "Integrity: intact; 3 manifests" in controls


def test_the_pack_writer_follows_no_symlink(signed, tmp_path):
    folder, _private, public, key_id = signed
    secret = tmp_path / "secret.txt"
    secret.write_text("NOT-FOR-THE-PACK\n")
    twin = folder / "drill-billing-b1.md"
    twin.unlink()
    twin.symlink_to(secret)

    pack = write_pack(folder, public, tmp_path)

    with tarfile.open(pack) as tar:
        assert "drill-billing-b1.md" not in tar.getnames()
        assert all(b"NOT-FOR-THE-PACK" not in tar.extractfile(member).read() for member in tar.getmembers())
    result = standalone(tmp_path, "verify-pack", pack, "--trust", key_id)
    assert result.returncode == 1 and "PROBLEM drill-billing-b1.md: listed in drill-billing-b1.manifest.json but missing" in result.stdout


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=0, max_value=4000), st.binary(min_size=1, max_size=64))
def test_the_pack_reader_never_crashes_on_a_damaged_pack(tmp_path_factory, cut, noise):
    folder = tmp_path_factory.mktemp("pack")
    pack = folder / "p.tar.gz"
    members = [("drill-x-r1.json", b'{"format_version": 3, "source": {"id": "x"}}' * 50), ("drill-x-r1.manifest.json", b"{}")]
    evidence_manifest.write_pack(str(pack), members)
    data = pack.read_bytes()
    pack.write_bytes(data[:cut % len(data)] + noise + data[cut % len(data) + len(noise):])
    try:
        result = evidence_manifest.verify_pack(str(pack), [])
    except evidence_manifest.EvidenceError:
        return  # not a readable .tar.gz: the command exits 2
    assert result["problems"] or not result["clusters"]  # whatever was read, a damaged pack never verifies


def test_a_pack_without_its_newest_drill_fails_on_the_index_it_carries(signed, tmp_path):
    folder, _private, public, key_id = signed
    pack = write_pack(folder, public, tmp_path)
    cut = str(tmp_path / "cut.tar.gz")
    with tarfile.open(pack) as source, tarfile.open(cut, "w:gz") as target:
        for member in source.getmembers():
            if not member.name.startswith("drill-orders-prod-r3."):  # the head, with its manifest
                target.addfile(member, source.extractfile(member))

    result = evidence_manifest.verify_pack(cut, [key_id])

    assert [(entry["path"], entry["problem"]) for entry in result["problems"]] == [
        ("drill-orders-prod-r3.json", "named in evidence.json but not in the pack")]
