"""dr_recover over the Cluster Management API v2, one recovery per application, on the mixed scenario (one
fast emulator for the module): a deleted Cassandra source, a FAILED PostgreSQL source, RUNNING OpenSearch and
Redis sources. Each keeps its restored cluster, copies the source's firewall rules and deletes nothing."""

import pytest

from tests.drill.conftest import TIME_SCALE, deleted_ids, restore_posts
from tests.drill.test_recovery import recover, recovery_reports
from tests.support.emulator import ORDERS_PROD_ID, running_emulator

PAYMENTS_PG_ID = "b8e2d4f6-0a13-4c57-9e21-3d5f7a9c1e06"
SEARCH_OS_ID = "c9f3e5a7-1b24-4d68-8f32-4e6a8b0d2f07"
SESSIONS_REDIS_ID = "d0a4f6b8-2c35-4e79-9a43-5f7b9c1e3a08"


@pytest.fixture(scope="module")
def module_emulator():
    with running_emulator(scenario="mixed", time_scale=TIME_SCALE) as emulator:
        yield emulator


@pytest.mark.parametrize("application,source_id,disaster,rule_type,port", [
    ("cassandra", ORDERS_PROD_ID, "deleted", None, 9042),
    ("postgresql", PAYMENTS_PG_ID, "failed", "POSTGRESQL", 5432),
    ("opensearch", SEARCH_OS_ID, None, "OPENSEARCH", 9200),
    ("redis", SESSIONS_REDIS_ID, None, "REDIS", 6379),
])
def test_recovery_on_v2(emulator, tmp_path, application, source_id, disaster, rule_type, port):
    if rule_type:
        emulator.add_firewall_rules(source_id, "203.0.113.0/24", types=[rule_type], duration_seconds=0)
    if disaster:
        emulator.disaster(source_id, disaster)
    run = recover(emulator, tmp_path, source_id=source_id, env={"IC_API_VERSION": "v2"},
                  cluster_recovery_application=application, cluster_recovery_name="%s-recovered" % application,
                  cluster_recovery_confirm=source_id)
    assert run.rc == 0, run.output[-4000:]
    [report] = recovery_reports(run)
    assert report["status"] == "recovered" and report["api_version"] == "v2"
    assert len(restore_posts(emulator)) == 1 and deleted_ids(emulator) == []
    restored = report["restored"]
    assert restored["addresses"] and all(address.endswith(":%d" % port) for address in restored["addresses"])
    rules = {(rule["network"], rule["type"]) for rule in emulator.firewall_rules(restored["id"])}
    if rule_type:
        assert ("203.0.113.0/24", rule_type) in rules
    if application == "redis":
        assert report["plan"]["point_in_time_basis"] == "latest_state" and report["data_loss"]["seconds"] is None
    else:
        assert report["data_loss"]["seconds"] is not None
