"""Put this working tree on an Ansible collections path, without copying it.

Ansible finds a collection at ``<root>/ansible_collections/<namespace>/<name>``. The repository
root is the collection root, so a link at that path (outside the repository: a link inside would
make a cycle) lets unit tests import ``ansible_collections.restorekit.instaclustr`` and playbooks
run the live code. ``ansible-test`` needs a real copy instead: the Makefile makes that one.
"""

import hashlib
import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
# One root per checkout, so two clones (a fresh-clone check beside the working tree) never re-point each other's link.
_CHECKOUT_KEY = hashlib.sha1(str(REPO_ROOT).encode()).hexdigest()[:10]
DEFAULT_ROOT = (Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "restorekit.instaclustr"
                / ("collections-" + _CHECKOUT_KEY))


def collections_root():
    """Return a collections root whose restorekit/instaclustr entry is this working tree."""
    root = Path(os.environ.get("RESTOREKIT_COLLECTIONS_ROOT", DEFAULT_ROOT))
    link = root / "ansible_collections" / "restorekit" / "instaclustr"
    link.parent.mkdir(parents=True, exist_ok=True)
    if link.is_symlink() and link.resolve() != REPO_ROOT:
        link.unlink()  # points at another checkout: re-point it here
    if not link.exists() and not link.is_symlink():
        link.symlink_to(REPO_ROOT, target_is_directory=True)
    return root


if __name__ == "__main__":
    sys.stdout.write("%s\n" % collections_root())
