"""Edit a spec file and leave every byte outside the edited lines as it was.

:class:`SpecEditor` works on the spec's own lines. Each edit finds the line rpm reads the
value from (through macro definitions: ``Version: %{upstream_version}`` edits the
``%global upstream_version`` line), rewrites only the value, re-parses the result and
checks that rpm would now read the intended value. An edit that cannot be made safely
raises :class:`EditError` and changes nothing.

>>> ed = SpecEditor.from_text("Name: x\\nVersion: 1.0\\nRelease: 3%{?dist}\\nSummary: s\\n")
>>> ed.set_version("1.1")
>>> ed.reset_release()
>>> print(ed.text, end="")
Name: x
Version: 1.1
Release: 1%{?dist}
Summary: s
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Sequence
from pathlib import Path

from steward.rpm.changelog import format_entry
from steward.rpm.macros import MacroEngine
from steward.rpm.model import PatchApplication, SourceEntry, Spec, TagLine
from steward.rpm.spec import parse

__all__ = ["EditError", "SpecEditor"]

_MACRO_REF = re.compile(r"%\{([A-Za-z_][A-Za-z0-9_]*)\}|%([A-Za-z_][A-Za-z0-9_]*)")
_SINGLE_REF = re.compile(r"^%\{?([A-Za-z_][A-Za-z0-9_]*)\}?$")
_COMPUTED = re.compile(r"%\(|%\{lua:|%\[")


class EditError(ValueError):
    """An edit that Steward cannot make safely; the spec is left unchanged."""


class SpecEditor:
    """Format-preserving edits of one spec file."""

    def __init__(
        self,
        text: str,
        *,
        macros: MacroEngine | None = None,
        path: Path | None = None,
    ) -> None:
        self._macros = macros
        self.path = path
        self.lines: list[str] = text.splitlines(keepends=True)
        self.spec: Spec = self._parse()

    @classmethod
    def from_text(cls, text: str, *, macros: MacroEngine | None = None) -> SpecEditor:
        return cls(text, macros=macros)

    @classmethod
    def open(cls, path: Path | str, *, macros: MacroEngine | None = None) -> SpecEditor:
        path = Path(path)
        text = path.read_bytes().decode("utf-8", errors="surrogateescape")
        return cls(text, macros=macros, path=path)

    @property
    def text(self) -> str:
        return "".join(self.lines)

    def write(self, path: Path | str | None = None) -> Path:
        """Write the spec (to its own path by default), atomically."""
        target = Path(path) if path else self.path
        if target is None:
            raise EditError("no path to write the spec to")
        tmp = target.with_name(f".{target.name}.steward-tmp")
        tmp.write_bytes(self.text.encode("utf-8", errors="surrogateescape"))
        tmp.replace(target)
        return target

    def _parse(self) -> Spec:
        return parse("".join(self.lines), macros=self._macros, path=self.path)

    # -- the edit transaction ----------------------------------------------------------------

    def _commit(self, new_lines: list[str], check: str, what: str) -> None:
        """Adopt ``new_lines`` if the re-parsed spec passes ``check`` (an attribute test)."""
        old = self.lines
        self.lines = new_lines
        spec = self._parse()
        attribute, _, expected = check.partition("=")
        if attribute and getattr(spec, attribute) != expected:
            self.lines = old
            raise EditError(
                f"{what}: after the edit rpm would read {attribute} "
                f"{getattr(spec, attribute)!r}, not {expected!r}; the spec was not changed"
            )
        self.spec = spec

    # -- version and release ---------------------------------------------------------------

    def set_version(self, version: str) -> None:
        """Set the main package's version, editing the macro that holds it if there is one."""
        if not version or any(c in version for c in " \t-/%"):
            raise EditError(f"{version!r} is not a valid rpm version")
        tag = self._main_tag("version")
        lines = self._assign(tag, version, "Version")
        self._commit(lines, f"version={version}", "set version")

    def reset_release(self, release: str = "1") -> None:
        """Reset the release the way the spec writes it: ``1``, ``1%{?dist}``; leave
        ``%autorelease`` alone."""
        tag = self._main_tag("release")
        raw = tag.raw
        if "autorelease" in raw:
            return
        prefix = raw.split("%", 1)[0]
        if prefix:
            suffix = raw[len(prefix) :]
            lines = list(self.lines)
            lines[tag.line - 1] = _replace_value(lines[tag.line - 1], raw, release + suffix)
            # The literal prefix is replaced; whatever the macros after it expand to stays.
            expected = release + tag.expanded[len(prefix) :]
            self._commit(lines, f"release={expected}", "reset release")
            return
        m = _MACRO_REF.match(raw)
        if m:
            name = m.group(1) or m.group(2)
            definition = self._definition_line(name)
            if definition is not None:
                number, body = definition
                body_prefix = body.split("%", 1)[0]
                if not body_prefix:
                    raise EditError(f"release macro %{name} is computed ({body!r}); edit by hand")
                lines = list(self.lines)
                lines[number - 1] = _replace_definition(
                    lines[number - 1], name, release + body[len(body_prefix) :]
                )
                old_tail = (self.spec.release or "")[len(body_prefix) :]
                self._commit(lines, f"release={release}{old_tail}", "reset release")
                return
        raise EditError(f"cannot tell how to reset Release: {raw!r}; edit it by hand")

    def _main_tag(self, name: str) -> TagLine:
        tag = self.spec.tag(name)
        if tag is None:
            raise EditError(f"the spec has no {name.capitalize()}: tag")
        return tag

    def _assign(self, tag: TagLine, value: str, label: str) -> list[str]:
        """New lines with ``value`` assigned wherever ``tag``'s value really comes from."""
        raw = tag.raw
        if _COMPUTED.search(raw):
            raise EditError(f"{label} is computed by shell, lua or an expression: {raw!r}")
        lines = list(self.lines)
        if "%" not in raw:
            lines[tag.line - 1] = _replace_value(lines[tag.line - 1], raw, value)
            return lines
        self._assign_macro_text(raw, value, label, lines, depth=0)
        return lines

    def _assign_macro_text(
        self, raw: str, value: str, label: str, lines: list[str], depth: int
    ) -> None:
        """Make ``raw`` (text made of macro references and literals) expand to ``value``."""
        if depth > 8:
            raise EditError(f"{label}: macro chain too deep to edit safely")
        single = _SINGLE_REF.match(raw)
        if single:
            name = single.group(1)
            definition = self._definition_line(name)
            if definition is None:
                raise EditError(
                    f"{label} comes from %{name}, which the spec does not define; edit by hand"
                )
            number, body = definition
            if _COMPUTED.search(body):
                raise EditError(f"{label} comes from %{name}, computed as {body!r}")
            if "%" in body:
                self._assign_macro_text(body, value, label, lines, depth + 1)
                return
            lines[number - 1] = _replace_definition(lines[number - 1], name, value)
            return
        # A composite such as %{major}.%{minor}: split the new value on the same literals.
        parts = _MACRO_REF.split(raw)
        pattern = ""
        names: list[str] = []
        for index in range(0, len(parts), 3):
            pattern += re.escape(parts[index])
            if index + 1 < len(parts):
                names.append(parts[index + 1] or parts[index + 2])
                pattern += r"(.+?)"
        m = re.fullmatch(pattern, value)
        if not m or not names:
            raise EditError(f"{label} is {raw!r}; {value!r} does not fit that shape")
        for name, piece in zip(names, m.groups(), strict=True):
            self._assign_macro_text(f"%{{{name}}}", piece, label, lines, depth + 1)

    def _definition_line(self, name: str) -> tuple[int, str] | None:
        found = self.spec.definitions.get(name)
        if found is None or not found[1]:
            return None
        return found[1], found[0]

    # -- changelog -------------------------------------------------------------------------

    def add_changelog_entry(
        self,
        packager: str,
        items: Sequence[str],
        *,
        evr: str | None = None,
        date: _dt.date | None = None,
        style: str = "openeuler",
    ) -> None:
        """Add an entry at the top of ``%changelog`` (creating the section if missing)."""
        if evr is None:
            spec = self.spec
            evr = f"{spec.version}-{spec.release}"
            if spec.epoch is not None:
                evr = f"{spec.epoch}:{evr}"
        entry = format_entry(date or _dt.date.today(), packager, evr, items, style=style)
        newline = _newline(self.lines)
        entry = entry.replace("\n", newline)
        lines = list(self.lines)
        section = self.spec.section("changelog")
        if section is None:
            if lines and not lines[-1].endswith(("\n", "\r")):
                lines[-1] += newline
            lines.append(newline)
            lines.append("%changelog" + newline)
            lines.append(entry.rstrip(newline) + newline)
        else:
            at = section.start_line  # index just after the header line
            if self.spec.changelog:
                lines.insert(at, entry)
            else:
                lines.insert(at, entry.rstrip(newline) + newline)
        self._commit(lines, "", "add changelog entry")

    # -- sources and patches ---------------------------------------------------------------

    def set_source(self, number: int, value: str) -> None:
        """Replace the value of ``SourceN`` (as written, macros allowed)."""
        entry = self.spec.source(number)
        if entry is None:
            raise EditError(f"the spec has no Source{number}")
        lines = list(self.lines)
        lines[entry.line - 1] = _replace_value(lines[entry.line - 1], entry.raw, value)
        self._commit(lines, "", f"set Source{number}")

    def add_patch(self, filename: str, *, number: int | None = None, strip: int = 1) -> int:
        """Declare a patch after the last one and apply it the way the spec applies the others.

        Returns the patch number. Nothing is renumbered.
        """
        spec = self.spec
        taken = {p.number for p in spec.patches}
        if number is None:
            number = max(taken, default=-1) + 1
        elif number in taken:
            raise EditError(f"Patch{number} already exists")
        lines = list(self.lines)
        newline = _newline(lines)
        anchor: SourceEntry | None = max(spec.patches, key=lambda p: p.line, default=None)
        if anchor is None:
            anchor = max(spec.sources, key=lambda p: p.line, default=None)
        if anchor is None:
            raise EditError("the spec declares no Source or Patch to place the new patch after")
        template = lines[anchor.line - 1]
        tag_line = _tag_like(template, f"Patch{number}", filename, newline)
        apply_line = self._apply_line(number, strip, lines)
        inserts: list[tuple[int, str]] = [(anchor.line, tag_line)]
        if apply_line is not None:
            inserts.append(apply_line)
        for index, text in sorted(inserts, reverse=True):
            lines.insert(index, text)
        self._commit(lines, "", f"add Patch{number}")
        if not any(a.applies(number) for a in self.spec.patch_applications):
            raise EditError(f"Patch{number} was declared but %prep would not apply it")
        return number

    def _apply_line(self, number: int, strip: int, lines: list[str]) -> tuple[int, str] | None:
        """Where and how %prep must apply a new patch; None when %autosetup/%autopatch does."""
        apps = self.spec.patch_applications
        if any(a.kind in ("autosetup", "autopatch") and a.numbers is None for a in apps):
            return None
        singles = [a for a in apps if a.kind in ("patch", "shell-patch", "git-am")]
        newline = _newline(lines)
        if singles:
            last = max(singles, key=lambda a: a.line)
            text = lines[last.line - 1]
            indent = text[: len(text) - len(text.lstrip())]
            if last.kind == "patch" and last.numbers:
                old = last.numbers[-1]
                body = text.strip()
                body = re.sub(rf"^%patch{old}\b", f"%patch{number}", body)
                body = re.sub(rf"(-P\s*){old}\b", rf"\g<1>{number}", body)
                body = re.sub(rf"^(%patch\s+){old}\b", rf"\g<1>{number}", body)
                if body == text.strip():
                    body = f"%patch -P {number} -p{strip}"
            elif last.numbers and len(last.numbers) == 1:
                body = re.sub(
                    rf"%\{{?(PATCH|P:){last.numbers[0]}\}}?",
                    lambda m: m.group(0).replace(str(last.numbers[0]), str(number)),  # type: ignore[index]
                    text.strip(),
                )
            else:
                raise EditError(f"cannot add a patch to {last.raw!r}; apply Patch{number} by hand")
            return last.line, indent + body + newline
        setups = self.spec.setups
        if setups:
            return setups[-1].line, f"%patch -P {number} -p{strip}{newline}"
        prep = self.spec.section("prep")
        if prep is None:
            raise EditError("the spec has no %prep section to apply the patch in")
        return prep.start_line, f"%patch -P {number} -p{strip}{newline}"

    def remove_patch(self, number: int) -> None:
        """Remove ``PatchN`` and the ``%prep`` instruction that applies it; renumber nothing."""
        entry = self.spec.patch(number)
        if entry is None:
            raise EditError(f"the spec has no Patch{number}")
        lines: list[str | None] = list(self.lines)
        lines[entry.line - 1] = None
        for app in self.spec.patch_applications:
            if app.numbers is None or number not in app.numbers:
                continue
            index = app.line - 1
            current = lines[index]
            if current is None:
                continue
            if len(app.numbers) == 1:
                lines[index] = None
            else:
                lines[index] = _drop_number(current, app, number)
        self._commit([ln for ln in lines if ln is not None], "", f"remove Patch{number}")


