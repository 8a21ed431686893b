"""Unit tests of the SVG timeline (plugins/plugin_utils/drill_timeline.py)."""

from xml.etree import ElementTree

from ansible_collections.restorekit.instaclustr.plugins.plugin_utils import drill_report
from ansible_collections.restorekit.instaclustr.plugins.plugin_utils import drill_timeline
from tests.unit.plugins.plugin_utils.drill_fixtures import (
    context,
)


def test_timeline_svg_has_phases_node_bars_markers_and_escapes_text():
    value = context()
    value["preflight"] = dict(value["preflight"], source=dict(value["preflight"]["source"], name="<script>x</script>"))
    report = drill_report.build_report(value)
    svg = drill_timeline.timeline_svg(report)
    root = ElementTree.fromstring(svg)  # well-formed XML
    rects = root.findall("{http://www.w3.org/2000/svg}rect")
    assert len(rects) == 1 + 2 + 4 + 4  # background, backup and restore phases, 4 backup bars, 4 restore bars
    assert "drill start" in svg and "point in time" in svg and "<script>" not in svg
    assert drill_timeline.timeline_svg({"timeline": {}}).startswith("<svg")
