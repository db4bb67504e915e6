"""The pure-text subset of ``%(...)`` shell, evaluated in Python with bash's semantics.

Specs compute versions and URLs with tiny shell snippets: ``%(c=%{commit}; echo ${c:0:7})``,
``%(echo %{version} | cut -d. -f1-2)``, ``%(echo %{version} | sed 's/\\./_/g')``. Steward
never runs a shell (a spec is untrusted input), but these snippets only transform text, so
:func:`run_shell` interprets exactly that subset and spawns no process:

* commands joined by ``;``, ``&&``, ``||``, newlines and pipelines ``|``; ``<<<`` here-strings;
  ``2>/dev/null``; variable assignments; ``$(...)`` and backtick substitution;
* words with bash quoting and expansions: ``$v``, ``${v}``, ``${c:0:7}``, ``${v//./_}``,
  ``${v/a/b}``, ``${v#p}``, ``${v%p}`` (literal patterns), ``${#v}``, ``${v:-x}``, ``$((…))``;
* the commands ``echo``, ``printf``, ``cut``, ``tr``, ``sed`` (``s///`` with ``g``/``p``/``I``
  flags, ``-n``, ``-e``, ``-E``/``-r``), ``awk`` (``-F`` and ``{print …}``), ``head``, ``tail``,
  ``test``/``[`` (string and integer comparisons), ``true`` and ``false``.

Anything else (another command, a file test or redirection, ``eval``, globbing, a loop)
makes :func:`run_shell` return ``None``: the caller keeps the ``%(...)`` unexpanded with its
diagnostic, as for any shell it cannot read.

>>> run_shell("c=5e9be272f96e00f1; echo ${c:0:7}")
'5e9be27'
>>> run_shell("echo 1.2.3 | cut -d. -f1-2")
'1.2'
>>> run_shell("echo 1.2.3 | sed 's/\\\\./_/g'")
'1_2_3'
>>> run_shell("rm -rf /") is None
True
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["ShellUnsupported", "run_shell"]

MAX_OUTPUT = 1 << 20
MAX_STEPS = 10_000


class ShellUnsupported(Exception):
    """The snippet leaves the pure-text subset (the message says where)."""


def run_shell(script: str) -> str | None:
    """What bash would print for ``script``, trailing newlines removed as rpm does; or None."""
    try:
        out = _Shell().run(script, "")
    except (ShellUnsupported, RecursionError, ValueError, IndexError, re.error):
        return None
    return out.rstrip("\n")


# -- words -----------------------------------------------------------------------------------

_OPERATORS = ("&&", "||", "<<<", "2>", ";", "|", "\n", "<", ">", "(", ")", "&")


@dataclass
class _Word:
    """A word as written: pieces of (kind, text, quoted)."""

    parts: list[tuple[str, str, bool]] = field(default_factory=list)


def _read_braced(text: str, i: int, open_c: str, close_c: str) -> int:
    """Index just past the bracket closing the one before ``i`` (quotes respected)."""
    depth = 1
    n = len(text)
    quote = ""
    while i < n:
        c = text[i]
        if quote:
            if c == quote:
                quote = ""
            elif c == "\\" and quote == '"':
                i += 1
        elif c in "'\"":
            quote = c
        elif c == "\\":
            i += 1
        elif c == open_c:
            depth += 1
        elif c == close_c:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise ShellUnsupported(f"unclosed {open_c}")


def _dollar(text: str, i: int, quoted: bool) -> tuple[tuple[str, str, bool], int]:
    """Parse a ``$`` expansion at ``text[i]`` (the ``$``)."""
    n = len(text)
    if text.startswith("$((", i):
        end = _read_braced(text, i + 3, "(", ")")
        if end >= n or text[end] != ")":
            raise ShellUnsupported("arithmetic")
        return ("arith", text[i + 3 : end - 1], quoted), end + 1
    if text.startswith("$(", i):
        end = _read_braced(text, i + 2, "(", ")")
        return ("command", text[i + 2 : end - 1], quoted), end
    if text.startswith("${", i):
        end = _read_braced(text, i + 2, "{", "}")
        return ("param", text[i + 2 : end - 1], quoted), end
    m = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|[0-9#?$!*@-]").match(text, i + 1)
    if not m:
        return ("lit", "$", quoted), i + 1
    return ("param", m.group(0), quoted), m.end()


def _tokenize(text: str) -> list[_Word | str]:
    tokens: list[_Word | str] = []
    i = 0
    n = len(text)
    word: _Word | None = None
    while i < n:
        c = text[i]
        if c in " \t":
            word = None
            i += 1
            continue
        if c == "#" and word is None:
            eol = text.find("\n", i)
            i = n if eol < 0 else eol
            continue
        if c == "\\" and i + 1 < n and text[i + 1] == "\n":
            i += 2
            continue
        op = next((o for o in _OPERATORS if text.startswith(o, i)), None)
        if op == "2>" and word is not None:
            op = None
        if op is not None:
            tokens.append(op)
            word = None
            i += len(op)
            continue
        if word is None:
            word = _Word()
            tokens.append(word)
        if c == "'":
            end = text.find("'", i + 1)
            if end < 0:
                raise ShellUnsupported("unclosed quote")
            word.parts.append(("lit", text[i + 1 : end], True))
            i = end + 1
        elif c == '"':
            i += 1
            buf: list[str] = []
            while i < n and text[i] != '"':
                ch = text[i]
                if ch == "\\" and i + 1 < n and text[i + 1] in '$`"\\\n':
                    buf.append(text[i + 1])
                    i += 2
                elif ch == "$":
                    if buf:
                        word.parts.append(("lit", "".join(buf), True))
                        buf = []
                    part, i = _dollar(text, i, True)
                    word.parts.append(part)
                elif ch == "`":
                    end = text.find("`", i + 1)
                    if end < 0:
                        raise ShellUnsupported("unclosed backtick")
                    if buf:
                        word.parts.append(("lit", "".join(buf), True))
                        buf = []
                    word.parts.append(("command", text[i + 1 : end], True))
                    i = end + 1
                else:
                    buf.append(ch)
                    i += 1
            if i >= n:
                raise ShellUnsupported("unclosed quote")
            word.parts.append(("lit", "".join(buf), True))
            i += 1
        elif c == "\\":
            word.parts.append(("lit", text[i + 1 : i + 2], True))
            i += 2
        elif c == "$":
            part, i = _dollar(text, i, False)
            word.parts.append(part)
        elif c == "`":
            end = text.find("`", i + 1)
            if end < 0:
                raise ShellUnsupported("unclosed backtick")
            word.parts.append(("command", text[i + 1 : end], False))
            i = end + 1
        else:
            m = re.compile(r"[^\s'\"\\$`;&|<>()]+").match(text, i)
            assert m is not None
            chunk = m.group(0)
            if chunk != "[" and any(ch in chunk for ch in "*?[") and "=" not in chunk:
                raise ShellUnsupported("globbing")
            word.parts.append(("lit", chunk, False))
            i = m.end()
    return tokens


# -- the interpreter -------------------------------------------------------------------------


class _Shell:
    def __init__(self) -> None:
        self.vars: dict[str, str] = {}
        self.steps = 0
        self.status = 0

    def run(self, script: str, stdin: str) -> str:
        tokens = _tokenize(script)
        out: list[str] = []
        # Split into and-or lists on ; and newlines.
        statement: list[_Word | str] = []
        for tok in [*tokens, ";"]:
            if tok in (";", "\n"):
                if statement:
                    out.append(self._and_or(statement, stdin))
                statement = []
            elif tok in ("(", ")", "&", ">"):
                raise ShellUnsupported(f"operator {tok!r}")
            else:
                statement.append(tok)
        return "".join(out)

    def _and_or(self, tokens: list[_Word | str], stdin: str) -> str:
        out: list[str] = []
        run_next = True
        pipeline: list[_Word | str] = []
        for tok in [*tokens, "&&"]:
            if tok in ("&&", "||"):
                if run_next:
                    out.append(self._pipeline(pipeline, stdin))
                pipeline = []
                run_next = (self.status == 0) if tok == "&&" else (self.status != 0)
            else:
                pipeline.append(tok)
        return "".join(out)

    def _pipeline(self, tokens: list[_Word | str], stdin: str) -> str:
        commands: list[list[_Word | str]] = [[]]
        for tok in tokens:
            if tok == "|":
                commands.append([])
            else:
                commands[-1].append(tok)
        data = stdin
        for command in commands:
            data = self._simple(command, data)
            if len(data) > MAX_OUTPUT:
                raise ShellUnsupported("output too large")
        return data

    def _simple(self, tokens: list[_Word | str], stdin: str) -> str:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise ShellUnsupported("too many steps")
        argv: list[str] = []
        assignments: list[tuple[str, str]] = []
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            if tok == "<<<":
                source = tokens[i + 1] if i + 1 < len(tokens) else None
                if not isinstance(source, _Word):
                    raise ShellUnsupported("here-string")
                stdin = self._word_text(source) + "\n"
                i += 2
                continue
            if tok == "2>":
                target = tokens[i + 1] if i + 1 < len(tokens) else None
                if not isinstance(target, _Word) or self._word_text(target) not in (
                    "/dev/null",
                    "&1",
                ):
                    raise ShellUnsupported("redirection")
                i += 2
                continue
            if isinstance(tok, str):
                raise ShellUnsupported(f"operator {tok!r}")
            first = tok.parts[0] if tok.parts else None
            if (
                not argv
                and first is not None
                and first[0] == "lit"
                and not first[2]
                and re.match(r"[A-Za-z_][A-Za-z0-9_]*=", first[1])
            ):
                name, _, rest = first[1].partition("=")
                assigned = _Word([("lit", rest, True), *tok.parts[1:]])
                assignments.append((name, self._word_text(assigned)))
            else:
                argv.extend(self._fields(tok))
            i += 1
        if not argv:
            self.vars.update(assignments)
            self.status = 0
            return ""
        if assignments:
            raise ShellUnsupported("environment assignment for a command")
        builtin = _COMMANDS.get(argv[0])
        if builtin is None:
            raise ShellUnsupported(f"command {argv[0]!r}")
        status, out = builtin(self, argv[1:], stdin)
        self.status = status
        return out

    # -- expansions --------------------------------------------------------------------------

    def _word_text(self, word: _Word) -> str:
        return "".join(self._part(part) for part in word.parts)

    def _fields(self, word: _Word) -> list[str]:
        """Expand a word; unquoted expansions are split on white space, as bash does."""
        fields: list[str] = []
        current: list[str] = []
        started = False
        for part in word.parts:
            kind, _, quoted = part
            text = self._part(part)
            if kind == "lit" or quoted:
                current.append(text)
                started = True
                continue
            pieces = re.split(r"[ \t\n]+", text)
            for k, piece in enumerate(pieces):
                if k > 0:
                    if started or current:
                        fields.append("".join(current))
                    current = []
                    started = False
                if piece:
                    current.append(piece)
                    started = True
        if started or current:
            fields.append("".join(current))
        return fields

    def _part(self, part: tuple[str, str, bool]) -> str:
        kind, text, _ = part
        if kind == "lit":
            return text
        if kind == "command":
            sub = _Shell()
            sub.vars = dict(self.vars)
            sub.steps = self.steps
            result = sub.run(text, "").rstrip("\n")
            self.steps = sub.steps
            return result
        if kind == "arith":
            return str(_arith(self._expand_arith(text), self.vars))
        return self._param(text)

    def _expand_arith(self, text: str) -> str:
        return (
            "".join(self._part(p) for w in _tokenize(text) if isinstance(w, _Word) for p in w.parts)
            if "$" in text
            else text
        )

    def _param(self, text: str) -> str:
        if text.startswith("#") and len(text) > 1:
            return str(len(self.vars.get(text[1:], "")))
        m = re.match(r"[A-Za-z_][A-Za-z0-9_]*|[0-9]", text)
        if not m:
            raise ShellUnsupported(f"parameter ${{{text}}}")
        name = m.group(0)
        value = self.vars.get(name, "")
        rest = text[m.end() :]
        if not rest:
            return value
        if rest.startswith(":-"):
            return value or self._inner(rest[2:])
        if rest.startswith("-"):
            return value if name in self.vars else self._inner(rest[1:])
        if rest.startswith(":+"):
            return self._inner(rest[2:]) if value else ""
        if rest.startswith(":") and not rest.startswith(":="):
            offset_text, _, length_text = rest[1:].partition(":")
            offset = _arith(offset_text or "0", self.vars)
            if offset < 0:
                offset = max(len(value) + offset, 0)
            if length_text:
                length = _arith(length_text, self.vars)
                end = offset + length if length >= 0 else len(value) + length
                return value[offset:end]
            return value[offset:]
        if rest.startswith("//") or rest.startswith("/"):
            every = rest.startswith("//")
            pattern, _, replacement = rest[2 if every else 1 :].partition("/")
            pattern = self._inner(pattern)
            replacement = self._inner(replacement)
            _literal_pattern(pattern)
            if not pattern:
                return value
            return value.replace(pattern, replacement, -1 if every else 1)
        for op in ("##", "#", "%%", "%"):
            if rest.startswith(op):
                pattern = self._inner(rest[len(op) :])
                _literal_pattern(pattern)
                if op.startswith("#"):
                    return value[len(pattern) :] if value.startswith(pattern) else value
                return value[: -len(pattern)] if pattern and value.endswith(pattern) else value
        raise ShellUnsupported(f"parameter ${{{text}}}")

    def _inner(self, text: str) -> str:
        words = [w for w in _tokenize(text) if isinstance(w, _Word)] if text else []
        return " ".join(self._word_text(w) for w in words)


def _literal_pattern(pattern: str) -> None:
    if any(c in pattern for c in "*?["):
        raise ShellUnsupported("pattern matching in parameter expansion")


_ARITH_NODES = (
    ast.Expression, ast.BinOp, ast.UnaryOp, ast.Compare, ast.BoolOp, ast.Constant, ast.Name,
    ast.Add, ast.Sub, ast.Mult, ast.FloorDiv, ast.Mod, ast.USub, ast.UAdd, ast.Not, ast.And,
    ast.Or, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Load,
)  # fmt: skip


def _arith(text: str, variables: dict[str, str]) -> int:
    """bash ``$((…))``: integers, + - * / % comparisons && || !, variables by name."""
    expr = text.replace("&&", " and ").replace("||", " or ")
    expr = re.sub(r"!(?!=)", " not ", expr).replace("/", "//")
    tree = ast.parse(expr.strip() or "0", mode="eval")
    for node in ast.walk(tree):
        if not isinstance(node, _ARITH_NODES):
            raise ShellUnsupported("arithmetic")
        if isinstance(node, ast.Constant) and not isinstance(node.value, int):
            raise ShellUnsupported("arithmetic")
    return _eval_arith(tree.body, variables)


def _eval_arith(node: ast.expr, variables: dict[str, str]) -> int:
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return node.value
    if isinstance(node, ast.Name):
        raw = variables.get(node.id, "0").strip() or "0"
        return int(raw) if re.fullmatch(r"-?\d+", raw) else 0
    if isinstance(node, ast.UnaryOp):
        value = _eval_arith(node.operand, variables)
        if isinstance(node.op, ast.USub):
            return -value
        if isinstance(node.op, ast.Not):
            return int(not value)
        return value
    if isinstance(node, ast.BoolOp):
        values = [_eval_arith(v, variables) for v in node.values]
        return int(all(values) if isinstance(node.op, ast.And) else any(values))
    if isinstance(node, ast.Compare):
        left = _eval_arith(node.left, variables)
        for op, comp in zip(node.ops, node.comparators, strict=True):
            right = _eval_arith(comp, variables)
            ok = {
                ast.Eq: left == right, ast.NotEq: left != right, ast.Lt: left < right,
                ast.LtE: left <= right, ast.Gt: left > right, ast.GtE: left >= right,
            }[type(op)]  # fmt: skip
            if not ok:
                return 0
            left = right
        return 1
    if isinstance(node, ast.BinOp):
        a = _eval_arith(node.left, variables)
        b = _eval_arith(node.right, variables)
        if isinstance(node.op, ast.Add):
            return a + b
        if isinstance(node.op, ast.Sub):
            return a - b
        if isinstance(node.op, ast.Mult):
            return a * b
        if b == 0:
            raise ShellUnsupported("division by zero")
        quotient = abs(a) // abs(b) * (1 if (a >= 0) == (b >= 0) else -1)  # C truncation
        return quotient if isinstance(node.op, ast.FloorDiv) else a - quotient * b
    raise ShellUnsupported("arithmetic")


# -- commands --------------------------------------------------------------------------------

Command = Callable[[_Shell, list[str], str], tuple[int, str]]


def _echo(shell: _Shell, args: list[str], stdin: str) -> tuple[int, str]:
    newline = True
    while args and args[0] in ("-n", "-E"):
        newline = newline and args[0] != "-n"
        args = args[1:]
    if args and args[0] == "-e":
        raise ShellUnsupported("echo -e")
    return 0, " ".join(args) + ("\n" if newline else "")


def _unescape(text: str) -> str:
    table = {"n": "\n", "t": "\t", "\\": "\\", "a": "\a", "r": "\r", '"': '"', "'": "'"}
    return re.sub(r"\\(.)", lambda m: table.get(m.group(1), "\\" + m.group(1)), text)


def _printf(shell: _Shell, args: list[str], stdin: str) -> tuple[int, str]:
    if not args:
        return 1, ""
    fmt, values = _unescape(args[0]), args[1:]
    out: list[str] = []
    while True:
        text, used = _printf_once(fmt, values)
        out.append(text)
        values = values[used:]
        if not values or used == 0:
            break
    return 0, "".join(out)


def _printf_once(fmt: str, values: list[str]) -> tuple[str, int]:
    """One pass of ``printf``'s format over ``values``; returns (text, values used)."""
    used = 0

    def fill(m: re.Match[str]) -> str:
        nonlocal used
        flags, conv = m.groups()
        if conv == "%":
            return "%"
        value = values[used] if used < len(values) else ""
        used += 1
        if conv in "sb":
            return ("%" + flags + "s") % (_unescape(value) if conv == "b" else value)
        number = int(value) if re.fullmatch(r"[-+]?\d+", value.strip()) else 0
        return ("%" + flags + ("d" if conv in "iu" else conv)) % number

    return _PRINTF_SPEC.sub(fill, fmt), used


