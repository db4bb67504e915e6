"""``steward vulns``: a tree's packages against advisories, with the monitoring store's
upstream releases deciding which upgrade fixes what is still open."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from steward.distro.tree import Distro
from steward.vuln.load import AdvisorySet
from steward.vuln.match import AdvisoryIndex, Finding, match_targets, profile_ecosystem
from steward.vuln.model import RecordError
from steward.vuln.tree import targets_for

if TYPE_CHECKING:
    from steward.store import Store
    from steward.upstream.fetch import FetchConfig
    from steward.vuln.publish import Publisher
    from steward.vuln.remote import Fetched

__all__ = [
    "Published",
    "SyncResult",
    "VulnReport",
    "publish_fixes",
    "scan_tree",
    "sync_sources",
    "upstream_releases",
]


@dataclass(slots=True)
class VulnReport:
    """Findings, the advisories read and the records that could not be read."""

    findings: list[Finding]
    advisories: int
    errors: list[RecordError] = field(default_factory=list)
    ecosystems: tuple[str, ...] | None = None
    packages: int = 0


def upstream_releases(
    store: Store, distro: Distro
) -> dict[str, tuple[str, str | None, Sequence[str]]]:
    """Per package: (packaged upstream version, recommended version, known releases)."""
    from steward.workflows.check import latest_rows

    result: dict[str, tuple[str, str | None, Sequence[str]]] = {}
    for row in latest_rows(store, distro):
        if row.upstream_key is None or row.current_version is None:
            continue
        versions = [s.release.version for s in store.releases_for(row.upstream_key)]
        result[row.package] = (row.current_version, row.recommended, versions)
    return result


def _ecosystems(distro: Distro, ecosystems: Sequence[str] | None) -> Sequence[str] | None:
    if ecosystems is not None and not ecosystems:
        own = profile_ecosystem(distro.profile.name)
        return (own,) if own else None
    return ecosystems


def scan_tree(
    distro: Distro,
    advisory_paths: Iterable[Path | str],
    *,
    ecosystems: Sequence[str] | None = (),
    upstream: Mapping[str, tuple[str, str | None, Sequence[str]]] | None = None,
    store: Store | None = None,
) -> VulnReport:
    """Match the tree against the advisories in ``advisory_paths`` (with none given and a
    ``store``, against the advisories ``steward vulns sync`` keeps there).

    ``ecosystems`` empty means the tree profile's own (``openEuler:24.03-LTS``); ``None``
    means every ecosystem (cross-distribution hints).
    """
    ecosystems = _ecosystems(distro, ecosystems)
    packages = list(targets_for(distro))
    paths = list(advisory_paths)
    if not paths and store is not None:
        from steward.store.advisories import load_advisories

        names = {name for target in packages for name in target.names}
        read = AdvisorySet(load_advisories(store, names, ecosystems))
    else:
        read = AdvisorySet.read(paths)
    index = AdvisoryIndex(read.advisories, ecosystems)
    findings = match_targets(packages, index, upstream)
    return VulnReport(
        findings,
        len(read.advisories),
        read.errors,
        tuple(ecosystems) if ecosystems is not None else None,
        len(packages),
    )


@dataclass(frozen=True, slots=True)
class SyncResult:
    """One source's sync: how many advisories it now holds, the records it could not read,
    and whether the stored advisories were replaced (a source that gave nothing readable
    keeps its previous import). ``unchanged``: a URL the server answered 304 for, so
    nothing was downloaded and the stored advisories stand. For a CSAF provider index,
    ``documents`` counts the documents downloaded (changed) and ``not_modified`` those
    answered 304."""

    key: str
    advisories: int
    errors: list[RecordError]
    replaced: bool
    unchanged: bool = False
    documents: int = 0
    not_modified: int = 0


def sync_sources(
    store: Store,
    sources: Iterable[Path | str],
    *,
    fetch: FetchConfig | None = None,
    validators: Path | None = None,
) -> list[SyncResult]:
    """Read each source and replace its stored advisories, one transaction per source.

    Sources starting with ``http://`` or ``https://`` are fetched through the fetch engine
    (``fetch`` configures it) conditionally, so unchanged feeds download nothing; the
    validators are kept in ``validators`` (default: ``advisory-validators.json`` in the
    user's cache folder); see :mod:`steward.vuln.remote`.
    """
    from steward.store.advisories import replace_source
    from steward.vuln.remote import is_url

    results = []
    urls = [str(s) for s in sources if isinstance(s, str) and is_url(s)]
    for source in sources:
        if isinstance(source, str) and is_url(source):
            continue
        key = str(Path(source).resolve())
        read = AdvisorySet.read([source])
        if not read.advisories and read.errors:
            results.append(SyncResult(key, 0, read.errors, replaced=False))
            continue
        replace_source(store, key, read.advisories, read.errors)
        results.append(SyncResult(key, len(read.advisories), read.errors, replaced=True))
    if urls:
        import asyncio

        results += asyncio.run(_sync_urls(store, urls, fetch, validators or _validators_file()))
    return results


def _stored(store: Store) -> dict[str, tuple[dt.datetime, int]]:
    from steward.store.advisories import advisory_sources

    return {row.key: (row.synced_at, row.advisories) for row in advisory_sources(store)}


def _keep(
    store: Store, fetched: Fetched, stored: Mapping[str, tuple[dt.datetime, int]]
) -> SyncResult:
    """Store one fetched document (unless unchanged, failed or unreadable)."""
    from steward.store.advisories import replace_source

    count = stored.get(fetched.url, (None, 0))[1]
    if fetched.unchanged:
        return SyncResult(fetched.url, count, [], replaced=False, unchanged=True)
    if fetched.failed or (not fetched.advisories and fetched.errors):
        return SyncResult(fetched.url, count, fetched.errors, replaced=False)
    replace_source(store, fetched.url, fetched.advisories, fetched.errors)
    return SyncResult(fetched.url, len(fetched.advisories), fetched.errors, replaced=True)


def _validators_file() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("steward")) / "advisory-validators.json"


async def _sync_urls(
    store: Store, urls: Sequence[str], config: FetchConfig | None, validators_file: Path
) -> list[SyncResult]:
    from steward.store.advisories import replace_source
    from steward.upstream.fetch import Fetcher
    from steward.vuln.remote import Validators, fetch_document, fetch_provider

    stored = _stored(store)
    cache = Validators(validators_file, store.url, set(stored))
    results: list[SyncResult] = []
    async with Fetcher(config, cache=cache) as fetcher:
        for url in urls:
            if not url.endswith(("/index.txt", "/changes.csv")):
                results.append(_keep(store, await fetch_document(fetcher, url), stored))
                continue
            since = stored[url][0] if url in stored else None
            if since is not None and since.tzinfo is None:
                since = since.replace(tzinfo=dt.UTC)
            unchanged, documents, errors = await fetch_provider(fetcher, url, since)
            kept = [_keep(store, document, stored) for document in documents]
            results += kept
            total = sum(r.advisories for r in kept)
            if unchanged:
                results.append(SyncResult(url, 0, [], replaced=False, unchanged=True))
                continue
            failed = [e for r in kept if not r.replaced and not r.unchanged for e in r.errors]
            if not any(r.replaced or r.unchanged for r in kept) and (errors or failed):
                results.append(SyncResult(url, 0, errors + failed, replaced=False))
                continue
            replace_source(store, url, [], errors)  # remembers when the index was read
            results.append(
                SyncResult(
                    url, total, errors, replaced=True,
                    documents=sum(1 for r in kept if r.replaced),
                    not_modified=sum(1 for r in kept if r.unchanged),
                )
            )  # fmt: skip
    for result in results:
        if not result.replaced and not result.unchanged:
            cache.forget(result.key)
    cache.save()
    return results


@dataclass(frozen=True, slots=True)
class Published:
    """The distribution's own fixes as a CSAF 2.0 VEX document and OSV records, both
    validated against their official schemas, with the scan they came from."""

    csaf: dict[str, Any]
    osv: list[dict[str, Any]]
    fixes: int
    report: VulnReport


def publish_fixes(
    distro: Distro,
    advisory_paths: Iterable[Path | str],
    *,
    created: dt.datetime,
    publisher: Publisher | None = None,
    upstream: Mapping[str, tuple[str, str | None, Sequence[str]]] | None = None,
    store: Store | None = None,
) -> Published:
    """Scan the tree (as :func:`scan_tree`, in the profile's ecosystem) and write what the
    distribution fixed: see :mod:`steward.vuln.publish`. A document that fails its schema
    is Steward's bug and raises ``RuntimeError``."""
    from steward import __version__
    from steward.sbom.inventory import inventory
    from steward.vuln.publish import Publisher as _Publisher
    from steward.vuln.publish import csaf_vex, distro_fixes, osv_records, product_for
    from steward.vuln.schema import csaf_errors, osv_errors

    ecosystem = profile_ecosystem(distro.profile.name) or distro.profile.name
    report = scan_tree(
        distro, advisory_paths, ecosystems=[ecosystem], upstream=upstream, store=store
    )
    fixes = distro_fixes(report.findings)
    packages = inventory(distro, report.findings, sorted({f.finding.package for f in fixes}))
    who = publisher or _Publisher()
    product = product_for(ecosystem)
    csaf = csaf_vex(fixes, packages, product=product, created=created, publisher=who,
                    version=__version__)  # fmt: skip
    osv = osv_records(fixes, packages, ecosystem=ecosystem, created=created, publisher=who)
    problems = csaf_errors(csaf) + [e for record in osv for e in osv_errors(record)]
    if problems:  # a bug in Steward, not in the tree: say so loudly
        raise RuntimeError(f"Steward wrote an invalid advisory: {problems[0]}")
    return Published(csaf, osv, len(fixes), report)
