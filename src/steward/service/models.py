"""The API's request and response bodies (pydantic): the OpenAPI document is built from these."""

from __future__ import annotations

import datetime as _dt

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "CheckOut",
    "ErrorOut",
    "Health",
    "PackageOut",
    "PackagePage",
    "ReleaseOut",
    "WebhookOut",
]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CheckError(_Model):
    code: str
    message: str | None = None


class PackageOut(_Model):
    """One package of the tree with its latest stored check (what ``steward outdated`` shows)."""

    name: str
    evr: str = Field(description="The spec's epoch:version-release, dist tag expanded.")
    version: str | None
    problems: list[str] = Field(description="Codes of the problems found reading the package.")
    upstream: str | None = Field(description="The upstream's key, e.g. github:owner/repo.")
    upstream_kind: str | None
    status: str | None = Field(description="up-to-date, outdated, ahead, unknown-current, …")
    newest: str | None
    newest_stable: str | None
    recommended: str | None
    versions_behind: int | None
    days_behind: int | None
    checked_at: _dt.datetime | None = Field(description="The latest check; null: never checked.")
    last_success_at: _dt.datetime | None
    error: CheckError | None = Field(description="Why the latest check failed, if it did.")


class PackagePage(_Model):
    """A page of packages: ``items`` from ``offset``, ``total`` matching the filters."""

    items: list[PackageOut]
    total: int
    limit: int
    offset: int


class ReleaseOut(_Model):
    """An upstream release, with when Steward first and last saw it listed."""

    tag: str
    version: str
    date: _dt.datetime | None
    prerelease: bool | None = Field(description="null: the upstream does not say.")
    url: str | None
    first_seen: _dt.datetime
    last_seen: _dt.datetime


class CheckOut(_Model):
    """The outcome of checking one package now."""

    run_id: int
    seconds: float
    requests: int | None = Field(description="HTTP requests the check sent upstream.")
    package: PackageOut


class WebhookOut(_Model):
    """What the receiver did with a delivery."""

    status: str = Field(description="queued (a re-check is on its way) or ignored.")
    reason: str | None = None
    upstream: str | None = None
    ref: str | None = None
    packages: list[str] = Field(default_factory=list)


class ErrorOut(_Model):
    detail: str
    code: str | None = None


class Health(_Model):
    status: str
    packages: int
    checks: int
    packages_checked: int
    check_errors: int
    webhooks_accepted: int
    webhooks_refused: int
    webhooks_ignored: int
