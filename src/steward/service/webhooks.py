"""Forge webhooks: verify each forge's signature scheme, refuse replays, normalise to a hint.

A webhook never tells Steward a version: it only says "upstream X may have a new release".
The service then re-checks that upstream through the normal engine, so a forged or
replayed event can cost one request to the upstream's API and never store a wrong version.

Schemes (each secret compared in constant time with :func:`hmac.compare_digest`):

========== ======================== ======================================================
forge      header                   what it proves
========== ======================== ======================================================
GitHub     ``X-Hub-Signature-256``  ``sha256=`` + hex HMAC-SHA256 of the body
GitLab     ``X-Gitlab-Token``       the shared secret itself (GitLab signs nothing)
Gitee      ``X-Gitee-Token``        base64 HMAC-SHA256 of ``timestamp + "\\n" + secret``
           ``X-Gitee-Timestamp``    (milliseconds; the body is *not* covered)
Gitea      ``X-Gitea-Signature``    hex HMAC-SHA256 of the body (Forgejo: also
                                    ``X-Forgejo-Signature``)
========== ======================== ======================================================

Replays: a delivery id (GitHub, GitLab, Gitea) or a Gitee timestamp is remembered for the
replay window; a second delivery with it is refused, and so is a Gitee timestamp outside
the window (Gitee's own documentation allows one hour of skew).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "FORGES",
    "Hint",
    "ReplayGuard",
    "WebhookError",
    "gitee_signature",
    "parse_event",
    "verify",
]

FORGES = ("github", "gitlab", "gitee", "gitea")


class WebhookError(Exception):
    """A delivery refused: ``status`` is the HTTP status to answer, ``code`` a short name."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class Hint:
    """A hint: upstream ``kind:project`` (on ``host``) may have a new release (``ref``)."""

    forge: str
    kind: str
    project: str
    host: str | None
    event: str
    ref: str | None
    delivery: str | None


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name.lower())
    return value.strip() if value is not None else None


