"""Which upstream release a package should move to, under its maintainers' policy.

:func:`recommend_version` compares the packaged version with an upstream's releases and
answers with a :class:`Recommendation`: where the package stands (up to date, outdated,
ahead of upstream, not an upstream version at all), the newest release of any kind, the
newest stable one, and the release to move to under a :class:`Policy` (``latest``,
``same-major``, ``same-minor`` or ``pinned``). Releases that cannot be a sensible target
(placeholders like ``9000``, another numbering scheme, a fork's ``99.0``, ignored versions)
are set aside with the reason, never silently dropped. Versions are ordered by rpm.

Pure logic: no network, no files.

>>> releases = [Release(f"v{v}", v) for v in ("1.2.3", "1.2.5", "1.3.0", "2.0.0")]
>>> recommend_version("1.2.3", releases).recommended
Release(tag='v2.0.0', version='2.0.0', date=None, url=None, prerelease=None)
>>> recommend_version("1.2.3", releases, Policy(track="same-minor")).recommended.version
'1.2.5'
>>> recommend_version("1.2.3", releases, Policy(track="pinned")).status
<Status.OUTDATED: 'outdated'>
"""

from __future__ import annotations

import bisect
import datetime as _dt
import operator
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from fnmatch import fnmatchcase
from typing import Final, Literal

from steward.upstream.versions import (
    Release,
    ReleaseClass,
    SchemeGroup,
    classify_release,
    comparable_group,
    numeric_parts,
    upstream_version_key,
    version_problem,
    version_scheme,
)

__all__ = [
    "FINDINGS",
    "ODD_MINOR_FROM_HISTORY",
    "InvalidPolicy",
    "Policy",
    "Recommendation",
    "SetAside",
    "Status",
    "Track",
    "findings_in",
    "odd_minor_rule",
    "recommend_from_tags",
    "recommend_version",
]

#: ``Policy.gnome_odd_minor`` for "decide from the project's release history".
ODD_MINOR_FROM_HISTORY: Final = "history"

#: What a recommendation can report beside its answer, by code: each finding is a sentence
#: of the reason that starts with these words, so that a stored reason still says it.
FINDINGS: Final[Mapping[str, str]] = {
    "stale-tag-rules": "Tag rules look stale:",
    "version-scheme-changed": "Version scheme changed:",
}


def findings_in(reason: str | None) -> tuple[str, ...]:
    """The codes of the findings a recommendation's reason reports, in :data:`FINDINGS` order.

    >>> findings_in("2.0 is the newest release. Version scheme changed: from 1.x to 20.x.")
    ('version-scheme-changed',)
    """
    if not reason:
        return ()
    return tuple(code for code, words in FINDINGS.items() if words in reason)


class InvalidPolicy(ValueError):
    """A policy that cannot be applied; the message names the field and its value.

    >>> Policy(track="newest")
    Traceback (most recent call last):
      ...
    steward.upstream.recommend.InvalidPolicy: track 'newest': not one of latest, same-major, \
same-minor, pinned
    """


class Track(StrEnum):
    """How far a package may move."""

    LATEST = "latest"  # the newest stable release
    SAME_MAJOR = "same-major"  # stay on the packaged major version
    SAME_MINOR = "same-minor"  # stay on the packaged major.minor: what an LTS branch takes
    PINNED = "pinned"  # never move


