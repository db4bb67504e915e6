"""The review's checks, one module each; :func:`load_checks` gives them in report order.

Adding a check is adding a file here (see :mod:`steward.review.checks.base` for its shape)
and its name to :data:`CHECK_MODULES`.
"""

from __future__ import annotations

import importlib
from typing import cast

from steward.review.checks.base import Check

__all__ = ["CHECK_MODULES", "Check", "load_checks"]

#: Check modules under steward.review.checks, in the order their results are reported.
CHECK_MODULES: tuple[str, ...] = (
    "spec",
    "files",
    "sources",
    "patches",
    "claims",
    "license",
    "dependencies",
    "notes",
    "build",
)


def load_checks(names: tuple[str, ...] = CHECK_MODULES) -> list[Check]:
    """The check modules ``names``; an unknown name is a :class:`ValueError` naming it."""
    checks: list[Check] = []
    for name in names:
        if name not in CHECK_MODULES:
            raise ValueError(f"unknown review check {name!r} (known: {', '.join(CHECK_MODULES)})")
        checks.append(cast(Check, importlib.import_module(f"steward.review.checks.{name}")))
    return checks
