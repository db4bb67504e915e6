"""npm releases from the registry's package document
(https://github.com/npm/registry/blob/main/docs/REGISTRY-API.md).

``GET https://registry.npmjs.org/<name>`` (a scoped name travels as ``@scope%2Fname``)
returns the full document: every published version under ``versions`` and publish times
under ``time``. The abbreviated install document has no times, so it is not asked for.
Deprecated versions still count (deprecation is advice, the tarball stays); unpublished
ones are gone from ``versions``. A semver pre-release (``-`` before any ``+``) is flagged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

from steward.upstream.fetch import MalformedResponse
from steward.upstream.sources._forge import get_or_missing, parse_time
from steward.upstream.sources.base import (
    SourceContext,
    Upstream,
    UpstreamConfigError,
    UpstreamNotFound,
)
from steward.upstream.versions import Release

KIND = "npm"
TAGS = False
#: Source0/URL spellings this backend recognises; group 1 is the project.
URLS = (
    re.compile(r"^https?://registry\.npmjs\.org/((?:@[^/]+/)?[^/]+)/-/"),
    re.compile(r"^https?://(?:www\.)?npmjs\.com/package/((?:@[^/]+/)?[^/]+)"),
)
#: openEuler ``version_control`` kinds this backend serves.
METADATA_KINDS = ("npm",)

PUBLIC_BASE = "https://registry.npmjs.org"
# Lenient on purpose: legacy names may have capitals; only what would break the URL is refused.
_NAME = re.compile(r"(?:@[^/@\s]+/)?[^/@\s.][^/@\s]*")


@dataclass(frozen=True, slots=True)
class NpmOptions:
    """The package name, ``name`` or ``@scope/name``."""

    name: str

    @classmethod
    def from_upstream(cls, upstream: Upstream) -> NpmOptions:
        name = upstream.project.strip()
        if not _NAME.fullmatch(name):
            raise UpstreamConfigError(f"npm: {name!r} is not an npm package name")
        return cls(name)

    @property
    def path(self) -> str:
        """``@scope%2Fname``: the registry takes a scoped name as one path segment."""
        return quote(self.name, safe="@")


async def fetch(upstream: Upstream, ctx: SourceContext) -> list[Release]:
    options = NpmOptions.from_upstream(upstream)
    url = f"{ctx.base_url(KIND, PUBLIC_BASE)}/{options.path}"
    missing = f"no npm package {options.name!r}"
    doc = (await get_or_missing(ctx, url, missing, accept="application/json")).json()
    try:
        times = doc.get("time") or {}
        if "versions" not in doc and "unpublished" in times:
            raise UpstreamNotFound(f"npm package {options.name!r} was unpublished ({url})")
        return [_release(options, version, times.get(version)) for version in doc["versions"]]
    except (KeyError, TypeError, AttributeError) as exc:
        raise MalformedResponse(f"unexpected npm document from {url}: {exc!r}", url=url) from None


def _release(options: NpmOptions, version: str, published: object) -> Release:
    prerelease = "-" in version.partition("+")[0]
    url = f"https://www.npmjs.com/package/{options.name}/v/{version}"
    return Release(version, version, parse_time(published), url, prerelease)
