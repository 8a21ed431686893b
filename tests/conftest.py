"""Make ``ansible_collections.restorekit.instaclustr`` importable for every test session, and keep its
state folder (``RESTOREKIT_STATE_DIR``) private to the session and to each test: nothing a test runs
(a module in-process, a playbook, ansible-runner, molecule, an integration runner; each inherits the
environment) writes intent records or memos into the real home."""

import atexit
import os
import shutil
import sys
import tempfile

import pytest

from tests.support.collection import collections_root

_ROOT = str(collections_root())
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)
# Playbooks started by tests find the collection (this working tree) on the same path.
os.environ["ANSIBLE_COLLECTIONS_PATH"] = _ROOT

# Fixtures wider than one test (a module's drill run) use the session's folder.
_SESSION_STATE = tempfile.mkdtemp(prefix="restorekit-state-")
os.environ["RESTOREKIT_STATE_DIR"] = _SESSION_STATE
atexit.register(shutil.rmtree, _SESSION_STATE, True)


@pytest.fixture(autouse=True)
def private_state_dir(tmp_path_factory, monkeypatch):
    """Each test its own state folder (a test's records never prove anything to another test)."""
    folder = tmp_path_factory.mktemp("state")
    monkeypatch.setenv("RESTOREKIT_STATE_DIR", str(folder))
    return folder
