"""Gitee through its API v5 (https://gitee.com/api/v5/swagger), and AtomGit/GitCode, which
serve the same API (https://docs.gitcode.com/docs/openapi/repos/tag).

``project`` is ``owner/repo``. By default every tag is listed
(``GET /api/v5/repos/{owner}/{repo}/tags``; the date is the tagger's, else the commit's);
``use_releases`` lists releases (``/releases``: ``created_at`` and the ``prerelease`` flag)
and ``use_latest_release`` asks for ``/releases/latest``. Lists are read 100 a page; Gitee
counts pages in a ``total_page`` header. Base URLs: ``https://gitee.com`` (override key
``gitee``) and, for an upstream of kind ``atomgit``, ``https://api.atomgit.com`` (override
key ``atomgit``).
"""

from __future__ import annotations

import re
from typing import Any

from steward.upstream.sources._forge import (
    ForgeOptions,
    dig,
    get_or_missing,
    list_pages,
    named,
    parse_time,
    quote_tag,
    release_from,
)
from steward.upstream.sources.base import SourceContext, Upstream
from steward.upstream.versions import Release

KIND = "gitee"
TAGS = True
#: Other kinds this backend serves.
ALIASES = ("atomgit",)
#: Source0/URL spellings this backend recognises; group 1 is the project.
URLS = (re.compile(r"^https?://gitee\.com/([^/]+/[^/#?]+?)(?:\.git)?(?:/|$)"),)


def _site(kind: str) -> tuple[str, str]:
    """The API base and the web address of the v5 forge ``kind`` names."""
    if kind == "atomgit":
        return "https://api.atomgit.com", "https://atomgit.com"
    return "https://gitee.com", "https://gitee.com"


async def fetch(upstream: Upstream, ctx: SourceContext) -> list[Release]:
    options = ForgeOptions.read(upstream)
    kind = "atomgit" if upstream.kind == "atomgit" else KIND
    api_root, web_root = _site(kind)
    repo_url = f"{ctx.base_url(kind, api_root)}/api/v5/repos/{options.path}"
    web = f"{web_root}/{options.path}"
    missing = f"no {kind} repository {options.path}"
    if options.mode == "latest":
        missing += " (or it has no release)"
        item = (await get_or_missing(ctx, f"{repo_url}/releases/latest", missing)).json()
        found = _release(item, web) if isinstance(item, dict) else None
        return [found] if found is not None else []
    what = "releases" if options.mode == "releases" else "tags"
    items = await list_pages(
        ctx,
        f"{repo_url}/{what}?per_page=100",
        max_pages=options.max_pages,
        missing=missing,
        per_page=100,
    )
    if what == "releases":
        releases = (_release(item, web) for _, item in named(items, "tag_name"))
        return [r for r in releases if r is not None]
    return [
        Release(
            tag=tag,
            version=tag,
            date=parse_time(dig(item, "tagger", "date") or dig(item, "commit", "date")),
            url=f"{web}/tree/{quote_tag(tag)}",
        )
        for tag, item in named(items)
    ]


def _release(item: dict[str, Any], web: str) -> Release | None:
    tag = item.get("tag_name")
    url = f"{web}/releases/tag/{quote_tag(tag)}" if isinstance(tag, str) else None
    return release_from(item, dates=("created_at",), url=url)
