# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
#
# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""The base every module builds on: common options, one API session, one failure funnel, redaction.

A module does::

    module = RestorekitModule(argument_spec=dict(cluster_id=dict(type="str", required=True)))
    module.run(lambda: {"changed": False, "clusters": ...})

``run`` exits with the redacted result, or fails with one clear message for every ``RestorekitError``.
"""

from __future__ import annotations

import time

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ansible_collections.restorekit.instaclustr.plugins.module_utils._budget import budget_for
from ansible_collections.restorekit.instaclustr.plugins.module_utils._errors import (
    ApiError,
    OperationFailed,
    OptionError,
    RestorekitError,
    WaitTimeout,
)
from ansible_collections.restorekit.instaclustr.plugins.module_utils._http import (
    HAS_REQUESTS,
    INSECURE_WARNING,
    REQUESTS_IMPORT_TRACEBACK,
    ApiSession,
)
from ansible_collections.restorekit.instaclustr.plugins.module_utils._rules import check_api_url, check_non_negative, check_positive
from ansible_collections.restorekit.instaclustr.plugins.module_utils._secrets import Secrets

DEFAULT_API_URL = "https://api.instaclustr.com"
API_VERSIONS = ("v1", "v2")
# The values of ``application`` (the rows of _applications.APPLICATIONS); v1 serves the first only.
APPLICATION_NAMES = ("cassandra", "postgresql", "opensearch", "redis")
V1_APPLICATIONS = ("cassandra",)

# Documented by plugins/doc_fragments/api.py; a unit test keeps the two equal.
API_ARGUMENT_SPEC = {
    "api_username": {"type": "str", "required": True, "fallback": (env_fallback, ["IC_USERNAME"])},
    "api_key": {"type": "str", "required": True, "no_log": True, "fallback": (env_fallback, ["IC_API_KEY"])},
    "api_url": {"type": "str", "default": DEFAULT_API_URL, "fallback": (env_fallback, ["IC_API_URL"])},
    "api_version": {"type": "str", "default": "v1", "choices": list(API_VERSIONS), "fallback": (env_fallback, ["IC_API_VERSION"])},
    "application": {"type": "str", "default": "cassandra", "choices": list(APPLICATION_NAMES)},
    "api_timeout": {"type": "float", "default": 60},
    "api_retries": {"type": "int", "default": 5},
    "api_retry_max_delay": {"type": "float", "default": 30},
    "validate_certs": {"type": "bool", "default": True},
    "ca_path": {"type": "path"},
    "state_dir": {"type": "path", "fallback": (env_fallback, ["RESTOREKIT_STATE_DIR"])},
    "api_rate_limit": {"type": "float", "default": 30, "fallback": (env_fallback, ["IC_API_RATE_LIMIT"])},
}

POSITIVE_OPTIONS = ("api_timeout", "wait_timeout", "wait_sleep")
NON_NEGATIVE_OPTIONS = ("api_retries", "api_retry_max_delay", "api_rate_limit")
# A failure's details must not overwrite what fail_json itself sets.
_RESERVED_FAILURE_KEYS = frozenset(("msg", "failed"))


def wait_argument_spec(timeout_default, sleep_default, wait_default=True):
    """The ``wait``/``wait_timeout``/``wait_sleep`` options (plugins/doc_fragments/wait.py) with this module's defaults."""
    return {
        "wait": {"type": "bool", "default": wait_default},
        "wait_timeout": {"type": "float", "default": timeout_default},
        "wait_sleep": {"type": "float", "default": sleep_default},
    }


# docs/architecture.md calls the builder WAIT_ARGUMENT_SPEC; both names work.
WAIT_ARGUMENT_SPEC = wait_argument_spec


def redact(value, secret=None):
    """A copy of ``value`` without any key containing ``password`` (any case, any depth), secrets masked in strings.

    ``secret`` is a ``Secrets`` register (every form of every secret) or one plain secret string.
    """
    if isinstance(secret, str):
        single = Secrets()
        single.register(secret)
        secret = single
    return _redact(value, secret)


def _redact(value, secrets):
    if isinstance(value, dict):
        return {_redact(key, secrets): _redact(item, secrets) for key, item in value.items() if not _is_password_key(key)}
    if isinstance(value, (list, tuple)):
        return [_redact(item, secrets) for item in value]
    if secrets is not None and isinstance(value, str):
        return secrets.mask(value)
    return value


def _is_password_key(key):
    return isinstance(key, str) and "password" in key.lower()


def failure_result(error):
    """The ``fail_json`` arguments for a ``RestorekitError``: ``msg`` plus what the user needs to act on it."""
    if isinstance(error, ApiError):
        return {"msg": error.describe(), "api_error": error.to_result()}
    if isinstance(error, WaitTimeout):
        return {"msg": str(error), "last_seen": error.last_seen, "elapsed": error.elapsed}
    if isinstance(error, OperationFailed):
        result = {key: value for key, value in error.details.items() if key not in _RESERVED_FAILURE_KEYS}
        if error.rerun_safe is not None:
            result["rerun_safe"] = error.rerun_safe
        result["msg"] = str(error)
        return result
    return {"msg": str(error)}  # OptionError: "option: rule"


