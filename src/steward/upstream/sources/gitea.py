"""Gitea and Forgejo instances (Codeberg, gitea.com, self-hosted) through the API v1
(https://docs.gitea.com/api/ and https://codeberg.org/api/swagger).

``project`` is ``owner/repo`` on option ``host`` (default ``gitea.com``, as in nvchecker). By
default every tag is listed (``GET /api/v1/repos/{owner}/{repo}/tags``; the date is the
commit's ``created``); ``use_releases`` lists releases (shaped like GitHub's:
``published_at``, ``html_url``, the ``prerelease`` flag; drafts are skipped) and
``use_latest_release`` asks for ``/releases/latest``. Lists are read 50 a page (Gitea's
default maximum), following ``Link`` (or ``X-Total-Count``).

The base URL is ``https://{host}``; a base-URL override keyed ``gitea:{host}`` redirects one
instance, one keyed ``gitea`` every instance. An upstream of kind ``atomgit`` is handed to
:mod:`steward.upstream.sources.gitee`: AtomGit serves Gitee's v5 API, not Gitea's.
"""

from __future__ import annotations

from steward.upstream.sources import gitee
from steward.upstream.sources._forge import (
    ForgeOptions,
    api_base,
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

KIND = "gitea"
TAGS = True
NEWEST_FIRST = True  # the API lists the newest first: a release cap keeps the head

_PAGE = 50


async def fetch(upstream: Upstream, ctx: SourceContext) -> list[Release]:
    if upstream.kind == "atomgit":
        return await gitee.fetch(upstream, ctx)
    options = ForgeOptions.read(upstream, default_host="gitea.com")
    host = options.host or "gitea.com"
    repo_url = f"{api_base(ctx, KIND, host, f'https://{host}')}/api/v1/repos/{options.path}"
    missing = f"no repository {options.path} on {host}"
    if options.mode == "latest":
        missing += " (or it has no release)"
        item = (await get_or_missing(ctx, f"{repo_url}/releases/latest", missing)).json()
        found = release_from(item) if isinstance(item, dict) else None
        return [found] if found is not None else []
    what = "releases" if options.mode == "releases" else "tags"
    items = await list_pages(
        ctx,
        f"{repo_url}/{what}?limit={_PAGE}",
        max_pages=options.max_pages,
        missing=missing,
        per_page=_PAGE,
    )
    if what == "releases":
        releases = (release_from(item) for _, item in named(items, "tag_name"))
        return [r for r in releases if r is not None]
    web = f"https://{host}/{options.path}/releases/tag"
    return [
        Release(
            tag=tag,
            version=tag,
            date=parse_time(dig(item, "commit", "created")),
            url=f"{web}/{quote_tag(tag)}",
        )
        for tag, item in named(items)
    ]
