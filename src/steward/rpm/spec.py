"""Read a spec file the way rpm does, without running anything in it.

:func:`parse` walks the spec line by line like librpm's spec reader: it joins continued
lines, evaluates ``%if``/``%ifarch`` conditionals, expands macros with
:class:`~steward.rpm.macros.MacroEngine`, and collects the preamble tags, subpackages,
sections, how ``%prep`` applies patches and the ``%changelog``. Build scripts are not
expanded (Steward does not need them and they may call shell), except for the lines that
define macros or generate spec structure, exactly the lines that change what rpm reads.

Nothing raises on bad input: problems are :class:`~steward.rpm.model.Diagnostic` records.

>>> spec = parse("Name: hello\\nVersion: 2.12\\nRelease: 1%{?dist}\\n", macros=None)
>>> spec.name, spec.version, spec.release
('hello', '2.12', '1')
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from steward.rpm.changelog import parse_changelog
from steward.rpm.macros import MacroEngine
from steward.rpm.model import (
    Diagnostic,
    Package,
    PatchApplication,
    Section,
    SetupCall,
    SourceEntry,
    Spec,
    TagLine,
)

__all__ = ["SECTION_NAMES", "parse", "parse_file", "split_dependencies"]

#: Every section header rpm 4.18 knows (``%name`` at the start of a line).
SECTION_NAMES = frozenset(
    {
        "package", "description", "prep", "generate_buildrequires", "conf", "build", "install",
        "check", "clean", "files", "changelog", "pre", "post", "preun", "postun", "pretrans",
        "posttrans", "preuntrans", "postuntrans", "verifyscript", "sepolicy", "trigger",
        "triggerin", "triggerun", "triggerpostun", "triggerprein", "filetriggerin",
        "filetrigger", "filetriggerun", "filetriggerpostun", "transfiletriggerin",
        "transfiletrigger", "transfiletriggerun", "transfiletriggerpostun", "patchlist",
        "sourcelist", "end",
    }
)  # fmt: skip
_CONDITIONALS = frozenset(
    {
        "if", "ifarch", "ifnarch", "ifos", "ifnos", "elif", "elifarch", "elifnarch", "elifos",
        "elifnos", "else", "endif",
    }
)  # fmt: skip
_DEFINERS = frozenset({"define", "global", "undefine", "bcond", "bcond_with", "bcond_without"})

_WORD = re.compile(r"%([A-Za-z_][A-Za-z0-9_]*)")
_TAG = re.compile(r"([A-Za-z][A-Za-z0-9]*?)(\d*)\s*(\([^)]*\))?\s*:\s*(.*)$", re.S)
_UNEXPANDED = re.compile(r"%\{?\??!?([A-Za-z_][A-Za-z0-9_]*)")
_COMMENT_DEFINE = re.compile(r"%(define|global|undefine)\b")
_PATCH_REF = re.compile(r"%\{?(?:PATCH(\d+)|P:(\d+))\}?")
_MAX_JOINED_LINES = 2000
_ARCH_ALIASES = {
    "x86_64": {"x86_64", "amd64", "em64t"},
    "aarch64": {"aarch64", "arm64"},
    "i686": {"i686", "i586", "i486", "i386", "ix86"},
}

# Preamble tags that rpm also defines as macros (``%{url}``, ``%{summary}``...).
_MACRO_TAGS = frozenset(
    {
        "name", "version", "release", "epoch", "summary", "license", "url", "group", "vendor",
        "packager", "distribution", "vcs", "bugurl", "disturl", "modularitylabel",
    }
)  # fmt: skip
_DEP_TAGS = {
    "buildrequires": "build_requires",
    "requires": "requires",
    "provides": "provides",
    "obsoletes": "obsoletes",
    "conflicts": "conflicts",
    "recommends": "recommends",
}
_KNOWN_TAGS = frozenset(
    {
        "name", "version", "release", "epoch", "summary", "license", "url", "group", "vendor",
        "packager", "distribution", "vcs", "source", "patch", "nosource", "nopatch", "buildarch",
        "buildarchitectures", "buildrequires", "buildconflicts", "requires", "provides",
        "obsoletes", "conflicts", "recommends", "suggests", "supplements", "enhances",
        "orderwithrequires", "buildroot", "exclusivearch", "excludearch", "exclusiveos",
        "excludeos", "autoreq", "autoprov", "autoreqprov", "prefix", "prefixes", "docdir",
        "bugurl", "icon", "modularitylabel", "sourcelicense", "disttag", "removepathpostfixes",
        "buildprereq", "prereq", "serial", "copyright", "translations", "disturl", "policies",
    }
)  # fmt: skip


def parse_file(
    path: Path | str, *, macros: MacroEngine | None = None, arch: str | None = None
) -> Spec:
    """Read and parse a spec file. Unreadable bytes are replaced, never fatal."""
    path = Path(path)
    data = path.read_bytes()
    text = data.decode("utf-8", errors="replace")
    spec = parse(text, macros=macros, path=path, arch=arch)
    if b"\x00" in data[:65536]:
        spec.diagnostics.insert(
            0, Diagnostic(None, "error", "binary-content", f"{path.name} is not a text file")
        )
    return spec


def parse(
    text: str,
    *,
    macros: MacroEngine | None = None,
    path: Path | str | None = None,
    arch: str | None = None,
) -> Spec:
    """Parse spec ``text``. ``macros`` is copied, never changed; ``arch`` overrides its target."""
    engine = macros.copy() if macros is not None else MacroEngine()
    if arch:
        engine.target_arch = arch
        for name in ("_arch", "_target_cpu"):
            engine.define(name, arch)
    return _Reader(text, engine, Path(path) if path else None).run()


def split_dependencies(value: str) -> list[str]:
    """Split a ``Requires:`` value into entries the way rpm does.

    >>> split_dependencies("foo >= 1.2, bar baz = 3 (a or b)")
    ['foo >= 1.2', 'bar', 'baz = 3', '(a or b)']
    """
    tokens: list[str] = []
    i = 0
    n = len(value)
    while i < n:
        c = value[i]
        if c in " \t,\n":
            i += 1
            continue
        if c == "(":
            depth = 0
            start = i
            while i < n:
                if value[i] == "(":
                    depth += 1
                elif value[i] == ")":
                    depth -= 1
                    if depth == 0:
                        i += 1
                        break
                i += 1
            tokens.append(value[start:i])
            continue
        start = i
        while i < n and value[i] not in " \t,\n":
            i += 1
        tokens.append(value[start:i])
    entries: list[str] = []
    k = 0
    while k < len(tokens):
        tok = tokens[k]
        if (
            k + 2 < len(tokens)
            and tokens[k + 1] in ("<", ">", "=", "<=", ">=", "==")
            and not tok.startswith("(")
        ):
            entries.append(f"{tok} {tokens[k + 1]} {tokens[k + 2]}")
            k += 3
        else:
            entries.append(tok)
            k += 1
    return entries


class _Cond:
    __slots__ = ("active", "line", "parent_active", "taken")

    def __init__(self, parent_active: bool, active: bool, line: int) -> None:
        self.parent_active = parent_active
        self.active = active
        self.taken = active
        self.line = line


class _Reader:
    """One pass over the spec, holding the state rpm's reader holds."""

    def __init__(self, text: str, engine: MacroEngine, path: Path | None) -> None:
        self.engine = engine
        self.lines = text.splitlines(keepends=True)
        self.spec = Spec(path=path, lines=self.lines)
        self.diags = self.spec.diagnostics
        self.conds: list[_Cond] = []
        self.section = "preamble"
        self.section_args = ""
        self.section_pkg: str | None = None
        self.section_start = 0
        self.current: Package | None = None
        self.desc_lines: list[str] = []
        self.changelog_lines: list[tuple[int, str]] = []
        self.autonum = {"source": -1, "patch": -1}
        self.source_paths: list[str] = []
        self.patch_paths: list[str] = []
        self.sourcedir = ""
        self.include_depth = 0

    # -- driver ----------------------------------------------------------------------------

    def run(self) -> Spec:
        spec = self.spec
        self.sourcedir = self.engine.expand("%{_sourcedir}")
        if self.sourcedir == "%{_sourcedir}":
            self.sourcedir = str(spec.path.parent) if spec.path else "."
            self.engine.define("_sourcedir", self.sourcedir)
        for number, logical in self._logical_lines():
            self._line(number, logical)
        if self.conds:
            for cond in self.conds:
                self._diag(cond.line, "error", "unbalanced-if", "%if without a matching %endif")
        self._close_section(len(self.lines))
        self._finish()
        return spec

    def _logical_lines(self, lines: list[str] | None = None) -> list[tuple[int, str]]:
        """Join ``\\``-continued lines and lines with an open ``%{``, as rpm's reader does."""
        out: list[tuple[int, str]] = []
        lines = self.lines if lines is None else lines
        i = 0
        n = len(lines)
        while i < n:
            start = i
            line = lines[i].rstrip("\r\n")
            i += 1
            if line.endswith("\\") or ("%{" in line and _open_braces(line) > 0):
                parts = [line]
                while i < n and i - start < _MAX_JOINED_LINES:
                    last = parts[-1]
                    if not (last.endswith("\\") or _open_braces("\n".join(parts)) > 0):
                        break
                    parts.append(lines[i].rstrip("\r\n"))
                    i += 1
                if _open_braces("\n".join(parts)) > 0:
                    self._diag(start + 1, "error", "unterminated-macro", "unclosed %{ in spec")
                    # Keep going from the next physical line rather than swallow the file.
                    i = start + 1
                    parts = [line]
                if (
                    len(parts) > 1
                    and _is_conditional(parts[-1])
                    and not _open_braces("\n".join(parts))
                ):
                    # rpm reads a continued buffer up to the first line without a trailing
                    # backslash, expands it, then splits it into lines again and checks each
                    # for %if/%else/%endif: a conditional ending the buffer stays one.
                    out.append((start + 1, "\n".join(parts[:-1])))
                    out.append((start + len(parts), parts[-1]))
                    continue
                line = "\n".join(parts)
            out.append((start + 1, line))
        return out

    @property
    def active(self) -> bool:
        return not self.conds or self.conds[-1].active

    def _diag(self, line: int | None, severity: str, code: str, message: str) -> None:
        self.diags.append(Diagnostic(line, severity, code, message))

    def _expand(self, text: str, line: int) -> str:
        engine = self.engine
        before = len(engine.diagnostics)
        result = engine.expand(text, line=line)
        if len(engine.diagnostics) > before:
            self.diags.extend(engine.diagnostics[before:])
            del engine.diagnostics[before:]
        return result

    # -- one logical line ------------------------------------------------------------------

    def _line(self, number: int, raw: str) -> None:
        stripped = raw.lstrip()
        if stripped.startswith("%dnl") and (len(stripped) == 4 or stripped[4] in " \t\n"):
            return  # rpm's %dnl discards the rest of the line, wherever it stands
        if stripped.startswith("%"):
            m = _WORD.match(stripped)
            word = m.group(1) if m else ""
            rest = stripped[m.end() :] if m else ""
            if word in _CONDITIONALS and (not rest or rest[0] in " \t\n"):
                self._conditional(number, word, rest)
                return
        else:
            word = ""
        if not self.active:
            return
        if word == "include":
            self._include(number, stripped[len("%include") :])
            return
        section = self.section
        if stripped.startswith("#"):
            # rpm expands macros in comments; a %global there really defines a macro.
            if section in ("preamble", "package") and _COMMENT_DEFINE.search(stripped):
                self._diag(number, "warning", "macro-in-comment", "macro defined in comment")
                self._expand(raw, number)
            return
        if section in ("preamble", "package", "description"):
            expanded = self._expand(raw, number) if "%" in raw else raw
        elif (
            word in SECTION_NAMES or word in _DEFINERS or (word and self.engine.is_structural(word))
        ):
            expanded = self._expand(raw, number)
        elif section == "prep" and word:
            self._prep_macro(number, word, raw)
            return
        else:
            if section == "prep" and _PATCH_REF.search(raw):
                self._prep_shell(number, raw)
            elif section in ("changelog",):
                self.changelog_lines.append((number, raw))
            elif section in ("sourcelist", "patchlist") and raw.strip():
                self._list_entry(number, raw)
            return
        if "\n" in expanded:
            for piece in expanded.split("\n"):
                self._expanded_line(number, raw, piece)
        else:
            self._expanded_line(number, raw, expanded)

    def _expanded_line(self, number: int, raw: str, line: str) -> None:
        stripped = line.lstrip()
        if stripped.startswith("%"):
            m = _WORD.match(stripped)
            if m and m.group(1) in SECTION_NAMES:
                rest = stripped[m.end() :]
                if not rest or rest[0] in " \t":
                    self._start_section(number, m.group(1), rest.strip())
                    return
        section = self.section
        if section in ("preamble", "package"):
            if stripped and not stripped.startswith("#"):
                self._tag(number, raw, stripped)
        elif section == "description":
            self.desc_lines.append(line)
        elif section == "changelog":
            self.changelog_lines.append((number, line))
        elif section in ("sourcelist", "patchlist") and stripped:
            self._list_entry(number, stripped)

    def _include(self, number: int, rest: str) -> None:
        """``%include FILE``: read another file in place, but only from the package folder.

        The package folder is the source directory, so a file named through
        ``%{_sourcedir}`` (``%include %{SOURCE2}``) is looked up there, whatever
        ``%{_sourcedir}`` says; a path that leaves the folder (``..``, an absolute path
        elsewhere, a symlink out) is refused.
        """
        target = self._expand(rest, number).strip()
        base = self.spec.path.parent if self.spec.path else None
        if base is None or not target:
            self._diag(number, "warning", "include-refused", f"%include {target} not read")
            return
        folder = base.resolve()
        candidate = target
        if self.sourcedir and target.startswith(self.sourcedir.rstrip("/") + "/"):
            candidate = target[len(self.sourcedir.rstrip("/")) + 1 :]
        path = (folder / candidate).resolve()
        if not path.is_relative_to(folder) or not path.is_file():
            self._diag(
                number,
                "warning",
                "include-refused",
                f"%include {target}: only files in the package folder are read",
            )
            return
        if self.include_depth >= 8:
            self._diag(number, "error", "include-depth", f"%include {target}: nested too deep")
            return
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True)
        self.include_depth += 1
        try:
            for _, logical in self._logical_lines(lines):
                self._line(number, logical)
        finally:
            self.include_depth -= 1

    # -- conditionals ----------------------------------------------------------------------

    def _conditional(self, number: int, word: str, rest: str) -> None:
        if word == "endif":
            if not self.conds:
                self._diag(number, "error", "unbalanced-if", "%endif without %if")
            else:
                self.conds.pop()
            return
        if word == "else" or word.startswith("elif"):
            if not self.conds:
                self._diag(number, "error", "unbalanced-if", f"%{word} without %if")
                return
            cond = self.conds[-1]
            if word == "else":
                cond.active = cond.parent_active and not cond.taken
                cond.taken = True
                return
            if cond.taken or not cond.parent_active:
                cond.active = False
                return
            value = self._evaluate(number, word[2:], rest)
            cond.active = value
            cond.taken = value
            return
        parent = self.active
        value = self._evaluate(number, word, rest) if parent else False
        self.conds.append(_Cond(parent, parent and value, number))

    def _evaluate(self, number: int, word: str, rest: str) -> bool:
        if word == "if":
            engine = self.engine
            before = len(engine.diagnostics)
            engine.line = number
            value = engine.evaluate_condition(rest.strip())
            self.diags.extend(engine.diagnostics[before:])
            del engine.diagnostics[before:]
            return value
        values = set(self._expand(rest, number).split())
        if word in ("ifarch", "ifnarch"):
            target = self.engine.target_arch
            names = _ARCH_ALIASES.get(target, {target})
            hit = bool(values & names) or ("noarch" in values and target == "noarch")
            return hit if word == "ifarch" else not hit
        hit = self.engine.target_os in values
        return hit if word == "ifos" else not hit

    # -- sections --------------------------------------------------------------------------

    def _start_section(self, number: int, name: str, args: str) -> None:
        self._close_section(number - 1)
        self.section = name
        self.section_args = args
        self.section_start = number
        main = self.spec.name or ""
        self.section_pkg = _package_for(main, args) if name not in _WHOLE_SOURCE_SECTIONS else None
        if name == "package":
            pkg_name = self.section_pkg or main
            pkg = Package(name=pkg_name, line=number)
            self.spec.packages.append(pkg)
            self.current = pkg
        elif name == "description":
            self.desc_lines = []

    def _close_section(self, end_line: int) -> None:
        if self.section == "preamble":
            return
        spec = self.spec
        if self.section == "description":
            target = self._package_named(self.section_pkg)
            if target is not None:
                target.description = "\n".join(self.desc_lines).strip("\n")
        spec.sections.append(
            Section(
                name=self.section,
                args=self.section_args,
                package=self.section_pkg,
                start_line=self.section_start,
                end_line=max(end_line, self.section_start),
            )
        )

    def _package_named(self, name: str | None) -> Package | None:
        packages = self.spec.packages
        if name is None:
            return packages[0] if packages else None
        return next((p for p in packages if p.name == name), None)

    # -- preamble tags ---------------------------------------------------------------------

    def _tag(self, number: int, raw: str, line: str) -> None:
        m = _TAG.match(line)
        if not m:
            self._diag(number, "warning", "bad-line", f"not a tag line: {line[:60]!r}")
            return
        base, digits, _qualifier, value = m.groups()
        key = base.lower()
        if key not in ("source", "patch") and digits:
            key = (base + digits).lower()
            digits = ""
        value = value.strip()
        spec = self.spec
        if not spec.packages:
            spec.packages.append(Package(name=spec.name or "", line=number))
            self.current = spec.packages[0]
        pkg = self.current or spec.packages[0]
        raw_value = _raw_value(raw)
        spec.tags.append(TagLine(base + digits, raw_value, value, number, pkg.name))
        if key not in _KNOWN_TAGS:
            self._diag(number, "warning", "unknown-tag", f"unknown tag {base + digits}:")
            return
        if "%" in value:
            self._check_unexpanded(number, value)
        is_main = pkg is spec.packages[0]
        if key in ("source", "patch"):
            self._source(number, key, digits, raw_value, value)
            return
        if key == "name":
            if is_main:
                spec.name = value
                pkg.name = value
        elif key == "version":
            if is_main:
                spec.version = value
                if "-" in value:
                    self._diag(number, "error", "bad-version", f"Version {value!r} contains '-'")
        elif key == "release":
            if is_main:
                spec.release = value
        elif key in ("epoch", "serial"):
            if not is_main:
                pass  # a subpackage's Epoch: is its own; the source package has the main one
            elif value.isdigit():
                spec.epoch = int(value)
            else:
                self._diag(number, "error", "bad-epoch", f"Epoch {value!r} is not a number")
        elif key == "summary":
            pkg.summary = value
            if is_main:
                spec.summary = value
        elif key in ("license", "copyright"):
            pkg.license = value
            if is_main:
                spec.license = value
        elif key == "url":
            pkg.url = value
            if is_main:
                spec.url = value
        elif key == "group":
            pkg.group = value
        elif key in ("buildarch", "buildarchitectures"):
            pkg.build_arch.extend(value.replace(",", " ").split())
        elif key in _DEP_TAGS or key in ("buildprereq", "prereq"):
            field = _DEP_TAGS.get(key, "build_requires" if key == "buildprereq" else "requires")
            getattr(pkg, field).extend(split_dependencies(value))
        if key in _MACRO_TAGS and (is_main or key != "name"):
            # rpm defines %{url} etc. for every package's tags, and %{URL} etc. for the
            # main package's only.
            self.engine.define(key, value, origin="tag")
            if is_main:
                self.engine.define(key.upper(), value, origin="tag")

    def _check_unexpanded(self, number: int, value: str) -> None:
        for m in _UNEXPANDED.finditer(value):
            name = m.group(1)
            if name in ("lua",):
                continue
            self._diag(number, "warning", "unknown-macro", f"macro %{name} is not defined")

    def _source(self, number: int, key: str, digits: str, raw_value: str, value: str) -> None:
        kind = key
        if digits:
            num = int(digits)
            self.autonum[kind] = max(self.autonum[kind], num)
        else:
            self.autonum[kind] += 1
            num = self.autonum[kind]
        self._add_source(number, kind, num, raw_value, value, bool(digits))

    def _add_source(
        self, number: int, kind: str, num: int, raw_value: str, value: str, explicit: bool
    ) -> None:
        entry = SourceEntry(kind, num, raw_value, value, number, explicit)
        target = self.spec.sources if kind == "source" else self.spec.patches
        if any(e.number == num for e in target):
            self._diag(number, "error", "duplicate-number", f"{kind} number {num} is used twice")
        target.append(entry)
        path = f"{self.sourcedir}/{entry.filename}"
        macro = "SOURCE" if kind == "source" else "PATCH"
        self.engine.define(f"{macro}{num}", path, origin="tag")
        paths = self.source_paths if kind == "source" else self.patch_paths
        paths.append(path)
        self.engine.define(
            "sources" if kind == "source" else "patches",
            " ".join(f"'{p}'" for p in paths) + " ",
            origin="tag",
        )

    def _list_entry(self, number: int, line: str) -> None:
        kind = "source" if self.section == "sourcelist" else "patch"
        value = self._expand(line, number).strip() if "%" in line else line.strip()
        if not value:
            return
        self.autonum[kind] += 1
        self._add_source(number, kind, self.autonum[kind], line.strip(), value, False)

    # -- %prep ----------------------------------------------------------------------------

    def _prep_macro(self, number: int, word: str, raw: str) -> None:
        stripped = raw.strip()
        args_text = stripped[len(word) + 1 :]
        if word.startswith("patch") and (word == "patch" or word[5:].isdigit()):
            args = self._expand(args_text, number).split() if args_text else []
            self._patch_macro(number, word, args, stripped)
        elif word in ("setup", "autosetup"):
            args = self._expand(args_text, number).split() if args_text else []
            opts = _options(args, "a:b:cDn:N:p:qS:Tv", stop_at_positional=False)
            name_raw = _raw_option(args_text, "-n")
            self.spec.setups.append(
                SetupCall(
                    word,
                    opts.get("n") or self.engine.expand("%{name}-%{version}"),
                    name_raw,
                    number,
                    stripped,
                )
            )
            if word == "autosetup" and "N" not in opts:
                strip = _int(opts.get("p"))
                self.spec.patch_applications.append(
                    PatchApplication("autosetup", None, strip, number, stripped)
                )
        elif word == "autopatch":
            args = self._expand(args_text, number).split() if args_text else []
            opts = _options(args, "m:M:p:qv", stop_at_positional=False)
            positional = [a for a in opts.get("", "").split() if a.isdigit()]
            self.spec.patch_applications.append(
                PatchApplication(
                    "autopatch",
                    tuple(int(a) for a in positional) or None,
                    _int(opts.get("p")),
                    number,
                    stripped,
                    range_start=_int(opts.get("m")),
                    range_end=_int(opts.get("M")),
                )
            )
        elif word in _DEFINERS or self.engine.is_structural(word):
            expanded = self._expand(raw, number)
            for piece in expanded.split("\n"):
                self._expanded_line(number, raw, piece)
        elif _PATCH_REF.search(raw):
            self._prep_shell(number, raw)

    def _patch_macro(self, number: int, word: str, args: list[str], stripped: str) -> None:
        numbers: list[int] = []
        if word != "patch":
            numbers.append(int(word[5:]))
        opts = _options(args, "b:d:EF:o:p:P:Rz:", stop_at_positional=False, repeat="P")
        numbers.extend(int(n) for n in opts.get("P", "").split() if n.isdigit())
        numbers.extend(int(a) for a in opts.get("", "").split() if a.isdigit())
        if not numbers:
            numbers = [0]
        self.spec.patch_applications.append(
            PatchApplication("patch", tuple(numbers), _int(opts.get("p")), number, stripped)
        )

    def _prep_shell(self, number: int, raw: str) -> None:
        numbers = tuple(int(a or b) for a, b in _PATCH_REF.findall(raw))
        kind = "git-am" if re.search(r"\bgit\s+(am|apply)\b", raw) else "shell-patch"
        m = re.search(r"-p\s*(\d+)", raw)
        strip = int(m.group(1)) if m else (1 if kind == "git-am" else None)
        self.spec.patch_applications.append(
            PatchApplication(kind, numbers, strip, number, raw.strip())
        )

    # -- end -------------------------------------------------------------------------------

    def _finish(self) -> None:
        spec = self.spec
        if spec.packages and spec.name and not spec.packages[0].name:
            spec.packages[0].name = spec.name
        if spec.name:
            # Tags read before Name: was seen belong to the main package too.
            spec.tags = [
                dataclasses.replace(t, package=spec.name) if not t.package else t for t in spec.tags
            ]
        for tag in ("name", "version", "release"):
            if getattr(spec, tag) is None:
                self._diag(None, "error", "missing-tag", f"spec has no {tag.capitalize()}: tag")
        if spec.summary is None and spec.name:
            self._diag(None, "warning", "missing-tag", "spec has no Summary: tag")
        if self.changelog_lines:
            entries, problems = parse_changelog(self.changelog_lines)
            spec.changelog = entries
            self.diags.extend(problems)
        for name, stack in self.engine._local.items():
            if stack and stack[-1].origin == "spec":
                spec.definitions[name] = (stack[-1].body, stack[-1].line or 0)
        spec.macros = self.engine


