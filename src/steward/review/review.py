"""The library call every front end wraps: :func:`review_change` of two package folders.

>>> review = review_change(before_dir, after_dir)            # doctest: +SKIP
>>> review.verdict, review.risk.score, [r.id for r in review.blockers]   # doctest: +SKIP
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from steward.review import waivers as _waivers
from steward.review.checklist import answer_checklist
from steward.review.checks import CHECK_MODULES, load_checks
from steward.review.classify import classify
from steward.review.context import ReviewContext, ReviewOptions
from steward.review.model import CheckResult, Evidence, Review, Rule, Severity, State
from steward.review.verdict import decide, risk

__all__ = ["CRASH_RULE", "all_rules", "review_change"]

logger = logging.getLogger(__name__)

#: The result a check gets when it raised: a human must look, the review goes on.
CRASH_RULE = Rule(
    "review.check-crashed",
    Severity.WARNING,
    "A check could not finish",
    "Report this as a Steward bug with the evidence; review what the check covers by hand.",
)


def all_rules(checks: tuple[str, ...] = CHECK_MODULES) -> tuple[Rule, ...]:
    """Every rule the given checks (and the waivers) can report, in report order."""
    rules = [r for check in load_checks(checks) for r in check.RULES]
    return (*rules, *_waivers.RULES, CRASH_RULE)


def review_change(
    before: Path | None,
    after: Path | None,
    options: ReviewOptions | None = None,
    *,
    checks: tuple[str, ...] = CHECK_MODULES,
) -> Review:
    """Review the change from package folder ``before`` to ``after``.

    ``before`` is ``None`` for a new package, ``after`` ``None`` for a removal. Raises
    :class:`ValueError` when a folder is not a readable package; every check problem after
    that becomes a result instead.
    """
    if before is None and after is None:
        raise ValueError("a review needs at least one side (before or after)")
    options = options or ReviewOptions()
    started = time.monotonic()
    with ReviewContext.open(before, after, options) as ctx:
        classification = classify(ctx)
        results: list[CheckResult] = []
        for check in load_checks(checks):
            try:
                results += check.run(ctx)
            except Exception as exc:  # one broken check never sinks the review
                name = getattr(check, "__name__", "?").rsplit(".", 1)[-1]
                logger.exception("review check %s failed", name)
                results.append(
                    CheckResult(
                        CRASH_RULE.id,
                        CRASH_RULE.severity,
                        State.UNDECIDED,
                        f"check {name} raised {type(exc).__name__}: {exc}",
                        (Evidence(value=repr(exc)[:500]),),
                        subject=name,
                    )
                )
        results = _waive(ctx, results)
        checklist = answer_checklist(ctx, results)
    verdict, reason = decide(results)
    return Review(
        package=ctx.name,
        classification=classification,
        results=tuple(results),
        verdict=verdict,
        verdict_reason=reason,
        risk=risk(classification, results),
        rules=all_rules(checks),
        duration_seconds=round(time.monotonic() - started, 3),
        checklist=tuple(checklist),
    )


def _waive(ctx: ReviewContext, results: list[CheckResult]) -> list[CheckResult]:
    if ctx.after is None:
        return results
    try:
        current = _waivers.load_waivers(ctx.after.folder)
    except _waivers.WaiverError as exc:
        return [*results, _waivers.invalid_waivers(exc)]
    earlier: list[_waivers.Waiver] = []
    if ctx.before is not None:
        try:
            earlier = _waivers.load_waivers(ctx.before.folder)
        except _waivers.WaiverError:
            earlier = []
    return _waivers.apply_waivers(results, current, ctx.today, earlier=earlier)
