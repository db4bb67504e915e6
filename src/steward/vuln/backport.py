"""Backported fixes found in a package's spec: CVE ids named by applied patches (file name
or patch header) and by ``%changelog`` lines.

A CVE is *fixed by backport* when an applied patch names it, or a changelog line names it
and no patch file named for that CVE lies in the package unapplied (the changelog then
claims a fix the build does not contain: ``lz4`` in the example tree).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from steward.rpm.model import Spec

__all__ = ["CVE_PATTERN", "Evidence", "SpecEvidence", "find_evidence"]

CVE_PATTERN: Final = re.compile(r"CVE-\d{4}-\d{4,}", re.IGNORECASE)

#: How much of a patch file is read for its header (the text before the first hunk).
_HEADER_BYTES: Final = 64 * 1024


@dataclass(frozen=True, slots=True)
class Evidence:
    """Where a CVE is named: ``kind`` is ``patch-name``, ``patch-header``, ``changelog`` or
    ``unapplied-patch`` (against a fix); ``path`` and ``line`` point at it."""

    cve: str
    kind: str
    path: str
    line: int | None
    text: str

    def to_dict(self) -> dict[str, object]:
        return {
            "cve": self.cve,
            "kind": self.kind,
            "path": self.path,
            "line": self.line,
            "text": self.text,
        }


@dataclass(frozen=True, slots=True)
class SpecEvidence:
    """Everything one package's spec and patches say about CVEs."""

    items: tuple[Evidence, ...]

    def for_cve(self, cve: str) -> list[Evidence]:
        wanted = cve.upper()
        return [e for e in self.items if e.cve == wanted]

    def fixes(self, cve: str) -> bool:
        """Whether the spec fixes ``cve`` by a backport (see the module text)."""
        found = self.for_cve(cve)
        if any(e.kind in ("patch-name", "patch-header") for e in found):
            return True
        unapplied = any(e.kind == "unapplied-patch" for e in found)
        return not unapplied and any(e.kind == "changelog" for e in found)


def _cves(text: str) -> list[str]:
    return list(dict.fromkeys(m.upper() for m in CVE_PATTERN.findall(text)))


def _patch_header(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            data = handle.read(_HEADER_BYTES)
    except OSError:
        return ""
    text = data.decode("utf-8", "replace")
    for marker in ("\ndiff --git ", "\n--- ", "\nIndex: "):
        cut = text.find(marker)
        if cut >= 0:
            text = text[:cut]
    return text


def find_evidence(
    folder: Path,
    spec: Spec | None,
    applied: Iterable[str],
    declared: Iterable[str],
) -> SpecEvidence:
    """CVE evidence for the package in ``folder``: ``applied`` are the file names of the
    patches ``%prep`` applies, ``declared`` all ``PatchN:`` file names."""
    items: list[Evidence] = []
    applied_set = set(applied)
    spec_path = str(spec.path) if spec and spec.path else str(folder)
    for name in sorted(applied_set):
        for cve in _cves(name):
            items.append(Evidence(cve, "patch-name", str(folder / name), None, name))
        header = _patch_header(folder / name)
        for number, line in enumerate(header.splitlines(), 1):
            for cve in _cves(line):
                if cve not in _cves(name):
                    items.append(
                        Evidence(cve, "patch-header", str(folder / name), number, line.strip())
                    )
    try:
        present = sorted(p.name for p in folder.iterdir() if p.suffix in (".patch", ".diff"))
    except OSError:
        present = []
    for name in [*present, *declared]:
        if name in applied_set:
            continue
        for cve in _cves(name):
            items.append(Evidence(cve, "unapplied-patch", str(folder / name), None, name))
    if spec is not None:
        for entry in spec.changelog:
            for offset, line in enumerate((entry.header, *entry.lines)):
                for cve in _cves(line):
                    items.append(
                        Evidence(cve, "changelog", spec_path, entry.line + offset, line.strip())
                    )
    unique = tuple(dict.fromkeys(items))
    return SpecEvidence(unique)
