"""rpm's macro language, evaluated safely in pure Python.

:class:`MacroEngine` holds macro definitions (read from real rpm macro files and from
specs) and expands text the way librpm's ``expandMacros`` does: ``%name``, ``%{name}``,
``%{?name}``, ``%{!?name:text}``, parametric macros with options (``%1``, ``%*``,
``%{-x}``, ``%{-x*}``), ``%[expression]`` and the string built-ins.

It never runs code: ``%(shell)`` and ``%{lua:...}`` are left unexpanded and recorded as
diagnostics. Expansion is bounded in depth and output size, so hostile input such as
``%define a %{a}`` ends in a diagnostic instead of a hang.

>>> m = MacroEngine()
>>> m.define("name", "hello")
>>> m.expand("%{name}-%{?missing}%{!?missing:fallback}")
'hello-fallback'
>>> m.expand("%(rm -rf /)")
'%(rm -rf /)'
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from steward.rpm.expression import ExpressionError, evaluate, format_value, truth
from steward.rpm.model import Diagnostic
from steward.rpm.shell import run_shell

__all__ = ["LuaRunner", "Macro", "MacroEngine", "MacroError"]

MAX_DEPTH = 64
MAX_OUTPUT = 4 * 1024 * 1024


class MacroError(ValueError):
    """A macro definition that cannot be accepted (bad name, unbalanced options)."""


@dataclass(frozen=True, slots=True)
class Macro:
    """One definition: ``params`` is the getopt string of a parametric macro, else ``None``."""

    name: str
    body: str
    params: str | None = None
    origin: str = ""
    line: int | None = None

    @property
    def parametric(self) -> bool:
        return self.params is not None


#: A sandboxed Lua interpreter: ``runner(engine, code, depth)`` returns what the code
#: printed, or ``None`` (after adding its own diagnostic) when it could not run it.
LuaRunner = Callable[["MacroEngine", str, int], "str | None"]


class _Limit(Exception):
    """Raised internally when expansion exceeds a bound; caught at the top of expand()."""


_TOMBSTONE = Macro("", "")
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_SECTION_WORDS = (
    "%package",
    "%description",
    "%files",
    "%prep",
    "%build",
    "%install",
    "%check",
    "%changelog",
    "%pre",
    "%post",
)

# Built-ins that take the rest of the line (or the text after ':') as their argument.
_LINE_BUILTINS = frozenset({"define", "global", "undefine", "bcond_with", "bcond_without", "bcond"})


def _match(text: str, start: int, open_c: str, close_c: str) -> int:
    """Index of the bracket closing the one at ``start``, or -1. Counts nesting like rpm."""
    depth = 0
    i = start
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n:
            i += 2
            continue
        if c == open_c:
            depth += 1
        elif c == close_c:
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def _getopt(params: str, args: list[str]) -> tuple[dict[str, str | None], list[str], str | None]:
    """POSIX getopt over ``args`` with rpm's option string; returns (options, rest, error)."""
    options: dict[str, str | None] = {}
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            i += 1
            break
        if not arg.startswith("-") or arg == "-":
            break
        j = 1
        while j < len(arg):
            letter = arg[j]
            pos = params.find(letter)
            if pos < 0 or letter == ":":
                return options, args[i + 1 :], f"unknown option -{letter}"
            if pos + 1 < len(params) and params[pos + 1] == ":":
                if j + 1 < len(arg):
                    options[letter] = arg[j + 1 :]
                elif i + 1 < len(args):
                    i += 1
                    options[letter] = args[i]
                else:
                    return options, [], f"option -{letter} needs an argument"
                break
            options[letter] = None
            j += 1
        i += 1
    return options, args[i:], None


