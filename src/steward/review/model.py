"""The values a review is made of: results with evidence, the change's class, verdict and risk.

Everything here is a plain, immutable value that serialises to JSON without help, so the
CLI, the service and the report writers all read the same thing.

>>> r = CheckResult("spec.name-unchanged", Severity.BLOCKER, State.PASS, "Name is kept")
>>> r.blocks, r.to_dict()["state"]
(False, 'pass')
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

__all__ = [
    "ChangeKind",
    "CheckResult",
    "Classification",
    "Evidence",
    "Review",
    "Risk",
    "RiskFactor",
    "Rule",
    "Severity",
    "State",
    "Verdict",
]


class Severity(StrEnum):
    """How much a failed result weighs: a blocker stops the merge, a note only informs."""

    BLOCKER = "blocker"
    WARNING = "warning"
    NOTE = "note"


class State(StrEnum):
    """A result's state; ``undecided`` means a human has to look."""

    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "not-applicable"
    UNDECIDED = "undecided"


class ChangeKind(StrEnum):
    """What a change to a package is, decided before any check runs."""

    VERSION_UPGRADE = "version-upgrade"
    BACKPORTED_FIX = "backported-fix"
    PACKAGING_ONLY = "packaging-only"
    NEW_PACKAGE = "new-package"
    REMOVAL = "removal"
    MIXED = "mixed"


class Verdict(StrEnum):
    APPROVE = "approve"
    COMMENT = "comment"
    REQUEST_CHANGES = "request-changes"


@dataclass(frozen=True, slots=True)
class Rule:
    """One thing a check decides: a stable ``id``, its severity and what to do when it fails."""

    id: str
    severity: Severity
    title: str
    help: str


@dataclass(frozen=True, slots=True)
class Evidence:
    """What a result was decided on: a file and line, or a command and its output, or a value."""

    file: str | None = None
    line: int | None = None
    command: str | None = None
    output: str | None = None
    value: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in _fields(self).items() if v is not None}

    def describe(self) -> str:
        """``pkg.spec:12`` / ``$ patch -p1 …`` / the value: one line for a report."""
        parts: list[str] = []
        if self.file:
            parts.append(f"{self.file}:{self.line}" if self.line else self.file)
        if self.command:
            parts.append(f"$ {self.command}")
        if self.value:
            parts.append(self.value)
        return " · ".join(parts)


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One rule's answer about one thing (a patch, a file, the spec) in a change.

    ``waived`` holds the reason of the repository waiver that covers a failed result; a
    waived result stays in the report and no longer counts towards the verdict.
    """

    id: str
    severity: Severity
    state: State
    message: str
    evidence: tuple[Evidence, ...] = ()
    subject: str | None = None  # what the result is about: a file name, a CVE, a value
    waived: str | None = None

    @property
    def failed(self) -> bool:
        return self.state is State.FAIL and self.waived is None

    @property
    def blocks(self) -> bool:
        return self.failed and self.severity is Severity.BLOCKER

    @property
    def check(self) -> str:
        """The check module the result comes from: ``spec`` for ``spec.evr-forward``."""
        return self.id.split(".", 1)[0]

    def waive(self, reason: str) -> CheckResult:
        return replace(self, waived=reason)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "severity": self.severity.value,
            "state": self.state.value,
            "message": self.message,
            "evidence": [e.to_dict() for e in self.evidence],
        }
        if self.subject is not None:
            out["subject"] = self.subject
        if self.waived is not None:
            out["waived"] = self.waived
        return out


@dataclass(frozen=True, slots=True)
class Classification:
    """The change's kind and why: ``version-upgrade`` because ``Version 1.0 → 1.1``."""

    kind: ChangeKind
    reasons: tuple[str, ...]
    old_evr: str | None = None
    new_evr: str | None = None
    cves: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "reasons": list(self.reasons),
            "old_evr": self.old_evr,
            "new_evr": self.new_evr,
            "cves": list(self.cves),
        }


@dataclass(frozen=True, slots=True)
class RiskFactor:
    """One thing that raised the risk score, with how much."""

    points: int
    reason: str
    result_id: str | None = None


@dataclass(frozen=True, slots=True)
class Risk:
    """A 0–100 score that explains itself: the sum of its factors, capped at 100."""

    score: int
    level: str  # low / medium / high
    factors: tuple[RiskFactor, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "level": self.level,
            "factors": [
                {"points": f.points, "reason": f.reason, "result": f.result_id}
                for f in self.factors
            ],
        }


@dataclass(frozen=True, slots=True)
class Review:
    """A whole review: what changed, every result, the verdict and the risk."""

    package: str
    classification: Classification
    results: tuple[CheckResult, ...]
    verdict: Verdict
    verdict_reason: str
    risk: Risk
    rules: tuple[Rule, ...] = ()
    duration_seconds: float = 0.0
    notes: tuple[str, ...] = field(default=())
    checklist: tuple[Any, ...] = ()  # steward.review.checklist.ChecklistAnswer values

    def by_state(self, state: State) -> list[CheckResult]:
        return [r for r in self.results if r.state is state and r.waived is None]

    @property
    def blockers(self) -> list[CheckResult]:
        return [r for r in self.results if r.blocks]

    @property
    def waived(self) -> list[CheckResult]:
        return [r for r in self.results if r.waived is not None]


def _fields(value: Evidence) -> dict[str, Any]:
    return {
        "file": value.file,
        "line": value.line,
        "command": value.command,
        "output": value.output,
        "value": value.value,
    }
