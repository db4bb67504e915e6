"""Run the fake upstream as a process: ``python -m fakeupstream`` (with ``PYTHONPATH=tests``)
or ``python tests/fakeupstream/__main__.py``. Prints the URL, serves until interrupted."""

import sys
from pathlib import Path

if not __package__:
    # Started as a script: make the package importable by its name.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fakeupstream.server import main

if __name__ == "__main__":
    sys.exit(main())
