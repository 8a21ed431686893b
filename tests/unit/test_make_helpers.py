"""The helpers `make sanity` relies on (tests/support/ansible_test_setup.py).

- The pip bootstrap replacement sits where ansible-test looks for a cached get-pip script, and
  works when ansible-test runs it: through ansible-test's own quiet_pip.py, in a virtual
  environment created without pip, with get-pip's arguments.
- The copy for ansible-test holds exactly the files git shows (tracked, and untracked but not
  ignored) and is a git repository of its own.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import ansible_test
import pytest

from tests.support import ansible_test_setup as helper

SETUP_DIR = Path(ansible_test.__file__).parent / "_util" / "target" / "setup"


def test_cache_file_is_the_one_ansible_test_reads():
    source = (SETUP_DIR / "requirements.py").read_text(encoding="utf-8")
    # ansible-test: cache_path = expanduser('~/.ansible/test/cache/get_pip_%s.py' % pip_version.replace(".", "_"))
    assert "'~/.ansible/test/cache/get_pip_%s.py' % pip_version.replace(\".\", \"_\")" in source
    version = helper.pip_version()
    assert helper.cache_path(version) == Path.home() / ".ansible" / "test" / "cache" / (
        "get_pip_%s.py" % version.replace(".", "_"))
    assert helper.cache_path("24.2", "/c") == Path("/c/get_pip_24_2.py")


def test_ensure_get_pip_writes_once_and_keeps_an_existing_script(tmp_path):
    path = helper.ensure_get_pip(tmp_path)
    assert helper.MARKER in path.read_text(encoding="utf-8")
    compile(path.read_text(encoding="utf-8"), str(path), "exec")
    path.write_text("# a real get-pip.py\n", encoding="utf-8")
    assert helper.ensure_get_pip(tmp_path) == path
    assert path.read_text(encoding="utf-8") == "# a real get-pip.py\n"


@pytest.mark.skipif(not hasattr(sys, "base_prefix"), reason="needs venv")
def test_bootstrap_runs_like_get_pip_under_ansible_test(tmp_path):
    """Run the replacement exactly as ansible-test's bootstrap() does, without the index."""
    target = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(target)
    python = target / "bin" / "python"
    script = helper.ensure_get_pip(tmp_path / "cache")
    env = dict(os.environ, GET_PIP=str(script), PIP_BREAK_SYSTEM_PACKAGES="1")
    # pip options, the packages ("pip==<version>" in ansible-test; any pip here, offline), get-pip flags
    command = [str(python), str(SETUP_DIR / "quiet_pip.py"), "--disable-pip-version-check", "--no-index",
               "pip", "--no-setuptools", "--no-wheel"]
    proc = subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          check=False)
    assert proc.returncode == 0, proc.stdout
    assert subprocess.run([str(python), "-m", "pip", "--version"], check=False).returncode == 0
    has_setuptools = subprocess.run([str(python), "-c", "import setuptools"], stderr=subprocess.DEVNULL,
                                    check=False).returncode == 0
    assert not has_setuptools, "--no-setuptools was not honoured"


def git(repo, *args):
    subprocess.run(["git", "-C", str(repo)] + list(args), check=True, stdout=subprocess.DEVNULL)


def test_copy_holds_the_files_git_shows_and_is_a_repository(tmp_path):
    repo = tmp_path / "repo"
    (repo / "plugins").mkdir(parents=True)
    git(repo, "init", "--quiet")
    (repo / ".gitignore").write_text("ignored.txt\n.venv/\n", encoding="utf-8")
    (repo / "plugins" / "tracked.py").write_text("x = 1\n", encoding="utf-8")
    (repo / "gone.txt").write_text("deleted later\n", encoding="utf-8")
    git(repo, "add", ".")
    (repo / "gone.txt").unlink()  # tracked but deleted in the working tree
    (repo / "new.txt").write_text("untracked\n", encoding="utf-8")
    (repo / "ignored.txt").write_text("ignored\n", encoding="utf-8")
    (repo / ".venv").mkdir()
    (repo / ".venv" / "python").write_text("", encoding="utf-8")

    dest = tmp_path / "out" / "ansible_collections" / "restorekit" / "instaclustr"
    dest.mkdir(parents=True)
    (dest / "stale.txt").write_text("from the last run\n", encoding="utf-8")
    helper.copy_tree(dest, repo=repo)

    files = sorted(str(p.relative_to(dest)) for p in dest.rglob("*") if p.is_file() and ".git" not in p.parts[-3:-1]
                   and p.relative_to(dest).parts[0] != ".git")
    assert files == [".gitignore", "new.txt", "plugins/tracked.py"]
    assert (dest / ".git").is_dir()


@pytest.mark.parametrize("relative", ["inside", "ansible_collections/ns"])
def test_copy_refuses_a_bad_destination(tmp_path, relative):
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "--quiet")
    dest = repo / relative if relative == "inside" else tmp_path / relative
    with pytest.raises(SystemExit):
        helper.copy_tree(dest, repo=repo)
