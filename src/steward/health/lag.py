"""Technical lag of one package (Zerouali et al.: version lag and time lag) and aggregates.

The packaged version is compared with the upstream's stable releases: how many newer ones
exist (overall and within the same major version), how long the newest has existed
unpackaged (``days_behind``) and libyears (CHAOSS: the time between the release date of
the packaged version and that of the newest release). Aggregates name how they combine
packages (``sum``, ``median``, ``mean`` or ``weighted``).
"""

from __future__ import annotations

import datetime as _dt
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from steward.upstream.versions import (
    ReleaseClass,
    classify_version,
    compare_versions,
    numeric_parts,
    upstream_version_key,
)

__all__ = [
    "DAYS_PER_YEAR",
    "Aggregate",
    "Aggregation",
    "TechnicalLag",
    "UpstreamActivity",
    "UpstreamRelease",
    "aggregate",
    "stable_releases",
    "technical_lag",
    "upstream_activity",
]

DAYS_PER_YEAR = 365.25

Aggregation = Literal["sum", "median", "mean", "weighted"]


@dataclass(frozen=True, slots=True)
class UpstreamRelease:
    """One upstream release as the monitoring store knows it."""

    version: str
    date: _dt.datetime | None = None
    prerelease: bool | None = None

    @property
    def stable(self) -> bool:
        if self.prerelease:
            return False
        return classify_version(self.version).release_class is ReleaseClass.STABLE


@dataclass(frozen=True, slots=True)
class TechnicalLag:
    """How far the packaged version is behind upstream's stable releases.

    ``days_behind`` is ``0`` when the package is current and ``None`` when the newest
    release is undated; ``libyears`` is ``None`` when either release date is unknown.
    """

    current: str | None
    newest: str | None
    newest_same_major: str | None
    versions_behind: int
    versions_behind_same_major: int
    days_behind: int | None
    libyears: float | None

    @property
    def current_is_latest(self) -> bool:
        return self.versions_behind == 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "current": self.current,
            "newest": self.newest,
            "newest_same_major": self.newest_same_major,
            "versions_behind": self.versions_behind,
            "versions_behind_same_major": self.versions_behind_same_major,
            "days_behind": self.days_behind,
            "libyears": None if self.libyears is None else round(self.libyears, 3),
        }


def _utc(value: _dt.datetime) -> _dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=_dt.UTC)


def stable_releases(releases: Iterable[UpstreamRelease]) -> list[UpstreamRelease]:
    """The stable ones of ``releases``, oldest version first (rpm order)."""
    return sorted((r for r in releases if r.stable), key=lambda r: upstream_version_key(r.version))


def technical_lag(
    current: str | None,
    releases: Iterable[UpstreamRelease],
    *,
    now: _dt.datetime,
    ordered: bool = False,
) -> TechnicalLag:
    """The lag of ``current`` behind the stable ``releases`` as seen at ``now``.

    Pre-releases and snapshots do not count; neither do releases older than ``current``.
    ``ordered`` says ``releases`` are already :func:`stable_releases`.
    """
    stable = list(releases) if ordered else stable_releases(releases)
    if current is None or not stable:
        return TechnicalLag(current, stable[-1].version if stable else None, None, 0, 0, None, None)
    key = upstream_version_key(current)
    newer = [r for r in stable if upstream_version_key(r.version) > key]
    major = numeric_parts(current)[:1]
    same_major = [r for r in newer if numeric_parts(r.version)[:1] == major]
    newest = stable[-1]
    packaged = next((r for r in stable if compare_versions(r.version, current) == 0), None)
    days: int | None = 0
    libyears: float | None = 0.0
    if newer:
        days = None if newest.date is None else max(0, (now - _utc(newest.date)).days)
        if newest.date is None or packaged is None or packaged.date is None:
            libyears = None
        else:
            seconds = (_utc(newest.date) - _utc(packaged.date)).total_seconds()
            libyears = max(0.0, seconds / 86400 / DAYS_PER_YEAR)
    return TechnicalLag(
        current=current,
        newest=newest.version,
        newest_same_major=same_major[-1].version if same_major else None,
        versions_behind=len(newer),
        versions_behind_same_major=len(same_major),
        days_behind=days,
        libyears=libyears,
    )


@dataclass(frozen=True, slots=True)
class Aggregate:
    """A metric combined over packages, saying how (``method``) and over how many."""

    metric: str
    method: Aggregation
    value: float | None
    count: int

    def to_dict(self) -> dict[str, Any]:
        value = None if self.value is None else round(self.value, 3)
        return {"metric": self.metric, "method": self.method, "value": value, "count": self.count}


def aggregate(
    metric: str,
    values: Mapping[str, float | None],
    method: Aggregation,
    weights: Mapping[str, float] | None = None,
) -> Aggregate:
    """Combine one metric over packages; ``None`` values (unknown) are left out.

    ``weighted`` is the weighted mean with ``weights`` (a package missing from them weighs 1).

    >>> aggregate("libyears", {"a": 1.0, "b": 3.0}, "weighted", {"a": 3, "b": 1}).value
    1.5
    """
    known: Sequence[tuple[str, float]] = [(k, v) for k, v in values.items() if v is not None]
    numbers = [v for _, v in known]
    result: float | None
    if not numbers:
        result = None
    elif method == "sum":
        result = float(sum(numbers))
    elif method == "median":
        result = float(statistics.median(numbers))
    elif method == "mean":
        result = float(statistics.fmean(numbers))
    elif method == "weighted":
        weight = weights or {}
        total = sum(weight.get(k, 1.0) for k, _ in known)
        result = sum(v * weight.get(k, 1.0) for k, v in known) / total if total else None
    else:
        raise ValueError(f"unknown aggregation {method!r} (sum, median, mean or weighted)")
    return Aggregate(metric, method, result, len(numbers))


@dataclass(frozen=True, slots=True)
class UpstreamActivity:
    """Upstream health (CHAOSS Release Frequency): stable releases in the last year, and
    how long ago the newest stable release came out (``None`` when none is dated)."""

    releases_last_year: int
    days_since_last_release: int | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "releases_last_year": self.releases_last_year,
            "days_since_last_release": self.days_since_last_release,
        }


def upstream_activity(
    releases: Iterable[UpstreamRelease], *, now: _dt.datetime
) -> UpstreamActivity:
    """How active the upstream is, from its dated stable releases."""
    dates = [_utc(r.date) for r in releases if r.date is not None and r.stable]
    recent = sum(1 for d in dates if _dt.timedelta(0) <= now - d <= _dt.timedelta(days=365))
    last = max(dates, default=None)
    return UpstreamActivity(recent, None if last is None else max(0, (now - last).days))
