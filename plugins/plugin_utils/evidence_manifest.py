# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Tamper-evident drill evidence: manifests, their chains, signatures, the evidence pack and its verifier.

One file, importing nothing from the collection (Python's standard library, and the
``cryptography`` package only where a key is used), so that the same file is both the code the
collection runs and the stand-alone verifier an auditor runs from a copy of it::

    python evidence_manifest.py verify-pack drill-evidence.tar.gz --trust 3f0c...e1

What it holds:

- a *manifest* per drill (``drill-<source>-<run id>.manifest.json`` beside the reports): the
  SHA-256 of every report file of the drill, the drill's identity, ``previous`` (the SHA-256 of
  the newest manifest of the same source cluster: the head of its chain when the drill is
  written) and ``sequence`` (its place in the chain), so that each cluster's drills form a chain
  (``prepare_manifest``, ``chain_head``);
- the same manifest per recovery (``recovery-<source>-<run id>.manifest.json``, with
  ``report_kind: recovery``): a source cluster's recoveries form a chain of their own, beside its
  drills' chain (``manifest_kind``);
- a detached Ed25519 signature over the manifest file's exact bytes, ``<manifest>.sig`` (base64),
  and the key id in the manifest: the SHA-256 of the raw public key, in hex (``key_id``);
- verification of a set of manifests against the files they list, their chains and the trusted
  key ids (``verify_manifests``, ``uncovered_reports``), for a folder (``folder_source``) or for a
  pack read without extracting it (``verify_pack``);
- the pack writer (``write_pack``), which follows no symlink.

Readers never raise on what they read: a file that is not what it should be is a problem with a
reason, never a crash (``read_manifest`` takes any bytes).
"""

from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
import io
import json
import os
import re
import stat
import sys
import tarfile
import tempfile
import zlib

MANIFEST_VERSION = 1
# The report format_version from which every drill writes a manifest: a report of this version or
# newer without a valid manifest counts as tampered; an older one is "unverified".
MANIFEST_ERA = 3
MANIFEST_SUFFIX = ".manifest.json"
SIGNATURE_SUFFIX = MANIFEST_SUFFIX + ".sig"
KIND = "restorekit.instaclustr drill manifest"
MAX_MANIFEST_BYTES = 1024 * 1024
MAX_SIGNATURE_BYTES = 4096
MAX_KEY_BYTES = 64 * 1024
MAX_FILE_BYTES = 64 * 1024 * 1024  # a report file larger than this is not one
MAX_PACK_MEMBERS = 100000
MAX_PACK_BYTES = 4 * 1024 * 1024 * 1024
# The kinds of report a manifest covers; each source cluster has one chain per kind. A recovery report
# (``kind: recovery`` in the report, ``report_kind: recovery`` in its manifest) has had a manifest from its
# first format_version on: without a valid one it counts as tampered, whatever its version.
DRILL, RECOVERY = "drill", "recovery"
MANIFEST_ERAS = {DRILL: MANIFEST_ERA, RECOVERY: 1}
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_FILE_NAME = re.compile(r"^[^/\\\x00]+$")
CRYPTOGRAPHY_MISSING = ("the Python package 'cryptography' is needed to sign or verify drill evidence "
                        "(pip install cryptography, on the controller)")


class EvidenceError(ValueError):
    """A key or a file that cannot be used; the message never holds key material."""


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


# ---- keys ----------------------------------------------------------------------------------------

def _crypto():
    try:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ed25519
    except ImportError:
        raise EvidenceError(CRYPTOGRAPHY_MISSING) from None
    return serialization, ed25519, InvalidSignature


def _raw_public(public_key):
    serialization = _crypto()[0]
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public_key):
    """The key's id: SHA-256 of its raw 32-byte Ed25519 public key, in lower-case hex."""
    return sha256_hex(_raw_public(public_key))


def normalise_key_id(text):
    """A key id as given on a command line (``SHA256:`` prefix, colons and case tolerated), or None."""
    value = str(text or "").strip().lower()
    if value.startswith("sha256:"):
        value = value[len("sha256:"):]
    value = value.replace(":", "")
    return value if _HEX64.match(value) else None


