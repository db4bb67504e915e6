"""The spec file object model: plain, typed records produced by :mod:`steward.rpm.spec`.

Every record carries the 1-based line number it came from, so reports can point at the
spec and the editor can change exactly that line.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from steward.rpm.macros import MacroEngine

__all__ = [
    "ChangelogEntry",
    "Diagnostic",
    "Package",
    "PatchApplication",
    "Section",
    "SetupCall",
    "SourceEntry",
    "Spec",
    "TagLine",
]


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """Something the parser could not do, or something wrong with the spec.

    ``code`` is a stable identifier (``unknown-macro``, ``unexpanded-shell``,
    ``unexpanded-lua``, ``unbalanced-if``, ``recursion-limit``, ``missing-tag``, ...);
    ``severity`` is ``error``, ``warning`` or ``info``.
    """

    line: int | None
    severity: str
    code: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{where}{self.severity}: {self.message} [{self.code}]"


@dataclass(frozen=True, slots=True)
class TagLine:
    """One preamble tag as written: ``Version: %{upstream_version}`` on line 3."""

    tag: str
    raw: str
    expanded: str
    line: int
    package: str


@dataclass(frozen=True, slots=True)
class SourceEntry:
    """A ``SourceN:`` or ``PatchN:`` line."""

    kind: str  # "source" or "patch"
    number: int
    raw: str
    expanded: str
    line: int
    numbered_explicitly: bool = True

    @property
    def filename(self) -> str:
        """The local file name rpm uses: the last path part, honouring a ``#/name`` fragment."""
        value = self.expanded
        if "#" in value:
            base, fragment = value.rsplit("#", 1)
            if fragment.startswith("/"):
                return fragment.rsplit("/", 1)[-1]
            value = base
        return value.rstrip("/").rsplit("/", 1)[-1]

    @property
    def is_remote(self) -> bool:
        return "://" in self.expanded


@dataclass(slots=True)
class Package:
    """The main package or a ``%package`` subpackage with its dependency tags."""

    name: str
    line: int
    summary: str | None = None
    license: str | None = None
    group: str | None = None
    url: str | None = None
    build_arch: list[str] = field(default_factory=list)
    build_requires: list[str] = field(default_factory=list)
    requires: list[str] = field(default_factory=list)
    provides: list[str] = field(default_factory=list)
    obsoletes: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    recommends: list[str] = field(default_factory=list)
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Section:
    """A section header (``%prep``, ``%files -n foo``) and the lines it spans (inclusive)."""

    name: str  # "prep", "build", "files", "post", ...
    args: str
    package: str | None
    start_line: int
    end_line: int


@dataclass(frozen=True, slots=True)
class PatchApplication:
    """How ``%prep`` applies patches.

    ``kind`` is ``patch`` (``%patch N``, ``%patchN``, ``%patch -P N``), ``autosetup``,
    ``autopatch``, ``shell-patch`` (``patch -p1 < %{PATCH1}``) or ``git-am``.
    ``numbers`` is ``None`` when every patch is applied (``%autosetup``, plain ``%autopatch``).
    """

    kind: str
    numbers: tuple[int, ...] | None
    strip: int | None
    line: int
    raw: str
    excluded: tuple[int, ...] = ()
    range_start: int | None = None
    range_end: int | None = None

    def applies(self, number: int) -> bool:
        if number in self.excluded:
            return False
        if self.numbers is not None:
            return number in self.numbers
        if self.range_start is not None and number < self.range_start:
            return False
        return not (self.range_end is not None and number > self.range_end)


@dataclass(frozen=True, slots=True)
class SetupCall:
    """A ``%setup``/``%autosetup`` line: ``name`` is the expanded ``-n`` directory."""

    macro: str
    name: str
    name_raw: str | None
    line: int
    raw: str


@dataclass(frozen=True, slots=True)
class ChangelogEntry:
    """One ``* Tue Mar 05 2024 Name <mail> - 1.2-3`` entry and its lines."""

    date: _dt.date | None
    author: str
    email: str | None
    evr: str | None
    lines: tuple[str, ...]
    line: int
    header: str


@dataclass(slots=True)
class Spec:
    """A parsed spec file. Values are as rpm would expand them; ``raw`` text is kept too."""

    path: Path | None
    lines: list[str]
    name: str | None = None
    epoch: int | None = None
    version: str | None = None
    release: str | None = None
    summary: str | None = None
    license: str | None = None
    url: str | None = None
    sources: list[SourceEntry] = field(default_factory=list)
    patches: list[SourceEntry] = field(default_factory=list)
    packages: list[Package] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    patch_applications: list[PatchApplication] = field(default_factory=list)
    setups: list[SetupCall] = field(default_factory=list)
    changelog: list[ChangelogEntry] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    tags: list[TagLine] = field(default_factory=list)
    #: Macro definitions made by the spec itself: name -> (body, line) for the last definition.
    definitions: dict[str, tuple[str, int]] = field(default_factory=dict)
    #: The macro engine as it stood at the end of the spec (to expand more text later).
    macros: MacroEngine | None = field(default=None, repr=False)

    @property
    def main(self) -> Package:
        return self.packages[0]

    @property
    def build_requires(self) -> list[str]:
        return self.packages[0].build_requires if self.packages else []

    @property
    def build_arch(self) -> list[str]:
        return self.packages[0].build_arch if self.packages else []

    @property
    def subpackages(self) -> list[Package]:
        return self.packages[1:]

    def tag(self, name: str, package: str | None = None) -> TagLine | None:
        """The last line setting tag ``name`` (case-insensitive) in ``package`` (main default)."""
        pkg = package or self.name
        found = None
        for t in self.tags:
            if t.tag.lower() == name.lower() and (
                t.package == pkg or (package is None and t.package == self.name)
            ):
                found = t
        return found

    def source(self, number: int) -> SourceEntry | None:
        return next((s for s in self.sources if s.number == number), None)

    def patch(self, number: int) -> SourceEntry | None:
        return next((p for p in self.patches if p.number == number), None)

    def section(self, name: str) -> Section | None:
        return next((s for s in self.sections if s.name == name), None)

    @property
    def applied_patches(self) -> list[SourceEntry]:
        """The patches some ``%prep`` instruction applies, in the order they are declared."""
        return [
            p for p in self.patches if any(a.applies(p.number) for a in self.patch_applications)
        ]

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    @property
    def evr(self) -> str:
        """``epoch:version-release`` as rpm prints it (epoch omitted when unset)."""
        head = f"{self.epoch}:" if self.epoch is not None else ""
        return f"{head}{self.version}-{self.release}"
