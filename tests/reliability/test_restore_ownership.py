"""Ownership is proven by intent records, never inferred from a name.

* a restore whose ``name`` is an unrelated live cluster's fails, sending nothing, and the README's
  restore-then-delete pattern then deletes nothing (``adopt_existing: true`` takes the cluster, with a
  warning that its point in time cannot be read back);
* a rerun returns the earlier restore only with the same point in time, and the request its record
  holds; another point in time fails naming both, sending nothing;
* ``state: absent`` deletes only a cluster a record proves (of this source, of this run), unless ``force``;
* after an ambiguous restore request, a cluster of that name that another restore request (another
  source) made within the grace window is not taken as this one's, so nothing deletes it.
"""

import contextlib
import os
import subprocess
import sys
import threading
import time

import pytest

from tests.reliability.conftest import (
    REPO_ROOT,
    api_requests,
    common_args,
    mutating_api_requests,
    run_module,
    scenario_ids,
    traceback_problems,
)
from tests.support.collection import collections_root

# The cases join the deletion-safety suite of docs/reliability.md (same name, title and promise).
SUITE = ("deletion_safety", "Deletion safety (§7)",
         "Never the source, never a name that does not match, never a cluster no intent record proves; "
         "the sweep only takes old prefixed clusters a drill's record proves")
EMULATOR = {"scenario": "default",
            "extra_args": ("--backup-duration", "60", "--restore-duration", "30", "--delete-duration", "30")}

ORDERS, INVENTORY, LEGACY = scenario_ids()
RESTORE_PATH = "/provisioning/v1/%s/backups/restore"


@pytest.fixture(scope="module")
def point_in_time(emulator):
    failed, result = run_module("cluster_backup_info", common_args(emulator, cluster_id=INVENTORY))
    assert not failed, result
    return result["summary"]["restorable_until_ms"]


def restore(emulator, name, point_in_time, source=INVENTORY, **extra):
    args = dict(cluster_id=source, name=name, point_in_time=point_in_time, wait=False, wait_timeout=5, wait_sleep=0.2)
    args.update(extra)
    return run_module("cluster_restore", common_args(emulator, **args))


def delete(emulator, restored_id, name, **extra):
    args = dict(state="absent", cluster_id=INVENTORY, restored_cluster_id=restored_id, name=name, wait=False)
    args.update(extra)
    return run_module("cluster_restore", common_args(emulator, **args))


@contextlib.contextmanager
def recorded(figures, case, tried):
    """Record the case in the suite's figures: held when the test's assertions all held."""
    started = time.monotonic()
    try:
        yield
    except AssertionError as error:
        figures.case("ownership: %s" % case, tried, held=False, outcome="broken", problems=[str(error)],
                     seconds=time.monotonic() - started)
        raise
    figures.case("ownership: %s" % case, tried, held=True, outcome="held", seconds=time.monotonic() - started)


def since(emulator, start):
    return mutating_api_requests(emulator)[start:]


def test_readme_pattern_cannot_take_or_delete_an_unrelated_cluster(emulator, figures, point_in_time):
    """Restore orders-prod under the name of the live inventory-dev, then the README's delete task."""
    with recorded(figures, "restore under an unrelated cluster's name, then delete it",
                  'restore orders-prod as inventory-dev, then state=absent on inventory-dev'):
        start = len(mutating_api_requests(emulator))
        failed, result = restore(emulator, "inventory-dev", point_in_time, source=ORDERS)
        assert failed and not traceback_problems(result), result
        assert INVENTORY in result["msg"] and "nothing was sent or deleted" in result["msg"], result["msg"]
        assert result["restored_cluster_id"] is None and result["created"] is False
        assert result.get("request") is None, "a request that was not sent is returned"
        # The README's next task, with the id the restore returned (none) or, worse, the name's cluster:
        failed, result = delete(emulator, INVENTORY, "inventory-dev", cluster_id=ORDERS)
        assert failed and "no intent record" in result["msg"] and "nothing was deleted" in result["msg"], result
        assert since(emulator, start) == [], "a request that changes something was sent"
        assert not emulator.cluster_state(INVENTORY)["delete_requested"]


def test_adopt_existing_takes_the_cluster_and_warns_about_the_point_in_time(emulator, figures, point_in_time):
    with recorded(figures, 'adopt_existing',
                  'a cluster made by hand: refused, adopted with adopt_existing, delete refused without force'):
        made = emulator.api("POST", RESTORE_PATH % INVENTORY, json={"clusterNameOverride": "made-by-hand", "pointInTime": point_in_time})
        assert made.status_code == 200, made.text
        made_id = made.json()["restoredCluster"]
        start = len(mutating_api_requests(emulator))
        failed, result = restore(emulator, "made-by-hand", point_in_time)
        assert failed and made_id in result["msg"] and "adopt_existing" in result["msg"], result
        failed, result = restore(emulator, "made-by-hand", point_in_time, adopt_existing=True)
        assert not failed, result
        assert result["restored_cluster_id"] == made_id and result["created"] is False and result["adopted"] is True
        assert result["request"] is None
        assert "cannot be read back" in str(result.get("warnings")), result.get("warnings")
        # Adopted is not proven: the delete still needs force.
        failed, result = delete(emulator, made_id, "made-by-hand")
        assert failed and "no intent record" in result["msg"], result
        assert since(emulator, start) == []
        failed, result = delete(emulator, made_id, "made-by-hand", force=True)
        assert not failed and result["changed"], result


