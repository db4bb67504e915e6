"""The store writer's first answer, read with the standard library's ``sqlite3`` alone.

A check run asks its writer (:mod:`steward.store.writer`) for the tree's interrupted run
and the stored upstream states before it can send a single request. Importing SQLAlchemy
takes the writer half a second; for an existing SQLite store at the current schema these
three reads need none of it, so the writer answers at once and loads SQLAlchemy after.
A SQLite store that does not exist yet is created here, from the schema the migrations
would create (:mod:`steward.store.sqlite_schema`): it holds nothing to answer with. Anything
else (PostgreSQL, an older database, an unreadable file) returns ``None`` and is answered
the ordinary way, through :class:`~steward.store.queries.Store`.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import quote

from steward.store import sqlite_schema
from steward.store.location import SCHEMA_REVISION, database_url, sqlite_path

__all__ = ["Begin", "read_begin"]

#: The interrupted run's id and package count (``None`` when there is none), the packages
#: it stored, and every stored upstream state (compressed JSON, see pack_state) by key.
Begin = tuple[int | None, int | None, set[str], dict[str, bytes]]


def read_begin(url: str | None, tree: str, resume: bool) -> Begin | None:
    """What :meth:`steward.store.writer.RunWriter.begin` answers, for an up-to-date SQLite
    store; ``None`` when this store must be read through SQLAlchemy."""
    path = sqlite_path(database_url(url))
    if path is None:
        return None
    if not path.exists():
        return _create(path)
    if not path.is_file():
        return None
    try:
        connection = _connect(path, "rw")
    except sqlite3.Error:
        return None
    try:
        connection.execute("BEGIN")  # one snapshot for the three reads
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        if row is None or row[0] != SCHEMA_REVISION:
            return None
        run_id: int | None = None
        total: int | None = None
        done: set[str] = set()
        if resume:
            last = connection.execute(
                "SELECT id, packages_total, finished_at FROM runs WHERE tree = ?"
                " ORDER BY id DESC LIMIT 1",
                (tree,),
            ).fetchone()
            if last is not None and last[2] is None:
                run_id, total = int(last[0]), int(last[1])
                done = {
                    package
                    for (package,) in connection.execute(
                        "SELECT package FROM package_checks WHERE run_id = ?", (run_id,)
                    )
                }
        states = {
            str(key): bytes(state)
            for key, state in connection.execute("SELECT key, state FROM upstream_states")
        }
        return run_id, total, done, states
    except (sqlite3.Error, TypeError, ValueError):
        return None
    finally:
        connection.close()


def _create(path: Path) -> Begin | None:
    """Create a new store at ``path`` at the current schema: nothing stored, nothing to resume.

    ``None`` when it cannot be done here (the ordinary way then reports why), or when another
    process created the file first (the ordinary way then reads it).
    """
    if sqlite_schema.REVISION != SCHEMA_REVISION:  # pragma: no cover - a test keeps them equal
        return None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = _connect(path, "rwc")
    except (OSError, sqlite3.Error):
        return None
    try:
        connection.execute("PRAGMA journal_mode = WAL")
        # The write lock first: of two runs creating the same store, the second finds tables.
        connection.execute("BEGIN IMMEDIATE")
        if connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            connection.execute("ROLLBACK")
            return None
        for statement in sqlite_schema.STATEMENTS:
            connection.execute(statement)
        connection.execute(
            "INSERT INTO alembic_version (version_num) VALUES (?)", (SCHEMA_REVISION,)
        )
        connection.execute("COMMIT")
    except sqlite3.Error:
        return None  # rolled back when the connection closes: the migrations start afresh
    finally:
        connection.close()
    return None, None, set(), {}


def _connect(path: Path, mode: str) -> sqlite3.Connection:
    """A connection to ``path`` (``mode`` ``rw``: it must exist; ``rwc``: or is created) whose
    transactions are begun explicitly, as the store's are."""
    return sqlite3.connect(
        f"file:{quote(str(path.absolute()))}?mode={mode}",
        uri=True,
        timeout=30.0,
        isolation_level=None,
    )
