"""spec: the new spec parses as well as the old one, keeps its name, moves its EVR forward,
resets the release on a new version and carries a well-formed ``%changelog`` entry for it."""

from __future__ import annotations

import re

from steward.review.checks.base import Rules, rule
from steward.review.context import ReviewContext, Side
from steward.review.model import CheckResult, Evidence, Severity, State
from steward.rpm.changelog import parse_changelog
from steward.rpm.model import ChangelogEntry
from steward.rpm.version import compare_evr

__all__ = ["RULES", "run"]

_R = Rules(
    rule("spec.parses", Severity.WARNING, "The spec parses without new diagnostics",
         "Fix what the new diagnostics name; they were not there before the change."),
    rule("spec.name-unchanged", Severity.BLOCKER, "Name: is unchanged",
         "Keep Name: as it was; renaming a package is a new package plus an Obsoletes."),
    rule("spec.evr-forward", Severity.BLOCKER, "The EVR moves forward in rpm order",
         "Raise Release: (or Version:); users only update to a higher epoch:version-release."),
    rule("spec.release-reset", Severity.WARNING, "Release is reset on a new version",
         "Set Release: back to 1 when Version: changes."),
    rule("spec.changelog-entry", Severity.BLOCKER, "%changelog has an entry for the new EVR",
         "Add a %changelog entry at the top naming the new version-release."),
    rule("spec.changelog-date", Severity.WARNING, "The new entry is dated in order",
         "Date the entry today (not in the future, not before the previous entry)."),
    rule("spec.changelog-author", Severity.WARNING, "The new entry has a well-formed author",
         "Write the header as '* Day Mon DD YYYY Name <email> - version-release'."),
    rule("spec.changelog-format", Severity.WARNING, "The entry follows the distribution's format",
         "openEuler entries read '- Type:bugfix ID:NA SUG:NA DESC:what changed'."),
    rule("spec.check-section", Severity.NOTE, "%check is present or its absence explained",
         "Add a %check section that runs the tests, or a comment saying why there is none."),
)
RULES = _R.all

_OPENEULER_ITEM = re.compile(r"^-\s*Type:\s*\S+\s+ID:\s*\S+\s+SUG:\s*\S+\s+DESC:\s*\S")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_EXPLAINED_NO_CHECK = re.compile(r"^\s*#.*\b(check|tests?)\b", re.IGNORECASE | re.MULTILINE)


def run(ctx: ReviewContext) -> list[CheckResult]:
    after, before = ctx.after, ctx.before
    if after is None:
        return [_R.result(r.id, State.NOT_APPLICABLE, "the package is removed") for r in RULES]
    out = [_parses(before, after), _name(before, after), _evr(ctx, before, after)]
    out.append(_release_reset(ctx, after))
    out += _changelog(ctx, before, after)
    out.append(_check_section(after))
    return out


def _where(side: Side, line: int | None) -> Evidence:
    return Evidence(file=side.spec_file, line=line)


def _parses(before: Side | None, after: Side) -> CheckResult:
    def keys(side: Side | None) -> set[tuple[str, str]]:
        if side is None:
            return set()
        found = {(d.code, d.message) for d in side.spec.diagnostics if d.severity != "info"}
        spec_path = side.record.spec_path
        # Problems of other files (the YAML, the folder) are the files check's.
        return found | {
            (p.code, p.message)
            for p in side.record.problems
            if p.severity != "info" and p.path in (None, spec_path)
        }

    new = keys(after) - keys(before)
    if not new:
        return _R.result("spec.parses", State.PASS, "no new parser diagnostics")
    errors = {d.code for d in after.spec.diagnostics if d.severity == "error"}
    errors |= {p.code for p in after.record.problems if p.severity == "error"}
    severity = Severity.BLOCKER if any(code in errors for code, _ in new) else None
    lines = {d.message: d.line for d in after.spec.diagnostics}
    evidence = [_where(after, lines.get(message)) for _, message in sorted(new)][:10]
    text = "; ".join(f"{message} [{code}]" for code, message in sorted(new))
    return _R.result(
        "spec.parses", State.FAIL, f"new diagnostics: {text}", evidence, severity=severity
    )


