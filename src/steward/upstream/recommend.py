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
from dataclasses import dataclass
from enum import StrEnum
from fnmatch import fnmatchcase

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
    "InvalidPolicy",
    "Policy",
    "Recommendation",
    "SetAside",
    "Status",
    "Track",
    "recommend_version",
]


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
    development series, for projects that follow GNOME's convention.

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
    gnome_odd_minor: bool = False
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

    def __reduce__(self) -> tuple[type[SetAside], tuple[Release, str]]:
        # Rebuilt from the fields, faster than the default for frozen slots dataclasses.
        return (SetAside, (self.release, self.reason))


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

    def __reduce__(self) -> tuple[type[Recommendation], tuple[object, ...]]:
        # Rebuilt from the fields, in order, faster than the default for frozen slots
        # dataclasses (a scan pickles one per package).
        return (
            Recommendation,
            (
                self.current,
                self.status,
                self.recommended,
                self.newest,
                self.newest_stable,
                self.versions_behind,
                self.days_behind,
                self.current_exists_upstream,
                self.reason,
                self.set_aside,
            ),
        )


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


def _suspicious_jumps(
    release_majors: Iterable[int], baseline: int | None, max_jump: int
) -> dict[int, str]:
    """Majors that leap past the previous major by more than ``max_jump``, with the reason."""
    majors = sorted(set(release_majors))
    if not majors:
        return {}
    previous = majors[0] if baseline is None else baseline
    for index, major in enumerate(majors):
        if major < previous:
            continue
        if major - previous > max_jump:
            reason = (
                f"major version jumps from {previous} to {major} with no release between: "
                "a fork, a renumbered branch or a typo"
            )
            return {later: reason for later in majors[index:]}
        previous = major
    return {}


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
    policy: Policy,
    set_aside: list[SetAside],
    keys: _Keys,
) -> list[Release]:
    """``releases`` without suspicious major lines, which go to ``set_aside``."""
    # Read once for the three uses below. Every release here has a major version: its
    # numbering is semantic or a single number, both of which start with a number.
    majors = [numeric_parts(release.version)[0] for release in releases]
    current_parts = numeric_parts(current)
    baseline = current_parts[0] if current_parts else None
    suspicious = _suspicious_jumps(majors, baseline, policy.max_major_jump)
    # Only a line above the packaged major can be stale.
    if baseline is not None and max(majors, default=baseline) > baseline:
        stale = _stale_lines(releases, majors, current, baseline, policy.stale_line_days, keys)
        suspicious = stale | suspicious
    if not suspicious:
        return list(releases)
    kept = []
    for release, major in zip(releases, majors, strict=True):
        if major in suspicious:
            set_aside.append(SetAside(release, suspicious[major]))
        else:
            kept.append(release)
    return kept


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

    group = comparable_group(current)
    if group == "unknown":
        group = _dominant_group(usable)
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
        candidates = _drop_suspicious(candidates, current, policy, set_aside, keys)

    gnome_odd_minor = policy.gnome_odd_minor
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
