import sys
import types
from pathlib import Path

import pytest
import responses
import yaml

from ansible_collections.restorekit.instaclustr.plugins.doc_fragments import api as api_fragment
from ansible_collections.restorekit.instaclustr.plugins.doc_fragments import attributes as attributes_fragment
from ansible_collections.restorekit.instaclustr.plugins.doc_fragments import wait as wait_fragment
from ansible_collections.restorekit.instaclustr.plugins.module_utils import _module
from ansible_collections.restorekit.instaclustr.plugins.module_utils._errors import ApiError, OperationFailed, OptionError, WaitTimeout
from ansible_collections.restorekit.instaclustr.plugins.module_utils._module import (
    API_ARGUMENT_SPEC,
    WAIT_ARGUMENT_SPEC,
    RestorekitModule,
    redact,
    wait_argument_spec,
)

KEY = "k3y-Zq81-never-show-me"
CREDENTIALS = {"api_username": "demo", "api_key": KEY}
LOCAL = "http://127.0.0.1:8099"
BACKUPS = "/provisioning/v1/77b5a4e1-c422-4a78-b551-d8fa5c42ad95/backups"


def module_main(body, extra_spec=None):
    """A tiny module: its main() builds RestorekitModule and runs ``body(module)`` through ``run``."""
    def main():
        module = RestorekitModule(argument_spec=extra_spec or {})
        module.run(lambda: body(module))
    return main


def echo_params(module):
    return {"changed": False, "username": module.params["api_username"], "api_url": module.api_url,
            "check_mode": module.check_mode}


# --- options ----------------------------------------------------------------------------------------

def test_credentials_and_url_fall_back_to_the_environment(run_module, monkeypatch):
    monkeypatch.setenv("IC_USERNAME", "env-user")
    monkeypatch.setenv("IC_API_KEY", KEY)
    monkeypatch.setenv("IC_API_URL", LOCAL + "/")
    code, result = run_module(module_main(echo_params), {})
    assert code == 0
    assert (result["username"], result["api_url"]) == ("env-user", LOCAL)
    assert KEY not in repr(result)


def test_explicit_options_win_over_the_environment(run_module, monkeypatch):
    monkeypatch.setenv("IC_USERNAME", "env-user")
    code, result = run_module(module_main(echo_params), dict(CREDENTIALS, api_url=LOCAL))
    assert (code, result["username"]) == (0, "demo")


def test_the_default_url_is_the_public_api(run_module):
    code, result = run_module(module_main(echo_params), CREDENTIALS)
    assert (code, result["api_url"]) == (0, "https://api.instaclustr.com")


def test_missing_credentials_are_named(run_module):
    code, result = run_module(module_main(echo_params), {})
    assert code == 1
    assert result["msg"] == "missing required arguments: api_key, api_username"


@responses.activate
def test_plain_http_to_a_remote_host_is_refused_before_any_request(run_module):
    def body(module):
        module.session.get(BACKUPS, "list backups")
        return {"changed": False}
    code, result = run_module(module_main(body), dict(CREDENTIALS, api_url="http://api.instaclustr.com"))
    assert code == 1
    assert result["msg"].startswith("api_url: plain http:// would send the API key unencrypted")
    assert len(responses.calls) == 0


@pytest.mark.parametrize("option, value, message", [
    ("api_timeout", 0, "api_timeout: must be greater than 0 (got 0.0)"),
    ("api_retries", -1, "api_retries: must be 0 or more (got -1)"),
    ("api_retry_max_delay", -0.5, "api_retry_max_delay: must be 0 or more (got -0.5)"),
    ("api_rate_limit", -1, "api_rate_limit: must be 0 or more (got -1.0)"),
    ("wait_timeout", -3, "wait_timeout: must be greater than 0 (got -3.0)"),
    ("wait_sleep", 0, "wait_sleep: must be greater than 0 (got 0.0)"),
])
def test_numbers_the_spec_cannot_check_are_checked(run_module, option, value, message):
    args = dict(CREDENTIALS, api_url=LOCAL)
    args[option] = value
    code, result = run_module(module_main(echo_params, wait_argument_spec(60, 5)), args)
    assert (code, result["msg"]) == (1, message)


def test_wait_sleep_accepts_fractions_and_wait_defaults_come_from_the_module(run_module):
    def body(module):
        return {"changed": False, "wait": module.params["wait"], "wait_timeout": module.params["wait_timeout"],
                "wait_sleep": module.params["wait_sleep"]}
    code, result = run_module(module_main(body, wait_argument_spec(3600, 30, wait_default=False)),
                              dict(CREDENTIALS, wait_sleep=0.25))
    assert code == 0
    assert (result["wait"], result["wait_timeout"], result["wait_sleep"]) == (False, 3600, 0.25)


