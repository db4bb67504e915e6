"""Releases read from a web page: directory listings (GNU ftp/Apache, kernel.org/nginx) and
pages matched with a regular expression (nvchecker's ``regex`` source).

``project`` is the page's URL; option ``pattern`` is a regular expression whose first group
(or group ``version``) is the version. Two ways of matching, chosen by option ``match``:

* ``links`` (the default): the pattern must match the whole file name of a link, that is
  the last segment of an ``<a href>``'s path, percent-decoded, with a trailing ``/`` for a
  directory (``bc-(.*).tar.gz(.sig)?`` matches ``bc-1.07.1.tar.gz.sig``; ``v(.*)/`` matches
  ``v16.2/``). A pattern with a ``/`` before its end is matched against the link's whole
  path instead. Links are read with :mod:`html.parser`, never by a regular expression over
  the markup, so nginx's truncated link texts and Apache's icons and sort links cannot
  leak into versions. A date printed after a link (``2017-11-26 21:30`` or
  ``26-Nov-2017 21:30``, taken as UTC) becomes the release date.
* ``text``: every match anywhere in the page text, as nvchecker's ``regex`` source does
  (the default when the configuration has nvchecker's ``regex`` key, or for kind
  ``regex``). No dates.

Without ``pattern``, option ``name`` (else the package name) gives
``<name>-(<version>).tar.gz`` and the other usual source archives.

A page many packages share (ftp.gnu.org/gnu/, a project's download folder) is fetched and
parsed once per run: the parsed link list is shared through ``ctx.shared``, sorted by name,
so that each package only looks at the links starting with its pattern's literal prefix.
"""

from __future__ import annotations

import asyncio
import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Literal
from urllib.parse import unquote, urljoin, urlsplit

from steward.upstream.fetch import FetchResult, HttpStatusError
from steward.upstream.patterns import Match as PatternMatch
from steward.upstream.patterns import Pattern, PatternError, compile_pattern
from steward.upstream.sources.base import (
    SourceContext,
    Upstream,
    UpstreamConfigError,
    UpstreamNotFound,
)
from steward.upstream.versions import Release

KIND = "html"
TAGS = False
#: Other kinds this backend serves.
ALIASES = ("regex",)
#: nvchecker ``source`` names this backend reads, and the key naming the project.
NVCHECKER = {"regex": "url", "html": "url"}

Match = Literal["links", "text"]

