"""A check run's link to its store writer, kept apart from the engine so that ``steward check``
can start it (and ask its first question) before the network code is even imported.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from pathlib import Path
from typing import Any

from steward.store.errors import StoreError
from steward.store.records import CheckRecord
from steward.store.writer import LocalWriter, read_frame, spawn, write_frame

__all__ = ["StoreLink", "open_link", "tree_key"]


def tree_key(root: Path) -> str:
    """How the store names a tree: its absolute path."""
    return str(root.resolve())


class StoreLink:
    """A check run's way to its store: a writer process of its own (:mod:`steward.store.writer`).

    Writing release rows is a third of a scan's CPU; in a thread it competes with the event
    loop for the interpreter lock, in a process it uses the other core, and the run's own
    process never loads SQLAlchemy. ``STEWARD_WRITER=thread``, or a process that cannot
    start, writes in a thread instead.
    """

    def __init__(self, url: str | None) -> None:
        self.url = url
        self.process: subprocess.Popen[bytes] | None = None
        self.local: LocalWriter | None = None  # the thread mode
        self.begun: tuple[str, bool] | None = None
        self.answer: tuple[int | None, set[str], dict[str, bytes]] | None = None

    def start(self) -> StoreLink:
        if os.environ.get("STEWARD_WRITER", "process") != "thread":
            with contextlib.suppress(OSError):
                self.process = spawn()
        if self.process is None:
            self.local = LocalWriter()
        self._write(("open", self.url))
        return self

    def _write(self, frame: tuple[Any, ...]) -> None:
        if self.local is not None:
            self.local.send(frame)
            return
        assert self.process is not None and self.process.stdin is not None
        try:
            write_frame(self.process.stdin, frame)
        except BrokenPipeError as exc:
            raise StoreError("the store writer stopped; its messages are above") from exc

    def _read(self) -> Any:
        if self.local is not None:
            return self.local.receive()
        assert self.process is not None and self.process.stdout is not None
        return read_frame(self.process.stdout)

    def begin(self, tree: str, resume: bool) -> None:
        """Ask for the tree's interrupted run and the stored states; :meth:`ready` answers.

        Sent before the tree is loaded, so that the writer works on it meanwhile; asking
        again for the same tree does nothing.
        """
        if self.begun is not None:
            if self.begun != (tree, resume):
                raise StoreError(f"this store link already began a run of {self.begun[0]}")
            return
        self.begun = (tree, resume)
        self._write(("begin", tree, resume))

    def ready(self) -> tuple[int | None, set[str], dict[str, bytes]]:
        """The interrupted run's package count (``None``: none), what it stored, the states."""
        if self.answer is None:
            reply = self._read()
            if reply is None or reply[0] != "ok":
                self.close(False)
                raise StoreError(reply[1] if reply else "the store writer ended with no answer")
            self.answer = reply[1], reply[2], reply[3]
        # The states are handed over, not kept: the run drops each once it is used.
        total, done, states = self.answer
        self.answer = total, done, {}
        return total, done, states

    def start_run(self, total: int, options: dict[str, Any], resume: bool) -> None:
        """Record into the interrupted run (``resume``) or a new one."""
        self._write(("run", total, options, resume))

    def send(self, records: list[CheckRecord]) -> None:
        self._write(("batch", records))

    def close(self, finished: bool) -> tuple[int, dict[str, int]]:
        """Wait until every batch is written: the run's id and the fresh release counts by
        upstream (``(0, {})`` for a run that never started)."""
        if self.process is None and self.local is None:
            return 0, {}
        process = self.process
        try:
            try:
                self._write(("end", finished))
                reply = self._read()
            except StoreError:  # the writer is gone: the reply tells no more
                reply = None
        finally:
            self.process = self.local = None
            if process is not None:
                assert process.stdin is not None
                with contextlib.suppress(BrokenPipeError):
                    process.stdin.close()
                process.wait(timeout=600)
        if reply is None or reply[0] != "done":
            if not finished:
                return 0, {}
            status = process.returncode if process is not None else "?"
            raise StoreError(f"the store writer ended with status {status}")
        _, run_id, fresh, error = reply
        if error:
            raise StoreError(f"writing results failed: {error}")
        return int(run_id or 0), {str(k): int(v) for k, v in fresh.items()}


def open_link(url: str | None) -> StoreLink:
    """Start the store writer for ``url`` (``None``: the default store) right away, so that
    it opens the store while the caller does other work."""
    return StoreLink(url).start()
