"""A spec's ``License:`` as an SPDX license expression (parsed with ``license-expression``).

Legacy Fedora/openEuler short names (``GPLv2+``, ``ASL 2.0``) are mapped through
:data:`LEGACY_NAMES`, a table kept here from Fedora's "old license names" list; a name that
is neither SPDX nor in the table becomes a ``LicenseRef-`` so the expression stays valid.

>>> spdx_expression("GPLv2+ and ASL 2.0")
'GPL-2.0-or-later AND Apache-2.0'
>>> spdx_expression("MIT AND LicenseRef-DMIT")
'MIT AND LicenseRef-DMIT'
>>> spdx_expression("Frobnicator License")
'LicenseRef-Frobnicator-License'
"""

from __future__ import annotations

import functools
import re
from typing import Any, Final

__all__ = ["LEGACY_NAMES", "spdx_expression"]

#: Fedora's legacy (callaway) short names as openEuler specs still write them.
LEGACY_NAMES: Final = {
    "GPLv2": "GPL-2.0-only",
    "GPLv2+": "GPL-2.0-or-later",
    "GPLv3": "GPL-3.0-only",
    "GPLv3+": "GPL-3.0-or-later",
    "GPL+": "GPL-1.0-or-later",
    "LGPLv2": "LGPL-2.0-only",
    "LGPLv2+": "LGPL-2.0-or-later",
    "LGPLv2.1": "LGPL-2.1-only",
    "LGPLv2.1+": "LGPL-2.1-or-later",
    "LGPLv3": "LGPL-3.0-only",
    "LGPLv3+": "LGPL-3.0-or-later",
    "AGPLv3": "AGPL-3.0-only",
    "AGPLv3+": "AGPL-3.0-or-later",
    "ASL 2.0": "Apache-2.0",
    "ASL 1.1": "Apache-1.1",
    "MPLv1.1": "MPL-1.1",
    "MPLv2.0": "MPL-2.0",
    "Python": "Python-2.0",
    "Artistic 2.0": "Artistic-2.0",
    "Public Domain": "LicenseRef-Fedora-Public-Domain",
    "zlib": "Zlib",
    "Boost": "BSL-1.0",
    "OpenSSL": "OpenSSL",
    "BSD": "LicenseRef-Fedora-BSD",
    "MulanPSLv2": "MulanPSL-2.0",
    "Mulan PSL v2": "MulanPSL-2.0",
}

_OPERATORS: Final = re.compile(r"\s+(and|or|with)\s+", re.IGNORECASE)


@functools.cache
def _licensing() -> Any:
    from license_expression import get_spdx_licensing  # type: ignore[import-untyped]

    return get_spdx_licensing()


def _term(text: str) -> str:
    text = text.strip()
    if text in LEGACY_NAMES:
        return LEGACY_NAMES[text]
    if re.fullmatch(r"LicenseRef-[A-Za-z0-9.-]+", text):
        return text
    licensing = _licensing()
    if not licensing.validate(text).errors:
        return text
    return "LicenseRef-" + re.sub(r"[^A-Za-z0-9.-]+", "-", text).strip("-")


def spdx_expression(license_text: str | None) -> str | None:
    """The SPDX expression for a ``License:`` value; ``None`` when there is none."""
    if not license_text or not license_text.strip():
        return None
    parts = _OPERATORS.split(license_text.strip())
    pieces = []
    for index, part in enumerate(parts):
        if index % 2:
            pieces.append(part.upper())
            continue
        opening = len(part) - len(part.lstrip("("))
        closing = len(part) - len(part.rstrip(")"))
        core = part.strip("()")
        pieces.append("(" * opening + _term(core) + ")" * closing)
    expression = " ".join(pieces)
    licensing = _licensing()
    try:
        return str(licensing.parse(expression, validate=False).render())
    except Exception:  # license-expression raises several types; keep the text readable
        return "LicenseRef-" + re.sub(r"[^A-Za-z0-9.-]+", "-", license_text).strip("-")
