"""patches: every patch applies in ``%prep`` order at the spec's strip level (the upgrade's
own triage, run on the new source), each new patch says where it comes from or why, and a
backport names the CVE or bug it fixes."""

from __future__ import annotations

import re

from steward.review.checks.base import Rules, rule
from steward.review.classify import added_patches, classify, find_cves
from steward.review.context import ReviewContext, Side, SourceTreeError
from steward.review.model import ChangeKind, CheckResult, Evidence, Severity, State
from steward.upgrade.model import PatchVerdict

__all__ = ["RULES", "patch_header", "run"]

_R = Rules(
    rule("patches.apply", Severity.BLOCKER, "Every patch applies in %prep order",
         "Rebase the patch on the new source (or drop it if it is upstream)."),
    rule("patches.header", Severity.WARNING, "Every new patch says where it comes from",
         "Start the patch with its upstream commit or URL, or a line saying why it exists."),
    rule("patches.backport-id", Severity.WARNING, "A backport names the CVE or bug it fixes",
         "Name the CVE (CVE-YYYY-NNNN) or bug in the patch's file name or header."),
)
RULES = _R.all

_VERDICT_STATE = {
    PatchVerdict.APPLIES: (State.PASS, None, "applies cleanly"),
    PatchVerdict.APPLIES_WITH_FUZZ: (State.FAIL, Severity.WARNING, "applies only with fuzz or "
                                     "an offset: refresh it"),
    PatchVerdict.APPLIES_WITH_OFFSET: (State.FAIL, Severity.NOTE, "applies with an offset: "
                                       "refresh it some time"),
    PatchVerdict.UPSTREAM: (State.FAIL, Severity.WARNING, "is already in the new source: drop it"),
    PatchVerdict.PROBABLY_UPSTREAM: (State.FAIL, Severity.WARNING, "is probably already in the "
                                     "new source: check and drop it"),
    PatchVerdict.CONFLICT: (State.FAIL, None, "does not apply"),
    PatchVerdict.NOT_APPLIED: (State.FAIL, Severity.WARNING, "is declared but never applied"),
}
_REFERENCE = re.compile(
    r"https?://\S+|\b[0-9a-f]{7,40}\b|^(Upstream|Upstream-Status|Origin|Reason|Subject|Bug|"
    r"Backport|Applied-Upstream|Forwarded)\s*:\s*\S",
    re.IGNORECASE | re.MULTILINE,
)
_BUG_ID = re.compile(r"\b(CVE-\d{4}-\d{4,}|bz#?\d+|bug[ #:-]*\d+|issue[ #:-]*\d+|#\d{2,}|"
                     r"I[0-9A-Z]{5})\b", re.IGNORECASE)
_COMMIT = re.compile(r"^From [0-9a-f]{40} |\bcommit [0-9a-f]{7,40}\b|/commit/[0-9a-f]{7,40}",
                     re.MULTILINE | re.IGNORECASE)
_DIFF_START = re.compile(r"^(--- |diff |Index: |\+\+\+ )", re.MULTILINE)
_HEADER_BYTES = 16384
_FUZZ_USED = re.compile(r"with fuzz [1-9]")


def patch_header(side: Side, filename: str) -> str:
    """The text of a patch before its first diff line (its description)."""
    path = side.folder / filename
    if filename not in side.files or path.is_symlink() or not path.is_file():
        return ""
    with path.open("rb") as handle:
        text = handle.read(_HEADER_BYTES).decode("utf-8", errors="replace")
    m = _DIFF_START.search(text)
    return text[: m.start()] if m else text


def run(ctx: ReviewContext) -> list[CheckResult]:
    after = ctx.after
    if after is None or not after.spec.patches:
        why = "the package is removed" if after is None else "the spec has no patches"
        return [_R.result(r.id, State.NOT_APPLICABLE, why) for r in RULES]
    return [*_apply(ctx, after), *_headers(ctx, after)]


def _apply(ctx: ReviewContext, after: Side) -> list[CheckResult]:
    try:
        triage = ctx.triage("after", "after")
    except SourceTreeError as exc:
        return [_R.result("patches.apply", State.UNDECIDED, f"patches not tried: {exc}")]
    out = []
    for t in triage:
        # A verdict the triage learns later is put to a human rather than guessed at.
        state, severity, words = _VERDICT_STATE.get(
            t.verdict, (State.UNDECIDED, None, f"got the triage verdict {t.verdict.value}")
        )
        if t.verdict is PatchVerdict.APPLIES_WITH_FUZZ:
            severity, words = _fuzz_severity(t.evidence)
        strip = "basename" if t.strip < 0 else f"-p{t.strip}"
        out.append(
            _R.result(
                "patches.apply",
                state,
                f"Patch{t.number} {t.filename} {words} ({strip})",
                [Evidence(file=t.filename, command=f"patch {strip}", output=t.evidence[-2000:])],
                subject=t.filename,
                severity=severity,
            )
        )
    return out


def _fuzz_severity(evidence: str) -> tuple[Severity, str]:
    """rpm applies patches at fuzz 0 by default: what the triage's fuzz means for the build."""
    if "rpmbuild would fail" in evidence:
        return Severity.BLOCKER, "needs more fuzz than rpm allows: rpmbuild fails, rebase it"
    if _FUZZ_USED.search(evidence):
        return Severity.WARNING, "applies with fuzz (the spec allows it): refresh it"
    return Severity.NOTE, "applies with an offset: refresh it some time"


def _headers(ctx: ReviewContext, after: Side) -> list[CheckResult]:
    added = added_patches(ctx)
    if not added:
        return [
            _R.result(i, State.NOT_APPLICABLE, "no patch is added")
            for i in ("patches.header", "patches.backport-id")
        ]
    backport = ctx.before is not None and classification_is_backport(ctx)
    out = []
    for name in added:
        header = patch_header(after, name)
        evidence = [Evidence(file=name, line=1, value=header.strip()[:300] or "(no header)")]
        if _REFERENCE.search(header):
            out.append(_R.result("patches.header", State.PASS, f"{name} says where it is from",
                                 evidence, subject=name))
        else:
            out.append(_R.result("patches.header", State.FAIL,
                                 f"{name} has no upstream reference or reason in its header",
                                 evidence, subject=name))
        if not backport:
            continue
        if _BUG_ID.search(name) or _BUG_ID.search(header):
            ids = find_cves(f"{name} {header}")
            what = ", ".join(ids) if ids else "a bug id"
            out.append(_R.result("patches.backport-id", State.PASS, f"{name} names {what}",
                                 evidence, subject=name))
        else:
            # An upstream commit reference keeps the fix traceable: then only a note.
            traced = _COMMIT.search(header) is not None
            out.append(_R.result("patches.backport-id", State.FAIL,
                                 f"{name} is a backport but names no CVE or bug"
                                 + (" (it does name its upstream commit)" if traced else ""),
                                 evidence, subject=name,
                                 severity=Severity.NOTE if traced else None))
    if not backport:
        out.append(_R.result("patches.backport-id", State.NOT_APPLICABLE, "not a backport"))
    return out


def classification_is_backport(ctx: ReviewContext) -> bool:
    """True when the change keeps the version and adds patches (or mixes both)."""
    return classify(ctx).kind in (ChangeKind.BACKPORTED_FIX, ChangeKind.MIXED)