def test_check_mode_is_supported_by_default(run_module):
    code, result = run_module(module_main(echo_params), dict(CREDENTIALS, _ansible_check_mode=True))
    assert (code, result["check_mode"]) == (0, True)
    assert "skipped" not in result


def test_missing_requests_fails_with_the_standard_message(run_module, monkeypatch):
    monkeypatch.setattr(_module, "HAS_REQUESTS", False)
    code, result = run_module(module_main(echo_params), CREDENTIALS)
    assert code == 1
    assert "Failed to import the required Python library (requests)" in result["msg"]


# --- session and backend ------------------------------------------------------------------------------

@responses.activate
def test_the_session_is_built_once_from_the_options_and_retries_use_the_module_clock(run_module, fake_time):
    responses.get(LOCAL + BACKUPS, status=429)
    responses.get(LOCAL + BACKUPS, json={"id": "c"}, headers={"Date": "Fri, 20 Nov 2026 10:00:00 GMT"})

    def body(module):
        session = module.session
        assert module.session is session
        answer = session.get(BACKUPS, "list backups")
        before = session.clock.now_ms()
        module.sleep(90)  # the server clock moves with the module's monotonic clock
        assert abs(session.clock.now_ms() - before - 90000) <= 1  # each reading rounds to whole ms
        return {"changed": False, "id": answer.json["id"], "timeout": session.timeout, "retries": session.retries,
                "cap": session.retry_max_delay, "loopback": session.is_loopback, "retried": session.retry_count,
                "server_now": session.clock.now_ms()}
    code, result = run_module(module_main(body), dict(CREDENTIALS, api_url=LOCAL, api_timeout=7.5, api_retries=3,
                                                      api_retry_max_delay=4))
    assert code == 0
    assert (result["id"], result["timeout"], result["retries"], result["cap"]) == ("c", 7.5, 3, 4)
    assert (result["loopback"], result["retried"]) == (True, 1)
    assert result["server_now"] == 1795168800000 + 90000
    assert len(fake_time.sleeps) == 2  # the retry and the 90 s slept on the fake clock, not for real


@responses.activate
def test_every_request_goes_through_the_accounts_shared_budget_in_the_state_folder(run_module, tmp_path, monkeypatch, fake_time):
    responses.get(LOCAL + BACKUPS, status=429)
    responses.get(LOCAL + BACKUPS, json={"id": "c"})
    monkeypatch.setenv("IC_API_RATE_LIMIT", "12.5")

    def body(module):
        module.session.get(BACKUPS, "list backups")
        budget = module.session.budget
        return {"changed": False, "rate": budget.rate, "acquired": budget.acquired, "path": budget.path}
    code, result = run_module(module_main(body), dict(CREDENTIALS, api_url=LOCAL, state_dir=str(tmp_path)))
    assert code == 0
    assert (result["rate"], result["acquired"]) == (12.5, 2)  # from the environment; the retry took a slot too
    assert result["path"].startswith(str(tmp_path) + "/") and Path(result["path"]).is_file()


def test_an_api_rate_limit_of_zero_switches_the_budget_off(run_module, tmp_path):
    def body(module):
        return {"changed": False, "budget": repr(module.session.budget)}
    code, result = run_module(module_main(body), dict(CREDENTIALS, api_url=LOCAL, state_dir=str(tmp_path), api_rate_limit=0))
    assert (code, result["budget"]) == (0, "None")
    assert list(tmp_path.iterdir()) == []


def test_the_backend_wraps_the_session_and_is_imported_lazily(run_module, monkeypatch):
    class FakeBackend:
        def __init__(self, session):
            self.session = session
    fake = types.ModuleType("fake_provisioning_v1")
    fake.ProvisioningV1 = FakeBackend
    monkeypatch.setitem(sys.modules, "ansible_collections.restorekit.instaclustr.plugins.module_utils._provisioning_v1", fake)

    def body(module):
        backend = module.backend
        return {"changed": False, "same": module.backend is backend and backend.session is module.session,
                "kind": type(backend).__name__}
    code, result = run_module(module_main(body), CREDENTIALS)
    assert (code, result["same"], result["kind"]) == (0, True, "FakeBackend")


@pytest.mark.parametrize("args, env, expected", [
    ({}, None, ("v1", "ProvisioningV1")),
    ({"api_version": "v2"}, None, ("v2", "ClusterManagementV2")),
    ({}, "v2", ("v2", "ClusterManagementV2")),
    ({"api_version": "v1"}, "v2", ("v1", "ProvisioningV1")),
])
def test_api_version_picks_the_backend_once(run_module, monkeypatch, args, env, expected):
    if env is not None:
        monkeypatch.setenv("IC_API_VERSION", env)

    def body(module):
        backend = module.backend
        return {"changed": False, "version": backend.api_version, "kind": type(backend).__name__,
                "once": module.backend is backend and backend.session is module.session}
    code, result = run_module(module_main(body), dict(CREDENTIALS, **args))
    assert (code, (result["version"], result["kind"]), result["once"]) == (0, expected, True)


