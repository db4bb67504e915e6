"""``steward health``: join the tree, the monitoring store, git history and the forge.

The job reads, per package: the reverse-dependency graph from the tree's specs, the
release history the monitoring store keeps for the package's upstream (``steward check``
fills it), the package repository's git history, and, when given, the forge's pull
requests and issues; then computes every metric of :mod:`steward.health` and summarises
per SIG and for the distribution. A package whose history or data cannot be read gets its
metrics that could be computed plus the error; it never stops the run.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from steward.distro.tree import Distro, PackageRecord
from steward.health.graph import DependencyGraph, PackageDeps
from steward.health.history import HistoryError, HistoryResult, read_histories
from steward.health.lag import UpstreamRelease, technical_lag, upstream_activity
from steward.health.maintenance import Change, maintenance
from steward.health.ownership import Ownership
from steward.health.review import ForgeItem, review
from steward.health.status import StatusRules, classify, is_early_warning
from steward.health.summary import DistroHealth, PackageHealth, lag_series, summarise

if TYPE_CHECKING:
    from steward.config import Config
    from steward.health.forge import ForgeRepo
    from steward.store import Store

__all__ = [
    "HealthOptions",
    "dependency_graph",
    "fetch_forge",
    "parse_forge",
    "read_release_history",
    "run_health",
    "security_from_advisories",
]

#: Points of the "lag over time" series: the end of each of the last eight quarters.
_SERIES_POINTS = 8


@dataclass(frozen=True, slots=True)
class HealthOptions:
    """What a health run is given besides the tree (all optional)."""

    ownership: Ownership | None = None
    rules: StatusRules = field(default_factory=StatusRules)
    now: _dt.datetime | None = None
    history: bool = True
    #: Worker processes reading git histories (``None``: one per CPU for large trees).
    jobs: int | None = None


@dataclass(frozen=True, slots=True)
class PackageReleases:
    """What the store knows of one package: the checked version and its upstream's releases."""

    upstream: str | None
    current: str | None
    releases: tuple[UpstreamRelease, ...]


def dependency_graph(distro: Distro) -> DependencyGraph:
    """The tree's reverse-dependency graph (BuildRequires, Requires, Provides of every spec)."""
    return DependencyGraph.build(
        PackageDeps(
            name=p.name,
            binaries=(p.spec_name or p.name, *p.subpackages),
            provides=p.provides,
            build_requires=p.build_requires,
            requires=p.requires,
        )
        for p in distro
    )


def read_release_history(store: Store, tree: str) -> dict[str, PackageReleases]:
    """Every package of ``tree`` the store has checked, with its upstream's stored releases.

    Two queries whatever the tree's size: the latest checks, then every release of the
    upstreams they name.
    """
    from sqlalchemy import Table, select

    from steward.store.models import UpstreamRecord, UpstreamReleaseRecord

    upstreams: Table = UpstreamRecord.__table__  # type: ignore[assignment]
    releases: Table = UpstreamReleaseRecord.__table__  # type: ignore[assignment]
    checks = store.latest_checks(tree)
    wanted = {c.upstream_key for c in checks if c.upstream_key}
    by_key: dict[str, list[UpstreamRelease]] = {key: [] for key in wanted}
    query = select(
        upstreams.c.key, releases.c.version, releases.c.released_at, releases.c.prerelease
    ).join(upstreams, upstreams.c.id == releases.c.upstream_id)
    with store.engine.connect() as connection:
        for row in connection.execute(query):
            if row.key in by_key:
                by_key[row.key].append(
                    UpstreamRelease(row.version, row.released_at, row.prerelease)
                )
    return {
        c.package: PackageReleases(
            c.upstream_key,
            c.current_version,
            tuple(by_key.get(c.upstream_key, ())) if c.upstream_key else (),
        )
        for c in checks
    }


def _quarter_ends(now: _dt.datetime, count: int) -> list[_dt.datetime]:
    moments = []
    year, month = now.year, now.month
    for _ in range(count):
        month -= (month - 1) % 3 + 1  # back to the last month of the previous quarter
        if month <= 0:
            month += 12
            year -= 1
        first_of_next = _dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=_dt.UTC)
        moments.append(first_of_next - _dt.timedelta(seconds=1))
    return sorted([*moments, now])[-count:]


def _package_health(
    record: PackageRecord,
    *,
    graph: DependencyGraph,
    known: PackageReleases | None,
    forge: Sequence[ForgeItem] | None,
    forge_error: str | None,
    read: HistoryResult | None,
    security: Mapping[str, Any] | None,
    options: HealthOptions,
    now: _dt.datetime,
    moments: Sequence[_dt.datetime],
) -> PackageHealth:
    errors: list[str] = [f"forge: {forge_error}"] if forge_error else []
    releases = known.releases if known else ()
    current = record.version or (known.current if known else None)
    lag = technical_lag(current, releases, now=now) if known and releases else None
    activity = upstream_activity(releases, now=now) if releases else None
    changes: list[Change] = []
    history = None
    if isinstance(read, HistoryError):
        errors.append(f"history: {read}")
    elif read is not None:
        changes = read
        dates = {r.version: r.date for r in releases}
        history = maintenance(changes, now=now, release_dates=dates)
    forge_review = review(forge, now=now) if forge is not None else None
    people = options.ownership.people_of(record.name) if options.ownership else None
    verdict = classify(
        people=people, lag=lag, maintenance=history, review=forge_review, rules=options.rules
    )
    dependents = len(graph.dependents(record.name))
    warning = is_early_warning(
        verdict=verdict, lag=lag, upstream=activity, dependents=dependents, rules=options.rules
    )
    return PackageHealth(
        name=record.name,
        sig=options.ownership.sig_of(record.name) if options.ownership else None,
        version=current,
        dependents=dependents,
        verdict=verdict,
        lag=lag,
        upstream=activity,
        maintenance=history,
        review=forge_review,
        security=security,
        early_warning=warning,
        lag_history=lag_series(changes, releases, moments) if changes and releases else (),
        errors=tuple(errors),
    )


