"""What the forge backends (github, gitlab, gitee, gitea) share: their options, base URLs,
timestamps, and reading a list page by page.

Every forge lists tags and releases in pages. :func:`list_pages` follows whatever the forge
sends: a ``Link: <…>; rel="next"`` header (GitHub, GitLab, Gitea), GitLab's ``X-Next-Page``,
Gitee's ``total_page`` or Gitea's ``X-Total-Count``, and stops after ``max_pages`` pages so
that one huge repository cannot spend a whole rate-limit quota.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit

from steward.upstream.fetch import FetchResult, HttpStatusError, MalformedResponse, redact_url
from steward.upstream.sources.base import (
    SourceContext,
    Upstream,
    UpstreamConfigError,
    UpstreamNotFound,
)
from steward.upstream.versions import Release

DEFAULT_MAX_PAGES = 10
Mode = Literal["tags", "releases", "latest"]

_SEGMENT = re.compile(r"[\w.-]+")
_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::\d{1,5})?")
_LINK = re.compile(r"<([^>]*)>([^<]*)")
_REL = re.compile(r'rel\s*=\s*"?([^";,]*)"?', re.IGNORECASE)
# What urllib.parse.quote leaves as it is (letters, digits, "_.-~" and its default safe "/").
_UNQUOTED = re.compile(r"[A-Za-z0-9_.~/-]*")


def quote_tag(tag: str) -> str:
    """``urllib.parse.quote(tag)``, for a tag's web URL; most tags need no escape, and a
    check builds one URL per tag."""
    return tag if _UNQUOTED.fullmatch(tag) else quote(tag)


@dataclass(frozen=True, slots=True)
class ForgeOptions:
    """A forge upstream's options, read from :class:`Upstream` and checked.

    ``path`` is ``owner/repo`` (GitLab: ``group/subgroup/project`` or a numeric id);
    ``mode`` is ``tags`` (default; ``use_max_tag``/``use_tags``), ``releases``
    (``use_releases``, nvchecker's ``use_max_release``) or ``latest``
    (``use_latest_release``); ``max_pages`` (default 10) bounds the pages read.
    """

    path: str
    host: str | None
    mode: Mode
    max_pages: int

    @classmethod
    def read(
        cls, upstream: Upstream, *, default_host: str | None = None, nested: bool = False
    ) -> ForgeOptions:
        return cls(
            path=_project_path(upstream, nested=nested),
            host=_host(upstream, default_host),
            mode=_mode(upstream),
            max_pages=_max_pages(upstream),
        )


def _project_path(upstream: Upstream, *, nested: bool) -> str:
    path = upstream.project.strip().strip("/").removesuffix(".git")
    segments = path.split("/")
    valid = all(_SEGMENT.fullmatch(s) and s not in (".", "..") for s in segments)
    if nested:
        valid = valid and (len(segments) >= 2 or path.isdigit())
        shape = "'group/project' or a numeric project id"
    else:
        valid = valid and len(segments) == 2
        shape = "'owner/repo'"
    if not valid:
        raise UpstreamConfigError(f"{upstream.kind} project {upstream.project!r} is not {shape}")
    return path


def _host(upstream: Upstream, default: str | None) -> str | None:
    host = upstream.option("host", default)
    if host is None:
        return None
    host = host.strip().lower()
    if not _HOST.fullmatch(host):
        raise UpstreamConfigError(
            f"{upstream.kind} host {host!r} is not a host name (write 'gitlab.example.org', "
            "without scheme or path)"
        )
    return host


_MODE_FLAGS: tuple[tuple[Mode, str], ...] = (
    ("tags", "use_max_tag"),
    ("tags", "use_tags"),
    ("releases", "use_releases"),
    ("releases", "use_max_release"),
    ("latest", "use_latest_release"),
)


def _mode(upstream: Upstream) -> Mode:
    asked = [(mode, key) for mode, key in _MODE_FLAGS if upstream.flag(key)]
    if len({mode for mode, _ in asked}) > 1:
        keys = ", ".join(key for _, key in asked)
        raise UpstreamConfigError(f"{upstream.kind} options {keys} contradict each other")
    return asked[0][0] if asked else "tags"


def _max_pages(upstream: Upstream) -> int:
    raw = upstream.option("max_pages", str(DEFAULT_MAX_PAGES)) or ""
    if not raw.strip().isdigit() or int(raw) < 1:
        raise UpstreamConfigError(f"max_pages {raw!r} is not a positive whole number")
    return int(raw)


def api_base(ctx: SourceContext, kind: str, host: str | None, default: str) -> str:
    """The base URL for ``kind`` on ``host``: the ``"<kind>:<host>"`` override (one GitLab
    or Gitea instance), else the ``kind`` override (every instance), else ``default``."""
    if host is not None:
        specific = ctx.base_urls.get(f"{kind}:{host}")
        if specific:
            return specific.rstrip("/")
    return ctx.base_url(kind, default)


def parse_time(value: object) -> datetime | None:
    """An ISO 8601 timestamp as an aware UTC datetime; ``None`` when absent or unreadable.

    >>> parse_time("2024-01-02T11:04:05+08:00"), parse_time(None)
    (datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc), None)
    """
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def dig(item: Any, *keys: str) -> Any:
    """``item[k1][k2]…``, or ``None`` as soon as a level is missing or not an object."""
    for key in keys:
        if not isinstance(item, dict):
            return None
        item = item.get(key)
    return item


def named(items: list[Any], key: str = "name") -> list[tuple[str, dict[str, Any]]]:
    """``(item[key], item)`` for the items that are objects with a string ``key``."""
    return [(i[key], i) for i in items if isinstance(i, dict) and isinstance(i.get(key), str)]


def release_from(
    item: dict[str, Any],
    *,
    dates: tuple[str, ...] = ("published_at", "created_at"),
    url: str | None = None,
) -> Release | None:
    """A release object shaped like GitHub's (``tag_name``, ``draft``, ``prerelease``,
    ``html_url``; Gitea and Gitee copy it), or ``None`` for a draft: it has no tag yet.

    The first of ``dates`` present is the release date; ``prerelease`` stays ``None`` when
    the forge has no such flag.
    """
    tag = item.get("tag_name")
    if item.get("draft") or not isinstance(tag, str):
        return None
    date = next((parse_time(item[k]) for k in dates if item.get(k)), None)
    html_url = item.get("html_url")
    flag = item.get("prerelease")
    return Release(
        tag=tag,
        version=tag,
        date=date,
        url=url or (html_url if isinstance(html_url, str) else None),
        prerelease=bool(flag) if flag is not None else None,
    )


async def get_or_missing(ctx: SourceContext, url: str, missing: str, **options: Any) -> FetchResult:
    """GET ``url``; a 404 becomes :class:`UpstreamNotFound` saying ``missing``."""
    try:
        result: FetchResult = await ctx.fetcher.get(url, **options)
    except HttpStatusError as exc:
        if exc.status == 404:
            raise UpstreamNotFound(f"{missing} (HTTP 404 from {exc.url})") from None
        raise
    return result


async def list_pages(
    ctx: SourceContext,
    url: str,
    *,
    max_pages: int,
    missing: str,
    per_page: int | None = None,
    **options: Any,
) -> list[Any]:
    """Every item of a paginated JSON list, reading at most ``max_pages`` pages.

    A 404 on the first page means the project does not exist (:class:`UpstreamNotFound`
    saying ``missing``). ``per_page`` is the page size asked for; when given, a full page
    from a forge that says nothing about further pages is taken to mean there may be more.
    """
    items: list[Any] = []
    fetched: set[str] = set()
    next_url: str | None = url
    while next_url is not None and len(fetched) < max_pages and next_url not in fetched:
        fetched.add(next_url)
        if len(fetched) == 1:
            result = await get_or_missing(ctx, next_url, missing, **options)
        else:
            result = await ctx.fetcher.get(next_url, **options)
        page = result.json()
        if not isinstance(page, list):
            safe = redact_url(next_url)
            raise MalformedResponse(f"expected a JSON list from {safe}", url=safe)
        if not page:
            break
        items.extend(page)
        next_url = _next_page(result, len(page), per_page)
    return items


def _next_page(result: FetchResult, count: int, per_page: int | None) -> str | None:
    headers = result.headers
    if "link" in headers:
        return _link_next(result.url, headers["link"])
    page = _page_number(result.url)
    if "x-next-page" in headers:  # GitLab; empty on the last page
        number = _whole(headers["x-next-page"])
        return _with_page(result.url, number) if number is not None else None
    if (pages := _whole(headers.get("total_page"))) is not None:  # Gitee
        more = page < pages
    elif (total := _whole(headers.get("x-total-count"))) is not None and per_page:  # Gitea
        more = page * per_page < total
    else:
        more = per_page is not None and count >= per_page
    return _with_page(result.url, page + 1) if more else None


def _link_next(current: str, header: str) -> str | None:
    """The ``rel="next"`` target, moved onto the origin of ``current``.

    Forges write absolute links to their own public address; keeping only the path and
    query means a mirror or a base-URL override keeps serving every page, and a link can
    never send a request (or a token) to another host.
    """
    for target, params in _LINK.findall(header):
        rel = _REL.search(params)
        if rel is not None and "next" in rel.group(1).lower().split():
            link = urlsplit(urljoin(current, target))
            here = urlsplit(current)
            return here._replace(path=link.path, query=link.query, fragment="").geturl()
    return None


def _page_number(url: str) -> int:
    for key, value in parse_qsl(urlsplit(url).query):
        if key == "page":
            return _whole(value) or 1
    return 1


def _with_page(url: str, page: int) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "page"]
    query.append(("page", str(page)))
    return parts._replace(query=urlencode(query)).geturl()


def _whole(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() else None
