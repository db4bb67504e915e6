"""Step 9 of an upgrade: push the upgrade branch and open one pull (merge) request for it.

:func:`push_branch` runs ``git push`` without prompts and never with ``--force``;
:func:`open_pull_request` talks to the forge's REST API and returns a :class:`Proposal`.
It first asks the forge for an open request from the same head branch and returns that one
if it exists, so re-running an upgrade never opens a second request for it.

======  ==============================  ================================================
forge   default API base                requests used
======  ==============================  ================================================
github  ``https://api.github.com``      ``GET|POST /repos/{owner}/{repo}/pulls``
gitlab  ``https://gitlab.com/api/v4``   ``GET|POST /projects/{id}/merge_requests``
gitee   ``https://gitee.com/api/v5``    ``GET|POST /repos/{owner}/{repo}/pulls``
======  ==============================  ================================================

Tokens come from :class:`~steward.upstream.credentials.Credentials`, looked up by the API
base URL's host (``GITHUB_TOKEN`` covers ``api.github.com``), and are never put into a URL,
a log line or an error message. The forge decides how the token is presented, whatever
style the key file names: GitHub ``Authorization: Bearer``, GitLab ``PRIVATE-TOKEN``.
Gitee documents its token only as an ``access_token`` parameter: in the body of a POST
(Steward sends it there, in the JSON body) and in the query string of a GET, which Steward
refuses because URLs end up in logs and proxies. Gitee's own API client (``oschina/mcp-gitee``)
sends ``Authorization: Bearer`` on every v5 call, so GETs carry the token that way.

Requests go through Steward's one fetch engine (:mod:`steward.upstream.fetch`): its network
guard vets the forge's addresses unless ``allow_private`` is set, and connects to exactly
the addresses it vetted (TLS still verifies the forge's host name), so a DNS answer that
changes in between cannot redirect it. A POST is never retried or redirected.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from steward.upgrade.model import UpgradeError, UpgradeStep
from steward.upstream.credentials import Credentials, host_key
from steward.upstream.fetch import BlockedDestination, FetchConfig, Fetcher, FetchError, Timeout

__all__ = [
    "DEFAULT_API_URLS",
    "ForgeKind",
    "ForgeTarget",
    "Proposal",
    "derive_target",
    "open_pull_request",
    "push_branch",
]

_PROPOSE = UpgradeStep.PROPOSE


class ForgeKind(StrEnum):
    GITHUB = "github"
    GITLAB = "gitlab"
    GITEE = "gitee"


DEFAULT_API_URLS: Mapping[ForgeKind, str] = {
    ForgeKind.GITHUB: "https://api.github.com",
    ForgeKind.GITLAB: "https://gitlab.com/api/v4",
    ForgeKind.GITEE: "https://gitee.com/api/v5",
}

_FORGE_NAMES = {ForgeKind.GITHUB: "GitHub", ForgeKind.GITLAB: "GitLab", ForgeKind.GITEE: "Gitee"}
_TOKEN_VARIABLES = {
    "api.github.com": "GITHUB_TOKEN",
    "gitlab.com": "GITLAB_TOKEN",
    "gitee.com": "GITEE_TOKEN",
}
# GitHub refuses longer bodies with a 422; GitLab's description limit is 1 MiB of text.
# Gitee publishes no limit, so its bodies are sent as they are.
_BODY_LIMITS = {ForgeKind.GITHUB: 65_536, ForgeKind.GITLAB: 1_048_576}
_TRUNCATION_NOTE = "\n\n…\n\n*(truncated to fit the forge's limit; the full report is report.md)*\n"
# A filtered list of open requests is tiny; anything near this cap is not a forge answer.
_MAX_RESPONSE_BYTES = 4 * 1024 * 1024


# --------------------------------------------------------------------------- values


@dataclass(frozen=True, slots=True)
class ForgeTarget:
    """Where to open the request: the forge, its project, and the branches.

    ``project`` is ``owner/repo`` on GitHub and Gitee and the full namespace path on GitLab
    (``group/subgroup/repo``). ``head_owner`` names the fork that holds ``head_branch`` when
    it is not the project itself (a user or namespace on the same forge). ``api_url`` defaults
    to the public service of ``kind``.

    >>> ForgeTarget(ForgeKind.GITHUB, "acme/zlib", "main", "steward/upgrade/zlib-1.3.1").api_url
    'https://api.github.com'
    """

    kind: ForgeKind
    project: str
    base_branch: str
    head_branch: str
    head_owner: str | None = None
    api_url: str = ""

    def __post_init__(self) -> None:
        try:
            kind = ForgeKind(self.kind)
        except ValueError:
            choices = ", ".join(k.value for k in ForgeKind)
            raise ValueError(f"unknown forge {self.kind!r}; expected one of {choices}") from None
        object.__setattr__(self, "kind", kind)
        project = self.project.strip("/")
        segments = project.split("/")
        wanted = "group/.../repo" if kind is ForgeKind.GITLAB else "owner/repo"
        if (
            any(not s or s in (".", "..") for s in segments)
            or len(segments) < 2
            or (kind is not ForgeKind.GITLAB and len(segments) != 2)
        ):
            raise ValueError(f"{_FORGE_NAMES[kind]} project must look like {wanted}: {project!r}")
        object.__setattr__(self, "project", project)
        for name in ("base_branch", "head_branch"):
            if not getattr(self, name):
                raise ValueError(f"{name} must not be empty")
        api_url = (self.api_url or DEFAULT_API_URLS[kind]).rstrip("/")
        parts = urlsplit(api_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"forge API URL must be an http(s) URL: {api_url!r}")
        if parts.username is not None or parts.query:
            # Credentials come from Credentials, never from a URL that ends up in messages.
            raise ValueError("forge API URL must not carry user info or a query string")
        object.__setattr__(self, "api_url", api_url)

    @property
    def forge_name(self) -> str:
        return _FORGE_NAMES[self.kind]

    @property
    def noun(self) -> str:
        """What the forge calls the request: ``pull request`` or ``merge request``."""
        return "merge request" if self.kind is ForgeKind.GITLAB else "pull request"

    @property
    def api_host(self) -> str:
        return urlsplit(self.api_url).hostname or ""

    @property
    def owner(self) -> str:
        """The project's owner (GitHub, Gitee) or namespace path (GitLab)."""
        return self.project.rsplit("/", 1)[0]

    @property
    def name(self) -> str:
        """The repository's own name, the last segment of ``project``."""
        return self.project.rsplit("/", 1)[1]


