"""Steps shared by the data-plane tests: back up, restore and wait for the data, open the firewall."""

import socket
import time

from tests.support.emulator import v2_path

FIREWALL_RULES = "/cluster-management/v2/resources/network-firewall-rules/v2"
DURATIONS = ("--backup-duration", "60", "--restore-duration", "60", "--firewall-rule-duration", "30")
DATA_READY_SECONDS = 60


def public_addresses(emulator, application, cluster_id):
    body = emulator.api("GET", v2_path(application, "cluster", cluster_id)).json()
    return [node["publicAddress"] for dc in body["dataCentres"] for node in dc["nodes"]]


def back_up(emulator, application, cluster_id):
    """Trigger a backup and let it complete; return the instant its last node completed (epoch ms)."""
    assert emulator.api("POST", v2_path(application, "trigger_backup", cluster_id)).status_code == 202
    state = emulator.cluster_state(cluster_id)
    backup = state["triggered_backups"][-1]
    emulator.advance(backup["duration_seconds"] + 2 * state["node_count"] + 1)  # nodes start 2 s apart, every data centre's
    return backup["start_ms"] + int(backup["duration_seconds"] * 1000) + 2000 * (state["node_count"] - 1)


def restore(emulator, application, source_id, point_in_time_ms=None):
    """Restore ``source_id``, let the restore finish, wait for the data; return the restored cluster's id."""
    body = {"clusterId": source_id}
    if point_in_time_ms is not None:
        body["pointInTime"] = point_in_time_ms
    response = emulator.api("POST", v2_path(application, "restore"), json=body)
    assert response.status_code == 202, response.text
    return restored_and_ready(emulator, response.json()["restoredClusterId"])


def restore_v1(emulator, source_id, point_in_time_ms):
    """Restore ``source_id`` through the Provisioning API v1 (Cassandra), as ``restore`` does."""
    response = emulator.api("POST", "/provisioning/v1/%s/backups/restore" % source_id, json={"pointInTime": point_in_time_ms})
    assert response.status_code == 200, response.text
    return restored_and_ready(emulator, response.json()["restoredCluster"])


def restored_and_ready(emulator, restored):
    """Let the restore of ``restored`` finish and wait until its data is in place; return its id."""
    emulator.advance(emulator.cluster_state(restored)["restore"]["duration_seconds"] + 1)
    deadline = time.monotonic() + DATA_READY_SECONDS
    while not emulator.cluster_state(restored)["data_plane"]["ready"]:
        assert time.monotonic() < deadline, "the restored cluster's data never came up"
        time.sleep(0.1)
    return restored


def open_firewall(emulator, cluster_id, rule_type, network="127.0.0.1/32"):
    """Add a rule through the v2 API and let it become RUNNING."""
    response = emulator.api("POST", FIREWALL_RULES, json={"clusterId": cluster_id, "network": network, "type": rule_type})
    assert response.status_code == 202, response.text
    emulator.advance(emulator.settings()["firewall_rule_duration"] + 1)


def closed_before_any_byte(address, port):
    """Whether the front door at ``address:port`` accepts and then closes without sending a byte."""
    with socket.create_connection((address, port), timeout=5) as sock:
        sock.settimeout(5)
        try:
            return sock.recv(1) == b""
        except ConnectionResetError:
            return True
