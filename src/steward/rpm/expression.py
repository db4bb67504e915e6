"""rpm's expression language, as used by ``%if`` and ``%[...]``.

Integers, double-quoted strings, version literals (``v"1.2"``), the operators
``! - * / + - < > <= >= == != && || ?:`` and parentheses, with rpm's precedence.
Operands of a binary operator must be of the same type; version literals compare with
:func:`steward.rpm.version.rpmvercmp`.

>>> evaluate('1 + 2 * 3')
7
>>> evaluate('"abc" == "abc" && !0')
1
>>> evaluate('v"1.10" > v"1.9"')
1
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ExpressionError", "Value", "evaluate", "truth"]


class ExpressionError(ValueError):
    """An expression rpm would refuse: the message names the expression and the problem."""


@dataclass(frozen=True, slots=True)
class VersionValue:
    text: str


Value = int | str | VersionValue


def truth(value: Value) -> bool:
    """rpm's truth: a non-zero number, a non-empty string or version."""
    if isinstance(value, int):
        return value != 0
    if isinstance(value, VersionValue):
        return value.text != ""
    return value != ""


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def error(self, message: str) -> ExpressionError:
        return ExpressionError(f"{message} in expression {self.text!r} at offset {self.pos}")

    def skip(self) -> None:
        text = self.text
        while self.pos < len(text) and text[self.pos] in " \t\r\n":
            self.pos += 1

    def peek(self, token: str) -> bool:
        self.skip()
        return self.text.startswith(token, self.pos)

    def take(self, token: str) -> bool:
        if self.peek(token):
            self.pos += len(token)
            return True
        return False

    # ternary: a ? b : c (right-associative, lowest precedence)
    def ternary(self) -> Value:
        cond = self.logical_or()
        if self.take("?"):
            yes = self.ternary()
            if not self.take(":"):
                raise self.error("missing ':' in ternary")
            no = self.ternary()
            return yes if truth(cond) else no
        return cond

    def logical_or(self) -> Value:
        left = self.logical_and()
        while self.take("||"):
            right = self.logical_and()
            self._same_type(left, right, "||")
            left = left if truth(left) else right
        return left

    def logical_and(self) -> Value:
        left = self.comparison()
        while self.take("&&"):
            right = self.comparison()
            self._same_type(left, right, "&&")
            left = right if truth(left) else left
        return left

    def comparison(self) -> Value:
        left = self.additive()
        while True:
            for op in ("==", "!=", "<=", ">=", "<", ">"):
                if self.take(op):
                    break
            else:
                return left
            right = self.additive()
            self._same_type(left, right, op)
            c = _compare(left, right)
            left = int(
                {"==": c == 0, "!=": c != 0, "<": c < 0, ">": c > 0, "<=": c <= 0, ">=": c >= 0}[op]
            )

    def additive(self) -> Value:
        left = self.multiplicative()
        while True:
            if self.take("+"):
                right = self.multiplicative()
                self._same_type(left, right, "+")
                if isinstance(left, int) and isinstance(right, int):  # noqa: SIM114 (typing)
                    left = left + right
                elif isinstance(left, str) and isinstance(right, str):
                    left = left + right
                else:
                    raise self.error("'+' is not defined for versions")
            elif self.peek("-") and not self.peek("--"):
                self.pos += 1
                right = self.multiplicative()
                if not (isinstance(left, int) and isinstance(right, int)):
                    raise self.error("'-' needs numbers")
                left = left - right
            else:
                return left

    def multiplicative(self) -> Value:
        left = self.unary()
        while True:
            if self.take("*"):
                op = "*"
            elif self.take("/"):
                op = "/"
            else:
                return left
            right = self.unary()
            if not (isinstance(left, int) and isinstance(right, int)):
                raise self.error(f"'{op}' needs numbers")
            if op == "*":
                left = left * right
            else:
                if right == 0:
                    raise self.error("division by zero")
                # rpm uses C integer division, which truncates toward zero.
                q = abs(left) // abs(right)
                left = q if (left >= 0) == (right >= 0) else -q

    def unary(self) -> Value:
        if self.take("!"):
            return int(not truth(self.unary()))
        if self.peek("-"):
            self.pos += 1
            value = self.unary()
            if not isinstance(value, int):
                raise self.error("unary '-' needs a number")
            return -value
        return self.primary()

    def primary(self) -> Value:
        self.skip()
        text = self.text
        if self.pos >= len(text):
            raise self.error("unexpected end")
        c = text[self.pos]
        if c == "(":
            self.pos += 1
            value = self.ternary()
            if not self.take(")"):
                raise self.error("missing ')'")
            return value
        if c == '"':
            return self.string()
        if c == "v" and text.startswith('v"', self.pos):
            self.pos += 1
            return VersionValue(self.string())
        if c.isdigit():
            start = self.pos
            while self.pos < len(text) and text[self.pos].isdigit():
                self.pos += 1
            return int(text[start : self.pos])
        if c.isalpha() or c == "_":
            start = self.pos
            while self.pos < len(text) and (text[self.pos].isalnum() or text[self.pos] == "_"):
                self.pos += 1
            raise ExpressionError(
                f"bare word {text[start : self.pos]!r} in expression {text!r} (quote strings)"
            )
        raise self.error(f"unexpected {c!r}")

    def string(self) -> str:
        end = self.text.find('"', self.pos + 1)
        if end < 0:
            raise self.error("unterminated string")
        value = self.text[self.pos + 1 : end]
        self.pos = end + 1
        return value

    def _same_type(self, a: Value, b: Value, op: str) -> None:
        if type(a) is not type(b):
            raise self.error(f"types of the operands of {op!r} differ")


def _compare(a: Value, b: Value) -> int:
    if isinstance(a, VersionValue) and isinstance(b, VersionValue):
        # Version literals are whole EVRs: v"1:1.0" > v"2.0" because the epoch wins.
        from steward.rpm.version import compare_evr

        return compare_evr(a.text, b.text)
    if isinstance(a, int) and isinstance(b, int):
        return (a > b) - (a < b)
    if isinstance(a, str) and isinstance(b, str):
        return (a > b) - (a < b)
    raise ExpressionError("cannot compare values of different types")


def evaluate(text: str) -> Value:
    """Evaluate an (already macro-expanded) rpm expression.

    Raises :class:`ExpressionError` for anything rpm would reject.
    """
    parser = _Parser(text)
    parser.skip()
    if parser.pos >= len(text):
        raise ExpressionError(f"empty expression {text!r}")
    value = parser.ternary()
    parser.skip()
    if parser.pos != len(text):
        raise parser.error("trailing garbage")
    return value


def format_value(value: Value) -> str:
    """How ``%[...]`` prints a value."""
    if isinstance(value, VersionValue):
        return value.text
    return str(value)
