"""Bring a spec to a new upstream version, changing only the lines that must change.

:func:`update_spec` sets the version (or the macro that holds it), resets the release the
way the distribution does it, and then fixes what a plain version bump misses:

* the version spelled another way in a source URL or a macro (``cares-1_18_1``,
  ``%global uver 1_18_1``, ``1.18.1`` written out in ``Source0``);
* a directory hard-coded in ``%setup``/``%autosetup -n name-1.7.1``;
* a PyPI URL with the per-release hash path
  (``files.pythonhosted.org/packages/ab/cd/<hash>/…``), rewritten to PyPI's stable
  ``packages/source/<l>/<name>/`` form.

Each fix is reported as a note; what cannot be fixed safely raises an
:class:`~steward.upgrade.model.UpgradeError` and leaves the spec as it was.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from steward.rpm.editor import EditError, SpecEditor
from steward.rpm.macros import MacroEngine
from steward.rpm.model import ChangelogEntry, Spec
from steward.upgrade.model import UpgradeError, UpgradeStep

__all__ = [
    "ChangelogStyle",
    "SpecUpdate",
    "changelog_items",
    "changelog_style",
    "update_spec",
    "version_spellings",
]

_PYPI_HASHED = re.compile(
    r"(https?://files\.pythonhosted\.org/packages/)[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{60}/"
)


@dataclass(frozen=True, slots=True)
class SpecUpdate:
    """What changed in the spec: the new text's EVR and notes on every non-obvious fix."""

    version: str
    release: str | None
    evr: str
    notes: tuple[str, ...]


def version_spellings(version: str) -> list[tuple[str, str]]:
    """Other ways a version is written, as (name, spelling), dotted form excluded.

    >>> version_spellings("1.18.1")
    [('underscores', '1_18_1'), ('dashes', '1-18-1')]
    >>> version_spellings("2.9.1")[-1]
    ('no separators', '291')
    """
    parts = version.split(".")
    if len(parts) < 2:
        return []
    found = [("underscores", "_".join(parts)), ("dashes", "-".join(parts))]
    if all(p.isdigit() and len(p) == 1 for p in parts[1:]):
        found.append(("no separators", "".join(parts)))
    return found


def _respell(spelling_name: str, version: str) -> str:
    parts = version.split(".")
    return {"underscores": "_".join(parts), "dashes": "-".join(parts)}.get(
        spelling_name, "".join(parts)
    )


@dataclass(frozen=True, slots=True)
class ChangelogStyle:
    """How a package's maintainers write an upgrade's changelog entry.

    ``form`` is ``plain`` (``- update to 1.2``), ``openeuler`` (one
    ``- Type:update ID:NA SUG:NA DESC:update to 1.2`` line) or ``openeuler-lines`` (``Type:``,
    ``ID:``, ``SUG:`` and ``DESC:`` each on its own line). ``template`` is the wording of the
    package's last upgrade with ``{version}`` for the version (``upgrade version to
    {version}``); ``epoch`` whether the header names the epoch (None: as the spec's EVR);
    ``source`` says what decided.
    """

    form: str
    template: str = "update to {version}"
    epoch: bool | None = None
    source: str = "the profile"


_TYPE_LINE = re.compile(r"^-\s*Type\s*:", re.I)
_UPGRADE_WORDS = re.compile(r"\b(update|upgrade|bump|rebase)", re.I)


def _entry_form(entry: ChangelogEntry) -> str:
    items = [ln.strip() for ln in entry.lines if ln.strip().startswith("-")]
    first = items[0] if items else ""
    if _TYPE_LINE.match(first):
        return "openeuler" if "DESC:" in first.upper() else "openeuler-lines"
    return "plain"


def _entry_version(entry: ChangelogEntry) -> str | None:
    if not entry.evr:
        return None
    return entry.evr.split(":", 1)[-1].rsplit("-", 1)[0] or None


def _leading_run(entries: list[ChangelogEntry]) -> list[ChangelogEntry]:
    """The newest entries written in the same form as the newest one."""
    forms = [_entry_form(e) for e in entries]
    return entries[: len(list(itertools.takewhile(forms[0].__eq__, forms)))] if forms else []


