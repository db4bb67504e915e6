"""Maven releases from a repository's artifact metadata
(https://maven.apache.org/repositories/metadata.html).

``project`` is ``group:artifact``; ``GET https://repo1.maven.org/maven2/<group path>/
<artifact>/maven-metadata.xml`` lists every version under ``<versioning><versions>``.
nvchecker reads only ``<release>``; Steward reads the whole list, so that every line is seen.
``-SNAPSHOT`` versions are builds, not releases. The ``repo`` option (nvchecker's key) names
another repository. The document is untrusted XML: one that declares a DTD or entities is
refused before it is parsed. Maven has no pre-release flag and no per-version dates here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from xml.etree import ElementTree

from steward.upstream.fetch import MalformedResponse
from steward.upstream.sources._forge import get_or_missing
from steward.upstream.sources.base import SourceContext, Upstream, UpstreamConfigError
from steward.upstream.versions import Release

KIND = "maven"
TAGS = False

PUBLIC_BASE = "https://repo1.maven.org/maven2"
_GROUP = re.compile(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*")
_ARTIFACT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
_XML_ACCEPT = "application/xml, text/xml;q=0.9, */*;q=0.1"


@dataclass(frozen=True, slots=True)
class MavenOptions:
    """Coordinates ``group:artifact`` and, optionally, the repository to ask."""

    group: str
    artifact: str
    repo: str | None = None

    @classmethod
    def from_upstream(cls, upstream: Upstream) -> MavenOptions:
        group, _, artifact = upstream.project.strip().partition(":")
        if not (_GROUP.fullmatch(group) and _ARTIFACT.fullmatch(artifact)):
            raise UpstreamConfigError(
                f"maven: {upstream.project!r} is not 'group:artifact' (org.example:demo)"
            )
        repo = upstream.option("repo")
        if repo is not None and not re.match(r"https?://[^/]", repo):
            raise UpstreamConfigError(f"maven: repo {repo!r} is not an http(s) URL")
        return cls(group, artifact, repo.rstrip("/") if repo else None)


async def fetch(upstream: Upstream, ctx: SourceContext) -> list[Release]:
    options = MavenOptions.from_upstream(upstream)
    base = options.repo or ctx.base_url(KIND, PUBLIC_BASE)
    folder = f"{base}/{options.group.replace('.', '/')}/{options.artifact}"
    url = f"{folder}/maven-metadata.xml"
    missing = f"no Maven artifact {upstream.project!r}"
    result = await get_or_missing(ctx, url, missing, accept=_XML_ACCEPT)
    return [
        Release(version, version, url=f"{folder}/{version}/")
        for version in metadata_versions(result.text(), url)
        if not version.endswith("-SNAPSHOT")
    ]


def metadata_versions(text: str, url: str) -> list[str]:
    """The ``<versioning><versions><version>`` texts of a ``maven-metadata.xml``, in order.

    >>> metadata_versions("<metadata><versioning><versions><version>1.0</version>"
    ...                   "</versions></versioning></metadata>", "u")
    ['1.0']
    """
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        raise MalformedResponse(f"refusing {url}: the XML declares a DTD or entities", url=url)
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as exc:
        raise MalformedResponse(f"malformed XML from {url}: {exc}", url=url) from None
    return [
        version.text.strip()
        for versions in root.iter()
        if _local(versions.tag) == "versions"
        for version in versions
        if _local(version.tag) == "version" and version.text and version.text.strip()
    ]


def _local(tag: str) -> str:
    """``version`` for ``{http://maven.apache.org/METADATA/1.1.0}version`` too."""
    return tag.rpartition("}")[2]