def test_rerun_with_another_point_in_time_fails_naming_both(emulator, figures, point_in_time):
    with recorded(figures, 'rerun with another point in time',
                  'restore, rerun, rerun with another point_in_time; delete with another run_id, another source, this run'):
        failed, first = restore(emulator, "ownership-rerun", point_in_time, run_id="run-a")
        assert not failed and first["created"] is True, first
        assert first["intent_nonce"]
        failed, again = restore(emulator, "ownership-rerun", point_in_time)
        assert not failed, again
        assert again["created"] is False and again["restored_cluster_id"] == first["restored_cluster_id"]
        assert again["request"] == first["request"], "the rerun returns the request that made the cluster"
        start = len(mutating_api_requests(emulator))
        other = point_in_time - 60000
        failed, result = restore(emulator, "ownership-rerun", other)
        assert failed and not traceback_problems(result), result
        message = result["msg"]
        assert "point_in_time" in message and first["request"]["point_in_time"] in message, message
        from ansible_collections.restorekit.instaclustr.plugins.module_utils._clock import iso_utc
        assert iso_utc(other) in message, message
        assert result.get("request") is None
        assert since(emulator, start) == []

        # Deletion: not another run's, not another source's; this run's is deleted.
        failed, result = delete(emulator, first["restored_cluster_id"], "ownership-rerun", run_id="run-b")
        assert failed and "run-b" in result["msg"], result
        failed, result = delete(emulator, first["restored_cluster_id"], "ownership-rerun", cluster_id=ORDERS)
        assert failed and "restored from cluster %s" % INVENTORY in result["msg"], result
        assert since(emulator, start) == []
        failed, result = delete(emulator, first["restored_cluster_id"], "ownership-rerun", run_id="run-a")
        assert not failed and result["changed"] and result["intent_nonce"] == first["intent_nonce"], result


def test_ambiguous_restore_after_a_lost_answer_is_matched_by_its_record(emulator, figures, point_in_time):
    """The server made the cluster but the answer was lost: the one new cluster of that name is this request's."""
    with recorded(figures, 'lost answer matched by its record',
                  'restore POST answered then dropped; delete by the record'):
        emulator.clear_faults()
        emulator.add_fault("POST", RESTORE_PATH % INVENTORY, "drop_after", count=1)
        failed, result = restore(emulator, "ownership-lost-answer", point_in_time, api_retries=0)
        emulator.clear_faults()
        assert not failed and result["created"] is True, result
        failed, result = delete(emulator, result["restored_cluster_id"], "ownership-lost-answer")
        assert not failed and result["changed"], result


def _module_in_subprocess(emulator, args, state_dir):
    """A second, concurrent cluster_restore task (its own process, as Ansible runs modules)."""
    env = dict(os.environ, RESTOREKIT_STATE_DIR=str(state_dir), PYTHONPATH=str(collections_root()))
    args_file = state_dir.parent / "concurrent-args.json"
    import json
    args_file.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": common_args(emulator, **args)}))
    module = "ansible_collections.restorekit.instaclustr.plugins.modules.cluster_restore"
    return subprocess.run([sys.executable, "-m", module, str(args_file)], env=env, capture_output=True, text=True,
                          timeout=60, cwd=str(REPO_ROOT), check=False)


def test_ambiguous_restore_does_not_take_another_sources_cluster(emulator, figures, point_in_time, private_state_dir):
    """Our POST is lost before the server acts; another source's restore of the same name lands in the grace window."""
    with recorded(figures, "ambiguous restore beside another source's restore of the name",
                  'restore POST dropped; another source restored under the same name within the grace window'):
        name = "ownership-rival"
        time.sleep(1.0)  # the tests before filled the API's one-second request window; two tasks share it here
        emulator.clear_faults()
        emulator.add_fault("POST", RESTORE_PATH % INVENTORY, "drop_before", count=1)
        start_log = len(api_requests(emulator))
        rival = {}

        def other_restore():
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:  # after our POST was sent (and lost)
                if any(e["method"] == "POST" and e["path"] == RESTORE_PATH % INVENTORY for e in api_requests(emulator)[start_log:]):
                    break
                time.sleep(0.25)
            rival["run"] = _module_in_subprocess(emulator, dict(cluster_id=ORDERS, name=name, wait=False), private_state_dir)

        thread = threading.Thread(target=other_restore)
        thread.start()
        try:
            failed, result = restore(emulator, name, point_in_time, wait_timeout=8, run_id="drill-run")
        finally:
            thread.join(60)
            emulator.clear_faults()
        assert rival["run"].returncode == 0, rival["run"].stdout + rival["run"].stderr
        assert failed and not traceback_problems(result), result
        assert result["created"] is False and result["restored_cluster_id"] is None, result
        rival_id = [c["id"] for c in emulator.clusters() if c.get("name") == name]
        assert len(rival_id) == 1
        assert "restore outcome unknown" in result["msg"] and rival_id[0] in result["msg"], result["msg"]
        # The drill's cleanup of this run cannot delete it: its record is the other restore's.
        failed, refused = delete(emulator, rival_id[0], name, run_id="drill-run")
        assert failed, refused
        assert not emulator.cluster_state(rival_id[0])["delete_requested"]