_PRINTF_SPEC = re.compile(r"%([-0 #+]*\d*(?:\.\d+)?)([sdiuxXo%b])")


def _parse_list(text: str) -> list[tuple[int, int]]:
    ranges = []
    for item in text.split(","):
        if not item:
            raise ShellUnsupported("cut list")
        start, dash, end = item.partition("-")
        lo = int(start) if start else 1
        hi = (int(end) if end else 1 << 30) if dash else lo
        ranges.append((lo, hi))
    return ranges


def _selected(count: int, ranges: list[tuple[int, int]]) -> list[int]:
    return [k for k in range(1, count + 1) if any(lo <= k <= hi for lo, hi in ranges)]


def _cut(shell: _Shell, args: list[str], stdin: str) -> tuple[int, str]:
    delim = "\t"
    mode = ""
    ranges: list[tuple[int, int]] = []
    only_delimited = False
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in ("-d", "-f", "-b", "-c"):
            if i + 1 >= len(args):
                raise ShellUnsupported("cut")
            value = args[i + 1]
            i += 2
        elif arg[:2] in ("-d", "-f", "-b", "-c") and len(arg) > 2:
            value = arg[2:]
            arg = arg[:2]
            i += 1
        elif arg == "-s":
            only_delimited = True
            i += 1
            continue
        else:
            raise ShellUnsupported(f"cut {arg}")
        if arg == "-d":
            if len(value) != 1:
                raise ShellUnsupported("cut delimiter")
            delim = value
        else:
            mode = arg[1]
            ranges = _parse_list(value)
    if not mode:
        raise ShellUnsupported("cut needs -f, -b or -c")
    lines = stdin.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    out = []
    for line in lines:
        if mode == "f":
            if delim not in line:
                if not only_delimited:
                    out.append(line)
                continue
            pieces = line.split(delim)
            out.append(delim.join(pieces[k - 1] for k in _selected(len(pieces), ranges)))
        else:
            data = line.encode() if mode == "b" else line
            chosen = _selected(len(data), ranges)
            if isinstance(data, bytes):
                out.append(bytes(data[k - 1] for k in chosen).decode("utf-8", "replace"))
            else:
                out.append("".join(data[k - 1] for k in chosen))
    return 0, "".join(line + "\n" for line in out)


