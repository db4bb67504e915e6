"""The evidence bundle a review's checks share: both sides of the change, parsed once.

A :class:`ReviewContext` holds the package folder before and after the change (either may be
missing: a new package, a removal), their parsed specs and file lists, the options the caller
gave, and what checks compute lazily and share (the extracted source trees, the patch
triage). It owns a scratch folder; :meth:`close` removes it.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from steward.distro.tree import PackageRecord, load_package
from steward.rpm.model import SourceEntry, Spec
from steward.upgrade.extract import ExtractError, extract_archive
from steward.upgrade.model import PatchTriage, UpgradeError
from steward.upgrade.patches import triage_patches
from steward.upstream.fetch import FetchConfig

__all__ = ["ReviewContext", "ReviewOptions", "Side", "SourceTreeError"]

#: Files a package folder holds that no Source/Patch line references, by design.
PACKAGING_FILES = frozenset(
    {"steward.toml", "review.yaml", "sources", ".gitignore", "README.md", "README", "README.en.md"}
)
_ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.bz2", ".tbz2", ".tar.zst",
                     ".tar", ".zip", ".gem", ".crate")


class SourceTreeError(Exception):
    """Source0 of a side could not be extracted; the message says why."""


@dataclass(frozen=True, slots=True)
class ReviewOptions:
    """What the caller tells a review beyond the two trees.

    ``description`` is the pull request's text (its claims are checked like the changelog's).
    ``fetch`` lets source-integrity download the upstream assets (``None``: offline, those
    results are undecided). ``upstream_git`` is the upstream repository (URL or path) whose
    tags the tarball is compared with; by default the package YAML's ``git_url``.
    ``tree`` is the distribution tree the package belongs to, whose specs say what is
    provided. ``advisories`` maps a CVE id to the first fixed upstream versions.
    """

    description: str = ""
    fetch: FetchConfig | None = None
    upstream_git: str | None = None
    tree: Path | None = None
    advisories: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    profile: str = "openeuler-24.03"
    today: _dt.date | None = None
    build: bool = False


@dataclass(slots=True)
class Side:
    """One side of the change: the package folder, its record and spec, its files."""

    folder: Path
    record: PackageRecord
    spec: Spec
    files: frozenset[str]

    @property
    def name(self) -> str:
        return self.spec.name or self.record.name

    @property
    def spec_file(self) -> str:
        return self.record.spec_path.name if self.record.spec_path else f"{self.name}.spec"

    def digest(self, filename: str) -> str | None:
        path = self.folder / filename
        # A link could point anywhere on the reviewer's machine: never read through one.
        if filename not in self.files or path.is_symlink() or not path.is_file():
            return None
        sha = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                sha.update(block)
        return sha.hexdigest()

    def source_tarballs(self) -> list[SourceEntry]:
        """The sources that are archives (what ``%setup`` unpacks), Source0 first."""
        return [
            s
            for s in sorted(self.spec.sources, key=lambda s: s.number)
            if s.filename.endswith(_ARCHIVE_SUFFIXES)
        ]


class ReviewContext:
    """Both sides of a change and the evidence checks share; use as a context manager."""

    def __init__(self, before: Side | None, after: Side | None, options: ReviewOptions) -> None:
        self.before = before
        self.after = after
        self.options = options
        self.today = options.today or _dt.datetime.now(_dt.UTC).date()
        self._scratch = Path(tempfile.mkdtemp(prefix="steward-review-"))
        self._trees: dict[str, Path | SourceTreeError] = {}
        self._triage: dict[str, list[PatchTriage] | str] = {}
        self.cache: dict[str, object] = {}  # for checks that share work (source-integrity)

    @classmethod
    def open(cls, before: Path | None, after: Path | None, options: ReviewOptions) -> ReviewContext:
        return cls(_load_side(before, options), _load_side(after, options), options)

    def __enter__(self) -> ReviewContext:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        shutil.rmtree(self._scratch, ignore_errors=True)

    @property
    def scratch(self) -> Path:
        return self._scratch

    @property
    def name(self) -> str:
        side = self.after or self.before
        return side.name if side else "?"

    @property
    def version_changed(self) -> bool:
        return bool(
            self.before and self.after and self.before.spec.version != self.after.spec.version
        )

    @property
    def rebuild_needed(self) -> bool:
        """False when the change only touches the %changelog or comments of the spec (a typo
        fixed in an old entry): nothing built from the package changes."""
        before, after = self.before, self.after
        if before is None or after is None:
            return True
        if before.files != after.files:
            return True
        others = sorted(after.files - {after.spec_file})
        if any(before.digest(name) != after.digest(name) for name in others):
            return True
        return _built_lines(before.spec) != _built_lines(after.spec)

    def new_changelog_text(self) -> str:
        """The top ``%changelog`` entry of the new spec, when it is new in this change."""
        if self.after is None or not self.after.spec.changelog:
            return ""
        top = self.after.spec.changelog[0]
        old = self.before.spec.changelog[:1] if self.before else []
        if old and old[0].header == top.header:
            return ""
        return "\n".join(top.lines)

    def claims_text(self) -> str:
        """What the change says it does: the new changelog entry and the PR description."""
        return f"{self.new_changelog_text()}\n{self.options.description}".strip()

    def source_tree(self, which: str) -> Path:
        """The extracted Source0 of side ``which`` (``before``/``after``); cached."""
        if which not in self._trees:
            self._trees[which] = self._extract(which)
        found = self._trees[which]
        if isinstance(found, SourceTreeError):
            raise found
        return found

    def _extract(self, which: str) -> Path | SourceTreeError:
        side = self.before if which == "before" else self.after
        if side is None:
            return SourceTreeError(f"there is no {which} side")
        tarballs = side.source_tarballs()
        if not tarballs:
            return SourceTreeError(f"the {which} spec has no source archive")
        archive = side.folder / tarballs[0].filename
        if tarballs[0].filename not in side.files:
            return SourceTreeError(f"{tarballs[0].filename} is not in the {which} folder")
        try:
            result = extract_archive(archive, self._scratch / f"src-{which}")
        except (ExtractError, OSError) as exc:
            return SourceTreeError(f"cannot extract {archive.name}: {exc}")
        return result.root

    def triage(self, spec_side: str, tree_side: str) -> list[PatchTriage]:
        """The upgrade triage of ``spec_side``'s patches on ``tree_side``'s source; cached.

        Raises :class:`SourceTreeError` when it cannot run (no source, triage refused).
        """
        key = f"{spec_side}@{tree_side}"
        if key not in self._triage:
            side = self.before if spec_side == "before" else self.after
            try:
                tree = self.source_tree(tree_side)
                if side is None:
                    raise SourceTreeError(f"there is no {spec_side} side")
                self._triage[key] = triage_patches(side.spec, side.folder, tree)
            except SourceTreeError as exc:
                self._triage[key] = str(exc)
            except UpgradeError as exc:
                self._triage[key] = f"patch triage failed: {exc}"
        found = self._triage[key]
        if isinstance(found, str):
            raise SourceTreeError(found)
        return found


def _built_lines(spec: Spec) -> list[str]:
    """The spec's lines that can change a build: no comments, no %changelog section."""
    section = spec.section("changelog")
    lines = spec.lines[: section.start_line - 1] if section is not None else spec.lines
    return [line.rstrip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def _load_side(folder: Path | None, options: ReviewOptions) -> Side | None:
    if folder is None:
        return None
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"{folder} is not a package folder")
    record = load_package(folder, profile=options.profile, keep_specs=True)
    if record.spec is None:
        problems = "; ".join(str(p) for p in record.problems) or "no spec file"
        raise ValueError(f"{folder}: cannot read the package ({problems})")
    files = frozenset(
        str(p.relative_to(folder))
        for p in folder.rglob("*")
        if (p.is_file() or p.is_symlink()) and ".git" not in p.relative_to(folder).parts
    )
    return Side(folder, record, record.spec, files)
