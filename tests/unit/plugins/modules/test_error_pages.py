"""An HTML error page from something in front of the API (a load balancer, a proxy) is not an error message.

For every operation the modules send, ``msg`` gives the operation, the status and its meaning and at
most a short excerpt of the page with its content type; the page itself stays out of ``msg`` (a
bounded copy is in ``api_error.body``).
"""

import pytest

from ansible_collections.restorekit.instaclustr.plugins.modules import cluster_backup, cluster_backup_info, cluster_info, cluster_restore

PAGE = ("<html><head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n"
        "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
        + "<!-- a padding to disable MSIE and Chrome friendly error page -->\r\n" * 30)
EXCERPT = "HTTP 502 Bad Gateway: a non-JSON answer (text/html): 502 Bad Gateway 502 Bad Gateway nginx"


def existing_restore(run_module, module_args, fake_api):
    code, result = run_module(cluster_restore.main, module_args(
        cluster_id=fake_api.SOURCE_ID, name="orders-restore-test", point_in_time="2026-11-18T12:00:00Z", wait=False))
    assert code == 0, result
    return result["restored_cluster_id"]


# (operation, method, path suffix, module, its options given the fake API and the restored cluster id)
OPERATIONS = [
    ("list backups", "GET", "/backups", cluster_backup_info, lambda api, rid: {"cluster_id": api.SOURCE_ID}),
    ("trigger backup", "POST", "/backups", cluster_backup, lambda api, rid: {"cluster_id": api.SOURCE_ID}),
    ("restore", "POST", "/backups/restore", cluster_restore,
     lambda api, rid: {"cluster_id": api.SOURCE_ID, "name": "orders-restore-2", "point_in_time": "2026-11-18T12:00:00Z"}),
    ("get cluster", "GET", "/provisioning/v1/" + "77b5a4e1-c422-4a78-b551-d8fa5c42ad95", cluster_info,
     lambda api, rid: {"cluster_id": api.SOURCE_ID}),
    ("list clusters", "GET", "/provisioning/v1", cluster_info, lambda api, rid: {}),
    ("delete cluster", "DELETE", "", cluster_restore,
     lambda api, rid: {"cluster_id": api.SOURCE_ID, "state": "absent", "restored_cluster_id": rid}),
]


@pytest.mark.parametrize("operation, method, suffix, module, options", OPERATIONS, ids=[o[0] for o in OPERATIONS])
def test_an_html_error_page_gives_status_meaning_and_a_short_excerpt(run_module, module_args, fake_api,
                                                                     operation, method, suffix, module, options):
    restored_id = existing_restore(run_module, module_args, fake_api) if operation == "delete cluster" else None
    if operation == "delete cluster":
        suffix = "/provisioning/v1/" + restored_id
    fake_api.fault(method, suffix, status=502, text=PAGE, content_type="text/html", count=10)

    waits = {"wait_timeout": 5, "wait_sleep": 1} if module in (cluster_backup, cluster_restore) else {}
    code, result = run_module(module.main, module_args(api_retries=0, **dict(waits, **options(fake_api, restored_id))))

    assert code == 1, result
    msg = result["msg"]
    assert "%s failed: %s" % (operation, EXCERPT) in msg
    assert "<html" not in msg and "padding" not in msg and len(msg) < 600, msg
    assert len(PAGE) > 2000
    api_error = result.get("api_error")
    if api_error is not None:  # the page, bounded, for whoever wants to read it
        assert api_error["content_type"] == "text/html" and api_error["body"].startswith("<html>")
        assert len(api_error["body"]) < 2100
