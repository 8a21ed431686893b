"""Tiny loopback servers that misbehave on purpose: an API that answers badly, a proxy that records.

``hostile_server(handler)`` serves each connection in a thread with ``handler(request, sock, stopping)``: ``request`` is
``{"line", "headers"}`` (the request line and a lower-cased header dict), ``sock`` the raw socket to answer on, ``stopping`` an Event set when the server stops
(any bytes, any pace). Every request received is in ``server.received``. The server and its threads stop
when the ``with`` block ends, a failing test included. Only 127.0.0.1 is ever bound.
"""

import contextlib
import socket
import threading
import time


class HostileServer:
    def __init__(self, handler):
        self.handler = handler
        self.received = []
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self.url = "http://127.0.0.1:%d" % self.port
        self.stopping = threading.Event()
        self._threads = [threading.Thread(target=self._accept, daemon=True)]
        self._threads[0].start()

    def _accept(self):
        while not self.stopping.is_set():
            try:
                sock, _address = self._listener.accept()
            except (socket.timeout, OSError):
                continue
            thread = threading.Thread(target=self._serve, args=(sock,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, sock):
        try:
            sock.settimeout(5)
            request = _read_request(sock)
            if request is None:
                return
            self.received.append(request)
            self.handler(request, sock, self.stopping)
        except OSError:
            pass  # the client gave up (as it should, for most of these servers)
        finally:
            with contextlib.suppress(OSError):
                sock.close()

    def close(self):
        self.stopping.set()
        with contextlib.suppress(OSError):
            self._listener.close()
        for thread in self._threads:
            thread.join(timeout=5)


def _read_request(sock):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        data += chunk
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    headers = {}
    for line in head[1:]:
        name, _separator, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return {"line": head[0], "headers": headers}


@contextlib.contextmanager
def hostile_server(handler):
    server = HostileServer(handler)
    try:
        yield server
    finally:
        server.close()


def answer(status=200, body=b"{}", content_type="application/json", extra_headers=()):
    """A handler that sends one complete answer."""
    def handler(_request, sock, _stopping):
        head = ["HTTP/1.1 %d X" % status, "Content-Type: %s" % content_type, "Content-Length: %d" % len(body),
                "Connection: close"] + list(extra_headers)
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + body)
    return handler


def endless_chunked(chunk=b"[" * 65536):
    """A 200 whose chunked body never ends (until the client hangs up or the server stops)."""
    def handler(_request, sock, stopping):
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
        piece = b"%x\r\n%s\r\n" % (len(chunk), chunk)
        while not stopping.is_set():
            sock.sendall(piece)
    return handler


def drip(interval, headers_too=False):
    """An answer sent one byte every ``interval`` seconds (the headers too when ``headers_too``)."""
    def handler(_request, sock, stopping):
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n"
        if not headers_too:
            sock.sendall(head)
            head = b""
        for byte in head + b"[" + b"1," * 500000:
            if stopping.wait(interval):
                return
            sock.sendall(bytes([byte]))
    return handler


def recording_proxy():
    """A proxy that forwards nothing: it records each request (a CONNECT, or a plain request with its headers)
    and answers 502, or 403 to a CONNECT."""
    def handler(request, sock, _stopping):
        status = b"403 Forbidden" if request["line"].startswith("CONNECT ") else b"502 Bad Gateway"
        sock.sendall(b"HTTP/1.1 " + status + b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    return handler


def wait_for(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()
