"""The FastAPI application: one router per resource over one :class:`ServiceState`."""

from __future__ import annotations

from fastapi import FastAPI

from steward import __version__
from steward.service.routers import checks, health, packages, webhooks
from steward.service.state import ServiceState

__all__ = ["create_app"]


def create_app(state: ServiceState) -> FastAPI:
    """The API of one service; ``state`` is shared by every request."""
    app = FastAPI(
        title="Steward",
        version=__version__,
        summary="Upstream releases, outdated packages and checks of an RPM distribution.",
    )
    app.state.steward = state
    for module in (health, packages, checks, webhooks):
        app.include_router(module.router)
    return app
