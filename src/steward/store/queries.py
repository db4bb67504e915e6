"""The :class:`Store`: everything Steward keeps between runs, behind one synchronous object.

Writes come in batches: the check engine's writer task hands :meth:`Store.record_results`
many results at once and each call is one transaction, so ten thousand results cost a few
dozen commits, and a run killed at any moment keeps every batch committed before it.
Upserts use the dialect's ``INSERT ... ON CONFLICT`` (SQLite and PostgreSQL alike), sent
as one ``executemany`` per table. Reads return plain dataclasses (:mod:`.records`).

.. code-block:: python

    with Store.open() as store:                      # $STEWARD_DB, else the user data dir
        run = store.unfinished_run(tree)             # an interrupted run of this tree?
        run_id = run.id if run else store.start_run(tree, total=len(packages))
        done = store.done_in_run(run_id)             # skip what that run already stored
        for batch in batches(p for p in packages if p.name not in done):
            outcome = store.record_results(run_id, [check(p) for p in batch])
        store.finish_run(run_id)
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from types import TracebackType
from typing import Any, Self, TypeVar

from sqlalchemy import Connection, Engine, Row, Table, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from steward.store.db import WRITE, StoreError, create_store_engine, database_url, migrate
from steward.store.models import (
    PackageCheck,
    Run,
    UpstreamRecord,
    UpstreamReleaseRecord,
    UpstreamState,
)
from steward.store.records import CheckRecord, CheckRow, RecordOutcome, RunRow, StoredRelease
from steward.upstream.recommend import Status
from steward.upstream.sources.base import Upstream
from steward.upstream.state import pack_state
from steward.upstream.versions import Release

__all__ = ["Store"]

_UPSTREAMS: Table = UpstreamRecord.__table__  # type: ignore[assignment]
_RELEASES: Table = UpstreamReleaseRecord.__table__  # type: ignore[assignment]
_CHECKS: Table = PackageCheck.__table__  # type: ignore[assignment]
_RUNS: Table = Run.__table__  # type: ignore[assignment]
_STATES: Table = UpstreamState.__table__  # type: ignore[assignment]
_OTHER = _RELEASES.alias("other")

# Keys per IN (...) list: far below SQLite's and PostgreSQL's bound-parameter limits.
_CHUNK = 500
# Fields a failed check may not overwrite: they describe the last successful one.
_KEPT_ON_FAILURE = (
    "last_success_at",
    "status",
    "newest",
    "newest_stable",
    "recommended",
    "versions_behind",
    "days_behind",
    "current_exists_upstream",
    "reason",
)


def _utcnow() -> _dt.datetime:
    return _dt.datetime.now(_dt.UTC)


_T = TypeVar("_T")


def _chunks(items: Sequence[_T], size: int = _CHUNK) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Store:
    """Steward's persistent state in one SQL database (SQLite by default, or PostgreSQL).

    Thread-safe: each call checks a connection out of the engine's pool, so the check
    engine may call it from a writer thread while HTTP cache lookups run on others.
    """

    def __init__(self, engine: Engine) -> None:
        """Wrap an engine made by :func:`~steward.store.db.create_store_engine` whose schema
        is current; :meth:`open` does both."""
        self._engine = engine

    @classmethod
    def open(cls, url: str | os.PathLike[str] | None = None) -> Self:
        """Open (creating or upgrading the schema if needed) the store at ``url``.

        ``url`` is a SQLAlchemy URL or a SQLite file path; ``None`` means ``$STEWARD_DB``,
        else ``steward.db`` in the user's data directory (see
        :func:`~steward.store.db.database_url`). Raises :class:`~steward.store.db.StoreError`
        when the database cannot be reached or its schema is not one Steward knows.
        """
        engine = create_store_engine(database_url(url))
        try:
            migrate(engine)
        except BaseException:
            engine.dispose()
            raise
        return cls(engine)

    @property
    def engine(self) -> Engine:
        return self._engine

    @property
    def url(self) -> str:
        """The database URL, password hidden."""
        return self._engine.url.render_as_string(hide_password=True)

    def connection_url(self) -> str:
        """The database URL with its password, to open the same database elsewhere.

        Never log or print it; :attr:`url` is the one to show.
        """
        return self._engine.url.render_as_string(hide_password=False)

    def close(self) -> None:
        """Release every connection."""
        self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        with self._engine.connect() as connection:
            connection.execution_options(**{WRITE: True})
            with connection.begin():
                yield connection

    def _insert(self, connection: Connection, table: Table) -> Any:
        """The dialect's INSERT, the one that has ``on_conflict_do_*``."""
        if connection.dialect.name == "postgresql":
            return postgresql.insert(table)
        if connection.dialect.name == "sqlite":
            return sqlite.insert(table)
        raise StoreError(f"the store supports SQLite and PostgreSQL, not {connection.dialect.name}")

    # ------------------------------------------------------------------ runs

    def start_run(self, tree: str, total: int, options: Mapping[str, Any] | None = None) -> int:
        """Record the start of a check of ``total`` packages in ``tree``; the run's id.

        ``options`` (JSON-serialisable) are what the run was asked to do, kept so that a
        resumed run can be told apart from a different one.
        """
        with self._writing() as connection:
            run_id = connection.execute(
                _RUNS.insert()
                .values(
                    tree=tree,
                    started_at=_utcnow(),
                    packages_total=total,
                    packages_done=0,
                    failures=0,
                    options=dict(options or {}),
                )
                .returning(_RUNS.c.id)
            ).scalar_one()
        return int(run_id)

    def finish_run(self, run_id: int) -> None:
        """Mark the run finished: it is no longer offered for resuming."""
        with self._writing() as connection:
            self._count_run(connection, run_id)
            connection.execute(
                update(_RUNS).where(_RUNS.c.id == run_id).values(finished_at=_utcnow())
            )

    def run(self, run_id: int) -> RunRow | None:
        with self._engine.connect() as connection:
            row = connection.execute(select(_RUNS).where(_RUNS.c.id == run_id)).one_or_none()
        return _run_row(row) if row is not None else None

    def unfinished_run(self, tree: str) -> RunRow | None:
        """The tree's latest run if it never finished (it was interrupted), else ``None``.

        Only the latest run counts: starting a new run abandons older unfinished ones.
        """
        with self._engine.connect() as connection:
            row = connection.execute(
                select(_RUNS).where(_RUNS.c.tree == tree).order_by(_RUNS.c.id.desc()).limit(1)
            ).one_or_none()
        if row is None or row.finished_at is not None:
            return None
        return _run_row(row)

    def done_in_run(self, run_id: int) -> set[str]:
        """The packages whose result in this run is stored: what a resumed run skips."""
        with self._engine.connect() as connection:
            return set(
                connection.execute(
                    select(_CHECKS.c.package).where(_CHECKS.c.run_id == run_id)
                ).scalars()
            )

    def _count_run(self, connection: Connection, run_id: int) -> None:
        # Counted, not incremented: a package recorded twice in one run counts once.
        in_run = _CHECKS.c.run_id == run_id
        done = select(func.count()).select_from(_CHECKS).where(in_run).scalar_subquery()
        failed = (
            select(func.count())
            .select_from(_CHECKS)
            .where(in_run, _CHECKS.c.error_code.is_not(None))
            .scalar_subquery()
        )
        connection.execute(
            update(_RUNS).where(_RUNS.c.id == run_id).values(packages_done=done, failures=failed)
        )

    # ------------------------------------------------------------------ results

    def record_results(self, run_id: int | None, results: Sequence[CheckRecord]) -> RecordOutcome:
        """Store a batch of check results in one transaction.

        Per package the latest check is replaced (a failure keeps the last successful
        answer, see :class:`~steward.store.records.CheckRow`); every listed release is
        upserted under its upstream, ``first_seen`` set only when it is new; the run's
        counters are updated. When one package appears twice, its last record wins. HTTP
        cache entries buffered by :meth:`http_cache` are written in the same transaction.
        """
        latest: dict[tuple[str, str], CheckRecord] = {}
        for record in results:
            latest[(record.tree, record.package)] = record
        upstreams: dict[str, Upstream] = {}
        listed: dict[str, dict[str, Release]] = {}
        relisted: set[str] = set()  # upstreams that answered 304: the same list as last time
        for record in latest.values():
            if record.upstream is None:
                continue
            key = record.upstream.key
            upstreams.setdefault(key, record.upstream)
            if record.unchanged and not record.failed and not record.releases:
                relisted.add(key)
                continue
            versions = listed.setdefault(key, {})
            for release in record.releases:
                versions.setdefault(release.version, release)
        relisted -= listed.keys()

        now = _utcnow()
        with self._writing() as connection:
            ids, created = self._ensure_upstreams(connection, upstreams, now)
            new_releases = self._upsert_releases(connection, listed, ids, created, now)
            self._relist(connection, [ids[key] for key in relisted], now)
            self._upsert_checks(connection, run_id, list(latest.values()), ids)
            self._write_states(connection, latest.values(), now)
            if run_id is not None:
                self._count_run(connection, run_id)
        return RecordOutcome(new_releases, frozenset(created))

    def _ensure_upstreams(
        self, connection: Connection, upstreams: Mapping[str, Upstream], now: _dt.datetime
    ) -> tuple[dict[str, int], set[str]]:
        """Ids of ``upstreams`` by key, inserting the missing; and the keys inserted."""
        ids = self._upstream_ids(connection, list(upstreams))
        missing = [key for key in upstreams if key not in ids]
        if missing:
            statement = self._insert(connection, _UPSTREAMS).on_conflict_do_nothing(
                index_elements=[_UPSTREAMS.c.key]
            )
            connection.execute(
                statement,
                [
                    {
                        "key": key,
                        "kind": upstreams[key].kind,
                        "project": upstreams[key].project,
                        "created_at": now,
                    }
                    for key in missing
                ],
            )
            ids.update(self._upstream_ids(connection, missing))
        return ids, set(missing)

    def _upstream_ids(self, connection: Connection, keys: Sequence[str]) -> dict[str, int]:
        ids: dict[str, int] = {}
        for chunk in _chunks(keys):
            query = select(_UPSTREAMS.c.key, _UPSTREAMS.c.id).where(_UPSTREAMS.c.key.in_(chunk))
            ids.update({key: upstream_id for key, upstream_id in connection.execute(query)})
        return ids

    def _relist(
        self, connection: Connection, upstream_ids: Sequence[int], now: _dt.datetime
    ) -> None:
        """The upstreams list what they listed last time: those releases were seen again.

        Every release listed by one check shares its ``last_seen``, the newest of the
        upstream's; releases no longer listed have older ones and keep them.
        """
        for chunk in _chunks(upstream_ids):
            # One grouped pass, then UPDATE ... FROM: a correlated max() per row costs the
            # square of an upstream's release count.
            newest = (
                select(_OTHER.c.upstream_id, func.max(_OTHER.c.last_seen).label("newest"))
                .where(_OTHER.c.upstream_id.in_(chunk))
                .group_by(_OTHER.c.upstream_id)
                .subquery()
            )
            connection.execute(
                _RELEASES.update()
                .where(
                    _RELEASES.c.upstream_id == newest.c.upstream_id,
                    _RELEASES.c.last_seen == newest.c.newest,
                )
                .values(last_seen=now)
            )

    def _upsert_releases(
        self,
        connection: Connection,
        listed: Mapping[str, Mapping[str, Release]],
        ids: Mapping[str, int],
        created: set[str],
        now: _dt.datetime,
    ) -> dict[str, tuple[Release, ...]]:
        """Upsert the listed releases; the ones stored for the first time, by upstream key."""
        known: set[tuple[int, str]] = set()
        # A new upstream has no stored releases; only the others need looking up.
        old_ids = [ids[key] for key, versions in listed.items() if versions and key not in created]
        for chunk in _chunks(old_ids):
            query = select(_RELEASES.c.upstream_id, _RELEASES.c.version).where(
                _RELEASES.c.upstream_id.in_(chunk)
            )
            known.update(tuple(row) for row in connection.execute(query))

        # Values go to the driver as they are (see _executemany): timestamps are converted
        # here, and the batch time only once.
        to_driver = _RELEASES.c.first_seen.type.bind_processor(connection.dialect)
        driver_time: Callable[[Any], Any] = to_driver if to_driver is not None else _same
        seen = driver_time(now)
        rows: list[dict[str, Any]] = []
        inserts: list[dict[str, Any]] = []  # releases of upstreams stored for the first time
        new: dict[str, tuple[Release, ...]] = {}
        stored: dict[int, set[str]] = {}
        for upstream_id, version in known:
            stored.setdefault(upstream_id, set()).add(version)
        unchanged: list[int] = []
        for key, versions in listed.items():
            upstream_id = ids[key]
            if stored.get(upstream_id) == set(versions):
                # The common re-check: the upstream lists exactly what is stored. Only
                # last_seen moves, for all its releases at once, below.
                unchanged.append(upstream_id)
                continue
            fresh = []
            # A new upstream has nothing to conflict with: a plain INSERT is much cheaper.
            target = inserts if key in created else rows
            for release in versions.values():
                if (upstream_id, release.version) not in known:
                    fresh.append(release)
                target.append(
                    {
                        "upstream_id": upstream_id,
                        "version": release.version,
                        "tag": release.tag,
                        "released_at": driver_time(release.date),
                        "url": release.url,
                        "prerelease": release.prerelease,
                        "first_seen": seen,
                        "last_seen": seen,
                    }
                )
            if fresh:
                new[key] = tuple(fresh)
        if rows:
            statement = self._insert(connection, _RELEASES)
            excluded = statement.excluded
            upsert = statement.on_conflict_do_update(
                index_elements=[_RELEASES.c.upstream_id, _RELEASES.c.version],
                # first_seen is deliberately absent: it is written once, on insert.
                # An upstream that stops giving a date or a flag does not erase it.
                set_={
                    "tag": excluded.tag,
                    "url": func.coalesce(excluded.url, _RELEASES.c.url),
                    "released_at": func.coalesce(excluded.released_at, _RELEASES.c.released_at),
                    "prerelease": func.coalesce(excluded.prerelease, _RELEASES.c.prerelease),
                    "last_seen": excluded.last_seen,
                },
            )
            _executemany(connection, upsert, rows)
        if inserts:
            _executemany(connection, _RELEASES.insert(), inserts)
        for chunk in _chunks(unchanged):
            connection.execute(
                _RELEASES.update().where(_RELEASES.c.upstream_id.in_(chunk)).values(last_seen=now)
            )
        return new

    def _write_states(
        self, connection: Connection, records: Iterable[CheckRecord], now: _dt.datetime
    ) -> None:
        """Replace the upstream states the records carry; forget those of fetches that left
        nothing to revalidate; an unchanged upstream's state stays as it is."""
        replaced: dict[str, bytes] = {}
        forgotten: set[str] = set()
        for record in records:
            if record.state_key is None or record.failed:
                continue
            if record.state is not None:
                replaced[record.state_key] = record.state
            elif not record.unchanged:
                forgotten.add(record.state_key)
        forgotten -= replaced.keys()
        for chunk in _chunks(sorted(forgotten)):
            connection.execute(_STATES.delete().where(_STATES.c.key.in_(chunk)))
        if replaced:
            statement = self._insert(connection, _STATES)
            connection.execute(
                statement.on_conflict_do_update(
                    index_elements=[_STATES.c.key],
                    set_={"state": statement.excluded.state, "stored_at": now},
                ),
                [{"key": k, "state": pack_state(v), "stored_at": now} for k, v in replaced.items()],
            )

    def upstream_states(self) -> dict[str, bytes]:
        """Every stored upstream state by key, for a check run to start from: the engine's
        JSON, compressed (:func:`steward.upstream.state.pack_state`; ``decode_state`` reads it)."""
        with self._engine.connect() as connection:
            rows = connection.execute(select(_STATES.c.key, _STATES.c.state))
            return {key: state for key, state in rows}

    def _upsert_checks(
        self,
        connection: Connection,
        run_id: int | None,
        records: Sequence[CheckRecord],
        ids: Mapping[str, int],
    ) -> None:
        succeeded = [_check_values(r, run_id, ids) for r in records if not r.failed]
        failed = [_check_values(r, run_id, ids) for r in records if r.failed]
        conflict = [_CHECKS.c.tree, _CHECKS.c.package]
        if succeeded:
            statement = self._insert(connection, _CHECKS)
            replaced = {
                name: statement.excluded[name]
                for name in succeeded[0]
                if name not in ("tree", "package")
            }
            connection.execute(
                statement.on_conflict_do_update(index_elements=conflict, set_=replaced),
                succeeded,
            )
        if failed:
            statement = self._insert(connection, _CHECKS)
            excluded = statement.excluded
            updated: dict[str, Any] = {
                name: excluded[name]
                for name in failed[0]
                if name not in ("tree", "package", *_KEPT_ON_FAILURE)
            }
            # A failure that got as far as resolving its upstream names it; one that did
            # not leaves the last known upstream in place.
            for name in ("upstream_id", "upstream_kind", "origin"):
                updated[name] = func.coalesce(excluded[name], _CHECKS.c[name])
            connection.execute(
                statement.on_conflict_do_update(index_elements=conflict, set_=updated), failed
            )

    # ------------------------------------------------------------------ reads

    def releases_for(self, upstream_key: str) -> list[StoredRelease]:
        """Every release stored for the upstream, in the order Steward first saw them."""
        query = (
            select(_RELEASES)
            .join(_UPSTREAMS, _UPSTREAMS.c.id == _RELEASES.c.upstream_id)
            .where(_UPSTREAMS.c.key == upstream_key)
            .order_by(_RELEASES.c.first_seen, _RELEASES.c.version)
        )
        with self._engine.connect() as connection:
            return [
                StoredRelease(
                    Release(row.tag, row.version, row.released_at, row.url, row.prerelease),
                    row.first_seen,
                    row.last_seen,
                )
                for row in connection.execute(query)
            ]

    def latest_checks(self, tree: str) -> list[CheckRow]:
        """The latest check of every package of ``tree`` stored so far, by package name."""
        with self._engine.connect() as connection:
            rows = connection.execute(
                self._checks_query().where(_CHECKS.c.tree == tree).order_by(_CHECKS.c.package)
            )
            return [_check_row(row) for row in rows]

    def last_known(self, tree: str, package: str) -> CheckRow | None:
        """The latest stored check of one package, ``None`` if it was never checked."""
        query = self._checks_query().where(_CHECKS.c.tree == tree, _CHECKS.c.package == package)
        with self._engine.connect() as connection:
            row = connection.execute(query).one_or_none()
        return _check_row(row) if row is not None else None

    @staticmethod
    def _checks_query() -> Any:
        return select(_CHECKS, _UPSTREAMS.c.key.label("upstream_key")).outerjoin(
            _UPSTREAMS, _UPSTREAMS.c.id == _CHECKS.c.upstream_id
        )