def run_health(
    distro: Distro,
    *,
    store: Store | None = None,
    tree: str | None = None,
    forge: Mapping[str, Sequence[ForgeItem]] | None = None,
    forge_errors: Mapping[str, str] | None = None,
    security: Mapping[str, Mapping[str, Any]] | None = None,
    options: HealthOptions | None = None,
) -> DistroHealth:
    """The health of every package of ``distro``.

    ``store`` holds the release history (``None``: no lag metrics); ``tree`` is the key the
    store knows the tree by (default: its absolute path, as ``steward check`` stores it).
    ``forge`` maps a package to its pull requests and issues (``forge_errors`` to why they
    could not be read, see :func:`fetch_forge`), ``security`` to its open
    vulnerabilities summary (from the vulnerability work, when it exists).
    """
    options = options or HealthOptions()
    now = options.now or _dt.datetime.now(_dt.UTC)
    key = tree or str(Path(distro.root).resolve())
    history = read_release_history(store, key) if store is not None else {}
    graph = dependency_graph(distro)
    moments = _quarter_ends(now, _SERIES_POINTS)
    histories: list[HistoryResult | None] = [None] * len(distro)
    if options.history:
        histories = list(
            read_histories(
                [(p.folder, p.spec_path.name if p.spec_path else None) for p in distro],
                jobs=options.jobs,
            )
        )
    records = [
        _package_health(
            record,
            graph=graph,
            known=history.get(record.name),
            forge=forge.get(record.name) if forge is not None else None,
            forge_error=(forge_errors or {}).get(record.name),
            read=read,
            security=security.get(record.name) if security is not None else None,
            options=options,
            now=now,
            moments=moments,
        )
        for record, read in zip(distro, histories, strict=True)
    ]
    return summarise(key, records, now=now)


def parse_forge(text: str) -> tuple[str, str]:
    """``gitee:src-openeuler`` -> (``gitee``, ``src-openeuler``): the forge and the owner
    under which every package has its repository of the same name."""
    from steward.health.forge import FORGE_APIS

    kind, _, owner = text.partition(":")
    if kind not in FORGE_APIS or not owner or "/" in owner:
        forges = ", ".join(FORGE_APIS)
        raise ValueError(f"--forge takes KIND:OWNER with KIND one of {forges}, not {text!r}")
    return kind, owner


def fetch_forge(
    packages: Sequence[str], kind: str, owner: str, config: Config
) -> tuple[dict[str, list[ForgeItem]], dict[str, str]]:
    """Every package's pull requests and issues on the forge, and the packages that failed.

    Requests go through the upstream engine with the user's network settings and tokens
    (``GITHUB_TOKEN``, ``GITEE_TOKEN``, bound to their hosts).
    """
    import asyncio

    from steward.health.forge import ForgeError, ForgeRepo, fetch_forge_items
    from steward.upstream.credentials import Credentials
    from steward.upstream.fetch import Fetcher, FetchError
    from steward.workflows.check import fetch_config

    credentials = Credentials.from_env()
    if config.network.key_file is not None:
        credentials = credentials | Credentials.from_file(config.network.key_file)
    items: dict[str, list[ForgeItem]] = {}
    errors: dict[str, str] = {}

    async def one(fetcher: Fetcher, name: str, repo: ForgeRepo) -> None:
        try:
            items[name] = await fetch_forge_items(fetcher, repo)
        except (FetchError, ForgeError, ValueError) as exc:
            errors[name] = str(exc)

    async def every() -> None:
        async with Fetcher(fetch_config(config, None), credentials=credentials) as fetcher:
            await asyncio.gather(
                *(one(fetcher, n, ForgeRepo(kind, f"{owner}/{n}")) for n in packages)  # type: ignore[arg-type]
            )

    asyncio.run(every())
    return items, errors


def security_from_advisories(
    distro: Distro, advisories: Sequence[Path], store: Store | None, *, now: _dt.datetime
) -> dict[str, dict[str, Any]]:
    """Security debt per package from ``steward vulns``' matching of ``advisories`` (or of
    the advisories kept in the store when none is given)."""
    from steward.health.security import OpenVulnerability, security_debt
    from steward.vuln.match import Status
    from steward.workflows.vulns import scan_tree, upstream_releases

    upstream = upstream_releases(store, distro) if store is not None else None
    report = scan_tree(distro, advisories, upstream=upstream, store=store)
    still_open = (Status.AFFECTED, Status.FIXED_BY_UPGRADE, Status.AMBIGUOUS)

    def published(text: str | None) -> _dt.datetime | None:
        try:
            return _dt.datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None
        except ValueError:
            return None

    return security_debt(
        (
            OpenVulnerability(
                f.package, f.advisory.id, published(f.advisory.published), f.needs_action
            )
            for f in report.findings
            if f.status in still_open
        ),
        now=now,
    )
