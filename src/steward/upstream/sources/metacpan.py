"""CPAN releases from the MetaCPAN API
(https://github.com/metacpan/metacpan-api/blob/master/docs/API-docs.md).

nvchecker reads ``/release/<dist>``, the latest release only; Steward needs every release, so
it asks the release search: ``GET https://fastapi.metacpan.org/v1/release/_search`` with
``q=distribution:<dist>``, newest first. Releases deleted from CPAN (``status: backpan``) and
unauthorized uploads (``authorized: false``) do not count; ``maturity: developer``
(``1.23_01``) marks a pre-release. Versions stay as CPAN writes them: ``0.30`` is not ``0.3``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from steward.upstream.fetch import MalformedResponse
from steward.upstream.sources._forge import parse_time
from steward.upstream.sources.base import (
    SourceContext,
    Upstream,
    UpstreamConfigError,
    UpstreamNotFound,
)
from steward.upstream.versions import Release

KIND = "metacpan"
TAGS = False

PUBLIC_BASE = "https://fastapi.metacpan.org"
_DIST = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+-]*")
_FIELDS = "version,date,status,maturity,authorized,author,name"
_MAX_RELEASES = 1000  # MetaCPAN allows 5000; newest first, so only the oldest could be cut


@dataclass(frozen=True, slots=True)
class MetacpanOptions:
    """The distribution (``libwww-perl``); a module name ``Foo::Bar`` means ``Foo-Bar``."""

    distribution: str

    @classmethod
    def from_upstream(cls, upstream: Upstream) -> MetacpanOptions:
        dist = upstream.project.strip().replace("::", "-")
        if not _DIST.fullmatch(dist):
            raise UpstreamConfigError(f"metacpan: {dist!r} is not a CPAN distribution name")
        return cls(dist)


async def fetch(upstream: Upstream, ctx: SourceContext) -> list[Release]:
    options = MetacpanOptions.from_upstream(upstream)
    query = urlencode(
        {
            "q": f"distribution:{options.distribution}",
            "_source": _FIELDS,
            "sort": "date:desc",
            "size": _MAX_RELEASES,
        }
    )
    url = f"{ctx.base_url(KIND, PUBLIC_BASE)}/v1/release/_search?{query}"
    doc = await ctx.fetcher.get_json(url)
    try:
        hits = [hit["_source"] for hit in doc["hits"]["hits"]]
        releases: dict[str, Release] = {}
        for item in hits:
            release = _release(item)
            if release is not None and release.version not in releases:
                releases[release.version] = release  # newest first: the first upload wins
    except (KeyError, TypeError, AttributeError) as exc:
        raise MalformedResponse(f"unexpected MetaCPAN JSON from {url}: {exc!r}", url=url) from None
    if not hits:
        raise UpstreamNotFound(f"no CPAN distribution {options.distribution!r} ({url})")
    return list(releases.values())


def _release(item: dict[str, Any]) -> Release | None:
    version = item.get("version")
    if version is None or item.get("status") == "backpan" or item.get("authorized") is False:
        return None
    version = str(version)
    maturity = item.get("maturity")
    prerelease = maturity == "developer" if maturity in ("developer", "released") else None
    author, name = item.get("author"), item.get("name")
    url = f"https://metacpan.org/release/{author}/{name}" if author and name else None
    return Release(version, version, parse_time(item.get("date")), url, prerelease)
