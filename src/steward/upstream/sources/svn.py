"""Tags of a Subversion repository: the folders under its tags folder, with their dates.

``project`` is the repository (or project) URL; the tags folder is ``tags_path`` below it
(option, default ``tags``). openEuler metadata sometimes names the tags folder itself, so a
URL that already ends with ``tags_path`` is used as it is. ``svn ls --xml`` gives each
folder's last-commit date, the day the tag was made, at no extra cost.
"""

from __future__ import annotations

import datetime as _dt
import xml.etree.ElementTree as ET

from steward.upstream.sources._vcs import VcsError, check_url, run
from steward.upstream.sources.base import SourceContext, Upstream
from steward.upstream.versions import Release

KIND = "svn"
TAGS = True


async def fetch(upstream: Upstream, ctx: SourceContext) -> list[Release]:
    url = await check_url(upstream.project, "svn", ctx)
    listing = tags_url(url, upstream.option("tags_path", "tags") or "")
    # The trailing "@" is an empty peg revision (HEAD): without it an "@" in the last
    # path segment (tags_path="tags@2") would be read as one.
    output = await run(["svn", "ls", "--xml", "--", f"{listing}@"], ctx=ctx)
    try:
        return releases_from_listing(output)
    except ET.ParseError as error:
        raise VcsError(f"svn ls --xml {listing}: unreadable XML: {error}") from None


def tags_url(url: str, tags_path: str) -> str:
    """The URL of the tags folder for repository ``url``.

    >>> tags_url("https://svn.example/p/code/", "tags")
    'https://svn.example/p/code/tags'
    >>> tags_url("https://svn.example/p/code/tags", "tags")
    'https://svn.example/p/code/tags'
    """
    base, path = url.rstrip("/"), tags_path.strip("/")
    if not path or base.endswith("/" + path):
        return base
    return f"{base}/{path}"


def releases_from_listing(xml_text: str) -> list[Release]:
    """One release per folder in ``svn ls --xml`` output; files are not tags."""
    releases = []
    for entry in ET.fromstring(xml_text).iter("entry"):
        name = entry.findtext("name")
        if entry.get("kind") != "dir" or not name:
            continue
        releases.append(Release(tag=name, version=name, date=_commit_date(entry)))
    return releases


def _commit_date(entry: ET.Element) -> _dt.datetime | None:
    text = entry.findtext("commit/date")
    if not text:
        return None
    try:
        return _dt.datetime.fromisoformat(text).astimezone(_dt.UTC)
    except ValueError:
        return None
