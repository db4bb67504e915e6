"""A fake Gitee/GitHub review API on 127.0.0.1: pull requests, issues and their comments.

It serves the listings :mod:`steward.health.forge` reads, with the forges' real paths,
``page``/``per_page`` paging (and GitHub's ``Link`` header) and Gitee's JSON shapes (string
issue numbers, ``finished_at``, comments naming their ``target``); GitHub's shape differs
only where Gitee's does (``issue_url``, pull requests listed among issues). An unknown
repository gets the forge's 404. Runs in a background thread: ``with FakeReviews(data)``.

The data (:data:`JANSSON`, :data:`ZSTD`) is what the hand-computed expectations in
``test_health_forge.py`` are worked out from.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Self

from aiohttp import web


def _user(login: str, kind: str = "User") -> dict[str, Any]:
    return {
        "id": abs(hash(login)) % 100000,
        "login": login,
        "name": login,
        "avatar_url": f"https://gitee.com/assets/no_portrait.png#{login}",
        "html_url": f"https://gitee.com/{login}",
        "type": kind,
    }


def _pull(repo: str, number: int, login: str, created: str, **more: Any) -> dict[str, Any]:
    state = "merged" if more.get("merged_at") else ("closed" if more.get("closed_at") else "open")
    return {
        "id": 9000 + number,
        "url": f"https://gitee.com/api/v5/repos/{repo}/pulls/{number}",
        "html_url": f"https://gitee.com/{repo}/pulls/{number}",
        "number": number,
        "state": state,
        "title": more.pop("title", f"change {number}"),
        "body": "",
        "user": _user(login, more.pop("user_type", "User")),
        "labels": [{"id": 1, "name": n, "color": "#ccc"} for n in more.pop("labels", ())],
        "created_at": created,
        "updated_at": more.get("closed_at") or more.get("merged_at") or created,
        "closed_at": more.get("closed_at") or more.get("merged_at"),
        "merged_at": more.get("merged_at"),
        "head": {"ref": f"topic-{number}", "label": f"{login}:topic-{number}"},
        "base": {"ref": "master", "label": "src-openeuler:master"},
        "mergeable": True,
    }


def _issue(
    repo: str, number: str, login: str, created: str, title: str, **more: Any
) -> dict[str, Any]:
    finished = more.get("finished_at")
    return {
        "id": abs(hash(number)) % 100000,
        "url": f"https://gitee.com/api/v5/repos/{repo}/issues/{number}",
        "html_url": f"https://gitee.com/{repo}/issues/{number}",
        "number": number,
        "state": "closed" if finished else "open",
        "title": title,
        "body": "",
        "user": _user(login),
        "labels": [{"id": 2, "name": n, "color": "#f00"} for n in more.get("labels", ())],
        "issue_type": more.get("issue_type", "缺陷"),
        "issue_state": "已完成" if finished else "待办的",
        "created_at": created,
        "updated_at": finished or created,
        "finished_at": finished,
    }


def _issue_comment(repo: str, number: str, login: str, created: str) -> dict[str, Any]:
    return {
        "id": abs(hash((number, login, created))) % 10**7,
        "body": "looking at it",
        "user": _user(login),
        "source": None,
        "target": {"issue": {"id": 1, "title": "", "number": number}, "pull_request": None},
        "created_at": created,
        "updated_at": created,
    }


def _pull_comment(repo: str, number: int, login: str, created: str) -> dict[str, Any]:
    return {
        "id": abs(hash((number, login, created))) % 10**7,
        "url": f"https://gitee.com/api/v5/repos/{repo}/pulls/comments/{number}",
        "html_url": f"https://gitee.com/{repo}/pulls/{number}#note_1",
        "pull_request_url": f"https://gitee.com/api/v5/repos/{repo}/pulls/{number}",
        "body": "/lgtm" if login != "openeuler-ci-bot" else "CI passed",
        "user": _user(login),
        "comment_type": "pr_comment",
        "created_at": created,
        "updated_at": created,
    }


J = "src-openeuler/jansson"
#: jansson: two answered pull requests, one unanswered, a bot's and an old one; a CVE issue
#: opened by the CVE bot and a closed build issue.
JANSSON: dict[str, list[dict[str, Any]]] = {
    "pulls": [
        _pull(J, 1, "alice", "2026-01-10T10:00:00+08:00", merged_at="2026-01-12T10:00:00+08:00"),
        _pull(J, 2, "erin", "2026-03-01T00:00:00+00:00", closed_at="2026-03-10T00:00:00+00:00"),
        _pull(J, 3, "carol", "2026-06-01T00:00:00+00:00"),
        _pull(J, 4, "openeuler-sync-bot", "2026-05-01T00:00:00+00:00"),
        _pull(J, 5, "alice", "2025-01-01T00:00:00+00:00", merged_at="2025-01-03T00:00:00+00:00"),
    ],
    "issues": [
        _issue(
            J,
            "IBX1A2",
            "openeuler-ci-bot",
            "2026-02-01T00:00:00+00:00",
            "CVE-2026-1234 jansson: stack overflow in json_loads",
            labels=("CVE/UNFIXED",),
            issue_type="CVE和安全问题",
        ),
        _issue(
            J,
            "IBX9Z9",
            "frank",
            "2026-04-01T00:00:00+00:00",
            "build fails on riscv64",
            finished_at="2026-04-05T00:00:00+00:00",
        ),
    ],
    "issues/comments": [
        _issue_comment(J, "IBX1A2", "alice", "2026-02-03T00:00:00+00:00"),
        _issue_comment(J, "IBX9Z9", "bob", "2026-04-01T12:00:00+00:00"),
    ],
    "pulls/comments": [
        _pull_comment(J, 1, "openeuler-ci-bot", "2026-01-10T10:05:00+08:00"),
        _pull_comment(J, 1, "bob", "2026-01-10T14:00:00+08:00"),
        _pull_comment(J, 2, "alice", "2026-03-02T00:00:00+00:00"),
        _pull_comment(J, 2, "erin", "2026-03-01T01:00:00+00:00"),  # the author: no response
    ],
}

Z = "src-openeuler/zstd"
#: zstd: one pull request whose first human answer is the 121st comment (page 2).
ZSTD: dict[str, list[dict[str, Any]]] = {
    "pulls": [_pull(Z, 7, "frank", "2026-06-01T00:00:00+00:00")],
    "issues": [],
    "issues/comments": [],
    "pulls/comments": [
        *(
            _pull_comment(Z, 7, "openeuler-ci-bot", f"2026-06-01T00:{m:02d}:00+00:00")
            for m in range(60)
        ),
        *(_pull_comment(Z, 7, "ci-robot", f"2026-06-01T01:{m:02d}:00+00:00") for m in range(60)),
        _pull_comment(Z, 7, "alice", "2026-06-02T06:00:00+00:00"),
    ],
}

EMPTY: dict[str, list[dict[str, Any]]] = {
    "pulls": [], "issues": [], "issues/comments": [], "pulls/comments": []
}  # fmt: skip


class FakeReviews:
    """The fake forge in a background thread; ``base`` is its ``/api/v5`` URL."""

    def __init__(self, repos: Mapping[str, Mapping[str, list[dict[str, Any]]]]) -> None:
        self.repos = {k.lower(): v for k, v in repos.items()}
        self.requests: list[str] = []
        self.base = ""
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    async def _listing(self, request: web.Request) -> web.Response:
        self.requests.append(request.path_qs)
        repo = f"{request.match_info['owner']}/{request.match_info['repo']}".lower()
        what = request.match_info["what"]
        data = self.repos.get(repo)
        if data is None or what not in data:
            return web.json_response({"message": "Not Found Project"}, status=404)
        page = int(request.query.get("page", "1"))
        size = min(100, int(request.query.get("per_page", "20")))
        items = data[what]
        body = items[(page - 1) * size : page * size]
        headers = {"total_count": str(len(items)), "total_page": str(-(-len(items) // size))}
        if page * size < len(items):
            headers["Link"] = (
                f'<{request.url.with_query(page=page + 1, per_page=size)}>; rel="next"'
            )
        return web.Response(
            body=json.dumps(body).encode(), content_type="application/json", headers=headers
        )

    async def _start(self) -> str:
        app = web.Application()
        app.router.add_get("/api/v5/repos/{owner}/{repo}/{what:.+}", self._listing)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return f"http://127.0.0.1:{port}/api/v5"

    def __enter__(self) -> Self:
        self._thread.start()
        self.base = asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()
