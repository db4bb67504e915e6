"""Compressed data, one way for the whole package: told by its magic number (never by a file
name, which lies), read as a stream, and zstd always through the ``zstandard`` package.

Used for source archives (:mod:`steward.upgrade.extract`), patches
(:mod:`steward.upgrade.patches`), RPM repository indexes
(:mod:`steward.upstream.sources.rpmrepo`) and stored upstream states
(:mod:`steward.upstream.state`).

>>> import gzip, io
>>> packed = gzip.compress(b"hello")
>>> kind = sniff(packed)
>>> kind, open_stream(kind, io.BytesIO(packed)).read(100)
('gzip', b'hello')
>>> zstd_decompress(zstd_compress(b"state"))
b'state'
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import threading
import zlib
from typing import IO, Final, Protocol

import zstandard

__all__ = [
    "DECOMPRESSION_ERRORS",
    "KINDS",
    "Readable",
    "open_stream",
    "sniff",
    "zstd_compress",
    "zstd_decompress",
]

#: Each compression Steward reads, by the magic number its data starts with.
KINDS: Final = (
    ("gzip", b"\x1f\x8b"),
    ("bzip2", b"BZh"),
    ("xz", b"\xfd7zXZ\x00"),
    ("zstd", b"\x28\xb5\x2f\xfd"),
)
# The legacy ``.lzma`` ("LZMA alone") header: properties byte 0x5d, then a dictionary size.
# Too weak a signature for data in general; rpm's %{uncompress:} knows it for patches.
_LZMA_ALONE: Final = b"\x5d\x00\x00"

#: What reading damaged or truncated compressed data raises.
DECOMPRESSION_ERRORS: Final[tuple[type[Exception], ...]] = (
    OSError,  # gzip.BadGzipFile, bz2's "Invalid data stream"
    EOFError,  # a truncated stream
    lzma.LZMAError,
    zlib.error,
    zstandard.ZstdError,
)


class Readable(Protocol):
    """A decompressing reader: ``read(n)`` gives at most ``n`` bytes, ``b""`` at the end."""

    def read(self, size: int, /) -> bytes: ...


def sniff(head: bytes, *, legacy_lzma: bool = False) -> str | None:
    """The compression ``head`` (the data's first bytes, six or more) starts with, if any.

    ``legacy_lzma`` also recognises the old ``.lzma`` format, as ``lzma``.

    >>> sniff(b"BZh91AY"), sniff(b"plain text")
    ('bzip2', None)
    """
    for kind, magic in KINDS:
        if head.startswith(magic):
            return kind
    if legacy_lzma and head.startswith(_LZMA_ALONE):
        return "lzma"
    return None


def open_stream(kind: str, raw: IO[bytes]) -> Readable:
    """A reader of ``raw``'s data decompressed as ``kind`` (a name :func:`sniff` gives).

    Every format reads across members or frames (``cat a.gz b.gz`` reads as both), and a
    ``read(n)`` never returns more than ``n`` bytes, so a caller bounds its memory by what
    it asks for, however well the data compresses.
    """
    if kind == "gzip":
        return gzip.GzipFile(fileobj=raw, mode="rb")
    if kind == "bzip2":
        return bz2.BZ2File(raw)
    if kind in ("xz", "lzma"):
        return lzma.LZMAFile(raw)  # FORMAT_AUTO: xz and legacy lzma alike
    if kind == "zstd":
        reader: Readable = zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True)
        return reader
    raise ValueError(f"unknown compression {kind!r}")


def zstd_compress(data: bytes) -> bytes:
    """``data`` as one zstd frame, at level 1 (fast, and most of the gain on JSON)."""
    packed: bytes = _zstd().compressor.compress(data)
    return packed


def zstd_decompress(data: bytes) -> bytes:
    """One zstd frame's content (the frame must record its size, as :func:`zstd_compress`'s
    do); :class:`zstandard.ZstdError` when it is not zstd."""
    unpacked: bytes = _zstd().decompressor.decompress(data)
    return unpacked


class _Zstd(threading.local):
    # zstandard's (de)compressors are reused, but only one call at a time: one per thread
    # (a check's store thread unpacks states while its event loop packs new ones).
    def __init__(self) -> None:
        self.compressor = zstandard.ZstdCompressor(level=1)
        self.decompressor = zstandard.ZstdDecompressor()


_ZSTD: _Zstd | None = None


def _zstd() -> _Zstd:
    global _ZSTD
    if _ZSTD is None:
        _ZSTD = _Zstd()
    return _ZSTD