@dataclass(frozen=True, slots=True)
class Proposal:
    """The pull (merge) request that carries an upgrade.

    ``number`` is what the forge shows (GitHub and Gitee ``#number``, GitLab ``!iid``);
    ``created`` is False when an open request for the same head branch already existed.
    """

    url: str
    number: int
    created: bool


# --------------------------------------------------------------------------- git push


_KEPT_GIT_VARIABLES = frozenset({"GIT_SSH", "GIT_SSH_COMMAND", "GIT_SSH_VARIANT"})
_HTTP_USERINFO = re.compile(r"(?i)\b(https?://)[^/\s@'\"]+@")
_OTHER_PASSWORD = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@'\"]+):[^/\s@'\"]+@")


def _redact_urls(text: str) -> str:
    """``text`` with credentials in URLs replaced: a token can be an http user name too."""
    text = _HTTP_USERINFO.sub(r"\1REDACTED@", text)
    return _OTHER_PASSWORD.sub(r"\1:REDACTED@", text)


def _git_environment() -> dict[str, str]:
    # GIT_DIR, GIT_INDEX_FILE, GIT_CONFIG_PARAMETERS … set by a calling git (hooks, aliases)
    # would point this push at another repository or configuration; the user's ssh setup
    # stays. No prompt may appear: git must fail, not wait for a password nobody types.
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("GIT_") or name in _KEPT_GIT_VARIABLES
    }
    env.pop("SSH_ASKPASS", None)
    env.update(
        GIT_TERMINAL_PROMPT="0",
        GCM_INTERACTIVE="never",
        SSH_ASKPASS_REQUIRE="never",
        LC_ALL="C",  # git's messages are parsed below; keep them in English
        LANGUAGE="C",
    )
    return env


