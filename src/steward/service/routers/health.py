"""``/healthz`` (the process answers, with its counters) and ``/readyz`` (the store answers)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException

from steward.service.auth import get_state
from steward.service.models import Health
from steward.service.state import ServiceState

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz(state: Annotated[ServiceState, Depends(get_state)]) -> Health:
    """The service runs; what it did since it started."""
    c = state.counters
    return Health(
        status="ok",
        packages=len(state.distro),
        checks=c.checks,
        packages_checked=c.packages_checked,
        check_errors=c.check_errors,
        webhooks_accepted=c.webhooks_accepted,
        webhooks_refused=c.webhooks_refused,
        webhooks_ignored=c.webhooks_ignored,
    )


@router.get("/readyz", responses={503: {"description": "The store does not answer."}})
def readyz(state: Annotated[ServiceState, Depends(get_state)]) -> dict[str, str]:
    """The store answers a query."""
    try:
        state.store.run(0)
    except Exception as exc:
        raise HTTPException(503, f"the store does not answer: {type(exc).__name__}") from None
    return {"status": "ready"}
