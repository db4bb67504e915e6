"""The store on PostgreSQL: the same contract as on SQLite, through the same models.

A uniquely named database is created on the local server (127.0.0.1:5432, user
``postgres``, trust authentication) for this module and dropped at the end. Without a
reachable server the module is skipped, saying so.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from envneeds import require_module, skip_environment
from sqlalchemy import text

# Imported from the neighbouring module (pytest puts this folder on sys.path), so that the
# PostgreSQL run is the very same specification as the SQLite one.
from test_store import StoreContract, big_batch

from steward.store import Store, StoreError
from steward.store.db import SCHEMA_REVISION

psycopg = require_module("psycopg")

SERVER = "host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=3"
TABLES = "upstream_releases, package_checks, upstreams, runs, http_cache"


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    name = f"steward_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(SERVER, autocommit=True)
    except psycopg.OperationalError as exc:
        skip_environment(f"no PostgreSQL server on 127.0.0.1:5432 to test against: {exc}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"postgresql://postgres@127.0.0.1:5432/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class TestPostgresStore(StoreContract):
    @pytest.fixture
    def store(self, database_url: str) -> Iterator[Store]:
        with Store.open(database_url) as store:
            with store.engine.begin() as connection:
                connection.execute(text(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE"))
            yield store


def test_postgres_urls_without_a_driver_use_psycopg_and_timestamps_are_timestamptz(
    database_url: str,
) -> None:
    with Store.open(database_url) as store, store.engine.connect() as connection:
        assert store.engine.dialect.driver == "psycopg"
        column_type = connection.execute(
            text(
                "SELECT data_type FROM information_schema.columns "
                "WHERE table_name = 'upstream_releases' AND column_name = 'first_seen'"
            )
        ).scalar_one()
        revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert column_type == "timestamp with time zone"
    assert revision == SCHEMA_REVISION


def test_a_batch_of_a_thousand_results_round_trips_on_postgres(database_url: str) -> None:
    records = big_batch(1_000, 20, tree="/srv/pg-batch")
    with Store.open(database_url) as store:
        run_id = store.start_run("/srv/pg-batch", total=len(records))
        first = store.record_results(run_id, records)
        again = store.record_results(run_id, records)
        rows = store.latest_checks("/srv/pg-batch")
        done = store.done_in_run(run_id)

    assert len(first.new_upstreams) == 1_000 and again.new_releases == {}
    assert len(rows) == 1_000 and rows[0].newest == "1.19"
    assert done == {record.package for record in records}


def test_a_missing_postgres_database_is_a_clear_error(database_url: str) -> None:
    missing = database_url.rsplit("/", 1)[0] + "/steward_no_such_database"
    with pytest.raises(StoreError, match="cannot open the store at postgresql"):
        Store.open(missing)
