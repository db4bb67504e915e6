"""The verdict and the risk score of a review, both explaining themselves.

A blocker that fails (and is not waived) asks for changes; a warning that fails or a result
left undecided asks a human to comment; otherwise the change is approved. Risk adds points
for what makes a change dangerous to merge even when every check passes.
"""

from __future__ import annotations

from collections.abc import Sequence

from steward.review.model import (
    ChangeKind,
    CheckResult,
    Classification,
    Risk,
    RiskFactor,
    Severity,
    State,
    Verdict,
)

__all__ = ["decide", "risk"]

#: Points a failed result of this severity adds.
_FAIL_POINTS = {Severity.BLOCKER: 30, Severity.WARNING: 10, Severity.NOTE: 2}
#: Points a passing fact adds because of what it means (result id → points, reason).
_KIND_POINTS = {
    ChangeKind.NEW_PACKAGE: (15, "a new package: everything in it is new"),
    ChangeKind.MIXED: (15, "a version upgrade and new patches in one change"),
    ChangeKind.VERSION_UPGRADE: (10, "a new upstream version"),
    ChangeKind.BACKPORTED_FIX: (5, "patches added to the shipped version"),
    ChangeKind.REMOVAL: (10, "a package removed"),
}


def decide(results: Sequence[CheckResult]) -> tuple[Verdict, str]:
    blockers = [r for r in results if r.blocks]
    if blockers:
        ids = ", ".join(sorted({r.id for r in blockers}))
        return Verdict.REQUEST_CHANGES, f"{len(blockers)} blocker(s) failed: {ids}"
    warnings = [r for r in results if r.failed and r.severity is Severity.WARNING]
    undecided = [r for r in results if r.state is State.UNDECIDED and r.waived is None]
    if warnings or undecided:
        parts = []
        if warnings:
            ids = ", ".join(sorted({r.id for r in warnings}))
            parts.append(f"{len(warnings)} warning(s): {ids}")
        if undecided:
            ids = ", ".join(sorted({r.id for r in undecided}))
            parts.append(f"{len(undecided)} result(s) need a human: {ids}")
        return Verdict.COMMENT, "; ".join(parts)
    return Verdict.APPROVE, "every blocker and warning passed"


def risk(classification: Classification, results: Sequence[CheckResult]) -> Risk:
    factors: list[RiskFactor] = []
    kind = _KIND_POINTS.get(classification.kind)
    if kind is not None:
        factors.append(RiskFactor(kind[0], kind[1]))
    for r in results:
        if r.failed:
            factors.append(RiskFactor(_FAIL_POINTS[r.severity], r.message, r.id))
        elif r.state is State.UNDECIDED and r.waived is None:
            factors.append(RiskFactor(5, f"undecided: {r.message}", r.id))
        elif r.id == "patches.apply" and r.subject and "fuzz" in r.message:
            factors.append(RiskFactor(5, f"{r.subject} needed fuzz or an offset", r.id))
    score = min(100, sum(f.points for f in factors))
    level = "high" if score >= 50 else "medium" if score >= 20 else "low"
    factors.sort(key=lambda f: -f.points)
    return Risk(score, level, tuple(factors))