_CLASSES = {
    "[:upper:]": "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "[:lower:]": "abcdefghijklmnopqrstuvwxyz",
    "[:digit:]": "0123456789",
    "[:space:]": " \t\n\r\f\v",
    "[:blank:]": " \t",
    "[:punct:]": "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
}


def _tr_set(text: str) -> str:
    for name, chars in _CLASSES.items():
        text = text.replace(name, chars)
    if "[:" in text or "[=" in text:
        raise ShellUnsupported("tr class")
    text = _unescape(text)
    out: list[str] = []
    i = 0
    while i < len(text):
        if i + 2 < len(text) and text[i + 1] == "-":
            lo, hi = ord(text[i]), ord(text[i + 2])
            if hi < lo:
                raise ShellUnsupported("tr range")
            out.extend(chr(c) for c in range(lo, hi + 1))
            i += 3
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _tr(shell: _Shell, args: list[str], stdin: str) -> tuple[int, str]:
    delete = squeeze = False
    while args and args[0].startswith("-") and len(args[0]) > 1:
        for letter in args[0][1:]:
            if letter == "d":
                delete = True
            elif letter == "s":
                squeeze = True
            else:
                raise ShellUnsupported(f"tr -{letter}")
        args = args[1:]
    if delete:
        if len(args) != 1 or squeeze:
            raise ShellUnsupported("tr -d")
        gone = set(_tr_set(args[0]))
        return 0, "".join(c for c in stdin if c not in gone)
    if squeeze and len(args) == 1:
        return 0, _squeeze(stdin, set(_tr_set(args[0])))
    if len(args) != 2:
        raise ShellUnsupported("tr needs two sets")
    src, dst = _tr_set(args[0]), _tr_set(args[1])
    if not dst:
        raise ShellUnsupported("tr empty set")
    dst = dst + dst[-1] * max(len(src) - len(dst), 0)
    table = {ord(a): b for a, b in zip(src, dst, strict=False)}
    out = stdin.translate(table)
    if squeeze:
        out = _squeeze(out, set(dst))
    return 0, out


