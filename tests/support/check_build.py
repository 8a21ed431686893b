"""Check what users get: the built tarball, its installed docs, and the execution environment.

``make build`` runs this with the Ansible of ``.venv`` first on PATH. In a temporary directory it

1. builds the collection with ``ansible-galaxy collection build`` and checks the tarball leaves out
   local artefacts (virtual environments, caches, reports, test output);
2. installs the tarball into an empty collections path (``--offline``: no Galaxy);
3. renders every module in ``plugins/modules`` with ``ansible-doc`` from that installed copy and
   fails on any error, on a missing module and on an empty description, EXAMPLES or RETURN;
4. runs ``ansible-builder introspect`` on the installed copy (which reads
   ``meta/execution-environment.yml``) and checks it finds every line of ``requirements.txt``;
5. runs ``ansible-builder create`` for an execution-environment definition that installs the
   tarball with the collection's Python and system requirements, and checks the build context;
6. with ``--importer PYTHON`` (the Makefile passes ``.venv-importer/bin/python``), runs Galaxy's
   own import check, ``galaxy-importer``, on the tarball with ``tests/support/galaxy-importer.cfg``
   (its ansible-test step off: that needs a container engine) and fails on an import error, an
   ``ERROR``/``WARNING`` line, or a result that misses a module.

Every failure is listed; the exit status is 1 when there is one.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
IMPORTER_CONFIG = REPO_ROOT / "tests" / "support" / "galaxy-importer.cfg"
FQCN_PREFIX = "restorekit.instaclustr."
# Paths that must never ship (first path component, or any component for caches).
FORBIDDEN_TOP = {".venv", ".venv-2.16", ".venv-newest", ".venv-importer", ".git", ".cache", "drill-reports", "reports", ".pytest_cache", ".hypothesis"}
FORBIDDEN_ANY = {"__pycache__"}
FORBIDDEN_PREFIXES = ("tests/output/", "benchmarks/results/", "changelogs/.plugin-cache.yaml")
EE_TEMPLATE = {
    "version": 3,
    "images": {"base_image": {"name": "quay.io/ansible/awx-ee:latest"}},
    "dependencies": {
        "ansible_core": {"package_pip": "ansible-core>=2.16"},
        "ansible_runner": {"package_pip": "ansible-runner"},
        "python": "requirements.txt",
        "system": "bindep.txt",
        "galaxy": {"collections": []},
    },
    "additional_build_files": [],
}


class Checker:
    """Runs the steps and collects failures."""

    def __init__(self, work):
        self.work = Path(work)
        self.failures = []
        self.env = dict(os.environ)
        self.env.pop("ANSIBLE_COLLECTIONS_PATH", None)
        self.env.pop("ANSIBLE_COLLECTIONS_PATHS", None)

    def fail(self, message):
        """Record a failure and show it at once."""
        self.failures.append(message)
        sys.stdout.write("FAIL: %s\n" % message)

    def run(self, args, **kwargs):
        """Run a command, returning the completed process (stdout and stderr captured)."""
        sys.stdout.write("$ %s\n" % " ".join(str(arg) for arg in args))
        kwargs.setdefault("env", self.env)
        kwargs.setdefault("cwd", str(self.work))
        return subprocess.run([str(arg) for arg in args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, check=False, **kwargs)

    def build(self):
        """Build the tarball and check its contents; return its path or None."""
        dist = self.work / "dist"
        proc = self.run(["ansible-galaxy", "collection", "build", "--output-path", dist, REPO_ROOT])
        tarballs = sorted(dist.glob("restorekit-instaclustr-*.tar.gz"))
        if proc.returncode != 0 or len(tarballs) != 1:
            self.fail("ansible-galaxy collection build failed:\n%s%s" % (proc.stdout, proc.stderr))
            return None
        tarball = tarballs[0]
        with tarfile.open(tarball) as archive:
            names = archive.getnames()
            manifest = json.load(archive.extractfile("MANIFEST.json"))
        for name in names:
            parts = Path(name).parts
            if (parts and parts[0] in FORBIDDEN_TOP) or FORBIDDEN_ANY.intersection(parts) \
                    or name.startswith(FORBIDDEN_PREFIXES) or name.endswith((".pyc", ".tar.gz")):
                self.fail("tarball ships a local artefact: %s (add it to build_ignore in galaxy.yml)" % name)
        sys.stdout.write("built %s: %d entries, %d bytes, version %s\n"
                         % (tarball.name, len(names), tarball.stat().st_size, manifest["collection_info"]["version"]))
        return tarball

    def install(self, tarball):
        """Install the tarball into an empty collections path; return that path or None."""
        collections = self.work / "collections"
        proc = self.run(["ansible-galaxy", "collection", "install", "--offline", "-p", collections, tarball])
        installed = collections / "ansible_collections" / "restorekit" / "instaclustr"
        if proc.returncode != 0 or not (installed / "MANIFEST.json").exists():
            self.fail("ansible-galaxy collection install failed:\n%s%s" % (proc.stdout, proc.stderr))
            return None
        return collections

    def docs(self, collections):
        """Render every module's documentation from the installed collection."""
        modules = sorted(path.stem for path in (REPO_ROOT / "plugins" / "modules").glob("*.py")
                         if path.stem != "__init__")
        if not modules:
            sys.stdout.write("plugins/modules has no modules yet: ansible-doc skipped\n")
            return
        env = dict(self.env, ANSIBLE_COLLECTIONS_PATH=str(collections), ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false")
        listed = self.run(["ansible-doc", "-t", "module", "--list", "--json", "restorekit.instaclustr"], env=env)
        try:
            listing = json.loads(listed.stdout or "{}")
        except ValueError:
            listing = {}
        for module in modules:
            if FQCN_PREFIX + module not in listing:
                self.fail("ansible-doc --list does not show %s%s" % (FQCN_PREFIX, module))
        for module in modules:
            fqcn = FQCN_PREFIX + module
            proc = self.run(["ansible-doc", "-t", "module", "--json", fqcn], env=env)
            text_proc = self.run(["ansible-doc", "-t", "module", fqcn], env=env)
            problems = []
            if proc.returncode != 0 or text_proc.returncode != 0:
                problems.append("exit status %s/%s" % (proc.returncode, text_proc.returncode))
            for stream in (proc.stderr, text_proc.stderr):
                if "ERROR" in stream or "WARNING" in stream:
                    problems.append(stream.strip())
            try:
                entry = json.loads(proc.stdout).get(fqcn) or {}
            except ValueError:
                entry = {}
            doc = entry.get("doc") or {}
            if not doc.get("short_description") or not doc.get("description"):
                problems.append("no short_description or description")
            if not doc.get("options"):
                problems.append("no options")
            if not (entry.get("examples") or "").strip():
                problems.append("empty EXAMPLES")
            if not entry.get("return"):
                problems.append("empty RETURN")
            if not text_proc.stdout.strip():
                problems.append("empty text output")
            if problems:
                self.fail("ansible-doc %s: %s" % (fqcn, "; ".join(problems)))
            else:
                sys.stdout.write("ansible-doc %s: %d options, %d return values, %d lines\n"
                                 % (fqcn, len(doc["options"]), len(entry["return"]),
                                    len(text_proc.stdout.splitlines())))

    def introspect(self, collections):
        """ansible-builder introspect must find the collection's Python requirements."""
        proc = self.run(["ansible-builder", "introspect", collections])
        if proc.returncode != 0:
            self.fail("ansible-builder introspect failed:\n%s%s" % (proc.stdout, proc.stderr))
            return
        data = yaml.safe_load(proc.stdout) or {}
        found = " ".join(data.get("python") or [])
        for line in (REPO_ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("#") and line not in found:
                self.fail("ansible-builder introspect does not list %r from requirements.txt "
                          "(check meta/execution-environment.yml): %s" % (line, proc.stdout))
        sys.stdout.write("introspect found python: %s; system: %s\n" % (data.get("python"), data.get("system")))

    def create(self, tarball):
        """ansible-builder create must make a build context from the collection's metadata."""
        definition = json.loads(json.dumps(EE_TEMPLATE))
        ee_dir = self.work / "ee"
        ee_dir.mkdir()
        for name in ("requirements.txt", "bindep.txt"):
            shutil.copy2(REPO_ROOT / name, ee_dir / name)
        shutil.copy2(tarball, ee_dir / tarball.name)
        definition["additional_build_files"].append({"src": tarball.name, "dest": "collections"})
        definition["dependencies"]["galaxy"]["collections"].append(
            {"name": "/build/collections/%s" % tarball.name, "type": "file"})
        ee_file = ee_dir / "execution-environment.yml"
        ee_file.write_text(yaml.safe_dump(definition, sort_keys=False), encoding="utf-8")
        context = self.work / "context"
        proc = self.run(["ansible-builder", "create", "--file", ee_file, "--context", context,
                         "--output-filename", "Containerfile", "-v", "1"])
        containerfile = context / "Containerfile"
        if proc.returncode != 0 or not containerfile.exists():
            self.fail("ansible-builder create failed:\n%s%s" % (proc.stdout, proc.stderr))
            return
        build = context / "_build"
        expected = [build / "requirements.txt", build / "bindep.txt", build / "requirements.yml",
                    build / "collections" / tarball.name]
        for path in expected:
            if not path.exists():
                self.fail("ansible-builder create made no %s" % path.relative_to(context))
        sys.stdout.write("ansible-builder create: context with %s\n"
                         % ", ".join(sorted(str(p.relative_to(context)) for p in build.rglob("*") if p.is_file())))

    def galaxy_import(self, tarball, python):
        """galaxy-importer (in its own environment ``python``) must import the tarball cleanly."""
        bin_dir = str(Path(python).parent)
        # galaxy-importer runs ansible-doc (and ansible-lint when configured) from PATH: its own.
        env = dict(self.env, GALAXY_IMPORTER_CONFIG=str(IMPORTER_CONFIG),
                   PATH="%s:%s" % (bin_dir, self.env.get("PATH", "")))
        env = {key: value for key, value in env.items()
               if not (key.startswith("GALAXY_IMPORTER_") and key != "GALAXY_IMPORTER_CONFIG")}
        importer_dir = self.work / "importer"  # it writes importer_result.json into its cwd
        importer_dir.mkdir()
        proc = self.run([python, "-m", "galaxy_importer.main", tarball], env=env, cwd=str(importer_dir))
        output = proc.stdout + proc.stderr
        problems = galaxy_import_problems(proc.returncode, output, importer_dir / "importer_result.json",
                                          module_names())
        if problems:
            self.fail("galaxy-importer %s: %s\n%s" % (tarball.name, "; ".join(problems), output[-6000:]))
            return
        sys.stdout.write("galaxy-importer: %s imported cleanly (%s)\n"
                         % (tarball.name, output.strip().splitlines()[0] if output.strip() else ""))


def module_names():
    """The collection's module names (files in plugins/modules)."""
    return sorted(path.stem for path in (REPO_ROOT / "plugins" / "modules").glob("*.py") if path.stem != "__init__")


def galaxy_import_problems(returncode, output, result_file, modules):
    """What makes a galaxy-importer run unclean: exit status, ERROR/WARNING lines, missing modules."""
    problems = []
    if returncode != 0:
        problems.append("exit status %s" % returncode)
    for line in output.splitlines():
        if line.startswith(("ERROR", "WARNING", "CRITICAL", "Traceback")):
            problems.append(line.strip())
    try:
        result = json.loads(Path(result_file).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        problems.append("no importer_result.json")
        return problems
    imported = sorted(item.get("name") for item in result.get("contents") or [] if item.get("content_type") == "module")
    if imported != sorted(modules):
        problems.append("imported modules %s, expected %s" % (imported, sorted(modules)))
    return problems


def main(argv=None):
    """Run every step in a temporary directory."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--importer", metavar="PYTHON",
                        help="the Python of an environment with galaxy-importer (make build: .venv-importer)")
    args = parser.parse_args(argv)
    work = tempfile.mkdtemp(prefix="restorekit-build-")
    try:
        checker = Checker(work)
        tarball = checker.build()
        if tarball:
            collections = checker.install(tarball)
            if collections:
                checker.docs(collections)
                checker.introspect(collections)
            checker.create(tarball)
            if args.importer:
                checker.galaxy_import(tarball, args.importer)
            else:
                sys.stdout.write("galaxy-importer: not run (no --importer; make build passes it)\n")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if checker.failures:
        sys.stdout.write("\n%d build check(s) failed\n" % len(checker.failures))
        return 1
    sys.stdout.write("\nbuild checks passed\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
