"""The fake upstream's data model: releases, RPM packages, faults and per-project snapshots.

Everything here is plain data. A :class:`Project` holds an immutable :class:`Snapshot`; a
mutation builds a new snapshot, so a body rendered from the old one can never be cached under
the new one (the server renders on its event-loop thread while a test mutates from another).
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import zlib
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, TypeVar

from multidict import CIMultiDictProxy, MultiMapping

T = TypeVar("T")

#: Releases without a date get one: this epoch plus 30 days per position in the list, so
#: list order and date order agree unless the test says otherwise.
DEFAULT_EPOCH = datetime(2020, 1, 1, 12, 0, 0, tzinfo=UTC)
DEFAULT_STEP = timedelta(days=30)

KINDS = (
    "github",
    "gitlab",
    "gitee",
    "gitea",
    "pypi",
    "npm",
    "crates",
    "rubygems",
    "metacpan",
    "hackage",
    "gnome",
    "sourceforge",
    "maven",
    "html",
    "rpmrepo",
    "page",
)


@dataclass(frozen=True, slots=True)
class FakeRelease:
    """One upstream release (or bare tag) as a test describes it.

    ``tag`` is the git tag for forges; registries and listings use :attr:`number`, which is
    ``version`` when given and ``tag`` otherwise, so ``FakeRelease("1.2.3")`` is enough for
    PyPI. ``date`` is an ISO 8601 string (``"2024-05-01"`` or a full timestamp) or a datetime.

    >>> FakeRelease("v1.2.3").number, FakeRelease("v1.2.3", version="1.2.3").number
    ('v1.2.3', '1.2.3')
    """

    tag: str
    version: str | None = None
    date: str | datetime | None = None
    prerelease: bool = False
    #: A draft forge release: listed only to authenticated clients, never tagged.
    draft: bool = False
    #: Yanked (PyPI, crates), deprecated (npm, Hackage), removed (RubyGems), backpan (CPAN).
    yanked: bool = False
    #: A git tag with no release object on the forge.
    tag_only: bool = False
    #: File name in listings (HTML, SourceForge, GNOME); default from the project's template.
    filename: str | None = None
    title: str | None = None
    #: Extra fields merged into this release's JSON item (forges and registries).
    extra: Mapping[str, Any] | None = None

    @property
    def number(self) -> str:
        """The version string registries and listings publish."""
        return self.version if self.version is not None else self.tag

    @classmethod
    def from_json(cls, value: str | Mapping[str, Any]) -> FakeRelease:
        """Build from a seed document entry: a bare tag string or a dict of fields."""
        if isinstance(value, str):
            return cls(value)
        known = {f.name for f in fields(cls)}
        unknown = set(value) - known
        if unknown:
            raise ValueError(f"unknown release field(s) {sorted(unknown)} in {dict(value)!r}")
        return cls(**value)


@dataclass(frozen=True, slots=True)
class RpmPackage:
    """One package entry of an RPM repository's ``primary.xml``."""

    name: str
    epoch: str = "0"
    version: str = "1.0"
    release: str = "1"
    arch: str = "src"
    summary: str = ""
    url: str = ""
    license: str = "MIT"

    @classmethod
    def coerce(cls, value: RpmPackage | Iterable[str] | Mapping[str, Any]) -> RpmPackage:
        """Accept a package, a ``(name, epoch, version, release[, arch])`` row or a dict."""
        if isinstance(value, RpmPackage):
            return value
        if isinstance(value, Mapping):
            return cls(**value)
        row = [str(item) for item in value]
        if not 4 <= len(row) <= 5:
            raise ValueError(
                f"an RPM package row is (name, epoch, version, release[, arch]): {row}"
            )
        return cls(*row)


