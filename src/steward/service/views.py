"""From the store's rows to the API's models, and ETags on the API's reads."""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi import Request, Response
from pydantic import BaseModel

from steward.distro.tree import PackageRecord
from steward.service.models import CheckError, PackageOut
from steward.store.records import CheckRow

__all__ = ["cached_json", "is_outdated", "package_out"]


def package_out(record: PackageRecord, row: CheckRow | None) -> PackageOut:
    """A package as the API shows it: the tree's record and its latest stored check."""
    return PackageOut(
        name=record.name,
        evr=record.evr,
        version=record.version,
        problems=list(record.problem_codes()),
        upstream=row.upstream_key if row else None,
        upstream_kind=row.upstream_kind if row else None,
        status=row.status.value if row and row.status else None,
        newest=row.newest if row else None,
        newest_stable=row.newest_stable if row else None,
        recommended=row.recommended if row else None,
        versions_behind=row.versions_behind if row else None,
        days_behind=row.days_behind if row else None,
        checked_at=row.checked_at if row else None,
        last_success_at=row.last_success_at if row else None,
        error=(
            CheckError(code=row.error_code, message=row.error_message)
            if row and row.error_code
            else None
        ),
    )


def is_outdated(record: PackageRecord, row: CheckRow) -> bool:
    """What ``steward outdated`` lists: a recommended version other than the packaged one."""
    return row.recommended is not None and row.recommended != record.version


def cached_json(request: Request, model: BaseModel | list[Any]) -> Response:
    """``model`` as JSON with a strong ETag; ``304`` when ``If-None-Match`` already has it."""
    if isinstance(model, BaseModel):
        body = model.model_dump_json().encode()
    else:
        from pydantic import TypeAdapter

        body = TypeAdapter(list[Any]).dump_json(model)
    tag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    asked = request.headers.get("if-none-match", "")
    if tag in [t.strip() for t in asked.split(",")] or asked.strip() == "*":
        return Response(status_code=304, headers={"ETag": tag})
    return Response(body, media_type="application/json", headers={"ETag": tag})
