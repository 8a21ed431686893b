"""The data plane with a real PostgreSQL: TLS with the emulator's CA, the firewall, backups that hold
the data as of their end, restores at a point in time, and the next_restore_data outcomes.
Read and written with psycopg 3, as a user would."""

import psycopg
import pytest

from tests.emulator_tests.data_plane_support import (DURATIONS, back_up, closed_before_any_byte, open_firewall,
                                                     public_addresses, restore)
from tests.support.emulator import PAYMENTS_PG_ID, running_emulator

PORT = 5432


@pytest.fixture(scope="module")
def emulator():
    with running_emulator(scenario="mixed", extra_args=("--data-plane",) + DURATIONS) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def ca_file(emulator, tmp_path_factory):
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    path.write_text(emulator.http.get(emulator.url + "/__emulator__/data-plane/ca.pem").text)
    return str(path)


def connect(emulator, cluster_id, ca_file, **options):
    state = emulator.cluster_state(cluster_id)
    address = public_addresses(emulator, "postgresql", cluster_id)[0]
    options.setdefault("sslmode", "verify-full")
    return psycopg.connect(host=address, port=PORT, dbname="postgres", user=state["default_username"],
                           password=state["default_password"], sslrootcert=ca_file, connect_timeout=10,
                           autocommit=True, **options)


def rows(emulator, cluster_id, ca_file):
    with connect(emulator, cluster_id, ca_file) as connection:
        if connection.execute("SELECT to_regclass('public.orders')").fetchone()[0] is None:
            return None
        return [row[0] for row in connection.execute("SELECT item FROM orders ORDER BY item")]


@pytest.fixture(scope="module")
def written(emulator, ca_file):
    """A row, a backup, a second row: what the restores below must tell apart."""
    with connect(emulator, PAYMENTS_PG_ID, ca_file) as connection:
        connection.execute("CREATE TABLE orders (item text)")
        connection.execute("INSERT INTO orders VALUES ('before the backup')")
    completed = back_up(emulator, "postgresql", PAYMENTS_PG_ID)
    with connect(emulator, PAYMENTS_PG_ID, ca_file) as connection:
        connection.execute("INSERT INTO orders VALUES ('after the backup')")
    return completed


def test_the_default_user_is_an_insta_admin_without_superuser(emulator, ca_file):
    with connect(emulator, PAYMENTS_PG_ID, ca_file) as connection:
        user = connection.execute("SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()
        admin = connection.execute("SELECT pg_has_role(current_user, 'insta_admin', 'member')").fetchone()[0]
    assert user == ("icpostgresql", False) and admin is True


def test_tls_is_required_and_verified_with_the_published_ca(emulator, ca_file):
    with connect(emulator, PAYMENTS_PG_ID, ca_file) as connection:
        assert connection.pgconn.ssl_in_use
    with pytest.raises(psycopg.OperationalError):
        connect(emulator, PAYMENTS_PG_ID, ca_file, sslmode="disable")


def test_a_wrong_password_is_refused(emulator, ca_file):
    address = public_addresses(emulator, "postgresql", PAYMENTS_PG_ID)[0]
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(host=address, port=PORT, dbname="postgres", user="icpostgresql", password="wrong",
                        sslmode="verify-full", sslrootcert=ca_file, connect_timeout=10)


def test_the_listing_shows_the_backup_completed_and_its_copy_exists(emulator, written):
    copies = emulator.cluster_state(PAYMENTS_PG_ID)["data_plane"]["copies"]
    assert any(copy["as_of_ms"] == copy["completed_ms"] <= written for copy in copies)


def test_a_restore_at_the_backup_brings_the_data_as_of_its_end_behind_a_closed_firewall(emulator, ca_file, written):
    restored = restore(emulator, "postgresql", PAYMENTS_PG_ID, written)
    address = public_addresses(emulator, "postgresql", restored)[0]
    assert closed_before_any_byte(address, PORT)  # a restored cluster has no firewall rule
    open_firewall(emulator, restored, "POSTGRESQL")
    assert rows(emulator, restored, ca_file) == ["before the backup"]
    assert emulator.cluster_state(restored)["default_password"] == emulator.cluster_state(PAYMENTS_PG_ID)["default_password"]


def test_next_restore_data_empty_brings_no_user_data(emulator, ca_file, written):
    emulator.set_outcomes(next_restore_data="empty")
    restored = restore(emulator, "postgresql", PAYMENTS_PG_ID, written)
    open_firewall(emulator, restored, "POSTGRESQL")
    assert rows(emulator, restored, ca_file) is None


def test_next_restore_data_latest_brings_the_current_data_whatever_the_point_in_time(emulator, ca_file, written):
    emulator.set_outcomes(next_restore_data="latest")
    restored = restore(emulator, "postgresql", PAYMENTS_PG_ID, written)
    open_firewall(emulator, restored, "POSTGRESQL")
    assert rows(emulator, restored, ca_file) == ["after the backup", "before the backup"]
    assert emulator.admin("GET", "/outcomes")["next_restore_data"] == "complete"  # for the next restore only
