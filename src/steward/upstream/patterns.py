"""Regular expressions from package metadata, matched so that no pattern can hang a run.

A tree's ``tag_prefix``, ``tag_pattern``, ``separator``, ``tag_reorder``, nvchecker's
``include_regex``/``exclude_regex``/``from_pattern`` and a listing's ``pattern`` are
untrusted input: ``(1+)+x`` takes Python's backtracking ``re`` minutes against a 34-character
tag. :func:`compile_pattern` picks, for each pattern, an engine that cannot run away:

- a pattern without repetition (``^v``, ``release-``, ``_``: most real ones) cannot
  backtrack more than its own length, so Python's ``re`` runs it, as fast as ever;
- a pattern with repetition runs on RE2 (``google-re2``), whose time is linear in the text;
- a pattern RE2 cannot express (look-arounds, back-references, ``(?x)``) runs on the
  ``regex`` module with a time budget: :data:`DEFAULT_BUDGET` seconds per call, or what is
  left of the budget set with :func:`pattern_budget` for one package. A match past the budget
  raises :class:`PatternTooSlow`, which fails that package only.

>>> slow = compile_pattern(r"(1+)+x")
>>> slow.engine, slow.match("1" * 34) is None
('re2', True)
>>> compile_pattern("^v").engine, compile_pattern(r"(\\d+)(?=-rc)").engine
('re', 'regex')

The three engines agree on the patterns tags use; RE2's ``$`` matches only at the very end
(Python's also before a final newline) and its ``\\d`` only ASCII digits, which changes
nothing for version tags.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import re
import time
from collections.abc import Callable, Iterator
from typing import Any, Final, Protocol

import re2
import regex

__all__ = [
    "DEFAULT_BUDGET",
    "Match",
    "Pattern",
    "PatternError",
    "PatternTooSlow",
    "compile_pattern",
    "pattern_budget",
]

#: Seconds one call of a pattern RE2 cannot run may take when no package budget is set.
DEFAULT_BUDGET: Final = 1.0

# Repetition operators outside escapes; "?" after "(" opens a group extension instead.
_ESCAPE: Final = re.compile(r"\\.", re.DOTALL)
_REPEATS: Final = re.compile(r"[*+{]|(?<!\()\?")
_RE2_OPTIONS: Final = re2.Options()
_RE2_OPTIONS.log_errors = False  # a refused pattern is expected, not worth a stderr line


class PatternError(ValueError):
    """The text is not a regular expression; the message says why (as ``re`` would)."""


class PatternTooSlow(ValueError):
    """A pattern ran past its time budget; the message names the pattern and the budget."""


class Match(Protocol):
    """What callers use of a match, the same for all three engines."""

    @property
    def re(self) -> Any: ...

    def group(self, *groups: int | str) -> Any: ...

    def __getitem__(self, group: int | str) -> Any: ...

    def end(self, group: int | str = 0) -> int: ...

    def expand(self, template: str) -> str: ...


class _Budget:
    __slots__ = ("deadline", "seconds")

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds


_budget: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar(
    "steward_pattern_budget", default=None
)


@contextlib.contextmanager
def pattern_budget(seconds: float) -> Iterator[None]:
    """Give every pattern RE2 cannot run, matched inside the block, ``seconds`` in total.

    The engine sets one per package around turning its tags into versions (a thread started
    with :func:`asyncio.to_thread` inside the block shares it).
    """
    token = _budget.set(_Budget(seconds))
    try:
        yield
    finally:
        _budget.reset(token)


class Pattern:
    """A compiled pattern with ``re``'s methods (``match``, ``fullmatch``, ``search``,
    ``finditer``, ``sub``) and attributes (``pattern``, ``flags``, ``groups``,
    ``groupindex``); ``engine`` says which engine runs it (``re``, ``re2`` or ``regex``)."""

    __slots__ = ("_compiled", "engine", "flags", "groupindex", "groups", "pattern")

    def __init__(self, source: str, checked: re.Pattern[str]) -> None:
        self.pattern = source
        self.flags = checked.flags
        self.groups = checked.groups
        self.groupindex = checked.groupindex
        self._compiled: Any
        if not _REPEATS.search(_ESCAPE.sub("", source)):
            self.engine, self._compiled = "re", checked
            return
        try:
            self.engine, self._compiled = "re2", re2.compile(source, options=_RE2_OPTIONS)
        except re2.error:
            try:
                self.engine, self._compiled = "regex", regex.compile(source)
            except regex.error as exc:  # re takes it, regex does not: rare, and refused
                raise PatternError(f"not supported: {exc}") from None

    def __repr__(self) -> str:
        return f"Pattern({self.pattern!r}, engine={self.engine!r})"

    def match(self, text: str) -> Match | None:
        return self._run(self._compiled.match, text)  # type: ignore[no-any-return]

    def fullmatch(self, text: str) -> Match | None:
        return self._run(self._compiled.fullmatch, text)  # type: ignore[no-any-return]

    def search(self, text: str) -> Match | None:
        return self._run(self._compiled.search, text)  # type: ignore[no-any-return]

    def finditer(self, text: str) -> Iterator[Match]:
        if self.engine != "regex":
            return iter(self._compiled.finditer(text))
        return iter(self._run(lambda t, **kw: list(self._compiled.finditer(t, **kw)), text))

    def sub(self, replacement: str, text: str) -> str:
        return self._run(  # type: ignore[no-any-return]
            lambda t, **kw: self._compiled.sub(replacement, t, **kw), text
        )

    def _run(self, call: Callable[..., Any], text: str) -> Any:
        if self.engine != "regex":
            return call(text)
        budget = _budget.get()
        seconds = budget.seconds if budget is not None else DEFAULT_BUDGET
        left = budget.deadline - time.monotonic() if budget is not None else DEFAULT_BUDGET
        if left <= 0:
            raise PatternTooSlow(self._too_slow(seconds))
        try:
            # concurrent: the GIL is released while matching, so other threads go on.
            return call(text, timeout=left, concurrent=True)
        except TimeoutError:
            raise PatternTooSlow(self._too_slow(seconds)) from None

    def _too_slow(self, seconds: float) -> str:
        return (
            f"pattern {self.pattern!r} ran past its {seconds:g} s budget (it backtracks "
            "exponentially on these tags); rewrite it without nested repetition"
        )


@functools.lru_cache(maxsize=4096)
def compile_pattern(source: str) -> Pattern:
    """``source`` compiled for the safest engine that runs it (see the module docstring).

    Raises :class:`PatternError` for text that is not a regular expression, with ``re``'s
    message.
    """
    try:
        checked = re.compile(source)
    except re.error as exc:
        raise PatternError(str(exc)) from None
    return Pattern(source, checked)
