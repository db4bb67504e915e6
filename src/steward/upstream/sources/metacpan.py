"""CPAN releases from the MetaCPAN API
(https://github.com/metacpan/metacpan-api/blob/master/docs/API-docs.md).

Steward needs every release, so it asks the release search: ``GET
https://fastapi.metacpan.org/v1/release/_search`` with ``q=distribution:<dist>``, newest
first. Releases deleted from CPAN (``status: backpan``) and unauthorized uploads
(``authorized: false``) do not count; ``maturity: developer`` (``1.23_01``) marks a
pre-release. Versions stay as CPAN writes them: ``0.30`` is not ``0.3``.

It also reads ``/v1/release/<dist>``, the document MetaCPAN's own clients (and nvchecker)
take as the distribution's release: the one ``status: latest``, which PAUSE indexed. The
answer agrees with it: that release is listed even if the search missed it, and a
``maturity: released`` upload that rpm would order above it but CPAN does not call latest
(``1.10`` uploaded before ``1.9``: Perl reads 1.10 as 1.1) is flagged as not a stable
release, so the newest stable release is CPAN's latest. A distribution with no latest
release (404) is read from the search alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from steward.upstream.fetch import HttpStatusError, MalformedResponse
from steward.upstream.sources._forge import parse_time
from steward.upstream.sources.base import (
    SourceContext,
    Upstream,
    UpstreamConfigError,
    UpstreamNotFound,
)
from steward.upstream.versions import Release, compare_versions

KIND = "metacpan"
TAGS = False
NEWEST_FIRST = True  # the API lists the newest first: a release cap keeps the head
#: nvchecker ``source`` names this backend reads, and the key naming the project.
NVCHECKER = {"cpan": "cpan", "metacpan": "metacpan"}
#: Source0/URL spellings this backend recognises; group 1 is the project.
URLS = (
    re.compile(
        r"^https?://(?:www\.cpan\.org|cpan\.metacpan\.org|search\.cpan\.org)/.*/([A-Za-z0-9]+(?:-[A-Za-z][A-Za-z0-9]*)*)-v?\d[^/]*$"
    ),
    re.compile(r"^https?://(?:fastapi\.)?metacpan\.org/(?:release|dist)/([^/]+)"),
)
#: openEuler ``version_control`` kinds this backend serves.
METADATA_KINDS = ("metacpan",)

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
    base = ctx.base_url(KIND, PUBLIC_BASE)
    latest = await _latest(f"{base}/v1/release/{options.distribution}", ctx)
    releases = await _search(options, base, ctx)
    return _agree_with_latest(releases, latest)


async def _latest(url: str, ctx: SourceContext) -> Release | None:
    """The release MetaCPAN calls the distribution's latest, ``None`` without one."""
    try:
        doc = await ctx.fetcher.get_json(url)
    except HttpStatusError as exc:
        if exc.status == 404:
            return None
        raise
    if not isinstance(doc, dict):
        raise MalformedResponse(f"unexpected MetaCPAN JSON from {url}: not an object", url=url)
    if doc.get("status") != "latest":
        return None
    return _release(doc)


def _agree_with_latest(releases: list[Release], latest: Release | None) -> list[Release]:
    if latest is None or latest.prerelease:
        return releases
    if all(r.version != latest.version for r in releases):
        releases.append(latest)
    # Ranked above CPAN's latest by rpm, yet not what PAUSE indexed: not a stable release.
    return [
        Release(r.tag, r.version, r.date, r.url, True)
        if not r.prerelease and compare_versions(_bare(r.version), _bare(latest.version)) > 0
        else r
        for r in releases
    ]


def _bare(version: str) -> str:
    """A CPAN version as an rpm ``Version:`` spells it: ``v1.2.3`` is packaged as 1.2.3."""
    return version[1:] if version[:1] in ("v", "V") else version


async def _search(options: MetacpanOptions, base: str, ctx: SourceContext) -> list[Release]:
    query = urlencode(
        {
            "q": f"distribution:{options.distribution}",
            "_source": _FIELDS,
            "sort": "date:desc",
            "size": _MAX_RELEASES,
        }
    )
    url = f"{base}/v1/release/_search?{query}"
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
