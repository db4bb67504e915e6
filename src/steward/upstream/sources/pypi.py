"""PyPI releases from the JSON API (https://docs.pypi.org/api/json/).

``GET https://pypi.org/pypi/<name>/json`` lists every version under ``releases`` with its
files. A version counts when at least one of its files is not yanked (PEP 592; a version
with no files has nothing to download and does not count); its date is the earliest upload
of its files. PEP 440 says which versions are pre-releases; versions it cannot parse (old
``0.5.13-hg``) are kept unflagged, for the tag rules to judge.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from packaging.version import InvalidVersion, Version

from steward.upstream.fetch import MalformedResponse
from steward.upstream.sources._forge import get_or_missing, parse_time
from steward.upstream.sources.base import SourceContext, Upstream, UpstreamConfigError
from steward.upstream.versions import Release

KIND = "pypi"
TAGS = False
#: Source0/URL spellings this backend recognises; group 1 is the project.
URLS = (
    re.compile(
        r"^https?://(?:files\.pythonhosted\.org|pypi\.io|pypi\.python\.org|pypi\.org)/packages/source/./([^/]+)/"
    ),
    re.compile(r"^https?://pypi\.(?:python\.)?org/(?:project|pypi)/([^/]+)"),
)
#: openEuler ``version_control`` kinds this backend serves.
METADATA_KINDS = ("pypi",)

PUBLIC_BASE = "https://pypi.org"
_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")  # PEP 508 names


@dataclass(frozen=True, slots=True)
class PypiOptions:
    """The distribution name, as given (PyPI answers any spelling that normalises to it)."""

    name: str

    @classmethod
    def from_upstream(cls, upstream: Upstream) -> PypiOptions:
        name = upstream.project.strip()
        if not _NAME.fullmatch(name):
            raise UpstreamConfigError(f"pypi: {name!r} is not a Python distribution name")
        return cls(name)


async def fetch(upstream: Upstream, ctx: SourceContext) -> list[Release]:
    options = PypiOptions.from_upstream(upstream)
    url = f"{ctx.base_url(KIND, PUBLIC_BASE)}/pypi/{options.name}/json"
    doc = (await get_or_missing(ctx, url, f"no PyPI project {options.name!r}")).json()
    try:
        found = [_release(options, version, files) for version, files in doc["releases"].items()]
    except (KeyError, TypeError, AttributeError) as exc:
        raise MalformedResponse(f"unexpected PyPI JSON from {url}: {exc!r}", url=url) from None
    return [release for release in found if release is not None]


def _release(options: PypiOptions, version: str, files: list[dict[str, Any]]) -> Release | None:
    if all(file.get("yanked", False) for file in files):
        return None
    dates = [d for file in files if (d := parse_time(file.get("upload_time_iso_8601")))]
    try:
        prerelease: bool | None = Version(version).is_prerelease
    except InvalidVersion:
        prerelease = None
    url = f"https://pypi.org/project/{options.name}/{version}/"
    return Release(version, version, min(dates, default=None), url, prerelease)
