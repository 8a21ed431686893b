"""The repository's docs stand alone: every relative link points at a file inside the repository,
nothing refers to material outside a clone, and the API facts the project relies on are in
docs/api-facts.md with their public sources.

Each rule is a small function, tested on the real files and on a broken example.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
OUTSIDE = re.compile(r"\.\./shared|shared/reference")


def doc_files(root=REPO_ROOT):
    return [root / "README.md", *sorted((root / "docs").rglob("*.md")), *sorted((root / "roles").glob("*/README.md"))]


def link_problems(path, text, root=REPO_ROOT):
    """Relative links that leave the repository or name a missing file; mentions of material outside a clone."""
    problems = ["%s mentions %r" % (path.name, match.group(0)) for match in OUTSIDE.finditer(text)]
    for target in LINK.findall(text):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            continue  # a URL (http:, https:, mailto:) or an anchor on the same page
        resolved = (path.parent / target.split("#", 1)[0]).resolve()
        if root.resolve() not in resolved.parents and resolved != root.resolve():
            problems.append("%s links outside the repository: %s" % (path.name, target))
        elif not resolved.exists():
            problems.append("%s links to a missing file: %s" % (path.name, target))
    return problems


def test_every_doc_link_points_inside_the_repository():
    problems = [problem for path in doc_files() for problem in link_problems(path, path.read_text(encoding="utf-8"))]
    assert problems == []


@pytest.mark.parametrize("text, words", [
    ("as in `../shared/reference/instaclustr-api-v1.md`", "mentions"),
    ("see [the facts](../../elsewhere/facts.md)", "outside the repository"),
    ("see [the facts](no-such-file.md)", "missing file"),
])
def test_the_rule_catches_links_out_of_a_clone(text, words):
    problems = link_problems(REPO_ROOT / "docs" / "example.md", text)
    assert problems and words in problems[0]


def test_api_facts_has_the_v1_facts_with_sources_and_a_v2_section():
    text = (REPO_ROOT / "docs" / "api-facts.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (.+)$", text, re.MULTILINE)
    assert "Provisioning API v1" in headings and "Cluster Management API v2" in headings
    assert headings.index("Provisioning API v1") < headings.index("Cluster Management API v2")
    for fact in ("/provisioning/v1/{clusterId}/backups", "204", "503", "1420070400000", "restoredCluster",
                 "35 requests per second", "7 days", "unknown"):
        assert fact in text, fact
    assert "https://instaclustr.redoc.ly/" in text and "instaclustr/operator" in text
    assert "api-facts.md" in (REPO_ROOT / "docs" / "emulator.md").read_text(encoding="utf-8")