def changelog_style(spec: Spec, profile_style: str) -> ChangelogStyle:
    """The style of the package's own recent changelog entries, where they agree.

    The package's previous upgrades decide first (up to three among the ten newest
    entries): when the newest two (or three) are written the same way, the newest one's
    wording is reused. Without that, the newest two or three entries decide when they
    agree. Otherwise the profile's style (``openeuler`` or ``fedora``) holds. The header
    carries the epoch when the spec has one and the recent entries agree on writing it (or
    do not say).
    """
    profile = ChangelogStyle("openeuler" if profile_style == "openeuler" else "plain")
    entries = spec.changelog[:10]
    if not entries:
        return profile
    bumps = [
        entry
        for entry, older in zip(entries, [*entries[1:], None], strict=True)
        if older is not None
        and _entry_version(entry)
        and _entry_version(entry) != _entry_version(older)
    ][:3]
    recent = entries[:3]
    if bumps and recent and _entry_form(bumps[0]) != _entry_form(recent[0]):
        bumps = []  # the newest entries already write otherwise than the last upgrade
    epochs = {bool(e.evr and ":" in e.evr) for e in recent if e.evr}
    epoch = None if spec.epoch is None or len(epochs) != 1 else epochs.pop()
    for candidates, what in ((bumps, "upgrades"), (recent, "entries")):
        # The newest ones decide: maintainers change style over time (openEuler's Type:
        # lines gave way to plain ones), so a run of at least two alike, newest first.
        group = _leading_run(candidates)
        if len(group) < 2:
            continue
        form = _entry_form(group[0])
        template = profile.template
        newest = group[0]
        first = next((ln.strip() for ln in newest.lines if ln.strip().startswith("-")), "")
        text = first.lstrip("-").strip()
        version = _entry_version(newest)
        if what == "upgrades" and form == "plain" and version and version in text:
            template = text.replace(version, "{version}")
        elif form == "plain" and text[:1].isupper():
            template = "Update to {version}"
        return ChangelogStyle(
            form, template, epoch, f"the package's {len(group)} most recent {what}"
        )
    return ChangelogStyle(profile.form, profile.template, epoch, profile.source)


def changelog_items(
    version: str,
    *,
    dropped: Sequence[str] = (),
    cves: Sequence[str] = (),
    style: ChangelogStyle | None = None,
) -> list[str]:
    """The changelog lines of an upgrade: the update, dropped patches, fixed CVEs.

    Without ``style`` the lines are plain text, for :func:`format_entry` to dress; with it,
    they are written out in that style (pass ``style="fedora"`` to the editor then).
    """
    template = style.template if style else "update to {version}"
    first = template.replace("{version}", version)
    capital = first[:1].isupper()
    more = []
    if dropped:
        more.append("drop patches merged upstream: " + ", ".join(dropped))
    if cves:
        more.append("fix " + ", ".join(cves))
    if capital:
        more = [m[:1].upper() + m[1:] for m in more]
    if style is None or style.form == "plain":
        return [first, *more]
    desc = "; ".join([first, *more])
    if style.form == "openeuler-lines":
        return ["Type:update", "ID:NA", "SUG:NA", f"DESC:{desc}"]
    return [f"Type:update ID:NA SUG:NA DESC:{desc}"]


def update_spec(
    spec_path: Path,
    version: str,
    *,
    macros: MacroEngine | None = None,
    style: str = "openeuler",
    packager: str,
    dropped_patches: Sequence[str] = (),
    cves: Sequence[str] = (),
    date: _dt.date | None = None,
    changelog: bool = True,
) -> SpecUpdate:
    """Edit ``spec_path`` in place for ``version``; raises UpgradeError(SPEC) when unsafe."""
    try:
        editor = SpecEditor.open(spec_path, macros=macros)
    except OSError as exc:
        raise UpgradeError(UpgradeStep.SPEC, f"cannot read {spec_path}: {exc}") from exc
    old_version = editor.spec.version
    if not old_version:
        raise UpgradeError(UpgradeStep.SPEC, f"{spec_path.name} has no Version: to update")
    notes: list[str] = []
    before = {s.number: s.expanded for s in editor.spec.sources if s.is_remote}
    try:
        editor.set_version(version)
        _fix_spellings(editor, old_version, version, notes)
        _fix_setup_dirs(editor, old_version, notes)
        _fix_pypi_hash_urls(editor, notes)
        _fix_version_prefixes(editor, old_version, version, notes)
        _fix_other_mentions(editor, old_version, notes)
        editor.reset_release()
        if changelog:
            items = changelog_items(version, dropped=dropped_patches, cves=cves)
            editor.add_changelog_entry(packager, items, date=date, style=style)
    except EditError as exc:
        advice = "" if "by hand" in str(exc) else "; edit the spec by hand"
        raise UpgradeError(UpgradeStep.SPEC, f"{spec_path.name}: {exc}{advice}") from exc
    _check_sources_follow(editor, old_version, before)
    editor.write()
    spec = editor.spec
    return SpecUpdate(spec.version or version, spec.release, spec.evr, tuple(notes))