_WHOLE_SOURCE_SECTIONS = frozenset(
    {"prep", "build", "install", "check", "clean", "changelog", "generate_buildrequires",
     "conf", "patchlist", "sourcelist", "end"}
)  # fmt: skip


def _package_for(main: str, args: str) -> str | None:
    """The package a section header names: ``-n full-name``, ``suffix`` or the main one."""
    words = args.split()
    i = 0
    while i < len(words):
        word = words[i]
        if word == "-n" and i + 1 < len(words):
            return words[i + 1]
        if word in ("-f", "-p", "-e", "-P") and i + 1 < len(words):
            i += 2
            continue
        if word.startswith("-"):
            i += 1
            continue
        return f"{main}-{word}"
    return None


def _is_conditional(line: str) -> bool:
    """True for a ``%if``/``%elif``/``%else``/``%endif`` (and arch/os forms) line."""
    stripped = line.lstrip()
    m = _WORD.match(stripped)
    if not m or m.group(1) not in _CONDITIONALS:
        return False
    rest = stripped[m.end() :]
    return not rest or rest[0] in " \t"


def _raw_value(raw: str) -> str:
    head = raw.split("\n", 1)[0]
    colon = head.find(":")
    return head[colon + 1 :].strip() if colon >= 0 else head.strip()


