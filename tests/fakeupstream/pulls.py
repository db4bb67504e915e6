"""The fake upstream's pull-request APIs of GitHub, GitLab and Gitee (what propose sends).

One server: :class:`FakeForge` is a view on a :class:`~fakeupstream.server.FakeUpstream`
whose app routes these paths here (the release and tag APIs of the same forges live in
``forges.py``).

It answers what Steward's propose step sends, with the real paths, parameters, status codes
and JSON field names, and records every request so tests can check where a token went:

======  =================================================  ==============================
forge   paths (under ``base_url(forge)``)                  token accepted in
======  =================================================  ==============================
github  ``GET|POST /repos/{owner}/{repo}/pulls``           ``Authorization: Bearer|token``
gitlab  ``GET /projects/{id}``,                            ``PRIVATE-TOKEN``,
        ``GET|POST /projects/{id}/merge_requests``         ``Authorization: Bearer``
gitee   ``GET|POST /repos/{owner}/{repo}/pulls``           ``access_token`` (query or body),
                                                           ``Authorization: Bearer``
======  =================================================  ==============================

GitLab ``{id}`` is the numeric id or the URL-encoded path (``group%2Frepo``). A wrong token
gets the forge's 401; a missing one gets 401 on POST (listing public projects is anonymous,
as on the real services); an unknown project 404; a second open request for the same head
GitHub's 422 "A pull request already exists", GitLab's 409 and Gitee's 400 (Gitee's wording
is approximated). ``list_blind_calls`` makes that many list requests answer ``[]``, the way
GitHub's search index lags behind a request just created; ``delay`` holds every answer back.

    async with FakeForge(token="t0k") as forge:
        forge.add_project("gitlab", "group/zlib")
        url = forge.base_url("gitlab")  # http://127.0.0.1:<port>/api/v4
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl, unquote

from aiohttp import web

__all__ = ["FakeForge", "RecordedRequest"]

_BASE_PATHS = {"github": "", "gitlab": "/api/v4", "gitee": "/api/v5"}
_WEB_HOSTS = {"github": "github.com", "gitlab": "gitlab.com", "gitee": "gitee.com"}
_CREATED_AT = "2024-06-01T12:00:00Z"
_GITHUB_DOCS = "https://docs.github.com/rest/pulls/pulls"

Json = dict[str, Any]
Handler = Callable[["RecordedRequest", web.Request, re.Match[str]], Awaitable[web.Response]]


@dataclass(frozen=True)
class RecordedRequest:
    """One request as it arrived: the raw (still percent-encoded) path and query."""

    forge: str
    method: str
    raw_path: str
    query: str
    headers: dict[str, str]  # names in lower case
    body: Any  # parsed JSON, a dict for form bodies, or None

    @property
    def target(self) -> str:
        """Path and query, exactly as sent on the request line."""
        return f"{self.raw_path}?{self.query}" if self.query else self.raw_path

    @property
    def params(self) -> dict[str, str]:
        return dict(parse_qsl(self.query, keep_blank_values=True))


@dataclass
class _Project:
    forge: str
    path: str
    id: int
    pulls: list[Json] = field(default_factory=list)


def _json(status: int, payload: Any, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        status=status,
        text=json.dumps(payload),
        content_type="application/json",
        charset="utf-8",
        headers=headers,
    )


def _user(login: str, user_id: int = 1) -> Json:
    return {"login": login, "id": user_id, "type": "User", "site_admin": False}


class FakeForge:
    """The fake forge; use it as ``async with FakeForge(token=...) as forge`` in a test."""

    def __init__(self, *, token: str = "forge-token", login: str = "steward-bot") -> None:
        self.token = token
        self.login = login
        self.requests: list[RecordedRequest] = []
        self.list_blind_calls = 0
        self.delay = 0.0  # seconds before every answer: a forge that hangs
        self._projects: dict[tuple[str, str], _Project] = {}
        self._ids = itertools.count(1000)
        self._pull_ids = itertools.count(500_000)
        self._serving = contextlib.AsyncExitStack()
        self._url = ""
        self._routes: list[tuple[str, str, re.Pattern[str], Handler]] = [
            ("github", "GET", re.compile(r"/repos/([^/]+)/([^/]+)/pulls"), self._github_list),
            ("github", "POST", re.compile(r"/repos/([^/]+)/([^/]+)/pulls"), self._github_create),
            ("gitlab", "GET", re.compile(r"/api/v4/projects/([^/]+)"), self._gitlab_project),
            (
                "gitlab",
                "GET",
                re.compile(r"/api/v4/projects/([^/]+)/merge_requests"),
                self._gitlab_list,
            ),
            (
                "gitlab",
                "POST",
                re.compile(r"/api/v4/projects/([^/]+)/merge_requests"),
                self._gitlab_create,
            ),
            ("gitee", "GET", re.compile(r"/api/v5/repos/([^/]+)/([^/]+)/pulls"), self._gitee_list),
            (
                "gitee",
                "POST",
                re.compile(r"/api/v5/repos/([^/]+)/([^/]+)/pulls"),
                self._gitee_create,
            ),
        ]

    # ----------------------------------------------------------------------- lifecycle

    async def __aenter__(self) -> Self:
        # The one fake upstream server, with this forge's pull-request routes attached.
        from fakeupstream.server import FakeUpstream

        upstream = FakeUpstream()
        upstream.pulls = self
        self._url = (await self._serving.enter_async_context(upstream)).url
        return self

    def handles(self, method: str, raw_path: str) -> bool:
        """Whether this is a pull-request API call (the server hands those over)."""
        path = raw_path.partition("?")[0]
        return any(m == method and p.fullmatch(path) for _, m, p, _ in self._routes)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self._serving.aclose()

    # ----------------------------------------------------------------------- test API

    def base_url(self, forge: str) -> str:
        """The API base URL to configure for ``forge`` ("github", "gitlab" or "gitee")."""
        return self._url + _BASE_PATHS[forge]

    def add_project(self, forge: str, path: str) -> int:
        """Make ``path`` exist on ``forge``; returns its numeric id."""
        project = _Project(forge, path, next(self._ids))
        self._projects[(forge, path.lower())] = project
        return project.id

    def pulls(self, forge: str, path: str) -> list[Json]:
        """Every request opened in ``path`` (GitHub/Gitee pulls, GitLab merge requests)."""
        return self._projects[(forge, path.lower())].pulls

    def writes(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method != "GET"]

    # ----------------------------------------------------------------------- plumbing

    async def dispatch(self, request: web.Request) -> web.Response:
        if self.delay:
            await asyncio.sleep(self.delay)
        raw_path, _, query = request.raw_path.partition("?")
        body: Any = None
        if request.can_read_body:
            text = await request.text()
            if request.content_type == "application/json":
                body = json.loads(text) if text else None
            else:
                body = dict(parse_qsl(text, keep_blank_values=True))
        for forge, method, pattern, handler in self._routes:
            match = pattern.fullmatch(raw_path)
            if match is not None and method == request.method:
                recorded = RecordedRequest(
                    forge,
                    request.method,
                    raw_path,
                    query,
                    {name.lower(): value for name, value in request.headers.items()},
                    body,
                )
                self.requests.append(recorded)
                return await handler(recorded, request, match)
        return _json(404, {"message": "Not Found"})

    def _project(self, forge: str, path: str) -> _Project | None:
        return self._projects.get((forge, path.lower()))

    def _gitlab_find(self, ident: str) -> _Project | None:
        if ident.isdigit():
            return next(
                (p for p in self._projects.values() if p.forge == "gitlab" and p.id == int(ident)),
                None,
            )
        return self._project("gitlab", unquote(ident))

    def _blind(self) -> bool:
        if self.list_blind_calls > 0:
            self.list_blind_calls -= 1
            return True
        return False

    @staticmethod
    def _page(items: list[Json], params: dict[str, str], default: int) -> list[Json]:
        size = min(max(int(params.get("per_page", default) or default), 1), 100)
        page = max(int(params.get("page", 1) or 1), 1)
        return items[(page - 1) * size : page * size]

    # ----------------------------------------------------------------------- GitHub

    def _github_auth(self, recorded: RecordedRequest, required: bool) -> web.Response | None:
        header = recorded.headers.get("authorization")
        if header is None:
            if not required:
                return None
            return _json(
                401,
                {
                    "message": "Requires authentication",
                    "documentation_url": _GITHUB_DOCS,
                    "status": "401",
                },
            )
        scheme, _, secret = header.partition(" ")
        if scheme.lower() not in ("bearer", "token") or secret != self.token:
            return _json(
                401,
                {
                    "message": "Bad credentials",
                    "documentation_url": "https://docs.github.com/rest",
                    "status": "401",
                },
            )
        return None

    def _github_missing(self) -> web.Response:
        return _json(
            404, {"message": "Not Found", "documentation_url": _GITHUB_DOCS, "status": "404"}
        )

    async def _github_list(
        self, recorded: RecordedRequest, request: web.Request, match: re.Match[str]
    ) -> web.Response:
        refused = self._github_auth(recorded, required=False)
        if refused is not None:
            return refused
        project = self._project("github", f"{unquote(match[1])}/{unquote(match[2])}")
        if project is None:
            return self._github_missing()
        params = recorded.params
        state = params.get("state", "open")
        pulls = [p for p in project.pulls if state == "all" or p["state"] == state]
        if "head" in params:
            head = params["head"]
            pulls = [
                p
                for p in pulls
                if p["head"]["label"] == head or (":" not in head and p["head"]["ref"] == head)
            ]
        if "base" in params:
            pulls = [p for p in pulls if p["base"]["ref"] == params["base"]]
        if self._blind():
            pulls = []
        return _json(200, self._page(pulls, params, 30))

    async def _github_create(
        self, recorded: RecordedRequest, request: web.Request, match: re.Match[str]
    ) -> web.Response:
        refused = self._github_auth(recorded, required=True)
        if refused is not None:
            return refused
        owner, repo = unquote(match[1]), unquote(match[2])
        project = self._project("github", f"{owner}/{repo}")
        if project is None:
            return self._github_missing()
        body = recorded.body if isinstance(recorded.body, dict) else {}
        missing = [name for name in ("title", "head", "base") if not body.get(name)]
        if missing:
            return _json(
                422,
                {
                    "message": "Validation Failed",
                    "errors": [
                        {"resource": "PullRequest", "field": name, "code": "missing_field"}
                        for name in missing
                    ],
                    "documentation_url": f"{_GITHUB_DOCS}#create-a-pull-request",
                    "status": "422",
                },
            )
        if len(body.get("body") or "") > 65_536:
            return _json(
                422,
                {
                    "message": "Validation Failed",
                    "errors": [
                        {
                            "resource": "PullRequest",
                            "code": "custom",
                            "field": "body",
                            "message": "body is too long (maximum is 65536 characters)",
                        }
                    ],
                    "documentation_url": f"{_GITHUB_DOCS}#create-a-pull-request",
                    "status": "422",
                },
            )
        head_owner, _, head_ref = str(body["head"]).rpartition(":")
        label = f"{head_owner or owner}:{head_ref}"
        for pull in project.pulls:
            if (
                pull["state"] == "open"
                and pull["head"]["label"] == label
                and pull["base"]["ref"] == body["base"]
            ):
                return _json(
                    422,
                    {
                        "message": "Validation Failed",
                        "errors": [
                            {
                                "resource": "PullRequest",
                                "code": "custom",
                                "message": f"A pull request already exists for {label}.",
                            }
                        ],
                        "documentation_url": f"{_GITHUB_DOCS}#create-a-pull-request",
                        "status": "422",
                    },
                )
        pull = self._github_like_pull("github", project, body, head_owner or owner, head_ref)
        return _json(201, pull, {"Location": pull["url"]})

    def _github_like_pull(
        self, forge: str, project: _Project, body: Json, head_owner: str, head_ref: str
    ) -> Json:
        number = len(project.pulls) + 1
        owner, repo = project.path.split("/")
        web_base = f"https://{_WEB_HOSTS[forge]}/{project.path}"
        api_base = f"{self.base_url(forge)}/repos/{project.path}"
        pull_path = "pulls" if forge == "gitee" else "pull"

        def side(side_owner: str, ref: str) -> Json:
            return {
                "label": f"{side_owner}:{ref}",
                "ref": ref,
                "sha": f"{number:040x}",
                "user": _user(side_owner),
                "repo": {
                    "id": project.id,
                    "name": repo,
                    "full_name": f"{side_owner}/{repo}",
                    "fork": side_owner != owner,
                },
            }

        pull: Json = {
            "url": f"{api_base}/pulls/{number}",
            "id": next(self._pull_ids),
            "html_url": f"{web_base}/{pull_path}/{number}",
            "diff_url": f"{web_base}/{pull_path}/{number}.diff",
            "patch_url": f"{web_base}/{pull_path}/{number}.patch",
            "number": number,
            "state": "open",
            "locked": False,
            "title": body["title"],
            "user": _user(self.login),
            "body": body.get("body"),
            "created_at": _CREATED_AT,
            "updated_at": _CREATED_AT,
            "closed_at": None,
            "merged_at": None,
            "draft": False,
            "head": side(head_owner, head_ref),
            "base": side(owner, str(body["base"])),
        }
        project.pulls.append(pull)
        return pull

    # ----------------------------------------------------------------------- GitLab

    def _gitlab_auth(self, recorded: RecordedRequest, required: bool) -> web.Response | None:
        private = recorded.headers.get("private-token")
        bearer = recorded.headers.get("authorization")
        if private is None and bearer is None:
            return _json(401, {"message": "401 Unauthorized"}) if required else None
        if private == self.token or bearer == f"Bearer {self.token}":
            return None
        return _json(401, {"message": "401 Unauthorized"})

    def _gitlab_project_json(self, project: _Project) -> Json:
        namespace, _, name = project.path.rpartition("/")
        return {
            "id": project.id,
            "name": name,
            "path": name,
            "path_with_namespace": project.path,
            "namespace": {"full_path": namespace},
            "default_branch": "main",
            "web_url": f"https://gitlab.com/{project.path}",
        }

    async def _gitlab_project(
        self, recorded: RecordedRequest, request: web.Request, match: re.Match[str]
    ) -> web.Response:
        refused = self._gitlab_auth(recorded, required=False)
        if refused is not None:
            return refused
        project = self._gitlab_find(match[1])
        if project is None:
            return _json(404, {"message": "404 Project Not Found"})
        return _json(200, self._gitlab_project_json(project))

    async def _gitlab_list(
        self, recorded: RecordedRequest, request: web.Request, match: re.Match[str]
    ) -> web.Response:
        refused = self._gitlab_auth(recorded, required=False)
        if refused is not None:
            return refused
        project = self._gitlab_find(match[1])
        if project is None:
            return _json(404, {"message": "404 Project Not Found"})
        params = recorded.params
        state = params.get("state", "all")
        merge_requests = [m for m in project.pulls if state == "all" or m["state"] == state]
        for name in ("source_branch", "target_branch"):
            if name in params:
                merge_requests = [m for m in merge_requests if m[name] == params[name]]
        if self._blind():
            merge_requests = []
        return _json(200, self._page(merge_requests, params, 20))

    async def _gitlab_create(
        self, recorded: RecordedRequest, request: web.Request, match: re.Match[str]
    ) -> web.Response:
        refused = self._gitlab_auth(recorded, required=True)
        if refused is not None:
            return refused
        source = self._gitlab_find(match[1])
        if source is None:
            return _json(404, {"message": "404 Project Not Found"})
        body = recorded.body if isinstance(recorded.body, dict) else {}
        for name in ("source_branch", "target_branch", "title"):
            if not body.get(name):
                return _json(400, {"error": f"{name} is missing"})
        target = source
        if body.get("target_project_id") is not None:
            found = self._gitlab_find(str(body["target_project_id"]))
            if found is None:
                return _json(404, {"message": "404 Project Not Found"})
            target = found
        for existing in target.pulls:
            if (
                existing["state"] == "opened"
                and existing["source_project_id"] == source.id
                and existing["source_branch"] == body["source_branch"]
                and existing["target_branch"] == body["target_branch"]
            ):
                return _json(
                    409,
                    {
                        "message": [
                            f"Another open merge request already exists for this source branch: !{existing['iid']}"
                        ]
                    },
                )
        iid = len(target.pulls) + 1
        merge_request: Json = {
            "id": next(self._pull_ids),
            "iid": iid,
            "project_id": target.id,
            "title": body["title"],
            "description": body.get("description"),
            "state": "opened",
            "created_at": "2024-06-01T12:00:00.000Z",
            "updated_at": "2024-06-01T12:00:00.000Z",
            "target_branch": body["target_branch"],
            "source_branch": body["source_branch"],
            "author": {"id": 1, "username": self.login, "name": self.login, "state": "active"},
            "source_project_id": source.id,
            "target_project_id": target.id,
            "draft": False,
            "work_in_progress": False,
            "merge_status": "checking",
            "detailed_merge_status": "checking",
            "sha": f"{iid:040x}",
            "references": {
                "short": f"!{iid}",
                "relative": f"!{iid}",
                "full": f"{target.path}!{iid}",
            },
            "web_url": f"https://gitlab.com/{target.path}/-/merge_requests/{iid}",
        }
        target.pulls.append(merge_request)
        return _json(201, merge_request)

    # ----------------------------------------------------------------------- Gitee

    def _gitee_auth(self, recorded: RecordedRequest, required: bool) -> web.Response | None:
        offered: list[str] = []
        if "access_token" in recorded.params:
            offered.append(recorded.params["access_token"])
        if isinstance(recorded.body, dict) and "access_token" in recorded.body:
            offered.append(str(recorded.body["access_token"]))
        header = recorded.headers.get("authorization")
        if header is not None:
            offered.append(header.removeprefix("Bearer ").removeprefix("token "))
        if not offered:
            return (
                _json(401, {"message": "401 Unauthorized: Access token is required"})
                if required
                else None
            )
        if all(secret == self.token for secret in offered):
            return None
        return _json(401, {"message": "401 Unauthorized: Access token does not exist"})

    async def _gitee_list(
        self, recorded: RecordedRequest, request: web.Request, match: re.Match[str]
    ) -> web.Response:
        refused = self._gitee_auth(recorded, required=False)
        if refused is not None:
            return refused
        project = self._project("gitee", f"{unquote(match[1])}/{unquote(match[2])}")
        if project is None:
            return _json(404, {"message": "Not Found Project"})
        params = recorded.params
        state = params.get("state", "open")
        pulls = [p for p in project.pulls if state == "all" or p["state"] == state]
        if "head" in params:
            head = params["head"]
            pulls = [p for p in pulls if p["head"]["label"] == head or p["head"]["ref"] == head]
        if "base" in params:
            pulls = [p for p in pulls if p["base"]["ref"] == params["base"]]
        if self._blind():
            pulls = []
        return _json(200, self._page(pulls, params, 20))

    async def _gitee_create(
        self, recorded: RecordedRequest, request: web.Request, match: re.Match[str]
    ) -> web.Response:
        refused = self._gitee_auth(recorded, required=True)
        if refused is not None:
            return refused
        owner, repo = unquote(match[1]), unquote(match[2])
        project = self._project("gitee", f"{owner}/{repo}")
        if project is None:
            return _json(404, {"message": "Not Found Project"})
        body = recorded.body if isinstance(recorded.body, dict) else {}
        for name in ("title", "head", "base"):
            if not body.get(name):
                return _json(400, {"message": f"{name} is missing"})
        head_owner, _, head_ref = str(body["head"]).rpartition(":")
        label = f"{head_owner or owner}:{head_ref}"
        for pull in project.pulls:
            if (
                pull["state"] == "open"
                and pull["head"]["label"] == label
                and pull["base"]["ref"] == body["base"]
            ):
                return _json(400, {"message": f"Pull Request already exists: #{pull['number']}"})
        return _json(
            201, self._github_like_pull("gitee", project, body, head_owner or owner, head_ref)
        )
