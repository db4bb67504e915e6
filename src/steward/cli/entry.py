"""The ``steward`` console script: starts the store writer of a check, then the CLI.

``steward check`` hands its results to a writer process (:mod:`steward.store.writer`) that
takes half a second to load SQLAlchemy; started here, before the command-line machinery is
even imported, it is ready by the time the tree is loaded.

A check collects cyclic garbage less often (:func:`steward._gc.batch_gc`): what it builds
lives until it ends. It also ends without tearing the interpreter down: its output is
flushed and the process exits at once. Freeing a ten-thousand-package run object by object
takes a fifth of a second, and every resource it holds (the writer's pipe, the tree
loader's processes, the HTTP client) has been closed by then.
"""

from __future__ import annotations

import sys


def main() -> None:
    try:
        _main()
    except KeyboardInterrupt:
        # Ctrl-C before the command line took over (while modules load): no traceback.
        print("interrupted", file=sys.stderr)
        _leave(130)


def _main() -> None:
    checking = sys.argv[1:2] == ["check"] and not {"-h", "--help"} & set(sys.argv)
    if checking:
        from steward._gc import batch_gc
        from steward.store.writer import prestart

        batch_gc()
        prestart()
    from steward.cli.main import main as cli

    if not checking:
        cli()
        return
    try:
        cli()
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    _leave(code)


def _leave(code: object) -> None:
    """``sys.exit(code)`` without the interpreter's teardown (same codes, output flushed)."""
    import logging
    import os

    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:
        print(code, file=sys.stderr)
        status = 1
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more to say
            status = status or 1
    os._exit(status & 0xFF)
