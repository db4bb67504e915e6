"""crates.io releases from its web API (https://crates.io/data-access#api).

``GET https://crates.io/api/v1/crates/<name>`` lists every version, newest first, under
``versions`` with ``num``, ``created_at`` and ``yanked``; yanked versions do not count.
crates.io refuses requests without a User-Agent, which the fetcher always sends. Versions are
semver, so a ``-`` before any ``+`` marks a pre-release.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from steward.upstream.fetch import MalformedResponse
from steward.upstream.sources._forge import get_or_missing, parse_time
from steward.upstream.sources.base import SourceContext, Upstream, UpstreamConfigError
from steward.upstream.versions import Release

KIND = "crates"
TAGS = False
NEWEST_FIRST = True  # the API lists the newest first: a release cap keeps the head
#: nvchecker ``source`` names this backend reads, and the key naming the project.
NVCHECKER = {"cratesio": "cratesio", "crates": "crates"}
#: Source0/URL spellings this backend recognises; group 1 is the project.
URLS = (
    re.compile(r"^https?://crates\.io/api/v1/crates/([^/]+)/"),
    re.compile(r"^https?://static\.crates\.io/crates/([^/]+)/"),
    re.compile(r"^https?://crates\.io/crates/([^/]+)"),
)
#: openEuler ``version_control`` kinds this backend serves.
METADATA_KINDS = ("crates",)

PUBLIC_BASE = "https://crates.io"
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")


@dataclass(frozen=True, slots=True)
class CratesOptions:
    """The crate name."""

    name: str

    @classmethod
    def from_upstream(cls, upstream: Upstream) -> CratesOptions:
        name = upstream.project.strip()
        if not _NAME.fullmatch(name):
            raise UpstreamConfigError(f"crates: {name!r} is not a crate name")
        return cls(name)


async def fetch(upstream: Upstream, ctx: SourceContext) -> list[Release]:
    options = CratesOptions.from_upstream(upstream)
    url = f"{ctx.base_url(KIND, PUBLIC_BASE)}/api/v1/crates/{options.name}"
    doc = (await get_or_missing(ctx, url, f"no crate {options.name!r} on crates.io")).json()
    try:
        return [_release(options, item) for item in doc["versions"] if not item.get("yanked")]
    except (KeyError, TypeError, AttributeError) as exc:
        raise MalformedResponse(f"unexpected crates.io JSON from {url}: {exc!r}", url=url) from None


def _release(options: CratesOptions, item: dict[str, Any]) -> Release:
    version = str(item["num"])
    prerelease = "-" in version.partition("+")[0]
    url = f"https://crates.io/crates/{options.name}/{version}"
    return Release(version, version, parse_time(item.get("created_at")), url, prerelease)
