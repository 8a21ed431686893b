"""Run a module's ``main()`` in this process and read its JSON result, as Ansible would.

Used by unit tests (with the HTTP layer mocked) and by the reliability suites (against a live
emulator): no playbook, no subprocess, so large matrices stay fast.
"""

import contextlib
import io
import json

from ansible.module_utils import basic

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core < 2.19
    from unittest import mock

    @contextlib.contextmanager
    def patch_module_args(args):
        payload = json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode()
        with mock.patch.object(basic, "_ANSIBLE_ARGS", payload):
            yield


def run_module_main(module, args, check_mode=False, diff=False):
    """Run ``module.main()`` with ``args``; return ``(failed, result)``.

    ``module`` is the imported module object (e.g. ``cluster_restore``). The result is the JSON
    the module printed, so it is exactly what a playbook would receive.
    """
    args = dict(args)
    if check_mode:
        args["_ansible_check_mode"] = True
    if diff:
        args["_ansible_diff"] = True
    stdout = io.StringIO()
    with patch_module_args(args), contextlib.redirect_stdout(stdout):
        try:
            module.main()
        except SystemExit:
            pass
    text = stdout.getvalue()
    try:
        result = json.loads(text)
    except ValueError:
        raise AssertionError("module printed no JSON result: %r" % text[-2000:])
    return bool(result.get("failed")), result
