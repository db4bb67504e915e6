"""Tags of a Mercurial repository, from its hgweb server or from a local clone.

``project`` is the repository URL. Option ``mode`` chooses how tags are read:

* ``json`` (default for ``http(s)://``): hgweb's ``json-tags`` page through the fetch engine,
  which gives each tagged changeset's date, costs one request and is cached like any page;
* ``raw``: hgweb's ``raw-tags`` page (what openEuler's ``hg-raw`` kind reads), for servers
  too old to have the JSON style; it has no dates;
* ``clone`` (default for ``file://`` and local paths): ``hg clone --noupdate`` and
  ``hg tags``. With option ``cache_dir`` the clone is kept there and later runs only
  ``hg pull``; without it the clone goes to a temporary folder and is removed.

Mercurial's ``tip`` is not a tag and is dropped, and so are local tags (``.hg/localtags``),
which exist in one working copy and not upstream.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from steward.upstream.fetch import HttpStatusError, MalformedResponse
from steward.upstream.sources._vcs import VcsError, check_url, run
from steward.upstream.sources.base import (
    SourceContext,
    Upstream,
    UpstreamConfigError,
    UpstreamNotFound,
)
from steward.upstream.versions import Release

KIND = "hg"
TAGS = True

_MODES = ("json", "raw", "clone")
# One line per tag; NUL cannot occur in a tag name, a newline is refused by hg.
_TAGS_TEMPLATE = r"{tag}\0{type}\0{date|hgdate}\n"


async def fetch(upstream: Upstream, ctx: SourceContext) -> list[Release]:
    url = upstream.project.strip().rstrip("/")
    web = url.lower().startswith(("http://", "https://"))
    mode = upstream.option("mode", "json" if web else "clone")
    if mode not in _MODES:
        raise UpstreamConfigError(f"hg option mode={mode!r}: expected one of {', '.join(_MODES)}")
    if mode == "clone":
        checked = await check_url(url, "hg", ctx)
        tags = await ctx.shared.get(
            f"hg-clone:{checked}", lambda: _tags_by_clone(checked, upstream, ctx)
        )
        return list(tags)
    if not web:
        raise UpstreamConfigError(f"hg mode={mode} needs an http(s) hgweb URL, not {url!r}")
    if mode == "raw":
        text = await _get_page(ctx, f"{url}/raw-tags", json=False)
        return releases_from_hgweb_raw(text)
    return releases_from_hgweb_json(await _get_page(ctx, f"{url}/json-tags", json=True), url)


async def _get_page(ctx: SourceContext, url: str, *, json: bool) -> Any:
    try:
        return await (ctx.fetcher.get_json(url) if json else ctx.fetcher.get_text(url))
    except HttpStatusError as error:
        if error.status == 404:
            raise UpstreamNotFound(f"no Mercurial repository at {url} (404)") from None
        raise


def releases_from_hgweb_json(data: Any, url: str) -> list[Release]:
    """Releases from hgweb's ``json-tags``: ``{"tags": [{"tag", "node", "date"}, …]}``."""
    entries = data.get("tags") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise MalformedResponse("json-tags without a 'tags' list", url=f"{url}/json-tags")
    releases = []
    for entry in entries:
        tag = entry.get("tag") if isinstance(entry, dict) else None
        if isinstance(tag, str) and tag and tag != "tip":
            releases.append(Release(tag=tag, version=tag, date=_hgweb_date(entry.get("date"))))
    return releases


def releases_from_hgweb_raw(text: str) -> list[Release]:
    """Releases from hgweb's ``raw-tags``: ``<tag>\\t<node>`` lines.

    >>> [r.tag for r in releases_from_hgweb_raw("tip\\tab12\\nrelease-1.2\\tcd34\\n")]
    ['release-1.2']
    """
    tags = (line.rpartition("\t")[0] for line in text.splitlines())
    return [Release(tag=tag, version=tag) for tag in tags if tag and tag != "tip"]


def _hgweb_date(value: Any) -> _dt.datetime | None:
    # hgweb dates are [unix time, offset from UTC in seconds]; the instant is the first.
    if isinstance(value, list) and value and isinstance(value[0], int | float):
        return _dt.datetime.fromtimestamp(value[0], _dt.UTC)
    return None


async def _tags_by_clone(url: str, upstream: Upstream, ctx: SourceContext) -> list[Release]:
    cache_dir = upstream.option("cache_dir")
    if cache_dir is None:
        with tempfile.TemporaryDirectory(prefix="steward-hg-") as scratch:
            temporary = os.path.join(scratch, "repo")
            await run(["hg", "clone", "--noupdate", "--quiet", "--", url, temporary], ctx=ctx)
            return await _read_tags(temporary, ctx)
    clone = _cached_clone_path(Path(cache_dir), url)
    if (clone / ".hg").is_dir():
        # The URL is given explicitly: the clone's own [paths] are never trusted.
        await run(["hg", "pull", "--quiet", "-R", str(clone), "--", url], ctx=ctx)
    else:
        clone.parent.mkdir(parents=True, exist_ok=True)
        staging = tempfile.mkdtemp(prefix=".clone-", dir=clone.parent)
        try:
            fresh = os.path.join(staging, "repo")
            await run(["hg", "clone", "--noupdate", "--quiet", "--", url, fresh], ctx=ctx)
            # A rename is atomic: a concurrent run sees no clone or a whole one.
            if not clone.exists():
                os.rename(fresh, clone)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return await _read_tags(str(clone), ctx)


def _cached_clone_path(cache_dir: Path, url: str) -> Path:
    return cache_dir / hashlib.sha256(url.encode()).hexdigest()[:32]


async def _read_tags(clone: str, ctx: SourceContext) -> list[Release]:
    output = await run(["hg", "tags", "-R", clone, "-T", _TAGS_TEMPLATE], ctx=ctx)
    try:
        return releases_from_hg_tags(output.splitlines())
    except ValueError as error:
        raise VcsError(f"hg tags -R {clone}: unexpected output: {error}") from None


def releases_from_hg_tags(lines: Iterable[str]) -> list[Release]:
    """Releases from ``hg tags -T '{tag}\\0{type}\\0{date|hgdate}\\n'``, without tip and local tags.

    >>> lines = ["tip\\x00\\x001614902400 0", "1.0\\x00\\x001614830767 -3600"]
    >>> releases_from_hg_tags(lines)[0].date
    datetime.datetime(2021, 3, 4, 4, 6, 7, tzinfo=datetime.timezone.utc)
    """
    releases = []
    for line in lines:
        tag, kind, date = line.split("\0")
        if tag == "tip" or kind == "local":
            continue
        seconds = int(date.split()[0])
        releases.append(
            Release(tag=tag, version=tag, date=_dt.datetime.fromtimestamp(seconds, _dt.UTC))
        )
    return releases
