"""claims: what the new changelog entry and the pull request's text say is what the change
does. "Update to X" needs Version X; "Fix CVE-X" needs a patch naming it or a version at or
past the first fixed release the advisories name; a dropped patch needs a reason."""

from __future__ import annotations

import re

from steward.review.checks.base import Rules, rule
from steward.review.checks.patches import patch_header
from steward.review.classify import dropped_patches, find_cves
from steward.review.context import ReviewContext, Side, SourceTreeError
from steward.review.model import CheckResult, Evidence, Severity, State
from steward.rpm.version import rpmvercmp
from steward.upgrade.model import PatchVerdict

__all__ = ["RULES", "claimed_versions", "run"]

_R = Rules(
    rule("claims.version", Severity.BLOCKER, "'Update to X' matches Version: X",
         "Make Version: what the changelog or PR says, or correct the text."),
    rule("claims.cve-fixed", Severity.BLOCKER, "A claimed CVE fix is in the change",
         "Add the upstream fix as a patch named after the CVE, or upgrade to a fixed version."),
    rule("claims.dropped-patch", Severity.WARNING, "A dropped patch has a reason",
         "Say in the changelog why the patch is dropped (upstreamed, obsolete, ...)."),
)
RULES = _R.all

_UPDATE = re.compile(
    r"\b(?:update|upgrade|bump|rebase)[ds]?(?:\s+\S+)?\s+to\s+(?:version\s+)?v?"
    r"(?P<version>\d[\w.~^+]*\w)",
    re.IGNORECASE,
)


def claimed_versions(text: str) -> list[str]:
    """``"Update to 1.2.3"`` → ``["1.2.3"]``: the versions ``text`` says it updates to."""
    return list(dict.fromkeys(m["version"] for m in _UPDATE.finditer(text)))


def run(ctx: ReviewContext) -> list[CheckResult]:
    after = ctx.after
    if after is None:
        return [_R.result(r.id, State.NOT_APPLICABLE, "the package is removed") for r in RULES]
    text = ctx.claims_text()
    evidence = [Evidence(file=after.spec_file, value=text[:300])] if text else []
    return [*_versions(after, text, evidence), *_cves(ctx, after, text, evidence),
            *_dropped(ctx, text)]


def _versions(after: Side, text: str, evidence: list[Evidence]) -> list[CheckResult]:
    claimed = claimed_versions(text)
    if not claimed:
        return [_R.result("claims.version", State.NOT_APPLICABLE, "no 'update to' claim")]
    version = after.spec.version or ""
    out = []
    for v in claimed:
        if v == version:
            out.append(_R.result("claims.version", State.PASS, f"claims {v}, Version: {version}",
                                 evidence, subject=v))
        else:
            out.append(_R.result("claims.version", State.FAIL,
                                 f"claims an update to {v} but Version: is {version}",
                                 evidence, subject=v))
    return out


def _cves(ctx: ReviewContext, after: Side, text: str, ev: list[Evidence]) -> list[CheckResult]:
    claimed = find_cves(text)
    if not claimed:
        return [_R.result("claims.cve-fixed", State.NOT_APPLICABLE, "no CVE is claimed")]
    applied = {p.filename for p in after.spec.applied_patches}
    out = []
    for cve in claimed:
        patch = next(
            (p for p in sorted(applied) if cve in find_cves(f"{p} {patch_header(after, p)}")),
            None,
        )
        if patch is not None:
            out.append(_R.result("claims.cve-fixed", State.PASS, f"{cve}: fixed by {patch}",
                                 [*ev, Evidence(file=patch)], subject=cve))
            continue
        fixed = ctx.options.advisories.get(cve, ())
        version = after.spec.version or ""
        at_or_past = [f for f in fixed if rpmvercmp(version, f) >= 0]
        if at_or_past:
            out.append(_R.result("claims.cve-fixed", State.PASS,
                                 f"{cve}: Version {version} is at or past the fix in "
                                 f"{at_or_past[0]}",
                                 [*ev, Evidence(value=f"fixed in {', '.join(fixed)}")],
                                 subject=cve))
        elif fixed:
            out.append(_R.result("claims.cve-fixed", State.FAIL,
                                 f"{cve} is claimed but Version {version} is before the fix "
                                 f"({', '.join(fixed)}) and no applied patch names it",
                                 [*ev, Evidence(value=f"fixed in {', '.join(fixed)}")],
                                 subject=cve))
        elif ctx.version_changed:
            # A new version may well contain the fix; without advisory data nobody can say.
            out.append(_R.result("claims.cve-fixed", State.UNDECIDED,
                                 f"{cve} is claimed fixed by Version {version}; no patch names "
                                 "it and no advisory data says which release fixes it",
                                 ev, subject=cve))
        else:
            out.append(_R.result("claims.cve-fixed", State.FAIL,
                                 f"{cve} is claimed but no applied patch names it and the "
                                 "version is unchanged", ev, subject=cve))
    return out


def _dropped(ctx: ReviewContext, text: str) -> list[CheckResult]:
    dropped = dropped_patches(ctx)
    if not dropped:
        return [_R.result("claims.dropped-patch", State.NOT_APPLICABLE, "no patch is dropped")]
    upstream: set[str] = set()
    if ctx.version_changed:
        try:
            triage = ctx.triage("before", "after")
            upstream = {t.filename for t in triage if t.verdict is PatchVerdict.UPSTREAM}
        except SourceTreeError:
            pass
    out = []
    lowered = text.lower()
    for name in dropped:
        stem = re.sub(r"\.(patch|diff)(\.\w+)?$", "", name).lower()
        if name.lower() in lowered or stem in lowered:
            out.append(_R.result("claims.dropped-patch", State.PASS,
                                 f"{name} is dropped and the changelog says so",
                                 [Evidence(value=text[:300])], subject=name))
        elif name in upstream:
            out.append(_R.result("claims.dropped-patch", State.PASS,
                                 f"{name} is dropped: the new source already has it",
                                 [Evidence(file=name, command="patch -R --dry-run")],
                                 subject=name))
        else:
            out.append(_R.result("claims.dropped-patch", State.FAIL,
                                 f"{name} is dropped without a reason", [Evidence(file=name)],
                                 subject=name))
    return out