class MacroEngine:
    """Macro definitions plus an expander. Cheap to :meth:`copy` (the base table is shared)."""

    __slots__ = (
        "_base",
        "_frames",
        "_local",
        "_structural",
        "diagnostics",
        "line",
        "lua",
        "max_depth",
        "max_output",
        "rpm_version",
        "target_arch",
        "target_os",
    )

    def __init__(
        self,
        target_arch: str = "x86_64",
        target_os: str = "linux",
        rpm_version: tuple[int, int] = (4, 20),
    ) -> None:
        self._base: dict[str, Macro] = {}
        self._local: dict[str, list[Macro]] = {}
        self._frames: list[dict[str, Macro]] = []
        self._structural: dict[str, bool] = {}
        self.diagnostics: list[Diagnostic] = []
        self.line: int | None = None
        #: Runs ``%{lua:...}`` bodies in a sandbox when set (see :data:`LuaRunner`); rpm/
        #: itself never runs Lua, a higher layer may plug a sandboxed interpreter in here.
        self.lua: LuaRunner | None = None
        self.max_depth = MAX_DEPTH
        self.max_output = MAX_OUTPUT
        self.target_arch = target_arch
        self.target_os = target_os
        #: Which rpm's built-ins to offer: (4, 18) hides %{len:}, %{upper:} and friends.
        self.rpm_version = rpm_version
        for name, body in (
            ("nil", ""),
            ("_arch", target_arch),
            ("_target_cpu", target_arch),
            ("_build_cpu", target_arch),
            ("_host_cpu", target_arch),
            ("_target_os", target_os),
            ("_build_os", target_os),
            ("_host_os", target_os),
        ):
            self._base[name] = Macro(name, body, origin="<builtin>")

    # -- definitions ---------------------------------------------------------------------

    def copy(self) -> MacroEngine:
        """An independent engine: later definitions in either do not affect the other."""
        clone = MacroEngine.__new__(MacroEngine)
        if self._local:
            # Fold local definitions into a new shared base so copies stay O(1) afterwards.
            merged = dict(self._base)
            for name, stack in self._local.items():
                if stack and stack[-1] is not _TOMBSTONE:
                    merged[name] = stack[-1]
                else:
                    merged.pop(name, None)
            self._base = merged
            self._local = {}
        clone._base = self._base
        clone._local = {}
        clone._frames = []
        clone._structural = self._structural
        clone.diagnostics = []
        clone.line = None
        clone.lua = self.lua
        clone.max_depth = self.max_depth
        clone.max_output = self.max_output
        clone.target_arch = self.target_arch
        clone.target_os = self.target_os
        clone.rpm_version = self.rpm_version
        return clone

    def define(
        self,
        name: str,
        body: str,
        params: str | None = None,
        origin: str = "",
        line: int | None = None,
    ) -> None:
        """Push a definition of ``%name`` (rpm macros are stacks: undefine pops)."""
        self._local.setdefault(name, []).append(Macro(name, body, params, origin, line))

    def define_text(self, text: str, origin: str = "lua") -> None:
        """Define from ``name[(opts)] body`` text, as ``%define`` (and Lua's rpm.define) do."""
        self._define_from_text(text, origin=origin)

    def frame_arguments(self) -> tuple[dict[str, str], list[str]]:
        """The innermost parametric call's options (letter to value) and positional args."""
        if not self._frames:
            return {}, []
        frame = self._frames[-1]
        options = {
            key[1:-1]: macro.body
            for key, macro in frame.items()
            if key.startswith("-") and key.endswith("*")
        }
        count = int(frame["#"].body) if "#" in frame else 0
        return options, [frame[str(i)].body for i in range(1, count + 1) if str(i) in frame]

    def expand_nested(self, text: str, depth: int) -> str:
        """Expand ``text`` as part of an expansion already ``depth`` levels deep."""
        return self._expand(text, depth + 1)

    def undefine(self, name: str) -> None:
        """Pop the newest definition of ``%name``, uncovering an older one if there is one."""
        stack = self._local.get(name)
        if stack:
            stack.pop()
            if stack:
                return
            del self._local[name]
            return
        if name in self._base:
            self._local[name] = [_TOMBSTONE]

    def lookup(self, name: str) -> Macro | None:
        if name[0] in _FRAME_FIRST:
            # %1, %*, %#, %-x: only the innermost parametric call's arguments are visible.
            return self._frames[-1].get(name) if self._frames else None
        stack = self._local.get(name)
        if stack:
            top = stack[-1]
            return None if top is _TOMBSTONE else top
        return self._base.get(name)

    def is_defined(self, name: str) -> bool:
        return self.lookup(name) is not None

    def get(self, name: str) -> str | None:
        """The unexpanded body of ``%name``, or ``None``."""
        macro = self.lookup(name)
        return macro.body if macro else None

    def names(self) -> set[str]:
        found = set(self._base)
        for name, stack in self._local.items():
            if stack and stack[-1] is not _TOMBSTONE:
                found.add(name)
            else:
                found.discard(name)
        return found

    def is_structural(self, name: str) -> bool:
        """True when ``%name`` expands to spec structure (``%package``, ``%files`` lines).

        Such macros (openEuler's ``%package_help``) must be expanded even where Steward
        otherwise leaves build scripts alone.
        """
        macro = self.lookup(name)
        if macro is None:
            return False
        key = macro.body
        known = self._structural.get(key)
        if known is None:
            known = any(word in key for word in _SECTION_WORDS)
            self._structural[key] = known
        return known

    def load_file(self, path: Path | str) -> None:
        """Read an rpm macro file (``%name body`` lines, ``\\`` continuations)."""
        path = Path(path)
        text = path.read_text(encoding="utf-8", errors="replace")
        self.load_text(text, origin=str(path))

    def load_text(self, text: str, origin: str = "<text>") -> None:
        """Read macro definitions in rpm's macro-file format. Bodies are stored, not run."""
        lines = text.split("\n")
        i = 0
        while i < len(lines):
            start = i
            line = lines[i]
            i += 1
            stripped = line.lstrip()
            if not stripped.startswith("%"):
                continue
            # Continuation: a trailing backslash, or an unbalanced %{ ... } / %( ... ) body.
            buf = [line]
            while i < len(lines) and (buf[-1].endswith("\\") or _unbalanced("\n".join(buf))):
                buf.append(lines[i])
                i += 1
            logical = "\n".join(buf)
            try:
                self._define_from_text(logical[logical.index("%") + 1 :], origin=origin)
            except MacroError as exc:
                self.diagnostics.append(
                    Diagnostic(start + 1, "warning", "bad-macro-definition", f"{origin}: {exc}")
                )
        # Definitions loaded from files form the shared base of later copies.
        self.copy()

    def _define_from_text(self, text: str, *, origin: str, expand_body: bool = False) -> int:
        """Parse ``name[(opts)] body`` as ``%define`` does; returns characters consumed."""
        n = len(text)
        i = 0
        while i < n and text[i] in " \t":
            i += 1
        start = i
        while i < n and text[i] in _NAME_CHARS:
            i += 1
        name = text[start:i]
        if not name or not (name[0].isalpha() or name[0] == "_"):
            raise MacroError(f"macro name {text[start : start + 20]!r} is not valid")
        params = None
        if i < n and text[i] == "(":
            close = text.find(")", i)
            if close < 0:
                raise MacroError(f"unterminated options in definition of %{name}")
            params = text[i + 1 : close]
            i = close + 1
        while i < n and text[i] in " \t":
            i += 1
        body_chars: list[str] = []
        braces = parens = 0
        while i < n:
            c = text[i]
            if c == "\n" and braces == 0 and parens == 0:
                break
            if c == "\\" and i + 1 < n:
                # rpm drops the backslash and keeps the escaped character (newline included).
                body_chars.append(text[i + 1])
                i += 2
                continue
            if c == "%" and i + 1 < n:
                nxt = text[i + 1]
                if nxt == "{":
                    braces += 1
                    body_chars.append("%{")
                    i += 2
                    continue
                if nxt == "(":
                    parens += 1
                    body_chars.append("%(")
                    i += 2
                    continue
                if nxt == "%":
                    body_chars.append("%%")
                    i += 2
                    continue
            elif c == "{" and braces:
                braces += 1
            elif c == "}" and braces:
                braces -= 1
            elif c == "(" and parens:
                parens += 1
            elif c == ")" and parens:
                parens -= 1
            body_chars.append(c)
            i += 1
        body = "".join(body_chars).rstrip(" \t\n")
        if expand_body:
            body = self._expand(body, 1)
        self.define(name, body, params, origin, self.line if origin == "spec" else None)
        return i

    # -- expansion -----------------------------------------------------------------------

    def expand(self, text: str, *, line: int | None = None) -> str:
        """Expand every macro in ``text``; what cannot be expanded is left as written."""
        if "%" not in text:
            return text
        if line is not None:
            self.line = line
        try:
            return self._expand(text, 0)
        except _Limit as exc:
            self._diag("error", "recursion-limit", str(exc))
            return text

    def _diag(self, severity: str, code: str, message: str) -> None:
        self.diagnostics.append(Diagnostic(self.line, severity, code, message))

    def _expand(self, text: str, depth: int) -> str:
        if "%" not in text:
            return text
        if depth > self.max_depth:
            raise _Limit(f"macro expansion nested deeper than {self.max_depth} levels")
        out: list[str] = []
        size = 0
        i = 0
        n = len(text)
        while i < n:
            j = text.find("%", i)
            if j < 0:
                out.append(text[i:])
                break
            if j > i:
                out.append(text[i:j])
                size += j - i
            if j + 1 >= n:
                out.append("%")
                break
            c = text[j + 1]
            if c == "%":
                out.append("%")
                i = j + 2
                continue
            if c == "{":
                end = _match(text, j + 1, "{", "}")
                if end < 0:
                    self._diag(
                        "warning", "unterminated-macro", f"unterminated %{{ in {text[j : j + 40]!r}"
                    )
                    out.append(text[j:])
                    break
                piece = self._braced(text[j + 2 : end], text[j : end + 1], depth)
                i = end + 1
            elif c == "(":
                end = _match(text, j + 1, "(", ")")
                end = n - 1 if end < 0 else end
                piece = self._shell(text[j : end + 1], depth)
                i = end + 1
            elif c == "[":
                end = _match(text, j + 1, "[", "]")
                if end < 0:
                    out.append(text[j:])
                    break
                piece = self._expression(text[j + 2 : end], text[j : end + 1], depth)
                i = end + 1
            else:
                piece, i = self._bare(text, j, depth)
            out.append(piece)
            size += len(piece)
            if size > self.max_output:
                raise _Limit(f"macro expansion produced more than {self.max_output} characters")
        return "".join(out)

    def _bare(self, text: str, j: int, depth: int) -> tuple[str, int]:
        """``%name args``, ``%?name``, ``%-f``, ``%1``, ``%*``: returns (expansion, next index)."""
        n = len(text)
        k = j + 1
        negate = conditional = False
        while k < n and text[k] in "!?":
            if text[k] == "!":
                negate = not negate
            else:
                conditional = True
            k += 1
        if k >= n:
            return text[j:], n
        c = text[k]
        if c == "-" and k + 1 < n and text[k + 1] in _NAME_CHARS:
            # rpm reads a whole word after '-' (%-sure is the macro "-sure"), then '*'.
            end = k + 1
            while end < n and text[end] in _NAME_CHARS:
                end += 1
            if end < n and text[end] == "*":
                end += 1
            name = text[k:end]
        elif c == "*":
            end = k + 2 if text.startswith("**", k) else k + 1
            name = text[k:end]
        elif c == "#":
            end = k + 1
            name = "#"
        elif c.isdigit():
            end = k
            while end < n and text[end].isdigit():
                end += 1
            name = text[k:end]
        elif c in _NAME_CHARS:
            end = k
            while end < n and text[end] in _NAME_CHARS:
                end += 1
            name = text[k:end]
        else:
            return "%", j + 1
        if name == "dnl" and not conditional and not negate:
            eol = text.find("\n", end)
            return "", n if eol < 0 else eol + 1  # %dnl: the rest of the line, newline too
        if not conditional and not negate and name in _LINE_BUILTINS:
            if name in ("define", "global"):
                return "", end + self._define(name, text[end:])
            eol = text.find("\n", end)
            eol = n if eol < 0 else eol
            return self._line_builtin(name, text[end:eol], depth), eol
        macro = self.lookup(name)
        if conditional:
            defined = macro is not None
            if negate:
                defined = not defined
            if not defined or macro is None:
                return "", end
        if macro is None:
            if negate or name[0] == "-":
                return "", end  # an option macro nobody passed expands to nothing
            return text[j:end], end
        if macro.parametric:
            eol = text.find("\n", end)
            eol = n if eol < 0 else eol
            args = text[end:eol]
            return self._call(macro, args, depth), eol
        return self._expand(macro.body, depth + 1), end

    def _shell(self, whole: str, depth: int) -> str:
        """``%(...)``: the pure-text shell subset is interpreted (see :mod:`steward.rpm.shell`);
        anything else stays as written, with a diagnostic. Nothing is ever run."""
        if whole.endswith(")"):
            script = self._expand(whole[2:-1], depth + 1)
            result = run_shell(script)
            if result is not None:
                return result
        self._diag("warning", "unexpanded-shell", f"shell expansion not run: {_short(whole)}")
        return whole

    def _braced(self, inner: str, whole: str, depth: int) -> str:
        """Everything inside ``%{...}``."""
        k = 0
        n = len(inner)
        negate = conditional = False
        while k < n and inner[k] in "!?":
            if inner[k] == "!":
                negate = not negate
            else:
                conditional = True
            k += 1
        start = k
        if k < n and inner[k] == "-":
            k += 1
            while k < n and inner[k] in _NAME_CHARS:
                k += 1
            if k < n and inner[k] == "*":
                k += 1
        elif inner.startswith("**", k):
            k += 2
        elif k < n and inner[k] in "*#":
            k += 1
        else:
            while k < n and inner[k] in _NAME_CHARS:
                k += 1
        name = inner[start:k]
        arg: str | None = None
        if name.startswith("-") and k < n and inner[k] == ":":
            conditional = True
        sep = ""
        if k < n:
            sep = inner[k]
            if sep == ":":
                arg = inner[k + 1 :]
            elif sep in " \t":
                arg = inner[k + 1 :].lstrip(" \t")
            else:
                # Not a macro reference rpm understands (e.g. "%{foo.bar}"): leave it.
                return whole
        if not name:
            return whole
        if not conditional and not negate:
            builtin = _BUILTINS.get(name)
            if builtin is not None and name in _NEWER_THAN_418 and self.rpm_version < (4, 19):
                builtin = None
            if builtin is not None and (arg is not None or name in _NO_ARG_BUILTINS):
                return builtin(self, arg or "", depth)
            if name in _LINE_BUILTINS and arg is not None:
                return self._line_builtin(name, arg, depth)
        macro = self.lookup(name)
        if conditional:
            defined = macro is not None
            if negate:
                defined = not defined
            if not defined:
                return ""
            if arg is not None and sep == ":":
                return self._expand(arg, depth + 1)
            if macro is None:
                return ""
        elif negate and macro is None:
            return ""
        if macro is None:
            if name[0] == "-":
                return ""  # an option the call did not get
            if arg is not None and name != "lua" and "%" in arg:
                # rpm keeps an unknown macro as written but expands its argument.
                return "%{" + name + sep + self._expand(arg, depth + 1) + "}"
            return whole
        if macro.parametric:
            if sep == ":":
                # %{name:text} passes the whole text as one argument.
                return self._call(macro, arg or "", depth, single=True)
            return self._call(macro, arg or "", depth)
        return self._expand(macro.body, depth + 1)

    def _call(self, macro: Macro, args: str, depth: int, *, single: bool = False) -> str:
        """Call a parametric macro: bind %0 %1.. %* %** %# and %-x options, then expand."""
        expanded_args = self._expand(args, depth + 1)
        argv = ([expanded_args] if expanded_args else []) if single else _split_args(expanded_args)
        options, rest, error = _getopt(macro.params or "", argv)
        if error:
            self._diag("error", "macro-option", f"%{macro.name}: {error}")
            return ""
        frame: dict[str, str] = {
            "0": macro.name,
            "*": " ".join(rest),
            "**": " ".join(argv),
            "#": str(len(rest)),
        }
        for index, value in enumerate(rest, 1):
            frame[str(index)] = value
        for letter, option_value in options.items():
            frame["-" + letter] = f"-{letter}" + (
                f" {option_value}" if option_value is not None else ""
            )
            if option_value is not None:
                frame["-" + letter + "*"] = option_value
            else:
                frame["-" + letter + "*"] = ""
        self._frames.append({key: Macro(key, value) for key, value in frame.items()})
        try:
            return self._expand(macro.body, depth + 1)
        finally:
            self._frames.pop()

    def _expression(self, inner: str, whole: str, depth: int) -> str:
        try:
            return format_value(evaluate(self._expand(inner, depth + 1)))
        except ExpressionError as exc:
            self._diag("error", "bad-expression", str(exc))
            return whole

    def _define(self, name: str, text: str) -> int:
        """``%define``/``%global`` at ``text``; returns how many characters the body took."""
        try:
            return self._define_from_text(text, origin="spec", expand_body=name == "global")
        except MacroError as exc:
            self._diag("error", "bad-macro-definition", f"%{name}: {exc}")
            eol = text.find("\n")
            return len(text) if eol < 0 else eol

    def _line_builtin(self, name: str, arg: str, depth: int) -> str:
        if name in ("define", "global"):
            self._define(name, arg)
            return ""
        if name == "undefine":
            self.undefine(arg.strip())
            return ""
        words = self._expand(arg, depth + 1).split()
        if not words:
            self._diag("error", "bad-bcond", f"%{name} needs a condition name")
            return ""
        cond = words[0]
        if name == "bcond":
            default_expr = " ".join(words[1:]) or "0"
            try:
                default = truth(evaluate(default_expr))
            except ExpressionError as exc:
                self._diag("error", "bad-bcond", str(exc))
                default = False
        else:
            default = name == "bcond_without"
        if default:
            enabled = not self.is_defined(f"_without_{cond}")
        else:
            enabled = self.is_defined(f"_with_{cond}")
        if enabled:
            self.define(f"with_{cond}", "1", origin="bcond")
        return ""

    def evaluate_condition(self, expression: str) -> bool:
        """Expand and evaluate an ``%if`` expression; errors become diagnostics (false)."""
        expanded = self.expand(expression)
        try:
            return truth(evaluate(expanded))
        except ExpressionError as exc:
            self._diag("error", "bad-expression", f"%if: {exc}")
            return False


