"""The helpers behind the newest-ansible-core layers and Galaxy's import check (issue 15).

- tests/support/find_python.py finds Python 3.13 in pyenv's versions (newest patch first), then on
  PATH; an override that does not run or is another version fails; nothing found fails, naming
  what was tried.
- tests/support/deprecations.py fails a run whose ansible output holds a deprecation warning, only
  when RESTOREKIT_FAIL_ON_DEPRECATION asks for it, and switches ansible's deprecation warnings on.
- check_build.galaxy_import_problems: an importer run is clean only with exit status 0, no
  ERROR/WARNING line and every module in the result.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest

from tests.support import check_build, deprecations, find_python

REPO_ROOT = Path(__file__).resolve().parents[2]


def fake_python(path, version, executable=None):
    """A script that answers find_python's probe like a Python of ``version`` would."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\necho %s\necho %s\n" % (version, executable or path), encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.fixture
def no_path_python(monkeypatch, tmp_path):
    """PATH without any python3.13, so only the pyenv folder given counts."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


def test_find_python_takes_the_newest_pyenv_patch_release(tmp_path, no_path_python):
    root = tmp_path / "pyenv"
    fake_python(root / "versions" / "3.13.0" / "bin" / "python3.13", "3.13")
    newest = fake_python(root / "versions" / "3.13.10" / "bin" / "python3.13", "3.13")
    fake_python(root / "versions" / "3.13.2" / "bin" / "python3.13", "3.13")
    fake_python(root / "versions" / "3.130.0" / "bin" / "python3.13", "3.13")  # not a 3.13
    assert find_python.find("3.13", root=root) == str(newest)


def test_find_python_skips_an_interpreter_that_does_not_run_or_is_another_version(tmp_path, no_path_python):
    root = tmp_path / "pyenv"
    broken = root / "versions" / "3.13.5" / "bin" / "python3.13"
    broken.parent.mkdir(parents=True)
    broken.write_text("#!/bin/sh\nexit 127\n", encoding="utf-8")
    broken.chmod(0o755)
    fake_python(root / "versions" / "3.13.4" / "bin" / "python3.13", "3.12")
    good = fake_python(root / "versions" / "3.13.1" / "bin" / "python3.13", "3.13", "/opt/real/python3.13")
    assert find_python.find("3.13", root=root) == "/opt/real/python3.13"
    good.unlink()
    with pytest.raises(LookupError) as error:
        find_python.find("3.13", root=root)
    tried = "\n".join(error.value.args[0])
    assert "3.13.5" in tried and "does not run" in tried and "reports Python 3.12" in tried
    assert "PATH: python3.13" in tried


def test_find_python_uses_python_on_path_after_pyenv(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    on_path = fake_python(bin_dir / "python3.13", "3.13")
    monkeypatch.setenv("PATH", str(bin_dir))
    assert find_python.find("3.13", root=tmp_path / "no-pyenv") == str(on_path)


def test_an_override_is_used_alone_and_must_be_that_version(tmp_path, no_path_python):
    root = tmp_path / "pyenv"
    fake_python(root / "versions" / "3.13.0" / "bin" / "python3.13", "3.13")
    chosen = fake_python(tmp_path / "custom" / "python", "3.13")
    assert find_python.find("3.13", override=str(chosen), root=root) == str(chosen)
    wrong = fake_python(tmp_path / "custom" / "python3.12", "3.12")
    with pytest.raises(LookupError):
        find_python.find("3.13", override=str(wrong), root=root)  # no fallback to pyenv's
    with pytest.raises(LookupError):
        find_python.find("3.13", override=str(tmp_path / "missing"), root=root)


def test_the_command_line_fails_with_a_message_when_nothing_is_found(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "no-pyenv"))
    monkeypatch.setenv("PATH", str(tmp_path))
    assert find_python.main(["3.13"]) == 1
    err = capsys.readouterr().err
    assert "no working Python 3.13 found" in err and "PYTHON_NEWEST" in err


def test_the_command_line_prints_this_interpreter_as_an_override():
    version = "%d.%d" % sys.version_info[:2]
    assert find_python.find(version, override=sys.executable) == sys.executable


# --- deprecation warnings -------------------------------------------------------------------------

ANSIBLE_221_OUTPUT = """PLAY [x] ***
[DEPRECATION WARNING]: The 'foo' option is deprecated.
  This feature will be removed from ansible-core version 2.23.
  Origin: /tmp/play.yml:3:5
