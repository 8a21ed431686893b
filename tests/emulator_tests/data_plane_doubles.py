"""What the tests of the data plane's wire-level doubles share.

``DoubleListener`` stands in for the data plane's front door: it listens on loopback addresses of
a block of its own (one port for every address, as a cluster serves one port on every node) and
hands each accepted connection to ``engine.serve(cluster_id, node_index, sock)`` on a thread, as
the front door does. ``trap`` listens on addresses a client must never reach and counts who did.
``tls_files`` makes a throwaway CA and a server certificate for an address.
"""

import datetime
import ipaddress
import random
import socket
import threading
from collections import Counter

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


class ManualClock:
    """The simulated clock of the doubles' tests: it moves only when a test moves it."""

    def __init__(self, now_ms=1_790_000_000_000):
        self.now = now_ms

    def now_ms(self):
        return self.now


def node(public, private, data_centre="AWS_VPC_US_EAST_1", rack="us-east-1a"):
    return {"public": public, "private": private, "data_centre": data_centre, "rack": rack, "engine": public}


class DoubleListener:
    """Loopback listeners for the doubles' clusters, and traps; ``close()`` stops them all."""

    def __init__(self):
        self.accepted = Counter()
        self._sockets = []
        self._threads = []
        self._lock = threading.Lock()
        self.block, self.port = self._claim_block()

    def _claim_block(self):
        for dummy in range(50):
            block = "127.%d.%d" % (random.randint(100, 250), random.randint(0, 255))
            probe = socket.socket()
            try:
                probe.bind((block + ".1", 0))
                port = probe.getsockname()[1]
            except OSError:
                probe.close()
                continue
            probe.close()
            return block, port
        raise RuntimeError("no free loopback block")

    def address(self, n):
        return "%s.%d" % (self.block, n)

    def _listen(self, address, on_accept):
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((address, self.port))
        sock.listen(16)
        self._sockets.append(sock)

        def loop():
            while True:
                try:
                    conn = sock.accept()[0]
                except OSError:
                    return
                with self._lock:
                    self.accepted[address] += 1
                on_accept(conn)

        thread = threading.Thread(target=loop, name="double-listener-%s" % address, daemon=True)
        thread.start()
        self._threads.append(thread)

    def serve(self, engine, cluster_id, nodes):
        """Listen on every node's public address and hand connections to the engine."""
        for index, spec in enumerate(nodes):
            def on_accept(conn, index=index):
                thread = threading.Thread(target=engine.serve, args=(cluster_id, index, conn), daemon=True)
                thread.start()
                self._threads.append(thread)
            self._listen(spec["public"], on_accept)

    def trap(self, address):
        """Listen on an address no client should reach; count and drop what arrives."""
        self._listen(address, lambda conn: conn.close())

    def close(self):
        for sock in self._sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
            except OSError:
                pass
            sock.close()
        for thread in self._threads:
            thread.join(timeout=5)

    def alive_threads(self):
        return [t for t in self._threads if t.is_alive()]


def tls_files(folder, address):
    """A throwaway CA and a server certificate for ``address``, written under ``folder``."""
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "data plane test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, address)]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(address))]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = {"cert": folder / "server.pem", "key": folder / "server.key", "ca": folder / "ca.pem"}
    paths["cert"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths["ca"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths["key"].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
    return paths
