"""Front doors: one loopback TCP listener per (node public address, application port).

On each accepted connection the door asks ``admits(cluster_id, client_ip, port)`` (the data plane's
rule: the cluster is RUNNING with its engine ready, and ``world.firewall.allows(...)``: a RUNNING
firewall rule of the application's type covers the client's address). When it is False the socket is
closed before any byte is sent. Otherwise the connection goes to the engine: ``engine.serve(cluster_id,
node_index, sock)`` on its own thread for an in-process double, or a byte-for-byte proxy to
``engine.upstream(cluster_id, node_index)`` for a real engine (which listens on a private loopback
address of its own).
"""

import ipaddress
import socket
import threading

ACCEPT_POLL_SECONDS = 0.25
CHUNK = 65536


class FrontDoor:
    def __init__(self, address, port, cluster_id, node_index, engine, admits):
        if not ipaddress.IPv4Address(address).is_loopback:
            raise ValueError("a front door listens on loopback addresses only, not %s" % address)
        self.address = address
        self.port = port
        self.cluster_id = cluster_id
        self.node_index = node_index
        self.engine = engine
        self.admits = admits
        self._closed = threading.Event()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((address, port))
        self._listener.listen(64)
        self._listener.settimeout(ACCEPT_POLL_SECONDS)
        self._thread = threading.Thread(target=self._accept_loop, daemon=True,
                                        name="front-%s:%d" % (address, port))
        self._thread.start()

    def _accept_loop(self):
        while not self._closed.is_set():
            try:
                sock, peer = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            sock.settimeout(None)
            try:
                admitted = self.admits(self.cluster_id, peer[0], self.port)
            except Exception:  # a broken rule check admits nobody
                admitted = False
            if not admitted:
                _close(sock)
                continue
            threading.Thread(target=self._hand_over, args=(sock,), daemon=True).start()

    def _hand_over(self, sock):
        try:
            if hasattr(self.engine, "serve"):
                self.engine.serve(self.cluster_id, self.node_index, sock)
            else:
                _proxy(sock, self.engine.upstream(self.cluster_id, self.node_index))
        except Exception:  # the client or the engine went away
            pass
        finally:
            _close(sock)

    def close(self):
        self._closed.set()
        try:
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes a blocked accept() at once (Linux)
        except OSError:
            pass
        _close(self._listener)
        self._thread.join(timeout=2 * ACCEPT_POLL_SECONDS + 1)


def _close(sock):
    try:
        sock.close()
    except OSError:
        pass


def _pump(source, target):
    try:
        while True:
            data = source.recv(CHUNK)
            if not data:
                break
            target.sendall(data)
    except OSError:
        pass
    try:
        target.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def _proxy(client, upstream_address):
    upstream = socket.create_connection(upstream_address, timeout=10)
    upstream.settimeout(None)
    try:
        back = threading.Thread(target=_pump, args=(upstream, client), daemon=True)
        back.start()
        _pump(client, upstream)
        back.join()
    finally:
        _close(upstream)