def _squeeze(text: str, chars: set[str]) -> str:
    """``tr -s``: runs of one character from ``chars`` become one."""
    out: list[str] = []
    for c in text:
        if not (out and c in chars and out[-1] == c):
            out.append(c)
    return "".join(out)


def _bre_to_python(pattern: str, extended: bool) -> str:
    """A POSIX (GNU) basic or extended regular expression as a Python one."""
    out: list[str] = []
    i = 0
    n = len(pattern)
    while i < n:
        c = pattern[i]
        if c == "[":
            end = i + 1
            if end < n and pattern[end] == "^":
                end += 1
            if end < n and pattern[end] == "]":
                end += 1
            while end < n and pattern[end] != "]":
                if pattern.startswith("[:", end):
                    close = pattern.find(":]", end)
                    if close < 0:
                        raise ShellUnsupported("bracket")
                    end = close + 2
                else:
                    end += 1
            out.append("[" + _bracket_body(pattern[i + 1 : end]) + "]")
            i = end + 1
            continue
        if c == "\\" and i + 1 < n:
            nxt = pattern[i + 1]
            if not extended and nxt in "(){}+?|":
                out.append(nxt)
            elif nxt in "sSwW" or nxt.isdigit():
                out.append("\\" + nxt)
            elif nxt == "n":
                out.append("\\n")
            elif nxt == "t":
                out.append("\\t")
            else:
                out.append(re.escape(nxt))
            i += 2
            continue
        if not extended and c in "(){}+?|":
            out.append("\\" + c)
        else:
            out.append(c)
        i += 1
    return "".join(out)


