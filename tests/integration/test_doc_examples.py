"""Every YAML example of the docs runs against the emulator, or is at least syntax-checked (issue 14).

The examples are found by tests/support/doc_examples.py (README.md, docs/**/*.md, roles/*/README.md,
the modules' and filters' EXAMPLES, docs/examples/*.yml), so an example added later is tested
without editing this file. docs/development.md ("Every example in the docs runs") states the rules:

- ``test_examples_syntax``: every playbook and task list (runnable or marked
  ``example: syntax-only (reason)``) passes ``ansible-playbook --syntax-check``; every
  ``restorekit.instaclustr.<name>`` it writes exists; its arguments to the collection's modules fit
  their argument specs. Inventories, variable files and ini snippets are parsed by the discovery; the
  ``backup_restore_drill_*`` variables of inventories and variable files must fit the role's argument specs.
  Runs on every ansible-core of the integration layers (one process, a few seconds).
- ``test_examples_run``: the runnable ones run against emulators, batched: one ``ansible-playbook``
  for the examples on the ``default`` scenario, one for those on ``mixed`` (an example that writes
  ``api_version: v2`` or ``application:``), and one ``dr_drill`` run per drill inventory, each
  against its own emulator and all at once. Runs on ansible-core 2.19 (``make integration``) only.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from tests.integration.test_modules_playbooks import ansible_playbook
from tests.support import deprecations
from tests.support import doc_examples
from tests.support.emulator import ORDERS_PROD_ID, PAYMENTS_PG_ID, SEARCH_OS_ID, SESSIONS_REDIS_ID, running_emulator

# 600 simulated seconds per real second; a backup takes 60 simulated seconds, a restore 120, a deletion 60:
# each a fraction of a real second, so the runs' time is ansible's own.
TIME_SCALE = 600
EMULATOR_ARGS = ("--backup-duration", "60", "--restore-duration", "120", "--delete-duration", "60")
WAIT_SLEEP = 0.2


def example_vars(emulator):
    """The variables examples leave to the reader (credentials, ids), given to every run as extra
    variables; the credentials are the emulator's. Add one here when an example needs another."""
    return {
        "instaclustr_user": emulator.username, "instaclustr_api_key": emulator.api_key,
        "vault_ic_username": emulator.username, "vault_ic_api_key": emulator.api_key,
        "source_cluster_id": ORDERS_PROD_ID,
        "payments_pg_id": PAYMENTS_PG_ID, "search_os_id": SEARCH_OS_ID, "sessions_redis_id": SESSIONS_REDIS_ID,
    }


# The drill's polls and timeouts at the emulator's pace (as tests/drill does); example variables never set them.
DRILL_VARS = {
    "backup_restore_drill_wait_sleep": WAIT_SLEEP,
    "backup_restore_drill_backup_wait_timeout": 300,
    "backup_restore_drill_restore_wait_timeout": 300,
    "backup_restore_drill_delete_wait_timeout": 300,
}
RUN_TIMEOUT = 240

EXAMPLES = doc_examples.discover()


def core_version():
    output = subprocess.run([ansible_playbook(), "--version"], capture_output=True, text=True, check=False).stdout
    found = re.search(r"core (\d+)\.(\d+)", output)
    return (int(found.group(1)), int(found.group(2))) if found else None


