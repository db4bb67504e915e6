"""The store's tables, as SQLAlchemy 2.0 typed models shared by SQLite and PostgreSQL.

The schema itself is created and upgraded by the Alembic revisions in
``steward/store/migrations``; these models are what the queries are written against and
what ``alembic revision --autogenerate`` compares with. Timestamps are stored in UTC and
always come back timezone-aware (:class:`UTCDateTime`), whatever the backend.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeEngine, UserDefinedType

__all__ = [
    "AdvisoryName",
    "AdvisoryRecord",
    "AdvisorySourceRecord",
    "Base",
    "HttpCacheEntry",
    "PackageCheck",
    "Run",
    "TakenVersion",
    "UTCDateTime",
    "UpstreamRecord",
    "UpstreamReleaseRecord",
    "UpstreamState",
]

# Named constraints let later Alembic revisions drop or alter them (SQLite batch mode needs
# names to find them again).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class _SQLiteTimestamp(UserDefinedType[str]):
    """SQLite's ``DATETIME`` column as plain text, with no SQLAlchemy processing."""

    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "DATETIME"


class UTCDateTime(TypeDecorator[_dt.datetime]):
    """A timestamp stored in UTC and read back as an aware UTC ``datetime``.

    PostgreSQL stores ``timestamptz`` and returns it in the session's zone; it is converted
    to UTC here. SQLite has no date type: the column is declared ``DATETIME`` and holds the
    same ``YYYY-MM-DD HH:MM:SS.ffffff`` UTC text SQLAlchemy would write, but formatted and
    parsed with ``isoformat``/``fromisoformat`` directly, since a batch of 10,000 checks
    binds some 600,000 timestamps and SQLAlchemy's generic processor would triple the cost
    of the whole write. A naive value on the way in is taken to be UTC already.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return _SQLiteTimestamp()
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is not None and value.utcoffset():
            value = value.astimezone(_dt.UTC)
        if dialect.name == "sqlite":
            # The first 26 characters are the date and time, without any "+00:00".
            return value.isoformat(" ", "microseconds")[:26]
        return value if value.tzinfo is not None else value.replace(tzinfo=_dt.UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> _dt.datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = _dt.datetime.fromisoformat(value)
        if value.tzinfo is None:
            return value.replace(tzinfo=_dt.UTC)  # type: ignore[no-any-return]
        return value.astimezone(_dt.UTC)  # type: ignore[no-any-return]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads this class attribute
        _dt.datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
    }


class UpstreamRecord(Base):
    """One upstream (``Upstream.key``); packages sharing an upstream share its releases."""

    __tablename__ = "upstreams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(Text, unique=True)
    kind: Mapped[str] = mapped_column(String(64))
    project: Mapped[str] = mapped_column(Text)
    created_at: Mapped[_dt.datetime]


class UpstreamReleaseRecord(Base):
    """A release an upstream has published, with when Steward first and last saw it.

    ``first_seen`` is written once and never updated, so the gap between ``released_at``
    (what upstream says) and ``first_seen`` (when Steward noticed) stays answerable.
    """

    __tablename__ = "upstream_releases"

    upstream_id: Mapped[int] = mapped_column(
        ForeignKey("upstreams.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[str] = mapped_column(Text, primary_key=True)
    tag: Mapped[str] = mapped_column(Text)
    released_at: Mapped[_dt.datetime | None]
    url: Mapped[str | None] = mapped_column(Text)
    prerelease: Mapped[bool | None] = mapped_column(Boolean)
    first_seen: Mapped[_dt.datetime]
    last_seen: Mapped[_dt.datetime]


class Run(Base):
    """One ``steward check`` over a tree; unfinished (resumable) until ``finished_at`` is set."""

    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tree: Mapped[str] = mapped_column(Text, index=True)
    started_at: Mapped[_dt.datetime]
    finished_at: Mapped[_dt.datetime | None]
    packages_total: Mapped[int] = mapped_column(Integer, default=0)
    packages_done: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)


class PackageCheck(Base):
    """The latest check of one package of one tree.

    A failed check updates only the error, ``checked_at``, ``run_id`` and the packaged
    version: what upstream looked like at ``last_success_at`` (newest, recommended, status,
    distance) is kept, so a flaky upstream does not erase the last known answer.
    """

    __tablename__ = "package_checks"
    __table_args__ = (
        UniqueConstraint("tree", "package"),
        Index("ix_package_checks_run_id", "run_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tree: Mapped[str] = mapped_column(Text)
    package: Mapped[str] = mapped_column(Text)
    checked_at: Mapped[_dt.datetime]
    last_success_at: Mapped[_dt.datetime | None]
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id", ondelete="SET NULL"))
    upstream_id: Mapped[int | None] = mapped_column(ForeignKey("upstreams.id", ondelete="SET NULL"))
    upstream_kind: Mapped[str | None] = mapped_column(String(64))
    origin: Mapped[str | None] = mapped_column(String(32))
    current_version: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str | None] = mapped_column(String(32))
    newest: Mapped[str | None] = mapped_column(Text)
    newest_stable: Mapped[str | None] = mapped_column(Text)
    recommended: Mapped[str | None] = mapped_column(Text)
    versions_behind: Mapped[int | None] = mapped_column(Integer)
    days_behind: Mapped[int | None] = mapped_column(Integer)
    current_exists_upstream: Mapped[bool | None] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(Text)
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)


class HttpCacheEntry(Base):
    """A cached 200 response, keyed by the SHA-256 of its logical URL.

    Hashing keeps the key short whatever the URL's length (PostgreSQL limits index entries);
    the URL is kept too, for humans and for telling a hash collision from a hit. The body is
    zlib-compressed: API JSON and listing pages shrink five to ten times.
    """

    __tablename__ = "http_cache"

    url_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    status: Mapped[int] = mapped_column(Integer, default=200)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    headers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    stored_at: Mapped[_dt.datetime]


class UpstreamState(Base):
    """What the last successful fetch of an upstream saw, and the answers computed from it.

    ``state`` is the engine's own JSON (:func:`steward.upstream.state.encode_state`),
    zlib-compressed (a sixth of the size): the ETag/Last-Modified of every response the
    backend read, the releases it made of them, and the answers computed from those. The
    next check asks upstream whether those responses changed, one conditional request
    each; when none did, the stored answer stands and nothing is downloaded or parsed.
    ``key`` is the upstream's key plus the base URL its backend was given.
    """

    __tablename__ = "upstream_states"

    key: Mapped[str] = mapped_column(Text, primary_key=True)
    state: Mapped[bytes] = mapped_column(LargeBinary)
    stored_at: Mapped[_dt.datetime]


class TakenVersion(Base):
    """The upstream version a maintainer last took for a package (``steward take``).

    ``reason`` is ``packaged`` (it is, or is being, packaged) or ``ignored`` (not worth
    packaging); either way ``steward new`` reports only releases newer than it.
    """

    __tablename__ = "taken_versions"

    tree: Mapped[str] = mapped_column(Text, primary_key=True)
    package: Mapped[str] = mapped_column(Text, primary_key=True)
    version: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(16))
    taken_at: Mapped[_dt.datetime]


class AdvisorySourceRecord(Base):
    """One advisory source ``steward vulns sync`` keeps (a file, folder, zip or URL): when it
    was last read, how many advisories it gave and the records it could not read."""

    __tablename__ = "advisory_sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(Text, unique=True)
    synced_at: Mapped[_dt.datetime]
    advisories: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class AdvisoryRecord(Base):
    """A normalised advisory (``steward.vuln.model.Advisory.to_dict()``) of a source."""

    __tablename__ = "advisories"
    __table_args__ = (Index("ix_advisories_source_id", "source_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("advisory_sources.id", ondelete="CASCADE"))
    advisory_id: Mapped[str] = mapped_column(Text)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)


class AdvisoryName(Base):
    """The package names (and their ecosystem) an advisory names: the match index."""

    __tablename__ = "advisory_names"
    __table_args__ = (Index("ix_advisory_names_name", "name"),)

    advisory_row: Mapped[int] = mapped_column(
        ForeignKey("advisories.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(Text, primary_key=True)
    ecosystem: Mapped[str] = mapped_column(Text, primary_key=True)
