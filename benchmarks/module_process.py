"""Run one module's ``main()`` in this process, as AnsiballZ would, for benchmarks that need the
module process alone (its peak memory, its time): ``python module_process.py NAME ARGS_JSON OUT``.

The module's JSON result goes to the file OUT, unparsed, so this process holds no extra copy of
it; the time spent in import + ``main()`` is printed on stderr as JSON.
"""

import contextlib
import importlib
import json
import sys
import time


def main(name, args_json, out_path):
    start = time.perf_counter()
    from ansible.module_utils.testing import patch_module_args

    module = importlib.import_module("ansible_collections.restorekit.instaclustr.plugins.modules." + name)
    imported = time.perf_counter()
    with open(out_path, "w", encoding="utf-8") as out, patch_module_args(json.loads(args_json)), \
            contextlib.redirect_stdout(out):
        try:
            module.main()
        except SystemExit:
            pass
    done = time.perf_counter()
    sys.stderr.write(json.dumps({"import_seconds": imported - start, "main_seconds": done - imported}) + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:4])
