"""Redis clusters served by real ``redis-server`` processes (Debian's package; ``make engines``).

* Cluster mode, one ``redis-server`` per node on the node's private loopback address (port 6379):
  in each data centre the first half of the nodes (rounded up) are masters, as the v2 GET shows them
  (``masterNodes``), the others replicas (``replicaNodes``), replica *k* following master *k mod masters*;
  the 16384 slots are split evenly between the masters. Each node announces its public address as its
  host name (``cluster-announce-hostname`` with ``cluster-preferred-endpoint-type hostname``), so
  ``CLUSTER SLOTS`` and ``MOVED`` lead a cluster-aware client (``RedisCluster``, ``redis-cli -c``) to
  the front doors; the cluster bus and replication stay on the private addresses
  (``cluster-announce-ip`` and ``bind-source-addr``: otherwise a loopback connection comes from 127.0.0.1).
* Users (ACL, on every node): ``icredis`` with the cluster's password (``AUTH icredis <password>``), all
  commands and keys; the ``default`` user is off (reserved, as on Instaclustr); ``restorekit`` is the
  emulator's own user for the cluster set-up, replication and copies.
* A copy (``snapshot``) is every key of every master as ``DUMP`` with its remaining time to live; a
  restore ``RESTORE``s them into the masters owning their slots.
* TLS (``clientToNodeEncryption``): the nodes of such a cluster serve TLS only (``port 0``, ``tls-port
  6379``) with the certificate the emulator's CA issued for the cluster's public addresses, no client
  certificate asked (``tls-auth-clients no``); replication and the cluster bus use TLS too. Clients
  verify the server with the CA file (``GET /__emulator__/data-plane/ca.pem``); the emulator's own
  connections to the private addresses verify the chain, not the name.
"""

import secrets
import shutil
import time

from tests.emulator.data_plane.processes import EngineUnavailable, find_program, give_to_engine_user, spawn, stop

HINT = "Install Debian's redis-server package (apt-get install redis-server), or run `make engines`."
SLOTS = 16384
ADMIN = "restorekit"
READY_SECONDS = 30.0