ok: [localhost]
[WARNING]: something else
"""


def test_deprecation_warnings_fail_only_when_asked():
    on, off = {deprecations.ENV_VAR: "1"}, {}
    deprecations.check(ANSIBLE_221_OUTPUT, "play.yml", environ=off)
    for value in ("", "0", "false"):
        deprecations.check(ANSIBLE_221_OUTPUT, "play.yml", environ={deprecations.ENV_VAR: value})
    with pytest.raises(AssertionError) as error:
        deprecations.check(ANSIBLE_221_OUTPUT, "play.yml", environ=on)
    message = str(error.value)
    assert "play.yml printed 1 deprecation warning" in message
    assert "The 'foo' option is deprecated. This feature will be removed" in message
    assert "something else" not in message
    deprecations.check("PLAY [x]\n[WARNING]: not a deprecation\n", "play.yml", environ=on)


def test_deprecation_warnings_are_switched_on_when_checked():
    env = {"ANSIBLE_DEPRECATION_WARNINGS": "False"}
    assert deprecations.ansible_env(dict(env), environ={})["ANSIBLE_DEPRECATION_WARNINGS"] == "False"
    assert deprecations.ansible_env(dict(env), environ={deprecations.ENV_VAR: "1"})[
        "ANSIBLE_DEPRECATION_WARNINGS"] == "True"


def test_the_makefile_sets_the_variable_for_the_newest_layers():
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    assert "NEWEST_ENV := RESTOREKIT_ANSIBLE_BIN_DIR=$(BIN_NEWEST) %s=1" % deprecations.ENV_VAR in makefile
    for target in ("integration-newest", "drill-newest", "sanity-newest"):
        assert "\n%s:" % target in makefile and target in makefile.split("TEST_TARGETS :=", 1)[1].split("\n\n")[0]


# --- galaxy-importer -------------------------------------------------------------------------------

def importer_result(tmp_path, modules):
    path = tmp_path / "importer_result.json"
    contents = [{"content_type": "module", "name": name} for name in modules]
    contents.append({"content_type": "filter", "name": "drill"})
    path.write_text(json.dumps({"contents": contents}), encoding="utf-8")
    return path


def test_a_clean_import_has_no_problem(tmp_path):
    result = importer_result(tmp_path, ["b", "a"])
    output = "Importing with galaxy-importer 0.4.44\nLoading module a\nImporter processing completed successfully\n"
    assert check_build.galaxy_import_problems(0, output, result, ["a", "b"]) == []


@pytest.mark.parametrize("returncode, output, modules, expected", [
    (1, "ERROR: The import failed for the following reason: Invalid collection metadata. Each author in "
        "'authors' list must not be greater than 64 characters\n", ["a"], "exit status 1"),
    (1, "ERROR: The import failed for the following reason: bad\n", ["a"], "ERROR: The import failed"),
    (0, "WARNING: plugins/modules/a.py:1: documentation problem\n", ["a"], "WARNING: plugins/modules/a.py"),
    (0, "ok\n", ["a", "c"], "imported modules ['a'], expected ['a', 'c']"),
])
def test_an_unclean_import_is_a_problem(tmp_path, returncode, output, modules, expected):
    result = importer_result(tmp_path, ["a"])
    problems = check_build.galaxy_import_problems(returncode, output, result, modules)
    assert any(expected in problem for problem in problems), problems


def test_an_import_without_a_result_file_is_a_problem(tmp_path):
    assert check_build.galaxy_import_problems(0, "", tmp_path / "missing.json", ["a"]) == ["no importer_result.json"]


def test_the_importer_config_turns_ansible_test_off():
    import configparser  # pylint: disable=import-outside-toplevel

    parser = configparser.ConfigParser()
    parser.read(check_build.IMPORTER_CONFIG)
    section = parser["galaxy-importer"]
    assert section.getboolean("run_ansible_test") is False
    assert section.getboolean("run_ansible_doc") is True
    assert section.getboolean("check_changelog") is True
    assert os.path.basename(check_build.IMPORTER_CONFIG) == "galaxy-importer.cfg"