def _run_git(repo: Path, args: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    """Run git detached from the terminal, killing its whole process group on timeout."""
    command = ["git", "-c", "core.askPass=", *args]
    try:
        process = subprocess.Popen(
            command,
            cwd=repo,
            env=_git_environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
            # A new session has no controlling terminal, so ssh cannot prompt on /dev/tty,
            # and the group id lets a timeout stop ssh or a credential helper along with git.
            start_new_session=True,
        )
    except FileNotFoundError:
        raise UpgradeError(_PROPOSE, "git is not installed (needed to push the branch)") from None
    except NotADirectoryError:
        raise UpgradeError(_PROPOSE, f"{repo} is not a directory") from None
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def _git_messages(stderr: str) -> str:
    # git's "hint:" lines suggest `git pull` and `--force`; Steward's own advice replaces them.
    lines = [line.rstrip() for line in stderr.splitlines()]
    return "\n".join(line for line in lines if line and not line.startswith("hint:"))


def push_branch(repo: Path, remote: str, branch: str, *, timeout: float = 120.0) -> None:
    """Push local ``branch`` of ``repo`` to the branch of the same name on ``remote``.

    ``remote`` is a remote name or URL. The push is a plain fast-forward push: a remote
    branch with commits the local one lacks is an error, never overwritten. Raises
    :class:`UpgradeError` (step ``propose``) with git's own message, credentials in URLs
    redacted.
    """
    repo = Path(repo)
    for what, value in (("remote", remote), ("branch", branch)):
        if not value or value.startswith("-") or any(c.isspace() for c in value):
            # A leading dash would be read as an option (`--force`, `--mirror`, …).
            raise UpgradeError(_PROPOSE, f"refusing to push: invalid {what} {value!r}")
    shown_remote = _redact_urls(remote)
    ref = f"refs/heads/{branch}"
    try:
        found = _run_git(repo, ["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], timeout)
        if found.returncode != 0:
            raise UpgradeError(_PROPOSE, f"cannot push: {repo} has no branch {branch!r}")
        # Fully qualified on both sides: a tag called like the branch cannot be pushed instead.
        pushed = _run_git(repo, ["push", "--", remote, f"{ref}:{ref}"], timeout)
    except subprocess.TimeoutExpired:
        raise UpgradeError(
            _PROPOSE,
            f"git push of {branch} to {shown_remote} did not finish within {timeout:g} s and "
            "was stopped; check the network and that the remote needs no interactive login",
        ) from None
    if pushed.returncode == 0:
        return
    details = _redact_urls(_git_messages(pushed.stderr)) or f"git exited with {pushed.returncode}"
    if "[rejected]" in pushed.stderr or "non-fast-forward" in pushed.stderr:
        raise UpgradeError(
            _PROPOSE,
            f"git push of {branch} to {shown_remote} was rejected: the remote branch has "
            "commits that the local one does not (not a fast-forward). Steward never "
            "force-pushes; delete or rename the remote branch, or re-run the upgrade on top "
            f"of it.\n{details}",
        )
    raise UpgradeError(_PROPOSE, f"git push of {branch} to {shown_remote} failed:\n{details}")


# --------------------------------------------------------------------------- remote URLs


_SCP_LIKE = re.compile(r"^(?:[^@/\s]+@)?(?P<host>[^/:\s]+):(?P<path>[^/\s].*)$")
_GITHUB_HOSTS = frozenset({"github.com", "www.github.com", "ssh.github.com"})
_GITLAB_HOSTS = frozenset({"gitlab.com", "altssh.gitlab.com"})
_GITEE_HOSTS = frozenset({"gitee.com"})


def derive_target(
    remote_url: str,
    *,
    base_branch: str,
    head_branch: str,
    gitlab_hosts: Iterable[str] = (),
) -> ForgeTarget | None:
    """The forge project behind a ``git remote get-url`` answer, or None if unknown.

    https, ssh and scp-like (``git@host:path``) URLs are understood for github.com,
    gitlab.com, gitee.com and every host in ``gitlab_hosts`` (self-managed GitLab, whose
    API is ``https://<host>/api/v4``).

    >>> derive_target("git@gitee.com:src-openeuler/zlib.git", base_branch="master",
    ...               head_branch="b").project
    'src-openeuler/zlib'
    >>> derive_target("/srv/git/zlib.git", base_branch="main", head_branch="b") is None
    True
    """
    text = remote_url.strip()
    if "://" in text:
        try:
            parts = urlsplit(text)
            host, port = (parts.hostname or "").lower(), parts.port
        except ValueError:
            return None
        scheme, path = parts.scheme.lower(), parts.path
    else:
        match = _SCP_LIKE.match(text)
        if match is None or len(match["host"]) == 1:  # "C:\..." is a Windows path
            return None
        scheme, host, port, path = "ssh", match["host"].lower(), None, match["path"]
    path = path.strip("/").removesuffix(".git").strip("/")
    custom_gitlab = {h.strip().lower() for h in gitlab_hosts}
    if host in _GITHUB_HOSTS:
        kind, api_url = ForgeKind.GITHUB, DEFAULT_API_URLS[ForgeKind.GITHUB]
    elif host in _GITLAB_HOSTS:
        kind, api_url = ForgeKind.GITLAB, DEFAULT_API_URLS[ForgeKind.GITLAB]
    elif host in _GITEE_HOSTS:
        kind, api_url = ForgeKind.GITEE, DEFAULT_API_URLS[ForgeKind.GITEE]
    elif host in custom_gitlab:
        # An ssh port says nothing about the web port; an http(s) remote's does.
        web = scheme if scheme in ("http", "https") else "https"
        netloc = f"{host}:{port}" if port is not None and web == scheme else host
        kind, api_url = ForgeKind.GITLAB, f"{web}://{netloc}/api/v4"
    else:
        return None
    try:
        return ForgeTarget(kind, path, base_branch, head_branch, api_url=api_url)
    except ValueError:
        return None


# --------------------------------------------------------------------------- forge API


class _ForgeClient:
    """One forge session: the shared fetch engine (with its guard), the token and the error
    wording."""

    def __init__(self, target: ForgeTarget, secret: str, fetcher: Fetcher, timeout: float) -> None:
        self.target = target
        self._secret = secret
        self._fetcher = fetcher
        self._timeout = timeout

    def redact(self, text: str) -> str:
        # A forge (or something pretending to be one) may echo the token in an error body.
        return text.replace(self._secret, "REDACTED") if self._secret else text

    def _auth(self, method: str, payload: dict[str, Any] | None) -> dict[str, str]:
        kind = self.target.kind
        if kind is ForgeKind.GITHUB:
            return {
                "Authorization": f"Bearer {self._secret}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
            }
        if kind is ForgeKind.GITLAB:
            return {"PRIVATE-TOKEN": self._secret, "Accept": "application/json"}
        if method == "POST" and payload is not None:
            payload["access_token"] = self._secret
            return {"Accept": "application/json"}
        return {"Authorization": f"Bearer {self._secret}", "Accept": "application/json"}

    async def call(
        self,
        method: str,
        path: str,
        *,
        doing: str,
        params: Mapping[str, str] | None = None,
        payload: dict[str, Any] | None = None,
    ) -> Any:
        """Send one request and return its JSON; ``doing`` completes "<Forge> refused …"."""
        url = self.target.api_url + path + (f"?{urlencode(params)}" if params else "")
        body = dict(payload) if payload is not None else None
        headers = self._auth(method, body)
        forge, api_url = self.target.forge_name, self.target.api_url
        try:
            result = await self._fetcher.request(method, url, headers=headers, json_body=body)
        except Timeout:
            raise UpgradeError(
                _PROPOSE,
                f"{forge} at {api_url} did not answer {method} {path} within {self._timeout:g} s",
            ) from None
        except BlockedDestination as exc:
            raise UpgradeError(
                _PROPOSE,
                f"refusing to contact {forge} at {api_url}: {exc.host} resolves to "
                f"{exc.address}, a {exc.reason} address (allow private addresses in the "
                "configuration to permit it)",
            ) from None
        except FetchError as exc:
            raise UpgradeError(
                _PROPOSE, self.redact(f"{method} {path} at {forge} ({api_url}) failed: {exc}")
            ) from None
        content = result.body or b""
        if not 200 <= result.status < 300:
            raise UpgradeError(_PROPOSE, self._refusal(result.status, content, doing))
        try:
            return json.loads(content)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise UpgradeError(
                _PROPOSE, f"{forge} answered {method} {path} with something that is not JSON"
            ) from None

    def _refusal(self, status: int, content: bytes, doing: str) -> str:
        target, forge = self.target, self.target.forge_name
        message = f"{forge} refused {doing} ({status}): {_forge_message(content)}"
        if status == 401:
            message += f"; check the token for {target.api_host} ({_token_hint(target.api_host)})"
        elif status == 403:
            message += f"; the token may lack permission to open {target.noun}s in {target.project}"
        elif status == 404:
            message += (
                f"; check that {target.project} exists at {target.api_url} and that the token "
                "can see it"
            )
        elif 300 <= status < 400:
            message += "; the project or API moved: update the API URL or the project path"
        return self.redact(message)


def _flatten(value: Any) -> list[str]:
    """GitLab's ``message`` is a string, a list, or ``{field: [problems]}``."""
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, list):
        return [text for item in value for text in _flatten(item)]
    if isinstance(value, dict):
        return [f"{key} {', '.join(_flatten(problems))}" for key, problems in value.items()]
    return []


def _forge_message(content: bytes) -> str:
    """The human part of a forge's error body (GitHub, GitLab and Gitee shapes)."""
    try:
        data = json.loads(content)
    except (json.JSONDecodeError, UnicodeDecodeError):
        text = content.decode("utf-8", errors="replace").strip()
        first = text.splitlines()[0] if text else ""
        return first[:200] or "no details"
    if not isinstance(data, dict):
        return "no details"
    parts = _flatten(data.get("message"))
    if not parts:
        parts = _flatten(data.get("error_description") or data.get("error"))
    for error in data.get("errors") or []:  # GitHub's validation details
        if isinstance(error, dict):
            detail = error.get("message") or " ".join(
                str(error[key]) for key in ("resource", "field", "code") if error.get(key)
            )
            parts.append(str(detail))
        elif isinstance(error, str):
            parts.append(error)
    return ": ".join(parts) or "no details"


def _token_hint(host: str) -> str:
    variable = _TOKEN_VARIABLES.get(host, f"STEWARD_TOKEN_{host_key(host).upper()}")
    return f"set {variable} or add {host} to the key file"


def _head_owner(pull: Mapping[str, Any]) -> str | None:
    """The owner of a GitHub/Gitee pull request's head repository, if the answer says."""
    head = pull.get("head")
    if not isinstance(head, dict):
        return None
    label = head.get("label")
    if isinstance(label, str) and ":" in label:
        return label.split(":", 1)[0]
    repo = head.get("repo")
    if isinstance(repo, dict) and isinstance(repo.get("full_name"), str):
        return str(repo["full_name"]).rsplit("/", 1)[0]
    return None


def _as_proposal(item: Any, url_key: str, number_key: str, created: bool, what: str) -> Proposal:
    if isinstance(item, dict):
        url, number = item.get(url_key), item.get(number_key)
        if isinstance(url, str) and isinstance(number, int):
            return Proposal(url, number, created)
    raise UpgradeError(_PROPOSE, f"{what} answer lacks {url_key!r} or {number_key!r}")


async def _find_github_like(forge: _ForgeClient) -> Proposal | None:
    target = forge.target
    owner = target.head_owner or target.owner
    path = f"/repos/{quote(target.owner, safe='')}/{quote(target.name, safe='')}/pulls"
    params = {"state": "open", "head": f"{owner}:{target.head_branch}", "per_page": "100"}
    doing = f"to list open {target.noun}s of {target.project}"
    pulls = await forge.call("GET", path, params=params, doing=doing)
    for pull in pulls if isinstance(pulls, list) else []:
        head = pull.get("head") if isinstance(pull, dict) else None
        # The query already filters; checking again guards against a forge that ignores it.
        if not isinstance(head, dict) or head.get("ref") != target.head_branch:
            continue
        found_owner = _head_owner(pull)
        if found_owner is None or found_owner.lower() == owner.lower():
            return _as_proposal(pull, "html_url", "number", False, target.forge_name)
    return None


async def _create_github_like(forge: _ForgeClient, title: str, body: str) -> Proposal:
    target = forge.target
    path = f"/repos/{quote(target.owner, safe='')}/{quote(target.name, safe='')}/pulls"
    head = f"{target.head_owner}:{target.head_branch}" if target.head_owner else target.head_branch
    payload = {"title": title, "body": body, "head": head, "base": target.base_branch}
    doing = f"the {target.noun}"
    created = await forge.call("POST", path, payload=payload, doing=doing)
    return _as_proposal(created, "html_url", "number", True, target.forge_name)


async def _gitlab_project_id(forge: _ForgeClient, path: str) -> int:
    project = await forge.call(
        "GET", f"/projects/{quote(path, safe='')}", doing=f"to look up project {path}"
    )
    if isinstance(project, dict) and isinstance(project.get("id"), int):
        return int(project["id"])
    raise UpgradeError(_PROPOSE, f"GitLab answer for project {path} lacks its 'id'")


@dataclass(frozen=True, slots=True)
class _GitLabProjects:
    """Where a merge request lives: in the target, or (for a fork) from the fork into it."""

    source_path: str
    source_id: int | None = None
    target_id: int | None = None


async def _gitlab_projects(forge: _ForgeClient) -> _GitLabProjects:
    target = forge.target
    if not target.head_owner:
        return _GitLabProjects(target.project)
    fork = f"{target.head_owner.strip('/')}/{target.name}"
    # A fork's merge request is created in the fork and names the target by numeric id.
    return _GitLabProjects(
        fork, await _gitlab_project_id(forge, fork), await _gitlab_project_id(forge, target.project)
    )


async def _find_gitlab(forge: _ForgeClient, projects: _GitLabProjects) -> Proposal | None:
    target = forge.target
    path = f"/projects/{quote(target.project, safe='')}/merge_requests"
    params = {"state": "opened", "source_branch": target.head_branch, "per_page": "100"}
    doing = f"to list open merge requests of {target.project}"
    requests = await forge.call("GET", path, params=params, doing=doing)
    for request in requests if isinstance(requests, list) else []:
        if not isinstance(request, dict) or request.get("source_branch") != target.head_branch:
            continue
        source = request.get("source_project_id")
        wanted = (
            projects.source_id
            if projects.source_id is not None
            else (request.get("target_project_id"))
        )
        if source is None or wanted is None or source == wanted:
            return _as_proposal(request, "web_url", "iid", False, "GitLab")
    return None


async def _create_gitlab(
    forge: _ForgeClient, projects: _GitLabProjects, title: str, body: str
) -> Proposal:
    target = forge.target
    payload: dict[str, Any] = {
        "source_branch": target.head_branch,
        "target_branch": target.base_branch,
        "title": title,
        "description": body,
    }
    if projects.target_id is not None:
        payload["target_project_id"] = projects.target_id
    path = f"/projects/{quote(projects.source_path, safe='')}/merge_requests"
    created = await forge.call("POST", path, payload=payload, doing="the merge request")
    return _as_proposal(created, "web_url", "iid", True, "GitLab")


def _fit_body(kind: ForgeKind, body: str) -> str:
    limit = _BODY_LIMITS.get(kind)
    if limit is None or len(body) <= limit:
        return body
    return body[: limit - len(_TRUNCATION_NOTE)] + _TRUNCATION_NOTE


async def open_pull_request(
    target: ForgeTarget,
    title: str,
    body_markdown: str,
    *,
    credentials: Credentials,
    allow_private: bool = False,
    timeout: float = 30.0,
) -> Proposal:
    """Open a pull (merge) request from ``target.head_branch`` into ``target.base_branch``.

    If the forge already has an open request from the same head branch, that one is returned
    with ``created=False`` and nothing is sent. ``timeout`` bounds each API call. Every
    failure (no token, guard refusal, HTTP error, unreachable forge) is an
    :class:`UpgradeError` naming the forge and, for HTTP errors, the status and the forge's
    own message; the token never appears in it.
    """
    if not title.strip():
        raise UpgradeError(_PROPOSE, f"a {target.noun} needs a title")
    host = target.api_host
    token = credentials.for_host(host)
    if token is None or not token.secret:
        raise UpgradeError(
            _PROPOSE,
            f"no token for {host} to open a {target.noun} on {target.forge_name}: "
            f"{_token_hint(host)}",
        )
    # The one fetch engine: its guard vets every connection's addresses in the resolver and
    # connects to exactly those; requests other than GET are neither retried nor redirected.
    config = FetchConfig(
        connect_timeout=timeout,
        read_timeout=timeout,
        total_timeout=timeout,
        request_deadline=timeout,
        max_retries=0,
        max_response_bytes=_MAX_RESPONSE_BYTES,
        allow_private=allow_private,
    )
    async with Fetcher(config) as fetcher:
        forge = _ForgeClient(target, token.secret, fetcher, timeout)
        body = _fit_body(target.kind, body_markdown)
        find: Callable[[], Awaitable[Proposal | None]]
        create: Callable[[], Awaitable[Proposal]]
        if target.kind is ForgeKind.GITLAB:
            projects = await _gitlab_projects(forge)
            find = partial(_find_gitlab, forge, projects)
            create = partial(_create_gitlab, forge, projects, title, body)
        else:
            find = partial(_find_github_like, forge)
            create = partial(_create_github_like, forge, title, body)
        existing = await find()
        if existing is not None:
            return existing
        try:
            return await create()
        except UpgradeError as refused:
            # Another run may have opened one since we looked (GitHub answers 422, GitLab
            # 409), or the forge's list lagged behind; an open request found now is the answer.
            try:
                existing = await find()
            except UpgradeError:
                existing = None
            if existing is None:
                raise refused from None
            return existing
