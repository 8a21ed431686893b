"""Helpers the Makefile uses to run ``ansible-test`` offline on a copy of this collection.

``ansible-test`` needs the collection at a path ending in ``ansible_collections/<ns>/<name>``.
The repository root is the collection root, so the Makefile copies the files git knows about
(tracked, plus untracked files that are not ignored) to such a path outside the repository.

``ansible-test`` creates a virtual environment per sanity test without pip and then runs a pip
bootstrap script, which it downloads from ci-files.testing.ansible.com unless a copy is cached in
``~/.ansible/test/cache/get_pip_<version>.py``. That host is not reachable here, so ``get-pip``
writes a small replacement into that cache path: it installs the interpreter's bundled pip with
``ensurepip`` and then the pip version ansible-test asked for from the package index.

Usage (run with the interpreter that has ansible-core installed)::

    python tests/support/ansible_test_setup.py copy DEST   # wipe DEST, copy the git-visible files, git init
    python tests/support/ansible_test_setup.py get-pip     # print the cache file, writing it when missing
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import types
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
CACHE_DIR = Path("~/.ansible/test/cache").expanduser()
MARKER = "# restorekit.instaclustr offline get-pip replacement"

# The script ansible-test runs instead of get-pip.py. ansible-test's quiet_pip.py runs it as
# __main__ with the same arguments get-pip.py would get: pip options, the requirement for pip
# itself ("pip==24.2") and the get-pip flags --no-setuptools / --no-wheel.
BOOTSTRAP = '''%s
"""Bootstrap pip without downloading get-pip.py: ensurepip, then the requested pip from the index."""

import subprocess
import sys

GET_PIP_FLAGS = ("--no-setuptools", "--no-wheel", "--no-pip")


def main():
    """Install pip the way get-pip.py would, from the interpreter's bundled wheel and the index."""
    args = sys.argv[1:]
    pip_args = [arg for arg in args if arg not in GET_PIP_FLAGS]
    python = sys.executable
    subprocess.check_call([python, "-m", "ensurepip", "--default-pip"])
    subprocess.check_call([python, "-m", "pip", "install", "--upgrade"] + pip_args)
    for flag, package in (("--no-setuptools", "setuptools"), ("--no-wheel", "wheel")):
        if flag in args:  # get-pip.py would not have installed it; ensurepip may have
            subprocess.call([python, "-m", "pip", "uninstall", "--yes", "--quiet", package],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


if __name__ == "__main__":
    main()
''' % MARKER


def pip_version():
    """Return the pip version ansible-test bootstraps into its virtual environments."""
    from ansible_test._internal.python_requirements import get_venv_packages  # pylint: disable=import-outside-toplevel

    python = types.SimpleNamespace(version="%d.%d" % sys.version_info[:2])
    return get_venv_packages(python)["pip"]


def cache_path(version, cache_dir=CACHE_DIR):
    """The file ansible-test reads instead of downloading get-pip.py for pip ``version``."""
    return Path(cache_dir) / ("get_pip_%s.py" % version.replace(".", "_"))


def ensure_get_pip(cache_dir=CACHE_DIR):
    """Write the bootstrap replacement to ansible-test's cache path unless a script is there."""
    version = pip_version()
    path = cache_path(version, cache_dir)
    if path.exists():
        origin = "replacement" if MARKER in path.read_text(encoding="utf-8", errors="replace") else "existing"
        sys.stdout.write("pip %s bootstrap script (%s): %s\n" % (version, origin, path))
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(BOOTSTRAP, encoding="utf-8")
    tmp.replace(path)
    sys.stdout.write("pip %s bootstrap script (written): %s\n" % (version, path))
    return path


def visible_files(repo):
    """Return the paths git shows: tracked files and untracked files that are not ignored."""
    out = subprocess.run(
        ["git", "-C", str(repo), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        check=True, stdout=subprocess.PIPE,
    ).stdout
    return sorted({name for name in out.decode("utf-8").split("\0") if name})


def copy_tree(dest, repo=REPO_ROOT):
    """Wipe ``dest`` and fill it with the git-visible files of ``repo`` (this repository)."""
    dest = Path(dest).resolve()
    repo = Path(repo).resolve()
    if dest == repo or repo in dest.parents:
        raise SystemExit("refusing to copy the repository into itself: %s" % dest)
    if dest.parent.parent.name != "ansible_collections":
        raise SystemExit("destination must end in ansible_collections/<namespace>/<name>: %s" % dest)
    if dest.exists() or dest.is_symlink():
        if dest.is_symlink():
            dest.unlink()
        else:
            shutil.rmtree(dest)
    dest.mkdir(parents=True)
    copied = 0
    for name in visible_files(repo):
        source = repo / name
        if not source.exists() and not source.is_symlink():
            continue  # deleted in the working tree but still in the index
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target, follow_symlinks=False)
        copied += 1
    # A repository of its own makes ansible-test list files with git (honouring .gitignore)
    # instead of walking up to whatever repository may contain the cache directory.
    subprocess.run(["git", "init", "--quiet", str(dest)], check=True)
    sys.stdout.write("copied %d files to %s\n" % (copied, dest))


def main(argv=None):
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    sub = parser.add_subparsers(dest="command", required=True)
    copy = sub.add_parser("copy", help="copy the collection to DEST for ansible-test")
    copy.add_argument("dest")
    sub.add_parser("get-pip", help="make sure the pip bootstrap script is cached")
    args = parser.parse_args(argv)
    if args.command == "copy":
        copy_tree(args.dest)
    else:
        ensure_get_pip()
    return 0


if __name__ == "__main__":
    sys.exit(main())