def gitee_signature(timestamp: str, secret: str) -> str:
    """Gitee's signature: base64 of HMAC-SHA256(secret, ``timestamp + "\\n" + secret``)."""
    digest = hmac.new(
        secret.encode("utf-8"), f"{timestamp}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode("ascii")


def _hex_hmac(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def verify(
    forge: str,
    headers: Mapping[str, str],
    body: bytes,
    secret: str,
    *,
    now: float,
    window: float,
) -> str | None:
    """Check the delivery's signature; the replay key (delivery id or timestamp) or ``None``.

    ``headers`` has lower-case names. Raises :class:`WebhookError` (401) on a missing or
    wrong signature, or a Gitee timestamp outside ``window`` seconds of ``now``.
    """
    if forge == "github":
        given = _header(headers, "X-Hub-Signature-256")
        if not given:
            raise WebhookError(401, "unsigned", "X-Hub-Signature-256 is missing")
        if not _same(given, "sha256=" + _hex_hmac(secret, body)):
            raise WebhookError(401, "bad-signature", "X-Hub-Signature-256 does not match")
        return _header(headers, "X-GitHub-Delivery")
    if forge == "gitlab":
        given = _header(headers, "X-Gitlab-Token")
        if not given:
            raise WebhookError(401, "unsigned", "X-Gitlab-Token is missing")
        if not _same(given, secret):
            raise WebhookError(401, "bad-signature", "X-Gitlab-Token does not match")
        return _header(headers, "X-Gitlab-Event-UUID") or _header(headers, "X-Gitlab-Webhook-UUID")
    if forge == "gitee":
        given = _header(headers, "X-Gitee-Token")
        stamp = _header(headers, "X-Gitee-Timestamp")
        if not given or not stamp:
            raise WebhookError(401, "unsigned", "X-Gitee-Token or X-Gitee-Timestamp is missing")
        if not stamp.isdigit() or len(stamp) > 16:
            raise WebhookError(401, "bad-timestamp", "X-Gitee-Timestamp is not milliseconds")
        if abs(now - int(stamp) / 1000) > window:
            raise WebhookError(401, "stale", "X-Gitee-Timestamp is outside the replay window")
        # Gitee's documentation URL-encodes the signature; deliveries send plain base64.
        if not _same(urllib.parse.unquote(given), gitee_signature(stamp, secret)):
            raise WebhookError(401, "bad-signature", "X-Gitee-Token does not match")
        return f"gitee-ts:{stamp}"
    if forge == "gitea":
        given = _header(headers, "X-Gitea-Signature") or _header(headers, "X-Forgejo-Signature")
        if not given:
            raise WebhookError(401, "unsigned", "X-Gitea-Signature is missing")
        if not _same(given.lower(), _hex_hmac(secret, body)):
            raise WebhookError(401, "bad-signature", "X-Gitea-Signature does not match")
        return _header(headers, "X-Gitea-Delivery") or _header(headers, "X-Forgejo-Delivery")
    raise WebhookError(404, "unknown-forge", f"no webhook receiver for {forge!r}")


class ReplayGuard:
    """Delivery keys seen within the last ``window`` seconds (at most ``limit`` of them).

    Past ``limit`` the oldest keys are forgotten first; a forgotten key older than the
    window is no replay risk for Gitee (its timestamp is then refused as stale), and for
    the other forges the re-check it triggers costs one upstream request and stores only
    what the upstream's API says.
    """

    def __init__(self, window: float, limit: int = 100_000) -> None:
        self.window = window
        self.limit = limit
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def first_time(self, key: str, now: float | None = None) -> bool:
        """Remember ``key``; ``False`` when it was already seen within the window."""
        at = time.monotonic() if now is None else now
        with self._lock:
            while self._seen:
                oldest, seen_at = next(iter(self._seen.items()))
                if at - seen_at <= self.window and len(self._seen) < self.limit:
                    break
                del self._seen[oldest]
            if key in self._seen:
                return False
            self._seen[key] = at
            return True


def _load(body: bytes) -> dict[str, Any]:
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError):
        raise WebhookError(400, "bad-json", "the body is not JSON") from None
    if not isinstance(doc, dict):
        raise WebhookError(400, "bad-json", "the body is not a JSON object")
    return doc


def _text(doc: Mapping[str, Any], *path: str) -> str | None:
    value: Any = doc
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value if isinstance(value, str) and value else None


def _host(url: str | None) -> str | None:
    if not url:
        return None
    host = urllib.parse.urlsplit(url).hostname
    return host.lower() if host else None


def _tag_ref(ref: str | None) -> str | None:
    """The tag a ``refs/tags/NAME`` ref names, ``None`` for branches."""
    if ref and ref.startswith("refs/tags/"):
        return ref[len("refs/tags/") :]
    return None


def _github_style_tag(event: str, doc: Mapping[str, Any]) -> str | None:
    """The tag a GitHub-style ``release``, tag ``push`` or tag ``create`` event names."""
    if event == "release":
        return _text(doc, "release", "tag_name")
    if event == "push":
        return _tag_ref(_text(doc, "ref"))
    if event == "create" and _text(doc, "ref_type") == "tag":
        return _text(doc, "ref")
    return None


def parse_event(
    forge: str, headers: Mapping[str, str], body: bytes, delivery: str | None
) -> Hint | None:
    """The hint a verified delivery gives, ``None`` for events that say nothing of releases.

    Raises :class:`WebhookError` (400) for a body that is not JSON or lacks the repository.
    """
    doc = _load(body)
    if forge in ("github", "gitea"):
        # Gitea and Forgejo send GitHub's event names and payload shapes.
        if forge == "github":
            event = _header(headers, "X-GitHub-Event") or ""
        else:
            event = _header(headers, "X-Gitea-Event") or _header(headers, "X-Forgejo-Event") or ""
        ref = _github_style_tag(event, doc)
        if ref is None:
            return None
        project = _text(doc, "repository", "full_name")
        host = _host(_text(doc, "repository", "html_url"))
        kind = forge
    elif forge == "gitlab":
        kind_of_object = _text(doc, "object_kind")
        event = kind_of_object or (_header(headers, "X-Gitlab-Event") or "")
        if kind_of_object == "tag_push":
            ref = _tag_ref(_text(doc, "ref"))
        elif kind_of_object == "release":
            ref = _text(doc, "tag")
        else:
            return None
        project = _text(doc, "project", "path_with_namespace")
        host = _host(_text(doc, "project", "web_url"))
        kind = "gitlab"
    elif forge == "gitee":
        event = _header(headers, "X-Gitee-Event") or _text(doc, "hook_name") or ""
        if event not in ("Tag Push Hook", "tag_push_hooks", "Push Hook", "push_hooks"):
            return None
        ref = _tag_ref(_text(doc, "ref"))
        if ref is None:
            return None
        project = _text(doc, "repository", "full_name") or _text(
            doc, "repository", "path_with_namespace"
        )
        host = _host(_text(doc, "repository", "html_url"))
        kind = "gitee"
    if project is None:
        raise WebhookError(400, "no-repository", "the event names no repository")
    return Hint(forge, kind, project, host, event, ref, delivery)
