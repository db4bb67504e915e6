"""RPM semantics: version ordering, the spec macro engine, parser and editor (stdlib only).

>>> from steward.rpm import parse, rpmvercmp
>>> rpmvercmp("1.0~rc1", "1.0")
-1
>>> parse("Name: a\\nVersion: 1\\nRelease: 1\\n").evr
'1-1'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from steward._lazy import lazy_attributes

if TYPE_CHECKING:
    from steward.rpm.editor import EditError, SpecEditor
    from steward.rpm.macros import MacroEngine
    from steward.rpm.model import Diagnostic, Spec
    from steward.rpm.spec import parse, parse_file
    from steward.rpm.version import EVR, InvalidEVR, compare_evr, rpmvercmp

__all__ = [
    "EVR",
    "Diagnostic",
    "EditError",
    "InvalidEVR",
    "MacroEngine",
    "Spec",
    "SpecEditor",
    "compare_evr",
    "parse",
    "parse_file",
    "rpmvercmp",
]

# Loaded on first use: comparing versions (steward.rpm.version) must not load the parser.
_LAZY = {
    "EVR": "steward.rpm.version",
    "InvalidEVR": "steward.rpm.version",
    "compare_evr": "steward.rpm.version",
    "rpmvercmp": "steward.rpm.version",
    "EditError": "steward.rpm.editor",
    "SpecEditor": "steward.rpm.editor",
    "MacroEngine": "steward.rpm.macros",
    "Diagnostic": "steward.rpm.model",
    "Spec": "steward.rpm.model",
    "parse": "steward.rpm.spec",
    "parse_file": "steward.rpm.spec",
}


__getattr__ = lazy_attributes(__name__, _LAZY)
