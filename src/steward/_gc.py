"""Garbage-collector settings for Steward's batch processes (a check run)."""

from __future__ import annotations

import gc

__all__ = ["batch_gc"]


def batch_gc() -> None:
    """Collect cyclic garbage less often, for a batch process whose objects mostly live on.

    A check keeps its tree, its stored upstream states and every result until it ends; with
    the interpreter's default thresholds (700, 10, 10) the collector scans them over and
    over: 0.9 s of a 10,000-package re-check, 0.3 s of a 2,000-package cold scan. Cycles
    are still collected, every 50,000 net allocations.
    """
    gc.set_threshold(50_000, 20, 100)
