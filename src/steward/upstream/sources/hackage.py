"""Hackage releases from the package's preferred-versions document
(https://hackage.haskell.org/api).

``GET https://hackage.haskell.org/package/<name>/preferred.json`` (the URL nvchecker uses;
``Accept: application/json`` too, so a content-negotiating mirror agrees) lists the
``normal-version`` releases, newest first; ``deprecated-version`` ones (Hackage's yank) and
``unpreferred-version`` ones (outside the maintainers' preferred ranges) do not count.
Hackage has no pre-release flag and this document no dates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from steward.upstream.fetch import MalformedResponse
from steward.upstream.sources._forge import get_or_missing
from steward.upstream.sources.base import SourceContext, Upstream, UpstreamConfigError
from steward.upstream.versions import Release

KIND = "hackage"
TAGS = False
#: Source0/URL spellings this backend recognises; group 1 is the project.
URLS = (
    re.compile(r"^https?://hackage\.haskell\.org/package/([A-Za-z0-9-]+?)(?:-\d[^/]*)?(?:/|$)"),
)
#: openEuler ``version_control`` kinds this backend serves.
METADATA_KINDS = ("hackage",)

PUBLIC_BASE = "https://hackage.haskell.org"
_NAME = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")


@dataclass(frozen=True, slots=True)
class HackageOptions:
    """The package name."""

    name: str

    @classmethod
    def from_upstream(cls, upstream: Upstream) -> HackageOptions:
        name = upstream.project.strip()
        if not _NAME.fullmatch(name):
            raise UpstreamConfigError(f"hackage: {name!r} is not a Hackage package name")
        return cls(name)


async def fetch(upstream: Upstream, ctx: SourceContext) -> list[Release]:
    options = HackageOptions.from_upstream(upstream)
    url = f"{ctx.base_url(KIND, PUBLIC_BASE)}/package/{options.name}/preferred.json"
    missing = f"no Hackage package {options.name!r}"
    doc = (await get_or_missing(ctx, url, missing, accept="application/json")).json()
    try:
        versions = [str(version) for version in doc["normal-version"]]
    except (KeyError, TypeError) as exc:
        raise MalformedResponse(f"unexpected Hackage JSON from {url}: {exc!r}", url=url) from None
    return [
        Release(v, v, url=f"https://hackage.haskell.org/package/{options.name}-{v}")
        for v in versions
    ]
