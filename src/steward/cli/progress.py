"""Progress of a long command when standard error is not a terminal (a CI log, ``2>file``).

A terminal gets Rich's progress bar; anywhere else a bar is noise, but silence for minutes
looks like a hang. :class:`ProgressLines` prints one line every few seconds instead::

    checking upstreams: 1200/10000 (12%), 3 failed, 41 s

and nothing for a run that ends before the first interval. The lines come from a thread of
their own, so that a run stuck on an upstream that never answers still says so.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Any, TextIO

__all__ = ["ProgressLines"]


class ProgressLines:
    """Counts results; while entered, writes a line to ``stream`` every ``interval`` seconds."""

    def __init__(self, what: str, *, interval: float = 5.0, stream: TextIO | None = None) -> None:
        self.what = what
        self.interval = interval
        self.stream = stream
        self.total = 0
        self.done = 0
        self.failed = 0
        self._started = time.monotonic()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> ProgressLines:
        self._started = time.monotonic()
        self._thread = threading.Thread(target=self._loop, name="progress", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.write()

    def start(self, total: int, skipped: int) -> None:
        """The run knows its size: ``skipped`` packages were stored by an earlier run."""
        self.total = total
        self.done = skipped

    def advance(self, result: Any = None) -> None:
        """One more package done (``result.failed`` counts it as a failure)."""
        self.done += 1
        if result is not None and getattr(result, "failed", False):
            self.failed += 1

    def line(self, now: float | None = None) -> str:
        elapsed = (now if now is not None else time.monotonic()) - self._started
        share = f" ({100 * self.done // self.total}%)" if self.total else ""
        of = f"/{self.total}" if self.total else ""
        return f"{self.what}: {self.done}{of}{share}, {self.failed} failed, {elapsed:.0f} s"

    def write(self, now: float | None = None) -> None:
        stream = self.stream or sys.stderr
        try:
            stream.write(self.line(now) + "\n")
            stream.flush()
        except (OSError, ValueError):  # a closed log must not stop the run
            pass
