"""Steward's persistent state: checks, upstream releases, runs and the HTTP cache.

SQLite (WAL) in the user's data directory by default, PostgreSQL when configured, through the
same SQLAlchemy models; the schema is created and upgraded by Alembic when the store opens.

Start with :class:`Store` (:meth:`Store.open`); the values it takes and returns are in
:mod:`steward.store.records`, and where the database lives is decided in :mod:`steward.store.db`.
"""

from steward.store.db import StoreError, database_url, default_database_path
from steward.store.queries import Store
from steward.store.records import CheckRecord, CheckRow, RecordOutcome, RunRow, StoredRelease

__all__ = [
    "CheckRecord",
    "CheckRow",
    "RecordOutcome",
    "RunRow",
    "Store",
    "StoreError",
    "StoredRelease",
    "database_url",
    "default_database_path",
]
