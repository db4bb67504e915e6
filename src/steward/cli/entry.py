"""The ``steward`` console script: starts the store writer of a check, then the CLI.

``steward check`` hands its results to a writer process (:mod:`steward.store.writer`) that
takes half a second to load SQLAlchemy; started here, before the command-line machinery is
even imported, it is ready by the time the tree is loaded.
"""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:2] == ["check"] and not {"-h", "--help"} & set(sys.argv):
        from steward.store.writer import prestart

        prestart()
    from steward.cli.main import main as cli

    cli()