_ARCHIVES = r"\.(?:tar\.(?:gz|xz|bz2|lz|lzma|zst|Z)|tgz|tbz2?|txz|zip)"
_HTML_ACCEPT = "text/html, application/xhtml+xml;q=0.9, text/plain;q=0.8, */*;q=0.5"
_MONTHS = {
    month: number
    for number, month in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
# Apache (2017-11-26 21:30) and nginx / old Apache (26-Nov-2017 21:30) listing dates.
_DATE = re.compile(
    r"\b(?:(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})"
    r"|(?P<d2>\d{2})-(?P<mon>[A-Za-z]{3})-(?P<y2>\d{4}))[ T](?P<H>\d{2}):(?P<M>\d{2})\b"
)
_REGEX_META = frozenset(".^$*+?{}[]|()\\")


@dataclass(frozen=True, slots=True)
class HtmlOptions:
    """The page to read, the pattern that finds versions in it, and how to apply it."""

    url: str
    pattern: Pattern
    match: Match

    @classmethod
    def from_upstream(cls, upstream: Upstream) -> HtmlOptions:
        url = upstream.project.strip()
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise UpstreamConfigError(f"{upstream.kind}: {url!r} is not an http(s) URL")
        text = upstream.option("pattern") or upstream.option("regex")
        if text is None:
            name = upstream.option("name") or upstream.rules.package_name
            if not name:
                raise UpstreamConfigError(
                    f"{upstream.kind}: {url} needs option 'pattern' (or 'name') to find versions"
                )
            text = rf"{re.escape(name)}-(\d[^/]*?){_ARCHIVES}"
        try:
            pattern = compile_pattern(text)
        except PatternError as exc:
            raise UpstreamConfigError(f"{upstream.kind}: bad pattern {text!r}: {exc}") from None
        default: Match = "text" if upstream.kind == "regex" or upstream.option("regex") else "links"
        match = upstream.option("match", default)
        if match not in ("links", "text"):
            raise UpstreamConfigError(f"{upstream.kind}: match must be 'links' or 'text'")
        return cls(url, pattern, "text" if match == "text" else "links")


@dataclass(frozen=True, slots=True)
class Link:
    """One ``<a href>`` of a page: its file name and path (percent-decoded), absolute URL,
    the date the listing printed after it, and its position in the page."""

    name: str
    path: str
    url: str
    date: datetime | None
    position: int


@dataclass(frozen=True, slots=True)
class Listing:
    """A page's links, once each, sorted by file name (``names`` is the sort key)."""

    links: tuple[Link, ...]
    names: tuple[str, ...]

    def starting_with(self, prefix: str) -> Iterator[Link]:
        """The links whose file name starts with ``prefix`` (all of them for ``""``)."""
        index = bisect.bisect_left(self.names, prefix)
        while index < len(self.names) and self.names[index].startswith(prefix):
            yield self.links[index]
            index += 1


async def fetch(upstream: Upstream, ctx: SourceContext) -> list[Release]:
    options = HtmlOptions.from_upstream(upstream)
    if options.match == "text":
        text: str = await ctx.shared.get(
            "page-text:" + options.url, lambda: _fetch_text(options.url, ctx)
        )
        return releases_in_text(text, options.pattern, options.url)
    listing: Listing = await ctx.shared.get(
        "page:" + options.url, lambda: _fetch_listing(options.url, ctx)
    )
    return releases_in_listing(listing, options.pattern)


async def _get(url: str, ctx: SourceContext) -> FetchResult:
    try:
        result: FetchResult = await ctx.fetcher.get(url, accept=_HTML_ACCEPT)
    except HttpStatusError as exc:
        if exc.status in (404, 410):
            raise UpstreamNotFound(f"no page at {exc.url} (HTTP {exc.status})") from None
        raise
    return result


async def _fetch_text(url: str, ctx: SourceContext) -> str:
    return (await _get(url, ctx)).text()


async def _fetch_listing(url: str, ctx: SourceContext) -> Listing:
    result = await _get(url, ctx)
    base = url
    # "…/gnu/bc" redirected to "…/gnu/bc/": relative links belong to the folder.
    if urlsplit(result.final_url).path.endswith("/") and not urlsplit(url).path.endswith("/"):
        base = url + "/"
    # A listing can hold tens of thousands of links; parse off the event loop.
    return await asyncio.to_thread(parse_listing, result.text(), base)


def parse_listing(html: str, base_url: str) -> Listing:
    """The links of ``html``, resolved against ``base_url`` (or the page's ``<base href>``).

    Sort links (``?C=N;O=D``), fragments, the parent folder and non-web schemes are left out.

    >>> page = '<a href="bc-1.07.tar.gz">bc-1.07.tar.gz</a>  2017-03-28 20:20  1.2M'
    >>> link, = parse_listing(page, "https://ftp.gnu.org/gnu/bc/").links
    >>> link.name, link.url, link.date.isoformat()
    ('bc-1.07.tar.gz', 'https://ftp.gnu.org/gnu/bc/bc-1.07.tar.gz', '2017-03-28T20:20:00+00:00')
    """
    collector = _LinkCollector()
    collector.feed(html)
    collector.close()
    base = urljoin(base_url, collector.base) if collector.base else base_url
    found: dict[str, Link] = {}
    for position, (href, date) in enumerate(collector.links):
        link = _link(href, base, date, position)
        if link is not None:
            known = found.get(link.url)
            if known is None:
                found[link.url] = link
            elif known.date is None and link.date is not None:
                found[link.url] = replace(link, position=known.position)
    links = tuple(sorted(found.values(), key=lambda link: (link.name, link.url)))
    return Listing(links, tuple(link.name for link in links))


def _link(href: str, base: str, date: datetime | None, position: int) -> Link | None:
    href = href.strip()
    try:
        parts = urlsplit(href)
    except ValueError:
        return None
    if parts.scheme not in ("", "http", "https", "ftp") or not parts.path:
        return None
    path = unquote(parts.path)
    stripped = path.rstrip("/")
    name = stripped.rsplit("/", 1)[-1]
    if name in ("", ".", ".."):
        return None
    if path.endswith("/"):
        name += "/"
    url = urljoin(base, href).partition("#")[0]
    return Link(name, path, url, date, position)


class _LinkCollector(HTMLParser):
    """Collects ``(href, date)`` of every ``<a href>``; the date is the first listing date
    in the text between the link's end and the next link."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, datetime | None]] = []
        self.base: str | None = None
        self._in_link = False
        self._dating: int | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._dating = None
            href = next((value for key, value in attrs if key == "href"), None)
            self._in_link = href is not None
            if href is not None:
                self.links.append((href, None))
        elif tag == "base" and self.base is None:
            self.base = next((value for key, value in attrs if key == "href"), None)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._in_link:
            self._in_link = False
            self._dating = len(self.links) - 1

    def handle_data(self, data: str) -> None:
        if self._dating is None:
            return
        date = listing_date(data)
        if date is not None:
            href, _ = self.links[self._dating]
            self.links[self._dating] = (href, date)
            self._dating = None


def listing_date(text: str) -> datetime | None:
    """The first directory-listing date in ``text``, as UTC (listings print no zone).

    >>> listing_date("   26-Nov-2017 21:30    1234"), listing_date("size 12")
    (datetime.datetime(2017, 11, 26, 21, 30, tzinfo=datetime.timezone.utc), None)
    """
    m = _DATE.search(text)
    if m is None:
        return None
    if m["y"]:
        year, month, day = int(m["y"]), int(m["m"]), int(m["d"])
    else:
        month_number = _MONTHS.get(m["mon"].lower())
        if month_number is None:
            return None
        year, month, day = int(m["y2"]), month_number, int(m["d2"])
    try:
        return datetime(year, month, day, int(m["H"]), int(m["M"]), tzinfo=UTC)
    except ValueError:
        return None


def releases_in_listing(listing: Listing, pattern: Pattern) -> list[Release]:
    """One release per version the pattern finds in the listing's links.

    When several links name one version (the tarball and its ``.sig``), the shortest file
    name wins, so the release points at the tarball. Order: as on the page.
    """
    whole_path = _matches_whole_path(pattern)
    links = listing.links if whole_path else listing.starting_with(literal_prefix(pattern))
    chosen: dict[str, Link] = {}
    for link in links:
        m = pattern.fullmatch(link.path if whole_path else link.name)
        version = version_in_match(m)
        if version is None:
            continue
        known = chosen.get(version)
        if known is None or len(link.name) < len(known.name):
            chosen[version] = link
    ordered = sorted(chosen.items(), key=lambda item: item[1].position)
    return [
        Release(tag=link.name.rstrip("/"), version=version, date=link.date, url=link.url)
        for version, link in ordered
    ]


def releases_in_text(text: str, pattern: Pattern, url: str) -> list[Release]:
    """One release per version matched anywhere in ``text``, in page order (nvchecker's
    ``regex`` source: the first group, or the whole match for a pattern without groups).

    >>> found = releases_in_text("v1.2 and v1.3, v1.2", compile_pattern(r"v([\\d.]+\\d)"), "u")
    >>> [release.version for release in found]
    ['1.2', '1.3']
    """
    versions: dict[str, None] = {}
    for m in pattern.finditer(text):
        version = version_in_match(m)
        if version is not None:
            versions.setdefault(version, None)
    return [Release(tag=version, version=version, url=url) for version in versions]


def version_in_match(m: PatternMatch | None) -> str | None:
    """The version a pattern's match names: group ``version``, else group 1, else the whole
    match; None when there is no match or the group took no part in it."""
    if m is None:
        return None
    if "version" in m.re.groupindex:
        value = m["version"]
    elif m.re.groups:
        value = m[1]
    else:
        value = m[0]
    if value is None:  # the group did not take part in the match
        return None
    return value.strip() or None


def literal_prefix(pattern: Pattern) -> str:
    """The literal text every match of ``pattern`` starts with (``""`` when unsure).

    >>> [literal_prefix(compile_pattern(p)) for p in (r"bc-(.*).tar.gz", r"^dvd\\+rw-(.*)",
    ...     r"abc?d", r"a|b", r"(?i)bc-(.*)", r"x+y")]
    ['bc-', 'dvd+rw-', 'ab', '', '', 'x']
    """
    if pattern.flags & (re.IGNORECASE | re.VERBOSE) or _has_top_level_alternation(pattern.pattern):
        return ""
    source = pattern.pattern
    out: list[str] = []
    i = 1 if source.startswith("^") else 0
    while i < len(source):
        char = source[i]
        if char == "\\":
            if i + 1 >= len(source) or source[i + 1].isalnum():
                break
            literal, step = source[i + 1], 2
        elif char in _REGEX_META:
            break
        else:
            literal, step = char, 1
        following = source[i + step : i + step + 1]
        if following in ("*", "?", "{"):
            break
        out.append(literal)
        if following == "+":
            break
        i += step
    return "".join(out)


def _matches_whole_path(pattern: Pattern) -> bool:
    """Whether the pattern names folders: a ``/`` outside a character class, before the end.

    >>> [_matches_whole_path(compile_pattern(p)) for p in (r"v(.*)/", r"a-([^/]*)$", r"bc/bc-(.*)")]
    [False, False, True]
    """
    end = len(pattern.pattern.rstrip("$").rstrip("/"))
    return any(
        token in ("/", "\\/") and index < end for index, token, _ in _tokens(pattern.pattern)
    )


def _has_top_level_alternation(source: str) -> bool:
    return any(token == "|" and depth == 0 for _, token, depth in _tokens(source))


def _tokens(source: str) -> Iterator[tuple[int, str, int]]:
    """``(index, token, group depth)`` of a regular expression's tokens outside character
    classes; an escape is one two-character token."""
    depth, i, in_class = 0, 0, False
    while i < len(source):
        char = source[i]
        if char == "\\":
            if not in_class:
                yield i, source[i : i + 2], depth
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            if source[i + 1 : i + 2] == "^":
                i += 1
            if source[i + 1 : i + 2] == "]":  # a leading ] is literal
                i += 1
        else:
            if char == "(":
                depth += 1
            elif char == ")":
                depth -= 1
            yield i, char, depth
        i += 1