def _read_bounded(path, limit, what):
    """The bytes of a regular file, not following a symlink, refusing one larger than ``limit``."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError as error:
        raise EvidenceError("%s %s: not readable (%s)" % (what, path, error.strerror or error)) from None
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise EvidenceError("%s %s: not a regular file" % (what, path))
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise EvidenceError("%s %s: larger than %d bytes" % (what, path, limit))
    return data


def read_regular(path, limit=MAX_FILE_BYTES, what="file"):
    """The bytes of the regular file ``path`` (a symlink is not followed, a larger file refused)."""
    return _read_bounded(path, limit, what)


def _inside(path, folder):
    path, folder = os.path.realpath(path), os.path.realpath(folder)
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def load_signing_key(value, report_dir=None):
    """The Ed25519 private key of ``value``: PEM text (a vaulted value) or the path of a PEM file.

    A key file inside ``report_dir`` or readable by group or others is refused: the reports are
    published, the key must not be. Errors name the path, never the key."""
    serialization, ed25519 = _crypto()[:2]
    text = value if isinstance(value, (str, bytes)) else str(value)
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if "-----BEGIN" in text:
        pem, where = text.strip().encode("utf-8") + b"\n", "the signing key given as text"
    else:
        path = os.path.expanduser(text.strip())
        if report_dir and _inside(path, report_dir):
            raise EvidenceError("signing key %s: refused, it is inside the report folder %s, which is published with the "
                                "reports; keep the key outside it" % (path, report_dir))
        try:
            mode = os.stat(path).st_mode
        except OSError as error:
            raise EvidenceError("signing key %s: not readable (%s)" % (path, error.strerror or error)) from None
        if mode & 0o077:
            raise EvidenceError("signing key %s: refused, it is readable by group or others (mode %04o); chmod 600 it"
                                % (path, mode & 0o7777))
        pem, where = _read_bounded(path, MAX_KEY_BYTES, "signing key"), "signing key %s" % path
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError):
        raise EvidenceError("%s: not an unencrypted PEM private key" % where) from None
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise EvidenceError("%s: not an Ed25519 key (make one with: openssl genpkey -algorithm ed25519)" % where)
    return key


def load_public_key(data, where):
    """An Ed25519 public key from PEM bytes (a private key's public half is accepted too)."""
    serialization, ed25519 = _crypto()[:2]
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError):
        try:
            key = serialization.load_pem_private_key(data, password=None).public_key()
        except (ValueError, TypeError):
            raise EvidenceError("%s: not a PEM public key" % where) from None
    if not isinstance(key, ed25519.Ed25519PublicKey):
        raise EvidenceError("%s: not an Ed25519 key" % where)
    return key


def load_trusted_keys(paths):
    """{key id: public key} of the PEM public key files ``paths``."""
    trusted = {}
    for path in paths or ():
        key = load_public_key(_read_bounded(os.path.expanduser(str(path)), MAX_KEY_BYTES, "trusted key"), "trusted key %s" % path)
        trusted[key_id(key)] = key
    return trusted


def public_pem(public_key):
    serialization = _crypto()[0]
    return public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


# ---- writing a manifest --------------------------------------------------------------------------

def _dict(value):
    return value if isinstance(value, dict) else {}


