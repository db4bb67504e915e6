"""``%changelog`` entries: parsing them and writing new ones in a distribution's format.

>>> entries, problems = parse_changelog([
...     (10, "* Tue Mar 05 2024 Jane Doe <jane@example.org> - 1.2-3"),
...     (11, "- Type:bugfix ID:NA SUG:NA DESC:fix the build"),
... ])
>>> entries[0].author, entries[0].email, entries[0].evr, str(entries[0].date)
('Jane Doe', 'jane@example.org', '1.2-3', '2024-03-05')
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable, Sequence

from steward.rpm.model import ChangelogEntry, Diagnostic

__all__ = ["format_entry", "format_header", "parse_changelog"]

_MONTHS = {
    m: i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
_HEADER = re.compile(
    r"^\*\s+(?P<dow>\w{3})\s+(?P<mon>\w{3})\s+(?P<day>\d{1,2})\s+"
    r"(?:(?P<time>\d{1,2}:\d{2}:\d{2})\s+(?:[A-Z]{3,4}\s+)?)?(?P<year>\d{4})\s*(?P<rest>.*)$"
)
_WHO = re.compile(r"^(?P<author>[^<]*?)\s*(?:<(?P<email>[^>]*)>)?\s*(?:-\s*)?(?P<evr>\S*)\s*$")


def parse_changelog(
    lines: Iterable[tuple[int, str]],
) -> tuple[list[ChangelogEntry], list[Diagnostic]]:
    """Parse ``(line number, text)`` pairs of a ``%changelog`` section."""
    entries: list[ChangelogEntry] = []
    problems: list[Diagnostic] = []
    header: tuple[int, str, _dt.date | None, str, str | None, str | None] | None = None
    body: list[str] = []

    def flush() -> None:
        if header is not None:
            number, text, date, author, email, evr = header
            while body and not body[-1].strip():
                body.pop()
            entries.append(ChangelogEntry(date, author, email, evr, tuple(body), number, text))

    for number, raw in lines:
        text = raw.rstrip("\r\n").replace("%%", "%")
        if text.startswith("*"):
            flush()
            body = []
            header = _parse_header(number, text, problems)
        elif header is None:
            if text.strip():
                problems.append(
                    Diagnostic(number, "warning", "changelog-format", "text before first entry")
                )
        else:
            body.append(text)
    flush()
    return entries, problems


def _parse_header(
    number: int, text: str, problems: list[Diagnostic]
) -> tuple[int, str, _dt.date | None, str, str | None, str | None]:
    m = _HEADER.match(text)
    if not m:
        problems.append(
            Diagnostic(number, "warning", "changelog-format", f"bad entry header {text[:60]!r}")
        )
        return (number, text, None, text.lstrip("* ").strip(), None, None)
    date: _dt.date | None = None
    month = _MONTHS.get(m["mon"])
    try:
        if month is None:
            raise ValueError(m["mon"])
        date = _dt.date(int(m["year"]), month, int(m["day"]))
    except ValueError:
        problems.append(Diagnostic(number, "warning", "changelog-date", f"bad date in {text!r}"))
    if date is not None and date.strftime("%a") != m["dow"]:
        problems.append(
            Diagnostic(
                number,
                "warning",
                "changelog-date",
                f"{m['dow']} is wrong for {date.isoformat()} (it is a {date.strftime('%a')})",
            )
        )
    who = _WHO.match(m["rest"])
    if who is None:
        return (number, text, date, m["rest"].strip(), None, None)
    evr = who["evr"] or None
    author = who["author"].strip()
    if who["email"] is None and evr and not re.match(r"^\d", evr):
        # "* ... Jane Doe" without email: the "evr" is really the last word of the name.
        author, evr = f"{author} {evr}".strip(), None
    return (number, text, date, author, who["email"], evr)


def format_header(date: _dt.date, packager: str, evr: str | None) -> str:
    """``* Tue Mar 05 2024 Jane Doe <jane@example.org> - 1.2-3`` (rpm's date format)."""
    head = f"* {date.strftime('%a %b %d %Y')} {packager}"
    return f"{head} - {evr}" if evr else head


def format_entry(
    date: _dt.date, packager: str, evr: str | None, items: Sequence[str], *, style: str = "fedora"
) -> str:
    """A whole entry (header, ``- item`` lines, trailing blank line).

    ``style`` ``openeuler`` writes items as openEuler's ``- Type:... ID:... SUG:... DESC:...``
    lines when they are given as plain text; ``fedora`` writes ``- item``.
    """
    lines = [format_header(date, packager, evr)]
    for item in items:
        if style == "openeuler" and not item.startswith("Type:"):
            item = f"Type:update ID:NA SUG:NA DESC:{item}"
        lines.append(f"- {item}")
    return "\n".join(lines) + "\n\n"
