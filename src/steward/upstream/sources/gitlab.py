"""GitLab, on gitlab.com or any instance, through the REST API v4 (https://docs.gitlab.com/api/).

``project`` is the project's path (``GNOME/libgee``, ``group/subgroup/project``), sent
URL-encoded (``GNOME%2Flibgee``) as the API requires, or its numeric id; option ``host`` names
the instance (default ``gitlab.com``). By default every tag is listed
(``GET /api/v4/projects/{id}/repository/tags``; the date is an annotated tag's ``created_at``,
else its commit's); ``use_releases`` lists releases (``/releases``: ``released_at``, the
release page; upcoming releases are skipped). GitLab has no pre-release flag. Lists are read
100 a page, following ``Link`` or ``X-Next-Page``.

The base URL is ``https://{host}``; a base-URL override keyed ``gitlab:{host}`` redirects one
instance (``gitlab:gitlab.gnome.org``), one keyed ``gitlab`` every instance.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from steward.upstream.sources._forge import (
    ForgeOptions,
    api_base,
    dig,
    list_pages,
    named,
    parse_time,
    quote_tag,
    release_from,
)
from steward.upstream.sources.base import SourceContext, Upstream
from steward.upstream.versions import Release

KIND = "gitlab"
TAGS = True
NEWEST_FIRST = True  # the API lists the newest first: a release cap keeps the head
#: Source0/URL spellings this backend recognises; group 1 is the project.
URLS = (re.compile(r"^https?://gitlab\.com/((?:[^/]+/)+?[^/]+?)(?:\.git)?/-/"),)


async def fetch(upstream: Upstream, ctx: SourceContext) -> list[Release]:
    options = ForgeOptions.read(upstream, default_host="gitlab.com", nested=True)
    host = options.host or "gitlab.com"
    project = quote(options.path, safe="")
    api = f"{api_base(ctx, KIND, host, f'https://{host}')}/api/v4/projects/{project}"
    missing = f"no GitLab project {options.path} on {host}"
    # "latest" reads the release list too: the engine picks the newest release anyway.
    what = "repository/tags" if options.mode == "tags" else "releases"
    items = await list_pages(
        ctx, f"{api}/{what}?per_page=100", max_pages=options.max_pages, missing=missing
    )
    if what == "releases":
        releases = (_release(item) for _, item in named(items, "tag_name"))
        return [r for r in releases if r is not None]
    web = None if options.path.isdigit() else f"https://{host}/{options.path}/-/tags"
    return [
        Release(
            tag=tag,
            version=tag,
            date=parse_time(item.get("created_at") or dig(item, "commit", "created_at")),
            url=f"{web}/{quote_tag(tag)}" if web else None,
        )
        for tag, item in named(items)
    ]


def _release(item: dict[str, Any]) -> Release | None:
    if item.get("upcoming_release"):  # announced for a future date: not released yet
        return None
    page = dig(item, "_links", "self")
    url = page if isinstance(page, str) else None
    return release_from(item, dates=("released_at", "created_at"), url=url)
