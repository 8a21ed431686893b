"""ApiError: the server's words from every error shape of API v1 and v2, and never a whole error page."""

import pytest

from ansible_collections.restorekit.instaclustr.plugins.module_utils._errors import EXCERPT_LIMIT, ApiError

# A load balancer's error page, about 2,000 characters as in the issue.
HTML_502 = ("<html><head><title>502 Bad Gateway</title><style>body { font-family: sans-serif; }</style>"
            "<script>var retry = 1;</script></head>\n<body>\n  <center><h1>502   Bad Gateway</h1></center>\n"
            "  <hr><center>awselb/2.0</center>\n</body></html>\n"
            + "<!-- a padding to disable MSIE and Chrome friendly error page -->\n" * 28)


def error(body, status=400, content_type="application/json"):
    return ApiError("list backups", "GET", "/provisioning/v1/x/backups", status=status, body=body, content_type=content_type)


@pytest.mark.parametrize("body, message", [
    # Provisioning API v1
    ({"status": 400, "message": "Invalid pointInTime", "errorDetails": {"pointInTime": "too early"}, "code": 400, "link": ""},
     "Invalid pointInTime; pointInTime: too early"),
    ({"cluster": "c", "status": "Pre-condition failed", "reason": "no backup covers it"}, "no backup covers it"),
    # Cluster Management API v2 (reference v2, section 10)
    ({"errors": [{"name": "pointInTime", "message": "must not be in the future"},
                 {"name": "restoredClusterName", "message": "too short"}]},
     "pointInTime: must not be in the future; restoredClusterName: too short"),
    ({"errors": [{"message": "Cluster not found"}]}, "Cluster not found"),
    ({"errors": [{"name": "clusterId", "message": "bad", "errorClass": "ValidationError", "help": "see docs"}]},
     "clusterId: bad"),
    ({"name": "Forbidden", "message": "the key lacks a permission"}, "Forbidden: the key lacks a permission"),
    ({"errors": {"clusterId": "unknown cluster", "pointInTime": "not a number"}}, "unknown cluster; not a number"),
    ({"error": "Unauthorized"}, "Unauthorized"),
])
def test_server_message_of_every_known_shape(body, message):
    assert error(body).server_message == message
    assert str(error(body)) == "list backups failed: HTTP 400: %s" % message


@pytest.mark.parametrize("body, shown", [
    ({"unexpected": {"deeply": ["nested"]}}, 'an answer of an unknown shape (application/json): {"unexpected": {"deeply": ["nested"]}}'),
    ({"errors": [{}]}, 'an answer of an unknown shape (application/json): {"errors": [{}]}'),
    ([1, 2], "an answer of an unknown shape (application/json): [1, 2]"),
])
def test_any_other_json_is_an_excerpt_with_its_content_type(body, shown):
    assert error(body).server_message == shown


def test_an_html_error_page_is_a_short_excerpt_with_the_status_meaning_and_content_type():
    page = error(HTML_502, status=502, content_type="text/html; charset=utf-8")
    assert len(HTML_502) > 2000
    assert str(page) == ("list backups failed: HTTP 502 Bad Gateway: a non-JSON answer (text/html): "
                         "502 Bad Gateway 502 Bad Gateway awselb/2.0")
    assert page.to_result()["body"] == HTML_502  # the caller bounds the body it keeps (_http.parse_error_body)


def test_a_long_plain_text_body_is_collapsed_and_cut():
    text = "upstream   connect error\n\nor disconnect/reset before headers. " * 40
    shown = error(text, status=503, content_type="text/plain").server_message
    assert shown.startswith("a non-JSON answer (text/plain): upstream connect error or disconnect/reset before headers.")
    assert shown.endswith("...") and len(shown) <= len("a non-JSON answer (text/plain): ") + EXCERPT_LIMIT
    assert "\n" not in shown and "  " not in shown


def test_no_content_type_and_no_body():
    assert error("gateway timeout", status=504, content_type=None).server_message == "a non-JSON answer (no content type): gateway timeout"
    assert error(None, status=401).server_message is None
    assert error("  ", status=401).server_message is None
    assert str(error(None, status=404)).startswith("list backups failed: HTTP 404 (hint:")


def test_the_servers_words_are_bounded_too():
    shown = error({"message": "x" * 100000}).server_message
    assert shown.startswith("xxx") and shown.endswith("...") and len(shown) <= 500
    listed = error(["y" * 100000, {"name": "a", "message": "b"}]).server_message
    assert listed == "a: b"
    strings = error(["y" * 100000]).server_message
    assert strings.startswith("an answer of an unknown shape (application/json): [\"yyy") and len(strings) < 200