def _same(value: Any) -> Any:
    return value


def _executemany(connection: Connection, statement: Any, rows: list[dict[str, Any]]) -> None:
    """Execute ``statement`` once per row, handing the rows to the driver unprocessed.

    SQLAlchemy's ``executemany`` runs its per-parameter machinery in Python for every row;
    for the ~200,000 release rows of a 10,000-package batch that was two thirds of the
    write time (2 s of 3 on SQLite). Here the statement is compiled once and the driver
    gets plain tuples (positional dialects) or the dicts themselves (named ones), so the
    values must already be what the driver accepts: the caller converts timestamps with the
    column type's own bind processor. The row dicts must all have the same keys.
    """
    compiled = statement.compile(dialect=connection.dialect, column_keys=list(rows[0]))
    if compiled.positional:
        order = compiled.positiontup or []
        connection.exec_driver_sql(compiled.string, [tuple(row[k] for k in order) for row in rows])
    else:
        connection.exec_driver_sql(compiled.string, rows)


def _check_values(
    record: CheckRecord, run_id: int | None, ids: Mapping[str, int]
) -> dict[str, Any]:
    recommendation = record.recommendation
    upstream = record.upstream

    def version(release: Release | None) -> str | None:
        return release.version if release is not None else None

    return {
        "tree": record.tree,
        "package": record.package,
        "checked_at": record.checked_at,
        "last_success_at": None if record.failed else record.checked_at,
        "run_id": run_id,
        "upstream_id": ids.get(upstream.key) if upstream is not None else None,
        "upstream_kind": upstream.kind if upstream is not None else None,
        "origin": upstream.origin if upstream is not None else None,
        "current_version": record.current_version,
        "status": recommendation.status.value if recommendation else None,
        "newest": version(recommendation.newest) if recommendation else None,
        "newest_stable": version(recommendation.newest_stable) if recommendation else None,
        "recommended": version(recommendation.recommended) if recommendation else None,
        "versions_behind": recommendation.versions_behind if recommendation else None,
        "days_behind": recommendation.days_behind if recommendation else None,
        "current_exists_upstream": (
            recommendation.current_exists_upstream if recommendation else None
        ),
        "reason": recommendation.reason if recommendation else None,
        "error_code": record.error_code,
        "error_message": record.error_message,
    }


def _check_row(row: Row[Any]) -> CheckRow:
    return CheckRow(
        tree=row.tree,
        package=row.package,
        checked_at=row.checked_at,
        last_success_at=row.last_success_at,
        run_id=row.run_id,
        upstream_key=row.upstream_key,
        upstream_kind=row.upstream_kind,
        origin=row.origin,
        current_version=row.current_version,
        status=Status(row.status) if row.status is not None else None,
        newest=row.newest,
        newest_stable=row.newest_stable,
        recommended=row.recommended,
        versions_behind=row.versions_behind,
        days_behind=row.days_behind,
        current_exists_upstream=row.current_exists_upstream,
        reason=row.reason,
        error_code=row.error_code,
        error_message=row.error_message,
    )


def _run_row(row: Row[Any]) -> RunRow:
    return RunRow(
        id=row.id,
        tree=row.tree,
        started_at=row.started_at,
        finished_at=row.finished_at,
        packages_total=row.packages_total,
        packages_done=row.packages_done,
        failures=row.failures,
        options=dict(row.options or {}),
    )
