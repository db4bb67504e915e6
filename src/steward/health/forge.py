"""Pull requests, issues and their comments from GitHub and Gitee, through the fetch engine.

Both speak the same REST shape (Gitee's API v5 follows GitHub's): ``pulls?state=all``,
``issues?state=all`` and the repository-wide ``issues/comments`` and ``pulls/comments``
listings, paged with ``page``/``per_page``. GitHub lists pull requests among issues (with a
``pull_request`` key); those are skipped there. Each answer becomes a
:class:`~steward.health.review.ForgeItem`; GitLab (per-merge-request notes) is not read yet.
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from steward.health.review import Comment, ForgeItem, is_bot
from steward.upstream.fetch import Fetcher

__all__ = ["FORGE_APIS", "ForgeError", "ForgeRepo", "fetch_forge_items", "items_from_payloads"]

FORGE_APIS: Mapping[str, str] = {
    "github": "https://api.github.com",
    "gitee": "https://gitee.com/api/v5",
}
_PER_PAGE = 100
_MAX_PAGES = 10
_NUMBER = re.compile(r"/(?:issues|pulls)/([^/?#]+)$")


class ForgeError(ValueError):
    """A forge answer Steward could not read (wrong shape), with the URL."""


@dataclass(frozen=True, slots=True)
class ForgeRepo:
    """A package repository on a forge: ``kind`` (github, gitee) and ``owner/name``."""

    kind: Literal["github", "gitee"]
    project: str

    @property
    def api(self) -> str:
        return f"{FORGE_APIS[self.kind]}/repos/{self.project}"


def _time(value: Any) -> _dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    parsed = _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=_dt.UTC)


def _login(user: Any) -> tuple[str, bool]:
    if not isinstance(user, dict):
        return "", False
    login = str(user.get("login") or "")
    return login, is_bot(login, user.get("type"))


def _comment_target(comment: Mapping[str, Any]) -> str | None:
    target = comment.get("target")
    if isinstance(target, dict):  # Gitee names the issue or pull request it belongs to
        for key in ("issue", "pull_request"):
            if isinstance(target.get(key), dict) and target[key].get("number") is not None:
                return str(target[key]["number"])
    for key in ("issue_url", "pull_request_url"):
        match = _NUMBER.search(str(comment.get(key) or ""))
        if match:
            return match.group(1)
    return None


def items_from_payloads(
    pulls: Sequence[Mapping[str, Any]],
    issues: Sequence[Mapping[str, Any]],
    comments: Sequence[Mapping[str, Any]],
) -> list[ForgeItem]:
    """The forge items of one repository from its raw JSON listings."""
    by_number: dict[str, list[Comment]] = {}
    for comment in comments:
        number = _comment_target(comment)
        when = _time(comment.get("created_at"))
        if number is None or when is None:
            continue
        login, bot = _login(comment.get("user"))
        by_number.setdefault(number, []).append(Comment(login, when, bot))
    items: list[ForgeItem] = []
    for kind, listing in (("change", pulls), ("issue", issues)):
        for raw in listing:
            if kind == "issue" and raw.get("pull_request"):
                continue  # GitHub lists pull requests among issues
            created = _time(raw.get("created_at"))
            if created is None or raw.get("number") is None:
                raise ForgeError(f"a {kind} without number or created_at: {sorted(raw)[:8]}")
            login, bot = _login(raw.get("user"))
            number = str(raw["number"])
            closed = _time(raw.get("closed_at")) or _time(raw.get("finished_at"))
            merged = _time(raw.get("merged_at"))
            state = str(raw.get("state") or "")
            if closed is None and merged is not None:
                closed = merged
            if closed is None and state in ("closed", "merged", "rejected"):
                closed = _time(raw.get("updated_at"))
            labels = tuple(
                str(label.get("name")) if isinstance(label, dict) else str(label)
                for label in raw.get("labels") or ()
            )
            items.append(
                ForgeItem(
                    kind="change" if kind == "change" else "issue",
                    number=number,
                    title=str(raw.get("title") or ""),
                    author=login,
                    created=created,
                    closed=closed,
                    merged=merged is not None,
                    labels=labels,
                    comments=tuple(by_number.get(number, ())),
                    bot=bot,
                )
            )
    return items


async def _pages(fetcher: Fetcher, url: str) -> list[Mapping[str, Any]]:
    found: list[Mapping[str, Any]] = []
    for page in range(1, _MAX_PAGES + 1):
        sep = "&" if "?" in url else "?"
        answer = await fetcher.get_json(f"{url}{sep}per_page={_PER_PAGE}&page={page}")
        if not isinstance(answer, list):
            raise ForgeError(f"{url}: expected a JSON list, got {type(answer).__name__}")
        found.extend(a for a in answer if isinstance(a, dict))
        if len(answer) < _PER_PAGE:
            break
    return found


async def fetch_forge_items(fetcher: Fetcher, repo: ForgeRepo) -> list[ForgeItem]:
    """Every pull request and issue of ``repo`` with their comments (four paged listings)."""
    pulls, issues, issue_comments, pull_comments = await asyncio.gather(
        _pages(fetcher, f"{repo.api}/pulls?state=all"),
        _pages(fetcher, f"{repo.api}/issues?state=all"),
        _pages(fetcher, f"{repo.api}/issues/comments"),
        _pages(fetcher, f"{repo.api}/pulls/comments"),
    )
    return items_from_payloads(pulls, issues, [*issue_comments, *pull_comments])