def _int(value):
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def identity(report):
    """The drill's identity a manifest records, from its JSON report (a dict)."""
    report = _dict(report)
    source = _dict(report.get("source"))
    api_times = {}
    controller_ms = None
    for phase in report.get("phases") if isinstance(report.get("phases"), list) else ():
        phase = _dict(phase)
        if phase.get("server_started_at") or phase.get("server_ended_at"):
            api_times[str(phase.get("name"))] = {"started_at": phase.get("server_started_at"), "ended_at": phase.get("server_ended_at")}
        if phase.get("name") == "report":
            controller_ms = _iso_ms(phase.get("controller_started_at"))
    reference = _int(report.get("reference_time_ms"))
    if report.get("kind") == RECOVERY:
        # A recovery has no report phase: its controller time is when its report step began.
        for step in report.get("steps") if isinstance(report.get("steps"), list) else ():
            if _dict(step).get("name") == "report":
                controller_ms = _iso_ms(_dict(step).get("controller_started_at"))
    document = {
        "source": {"id": str(source.get("id") or "").lower() or None, "name": source.get("name")},
        "run_id": str(report.get("run_id") or ""),
        "status": report.get("status"),
        "report_format_version": _int(report.get("format_version")),
        "reference_time": report.get("reference_time"),
        "reference_time_ms": reference,
        # The drill's time: its reference time (API time), else when its report was written; ties in a chain only.
        "order_ms": reference if reference is not None else controller_ms,
        "api_times": api_times,
    }
    if report.get("kind") == RECOVERY:
        document["report_kind"] = RECOVERY  # drill manifests stay as they were: no report_kind
    return document


def manifest_kind(document):
    """The kind of report a manifest covers: ``recovery`` when it says so (or, written before it said so,
    when every file it lists is a recovery's), else ``drill``."""
    document = _dict(document)
    kind = document.get("report_kind")
    if kind is not None:
        return RECOVERY if kind == RECOVERY else DRILL
    files = _dict(document.get("files"))
    if files and all(isinstance(name, str) and name.startswith("recovery-") for name in files):
        return RECOVERY
    return DRILL


