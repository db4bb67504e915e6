"""Downloads to disk: the ``.part`` file a download streams into, resumed with ``Range``."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from steward.upstream.fetch.errors import (
    ConnectionFailed,
    MalformedResponse,
    ResponseTooLarge,
)
from steward.upstream.fetch.transport import _CHUNK, _ERROR_BODY_LIMIT, _Meter, _read_at_most

_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)\s*$", re.IGNORECASE)
_UNSATISFIED_RANGE = re.compile(r"bytes\s+\*/(\d+)\s*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class DownloadResult:
    """One completed :meth:`Fetcher.download`: ``path`` holds the whole body, and only it.

    ``resumed_from`` counts the bytes of an earlier attempt's ``.part`` file that were kept
    (0 when the download started from scratch or the server ignored ``Range``); ``attempts``
    counts every request sent, retries and redirect hops included.
    """

    url: str
    final_url: str
    path: Path
    size: int
    sha256: str
    resumed_from: int
    attempts: int
    elapsed: float


class _PartFile:
    """The ``.part`` file a download streams into; it sets the ``Range`` of every attempt.

    Retries share one instance, so a body cut short by a dropped connection is resumed, not
    restarted. ``complete`` is set once a whole body is on disk; ``restart`` when the server's
    answer makes the bytes already on disk useless (a range that does not match).
    """

    def __init__(self, part: Path, max_bytes: int, timeout: float) -> None:
        self.part = part
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.complete = False
        self.restart = False
        self.kept = self.size()  # bytes from before this download that are still in the file

    def size(self) -> int:
        try:
            return self.part.stat().st_size
        except FileNotFoundError:
            return 0

    def discard(self) -> None:
        self.part.unlink(missing_ok=True)
        self.kept = 0

    def request_headers(self, headers: dict[str, str]) -> dict[str, str]:
        offset = self.size()
        headers = {name: value for name, value in headers.items() if name != "range"}
        if offset:
            headers["range"] = f"bytes={offset}-"
        return headers

    async def consume(
        self,
        safe_url: str,
        response: aiohttp.ClientResponse,
        headers: Mapping[str, str],
        meter: _Meter,
    ) -> bytes:
        """Write a 200/206 body to the file; other answers give a diagnostic snippet."""
        self.complete = self.restart = False
        status = response.status
        offset = self.size()
        if status == 416:
            # Asked for bytes past the end: the .part may already hold the whole file.
            match = _UNSATISFIED_RANGE.match(headers.get("content-range", ""))
            if match is not None and offset and int(match.group(1)) == offset:
                self.complete = True
            else:
                self.restart = True
            return b""
        if status not in (200, 206):
            return await _read_at_most(response, _ERROR_BODY_LIMIT, meter)

        expected: int | None
        if status == 206:
            match = _CONTENT_RANGE.match(headers.get("content-range", ""))
            if match is None or int(match.group(1)) != offset:
                self.restart = True
                return b""
            expected = None if match.group(3) == "*" else int(match.group(3))
        else:
            # The server sent the whole body, whatever was asked: start the file again.
            offset = self.kept = 0
            declared = headers.get("content-length", "")
            expected = int(declared) if declared.isdigit() else None
        if expected is not None and expected > self.max_bytes:
            self.discard()
            raise ResponseTooLarge(
                f"{safe_url} is {expected} bytes, over the {self.max_bytes}-byte limit",
                url=safe_url,
                limit=self.max_bytes,
            )

        size = offset
        with self.part.open("ab" if offset else "wb") as out:
            async for chunk in response.content.iter_chunked(_CHUNK):
                size += len(chunk)
                meter.received += len(chunk)
                if size > self.max_bytes:
                    break
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if size > self.max_bytes:
            self.discard()
            raise ResponseTooLarge(
                f"{safe_url} sent more than the {self.max_bytes}-byte limit; stopped reading "
                "and deleted the partial file",
                url=safe_url,
                limit=self.max_bytes,
            )
        if expected is not None and size != expected:
            # Short: resumable, so retry like any dropped connection. Long: the server lies.
            if size < expected:
                raise ConnectionFailed(
                    f"the body of {safe_url} ended at byte {size} of {expected}",
                    url=safe_url,
                    attempts=1,
                )
            self.discard()
            raise MalformedResponse(
                f"{safe_url} sent {size} bytes but announced {expected}", url=safe_url
            )
        self.complete = True
        return b""


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()