def _name(before: Side | None, after: Side) -> CheckResult:
    if before is None:
        return _R.result("spec.name-unchanged", State.NOT_APPLICABLE, "a new package")
    if before.spec.name == after.spec.name:
        return _R.result("spec.name-unchanged", State.PASS, f"Name: {after.spec.name}")
    tag = after.spec.tag("Name")
    return _R.result(
        "spec.name-unchanged",
        State.FAIL,
        f"Name: changed from {before.spec.name} to {after.spec.name}",
        [_where(after, tag.line if tag else None)],
        subject=after.spec.name,
    )


def _evr(ctx: ReviewContext, before: Side | None, after: Side) -> CheckResult:
    if before is None:
        return _R.result("spec.evr-forward", State.NOT_APPLICABLE, "a new package")
    old, new = before.spec.evr, after.spec.evr
    order = compare_evr(new, old)
    if order == 0 and not ctx.rebuild_needed:
        return _R.result("spec.evr-forward", State.NOT_APPLICABLE,
                         "only the %changelog or comments changed: nothing is rebuilt")
    tag = after.spec.tag("Release")
    evidence = [_where(after, tag.line if tag else None), Evidence(value=f"{old} → {new}")]
    if order > 0:
        return _R.result("spec.evr-forward", State.PASS, f"{old} → {new}", evidence)
    word = "is the same as" if order == 0 else "is lower than"
    return _R.result(
        "spec.evr-forward", State.FAIL, f"the new EVR {new} {word} the old {old}", evidence
    )


def _release_number(side: Side) -> tuple[int | None, str]:
    tag = side.spec.tag("Release")
    raw = tag.raw if tag else (side.spec.release or "")
    if "%autorelease" in raw or "%{autorelease" in raw:
        return None, raw
    m = re.match(r"\s*(\d+)", side.spec.release or "")
    return (int(m.group(1)) if m else None), raw


def _release_reset(ctx: ReviewContext, after: Side) -> CheckResult:
    if not ctx.version_changed:
        return _R.result("spec.release-reset", State.NOT_APPLICABLE, "Version: is unchanged")
    number, raw = _release_number(after)
    tag = after.spec.tag("Release")
    evidence = [_where(after, tag.line if tag else None)]
    if number is None:
        if "autorelease" in raw:
            return _R.result("spec.release-reset", State.PASS, "%autorelease resets itself")
        return _R.result(
            "spec.release-reset", State.UNDECIDED, f"cannot read Release: {raw}", evidence
        )
    if number <= 1:
        return _R.result("spec.release-reset", State.PASS, f"Release: {raw}", evidence)
    return _R.result(
        "spec.release-reset",
        State.FAIL,
        f"Version: changed but Release: is {raw}, not reset to 1",
        evidence,
        subject=raw,
    )


def _bare_evr(side: Side) -> tuple[str, str]:
    """Version and release as a changelog names them: no epoch, no dist tag."""
    release = side.spec.release or ""
    macros = side.spec.macros
    dist = macros.expand("%{?dist}") if macros is not None else ""
    if dist and release.endswith(dist):
        release = release[: -len(dist)]
    return side.spec.version or "", release


def _names_evr(entry: ChangelogEntry, side: Side) -> bool:
    if not entry.evr:
        return False
    evr = entry.evr.split(":", 1)[-1]
    version, release = _bare_evr(side)
    tag = side.spec.tag("Release")
    if tag is not None and "autorelease" in tag.raw:
        return evr == version or evr.startswith(f"{version}-")
    return evr in (f"{version}-{release}", f"{version}-{side.spec.release}")


