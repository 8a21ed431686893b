from ansible_collections.restorekit.instaclustr.plugins.module_utils._errors import ApiError


def test_api_error_names_operation_status_message_and_hint():
    error = ApiError("restore", "POST", "/provisioning/v1/x/backups/restore", status=412,
                     body={"cluster": "x", "status": "Pre-condition failed", "reason": "no backup"})
    assert str(error) == ("restore failed: HTTP 412: no backup "
                          "(hint: no complete backup covers the requested point in time)")
