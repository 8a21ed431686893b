"""The collection's metadata agrees with its code.

- Every module in plugins/modules is in the ``all`` action group of meta/runtime.yml (else
  ``module_defaults: group/restorekit.instaclustr.all`` silently skips it), and the group names
  no module that does not exist. Controller-only modules (a documentation stub with an action
  plugin of the same name, no API options, such as drill_evidence) are never in the group.
- ``COLLECTION_VERSION`` (sent in the User-Agent) equals galaxy.yml's ``version``.
- galaxy.yml has every field filled, within Galaxy's limits (tags, 64-character authors).

Each rule is a small function, tested on the real files and on a broken copy, so the test
proves it would catch the drift.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from ansible_collections.restorekit.instaclustr.plugins.module_utils import _version

REPO_ROOT = Path(__file__).resolve().parents[2]
NAMESPACE, NAME = "restorekit", "instaclustr"
GALAXY_REQUIRED = ("namespace", "name", "version", "readme", "authors", "description", "license",
                   "tags", "repository", "documentation", "homepage", "issues", "build_ignore")
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")
TAG = re.compile(r"^[a-z0-9][a-z0-9_]*$")


def load_yaml(relative):
    with open(REPO_ROOT / relative, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def module_names(modules_dir, action_dir=None):
    """Module names (file stems) in a plugins/modules folder, without those ``action_dir`` has an
    action plugin for (controller-only: they take no API options)."""
    controller_only = {p.stem for p in Path(action_dir).glob("*.py")} if action_dir else set()
    return sorted(p.stem for p in Path(modules_dir).glob("*.py") if p.stem != "__init__" and p.stem not in controller_only)


def action_group_drift(modules, runtime, group="all"):
    """Return (modules missing from the group, group entries that are no module)."""
    entries = set()
    for entry in (runtime.get("action_groups") or {}).get(group) or []:
        if not isinstance(entry, str):
            continue  # a metadata entry such as {"metadata": {"extend_group": [...]}}
        prefix = "%s.%s." % (NAMESPACE, NAME)
        entries.add(entry[len(prefix):] if entry.startswith(prefix) else entry)
    return sorted(set(modules) - entries), sorted(entries - set(modules))


def galaxy_problems(galaxy):
    """Return the problems of a galaxy.yml mapping: empty fields, bad version, bad tags, names."""
    problems = []
    for field in GALAXY_REQUIRED:
        value = galaxy.get(field)
        if value is None or (isinstance(value, (str, list, dict)) and not value) \
                or (isinstance(value, list) and not all(value)):
            problems.append("%s is empty" % field)
    if "dependencies" not in galaxy or not isinstance(galaxy.get("dependencies"), dict):
        problems.append("dependencies must be a mapping (empty: this collection needs no other)")
    if galaxy.get("namespace") != NAMESPACE or galaxy.get("name") != NAME:
        problems.append("namespace/name must be %s/%s" % (NAMESPACE, NAME))
    if not SEMVER.match(str(galaxy.get("version", ""))):
        problems.append("version %r is not semantic versioning" % galaxy.get("version"))
    for tag in galaxy.get("tags") or []:
        if not TAG.match(str(tag)) or len(str(tag)) > 64:
            problems.append("tag %r is not a valid Galaxy tag" % tag)
    if len(galaxy.get("tags") or []) > 20:
        problems.append("Galaxy accepts at most 20 tags")
    for author in galaxy.get("authors") or []:
        if len(str(author)) > 64:  # galaxy-importer: "Each author ... must not be greater than 64 characters"
            problems.append("author %r is longer than Galaxy's 64 characters" % author)
    for field in ("repository", "documentation", "homepage", "issues"):
        if galaxy.get(field) and not str(galaxy[field]).startswith("https://"):
            problems.append("%s must be an https URL" % field)
    if galaxy.get("readme") and not (REPO_ROOT / galaxy["readme"]).is_file():
        problems.append("readme %s does not exist" % galaxy["readme"])
    return problems


# --- the real files -------------------------------------------------------------------------

def test_every_module_is_in_the_all_action_group_and_nothing_else_is():
    modules = module_names(REPO_ROOT / "plugins" / "modules", REPO_ROOT / "plugins" / "action")
    assert modules, "plugins/modules has no module"
    assert "drill_evidence" not in modules
    missing, unknown = action_group_drift(modules, load_yaml("meta/runtime.yml"))
    assert missing == [], "add to action_groups.all in meta/runtime.yml: %s" % missing
    assert unknown == [], "action_groups.all lists modules that do not exist: %s" % unknown


def test_collection_version_in_user_agent_equals_galaxy_version():
    assert _version.COLLECTION_VERSION == str(load_yaml("galaxy.yml")["version"])


def test_galaxy_yml_has_every_field_filled():
    assert galaxy_problems(load_yaml("galaxy.yml")) == []


def test_galaxy_description_names_every_application_and_both_apis():
    description = load_yaml("galaxy.yml")["description"]
    for name in ("Cassandra", "PostgreSQL", "OpenSearch", "Redis", "Provisioning API v1", "Cluster Management API v2"):
        assert name in description, name
    assert len(description) <= 255  # galaxy-importer's limit


def test_galaxy_build_ignore_keeps_local_artefacts_out_of_the_tarball():
    ignored = set(load_yaml("galaxy.yml")["build_ignore"])
    for artefact in (".venv", "tests/output", "*.tar.gz"):
        assert artefact in ignored, "%s missing from build_ignore" % artefact


# The requirements files of make test's environments: .venv, .venv-2.16, .venv-newest.
TESTED_REQUIREMENTS = ("requirements-dev.txt", "tests/requirements-2.16.txt", "tests/requirements-newest.txt")


def requirements_series(relative):
    """The ansible-core series ("2.19") a requirements file installs: its ``ansible-core>=X.Y`` bound."""
    text = (REPO_ROOT / relative).read_text(encoding="utf-8")
    lowest = re.search(r"^ansible-core>=([0-9]+\.[0-9]+)", text, re.MULTILINE)
    assert lowest, "%s must pin ansible-core with a lower bound" % relative
    return lowest.group(1)


def readme_tested_series(readme):
    """The series README's requirements name after "tested with ansible-core"."""
    match = re.search(r"tested with ansible-core ([0-9., and]+)", " ".join(readme.split()))
    return sorted(re.findall(r"[0-9]+\.[0-9]+", match.group(1)), key=Version) if match else []


