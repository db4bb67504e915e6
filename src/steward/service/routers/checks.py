"""``POST /api/v1/packages/{name}/check``: check one package against its upstream now."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException

from steward.service.auth import get_state, require_writer
from steward.service.models import CheckOut, ErrorOut
from steward.service.state import ServiceState
from steward.service.views import package_out
from steward.store import StoreError
from steward.workflows.check import tree_key

router = APIRouter(prefix="/api/v1", tags=["checks"])


@router.post(
    "/packages/{name}/check",
    response_model=CheckOut,
    dependencies=[Depends(require_writer)],
    responses={
        401: {"model": ErrorOut, "description": "No or a wrong bearer token."},
        403: {"model": ErrorOut, "description": "Writes are disabled (no token configured)."},
        404: {"model": ErrorOut, "description": "No such package in the tree."},
        503: {"model": ErrorOut, "description": "The store could not record the check."},
    },
)
def check_package(name: str, state: Annotated[ServiceState, Depends(get_state)]) -> CheckOut:
    """Ask the package's upstream now (through the engine, as ``steward check`` does), store
    the answer and return it. A failed upstream is an answer too: see ``package.error``."""
    record = state.distro.get(name)
    if record is None:
        raise HTTPException(404, f"no package {name!r} in the tree")
    try:
        run = state.check([name])
    except StoreError as exc:
        raise HTTPException(503, f"the store could not record the check: {exc}") from None
    row = state.store.last_known(tree_key(state.distro.root), name)
    return CheckOut(
        run_id=run.run_id,
        seconds=round(run.seconds, 3),
        requests=run.fetch.requests if run.fetch else None,
        package=package_out(record, row),
    )
