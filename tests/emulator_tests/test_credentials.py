"""Default data users as Instaclustr gives them: the v2 GET's defaultUserPassword (none for Redis),
OpenSearch's defaultUsername, the admin view's password, a restore carrying the source's users, and
the next_restore_data outcome's values."""

import pytest

from tests.support.emulator import (INVENTORY_DEV_ID, PAYMENTS_PG_ID, SEARCH_OS_ID, SESSIONS_REDIS_ID, running_emulator,
                                    v2_path)

CLUSTERS = {"cassandra": INVENTORY_DEV_ID, "postgresql": PAYMENTS_PG_ID, "opensearch": SEARCH_OS_ID,
            "redis": SESSIONS_REDIS_ID}
USERS = {"cassandra": "iccassandra", "postgresql": "icpostgresql", "opensearch": "icopensearch", "redis": "icredis"}


@pytest.fixture(scope="module")
def emulator():
    with running_emulator(scenario="mixed") as emulator:
        yield emulator


@pytest.mark.parametrize("application", sorted(CLUSTERS))
def test_the_v2_get_answers_the_default_password_except_for_redis(emulator, application):
    cluster_id = CLUSTERS[application]
    body = emulator.api("GET", v2_path(application, "cluster", cluster_id)).json()
    state = emulator.cluster_state(cluster_id)
    assert state["default_username"] == USERS[application]
    assert body.get("defaultUserPassword") == (None if application == "redis" else state["default_password"])
    assert len(state["default_password"]) >= 12
    if application == "opensearch":
        assert body["defaultUsername"] == "icopensearch"


def test_each_cluster_has_its_own_password_without_db_password(emulator):
    passwords = [emulator.cluster_state(cluster_id)["default_password"] for cluster_id in CLUSTERS.values()]
    assert len(set(passwords)) == len(passwords)


def test_a_restored_cluster_carries_the_source_users(emulator):
    response = emulator.api("POST", v2_path("postgresql", "restore"), json={"clusterId": PAYMENTS_PG_ID})
    restored = emulator.cluster_state(response.json()["restoredClusterId"])
    source = emulator.cluster_state(PAYMENTS_PG_ID)
    assert (restored["default_username"], restored["default_password"]) == ("icpostgresql", source["default_password"])


def test_db_password_sets_every_default_user_password_redis_included():
    with running_emulator(scenario="mixed", extra_args=("--db-password", "one-for-all")) as emulator:
        assert {emulator.cluster_state(cluster_id)["default_password"] for cluster_id in CLUSTERS.values()} == {"one-for-all"}


def test_next_restore_data_takes_only_its_three_values(emulator):
    response = emulator.http.post(emulator.url + "/__emulator__/outcomes", json={"next_restore_data": "partial"})
    assert response.status_code == 400 and "complete, empty, latest" in response.json()["error"]
    assert emulator.set_outcomes(next_restore_data="empty")["next_restore_data"] == "empty"
    emulator.api("POST", v2_path("postgresql", "restore"), json={"clusterId": PAYMENTS_PG_ID})
    assert emulator.admin("GET", "/outcomes")["next_restore_data"] == "complete"
