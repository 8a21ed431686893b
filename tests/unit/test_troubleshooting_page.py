"""docs/troubleshooting.md stays true to the code: every message the code raises is on the page, and
every message the page quotes is one the code still gives.

The messages are read from the code itself: the rule of each ``OptionError``, and the message of each
``OperationFailed``, ``InventoryError`` and ``AnsibleFilterError`` raised under plugins/ (the literal
text before the first placeholder, when it is long enough to say something), and every API status hint.
"""

import ast
import re
from pathlib import Path

from ansible_collections.restorekit.instaclustr.plugins.module_utils._errors import STATUS_HINTS

REPO_ROOT = Path(__file__).resolve().parents[2]
PAGE = REPO_ROOT / "docs" / "troubleshooting.md"
# The exception classes whose messages users read, and the position of the message among their arguments.
MESSAGE_ARGUMENT = {"OptionError": 1, "OperationFailed": 0, "InventoryError": 0, "AnsibleFilterError": 0}
SHORTEST = 20  # shorter leads ("must be ", "a ") are the general "<option>: <rule>" form the page explains once


def words(text):
    return " ".join(text.split())


def literal_lead(node):
    """The literal text a message starts with: a constant, the left of ``%`` or ``.format``, an f-string's first part."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mod, ast.Add)):
        return literal_lead(node.left)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return literal_lead(node.func.value)
    if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
        return node.values[0].value
    return None


def python_trees():
    return [ast.parse(path.read_text(encoding="utf-8")) for path in sorted((REPO_ROOT / "plugins").rglob("*.py"))]


def raised_messages():
    found = set()
    for tree in python_trees():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            position = MESSAGE_ARGUMENT.get(name)
            if position is None or len(node.args) <= position:
                continue
            lead = literal_lead(node.args[position])
            lead = words(re.split(r"%|\{", lead or "")[0])
            if len(lead) >= SHORTEST:
                found.add(lead)
    return found


def code_texts():
    """Every string constant under plugins/ (implicit concatenations joined) and the role's task files."""
    texts = [words(node.value) for tree in python_trees() for node in ast.walk(tree)
             if isinstance(node, ast.Constant) and isinstance(node.value, str)]
    texts += [words(path.read_text(encoding="utf-8")) for path in sorted((REPO_ROOT / "roles").rglob("*.yml"))]
    return texts


def quoted_messages(page):
    """The quoted text of the first column of each table row (``| `message` | ... |``)."""
    return [words(found) for found in re.findall(r"^\| `([^`]+)` \|", page, re.MULTILINE)]


def test_every_message_the_code_raises_is_on_the_page():
    page = words(PAGE.read_text(encoding="utf-8"))
    missing = sorted(message for message in raised_messages() if message not in page)
    assert missing == [], "add a row to docs/troubleshooting.md for: %s" % missing


def test_every_api_hint_is_on_the_page():
    page = words(PAGE.read_text(encoding="utf-8"))
    assert [hint for hint in STATUS_HINTS.values() if hint not in page] == []


def test_every_message_the_page_quotes_is_still_given_by_the_code():
    texts = code_texts()
    quoted = quoted_messages(PAGE.read_text(encoding="utf-8"))
    assert len(quoted) > 60
    stale = [message for message in quoted if not any(message in text for text in texts)]
    assert stale == [], "docs/troubleshooting.md quotes messages the code no longer gives: %s" % stale


def test_the_page_is_linked_from_the_readme():
    assert "(docs/troubleshooting.md)" in (REPO_ROOT / "README.md").read_text(encoding="utf-8")
