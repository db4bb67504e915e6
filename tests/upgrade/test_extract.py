"""Safe extraction: ordinary archives unpack; hostile ones are refused and leave nothing behind.

The hostile archives are built here, member by member, with ``tarfile``/``zipfile``. Each
refusal is checked twice: with tarfile's own ``data`` filter as a second opinion, and with it
switched off, so that Steward's own checks are shown to stand alone. Every test also checks
that nothing appeared outside the destination.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import stat
import tarfile
import time
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
import zstandard

from steward.upgrade import extract
from steward.upgrade.extract import (
    ExtractError,
    ExtractLimits,
    UnsafeArchive,
    extract_archive,
    top_level_dir,
)
from steward.upgrade.model import UpgradeError, UpgradeStep

MiB = 1024 * 1024
Entry = tuple[tarfile.TarInfo, bytes | None]


# --------------------------------------------------------------------------- archive builders


def file_(name: str, data: bytes = b"content\n", mode: int = 0o644) -> Entry:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), mode, 1_700_000_000
    return info, data


def dir_(name: str, mode: int = 0o755) -> Entry:
    info = tarfile.TarInfo(name)
    info.type, info.mode = tarfile.DIRTYPE, mode
    return info, None


def symlink(name: str, target: str) -> Entry:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = tarfile.SYMTYPE, target
    return info, None


def hardlink(name: str, target: str) -> Entry:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = tarfile.LNKTYPE, target
    return info, None


def special(name: str, kind: bytes) -> Entry:
    info = tarfile.TarInfo(name)
    info.type, info.devmajor, info.devminor = kind, 1, 3
    return info, None


def tar_bytes(entries: Iterable[Entry], fmt: int = tarfile.PAX_FORMAT) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=fmt) as tar:
        for info, data in entries:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return buffer.getvalue()


def write_tar(path: Path, entries: Iterable[Entry]) -> Path:
    """A tarball compressed as its name says (.tar, .tar.gz/.tgz, .tar.bz2, .tar.xz, .tar.zst)."""
    raw = tar_bytes(entries)
    compress = {
        "tar": lambda data: data,
        "gz": gzip.compress,
        "tgz": gzip.compress,
        "bz2": bz2.compress,
        "xz": lzma.compress,
        "zst": zstandard.ZstdCompressor().compress,
    }[path.name.rsplit(".", 1)[1]]
    path.write_bytes(compress(raw))
    return path


def project_entries(top: str = "foo-1.2") -> list[Entry]:
    return [
        dir_(f"{top}/"),
        file_(f"{top}/configure", b"#!/bin/sh\necho configured\n", mode=0o755),
        dir_(f"{top}/src/"),
        file_(f"{top}/src/foo.c", b"int main(void) { return 0; }\n"),
        symlink(f"{top}/src/bar.c", "foo.c"),
        hardlink(f"{top}/COPYING.hard", f"{top}/src/foo.c"),
    ]


def gzip_members(*chunks: bytes) -> bytes:
    """Concatenated gzip members: one valid gzip stream, built without compressing it all."""
    return b"".join(gzip.compress(chunk, compresslevel=9) for chunk in chunks)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(params=["with-data-filter", "own-checks-only"])
def checkers(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a refusal test with tarfile's data filter as a second opinion, and without it."""
    if request.param == "own-checks-only":
        monkeypatch.setattr(extract, "_DATA_FILTER", None)
    return str(request.param)


