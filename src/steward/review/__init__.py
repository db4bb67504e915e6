"""Reviewing a change to a package: classify it, run every check, decide, report.

>>> from steward.review import review_change, ReviewOptions   # doctest: +SKIP
>>> review = review_change(old_folder, new_folder, ReviewOptions())   # doctest: +SKIP

See ``docs/review.md`` for the checks, the waivers and the output formats.
"""

from __future__ import annotations

from steward.review.context import ReviewOptions
from steward.review.model import (
    ChangeKind,
    CheckResult,
    Classification,
    Evidence,
    Review,
    Risk,
    RiskFactor,
    Rule,
    Severity,
    State,
    Verdict,
)
from steward.review.review import all_rules, review_change

__all__ = [
    "ChangeKind",
    "CheckResult",
    "Classification",
    "Evidence",
    "Review",
    "ReviewOptions",
    "Risk",
    "RiskFactor",
    "Rule",
    "Severity",
    "State",
    "Verdict",
    "all_rules",
    "review_change",
]
