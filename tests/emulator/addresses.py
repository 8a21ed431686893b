"""Node addresses: every node's ``publicAddress`` is a loopback address of this emulator's own block.

Each emulator process takes a ``127.B.0.0/16`` block (B from 1 to 254) when it starts, and holds it
for its life by listening on ``127.B.255.254:BLOCK_LOCK_PORT``: a second emulator that probes the
same block fails to bind there and moves on to the next one, so emulators side by side never hand
out the same address. Public addresses are ``127.B.X.Y`` with X below 128 (in creation order, so a
scenario gets the same addresses after a reset); the address a real engine binds for a node (never
shown by the API) is ``127.B.(X + 128).Y``. ``privateAddress`` stays in the cluster's requested
network and is not reachable from the machine.
"""

import random
import socket

BLOCK_LOCK_PORT = 47127
BLOCKS = range(1, 255)
PER_ROW = 254  # Y from 1 to 254
MAX_NODES = 128 * PER_ROW


class NoFreeBlock(RuntimeError):
    pass


def probe(block):
    """A listening socket holding ``block``, or None when another process holds it (or it cannot bind)."""
    lock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        lock.bind(("127.%d.255.254" % block, BLOCK_LOCK_PORT))
        lock.listen(1)
    except OSError:
        lock.close()
        return None
    return lock


class AddressBlock:
    """The loopback block of one emulator and the addresses it has handed out."""

    def __init__(self, block=None, choose=random.choice):
        candidates = [block] if block is not None else list(BLOCKS)
        start = candidates.index(choose(candidates))
        self._lock = None
        for candidate in candidates[start:] + candidates[:start]:
            self._lock = probe(candidate)
            if self._lock is not None:
                self.block = candidate
                break
        else:
            raise NoFreeBlock("no free loopback block 127.B.0.0/16 (B %s): each is held by a listener on "
                              "127.B.255.254:%d" % ("%d" % block if block is not None else "1 to 254", BLOCK_LOCK_PORT))
        self._next = 0

    @property
    def network(self):
        return "127.%d.0.0/16" % self.block

    def reset(self):
        """Hand out the first address again (the world is rebuilt from its scenario)."""
        self._next = 0

    def next_public(self):
        index = self._next
        if index >= MAX_NODES:
            raise NoFreeBlock("more than %d nodes in one emulator" % MAX_NODES)
        self._next += 1
        return "127.%d.%d.%d" % (self.block, index // PER_ROW, index % PER_ROW + 1)

    def engine_address(self, public_address):
        """The private loopback address a real engine binds for the node at ``public_address``."""
        parts = public_address.split(".")
        return "127.%d.%d.%s" % (self.block, int(parts[2]) + 128, parts[3])

    def close(self):
        if self._lock is not None:
            self._lock.close()
            self._lock = None
