"""Fail a test when ansible-core prints a deprecation warning, if the run asks for it.

The Makefile's newest-ansible-core layers (``make integration-newest``, ``make drill-newest``) set
``RESTOREKIT_FAIL_ON_DEPRECATION=1``: an API or a behaviour deprecated there is removed a release or
two later, so a ``[DEPRECATION WARNING]`` in the output of a playbook run fails the test that ran
it, before it becomes an error for users. The other layers leave the variable unset (2.16 and 2.19
warn about things they never remove).

    env = deprecations.ansible_env(dict(os.environ))   # deprecation warnings on when checking
    ...run ansible-playbook with env...
    deprecations.check(output, "cluster_info.yml")     # AssertionError listing the warnings
"""

from __future__ import annotations

import os

ENV_VAR = "RESTOREKIT_FAIL_ON_DEPRECATION"
MARKER = "[DEPRECATION WARNING]"


def enabled(environ=None):
    """Whether this test run fails on deprecation warnings (the variable is set and not 0/false)."""
    value = (os.environ if environ is None else environ).get(ENV_VAR, "").strip().lower()
    return value not in ("", "0", "false", "no")


def ansible_env(env, environ=None):
    """Return ``env`` with ansible-core's deprecation warnings switched on when they are checked.

    ``ANSIBLE_DEPRECATION_WARNINGS=False`` in a developer's shell must not hide them from the check.
    """
    if enabled(environ):
        env["ANSIBLE_DEPRECATION_WARNINGS"] = "True"
    return env


def warnings_in(output):
    """The deprecation warnings in ansible output: each marker line with the indented lines after it."""
    found = []
    lines = output.splitlines()
    for index, line in enumerate(lines):
        if MARKER not in line:
            continue
        block = [line.strip()]
        for follow in lines[index + 1:index + 6]:
            if not follow.startswith((" ", "\t")) or MARKER in follow:
                break
            block.append(follow.strip())
        found.append(" ".join(block))
    return found


def check(output, what, environ=None):
    """Raise AssertionError naming ``what`` when checking is on and ``output`` holds a deprecation warning."""
    if not enabled(environ):
        return
    found = warnings_in(output)
    if found:
        raise AssertionError("%s printed %d deprecation warning(s) (%s=1 fails on them):\n%s"
                             % (what, len(found), ENV_VAR, "\n".join(found)))