def _fix_spellings(editor: SpecEditor, old: str, new: str, notes: list[str]) -> None:
    """Update macros and Source lines that spell the old version another way."""
    for spelling_name, spelling in version_spellings(old):
        replacement = _respell(spelling_name, new)
        for name, (body, line) in editor.spec.definitions.items():
            if body.strip() == spelling and line:
                _replace_in_line(editor, line, spelling, replacement)
                notes.append(
                    f"%{name} held the version with {spelling_name} ({spelling}); "
                    f"set it to {replacement}"
                )
        if spelling_name == "no separators":
            continue  # "129" in a URL is too likely to be something else
        token = re.compile(rf"(?<![\w.]){re.escape(spelling)}(?![\w])")
        for source in list(editor.spec.sources):
            if token.search(source.raw):
                _replace_in_line(editor, source.line, spelling, replacement)
                notes.append(
                    f"Source{source.number} spelled the version with {spelling_name} "
                    f"({spelling}); now {replacement}"
                )
    written = _version_token(old)
    for source in list(editor.spec.sources):
        if written.search(source.raw):
            # Every occurrence: GitHub's releases/download/v1.2.3/foo-1.2.3.tar.gz has two.
            lines = list(editor.lines)
            text = lines[source.line - 1]
            keep_series = new.startswith(old + ".")  # v2.36/ stays the series of 2.36.1

            def respell(m: re.Match[str], text: str = text, keep: bool = keep_series) -> str:
                if keep and text[m.end() : m.end() + 1] == "/":
                    return m.group(0)
                return m.group(1) + "%{version}"

            lines[source.line - 1] = written.sub(respell, text)
            if lines[source.line - 1] == text:
                continue
            editor._commit(lines, "", f"replace {old!r} on line {source.line}")
            notes.append(f"Source{source.number} had version {old} written out; now %{{version}}")


def _version_token(version: str) -> re.Pattern[str]:
    """``version`` where it stands as a version: alone, or after ``v``, ``-``, ``/``, ``_``."""
    return re.compile(rf"(?<![\w.])(v?){re.escape(version)}(?![\w]|\.\d)")


def _fix_setup_dirs(editor: SpecEditor, old: str, notes: list[str]) -> None:
    for setup in list(editor.spec.setups):
        raw = setup.name_raw or ""
        if old in raw and "%" not in raw.replace(old, ""):
            _replace_in_line(editor, setup.line, raw, raw.replace(old, "%{version}"))
            notes.append(
                f"%{setup.macro} -n {raw} named the old version; now "
                f"{raw.replace(old, '%{version}')}"
            )


def _fix_pypi_hash_urls(editor: SpecEditor, notes: list[str]) -> None:
    for source in list(editor.spec.sources):
        m = _PYPI_HASHED.search(source.raw)
        if not m:
            continue
        filename = source.filename
        stem = re.sub(r"-\d.*$", "", filename) or filename
        stable = f"{m.group(1)}source/{stem[0]}/{stem}/"
        _replace_in_line(editor, source.line, m.group(0), stable)
        notes.append(
            f"Source{source.number} used PyPI's per-release hash path; now the stable "
            f"packages/source/{stem[0]}/{stem}/ form"
        )


def _replace_in_line(editor: SpecEditor, line: int, old: str, new: str) -> None:
    lines = list(editor.lines)
    text = lines[line - 1]
    if old not in text:
        raise EditError(f"line {line} does not contain {old!r}")
    lines[line - 1] = text.replace(old, new, 1)
    editor._commit(lines, "", f"replace {old!r} on line {line}")


def _check_sources_follow(editor: SpecEditor, old: str, before: dict[int, str]) -> None:
    """A remote source that still names the old version, or does not move with the
    version at all, would fetch the old tarball: refuse, naming the line and the part."""
    new = editor.spec.version or ""
    stale = _version_token(old)
    # 2.36 -> 2.36.1: a release-series folder v2.36/ is the new version's series too.
    series = re.compile(rf"/v?{re.escape(old)}/") if new.startswith(old + ".") else None
    for source in editor.spec.sources:
        if not source.is_remote:
            continue
        expanded = source.expanded.replace(new, "")
        if series is not None:
            expanded = series.sub("/", expanded)
        if stale.search(expanded):
            if stale.search(source.raw):
                part = f"the text {stale.search(source.raw).group(0)!r} on line {source.line}"  # type: ignore[union-attr]
            else:
                part = _macro_holding(editor, source.raw, old) or "a macro it uses"
            raise UpgradeError(
                UpgradeStep.SPEC,
                f"Source{source.number} still names version {old} after the update "
                f"({source.expanded}): {part} could not be rewritten; edit it by hand",
            )
        if (
            source.number == min(before, default=-1)
            and before.get(source.number) == source.expanded
        ):
            raise UpgradeError(
                UpgradeStep.SPEC,
                f"Source{source.number} does not move with the version (line {source.line}: "
                f"{source.raw.strip()}): it would fetch the same file for {new}. A hard-coded "
                "commit, date or file name? Point it at the new release by hand",
            )


