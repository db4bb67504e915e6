"""Where the store lives, decided without loading SQLAlchemy.

:func:`database_url` picks the database: an explicit URL (``--db``), else ``$STEWARD_DB``,
else SQLite at ``<user data dir>/steward/steward.db``; a plain file path means SQLite.
:mod:`steward.store.db` connects to it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

__all__ = ["DB_ENV", "SCHEMA_REVISION", "database_url", "default_database_path"]

DB_ENV: Final = "STEWARD_DB"
# The newest revision in migrations/versions. Comparing the stored revision with this
# constant lets an up-to-date database open without importing Alembic at all; a test
# checks that it names the head of the shipped revisions.
SCHEMA_REVISION: Final = "0004"

_SQLITE: Final = "sqlite:///"


def default_database_path() -> Path:
    """``steward.db`` in the user's data directory (``~/.local/share/steward`` on Linux)."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("steward")) / "steward.db"


def database_url(url: str | os.PathLike[str] | None = None) -> str:
    """The SQLAlchemy URL of the store: ``url``, else ``$STEWARD_DB``, else the default file.

    A value without ``://`` is a SQLite file path. ``postgresql://`` and ``postgres://``
    mean psycopg 3, the driver Steward installs.

    >>> database_url("/tmp/s.db")
    'sqlite:////tmp/s.db'
    >>> database_url("postgres://steward@db.example/steward")
    'postgresql+psycopg://steward@db.example/steward'
    """
    chosen = os.fspath(url) if url is not None else os.environ.get(DB_ENV) or None
    if chosen is None:
        return f"{_SQLITE}{default_database_path()}"
    if "://" not in chosen:
        return f"{_SQLITE}{Path(chosen).expanduser().absolute()}"
    for plain in ("postgresql://", "postgres://"):
        if chosen.startswith(plain):
            return "postgresql+psycopg://" + chosen[len(plain) :]
    return chosen
