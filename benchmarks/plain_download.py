"""The floor for large listings: download GET backups and ``json.loads`` it in plain Python,
``python plain_download.py URL USER KEY``; prints the time and size as JSON on stdout."""

import json
import sys
import time


def main(url, username, api_key):
    start = time.perf_counter()
    import requests

    imported = time.perf_counter()
    response = requests.get(url, auth=(username, api_key), timeout=120)
    response.raise_for_status()
    data = json.loads(response.content)
    done = time.perf_counter()
    nodes = [node for dc in data["clusterDataCentres"] for node in dc["nodes"]]
    sys.stdout.write(json.dumps({
        "import_seconds": imported - start, "get_and_parse_seconds": done - imported,
        "payload_bytes": len(response.content), "nodes": len(nodes),
        "events": sum(len(node["events"]) for node in nodes),
    }) + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:4])
