"""Values from the API are never templates: a cluster whose name and SLA tier hold ``{{ lookup('pipe', ...) }}``.

Whoever names a cluster (another account on v2, a proxy that rewrites answers) controls these strings. The
inventory plugin's host names and variables, what its ``compose``/``groups``/``keyed_groups`` read and every
value the drill's filters return are marked unsafe, so neither ``ansible-inventory --graph`` with the plugin's
documented ``keyed_groups`` example nor ``dr_drill`` over that inventory runs the command, on ansible-core 2.16
(where inventory values are templated unless marked) and on the main environment (2.19).

Each run asks the command to create a file; the file must not exist afterwards. One emulator for the module.
"""

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.drill.conftest import FAST_VARS, TIME_SCALE, drill_env
from tests.support.emulator import INVENTORY_DEV_ID, REPO_ROOT, running_emulator

# The documented example (plugins/inventory/clusters.py EXAMPLES), without its cache settings.
KEYED_GROUPS_EXAMPLE = """plugin: restorekit.instaclustr.clusters
api_version: v2
applications: [cassandra]
exclude_name_prefixes: [orders, drill]
keyed_groups:
  - key: instaclustr_sla_tier | lower
    prefix: tier
groups:
  eu_clusters: instaclustr_data_centres | map(attribute='region') | select('match', 'EU_') | list | length > 0
"""
VERSIONS = [pytest.param(".venv-2.16", id="ansible-core-2.16"), pytest.param(".venv", id="ansible-core-main")]


def bin_dir(venv):
    path = REPO_ROOT / venv / "bin"
    if not (path / "ansible-playbook").exists():
        pytest.fail("%s is missing: make venv%s" % (path, venv[len(".venv"):]))
    return path


@pytest.fixture(scope="module")
def mixed_emulator():
    with running_emulator(scenario="mixed", time_scale=TIME_SCALE) as emulator:
        yield emulator


@pytest.fixture
def hostile(mixed_emulator, tmp_path):
    """The emulator with inventory-dev's name and tier rewritten to commands that touch a file; that file's path."""
    mixed_emulator.reset()
    marker = tmp_path / "template-was-evaluated"
    command = "{{ lookup('pipe', 'touch %s') }}" % marker
    mixed_emulator.edit_cluster(INVENTORY_DEV_ID, name="orders" + command, sla_tier="tier" + command)
    source = tmp_path / "hostile.instaclustr.yml"
    source.write_text(KEYED_GROUPS_EXAMPLE)
    return mixed_emulator, marker, source


def run(command, emulator, tmp_path, timeout=300):
    env = drill_env(emulator)
    env.pop("IC_API_VERSION", None)
    env["PATH"] = "%s:%s" % (Path(command[0]).parent, os.environ.get("PATH", ""))
    completed = subprocess.run(command, cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=timeout,
                               check=False)
    return completed.returncode, completed.stdout + completed.stderr


@pytest.mark.parametrize("venv", VERSIONS)
def test_inventory_graph_with_the_documented_keyed_groups_runs_no_template(hostile, tmp_path, venv):
    emulator, marker, source = hostile
    rc, output = run([str(bin_dir(venv) / "ansible-inventory"), "-i", str(source), "--graph", "--vars"], emulator, tmp_path)
    assert rc == 0, output[-3000:]
    assert "orders{{ lookup('pipe'" in output  # the host is there, its name shown as the API gave it
    assert "@tier_tier" in output  # keyed_groups read the tier: its value, never evaluated, made the group name
    assert not marker.exists(), "ansible-inventory evaluated a template from the API"


@pytest.mark.parametrize("venv", VERSIONS)
def test_dr_drill_over_the_inventory_runs_no_template(hostile, tmp_path, venv):
    emulator, marker, source = hostile
    report_dir = tmp_path / "reports"
    extra = dict(FAST_VARS, backup_restore_drill_report_dir=str(report_dir), backup_restore_drill_trigger_backup=False)
    command = [str(bin_dir(venv) / "ansible-playbook"), "restorekit.instaclustr.dr_drill", "-i", str(source),
               "-e", json.dumps(extra)]
    rc, output = run(command, emulator, tmp_path)
    assert not marker.exists(), "the drill evaluated a template from the API:\n" + output[-3000:]
    reports = [json.loads(path.read_text()) for path in report_dir.glob("drill-*.json")
               if not path.name.startswith("drill-summary-") and not path.name.endswith(".manifest.json")]
    assert [report["source"]["id"] for report in reports] == [INVENTORY_DEV_ID], output[-3000:]
    assert rc == 0, output[-3000:]
    assert reports[0]["source"]["name"].startswith("orders{{ lookup('pipe'")  # reported as the API gave it