def _bracket_body(body: str) -> str:
    """A POSIX bracket expression's inside, for Python (classes spelled out, no escapes)."""
    out: list[str] = []
    k = 0
    while k < len(body):
        name = next((c for c in _CLASSES if body.startswith(c, k)), None)
        if name is not None:
            out.extend("\\" + ch if ch in "\\[]^-" else ch for ch in _CLASSES[name])
            k += len(name)
            continue
        ch = body[k]
        out.append("\\" + ch if ch in "\\[" else ch)
        k += 1
    return "".join(out)


def _sed_replacement(text: str) -> Callable[[re.Match[str]], str]:
    pieces: list[str | int] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt.isdigit():
                pieces.append(int(nxt))
            else:
                pieces.append({"n": "\n", "t": "\t"}.get(nxt, nxt))
            i += 2
        elif c == "&":
            pieces.append(0)
            i += 1
        else:
            pieces.append(c)
            i += 1

    def build(m: re.Match[str]) -> str:
        return "".join(p if isinstance(p, str) else (m.group(p) or "") for p in pieces)

    return build


def _sed_commands(
    script: str, extended: bool
) -> list[tuple[re.Pattern[str], Callable[[re.Match[str]], str], int, bool]]:
    commands = []
    i = 0
    n = len(script)
    while i < n:
        while i < n and script[i] in " \t;\n":
            i += 1
        if i >= n:
            break
        if script[i] != "s" or i + 1 >= n:
            raise ShellUnsupported("sed command other than s")
        delim = script[i + 1]
        fields: list[str] = []
        j = i + 2
        buf: list[str] = []
        while j < n and len(fields) < 2:
            ch = script[j]
            if ch == "\\" and j + 1 < n:
                if script[j + 1] == delim and delim != "\\":
                    buf.append(delim if delim not in ".[]*^$+?(){}|" else "\\" + delim)
                else:
                    buf.append(script[j : j + 2])
                j += 2
                continue
            if ch == delim:
                fields.append("".join(buf))
                buf = []
            else:
                buf.append(ch)
            j += 1
        if len(fields) < 2:
            raise ShellUnsupported("unterminated s command")
        m = re.compile(r"[gpI0-9]*").match(script, j)
        flags = m.group(0) if m else ""
        j = m.end() if m else j
        count = 0 if "g" in flags else 1
        pattern = re.compile(_bre_to_python(fields[0], extended), re.I if "I" in flags else 0)
        commands.append((pattern, _sed_replacement(fields[1]), count, "p" in flags))
        i = j
    return commands


