"""The store of a check run, in a process of its own: ``python -m steward.store.writer``.

A ``steward check`` run never opens the store itself. It starts this process first, which
imports SQLAlchemy, opens (and migrates) the store and loads the stored upstream states on
the other core while the run loads its package tree; an up-to-date SQLite store answers
the run's first question with ``sqlite3`` alone (:mod:`steward.store.quickread`) while
SQLAlchemy is still loading. The run talks to it over its standard input and output in
length-prefixed pickles (it is Steward's own child, reading only what its parent wrote):

1. ``("open", url)``: the database URL (through the pipe, not the command line: it may
   hold a password); ``None`` means the default store.
2. ``("begin", tree, resume)``, answered with ``("ok", total, done, states)``: the package
   count of the tree's interrupted run (``None`` when there is none or ``resume`` is
   false), the packages it already stored, and every stored upstream state; or
   ``("error", message)``. The run sends it before it loads its tree, and reads the answer
   after.
3. ``("run", total, options, resume)``: record into the interrupted run (``resume``) or
   start a new one.
4. ``("batch", records)``, any number: each written in one transaction, so a run killed at
   any moment keeps what was committed.
5. ``("end", finished)``, answered with ``("done", run_id, fresh, error)``: a finished run
   is marked so; ``fresh`` counts the releases stored for the first time, by upstream key.

The end of its input without an end frame (the parent was killed) ends it after the
batches it received, leaving the run resumable.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import struct
import subprocess
import sys
import threading
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from steward.store.quickread import Begin

_HEADER = struct.Struct("!Q")


def write_frame(stream: IO[bytes], payload: Any) -> None:
    """Send one frame (``None`` sends an empty frame, read back as ``None``)."""
    data = b"" if payload is None else pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def read_frame(stream: IO[bytes]) -> Any:
    """The next frame's payload; ``None`` for an empty frame or the end of the input."""
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        return None
    (size,) = _HEADER.unpack(header)
    if size == 0:
        return None
    data = stream.read(size)
    if len(data) < size:
        return None
    return pickle.loads(data)


class RunWriter:
    """The store side of one check run (used by this process, or in a thread)."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.tree = ""
        self.previous_id: int | None = None
        self.run_id: int | None = None
        self.fresh: dict[str, int] = {}
        self.error: str | None = None  # the first failure; later batches are not written

    def handle(self, frame: tuple[Any, ...]) -> tuple[Any, ...] | None:
        """Carry out one frame of the protocol; its answer, or None for frames without one."""
        kind = frame[0]
        try:
            if kind == "begin":
                return ("ok", *self.begin(*frame[1:]))
            if kind == "run":
                self.start(*frame[1:])
            elif kind == "batch" and self.error is None:
                self.batch(frame[1])
            elif kind == "end":
                if self.error is None:
                    self.end(frame[1])
                return ("done", self.run_id, self.fresh, self.error)
        except Exception as exc:  # reported to the run, which fails loudly
            self.error = f"{type(exc).__name__}: {exc}"
            if kind == "begin":
                return ("error", self.error)
        return None

    def begin(self, tree: str, resume: bool) -> tuple[int | None, set[str], dict[str, bytes]]:
        """The package count of the tree's interrupted run, if any (``None``), the packages
        it stored, and every stored upstream state."""
        self.tree = tree
        previous = self.store.unfinished_run(tree) if resume else None
        if previous is None:
            return None, set(), self.store.upstream_states()
        self.previous_id = previous.id
        done = self.store.done_in_run(previous.id)
        return previous.packages_total, done, self.store.upstream_states()

    def start(self, total: int, options: dict[str, Any], resume: bool) -> int:
        """Record into the interrupted run (``resume``) or a new one; the run's id."""
        if resume and self.previous_id is not None:
            self.run_id = self.previous_id
        else:
            self.run_id = self.store.start_run(self.tree, total, options)
        return self.run_id

    def batch(self, records: list[Any]) -> None:
        if records:
            outcome = self.store.record_results(self.run_id, records)
            for key, releases in outcome.fresh_releases().items():
                self.fresh[key] = len(releases)

    def end(self, finished: bool) -> None:
        if finished and self.run_id is not None:
            self.store.finish_run(self.run_id)