_FRAME_FIRST = frozenset("0123456789*#-")


_QUOTE = "\x1f"  # what %{quote:} wraps its text in, as rpm does


def _split_args(text: str) -> list[str]:
    """Split macro arguments on white space, keeping %{quote:...} pieces whole."""
    if _QUOTE not in text:
        return text.split()
    args: list[str] = []
    current: list[str] = []
    quoted = False
    started = False
    for c in text:
        if c == _QUOTE:
            quoted = not quoted
            started = True
        elif c in " \t\n" and not quoted:
            if started:
                args.append("".join(current))
                current = []
                started = False
        else:
            current.append(c)
            started = True
    if started:
        args.append("".join(current))
    return args


def _unbalanced(text: str) -> bool:
    """True while a macro-file body has an unclosed ``%{`` or ``%(`` (a multi-line lua body)."""
    if "%{" not in text and "%(" not in text:
        return False
    depth = 0
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == "%" and i + 1 < n and text[i + 1] in "{(":
            depth += 1
            i += 2
            continue
        if c in "{(" and depth:
            depth += 1
        elif c in "})" and depth:
            depth -= 1
        i += 1
    return depth > 0


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


# -- built-ins -------------------------------------------------------------------------------

Builtin = Callable[[MacroEngine, str, int], str]


