"""Advisories from files, folders and OSV data-dump zips, whatever their format.

:func:`read_advisories` yields :class:`Advisory` values and :class:`RecordError` values in
one stream: a file that is too big, not JSON, not XML, an XML bomb, or a record that is
not valid gives its own error and the rest of the feed is still read.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Final

from steward.vuln.csaf import CsafError, is_csaf, parse_csaf
from steward.vuln.cvrf import CvrfError, parse_cvrf
from steward.vuln.model import Advisory, RecordError
from steward.vuln.osv import OsvError, parse_osv

__all__ = ["MAX_RECORD_BYTES", "AdvisorySet", "parse_bytes", "read_advisories"]

#: A single advisory file larger than this is refused unread (the largest real CSAF
#: documents are a few MiB; a 1 GB "record" is an attack or an accident).
MAX_RECORD_BYTES: Final = 64 * 1024 * 1024

_SUFFIXES: Final = (".json", ".xml", ".zip")


def parse_bytes(data: bytes, origin: str) -> Iterator[Advisory | RecordError]:
    """The advisories in one file's bytes: OSV (one record or a list), CSAF or CVRF XML."""
    head = data.lstrip()[:1]
    if head == b"<":
        try:
            yield from parse_cvrf(data, origin)
        except CvrfError as exc:
            yield RecordError(origin, None, str(exc))
        return
    import orjson

    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        yield RecordError(origin, None, f"not JSON: {exc}")
        return
    if is_csaf(document):
        try:
            yield from parse_csaf(document, origin)
        except CsafError as exc:
            yield RecordError(origin, _doc_id(document), str(exc))
        return
    records = document if isinstance(document, list) else [document]
    for number, record in enumerate(records):
        name = record.get("id") if isinstance(record, dict) else None
        if isinstance(record, dict) and "id" not in record and "affected" not in record:
            yield RecordError(
                origin, None, "neither an OSV record nor a CSAF document (unknown format)"
            )
            continue
        try:
            yield parse_osv(record, origin)
        except OsvError as exc:
            label = name if isinstance(name, str) else f"record {number}"
            yield RecordError(origin, label, str(exc))


def _doc_id(document: object) -> str | None:
    try:
        ident = document["document"]["tracking"]["id"]  # type: ignore[index]
    except (KeyError, TypeError):
        return None
    return ident if isinstance(ident, str) else None


def _read_zip(path: Path) -> Iterator[Advisory | RecordError]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        yield RecordError(str(path), None, f"not a readable zip: {exc}")
        return
    with archive:
        for info in archive.infolist():
            if info.is_dir() or not info.filename.endswith((".json", ".xml")):
                continue
            origin = f"{path}!{info.filename}"
            if info.file_size > MAX_RECORD_BYTES:
                yield RecordError(origin, None, _too_big(info.file_size))
                continue
            try:
                with archive.open(info) as member:
                    # Read one byte past the cap: a member that lies about its size stops there.
                    data = member.read(MAX_RECORD_BYTES + 1)
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                yield RecordError(origin, None, f"cannot read zip member: {exc}")
                continue
            if len(data) > MAX_RECORD_BYTES:
                yield RecordError(origin, None, _too_big(len(data)))
                continue
            yield from parse_bytes(data, origin)


def _too_big(size: int) -> str:
    return f"{size} bytes is more than the {MAX_RECORD_BYTES} a single advisory file may have"


def _read_file(path: Path) -> Iterator[Advisory | RecordError]:
    if path.suffix == ".zip":
        yield from _read_zip(path)
        return
    try:
        size = path.stat().st_size
        if size > MAX_RECORD_BYTES:
            yield RecordError(str(path), None, _too_big(size))
            return
        data = path.read_bytes()
    except OSError as exc:
        yield RecordError(str(path), None, f"cannot read: {exc.strerror or exc}")
        return
    yield from parse_bytes(data, str(path))


def read_advisories(paths: Iterable[Path | str]) -> Iterator[Advisory | RecordError]:
    """Every advisory in the given files and folders (folders are read recursively, in
    name order; files other than ``.json``, ``.xml`` and ``.zip`` in a folder are skipped)."""
    for item in paths:
        path = Path(item)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and child.suffix in _SUFFIXES:
                    yield from _read_file(child)
        elif path.exists():
            yield from _read_file(path)
        else:
            yield RecordError(str(path), None, "no such file or folder")


class AdvisorySet:
    """Advisories and the errors met reading them, kept apart."""

    def __init__(self, items: Iterable[Advisory | RecordError] = ()) -> None:
        self.advisories: list[Advisory] = []
        self.errors: list[RecordError] = []
        self.extend(items)

    def extend(self, items: Iterable[Advisory | RecordError]) -> None:
        for item in items:
            if isinstance(item, RecordError):
                self.errors.append(item)
            else:
                self.advisories.append(item)

    @classmethod
    def read(cls, paths: Iterable[Path | str]) -> AdvisorySet:
        return cls(read_advisories(paths))
