"""Small helpers shared by the emulator tests."""

DAY = 24 * 3600
DAY_MS = DAY * 1000


def node_events(backups):
    """{node id: events} from a GET backups body."""
    return {node["id"]: node["events"] for dc in backups["clusterDataCentres"] for node in dc["nodes"]}


def restore_path(cluster_id):
    return "/provisioning/v1/%s/backups/restore" % cluster_id


def backups_path(cluster_id):
    return "/provisioning/v1/%s/backups" % cluster_id


def cluster_path(cluster_id):
    return "/provisioning/v1/%s" % cluster_id
