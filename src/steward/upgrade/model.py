"""The records an upgrade produces, step by step; together they make the report.

Every step of ``steward upgrade`` (plan, sources, patches, build, compare, propose) returns
one of these plain frozen values. :mod:`steward.upgrade.report` turns them into
``report.json`` (schema in ``docs/upgrade-report.md``) and ``report.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

__all__ = [
    "BuildOutcome",
    "BuildResult",
    "Comparison",
    "DownloadedSource",
    "PatchTriage",
    "PatchVerdict",
    "SonameChange",
    "UpgradeError",
    "UpgradeStep",
]


class UpgradeStep(StrEnum):
    PLAN = "plan"
    WORKTREE = "worktree"
    SPEC = "spec"
    SOURCES = "sources"
    EXTRACT = "extract"
    PATCHES = "patches"
    BUILD = "build"
    COMPARE = "compare"
    COMMIT = "commit"
    PROPOSE = "propose"


class UpgradeError(Exception):
    """An upgrade step failed; ``step`` says which, the message says why and what to do.

    The user's tree is never left changed by a failed upgrade.
    """

    def __init__(self, step: UpgradeStep, message: str) -> None:
        super().__init__(message)
        self.step = step

    def __str__(self) -> str:
        return f"{self.step.value}: {super().__str__()}"


@dataclass(frozen=True, slots=True)
class DownloadedSource:
    """A ``SourceN`` fetched for the new version (or found already present)."""

    number: int
    url: str | None  # None for a local source kept from the package folder
    filename: str
    path: Path
    size: int
    sha256: str
    signature: str | None = None  # "verified", "no-keyring", "missing", or None if not tried
    reused: bool = False  # already downloaded by an earlier, interrupted attempt


class PatchVerdict(StrEnum):
    APPLIES = "applies"  # cleanly, no offset or fuzz
    APPLIES_WITH_OFFSET = "applies-with-offset"  # at fuzz 0, lines moved: rpm accepts it
    APPLIES_WITH_FUZZ = "applies-with-fuzz"  # needs fuzz: keep, but review
    UPSTREAM = "upstream"  # already in the new source: drop it
    PROBABLY_UPSTREAM = "probably-upstream"  # strong signs it is upstream: a human drops it
    CONFLICT = "conflict"  # does not apply: keep it, a human must rebase it
    NOT_APPLIED = "not-applied"  # declared but %prep never applies it: left alone


@dataclass(frozen=True, slots=True)
class PatchTriage:
    """One patch's verdict on the new source tree, with its evidence."""

    number: int
    filename: str
    verdict: PatchVerdict
    strip: int
    evidence: str  # patch's own output, or why the verdict was reached
    rejected_hunks: str = ""  # the .rej content for conflicts
    dropped: bool = False  # removed from the spec and the folder
    arches: tuple[str, ...] = ()  # the architectures whose %prep applies it; () = every one


class BuildOutcome(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    MISSING_DEPENDENCIES = "missing-dependencies"
    TIMED_OUT = "timed-out"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class BuildResult:
    """One build (``-bs`` or ``-bb``) by one backend."""

    backend: str
    kind: str  # "srpm" or "rpms"
    outcome: BuildOutcome
    seconds: float
    log: Path | None
    artifacts: tuple[Path, ...] = ()
    missing: tuple[str, ...] = ()  # build dependencies that are not available
    message: str = ""


@dataclass(frozen=True, slots=True)
class SonameChange:
    """A shared library whose soname changed, and who in the tree needs a rebuild."""

    library: str
    old_soname: str | None
    new_soname: str | None
    dependents: tuple[str, ...] = ()  # packages in the tree requiring the old soname


@dataclass(frozen=True, slots=True)
class Comparison:
    """Old binary RPMs against new ones."""

    files_added: tuple[str, ...] = ()
    files_removed: tuple[str, ...] = ()
    provides_added: tuple[str, ...] = ()
    provides_removed: tuple[str, ...] = ()
    requires_added: tuple[str, ...] = ()
    requires_removed: tuple[str, ...] = ()
    soname_changes: tuple[SonameChange, ...] = ()
    abi: tuple[tuple[str, str], ...] = ()  # (library, abidiff verdict/summary)
    notes: tuple[str, ...] = field(default_factory=tuple)