def _newline(lines: Sequence[str]) -> str:
    for line in lines:
        if line.endswith("\r\n"):
            return "\r\n"
        if line.endswith("\n"):
            return "\n"
    return "\n"


def _split_ending(line: str) -> tuple[str, str]:
    body = line.rstrip("\r\n")
    return body, line[len(body) :]


def _replace_value(line: str, raw: str, value: str) -> str:
    """Replace a tag's value (the text after ``Tag:`` and its padding), keeping the rest."""
    body, ending = _split_ending(line)
    colon = body.index(":")
    head = body[: colon + 1]
    after = body[colon + 1 :]
    padding = after[: len(after) - len(after.lstrip())]
    rest = after.lstrip()
    if not rest.startswith(raw):
        raise EditError(f"line {line!r} does not hold {raw!r}")
    trailing = rest[len(raw) :]
    return f"{head}{padding}{value}{trailing}{ending}"


def _replace_definition(line: str, name: str, body: str) -> str:
    text, ending = _split_ending(line)
    m = re.match(rf"^(\s*%(?:global|define)\s+{re.escape(name)}(?:\([^)]*\))?\s+)(.*?)(\s*)$", text)
    if not m:
        raise EditError(f"cannot find the definition of %{name} in {line!r}")
    return f"{m.group(1)}{body}{m.group(3)}{ending}"


def _tag_like(template: str, tag: str, value: str, newline: str) -> str:
    """A new tag line aligned like ``template`` (same column for the value)."""
    body, _ = _split_ending(template)
    colon = body.find(":")
    after = body[colon + 1 :]
    padding = after[: len(after) - len(after.lstrip())]
    column = colon + 1 + len(padding)
    head = f"{tag}:"
    gap = padding if "\t" in padding else " " * max(1, column - len(head))
    return f"{head}{gap}{value}{newline}"


def _drop_number(line: str, app: PatchApplication, number: int) -> str:
    body, ending = _split_ending(line)
    new = re.sub(rf"\s*-P\s*{number}\b", "", body)
    if new == body:
        new = re.sub(rf"\s+{number}\b", "", body, count=1)
    if new == body:
        new = re.sub(rf"\s*%\{{?(?:PATCH|P:){number}\}}?", "", body)
    return new + ending
