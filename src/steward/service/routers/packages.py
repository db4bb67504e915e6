"""``/api/v1/packages`` and ``/api/v1/outdated``: the tree's packages and their stored checks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response

from steward.distro.tree import PackageRecord
from steward.service.auth import get_state
from steward.service.models import ErrorOut, PackageOut, PackagePage, ReleaseOut
from steward.service.state import ServiceState
from steward.service.views import cached_json, is_outdated, package_out
from steward.store.records import CheckRow
from steward.workflows.check import tree_key

router = APIRouter(prefix="/api/v1", tags=["packages"])

_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "No such package in the tree."}
}
_CACHED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified (If-None-Match matched the ETag)."}
}


Pair = tuple[PackageRecord, CheckRow | None]


def _pairs(state: ServiceState) -> list[Pair]:
    """Every package with its latest stored check (models are built for a page only)."""
    rows = {r.package: r for r in state.store.latest_checks(tree_key(state.distro.root))}
    return [(record, rows.get(record.name)) for record in state.distro]


def _page(pairs: Sequence[Pair], limit: int, offset: int) -> PackagePage:
    items = [package_out(record, row) for record, row in pairs[offset : offset + limit]]
    return PackagePage(items=items, total=len(pairs), limit=limit, offset=offset)


Limit = Annotated[int, Query(ge=1, le=1000, description="Page size.")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="First item of the page.")]


@router.get("/packages", response_model=PackagePage, responses=_CACHED)
def list_packages(
    request: Request,
    state: Annotated[ServiceState, Depends(get_state)],
    limit: Limit = 100,
    offset: Offset = 0,
    status: Annotated[
        str | None, Query(max_length=40, description="Only this status (e.g. outdated).")
    ] = None,
    q: Annotated[str | None, Query(max_length=200, description="Name contains this.")] = None,
) -> Response:
    """Every package of the tree, by name, with its latest stored check."""
    pairs = _pairs(state)
    if status is not None:
        pairs = [(p, r) for p, r in pairs if r is not None and r.status is not None
                 and r.status.value == status]  # fmt: skip
    if q:
        pairs = [(p, r) for p, r in pairs if q.lower() in p.name.lower()]
    return cached_json(request, _page(pairs, limit, offset))


@router.get("/outdated", response_model=PackagePage, responses=_CACHED)
def list_outdated(
    request: Request,
    state: Annotated[ServiceState, Depends(get_state)],
    limit: Limit = 100,
    offset: Offset = 0,
    min_behind: Annotated[
        int, Query(ge=0, le=1_000_000, description="Only packages this many versions behind.")
    ] = 0,
) -> Response:
    """What ``steward outdated`` lists: packages whose recommended version is not packaged."""
    pairs = [
        (p, r)
        for p, r in _pairs(state)
        if r is not None and is_outdated(p, r) and (r.versions_behind or 0) >= min_behind
    ]
    return cached_json(request, _page(pairs, limit, offset))


@router.get("/packages/{name}", response_model=PackageOut, responses={**_NOT_FOUND, **_CACHED})
def get_package(
    request: Request, name: str, state: Annotated[ServiceState, Depends(get_state)]
) -> Response:
    """One package with its latest stored check."""
    record = state.distro.get(name)
    if record is None:
        raise HTTPException(404, f"no package {name!r} in the tree")
    row = state.store.last_known(tree_key(state.distro.root), name)
    return cached_json(request, package_out(record, row))


@router.get(
    "/packages/{name}/releases",
    response_model=list[ReleaseOut],
    responses={**_NOT_FOUND, **_CACHED},
)
def list_releases(
    request: Request, name: str, state: Annotated[ServiceState, Depends(get_state)]
) -> Response:
    """The package's upstream releases in the order Steward first saw them (empty: never
    checked, or no upstream)."""
    if name not in state.distro:
        raise HTTPException(404, f"no package {name!r} in the tree")
    row = state.store.last_known(tree_key(state.distro.root), name)
    if row is None or row.upstream_key is None:
        return cached_json(request, [])
    releases = [
        ReleaseOut(
            tag=s.release.tag,
            version=s.release.version,
            date=s.release.date,
            prerelease=s.release.prerelease,
            url=s.release.url,
            first_seen=s.first_seen,
            last_seen=s.last_seen,
        )
        for s in state.store.releases_for(row.upstream_key)
    ]
    return cached_json(request, [r.model_dump(mode="json") for r in releases])
