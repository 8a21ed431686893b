"""Find every YAML example of the documentation, classify it, and make it runnable against the emulator.

tests/integration/test_doc_examples.py runs what this module finds; docs/development.md ("Every
example in the docs runs") states the rules. Nothing is listed by hand: a new fenced block or a new
``EXAMPLES`` string is found by ``discover()`` and tested without editing a test.

Where examples are:

- the fenced ```` ```yaml ```` (or ``yml``) blocks of README.md, docs/**/*.md and roles/*/README.md,
  and their ```` ```ini ```` blocks (ansible.cfg snippets, parsed only);
- the ``EXAMPLES`` string of each module (plugins/modules/*.py), inventory plugin
  (plugins/inventory/*.py) and filter (its sidecar documentation, plugins/filter/*.yml);
- each whole file in docs/examples/*.yml.

What an example is (``Example.kind``): ``playbook`` (a list of plays or ``import_playbook`` entries),
``tasks`` (a list of tasks, run wrapped in a play on localhost), ``inventory_source`` (a configuration
of this collection's inventory plugin, ``plugin: restorekit.instaclustr.<name>``), ``inventory`` (a
mapping with ``all``), ``mapping`` (anything else: extra variables, AWX configuration) or ``ini``.
A text of several YAML documents (``---``) gives one example per document.

The one marker, before a fenced block (``<!-- example: syntax-only (reason) -->``, blank lines allowed
in between) or as a comment line of the leading comments of a YAML text
(``# example: syntax-only (reason)``), makes a playbook or a task list syntax-only; the reason in
brackets is required. Any other ``example:`` marker is an error, so a misspelt one cannot hide a block.
"""

from __future__ import annotations

import ast
import configparser
import copy
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
COLLECTION = "restorekit.instaclustr"

FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>```+|~~~+)[ \t]*(?P<lang>[A-Za-z0-9_+-]*)[^\n]*$")
YAML_LANGS = ("yaml", "yml")
INI_LANGS = ("ini", "cfg")
MD_MARKER = re.compile(r"^\s*<!--\s*example:(?P<body>.*?)-->\s*$")
YAML_MARKER = re.compile(r"^\s*#\s*example:(?P<body>.*)$")
SYNTAX_ONLY = re.compile(r"^\s*syntax-only\s*\((?P<reason>[^()]*\S[^()]*)\)\s*$")

# --- what the test substitutes before a run ----------------------------------------------------

# Cluster ids written in examples that are not the emulator's: each becomes an emulator cluster of the
# same shape. The emulator's own ids (docs/emulator.md) need no entry.
# The modules' EXAMPLES restore into a custom VPC with one cdc_infos entry, so their cluster is
# inventory-dev (one data centre, daily snapshots) and its data centre id is inventory-dev's.
EXAMPLE_CLUSTER_IDS = {
    "77b5a4e1-c422-4a78-b551-d8fa5c42ad95": "a3e9d5c2-8b17-4f60-b2d4-5c8e1f7a2b02",  # -> inventory-dev
    "a8c32b20-c8f0-11e7-abc4-cec278b6b50a": "2c899076-16b3-58c1-b03d-aec7e39bcb7b",  # -> its data centre AWS_VPC_EU_WEST_1
}
# A UTC timestamp literal (2026-11-20T10:00:00Z, with or without milliseconds) in a runnable example
# becomes the emulator's time minus DATE_OFFSET, written without them: a day back is restorable on
# every emulator cluster (inventory-dev's daily snapshots end up to a day apart) and within its 7 days.
TIMESTAMP = re.compile(r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?Z\b")
DATE_OFFSET = timedelta(days=1)
# Options whose presence makes an example a Cluster Management API v2 one: it runs on the ``mixed`` scenario.
V2_PATTERN = re.compile(r"^\s*(?:api_version:\s*[\"']?v2\b|application:)", re.MULTILINE)
# The modules that wait: the test gives them a short poll interval through module_defaults.
WAITING_MODULES = ("cluster_backup", "cluster_restore", "cluster_firewall_rule", "cluster_wait")


class ExampleError(ValueError):
    """An example (or its marker) that cannot be read; the message names its source."""


@dataclass
class Example:
    source: str          # "README.md:64": the file, relative to the repository, and the first line of the example
    text: str
    kind: str            # playbook, tasks, inventory, mapping or ini
    data: object = None  # the parsed YAML (None for ini)
    syntax_only: str | None = None  # the marker's reason
    facts: dict = field(default_factory=dict)

    @property
    def runnable(self):
        """Playbooks, task lists and inventory sources run unless marked; an inventory of drill sources runs with dr_drill."""
        if self.syntax_only:
            return False
        return self.kind in ("playbook", "tasks", "inventory_source") or self.is_drill_inventory

    @property
    def is_drill_inventory(self):
        return self.kind == "inventory" and bool(drill_hosts(self.data))

    @property
    def scenario(self):
        return "mixed" if V2_PATTERN.search(self.text) else "default"

    @property
    def slug(self):
        return re.sub(r"[^A-Za-z0-9]+", "_", self.source).strip("_")


# --- discovery ---------------------------------------------------------------------------------

def markdown_files(root=REPO_ROOT):
    return [root / "README.md", *sorted((root / "docs").rglob("*.md")), *sorted((root / "roles").glob("*/README.md"))]


def python_examples_files(root=REPO_ROOT):
    return sorted((root / "plugins" / "modules").glob("*.py")) + sorted((root / "plugins" / "inventory").glob("*.py"))


def filter_doc_files(root=REPO_ROOT):
    return sorted((root / "plugins" / "filter").glob("*.yml"))


def example_files(root=REPO_ROOT):
    return sorted((root / "docs" / "examples").glob("*.yml"))


def discover(root=REPO_ROOT):
    """Every example of the repository, in file order."""
    examples = []
    for path in markdown_files(root):
        examples.extend(markdown_examples(path.read_text(encoding="utf-8"), rel(path, root)))
    for path in python_examples_files(root):
        text, line = module_examples_string(path.read_text(encoding="utf-8"))
        if text is not None:
            examples.extend(yaml_examples(text, "%s:%d" % (rel(path, root), line)))
    for path in filter_doc_files(root):
        text = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("EXAMPLES")
        if text:
            examples.extend(yaml_examples(text, "%s:EXAMPLES" % rel(path, root)))
    for path in example_files(root):
        examples.extend(yaml_examples(path.read_text(encoding="utf-8"), "%s:1" % rel(path, root)))
    return examples


def yaml_examples(text, source):
    """One example per YAML document of the text (an inventory plugin's EXAMPLES hold several, split by ---)."""
    documents = re.split(r"(?m)^---[ \t]*$\n?", text)
    documents = [document for document in documents if document.strip()]
    if len(documents) <= 1:
        return [yaml_example(text, source)]
    return [yaml_example(document, "%s#%d" % (source, number)) for number, document in enumerate(documents, 1)]


def rel(path, root):
    return Path(path).resolve().relative_to(Path(root).resolve()).as_posix()


def markdown_examples(text, name):
    """The YAML and ini blocks of a Markdown text, each with the marker written before it."""
    examples = []
    lines = text.splitlines()
    index = 0
    pending_marker = None  # (reason or error, line) of the last marker not yet followed by a block
    while index < len(lines):
        line = lines[index]
        marker = MD_MARKER.match(line)
        if marker:
            pending_marker = (marker.group("body"), index + 1)
            index += 1
            continue
        opening = FENCE.match(line)
        if not opening:
            if line.strip():
                if pending_marker:
                    raise ExampleError("%s:%d: the example marker is not followed by a fenced block" % (name, pending_marker[1]))
            index += 1
            continue
        fence, lang = opening.group("fence"), opening.group("lang").lower()
        indent = len(opening.group("indent"))
        body = []
        index += 1
        start = index + 1
        while index < len(lines) and not lines[index].strip().startswith(fence):
            body.append(lines[index][indent:] if lines[index][:indent].strip() == "" else lines[index])
            index += 1
        index += 1  # the closing fence
        block = "\n".join(body) + "\n"
        source = "%s:%d" % (name, start)
        reason = parse_marker(pending_marker[0], "%s:%d" % (name, pending_marker[1])) if pending_marker else None
        pending_marker = None
        if lang in YAML_LANGS:
            example = yaml_example(block, source)
            if reason:
                example.syntax_only = reason
            check_marker_fits(example)
            examples.append(example)
        elif lang in INI_LANGS:
            parser = configparser.ConfigParser(interpolation=None)
            try:
                parser.read_string(block)
            except configparser.Error as error:
                raise ExampleError("%s: not valid ini: %s" % (source, error)) from error
            examples.append(Example(source, block, "ini", syntax_only=reason))
        elif reason:
            raise ExampleError("%s: an example marker before a %r block (only YAML examples take one)" % (source, lang))
    if pending_marker:
        raise ExampleError("%s:%d: the example marker is not followed by a fenced block" % (name, pending_marker[1]))
    return examples


def parse_marker(body, where):
    found = SYNTAX_ONLY.match(body)
    if not found:
        raise ExampleError("%s: unknown example marker %r; the only one is 'example: syntax-only (reason)'"
                           % (where, body.strip()))
    return found.group("reason").strip()


def yaml_marker(text, source):
    """The reason of a ``# example: syntax-only (reason)`` line among the text's leading comments."""
    reason, leading = None, 0
    for line in text.splitlines():
        stripped = line.strip()
        if stripped in ("", "---"):
            continue
        if not stripped.startswith("#"):
            break
        found = YAML_MARKER.match(line)
        if found:
            reason, leading = parse_marker(found.group("body"), source), leading + 1
    if sum(1 for line in text.splitlines() if YAML_MARKER.match(line)) > leading:
        raise ExampleError("%s: an example marker must be among the leading comment lines" % source)
    return reason


def yaml_example(text, source):
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ExampleError("%s: not valid YAML: %s" % (source, error)) from error
    example = Example(source, text, classify(data, source), data, yaml_marker(text, source))
    check_marker_fits(example)
    return example


def check_marker_fits(example):
    if example.syntax_only and example.kind not in ("playbook", "tasks", "inventory", "inventory_source"):
        raise ExampleError("%s: a syntax-only marker on a %s, which is only parsed anyway" % (example.source, example.kind))


def is_play(item):
    return isinstance(item, dict) and ("hosts" in item or "import_playbook" in item
                                       or "ansible.builtin.import_playbook" in item)


def classify(data, source):
    if isinstance(data, list) and data and all(isinstance(item, dict) for item in data):
        if all(is_play(item) for item in data):
            return "playbook"
        if any(is_play(item) for item in data):
            raise ExampleError("%s: mixes plays and tasks" % source)
        return "tasks"
    if isinstance(data, dict):
        if isinstance(data.get("plugin"), str) and data["plugin"].startswith(COLLECTION + "."):
            return "inventory_source"  # a configuration of this collection's inventory plugin
        return "inventory" if isinstance(data.get("all"), dict) else "mapping"
    raise ExampleError("%s: neither a playbook, a task list nor a mapping" % source)


def module_examples_string(source_text):
    """The ``EXAMPLES`` string of a module's source and the line it starts on (None when it has none)."""
    for node in ast.parse(source_text).body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id == "EXAMPLES" and isinstance(node.value, ast.Constant)):
            return node.value.value, node.lineno
    return None, None


def drill_hosts(inventory):
    """{host: vars} of the inventory's hosts (any group) that name a drill source cluster."""
    found = {}

    def walk(group):
        if not isinstance(group, dict):
            return
        group_vars = group.get("vars") or {}
        for host, host_vars in (group.get("hosts") or {}).items():
            merged = dict(group_vars, **(host_vars or {}))
            if "backup_restore_drill_cluster_id" in merged:
                found[host] = merged
        for child in (group.get("children") or {}).values():
            walk(child)

    walk(inventory.get("all") if isinstance(inventory, dict) else None)
    return found


# --- making an example runnable ----------------------------------------------------------------

def iso(moment):
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def substitute(text, emulator_now_ms):
    """The example's text with the example cluster ids and UTC timestamps replaced (see the tables above)."""
    for example_id, emulator_id in EXAMPLE_CLUSTER_IDS.items():
        text = text.replace(example_id, emulator_id)
    moment = iso(datetime.fromtimestamp(emulator_now_ms / 1000, tz=timezone.utc) - DATE_OFFSET)
    return TIMESTAMP.sub(moment, text)


def emulator_module_defaults(api, wait_sleep):
    """module_defaults of a wrapping play: the emulator's URL and credentials, and a short poll interval."""
    defaults = {"group/%s.all" % COLLECTION: dict(api)}
    defaults.update(waiting_defaults(wait_sleep))
    return defaults


def waiting_defaults(wait_sleep):
    return {"%s.%s" % (COLLECTION, module): {"wait_sleep": wait_sleep} for module in WAITING_MODULES}


def plays_of(example, text, api, wait_sleep):
    """The plays to run for a playbook or task-list example (``text``: after ``substitute``).

    A task list becomes one play on localhost with the emulator's module_defaults. A playbook keeps
    its plays; each play's name gets the example's source in front, and its module_defaults get a
    short ``wait_sleep`` for the waiting modules, unless it sets one itself.
    """
    data = yaml.safe_load(text)
    label = "[%s]" % example.source
    if example.kind == "tasks":
        return [{"name": label, "hosts": "localhost", "gather_facts": False,
                 "module_defaults": emulator_module_defaults(api, wait_sleep), "tasks": data}]
    plays = []
    for play in copy.deepcopy(data):
        if "hosts" in play:
            play["name"] = ("%s %s" % (label, play.get("name", ""))).rstrip()
            defaults = play.setdefault("module_defaults", {})
            for module, values in waiting_defaults(wait_sleep).items():
                defaults.setdefault(module, values)
        plays.append(play)
    return plays


# --- static checks of syntax-only examples -----------------------------------------------------

def tasks_in(data, kind):
    """Every task of a playbook or task list, blocks opened (handlers and pre/post tasks included)."""
    found = []

    def walk(tasks):
        for task in tasks or []:
            if not isinstance(task, dict):
                continue
            if "block" in task:
                for key in ("block", "rescue", "always"):
                    walk(task.get(key))
            else:
                found.append(task)

    if kind == "tasks":
        walk(data)
    else:
        for play in data:
            for key in ("pre_tasks", "tasks", "post_tasks", "handlers"):
                walk(play.get(key))
    return found


def collection_references(text):
    """Names written ``restorekit.instaclustr.<name>`` in a text (modules, filters, roles, playbooks)."""
    return sorted(set(re.findall(r"\brestorekit\.instaclustr\.([a-z_][a-z0-9_]*)", text)))


def module_argument_problems(task):
    """Problems of a task's arguments to one of this collection's modules, checked against its argument spec.

    Option names must be known; literal values (not templated) must fit the option's type and choices.
    ``required`` is not checked: credentials come from module_defaults or IC_* variables, and values
    from templates are only known at run time.
    """
    import importlib

    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

    module_key = next((key for key in task if key.startswith(COLLECTION + ".")), None)
    if module_key is None:
        return []
    name = module_key[len(COLLECTION) + 1:]
    path = REPO_ROOT / "plugins" / "modules" / (name + ".py")
    if not path.exists():
        return ["%s is not a module of the collection" % module_key]
    # A controller-only module (drill_evidence) keeps its argument spec in its action plugin.
    kinds = ("action", "modules") if (REPO_ROOT / "plugins" / "action" / (name + ".py")).exists() else ("modules",)
    spec = {}
    for kind in kinds:
        spec.update(getattr(importlib.import_module("ansible_collections.%s.plugins.%s.%s" % (COLLECTION, kind, name)),
                            "ARGUMENT_SPEC", {}))
    if "RestorekitModule(" in path.read_text(encoding="utf-8"):
        from ansible_collections.restorekit.instaclustr.plugins.module_utils._module import API_ARGUMENT_SPEC
        spec = dict(API_ARGUMENT_SPEC, **spec)
    spec = {option: {key: value for key, value in rule.items() if key not in ("required", "fallback")}
            for option, rule in spec.items()}
    arguments = task[module_key] or {}
    if not isinstance(arguments, dict):
        return ["%s: arguments are not a mapping" % module_key]
    literal = {key: value for key, value in arguments.items() if not ("{{" in str(value) or "{%" in str(value))}
    unknown = sorted(set(arguments) - set(spec))
    problems = ["%s: unknown option(s) %s" % (module_key, ", ".join(unknown))] if unknown else []
    result = ArgumentSpecValidator(spec).validate(literal)
    problems.extend("%s: %s" % (module_key, message) for message in result.error_messages
                    if "Unsupported parameters" not in message)
    return problems


def role_variable_problems(variables):
    """Problems of ``backup_restore_drill_*`` variables (inventory or extra variables) against the role's
    argument specs (any entry point): the name must be known, a literal value must fit its type and choices."""
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

    specs = yaml.safe_load((REPO_ROOT / "roles" / "backup_restore_drill" / "meta" / "argument_specs.yml").read_text())
    spec = {}
    for entry in specs["argument_specs"].values():
        for option, rule in (entry.get("options") or {}).items():
            spec[option] = {key: value for key, value in rule.items() if key in ("type", "choices", "elements")}
    ours = {key: value for key, value in variables.items() if key.startswith("backup_restore_drill_")}
    unknown = sorted(set(ours) - set(spec))
    problems = ["unknown role variable(s) %s" % ", ".join(unknown)] if unknown else []
    literal = {key: value for key, value in ours.items() if key in spec and "{{" not in str(value)}
    result = ArgumentSpecValidator({key: spec[key] for key in literal}).validate(literal)
    return problems + list(result.error_messages)


def example_variables(example):
    """The variables an inventory or mapping example sets: per host (group variables merged in), or the mapping itself."""
    if example.kind == "inventory":
        hosts = drill_hosts(example.data)
        return list(hosts.values()) or [example.data["all"].get("vars") or {}]
    if example.kind == "mapping":
        return [example.data]
    return []
