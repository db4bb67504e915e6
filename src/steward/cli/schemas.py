"""The JSON Schemas of the output documents, as published in ``docs/schemas/``.

:func:`schema_files` renders them from the models in :mod:`steward.cli.documents`;
``python scripts/gen-docs.py`` writes them, and a test checks the committed copies are current.
"""

from __future__ import annotations

import json

from steward.cli.documents import DOCUMENTS

__all__ = ["SCHEMA_DIR", "schema_files"]

#: Where the schemas live, relative to the repository's root.
SCHEMA_DIR = "docs/schemas"


def schema_files() -> dict[str, str]:
    """``{file name: JSON text}``, one ``<command>.schema.json`` per document."""
    files = {}
    for name, model in DOCUMENTS.items():
        schema = model.model_json_schema(by_alias=True, mode="serialization")
        document = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"steward:{name}",
            **schema,
        }
        files[f"{name}.schema.json"] = json.dumps(document, indent=2, sort_keys=False) + "\n"
    return files