@pytest.fixture
def outside(tmp_path: Path) -> Iterator[Path]:
    """A directory next to the destination; at the end of each test it must be as it was."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret").write_text("precious\n")
    yield folder
    assert sorted(p.name for p in folder.iterdir()) == ["secret"]
    assert (folder / "secret").read_text() == "precious\n"


def refused(archive: Path, dest: Path, limits: ExtractLimits | None = None) -> UnsafeArchive:
    """Extract, expect a refusal, and check the failed attempt left nothing in ``dest``."""
    with pytest.raises(UnsafeArchive) as caught:
        extract_archive(archive, dest, limits=limits or ExtractLimits())
    assert not dest.exists() or list(dest.iterdir()) == []
    error = caught.value
    assert isinstance(error, UpgradeError) and error.step is UpgradeStep.EXTRACT
    assert archive.name in str(error)
    return error


# --------------------------------------------------------------------------- ordinary archives


@pytest.mark.parametrize(
    "name",
    [
        "foo-1.2.tar",
        "foo-1.2.tar.gz",
        "foo-1.2.tgz",
        "foo-1.2.tar.bz2",
        "foo-1.2.tar.xz",
        "foo-1.2.tar.zst",
    ],
)
def test_a_normal_tarball_extracts_with_its_top_level_directory(tmp_path: Path, name: str) -> None:
    archive = write_tar(tmp_path / name, project_entries())
    dest = tmp_path / "dest"

    result = extract_archive(archive, dest)

    assert result.top_level_dir == "foo-1.2" == top_level_dir(archive)
    assert result.root == dest / "foo-1.2"
    assert (result.files, result.entries) == (2, 6)
    assert result.total_bytes == len(b"#!/bin/sh\necho configured\n") + len(
        b"int main(void) { return 0; }\n"
    )
    root = result.root
    assert (root / "src/foo.c").read_text() == "int main(void) { return 0; }\n"
    assert os.readlink(root / "src/bar.c") == "foo.c"
    assert (root / "COPYING.hard").stat().st_ino == (root / "src/foo.c").stat().st_ino
    assert stat.S_IMODE((root / "configure").stat().st_mode) == 0o755
    assert stat.S_IMODE((root / "src/foo.c").stat().st_mode) == 0o644


def test_a_zip_extracts_with_its_top_level_directory(tmp_path: Path) -> None:
    archive = tmp_path / "foo-1.2.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("foo-1.2/", "")
        zf.writestr("foo-1.2/README", "read me\n")
        script = zipfile.ZipInfo("foo-1.2/run.sh")
        script.external_attr = (stat.S_IFREG | 0o755) << 16
        script.create_system = 3
        zf.writestr(script, "#!/bin/sh\n")

    result = extract_archive(archive, tmp_path / "dest")

    assert result.top_level_dir == "foo-1.2" == top_level_dir(archive)
    assert (result.root / "README").read_text() == "read me\n"
    assert stat.S_IMODE((result.root / "run.sh").stat().st_mode) == 0o755


def test_a_gem_extracts_its_data_into_name_version(tmp_path: Path) -> None:
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w:gz") as inner:
        for info, content in [file_("lib/rack.rb", b"module Rack; end\n"), file_("README.md")]:
            inner.addfile(info, io.BytesIO(content or b""))
    archive = tmp_path / "rack-3.0.8.gem"
    archive.write_bytes(
        tar_bytes(
            [
                file_("metadata.gz", gzip.compress(b"--- !ruby/object:Gem::Specification\n")),
                file_("data.tar.gz", data.getvalue()),
                file_("checksums.yaml.gz", gzip.compress(b"---\n")),
            ],
            fmt=tarfile.USTAR_FORMAT,
        )
    )

    result = extract_archive(archive, tmp_path / "dest")

    assert result.top_level_dir == "rack-3.0.8" == top_level_dir(archive)
    assert (tmp_path / "dest/rack-3.0.8/lib/rack.rb").read_text() == "module Rack; end\n"
    assert not (tmp_path / "dest/rack-3.0.8/metadata.gz").exists()


def test_top_level_dir_is_none_when_members_spread_over_several_entries(tmp_path: Path) -> None:
    spread = write_tar(tmp_path / "spread.tar.gz", [file_("README"), file_("src/main.c")])
    single_file = write_tar(tmp_path / "single.tar.gz", [file_("README")])

    assert top_level_dir(spread) is None
    assert top_level_dir(single_file) is None
    assert extract_archive(spread, tmp_path / "dest").top_level_dir is None


def test_setuid_and_setgid_bits_are_stripped_not_refused(tmp_path: Path) -> None:
    archive = write_tar(
        tmp_path / "suid.tar.gz",
        [dir_("suid/"), file_("suid/helper", b"\x7fELF", mode=0o6755), file_("suid/w", mode=0o666)],
    )

    result = extract_archive(archive, tmp_path / "dest")

    assert stat.S_IMODE((result.root / "helper").stat().st_mode) == 0o755
    assert stat.S_IMODE((result.root / "w").stat().st_mode) == 0o644  # no group/other write
    assert result.setid_stripped == ("suid/helper",)


def test_a_later_duplicate_member_replaces_the_earlier_one_as_tar_does(tmp_path: Path) -> None:
    archive = write_tar(tmp_path / "dup.tar", [file_("d/f", b"first\n"), file_("d/f", b"second\n")])

    result = extract_archive(archive, tmp_path / "dest")

    assert (result.root / "f").read_text() == "second\n"


# --------------------------------------------------------------------------- escapes


def test_path_traversal_is_refused(tmp_path: Path, outside: Path, checkers: str) -> None:
    archive = write_tar(
        tmp_path / "evil.tar.gz", [file_("foo-1.2/README"), file_("foo-1.2/../../outside/evil")]
    )

    error = refused(archive, tmp_path / "dest")

    assert error.member == "foo-1.2/../../outside/evil"
    assert "'..'" in str(error)


def test_an_absolute_member_path_is_refused(tmp_path: Path, outside: Path, checkers: str) -> None:
    target = str(outside / "abs-evil")
    archive = write_tar(tmp_path / "abs.tar", [file_(target)])

    error = refused(archive, tmp_path / "dest")

    assert error.member == target
    assert "absolute path" in str(error)


@pytest.mark.parametrize("target", ["/etc", "../../outside", "sub/../../../outside"])
def test_a_symlink_leading_out_is_refused_before_anything_is_written_through_it(
    tmp_path: Path, outside: Path, checkers: str, target: str
) -> None:
    archive = write_tar(
        tmp_path / "link.tar.gz",
        [dir_("foo/"), symlink("foo/link", target), file_("foo/link/passwd", b"root::0:0::/:\n")],
    )

    error = refused(archive, tmp_path / "dest")

    assert error.member == "foo/link"
    assert not (outside / "passwd").exists()


def test_a_link_that_escapes_through_a_later_link_is_refused(
    tmp_path: Path, outside: Path, checkers: str
) -> None:
    # "a" looks harmless while x/y does not exist; once x/y -> .. exists, a leads two levels up.
    archive = write_tar(
        tmp_path / "chain.tar",
        [symlink("a", "x/y/../.."), dir_("x/"), symlink("x/y", ".."), file_("a/outside/pwned")],
    )

    refused(archive, tmp_path / "dest")

    assert not (outside / "pwned").exists()


def test_an_escaping_link_chain_is_refused_even_when_nothing_is_written_through_it(
    tmp_path: Path, outside: Path, checkers: str
) -> None:
    archive = write_tar(
        tmp_path / "chain.tar", [symlink("a", "x/y/../.."), dir_("x/"), symlink("x/y", "..")]
    )

    error = refused(archive, tmp_path / "dest")

    assert error.member == "a"
    assert "through other links" in str(error)


@pytest.mark.parametrize("target", ["../outside/secret", "OUTSIDE"])
def test_a_hard_link_to_a_file_outside_is_refused(
    tmp_path: Path, outside: Path, checkers: str, target: str
) -> None:
    target = str(outside / "secret") if target == "OUTSIDE" else target
    archive = write_tar(
        tmp_path / "hard.tar",
        [hardlink("stolen", target), file_("stolen", b"overwritten\n")],
    )

    error = refused(archive, tmp_path / "dest")

    assert error.member == "stolen"


def test_a_hard_link_to_a_symlink_is_checked_from_its_own_place(
    tmp_path: Path, outside: Path, checkers: str
) -> None:
    # a/b/l -> ../x stays inside; the same link text at the top level points outside.
    archive = write_tar(
        tmp_path / "hardsym.tar",
        [dir_("a/"), dir_("a/b/"), symlink("a/b/l", "../outside"), hardlink("l2", "a/b/l")],
    )

    error = refused(archive, tmp_path / "dest")

    assert error.member == "l2"


def test_a_hard_link_to_a_member_not_in_the_archive_is_refused(
    tmp_path: Path, checkers: str
) -> None:
    archive = write_tar(tmp_path / "hard.tar", [hardlink("x", "nowhere")])

    error = refused(archive, tmp_path / "dest")

    assert "not an earlier member" in str(error)


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        (tarfile.CHRTYPE, "device file"),
        (tarfile.BLKTYPE, "device file"),
        (tarfile.FIFOTYPE, "FIFO"),
    ],
)
def test_device_nodes_and_fifos_are_refused(
    tmp_path: Path, checkers: str, kind: bytes, words: str
) -> None:
    archive = write_tar(tmp_path / "dev.tar.gz", [file_("d/ok"), special("d/null", kind)])

    error = refused(archive, tmp_path / "dest")

    assert error.member == "d/null"
    assert words in str(error)


def test_a_zip_with_a_parent_directory_name_is_refused(tmp_path: Path, outside: Path) -> None:
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("ok/README", "fine\n")
        zf.writestr("../outside/evil", "pwned\n")

    error = refused(archive, tmp_path / "dest")

    assert error.member == "../outside/evil"


def test_a_zip_symlink_leading_out_is_refused(tmp_path: Path, outside: Path) -> None:
    archive = tmp_path / "link.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        link = zipfile.ZipInfo("pkg/link")
        link.create_system = 3
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, "../../outside")
        zf.writestr("pkg/link/evil", "pwned\n")

    error = refused(archive, tmp_path / "dest")

    assert error.member == "pkg/link"


# --------------------------------------------------------------------------- what was there before


def test_a_file_already_in_the_destination_is_never_overwritten(tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    (dest / "foo-1.2").mkdir(parents=True)
    (dest / "foo-1.2/README").write_text("mine\n")
    archive = write_tar(
        tmp_path / "foo.tar.gz", [file_("foo-1.2/NEWS"), file_("foo-1.2/README", b"theirs\n")]
    )

    with pytest.raises(ExtractError, match=r"would overwrite .*README.*extract into an empty"):
        extract_archive(archive, dest)

    assert (dest / "foo-1.2/README").read_text() == "mine\n"
    assert not (dest / "foo-1.2/NEWS").exists()  # the failed attempt is undone


def test_a_link_already_in_the_destination_is_not_followed_out(
    tmp_path: Path, outside: Path, checkers: str
) -> None:
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / "foo-1.2").symlink_to(outside)
    archive = write_tar(tmp_path / "foo.tar.gz", [file_("foo-1.2/evil")])

    with pytest.raises(UnsafeArchive):
        extract_archive(archive, dest)

    assert not (outside / "evil").exists()


def test_a_refused_archive_leaves_nothing_of_what_it_extracted_first(tmp_path: Path) -> None:
    archive = write_tar(
        tmp_path / "late.tar.gz",
        [*project_entries(), file_("foo-1.2/../../late-evil")],
    )

    refused(archive, tmp_path / "dest")

    assert not (tmp_path / "dest").exists()
    assert not (tmp_path / "late-evil").exists()


# --------------------------------------------------------------------------- bombs and caps


def test_a_gzip_bomb_declaring_one_gib_fails_fast_without_writing(tmp_path: Path) -> None:
    header = tarfile.TarInfo("bomb/zeros")
    header.size = 1024 * MiB
    # Only the first 16 MiB of zeros are present: the header alone must be enough to refuse.
    archive = tmp_path / "bomb.tar.gz"
    archive.write_bytes(gzip_members(header.tobuf(tarfile.GNU_FORMAT), *[b"\0" * MiB] * 16))
    assert archive.stat().st_size < 64 * 1024

    started = time.monotonic()
    error = refused(archive, tmp_path / "dest", ExtractLimits(max_bytes=10 * MiB))

    assert time.monotonic() - started < 2
    assert error.member == "bomb/zeros"
    assert "10485760-byte limit" in str(error)


def test_a_gzip_bomb_of_many_small_members_stops_at_the_cap(tmp_path: Path) -> None:
    # 1,024 members of 1 MiB of zeros: 1 GiB expanded from about a megabyte, each member
    # harmless on its own. The running total must stop it at the 11th.
    zeros = gzip.compress(b"\0" * MiB, compresslevel=9)
    chunks = []
    for index in range(1024):
        info = tarfile.TarInfo(f"bomb/f{index:04d}")
        info.size = MiB
        chunks.append(gzip.compress(info.tobuf(tarfile.GNU_FORMAT)) + zeros)
    archive = tmp_path / "bomb.tar.gz"
    archive.write_bytes(b"".join(chunks) + gzip.compress(b"\0" * 1024))
    assert archive.stat().st_size < 2 * MiB

    started = time.monotonic()
    error = refused(archive, tmp_path / "dest", ExtractLimits(max_bytes=10 * MiB))

    assert time.monotonic() - started < 5
    assert error.member == "bomb/f0010"


def test_a_huge_pax_header_is_refused_before_it_is_held_in_memory(tmp_path: Path) -> None:
    info, data = file_("p/file")
    info.pax_headers = {"comment": "A" * (8 * MiB)}
    archive = write_tar(tmp_path / "pax.tar.gz", [(info, data)])

    error = refused(archive, tmp_path / "dest", ExtractLimits(max_header_bytes=MiB))

    assert "header larger than the 1048576-byte limit" in str(error)


def test_an_archive_past_the_compression_ratio_is_refused(tmp_path: Path) -> None:
    archive = write_tar(tmp_path / "ratio.tar.gz", [file_("r/zeros", b"\0" * (8 * MiB))])

    error = refused(archive, tmp_path / "dest", ExtractLimits(max_ratio=50, ratio_floor=MiB))

    assert "expands more than 50 times" in str(error)


def test_too_many_entries_are_refused(tmp_path: Path) -> None:
    archive = write_tar(tmp_path / "many.tar.gz", [file_(f"m/f{i:03d}") for i in range(101)])

    error = refused(archive, tmp_path / "dest", ExtractLimits(max_files=100))

    assert error.member == "m/f100"
    assert "limit of 100 entries" in str(error)


def test_a_zip_bomb_is_refused_from_its_central_directory(tmp_path: Path) -> None:
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for index in range(3):
            zf.writestr(f"z/{index}", b"\0" * (8 * MiB))

    refused(archive, tmp_path / "dest", ExtractLimits(max_bytes=10 * MiB))


def test_a_zip_with_too_many_entries_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "many.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for index in range(11):
            zf.writestr(f"z/{index}", "x")

    error = refused(archive, tmp_path / "dest", ExtractLimits(max_files=10))

    assert error.member == "z/10"


# --------------------------------------------------------------------------- broken input


def test_a_truncated_tarball_is_a_clear_error_and_leaves_nothing(tmp_path: Path) -> None:
    whole = write_tar(tmp_path / "whole.tar.gz", [file_("t/big", os.urandom(200_000))])
    archive = tmp_path / "cut.tar.gz"
    archive.write_bytes(whole.read_bytes()[:50_000])

    with pytest.raises(ExtractError, match=r"cut\.tar\.gz is corrupt or truncated"):
        extract_archive(archive, tmp_path / "dest")

    assert not (tmp_path / "dest").exists()


def test_something_that_is_not_an_archive_is_a_clear_error(tmp_path: Path) -> None:
    page = tmp_path / "foo-1.2.tar.gz"
    page.write_text("<html>404 Not Found</html>")

    with pytest.raises(
        ExtractError, match=r"foo-1\.2\.tar\.gz is not an archive Steward can extract"
    ):
        extract_archive(page, tmp_path / "dest")

    with pytest.raises(ExtractError, match="does not exist"):
        extract_archive(tmp_path / "missing.tar.gz", tmp_path / "dest")
