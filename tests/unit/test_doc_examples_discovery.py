"""How tests/support/doc_examples.py finds, classifies and prepares the docs' examples.

tests/integration/test_doc_examples.py runs them; these tests pin the rules it relies on (the
marker, the kinds, the substitutions), on small texts and on the repository's own files.
"""

from __future__ import annotations

import textwrap
from datetime import datetime, timezone

import pytest

from tests.support import doc_examples
from tests.support.doc_examples import ExampleError, markdown_examples, yaml_example

NOW_MS = int(datetime(2026, 11, 29, 14, 0, tzinfo=timezone.utc).timestamp() * 1000)


def md(text):
    return markdown_examples(textwrap.dedent(text), "doc.md")


def test_fenced_yaml_blocks_are_found_with_their_line_and_kind():
    found = md("""\
        # Title

        ```yaml
        - name: A task
          ansible.builtin.debug:
            msg: hi
        ```

        ```console
        $ ansible-playbook site.yml
        ```

        ```yml
        - hosts: localhost
          tasks: []
        ```
        """)
    assert [(example.source, example.kind, example.runnable) for example in found] == [
        ("doc.md:4", "tasks", True), ("doc.md:14", "playbook", True)]


def test_the_marker_before_a_block_makes_it_syntax_only_with_its_reason():
    found = md("""\
        <!-- example: syntax-only (needs a real Cassandra) -->

        ```yaml
        - hosts: localhost
          tasks: []
        ```
        """)
    assert found[0].syntax_only == "needs a real Cassandra" and not found[0].runnable


@pytest.mark.parametrize("marker, message", [
    ("<!-- example: syntax-only -->", "unknown example marker"),
    ("<!-- example: syntax-only () -->", "unknown example marker"),
    ("<!-- example: skip (flaky) -->", "unknown example marker"),
])
def test_a_marker_without_a_reason_or_misspelt_is_refused(marker, message):
    with pytest.raises(ExampleError, match=message):
        md(marker + "\n```yaml\n- hosts: localhost\n  tasks: []\n```\n")


def test_a_marker_must_be_followed_by_a_yaml_block():
    with pytest.raises(ExampleError, match="not followed by a fenced block"):
        md("<!-- example: syntax-only (AWX) -->\nSome text.\n```yaml\n- hosts: all\n  tasks: []\n```\n")
    with pytest.raises(ExampleError, match="only YAML examples take one"):
        md("<!-- example: syntax-only (AWX) -->\n```console\n$ awx\n```\n")


def test_a_marker_on_a_mapping_is_refused_as_it_is_only_parsed_anyway():
    with pytest.raises(ExampleError, match="only parsed anyway"):
        md("<!-- example: syntax-only (AWX) -->\n```yaml\nbackup_restore_drill_run_id: 7\n```\n")


def test_the_yaml_marker_is_a_leading_comment():
    example = yaml_example("---\n# example: syntax-only (needs AWX)\n- name: A task\n  ansible.builtin.debug:\n", "x.yml:1")
    assert example.syntax_only == "needs AWX"
    with pytest.raises(ExampleError, match="leading comment"):
        yaml_example("- name: A task\n  ansible.builtin.debug:\n# example: syntax-only (needs AWX)\n", "x.yml:1")


def test_kinds_scenarios_and_drill_inventories():
    inventory = yaml_example("all:\n  hosts:\n    orders-prod:\n      backup_restore_drill_cluster_id: x\n", "i:1")
    assert inventory.kind == "inventory" and inventory.is_drill_inventory and inventory.runnable
    plain = yaml_example("all:\n  hosts:\n    web1:\n", "i:1")
    assert plain.kind == "inventory" and not plain.runnable
    assert yaml_example("backup_restore_drill_run_id: 7\n", "v:1").kind == "mapping"
    v2 = yaml_example("- name: Restore\n  restorekit.instaclustr.cluster_restore:\n    application: redis\n", "t:1")
    assert v2.scenario == "mixed"
    assert yaml_example("- hosts: localhost\n  module_defaults:\n    group/x:\n      api_version: v2\n", "p:1").scenario == "mixed"
    assert yaml_example("- name: Read\n  restorekit.instaclustr.cluster_info:\n", "t:1").scenario == "default"
    with pytest.raises(ExampleError, match="mixes plays and tasks"):
        yaml_example("- hosts: localhost\n- name: A task\n  ansible.builtin.debug:\n", "m:1")


def test_substitute_replaces_example_ids_and_utc_timestamps_from_the_emulator_clock():
    text = 'cluster_id: 77b5a4e1-c422-4a78-b551-d8fa5c42ad95\npoint_in_time: "2026-11-20T10:00:00Z"\nsince: 2026-11-19T00:00:00.500Z\n'
    result = doc_examples.substitute(text, NOW_MS)
    assert result == ('cluster_id: a3e9d5c2-8b17-4f60-b2d4-5c8e1f7a2b02\npoint_in_time: "2026-11-28T14:00:00Z"\n'
                      'since: 2026-11-28T14:00:00Z\n')


def test_a_task_list_is_wrapped_in_a_play_with_the_emulator_settings():
    example = yaml_example("- name: Read\n  restorekit.instaclustr.cluster_info:\n    name: orders-prod\n", "doc.md:3")
    api = {"api_url": "http://127.0.0.1:9", "api_username": "u", "api_key": "k"}
    (play,) = doc_examples.plays_of(example, example.text, api, 0.2)
    assert play["name"] == "[doc.md:3]" and play["hosts"] == "localhost" and play["tasks"] == example.data
    assert play["module_defaults"]["group/restorekit.instaclustr.all"] == api
    assert play["module_defaults"]["restorekit.instaclustr.cluster_restore"] == {"wait_sleep": 0.2}


