"""Make ``ansible_collections.restorekit.instaclustr`` importable for every test session."""

import os
import sys

from tests.support.collection import collections_root

_ROOT = str(collections_root())
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)
# Playbooks started by tests find the collection (this working tree) on the same path.
os.environ["ANSIBLE_COLLECTIONS_PATH"] = _ROOT
