"""Find the Python interpreter the Makefile builds ``.venv-newest`` (the newest ansible-core) from.

Usage: ``python3 tests/support/find_python.py 3.13 [--override PATH]`` prints the absolute path of a
working Python 3.13 and exits 0, or explains what was tried on stderr and exits 1. The Makefile
never falls back to another version and never skips: a missing interpreter fails the target.

Where it looks, in order:

1. ``--override`` (the Makefile's ``PYTHON_NEWEST``): a command or a path; it must run and be that
   version, else the lookup fails (a wrong override is an error, not a hint);
2. pyenv's versions, newest first: ``$PYENV_ROOT/versions/3.13*/bin/python3.13`` (``PYENV_ROOT``,
   else ``pyenv root``, else ``~/.pyenv``). pyenv's shim refuses ``python3.13`` while the global
   version is another one, so the shim on PATH is not enough there;
3. ``python3.13`` on PATH (a system or distribution interpreter).

A candidate counts only when it runs and reports that version; the printed path is the
interpreter's own ``sys.executable``, so a venv made from it does not depend on pyenv's shims.
"""

from __future__ import annotations

import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

PROBE = "import sys; print('%d.%d' % sys.version_info[:2]); print(sys.executable)"


def probe(command, env=None):
    """Return (``major.minor``, executable) of a Python command, or None when it does not run."""
    try:
        proc = subprocess.run([command, "-c", PROBE], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, timeout=30, check=False, env=env)
    except (OSError, subprocess.SubprocessError):
        return None
    lines = proc.stdout.split("\n")
    if proc.returncode != 0 or len(lines) < 2 or not lines[1].strip():
        return None
    return lines[0].strip(), lines[1].strip()


def pyenv_root():
    """pyenv's root folder (it may not exist)."""
    if os.environ.get("PYENV_ROOT"):
        return Path(os.environ["PYENV_ROOT"])
    pyenv = shutil.which("pyenv")
    if pyenv:
        try:
            out = subprocess.run([pyenv, "root"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                 timeout=30, check=False).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            out = ""
        if out:
            return Path(out)
    return Path.home() / ".pyenv"


def version_key(path):
    """Sort key for pyenv folders such as 3.13.0, 3.13.10, 3.13.1t: the numbers, then the rest."""
    name = Path(path).parents[1].name
    return [int(part) for part in re.findall(r"\d+", name)], name


def candidates(version, override=None, root=None):
    """The commands tried, in order, each with a label for the error message."""
    if override:
        return [("PYTHON_NEWEST", override)]
    root = Path(root) if root else pyenv_root()
    found = glob.glob(str(root / "versions" / ("%s*" % version) / "bin" / ("python%s" % version)))
    # 3.13.0, 3.13.1 ... but not 3.130; newest patch release first
    found = [path for path in found if re.fullmatch(r"%s(\.\d+)?[a-z]*" % re.escape(version), Path(path).parents[1].name)]
    listed = [("pyenv %s" % Path(path).parents[1].name, path) for path in sorted(found, key=version_key, reverse=True)]
    listed.append(("PATH", "python%s" % version))
    return listed


def find(version, override=None, root=None):
    """Return the executable of a working Python ``version``; raise LookupError listing what was tried."""
    tried = []
    for label, command in candidates(version, override, root):
        result = probe(command)
        if result and result[0] == version:
            return result[1]
        tried.append("%s: %s (%s)" % (label, command, "reports Python %s" % result[0] if result else "does not run"))
    raise LookupError(tried)


def main(argv=None):
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("version", help="major.minor, e.g. 3.13")
    parser.add_argument("--override", default="", help="an interpreter to use instead of searching")
    args = parser.parse_args(argv)
    try:
        sys.stdout.write(find(args.version, args.override or None) + "\n")
    except LookupError as error:
        sys.stderr.write("no working Python %s found; tried:\n  %s\n"
                         "Install it (for example `pyenv install %s`) or name one with "
                         "`make PYTHON_NEWEST=/path/to/python%s ...`.\n"
                         % (args.version, "\n  ".join(error.args[0]), args.version, args.version))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