def _iso_ms(value):
    """Epoch ms of ``2026-11-20T10:00:00.000Z``, or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return int(moment.timestamp() * 1000)


def _order(document):
    return (_int(document.get("order_ms")) or 0, str(document.get("run_id") or ""))


def chain_head(folder, cluster_id, exclude=None, kind=DRILL):
    """(sha256, relative path, sequence) of the head of ``cluster_id``'s chain of ``kind`` (drills or
    recoveries) under ``folder``: its manifest with the highest ``sequence`` (ties: the latest drill),
    or (None, None, 0). ``exclude``: a relative path (the manifest being rewritten)."""
    best = None
    for relative, path in find_manifests(folder):
        if relative == exclude:
            continue
        try:
            data = _read_bounded(path, MAX_MANIFEST_BYTES, "manifest")
        except EvidenceError:
            continue
        document, _reason = read_manifest(data)
        if document is None or document["source"].get("id") != cluster_id or manifest_kind(document) != kind:
            continue
        key = (document["sequence"],) + _order(document) + (relative,)
        if best is None or key > best[0]:
            best = (key, sha256_hex(data), relative)
    return (best[1], best[2], best[0][0]) if best else (None, None, 0)


def find_manifests(folder):
    """[(relative path, path)] of every ``*.manifest.json`` under ``folder``; hidden entries and links skipped."""
    found, pending = [], [folder]
    while pending:
        current = pending.pop()
        try:
            entries = sorted(os.scandir(current), key=lambda entry: entry.name)
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.is_dir(follow_symlinks=False):
                pending.append(entry.path)
            elif entry.name.endswith(MANIFEST_SUFFIX) and entry.is_file(follow_symlinks=False):
                found.append((os.path.relpath(entry.path, folder).replace(os.sep, "/"), entry.path))
    return sorted(found)


def prepare_manifest(report_path, files, report, signing_key=None):
    """The manifest of one drill, and its signature: ``[(path, bytes)]`` to write (atomically, by
    the caller), the manifest first.

    ``report_path``: the drill's JSON report (the manifest goes beside it, same stem);
    ``files``: ``{path: bytes}`` of every report file of the drill, all in its folder;
    ``report``: the JSON report as a dict (the drill's identity); ``signing_key``: an Ed25519
    private key (``load_signing_key``) or None for an unsigned manifest."""
    folder = os.path.dirname(os.path.abspath(report_path))
    stem = os.path.basename(report_path)[:-len(".json")] if report_path.endswith(".json") else os.path.basename(report_path)
    manifest_path = os.path.join(folder, stem + MANIFEST_SUFFIX)
    hashes = {}
    for path, data in files.items():
        if os.path.dirname(os.path.abspath(path)) != folder:
            raise EvidenceError("%s: a report file outside the folder of %s cannot be in its manifest" % (path, report_path))
        hashes[os.path.basename(path)] = sha256_hex(data)
    document = identity(report)
    previous, previous_name, sequence = chain_head(folder, document["source"]["id"], exclude=os.path.basename(manifest_path),
                                                   kind=document.get("report_kind") or DRILL)
    document.update({
        "manifest_version": MANIFEST_VERSION,
        "kind": KIND,
        "files": hashes,
        # The chain is the order the drills were written in: each manifest links to the head before it.
        "sequence": sequence + 1,
        "previous": previous,
        "previous_manifest": previous_name,
        "key_id": key_id(signing_key.public_key()) if signing_key is not None else None,
    })
    data = (json.dumps(document, indent=2, sort_keys=True) + "\n").encode("utf-8")
    written = [(manifest_path, data)]
    if signing_key is not None:
        written.append((manifest_path + ".sig", base64.b64encode(signing_key.sign(data)) + b"\n"))
    return written


# ---- reading and verifying -------------------------------------------------------------------------

def read_manifest(data):
    """(manifest dict, None) when ``data`` (any bytes) is a manifest, else (None, why not). Never raises."""
    if not isinstance(data, (bytes, bytearray)):
        return None, "not bytes"
    if len(data) > MAX_MANIFEST_BYTES:
        return None, "larger than %d bytes" % MAX_MANIFEST_BYTES
    try:
        document = json.loads(bytes(data).decode("utf-8"))
    except UnicodeDecodeError:
        return None, "not UTF-8 text"
    except (ValueError, RecursionError) as error:
        return None, "not valid JSON (truncated?): %s" % str(error)[:200]
    if not isinstance(document, dict) or document.get("kind") != KIND:
        return None, "not a drill manifest"
    if _int(document.get("manifest_version")) != MANIFEST_VERSION:
        return None, "manifest_version %r is not %d" % (str(document.get("manifest_version"))[:20], MANIFEST_VERSION)
    source, files = document.get("source"), document.get("files")
    if not isinstance(source, dict) or not isinstance(source.get("id"), str) or not source["id"]:
        return None, "no source cluster id"
    if not isinstance(files, dict) or not files or not all(
            isinstance(name, str) and _FILE_NAME.match(name) and name not in (".", "..") and isinstance(digest, str)
            and _HEX64.match(digest) for name, digest in files.items()):
        return None, "no valid list of report files and their SHA-256"
    for field in ("previous", "key_id"):
        value = document.get(field)
        if value is not None and not (isinstance(value, str) and _HEX64.match(value)):
            return None, "%s is not a SHA-256 in hex" % field
    if not isinstance(document.get("run_id"), str):
        return None, "no run id"
    if document.get("order_ms") is not None and _int(document.get("order_ms")) is None:
        return None, "order_ms is not an integer"
    sequence = _int(document.get("sequence"))
    if sequence is None or sequence < 1:
        return None, "sequence is not a positive integer"
    if (sequence == 1) != (document.get("previous") is None):
        return None, "only the first manifest of a chain (sequence 1) has no previous"
    return document, None


def _sibling(relative, name):
    folder = relative.rsplit("/", 1)[0] if "/" in relative else ""
    return "%s/%s" % (folder, name) if folder else name


def verify_manifests(manifests, signatures, digest, trusted, open_chains=False):
    """Check every manifest: the files it lists, its signature, its chain.

    ``manifests``: ``{relative path: bytes}``; ``signatures``: ``{relative path of the .sig: bytes}``;
    ``digest(relative path)``: the SHA-256 hex of that file, or None when it is missing;
    ``trusted``: ``{key id: public key}``. With trusted keys, every manifest must be signed by one of
    them. ``open_chains``: a chain may start with a link to a manifest that is not in the set (a
    pack holds the window, not the whole history); a link missing in the middle is still a problem.

    Returns ``{"problems": [{"path", "cluster_id", "problem"}], "covered": {report path: sha256},
    "manifests": {path: {...}}, "clusters": {cluster id: {"head", "head_sha256", "manifests",
    "signed_by", "unsigned"}}, "recoveries": {cluster id: the same, for its chain of recoveries}}``.
    A problem of a recovery's manifest or report also has ``"report_kind": "recovery"``."""
    problems, covered, records, listed = [], {}, {}, set()

    def problem(path, cluster_id, text, kind=DRILL):
        entry = {"path": path, "cluster_id": cluster_id, "problem": text}
        if kind == RECOVERY:
            entry["report_kind"] = RECOVERY
        problems.append(entry)

    for relative in sorted(manifests):
        data = manifests[relative]
        document, reason = read_manifest(data)
        if document is None:
            problem(relative, None, "not a valid manifest: %s" % reason)
            continue
        cluster_id = document["source"]["id"].lower()
        kind = manifest_kind(document)
        record = {"cluster_id": cluster_id, "kind": kind, "name": document["source"].get("name"), "run_id": document["run_id"],
                  "sha256": sha256_hex(data), "order": _order(document), "sequence": document["sequence"],
                  "previous": document.get("previous"),
                  "key_id": document.get("key_id"), "signed": False, "files": []}
        records[relative] = record
        for name, expected in sorted(document["files"].items()):
            path = _sibling(relative, name)
            record["files"].append(path)
            listed.add(path)
            actual = digest(path)
            if actual is None:
                problem(path, cluster_id, "listed in %s but missing" % relative, kind)
            elif actual != expected:
                problem(path, cluster_id, "does not match its manifest %s (SHA-256 %s, expected %s): edited after the %s"
                        % (relative, actual[:12], expected[:12], kind), kind)
            else:
                covered[path] = actual
        _check_signature(relative, data, record, signatures.get(relative + ".sig"), trusted, problem)
    for sig in sorted(set(signatures) - {path + ".sig" for path in manifests}):
        problem(sig, None, "a signature without its manifest %s" % sig[:-len(".sig")])
    chains = _check_chains(records, open_chains, problem)
    return {"problems": problems, "covered": covered, "listed": listed, "manifests": records,
            "clusters": {cluster_id: chain for (cluster_id, kind), chain in chains.items() if kind == DRILL},
            "recoveries": {cluster_id: chain for (cluster_id, kind), chain in chains.items() if kind == RECOVERY}}


def _check_signature(relative, data, record, signature, trusted, problem):
    data_key = record["key_id"]
    if data_key is None:
        if trusted:
            problem(relative, record["cluster_id"], "not signed, but trusted keys are set: every manifest must be signed", record["kind"])
        return
    if signature is None:
        problem(relative, record["cluster_id"], "signed by key %s but its signature %s.sig is missing" % (data_key, relative), record["kind"])
        return
    key = trusted.get(data_key)
    if key is None:
        problem(relative, record["cluster_id"], "signed by key %s, which is not trusted" % data_key, record["kind"])
        return
    invalid = _crypto()[2]
    try:
        raw = base64.b64decode(bytes(signature[:MAX_SIGNATURE_BYTES]).strip(), validate=True)
        key.verify(raw, bytes(data))
    except (binascii.Error, ValueError, invalid):
        problem(relative, record["cluster_id"], "its signature does not verify with key %s: manifest or signature changed" % data_key, record["kind"])
        return
    record["signed"] = True


def _check_chains(records, open_chains, problem):
    """{(cluster id, kind): chain}: a source cluster's drills and its recoveries are two chains."""
    by_cluster = {}
    for relative, record in records.items():
        by_cluster.setdefault((record["cluster_id"], record["kind"]), {}).setdefault(record["sha256"], (relative, record))  # copies once
    clusters = {}
    for (cluster_id, kind), unique in sorted(by_cluster.items()):
        chain = sorted(unique.values(), key=lambda item: (item[1]["sequence"], item[1]["order"], item[0]))
        known = {sha: relative for sha, (relative, _record) in unique.items()}
        for index, (relative, record) in enumerate(chain):
            link, sequence = record["previous"], record["sequence"]
            if index == 0:
                if link is not None and not open_chains:
                    problem(relative, cluster_id, "missing link: the manifest before it (SHA-256 %s, sequence %d) is gone"
                            % (link[:12], sequence - 1), kind)
                continue
            before_relative, before = chain[index - 1]
            if sequence == before["sequence"]:
                problem(relative, cluster_id, "the chain forks: %s has the same place in it (sequence %d)" % (before_relative, sequence), kind)
            elif link == before["sha256"] and sequence == before["sequence"] + 1:
                continue
            elif link is None:
                problem(relative, cluster_id, "starts a new chain although %s comes before it: the chain was cut" % before_relative, kind)
            elif link in known:
                problem(relative, cluster_id, "out of order: it links to %s, but %s comes before it" % (known[link], before_relative), kind)
            else:
                problem(relative, cluster_id, "missing link: the manifest before it (SHA-256 %s, sequence %d) is gone"
                        % (link[:12], sequence - 1), kind)
        head_relative, head = chain[-1]
        clusters[(cluster_id, kind)] = {
            "name": head["name"], "head": head_relative, "head_sha256": head["sha256"], "head_run_id": head["run_id"],
            "head_sequence": head["sequence"],
            "manifests": len(chain), "signed_by": sorted({r["key_id"] for _p, r in chain if r["signed"]}),
            "signed": sum(1 for _p, r in chain if r["signed"]),
            "unsigned": sum(1 for _p, r in chain if not r["key_id"]),
        }
    return clusters


verify = verify_manifests


def uncovered_reports(reports, result, digest):
    """Problems for the reports of the manifest era no valid manifest covers.

    ``reports``: ``[(relative path, format_version, cluster id)]``, or with a fourth item, the report's
    kind (``drill`` or ``recovery``: each has its manifest era, ``MANIFEST_ERAS``); a copy with the same bytes
    as a covered report (an archive) counts as covered. Adds to ``result["problems"]``; returns the
    relative paths of the reports older than the manifest era ("unverified")."""
    covered_hashes = set(result["covered"].values())
    unverified = []
    for entry in reports:
        relative, version, cluster_id = entry[:3]
        kind = entry[3] if len(entry) > 3 and entry[3] == RECOVERY else DRILL
        if not isinstance(version, int) or isinstance(version, bool) or version < MANIFEST_ERAS[kind]:
            unverified.append(relative)
            continue
        if relative in result["covered"] or relative in result["listed"]:
            continue  # verified, or already named as not matching the manifest that lists it
        actual = digest(relative)
        if actual is not None and actual in covered_hashes:
            continue
        problem = {"path": relative, "cluster_id": cluster_id, "problem": (
            "a %sreport of format_version %d has no valid manifest: its manifest was removed, or the report was added or "
            "edited afterwards" % ("recovery " if kind == RECOVERY else "", version))}
        if kind == RECOVERY:
            problem["report_kind"] = RECOVERY
        result["problems"].append(problem)
    return unverified


# ---- a folder ---------------------------------------------------------------------------------------

def folder_source(folder, manifest_paths):
    """(manifests, signatures, digest) of a report folder for ``verify``: ``manifest_paths`` are the
    relative paths of the ``*.manifest.json`` and ``*.manifest.json.sig`` files found there. Files are
    read without following links, within the size bounds; one that cannot be read counts as missing
    (a manifest that cannot be read counts as invalid)."""
    manifests, signatures, cache = {}, {}, {}
    for relative in manifest_paths:
        path = os.path.join(folder, *relative.split("/"))
        limit = MAX_SIGNATURE_BYTES if relative.endswith(".sig") else MAX_MANIFEST_BYTES
        try:
            data = _read_bounded(path, limit, "manifest")
        except EvidenceError:
            data = b""
        (signatures if relative.endswith(".sig") else manifests)[relative] = data

    def digest(relative):
        if relative not in cache:
            cache[relative] = _digest_file(os.path.join(folder, *relative.split("/")))
        return cache[relative]
    return manifests, signatures, digest


def _digest_file(path):
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError:
        return None
    with os.fdopen(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            return None
        digest, size = hashlib.sha256(), 0
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            size += len(block)
            if size > MAX_FILE_BYTES:
                return None
            digest.update(block)
    return digest.hexdigest()


# ---- the pack ----------------------------------------------------------------------------------------

def write_pack(pack_path, members):
    """Write the ``.tar.gz`` ``pack_path`` atomically: ``members`` is ``[(name in the pack, bytes or
    a file path)]``. A path is read without following a symlink (a link, or anything but a regular
    file, raises ``EvidenceError``)."""
    folder = os.path.dirname(os.path.abspath(pack_path))
    os.makedirs(folder, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=".%s." % os.path.basename(pack_path), suffix=".tmp", dir=folder)
    try:
        with os.fdopen(descriptor, "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w:gz", format=tarfile.PAX_FORMAT) as tar:
                for name, content in members:
                    data = content if isinstance(content, bytes) else _read_bounded(content, MAX_FILE_BYTES, "pack member")
                    info = tarfile.TarInfo(name)
                    info.size, info.mode, info.mtime = len(data), 0o644, 0
                    tar.addfile(info, io.BytesIO(data))
            raw.flush()
            os.fsync(raw.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, pack_path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def _safe_member_name(name):
    parts = name.split("/")
    return bool(name) and not name.startswith("/") and ".." not in parts and "\\" not in name and "\x00" not in name


def _looks_like_report_name(name):
    base = name.rsplit("/", 1)[-1]
    return base.startswith(("drill-", "recovery-")) and base.endswith(".json") and not base.startswith("drill-summary-") \
        and not base.endswith(MANIFEST_SUFFIX)


def verify_pack(pack_path, trusted_ids):
    """Verify an evidence pack without extracting it, trusting only ``trusted_ids`` (key ids).

    The trusted public keys are taken from the pack's ``keys/`` members, but only those whose id is
    in ``trusted_ids``; a key in the pack that was not given is never trusted. Returns the result of
    ``verify`` plus ``unverified`` (reports older than the manifest era) and ``keys_given_not_found``."""
    manifests, signatures, digests, reports, keys, problems, listed = {}, {}, {}, [], {}, [], []
    wanted = {normalise_key_id(value) for value in trusted_ids}
    if None in wanted:
        raise EvidenceError("--trust takes a key id: 64 hexadecimal digits (the SHA-256 of the raw public key)")
    try:
        tar = tarfile.open(pack_path, mode="r:gz")
    except (OSError, tarfile.TarError, EOFError, zlib.error) as error:
        raise EvidenceError("%s: not a readable .tar.gz (%s)" % (pack_path, error)) from None
    total = 0
    with tar:
        try:
            for count, member in enumerate(tar):
                if count >= MAX_PACK_MEMBERS:
                    problems.append({"path": pack_path, "cluster_id": None, "problem": "more than %d members: not read further" % MAX_PACK_MEMBERS})
                    break
                name = member.name
                if not _safe_member_name(name):
                    problems.append({"path": name, "cluster_id": None, "problem": "an unsafe member name: refused"})
                    continue
                if member.isdir():
                    continue
                if not member.isreg():
                    problems.append({"path": name, "cluster_id": None, "problem": "not a regular file (a link or a device): refused"})
                    continue
                total += member.size
                if total > MAX_PACK_BYTES or member.size > MAX_FILE_BYTES:
                    problems.append({"path": name, "cluster_id": None, "problem": "too large: not read"})
                    continue
                handle = tar.extractfile(member)
                data = handle.read(member.size + 1) if handle is not None else b""
                digests[name] = sha256_hex(data)
                if name.endswith(MANIFEST_SUFFIX):
                    manifests[name] = data
                elif name.endswith(SIGNATURE_SUFFIX):
                    signatures[name] = data
                elif name.startswith("keys/") and name.endswith(".pem"):
                    keys[name] = data
                elif _looks_like_report_name(name):
                    document = _report_document(data)
                    reports.append((name, _int(document.get("format_version")), str(_dict(document.get("source")).get("id") or "").lower()
                                    or None, RECOVERY if document.get("kind") == RECOVERY else DRILL))
                elif name == "evidence.json":
                    listed = _listed_reports(data)
        except (OSError, tarfile.TarError, EOFError, ValueError, zlib.error) as error:
            problems.append({"path": pack_path, "cluster_id": None, "problem": "the archive ends early or is damaged: %s" % error})
    trusted = {}
    for name, data in sorted(keys.items()):
        try:
            key = load_public_key(data, name)
        except EvidenceError:
            continue
        if key_id(key) in wanted:
            trusted[key_id(key)] = key
    result = verify(manifests, signatures, digests.get, trusted, open_chains=True)
    result["problems"] = problems + result["problems"]
    result["unverified"] = uncovered_reports(reports, result, digests.get)
    result["keys_given_not_found"] = sorted(wanted - set(trusted))
    for name in listed:  # the index of the pack names each drill of the window: a pack cut short lacks some
        if name not in digests:
            result["problems"].append({"path": name, "cluster_id": None, "problem": "named in evidence.json but not in the pack"})
    for missing in result["keys_given_not_found"]:
        result["problems"].append({"path": "keys/", "cluster_id": None, "problem": "the trusted key %s is not in the pack" % missing})
    return result


def _report_document(data):
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return {}
    return document if isinstance(document, dict) and isinstance(document.get("source"), dict) else {}


def _listed_reports(data):
    """The report paths evidence.json names for the window's drills and recoveries."""
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return []
    names = []
    document = _dict(document)
    clusters = document.get("clusters") if isinstance(document.get("clusters"), list) else []
    records = [drill for cluster in clusters for drill in (_dict(cluster).get("drills") if isinstance(_dict(cluster).get("drills"), list) else ())]
    records += document.get("recoveries") if isinstance(document.get("recoveries"), list) else []
    for record in records:
        name = _dict(record).get("report")
        if isinstance(name, str) and _safe_member_name(name):
            names.append(name)
    return names


def main(argv=None):
    """``verify-pack PACK --trust KEY_ID ...``: exit 0 when the pack verifies, 1 when it does not, 2 on a usage error."""
    import argparse
    parser = argparse.ArgumentParser(prog="evidence_manifest.py", description="Verify a restorekit drill evidence pack.")
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("verify-pack", help="verify the reports, manifests, chains and signatures of a pack")
    command.add_argument("pack", help="the .tar.gz written by the drill_evidence playbook")
    command.add_argument("--trust", action="append", default=[], metavar="KEY_ID",
                         help="a trusted signing key id (64 hex digits); repeat for several; keys in the pack are trusted only when named here")
    args = parser.parse_args(argv)
    try:
        result = verify_pack(args.pack, args.trust)
    except EvidenceError as error:
        print("error: %s" % error, file=sys.stderr)
        return 2
    for label, chains in (("", result["clusters"]), ("recoveries of ", result["recoveries"])):
        for cluster_id, chain in sorted(chains.items()):
            print("%s%s (%s): %d manifests, head %s (SHA-256 %s), %s" % (
                label, chain["name"] or "unnamed", cluster_id, chain["manifests"], chain["head"], chain["head_sha256"],
                "signed by %s" % ", ".join(chain["signed_by"]) if chain["signed_by"] else "unsigned"))
    if result["unverified"]:
        print("%d reports older than the manifest era (unverified)" % len(result["unverified"]))
    for entry in result["problems"]:
        print("PROBLEM %s: %s" % (entry["path"], entry["problem"]))
    chained = result["clusters"] or result["recoveries"]
    if result["problems"] or not chained:
        print("pack NOT verified: %d problems%s" % (len(result["problems"]), "" if chained else ", no manifest"))
        return 1
    recoveries = sum(1 for record in result["manifests"].values() if record["kind"] == RECOVERY)
    print("pack verified: %d clusters, %d manifests%s" % (
        len(result["clusters"]), len(result["manifests"]),
        "; recoveries: %d manifests of %d source clusters" % (recoveries, len(result["recoveries"])) if recoveries else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
