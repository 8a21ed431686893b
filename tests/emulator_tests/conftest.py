"""Fixtures of the emulator's own suite.

``emulator`` is one emulator process per test module, put back to its scenario's start before
each test. ``api`` calls the emulated API through it and checks every response against
docs/openapi/provisioning-v1.yaml (v1 paths) or docs/openapi/cluster-management-v2.yaml (v2 paths)
with openapi-core, so each test also proves the contract. ``mixed`` and ``v2`` are the same on an
emulator of the ``mixed`` scenario (clusters of every application).
"""

from pathlib import Path

import pytest
from openapi_core import OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse

from tests.emulator.api_v2 import ROUTES
from tests.emulator.wire_v2 import PREFIX as V2_PREFIX
from tests.support.emulator import running_emulator

OPENAPI_DIR = Path(__file__).resolve().parents[2] / "docs" / "openapi"
OPENAPI_PATH = OPENAPI_DIR / "provisioning-v1.yaml"
OPENAPI_V2_PATH = OPENAPI_DIR / "cluster-management-v2.yaml"


@pytest.fixture(scope="session")
def openapi():
    return OpenAPI.from_file_path(str(OPENAPI_PATH))


@pytest.fixture(scope="session")
def openapi_v2():
    return OpenAPI.from_file_path(str(OPENAPI_V2_PATH))


@pytest.fixture(scope="module")
def module_mixed_emulator():
    with running_emulator(scenario="mixed", time_scale=1.0) as emulator:
        yield emulator


@pytest.fixture
def mixed(module_mixed_emulator):
    module_mixed_emulator.reset()
    return module_mixed_emulator


class CanonicalPathRequest:
    """A request as openapi-core sees it, with a v2 path spelled as the OpenAPI document does
    (the lenient setting also answers the other trailing-slash spelling)."""

    def __init__(self, request):
        self._request = request
        self.path = canonical_v2_path(request.path)

    def __getattr__(self, name):
        return getattr(self._request, name)


def canonical_v2_path(path):
    for route in ROUTES:
        groups = route.match(path, "lenient")
        if groups is not None:
            return route.path(*groups)
    return path


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

    def __init__(self, emulator, openapi, openapi_v2=None):
        self.emulator = emulator
        self.openapi = openapi
        self.openapi_v2 = openapi_v2
        self.checked = 0

    def __call__(self, method, path, **kwargs):
        response = self.emulator.api(method, path, **kwargs)
        request = RequestsOpenAPIRequest(response.request)
        if path.startswith(V2_PREFIX):
            self.openapi_v2.validate_response(CanonicalPathRequest(request), RequestsOpenAPIResponse(response))
        else:
            self.openapi.validate_response(request, RequestsOpenAPIResponse(response))
        self.checked += 1
        return response

    def get(self, path, **kwargs):
        return self(("GET"), path, **kwargs)

    def post(self, path, **kwargs):
        return self("POST", path, **kwargs)

    def delete(self, path, **kwargs):
        return self("DELETE", path, **kwargs)


@pytest.fixture
def api(emulator, openapi, openapi_v2):
    return ValidatedApi(emulator, openapi, openapi_v2)


@pytest.fixture
def v2(mixed, openapi, openapi_v2):
    return ValidatedApi(mixed, openapi, openapi_v2)