def test_requires_ansible_admits_every_tested_ansible_core():
    """Each ansible-core series the suite tests (2.16, 2.19, the newest) is declared supported."""
    spec = SpecifierSet(load_yaml("meta/runtime.yml")["requires_ansible"])
    for relative in TESTED_REQUIREMENTS:
        assert Version(requirements_series(relative)) in spec, relative


def test_readme_and_runtime_name_the_tested_series():
    tested = sorted({requirements_series(relative) for relative in TESTED_REQUIREMENTS}, key=Version)
    assert readme_tested_series((REPO_ROOT / "README.md").read_text(encoding="utf-8")) == tested
    runtime = (REPO_ROOT / "meta" / "runtime.yml").read_text(encoding="utf-8")
    assert "Tested by make test with ansible-core " in runtime
    for series in tested:
        assert series in runtime.split("requires_ansible:")[0], "meta/runtime.yml's comment misses %s" % series


def test_readme_tested_series_reads_the_sentence():
    assert readme_tested_series("- ansible-core (tested with ansible-core 2.16,\n  2.19 and 2.21: every") == [
        "2.16", "2.19", "2.21"]
    assert readme_tested_series("tested with 2.16 and 2.19") == []


# --- the rules catch drift ------------------------------------------------------------------

def test_action_group_drift_finds_a_missing_and_an_unknown_module(tmp_path):
    for name in ("cluster_backup", "cluster_info", "__init__"):
        (tmp_path / ("%s.py" % name)).write_text("", encoding="utf-8")
    runtime = {"action_groups": {"all": ["cluster_backup", "restorekit.instaclustr.cluster_infoo"]}}
    assert action_group_drift(module_names(tmp_path), runtime) == (["cluster_info"], ["cluster_infoo"])


def test_controller_only_modules_are_left_out_of_the_group(tmp_path):
    (tmp_path / "modules").mkdir()
    (tmp_path / "action").mkdir()
    for name in ("cluster_info", "drill_evidence"):
        (tmp_path / "modules" / ("%s.py" % name)).write_text("", encoding="utf-8")
    (tmp_path / "action" / "drill_evidence.py").write_text("", encoding="utf-8")
    assert module_names(tmp_path / "modules", tmp_path / "action") == ["cluster_info"]
    runtime = {"action_groups": {"all": ["cluster_info", "drill_evidence"]}}
    assert action_group_drift(module_names(tmp_path / "modules", tmp_path / "action"), runtime) == ([], ["drill_evidence"])


def test_action_group_drift_accepts_fqcn_entries_and_a_missing_group():
    runtime = {"action_groups": {"all": ["restorekit.instaclustr.cluster_info"]}}
    assert action_group_drift(["cluster_info"], runtime) == ([], [])
    assert action_group_drift(["cluster_info"], {}) == (["cluster_info"], [])


@pytest.mark.parametrize("change, expected", [
    ({"issues": ""}, "issues is empty"),
    ({"authors": []}, "authors is empty"),
    ({"tags": ["cassandra", None]}, "tags is empty"),
    ({"version": "0.1"}, "version '0.1' is not semantic versioning"),
    ({"tags": ["Disaster-Recovery"]}, "tag 'Disaster-Recovery' is not a valid Galaxy tag"),
    ({"homepage": "http://example.invalid"}, "homepage must be an https URL"),
    ({"readme": "NO-SUCH-README.md"}, "readme NO-SUCH-README.md does not exist"),
    ({"name": "other"}, "namespace/name must be restorekit/instaclustr"),
    ({"authors": ["a" * 65]}, "author '%s' is longer than Galaxy's 64 characters" % ("a" * 65)),
])
def test_galaxy_problems_are_found(change, expected):
    galaxy = dict(load_yaml("galaxy.yml"), **change)
    assert expected in galaxy_problems(galaxy)


def test_galaxy_problems_finds_a_removed_field():
    galaxy = load_yaml("galaxy.yml")
    del galaxy["documentation"]
    assert "documentation is empty" in galaxy_problems(galaxy)
