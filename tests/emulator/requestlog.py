"""The log of API requests the admin API shows, so tests can prove what was (not) sent.

Entries never hold the Authorization header, only the user name.
"""

import threading

MAX_ENTRIES = 200000


class RequestLog:
    def __init__(self):
        self._lock = threading.Lock()
        self._entries = []

    def record(self, entry):
        with self._lock:
            self._entries.append(entry)
            if len(self._entries) > MAX_ENTRIES:
                del self._entries[: len(self._entries) - MAX_ENTRIES]

    def entries(self):
        with self._lock:
            return list(self._entries)

    def clear(self):
        with self._lock:
            self._entries = []
