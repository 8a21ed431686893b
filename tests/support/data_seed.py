"""One user object in a cluster of the emulator's data plane, written with the application's own client (the
catalogue then has something besides the canaries' home): PostgreSQL table ``public.orders``, Cassandra table
``shop.orders``, OpenSearch index ``orders``, Redis key ``session:1``. Used by the drill tests and ``make demo``."""


def node_addresses(emulator, cluster_id):
    return emulator.data_plane()["clusters"][cluster_id]["addresses"]


def put_postgresql_table(emulator, cluster_id, password, ca_file):
    import psycopg  # pylint: disable=import-outside-toplevel
    with psycopg.connect(host=node_addresses(emulator, cluster_id)[0], port=5432, dbname="postgres", user="icpostgresql",
                         password=password, sslmode="verify-full", sslrootcert=ca_file, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS public.orders (id int PRIMARY KEY)")
        conn.execute("INSERT INTO public.orders VALUES (1), (2) ON CONFLICT DO NOTHING")


def put_cassandra_table(emulator, cluster_id, password):
    from cassandra.auth import PlainTextAuthProvider  # pylint: disable=import-outside-toplevel
    from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile  # pylint: disable=import-outside-toplevel
    from cassandra.policies import WhiteListRoundRobinPolicy  # pylint: disable=import-outside-toplevel
    nodes = node_addresses(emulator, cluster_id)
    cluster = Cluster(nodes, port=9042, protocol_version=4, auth_provider=PlainTextAuthProvider("iccassandra", password),
                      execution_profiles={EXEC_PROFILE_DEFAULT: ExecutionProfile(load_balancing_policy=WhiteListRoundRobinPolicy(nodes))})
    try:
        session = cluster.connect()
        session.execute("CREATE KEYSPACE IF NOT EXISTS shop WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
        session.execute("CREATE TABLE IF NOT EXISTS shop.orders (id int PRIMARY KEY, sku text)")
        session.execute("INSERT INTO shop.orders (id, sku) VALUES (1, 'red')")
    finally:
        cluster.shutdown()


def put_opensearch_index(emulator, cluster_id, password):
    import requests  # pylint: disable=import-outside-toplevel
    response = requests.put("http://%s:9200/orders/_doc/1?refresh=true" % node_addresses(emulator, cluster_id)[0],
                            json={"sku": "red"}, auth=("icopensearch", password), timeout=10)
    response.raise_for_status()


def put_redis_key(emulator, cluster_id, password):
    from redis.cluster import ClusterNode, RedisCluster  # pylint: disable=import-outside-toplevel
    client = RedisCluster(startup_nodes=[ClusterNode(node_addresses(emulator, cluster_id)[0], 6379)], username="icredis",
                          password=password, socket_timeout=10)
    try:
        client.set("session:1", "alice")
    finally:
        client.close()


def put_user_object(emulator, application, cluster_id, password, ca_file=None):
    if application == "postgresql":
        put_postgresql_table(emulator, cluster_id, password, ca_file)
    elif application == "cassandra":
        put_cassandra_table(emulator, cluster_id, password)
    elif application == "opensearch":
        put_opensearch_index(emulator, cluster_id, password)
    elif application == "redis":
        put_redis_key(emulator, cluster_id, password)
