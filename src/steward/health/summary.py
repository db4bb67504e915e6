"""One record per package joining every metric, and the per-SIG and distribution summaries.

Aggregates are named by method: ``sum`` (the distribution's total debt), ``median`` (the
typical package) and ``weighted`` (the mean with each package weighted by 1 + the number
of source packages that depend on it, so a lagging library many build against counts for
more than a leaf).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from steward.health.lag import (
    Aggregate,
    Aggregation,
    TechnicalLag,
    UpstreamActivity,
    UpstreamRelease,
    aggregate,
    stable_releases,
    technical_lag,
)
from steward.health.maintenance import Change, Maintenance
from steward.health.review import Review
from steward.health.status import Verdict, count_statuses

__all__ = [
    "AGGREGATIONS",
    "DistroHealth",
    "GroupSummary",
    "PackageHealth",
    "lag_series",
    "summarise",
]

AGGREGATIONS: tuple[Aggregation, ...] = ("sum", "median", "weighted")
_LAG_METRICS = ("libyears", "days_behind", "versions_behind")
NO_SIG = "(no SIG)"


@dataclass(frozen=True, slots=True)
class PackageHealth:
    """Every health metric of one package, its status and why."""

    name: str
    sig: str | None
    version: str | None
    dependents: int
    verdict: Verdict
    lag: TechnicalLag | None = None
    upstream: UpstreamActivity | None = None
    maintenance: Maintenance | None = None
    review: Review | None = None
    security: Mapping[str, Any] | None = None
    early_warning: bool = False
    lag_history: tuple[tuple[str, float | None], ...] = ()
    errors: tuple[str, ...] = ()

    def metric(self, name: str) -> float | None:
        if self.lag is None:
            return None
        value = getattr(self.lag, name)
        return None if value is None else float(value)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "sig": self.sig,
            "version": self.version,
            "status": self.verdict.status.value,
            "reasons": list(self.verdict.reasons),
            "reverse_dependencies": self.dependents,
            "early_warning": self.early_warning,
            "lag": self.lag.to_dict() if self.lag else None,
            "upstream": self.upstream.to_dict() if self.upstream else None,
            "maintenance": self.maintenance.to_dict() if self.maintenance else None,
            "review": self.review.to_dict() if self.review else None,
            "security": dict(self.security) if self.security is not None else None,
            "errors": list(self.errors),
        }


@dataclass(frozen=True, slots=True)
class GroupSummary:
    """A SIG or the whole distribution: counts, statuses and named lag aggregates."""

    name: str
    packages: int
    statuses: Mapping[str, int]
    aggregates: tuple[Aggregate, ...]

    def value(self, metric: str, method: str) -> float | None:
        for item in self.aggregates:
            if item.metric == metric and item.method == method:
                return item.value
        raise KeyError(f"no {method} of {metric}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "packages": self.packages,
            "statuses": dict(self.statuses),
            "aggregates": [a.to_dict() for a in self.aggregates],
        }


@dataclass(frozen=True, slots=True)
class DistroHealth:
    """The health report of a tree: per package, per SIG and for the distribution."""

    tree: str
    generated_at: _dt.datetime
    packages: tuple[PackageHealth, ...]
    sigs: tuple[GroupSummary, ...]
    distribution: GroupSummary
    early_warnings: tuple[str, ...]
    lag_over_time: tuple[tuple[str, float], ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return {
            "tree": self.tree,
            "generated_at": self.generated_at.isoformat(),
            "distribution": self.distribution.to_dict(),
            "sigs": [s.to_dict() for s in self.sigs],
            "early_warnings": list(self.early_warnings),
            "lag_over_time": [
                {"date": d, "libyears_sum": round(v, 3)} for d, v in self.lag_over_time
            ],
            "packages": [p.to_dict() for p in self.packages],
        }


def _group(
    name: str, members: Sequence[PackageHealth], weights: Mapping[str, float]
) -> GroupSummary:
    aggregates = tuple(
        aggregate(metric, {p.name: p.metric(metric) for p in members}, method, weights)
        for metric in _LAG_METRICS
        for method in AGGREGATIONS
    )
    return GroupSummary(name, len(members), count_statuses(p.verdict for p in members), aggregates)


def summarise(tree: str, packages: Iterable[PackageHealth], *, now: _dt.datetime) -> DistroHealth:
    """The per-SIG and distribution summaries of ``packages``."""
    records = tuple(sorted(packages, key=lambda p: p.name))
    weights = {p.name: 1.0 + p.dependents for p in records}
    by_sig: dict[str, list[PackageHealth]] = {}
    for record in records:
        by_sig.setdefault(record.sig or NO_SIG, []).append(record)
    sigs = tuple(_group(name, members, weights) for name, members in sorted(by_sig.items()))
    warnings = tuple(
        p.name for p in sorted(records, key=lambda p: (-p.dependents, p.name)) if p.early_warning
    )
    points: dict[str, float] = {}
    for record in records:
        for date, value in record.lag_history:
            points[date] = points.get(date, 0.0) + (value or 0.0)
    return DistroHealth(
        tree=tree,
        generated_at=now,
        packages=records,
        sigs=sigs,
        distribution=_group("distribution", records, weights),
        early_warnings=warnings,
        lag_over_time=tuple(sorted(points.items())),
    )


def lag_series(
    changes: Sequence[Change],
    releases: Sequence[UpstreamRelease],
    moments: Sequence[_dt.datetime],
) -> tuple[tuple[str, float | None], ...]:
    """Libyears of the package at each of ``moments``, from what was packaged and released then.

    The packaged version at a moment is that of the newest change before it; releases count
    once they are dated before it. A moment before the first change has no value.
    """
    ordered = sorted((c for c in changes if c.version), key=lambda c: c.when)
    stable = stable_releases(releases)
    series: list[tuple[str, float | None]] = []
    for moment in moments:
        version = None
        for change in ordered:
            if change.when > moment:
                break
            version = change.version
        known = [r for r in stable if r.date is not None and r.date <= moment]
        value = (
            technical_lag(version, known, now=moment, ordered=True).libyears if version else None
        )
        series.append((moment.date().isoformat(), value))
    return tuple(series)
