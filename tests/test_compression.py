"""One way to tell and read compressed data: every format by its magic, read in bounded steps."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
from collections.abc import Callable
from pathlib import Path

import pytest
import zstandard

from steward.compression import DECOMPRESSION_ERRORS, open_stream, sniff

FORMATS: list[tuple[str, Callable[[bytes], bytes]]] = [
    ("gzip", gzip.compress),
    ("bzip2", bz2.compress),
    ("xz", lzma.compress),
    ("zstd", lambda data: zstandard.ZstdCompressor().compress(data)),
]


@pytest.mark.parametrize(("kind", "compress"), FORMATS)
def test_each_format_is_told_by_its_magic_and_read_across_members(
    kind: str, compress: Callable[[bytes], bytes]
) -> None:
    data = compress(b"first\n") + compress(b"second\n")  # `cat a.gz b.gz`
    assert sniff(data[:6]) == kind
    assert _read_all(open_stream(kind, io.BytesIO(data))) == b"first\nsecond\n"


@pytest.mark.parametrize(("kind", "compress"), FORMATS)
def test_a_bomb_is_read_no_more_than_asked_at_a_time(
    kind: str, compress: Callable[[bytes], bytes]
) -> None:
    bomb = compress(b"\0" * (8 << 20))
    reader = open_stream(kind, io.BytesIO(bomb))
    assert len(reader.read(4096)) <= 4096


@pytest.mark.parametrize(("kind", "compress"), FORMATS)
def test_damaged_data_raises_one_of_the_decompression_errors(
    kind: str, compress: Callable[[bytes], bytes]
) -> None:
    data = compress(b"some text that compresses " * 100)
    damaged = data[:8] + bytes(b ^ 0x5A for b in data[8:-8]) + data[-8:]
    with pytest.raises(DECOMPRESSION_ERRORS):
        _read_all(open_stream(kind, io.BytesIO(damaged)))


def test_plain_data_and_legacy_lzma_only_when_asked() -> None:
    legacy = lzma.compress(b"x", format=lzma.FORMAT_ALONE)
    assert sniff(b"diff --git a/x b/x") is None
    assert sniff(legacy[:6]) is None and sniff(legacy[:6], legacy_lzma=True) == "lzma"
    assert _read_all(open_stream("lzma", io.BytesIO(legacy))) == b"x"


def test_a_zstd_patch_is_read_without_the_zstd_tool(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from steward.upgrade.patches import _read_patch

    patch = tmp_path / "fix.patch.zst"
    patch.write_bytes(zstandard.ZstdCompressor().compress(b"--- a/x\n+++ b/x\n"))
    monkeypatch.setenv("PATH", str(tmp_path))  # no zstd command here

    assert _read_patch(patch) == (b"--- a/x\n+++ b/x\n", "zstd")


def _read_all(reader: object) -> bytes:
    out = b""
    while piece := reader.read(65536):  # type: ignore[attr-defined]
        out += piece
    return out