def test_a_playbook_keeps_its_module_defaults_and_gets_the_short_poll_interval():
    text = textwrap.dedent("""\
        - name: Back up
          hosts: localhost
          module_defaults:
            group/restorekit.instaclustr.all:
              api_version: v2
            restorekit.instaclustr.cluster_backup:
              wait_sleep: 5
          tasks: []
        - ansible.builtin.import_playbook: restorekit.instaclustr.dr_drill
        """)
    example = yaml_example(text, "doc.md:1")
    plays = doc_examples.plays_of(example, text, {}, 0.2)
    assert plays[0]["name"] == "[doc.md:1] Back up"
    assert plays[0]["module_defaults"] == {
        "group/restorekit.instaclustr.all": {"api_version": "v2"},
        "restorekit.instaclustr.cluster_backup": {"wait_sleep": 5},
        "restorekit.instaclustr.cluster_restore": {"wait_sleep": 0.2},
        "restorekit.instaclustr.cluster_firewall_rule": {"wait_sleep": 0.2},
        "restorekit.instaclustr.cluster_wait": {"wait_sleep": 0.2}}
    assert plays[1] == {"ansible.builtin.import_playbook": "restorekit.instaclustr.dr_drill"}


def test_module_arguments_are_checked_against_the_argument_spec():
    assert doc_examples.module_argument_problems(
        {"restorekit.instaclustr.cluster_backup": {"cluster_id": "{{ x }}", "reuse_within": "6h"}}) == []
    arguments = {"cluster_id": "x", "name": "y", "point_in_tim": "z", "api_version": "v3"}
    problems = doc_examples.module_argument_problems({"restorekit.instaclustr.cluster_restore": arguments})
    assert any("unknown option(s) point_in_tim" in problem for problem in problems)
    assert any("api_version" in problem and "v3" in problem for problem in problems)
    assert doc_examples.module_argument_problems({"restorekit.instaclustr.drill_evidence": {"path": "/x", "max_age": "30d"}}) == []
    assert doc_examples.module_argument_problems({"restorekit.instaclustr.nope": {}}) == [
        "restorekit.instaclustr.nope is not a module of the collection"]


def test_a_new_example_is_found_without_editing_a_test(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "README.md").write_text("```yaml\n- name: A\n  ansible.builtin.debug:\n```\n")
    (tmp_path / "docs" / "new.md").write_text("Text\n\n```yaml\n- hosts: localhost\n  tasks: []\n```\n")
    assert [example.source for example in doc_examples.discover(tmp_path)] == ["README.md:2", "docs/new.md:4"]


def test_the_repository_examples():
    examples = doc_examples.discover()
    by_source = {example.source.rsplit(":", 1)[0]: example for example in examples}
    # every place examples live is searched
    for path in ("README.md", "docs/drill.md", "docs/awx.md", "docs/api-client.md", "roles/backup_restore_drill/README.md",
                 "plugins/modules/cluster_restore.py", "plugins/filter/drill_duration.yml"):
        assert path in by_source, path
    # issue 14: the drill inventory of docs/drill.md runs with dr_drill; the README restore runs
    drill_inventory = [example for example in examples if example.source.startswith("docs/drill.md") and example.kind == "inventory"]
    assert drill_inventory and drill_inventory[0].is_drill_inventory and drill_inventory[0].runnable
    readme_restore = [example for example in examples if example.source.startswith("README.md") and "point_in_time" in example.text]
    assert readme_restore and all(example.runnable for example in readme_restore)
    assert all(example.syntax_only.startswith("needs ") for example in examples if example.syntax_only)


def test_role_variables_of_inventories_and_variable_files_are_checked_against_the_role():
    assert doc_examples.role_variable_problems({"backup_restore_drill_rpo_target": "15m", "other": 1}) == []
    assert doc_examples.role_variable_problems({"backup_restore_drill_rpo_targt": "15m"}) == [
        "unknown role variable(s) backup_restore_drill_rpo_targt"]
    assert doc_examples.role_variable_problems({"backup_restore_drill_trigger_backup": "maybe"})
    inventory = yaml_example("all:\n  hosts:\n    a:\n      backup_restore_drill_cluster_id: x\n  vars:\n"
                             "    backup_restore_drill_rpo_target: 15m\n", "i:1")
    assert doc_examples.example_variables(inventory) == [{"backup_restore_drill_cluster_id": "x", "backup_restore_drill_rpo_target": "15m"}]


def test_inventory_plugin_configurations_one_per_yaml_document():
    text = "# a.instaclustr.yml\nplugin: restorekit.instaclustr.clusters\napi_version: v2\n---\nplugin: restorekit.instaclustr.clusters\n"
    found = doc_examples.yaml_examples(text, "plugins/inventory/clusters.py:92")
    assert [(example.source, example.kind, example.scenario, example.runnable) for example in found] == [
        ("plugins/inventory/clusters.py:92#1", "inventory_source", "mixed", True),
        ("plugins/inventory/clusters.py:92#2", "inventory_source", "default", True)]
    assert yaml_example("plugin: ansible.builtin.constructed\n", "x:1").kind == "mapping"
