"""Where the store lives and how its database is connected and kept at the current schema.

:func:`database_url` picks the database: an explicit URL (``--db``), else ``$STEWARD_DB``,
else SQLite at ``<user data dir>/steward/steward.db``. Either may also be a plain file path.
:func:`create_store_engine` sets SQLite up for many readers and one writer (WAL journal,
``synchronous=NORMAL``, foreign keys, a busy timeout) and takes over SQLite's transaction
control so that a write transaction can claim the write lock up front. :func:`migrate` brings
the schema to the newest Alembic revision shipped in ``steward/store/migrations``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from steward.store.errors import StoreError
from steward.store.location import (
    DB_ENV,
    SCHEMA_REVISION,
    database_url,
    default_database_path,
)

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = [
    "DB_ENV",
    "SCHEMA_REVISION",
    "WRITE",
    "StoreError",
    "alembic_config",
    "create_store_engine",
    "current_revision",
    "database_url",
    "default_database_path",
    "migrate",
]

MIGRATIONS_DIR: Final = Path(__file__).with_name("migrations")
# Execution option marking a write transaction: on SQLite it begins with BEGIN IMMEDIATE.
WRITE: Final = "steward_write"
# How long a connection waits for another process's write lock before giving up.
BUSY_TIMEOUT_MS: Final = 30_000
# Arbitrary but fixed: serialises concurrent schema upgrades of one PostgreSQL database.
_PG_MIGRATION_LOCK: Final = 0x57E3A2D


def _sqlite_file(url: str) -> Path | None:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def create_store_engine(url: str) -> Engine:
    """An engine for ``url`` (see :func:`database_url`) configured for the store.

    On SQLite the parent directory is created, every connection gets the pragmas above,
    and transactions are begun by Steward rather than by the ``sqlite3`` module: reads
    start a plain ``BEGIN`` (a consistent snapshot), and connections carrying the
    :data:`WRITE` execution option start ``BEGIN IMMEDIATE``, so a writer waits for the
    lock at the start instead of failing with "database is locked" halfway through.
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        # Not echoed: a malformed URL may still carry a password.
        raise StoreError("not a database URL (dialect://...) or a SQLite file path") from None
    safe = parsed.render_as_string(hide_password=True)
    if parsed.get_backend_name() == "sqlite":
        path = _sqlite_file(url)
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create the directory for {safe}: {exc}") from None
        engine = create_engine(url)
        _take_over_sqlite_transactions(engine)
        return engine
    try:
        return create_engine(url, pool_pre_ping=True)
    except (ArgumentError, ImportError) as exc:
        raise StoreError(f"cannot use database {safe}: {exc}") from None


def _take_over_sqlite_transactions(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # None disables the sqlite3 module's own implicit BEGIN; ours is in _begin below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        write = connection.get_execution_options().get(WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration for the shipped migrations, without an ``alembic.ini``.

    With ``connection`` the migrations run on it (inside its transaction). To write a new
    revision: ``alembic.command.revision(alembic_config(), message=..., autogenerate=True)``
    with ``STEWARD_DB`` pointing at a database at the current head, then update
    :data:`SCHEMA_REVISION`.
    """
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # env.py falls back to this URL when no connection is handed over.
    config.set_main_option("sqlalchemy.url", database_url().replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


def current_revision(connection: Connection) -> str | None:
    """The schema revision stored in the database, ``None`` for an empty database."""
    if not connection.dialect.has_table(connection, "alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def migrate(engine: Engine) -> None:
    """Bring the database to :data:`SCHEMA_REVISION`; quick when it is already there.

    The upgrade runs in one write transaction that first takes a lock (SQLite's write lock,
    a PostgreSQL advisory lock), so two processes opening a new database at once do not
    both create the tables. A database at a revision this Steward does not ship (written by
    a newer Steward) is refused with :class:`StoreError`, never touched.
    """
    safe = engine.url.render_as_string(hide_password=True)
    try:
        with engine.connect() as connection:
            if current_revision(connection) == SCHEMA_REVISION:
                return
        with (
            engine.connect().execution_options(**{WRITE: True}) as connection,
            connection.begin(),
        ):
            if connection.dialect.name == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK}
                )
            stored = current_revision(connection)
            if stored == SCHEMA_REVISION:
                return
            _upgrade(connection, stored, safe)
    except DBAPIError as exc:
        raise StoreError(f"cannot open the store at {safe}: {exc.orig}") from exc


def _upgrade(connection: Connection, stored: str | None, safe: str) -> None:
    from alembic import command
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    config = alembic_config(connection)
    if stored is not None:
        try:
            ScriptDirectory.from_config(config).get_revision(stored)
        except CommandError:
            raise StoreError(
                f"the store at {safe} has schema revision {stored!r}, which this version of "
                "Steward does not know; it was probably written by a newer Steward"
            ) from None
    command.upgrade(config, "head")