def _b_expand(m: MacroEngine, arg: str, depth: int) -> str:
    return m._expand(m._expand(arg, depth + 1), depth + 1)


def _b_lua(m: MacroEngine, arg: str, depth: int) -> str:
    if m.lua is not None:
        result = m.lua(m, arg, depth)
        if result is not None:
            return result
    m._diag("warning", "unexpanded-lua", f"lua not run: %{{lua:{_short(arg.strip())}}}")
    return "%{lua:" + arg + "}"


def _simple(fn: Callable[[str], str]) -> Builtin:
    def builtin(m: MacroEngine, arg: str, depth: int) -> str:
        return fn(m._expand(arg, depth + 1))

    return builtin


def _b_defined(m: MacroEngine, arg: str, depth: int) -> str:
    return "1" if m.is_defined(m._expand(arg, depth + 1).strip()) else "0"


def _b_with(m: MacroEngine, arg: str, depth: int) -> str:
    return "1" if m.is_defined("with_" + m._expand(arg, depth + 1).strip()) else "0"


def _b_without(m: MacroEngine, arg: str, depth: int) -> str:
    return "0" if m.is_defined("with_" + m._expand(arg, depth + 1).strip()) else "1"


def _b_expr(m: MacroEngine, arg: str, depth: int) -> str:
    return m._expression(arg, "%{expr:" + arg + "}", depth)


