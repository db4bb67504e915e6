"""Taken versions: ``steward take`` records them, ``steward new`` compares upstream with them.

nvchecker keeps an "old version" file that ``nvtake`` updates and ``nvcmp`` compares with
the newest versions; Steward keeps the same per tree and package in the store, next to the
checks it compares them with.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from sqlalchemy import Table, delete, select

from steward.store.models import TakenVersion

if TYPE_CHECKING:
    from steward.store.queries import Store

__all__ = ["REASONS", "Taken", "forget", "take", "taken_versions"]

#: Why a version was taken.
REASONS: Final = ("packaged", "ignored")

_TABLE: Table = TakenVersion.__table__  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class Taken:
    """One package's taken version."""

    package: str
    version: str
    reason: str
    taken_at: _dt.datetime


def take(store: Store, tree: str, package: str, version: str, reason: str) -> Taken | None:
    """Record ``version`` for ``package`` of ``tree``; the version it replaces, if any."""
    if reason not in REASONS:
        raise ValueError(f"reason must be one of {', '.join(REASONS)}, not {reason!r}")
    now = _dt.datetime.now(_dt.UTC)
    previous = taken_versions(store, tree, [package]).get(package)
    with store.engine.connect() as connection, connection.begin():
        connection.execute(delete(_TABLE).where(_TABLE.c.tree == tree, _TABLE.c.package == package))
        connection.execute(
            _TABLE.insert().values(
                tree=tree, package=package, version=version, reason=reason, taken_at=now
            )
        )
    return previous


def forget(store: Store, tree: str, package: str) -> bool:
    """Remove the taken version of ``package``; whether there was one."""
    with store.engine.connect() as connection, connection.begin():
        done = connection.execute(
            delete(_TABLE).where(_TABLE.c.tree == tree, _TABLE.c.package == package)
        )
    return bool(done.rowcount)


def taken_versions(store: Store, tree: str, packages: list[str] | None = None) -> dict[str, Taken]:
    """The taken versions of ``tree`` (of ``packages`` only, when given), by package."""
    query = select(_TABLE).where(_TABLE.c.tree == tree)
    if packages is not None:
        query = query.where(_TABLE.c.package.in_(packages))
    with store.engine.connect() as connection:
        return {
            row.package: Taken(row.package, row.version, row.reason, row.taken_at)
            for row in connection.execute(query)
        }
