"""Issue 11: the exactly-once restore property of test_exactly_once.py, for PostgreSQL on v2.

The same promise under random faults around the restore POST (``…/operations/applications/postgres/restore/v2``)
and the lookups that follow it (the account list, GET cluster on ``…/postgresql/clusters/v2/{id}/``):
at most one cluster per name; success names it with the right ``created``; failure says whether a
rerun is safe, and a rerun it calls safe succeeds and leaves one cluster of that name. Run against
the ``mixed`` scenario with the contract's exact path spelling (``--v2-trailing-slash strict``).
Fewer examples than the Cassandra property (same machinery; the budget of the suite).
"""

import itertools
import time

from hypothesis import HealthCheck, given, settings, strategies as st

import pytest

from tests.reliability.conftest import FAST_DURATIONS, clusters_named, common_args, run_module, traceback_problems

SUITE = ("exactly_once", "Exactly-once restore (§2)",
         "Under random faults around the restore: one cluster per name at most, success names it with the "
         "right `created`, failure says whether a rerun is safe (and a rerun it calls safe is)")
EMULATOR = {"scenario": "mixed",
            "extra_args": FAST_DURATIONS[:2] + ("--restore-duration", "30", "--delete-duration", "30", "--v2-trailing-slash", "strict")}

support = pytest.importorskip("tests.support.emulator", reason="the emulator harness has not landed")
SOURCE = support.PAYMENTS_PG_ID
RESTORE_PATH = support.v2_path("postgresql", "restore")
API_TIMEOUT = 1.0
SLOW_SECONDS = 1.5  # the server acts 0.5 s after the client gave up: inside the grace period
WAIT_TIMEOUT = 3

REQUESTS = {
    "restore POST": ("POST", RESTORE_PATH),
    "account list": ("GET", support.ACCOUNT_LIST_PATH),
    "get cluster": ("GET", support.v2_path("postgresql", "cluster")),
}
FAULT_KINDS = [("status", 429), ("status", 500), ("status", 502), ("status", 503), ("status", 504),
               ("delay", None), ("drop_before", None), ("drop_after", None)]

fault_steps = st.lists(
    st.tuples(st.sampled_from(sorted(REQUESTS)), st.sampled_from(FAULT_KINDS), st.integers(1, 3)),
    min_size=1, max_size=3)

_names = itertools.count(1)


def pg_args(emulator, **extra):
    return common_args(emulator, api_version="v2", application="postgresql", **extra)


@pytest.fixture(scope="module")
def point_in_time(emulator):
    failed, result = run_module("cluster_backup_info", pg_args(emulator, cluster_id=SOURCE, include_events=False))
    assert not failed, result
    assert result["summary"]["last_backup_completed_at_ms"] is not None, result["summary"]
    return result["summary"]["last_backup_completed_at_ms"]


def restore_args(emulator, name, point_in_time, wait):
    return pg_args(emulator, api_timeout=API_TIMEOUT, cluster_id=SOURCE, name=name, point_in_time=point_in_time,
                   wait=wait, wait_timeout=WAIT_TIMEOUT, wait_sleep=0.2)


def restore_posts(emulator, start):
    """The restore POSTs the server could act on: one answered 429 was refused unread (the client may send it again)."""
    return [entry for entry in emulator.requests_log()[start:]
            if entry["method"] == "POST" and entry["path"] == RESTORE_PATH and entry.get("status") != 429]


def describe(steps):
    return ", ".join("%s %s%s x%d" % (request, kind, "" if status is None else " %d" % status, count)
                     for request, (kind, status), count in steps)


@settings(max_examples=12, deadline=None, derandomize=True, database=None, print_blob=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=fault_steps, pre_existing=st.booleans(), wait=st.booleans())
def test_postgresql_restore_is_exactly_once(emulator, figures, point_in_time, steps, pre_existing, wait):
    started = time.monotonic()
    name = "xo-pg-%03d" % next(_names)
    emulator.clear_faults()
    if pre_existing:  # made behind the module's back: with adopt_existing the module takes it, never makes another
        made = emulator.api("POST", RESTORE_PATH, json={"clusterId": SOURCE, "restoredClusterName": name,
                                                        "pointInTime": str(point_in_time)})
        assert made.status_code == 202, made.text
    # Shields, as in the Cassandra property: the source read and the first account list pass, so the
    # drawn faults land on the POST and the lookups after it.
    emulator.add_fault("GET", support.v2_path("postgresql", "cluster", SOURCE), "delay", delay_seconds=0, count=1)
    emulator.add_fault("GET", support.ACCOUNT_LIST_PATH, "delay", delay_seconds=0, count=1)
    for request, (kind, status), count in steps:
        method, path = REQUESTS[request]
        emulator.add_fault(method, path, kind, status=status, count=1 if kind == "delay" else count,
                           delay_seconds=SLOW_SECONDS if kind == "delay" else None)

    log_start = len(emulator.requests_log())
    args = dict(restore_args(emulator, name, point_in_time, wait), adopt_existing=pre_existing)
    failed, result = run_module("cluster_restore", args)
    emulator.clear_faults()
    posted = restore_posts(emulator, log_start)

    problems = traceback_problems(result)
    named = clusters_named(emulator, name)
    if len(named) > 1:
        problems.append("%d clusters named %s: %s" % (len(named), name, [c["id"] for c in named]))
    if len(posted) > 1:
        problems.append("%d restore POSTs for one task" % len(posted))
    rerun = None
    if not failed:
        if [c["id"] for c in named] != [result.get("restored_cluster_id")]:
            problems.append("success names %r, the emulator holds %r" % (result.get("restored_cluster_id"), [c["id"] for c in named]))
        if result.get("created") is not (not pre_existing):
            problems.append("created=%r although the cluster %s before the task" % (
                result.get("created"), "existed" if pre_existing else "did not exist"))
    else:
        if posted and not isinstance(result.get("rerun_safe"), bool):
            problems.append("failure after the POST does not say whether a rerun is safe (rerun_safe=%r): %s" % (
                result.get("rerun_safe"), result.get("msg")))
        elif result.get("rerun_safe"):
            existed = bool(named)
            rerun_args = dict(restore_args(emulator, name, point_in_time, False), api_retries=5, api_retry_max_delay=1,
                              adopt_existing=pre_existing)
            rerun_failed, rerun = run_module("cluster_restore", rerun_args)
            after = clusters_named(emulator, name)
            if rerun_failed:
                problems.append("rerun called safe failed without faults: %s" % rerun.get("msg"))
            elif rerun.get("created") is existed:
                problems.append("rerun created=%r although a cluster %s" % (rerun.get("created"), "existed" if existed else "did not exist"))
            if len(after) != 1:
                problems.append("after the rerun called safe, %d clusters named %s" % (len(after), name))

    outcome = ("failed (rerun_safe=%s): %s" % (result.get("rerun_safe"), str(result.get("msg"))[:120]) if failed
               else "succeeded (created=%s)" % result.get("created"))
    figures.case(name, "PostgreSQL v2: %s; pre-existing=%s; wait=%s" % (describe(steps), pre_existing, wait),
                 held=not problems, outcome=outcome, problems=problems, seconds=time.monotonic() - started)
    figures.add("examples")
    figures.add("succeeded" if not failed else "failed saying rerun_safe=%s" % result.get("rerun_safe"))
    if rerun is not None:
        figures.add("reruns called safe, run again")
    assert not problems, "\n".join(problems)