def _b_sub(m: MacroEngine, arg: str, depth: int) -> str:
    # rpm 4.19's %{sub:string i j}: Lua string.sub semantics, 1-based and inclusive.
    parts = m._expand(arg, depth + 1).split()
    if not parts:
        return ""
    s = parts[0]
    try:
        i = int(parts[1]) if len(parts) > 1 else 1
        j = int(parts[2]) if len(parts) > 2 else -1
    except ValueError:
        m._diag("error", "bad-builtin", f"%{{sub:{arg}}}: indices must be numbers")
        return ""
    length = len(s)
    i = length + i + 1 if i < 0 else i
    j = length + j + 1 if j < 0 else j
    i = max(i, 1)
    j = min(j, length)
    return s[i - 1 : j] if i <= j else ""


def _b_rep(m: MacroEngine, arg: str, depth: int) -> str:
    parts = m._expand(arg, depth + 1).split()
    if len(parts) < 2 or not parts[1].lstrip("-").isdigit():
        return ""
    count = min(int(parts[1]), 10_000)
    sep = parts[2] if len(parts) > 2 else ""
    return sep.join([parts[0]] * max(count, 0))


def _b_suffix(value: str) -> str:
    base = posixpath.basename(value)
    return base.rsplit(".", 1)[1] if "." in base else ""


