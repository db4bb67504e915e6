"""What an RPM repository ships, read from its repodata (``createrepo_c`` metadata).

``project`` is the repository's base URL (the folder holding ``repodata/``), e.g.
``https://repo.openeuler.org/openEuler-24.03-LTS/everything/x86_64/``; option ``name``
(or ``pkg``) is the package to look up, by default the package being checked. nvchecker's
spelling works too: ``rpmrepo = "<package>"`` with ``repo = "<url>"``. Option ``arch``:
``any`` (default), ``binary``, ``src``, or one architecture (``x86_64``, ``noarch``).

``GET <repo>/repodata/repomd.xml`` names the ``primary`` metadata file and its checksum;
the primary (gzip, xz, bzip2 or zstd: :mod:`steward.compression`) is checked against that
checksum, decompressed in a stream and parsed with :mod:`xml.parsers.expat` into an index
``name -> builds``, once per repository per run (``ctx.shared``), however many packages ask
it; parsing runs in a worker thread. A binary repository answers for source packages too:
a name no binary carries is looked up among the builds' ``sourcerpm``.

Each version gives one :class:`Release`: ``version`` is the rpm ``Version``, ``tag`` the
newest full ``[epoch:]version-release`` built for it, ``date`` its build time and ``url``
the rpm's location. Untrusted XML: a document that declares a DOCTYPE (and so could declare
entities) is refused before any content is read.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit
from xml.etree import ElementTree
from xml.parsers import expat

from steward.compression import DECOMPRESSION_ERRORS, open_stream, sniff
from steward.rpm.version import EVR, InvalidEVR
from steward.upstream.fetch import (
    FetchResult,
    HttpStatusError,
    MalformedResponse,
    ResponseTooLarge,
    redact_url,
)
from steward.upstream.sources.base import (
    SourceContext,
    Upstream,
    UpstreamConfigError,
    UpstreamNotFound,
)
from steward.upstream.versions import Release

KIND = "rpmrepo"
TAGS = False

#: Decompressed primary metadata larger than this is refused (a decompression bomb).
MAX_PRIMARY_BYTES = 2 * 1024**3

_REPO_NS = "{http://linux.duke.edu/metadata/repo}"
_XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
_COMMON = "http://linux.duke.edu/metadata/common "
_RPM = "http://linux.duke.edu/metadata/rpm "
_XML_ACCEPT = "application/xml, text/xml;q=0.9, */*;q=0.1"
_CHUNK = 256 * 1024
_OUT_CHUNK = 4 * 1024 * 1024
_SOURCE_ARCHES = frozenset({"src", "nosrc"})


@dataclass(frozen=True, slots=True)
class RpmRepoOptions:
    """The repository (base URL, ending in ``/``), the package name and the arch filter."""

    repo: str
    package: str
    arch: str

    @classmethod
    def from_upstream(cls, upstream: Upstream) -> RpmRepoOptions:
        project = upstream.project.strip()
        named = upstream.option("name") or upstream.option("pkg")
        if "://" in project:
            repo, package = project, named or upstream.rules.package_name
        else:  # nvchecker: rpmrepo = "<package>", repo = "<url>"
            repo, package = upstream.option("repo") or "", named or project
        parts = urlsplit(repo)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise UpstreamConfigError(f"rpmrepo: {repo or project!r} is not an http(s) URL")
        if not package:
            raise UpstreamConfigError(f"rpmrepo: {repo} needs option 'name' (the package)")
        arch = (upstream.option("arch") or "any").strip()
        return cls(repo.rstrip("/") + "/", package.strip(), arch)


@dataclass(frozen=True, slots=True)
class RpmBuild:
    """One package entry of a repository: ``arch`` is ``src`` for source packages."""

    name: str
    epoch: str
    version: str
    release: str
    arch: str
    built: int | None = None
    location: str | None = None

    @property
    def evr(self) -> str:
        """``[epoch:]version-release``, the epoch only when it is not 0."""
        prefix = f"{self.epoch}:" if self.epoch not in ("", "0") else ""
        return f"{prefix}{self.version}-{self.release}"


@dataclass(frozen=True, slots=True)
class RepoIndex:
    """A repository's builds by package name, and by source package name."""

    packages: Mapping[str, Sequence[RpmBuild]]
    sources: Mapping[str, Sequence[RpmBuild]]


async def fetch(upstream: Upstream, ctx: SourceContext) -> list[Release]:
    options = RpmRepoOptions.from_upstream(upstream)
    index: RepoIndex = await ctx.shared.get(
        "rpmrepo:" + options.repo, lambda: load_index(options.repo, ctx)
    )
    return releases_of(index, options)