def _macro_holding(editor: SpecEditor, raw: str, old: str) -> str | None:
    """The macro used in ``raw`` whose definition names ``old``, as "%name (line N)"."""
    for name in re.findall(r"%\{?\??([A-Za-z_]\w*)", raw):
        body, line = editor.spec.definitions.get(name, ("", 0))
        if old in body:
            return f"%{name} (defined on line {line} as {body.strip()!r})"
    return None


def _fix_version_prefixes(editor: SpecEditor, old: str, new: str, notes: list[str]) -> None:
    """Update the version, or its release series, where a Source spells it apart.

    A macro used by a Source line whose body is the old version (``%global tarversion
    2.04``) or its first components (``%global upstream_major 2.35`` for 2.35.2) is set to
    the same components of the new version; so is a literal series folder in a Source URL
    (``…/gnutls/v3.6/…`` for 3.6.15 becomes ``v3.7`` for 3.7.2). Other macros that happen
    to hold the same number (``%global glib2_version 2.49.4``) are not touched.
    """
    old_parts, new_parts = old.split("."), new.split(".")
    if len(old_parts) < 2:
        return

    def same_series(value: str) -> str | None:
        parts = value.split(".")
        if len(parts) < 2 or len(parts) > len(new_parts) or parts != old_parts[: len(parts)]:
            return None
        return ".".join(new_parts[: len(parts)])

    in_folder: set[str] = set()
    used: set[str] = set()
    for source in editor.spec.sources:
        for m in re.finditer(r"%\{?\??([A-Za-z_]\w*)\}?(/)?", source.raw):
            used.add(m.group(1))
            if m.group(2):
                in_folder.add(m.group(1))
    for name in sorted(used):
        body, line = editor.spec.definitions.get(name, ("", 0))
        value = body.strip()
        replacement = same_series(value) if line else None
        if value == old and name not in in_folder:
            replacement = new  # the whole version, in a file name: foo-%{tarversion}.tar.xz
        if replacement is None or replacement == value:
            continue
        _replace_in_line(editor, line, value, replacement)
        notes.append(f"%{name} held {value}, part of the old version; set it to {replacement}")
    series = ".".join(old_parts[:2])
    if len(old_parts) > 2 and series != ".".join(new_parts[:2]):
        folder = re.compile(rf"(?<=/)(v?){re.escape(series)}(?=/)")
        for source in list(editor.spec.sources):
            if folder.search(source.raw):
                lines = list(editor.lines)
                lines[source.line - 1] = folder.sub(
                    lambda m: m.group(1) + ".".join(new_parts[:2]), lines[source.line - 1]
                )
                editor._commit(lines, "", f"update the release series on line {source.line}")
                notes.append(
                    f"Source{source.number} named the release series {series} in a folder; "
                    f"now {'.'.join(new_parts[:2])}"
                )


#: Sections where a path spelled with the version is derived by the upstream build
#: (its tarball's folder, its docdir): rewritten along with the version.
_PATH_SECTIONS = frozenset({"prep", "build", "install", "check", "files"})


def _fix_other_mentions(editor: SpecEditor, old: str, notes: list[str]) -> None:
    """Rewrite the old version in build paths; report every other place that names it."""
    token = _version_token(old)
    path = re.compile(rf"(?<=[-_/]){re.escape(old)}(?=/|\*|\s|$|[\"'])")
    sections = {
        line: section.name
        for section in editor.spec.sections
        for line in range(section.start_line, section.end_line + 1)
    }
    skip = {s.line for s in editor.spec.sources} | {
        t.line for t in editor.spec.tags if t.tag.lower() == "version"
    }
    lines = list(editor.lines)
    changed = False
    for number, text in enumerate(lines, 1):
        where = sections.get(number, "preamble")
        if number in skip or where == "changelog" or not token.search(text):
            continue
        shown = text.strip()
        if where in _PATH_SECTIONS and not text.lstrip().startswith("#") and path.search(text):
            lines[number - 1] = path.sub("%{version}", text)
            changed = True
            notes.append(
                f"line {number} (%{where}) named {old} in a path the upstream build derives "
                f"from its version: now {lines[number - 1].strip()}"
            )
        else:
            notes.append(
                f"line {number} (%{where}) still names the old version {old}, left as is: {shown}"
            )
    if changed:
        editor._commit(lines, "", f"rewrite paths naming {old}")
