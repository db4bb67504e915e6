"""RubyGems releases from the rubygems.org API (https://guides.rubygems.org/rubygems-org-api/).

``GET https://rubygems.org/api/v1/versions/<name>.json`` lists every version, newest first,
with ``number``, ``created_at``, ``prerelease`` and ``platform``; yanked versions are not
listed. A version built for several platforms (``ruby``, ``java``, ``x86_64-linux``) appears
once per platform and counts once, with the pure-Ruby gem's date when there is one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from steward.upstream.fetch import MalformedResponse
from steward.upstream.sources._forge import get_or_missing, parse_time
from steward.upstream.sources.base import SourceContext, Upstream, UpstreamConfigError
from steward.upstream.versions import Release

KIND = "rubygems"
TAGS = False
NEWEST_FIRST = True  # the API lists the newest first: a release cap keeps the head
#: nvchecker ``source`` names this backend reads, and the key naming the project.
NVCHECKER = {"gems": "gems", "rubygems": "rubygems"}
#: Source0/URL spellings this backend recognises; group 1 is the project.
URLS = (
    re.compile(
        r"^https?://rubygems\.org/(?:gems|downloads)/([A-Za-z0-9_.-]+?)(?:-\d[^/]*)?(?:\.gem)?$"
    ),
)
#: openEuler ``version_control`` kinds this backend serves.
METADATA_KINDS = ("rubygem",)

PUBLIC_BASE = "https://rubygems.org"
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*")


@dataclass(frozen=True, slots=True)
class RubygemsOptions:
    """The gem name."""

    name: str

    @classmethod
    def from_upstream(cls, upstream: Upstream) -> RubygemsOptions:
        name = upstream.project.strip()
        if not _NAME.fullmatch(name):
            raise UpstreamConfigError(f"rubygems: {name!r} is not a gem name")
        return cls(name)


async def fetch(upstream: Upstream, ctx: SourceContext) -> list[Release]:
    options = RubygemsOptions.from_upstream(upstream)
    url = f"{ctx.base_url(KIND, PUBLIC_BASE)}/api/v1/versions/{options.name}.json"
    items = (await get_or_missing(ctx, url, f"no gem {options.name!r} on RubyGems")).json()
    try:
        chosen: dict[str, dict[str, Any]] = {}
        for item in items:
            number = str(item["number"])
            if number not in chosen or item.get("platform", "ruby") == "ruby":
                chosen[number] = item
        return [_release(options, number, item) for number, item in chosen.items()]
    except (KeyError, TypeError, AttributeError) as exc:
        raise MalformedResponse(f"unexpected RubyGems JSON from {url}: {exc!r}", url=url) from None


def _release(options: RubygemsOptions, number: str, item: dict[str, Any]) -> Release:
    flag = item.get("prerelease")
    prerelease = flag if isinstance(flag, bool) else None
    url = f"https://rubygems.org/gems/{options.name}/versions/{number}"
    return Release(number, number, parse_time(item.get("created_at")), url, prerelease)
