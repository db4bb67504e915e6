"""Validation of what Steward writes against the official CSAF 2.0 and OSV JSON schemas,
vendored under ``steward/vuln/schemas`` (see its README for their origin and licenses).

Both schemas are JSON Schema draft 2020-12; the CSAF schema references FIRST's CVSS
schemas by URL, which resolve to the vendored copies (no network).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jsonschema.protocols import Validator

__all__ = ["csaf_errors", "osv_errors"]

_CVSS = {
    "https://www.first.org/cvss/cvss-v2.0.json": "cvss-v2.0.json",
    "https://www.first.org/cvss/cvss-v3.0.json": "cvss-v3.0.json",
    "https://www.first.org/cvss/cvss-v3.1.json": "cvss-v3.1.json",
}


def _load(name: str) -> Any:
    return json.loads(resources.files("steward.vuln").joinpath("schemas", name).read_text("utf-8"))


@cache
def _validator(name: str) -> Validator:
    from jsonschema import Draft202012Validator, FormatChecker
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT7

    schema = _load(name)
    registry: Registry[Any] = Registry().with_resources(
        (url, Resource.from_contents(_load(file), default_specification=DRAFT7))
        for url, file in _CVSS.items()
    )
    return Draft202012Validator(schema, registry=registry, format_checker=FormatChecker())


def _errors(name: str, document: Any) -> list[str]:
    found = sorted(_validator(name).iter_errors(document), key=lambda e: list(e.absolute_path))
    return [f"/{'/'.join(str(p) for p in e.absolute_path)}: {e.message}" for e in found]


def csaf_errors(document: Any) -> list[str]:
    """Every way ``document`` breaks the CSAF 2.0 JSON schema (empty when it is valid)."""
    return _errors("csaf_json_schema.json", document)


def osv_errors(record: Any) -> list[str]:
    """Every way ``record`` breaks the OSV JSON schema (empty when it is valid)."""
    return _errors("osv_schema.json", record)
