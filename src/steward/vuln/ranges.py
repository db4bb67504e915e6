"""OSV's affected-range evaluation, literally, in rpm order, with an explicit epoch policy.

:func:`is_affected` is the ``IsVulnerable`` pseudocode of the OSV schema ("Evaluation"):
a version is affected when it is listed in ``versions`` or lies in one of the ranges;
within a range the events are sorted (``introduced: "0"`` first), ``introduced`` sets
vulnerable, ``fixed`` (``v >= fixed``) and ``last_affected`` (``v > last_affected``) clear
it, and a range with ``limit`` events applies only below some limit.

Versions compare with :func:`steward.rpm.version.compare_evr`. Where the package states an
epoch and the advisory's version does not (or the reverse), the two possible readings are

* ``vr``: the side without an epoch has the other's (the advisory's source omits epochs),
* ``rpm``: a missing epoch is 0 (rpm's own rule; sources that always write epochs),

and the source's :class:`~steward.vuln.model.EpochPolicy` picks one; with ``unknown`` both
are evaluated and, when they disagree, the answer is ambiguous.

>>> from steward.vuln.model import Event, Range
>>> r = Range("ECOSYSTEM", (Event("introduced", "0"), Event("fixed", "2.1.0-9")))
>>> is_affected(Package("3:2.1.0-8"), (r,), (), EpochPolicy.OMITTED).affected
True
>>> is_affected(Package("3:2.1.0-8"), (r,), (), EpochPolicy.EXPLICIT).affected
False
>>> verdict = is_affected(Package("3:2.1.0-8"), (r,), (), EpochPolicy.UNKNOWN)
>>> verdict.ambiguous, verdict.readings
(True, {'vr': True, 'rpm': False})
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from steward.rpm.version import compare_evr
from steward.vuln.model import EpochPolicy, Event, Range

__all__ = ["Package", "Verdict", "compare", "is_affected", "sorted_events"]


_EPOCH = re.compile(r"^(\d+):")


@functools.lru_cache(maxsize=1 << 16)
def _parts(value: str) -> tuple[int | None, str]:
    """``(epoch or None, version-release)``: the epoch is leading digits before a ``:``,
    as librpm's parseEVR reads it."""
    match = _EPOCH.match(value)
    if match is None:
        return None, value
    return int(match[1]), value[match.end() :]


@dataclass(frozen=True, slots=True)
class Package:
    """The version side of a match: an ``[epoch:]version-release`` as the package states it."""

    evr: str
    epoch: int | None = field(init=False)
    vr: str = field(init=False)

    def __post_init__(self) -> None:
        epoch, vr = _parts(self.evr)
        object.__setattr__(self, "epoch", epoch)
        object.__setattr__(self, "vr", vr)

    @property
    def version(self) -> str:
        return self.vr.rsplit("-", 1)[0] if "-" in self.vr else self.vr


def compare(package: Package, value: str, reading: str) -> int:
    """``package`` against an advisory's version under a reading (``vr`` or ``rpm``)."""
    epoch, vr = _parts(value)
    if reading == "vr" and (epoch is None) != (package.epoch is None):
        return compare_evr(package.vr, vr)
    return compare_evr(package.evr, value)


def _needs_epoch_choice(package: Package, values: Sequence[str]) -> bool:
    for value in values:
        epoch, _ = _parts(value)
        if (epoch is None) != (package.epoch is None) and (epoch or package.epoch):
            return True
    return False


def sorted_events(events: Sequence[Event]) -> list[Event]:
    """Events in rpm order, ``introduced: "0"`` before everything (the OSV rule); ties keep
    their written order."""
    return sorted(events, key=_EventKey)


class _EventKey:
    __slots__ = ("event",)

    def __init__(self, event: Event) -> None:
        self.event = event

    def __lt__(self, other: _EventKey) -> bool:
        a, b = self.event, other.event
        if a.kind == "introduced" and a.value == "0":
            return not (b.kind == "introduced" and b.value == "0")
        if b.kind == "introduced" and b.value == "0":
            return False
        return compare_evr(a.value, b.value) < 0


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome: ``affected`` under the chosen reading; with an unknown epoch policy and
    readings that disagree, ``ambiguous`` is set and ``readings`` holds both answers.

    ``fixed`` is the ``fixed`` event that ends the range the version lies in, if any.
    """

    affected: bool
    ambiguous: bool = False
    readings: dict[str, bool] = field(default_factory=dict)
    fixed: str | None = None
    last_affected: str | None = None


def _in_range(package: Package, rng: Range, reading: str) -> tuple[bool, str | None, str | None]:
    events = rng.events
    limits = [e.value for e in events if e.kind == "limit"]
    if limits and not any(compare(package, limit, reading) < 0 for limit in limits):
        return False, None, None
    vulnerable = False
    fixed: str | None = None
    last: str | None = None
    for event in sorted_events(events):
        if event.kind == "introduced" and (
            event.value == "0" or compare(package, event.value, reading) >= 0
        ):
            vulnerable = True
        # The schema's three branches, kept as written there.
        elif event.kind == "fixed" and compare(package, event.value, reading) >= 0:  # noqa: SIM114
            vulnerable = False
        elif event.kind == "last_affected" and compare(package, event.value, reading) > 0:
            vulnerable = False
    if vulnerable:
        # The fix (or last affected version) that closes this stretch of the range.
        for event in sorted_events(events):
            if event.kind == "fixed" and compare(package, event.value, reading) < 0:
                fixed = event.value
                break
            if event.kind == "last_affected" and compare(package, event.value, reading) <= 0:
                last = event.value
                break
    return vulnerable, fixed, last


def _evaluate(
    package: Package, ranges: Sequence[Range], versions: Sequence[str], reading: str
) -> Verdict:
    for version in versions:
        if compare(package, version, reading) == 0:
            return Verdict(True)
    for rng in ranges:
        if rng.type == "GIT":
            continue  # commit ranges say nothing about an rpm EVR
        if rng.type == "SEMVER":
            upstream = Package(package.version)
            hit, fixed, last = _in_range(upstream, rng, "vr")
        else:
            hit, fixed, last = _in_range(package, rng, reading)
        if hit:
            return Verdict(True, fixed=fixed, last_affected=last)
    return Verdict(False)


def is_affected(
    package: Package,
    ranges: Sequence[Range],
    versions: Sequence[str],
    policy: EpochPolicy,
) -> Verdict:
    """Whether ``package`` is affected by these ranges and versions (see the module text)."""
    if policy is EpochPolicy.OMITTED:
        return _evaluate(package, ranges, versions, "vr")
    if policy is EpochPolicy.EXPLICIT:
        return _evaluate(package, ranges, versions, "rpm")
    values = [*versions, *(e.value for r in ranges for e in r.events if e.value != "0")]
    if not _needs_epoch_choice(package, values):
        return _evaluate(package, ranges, versions, "rpm")
    vr = _evaluate(package, ranges, versions, "vr")
    rpm = _evaluate(package, ranges, versions, "rpm")
    if vr.affected == rpm.affected:
        return rpm
    return Verdict(
        affected=False,
        ambiguous=True,
        readings={"vr": vr.affected, "rpm": rpm.affected},
        fixed=vr.fixed or rpm.fixed,
    )