def _open_braces(text: str) -> int:
    """Net count of ``%{`` macros left open in ``text``."""
    depth = 0
    i = 0
    n = len(text)
    in_macro = 0
    while i < n:
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == "%" and i + 1 < n:
            if text[i + 1] == "%":
                i += 2
                continue
            if text[i + 1] == "{":
                depth += 1
                in_macro += 1
                i += 2
                continue
        elif c == "{" and in_macro:
            depth += 1
        elif c == "}" and depth:
            depth -= 1
            if depth == 0:
                in_macro = 0
        i += 1
    return depth


def _options(
    args: list[str], spec: str, *, stop_at_positional: bool, repeat: str = ""
) -> dict[str, str]:
    """Lenient getopt: options with values, repeated ones joined, positionals under ``""``."""
    opts: dict[str, str] = {}
    positional: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg.startswith("-") and len(arg) > 1:
            letter = arg[1]
            pos = spec.find(letter)
            takes = pos >= 0 and pos + 1 < len(spec) and spec[pos + 1] == ":"
            if takes:
                if len(arg) > 2:
                    value = arg[2:]
                elif i + 1 < len(args):
                    i += 1
                    value = args[i]
                else:
                    value = ""
            else:
                value = ""
            if letter in repeat and letter in opts:
                opts[letter] += " " + value
            else:
                opts[letter] = value
        else:
            if stop_at_positional:
                positional.extend(args[i:])
                break
            positional.append(arg)
        i += 1
    if positional:
        opts[""] = " ".join(positional)
    return opts


def _raw_option(text: str, option: str) -> str | None:
    m = re.search(re.escape(option) + r"\s*(\S+)", text)
    return m.group(1) if m else None


def _int(value: str | None) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        return None
