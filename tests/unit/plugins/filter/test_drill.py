"""The drill filters (plugins/filter/drill.py): a registry whose entry points call plugins/plugin_utils/drill_*.py,
tested there."""

from ansible_collections.restorekit.instaclustr.plugins.filter import drill


def test_every_filter_is_registered_and_documented():
    from pathlib import Path
    filters = drill.FilterModule().filters()
    folder = Path(drill.__file__).parent
    for name in filters:
        assert (folder / ("%s.yml" % name)).is_file(), "no documentation for %s" % name


HOSTILE = "orders{{ lookup('pipe', 'touch /tmp/never') }}"


def _trusted(value):
    """``value`` as Ansible 2.19+ marks a string it would evaluate (a template from a trusted source)."""
    from ansible._internal._datatag._tags import TrustedAsTemplate
    return TrustedAsTemplate().tag(value)


def _strings(value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, (list, tuple, set)):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value


def test_every_string_a_filter_returns_is_never_evaluated_as_a_template():
    from ansible._internal._datatag._tags import TrustedAsTemplate
    name = _trusted(HOSTILE)
    assert TrustedAsTemplate.is_tagged_on(name)
    sweep_clusters = drill.FilterModule().filters()["drill_sweep_clusters"]
    clusters = sweep_clusters([{"id": "c1", "name": name, "status": _trusted("RUNNING")}])
    assert clusters[0]["name"] == HOSTILE
    assert [text for text in _strings(clusters) if TrustedAsTemplate.is_tagged_on(text)] == []


def test_mark_unsafe_rebuilds_containers_and_leaves_other_values():
    from ansible._internal._datatag._tags import TrustedAsTemplate
    from ansible_collections.restorekit.instaclustr.plugins.plugin_utils.unsafe import mark_unsafe

    class LazyList(list):  # stands for a container type that cannot be built from a generator
        def __init__(self, *args):
            if args and not isinstance(args[0], list):
                raise TypeError("Direct construction of lazy containers is not supported")
            super().__init__(*args)

    marked = mark_unsafe({_trusted("k"): LazyList([_trusted(HOSTILE), 1, None, True, (_trusted("t"),)])})
    assert marked == {"k": [HOSTILE, 1, None, True, ("t",)]}
    assert not isinstance(marked["k"], LazyList) and isinstance(marked["k"], list)
    assert [text for text in _strings(marked) if TrustedAsTemplate.is_tagged_on(text)] == []
