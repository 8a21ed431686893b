"""Unit tests of durations written for people (plugins/plugin_utils/drill_values.py)."""

import pytest

from ansible_collections.restorekit.instaclustr.plugins.plugin_utils import drill_values


@pytest.mark.parametrize("seconds, text", [(None, "unknown"), (45, "45s"), (750, "12m30s"), (11100, "3h05m"), (-30, "-30s")])
def test_durations(seconds, text):
    assert drill_values.human_seconds(seconds) == text
