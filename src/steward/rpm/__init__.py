"""RPM semantics: version ordering, the spec macro engine, parser and editor (stdlib only).

>>> from steward.rpm import parse, rpmvercmp
>>> rpmvercmp("1.0~rc1", "1.0")
-1
>>> parse("Name: a\\nVersion: 1\\nRelease: 1\\n").evr
'1-1'
"""

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