def split_slots(masters):
    """``[(first, last)]`` slot ranges of ``masters`` masters, in order."""
    bounds = [SLOTS * index // masters for index in range(masters + 1)]
    return [(bounds[index], bounds[index + 1] - 1) for index in range(masters)]


class Engine:
    application = "redis"
    port = 6379

    def __init__(self, workdir, clock):
        try:
            import redis  # the client library, for the set-up and the copies
        except ImportError:
            raise EngineUnavailable("the Python package redis is missing (pip install -r requirements-data-plane.txt)")
        self._redis = redis
        self.clock = clock
        self.server = find_program("redis-server", ("/usr/bin", "/usr/local/bin"), HINT)
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        workdir.chmod(0o711)
        self.admin_password = secrets.token_hex(16)
        self.clusters = {}  # cluster id -> {"folder", "nodes", "processes", "masters", "ranges"}

    # --- set-up -----------------------------------------------------------------------------------

    def _client(self, cluster_id, address):
        tls = self.clusters[cluster_id].get("ca")
        options = dict(ssl=True, ssl_ca_certs=tls, ssl_check_hostname=False) if tls else {}
        return self._redis.Redis(host=address, port=self.port, username=ADMIN, password=self.admin_password,
                                 socket_timeout=10, socket_connect_timeout=5, **options)

    def _config(self, node, folder, tls):
        ports = ["port 0", "tls-port %d" % self.port, "tls-cert-file %s" % (folder / "server.crt"),
                 "tls-key-file %s" % (folder / "server.key"), "tls-ca-cert-file %s" % (folder / "ca.pem"),
                 "tls-auth-clients no", "tls-replication yes", "tls-cluster yes"] if tls else ["port %d" % self.port]
        return "\n".join(["bind %s" % node["engine"]] + ports + [
            "protected-mode no", "daemonize no",
            "dir %s" % folder, "cluster-enabled yes", "cluster-config-file nodes.conf", "cluster-node-timeout 3000",
            "cluster-announce-ip %s" % node["engine"], "bind-source-addr %s" % node["engine"],
            "cluster-announce-hostname %s" % node["public"], "cluster-preferred-endpoint-type hostname",
            'save ""', "appendonly no", "repl-ping-replica-period 1",
            "repl-diskless-sync-delay 0", "shutdown-timeout 0", "shutdown-on-sigterm nosave now force", "user default off",
            "user %s on >%s ~* &* +@all" % (ADMIN, self.admin_password),
            "masteruser %s" % ADMIN, "masterauth %s" % self.admin_password, "",
        ])

    def create(self, cluster_id, nodes, *, username, password, tls, tls_files=None):
        if tls and not tls_files:
            raise ValueError("a Redis cluster with TLS needs the CA's files (cert, key, ca)")
        folder = self.workdir / cluster_id
        folder.mkdir()
        processes = []
        entry = {"folder": folder, "nodes": nodes, "processes": processes, "ca": str(tls_files["ca"]) if tls else None}
        self.clusters[cluster_id] = entry
        for index, node in enumerate(nodes):
            node_folder = folder / str(index)
            node_folder.mkdir()
            if tls:
                for key, name in (("cert", "server.crt"), ("key", "server.key"), ("ca", "ca.pem")):
                    shutil.copyfile(tls_files[key], node_folder / name)
                (node_folder / "server.key").chmod(0o600)
            (node_folder / "redis.conf").write_text(self._config(node, node_folder, tls))
            give_to_engine_user(node_folder)
            processes.append(spawn([self.server, str(node_folder / "redis.conf")], str(node_folder / "redis.log"),
                                   cwd=str(node_folder)))
        clients = [self._client(cluster_id, node["engine"]) for node in nodes]
        self._wait(lambda: all(self._pings(client) for client in clients), cluster_id, "start")
        masters, replicas = [], []
        for centre in dict.fromkeys(node["data_centre"] for node in nodes):
            members = [index for index, node in enumerate(nodes) if node["data_centre"] == centre]
            count = (len(members) + 1) // 2
            masters.extend(members[:count])
            replicas.extend((member, members[number % count]) for number, member in enumerate(members[count:]))
        entry["masters"] = masters
        entry["ranges"] = split_slots(len(masters))
        for master, (first, last) in zip(masters, entry["ranges"]):
            clients[master].execute_command("CLUSTER", "ADDSLOTSRANGE", first, last)
        for index, client in enumerate(clients):  # every pair meets: no waiting for gossip to spread the news
            for node in nodes[index + 1:]:
                client.execute_command("CLUSTER", "MEET", node["engine"], self.port)
        self._wait(lambda: all(self._info(client)["cluster_known_nodes"] == str(len(nodes)) for client in clients),
                   cluster_id, "join")
        for replica, master in replicas:
            master_id = clients[master].execute_command("CLUSTER", "MYID")
            self._wait(lambda: self._replicate(clients[replica], master_id), cluster_id, "replicate")
        self._wait(lambda: all(self._info(client)["cluster_state"] == "ok"
                               and self._replica_count(client) == len(replicas) for client in clients),
                   cluster_id, "settle")
        for client in clients:
            client.execute_command("ACL", "SETUSER", username, "on", ">" + password, "~*", "&*", "+@all")
            client.close()

    @staticmethod
    def _pings(client):
        try:
            return client.ping()
        except Exception:
            return False

    @staticmethod
    def _info(client):
        answer = client.execute_command("CLUSTER", "INFO")  # redis-py parses it into a dict
        if isinstance(answer, bytes):
            answer = answer.decode()
        if isinstance(answer, str):
            answer = dict(line.split(":", 1) for line in answer.split("\r\n") if ":" in line)
        return {str(key): str(value) for key, value in answer.items()}

    @staticmethod
    def _replica_count(client):
        """How many replicas this node's ``CLUSTER SLOTS`` shows: Redis 7 shows a replica once it has
        replicated something, and a client should find the whole topology from its first call."""
        return sum(len(entry) - 3 for entry in client.execute_command("CLUSTER", "SLOTS"))

    @staticmethod
    def _replicate(client, master_id):
        try:
            client.execute_command("CLUSTER", "REPLICATE", master_id)
            return True
        except Exception:  # the master is not known to this node yet
            return False

    def _wait(self, condition, cluster_id, step):
        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline:
            try:
                if condition():
                    return
            except Exception:
                pass
            time.sleep(0.05)
        raise RuntimeError("the Redis cluster %s did not %s within %ds" % (cluster_id, step, READY_SECONDS))

    # --- the contract -----------------------------------------------------------------------------

    def upstream(self, cluster_id, node_index):
        return (self.clusters[cluster_id]["nodes"][node_index]["engine"], self.port)

    def _masters(self, cluster_id):
        entry = self.clusters[cluster_id]
        return [(self._client(cluster_id, entry["nodes"][master]["engine"]), slots)
                for master, slots in zip(entry["masters"], entry["ranges"])]

    def snapshot(self, cluster_id):
        copied = []
        for client, _slots in self._masters(cluster_id):
            try:
                for key in client.scan_iter(count=1000):
                    value = client.dump(key)
                    if value is None:  # expired meanwhile
                        continue
                    ttl = client.pttl(key)
                    copied.append((key, max(ttl, 0), value))
            finally:
                client.close()
        return copied

    def restore(self, target_cluster_id, source_cluster_id, *, token=None, point_in_time_ms=None, tables=None,
                indices=None):
        if not token:
            return
        from redis.crc import key_slot

        masters = self._masters(target_cluster_id)
        try:
            for key, ttl, value in token:
                slot = key_slot(key)
                client = next(client for client, (first, last) in masters if first <= slot <= last)
                client.restore(key, ttl, value, replace=True)
        finally:
            for client, _slots in masters:
                client.close()

    def restore_latest(self, target_cluster_id, source_cluster_id):
        self.restore(target_cluster_id, source_cluster_id, token=self.snapshot(source_cluster_id))

    def delete(self, cluster_id):
        entry = self.clusters.pop(cluster_id, None)
        if entry is None:
            return
        for process in entry["processes"]:
            process.terminate()
        for process in entry["processes"]:
            stop(process, grace=5)
        shutil.rmtree(entry["folder"], ignore_errors=True)

    def close(self):
        for cluster_id in list(self.clusters):
            self.delete(cluster_id)
