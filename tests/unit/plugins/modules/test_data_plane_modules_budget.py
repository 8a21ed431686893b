"""The data-plane modules read the API through the account's shared request budget, like every other module."""

import json

import pytest
import responses

from ansible_collections.restorekit.instaclustr.plugins.module_utils._budget import BUDGET_FILE
from ansible_collections.restorekit.instaclustr.plugins.modules import cluster_canary, cluster_canary_info, cluster_data_info

BASE = "http://127.0.0.1:9"
CLUSTER = "77b5a4e1-c422-4a78-b551-d8fa5c42ad95"
CREDENTIALS = {"api_username": "demo", "api_key": "demo-key", "api_url": BASE, "cluster_id": CLUSTER}


@pytest.mark.parametrize("module", [cluster_canary, cluster_canary_info, cluster_data_info], ids=lambda module: module.__name__.rsplit(".", 1)[-1])
def test_a_data_plane_module_takes_a_slot_of_the_shared_budget_for_its_api_read(module, run_module, tmp_path):
    with responses.RequestsMock() as api:
        api.get(BASE + "/provisioning/v1/" + CLUSTER, status=404, json={"status": 404, "message": "Not found"})
        code, result = run_module(module.main, dict(CREDENTIALS, state_dir=str(tmp_path)))
        calls = len(api.calls)
    assert code == 1 and "no cassandra cluster" in result["msg"]  # it read the cluster from the API first
    budgets = list(tmp_path.glob("*/" + BUDGET_FILE))
    assert len(budgets) == 1  # in the account's folder of this state_dir
    assert len(json.loads(budgets[0].read_text())["sent"]) == calls == 1
