"""Downstream maintenance of a package repository, from its commits (plain values).

CHAOSS definitions: commits and distinct contributors in a window (the last year), the
Contributor Absence Factor (the fewest contributors who together made half the commits of
the window), time since the last change; and upgrade cadence: for each commit that changed
the spec's ``Version``, how long after the upstream release of that version it came.
"""

from __future__ import annotations

import datetime as _dt
import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "Change",
    "Maintenance",
    "Upgrade",
    "contributor_absence_factor",
    "maintenance",
    "upgrades",
]

YEAR = _dt.timedelta(days=365)


@dataclass(frozen=True, slots=True)
class Change:
    """One commit of a package repository: who, when, and the spec ``Version`` after it.

    ``author`` is the identity contributors are counted by (the e-mail address, lower case).
    """

    commit: str
    author: str
    when: _dt.datetime
    version: str | None = None


@dataclass(frozen=True, slots=True)
class Upgrade:
    """A commit that moved the packaged version, and how long after upstream released it."""

    commit: str
    when: _dt.datetime
    from_version: str | None
    to_version: str
    days_after_release: int | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "commit": self.commit,
            "when": self.when.isoformat(),
            "from": self.from_version,
            "to": self.to_version,
            "days_after_release": self.days_after_release,
        }


@dataclass(frozen=True, slots=True)
class Maintenance:
    """The maintenance metrics of one repository as seen at one moment."""

    commits_last_year: int
    contributors_last_year: int
    contributor_absence_factor: int
    days_since_last_change: int | None
    upgrades: tuple[Upgrade, ...]

    @property
    def upgrade_cadence_days(self) -> float | None:
        """The median number of days the package took to follow an upstream release."""
        days = [u.days_after_release for u in self.upgrades if u.days_after_release is not None]
        return float(statistics.median(days)) if days else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "commits_last_year": self.commits_last_year,
            "contributors_last_year": self.contributors_last_year,
            "contributor_absence_factor": self.contributor_absence_factor,
            "days_since_last_change": self.days_since_last_change,
            "upgrade_cadence_days": self.upgrade_cadence_days,
            "upgrades": [u.to_dict() for u in self.upgrades],
        }


def contributor_absence_factor(authors: Sequence[str]) -> int:
    """The fewest contributors who made at least half of ``authors``' commits.

    >>> contributor_absence_factor(["a", "a", "a", "b", "c", "d"])
    1
    >>> contributor_absence_factor(["a", "b", "c", "d"]), contributor_absence_factor([])
    (2, 0)
    """
    counts = sorted(Counter(authors).values(), reverse=True)
    total = sum(counts)
    done = 0
    for index, count in enumerate(counts, 1):
        done += count
        if 2 * done >= total:
            return index
    return 0


def _utc(value: _dt.datetime) -> _dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=_dt.UTC)


def upgrades(
    changes: Sequence[Change], release_dates: Mapping[str, _dt.datetime | None]
) -> tuple[Upgrade, ...]:
    """The commits (oldest first) whose ``Version`` differs from the one before them.

    The first commit that set a version is the import, not an upgrade. A commit made
    before the upstream release date (a pre-release packaged early) counts as 0 days.
    """
    found: list[Upgrade] = []
    previous: str | None = None
    for change in sorted(changes, key=lambda c: c.when):
        if change.version is None:
            continue
        if previous is not None and change.version != previous:
            released = release_dates.get(change.version)
            days = None
            if released is not None:
                days = max(0, (_utc(change.when) - _utc(released)).days)
            found.append(Upgrade(change.commit, change.when, previous, change.version, days))
        previous = change.version
    return tuple(found)


def maintenance(
    changes: Sequence[Change],
    *,
    now: _dt.datetime,
    release_dates: Mapping[str, _dt.datetime | None] | None = None,
) -> Maintenance:
    """All maintenance metrics of one repository's ``changes`` at ``now``."""
    recent = [c for c in changes if now - _utc(c.when) <= YEAR]
    authors = [c.author for c in recent]
    last = max((_utc(c.when) for c in changes), default=None)
    return Maintenance(
        commits_last_year=len(recent),
        contributors_last_year=len(set(authors)),
        contributor_absence_factor=contributor_absence_factor(authors),
        days_since_last_change=None if last is None else max(0, (now - last).days),
        upgrades=upgrades(changes, release_dates or {}),
    )
