"""A lost source: FAILED, or deleted with its backups still listed and restorable (admin ``disaster``)."""

import pytest
import requests

from tests.emulator_tests.helpers import backups_path, cluster_path, restore_path
from tests.support.emulator import INVENTORY_DEV_ID, ORDERS_PROD_ID, v2_path


def test_a_failed_source_reads_failed_and_still_lists_and_restores_its_backups(emulator, api):
    assert emulator.disaster(ORDERS_PROD_ID, "failed")["status"] == "FAILED"
    before = api.get(backups_path(ORDERS_PROD_ID)).json()
    cluster = api.get(cluster_path(ORDERS_PROD_ID)).json()
    assert cluster["clusterStatus"] == "FAILED"
    emulator.advance(3 * 3600)
    after = api.get(backups_path(ORDERS_PROD_ID)).json()
    assert after == before  # no backup ends after the disaster
    answer = api.post(restore_path(ORDERS_PROD_ID), json={"clusterNameOverride": "orders-recovered"})
    assert answer.status_code == 200 and answer.json()["restoredCluster"]


def test_a_deleted_source_is_gone_but_its_backups_are_listed_and_restorable(emulator, api):
    emulator.disaster(ORDERS_PROD_ID, "deleted")
    assert api.get(cluster_path(ORDERS_PROD_ID)).status_code == 404
    assert ORDERS_PROD_ID not in {c["id"] for c in api.get("/provisioning/v1").json()}
    assert api.get(backups_path(ORDERS_PROD_ID)).status_code == 200
    assert api.post(backups_path(ORDERS_PROD_ID)).status_code == 404  # no new backup of a deleted cluster
    answer = api.post(restore_path(ORDERS_PROD_ID), json={"clusterNameOverride": "orders-recovered"})
    assert answer.status_code == 200
    assert emulator.cluster_state(ORDERS_PROD_ID)["deleted"] is True


def test_an_ordinary_deletion_keeps_no_backups(emulator, api):
    api.delete(cluster_path(INVENTORY_DEV_ID))
    emulator.advance(120)
    assert api.get(backups_path(INVENTORY_DEV_ID)).status_code == 404


def test_a_deleted_source_lists_its_backups_on_v2(emulator, api):
    emulator.disaster(ORDERS_PROD_ID, "deleted")
    assert api.get(v2_path("cassandra", "cluster", ORDERS_PROD_ID)).status_code == 404
    assert api.get(v2_path("cassandra", "list_backups", ORDERS_PROD_ID)).status_code == 200


@pytest.mark.parametrize("body", [{}, {"kind": "gone"}])
def test_an_unknown_disaster_is_400(emulator, body):
    response = requests.post(emulator.url + "/__emulator__/clusters/%s/disaster" % ORDERS_PROD_ID, json=body, timeout=10)
    assert response.status_code == 400
