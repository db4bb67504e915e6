"""The ``steward`` console script.

A check collects cyclic garbage less often (:func:`steward._gc.batch_gc`): what it builds
lives until it ends. Every command ends as any Python program does, with the interpreter's
ordinary teardown (atexit handlers, finalizers, flushed output). Ctrl-C while the modules
still load (before the command line can answer it) prints one line and exits 130.
"""

from __future__ import annotations

import sys


def main() -> None:
    try:
        _main()
    except KeyboardInterrupt:
        # Ctrl-C before the command line took over (while modules load): no traceback.
        print("interrupted", file=sys.stderr)
        sys.exit(130)


def _main() -> None:
    if sys.argv[1:2] == ["check"] and not {"-h", "--help"} & set(sys.argv):
        from steward._gc import batch_gc

        batch_gc()
    from steward.cli.main import main as cli

    cli()
