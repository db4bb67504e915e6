"""Matching advisories to a tree's packages: by source name, binary subpackage name and
purl, through an index by package name (no advisories × packages loop).

Each (package, advisory) pair that names the package gives one :class:`Finding` with a
status: ``affected``, ``fixed-by-backport`` (the spec carries the fix, with the patch or
changelog line as evidence), ``fixed-by-upgrade`` (the smallest upstream release from the
monitoring store that fixes it, and whether the recommended upgrade reaches it),
``not-affected`` or ``ambiguous`` (the epoch policy of the source cannot decide).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from steward.rpm.version import rpmvercmp
from steward.vuln.backport import Evidence, SpecEvidence
from steward.vuln.model import Advisory, AffectedPackage, Statement
from steward.vuln.ranges import Package, compare, is_affected

__all__ = [
    "AdvisoryIndex",
    "Finding",
    "Status",
    "Target",
    "fixing_release",
    "match_targets",
    "profile_ecosystem",
]


class Status(enum.StrEnum):
    AFFECTED = "affected"
    FIXED_BY_BACKPORT = "fixed-by-backport"
    FIXED_BY_UPGRADE = "fixed-by-upgrade"
    NOT_AFFECTED = "not-affected"
    AMBIGUOUS = "ambiguous"


_PROFILE_ECOSYSTEMS = {
    "openeuler-24.03": "openEuler:24.03-LTS",
    "openeuler-22.03": "openEuler:22.03-LTS",
    "fedora-41": "Fedora:41",
}


def profile_ecosystem(profile: str) -> str | None:
    """The advisory ecosystem of a distro profile.

    >>> profile_ecosystem("openeuler-24.03")
    'openEuler:24.03-LTS'
    """
    return _PROFILE_ECOSYSTEMS.get(profile)


@dataclass(frozen=True, slots=True)
class Target:
    """A source package to match: its names and the EVR of what it builds.

    ``evr`` is the built EVR (with the distribution's dist tag); ``binaries`` the
    subpackages the spec's ``%package`` list makes. ``evidence`` is called for the spec's
    backport evidence only when some advisory hits the package (reading patches costs).
    """

    name: str
    evr: str
    binaries: tuple[str, ...] = ()
    source_name: str | None = None
    purl_names: tuple[str, ...] = ()
    evidence: Callable[[], SpecEvidence] | None = field(default=None, compare=False)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(
            dict.fromkeys(
                (self.name, *((self.source_name,) if self.source_name else ()), *self.binaries)
            )
        )


@dataclass(frozen=True, slots=True)
class Finding:
    """One advisory's verdict on one source package."""

    package: str
    evr: str
    advisory: Advisory
    status: Status
    reason: str
    matched_by: str  # "source", "binary NAME", "purl"
    binaries: tuple[str, ...] = ()
    fixed: str | None = None
    upgrade: str | None = None
    recommended: str | None = None
    recommended_covers: bool | None = None
    evidence: tuple[Evidence, ...] = ()
    justification: str | None = None
    readings: dict[str, bool] = field(default_factory=dict)

    @property
    def severity(self) -> str | None:
        return self.advisory.severity

    @property
    def needs_action(self) -> bool:
        """Affected with no fix planned: no fixing upgrade, or the recommended upgrade stops
        short of it (what makes ``steward vulns`` exit 1)."""
        if self.status is Status.AFFECTED:
            return True
        return self.status is Status.FIXED_BY_UPGRADE and self.recommended_covers is False

    def to_dict(self) -> dict[str, Any]:
        return {
            "package": self.package,
            "evr": self.evr,
            "advisory": self.advisory.id,
            "aliases": list(self.advisory.aliases),
            "cves": list(self.advisory.cves),
            "severity": self.severity,
            "score": self.advisory.max_score,
            "status": self.status.value,
            "reason": self.reason,
            "matched_by": self.matched_by,
            "binaries": list(self.binaries),
            "fixed": self.fixed,
            "upgrade": self.upgrade,
            "recommended": self.recommended,
            "recommended_covers": self.recommended_covers,
            "needs_action": self.needs_action,
            "justification": self.justification,
            "readings": self.readings,
            "evidence": [e.to_dict() for e in self.evidence],
            "source": {
                "format": self.advisory.format,
                "publisher": self.advisory.publisher,
                "epoch_policy": self.advisory.epoch_policy.value,
                "origin": self.advisory.origin,
            },
        }


class AdvisoryIndex:
    """Advisories' affected entries by package name (and purl name), for one or more
    ecosystems (``None``: every ecosystem)."""

    def __init__(self, advisories: Iterable[Advisory], ecosystems: Iterable[str] | None) -> None:
        wanted = None if ecosystems is None else frozenset(ecosystems)
        self.by_name: dict[str, list[tuple[Advisory, AffectedPackage]]] = {}
        self.count = 0
        for advisory in advisories:
            if advisory.withdrawn:
                continue
            self.count += 1
            for entry in advisory.affected:
                if wanted is not None and entry.ecosystem not in wanted:
                    continue
                self.by_name.setdefault(entry.name, []).append((advisory, entry))
                if entry.purl_name:
                    self.by_name.setdefault(entry.purl_name, []).append((advisory, entry))

    def entries(self, name: str) -> list[tuple[Advisory, AffectedPackage]]:
        return self.by_name.get(name, [])


def fixing_release(fixed: str | None, current_version: str, releases: Sequence[str]) -> str | None:
    """The smallest upstream release past ``current_version`` that contains the fix.

    An advisory's ``fixed`` is a distribution EVR (``2.13.1-3.oe2403``) or an upstream
    version (``3.1.5``): a distribution fix at version V is in every upstream release after
    V (an upgrade to V itself would restart the release count below the fix); an upstream
    fix V is in V and later. Without a known fix nothing can be said (``None``).

    >>> fixing_release("2.13.1-3.oe2403", "2.13.1", ["2.13.1", "2.14", "2.14.1"])
    '2.14'
    >>> fixing_release("3.1.5", "3.1.4", ["3.1.4", "3.1.5", "3.1.6"])
    '3.1.5'
    """
    if fixed is None:
        return None
    body = fixed.split(":", 1)[1] if ":" in fixed and fixed.split(":", 1)[0].isdigit() else fixed
    version, dash, _release = body.rpartition("-")
    distro_fix = bool(dash)
    if not distro_fix:
        version = body
    candidates = []
    for release in releases:
        if rpmvercmp(release, current_version) <= 0:
            continue
        relation = rpmvercmp(release, version)
        if relation > 0 or (relation == 0 and not distro_fix):
            candidates.append(release)
    if not candidates:
        return None
    best = candidates[0]
    for release in candidates[1:]:
        if rpmvercmp(release, best) < 0:
            best = release
    return best


def _statement_finding(
    target: Target, advisory: Advisory, entry: AffectedPackage, matched_by: str
) -> Finding | None:
    if entry.statement is Statement.KNOWN_NOT_AFFECTED and (
        not entry.versions or any(_same(target.evr, v) for v in entry.versions)
    ):
        return Finding(
            target.name,
            target.evr,
            advisory,
            Status.NOT_AFFECTED,
            f"the advisory states {entry.name} is not affected",
            matched_by,
            justification=entry.justification,
        )
    return None


def _same(evr: str, other: str) -> bool:
    from steward.rpm.version import compare_evr

    return compare_evr(evr, other) == 0


def _evaluate(
    target: Target, advisory: Advisory, entry: AffectedPackage, matched_by: str
) -> Finding | None:
    stated = _statement_finding(target, advisory, entry, matched_by)
    if stated is not None:
        return stated
    if not entry.ranges and not entry.versions:
        return None
    verdict = is_affected(Package(target.evr), entry.ranges, entry.versions, advisory.epoch_policy)
    binaries = target.binaries if matched_by == "source" else ()
    if verdict.ambiguous:
        readings = verdict.readings
        reason = (
            f"{target.evr} against {verdict.fixed or 'the range'}: "
            f"{'affected' if readings['vr'] else 'not affected'} if the advisory's version "
            f"has the package's epoch, {'affected' if readings['rpm'] else 'not affected'} "
            f"if its missing epoch is 0; the source ({advisory.publisher}) documents neither"
        )
        return Finding(
            target.name, target.evr, advisory, Status.AMBIGUOUS, reason, matched_by,
            binaries, fixed=verdict.fixed, readings=readings,
        )  # fmt: skip
    if not verdict.affected:
        fixes = [e.value for r in entry.ranges for e in r.events if e.kind == "fixed"]
        package = Package(target.evr)
        policy_reading = "rpm" if advisory.epoch_policy.value == "explicit" else "vr"
        past = bool(fixes) and all(compare(package, f, policy_reading) >= 0 for f in fixes)
        reason = (
            f"{target.evr} is at or past the fix {fixes[-1]}"
            if past
            else f"{target.evr} is outside the affected range"
        )
        return Finding(
            target.name, target.evr, advisory, Status.NOT_AFFECTED, reason, matched_by,
            fixed=fixes[-1] if fixes else None,
        )  # fmt: skip
    fixed = verdict.fixed
    reason = f"{target.evr} is before the fix {fixed}" if fixed else f"{target.evr} is affected"
    if verdict.last_affected:
        reason = f"{target.evr} is at or before the last affected {verdict.last_affected}"
    return Finding(
        target.name, target.evr, advisory, Status.AFFECTED, reason, matched_by, binaries,
        fixed=fixed,
    )  # fmt: skip


def _match_one(target: Target, index: AdvisoryIndex) -> list[Finding]:
    chosen: dict[tuple[str, tuple[str, ...], str], Finding] = {}
    order = {"source": 0, "purl": 1}
    for name in target.names:
        for advisory, entry in index.entries(name):
            if name == target.name or name == target.source_name:
                matched_by = "source"
            else:
                matched_by = f"binary {name}"
            finding = _evaluate(target, advisory, entry, matched_by)
            if finding is None:
                continue
            key = (advisory.id, advisory.aliases, advisory.origin)
            previous = chosen.get(key)
            if previous is None or order.get(matched_by, 2) < order.get(previous.matched_by, 2):
                chosen[key] = finding
    return list(chosen.values())


def _apply_backports(finding: Finding, evidence: SpecEvidence) -> Finding:
    import dataclasses

    cves = finding.advisory.cves
    if not cves:
        return finding
    found = [c for c in cves if evidence.fixes(c)]
    items = tuple(e for c in cves for e in evidence.for_cve(c))
    if found and len(found) == len(cves):
        named = ", ".join(sorted({Path(e.path).name for e in items if e.kind != "unapplied-patch"}))
        return dataclasses.replace(
            finding,
            status=Status.FIXED_BY_BACKPORT,
            reason=f"{finding.reason}, but the spec backports {', '.join(found)} ({named})",
            evidence=items,
            justification="inline_mitigations_already_exist",
        )
    if items:
        missing = [c for c in cves if c not in found]
        note = f"; no backport of {', '.join(missing)} in the spec"
        if any(e.kind == "unapplied-patch" for e in items):
            note += " (a CVE patch is in the package but not applied)"
        return dataclasses.replace(finding, reason=finding.reason + note, evidence=items)
    return finding


def _apply_upgrade(
    finding: Finding, upstream: tuple[str, str | None, Sequence[str]] | None
) -> Finding:
    import dataclasses

    if upstream is None:
        return finding
    current, recommended, releases = upstream
    release = fixing_release(finding.fixed, current, releases)
    if release is None:
        return dataclasses.replace(finding, recommended=recommended)
    covers = recommended is not None and rpmvercmp(recommended, release) >= 0
    reason = f"{finding.reason}; upstream {release} fixes it"
    reason += (
        f" and the recommended {recommended} covers it"
        if covers
        else f" but the recommended {recommended or '(none)'} does not reach it"
    )
    return dataclasses.replace(
        finding,
        status=Status.FIXED_BY_UPGRADE,
        upgrade=release,
        recommended=recommended,
        recommended_covers=covers,
        reason=reason,
    )


def match_targets(
    targets: Iterable[Target],
    index: AdvisoryIndex,
    upstream: Mapping[str, tuple[str, str | None, Sequence[str]]] | None = None,
) -> list[Finding]:
    """Every finding for these packages, in package order.

    ``upstream`` maps a package name to ``(current upstream version, recommended version,
    known upstream releases)`` from the monitoring store; without it no finding becomes
    ``fixed-by-upgrade``.
    """
    findings: list[Finding] = []
    for target in targets:
        found = _match_one(target, index)
        if not found:
            continue
        evidence: SpecEvidence | None = None
        for finding in found:
            if finding.status is Status.AFFECTED:
                if evidence is None and target.evidence is not None:
                    evidence = target.evidence()
                if evidence is not None:
                    finding = _apply_backports(finding, evidence)
            if finding.status is Status.AFFECTED and upstream is not None:
                finding = _apply_upgrade(finding, upstream.get(target.name))
            findings.append(finding)
    return findings
