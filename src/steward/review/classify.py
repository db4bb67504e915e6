"""Classify a change before checking it: upgrade, backport, packaging-only, new, removal, mixed.

>>> find_cves("Fix CVE-2024-1234 and cve-2023-99999")
('CVE-2023-99999', 'CVE-2024-1234')
"""

from __future__ import annotations

import re

from steward.review.context import ReviewContext
from steward.review.model import ChangeKind, Classification

__all__ = ["added_patches", "classify", "dropped_patches", "find_cves"]

_CVE = re.compile(r"\bCVE-(\d{4})-(\d{4,})\b", re.IGNORECASE)


def find_cves(text: str) -> tuple[str, ...]:
    """The CVE ids named in ``text``, upper-cased, sorted, each once."""
    return tuple(sorted({f"CVE-{m[1]}-{m[2]}" for m in _CVE.finditer(text)}))


def added_patches(ctx: ReviewContext) -> list[str]:
    """File names of the patches the new spec declares and the old one did not."""
    if ctx.after is None:
        return []
    old = {p.filename for p in ctx.before.spec.patches} if ctx.before else set()
    return [p.filename for p in ctx.after.spec.patches if p.filename not in old]


def dropped_patches(ctx: ReviewContext) -> list[str]:
    """File names of the patches the old spec declared and the new one does not."""
    if ctx.before is None or ctx.after is None:
        return []
    new = {p.filename for p in ctx.after.spec.patches}
    return [p.filename for p in ctx.before.spec.patches if p.filename not in new]


def classify(ctx: ReviewContext) -> Classification:
    before, after = ctx.before, ctx.after
    old_evr = before.spec.evr if before else None
    new_evr = after.spec.evr if after else None
    added = added_patches(ctx)
    cves = find_cves(" ".join([ctx.claims_text(), *added]))
    if before is None:
        return Classification(ChangeKind.NEW_PACKAGE, ("there is no old package",), None, new_evr)
    if after is None:
        return Classification(ChangeKind.REMOVAL, ("the package is removed",), old_evr, None)
    reasons: list[str] = []
    if ctx.version_changed:
        reasons.append(f"Version {before.spec.version} → {after.spec.version}")
        kind = ChangeKind.VERSION_UPGRADE
        if added:
            reasons.append(f"and new patches: {', '.join(added)}")
            kind = ChangeKind.MIXED
    elif added:
        kind = ChangeKind.BACKPORTED_FIX
        what = f" for {', '.join(cves)}" if cves else ""
        reasons.append(f"new patches{what}: {', '.join(added)}")
    else:
        kind = ChangeKind.PACKAGING_ONLY
        reasons.append(f"Version {after.spec.version} kept and no patch added")
    return Classification(kind, tuple(reasons), old_evr, new_evr, cves)
