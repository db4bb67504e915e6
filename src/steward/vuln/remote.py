"""Advisory sources given by URL, fetched through the upstream fetch engine.

Every request is conditional (the engine sends ``If-None-Match``/``If-Modified-Since`` from
its HTTP cache), so a refresh of an unchanged feed downloads no body:

* a document URL (an OSV record or list, an OSV data-dump ``.zip``, a CSAF or CVRF file):
  a 304 means "unchanged" and nothing is read again;
* a CSAF provider's ``changes.csv`` (``"path","time"`` rows) is read incrementally: a 304
  means no document changed; otherwise only the documents changed since the last sync (less
  a day's margin for clock skew and publication lag) are asked for, each conditionally;
* a provider's ``index.txt`` (one path a line, no times): every document is asked for
  conditionally, so unchanged ones cost a 304 each and no body.

Document paths must stay under the index's folder on the same origin (a line pointing
elsewhere is a per-line error). One failed document never stops the others.

The validators (``ETag``, ``Last-Modified``) live in a small JSON file (:class:`Validators`,
in the user's cache folder), keyed by the store and the URL, and are sent only while the
store still holds that URL's import: a 304 can never stand for advisories the store lacks.
No body is kept: a 304 means "unchanged" and nothing is read again.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from steward.upstream.fetch import CachedResponse, Fetcher, FetchError
from steward.vuln.load import parse_bytes, read_advisories
from steward.vuln.model import Advisory, RecordError

__all__ = [
    "Fetched",
    "Validators",
    "fetch_document",
    "fetch_provider",
    "is_url",
    "provider_entries",
]

#: Documents changed this long before the last sync are asked for again (conditionally).
MARGIN = dt.timedelta(days=1)


def is_url(source: str) -> bool:
    return source.startswith(("https://", "http://"))


class Validators:
    """The fetch engine's :class:`~steward.upstream.fetch.HttpCache` for advisory sources:
    validators only (no bodies), in ``path``, for the store ``scope``; ``known`` are the
    URLs whose import the store holds (only they are asked for conditionally)."""

    def __init__(self, path: Path, scope: str, known: set[str]) -> None:
        self.path = path
        self.scope = scope
        self.known = known
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        self._all: dict[str, dict[str, dict[str, str | None]]] = (
            data if isinstance(data, dict) else {}
        )
        self._mine = self._all.setdefault(scope, {})

    async def lookup(self, url: str) -> CachedResponse | None:
        entry = self._mine.get(url)
        if url not in self.known or not isinstance(entry, dict):
            return None
        return CachedResponse(entry.get("etag"), entry.get("last_modified"), b"")

    async def store(self, url: str, response: CachedResponse) -> None:
        self._mine[url] = {"etag": response.etag, "last_modified": response.last_modified}

    def forget(self, url: str) -> None:
        """Drop ``url``'s validators (its import failed: ask for it whole next time)."""
        self._mine.pop(url, None)

    def save(self) -> None:
        """Write the file atomically (a crash loses only this run's validators)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps(self._all, sort_keys=True), encoding="utf-8")
        temporary.replace(self.path)


@dataclass(slots=True)
class Fetched:
    """One document URL's answer: ``unchanged`` (304: nothing read), or what it holds."""

    url: str
    unchanged: bool
    advisories: list[Advisory] = field(default_factory=list)
    errors: list[RecordError] = field(default_factory=list)
    failed: bool = False


def _parse(url: str, body: bytes) -> Iterator[Advisory | RecordError]:
    if body[:4] == b"PK\x03\x04":  # an OSV data-dump zip: read it as the local reader does
        with tempfile.TemporaryDirectory(prefix="steward-advisories-") as folder:
            path = Path(folder) / "feed.zip"
            path.write_bytes(body)
            for item in read_advisories([path]):
                yield _reorigin(item, str(path), url)
        return
    yield from parse_bytes(body, url)


def _reorigin(item: Advisory | RecordError, local: str, url: str) -> Advisory | RecordError:
    import dataclasses

    origin = item.origin.replace(local, url, 1)
    return dataclasses.replace(item, origin=origin)


async def fetch_document(fetcher: Fetcher, url: str) -> Fetched:
    """GET ``url`` conditionally and read the advisories in it."""
    try:
        result = await fetcher.get(url, accept="application/json, application/xml, */*")
    except FetchError as exc:
        return Fetched(url, False, errors=[RecordError(url, None, str(exc))], failed=True)
    if result.status == 304:
        return Fetched(url, True)
    fetched = Fetched(url, False)
    for item in _parse(url, result.body or b""):
        if isinstance(item, RecordError):
            fetched.errors.append(item)
        else:
            fetched.advisories.append(item)
    return fetched


def provider_entries(
    index_url: str, text: str, since: dt.datetime | None
) -> tuple[list[str], list[RecordError]]:
    """The document URLs an ``index.txt`` or ``changes.csv`` lists (for ``changes.csv``
    only those changed after ``since``), and the lines that cannot be used."""
    base = index_url.rsplit("/", 1)[0] + "/"
    origin = urlsplit(base)
    urls: list[str] = []
    errors: list[RecordError] = []
    is_changes = index_url.endswith(".csv")
    rows = csv.reader(io.StringIO(text)) if is_changes else ([line] for line in text.splitlines())
    for number, row in enumerate(rows, 1):
        if not row or not row[0].strip():
            continue
        path = row[0].strip()
        where = f"line {number}"
        if is_changes and since is not None:
            try:
                changed = dt.datetime.fromisoformat(row[1].strip().replace("Z", "+00:00"))
            except (IndexError, ValueError):
                errors.append(RecordError(index_url, where, f"no valid time in {row!r}"))
                continue
            if changed.tzinfo is None:
                changed = changed.replace(tzinfo=dt.UTC)
            if changed < since - MARGIN:
                continue
        url = urljoin(base, path)
        target = urlsplit(url)
        if (
            (target.scheme, target.netloc) != (origin.scheme, origin.netloc)
            or not target.path.startswith(origin.path)
            or ".." in path.split("/")
            or not path.endswith(".json")
        ):
            errors.append(RecordError(index_url, where, f"{path!r} is not a document under {base}"))
            continue
        urls.append(url)
    return list(dict.fromkeys(urls)), errors


async def fetch_provider(
    fetcher: Fetcher, index_url: str, since: dt.datetime | None
) -> tuple[bool, list[Fetched], list[RecordError]]:
    """Read a CSAF provider's ``index.txt`` or ``changes.csv``: whether the index itself is
    unchanged (304: nothing else is asked), the documents fetched, and the index's errors."""
    try:
        result = await fetcher.get(index_url, accept="text/plain, text/csv, */*")
    except FetchError as exc:
        return False, [], [RecordError(index_url, None, str(exc))]
    if result.status == 304:
        return True, [], []
    urls, errors = provider_entries(index_url, result.text(), since)
    documents = await asyncio.gather(*(fetch_document(fetcher, url) for url in urls))
    return False, list(documents), errors
