#!/usr/bin/env python3
"""Write the files generated from Steward's own code: docs/schemas/*.json and docs/steward.1.

Run after changing an output document (steward/cli/documents.py) or any command's help:

    .venv/bin/python scripts/gen-docs.py

A test fails while the committed files differ from what this writes.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    from steward.cli.manpage import MANPAGE, render_manpage
    from steward.cli.schemas import SCHEMA_DIR, schema_files

    folder = ROOT / SCHEMA_DIR
    folder.mkdir(parents=True, exist_ok=True)
    wanted = schema_files()
    for stale in folder.glob("*.schema.json"):
        if stale.name not in wanted:
            stale.unlink()
    for name, text in wanted.items():
        (folder / name).write_text(text, encoding="utf-8")
    (ROOT / MANPAGE).write_text(render_manpage(), encoding="utf-8")
    print(f"wrote {len(wanted)} schemas to {SCHEMA_DIR}/ and {MANPAGE}", file=sys.stderr)


if __name__ == "__main__":
    main()
