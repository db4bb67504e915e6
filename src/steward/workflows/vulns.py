"""``steward vulns``: a tree's packages against advisories, with the monitoring store's
upstream releases deciding which upgrade fixes what is still open."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from steward.distro.tree import Distro
from steward.vuln.load import AdvisorySet
from steward.vuln.match import AdvisoryIndex, Finding, match_targets, profile_ecosystem
from steward.vuln.model import RecordError
from steward.vuln.tree import targets_for

if TYPE_CHECKING:
    from steward.store import Store

__all__ = ["SyncResult", "VulnReport", "scan_tree", "sync_sources", "upstream_releases"]


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
    keeps its previous import)."""

    key: str
    advisories: int
    errors: list[RecordError]
    replaced: bool


def sync_sources(store: Store, sources: Iterable[Path | str]) -> list[SyncResult]:
    """Read each source and replace its stored advisories, one transaction per source."""
    from steward.store.advisories import replace_source

    results = []
    for source in sources:
        key = str(Path(source).resolve())
        read = AdvisorySet.read([source])
        if not read.advisories and read.errors:
            results.append(SyncResult(key, 0, read.errors, replaced=False))
            continue
        replace_source(store, key, read.advisories, read.errors)
        results.append(SyncResult(key, len(read.advisories), read.errors, replaced=True))
    return results
