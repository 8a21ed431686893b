"""Unit tests of durations written for people (plugins/plugin_utils/drill_values.py)."""

import pytest

from ansible_collections.restorekit.instaclustr.plugins.plugin_utils import drill_values


@pytest.mark.parametrize("seconds, text", [(None, "unknown"), (45, "45s"), (750, "12m30s"), (11100, "3h05m"), (-30, "-30s")])
def test_durations(seconds, text):
    assert drill_values.human_seconds(seconds) == text


@pytest.mark.parametrize("seconds, text", [
    (1201.4, "20m01s"), (1201.6, "20m02s"), (119.6, "2m00s"), (179.6, "3m00s"), (7199.6, "2h00m"), (7229, "2h00m"),
    (7231, "2h01m"), (172799, "2d00h"), (360000, "4d04h"), (-1201.6, "-20m02s"),
])
def test_a_duration_is_rounded_once_so_no_unit_reads_60(seconds, text):
    assert drill_values.human_seconds(seconds) == text


def test_every_output_formats_a_duration_with_the_one_function():
    from ansible_collections.restorekit.instaclustr.plugins.filter.drill import FilterModule
    from ansible_collections.restorekit.instaclustr.plugins.plugin_utils import drill_evidence_render

    for seconds in (45, 1201.6, 11100, 360000):
        assert FilterModule().filters()["drill_duration"](seconds) == drill_values.human_seconds(seconds)
        assert drill_evidence_render.human_seconds(seconds) == drill_values.human_seconds(seconds)
    assert drill_evidence_render.human_seconds(None) == "-"
    assert drill_values.figure_text(1201.6) == "20m02s" and drill_values.figure_text(None, not_applicable=True) == "not applicable"