def _changelog(ctx: ReviewContext, before: Side | None, after: Side) -> list[CheckResult]:
    ids = ("spec.changelog-entry", "spec.changelog-date", "spec.changelog-author",
           "spec.changelog-format")
    section = after.spec.section("changelog")
    if section is not None and section.args.strip().startswith("%autochangelog"):
        return [_R.result(i, State.NOT_APPLICABLE, "%autochangelog writes it") for i in ids]
    entries = after.spec.changelog
    top = entries[0] if entries else None
    old_top = before.spec.changelog[0] if before and before.spec.changelog else None
    if old_top is not None and top is not None and top.header == old_top.header and (
        not ctx.rebuild_needed
    ):
        return [_R.result(i, State.NOT_APPLICABLE, "only the %changelog or comments changed")
                for i in ids]
    if top is None or (old_top is not None and top.header == old_top.header):
        where = [_where(after, section.start_line if section else None)]
        missing = _R.result(
            "spec.changelog-entry",
            State.FAIL,
            f"no new %changelog entry for {after.spec.version}-{_bare_evr(after)[1]}",
            where,
        )
        rest = [_R.result(i, State.NOT_APPLICABLE, "there is no new entry") for i in ids[1:]]
        return [missing, *rest]
    here = [_where(after, top.line)]
    out = []
    if _names_evr(top, after):
        out.append(_R.result("spec.changelog-entry", State.PASS, top.header, here))
    else:
        version, release = _bare_evr(after)
        out.append(
            _R.result(
                "spec.changelog-entry",
                State.FAIL,
                f"the new entry names {top.evr or 'no EVR'}, the spec is {version}-{release}",
                here,
                subject=top.evr,
            )
        )
    out.append(_date(ctx, top, old_top, here))
    out.append(_author(top, here))
    out.append(_format(before, top, here))
    return out


def _date(
    ctx: ReviewContext, top: ChangelogEntry, old_top: ChangelogEntry | None, here: list[Evidence]
) -> CheckResult:
    _, problems = parse_changelog([(top.line, top.header)])
    dated = [p for p in problems if p.code == "changelog-date"]
    if top.date is None or dated:
        why = dated[0].message if dated else "the header has no date"
        return _R.result("spec.changelog-date", State.FAIL, why, here)
    if old_top is not None and old_top.date is not None and top.date < old_top.date:
        return _R.result(
            "spec.changelog-date",
            State.FAIL,
            f"dated {top.date}, before the previous entry ({old_top.date})",
            here,
        )
    if (top.date - ctx.today).days > 1:
        return _R.result(
            "spec.changelog-date", State.FAIL, f"dated {top.date}, in the future", here
        )
    return _R.result("spec.changelog-date", State.PASS, f"dated {top.date}", here)


def _author(top: ChangelogEntry, here: list[Evidence]) -> CheckResult:
    if not top.author:
        return _R.result("spec.changelog-author", State.FAIL, "the header names no author", here)
    if top.email is None or not _EMAIL.match(top.email):
        return _R.result(
            "spec.changelog-author",
            State.FAIL,
            f"the author {top.author!r} has no valid <email>",
            here,
        )
    return _R.result("spec.changelog-author", State.PASS, f"{top.author} <{top.email}>", here)


def _format(before: Side | None, top: ChangelogEntry, here: list[Evidence]) -> CheckResult:
    items = [line for line in top.lines if line.strip().startswith("-")]
    if not items:
        return _R.result("spec.changelog-format", State.FAIL, "the entry has no '- ' item", here)
    history = before.spec.changelog if before else []
    openeuler = any(
        _OPENEULER_ITEM.match(line.strip()) for entry in history for line in entry.lines
    )
    if not openeuler:
        return _R.result("spec.changelog-format", State.PASS, "'- item' lines", here)
    bad = [line for line in items if not _OPENEULER_ITEM.match(line.strip())]
    if bad:
        return _R.result(
            "spec.changelog-format",
            State.FAIL,
            f"openEuler format expected (- Type:… ID:… SUG:… DESC:…), got {bad[0].strip()!r}",
            here,
        )
    return _R.result("spec.changelog-format", State.PASS, "openEuler - Type: ID: SUG: DESC:", here)


def _check_section(after: Side) -> CheckResult:
    section = after.spec.section("check")
    if section is not None:
        where = [_where(after, section.start_line)]
        return _R.result("spec.check-section", State.PASS, "%check is present", where)
    if _EXPLAINED_NO_CHECK.search("\n".join(after.spec.lines)):
        return _R.result("spec.check-section", State.PASS, "a comment explains the tests")
    return _R.result(
        "spec.check-section", State.FAIL, "no %check section and no comment explaining why"
    )
