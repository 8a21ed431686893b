"""What each module ships and imports at start, as AnsiballZ runs it.

    python benchmarks/module_payload.py COLLECTIONS_ROOT REPETITIONS

For every module of the collection, and ``uri`` and ``ping`` beside them: the AnsiballZ zip built by
ansible-core's own ``recursive_finder`` (its size, its file count, the collection module_utils in it),
then, in fresh processes importing from that zip (every file compiled from source, as on a host):
CPU milliseconds to import ``ansible.module_utils.basic`` (every module pays it), then the module
itself (its module_utils and libraries such as ``requests``), then the backend it imports when it
runs on v1, then the v2 one on top of it (what v2 adds), and the self time of each collection file (``-X importtime``). Medians over
REPETITIONS processes. Prints JSON on stdout.
"""

import datetime
import io
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

MODULES = ("cluster_backup_info", "cluster_info", "cluster_backup", "cluster_restore", "drill_evidence")
PREFIX = "ansible_collections.restorekit.instaclustr.plugins."
BACKENDS = {"v1": PREFIX + "module_utils._provisioning_v1", "v2": PREFIX + "module_utils._cluster_management_v2"}

CHILD = r"""
import importlib, json, sys, time
sys.path.insert(0, sys.argv[1])
clock = time.process_time
marks = [clock()]
import ansible.module_utils.basic
marks.append(clock())
for name in sys.argv[2:]:
    importlib.import_module(name)
    marks.append(clock())
print(json.dumps([(after - before) * 1000 for before, after in zip(marks, marks[1:])]))
"""


def build_zip(name, path, fqn):
    """The AnsiballZ payload (zip) of one module, as the controller builds it."""
    from ansible._internal._ansiballz import _builder
    from ansible.executor.module_common import recursive_finder

    data = Path(path).read_bytes()
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        recursive_finder(name, fqn, data, archive, datetime.datetime.now(datetime.timezone.utc),
                         _builder.ExtensionManager.create(task_vars={}))
        archive.writestr(fqn.replace(".", "/") + ".py", data)
        present = set(archive.namelist())
        parts = fqn.split(".")
        for depth in range(1, len(parts)):  # the module's own package, as _add_module_to_zip adds it
            init = "/".join(parts[:depth]) + "/__init__.py"
            if init not in present:
                archive.writestr(init, b"")
    return output.getvalue()


def import_costs(zip_path, fqn, backends, repetitions):
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    env.pop("PYTHONPATH", None)  # only the zip (and the interpreter's site-packages, for requests)
    totals, files = [], {}
    for _repetition in range(repetitions):
        out = subprocess.run([sys.executable, "-X", "importtime", "-c", CHILD, zip_path, fqn, *backends],
                             capture_output=True, text=True, env=env, check=False)
        if out.returncode:
            raise RuntimeError("importing %s from its payload failed:\n%s" % (fqn, out.stderr[-2000:]))
        totals.append(json.loads(out.stdout))
        for line in out.stderr.splitlines():
            match = re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)", line)
            if match and match.group(2).startswith(PREFIX + "module_utils."):
                files.setdefault(match.group(2).rsplit(".", 1)[1], []).append(int(match.group(1)) / 1000.0)
    columns = [statistics.median(column) for column in zip(*totals)]
    result = {"basic_ms": columns[0], "module_ms": columns[1]}
    result.update({"backend_%s_ms" % version: value for version, value in zip(sorted(BACKENDS), columns[2:])})
    result["module_utils_self_ms"] = {name: round(statistics.median(values), 2) for name, values in sorted(files.items())}
    return result


def main(root, repetitions):
    sys.path.insert(0, root)
    from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder

    _AnsibleCollectionFinder(paths=[root])._install()
    import ansible.modules.ping
    import ansible.modules.uri

    modules_dir = Path(root) / "ansible_collections" / "restorekit" / "instaclustr" / "plugins" / "modules"
    targets = [(name, modules_dir / (name + ".py"), PREFIX + "modules." + name) for name in MODULES]
    targets += [("uri", ansible.modules.uri.__file__, "ansible.modules.uri"),
                ("ping", ansible.modules.ping.__file__, "ansible.modules.ping")]
    report = {}
    with tempfile.TemporaryDirectory(prefix="bench-payload-") as workdir:
        for name, path, fqn in targets:
            data = build_zip(name, path, fqn)
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
            zip_path = os.path.join(workdir, name + ".zip")
            Path(zip_path).write_bytes(data)
            ours = fqn.startswith(PREFIX)
            backends = [BACKENDS[version] for version in sorted(BACKENDS)] if ours and name != "drill_evidence" else []
            entry = {
                "zip_bytes": len(data),
                "files": len(names),
                "collection_module_utils": sorted(Path(item).stem for item in names
                                                  if "/module_utils/_" in item and item.startswith("ansible_collections/")),
            }
            entry.update(import_costs(zip_path, fqn, backends, repetitions))
            report[name] = entry
    sys.stdout.write(json.dumps(report) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