@dataclass(frozen=True, slots=True)
class Policy:
    """A package's update policy.

    ``ignore`` holds versions or tags to never recommend, exactly or as :mod:`fnmatch` globs
    (``"2.*"``). ``allow_prerelease`` lets pre-releases and development series be
    recommended (snapshots never are). ``gnome_odd_minor`` marks odd minor versions as
    development series, for projects that follow GNOME's convention: ``True`` always,
    ``False`` never, ``"history"`` (:data:`ODD_MINOR_FROM_HISTORY`, what a GNOME-hosted
    project gets) when the project's own release history shows it uses them
    (:func:`odd_minor_rule`).

    Two rules catch versions that rank high but are not where upstream is going, forks,
    renumbered branches, typos and mistags: a major version more than ``max_major_jump``
    above the previous one with nothing in between, and a major line above the packaged one
    whose newest release is more than ``stale_line_days`` older than the packaged release
    (at-spi2-core's lone ``AT_SPI2_CORE_3_6_3`` of 2012 beside 2.36.0 of 2020).

    >>> Policy(track="same-major", ignore=["2.*"]).ignore
    ('2.*',)
    """

    track: Track = Track.LATEST
    ignore: tuple[str, ...] = ()
    allow_prerelease: bool = False
    gnome_odd_minor: bool | Literal["history"] = False
    max_major_jump: int = 10
    stale_line_days: int = 365

    def __post_init__(self) -> None:
        try:
            track = Track(self.track)
        except ValueError:
            choices = ", ".join(track.value for track in Track)
            raise InvalidPolicy(f"track {self.track!r}: not one of {choices}") from None
        if isinstance(self.ignore, str):
            raise InvalidPolicy(f"ignore {self.ignore!r}: a sequence of patterns, not a string")
        if self.gnome_odd_minor not in (True, False, ODD_MINOR_FROM_HISTORY):
            raise InvalidPolicy(
                f"gnome_odd_minor {self.gnome_odd_minor!r}: not true, false or 'history'"
            )
        for name in ("max_major_jump", "stale_line_days"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InvalidPolicy(f"{name} {value!r}: not a positive integer")
        # Frozen: normalising the fields has to go around the dataclass's __setattr__.
        object.__setattr__(self, "track", track)
        object.__setattr__(self, "ignore", tuple(self.ignore))

    def ignores(self, release: Release) -> bool:
        """Whether ``ignore`` names this release's version or tag.

        >>> Policy(ignore=("1.5.*",)).ignores(Release("v1.5.2", "1.5.2"))
        True
        """
        return any(
            fnmatchcase(release.version, pattern) or fnmatchcase(release.tag, pattern)
            for pattern in self.ignore
        )


class Status(StrEnum):
    """Where the packaged version stands against upstream."""

    UP_TO_DATE = "up-to-date"
    OUTDATED = "outdated"
    AHEAD = "ahead"  # packaged version newer than every upstream release
    UNKNOWN_CURRENT = "unknown-current"  # packaged version is no upstream release
    NO_RELEASES = "no-releases"


@dataclass(frozen=True, slots=True)
class SetAside:
    """An upstream release left out of the recommendation, and why."""

    release: Release
    reason: str


@dataclass(frozen=True, slots=True)
class Recommendation:
    """The answer of :func:`recommend_version`.

    ``recommended`` is the release to upgrade to, ``None`` when the package should stay
    where it is (up to date, ahead, pinned, or nothing eligible). ``newest`` is the newest
    release of any class but snapshots and ``newest_stable`` the newest stable one, among releases
    in the packaged version's numbering scheme. ``versions_behind`` counts the stable
    releases in that scheme newer than the packaged version; ``days_behind`` is the number
    of days between the packaged version's release and the recommended one (0 when the
    recommended release is older, ``None`` without both dates).
    """

    current: str
    status: Status
    recommended: Release | None
    newest: Release | None
    newest_stable: Release | None
    versions_behind: int
    days_behind: int | None
    current_exists_upstream: bool
    reason: str
    set_aside: tuple[SetAside, ...] = ()

    @property
    def findings(self) -> tuple[str, ...]:
        """The codes of what the answer reports beside itself (:data:`FINDINGS`)."""
        return findings_in(self.reason)


_ELIGIBLE = frozenset({ReleaseClass.STABLE})
_ELIGIBLE_WITH_PRERELEASES = frozenset(
    {ReleaseClass.STABLE, ReleaseClass.PRERELEASE, ReleaseClass.DEVELOPMENT}
)


#: Each release's rpm sort key, by version string. :func:`recommend_version` builds it once
#: per call: sorting, de-duplicating and comparing would otherwise recompute every key.
_Keys = Mapping[str, tuple[object, ...]]


def _dominant_group(releases: Sequence[Release]) -> SchemeGroup:
    counts: dict[SchemeGroup, int] = {}
    for release in releases:
        group = comparable_group(release.version)
        counts[group] = counts.get(group, 0) + 1
    # Ties go to ordinary numbers, the scheme that does not outrank the others by accident.
    return max(counts, key=lambda group: (counts[group], group == "numeric"), default="numeric")


_by_key = operator.itemgetter(0)


def _unique(releases: Iterable[Release], keys: _Keys) -> tuple[list[Release], list[SetAside]]:
    """Releases sorted by rpm order, one per version; the first of equal versions is kept."""
    # Sorted as (key, release) pairs on the key alone, a stable sort: equal versions stay in
    # input order, and each key is at hand below.
    ordered = sorted([(keys[release.version], release) for release in releases], key=_by_key)
    kept: list[Release] = []
    duplicates: list[SetAside] = []
    kept_key: tuple[object, ...] = ()
    for key, release in ordered:
        if kept and kept_key == key:
            duplicates.append(SetAside(release, f"same version as tag {kept[-1].tag!r}"))
        else:
            kept.append(release)
            kept_key = key
    return kept, duplicates


def _stable_looking(releases: Iterable[Release]) -> list[Release]:
    return [r for r in releases if classify_release(r).release_class is ReleaseClass.STABLE]


def _continues(newer: Sequence[Release], older: Sequence[Release]) -> bool:
    """Whether ``newer`` is a run of releases that carries on after ``older``.

    A run is at least two stable releases; with dates, its newest is no older than the
    newest of ``older``; without them, three releases are asked for, as nothing shows
    which came last.
    """
    run = _stable_looking(newer)
    if len(run) < 2:
        return False
    newest_run = max((r.date for r in run if r.date), default=None)
    newest_before = max((r.date for r in older if r.date), default=None)
    if newest_run is not None and newest_before is not None:
        return newest_run >= newest_before
    return len(run) >= 3


def _calendar_like(releases: Sequence[Release]) -> bool:
    """Whether two-digit majors read as years: ``20.4.0`` of 2020, ``23.10`` of October 2023.

    With dates, most majors are the release's year (give or take one); without, every
    major has two digits and every minor could be a month.
    """
    parts = [numeric_parts(r.version) for r in releases]
    if not parts or any(not 10 <= p[0] <= 99 for p in parts):
        return False
    dated = [(p[0], r.date.year % 100) for p, r in zip(parts, releases, strict=True) if r.date]
    if dated:
        return 3 * sum(abs(major - year) <= 1 for major, year in dated) >= 2 * len(dated)
    return all(len(p) >= 2 and 1 <= p[1] <= 12 for p in parts)


def _scheme_change(old: Sequence[Release], new: Sequence[Release], scheme: str) -> str:
    newest_old = max(old, key=lambda r: upstream_version_key(r.version))
    ordered = sorted(new, key=lambda r: upstream_version_key(r.version))
    return (
        f"{FINDINGS['version-scheme-changed']} upstream went from {newest_old.version} to "
        f"{scheme} versions ({ordered[0].version} to {ordered[-1].version}, "
        f"{len(ordered)} releases); the newest release is {ordered[-1].version}."
    )


def _suspicious_jumps(
    releases: Sequence[Release], majors: Sequence[int], max_jump: int, findings: list[str]
) -> dict[int, str]:
    """Majors that leap past the previous major by more than ``max_jump``, with the reason.

    A leap followed by a run of releases that carries on (:func:`_continues`) is a
    renumbering, not a fork or a typo: it stays, and when its majors read as years, it is
    reported as a change of version scheme.
    """
    by_major: dict[int, list[Release]] = {}
    for release, major in zip(releases, majors, strict=True):
        by_major.setdefault(major, []).append(release)
    ordered = sorted(by_major)
    previous = ordered[0] if ordered else 0
    for index, major in enumerate(ordered):
        if major - previous > max_jump:
            above = [r for m in ordered[index:] for r in by_major[m]]
            below = [r for m in ordered[:index] for r in by_major[m]]
            if not _continues(above, below):
                reason = (
                    f"major version jumps from {previous} to {major} with no release between: "
                    "a fork, a renumbered branch or a typo"
                )
                return {later: reason for later in ordered[index:]}
            if _calendar_like(above):
                findings.append(_scheme_change(below, above, "calendar-like"))
        previous = major
    return {}


def _abandoned_lines(
    releases: Sequence[Release], majors: Sequence[int], max_age_days: int
) -> dict[int, str]:
    """Short major lines (three releases or fewer) that went quiet long before a lower line.

    Read from upstream's own dates, whatever is packaged: at-spi2-core's lone
    ``AT_SPI2_CORE_3_6_3`` of 2012 beside 2.36.0 of 2020.
    """
    lines: dict[int, list[_dt.datetime]] = {}
    counts: dict[int, int] = {}
    for release, major in zip(releases, majors, strict=True):
        counts[major] = counts.get(major, 0) + 1
        if release.date is not None:
            lines.setdefault(major, []).append(release.date)
    stale: dict[int, str] = {}
    for major, dates in lines.items():
        later = [max(d) for m, d in lines.items() if m < major]
        if counts[major] > 3 or not later:
            continue
        last, newest_below = max(dates), max(later)
        if (newest_below.date() - last.date()).days > max_age_days:
            stale[major] = (
                f"every {major}.x release predates a release of a lower line by more than "
                f"{max_age_days} days (last {last.date()}, then {newest_below.date()}): "
                "an abandoned or mistagged line"
            )
    return stale


def _stale_lines(
    releases: Sequence[Release],
    majors: Sequence[int],
    current: str,
    current_major: int,
    max_age_days: int,
    keys: _Keys,
) -> dict[int, str]:
    """Major lines above ``current_major`` that went quiet long before the packaged release."""
    lines: dict[int, list[_dt.datetime]] = {}
    for release, major in zip(releases, majors, strict=True):
        if release.date is not None:
            if major in lines:
                lines[major].append(release.date)
            else:
                lines[major] = [release.date]
    # The releases are in rpm order, one per version: the packaged one is found by bisection.
    current_key = upstream_version_key(current)
    index = bisect.bisect_left(releases, current_key, key=lambda r: keys[r.version])
    found = releases[index] if index < len(releases) else None
    matching = [found.date] if found and found.date and keys[found.version] == current_key else []
    # Without the packaged release's own date, its line's latest release stands in for it.
    reference = max(matching or lines.get(current_major, []), default=None)
    if reference is None:
        return {}
    stale = {}
    for major, dates in lines.items():
        last = max(dates)
        if major > current_major and (reference.date() - last.date()).days > max_age_days:
            stale[major] = (
                f"every {major}.x release predates the packaged {current} by more than "
                f"{max_age_days} days (last {last.date()}): an abandoned or mistagged line"
            )
    return stale


def _drop_suspicious(
    releases: Sequence[Release],
    current: str,
    current_known: bool,
    policy: Policy,
    set_aside: list[SetAside],
    findings: list[str],
    keys: _Keys,
) -> list[Release]:
    """``releases`` without suspicious major lines, which go to ``set_aside``.

    Upstream's releases alone decide, so that a packaged version that is no upstream
    release changes nothing; a packaged release adds one rule, a line above it that went
    quiet long before it (:func:`_stale_lines`).
    """
    # Read once for the uses below. Every release here has a major version: its
    # numbering is semantic or a single number, both of which start with a number.
    majors = [numeric_parts(release.version)[0] for release in releases]
    jumps = _suspicious_jumps(releases, majors, policy.max_major_jump, findings)
    suspicious = _abandoned_lines(releases, majors, policy.stale_line_days)
    current_parts = numeric_parts(current)
    baseline = current_parts[0] if current_parts and current_known else None
    # Only a line above the packaged major can be stale.
    if baseline is not None and max(majors, default=baseline) > baseline:
        stale = _stale_lines(releases, majors, current, baseline, policy.stale_line_days, keys)
        suspicious |= stale
    suspicious |= jumps  # the most telling reason wins: a jump, the packaged date, the dates
    if not suspicious:
        return list(releases)
    kept = []
    for release, major in zip(releases, majors, strict=True):
        if major in suspicious:
            set_aside.append(SetAside(release, suspicious[major]))
        else:
            kept.append(release)
    return kept


def _scheme_group(
    usable: Sequence[Release], group: SchemeGroup, findings: list[str]
) -> SchemeGroup:
    """``group``, or ``"calendar"`` when upstream moved from ordinary numbers to years.

    ``1.9`` then ``2020.1``, ``2020.2``: the calendar releases carry on after the numbered
    ones (:func:`_continues`), so they are upstream's releases now, and the change is
    reported. Without dates, the calendar releases must also be at least half as many.
    """
    if group != "numeric":
        return group
    numeric = [r for r in usable if comparable_group(r.version) == "numeric"]
    # A calendar tag on the day of a numbered one is the same release named twice (qhull
    # tags 2020.1 and v8.0.0 together), not a new scheme.
    days = {r.date.date() for r in numeric if r.date}
    calendar = [
        r
        for r in usable
        if comparable_group(r.version) == "calendar" and not (r.date and r.date.date() in days)
    ]
    if not calendar or not numeric or not _continues(calendar, numeric):
        return group
    dated = any(r.date for r in calendar) and any(r.date for r in numeric)
    if not dated and 2 * len(calendar) < len(numeric):
        return group
    findings.append(_scheme_change(numeric, calendar, "calendar"))
    return "calendar"


def odd_minor_rule(releases: Sequence[Release]) -> tuple[bool, str]:
    """Whether the project releases development series under odd minor numbers, and why.

    Decided from the project's own releases, in its newest major line: a project that marks
    its pre-releases (``1.5.beta``, ``46.rc``) does not need odd minors for them; a line
    whose only series is odd (babl's ``0.1.x``), or whose newest odd series has been
    released for a year with no even one after it, or where an odd series was followed by
    the next odd one, releases under odd minors; odd minors stepping by two, or each
    followed by the next even one, are GNOME's convention.

    >>> odd_minor_rule([Release(v, v) for v in ("2.78.4", "2.79.1", "2.80.0", "2.81.1")])
    (True, 'each odd minor series of 2.x was followed by the next even one (GNOME convention)')
    >>> odd_minor_rule([Release(v, v) for v in ("1.4.2", "1.5.beta", "1.5.0")])[0]
    False
    """
    read = [(numeric_parts(r.version), r, classify_release(r).release_class) for r in releases]
    major = max(
        (p[0] for p, _, kind in read if p and kind is not ReleaseClass.SNAPSHOT), default=None
    )
    if major is None:
        return True, "no version number to read (GNOME convention)"
    # GNOME's own scheme since 40 writes 46.alpha, 46.beta, 46.rc: one number, then a word.
    marked = [r for p, r, kind in read if p[:1] == (major,) and kind is ReleaseClass.PRERELEASE]
    if marked:
        return False, f"the project marks its pre-releases ({marked[-1].version})"
    line = [(p, r) for p, r, _ in read if len(p) >= 2 and p[0] == major]
    numbered = [(p, r) for p, r, _ in read if len(p) >= 2]
    if not line:
        return True, f"no minor version in {major}.x (GNOME convention)"
    series: dict[int, list[Release]] = {}
    for parts, release in line:
        series.setdefault(parts[1], []).append(release)
    minors = sorted(series)
    odd = [m for m in minors if m % 2 == 1]
    if not odd:
        return True, f"no odd minor in {major}.x (GNOME convention)"
    top = odd[-1]
    if minors[-1] != top:
        return True, f"an even minor follows the odd ones in {major}.x (GNOME convention)"
    if top >= 90:
        return True, f"{major}.{top} leads to the next major: a development series"
    if len(minors) == 1:
        dates = [r.date for r in series[top] if r.date]
        span = (max(dates) - min(dates)).days if dates else 0
        if len(series[top]) >= 2 and span >= 180:
            return False, f"{major}.{top}.x is the only series of {major}.x, for {span} days"
        return True, "too few releases to tell (GNOME convention)"
    if all(m % 2 == 1 for m in minors):
        return True, f"the odd minors of {major}.x step by two: the even ones are stable"
    first = min((r.date for r in series[top] if r.date), default=None)
    last = max((r.date for p, r in numbered if r.date), default=None)
    if first is not None and last is not None and (last - first).days >= 365:
        days = (last - first).days
        return (
            False,
            f"{major}.{top}.x has been released for {days} days with no even minor after it",
        )
    for minor in odd[:-1]:
        if minor + 1 not in series and minor + 2 in series:
            return False, f"{major}.{minor} was followed by {major}.{minor + 2}, not an even minor"
    if len(odd) == 1:
        return (
            True,
            f"{major}.{top} is the first odd series: too few releases to tell (GNOME convention)",
        )
    return True, (
        f"each odd minor series of {major}.x was followed by the next even one (GNOME convention)"
    )


def _in_scope(release: Release, current: tuple[int, ...], track: Track) -> bool:
    if track in (Track.LATEST, Track.PINNED):
        return True
    width = 1 if track is Track.SAME_MAJOR else 2
    if not current:
        return False
    parts = numeric_parts(release.version)
    return (*parts, 0, 0)[:width] == (*current, 0, 0)[:width]


def _describe_set_aside(set_aside: Sequence[SetAside], limit: int = 3) -> str:
    shown = "; ".join(f"{entry.release.version} ({entry.reason})" for entry in set_aside[:limit])
    more = f"; and {len(set_aside) - limit} more" if len(set_aside) > limit else ""
    return f" Set aside: {shown}{more}." if set_aside else ""


def recommend_version(
    current: str, releases: Sequence[Release], policy: Policy | None = None
) -> Recommendation:
    """Recommend the upstream release the package at version ``current`` should move to.

    The steps, each visible in the result:

    1. Releases whose version is no release (a placeholder such as ``9000``, a branch, a
       hash: :func:`~steward.upstream.versions.version_problem`) or that the policy ignores
       are set aside.
    2. Only releases in the packaged version's numbering scheme
       (:func:`~steward.upstream.versions.comparable_group`) compete, so ``20150213.1``
       does not beat ``1.2.3``; when the packaged version has no scheme, the most common
       one among the releases is used. A date-numbered package treats dates as releases.
    3. Among ordinary version numbers, suspicious major lines are set aside: one that leaps
       more than ``policy.max_major_jump`` past the previous major with nothing between,
       and one above the packaged major that went quiet more than ``policy.stale_line_days``
       before the packaged release.
    4. Each release is classified (:func:`~steward.upstream.versions.classify_release`);
       stable releases are eligible, plus pre-releases and development series when
       ``policy.allow_prerelease``; the track limits them to the packaged major or
       major.minor. The newest eligible release in rpm order, when newer than ``current``,
       is recommended, unless the policy is ``pinned``.

    >>> releases = [Release("v1.3.0", "1.3.0"), Release("v1.4.0-beta.2", "1.4.0-beta.2")]
    >>> result = recommend_version("1.3.0", releases)
    >>> result.status, result.recommended, result.newest.version
    (<Status.UP_TO_DATE: 'up-to-date'>, None, '1.4.0-beta.2')
    """
    policy = policy or Policy()
    current_key = upstream_version_key(current)
    # Each version's key, computed once here: sorting, de-duplicating and comparing below
    # would otherwise compute each one several times.
    keys: dict[str, tuple[object, ...]] = {}
    matches: list[Release] = []  # the releases of the packaged version
    set_aside: list[SetAside] = []
    usable: list[Release] = []
    for release in releases:
        key = keys[release.version] = upstream_version_key(release.version)
        if key == current_key:
            matches.append(release)
        problem = version_problem(release.version)
        if problem is not None:
            set_aside.append(SetAside(release, problem))
        elif policy.ignore and policy.ignores(release):  # without patterns, nothing is ignored
            set_aside.append(SetAside(release, "ignored by policy"))
        else:
            usable.append(release)

    findings: list[str] = []
    # The packaged version's numbering when upstream released it, else upstream's own.
    group = comparable_group(current) if matches else "unknown"
    if group == "unknown":
        group = _dominant_group(usable)
    group = _scheme_group(usable, group, findings)
    in_group: list[Release] = []
    for release in usable:
        if comparable_group(release.version) == group:
            in_group.append(release)
        else:
            scheme = version_scheme(release.version).value
            reason = f"{scheme} numbering, not the {group} numbering compared here"
            set_aside.append(SetAside(release, reason))
    candidates, duplicates = _unique(in_group, keys)
    set_aside.extend(duplicates)

    current_parts = numeric_parts(current)
    if group == "numeric":
        candidates = _drop_suspicious(
            candidates, current, bool(matches), policy, set_aside, findings, keys
        )

    odd_minor_note = ""
    if policy.gnome_odd_minor == ODD_MINOR_FROM_HISTORY:
        gnome_odd_minor, why = odd_minor_rule(candidates) if group == "numeric" else (False, "")
        top = numeric_parts(candidates[-1].version) if candidates else ()
        if len(top) >= 2 and top[1] % 2 == 1:  # the rule decides what the newest is
            kind = "development series" if gnome_odd_minor else "releases"
            odd_minor_note = f" Odd minor versions read as {kind}: {why}."
    else:
        gnome_odd_minor = bool(policy.gnome_odd_minor)
    date_versions = group == "date"
    allowed = _ELIGIBLE_WITH_PRERELEASES if policy.allow_prerelease else _ELIGIBLE
    track = Track.LATEST if policy.track is Track.PINNED else policy.track
    # The answer needs the newest release of each kind and the number of stable releases
    # newer than the packaged one. The candidates are in rpm order without equal versions,
    # so they are classified from the newest down, and only until all of that is known.
    newest_proper: Release | None = None  # the newest release that is not a snapshot
    newest_stable: Release | None = None
    best: Release | None = None  # the newest release that the policy allows
    behind = 0
    for release in reversed(candidates):
        newer = keys[release.version] > current_key
        if not newer and newest_proper and newest_stable and best:
            break
        release_class = classify_release(
            release, gnome_odd_minor=gnome_odd_minor, date_versions=date_versions
        ).release_class
        if release_class is ReleaseClass.STABLE:
            if newer:
                behind += 1
            if newest_stable is None:
                newest_stable = release
        if best is None and release_class in allowed and _in_scope(release, current_parts, track):
            best = release
        if newest_proper is None and release_class is not ReleaseClass.SNAPSHOT:
            newest_proper = release

    # A snapshot (a Go pseudo-version, a dated build) is not a release: it is set aside
    # from "newest" too, unless the upstream publishes nothing else.
    newest = newest_proper or (candidates[-1] if candidates else None)
    upgrade = best if best and keys[best.version] > current_key else None
    recommended = None if policy.track is Track.PINNED else upgrade
    current_release = next((r for r in matches if r.date is not None), None)
    days = None
    if recommended and recommended.date and current_release and current_release.date:
        days = max(0, (recommended.date.date() - current_release.date.date()).days)

    if newest is None:
        status = Status.NO_RELEASES
        reason = f"No upstream release in {group} numbering."
    elif current_key > keys[newest.version]:  # as compare_versions(current, newest) > 0
        status = Status.AHEAD
        reason = f"Packaged {current} is newer than every upstream release ({newest.version})."
    else:
        status = Status.OUTDATED if upgrade else Status.UP_TO_DATE
        reason = ""
        if not matches:
            status = Status.UNKNOWN_CURRENT
            reason = f"Packaged {current} is not an upstream release. "
        if policy.track is Track.PINNED:
            reason += f"Pinned at {current}"
            reason += f"; {upgrade.version} is available." if upgrade else "."
        else:
            target = upgrade.version if upgrade else current
            if upgrade:
                reason += f"{target} is the newest release the {track} policy allows."
            else:
                reason += f"Nothing newer than {current} that the {track} policy allows."
            target_key = keys[upgrade.version] if upgrade else current_key  # of target
            if newest is not upgrade and keys[newest.version] > target_key:
                newest_class = classify_release(
                    newest, gnome_odd_minor=gnome_odd_minor, date_versions=date_versions
                ).release_class
                reason += f" Newer {newest_class} {newest.version} not taken."
    reason += odd_minor_note
    reason += "".join(f" {finding}" for finding in findings)
    reason += _describe_set_aside(set_aside)

    return Recommendation(
        current=current,
        status=status,
        recommended=recommended,
        newest=newest,
        newest_stable=newest_stable,
        versions_behind=behind,
        days_behind=days,
        current_exists_upstream=bool(matches),
        reason=reason,
        set_aside=tuple(set_aside),
    )


def _continues_lineage(found: Release, newer: Sequence[Release], group: SchemeGroup) -> bool:
    """Whether the lowest of ``newer`` comes right after ``found``: the same numbering, and
    the same major or the next (kde-settings went from tags ``v27-1`` to ``28.0``)."""
    if not newer or comparable_group(found.version) != group:
        return False
    found_parts, first_parts = numeric_parts(found.version), numeric_parts(newer[0].version)
    return bool(found_parts and first_parts) and 0 <= first_parts[0] - found_parts[0] <= 1


def _next_release(version: str, candidate: str) -> bool:
    """Whether ``candidate`` is the release right after ``version``: the next patch, the
    next minor (or the one after, as projects with odd development minors step), or the
    next major (``2.44.0`` → ``2.44.1``, ``2.45``, ``2.46.0``, ``3.0``).

    >>> [_next_release("2.44.0", v) for v in ("2.44.1", "2.46.0", "3.0.0", "2.44.3", "2.47")]
    [True, True, True, False, False]
    """
    old, new = numeric_parts(version), numeric_parts(candidate)
    for index in range(min(len(old), len(new))):
        if new[index] != old[index]:
            steps = (1, 2) if index == 1 else (1,)
            return new[index] - old[index] in steps and not any(new[index + 1 :])
    return False


def _on(release: Release) -> str:
    when = f", {release.date.date()}" if release.date else ""
    return f"{release.version} (tag {release.tag}{when})"


def recommend_from_tags(
    current: str,
    ruled: Sequence[Release],
    outside: Sequence[Release] = (),
    policy: Policy | None = None,
) -> tuple[list[Release], Recommendation]:
    """Recommend from the releases the package's tag rules read, checking the rules too.

    ``ruled`` are the releases read under the package's tag rules; ``outside`` those read,
    without its tag-selecting rules (``tag_prefix``, ``tag_pattern``, ``tag_reorder``), from
    the tags those rules dropped. When an outside release continues the lineage past the
    newest stable release the rules find (the same numbering, the same major or the next)
    the rules look stale: GNOME projects tagged ``GNOME_FOO_3_0_0`` before ``3.36.1``, a
    project renamed its prefix. Both answers are reported (:data:`FINDINGS`). The outside
    tags are followed when the evidence is clear, a run of at least two newer stable
    releases (and, with dates, released after the rules' newest); otherwise the rules'
    answer stands. Returns the releases the answer is drawn from, and the answer.

    >>> ruled = [Release(f"GNOME_FOO_{v.replace('.', '_')}", v) for v in ("2.32.0", "3.0.0")]
    >>> outside = [Release(v, v) for v in ("3.36.1", "3.38.0")]
    >>> releases, answer = recommend_from_tags("3.0.0", ruled, outside)
    >>> answer.recommended.version, answer.findings
    ('3.38.0', ('stale-tag-rules',))
    """
    answer = recommend_version(current, ruled, policy)
    known = {release.version for release in ruled}
    extra = [release for release in outside if release.version not in known]
    if not extra:
        return list(ruled), answer
    combined = [*ruled, *extra]
    wider = recommend_version(current, combined, policy)
    found, other = answer.newest_stable, wider.newest_stable
    if other is None or other.version in known:
        return list(ruled), answer
    group = comparable_group(other.version)
    found_key = upstream_version_key(found.version) if found else ()
    newer = sorted(
        (
            release
            for release in _stable_looking(extra)
            if comparable_group(release.version) == group
            and upstream_version_key(release.version) > found_key
        ),
        key=lambda release: upstream_version_key(release.version),
    )
    if found is not None and not _continues_lineage(found, newer, group):
        return list(ruled), answer
    if found is not None and found.date and other.date and other.date <= found.date:
        return list(ruled), answer  # an old family with higher numbers, not a continuation
    rules_found = (
        f"the tag rules' newest stable release is {_on(found)}"
        if found
        else ("the tag rules find no stable release")
    )
    message = (
        f"{FINDINGS['stale-tag-rules']} {rules_found}; "
        f"{f'{len(newer)} newer tags' if len(newer) != 1 else 'a newer tag'} outside them "
        f"{'continue' if len(newer) != 1 else 'continues'} to {_on(other)}."
    )
    successor = found is not None and _next_release(found.version, newer[0].version)
    if len(newer) >= 2 or successor:
        message += " The continuing tags are followed; fix the package's tag rules."
        return combined, replace(wider, reason=f"{wider.reason} {message}")
    message += " Not followed: too little evidence; check the package's tag rules."
    return list(ruled), replace(answer, reason=f"{answer.reason} {message}")