@responses.activate
@pytest.mark.parametrize("args, env", [({"api_version": "v3"}, None), ({"api_version": "V2"}, None), ({}, "2")])
def test_an_unknown_api_version_fails_naming_the_option_before_any_request(run_module, monkeypatch, args, env):
    if env is not None:
        monkeypatch.setenv("IC_API_VERSION", env)

    def body(module):
        module.backend.list_clusters()
        return {"changed": False}
    code, result = run_module(module_main(body), dict(CREDENTIALS, api_url=LOCAL, **args))
    assert code == 1
    assert result["msg"].startswith("value of api_version must be one of: v1, v2, got: ")
    assert len(responses.calls) == 0


# --- the failure funnel ----------------------------------------------------------------------------

def raising(error):
    def body(module):
        raise error
    return body


def test_option_errors_become_option_colon_rule(run_module):
    code, result = run_module(module_main(raising(OptionError("name", "must be 3 to 48 characters (got 2 characters)"))),
                              CREDENTIALS)
    assert code == 1
    assert result["msg"] == "name: must be 3 to 48 characters (got 2 characters)"
    assert "exception" not in result


def test_api_errors_give_the_description_and_the_parsed_error(run_module):
    error = ApiError("restore", "POST", BACKUPS + "/restore", status=412,
                     body={"cluster": "x", "status": "Pre-condition failed", "reason": "no backup covers it"})
    code, result = run_module(module_main(raising(error)), CREDENTIALS)
    assert code == 1
    assert result["msg"] == "restore failed: HTTP 412: no backup covers it (hint: no complete backup covers the requested point in time)"
    assert result["api_error"] == {"operation": "restore", "method": "POST", "path": BACKUPS + "/restore", "status": 412,
                                   "content_type": None, "body": {"cluster": "x", "status": "Pre-condition failed", "reason": "no backup covers it"}}
    assert "exception" not in result


def test_wait_timeouts_give_the_last_state_and_elapsed(run_module):
    error = WaitTimeout("timed out after 60 s waiting for the backup", last_seen={"progress": 0.4}, elapsed=60.2)
    code, result = run_module(module_main(raising(error)), CREDENTIALS)
    assert code == 1
    assert result["msg"] == "timed out after 60 s waiting for the backup"
    assert (result["last_seen"], result["elapsed"]) == ({"progress": 0.4}, 60.2)


def test_operation_failures_give_details_and_rerun_safe(run_module):
    details = {"changed": False, "request": {"name": "x-restore"}, "msg": "must not override"}
    error = OperationFailed("the outcome of the restore is unknown", details=details, rerun_safe=True)
    code, result = run_module(module_main(raising(error)), CREDENTIALS)
    assert code == 1
    assert result["msg"] == "the outcome of the restore is unknown"
    assert (result["request"], result["rerun_safe"], result["changed"]) == ({"name": "x-restore"}, True, False)


def test_rerun_safe_is_left_out_when_it_does_not_apply(run_module):
    code, result = run_module(module_main(raising(OperationFailed("backup FAILED on node n1", details={"failed_nodes": ["n1"]}))),
                              CREDENTIALS)
    assert (code, result["failed_nodes"]) == (1, ["n1"])
    assert "rerun_safe" not in result


def test_unexpected_exceptions_are_not_swallowed(run_module):
    with pytest.raises(ZeroDivisionError):
        run_module(module_main(lambda module: 1 / 0), CREDENTIALS)


# --- redaction ------------------------------------------------------------------------------------------

def test_results_lose_password_fields_at_any_depth_and_never_show_the_key(run_module):
    def body(module):
        return {"changed": False,
                "cluster": {"id": "c", "instaclustrUserPassword": "pw1", "data_centres": [{"id": "d", "Password": "pw2",
                                                                                          "nodes": [{"db_password_hint": "pw3"}]}]},
                "note": "the key is " + KEY}
    code, result = run_module(module_main(body), CREDENTIALS)
    assert code == 0
    assert result["cluster"] == {"id": "c", "data_centres": [{"id": "d", "nodes": [{}]}]}
    assert KEY not in repr(result)
    for secret in ("pw1", "pw2", "pw3"):
        assert secret not in repr(result)


