"""The adaptive scheduler: when to check each upstream again, and how to spend each quota.

Pure functions (the clock is an argument), then :class:`Scheduler`, which runs them inside
``steward serve``:

- :func:`check_interval`: from the upstream's own release cadence. The typical gap between
  its recent releases, divided by :attr:`Cadence.divisor` (168: a weekly releaser is
  checked hourly), kept between :attr:`Cadence.shortest` and a day; an upstream with no
  release for :attr:`Cadence.dormant_after` is checked daily, and less often the longer it
  sleeps (up to :attr:`Cadence.longest`); one whose forge sends webhooks is polled only as
  a slow fallback (:attr:`Cadence.hooked`).
- :func:`jitter`: a stable per-upstream offset (±10 %), so that upstreams first seen
  together do not stay in lock-step.
- :func:`plan`: the due checks of each backend spread evenly across the hour within that
  backend's request budget (``[service] quotas``), oldest due first; what does not fit
  waits for the next hour, instead of running the quota out and pausing.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import itertools
import logging
import statistics
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from steward.upstream.engine import NOT_FAILURES
from steward.workflows.check import tree_key

if TYPE_CHECKING:
    from steward.service.state import ServiceState

__all__ = [
    "Cadence",
    "Due",
    "Plan",
    "Scheduler",
    "Slot",
    "check_interval",
    "jitter",
    "next_check",
    "plan",
]

log = logging.getLogger("steward.service.scheduler")

HOUR = _dt.timedelta(hours=1)
DAY = _dt.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Cadence:
    """The scheduler's bounds (the defaults suit a distribution's upstreams)."""

    divisor: float = 168.0
    shortest: _dt.timedelta = _dt.timedelta(minutes=15)
    longest: _dt.timedelta = _dt.timedelta(days=7)
    dormant_after: _dt.timedelta = _dt.timedelta(days=365)
    unknown: _dt.timedelta = DAY
    hooked: _dt.timedelta = DAY
    recent: int = 10


def _aware(moment: _dt.datetime) -> _dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=_dt.UTC)


def check_interval(
    release_dates: Sequence[_dt.datetime],
    now: _dt.datetime,
    *,
    webhook_covered: bool = False,
    cadence: Cadence = Cadence(),
) -> _dt.timedelta:
    """How long after a check the upstream is checked again (before jitter)."""
    dates = sorted(_aware(d) for d in release_dates)
    if not dates:
        interval = cadence.unknown
    elif now - dates[-1] > cadence.dormant_after:
        # Asleep: daily, and one more day for every further year without a release.
        years = (now - dates[-1]) / cadence.dormant_after
        interval = min(cadence.longest, DAY * max(1.0, years))
    elif len(dates) < 2:
        interval = cadence.unknown
    else:
        recent = dates[-(cadence.recent + 1) :]
        gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(recent)]
        typical = _dt.timedelta(seconds=statistics.median(gaps))
        # Time since the last release counts too: a project quiet for longer than its
        # usual gap is slowing down.
        typical = max(typical, (now - dates[-1]) / 2)
        interval = min(DAY, max(cadence.shortest, typical / cadence.divisor))
    if webhook_covered:
        interval = max(interval, cadence.hooked)
    return interval


def jitter(key: str, interval: _dt.timedelta, fraction: float = 0.1) -> _dt.timedelta:
    """A stable offset in ``[-fraction, +fraction) * interval`` chosen by ``key``."""
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    unit = int.from_bytes(digest[:8], "big") / 2**64  # [0, 1)
    return interval * ((unit * 2 - 1) * fraction)


def next_check(
    key: str,
    last_checked: _dt.datetime | None,
    release_dates: Sequence[_dt.datetime],
    now: _dt.datetime,
    *,
    webhook_covered: bool = False,
    cadence: Cadence = Cadence(),
) -> _dt.datetime:
    """When upstream ``key`` is next due (``now`` when it was never checked)."""
    if last_checked is None:
        return now
    interval = check_interval(release_dates, now, webhook_covered=webhook_covered, cadence=cadence)
    return _aware(last_checked) + interval + jitter(key, interval)


@dataclass(frozen=True, slots=True)
class Due:
    """A check that is due: the upstream, its backend, since when, and its request cost."""

    key: str
    backend: str
    due_at: _dt.datetime
    cost: int = 1


@dataclass(frozen=True, slots=True)
class Slot:
    """When, within the hour, a due check runs."""

    key: str
    backend: str
    at: _dt.datetime


@dataclass(frozen=True, slots=True)
class Plan:
    """The hour's slots by time, and the checks left for the next hour."""

    slots: tuple[Slot, ...]
    deferred: tuple[Due, ...] = field(default=())


