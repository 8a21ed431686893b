"""Fixtures of the emulator's own suite.

``emulator`` is one emulator process per test module, put back to its scenario's start before
each test. ``api`` calls the emulated API through it and checks every response against
docs/openapi/provisioning-v1.yaml with openapi-core, so each test also proves the contract.
"""

from pathlib import Path

import pytest
from openapi_core import OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse

from tests.support.emulator import running_emulator

OPENAPI_PATH = Path(__file__).resolve().parents[2] / "docs" / "openapi" / "provisioning-v1.yaml"


@pytest.fixture(scope="session")
def openapi():
    return OpenAPI.from_file_path(str(OPENAPI_PATH))


@pytest.fixture(scope="module")
def module_emulator():
    with running_emulator(scenario="default", time_scale=1.0) as emulator:
        yield emulator


@pytest.fixture
def emulator(module_emulator):
    module_emulator.reset()
    return module_emulator


class ValidatedApi:
    """Authenticated calls to the emulated API; every answer must match the OpenAPI document."""

    def __init__(self, emulator, openapi):
        self.emulator = emulator
        self.openapi = openapi
        self.checked = 0

    def __call__(self, method, path, **kwargs):
        response = self.emulator.api(method, path, **kwargs)
        self.openapi.validate_response(RequestsOpenAPIRequest(response.request), RequestsOpenAPIResponse(response))
        self.checked += 1
        return response

    def get(self, path, **kwargs):
        return self(("GET"), path, **kwargs)

    def post(self, path, **kwargs):
        return self("POST", path, **kwargs)

    def delete(self, path, **kwargs):
        return self("DELETE", path, **kwargs)


@pytest.fixture
def api(emulator, openapi):
    return ValidatedApi(emulator, openapi)
