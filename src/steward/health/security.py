"""Security debt per package: the vulnerabilities still open on it and how old they are.

Plain values in (one :class:`OpenVulnerability` per advisory still open on a package, as
the vulnerability work reports them: affected, or fixed only by an upgrade not done yet),
a summary out. The age is counted from the advisory's publication date.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["OpenVulnerability", "security_debt"]


@dataclass(frozen=True, slots=True)
class OpenVulnerability:
    package: str
    advisory: str
    published: _dt.datetime | None
    needs_action: bool


def security_debt(
    open_items: Iterable[OpenVulnerability], *, now: _dt.datetime
) -> dict[str, dict[str, Any]]:
    """Per package: how many advisories are open, how many have no fix planned, the oldest
    one's age in days (``None`` when none is dated) and their ids."""
    debt: dict[str, dict[str, Any]] = {}
    for item in open_items:
        entry = debt.setdefault(
            item.package, {"open": 0, "needs_action": 0, "oldest_days": None, "advisories": []}
        )
        entry["open"] += 1
        entry["needs_action"] += int(item.needs_action)
        entry["advisories"].append(item.advisory)
        if item.published is not None:
            published = item.published
            if published.tzinfo is None:
                published = published.replace(tzinfo=_dt.UTC)
            age = max(0, (now - published).days)
            entry["oldest_days"] = max(age, entry["oldest_days"] or 0)
    return debt