class LocalWriter:
    """The writer's side of the protocol in the caller's own thread (``STEWARD_WRITER=thread``):
    frames in, answers queued, exactly as the process would give them."""

    def __init__(self) -> None:
        self.writer: RunWriter | None = None
        self.problem = ""
        self.answers: list[tuple[Any, ...]] = []

    def send(self, frame: tuple[Any, ...]) -> None:
        if frame[0] == "open":
            try:
                from steward.store import Store

                self.writer = RunWriter(Store.open(frame[1]))
            except Exception as exc:  # answered to the run's begin, as by the process
                self.problem = str(exc) or type(exc).__name__
            return
        if self.writer is None:
            if frame[0] == "begin":
                self.answers.append(("error", self.problem))
            return
        reply = self.writer.handle(frame)
        if reply is not None:
            self.answers.append(reply)
        if frame[0] == "end":
            self.writer.store.close()
            self.writer = None

    def receive(self) -> tuple[Any, ...] | None:
        return self.answers.pop(0) if self.answers else None


_prestarted: subprocess.Popen[bytes] | None = None


def spawn() -> subprocess.Popen[bytes]:
    """Start a writer process: the one :func:`prestart` left ready, or a new one."""
    global _prestarted
    process, _prestarted = _prestarted, None
    if process is not None and process.poll() is None:
        return process
    # A process group of its own: Ctrl-C at a terminal goes to the run, which closes the
    # pipe; the writer then commits what it was sent and ends, instead of dying mid-import.
    return subprocess.Popen(
        [sys.executable, "-m", __name__],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        process_group=0,
    )


def prestart() -> None:
    """Start the writer now, before the caller knows its database: it loads SQLAlchemy and
    the store's code while the caller parses its command line and loads its tree. Unused,
    it ends when the caller exits (its input closes)."""
    global _prestarted
    if _prestarted is None and os.environ.get("STEWARD_WRITER", "process") != "thread":
        with contextlib.suppress(OSError):
            _prestarted = spawn()


class _Loading:
    """The store's code (SQLAlchemy), imported in a thread while the first frames are read."""

    def __init__(self) -> None:
        self.module: Any = None
        self.problem = ""
        self._thread = threading.Thread(target=self._load, daemon=True)
        self._thread.start()

    def _load(self) -> None:
        try:
            from steward.store import queries

            self.module = queries
        except Exception as exc:  # answered to the run's begin, which reports it
            self.problem = f"cannot load the store: {exc}"

    def result(self) -> Any:
        self._thread.join()
        if self.module is None:
            raise RuntimeError(self.problem)
        return self.module


def main() -> int:
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    # The run is the one waiting on the network: on a busy machine it gets the CPU first.
    with contextlib.suppress(OSError):
        os.nice(5)
    from steward._gc import batch_gc

    batch_gc()
    # Before the first frame: the parent may have started this process early for this.
    loading = _Loading()
    first = read_frame(stdin)
    if first is None:
        return 0
    _, url = first
    frame = read_frame(stdin)
    if frame is None:
        return 0
    early: Begin | None = None
    if frame[0] == "begin":
        # An up-to-date SQLite store answers before SQLAlchemy is even loaded.
        from steward.store.quickread import read_begin

        early = read_begin(url, frame[1], frame[2])
        if early is not None:
            write_frame(stdout, ("ok", *early[1:]))
    try:
        store = loading.result().Store.open(url)
    except Exception as exc:  # answered to the run's begin (or its end), which reports it
        problem = str(exc) or type(exc).__name__
        if early is None:
            write_frame(stdout, ("error", problem))
            return 0
        while (frame := read_frame(stdin)) is not None and frame[0] != "end":
            pass
        if frame is not None:
            write_frame(stdout, ("done", None, {}, problem))
        return 0
    with store:
        writer = RunWriter(store)
        if early is not None:
            writer.tree, writer.previous_id = frame[1], early[0]
            frame = read_frame(stdin)
        while frame is not None:
            reply = writer.handle(frame)
            if reply is not None:
                write_frame(stdout, reply)
            if frame[0] == "end" or (reply is not None and reply[0] == "error"):
                break
            frame = read_frame(stdin)
    return 0


if __name__ == "__main__":
    status = main()
    # Everything is committed and answered: skip the interpreter's teardown (unloading
    # SQLAlchemy takes longer than the last batch), which the run waits for.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
