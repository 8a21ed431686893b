"""PostgreSQL clusters served by a real ``postgres`` (PostgreSQL 15 server programs of the machine).

* One ``initdb`` per emulator into a template (as the engine user: ``initdb`` refuses root); each
  cluster copies it and runs its own ``postgres`` on the private loopback address of its first node
  (port 5432), with a private socket folder. Every node's front door leads to that one server (the
  replicas of a real PostgreSQL cluster are not emulated).
* Users: the emulator's own superuser ``restorekit`` (reachable only through the socket folder, never
  through a front door) and the cluster's default user (``icpostgresql``), a member of the role
  ``insta_admin`` (may create databases and roles; no superuser), with the cluster's password
  (SCRAM). Clients log in over TCP with a password only.
* TLS: when the data centre's ``clientToClusterEncryption`` is on, the server has a certificate of the
  emulator's CA naming every node's public address, and plain connections are refused by ``pg_hba``.
* A copy (``snapshot``) is the ``pg_dumpall`` of the cluster (roles with their password hashes, every
  database); a restore plays it into the new cluster, so the restored cluster carries the source's users.
"""

import os
import shutil
import time

from tests.emulator.data_plane.processes import find_program, give_to_engine_user, run, spawn, stop

FOLDERS = ("/usr/lib/postgresql/15/bin",)
HINT = "Install the PostgreSQL 15 server programs (Debian: postgresql-15), or run `make engines`."
SUPERUSER = "restorekit"
START_SECONDS = 30.0


def sql_literal(text):
    return "'" + str(text).replace("'", "''") + "'"


def sql_name(text):
    return '"' + str(text).replace('"', '""') + '"'


class Engine:
    application = "postgresql"
    port = 5432

    def __init__(self, workdir, clock):
        self.clock = clock
        self.bin = {name: find_program(name, FOLDERS, HINT)
                    for name in ("initdb", "postgres", "pg_dumpall", "psql", "pg_isready")}
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        os.chmod(workdir, 0o711)
        self.clusters = {}  # cluster id -> {"process", "folder", "socket", "address"}
        template = workdir / "template"
        template.mkdir()
        give_to_engine_user(template)
        run([self.bin["initdb"], "-D", str(template), "-U", SUPERUSER, "--auth-local=trust",
             "--auth-host=scram-sha-256", "-E", "UTF8", "--no-sync", "--no-instructions"],
            as_engine_user=True, env=dict(os.environ, LC_ALL="C.UTF-8", LANG="C.UTF-8"))
        self.template = template

    def create(self, cluster_id, nodes, *, username, password, tls, tls_files=None):
        folder = self.workdir / cluster_id
        data, socket_folder = folder / "data", folder / "run"
        folder.mkdir()
        socket_folder.mkdir(mode=0o700)
        give_to_engine_user(folder)
        run(["cp", "-a", str(self.template), str(data)], as_engine_user=True)
        address = nodes[0]["engine"]
        settings = {
            "listen_addresses": sql_literal(address), "port": str(self.port),
            "unix_socket_directories": sql_literal(str(socket_folder)), "max_connections": "40",
            "shared_buffers": "'16MB'", "fsync": "off", "synchronous_commit": "off", "full_page_writes": "off",
            "password_encryption": "'scram-sha-256'", "ssl": "on" if tls else "off",
        }
        if tls:
            for key, name in (("cert", "server.crt"), ("key", "server.key")):
                shutil.copyfile(tls_files[key], data / name)
                os.chmod(data / name, 0o600)
            give_to_engine_user(data / "server.crt", data / "server.key")
            settings.update(ssl_cert_file="'server.crt'", ssl_key_file="'server.key'")
        with open(data / "postgresql.conf", "a") as conf:
            conf.write("".join("%s = %s\n" % item for item in settings.items()))
        with open(data / "pg_hba.conf", "w") as hba:
            hba.write("local all all trust\n")
            if tls:
                hba.write("hostssl all all 127.0.0.0/8 scram-sha-256\nhostnossl all all 0.0.0.0/0 reject\n")
            else:
                hba.write("host all all 127.0.0.0/8 scram-sha-256\n")
        process = spawn([self.bin["postgres"], "-D", str(data)], str(folder / "postgres.log"), cwd=str(folder))
        self.clusters[cluster_id] = {"process": process, "folder": folder, "socket": str(socket_folder),
                                     "address": address}
        self._wait_ready(cluster_id)
        self._sql(cluster_id, "CREATE ROLE insta_admin NOLOGIN CREATEDB CREATEROLE;"
                              "GRANT ALL ON DATABASE postgres TO insta_admin;"
                              "GRANT ALL ON SCHEMA public TO insta_admin;"
                              "CREATE ROLE %s LOGIN PASSWORD %s IN ROLE insta_admin;"
                  % (sql_name(username), sql_literal(password)))

    def _wait_ready(self, cluster_id):
        entry = self.clusters[cluster_id]
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if entry["process"].poll() is not None:
                break
            answer = run([self.bin["pg_isready"], "-q", "-h", entry["socket"], "-p", str(self.port)], check=False)
            if answer.returncode == 0:
                return
            time.sleep(0.05)
        log = (entry["folder"] / "postgres.log").read_text(errors="replace")[-2000:]
        raise RuntimeError("postgres of cluster %s did not start:\n%s" % (cluster_id, log))

    def _psql(self, cluster_id, *args, input=None, check=True):
        entry = self.clusters[cluster_id]
        return run([self.bin["psql"], "-X", "-q", "-h", entry["socket"], "-p", str(self.port), "-U", SUPERUSER,
                    "-d", "postgres", *args], input=input, check=check)

    def _sql(self, cluster_id, sql):
        self._psql(cluster_id, "-v", "ON_ERROR_STOP=1", "-c", sql)

    def upstream(self, cluster_id, node_index):
        return (self.clusters[cluster_id]["address"], self.port)

    def snapshot(self, cluster_id):
        entry = self.clusters[cluster_id]
        return run([self.bin["pg_dumpall"], "-h", entry["socket"], "-p", str(self.port), "-U", SUPERUSER]).stdout

    def restore(self, target_cluster_id, source_cluster_id, *, token=None, point_in_time_ms=None, tables=None,
                indices=None):
        if token is None:
            return
        # Roles that exist already (the superuser, the default user) fail to be created and are altered:
        # ON_ERROR_STOP stays off, as when a dump is played into a fresh cluster by hand.
        self._psql(target_cluster_id, "-f", "-", input=token, check=False)

    def restore_latest(self, target_cluster_id, source_cluster_id):
        self.restore(target_cluster_id, source_cluster_id, token=self.snapshot(source_cluster_id))

    def delete(self, cluster_id):
        entry = self.clusters.pop(cluster_id, None)
        if entry is None:
            return
        stop(entry["process"], sig=2)  # SIGINT: fast shutdown
        shutil.rmtree(entry["folder"], ignore_errors=True)

    def close(self):
        for cluster_id in list(self.clusters):
            self.delete(cluster_id)
