"""SourceForge releases from a project's file-release RSS feed.

``GET https://sourceforge.net/projects/<project>/rss?path=<folder>`` lists the project's
newest files (about a hundred), newest first: each ``<item>`` has the file's path in
``<title>`` (``/traceroute/traceroute-2.1.0/traceroute-2.1.0.tar.gz``), its download page
in ``<link>`` and the upload time in ``<pubDate>``. Option ``path`` narrows the feed to one
folder (openEuler's ``src_repo: https://sourceforge.net/projects/cunit/files/CUnit``).

SourceForge names files, not releases. A project keeps one folder per release, so a
release's tag is the name of the folder holding its files (``traceroute-2.1.0``,
``2.1-3``); this is what openEuler's ``tag_prefix`` (``traceroute-``) and ``separator``
(``-`` for CUnit) were written against, and what the package's tag rules read (``TAGS`` is
True). A file that sits in a folder without a digit in its name gives its own name, less
the archive extension, when it is a source archive (``foo-1.2.tar.gz`` gives ``foo-1.2``;
builds for one platform such as ``-win32.zip`` are skipped). Option ``pattern``, a regular
expression matching the whole file name (group 1 or group ``version`` is the version, as
for the ``html`` backend), replaces all of this: the tag is what it reads. A release's date
is the earliest upload among its files and its URL the download page of its first source
archive (else of its newest file).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import quote

from steward.upstream.fetch import HttpStatusError
from steward.upstream.patterns import Pattern, PatternError, compile_pattern
from steward.upstream.sources.base import (
    SourceContext,
    Upstream,
    UpstreamConfigError,
    UpstreamNotFound,
)
from steward.upstream.sources.html import version_in_match
from steward.upstream.sources.rpmrepo import parse_xml
from steward.upstream.versions import Release

KIND = "sourceforge"
TAGS = True
NEWEST_FIRST = True  # the API lists the newest first: a release cap keeps the head
#: Source0/URL spellings this backend recognises; group 1 is the project.
URLS = (
    re.compile(r"^https?://(?:downloads\.)?sourceforge\.net/(?:projects/)?([^/]+)/"),
    re.compile(r"^https?://([^/.]+)\.sourceforge\.(?:net|io)/"),
)

PUBLIC_BASE = "https://sourceforge.net"
_PROJECT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_ARCHIVE = re.compile(r"\.(?:tar\.(?:gz|xz|bz2|lz|lzma|zst|Z)|tgz|tbz2?|txz|zip|7z)$")
# Files built for one platform, not the source release.
_PLATFORM_BUILD = re.compile(
    r"(?:^|[-_.])(?:win\w*|mingw\d*|mac(?:os)?|osx|darwin|bin|binary|setup|installer"
    r"|x86(?:_64)?|amd64|i[3-6]86|arm64|aarch64|doc|docs)(?:$|[-_.])",
    re.IGNORECASE,
)
_XML_ACCEPT = "application/rss+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.1"


@dataclass(frozen=True, slots=True)
class SourceforgeOptions:
    """The project, the folder to list, and the optional pattern for file names."""

    project: str
    path: str
    pattern: Pattern | None

    @classmethod
    def from_upstream(cls, upstream: Upstream) -> SourceforgeOptions:
        project = upstream.project.strip().strip("/")
        if not _PROJECT.fullmatch(project):
            raise UpstreamConfigError(f"sourceforge: {project!r} is not a project name")
        path = "/" + (upstream.option("path") or "").strip().strip("/")
        text = upstream.option("pattern")
        try:
            pattern = compile_pattern(text) if text is not None else None
        except PatternError as exc:
            raise UpstreamConfigError(f"sourceforge: bad pattern {text!r}: {exc}") from None
        return cls(project, path, pattern)


async def fetch(upstream: Upstream, ctx: SourceContext) -> list[Release]:
    options = SourceforgeOptions.from_upstream(upstream)
    base = ctx.base_url(KIND, PUBLIC_BASE)
    url = f"{base}/projects/{options.project}/rss?path={quote(options.path, safe='/')}"
    try:
        result = await ctx.fetcher.get(url, accept=_XML_ACCEPT)
    except HttpStatusError as exc:
        if exc.status in (404, 410):
            raise UpstreamNotFound(
                f"no SourceForge project {options.project!r} ({exc.url})"
            ) from None
        raise
    return releases_from_rss(result.body or b"", options, url)


def releases_from_rss(body: bytes, options: SourceforgeOptions, url: str) -> list[Release]:
    """One release per tag among the feed's files, in feed order (newest first).

    >>> feed = (b"<rss><channel><item><title>/t/t-2.1.0/t-2.1.0.tar.gz</title>"
    ...         b"<pubDate>Mon, 18 Jul 2016 18:17:44 UT</pubDate></item>"
    ...         b"<item><title>/t/t-2.0.tar.gz</title></item></channel></rss>")
    >>> options = SourceforgeOptions("t", "/t", None)
    >>> [(r.tag, r.date and r.date.year) for r in releases_from_rss(feed, options, "u")]
    [('t-2.1.0', 2016), ('t-2.0', None)]
    """
    found: dict[str, Release] = {}
    for item in parse_xml(body, url).iter("item"):
        title = (item.findtext("title") or "").strip().rstrip("/")
        folder, _, filename = title.rpartition("/")
        # A file right in the listed folder is no release folder's: its own name counts.
        in_listed = folder.rstrip("/") == options.path.rstrip("/")
        tag = _tag("" if in_listed else folder.rpartition("/")[2], filename, options.pattern)
        if tag is None:
            continue
        source = _source_archive(filename)
        link = (item.findtext("link") or "").strip() or None
        date = _date(item.findtext("pubDate"))
        known = found.get(tag)
        if known is None:
            found[tag] = Release(tag=tag, version=tag, date=date, url=link)
            continue
        if date is not None and (known.date is None or date < known.date):
            known = replace(known, date=date)
        if source and not _source_archive(_file_of(known.url)):
            known = replace(known, url=link)
        found[tag] = known
    return list(found.values())


def _tag(folder: str, filename: str, pattern: Pattern | None) -> str | None:
    if pattern is not None:
        return version_in_match(pattern.fullmatch(filename))
    if any(char.isdigit() for char in folder):
        return folder
    return _source_archive(filename)


def _source_archive(filename: str) -> str | None:
    """The name of a source archive less its extension; None for other files.

    >>> _source_archive("foo-1.2.tar.gz"), _source_archive("foo-1.2-win32.zip")
    ('foo-1.2', None)
    """
    m = _ARCHIVE.search(filename)
    if m is None:
        return None
    stem = filename[: m.start()]
    if not stem or _PLATFORM_BUILD.search(stem):
        return None
    return stem


def _file_of(link: str | None) -> str:
    """The file name in a SourceForge download link (``…/foo-1.2.tar.gz/download``)."""
    return (link or "").removesuffix("/download").rstrip("/").rpartition("/")[2]


def _date(text: str | None) -> datetime | None:
    """An RSS date (``Mon, 18 Jul 2016 18:17:44 UT``) as aware UTC; None if unreadable."""
    if not text:
        return None
    try:
        moment = parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
