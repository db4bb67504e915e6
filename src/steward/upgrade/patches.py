"""Patch triage: which of a package's patches still apply to the new upstream source.

:func:`triage_patches` replays ``%prep``'s patches, in the order rpm applies them, on a
scratch copy of the new source tree and gives each a :class:`PatchVerdict` with evidence;
:func:`drop_upstreamed` then removes the patches that are already upstream.

How rpm 4.18 applies patches (``/usr/lib/rpm/macros``, ``build/parsePrep.c``), which the
triage reproduces:

* ``%patch N`` / ``%patchN`` always passes ``-p<strip>``; without ``-p`` on the line the
  strip level is 0 (rpm runs ``patch -p0``).
* ``%autosetup`` and ``%autopatch`` pass ``-p`` only when given one. Without it GNU patch
  keeps only the base name of each file (``a/src/f.c`` becomes ``f.c``): that case is
  recorded as ``strip=``:data:`STRIP_BASENAME` and patch is run without ``-p`` too.
* Every rpm application uses ``--fuzz=%{_default_patch_fuzz}``, which is **0** in rpm 4.18.
  A patch that needs fuzz therefore fails ``rpmbuild`` unless the spec raises that macro
  (or passes ``-F`` to ``%patch``). The triage still tries fuzz up to :data:`MAX_TRIAGE_FUZZ`
  so that a patch whose context merely drifted is told apart from a real conflict: it is
  reported as :attr:`PatchVerdict.APPLIES_WITH_FUZZ` (kept, flagged for a human), and the
  evidence says whether rpmbuild would accept it as the spec stands.
* Offsets (the same lines, moved) are accepted by rpm at fuzz 0; they are reported as
  applies-with-fuzz too, so the patch gets refreshed.

Text patches are checked with GNU ``patch`` (what rpm's default ``%__scm`` runs); patches
with ``GIT binary patch`` hunks, which GNU patch cannot apply, with ``git apply`` against
a scratch repository of our own. Compressed patches are decompressed first, as rpm's
``%{uncompress:...}`` does. Nothing in a patch or the tree is ever executed: ed-style
diffs, which GNU patch would hand to ``ed``, are refused.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from steward.compression import DECOMPRESSION_ERRORS, Readable, open_stream, sniff
from steward.rpm import EditError, Spec, SpecEditor
from steward.rpm.model import PatchApplication, SourceEntry
from steward.upgrade.model import PatchTriage, PatchVerdict, UpgradeError, UpgradeStep

__all__ = [
    "MAX_TRIAGE_FUZZ",
    "STRIP_BASENAME",
    "drop_upstreamed",
    "triage_patches",
]

#: ``PatchTriage.strip`` when no ``-p`` is passed: GNU patch then keeps only base names.
STRIP_BASENAME: Final = -1
#: The most fuzz the triage tries; GNU patch's own default, and the usual
#: ``%_default_patch_fuzz`` of specs that raise it.
MAX_TRIAGE_FUZZ: Final = 2

_MAX_PATCH_BYTES: Final = 64 * 1024 * 1024  # a decompressed patch larger than this is refused
_COMMAND_TIMEOUT: Final = 300.0
_EVIDENCE_LINES: Final = 40
_EVIDENCE_CHARS: Final = 4000

_FUZZ_USED = re.compile(r"with fuzz (\d+)")
_OFFSET = re.compile(r"\(offset -?\d+ lines?\)")
_SPEC_FUZZ = re.compile(r"(?:\s-F\s*|--fuzz[=\s]\s*)(\d+)")
# GNU patch takes a line like "12c" or "3,5d" as the start of an ed script and runs ed.
_ED_COMMAND = re.compile(rb"^[0-9][0-9,]*[acd]\r?$", re.MULTILINE)
_HUNK_HEADER = re.compile(rb"^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@")


def triage_patches(spec: Spec, package_dir: Path, source_tree: Path) -> list[PatchTriage]:
    """Give every patch of ``spec`` a verdict on the new source tree ``source_tree``.

    ``source_tree`` is the extracted top-level directory (where ``%prep`` runs); it is never
    modified. Patches are applied cumulatively to a scratch copy, in ``%prep`` order, so each
    one sees the tree as the ones before it left it; upstream and conflicting patches are not
    applied. Returns the applied patches in that order, then the declared patches ``%prep``
    never applies (:attr:`PatchVerdict.NOT_APPLIED`) in number order.
    """
    if not source_tree.is_dir():
        raise UpgradeError(UpgradeStep.PATCHES, f"the source tree {source_tree} is not a folder")
    if shutil.which("patch") is None:
        raise UpgradeError(
            UpgradeStep.PATCHES, "GNU patch is not installed: install the 'patch' package"
        )
    default_fuzz = _default_patch_fuzz(spec)
    order = _prep_order(spec)
    results: list[PatchTriage] = []
    with tempfile.TemporaryDirectory(prefix="steward-patches-") as tmp:
        scratch = Path(tmp)
        tree = scratch / "tree"
        _copy_tree(source_tree, tree)
        replay = _Replay(scratch, tree)
        for entry, app in order:
            strip = _strip_level(app)
            fuzz = _rpm_fuzz(app, default_fuzz)
            results.append(replay.triage(entry, package_dir / entry.filename, strip, fuzz))
    applied = {entry.number for entry, _ in order}
    for entry in sorted(spec.patches, key=lambda p: p.number):
        if entry.number not in applied:
            results.append(
                PatchTriage(
                    entry.number,
                    entry.filename,
                    PatchVerdict.NOT_APPLIED,
                    STRIP_BASENAME,
                    f"Patch{entry.number} is declared (line {entry.line}) but no %prep line "
                    "applies it; left alone",
                )
            )
    return results


def drop_upstreamed(spec_path: Path, package_dir: Path, triage: Sequence[PatchTriage]) -> list[str]:
    """Remove the patches triaged :attr:`PatchVerdict.UPSTREAM` from the spec and the folder.

    Only that verdict drops a patch. The spec edit (tag line and the ``%patch`` line or
    ``%autopatch`` entry, through :meth:`SpecEditor.remove_patch`) is made for all of them
    before anything is written; if one cannot be made, nothing changes. Returns the dropped
    patches' file names, in triage order (a file already absent from the folder is still
    named, since its patch left the spec).
    """
    upstream = [t for t in triage if t.verdict is PatchVerdict.UPSTREAM]
    if not upstream:
        return []
    try:
        editor = SpecEditor.open(spec_path)
        for item in upstream:
            declared = editor.spec.patch(item.number)
            if declared is None or declared.filename != item.filename:
                # The triage was made on another version of the spec: refuse rather than
                # drop whatever Patch<N> now names.
                found = declared.filename if declared else "nothing"
                raise UpgradeError(
                    UpgradeStep.PATCHES,
                    f"Patch{item.number} in {spec_path.name} is {found}, not {item.filename}: "
                    "triage the patches again; nothing was dropped",
                )
            editor.remove_patch(item.number)
    except EditError as exc:
        raise UpgradeError(
            UpgradeStep.PATCHES,
            f"cannot drop the upstreamed patches from {spec_path.name}: {exc}; "
            "the spec is unchanged",
        ) from exc
    editor.write()
    still_used = {e.filename for e in (*editor.spec.patches, *editor.spec.sources)}
    dropped: list[str] = []
    for item in upstream:
        dropped.append(item.filename)
        if item.filename in still_used or Path(item.filename).name != item.filename:
            continue  # another tag still names the file, or the name is not a plain file name
        (package_dir / item.filename).unlink(missing_ok=True)
    return dropped


# -- %prep order, strip level and fuzz ----------------------------------------------------


def _prep_order(spec: Spec) -> list[tuple[SourceEntry, PatchApplication]]:
    """The declared patches in the order ``%prep`` applies them, each with its application."""
    by_number = sorted(spec.patches, key=lambda p: p.number)
    seen: set[int] = set()
    order: list[tuple[SourceEntry, PatchApplication]] = []
    for app in spec.patch_applications:
        if app.numbers is None:
            # %autosetup / %autopatch: every declared patch in its range, by number.
            entries = [p for p in by_number if app.applies(p.number)]
        else:
            found = (spec.patch(n) for n in app.numbers if n not in app.excluded)
            entries = [p for p in found if p is not None]
        for entry in entries:
            # A second application of the same patch would fail in rpm too; the first decides.
            if entry.number not in seen:
                seen.add(entry.number)
                order.append((entry, app))
    return order


def _strip_level(app: PatchApplication) -> int:
    if app.strip is not None:
        return app.strip
    # rpm's %patch always passes -p (0 by default); the others pass none.
    return 0 if app.kind == "patch" else STRIP_BASENAME


def _default_patch_fuzz(spec: Spec) -> int:
    if spec.macros is None:
        return 0
    value = spec.macros.expand("%{?_default_patch_fuzz}").strip()
    return int(value) if value.isdigit() else 0


def _rpm_fuzz(app: PatchApplication, default: int) -> int:
    """The fuzz rpmbuild allows this application: ``-F``/``--fuzz`` on the line, else rpm's."""
    if app.kind in ("patch", "shell-patch"):
        m = _SPEC_FUZZ.search(" " + app.raw)
        if m:
            return int(m.group(1))
        if app.kind == "shell-patch":
            return 2  # a bare `patch` command in %prep runs with GNU patch's default fuzz
    if app.kind == "git-am":
        return 0
    return default