def _b_url2path(value: str) -> str:
    if "://" in value:
        rest = value.split("://", 1)[1]
        slash = rest.find("/")
        return rest[slash:] if slash >= 0 else ""
    return value


def _b_shescape(value: str) -> str:
    return "'" + value.replace("'", "'\\''") + "'"


def _b_source_file(kind: str) -> Builtin:
    def builtin(m: MacroEngine, arg: str, depth: int) -> str:
        number = m._expand(arg, depth + 1).strip()
        macro = m.lookup(f"{kind}{number}")
        return m._expand(macro.body, depth + 1) if macro else ""

    return builtin


def _b_echo(severity: str) -> Builtin:
    def builtin(m: MacroEngine, arg: str, depth: int) -> str:
        if severity != "echo":
            m._diag(severity, "macro-" + severity, m._expand(arg, depth + 1))
        return ""

    return builtin


def _b_getenv(m: MacroEngine, arg: str, depth: int) -> str:
    # A spec must not learn the scanning user's environment; report it and yield nothing.
    m._diag("info", "getenv", f"%{{getenv:{arg}}} is not read by Steward")
    return ""


_BUILTINS: dict[str, Builtin] = {
    "expand": _b_expand,
    "lua": _b_lua,
    "defined": _b_defined,
    "undefined": lambda m, a, d: "0" if _b_defined(m, a, d) == "1" else "1",
    "with": _b_with,
    "without": _b_without,
    "expr": _b_expr,
    "sub": _b_sub,
    "rep": _b_rep,
    "upper": _simple(str.upper),
    "lower": _simple(str.lower),
    "len": _simple(lambda s: str(len(s))),
    "reverse": _simple(lambda s: s[::-1]),
    "shrink": _simple(lambda s: " ".join(s.split())),
    "quote": _simple(lambda s: _QUOTE + s + _QUOTE),
    "basename": _simple(posixpath.basename),
    "dirname": _simple(posixpath.dirname),
    "suffix": _simple(_b_suffix),
    "url2path": _simple(_b_url2path),
    "u2p": _simple(_b_url2path),
    "shescape": _simple(_b_shescape),
    "exists": _simple(lambda s: "0"),
    "getncpus": lambda m, a, d: "1",
    "getenv": _b_getenv,
    "getconfdir": lambda m, a, d: "/usr/lib/rpm",
    "rpmversion": lambda m, a, d: "4.18.0",
    "S": _b_source_file("SOURCE"),
    "P": _b_source_file("PATCH"),
    "echo": _b_echo("echo"),
    "warn": _b_echo("warning"),
    "error": _b_echo("error"),
    "verbose": lambda m, a, d: "0",
    "trace": lambda m, a, d: "",
    "dump": lambda m, a, d: "",
    "load": _b_echo("warning"),
    "uncompress": _simple(lambda s: f"cat {s}"),
}
#: Built-ins that rpm gained after 4.18; an engine emulating 4.18 leaves them unexpanded.
_NEWER_THAN_418 = frozenset({"upper", "lower", "len", "sub", "rep", "reverse"})
_NO_ARG_BUILTINS = frozenset({"getncpus", "rpmversion", "getconfdir", "trace", "dump"})