@dataclass(frozen=True, slots=True)
class Faults:
    """What goes wrong, set globally, per project or per path (most specific wins).

    The ``*_rate`` faults pick URLs by a seeded hash of the path, not by a random draw per
    request, so two tools scanning the same packages meet the same broken URLs.
    """

    #: Seconds added to every response, applied with ``asyncio.sleep``.
    latency: float = 0.0
    #: Above ``latency``: each response's delay is drawn uniformly between the two, as a
    #: real network's round trips and server times vary.
    latency_max: float = 0.0
    #: Never answer (the handler waits until the server stops or ``hang_seconds`` pass).
    hang: bool = False
    #: Send headers and half the body, then stall.
    hang_body: bool = False
    hang_seconds: float = 3600.0
    #: Answer this status ...
    status: int | None = None
    #: ... for the first N requests to each path, then normally (None: always).
    times: int | None = None
    #: ``Retry-After`` value (seconds) sent with ``status`` (e.g. with 429 or 503).
    retry_after: int | None = None
    #: Serve the real body cut in half (invalid JSON/XML).
    malformed: bool = False
    #: Serve a body of this many MiB instead, streamed in chunks.
    huge_mb: float = 0.0
    #: Send Content-Length with the huge body (False: chunked, size unknown up front).
    huge_length: bool = True
    #: Redirect to this path or absolute URL (e.g. a non-loopback address).
    redirect: str | None = None
    redirect_status: int = 302
    #: Fraction of URLs (by path) that hang.
    hang_rate: float = 0.0
    #: Fraction of URLs (by path) that answer ``error_status``.
    error_rate: float = 0.0
    error_status: int = 503
    #: Selected URLs fail only their first N requests (None: always).
    error_times: int | None = None
    seed: int = 0

    def picks(self, rate: float, salt: str, path: str) -> bool:
        """Whether ``path`` is among the ``rate`` fraction selected by this seed."""
        if rate <= 0.0:
            return False
        draw = zlib.crc32(f"{self.seed}:{salt}:{path}".encode()) / 0xFFFFFFFF
        return draw < rate

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> Faults:
        known = {f.name for f in fields(cls)}
        unknown = set(value) - known
        if unknown:
            raise ValueError(f"unknown fault field(s) {sorted(unknown)}")
        return cls(**value)


@dataclass(frozen=True, slots=True)
class Rendered:
    """A response body ready to send, with its validator and extra headers."""

    body: bytes
    content_type: str
    etag: str
    headers: tuple[tuple[str, str], ...] = ()
    status: int = 200


@dataclass(frozen=True, slots=True)
class Req:
    """The parts of an HTTP request that endpoints read."""

    base: str  # scheme://host[:port]
    path: str  # raw (still percent-encoded) path
    query: MultiMapping[str]
    headers: CIMultiDictProxy[str]
    body: bytes = b""

    @property
    def authenticated(self) -> bool:
        return "Authorization" in self.headers or "PRIVATE-TOKEN" in self.headers

    def wants_json(self) -> bool:
        return "json" in self.headers.get("Accept", "")


@dataclass(frozen=True)
class Snapshot:
    """One immutable state of a project; ``cache`` memoises bodies rendered from it."""

    releases: tuple[FakeRelease, ...]
    dates: tuple[datetime, ...]
    packages: tuple[RpmPackage, ...]
    options: Mapping[str, Any]
    modified: datetime
    generation: int
    cache: dict[Hashable, Any] = field(default_factory=dict, compare=False)

    def memo(self, key: Hashable, make: Callable[[], T]) -> T:
        """Render once per snapshot; a lost race just renders twice, which is harmless."""
        try:
            cached: T = self.cache[key]
            return cached
        except KeyError:
            value = self.cache[key] = make()
            return value

    def dated(self) -> list[tuple[FakeRelease, datetime]]:
        return list(zip(self.releases, self.dates, strict=True))


class Project:
    """An upstream project of one kind; routes point at it and read its current snapshot."""

    def __init__(
        self,
        kind: str,
        name: str,
        number: int,
        releases: Iterable[FakeRelease | str],
        packages: Iterable[RpmPackage | Iterable[str] | Mapping[str, Any]] = (),
        options: Mapping[str, Any] | None = None,
    ) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}; known kinds: {', '.join(KINDS)}")
        self.kind = kind
        self.name = name
        #: A stable numeric id (GitHub repository id, GitLab project id, ...).
        self.id = number
        self.faults: Faults | None = None
        self.snapshot = self._build(
            [_coerce_release(r) for r in releases],
            [RpmPackage.coerce(p) for p in packages],
            dict(options or {}),
            generation=0,
            modified=None,
        )

    def _build(
        self,
        releases: list[FakeRelease],
        packages: list[RpmPackage],
        options: dict[str, Any],
        generation: int,
        modified: datetime | None,
    ) -> Snapshot:
        dates = tuple(
            parse_date(r.date) if r.date is not None else DEFAULT_EPOCH + i * DEFAULT_STEP
            for i, r in enumerate(releases)
        )
        if modified is None:
            # A freshly seeded project was "last modified" at its newest release, like a
            # registry document; later mutations use the wall clock.
            modified = max(dates, default=DEFAULT_EPOCH)
        return Snapshot(
            releases=tuple(releases),
            dates=dates,
            packages=tuple(packages),
            options=options,
            modified=modified,
            generation=generation,
        )

    def update(
        self,
        *,
        releases: Iterable[FakeRelease | str] | None = None,
        add: Iterable[FakeRelease | str] = (),
        packages: Iterable[RpmPackage | Iterable[str] | Mapping[str, Any]] | None = None,
        add_packages: Iterable[RpmPackage | Iterable[str] | Mapping[str, Any]] = (),
        options: Mapping[str, Any] | None = None,
    ) -> Snapshot:
        """Replace or extend releases/packages/options; returns the new snapshot."""
        old = self.snapshot
        new_releases = (
            [_coerce_release(r) for r in releases] if releases is not None else list(old.releases)
        )
        new_releases += [_coerce_release(r) for r in add]
        new_packages = (
            [RpmPackage.coerce(p) for p in packages] if packages is not None else list(old.packages)
        )
        for pkg in (RpmPackage.coerce(p) for p in add_packages):
            # A newer build of the same name and arch replaces the old entry, as in a repo.
            new_packages = [p for p in new_packages if (p.name, p.arch) != (pkg.name, pkg.arch)]
            new_packages.append(pkg)
        new_options = {**old.options, **(options or {})}
        # Last-Modified has one-second resolution: make sure a change always moves it.
        now = datetime.now(UTC).replace(microsecond=0)
        modified = max(now, old.modified.replace(microsecond=0) + timedelta(seconds=1))
        self.snapshot = self._build(
            new_releases, new_packages, new_options, old.generation + 1, modified
        )
        return self.snapshot