# -- replaying the patches ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Run:
    """One command and what it printed, shown in the evidence as a shell transcript."""

    shown: str
    returncode: int
    output: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    @property
    def transcript(self) -> str:
        return f"$ {self.shown}\n{_trim(self.output)}".rstrip()


@dataclass
class _Replay:
    """The scratch copy being patched, and how to run commands on it."""

    scratch: Path
    tree: Path
    _git_dir: Path | None = field(default=None, init=False)

    def triage(self, entry: SourceEntry, source: Path, strip: int, fuzz: int) -> PatchTriage:
        """One patch's verdict; applies it to the scratch tree when it applies."""
        if not source.is_file():
            return _verdict(
                entry,
                PatchVerdict.CONFLICT,
                strip,
                f"{entry.filename} is not in the package folder, so nothing can be checked; "
                "add the file or fix the Patch line",
            )
        try:
            data, compression = _read_patch(source)
        except _Unreadable as exc:
            return _verdict(
                entry, PatchVerdict.CONFLICT, strip, f"{entry.filename}: {exc}; triage it by hand"
            )
        if _ED_COMMAND.search(data):
            return _verdict(
                entry,
                PatchVerdict.CONFLICT,
                strip,
                f"{entry.filename} looks like an ed script, which GNU patch would run through "
                "ed; Steward does not run it: triage it by hand",
            )
        patch_file = self.scratch / "patches" / f"{entry.number}.patch"
        patch_file.parent.mkdir(exist_ok=True)
        patch_file.write_bytes(data)
        note = f"{entry.filename} is {compression}-compressed; its text was checked\n"
        prefix = note if compression else ""
        if b"\nGIT binary patch\n" in data:
            # git apply has no "base name only" mode; git's own default is -p1.
            git_strip = strip if strip >= 0 else 1
            kind, evidence = self._triage_binary(patch_file, entry.filename, git_strip)
            return _verdict(entry, kind, git_strip, prefix + evidence)
        kind, evidence, rejected = self._triage_text(patch_file, entry.filename, data, strip, fuzz)
        return _verdict(entry, kind, strip, prefix + evidence, rejected)

    # -- text patches, with GNU patch --

    def _triage_text(
        self, patch_file: Path, shown: str, data: bytes, strip: int, fuzz: int
    ) -> tuple[PatchVerdict, str, str]:
        """(verdict, evidence, rejected hunks) for a text patch, checked with GNU patch."""
        clean = self._patch(patch_file, shown, strip, 0, "--dry-run")
        if clean.ok:
            self._apply(patch_file, shown, strip, 0)
            if _OFFSET.search(clean.output):
                return (
                    PatchVerdict.APPLIES_WITH_FUZZ,
                    f"{clean.transcript}\napplies at an offset (its lines moved); rpm accepts "
                    "that even at fuzz 0, but refresh the patch against the new version",
                    "",
                )
            return PatchVerdict.APPLIES, f"{clean.transcript}\napplies cleanly", ""

        reverse = self._patch(patch_file, shown, strip, 0, "--dry-run", "--reverse")
        if reverse.ok:
            return (
                PatchVerdict.UPSTREAM,
                f"{clean.transcript}\n{reverse.transcript}\nthe patch reverse-applies: its "
                "change is already in the new source; not applied",
                "",
            )

        present, detail = _change_present(data, self.tree, strip)
        most = max(MAX_TRIAGE_FUZZ, fuzz)
        fuzzy = self._patch(patch_file, shown, strip, most, "--dry-run")
        if fuzzy.ok:
            # Fuzz wins over the content check: a wrongly dropped patch is a silent loss,
            # a wrongly fuzzed one is reviewed by a human anyway.
            used = max((int(n) for n in _FUZZ_USED.findall(fuzzy.output)), default=0)
            self._apply(patch_file, shown, strip, most)
            evidence = f"{clean.transcript}\n{fuzzy.transcript}\n{_fuzz_note(used, fuzz)}"
            if present:
                evidence += f"\nbut beware, {detail}: it may be upstream already"
            return PatchVerdict.APPLIES_WITH_FUZZ, evidence, ""
        if present:
            return (
                PatchVerdict.UPSTREAM,
                f"{clean.transcript}\n{reverse.transcript}\n{detail}; not applied",
                "",
            )
        rejected = self._rejects(patch_file, shown, strip, most)
        return (
            PatchVerdict.CONFLICT,
            f"{fuzzy.transcript}\n{reverse.transcript}\n{detail}\n"
            "conflicts with the new source: kept, not applied; rebase it by hand",
            rejected,
        )

    def _patch(self, patch_file: Path, shown: str, strip: int, fuzz: int, *extra: str) -> _Run:
        # --forward stops patch from "helpfully" applying the other way round when a patch
        # looks reversed; without it --batch flips the direction and a check lies.
        args = ["patch", "--batch", "--forward", "--no-backup-if-mismatch", *extra]
        if strip != STRIP_BASENAME:
            args.append(f"-p{strip}")
        args += [f"--fuzz={fuzz}", "-i", str(patch_file)]
        return self._run(args, self.tree, {str(patch_file): shown})

    def _apply(self, patch_file: Path, shown: str, strip: int, fuzz: int) -> None:
        run = self._patch(patch_file, shown, strip, fuzz, "--reject-file=-")
        if not run.ok:
            raise UpgradeError(
                UpgradeStep.PATCHES,
                f"{shown} passed its dry run but failed to apply:\n{run.transcript}",
            )

    def _rejects(self, patch_file: Path, shown: str, strip: int, fuzz: int) -> str:
        """The hunks patch rejects, from a real run on a throwaway copy of the tree."""
        # `patch --dry-run` never writes rejects, so apply for real where it does no harm.
        copy = self.scratch / "rejects-tree"
        reject_file = self.scratch / "rejected.rej"
        _copy_tree(self.tree, copy)
        try:
            args = ["patch", "--batch", "--forward", "--no-backup-if-mismatch"]
            if strip != STRIP_BASENAME:
                args.append(f"-p{strip}")
            args += [f"--fuzz={fuzz}", f"--reject-file={reject_file}", "-i", str(patch_file)]
            self._run(args, copy, {str(patch_file): shown})
            if not reject_file.is_file():
                return ""
            return reject_file.read_bytes().decode("utf-8", errors="replace")
        finally:
            shutil.rmtree(copy, ignore_errors=True)
            reject_file.unlink(missing_ok=True)

    # -- binary git patches, with git apply --

    def _triage_binary(self, patch_file: Path, shown: str, strip: int) -> tuple[PatchVerdict, str]:
        note = (
            "binary git patch: GNU patch cannot apply it, so %prep must use git "
            "(%autosetup -S git, git am)"
        )
        if shutil.which("git") is None:
            return PatchVerdict.CONFLICT, f"{note}; git is not installed: apply it by hand"
        check = self._git_apply(patch_file, shown, strip, "--check")
        if check.ok:
            applied = self._git_apply(patch_file, shown, strip)
            if not applied.ok:
                raise UpgradeError(
                    UpgradeStep.PATCHES,
                    f"{shown} passed git apply --check but failed:\n{applied.transcript}",
                )
            return PatchVerdict.APPLIES, f"{check.transcript}\napplies cleanly ({note})"
        reverse = self._git_apply(patch_file, shown, strip, "--check", "--reverse")
        if reverse.ok:
            return PatchVerdict.UPSTREAM, (
                f"{check.transcript}\n{reverse.transcript}\nthe patch reverse-applies: its "
                "change is already in the new source; not applied"
            )
        return PatchVerdict.CONFLICT, (
            f"{check.transcript}\n{reverse.transcript}\n{note}; it does not apply: apply it by hand"
        )

    def _git_apply(self, patch_file: Path, shown: str, strip: int, *extra: str) -> _Run:
        if self._git_dir is None:
            # Our own empty repository: a .git folder inside the tree (its config, its
            # hooks) is never consulted.
            self._git_dir = self.scratch / "git"
            self._run(["git", "init", "--quiet", str(self._git_dir)], self.scratch, {})
        args = [
            "git",
            f"--git-dir={self._git_dir / '.git'}",
            f"--work-tree={self.tree}",
            "apply",
            "--verbose",
            *extra,
            f"-p{strip}",
            str(patch_file),
        ]
        # Show the command as a maintainer would type it in the source tree.
        readable = {
            f"--git-dir={self._git_dir / '.git'} ": "",
            f"--work-tree={self.tree} ": "",
            str(patch_file): shown,
        }
        return self._run(args, self.tree, readable)

    # -- running commands --

    def _run(self, args: list[str], cwd: Path, shown: dict[str, str]) -> _Run:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.scratch),
            "TMPDIR": str(self.scratch),
            "LC_ALL": "C",  # patch's messages ("offset", "fuzz") are parsed in English
            "PATCH_GET": "0",  # never check files out of RCS/ClearCase/Perforce
            "QUOTING_STYLE": "literal",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
        }
        display = shlex.join(args)
        for real, name in shown.items():
            display = display.replace(real, name)
        try:
            proc = subprocess.run(
                args,
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=_COMMAND_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return _Run(display, -1, f"timed out after {_COMMAND_TIMEOUT:.0f}s")
        output = (proc.stdout + proc.stderr).decode("utf-8", errors="replace")
        for real, name in shown.items():
            output = output.replace(real, name)
        return _Run(display, proc.returncode, output)


def _verdict(
    entry: SourceEntry, kind: PatchVerdict, strip: int, evidence: str, rejected: str = ""
) -> PatchTriage:
    return PatchTriage(entry.number, entry.filename, kind, strip, evidence, rejected)


def _fuzz_note(used: int, allowed: int) -> str:
    if used == 0:
        return "applies only when fuzz is allowed; refresh the patch against the new version"
    if used <= allowed:
        return (
            f"applies with fuzz {used}; the spec allows fuzz {allowed}, so rpmbuild accepts "
            "it, but refresh the patch against the new version"
        )
    return (
        f"applies only with fuzz {used}, but rpm applies this patch with --fuzz={allowed} "
        f"(%_default_patch_fuzz), so rpmbuild would fail: rebase the patch, or set "
        f"%global _default_patch_fuzz {used} in the spec"
    )


def _trim(text: str) -> str:
    lines = text.rstrip().splitlines()
    if len(lines) > _EVIDENCE_LINES:
        more = len(lines) - _EVIDENCE_LINES
        lines = [*lines[:_EVIDENCE_LINES], f"… ({more} more lines)"]
    out = "\n".join(lines)
    return out if len(out) <= _EVIDENCE_CHARS else out[:_EVIDENCE_CHARS] + " …"


def _copy_tree(source: Path, target: Path) -> None:
    """Copy a tree keeping symlinks as links; skip FIFOs and devices, which would block."""

    def copy_regular(src: str, dst: str) -> None:
        if stat.S_ISREG(os.lstat(src).st_mode):
            shutil.copy2(src, dst)

    shutil.copytree(source, target, symlinks=True, copy_function=copy_regular)


# -- reading (compressed) patch files -----------------------------------------------------


class _Unreadable(Exception):
    """A patch file that cannot be turned into diff text."""


def _read_patch(path: Path) -> tuple[bytes, str]:
    """The patch's text and its compression ("" if none).

    The compression is found by magic number, as rpm's ``%{uncompress:...}`` does, whatever
    the file name says.
    """
    with path.open("rb") as fh:
        head = fh.read(6)
    kind = sniff(head, legacy_lzma=True) or ""
    if not kind:
        if path.stat().st_size > _MAX_PATCH_BYTES:
            raise _Unreadable(f"larger than {_MAX_PATCH_BYTES} bytes")
        return path.read_bytes(), ""
    try:
        with path.open("rb") as raw:
            # One byte past the cap tells "exactly at the cap" from "a bomb".
            data = _read_up_to(open_stream(kind, raw), _MAX_PATCH_BYTES + 1)
    except DECOMPRESSION_ERRORS as exc:
        raise _Unreadable(f"cannot decompress ({kind}): {exc}") from exc
    if len(data) > _MAX_PATCH_BYTES:
        raise _Unreadable(f"decompresses to more than {_MAX_PATCH_BYTES} bytes")
    return data, kind


def _read_up_to(reader: Readable, limit: int) -> bytes:
    """At most ``limit`` bytes of ``reader`` (a stream's ``read`` may return fewer)."""
    pieces: list[bytes] = []
    left = limit
    while left > 0 and (piece := reader.read(left)):
        pieces.append(piece)
        left -= len(piece)
    return b"".join(pieces)


# -- "is the change already there?" -------------------------------------------------------


@dataclass
class _FileDiff:
    old: str | None  # None for /dev/null: the patch creates the file
    new: str | None  # None for /dev/null: the patch deletes the file
    hunks: list[list[bytes]] = field(default_factory=list)  # lines with their ' '/-/+ mark


def _change_present(data: bytes, tree: Path, strip: int) -> tuple[bool, str]:
    """Whether every change of a unified diff is already in ``tree``, and why (or why not).

    Upstream often makes the same change amid different context, so the patch neither
    applies nor reverse-applies. Each run of changed lines is checked on its own: the added
    lines must be in the target file, in the patch's order, and the removed lines must be
    gone. Runs of blank or punctuation-only lines prove nothing and are skipped; a patch
    made only of those is not judged upstream. Any doubt answers "no", so the patch is kept.
    """
    diffs = _parse_unified(data)
    if not diffs:
        return False, "content check: no unified-diff hunks to compare"
    checked = 0
    files: set[str] = set()
    for diff in diffs:
        name = diff.new if diff.new is not None else diff.old
        target = _resolve(tree, name, strip)
        if target is None:
            return False, f"content check: cannot place {name!r} in the tree"
        shown = target.relative_to(tree).as_posix()
        files.add(shown)
        if diff.new is None:
            if target.exists():
                return False, f"content check: {shown} is not deleted"
            checked += 1
            continue
        if not target.is_file():
            return False, f"content check: {shown} does not exist"
        lines = [ln.rstrip(b"\r") for ln in target.read_bytes().split(b"\n")]
        cursor = 0
        for number, hunk in enumerate(diff.hunks, 1):
            for removed, added in _changes(hunk):
                if _significant(added):
                    at = _find(lines, added, cursor)
                    if at < 0:
                        return False, f"content check: {shown} hunk #{number}: added lines absent"
                    cursor = at + len(added)
                    checked += 1
                if _significant(removed) and _find(added, removed, 0) < 0:
                    if _find(lines, removed, 0) >= 0:
                        return False, (
                            f"content check: {shown} hunk #{number}: removed lines still present"
                        )
                    checked += 1
    if checked == 0:
        return False, "content check: only blank or punctuation lines change; not decisive"
    return True, (
        f"content check: every change is already in the new source, amid different "
        f"context ({checked} runs of changed lines checked in {', '.join(sorted(files))})"
    )


def _parse_unified(data: bytes) -> list[_FileDiff]:
    lines = data.split(b"\n")
    diffs: list[_FileDiff] = []
    current: _FileDiff | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith(b"--- ") and i + 1 < len(lines) and lines[i + 1].startswith(b"+++ "):
            current = _FileDiff(_header_name(line[4:]), _header_name(lines[i + 1][4:]))
            diffs.append(current)
            i += 2
            continue
        m = _HUNK_HEADER.match(line)
        if m and current is not None:
            old_left = int(m.group(1) or b"1")
            new_left = int(m.group(2) or b"1")
            hunk: list[bytes] = []
            i += 1
            while i < len(lines) and (old_left > 0 or new_left > 0):
                body = lines[i].rstrip(b"\r")
                mark = body[:1] or b" "  # some tools strip the space of a blank context line
                if mark == b"\\":  # "\ No newline at end of file"
                    i += 1
                    continue
                if mark not in (b" ", b"-", b"+"):
                    break
                old_left -= mark != b"+"
                new_left -= mark != b"-"
                hunk.append(mark + body[1:])
                i += 1
            current.hunks.append(hunk)
            continue
        i += 1
    return [d for d in diffs if d.hunks or d.new is None]


def _header_name(value: bytes) -> str | None:
    name = os.fsdecode(value.split(b"\t", 1)[0].rstrip())
    return None if name == "/dev/null" else name


def _resolve(tree: Path, name: str | None, strip: int) -> Path | None:
    """Where patch would find ``name`` with this strip level; None if outside the tree."""
    if name is None or name.startswith("/"):
        return None
    parts = [p for p in name.split("/") if p]
    parts = parts[-1:] if strip == STRIP_BASENAME else parts[strip:]
    if not parts or ".." in parts:
        return None
    target = tree.joinpath(*parts)
    try:
        # A symlink in the tree must not lead the check to read outside it.
        target.resolve().relative_to(tree.resolve())
    except ValueError:
        return None
    return target


def _changes(hunk: list[bytes]) -> Iterator[tuple[list[bytes], list[bytes]]]:
    """The hunk's runs of changed lines, each as (removed lines, added lines)."""
    removed: list[bytes] = []
    added: list[bytes] = []
    for line in [*hunk, b" "]:
        mark, text = line[:1], line[1:]
        if mark == b"-":
            removed.append(text)
        elif mark == b"+":
            added.append(text)
        elif removed or added:
            yield removed, added
            removed, added = [], []


def _significant(block: list[bytes]) -> bool:
    return any(any(chr(c).isalnum() for c in line) for line in block)


def _find(lines: list[bytes], block: list[bytes], start: int) -> int:
    """Index of ``block`` as consecutive lines of ``lines`` at or after ``start``, or -1."""
    if not block:
        return start
    width = len(block)
    first = block[0]
    for i in range(start, len(lines) - width + 1):
        if lines[i] == first and lines[i : i + width] == block:
            return i
    return -1
