"""Fixtures shared by the unit tests: run a module's ``main()`` in-process, and fake time.

``run_module(module_main, args) -> (exit_code, result)`` runs a module the way Ansible would:

* ``args`` is the task's module arguments; add ``_ansible_check_mode: True`` or
  ``_ansible_diff: True`` for check or diff mode. The IC_USERNAME, IC_API_KEY, IC_API_URL and
  IC_API_VERSION environment variables are cleared first so the developer's environment cannot leak in; set
  them with ``monkeypatch.setenv`` inside the test to test the fallbacks.
* ``main()`` must end with ``exit_json`` or ``fail_json``; the fixture catches the ``SystemExit``,
  returns its code (0 success, 1 failure) and the JSON the module printed, parsed.
* Mock the HTTP layer with ``responses`` (``@responses.activate`` or ``responses.RequestsMock()``);
  nothing here touches the network.

``fake_time`` replaces ``RestorekitModule.sleep`` and ``RestorekitModule.monotonic`` with a
clock that only moves when something sleeps, so retries and waits end instantly.
``fake_time.sleeps`` lists every sleep; ``fake_time.now`` is the fake monotonic time.
"""

import json

import pytest

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core < 2.19: set the serialized arguments by hand
    patch_module_args = None

_ENV_OPTIONS = ("IC_USERNAME", "IC_API_KEY", "IC_API_URL", "IC_API_VERSION")


def _module_args_context(args):
    if patch_module_args is not None:
        return patch_module_args(args)
    from unittest import mock
    from ansible.module_utils import basic
    serialized = json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode("utf-8")
    return mock.patch.object(basic, "_ANSIBLE_ARGS", serialized)


@pytest.fixture
def run_module(capsys, monkeypatch):
    for name in _ENV_OPTIONS:
        monkeypatch.delenv(name, raising=False)

    def run(module_main, args):
        capsys.readouterr()  # drop anything printed before the run
        code = None
        with _module_args_context(dict(args)):
            try:
                module_main()
            except SystemExit as exit_request:
                code = exit_request.code or 0
            else:
                raise AssertionError("main() returned without calling exit_json or fail_json")
        output = capsys.readouterr().out
        try:
            return code, json.loads(output)
        except ValueError:
            raise AssertionError("the module printed something other than one JSON result: %r" % output) from None

    return run


class FakeTime:
    """A monotonic clock that only advances when ``sleep`` is called."""

    def __init__(self, start=1000.0):
        self.now = start
        self.sleeps = []

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds

    def monotonic(self):
        return self.now


@pytest.fixture
def fake_time(monkeypatch):
    from ansible_collections.restorekit.instaclustr.plugins.module_utils._module import RestorekitModule

    clock = FakeTime()
    monkeypatch.setattr(RestorekitModule, "sleep", staticmethod(clock.sleep))
    monkeypatch.setattr(RestorekitModule, "monotonic", staticmethod(clock.monotonic))
    return clock


@pytest.fixture(autouse=True)
def private_state_dir(tmp_path_factory, monkeypatch):
    """Every unit test gets a state folder of its own (``RESTOREKIT_STATE_DIR``): intent records and the
    request budget of one test never meet another's, nor the developer's own folder."""
    folder = tmp_path_factory.mktemp("state")
    monkeypatch.setenv("RESTOREKIT_STATE_DIR", str(folder))
    monkeypatch.delenv("IC_API_RATE_LIMIT", raising=False)
    return folder