def releases_of(index: RepoIndex, options: RpmRepoOptions) -> list[Release]:
    """One release per version of ``options.package``, oldest first (rpm order)."""
    builds = [b for b in index.packages.get(options.package, ()) if _arch_ok(b.arch, options)]
    if not builds and options.arch in ("any", "src"):
        builds = list(index.sources.get(options.package, ()))
    if not builds:
        raise UpstreamNotFound(f"no package {options.package!r} in {redact_url(options.repo)}")
    newest: dict[str, tuple[EVR, RpmBuild]] = {}
    for build in builds:
        try:
            key = EVR(int(build.epoch or 0), build.version, build.release or None)
        except (InvalidEVR, ValueError):
            continue
        known = newest.get(build.version)
        if known is None or key > known[0]:
            newest[build.version] = (key, build)
    return [
        Release(
            tag=build.evr,
            version=build.version,
            date=datetime.fromtimestamp(build.built, UTC) if build.built else None,
            url=urljoin(options.repo, build.location) if build.location else None,
        )
        for _, build in sorted(newest.values(), key=lambda pair: pair[0])
    ]


def _arch_ok(arch: str, options: RpmRepoOptions) -> bool:
    wanted = options.arch
    if wanted == "any":
        return True
    if wanted == "binary":
        return arch not in _SOURCE_ARCHES
    if wanted in ("src", "source"):
        return arch in _SOURCE_ARCHES
    return arch == wanted


async def load_index(repo: str, ctx: SourceContext) -> RepoIndex:
    """Fetch ``repomd.xml`` and the primary metadata it names; parse the primary."""
    repomd_url = repo + "repodata/repomd.xml"
    try:
        repomd = await ctx.fetcher.get(repomd_url, accept=_XML_ACCEPT)
    except HttpStatusError as exc:
        if exc.status in (404, 410):
            raise UpstreamNotFound(f"no RPM repository at {exc.url}") from None
        raise
    primary_url, checksum = primary_location(_body(repomd), repo, repomd_url)
    result = await ctx.fetcher.get(primary_url, accept="*/*")
    body = _body(result)
    if checksum is not None:
        _verify(body, checksum, primary_url)
    return await asyncio.to_thread(parse_primary, body, primary_url)


def _body(result: FetchResult) -> bytes:
    return result.body if result.body is not None else b""


def primary_location(repomd: bytes, repo: str, url: str) -> tuple[str, tuple[str, str] | None]:
    """The primary metadata's URL and ``(checksum type, hex digest)`` from ``repomd.xml``."""
    root = parse_xml(repomd, url)
    for data in root.iter(f"{_REPO_NS}data"):
        if data.get("type") != "primary":
            continue
        location = data.find(f"{_REPO_NS}location")
        href = location.get("href") if location is not None else None
        if location is None or not href:
            break
        base = location.get(_XML_BASE) or repo
        checksum = data.find(f"{_REPO_NS}checksum")
        digest = None
        if checksum is not None and checksum.text and checksum.get("type"):
            digest = (str(checksum.get("type")), checksum.text.strip().lower())
        return urljoin(base if base.endswith("/") else base + "/", href), digest
    raise MalformedResponse(f"{redact_url(url)} names no primary metadata", url=redact_url(url))


def _verify(body: bytes, checksum: tuple[str, str], url: str) -> None:
    kind, expected = checksum
    name = "sha1" if kind == "sha" else kind
    if name not in hashlib.algorithms_available:
        return  # a checksum we cannot compute is no reason to refuse the metadata
    actual = hashlib.new(name, body).hexdigest()
    if actual != expected:
        safe = redact_url(url)
        raise MalformedResponse(
            f"{safe} does not match its {kind} checksum in repomd.xml (a mirror mid-sync?)",
            url=safe,
        )


# --------------------------------------------------------------------------- XML


class _DoctypeRefused(Exception):
    pass


class _NoDoctypeBuilder(ElementTree.TreeBuilder):
    def doctype(self, name: str, pubid: str | None, system: str | None) -> None:
        raise _DoctypeRefused(name)


def parse_xml(body: bytes, url: str) -> ElementTree.Element:
    """Parse a small untrusted XML document (``repomd.xml``, an RSS feed).

    A DOCTYPE is refused, so no entity can be declared, expanded or fetched; errors are
    :class:`MalformedResponse` naming ``url``.

    >>> parse_xml(b"<r><a>1</a></r>", "u").find("a").text
    '1'
    """
    safe = redact_url(url)
    parser = ElementTree.XMLParser(target=_NoDoctypeBuilder())
    try:
        parser.feed(body)
        root: ElementTree.Element = parser.close()
    except _DoctypeRefused:
        raise MalformedResponse(
            f"refusing {safe}: the XML declares a DOCTYPE (entities)", url=safe
        ) from None
    except ElementTree.ParseError as exc:
        raise MalformedResponse(f"malformed XML from {safe}: {exc}", url=safe) from None
    return root


def parse_primary(body: bytes, url: str) -> RepoIndex:
    """Index the packages of a (compressed or plain) ``primary.xml`` by name."""
    reader = _PrimaryReader()
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.EntityDeclHandler = _refuse_doctype
    parser.StartElementHandler = reader.start
    parser.EndElementHandler = reader.end
    parser.CharacterDataHandler = reader.text
    safe = redact_url(url)
    try:
        for chunk in _inflate(body, url):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except _DoctypeRefused:
        raise MalformedResponse(
            f"refusing {safe}: the XML declares a DOCTYPE (entities)", url=safe
        ) from None
    except expat.ExpatError as exc:
        raise MalformedResponse(f"malformed XML from {safe}: {exc}", url=safe) from None
    return RepoIndex(reader.packages, reader.sources)


