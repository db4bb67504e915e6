"""Advisories in the store: ``steward vulns sync`` replaces a source's advisories in one
transaction (a sync that fails leaves the previous import whole); ``steward vulns`` loads
only the advisories that name one of the tree's packages."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, delete, insert, select

from steward.store.db import WRITE
from steward.store.models import AdvisoryName, AdvisoryRecord, AdvisorySourceRecord
from steward.vuln.model import Advisory, RecordError, advisory_from_dict

if TYPE_CHECKING:
    from steward.store.queries import Store

__all__ = ["SourceRow", "advisory_sources", "load_advisories", "replace_source"]

_SOURCES: Table = AdvisorySourceRecord.__table__  # type: ignore[assignment]
_ADVISORIES: Table = AdvisoryRecord.__table__  # type: ignore[assignment]
_NAMES: Table = AdvisoryName.__table__  # type: ignore[assignment]
_CHUNK = 500
#: How many of a source's unreadable records are kept with it (the count is always kept).
_KEPT_ERRORS = 100


@dataclass(frozen=True, slots=True)
class SourceRow:
    key: str
    synced_at: _dt.datetime
    advisories: int
    errors: list[dict[str, Any]]


def replace_source(
    store: Store, key: str, advisories: Sequence[Advisory], errors: Sequence[RecordError]
) -> None:
    """Make ``advisories`` the stored advisories of source ``key``, all or nothing."""
    now = _dt.datetime.now(_dt.UTC)
    kept = [e.to_dict() for e in errors[:_KEPT_ERRORS]]
    if len(errors) > _KEPT_ERRORS:
        kept.append({"origin": key, "record": None, "message": f"{len(errors)} errors in all"})
    with store.engine.connect() as connection:
        connection.execution_options(**{WRITE: True})
        with connection.begin():
            existing = connection.execute(
                select(_SOURCES.c.id).where(_SOURCES.c.key == key)
            ).scalar_one_or_none()
            if existing is not None:
                rows = select(_ADVISORIES.c.id).where(_ADVISORIES.c.source_id == existing)
                connection.execute(delete(_NAMES).where(_NAMES.c.advisory_row.in_(rows)))
                connection.execute(delete(_ADVISORIES).where(_ADVISORIES.c.source_id == existing))
                connection.execute(
                    _SOURCES.update()
                    .where(_SOURCES.c.id == existing)
                    .values(synced_at=now, advisories=len(advisories), errors=kept)
                )
                source_id = existing
            else:
                source_id = connection.execute(
                    insert(_SOURCES)
                    .values(key=key, synced_at=now, advisories=len(advisories), errors=kept)
                    .returning(_SOURCES.c.id)
                ).scalar_one()
            for start in range(0, len(advisories), _CHUNK):
                chunk = advisories[start : start + _CHUNK]
                ids = connection.execute(
                    insert(_ADVISORIES).returning(_ADVISORIES.c.id, sort_by_parameter_order=True),
                    [
                        {"source_id": source_id, "advisory_id": a.id, "document": a.to_dict()}
                        for a in chunk
                    ],
                ).scalars()
                names = []
                for row, advisory in zip(ids, chunk, strict=True):
                    seen = set()
                    for entry in advisory.affected:
                        for name in filter(None, (entry.name, entry.purl_name)):
                            if (name, entry.ecosystem) not in seen:
                                seen.add((name, entry.ecosystem))
                                names.append(
                                    {
                                        "advisory_row": row,
                                        "name": name,
                                        "ecosystem": entry.ecosystem,
                                    }
                                )
                if names:
                    connection.execute(insert(_NAMES), names)


def load_advisories(
    store: Store, names: Iterable[str], ecosystems: Sequence[str] | None
) -> list[Advisory]:
    """The stored advisories naming one of ``names`` in one of ``ecosystems`` (``None``:
    any ecosystem), each once."""
    wanted = sorted(set(names))
    rows: dict[int, dict[str, Any]] = {}
    with store.engine.connect() as connection:
        for start in range(0, len(wanted), _CHUNK):
            query = (
                select(_ADVISORIES.c.id, _ADVISORIES.c.document)
                .join(_NAMES, _NAMES.c.advisory_row == _ADVISORIES.c.id)
                .where(_NAMES.c.name.in_(wanted[start : start + _CHUNK]))
            )
            if ecosystems is not None:
                query = query.where(_NAMES.c.ecosystem.in_(list(ecosystems)))
            for row_id, document in connection.execute(query):
                rows[row_id] = document
    return [advisory_from_dict(rows[key]) for key in sorted(rows)]


def advisory_sources(store: Store) -> list[SourceRow]:
    """Every stored source, by key."""
    with store.engine.connect() as connection:
        result = connection.execute(select(_SOURCES).order_by(_SOURCES.c.key))
        return [SourceRow(r.key, r.synced_at, r.advisories, list(r.errors)) for r in result]