def ansible_env(emulator=None):
    env = dict(os.environ, ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
               ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", ANSIBLE_RETRY_FILES_ENABLED="false")
    for name in ("IC_API_URL", "IC_USERNAME", "IC_API_KEY", "IC_API_VERSION"):
        env.pop(name, None)
    if emulator is not None:
        env.update(emulator.credentials_env())
    return deprecations.ansible_env(env)


def write_playbook(folder, example, plays):
    path = Path(folder) / ("%s.yml" % example.slug)
    path.write_text(yaml.safe_dump(plays, sort_keys=False, width=1000), encoding="utf-8")
    return path


# --- syntax ------------------------------------------------------------------------------------

def test_examples_syntax(tmp_path):
    api = {"api_url": "http://127.0.0.1:1", "api_username": "demo", "api_key": "demo-key"}
    playbooks, problems = [], []
    for example in EXAMPLES:
        for variables in doc_examples.example_variables(example):
            problems.extend("%s: %s" % (example.source, problem) for problem in doc_examples.role_variable_problems(variables))
        if example.kind not in ("playbook", "tasks"):
            continue
        plays = doc_examples.plays_of(example, example.text, api, WAIT_SLEEP)
        playbooks.append(write_playbook(tmp_path, example, plays))
        problems.extend("%s: %s" % (example.source, problem) for problem in reference_problems(example))
        for task in doc_examples.tasks_in(example.data, example.kind):
            problems.extend("%s: %s" % (example.source, problem) for problem in doc_examples.module_argument_problems(task))
    assert not problems, "\n".join(problems)
    completed = subprocess.run([ansible_playbook(), "--syntax-check", *map(str, playbooks)], cwd=str(tmp_path),
                               env=ansible_env(), capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, "syntax check of the doc examples failed:\n%s" % output[-8000:]
    deprecations.check(output, "the syntax check of the doc examples")


def reference_problems(example):
    """``restorekit.instaclustr.<name>`` that names no module, filter, role or playbook of the collection."""
    from ansible_collections.restorekit.instaclustr.plugins.filter import drill, recovery

    root = doc_examples.REPO_ROOT
    known = set(drill.FilterModule().filters()) | set(recovery.FilterModule().filters())
    known.update(path.stem for path in (root / "plugins" / "modules").glob("*.py"))
    known.update(path.name for path in (root / "roles").iterdir() if path.is_dir())
    known.update(path.stem for path in (root / "playbooks").glob("*.yml"))
    known.add("all")  # group/restorekit.instaclustr.all
    return ["restorekit.instaclustr.%s is no module, filter, role or playbook of the collection" % name
            for name in doc_examples.collection_references(example.text) if name not in known]


# --- runs --------------------------------------------------------------------------------------

class Run:
    """One ansible-playbook process over some examples, against its own emulator."""

    def __init__(self, name, command, folder, emulator, labels, env=None):
        self.name, self.command, self.folder, self.emulator, self.labels = name, command, folder, emulator, labels
        self.env = env or {}
        self.process = self.log = self.started = self.seconds = None
        self.output = ""

    def start(self):
        self.log = open(self.folder / "output.txt", "w+", encoding="utf-8")  # pylint: disable=consider-using-with
        self.started = time.monotonic()
        env = dict(ansible_env(self.emulator), PWD=str(self.folder))  # the drill's default report folder is $PWD/drill-reports
        env.update(self.env)
        self.process = subprocess.Popen(self.command, cwd=str(self.folder), env=env,
                                        stdout=self.log, stderr=subprocess.STDOUT, text=True)

    def poll(self, deadline):
        """The exit code once the process ended (killed after the deadline), else None."""
        returncode = self.process.poll()
        if returncode is None and time.monotonic() > deadline:
            self.process.kill()
            returncode = self.process.wait()
        if returncode is not None and self.seconds is None:
            self.seconds = time.monotonic() - self.started
            self.log.seek(0)
            self.output = self.log.read()
            self.log.close()
        return returncode


def batch_run(name, examples, emulator, folder):
    """One ansible-playbook over ``examples`` (playbooks and task lists) in file order, dates from the emulator's clock."""
    folder.mkdir()
    api = {"api_url": emulator.url, "api_username": emulator.username, "api_key": emulator.api_key}
    now_ms = emulator.now_ms()
    playbooks = [write_playbook(folder, example, doc_examples.plays_of(
        example, doc_examples.substitute(example.text, now_ms), api, WAIT_SLEEP)) for example in examples]
    extra = dict(example_vars(emulator), **DRILL_VARS)
    command = [ansible_playbook(), "-e", json.dumps(extra), *map(str, playbooks)]
    labels = ["[%s]" % example.source for example in examples if example.kind == "tasks"
              or any("hosts" in play for play in example.data)]
    return Run(name, command, folder, emulator, labels)


def inventory_run(name, examples, emulator, folder):
    """``ansible-inventory --list`` over the inventory plugin configurations, every one of them a source that must parse."""
    folder.mkdir()
    now_ms = emulator.now_ms()
    sources = []
    for example in examples:
        path = folder / ("%s.instaclustr.yml" % example.slug)  # the plugin reads files named *instaclustr.yml
        path.write_text(doc_examples.substitute(example.text, now_ms), encoding="utf-8")
        sources += ["-i", str(path)]
    command = [str(Path(ansible_playbook()).with_name("ansible-inventory")), *sources, "--list",
               "--output", str(folder / "inventory.json")]
    # A source that fails to parse fails the run; ~/.cache (a cache_connection) is the run's own folder.
    return Run(name, command, folder, emulator, [], {"ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED": "true", "HOME": str(folder)})


def drill_run(example, emulator, folder):
    """``restorekit.instaclustr.dr_drill`` with the example inventory, as the docs run it."""
    folder.mkdir()
    inventory = folder / "inventory.yml"
    inventory.write_text(doc_examples.substitute(example.text, emulator.now_ms()), encoding="utf-8")
    extra = dict(DRILL_VARS, backup_restore_drill_report_dir=str(folder / "reports"))
    command = [ansible_playbook(), "restorekit.instaclustr.dr_drill", "-i", str(inventory), "-e", json.dumps(extra)]
    return Run("%s with dr_drill" % example.source, command, folder, emulator, [])


@pytest.fixture(scope="module")
def ansible_core_2_19():
    version = core_version()
    if version and version != (2, 19):
        pytest.skip("the doc examples run once, on ansible-core 2.19 (make integration); %s.%s only checks their "
                    "syntax, to keep make test's time (docs/development.md)" % version)


def test_examples_run(ansible_core_2_19, tmp_path):  # pylint: disable=redefined-outer-name,unused-argument
    runnable = [example for example in EXAMPLES if example.runnable]
    batches = {scenario: [e for e in runnable if e.kind in ("playbook", "tasks") and e.scenario == scenario]
               for scenario in ("default", "mixed")}
    sources = {scenario: [e for e in runnable if e.kind == "inventory_source" and e.scenario == scenario]
               for scenario in ("default", "mixed")}
    drills = [example for example in runnable if example.is_drill_inventory]
    started = time.monotonic()
    failures = []
    with contextlib.ExitStack() as stack:
        emulators = {scenario: stack.enter_context(running_emulator(scenario, TIME_SCALE, extra_args=EMULATOR_ARGS))
                     for scenario in batches}
        runs = [batch_run("the examples on the %s scenario" % scenario, examples, emulators[scenario], tmp_path / scenario)
                for scenario, examples in batches.items() if examples]
        runs += [inventory_run("the inventory sources on the %s scenario" % scenario, examples, emulators[scenario],
                               tmp_path / ("inventory-" + scenario)) for scenario, examples in sources.items() if examples]
        runs += [drill_run(example, stack.enter_context(running_emulator("default", TIME_SCALE, extra_args=EMULATOR_ARGS)), tmp_path / ("drill%d" % index))
                 for index, example in enumerate(drills)]
        for run in runs:
            run.start()
        deadline = time.monotonic() + RUN_TIMEOUT
        pending = list(runs)
        while pending:
            time.sleep(0.1)
            for run in [run for run in pending if run.poll(deadline) is not None]:
                pending.remove(run)
                returncode = run.poll(deadline)
                print("%s: rc %d, %.1f s" % (run.name, returncode, run.seconds))
                if returncode != 0:
                    failures.append("%s failed (rc %d):\n%s" % (run.name, returncode, run.output[-8000:]))
                elif run.command[0].endswith("ansible-inventory"):
                    hosts = json.loads((run.folder / "inventory.json").read_text())["_meta"]["hostvars"]
                    if not hosts:
                        failures.append("%s: no host\n%s" % (run.name, run.output[-4000:]))
                missing = [label for label in run.labels if "PLAY [%s" % label not in run.output]
                if returncode == 0 and missing:
                    failures.append("%s: no play ran for %s" % (run.name, ", ".join(missing)))
                deprecations.check(run.output, run.name)
    print("doc examples: %d runnable in %d ansible-playbook runs, %.1f s" % (len(runnable), len(runs), time.monotonic() - started))
    assert not failures, "\n\n".join(failures)
