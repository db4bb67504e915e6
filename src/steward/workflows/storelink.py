"""A check run's link to its store: the store opened and written by one thread of the run.

``steward check`` starts the link before it loads the tree, so that the store is opened
(SQLAlchemy loaded, the database migrated, the stored upstream states read) while the tree's
worker processes parse. The run then hands it batches of results; the thread writes each in
one transaction, in order, so a run killed at any moment keeps every batch committed before,
and the next run of the same tree resumes it. There is one schema (the SQLAlchemy models
and their Alembic migrations) and one way to write it (:class:`~steward.store.queries.Store`).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from steward.store.errors import StoreError
from steward.store.records import CheckRecord

if TYPE_CHECKING:
    from steward.store.queries import Store

__all__ = ["StoreLink", "open_link", "tree_key"]

#: The interrupted run's package count (``None``: none), what it stored, the stored states.
Begin = tuple[int | None, set[str], dict[str, bytes]]

# Batches waiting for the thread; past this, the run waits (its results are held in memory).
_QUEUE_LIMIT = 16


def tree_key(root: Path) -> str:
    """How the store names a tree: its absolute path."""
    return str(root.resolve())


class StoreLink:
    """A check run's way to its store (``url``; ``None``: the configured or default one).

    Every call but :meth:`ready` and :meth:`close` only queues work for the store's thread
    and returns at once. The first failure of the store is kept: later batches are dropped,
    and :meth:`ready` or :meth:`close` raises :class:`StoreError` with it.
    """

    def __init__(self, url: str | None) -> None:
        self.url = url
        self._jobs: queue.Queue[Callable[[], None] | None] = queue.Queue(_QUEUE_LIMIT)
        self._thread: threading.Thread | None = None
        self._store: Store | None = None
        self._error: str | None = None
        self._begun: tuple[str, bool] | None = None
        self._answer: Begin | None = None
        self._answered = threading.Event()
        self._previous_id: int | None = None
        self._run_id: int | None = None
        self._fresh: dict[str, int] = {}

    def start(self) -> StoreLink:
        self._thread = threading.Thread(target=self._work, name="steward-store", daemon=True)
        self._thread.start()
        self._jobs.put(self._open)
        return self

    # -- the run's side -----------------------------------------------------------------------

    def begin(self, tree: str, resume: bool) -> None:
        """Ask for the tree's interrupted run and the stored states; :meth:`ready` answers.

        Asked before the tree is loaded, so that the store works on it meanwhile; asking
        again for the same tree does nothing.
        """
        if self._begun is not None:
            if self._begun != (tree, resume):
                raise StoreError(f"this store link already began a run of {self._begun[0]}")
            return
        self._begun = (tree, resume)
        self._jobs.put(lambda: self._begin(tree, resume))

    def ready(self) -> Begin:
        """The interrupted run's package count (``None``: none), what it stored, the states."""
        self._answered.wait()
        if self._answer is None:
            self.close(False)
            raise StoreError(self._error or "the store gave no answer")
        # The states are handed over, not kept: the run drops each once it is used.
        total, done, states = self._answer
        self._answer = total, done, {}
        return total, done, states

    def start_run(self, total: int, options: dict[str, Any], resume: bool) -> None:
        """Record into the interrupted run (``resume``) or a new one."""
        self._jobs.put(lambda: self._start_run(total, options, resume))

    def send(self, records: list[CheckRecord]) -> None:
        """Queue one batch, written in one transaction."""
        self._jobs.put(lambda: self._batch(records))

    def close(self, finished: bool) -> tuple[int, dict[str, int]]:
        """Wait until every batch is written and close the store: the run's id and the fresh
        release counts by upstream (``(0, {})`` for a run that never started)."""
        thread, self._thread = self._thread, None
        if thread is None:
            return 0, {}
        self._jobs.put(lambda: self._end(finished))
        self._jobs.put(None)
        thread.join()
        if self._error is not None:
            if not finished:
                return 0, {}
            raise StoreError(f"writing results failed: {self._error}")
        return self._run_id or 0, dict(self._fresh)

    # -- the store's thread ---------------------------------------------------------------------

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            if self._error is not None:
                continue  # drained: the first failure is what the run is told
            try:
                job()
            except Exception as exc:  # reported to the run by ready() or close()
                self._error = str(exc) or type(exc).__name__
        self._answered.set()
        if self._store is not None:
            self._store.close()
            self._store = None

    def _open(self) -> None:
        try:
            from steward.store.queries import Store

            self._store = Store.open(self.url)
        finally:
            if self._store is None:
                self._answered.set()

    def _begin(self, tree: str, resume: bool) -> None:
        assert self._store is not None
        try:
            previous = self._store.unfinished_run(tree) if resume else None
            states = self._store.upstream_states()
            if previous is None:
                self._answer = None, set(), states
            else:
                self._previous_id = previous.id
                done = self._store.done_in_run(previous.id)
                self._answer = previous.packages_total, done, states
        finally:
            self._answered.set()

    def _start_run(self, total: int, options: dict[str, Any], resume: bool) -> None:
        assert self._store is not None and self._begun is not None
        if resume and self._previous_id is not None:
            self._run_id = self._previous_id
        else:
            self._run_id = self._store.start_run(self._begun[0], total, options)

    def _batch(self, records: list[CheckRecord]) -> None:
        assert self._store is not None
        if records and self._run_id is not None:
            outcome = self._store.record_results(self._run_id, records)
            for key, releases in outcome.fresh_releases().items():
                self._fresh[key] = len(releases)

    def _end(self, finished: bool) -> None:
        assert self._store is not None
        if finished and self._run_id is not None:
            self._store.finish_run(self._run_id)


def open_link(url: str | None) -> StoreLink:
    """Open the store for ``url`` (``None``: the default store) in its thread right away, so
    that it opens while the caller does other work."""
    return StoreLink(url).start()
