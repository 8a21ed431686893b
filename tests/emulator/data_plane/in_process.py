"""What the in-process doubles (``cql.py``, ``opensearch.py``) share: their clusters' lifecycle and connections.

An in-process double serves each accepted connection itself (``serve``) instead of naming an upstream
engine. This base keeps the clusters, wraps a connection in TLS when the cluster asks for it, tracks
every open socket so that ``delete`` and ``close`` end them, and hands each connection to the double's
wire (``serve_connection``). The wire, the store and what each double supports stay in its own file.
"""

import socket
import ssl
import threading


class InProcessCluster:
    """One emulated cluster of a double: its nodes, its default user, its open sockets and TLS context."""

    def __init__(self, cluster_id, nodes, username, password, tls, tls_files):
        self.id = cluster_id
        self.nodes = [dict(node) for node in nodes]
        self.username = username
        self.password = password
        self.sockets = set()
        self.ssl_context = None
        if tls:
            if not tls_files:
                raise ValueError("tls=True needs tls_files with cert and key")
            self.ssl_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.ssl_context.load_cert_chain(str(tls_files["cert"]), str(tls_files["key"]))


class InProcessEngine:
    """The data plane's engine contract for a double; subclasses set ``application``, ``port``, ``label``,
    ``new_cluster(...)`` (an ``InProcessCluster``) and ``serve_connection(cluster, node_index, conn)``."""

    application = None
    port = None
    label = None  # "Cassandra", "OpenSearch": in messages

    def __init__(self, workdir, clock):
        self.workdir = workdir
        self.clock = clock
        self._lock = threading.RLock()
        self._clusters = {}
        self._closed = False

    def new_cluster(self, cluster_id, nodes, username, password, tls, tls_files, **options):
        raise NotImplementedError

    def serve_connection(self, cluster, node_index, conn):
        raise NotImplementedError

    def create(self, cluster_id, nodes, *, username, password, tls, tls_files=None, **options):
        cluster = self.new_cluster(cluster_id, nodes, username, password, tls, tls_files, **options)
        with self._lock:
            if cluster_id in self._clusters:
                raise ValueError("cluster %s already exists" % cluster_id)
            self._clusters[cluster_id] = cluster

    def delete(self, cluster_id):
        with self._lock:
            cluster = self._clusters.pop(cluster_id, None)
        if cluster is not None:
            close_all(cluster.sockets)

    def close(self):
        with self._lock:
            self._closed = True
            clusters = list(self._clusters.values())
        for cluster in clusters:
            close_all(cluster.sockets)

    def upstream(self, cluster_id, node_index):
        raise NotImplementedError("the %s double serves connections in process: use serve()" % self.label)

    def _cluster(self, cluster_id):
        cluster = self._clusters.get(cluster_id)
        if cluster is None:
            raise KeyError("no %s cluster %s" % (self.label, cluster_id))
        return cluster

    def serve(self, cluster_id, node_index, sock):
        """Serve one accepted connection until it closes (or the cluster is deleted, or the engine closed)."""
        with self._lock:
            cluster = None if self._closed else self._clusters.get(cluster_id)
            if cluster is not None:
                cluster.sockets.add(sock)
        if cluster is None:
            sock.close()
            return
        conn = sock
        try:
            sock.settimeout(None)  # a client may stay idle as long as it likes; delete() and close() end it
            if cluster.ssl_context is not None:
                conn = cluster.ssl_context.wrap_socket(sock, server_side=True)
                with self._lock:
                    cluster.sockets.add(conn)
                    if self._closed or self._clusters.get(cluster_id) is not cluster:
                        return
            self.serve_connection(cluster, node_index, conn)
        except (OSError, EOFError, ValueError):
            pass
        finally:
            with self._lock:
                cluster.sockets.discard(sock)
                cluster.sockets.discard(conn)
            for each in (conn, sock):
                try:
                    each.close()
                except OSError:
                    pass


def close_all(sockets):
    """Shut down and close every socket (a client blocked on one sees its end)."""
    for sock in list(sockets):
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            sock.close()
        except OSError:
            pass
