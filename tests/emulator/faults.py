"""Faults injected through the admin API: the next N requests matching a method and a path
answer a status, are delayed, or lose their connection before or after the action.
"""

import re
import threading
from dataclasses import dataclass, field

KINDS = ("status", "delay", "drop_before", "drop_after", "echo_auth")


class FaultError(ValueError):
    """An invalid fault definition (answered 400 by the admin API)."""


def path_pattern(path):
    """A regex for a literal path or a template such as ``/provisioning/v1/{clusterId}/backups``."""
    parts = re.split(r"(\{[^/{}]+\})", path)
    regex = "".join("[^/]+" if part.startswith("{") else re.escape(part) for part in parts)
    return re.compile(regex + r"\Z")


@dataclass
class Fault:
    method: str
    path: str
    kind: str
    status: int = None
    delay_seconds: float = None
    count: int = 1
    matcher: re.Pattern = field(default=None, repr=False)

    def matches(self, method, path):
        return self.count > 0 and self.method in ("*", method.upper()) and bool(self.matcher.match(path))

    def public(self):
        return {"method": self.method, "path": self.path, "fault": self.kind, "status": self.status,
                "delay_seconds": self.delay_seconds, "remaining": self.count}


def parse_fault(spec):
    """Build a ``Fault`` from the admin API's JSON, or raise ``FaultError``."""
    if not isinstance(spec, dict):
        raise FaultError("a fault is a JSON object")
    kind = spec.get("fault")
    if kind not in KINDS:
        raise FaultError("fault must be one of %s" % ", ".join(KINDS))
    path = spec.get("path")
    if not isinstance(path, str) or not path.startswith("/"):
        raise FaultError("path must be an absolute path, optionally with {placeholders}")
    count = spec.get("count", 1)
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise FaultError("count must be a positive integer")
    fault = Fault(str(spec.get("method") or "*").upper(), path, kind, count=count, matcher=path_pattern(path))
    if kind == "echo_auth":  # a gateway that echoes the request's headers in its error page
        fault.status = spec.get("status", 502)
    if kind in ("status", "echo_auth"):
        fault.status = spec.get("status", fault.status)
        if isinstance(fault.status, bool) or not isinstance(fault.status, int) or not 100 <= fault.status <= 599:
            raise FaultError("a status fault needs an HTTP status (100-599)")
    if kind == "delay":
        fault.delay_seconds = spec.get("delay_seconds")
        if isinstance(fault.delay_seconds, bool) or not isinstance(fault.delay_seconds, (int, float)) \
                or fault.delay_seconds < 0:
            raise FaultError("a delay fault needs delay_seconds >= 0")
    return fault


class FaultBook:
    """Pending faults, consumed first-added first."""

    def __init__(self):
        self._lock = threading.Lock()
        self._faults = []

    def add(self, fault):
        with self._lock:
            self._faults.append(fault)

    def clear(self):
        with self._lock:
            self._faults = []

    def take(self, method, path):
        """The first fault matching this request, with one use consumed, or None."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.count -= 1
                    self._faults = [f for f in self._faults if f.count > 0]
                    return fault
        return None

    def pending(self):
        with self._lock:
            return [fault.public() for fault in self._faults]
