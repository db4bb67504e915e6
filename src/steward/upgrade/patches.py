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
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Final

from steward.compression import DECOMPRESSION_ERRORS, Readable, open_stream, sniff
from steward.rpm import EditError, Spec, SpecEditor
from steward.rpm.macros import MacroEngine
from steward.rpm.model import PatchApplication, SourceEntry
from steward.rpm.spec import parse_file
from steward.upgrade.model import PatchTriage, PatchVerdict, UpgradeError, UpgradeStep

__all__ = [
    "MAX_TRIAGE_FUZZ",
    "STRIP_BASENAME",
    "TRIAGE_ARCHES",
    "arch_variants",
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
_REVERSED = re.compile(r"Reversed \(or previously applied\) patch detected")
_HUNK_START = re.compile(rb"^@@ -", re.MULTILINE)
_HUNKS_FAILED = re.compile(r"^(\d+) out of \d+ hunks? FAILED", re.M)
#: Share of hunks that must reverse-apply (with fuzz) when patch already detects every
#: file's change as applied, for the patch to count as upstream.
_MOSTLY_REVERSED: Final = 0.8
_MISSING_FILE = re.compile(r"can't find file to patch|No file to patch")
_FAILED_HUNK = re.compile(r"Hunk #\d+ FAILED|malformed patch|Only garbage")
_PATCHING = re.compile(r"^(?:checking|patching) file (.+)$", re.M)
_SPEC_FUZZ = re.compile(r"(?:\s-F\s*|--fuzz[=\s]\s*)(\d+)")
# GNU patch takes a line like "12c" or "3,5d" as the start of an ed script and runs ed.
_ED_COMMAND = re.compile(rb"^[0-9][0-9,]*[acd]\r?$", re.MULTILINE)
_HUNK_HEADER = re.compile(rb"^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@")


#: The architectures whose ``%prep`` is replayed when a spec applies some patches only on
#: some of them (``%ifarch``); openEuler builds for these.
TRIAGE_ARCHES: Final = ("x86_64", "aarch64", "riscv64", "loongarch64", "ppc64le", "sw_64")

_PATCH_TAG = re.compile(r"^\s*patch(\d*)\s*:\s*(\S+)", re.I)


def arch_variants(
    spec: Spec, spec_path: Path, macros: MacroEngine, arches: Sequence[str] = TRIAGE_ARCHES
) -> list[tuple[str, Spec]]:
    """``spec`` (read for the engine's own architecture) and the spec read for the others."""
    own = macros.target_arch
    others = [(a, parse_file(spec_path, macros=macros, arch=a)) for a in arches if a != own]
    return [(own, spec), *others]


def triage_patches(
    spec: Spec,
    package_dir: Path,
    source_tree: Path,
    *,
    variants: Sequence[tuple[str, Spec]] = (),
) -> list[PatchTriage]:
    """Give every patch of ``spec`` a verdict on the new source tree ``source_tree``.

    ``source_tree`` is the extracted top-level directory (where ``%prep`` runs); it is never
    modified. Patches are applied cumulatively to a scratch copy, in ``%prep`` order, so each
    one sees the tree as the ones before it left it; upstream and conflicting patches are not
    applied. Returns the applied patches in that order, then the declared patches ``%prep``
    never applies (:attr:`PatchVerdict.NOT_APPLIED`) in number order.

    ``variants`` are the same spec parsed for other architectures (:func:`arch_variants`,
    first one ``spec``'s own): a patch declared or applied only under ``%ifarch`` is triaged
    on the %prep of an architecture that applies it, and every result names the
    architectures that apply it (``arches``) unless all of them do. A patch declared in a
    branch no architecture takes (``%if 0%{?with_x}``) is still listed, as not applied.
    """
    if not source_tree.is_dir():
        raise UpgradeError(UpgradeStep.PATCHES, f"the source tree {source_tree} is not a folder")
    if shutil.which("patch") is None:
        raise UpgradeError(
            UpgradeStep.PATCHES, "GNU patch is not installed: install the 'patch' package"
        )
    specs = list(variants) or [("", spec)]
    if specs[0][1] is not spec:
        specs.insert(0, ("", spec))
    applied_on: dict[tuple[int, str], list[str]] = {}
    for arch, variant in specs:
        for entry, _ in _prep_order(variant):
            arches = applied_on.setdefault((entry.number, entry.filename), [])
            if arch and arch not in arches:
                arches.append(arch)
    every = {arch for arch, _ in specs if arch}
    results: list[PatchTriage] = []
    done: set[tuple[int, str]] = set()
    for arch, variant in specs:
        order = _prep_order(variant)
        if all((e.number, e.filename) in done for e, _ in order):
            continue
        for item in _replay_order(variant, order, package_dir, source_tree):
            key = (item.number, item.filename)
            if key in done:
                continue
            done.add(key)
            arches = applied_on.get(key, [])
            if set(arches) != every:
                item = replace(item, arches=tuple(arches))
                if arch:
                    item = replace(item, evidence=f"(%prep for {arch})\n{item.evidence}")
            results.append(item)
    declared: dict[tuple[int, str], SourceEntry] = {}
    for _, variant in reversed(specs):
        declared.update({(p.number, p.filename): p for p in variant.patches})
    for key in sorted(declared):
        if key not in done:
            done.add(key)
            entry = declared[key]
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
    results += _undeclared_everywhere(spec, {n for n, _ in done})
    return results


def _replay_order(
    spec: Spec,
    order: list[tuple[SourceEntry, PatchApplication]],
    package_dir: Path,
    source_tree: Path,
) -> list[PatchTriage]:
    default_fuzz = _default_patch_fuzz(spec)
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
    return results


def _undeclared_everywhere(spec: Spec, seen: set[int]) -> list[PatchTriage]:
    """``PatchN:`` lines in conditional branches that no replayed architecture takes."""
    found: list[PatchTriage] = []
    for number, line in enumerate(spec.lines, 1):
        m = _PATCH_TAG.match(line)
        if not m:
            continue
        patch_number = int(m.group(1) or 0)
        if patch_number in seen:
            continue
        seen.add(patch_number)
        filename = m.group(2)
        if spec.macros is not None:
            filename = spec.macros.expand(filename)
        found.append(
            PatchTriage(
                patch_number,
                Path(filename).name,
                PatchVerdict.NOT_APPLIED,
                STRIP_BASENAME,
                f"Patch{patch_number} is declared on line {number} inside a conditional "
                "branch that is not taken for any architecture Steward replays; not triaged: "
                "check it by hand if that branch is ever built",
            )
        )
    return found


def drop_upstreamed(
    spec_path: Path,
    package_dir: Path,
    triage: Sequence[PatchTriage],
    *,
    macros: MacroEngine | None = None,
) -> list[str]:
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
        editor = SpecEditor.open(spec_path, macros=macros)
        own = macros.target_arch if macros is not None else ""
        current = own
        for item in upstream:
            arch = own if not item.arches or own in item.arches else item.arches[0]
            if macros is not None and arch != current:
                # Declared only under %ifarch: read the spec as that architecture does to
                # find its lines.
                editor = SpecEditor(editor.text, macros=_for_arch(macros, arch), path=spec_path)
                current = arch
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


def _for_arch(macros: MacroEngine, arch: str) -> MacroEngine:
    engine = macros.copy()
    engine.target_arch = arch
    for name in ("_arch", "_target_cpu"):
        engine.define(name, arch)
    return engine


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
        """(verdict, evidence, rejected hunks) for a text patch, checked with GNU patch.

        "Already upstream" is decided before anything is applied forward: a patch whose
        change upstream made and then touched nearby lines still applies forward with fuzz,
        and applying it would duplicate the change.
        """
        upstream, checks = self._already_present(patch_file, shown, data, strip)
        if upstream is not None:
            return upstream
        clean = self._patch(patch_file, shown, strip, 0, "--dry-run")
        if clean.ok:
            self._apply(patch_file, shown, strip, 0)
            if _OFFSET.search(clean.output):
                return (
                    PatchVerdict.APPLIES_WITH_OFFSET,
                    f"{clean.transcript}\napplies at fuzz 0 with an offset (its lines moved); "
                    "rpm accepts that, so nothing needs doing (refreshing the patch is tidy)",
                    "",
                )
            return PatchVerdict.APPLIES, f"{clean.transcript}\napplies cleanly", ""
        most = max(MAX_TRIAGE_FUZZ, fuzz)
        if _REVERSED.search(clean.output):
            # patch itself recognised the change (a hunk reverse-applies) where the content
            # check could not agree line by line (a generic line, context edited since).
            loose = self._patch(
                patch_file, shown, strip, most, "--dry-run", "--reverse", "--ignore-whitespace"
            )
            files = len(_PATCHING.findall(clean.output))
            hunks = len(_HUNK_START.findall(data))
            failed = sum(int(n) for n in _HUNKS_FAILED.findall(loose.output))
            every_file = files > 0 and len(_REVERSED.findall(clean.output)) == files
            if every_file and hunks and (hunks - failed) / hunks >= _MOSTLY_REVERSED:
                how = (
                    "the whole patch reverse-applies"
                    if loose.ok
                    else f"{hunks - failed} of its {hunks} hunks reverse-apply"
                )
                return (
                    PatchVerdict.UPSTREAM,
                    f"{clean.transcript}\n{loose.transcript}\npatch finds every file's change "
                    f"already there, and {how} once upstream's later edits around it are "
                    "allowed for (fuzz): its change is in; not applied",
                    "",
                )
            return (
                PatchVerdict.PROBABLY_UPSTREAM,
                f"{clean.transcript}\n{loose.transcript}\npatch says the change is already "
                "there (reversed or previously applied); not applied: check it and drop it",
                "",
            )
        fuzzy = self._patch(patch_file, shown, strip, most, "--dry-run")
        if fuzzy.ok:
            used = max((int(n) for n in _FUZZ_USED.findall(fuzzy.output)), default=0)
            self._apply(patch_file, shown, strip, most)
            evidence = f"{clean.transcript}\n{fuzzy.transcript}\n{_fuzz_note(used, fuzz)}"
            return PatchVerdict.APPLIES_WITH_FUZZ, evidence, ""
        rejected = self._rejects(patch_file, shown, strip, most)
        return (
            PatchVerdict.CONFLICT,
            "\n".join(
                [fuzzy.transcript, *checks,
                 "conflicts with the new source: kept, not applied; rebase it by hand"]
            ),
            rejected,
        )  # fmt: skip

    def _already_present(
        self, patch_file: Path, shown: str, data: bytes, strip: int
    ) -> tuple[tuple[PatchVerdict, str, str] | None, list[str]]:
        """The upstream verdict when the patch's change is already in the tree, else None;
        and the evidence of the checks that did not find it.

        In order of strength: the patch reverse-applies at fuzz 0; it does so ignoring
        whitespace (upstream re-indented, tabs became spaces); it does except for files
        upstream deleted; every hunk's added lines are present and its removed lines gone.
        """
        checks: list[str] = []
        for extra, how in (((), ""), (("--ignore-whitespace",), " ignoring whitespace")):
            reverse = self._patch(patch_file, shown, strip, 0, "--dry-run", "--reverse", *extra)
            checks.append(reverse.transcript)
            if reverse.ok:
                evidence = (
                    f"{reverse.transcript}\nthe patch reverse-applies{how}: its change is "
                    "already in the new source; not applied"
                )
                return (PatchVerdict.UPSTREAM, evidence, ""), checks
            gone = _only_deleted_files_missing(reverse.output, self.tree, data, strip)
            if gone:
                evidence = (
                    f"{reverse.transcript}\nthe patch reverse-applies{how} except for "
                    f"{', '.join(gone)}, which the new source no longer has (deleted "
                    "upstream): its change is in; not applied"
                )
                return (PatchVerdict.UPSTREAM, evidence, ""), checks
        present, detail = _change_present(data, self.tree, strip)
        if present:
            evidence = "\n".join([*checks, f"{detail}; not applied"])
            return (PatchVerdict.UPSTREAM, evidence, ""), checks
        return None, [*checks, detail]

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
    deleted: list[str] = []
    for diff in diffs:
        name = diff.new if diff.new is not None else diff.old
        target = _resolve(tree, name, strip)
        if target is None:
            return False, f"content check: cannot place {name!r} in the tree"
        shown = target.relative_to(tree).as_posix()
        if diff.new is None:
            if target.exists():
                return False, f"content check: {shown} is not deleted"
            files.add(shown)
            checked += 1
            continue
        if not target.is_file():
            if diff.old is None or target.exists():
                return False, f"content check: {shown} does not exist"
            deleted.append(shown)  # the patch changes a file upstream has since deleted
            continue
        files.add(shown)
        # Whitespace is not the change: upstream often re-indents (tabs to spaces).
        lines = [_squash(ln) for ln in target.read_bytes().split(b"\n")]
        cursor = 0
        for number, hunk in enumerate(diff.hunks, 1):
            for removed, added in _changes(hunk):
                removed = [_squash(ln) for ln in removed]
                added = [_squash(ln) for ln in added]
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
        if deleted:
            return False, f"content check: {', '.join(deleted)} no longer exist; not decisive"
        return False, "content check: only blank or punctuation lines change; not decisive"
    gone = f"; {', '.join(deleted)} no longer exist upstream (deleted)" if deleted else ""
    return True, (
        f"content check: every change is already in the new source, amid different "
        f"context, whitespace aside ({checked} runs of changed lines checked in "
        f"{', '.join(sorted(files))}){gone}"
    )


def _squash(line: bytes) -> bytes:
    return b" ".join(line.split())


def _only_deleted_files_missing(output: str, tree: Path, data: bytes, strip: int) -> list[str]:
    """The files a reverse run skipped because upstream deleted them, when that was all.

    Empty unless every other file of the patch reverse-applied: no hunk failed, at least
    one file was checked, and each skipped file is really absent from the tree.
    """
    if not _MISSING_FILE.search(output) or _FAILED_HUNK.search(output) or _REVERSED.search(output):
        return []
    if not _PATCHING.search(output):
        return []
    gone: list[str] = []
    for diff in _parse_unified(data):
        if diff.old is None or diff.new is None:
            continue
        target = _resolve(tree, diff.new, strip)
        if target is not None and not target.exists():
            gone.append(target.relative_to(tree).as_posix())
    return gone


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