def plan(
    due: Sequence[Due],
    budgets: Mapping[str, int],
    start: _dt.datetime,
    *,
    window: _dt.timedelta = HOUR,
) -> Plan:
    """Spread ``due`` over ``window`` from ``start``: each backend within its budget.

    A backend with a budget of ``B`` requests gets checks costing at most ``B`` in the
    window, evenly spaced, the longest-due first; one without a budget runs everything
    at ``start``.
    """
    by_backend: dict[str, list[Due]] = {}
    for item in due:
        by_backend.setdefault(item.backend, []).append(item)
    slots: list[Slot] = []
    deferred: list[Due] = []
    for backend, items in by_backend.items():
        items.sort(key=lambda d: (d.due_at, d.key))
        budget = budgets.get(backend)
        if budget is None:
            slots += [Slot(d.key, backend, start) for d in items]
            continue
        chosen: list[Due] = []
        spent = 0
        for item in items:
            if spent + item.cost <= budget:
                chosen.append(item)
                spent += item.cost
            else:
                deferred.append(item)
        step = window / max(len(chosen), 1)
        slots += [Slot(d.key, backend, start + step * i) for i, d in enumerate(chosen)]
    slots.sort(key=lambda s: (s.at, s.key))
    return Plan(tuple(slots), tuple(deferred))


#: The key prefix of a package never checked (its upstream is not stored yet).
NEW = "package:"

#: Requests one check costs, by backend (forges read releases and tags).
COSTS = {"github": 2, "gitlab": 2, "gitee": 2, "gitea": 2}


class Scheduler:
    """Runs the plan inside ``steward serve``: every ``tick`` seconds, due upstreams are
    planned across the hour and handed to the service's check queue when their slot comes.
    """

    def __init__(
        self,
        state: ServiceState,
        *,
        tick: float = 30.0,
        cadence: Cadence = Cadence(),
    ) -> None:
        self.state = state
        self.tick = tick
        self.cadence = cadence
        self._slots: dict[str, Slot] = {}
        self._window_start: _dt.datetime | None = None
        self._spent: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def due(self, now: _dt.datetime) -> list[Due]:
        """The upstreams of the tree's packages that are due at ``now``."""
        state = self.state
        rows = state.store.latest_checks(tree_key(state.distro.root))
        hooked = state.hooked_upstreams(now)
        found: dict[str, Due] = {}
        checked = {row.package for row in rows}
        for record in state.distro:
            # Never checked: due now, under a key of its own until its upstream is stored.
            new = f"{NEW}{record.name}"
            if record.name not in checked and new not in self._slots:
                backend = state.index.kind_of(record.name) or "unknown"
                found[new] = Due(new, backend, now, COSTS.get(backend, 1))
        for row in rows:
            key = row.upstream_key
            if key is None and row.error_code not in NOT_FAILURES:
                key = f"{NEW}{row.package}"  # failed before naming its upstream: daily
            if key is None or key in found or key in self._slots:
                continue
            dates = [
                s.release.date for s in state.store.releases_for(key) if s.release.date is not None
            ]
            covered = key.split("[", 1)[0].lower() in hooked
            at = next_check(
                key, row.checked_at, dates, now, webhook_covered=covered, cadence=self.cadence
            )
            if at <= now:
                backend = row.upstream_kind or key.split(":", 1)[0]
                found[key] = Due(key, backend, at, COSTS.get(backend, 1))
        return list(found.values())

    def step(self, now: _dt.datetime) -> list[str]:
        """Plan what became due, and queue the packages whose slot has come.

        Budgets are per hour window: the first step of a window plans with the whole
        budget, later steps with what the window has left, over what is left of it.
        """
        if self._window_start is None or now >= self._window_start + HOUR:
            self._window_start = now
            self._spent = {}
        left = self._window_start + HOUR - now
        budgets = {
            backend: max(0, budget - self._spent.get(backend, 0))
            for backend, budget in self.state.config.service.quotas.items()
        }
        fresh = plan(self.due(now), budgets, now, window=left)
        for slot in fresh.slots:
            self._slots[slot.key] = slot
            self._spent[slot.backend] = self._spent.get(slot.backend, 0) + COSTS.get(
                slot.backend, 1
            )
        ready = [key for key, slot in self._slots.items() if slot.at <= now]
        for key in ready:
            del self._slots[key]
        if not ready:
            return []
        names = self.state.packages_of(ready)
        self.state.enqueue(names)
        log.info("scheduled checks of %d upstreams (%d packages)", len(ready), len(names))
        return names

    def start(self) -> Scheduler:
        self._thread = threading.Thread(target=self._run, name="steward-scheduler", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.step(_dt.datetime.now(_dt.UTC))
            except Exception:  # the next tick tries again
                log.exception("scheduling failed")
            self._stop.wait(self.tick)
