"""What one running service holds: the tree, the configuration, the store and the check queue.

Checks run one at a time (a lock: SQLite has one writer, and two checks of one upstream
would only repeat each other's requests). Webhooks and the scheduler hand package names
to :meth:`ServiceState.enqueue`; a worker thread runs them, merging names that are
already waiting, so a burst of hooks for one upstream costs one check.
"""

from __future__ import annotations

import datetime as _dt
import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from steward.config import Config
from steward.distro.tree import Distro
from steward.service.events import TOPIC_VERSION_UPDATE, Publisher, version_update
from steward.service.webhooks import ReplayGuard
from steward.store import Store
from steward.workflows.check import CheckRun, tree_key
from steward.workflows.service import UpstreamIndex, check_named, upstream_index

__all__ = ["Counters", "ServiceState"]

log = logging.getLogger("steward.service")

#: How long an upstream counts as webhook-covered after its last accepted webhook.
HOOK_MEMORY = _dt.timedelta(days=30)


@dataclass(slots=True)
class Counters:
    """What the service did since it started (shown by ``/healthz``)."""

    checks: int = 0
    packages_checked: int = 0
    check_errors: int = 0
    webhooks_accepted: int = 0
    webhooks_refused: int = 0
    webhooks_ignored: int = 0
    last_check_at: float | None = None


@dataclass(slots=True)
class ServiceState:
    """One service: ``distro`` as loaded at start, ``store`` open for the API's reads."""

    distro: Distro
    config: Config
    store: Store
    policy: str = "latest"
    counters: Counters = field(default_factory=Counters)
    replay: ReplayGuard = field(init=False)
    _index: UpstreamIndex | None = field(default=None, init=False)
    _check_lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _queue_lock: threading.Condition = field(default_factory=threading.Condition, init=False)
    _waiting: set[str] = field(default_factory=set, init=False)
    _busy: bool = field(default=False, init=False)
    _stopping: bool = field(default=False, init=False)
    _worker: threading.Thread | None = field(default=None, init=False)
    _hooked: dict[str, _dt.datetime] = field(default_factory=dict, init=False)
    publisher: Publisher | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.replay = ReplayGuard(float(self.config.service.replay_window))
        settings = self.config.service
        if settings.amqp_url:
            self.publisher = Publisher(settings.amqp_url, settings.amqp_exchange)

    # -- the upstream index ---------------------------------------------------------------

    @property
    def index(self) -> UpstreamIndex:
        if self._index is None:
            self._index = upstream_index(self.distro, self.config, self.store)
        return self._index

    def packages_of(self, upstream_keys: Iterable[str]) -> list[str]:
        """The packages whose stored upstream is one of ``upstream_keys``
        (``package:NAME`` names a package directly)."""
        wanted = set(upstream_keys)
        named = {k.removeprefix("package:") for k in wanted if k.startswith("package:")}
        rows = self.store.latest_checks(tree_key(self.distro.root))
        found = {r.package for r in rows if r.upstream_key in wanted}
        return sorted(found | {n for n in named if n in self.distro})

    # -- webhook coverage -----------------------------------------------------------------

    def note_hook(self, kind: str, project: str, now: _dt.datetime | None = None) -> None:
        """Upstream ``kind:project`` sent a webhook: the scheduler polls it only slowly."""
        self._hooked[f"{kind}:{project}".lower()] = now or _dt.datetime.now(_dt.UTC)

    def hooked_upstreams(self, now: _dt.datetime) -> set[str]:
        """``kind:project`` (lower-case) of upstreams that sent a webhook within HOOK_MEMORY."""
        return {key for key, at in self._hooked.items() if now - at <= HOOK_MEMORY}

    # -- checks -----------------------------------------------------------------------------

    def check(self, names: Iterable[str]) -> CheckRun:
        """Check ``names`` now (waits for a check already running)."""
        wanted = sorted(set(names))
        with self._check_lock:
            try:
                run = check_named(
                    self.distro,
                    self.config,
                    wanted,
                    db=self.store.connection_url(),
                    policy=self.policy,
                )
            except Exception:
                self.counters.check_errors += 1
                raise
            self.counters.checks += 1
            self.counters.packages_checked += len(run.results)
            self.counters.last_check_at = time.time()
            self._index = None  # the stored upstreams may have changed
        if self.publisher is not None and run.new_releases:
            self._publish(run.new_releases)
        return run

    def _publish(self, fresh: dict[str, int]) -> None:
        """One ``steward.upstream.version.update`` per upstream with fresh releases."""
        assert self.publisher is not None
        tree = tree_key(self.distro.root)
        rows = self.store.latest_checks(tree)
        for upstream, count in fresh.items():
            stored = [s.release.version for s in self.store.releases_for(upstream)]
            packages = [
                {"name": r.package, "version": r.current_version, "recommended": r.recommended}
                for r in rows
                if r.upstream_key == upstream
            ]
            body = version_update(upstream, stored[-count:], stored, packages, tree)
            self.publisher.publish(TOPIC_VERSION_UPDATE, body)

    def enqueue(self, names: Iterable[str]) -> None:
        """Check ``names`` soon, in the worker thread (started on first use)."""
        with self._queue_lock:
            self._waiting.update(names)
            if self._worker is None:
                self._worker = threading.Thread(
                    target=self._work, name="steward-checks", daemon=True
                )
                self._worker.start()
            self._queue_lock.notify_all()

    def idle(self, timeout: float) -> bool:
        """Wait until no check is waiting or running; ``False`` on timeout."""
        deadline = time.monotonic() + timeout
        with self._queue_lock:
            while self._waiting or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._queue_lock.wait(left)
        return True

    def stop(self, timeout: float = 30.0) -> None:
        """Let the running check finish, drop what waits, and stop the worker."""
        with self._queue_lock:
            self._stopping = True
            self._queue_lock.notify_all()
            worker = self._worker
        if worker is not None:
            worker.join(timeout)

    def _work(self) -> None:
        while True:
            with self._queue_lock:
                while not self._waiting and not self._stopping:
                    self._queue_lock.wait()
                if self._stopping:
                    return
                batch, self._waiting = self._waiting, set()
                self._busy = True
            try:
                run = self.check(batch)
                log.info("checked %s: run %d", ", ".join(sorted(batch)), run.run_id)
            except Exception:  # one failure never stops the service
                log.exception("check of %s failed", ", ".join(sorted(batch)))
            finally:
                with self._queue_lock:
                    self._busy = False
                    self._queue_lock.notify_all()
