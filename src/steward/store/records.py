"""The values the store takes and gives back: plain frozen dataclasses, never ORM objects.

A check writes :class:`CheckRecord` values; readers get :class:`CheckRow` (the latest check
of a package), :class:`StoredRelease` (an upstream release and when Steward first saw it)
and :class:`RunRow` (a ``steward check`` run, finished or resumable).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from steward.upstream.recommend import Recommendation, Status
from steward.upstream.sources.base import Upstream
from steward.upstream.versions import Release

__all__ = ["CheckRecord", "CheckRow", "RecordOutcome", "RunRow", "StoredRelease"]


def _utcnow() -> _dt.datetime:
    return _dt.datetime.now(_dt.UTC)


@dataclass(frozen=True, slots=True)
class CheckRecord:
    """The outcome of checking one package, as the engine hands it to the store.

    A check failed when ``error_code`` is set (``upstream`` and ``releases`` may still say
    how far it got); the stored row then keeps the last successful answer. ``releases`` are
    every release the upstream listed, recorded under ``upstream.key`` whatever the
    recommendation made of them.
    """

    tree: str
    package: str
    upstream: Upstream | None
    current_version: str | None
    releases: Sequence[Release] = ()
    recommendation: Recommendation | None = None
    error_code: str | None = None
    error_message: str | None = None
    checked_at: _dt.datetime = field(default_factory=_utcnow)
    #: The upstream state to store under ``state_key`` (see
    #: :class:`~steward.store.models.UpstreamState`): ``state`` replaces the stored one; no
    #: state and not ``unchanged`` forgets it (the fetch left nothing to revalidate); no
    #: state and ``unchanged`` (every response answered 304) keeps it as it is.
    state_key: str | None = None
    state: bytes | None = None
    unchanged: bool = False

    @property
    def failed(self) -> bool:
        return self.error_code is not None


@dataclass(frozen=True, slots=True)
class StoredRelease:
    """An upstream release with the times Steward first and most recently saw it listed.

    ``release.date`` minus ``first_seen`` is how long the release took to be noticed.
    """

    release: Release
    first_seen: _dt.datetime
    last_seen: _dt.datetime

    @property
    def noticed_after(self) -> _dt.timedelta | None:
        """How long after its upstream release date Steward first saw it, if dated."""
        if self.release.date is None:
            return None
        date = self.release.date
        if date.tzinfo is None:
            date = date.replace(tzinfo=_dt.UTC)
        return self.first_seen - date


@dataclass(frozen=True, slots=True)
class CheckRow:
    """The latest stored check of one package of one tree.

    When the latest check failed, ``error_code``/``error_message`` say why and the upstream
    fields (``status``, ``newest``, ``recommended``, distances) are those of the last
    successful check, at ``last_success_at`` (``None`` if it never succeeded).
    """

    tree: str
    package: str
    checked_at: _dt.datetime
    last_success_at: _dt.datetime | None
    run_id: int | None
    upstream_key: str | None
    upstream_kind: str | None
    origin: str | None
    current_version: str | None
    status: Status | None
    newest: str | None
    newest_stable: str | None
    recommended: str | None
    versions_behind: int | None
    days_behind: int | None
    current_exists_upstream: bool | None
    reason: str | None
    error_code: str | None
    error_message: str | None

    @property
    def failed(self) -> bool:
        return self.error_code is not None


@dataclass(frozen=True, slots=True)
class RunRow:
    """One ``steward check`` run. It is resumable while ``finished_at`` is ``None``."""

    id: int
    tree: str
    started_at: _dt.datetime
    finished_at: _dt.datetime | None
    packages_total: int
    packages_done: int
    failures: int
    options: Mapping[str, Any]

    @property
    def finished(self) -> bool:
        return self.finished_at is not None


@dataclass(frozen=True, slots=True)
class RecordOutcome:
    """What one :meth:`~steward.store.Store.record_results` call learnt about upstreams.

    ``new_releases`` maps an upstream key to the releases stored for the first time by this
    call (in the order given). ``new_upstreams`` names the upstreams stored for the first
    time: all their releases are "new" only because Steward had never looked before, which
    a notifier will want to tell apart from fresh upstream releases.
    """

    new_releases: Mapping[str, tuple[Release, ...]] = field(default_factory=dict)
    new_upstreams: frozenset[str] = frozenset()

    def fresh_releases(self) -> dict[str, tuple[Release, ...]]:
        """``new_releases`` without the upstreams seen for the first time."""
        return {
            key: releases
            for key, releases in self.new_releases.items()
            if key not in self.new_upstreams
        }