def _sed(shell: _Shell, args: list[str], stdin: str) -> tuple[int, str]:
    quiet = extended = False
    scripts: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "-n":
            quiet = True
        elif arg in ("-E", "-r"):
            extended = True
        elif arg == "-e" and i + 1 < len(args):
            scripts.append(args[i + 1])
            i += 1
        elif arg.startswith("-") and len(arg) > 1 and set(arg[1:]) <= set("nEr"):
            quiet = quiet or "n" in arg
            extended = extended or bool(set(arg) & set("Er"))
        elif not scripts:
            scripts.append(arg)
        else:
            raise ShellUnsupported("sed reads files")
        i += 1
    commands = [c for script in scripts for c in _sed_commands(script, extended)]
    lines = stdin.split("\n")
    trailing = lines and lines[-1] == ""
    if trailing:
        lines.pop()
    out: list[str] = []
    for line in lines:
        for pattern, build, count, printing in commands:
            line, made = pattern.subn(build, line, count=count)
            if made and printing:
                out.append(line)
        if not quiet:
            out.append(line)
    return 0, "".join(line + "\n" for line in out)


_AWK_PRINT = re.compile(r"\s*\{\s*print\b(.*?)\s*;?\s*\}\s*$", re.S)
_AWK_ITEM = re.compile(r'\s*(?:\$(\d+|NF)|"((?:[^"\\]|\\.)*)"|(,))')


