"""A status per package in om-collection's classes, with the reasons that decided it.

openEuler's om-collection sorts src-openeuler packages into *no maintainer*, *short of
maintainers*, *healthy*, *dormant* and *active*. The rules here, checked in that order
(the first that applies wins), with thresholds in :class:`StatusRules`:

- ``no-maintainer``: the ownership file names nobody for the package (no SIG lists it, or
  its SIG has no maintainer or committer);
- ``short-of-maintainers``: people exist but the work waits: an open CVE issue older than
  ``cve_days``, or a median first response slower than ``response_hours``;
- ``dormant``: no change for ``dormant_days`` (or no history at all);
- ``active``: at least ``active_commits`` commits in the last year and the packaged
  version is upstream's newest;
- ``healthy``: everything else.

The early-warning list names packages that are dormant downstream while upstream moves
(a stable release in the last year, or the package is behind) and that at least
``warning_dependents`` other packages depend on, most depended-on first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from steward.health.lag import TechnicalLag, UpstreamActivity
from steward.health.maintenance import Maintenance
from steward.health.review import Review

__all__ = ["Status", "StatusRules", "Verdict", "classify", "is_early_warning"]


class Status(StrEnum):
    NO_MAINTAINER = "no-maintainer"
    SHORT_OF_MAINTAINERS = "short-of-maintainers"
    DORMANT = "dormant"
    ACTIVE = "active"
    HEALTHY = "healthy"


@dataclass(frozen=True, slots=True)
class StatusRules:
    dormant_days: int = 365
    active_commits: int = 6
    cve_days: int = 90
    response_hours: float = 30 * 24
    warning_dependents: int = 3


@dataclass(frozen=True, slots=True)
class Verdict:
    status: Status
    reasons: tuple[str, ...]


def classify(
    *,
    people: tuple[str, ...] | None,
    lag: TechnicalLag | None,
    maintenance: Maintenance | None,
    review: Review | None,
    rules: StatusRules = StatusRules(),
) -> Verdict:
    """The status of one package; ``people is None`` means no ownership file was given."""
    if people is not None and not people:
        return Verdict(Status.NO_MAINTAINER, ("no SIG maintainer or committer is named",))
    waiting: list[str] = []
    if review is not None:
        oldest = review.oldest_open_cve_days
        if oldest is not None and oldest > rules.cve_days:
            cve = review.open_cve_issues[0][0]
            waiting.append(f"open CVE issue {cve} is {oldest} days old (> {rules.cve_days})")
        hours = review.median_first_response_hours
        if hours is not None and hours > rules.response_hours:
            waiting.append(f"median first response {hours:.0f} h (> {rules.response_hours:.0f} h)")
    if waiting:
        return Verdict(Status.SHORT_OF_MAINTAINERS, tuple(waiting))
    if maintenance is None or maintenance.days_since_last_change is None:
        return Verdict(Status.DORMANT, ("no git history",))
    days = maintenance.days_since_last_change
    if days > rules.dormant_days:
        return Verdict(Status.DORMANT, (f"last change {days} days ago (> {rules.dormant_days})",))
    commits = maintenance.commits_last_year
    latest = lag is not None and lag.newest is not None and lag.current_is_latest
    if commits >= rules.active_commits and latest:
        return Verdict(
            Status.ACTIVE,
            (
                f"{commits} commits in the last year (>= {rules.active_commits})",
                "packaged version is upstream's newest",
            ),
        )
    reasons = [f"last change {days} days ago", f"{commits} commits in the last year"]
    if lag is not None and lag.versions_behind:
        reasons.append(f"{lag.versions_behind} stable releases behind ({lag.newest})")
    return Verdict(Status.HEALTHY, tuple(reasons))


def is_early_warning(
    *,
    verdict: Verdict,
    lag: TechnicalLag | None,
    upstream: UpstreamActivity | None,
    dependents: int,
    rules: StatusRules = StatusRules(),
) -> bool:
    """Dormant downstream, moving upstream, and many packages depending on it."""
    moving = bool(lag and lag.versions_behind) or bool(upstream and upstream.releases_last_year)
    return verdict.status is Status.DORMANT and moving and dependents >= rules.warning_dependents


def count_statuses(verdicts: Iterable[Verdict]) -> dict[str, int]:
    """How many packages have each status (every status listed, zero included)."""
    counts = {status.value: 0 for status in Status}
    for verdict in verdicts:
        counts[verdict.status.value] += 1
    return counts
