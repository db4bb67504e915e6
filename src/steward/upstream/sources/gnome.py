"""GNOME module releases from ``download.gnome.org``'s ``cache.json``.

``GET https://download.gnome.org/sources/<module>/cache.json`` is the index GNOME's
``ftpadmin`` writes beside the tarballs: a four-element array
``[1, {module: {version: {"tar.xz": "2.79/glib-2.79.1.tar.xz", ...}}},
{module: [versions, oldest first]}, [ignored files]]``. The third element lists the
versions; the second gives each version's files, from which the release URL is made. The
index carries no dates. Which versions are development series (GNOME's odd minor numbers)
is the recommendation's business, not this backend's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from steward.upstream.fetch import HttpStatusError, MalformedResponse
from steward.upstream.sources.base import (
    SourceContext,
    Upstream,
    UpstreamConfigError,
    UpstreamNotFound,
)
from steward.upstream.versions import Release

KIND = "gnome"
TAGS = False
#: Source0/URL spellings this backend recognises; group 1 is the project.
URLS = (
    re.compile(r"^https?://download\.gnome\.org/sources/([^/]+)/"),
    re.compile(r"^https?://ftp\.gnome\.org/pub/(?:GNOME|gnome)/sources/([^/]+)/"),
)

PUBLIC_BASE = "https://download.gnome.org"
_MODULE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]*")
# The archive a release URL points at, best first.
_ARCHIVES = ("tar.xz", "tar.bz2", "tar.gz")


@dataclass(frozen=True, slots=True)
class GnomeOptions:
    """The module name, as in ``download.gnome.org/sources/<module>/``."""

    module: str

    @classmethod
    def from_upstream(cls, upstream: Upstream) -> GnomeOptions:
        module = upstream.project.strip().strip("/")
        if not _MODULE.fullmatch(module):
            raise UpstreamConfigError(f"gnome: {upstream.project!r} is not a GNOME module name")
        return cls(module)


async def fetch(upstream: Upstream, ctx: SourceContext) -> list[Release]:
    options = GnomeOptions.from_upstream(upstream)
    folder = f"{ctx.base_url(KIND, PUBLIC_BASE)}/sources/{quote(options.module, safe='+')}"
    url = f"{folder}/cache.json"
    try:
        doc = await ctx.fetcher.get_json(url)
    except HttpStatusError as exc:
        if exc.status in (404, 410):
            raise UpstreamNotFound(f"no GNOME module {options.module!r} ({exc.url})") from None
        raise
    return releases_from_cache(doc, options.module, folder, url)


def releases_from_cache(doc: Any, module: str, folder: str, url: str) -> list[Release]:
    """The releases a ``cache.json`` document lists for ``module``, oldest first.

    >>> doc = [1, {"glib": {"2.80.0": {"tar.xz": "2.80/glib-2.80.0.tar.xz"}}},
    ...        {"glib": ["2.79.1", "2.80.0"]}, []]
    >>> found = releases_from_cache(doc, "glib", "https://d/sources/glib", "u")
    >>> [(release.version, release.url) for release in found]
    [('2.79.1', None), ('2.80.0', 'https://d/sources/glib/2.80/glib-2.80.0.tar.xz')]
    """
    if not (isinstance(doc, list) and len(doc) >= 3 and isinstance(doc[2], Mapping)):
        raise MalformedResponse(f"{url} is not a GNOME cache.json array", url=url)
    files_by_version = _for_module(doc[1], module) if isinstance(doc[1], Mapping) else None
    versions = _for_module(doc[2], module)
    if versions is None:
        return []
    if not isinstance(versions, list) or not all(isinstance(v, str) for v in versions):
        raise MalformedResponse(f"{url}: the versions of {module!r} are not a list", url=url)
    if not isinstance(files_by_version, Mapping):
        files_by_version = {}
    releases: dict[str, Release] = {}
    for version in versions:
        files = files_by_version.get(version)
        path = _archive(files) if isinstance(files, Mapping) else None
        link = f"{folder}/{path}" if path else None
        releases.setdefault(version, Release(tag=version, version=version, url=link))
    return list(releases.values())


def _for_module(table: Mapping[str, Any], module: str) -> Any:
    """The module's entry; a lone entry under another spelling (case) is taken too."""
    if module in table:
        return table[module]
    if len(table) == 1:
        (only,) = table
        if only.lower() == module.lower():
            return table[only]
    return None


def _archive(files: Mapping[str, Any]) -> str | None:
    for kind in _ARCHIVES:
        path = files.get(kind)
        if isinstance(path, str) and path and ".." not in path.split("/"):
            return path
    return None