def _awk(shell: _Shell, args: list[str], stdin: str) -> tuple[int, str]:
    separator: str | None = None
    program: str | None = None
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "-F" and i + 1 < len(args):
            separator = args[i + 1]
            i += 2
            continue
        if arg.startswith("-F") and len(arg) > 2:
            separator = arg[2:]
        elif program is None:
            program = arg
        else:
            raise ShellUnsupported("awk reads files")
        i += 1
    m = _AWK_PRINT.match(program or "")
    if not m:
        raise ShellUnsupported("awk program other than {print …}")
    items: list[tuple[str, str]] = []
    pos = 0
    body = m.group(1)
    while pos < len(body.rstrip()):
        im = _AWK_ITEM.match(body, pos)
        if not im:
            raise ShellUnsupported("awk print item")
        field_ref, literal, comma = im.groups()
        if field_ref is not None:
            items.append(("field", field_ref))
        elif literal is not None:
            items.append(("text", _unescape(literal)))
        elif comma:
            items.append(("text", " "))
        pos = im.end()
    if not items:
        items = [("field", "0")]
    lines = stdin.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    out = []
    for line in lines:
        if separator is None or separator == " ":
            fields = line.split()
        elif len(separator) == 1 and separator != "\\":
            fields = line.split(separator)
        else:
            fields = re.split(_bre_to_python(_unescape(separator), True), line)
        parts = []
        for kind, value in items:
            if kind == "text":
                parts.append(value)
            elif value == "NF":
                parts.append(fields[-1] if fields else "")
            else:
                k = int(value)
                parts.append(line if k == 0 else (fields[k - 1] if k <= len(fields) else ""))
        out.append("".join(parts))
    return 0, "".join(line + "\n" for line in out)


