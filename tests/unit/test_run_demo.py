"""`make demo` (tools/run_demo.py): what it drills and how it counts the requests it prints."""

from tools import run_demo


def test_the_demo_drills_all_four_applications_and_both_api_versions():
    assert set(run_demo.APPLICATIONS.values()) == {"cassandra", "postgresql", "opensearch", "redis"}
    assert set(run_demo.API_VERSIONS.values()) == {"v1", "v2"}
    assert set(run_demo.CLUSTERS) == set(run_demo.APPLICATIONS) == set(run_demo.API_VERSIONS)


def test_the_request_counts_add_up_to_the_log_and_v1s_cluster_list_is_counted():
    log = [{"path": "/provisioning/v1"}, {"path": "/provisioning/v1/abc/backups"},
           {"path": "/cluster-management/v2/data-sources/clusters/v2"},
           {"path": "/cluster-management/v2/resources/applications/postgresql/clusters/v2/abc/"},
           {"path": "/provisioning/v1?x=1"}, {"path": "/favicon.ico"}]
    counts = run_demo.request_counts(log)
    assert counts == {"v1": 3, "v2": 2, "other": 1}
    assert sum(counts.values()) == len(log)
    assert run_demo.request_counts(log[:4]) == {"v1": 2, "v2": 2}
