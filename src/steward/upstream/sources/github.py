"""GitHub and GitHub Enterprise through the REST API (https://docs.github.com/en/rest).

``project`` is ``owner/repo``. By default (and with ``use_max_tag``) every tag is listed
(``GET /repos/{owner}/{repo}/tags``; tags carry no dates); ``use_releases`` lists releases
(``/releases``: ``published_at``, ``html_url`` and the ``prerelease`` flag; drafts are
skipped) and ``use_latest_release`` asks for the one release GitHub calls latest
(``/releases/latest``). Lists are read 100 a page, following ``Link`` headers. The API base
is ``https://api.github.com``, or ``https://{host}/api/v3`` for an Enterprise ``host``; a
``github`` base-URL override wins over both.
"""

from __future__ import annotations

import re
from typing import Any

from steward.upstream.sources._forge import (
    ForgeOptions,
    api_base,
    get_or_missing,
    list_pages,
    named,
    quote_tag,
    release_from,
)
from steward.upstream.sources.base import SourceContext, Upstream
from steward.upstream.versions import Release

KIND = "github"
TAGS = True
NEWEST_FIRST = True  # the API lists the newest first: a release cap keeps the head
#: Source0/URL spellings this backend recognises; group 1 is the project.
URLS = (
    re.compile(r"^https?://github\.com/([^/]+/[^/#?]+?)(?:\.git)?(?:/|$)"),
    re.compile(r"^https?://codeload\.github\.com/([^/]+/[^/]+)/"),
)

_REQUEST: dict[str, Any] = {
    "accept": "application/vnd.github+json",
    "headers": {"X-GitHub-Api-Version": "2022-11-28"},
}


async def fetch(upstream: Upstream, ctx: SourceContext) -> list[Release]:
    options = ForgeOptions.read(upstream)
    host = options.host if options.host != "github.com" else None
    default = f"https://{host}/api/v3" if host else "https://api.github.com"
    repo_url = f"{api_base(ctx, KIND, host, default)}/repos/{options.path}"
    missing = f"no GitHub repository {options.path}"
    if options.mode == "latest":
        missing += " (or it has no published release)"
        result = await get_or_missing(ctx, f"{repo_url}/releases/latest", missing, **_REQUEST)
        item = result.json()
        found = release_from(item) if isinstance(item, dict) else None
        return [found] if found is not None else []
    what = "releases" if options.mode == "releases" else "tags"
    url = f"{repo_url}/{what}?per_page=100"
    items = await list_pages(ctx, url, max_pages=options.max_pages, missing=missing, **_REQUEST)
    if what == "releases":
        releases = (release_from(item) for _, item in named(items, "tag_name"))
        return [r for r in releases if r is not None]
    web = f"https://{host or 'github.com'}/{options.path}/releases/tag"
    return [Release(tag=tag, version=tag, url=f"{web}/{quote_tag(tag)}") for tag, _ in named(items)]