def test_failures_are_redacted_too(run_module):
    error = OperationFailed("failed with " + KEY, details={"cluster": {"instaclustr_user_password": "pw"}})
    code, result = run_module(module_main(raising(error)), CREDENTIALS)
    assert code == 1
    assert KEY not in repr(result)
    assert result["cluster"] == {}


def test_redact_function():
    value = {"a": [{"password": "x", "b": "has SECRET inside"}, ("SECRET",)], "adminPassword": "y", 3: "SECRET", "n": 5}
    assert redact(value, "SECRET") == {"a": [{"b": "has ******** inside"}, ["********"]], 3: "********", "n": 5}
    assert redact({"x": "SECRET"}) == {"x": "SECRET"}  # no secret given: only password keys go
    assert value["adminPassword"] == "y"  # the input is not modified


# --- argument spec and doc fragments agree ------------------------------------------------------------

def fragment_options(fragment_class, variable="DOCUMENTATION"):
    return yaml.safe_load(getattr(fragment_class.ModuleDocFragment, variable))["options"]


def test_api_fragment_documents_the_argument_spec_exactly():
    documented = fragment_options(api_fragment)
    assert sorted(documented) == sorted(API_ARGUMENT_SPEC)
    for name, spec in API_ARGUMENT_SPEC.items():
        doc = documented[name]
        assert doc["type"] == spec["type"], name
        assert doc.get("default") == spec.get("default"), name
        assert bool(doc.get("required")) == bool(spec.get("required")), name
    for name, variable in (("api_username", "IC_USERNAME"), ("api_key", "IC_API_KEY"), ("api_url", "IC_API_URL"),
                           ("api_version", "IC_API_VERSION"), ("api_rate_limit", "IC_API_RATE_LIMIT")):
        assert API_ARGUMENT_SPEC[name]["fallback"][1] == [variable]
        assert "E(%s)" % variable in " ".join(documented[name]["description"])
    assert API_ARGUMENT_SPEC["api_key"]["no_log"] is True
    assert documented["api_version"]["choices"] == API_ARGUMENT_SPEC["api_version"]["choices"] == ["v1", "v2"]


def test_wait_fragment_documents_the_wait_spec_without_defaults():
    documented = fragment_options(wait_fragment)
    spec = wait_argument_spec(5400, 30)
    assert WAIT_ARGUMENT_SPEC is wait_argument_spec
    assert sorted(documented) == sorted(spec)
    for name, option in spec.items():
        assert documented[name]["type"] == option["type"]
        assert "default" not in documented[name]  # each module documents its own default
    assert spec["wait_sleep"]["type"] == "float"


@pytest.mark.parametrize("variable", ["DOCUMENTATION", "INFO_MODULE"])
def test_attribute_fragments_declare_the_action_group(variable):
    attributes = yaml.safe_load(getattr(attributes_fragment.ModuleDocFragment, variable))["attributes"]
    assert attributes["action_group"]["membership"] == ["restorekit.instaclustr.all"]
    assert set(attributes) == {"check_mode", "diff_mode", "action_group"}


def test_info_variant_is_read_only():
    attributes = yaml.safe_load(attributes_fragment.ModuleDocFragment.INFO_MODULE)["attributes"]
    assert attributes["check_mode"]["support"] == "full"
    assert attributes["diff_mode"]["support"] == "N/A"


def test_fragments_and_module_utils_carry_their_license_headers():
    root = Path(__file__).resolve().parents[4] / "plugins"
    for name in ("_clock.py", "_http.py", "_rules.py", "_waiter.py", "_module.py"):
        text = (root / "module_utils" / name).read_text()
        assert "SPDX-License-Identifier: BSD-2-Clause" in text and "**PRIVATE**" in text, name
    for name in ("api.py", "wait.py", "attributes.py"):
        assert "SPDX-License-Identifier: GPL-3.0-or-later" in (root / "doc_fragments" / name).read_text(), name


READ_ONLY_IMPORTS = """
import sys, tempfile
from ansible_collections.restorekit.instaclustr.plugins.modules import cluster_backup_info
from ansible_collections.restorekit.instaclustr.plugins.module_utils._budget import budget_for
budget_for(tempfile.mkdtemp(), "https://api.instaclustr.com", "alice", 30).acquire()
print(" ".join(name for name in ("uuid", "ansible_collections.restorekit.instaclustr.plugins.module_utils._waiter") if name in sys.modules))
"""


def test_a_read_only_task_imports_neither_the_waiter_nor_what_only_a_restore_record_needs():
    import os
    import subprocess

    from tests.support.collection import collections_root

    env = dict(os.environ, PYTHONPATH=str(collections_root()))
    result = subprocess.run([sys.executable, "-c", READ_ONLY_IMPORTS], capture_output=True, text=True, env=env, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""  # each file a module imports out of its zip is compiled twice on every task
