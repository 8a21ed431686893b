"""The drill filters (plugins/filter/drill.py): a registry whose entry points call plugins/plugin_utils/drill_*.py,
tested there."""

from ansible_collections.restorekit.instaclustr.plugins.filter import drill


def test_every_filter_is_registered_and_documented():
    from pathlib import Path
    filters = drill.FilterModule().filters()
    folder = Path(drill.__file__).parent
    for name in filters:
        assert (folder / ("%s.yml" % name)).is_file(), "no documentation for %s" % name