def _coerce_release(value: FakeRelease | str | Mapping[str, Any]) -> FakeRelease:
    if isinstance(value, FakeRelease):
        return value
    return FakeRelease.from_json(value)


def with_fields(release: FakeRelease, **changes: Any) -> FakeRelease:
    """A copy of ``release`` with some fields changed."""
    return replace(release, **changes)


# ---------------------------------------------------------------------------------------------
# Dates, hashes and serialisation shared by the API modules. The formatters are memoised:
# rendering 10,000 projects formats the same dates and hashes the same tags many times over.


def parse_date(value: str | datetime) -> datetime:
    """Parse an ISO 8601 date or timestamp; naive values are taken as UTC."""
    if isinstance(value, datetime):
        parsed = value
    else:
        text = value.strip()
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


@functools.lru_cache(maxsize=1 << 16)
def iso_z(moment: datetime) -> str:
    """``2024-01-02T03:04:05Z`` (GitHub, Gitea)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@functools.lru_cache(maxsize=1 << 16)
def iso_ms_z(moment: datetime) -> str:
    """``2024-01-02T03:04:05.000Z`` (npm, RubyGems)."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@functools.lru_cache(maxsize=1 << 16)
def iso_offset(moment: datetime, hours: int = 0, digits: int = 3) -> str:
    """``2024-01-02T03:04:05.000+00:00`` (GitLab, crates.io with 6 digits, Gitee +08:00)."""
    local = moment.astimezone(timezone(timedelta(hours=hours)))
    frac = f".{local.microsecond:06d}"[: digits + 1] if digits else ""
    sign = "+" if hours >= 0 else "-"
    return local.strftime("%Y-%m-%dT%H:%M:%S") + frac + f"{sign}{abs(hours):02d}:00"


@functools.lru_cache(maxsize=1 << 16)
def http_date(moment: datetime) -> str:
    """RFC 9110 IMF-fixdate, as in Last-Modified."""
    return moment.astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")


@functools.lru_cache(maxsize=1 << 16)
def fake_sha(*parts: str, length: int = 40) -> str:
    """A deterministic hex digest standing in for a commit id or file checksum."""
    return hashlib.sha256(":".join(parts).encode()).hexdigest()[:length]


def make_etag(body: bytes) -> str:
    """A strong validator: a quoted hash of the exact body bytes."""
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def dumps(obj: Any) -> bytes:
    """Compact JSON, as the real APIs send it."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def json_response(
    obj: Any,
    headers: tuple[tuple[str, str], ...] = (),
    *,
    content_type: str = "application/json; charset=utf-8",
    status: int = 200,
) -> Rendered:
    body = dumps(obj)
    return Rendered(body, content_type, make_etag(body), headers, status)


def text_response(text: str | bytes, content_type: str, status: int = 200) -> Rendered:
    body = text.encode() if isinstance(text, str) else text
    return Rendered(body, content_type, make_etag(body), (), status)


_NATURAL = re.compile(r"(\d+)")


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A route's target: how to render one document of one project.

    ``vary`` names the request parts the body depends on (page, per_page, Accept ...); bodies
    are memoised per snapshot under that key, so an unchanged project is never re-serialised.
    """

    project: Project
    name: str
    render: Callable[[Project, Snapshot, Req], Rendered]
    vary: Callable[[Req], Hashable] | None = None

    def respond(self, req: Req) -> Rendered:
        snap = self.project.snapshot
        key: Hashable = (self.name, self.vary(req)) if self.vary is not None else self.name
        return snap.memo(key, lambda: self.render(self.project, snap, req))


def natural_key(text: str) -> tuple[Any, ...]:
    """Order ``1.10`` after ``1.9`` (GitLab's ``order_by=version`` and similar)."""
    return tuple(int(p) if p.isdigit() else p for p in _NATURAL.split(text))
