"""The ``steward`` console script.

A check collects cyclic garbage less often (:func:`steward._gc.batch_gc`): what it builds
lives until it ends. Every command ends as any Python program does, with the interpreter's
ordinary teardown (atexit handlers, finalizers, flushed output).
"""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:2] == ["check"]:
        from steward._gc import batch_gc

        batch_gc()
    from steward.cli.main import main as cli

    cli()
