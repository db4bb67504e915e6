"""Review and response on the forge (CHAOSS), from pull requests and issues as plain values.

Time to First Response: from opening to the first comment or review by someone other than
the author and not a bot. Change Request Closure Ratio: change requests closed (merged or
not) in the window over those opened in it. Open CVE issues: open issues whose title or
labels name a CVE, with their age. Bot accounts are left out of the response and closure
metrics (their own pull requests and their comments); a CVE issue a bot opened still counts.
"""

from __future__ import annotations

import datetime as _dt
import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "BOT_LOGINS",
    "Comment",
    "ForgeItem",
    "Review",
    "is_bot",
    "review",
    "time_to_first_response",
]

#: Well-known automation accounts (lower case) besides GitHub's ``[bot]`` suffix.
BOT_LOGINS = frozenset(
    {
        "openeuler-ci-bot",
        "openeuler-sync-bot",
        "ci-robot",
        "dependabot",
        "renovate",
        "gitee-bot",
        "github-actions",
        "copr-bot",
    }
)
_CVE = re.compile(r"\bCVE-\d{4}-\d{4,}\b", re.I)
WINDOW = _dt.timedelta(days=365)


def is_bot(login: str, account_type: str | None = None) -> bool:
    """Whether an account is automation: type ``Bot``, a ``[bot]`` login or a known name.

    >>> is_bot("dependabot[bot]"), is_bot("openeuler-ci-bot"), is_bot("alice")
    (True, True, False)
    """
    lowered = login.lower()
    return (
        account_type == "Bot"
        or lowered.endswith(("[bot]", "-bot", "_bot"))
        or lowered in BOT_LOGINS
    )


@dataclass(frozen=True, slots=True)
class Comment:
    author: str
    when: _dt.datetime
    bot: bool = False


@dataclass(frozen=True, slots=True)
class ForgeItem:
    """A pull request (``change``) or an issue, with the comments and reviews it received."""

    kind: Literal["change", "issue"]
    number: str
    title: str
    author: str
    created: _dt.datetime
    closed: _dt.datetime | None = None
    merged: bool = False
    labels: tuple[str, ...] = ()
    comments: tuple[Comment, ...] = ()
    bot: bool = False

    @property
    def cves(self) -> tuple[str, ...]:
        found = _CVE.findall(" ".join((self.title, *self.labels)))
        return tuple(dict.fromkeys(c.upper() for c in found))


def time_to_first_response(item: ForgeItem) -> _dt.timedelta | None:
    """From opening to the first comment by another person who is not a bot."""
    answers = [
        c.when
        for c in item.comments
        if not c.bot and c.author != item.author and c.when >= item.created
    ]
    return min(answers) - item.created if answers else None


@dataclass(frozen=True, slots=True)
class Review:
    """The forge metrics of one repository over the window before ``now``."""

    changes_opened: int
    changes_closed: int
    issues_opened: int
    median_first_response_hours: float | None
    unanswered: int
    open_cve_issues: tuple[tuple[str, int], ...] = field(default_factory=tuple)

    @property
    def change_request_closure_ratio(self) -> float | None:
        if not self.changes_opened:
            return None
        return self.changes_closed / self.changes_opened

    @property
    def oldest_open_cve_days(self) -> int | None:
        return max((age for _, age in self.open_cve_issues), default=None)

    def to_dict(self) -> dict[str, Any]:
        ratio = self.change_request_closure_ratio
        hours = self.median_first_response_hours
        return {
            "changes_opened": self.changes_opened,
            "changes_closed": self.changes_closed,
            "change_request_closure_ratio": None if ratio is None else round(ratio, 3),
            "issues_opened": self.issues_opened,
            "median_first_response_hours": None if hours is None else round(hours, 2),
            "unanswered": self.unanswered,
            "open_cve_issues": [{"cve": c, "age_days": a} for c, a in self.open_cve_issues],
        }


def review(items: Iterable[ForgeItem], *, now: _dt.datetime) -> Review:
    """Review and response metrics of the non-bot ``items`` opened in the last year."""
    everything = list(items)
    people: Sequence[ForgeItem] = [i for i in everything if not i.bot]
    recent = [i for i in people if now - i.created <= WINDOW]
    changes = [i for i in recent if i.kind == "change"]
    closed = [
        i
        for i in people
        if i.kind == "change" and i.closed is not None and now - i.closed <= WINDOW
    ]
    responses = [time_to_first_response(i) for i in recent]
    hours = [r.total_seconds() / 3600 for r in responses if r is not None]
    cves: list[tuple[str, int]] = []
    for item in everything:  # CVE issues are often opened by a bot, and still count
        if item.kind == "issue" and item.closed is None:
            cves.extend((cve, max(0, (now - item.created).days)) for cve in item.cves)
    return Review(
        changes_opened=len(changes),
        changes_closed=len(closed),
        issues_opened=sum(1 for i in recent if i.kind == "issue"),
        median_first_response_hours=float(statistics.median(hours)) if hours else None,
        unanswered=sum(1 for r in responses if r is None),
        open_cve_issues=tuple(sorted(cves, key=lambda c: -c[1])),
    )