def _head_tail(tail: bool) -> Command:
    def command(shell: _Shell, args: list[str], stdin: str) -> tuple[int, str]:
        count = 10
        i = 0
        while i < len(args):
            arg = args[i]
            if arg == "-n" and i + 1 < len(args):
                count = int(args[i + 1])
                i += 1
            elif re.fullmatch(r"-n?\d+", arg):
                count = int(arg.lstrip("-n"))
            else:
                raise ShellUnsupported("head/tail option")
            i += 1
        lines = stdin.splitlines(keepends=True)
        chosen = lines[-count:] if tail and count else ([] if tail else lines[:count])
        return 0, "".join(chosen)

    return command


def _test(shell: _Shell, args: list[str], stdin: str) -> tuple[int, str]:
    return (0 if _test_expr(args) else 1), ""


def _bracket(shell: _Shell, args: list[str], stdin: str) -> tuple[int, str]:
    if not args or args[-1] != "]":
        raise ShellUnsupported("[ without ]")
    return _test(shell, args[:-1], stdin)


def _int(text: str) -> int:
    if not re.fullmatch(r"\s*[-+]?\d+\s*", text):
        raise ShellUnsupported("integer expected")
    return int(text)


def _test_expr(args: list[str]) -> bool:
    for op in ("-o", "-a"):
        if op in args[1:-1]:
            k = args.index(op, 1)
            left, right = _test_expr(args[:k]), _test_expr(args[k + 1 :])
            return (left or right) if op == "-o" else (left and right)
    if args and args[0] == "!":
        return not _test_expr(args[1:])
    if not args:
        return False
    if len(args) == 1:
        return args[0] != ""
    if len(args) == 2:
        if args[0] == "-z":
            return args[1] == ""
        if args[0] == "-n":
            return args[1] != ""
        raise ShellUnsupported(f"test {args[0]}")  # file tests read the disk
    if len(args) == 3:
        a, op, b = args
        strings = {"=": a == b, "==": a == b, "!=": a != b, "<": a < b, ">": a > b}
        if op in strings:
            return strings[op]
        numbers = {"-eq": "==", "-ne": "!=", "-lt": "<", "-le": "<=", "-gt": ">", "-ge": ">="}
        if op in numbers:
            x, y = _int(a), _int(b)
            return {
                "==": x == y, "!=": x != y, "<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y
            }[numbers[op]]  # fmt: skip
    raise ShellUnsupported("test expression")


_COMMANDS: dict[str, Command] = {
    "echo": _echo,
    "printf": _printf,
    "cut": _cut,
    "tr": _tr,
    "sed": _sed,
    "awk": _awk,
    "head": _head_tail(False),
    "tail": _head_tail(True),
    "test": _test,
    "[": _bracket,
    "true": lambda shell, args, stdin: (0, ""),
    "false": lambda shell, args, stdin: (1, ""),
}
