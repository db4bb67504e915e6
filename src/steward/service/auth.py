"""Authentication of the API's write endpoints: a bearer token from ``[service] token``.

No token configured means no writes: the service refuses every write (403) rather than
accepting anyone. The comparison is constant-time; the token is never logged or echoed.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from steward.service.state import ServiceState

__all__ = ["get_state", "require_writer"]

_bearer = HTTPBearer(auto_error=False, description="The [service] token of the configuration.")


def get_state(request: Request) -> ServiceState:
    state: ServiceState = request.app.state.steward
    return state


def require_writer(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """Let the request through only with ``Authorization: Bearer <the configured token>``."""
    token = get_state(request).config.service.token
    if not token:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "writes are disabled: no [service] token is configured"
        )
    if credentials is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "a bearer token is required",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if not hmac.compare_digest(credentials.credentials.encode(), token.encode()):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "the bearer token is not valid",
            headers={"WWW-Authenticate": "Bearer"},
        )