def _refuse_doctype(*_: object) -> None:
    raise _DoctypeRefused()


class _PrimaryReader:
    """expat callbacks that keep, per ``<package>``, what :class:`RpmBuild` needs."""

    def __init__(self) -> None:
        self.packages: dict[str, list[RpmBuild]] = {}
        self.sources: dict[str, list[RpmBuild]] = {}
        self._seen_sources: set[tuple[str, str, str, str]] = set()
        self._fields: dict[str, Any] | None = None
        self._field: str | None = None
        self._text: list[str] = []
        self._starts = {
            _COMMON + "package": self._package,
            _COMMON + "name": self._collect,
            _COMMON + "arch": self._collect,
            _RPM + "sourcerpm": self._collect,
            _COMMON + "version": self._version,
            _COMMON + "time": self._time,
            _COMMON + "location": self._location,
        }

    # Most elements of a primary are dependency entries: one dict miss each.
    def start(self, name: str, attrs: dict[str, str]) -> None:
        handler = self._starts.get(name)
        if handler is not None and (self._fields is not None or name == _COMMON + "package"):
            handler(name, attrs)

    def _package(self, name: str, attrs: dict[str, str]) -> None:
        self._fields = {}

    def _collect(self, name: str, attrs: dict[str, str]) -> None:
        self._field = name
        self._text = []

    def _version(self, name: str, attrs: dict[str, str]) -> None:
        assert self._fields is not None
        self._fields["evr"] = (
            attrs.get("epoch") or "0",
            attrs.get("ver", ""),
            attrs.get("rel", ""),
        )

    def _time(self, name: str, attrs: dict[str, str]) -> None:
        assert self._fields is not None
        built = attrs.get("build", "")
        self._fields["built"] = int(built) if built.isdigit() else None

    def _location(self, name: str, attrs: dict[str, str]) -> None:
        assert self._fields is not None
        href = attrs.get("href")
        base = attrs.get("http://www.w3.org/XML/1998/namespace base")
        if href and base:
            href = urljoin(base if base.endswith("/") else base + "/", href)
        self._fields["location"] = href

    def text(self, data: str) -> None:
        if self._field is not None:
            self._text.append(data)

    def end(self, name: str) -> None:
        if name == self._field and self._fields is not None:
            self._fields[name] = "".join(self._text).strip()
            self._field = None
        elif name == _COMMON + "package" and self._fields is not None:
            self._commit(self._fields)
            self._fields = None

    def _commit(self, fields: dict[str, Any]) -> None:
        name = fields.get(_COMMON + "name")
        evr = fields.get("evr")
        if not name or evr is None or not evr[1]:
            return
        epoch, version, release = evr
        arch = sys.intern(fields.get(_COMMON + "arch") or "")
        built = fields.get("built")
        build = RpmBuild(
            name, sys.intern(epoch), version, release, arch, built, fields.get("location")
        )
        self.packages.setdefault(name, []).append(build)
        source = _split_source_rpm(fields.get(_RPM + "sourcerpm") or "")
        if source is not None:
            key = (source[0], epoch, source[1], source[2])
            if key not in self._seen_sources:
                self._seen_sources.add(key)
                self.sources.setdefault(source[0], []).append(
                    RpmBuild(source[0], sys.intern(epoch), source[1], source[2], "src", built)
                )


def _split_source_rpm(filename: str) -> tuple[str, str, str] | None:
    """``(name, version, release)`` of a source rpm file name.

    >>> _split_source_rpm("bash-completion-2.11-2.oe2403.src.rpm")
    ('bash-completion', '2.11', '2.oe2403')
    """
    for suffix in (".src.rpm", ".nosrc.rpm"):
        if filename.endswith(suffix):
            parts = filename.removesuffix(suffix).rsplit("-", 2)
            if len(parts) == 3 and all(parts):
                return parts[0], parts[1], parts[2]
    return None


# --------------------------------------------------------------------------- decompression


def _inflate(body: bytes, url: str) -> Iterator[bytes]:
    """The decompressed bytes of ``body`` in bounded pieces, whatever its compression
    (told by its magic number, not by the file name)."""
    total = 0
    for piece in _pieces(body, url):
        total += len(piece)
        if total > MAX_PRIMARY_BYTES:
            safe = redact_url(url)
            raise ResponseTooLarge(
                f"{safe} decompresses to more than {MAX_PRIMARY_BYTES} bytes",
                url=safe,
                limit=MAX_PRIMARY_BYTES,
            )
        yield piece


def _pieces(body: bytes, url: str) -> Iterator[bytes]:
    kind = sniff(body[:6])
    if kind is None:
        yield from (body[i : i + _CHUNK] for i in range(0, len(body), _CHUNK))
        return
    safe = redact_url(url)
    reader = open_stream(kind, io.BytesIO(body))
    try:
        while piece := reader.read(_OUT_CHUNK):
            yield piece
    except DECOMPRESSION_ERRORS as exc:
        raise MalformedResponse(f"cannot decompress {safe}: {exc}", url=safe) from None
