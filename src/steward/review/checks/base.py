"""What every check module is and the helpers they share.

A check is one module in :mod:`steward.review.checks` exposing:

* ``RULES``: the :class:`~steward.review.model.Rule` values it decides (stable ids such as
  ``spec.evr-forward``, a severity, a title and the help a maintainer acts on);
* ``def run(ctx: ReviewContext) -> list[CheckResult]``: its results, every one for a rule of
  ``RULES``. A check never raises for bad input: it answers ``undecided`` and says why.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from steward.review.context import ReviewContext
from steward.review.model import CheckResult, Evidence, Rule, Severity, State

__all__ = ["Check", "Rules", "rule"]


class Check(Protocol):
    """A check module, as :func:`steward.review.checks.load_checks` sees it."""

    RULES: tuple[Rule, ...]

    def run(self, ctx: ReviewContext) -> list[CheckResult]: ...


def rule(id: str, severity: Severity, title: str, help: str) -> Rule:
    return Rule(id, severity, title, help)


class Rules:
    """A check's rules by id, with a shortcut that makes results for them."""

    def __init__(self, *rules: Rule) -> None:
        self.all: tuple[Rule, ...] = rules
        self._by_id = {r.id: r for r in rules}

    def __getitem__(self, id: str) -> Rule:
        return self._by_id[id]

    def result(
        self,
        id: str,
        state: State,
        message: str,
        evidence: Sequence[Evidence] = (),
        *,
        subject: str | None = None,
        severity: Severity | None = None,
    ) -> CheckResult:
        """A result of rule ``id``; ``severity`` overrides the rule's for this one result."""
        found = self._by_id[id]
        return CheckResult(
            id, severity or found.severity, state, message, tuple(evidence), subject=subject
        )