def host_macro_files(
    root: str = "/usr/lib/rpm", *, target_arch: str = "x86_64", include_etc: bool = True
) -> list[Path]:
    """The macro files a host's rpm reads, in the order of rpm's macro path.

    ``/usr/lib/rpm/macros``, ``macros.d/macros.*``, the target platform's macros and
    (unless ``include_etc`` is false) ``/etc/rpm/macros*``. ``~/.rpmmacros`` is never read:
    a scan must not depend on who runs it.
    """
    base = Path(root)
    found: list[Path] = []
    if (base / "macros").is_file():
        found.append(base / "macros")
    if (base / "macros.d").is_dir():
        found.extend(sorted((base / "macros.d").glob("macros.*")))
    platform = base / "platform" / f"{target_arch}-linux" / "macros"
    if platform.is_file():
        found.append(platform)
    if include_etc and Path("/etc/rpm").is_dir():
        found.extend(sorted(Path("/etc/rpm").glob("macros*")))
    return [p for p in found if p.is_file()]


def load_files(engine: MacroEngine, paths: Iterable[Path | str]) -> MacroEngine:
    """Load several macro files into ``engine`` (missing ones are reported, not fatal)."""
    for path in paths:
        if not os.path.exists(path):
            engine.diagnostics.append(
                Diagnostic(None, "warning", "missing-macro-file", f"macro file {path} not found")
            )
            continue
        engine.load_file(path)
    return engine
