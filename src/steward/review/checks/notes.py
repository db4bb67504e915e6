"""notes: the upstream's release notes between the old and the new version (NEWS, ChangeLog,
CHANGES, RELEASE-NOTES in the new tarball), with security fixes, breaking changes and
deprecations pulled out and quoted with their file and line."""

from __future__ import annotations

import re
from pathlib import Path

from steward.review.checks.base import Rules, rule
from steward.review.context import ReviewContext, SourceTreeError
from steward.review.model import CheckResult, Evidence, Severity, State

__all__ = ["RULES", "notes_between", "run"]

_R = Rules(
    rule("notes.release-notes", Severity.NOTE, "Upstream release notes are read",
         "Read the upstream's notes for the versions this upgrade skips over."),
    rule("notes.security", Severity.NOTE, "Security fixes upstream are named",
         "Name the CVEs the new version fixes in the changelog, so advisories can be closed."),
    rule("notes.breaking", Severity.WARNING, "Breaking changes upstream are looked at",
         "Check the packages that depend on this one against each breaking change quoted."),
)
RULES = _R.all

_NOTES_FILE = re.compile(r"^(NEWS|CHANGES|CHANGELOG|ChangeLog|HISTORY|RELEASE[-_]?NOTES)"
                         r"(\.(md|rst|txt|adoc))?$", re.IGNORECASE)
_SECURITY = re.compile(r"\bCVE-\d{4}-\d{4,}\b|\bsecurity\b|\bvulnerab", re.IGNORECASE)
_BREAKING = re.compile(r"\bbreaking\b|\bincompatib|\bremoved?\b.*\b(api|function|option|"
                       r"support)\b|\bno longer\b|\bdeprecat", re.IGNORECASE)
_MAX_BYTES = 4 * 1024 * 1024
_MAX_QUOTES = 10


def _mentions(line: str, version: str) -> bool:
    return re.search(rf"(?<![\w.]){re.escape(version)}(?![\w]|\.\d)", line) is not None


def notes_between(text: str, old: str, new: str) -> tuple[int, list[str]] | None:
    """The lines of a notes file from the first one naming ``new`` to the first one after it
    naming ``old`` (newest-first files, as NEWS files are): ``(first line number, lines)``."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if _mentions(line, new)), None)
    if start is None:
        return None
    end = next((i for i in range(start + 1, len(lines)) if _mentions(lines[i], old)),
               min(len(lines), start + 400))
    return start + 1, lines[start:end]


def run(ctx: ReviewContext) -> list[CheckResult]:
    if not ctx.version_changed or ctx.before is None or ctx.after is None:
        return [_R.result(r.id, State.NOT_APPLICABLE, "not a version upgrade") for r in RULES]
    old, new = ctx.before.spec.version or "", ctx.after.spec.version or ""
    try:
        root = ctx.source_tree("after")
    except SourceTreeError as exc:
        return [_R.result("notes.release-notes", State.UNDECIDED, f"not read: {exc}")]
    found: list[tuple[str, int, list[str]]] = []
    for path in sorted(root.iterdir()):
        if _NOTES_FILE.match(path.name) and path.is_file() and not path.is_symlink():
            section = notes_between(_read(path), old, new)
            if section is not None:
                found.append((path.name, section[0], section[1]))
    if not found:
        return [_R.result("notes.release-notes", State.NOT_APPLICABLE,
                          f"no NEWS/ChangeLog in the tarball names {new}")]
    out = [_R.result("notes.release-notes", State.PASS,
                     f"{name}: {len(lines)} lines of notes from {new} back to {old}",
                     [Evidence(file=name, line=first, value="\n".join(lines[:20]))], subject=name)
           for name, first, lines in found]
    security = _quotes(found, _SECURITY)
    breaking = _quotes(found, _BREAKING)
    if security:
        out.append(_R.result("notes.security", State.PASS,
                             f"upstream names {len(security)} security fix line(s): "
                             + " | ".join(e.value or "" for e in security[:3]), security))
    if breaking:
        out.append(_R.result("notes.breaking", State.UNDECIDED,
                             f"upstream names {len(breaking)} breaking or deprecating change(s): "
                             + " | ".join(e.value or "" for e in breaking[:3]), breaking))
    return out


def _read(path: Path) -> str:
    with path.open("rb") as handle:
        return handle.read(_MAX_BYTES).decode("utf-8", errors="replace")


def _quotes(found: list[tuple[str, int, list[str]]], pattern: re.Pattern[str]) -> list[Evidence]:
    quotes = []
    for name, first, lines in found:
        for offset, line in enumerate(lines):
            if pattern.search(line):
                quotes.append(Evidence(file=name, line=first + offset, value=line.strip()[:200]))
    return quotes[:_MAX_QUOTES]