class RestorekitModule(AnsibleModule):
    """``AnsibleModule`` with the common API options, a lazy ``session`` and ``backend``, and ``run``.

    ``sleep`` and ``monotonic`` are the module's clock; unit tests replace them (see the
    ``fake_time`` fixture in tests/unit/conftest.py) so retries and waits take no real time.
    Retries the session makes are logged at debug level (``ANSIBLE_DEBUG``) and kept in
    ``module.session.retry_log``; they are not added to results.
    """

    sleep = staticmethod(time.sleep)
    monotonic = staticmethod(time.monotonic)

    def __init__(self, argument_spec=None, supports_check_mode=True, **kwargs):
        spec = dict(API_ARGUMENT_SPEC)
        spec.update(argument_spec or {})
        super().__init__(argument_spec=spec, supports_check_mode=supports_check_mode, **kwargs)
        if not HAS_REQUESTS:
            self.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_TRACEBACK)
        # The one register of this run's secrets: the key and base64(user:key) (with and without padding) now, any
        # password a later step reads or takes later; each form also goes to no_log_values, so Ansible masks it too.
        self.secrets = Secrets(on_register=self.no_log_values.add)
        self.secrets.register(self.params.get("api_key"), username=self.params.get("api_username"))
        self._session = None
        self._backend = None
        self._state = None
        self.api_url = None
        try:
            self.api_url = self._check_common_options()
        except OptionError as error:
            self.fail_redacted(**failure_result(error))
        if not self.params["validate_certs"]:
            self.warn(INSECURE_WARNING)

    def _check_common_options(self):
        """Rules the argument spec cannot express; returns the cleaned API URL."""
        for option in POSITIVE_OPTIONS:
            if self.params.get(option) is not None:
                check_positive(self.params[option], option)
        for option in NON_NEGATIVE_OPTIONS:
            check_non_negative(self.params[option], option)
        if self.params["api_version"] == "v1" and self.params["application"] not in V1_APPLICATIONS:
            raise OptionError("application", "%s needs api_version: v2; with api_version: v1 (the Provisioning API) only "
                              "%s is accepted" % (self.params["application"], ", ".join(V1_APPLICATIONS)))
        return check_api_url(self.params["api_url"])

    @property
    def session(self):
        """The one ``ApiSession`` of this run, built on first use, sending through the account's request budget.

        The budget (``_budget.RequestBudget``, none when ``api_rate_limit`` is 0) is shared with every other
        process of this machine for the same API URL and user, through the state folder.
        """
        if self._session is None:
            params = self.params
            self._session = ApiSession(
                self.api_url, params["api_username"], params["api_key"],
                timeout=params["api_timeout"], retries=params["api_retries"],
                retry_max_delay=params["api_retry_max_delay"], validate_certs=params["validate_certs"],
                ca_path=params["ca_path"], sleep=self.sleep, monotonic=self.monotonic, on_retry=self._log_retry,
                secrets=self.secrets,
                budget=budget_for(params.get("state_dir"), self.api_url, params["api_username"], params["api_rate_limit"],
                                  sleep=self.sleep),
            )
        return self._session

    @property
    def state(self):
        """The collection's state folder for this API account (``_state.StateFolder``), made on first write."""
        if self._state is None:
            from ansible_collections.restorekit.instaclustr.plugins.module_utils._state import StateFolder
            self._state = StateFolder(self.params.get("state_dir"), self.api_url, self.params["api_username"])
        return self._state

    @property
    def backend(self):
        """The API backend of ``api_version``, built once on first use around ``session``.

        ``ProvisioningV1`` for ``v1`` (Cassandra), ``ClusterManagementV2`` of ``application`` for ``v2``:
        the same methods, so no module ever asks which version or application it talks to; what differs
        per application is read from ``backend.app`` (a row of ``_applications.APPLICATIONS``).
        """
        if self._backend is None:
            self._backend = self.backend_for(self.params["api_version"], self.params["application"])
        return self._backend

    def backend_for(self, api_version, application):
        """A new backend of ``api_version`` and ``application`` around this run's ``session`` (``cluster_wait`` waits for
        clusters of several applications and versions from one process; every other module uses ``backend``)."""
        # Imported here so this base does not depend on the wire layer until a module needs it.
        if api_version == "v2":
            from ansible_collections.restorekit.instaclustr.plugins.module_utils._cluster_management_v2 import ClusterManagementV2
            return ClusterManagementV2(self.session, application=application, state=self.state)
        from ansible_collections.restorekit.instaclustr.plugins.module_utils._provisioning_v1 import ProvisioningV1
        return ProvisioningV1(self.session)

    def wait_until(self, fetch, done, timeout, waiting_for, failed=None, describe=repr):
        """``_waiter.wait_until`` polling every ``wait_sleep`` (floored for remote hosts) on this module's clock."""
        # Imported here: a read-only task never waits (the file is shipped all the same, the finder sees this import).
        from ansible_collections.restorekit.instaclustr.plugins.module_utils._waiter import poll_interval, wait_until

        return wait_until(fetch, done, failed=failed, timeout=timeout,
                          sleep=poll_interval(self.params["wait_sleep"], self.session.is_loopback), describe=describe,
                          monotonic=self.monotonic, sleeper=self.sleep, waiting_for=waiting_for)

    def _log_retry(self, entry):
        self.debug("restorekit retry %(retry)s of %(method)s %(path)s (%(operation)s) after %(cause)s, "
                   "sleeping %(delay_seconds)s s" % entry)

    def run(self, body):
        """Run the module body (returns the result dict) and exit; a ``RestorekitError`` becomes one clean failure."""
        failure = None
        try:
            result = body()
        except RestorekitError as error:
            failure = failure_result(error)
        if failure is not None:
            # Failing outside the except block: these are expected failures, not crashes to trace.
            self.fail_redacted(**failure)
        self.exit_redacted(**(result or {}))

    def exit_redacted(self, **result):
        """``exit_json`` without password fields and with every secret form masked."""
        self.exit_json(**redact(result, self.secrets))

    def fail_redacted(self, msg, **result):
        """``fail_json`` without password fields and with every secret form masked."""
        self.fail_json(msg=redact(msg, self.secrets), **redact(result, self.secrets))
