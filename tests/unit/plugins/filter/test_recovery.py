"""The recovery filters (plugins/filter/recovery.py): a registry whose entry points call
plugins/plugin_utils/steps_*.py, tested there."""

from pathlib import Path

from ansible_collections.restorekit.instaclustr.plugins.filter import recovery


def test_every_recovery_filter_is_registered_and_documented():
    filters = recovery.FilterModule().filters()
    assert set(filters) == {"recovery_plan", "recovery_report", "recovery_memory", "recovery_earlier", "firewall_copy", "recovery_data_checks"}
    folder = Path(recovery.__file__).parent
    for name in filters:
        assert (folder / ("%s.yml" % name)).is_file(), "no documentation for %s" % name


def test_the_data_checks_without_data_access_are_not_verifiable_never_passed():
    checks = recovery.FilterModule().filters()["recovery_data_checks"]({})
    assert [check["id"] for check in checks] == ["catalogue", "canary_restored", "point_in_time_honoured"]
    assert {check["status"] for check in checks} == {"not_verifiable"}
    assert all("cluster_recovery_data_access_cidr" in check["details"] for check in checks)
