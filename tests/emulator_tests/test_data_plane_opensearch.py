"""The data plane's OpenSearch through the whole emulator: the REST double behind the front doors and the
firewall, snapshots that hold the indices as of their start, restores at a backup's completion (only the
index_names asked for) and the next_restore_data outcomes.
Read and written with ``requests`` (the collection's HTTP client), as the user the v2 GET answers."""

import pytest
import requests

from tests.emulator_tests.data_plane_support import (DURATIONS, back_up, closed_before_any_byte, open_firewall,
                                                     public_addresses, restore, restored_and_ready)
from tests.support.emulator import SEARCH_OS_ID, running_emulator, v2_path

PORT = 9200


@pytest.fixture(scope="module")
def emulator():
    with running_emulator(scenario="mixed", extra_args=("--data-plane",) + DURATIONS) as emulator:
        yield emulator


def client(emulator, cluster_id):
    """A session authenticated as the cluster's default user, and the URL of its first node."""
    body = emulator.api("GET", v2_path("opensearch", "cluster", cluster_id)).json()
    session = requests.Session()
    session.auth = (body["defaultUsername"], body["defaultUserPassword"])
    return session, "http://%s:%d" % (body["dataCentres"][0]["nodes"][0]["publicAddress"], PORT)


def index(emulator, name, doc_id, text):
    session, url = client(emulator, SEARCH_OS_ID)
    with session:
        answer = session.put("%s/%s/_doc/%s?refresh=true" % (url, name, doc_id), json={"text": text}, timeout=10)
    assert answer.status_code in (200, 201), answer.text


def documents(emulator, cluster_id, name):
    """The texts of index ``name`` in ``cluster_id``, or None when the index is not there."""
    session, url = client(emulator, cluster_id)
    with session:
        answer = session.post("%s/%s/_search" % (url, name), json={"query": {"match_all": {}}, "size": 100}, timeout=10)
    if answer.status_code == 404:
        assert answer.json()["error"]["type"] == "index_not_found_exception", answer.text
        return None
    assert answer.status_code == 200, answer.text
    return sorted(hit["_source"]["text"] for hit in answer.json()["hits"]["hits"])


@pytest.fixture(scope="module")
def written(emulator):
    """Two indices, a backup, then a document more: what the restores below must tell apart."""
    index(emulator, "orders", "1", "before the backup")
    index(emulator, "audit", "1", "before the backup")
    completed = back_up(emulator, "opensearch", SEARCH_OS_ID)
    index(emulator, "orders", "2", "after the backup")
    return completed


def test_the_default_user_is_icopensearch_and_others_are_refused(emulator):
    session, url = client(emulator, SEARCH_OS_ID)
    with session:
        assert session.auth[0] == "icopensearch"
        assert session.get(url + "/_cluster/health", timeout=10).status_code == 200
    assert requests.get(url + "/_cluster/health", auth=("icopensearch", "wrong"), timeout=10).status_code == 401


def test_a_restore_at_the_backup_brings_the_indices_as_of_the_snapshot_behind_a_closed_firewall(emulator, written):
    restored = restore(emulator, "opensearch", SEARCH_OS_ID, written)
    assert closed_before_any_byte(public_addresses(emulator, "opensearch", restored)[0], PORT)
    open_firewall(emulator, restored, "OPENSEARCH")
    assert documents(emulator, restored, "orders") == ["before the backup"]
    assert documents(emulator, restored, "audit") == ["before the backup"]


def test_a_restore_with_index_names_brings_only_those(emulator, written):
    response = emulator.api("POST", v2_path("opensearch", "restore"),
                            json={"clusterId": SEARCH_OS_ID, "pointInTime": written, "indexNames": "audit"})
    assert response.status_code == 202, response.text
    restored = restored_and_ready(emulator, response.json()["restoredClusterId"])
    open_firewall(emulator, restored, "OPENSEARCH")
    assert documents(emulator, restored, "audit") == ["before the backup"]
    assert documents(emulator, restored, "orders") is None


def test_next_restore_data_empty_brings_no_index(emulator, written):
    emulator.set_outcomes(next_restore_data="empty")
    restored = restore(emulator, "opensearch", SEARCH_OS_ID, written)
    open_firewall(emulator, restored, "OPENSEARCH")
    assert documents(emulator, restored, "orders") is None


def test_next_restore_data_latest_brings_the_current_indices(emulator, written):
    emulator.set_outcomes(next_restore_data="latest")
    restored = restore(emulator, "opensearch", SEARCH_OS_ID, written)
    open_firewall(emulator, restored, "OPENSEARCH")
    assert documents(emulator, restored, "orders") == ["after the backup", "before the backup"]
