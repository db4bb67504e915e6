"""The store writer's first answer, read with the standard library's ``sqlite3`` alone.

A check run asks its writer (:mod:`steward.store.writer`) for the tree's interrupted run
and the stored upstream states before it can send a single request. Importing SQLAlchemy
takes the writer half a second; for an existing SQLite store at the current schema these
three reads need none of it, so the writer answers at once and loads SQLAlchemy after.
Anything else (PostgreSQL, a new or older database, an unreadable file) returns ``None``
and is answered the ordinary way, through :class:`~steward.store.queries.Store`.
"""

from __future__ import annotations

import sqlite3
from urllib.parse import quote

from steward.store.location import SCHEMA_REVISION, database_url, sqlite_path

__all__ = ["Begin", "read_begin"]

#: The interrupted run's id and package count (``None`` when there is none), the packages
#: it stored, and every stored upstream state (zlib-compressed JSON) by key.
Begin = tuple[int | None, int | None, set[str], dict[str, bytes]]


def read_begin(url: str | None, tree: str, resume: bool) -> Begin | None:
    """What :meth:`steward.store.writer.RunWriter.begin` answers, for an up-to-date SQLite
    store; ``None`` when this store must be read through SQLAlchemy."""
    path = sqlite_path(database_url(url))
    if path is None or not path.is_file():
        return None
    try:
        connection = sqlite3.connect(
            f"file:{quote(str(path.absolute()))}?mode=rw",
            uri=True,
            timeout=30.0,
            isolation_level=None,
        )
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
