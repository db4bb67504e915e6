"""The store of a check run, in a process of its own: ``python -m steward.store.writer``.

A ``steward check`` run never opens the store itself. It starts this process first, which
imports SQLAlchemy, opens (and migrates) the store and loads the stored upstream states on
the other core while the run loads its package tree; then the run talks to it over its
standard input and output in length-prefixed pickles (it is Steward's own child, reading
only what its parent wrote):

1. ``("open", url)``: the database URL (through the pipe, not the command line: it may
   hold a password); ``None`` means the default store.
2. ``("begin", tree, total, options, resume)``, answered with
   ``("ok", run_id, resumed, done, states)``: the run to record into (an interrupted run of
   the same tree is resumed), the packages it already stored, and every stored upstream
   state; or ``("error", message)``.
3. ``("batch", records)``, any number: each written in one transaction, so a run killed at
   any moment keeps what was committed.
4. ``("end", finished)``, answered with ``("done", fresh, error)``: a finished run is
   marked so; ``fresh`` counts the releases stored for the first time, by upstream key.

The end of its input without an end frame (the parent was killed) ends it after the
batches it received, leaving the run resumable.
"""

from __future__ import annotations

import pickle
import struct
import sys
from typing import IO, Any

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
        self.run_id: int | None = None
        self.fresh: dict[str, int] = {}

    def begin(
        self, tree: str, total: int, options: dict[str, Any], resume: bool
    ) -> tuple[int, bool, set[str], dict[str, str]]:
        previous = self.store.unfinished_run(tree) if resume else None
        if previous is not None and previous.packages_total == total:
            self.run_id = previous.id
            done, resumed = self.store.done_in_run(previous.id), True
        else:
            self.run_id = self.store.start_run(tree, total, options)
            done, resumed = set(), False
        return self.run_id, resumed, done, self.store.upstream_states()

    def batch(self, records: list[Any]) -> None:
        if records:
            outcome = self.store.record_results(self.run_id, records)
            for key, releases in outcome.fresh_releases().items():
                self.fresh[key] = len(releases)

    def end(self, finished: bool) -> None:
        if finished and self.run_id is not None:
            self.store.finish_run(self.run_id)


def main() -> int:
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    first = read_frame(stdin)
    if first is None:
        return 0
    _, url = first
    try:
        from steward.store import Store

        store = Store.open(url)
    except Exception as exc:  # answered to the run's begin, which reports it
        problem = str(exc) or type(exc).__name__
        if read_frame(stdin) is not None:
            write_frame(stdout, ("error", problem))
        return 0
    error: str | None = None
    with store:
        writer = RunWriter(store)
        while (item := read_frame(stdin)) is not None:
            kind = item[0]
            try:
                if kind == "begin":
                    write_frame(stdout, ("ok", *writer.begin(*item[1:])))
                elif kind == "batch" and error is None:
                    writer.batch(item[1])
                elif kind == "end":
                    if error is None:
                        writer.end(item[1])
                    write_frame(stdout, ("done", writer.fresh, error))
                    break
            except Exception as exc:  # reported to the run, which fails loudly
                error = f"{type(exc).__name__}: {exc}"
                if kind == "begin":
                    write_frame(stdout, ("error", error))
                    break
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
