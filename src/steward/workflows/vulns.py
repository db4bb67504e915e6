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

__all__ = ["VulnReport", "scan_tree", "upstream_releases"]


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


def scan_tree(
    distro: Distro,
    advisory_paths: Iterable[Path | str],
    *,
    ecosystems: Sequence[str] | None = (),
    upstream: Mapping[str, tuple[str, str | None, Sequence[str]]] | None = None,
) -> VulnReport:
    """Match the tree against the advisories in ``advisory_paths``.

    ``ecosystems`` empty means the tree profile's own (``openEuler:24.03-LTS``); ``None``
    means every ecosystem (cross-distribution hints).
    """
    read = AdvisorySet.read(advisory_paths)
    if ecosystems is not None and not ecosystems:
        own = profile_ecosystem(distro.profile.name)
        ecosystems = (own,) if own else None
    index = AdvisoryIndex(read.advisories, ecosystems)
    packages = list(targets_for(distro))
    findings = match_targets(packages, index, upstream)
    return VulnReport(
        findings,
        len(read.advisories),
        read.errors,
        tuple(ecosystems) if ecosystems is not None else None,
        len(packages),
    )
