"""``POST /webhooks/{forge}``: GitHub, GitLab, Gitee and Gitea/Forgejo deliveries.

In order: a forge Steward has a secret for (else 404/403), a body within
``[service] max_body_kb`` (413), the forge's signature (401), not a replay (409), JSON
that names a repository (400); then an event about releases or tags for an upstream some
package follows is queued for a re-check (202), anything else is answered ``ignored``
(202, nothing done). See :mod:`steward.service.webhooks` for the schemes.
"""

from __future__ import annotations

import hashlib
import logging
import time
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from steward.service.auth import get_state
from steward.service.models import ErrorOut, WebhookOut
from steward.service.state import ServiceState
from steward.service.webhooks import FORGES, WebhookError, parse_event, verify

router = APIRouter(tags=["webhooks"])
log = logging.getLogger("steward.service.webhooks")

_ALIASES = {"forgejo": "gitea"}


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise WebhookError(413, "too-large", f"the body is over {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise WebhookError(413, "too-large", f"the body is over {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _refuse(state: ServiceState, forge: str, exc: WebhookError) -> JSONResponse:
    state.counters.webhooks_refused += 1
    log.warning("webhook %s refused: %s (%s)", forge, exc.code, exc.message)
    return JSONResponse({"detail": exc.message, "code": exc.code}, status_code=exc.status)


@router.post(
    "/webhooks/{forge}",
    response_model=WebhookOut,
    status_code=202,
    responses={
        400: {"model": ErrorOut, "description": "The body is not JSON or names no repository."},
        401: {"model": ErrorOut, "description": "Missing or wrong signature, stale timestamp."},
        403: {"model": ErrorOut, "description": "No secret is configured for this forge."},
        404: {"model": ErrorOut, "description": "No receiver for this forge."},
        409: {"model": ErrorOut, "description": "A replay of a delivery already received."},
        413: {"model": ErrorOut, "description": "The body is over [service] max_body_kb."},
    },
)
async def receive(
    forge: str, request: Request, state: Annotated[ServiceState, Depends(get_state)]
) -> JSONResponse:
    """Receive a forge's webhook: a hint that an upstream may have a new release."""
    name = _ALIASES.get(forge, forge)
    settings = state.config.service
    try:
        if name not in FORGES:
            raise WebhookError(404, "unknown-forge", f"no webhook receiver for {forge[:40]!r}")
        secret = settings.webhook_secrets.get(name)
        if not secret:
            raise WebhookError(403, "no-secret", f"no [service] webhook secret for {name}")
        body = await _read_body(request, settings.max_body_kb * 1024)
        headers = {k.lower(): v for k, v in request.headers.items()}
        window = float(settings.replay_window)
        delivery = verify(name, headers, body, secret, now=time.time(), window=window)
        # Without a delivery id the body itself is the key: the same event twice is a replay.
        key = f"{name}:{delivery or 'sha256:' + hashlib.sha256(body).hexdigest()}"
        if not state.replay.first_time(key):
            raise WebhookError(409, "replay", "this delivery was already received")
        hint = parse_event(name, headers, body, delivery)
    except WebhookError as exc:
        return _refuse(state, forge, exc)
    if hint is None:
        state.counters.webhooks_ignored += 1
        out = WebhookOut(status="ignored", reason="the event says nothing of releases or tags")
        return JSONResponse(out.model_dump(), status_code=202)
    packages = state.index.following(hint.kind, hint.project, hint.host)
    upstream = f"{hint.kind}:{hint.project}"
    if not packages:
        state.counters.webhooks_ignored += 1
        out = WebhookOut(
            status="ignored", reason="no package follows this upstream", upstream=upstream,
            ref=hint.ref,
        )  # fmt: skip
        return JSONResponse(out.model_dump(), status_code=202)
    state.counters.webhooks_accepted += 1
    state.note_hook(hint.kind, hint.project)
    state.enqueue(packages)
    log.info("webhook %s: %s %s -> re-check %s", forge, upstream, hint.ref, ", ".join(packages))
    out = WebhookOut(status="queued", upstream=upstream, ref=hint.ref, packages=list(packages))
    return JSONResponse(out.model_dump(), status_code=202)
