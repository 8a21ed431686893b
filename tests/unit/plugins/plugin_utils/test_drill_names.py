"""Unit tests of the names a drill gives restored clusters (plugins/plugin_utils/drill_names.py)."""

import re

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.restorekit.instaclustr.plugins.plugin_utils import drill_names
from tests.unit.plugins.plugin_utils.drill_fixtures import (
    NOW,
)


@pytest.mark.parametrize("source_name", ["orders-prod", "a" * 100, "Orders Prod (EU)/2", "-_-", "x"])
def test_restore_name_is_valid_and_keeps_timestamp_and_run_id(source_name):
    name = drill_names.restore_name("drill", source_name, NOW, "A1-B2_c3d4e5")
    assert len(name) <= 48 and re.match(r"^[a-zA-Z0-9][a-zA-Z0-9_-]*$", name)
    assert name.startswith("drill-") and name.endswith("-20261118T110640Z-a1b2c3d4")
    assert drill_names.name_timestamp_ms(name, "drill") == NOW // 1000 * 1000


def test_restore_name_shortens_only_the_source_name():
    name = drill_names.restore_name("nightly-dr", "orders-production-eu-west-primary", NOW, "ff00")
    assert name == "nightly-dr-orders-producti-20261118T110640Z-ff00"
    assert len(name) == 48


@pytest.mark.parametrize("prefix", ["", "-drill", "drill prefix!", "d" * 21])
def test_a_bad_prefix_is_refused_with_its_rule(prefix):
    with pytest.raises(AnsibleFilterError, match="backup_restore_drill_name_prefix must be 1 to 20 characters"):
        drill_names.restore_name(prefix, "orders-prod", NOW, "a1")


@pytest.mark.parametrize("name", [
    "drillx-orders-prod-20261118T110640Z-a1b2",  # prefix only as a substring
    "prod-orders-prod-20261118T110640Z-a1b2",  # another prefix
    "drill-orders-prod-copy",  # no timestamp
    "drill-20261118T110640Z-a1b2",  # no source part
    "drill-orders-prod-20261318T082640Z-a1b2",  # month 13
    "drill-orders-prod-20261118T110640Z-A1B2",  # run ids are lower case
])
def test_names_a_drill_did_not_make_have_no_timestamp(name):
    assert drill_names.name_timestamp_ms(name, "drill") is None
