"""Webhook deliveries as the forges send them: headers, signatures and payload shapes.

Shapes follow each forge's documented examples (GitHub's ``release`` and ``push`` events,
GitLab's "Tag Push Hook" and "Release Hook", Gitee's "Tag Push Hook", Gitea's ``release``),
trimmed to the fields a receiver reads plus enough of the rest to be realistic.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from typing import Any

from steward.service.webhooks import gitee_signature

Delivery = tuple[dict[str, str], bytes]

_SHA = "5b2e1f4c8d7a9e0b3c6d1f2a4b5c6d7e8f9a0b1c"


def _user(login: str) -> dict[str, Any]:
    return {"login": login, "id": 583231, "type": "User", "site_admin": False}


def github_release(repo: str, tag: str, secret: str, *, delivery: str | None = None) -> Delivery:
    owner, name = repo.split("/")
    doc = {
        "action": "published",
        "release": {
            "url": f"https://api.github.com/repos/{repo}/releases/1",
            "html_url": f"https://github.com/{repo}/releases/tag/{tag}",
            "id": 1,
            "tag_name": tag,
            "target_commitish": "main",
            "name": tag,
            "draft": False,
            "prerelease": False,
            "created_at": "2026-12-07T10:00:00Z",
            "published_at": "2026-12-07T10:01:00Z",
            "author": _user(owner),
            "assets": [],
            "tarball_url": f"https://api.github.com/repos/{repo}/tarball/{tag}",
            "body": "Bug fixes.",
        },
        "repository": {
            "id": 1296269,
            "name": name,
            "full_name": repo,
            "private": False,
            "owner": _user(owner),
            "html_url": f"https://github.com/{repo}",
            "default_branch": "main",
        },
        "sender": _user(owner),
    }
    return github(doc, "release", secret, delivery=delivery)


def github_tag_push(repo: str, tag: str, secret: str) -> Delivery:
    owner, name = repo.split("/")
    doc = {
        "ref": f"refs/tags/{tag}",
        "before": "0" * 40,
        "after": _SHA,
        "created": True,
        "deleted": False,
        "forced": False,
        "base_ref": "refs/heads/main",
        "compare": f"https://github.com/{repo}/compare/{tag}",
        "commits": [],
        "head_commit": None,
        "repository": {
            "id": 1296269,
            "name": name,
            "full_name": repo,
            "html_url": f"https://github.com/{repo}",
        },
        "pusher": {"name": owner, "email": f"{owner}@example.org"},
        "sender": _user(owner),
    }
    return github(doc, "push", secret)


def github(doc: Any, event: str, secret: str, *, delivery: str | None = None) -> Delivery:
    body = json.dumps(doc).encode()
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "GitHub-Hookshot/2b7d2f1",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
        "X-GitHub-Hook-ID": "292430182",
        "X-Hub-Signature-256": f"sha256={signature}",
    }
    return headers, body


def gitlab_tag_push(path: str, tag: str, token: str, *, host: str = "gitlab.com") -> Delivery:
    doc = {
        "object_kind": "tag_push",
        "event_name": "tag_push",
        "before": "0" * 40,
        "after": _SHA,
        "ref": f"refs/tags/{tag}",
        "ref_protected": True,
        "checkout_sha": _SHA,
        "user_id": 1,
        "user_name": "John Smith",
        "user_username": "jsmith",
        "project_id": 1,
        "project": {
            "id": 1,
            "name": path.rsplit("/", 1)[-1],
            "web_url": f"https://{host}/{path}",
            "path_with_namespace": path,
            "default_branch": "main",
        },
        "commits": [],
        "total_commits_count": 0,
        "repository": {"name": path.rsplit("/", 1)[-1], "homepage": f"https://{host}/{path}"},
    }
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "GitLab/17.6.0",
        "X-Gitlab-Event": "Tag Push Hook",
        "X-Gitlab-Token": token,
        "X-Gitlab-Event-UUID": str(uuid.uuid4()),
        "X-Gitlab-Instance": f"https://{host}",
    }
    return headers, json.dumps(doc).encode()


def gitee_tag_push(
    repo: str, tag: str, secret: str, *, timestamp_ms: int | None = None
) -> Delivery:
    stamp = str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
    sign = gitee_signature(stamp, secret)
    doc = {
        "hook_name": "tag_push_hooks",
        "hook_id": 1,
        "hook_url": "https://gitee.com/owner/repo/hooks/1/edit",
        "ref": f"refs/tags/{tag}",
        "before": "0" * 40,
        "after": _SHA,
        "created": True,
        "deleted": False,
        "repository": {
            "id": 1,
            "name": repo.split("/")[1],
            "full_name": repo,
            "path_with_namespace": repo,
            "html_url": f"https://gitee.com/{repo}",
        },
        "sender": {"login": "maintainer", "name": "Maintainer"},
        "timestamp": stamp,
        "sign": sign,
        "password": "",
    }
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "git-oschina-hook",
        "X-Gitee-Event": "Tag Push Hook",
        "X-Gitee-Token": sign,
        "X-Gitee-Timestamp": stamp,
        "X-Gitee-Ping": "false",
    }
    return headers, json.dumps(doc).encode()


def gitea_release(repo: str, tag: str, secret: str, *, host: str = "codeberg.org") -> Delivery:
    owner = repo.split("/")[0]
    doc = {
        "action": "published",
        "release": {
            "id": 7,
            "tag_name": tag,
            "target_commitish": "main",
            "name": tag,
            "draft": False,
            "prerelease": False,
            "published_at": "2026-12-07T10:00:00Z",
            "author": {"id": 1, "login": owner},
        },
        "repository": {
            "id": 3,
            "owner": {"id": 1, "login": owner},
            "name": repo.split("/")[1],
            "full_name": repo,
            "html_url": f"https://{host}/{repo}",
        },
        "sender": {"id": 1, "login": owner},
    }
    body = json.dumps(doc).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Gitea-Event": "release",
        "X-Gitea-Event-Type": "release",
        "X-Gitea-Delivery": str(uuid.uuid4()),
        "X-Gitea-Signature": hmac.new(secret.encode(), body, hashlib.sha256).hexdigest(),
        "X-Forgejo-Event": "release",
    }
    return headers, body
