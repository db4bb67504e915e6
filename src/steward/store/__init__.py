"""Steward's persistent state: checks, upstream releases, runs and the HTTP cache.

SQLite (WAL) in the user's data directory by default, PostgreSQL when configured, through the
same SQLAlchemy models; the schema is created and upgraded by Alembic when the store opens.

Start with :class:`Store` (:meth:`Store.open`); the values it takes and returns are in
:mod:`steward.store.records`, and where the database lives is decided in :mod:`steward.store.db`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from steward._lazy import lazy_attributes
from steward.store.errors import StoreError

if TYPE_CHECKING:
    from steward.store.location import database_url, default_database_path
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

# Loaded on first use: SQLAlchemy takes a quarter of a second to import, and most commands
# never need it (a check loads it in its store thread, while the tree loads).
_LAZY = {
    "CheckRecord": "steward.store.records",
    "CheckRow": "steward.store.records",
    "RecordOutcome": "steward.store.records",
    "RunRow": "steward.store.records",
    "StoredRelease": "steward.store.records",
    "Store": "steward.store.queries",
    "database_url": "steward.store.location",
    "default_database_path": "steward.store.location",
}


__getattr__ = lazy_attributes(__name__, _LAZY)
