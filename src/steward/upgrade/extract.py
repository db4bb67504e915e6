"""Safe extraction of upstream source archives: tar (plain, gz, bz2, xz, zst), zip and gem.

An upstream tarball is untrusted input, and an upgrade unpacks it to triage patches and check
``%setup -n``. Every member is checked here before anything is written, and tarfile's ``data``
filter checks again where Python has it. Refused, with :class:`UnsafeArchive` naming the
archive and the member: absolute paths, ``..`` components, symbolic or hard links that lead
outside the destination (directly or through other links), device files and FIFOs, and
archives that pass a cap on expanded size, entry count, header size or compression ratio.
The caps are counted while the archive streams, so a decompression bomb stops as soon as it
passes them. setuid/setgid bits are stripped, not refused. Files are created with
``O_EXCL | O_NOFOLLOW``, so nothing is ever written through a link or over a file that was
there before; on any error, everything this extraction created is removed again.

.. code-block:: python

    result = extract_archive(Path("foo-1.2.tar.gz"), workdir / "src")
    result.top_level_dir  # "foo-1.2", what %setup -n must name
"""

from __future__ import annotations

import io
import os
import shutil
import stat
import tarfile
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from steward.compression import DECOMPRESSION_ERRORS, Readable, open_stream, sniff
from steward.upgrade.model import UpgradeError, UpgradeStep

__all__ = [
    "ExtractError",
    "ExtractLimits",
    "ExtractResult",
    "UnsafeArchive",
    "extract_archive",
    "top_level_dir",
]

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB
_COPY_CHUNK = 1 * MiB
# A zip symlink's target is its content; real ones are short, so read no more than this.
_MAX_LINK_TARGET = 4 * KiB
# Room for tar's own framing (512-byte headers, padding) beyond the file contents.
_FRAMING_PER_ENTRY = 1 * KiB
# Python 3.11.4+ has tarfile's extraction filters; this module works, less doubly, without.
_DATA_FILTER: Callable[[tarfile.TarInfo, str], tarfile.TarInfo] | None = getattr(
    tarfile, "data_filter", None
)
_SUPPORTED = "tar, tar.gz/.tgz, tar.bz2, tar.xz, tar.zst, zip or gem"


# --------------------------------------------------------------------------- public values


class ExtractError(UpgradeError):
    """The archive cannot be extracted: missing, corrupt, of an unknown format, or it would
    overwrite a file that was already in the destination. ``member`` is None when the
    archive as a whole is at fault."""

    def __init__(self, archive: Path, message: str, *, member: str | None = None) -> None:
        super().__init__(UpgradeStep.EXTRACT, message)
        self.archive = archive
        self.member = member


class UnsafeArchive(ExtractError):
    """The archive is hostile or too big: a member escapes the destination, is a device or
    FIFO, or the archive passes one of the :class:`ExtractLimits`."""


@dataclass(frozen=True, slots=True)
class ExtractLimits:
    """Caps on what one archive may expand to.

    ``max_bytes`` bounds the file contents written; ``max_files`` the entries of any kind
    (directories and links count too); ``max_header_bytes`` the metadata of one tar member
    (pax records, long names), which tarfile holds in memory; ``max_ratio`` the expanded to
    compressed size ratio, checked once more than ``ratio_floor`` bytes have come out, since
    small archives of repetitive text legitimately compress very well.
    """

    max_bytes: int = 2 * GiB
    max_files: int = 100_000
    max_ratio: float = 200.0
    ratio_floor: int = 64 * MiB
    max_header_bytes: int = 1 * MiB

    def __post_init__(self) -> None:
        for name in ("max_bytes", "max_files", "max_header_bytes", "max_ratio"):
            if getattr(self, name) <= 0:
                raise ValueError(f"extract limit {name} must be positive")
        if self.ratio_floor < 0:
            raise ValueError("extract limit ratio_floor must not be negative")


@dataclass(frozen=True, slots=True)
class ExtractResult:
    """What an archive expanded to.

    ``top_level_dir`` is the single directory every member sits in (what ``%setup -n`` must
    name), or None when the archive spreads over several top-level entries. ``entries``
    counts everything created, ``files`` the regular files among them and ``total_bytes``
    their contents. ``setid_stripped`` names members that lost setuid/setgid bits.
    """

    archive: Path
    dest: Path
    top_level_dir: str | None
    files: int
    entries: int
    total_bytes: int
    setid_stripped: tuple[str, ...] = ()

    @property
    def root(self) -> Path:
        """The source tree: ``dest / top_level_dir``, or ``dest`` itself."""
        return self.dest / self.top_level_dir if self.top_level_dir else self.dest


# --------------------------------------------------------------------------- entry points


def extract_archive(
    archive: Path, dest: Path, *, limits: ExtractLimits = ExtractLimits()
) -> ExtractResult:
    """Extract ``archive`` into ``dest`` (created if missing) after checking every member.

    A ``.gem`` is unpacked as ``gem unpack`` (and rpm's ``%setup``) does: its ``data.tar.gz``
    goes to ``dest/<name>-<version>/``. Existing directories in ``dest`` may be merged into;
    an existing file or link in the way is an :class:`ExtractError`. Raises
    :class:`UnsafeArchive` for hostile or oversized archives and :class:`ExtractError` for
    anything else that stops the extraction; either way nothing is left of this attempt.
    """
    kind = _sniff(archive)
    if dest.exists() and not dest.is_dir():
        raise ExtractError(archive, f"cannot extract {archive.name} into {dest}: not a directory")
    made_dest = not dest.exists()
    dest.mkdir(parents=True, exist_ok=True)
    writer = _Writer(archive, dest, limits)
    try:
        with _stream_errors(archive, writer.cursor):
            top = _extract_into(archive, kind, writer, limits)
            writer.check_links()
    except BaseException:
        writer.remove_created()
        if made_dest:
            shutil.rmtree(dest, ignore_errors=True)
        raise
    return ExtractResult(
        archive=archive,
        dest=dest,
        top_level_dir=top,
        files=writer.files,
        entries=writer.entries,
        total_bytes=writer.bytes,
        setid_stripped=tuple(writer.setid_stripped),
    )


def _extract_into(archive: Path, kind: str, writer: _Writer, limits: ExtractLimits) -> str | None:
    if kind == "zip":
        _extract_zip(archive, writer, limits)
        return writer.top.result()
    with archive.open("rb") as raw:
        if kind == "gem":
            stem = _gem_stem(archive)
            _extract_gem(archive, raw, writer, limits, stem)
            return stem
        _extract_tar(archive, kind, raw, archive.stat().st_size, writer, limits, ())
    return writer.top.result()


def top_level_dir(archive: Path, *, limits: ExtractLimits = ExtractLimits()) -> str | None:
    """The single top-level directory of ``archive``, reading member names only.

    None when members spread over several top-level entries (or the only one is a file).
    A gem answers ``<name>-<version>``, where ``gem unpack`` puts it. Unsafe names raise
    :class:`UnsafeArchive`, as in :func:`extract_archive`.
    """
    kind = _sniff(archive)
    if kind == "gem":
        return _gem_stem(archive)
    top = _TopLevel()
    if kind == "zip":
        with _open_zip(archive) as zf:
            infos = zf.infolist()
            if len(infos) > limits.max_files:
                raise _too_many(archive, infos[limits.max_files].filename, limits)
            for info in infos:
                parts = _member_parts(archive, info.filename)
                if parts is not None:
                    top.add(parts, is_dir=info.is_dir())
        return top.result()
    cursor = _Cursor()
    with archive.open("rb") as raw, _stream_errors(archive, cursor):
        size = archive.stat().st_size
        for member, _tar in _tar_members(archive, kind, raw, size, limits, cursor):
            parts = _member_parts(archive, member.name)
            if parts is not None:
                top.add(parts, is_dir=member.isdir())
    return top.result()


# --------------------------------------------------------------------------- formats


def _sniff(archive: Path) -> str:
    """The container by its magic bytes (extensions lie); plain tar and gem by name too."""
    try:
        with archive.open("rb") as file:
            head = file.read(512)
    except FileNotFoundError:
        raise ExtractError(archive, f"archive {archive} does not exist") from None
    except IsADirectoryError:
        raise ExtractError(archive, f"{archive} is a directory, not an archive") from None
    kind = sniff(head)
    if kind is not None:
        return kind
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    is_tar = head[257:262] == b"ustar" or archive.name.endswith(".tar")
    if is_tar and archive.name.endswith(".gem"):
        return "gem"
    if is_tar:
        return "tar"
    raise ExtractError(
        archive, f"{archive.name} is not an archive Steward can extract (it reads {_SUPPORTED})"
    )


def _decompressed(kind: str, raw: IO[bytes]) -> Readable:
    return raw if kind in ("tar", "gem", "zip") else open_stream(kind, raw)


def _gem_stem(archive: Path) -> str:
    stem = archive.name.removesuffix(".gem")
    if stem in ("", ".", "..") or "/" in stem:
        raise ExtractError(archive, f"cannot name a directory after the gem {archive.name!r}")
    return stem


_DECOMPRESSION_ERRORS = DECOMPRESSION_ERRORS


class _Exceeded(Exception):
    """A streaming cap was passed; turned into UnsafeArchive with the member at hand."""


class _Corrupt(Exception):
    """The compressed stream is damaged; turned into ExtractError."""


class _Meter(io.RawIOBase):
    """The decompressed stream tarfile reads, counted as it flows.

    It never pulls more than one byte past a cap from the decompressor, so memory and disk
    stay bounded however small the compressed bomb. While tarfile reads a header (``header``
    is on), the much smaller header budget applies: tarfile keeps pax records in memory.
    """

    def __init__(self, inner: Readable, *, compressed: int, limits: ExtractLimits) -> None:
        super().__init__()
        self._inner = inner
        self._compressed = max(compressed, 1)
        self._limits = limits
        self._cap = limits.max_bytes + limits.max_files * _FRAMING_PER_ENTRY
        self._header_end: int | None = None
        self.count = 0

    def readable(self) -> bool:
        return True

    def begin_header(self) -> None:
        self._header_end = self.count + self._limits.max_header_bytes

    def end_header(self) -> None:
        self._header_end = None

    def readinto(self, buffer: Any) -> int:
        ceiling = self._cap if self._header_end is None else min(self._cap, self._header_end)
        want = max(1, min(len(buffer), ceiling - self.count + 1))
        try:
            data = self._inner.read(want)
        except _DECOMPRESSION_ERRORS as exc:
            raise _Corrupt(str(exc) or type(exc).__name__) from exc
        size = len(data)
        buffer[:size] = data
        self.count += size
        limits = self._limits
        if self._header_end is not None and self.count > self._header_end:
            raise _Exceeded(
                f"has a header larger than the {limits.max_header_bytes}-byte limit "
                "(a memory bomb?)"
            )
        if self.count > self._cap:
            raise _Exceeded(
                f"expands past the {limits.max_bytes}-byte limit while decompressing "
                "(a decompression bomb?)"
            )
        if self.count > limits.ratio_floor and self.count > limits.max_ratio * self._compressed:
            raise _Exceeded(
                f"expands more than {limits.max_ratio:g} times its compressed size of "
                f"{self._compressed} bytes (a decompression bomb?)"
            )
        return size


class _Cursor:
    """The member being read, for error messages raised from deep inside a stream."""

    member: str | None = None


@contextmanager
def _stream_errors(archive: Path, cursor: _Cursor) -> Iterator[None]:
    """Turn the stream's internal errors into ExtractError/UnsafeArchive naming the member."""
    try:
        yield
    except _Exceeded as exc:
        member = cursor.member
        where = f"at member {member!r}" if member else "at its start"
        raise UnsafeArchive(
            archive, f"{archive.name} {exc} ({where}); refusing it", member=member
        ) from None
    except _Corrupt as exc:
        raise ExtractError(
            archive,
            f"{archive.name} is corrupt or truncated ({exc}); download it again",
            member=cursor.member,
        ) from None
    except tarfile.TarError as exc:
        raise ExtractError(
            archive,
            f"{archive.name} is not a valid tar archive or is truncated ({exc}); "
            "download it again or check the Source URL",
            member=cursor.member,
        ) from None


def _tar_members(
    archive: Path,
    kind: str,
    raw: IO[bytes],
    compressed: int,
    limits: ExtractLimits,
    cursor: _Cursor,
) -> Iterator[tuple[tarfile.TarInfo, tarfile.TarFile]]:
    """Stream the members of a (compressed) tar; the caller reads each regular member's data
    before asking for the next. Run inside :func:`_stream_errors`."""
    meter = _Meter(_decompressed(kind, raw), compressed=compressed, limits=limits)
    meter.begin_header()
    with tarfile.open(fileobj=meter, mode="r|") as tar:
        count = 0
        while True:
            meter.begin_header()
            member = tar.next()
            meter.end_header()
            if member is None:
                return
            count += 1
            if count > limits.max_files:
                raise _too_many(archive, member.name, limits)
            cursor.member = member.name
            yield member, tar


def _extract_tar(
    archive: Path,
    kind: str,
    raw: IO[bytes],
    compressed: int,
    writer: _Writer,
    limits: ExtractLimits,
    prefix: tuple[str, ...],
) -> None:
    for member, tar in _tar_members(archive, kind, raw, compressed, limits, writer.cursor):
        name = member.name
        parts = _member_parts(archive, name)
        if parts is None:
            continue  # "./": the destination itself
        writer.top.add(parts, is_dir=member.isdir())
        parts = prefix + parts

        def vet(member: tarfile.TarInfo = member) -> None:
            _second_opinion(archive, member, writer.root.joinpath(*prefix))

        if member.isdir():
            writer.directory(name, parts, member.mode, vet=vet)
        elif member.isreg():
            data = tar.extractfile(member)
            assert data is not None  # regular members always have data
            writer.file(name, parts, member.mode, member.mtime, data, member.size, vet=vet)
        elif member.issym():
            writer.symlink(name, parts, member.linkname, vet=vet)
        elif member.islnk():
            target = _hard_link_parts(archive, name, member.linkname)
            writer.hardlink(name, parts, prefix + target, member.linkname, vet=vet)
        elif member.ischr() or member.isblk():
            raise _unsafe(archive, name, "is a device file")
        elif member.isfifo():
            raise _unsafe(archive, name, "is a FIFO")
        else:
            raise _unsafe(archive, name, f"has the unsupported tar type {member.type!r}")


def _hard_link_parts(archive: Path, name: str, linkname: str) -> tuple[str, ...]:
    """A tar hard link names an earlier member by its archive path."""
    if linkname.startswith("/"):
        raise _unsafe(archive, name, f"is a hard link to the absolute path {linkname!r}")
    parts = tuple(part for part in linkname.split("/") if part not in ("", "."))
    if ".." in parts or not parts:
        raise _unsafe(
            archive, name, f"is a hard link to {linkname!r}, outside the extraction directory"
        )
    return parts


def _second_opinion(archive: Path, member: tarfile.TarInfo, root: Path) -> None:
    """tarfile's own ``data`` filter, after our checks: two independent implementations
    must both accept a member."""
    if _DATA_FILTER is None:
        return
    try:
        _DATA_FILTER(member, str(root))
    except tarfile.FilterError as exc:
        raise _unsafe(archive, member.name, f"is refused by tarfile's data filter: {exc}") from None


def _extract_gem(
    archive: Path, raw: IO[bytes], writer: _Writer, limits: ExtractLimits, stem: str
) -> None:
    """A gem is a plain tar of metadata.gz, data.tar.gz and checksums; the sources are in
    data.tar.gz."""
    size = archive.stat().st_size
    for member, outer in _tar_members(archive, "tar", raw, size, limits, writer.cursor):
        if member.name == "data.tar.gz" and member.isreg():
            data = outer.extractfile(member)
            assert data is not None
            _extract_tar(archive, "gzip", data, member.size, writer, limits, (stem,))
            return
    raise ExtractError(archive, f"{archive.name} is not a gem: it holds no data.tar.gz")


def _open_zip(archive: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ExtractError(
            archive, f"{archive.name} is not a valid zip archive ({exc}); download it again"
        ) from None


def _extract_zip(archive: Path, writer: _Writer, limits: ExtractLimits) -> None:
    with _open_zip(archive) as zf:
        infos = zf.infolist()
        # A zip declares every size in its central directory, and zipfile never inflates a
        # member past its declared size: a bomb is refused before one byte is written.
        if len(infos) > limits.max_files:
            raise _too_many(archive, infos[limits.max_files].filename, limits)
        declared = sum(info.file_size for info in infos)
        if declared > limits.max_bytes:
            raise UnsafeArchive(
                archive,
                f"{archive.name} declares {declared} bytes of contents, over the "
                f"{limits.max_bytes}-byte limit (a decompression bomb?); refusing it",
            )
        compressed = max(archive.stat().st_size, 1)
        if declared > limits.ratio_floor and declared > limits.max_ratio * compressed:
            raise UnsafeArchive(
                archive,
                f"{archive.name} expands more than {limits.max_ratio:g} times its size of "
                f"{compressed} bytes (a decompression bomb?); refusing it",
            )
        for info in infos:
            name = info.filename
            parts = _member_parts(archive, name)
            if parts is None:
                continue
            if info.flag_bits & 0x1:
                raise ExtractError(archive, f"{archive.name}: member {name!r} is encrypted")
            mode = info.external_attr >> 16 if info.create_system == 3 else 0
            kind = stat.S_IFMT(mode)
            writer.top.add(parts, is_dir=info.is_dir())
            try:
                if info.is_dir() or kind == stat.S_IFDIR:
                    writer.directory(name, parts, mode or 0o755)
                elif kind == stat.S_IFLNK:
                    with zf.open(info) as link:
                        target = link.read(_MAX_LINK_TARGET).decode("utf-8", "surrogateescape")
                    writer.symlink(name, parts, target)
                elif kind in (0, stat.S_IFREG):
                    mtime = _zip_mtime(info)
                    with zf.open(info) as data:
                        writer.file(name, parts, mode or 0o644, mtime, data, info.file_size)
                elif kind in (stat.S_IFCHR, stat.S_IFBLK):
                    raise _unsafe(archive, name, "is a device file")
                else:
                    raise _unsafe(archive, name, "is a FIFO or socket")
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
                raise ExtractError(
                    archive,
                    f"{archive.name}: member {name!r} cannot be read ({exc}); download it again",
                    member=name,
                ) from None


# --------------------------------------------------------------------------- checks


def _member_parts(archive: Path, name: str) -> tuple[str, ...] | None:
    """A member name as path components below the destination; None for the root itself."""
    if "\x00" in name:
        raise _unsafe(archive, name, "has a NUL byte in its name")
    if name.startswith("/"):
        raise _unsafe(archive, name, "has an absolute path")
    parts = tuple(part for part in name.split("/") if part not in ("", "."))
    if ".." in parts:
        raise _unsafe(archive, name, "climbs out of the extraction directory with '..'")
    return parts or None


def _unsafe(archive: Path, member: str, reason: str) -> UnsafeArchive:
    return UnsafeArchive(
        archive,
        f"{archive.name}: member {member!r} {reason}; refusing the archive "
        "(check that this is really the upstream's release)",
        member=member,
    )


def _too_many(archive: Path, member: str, limits: ExtractLimits) -> UnsafeArchive:
    return _unsafe(archive, member, f"passes the limit of {limits.max_files} entries")


def _zip_mtime(info: zipfile.ZipInfo) -> float:
    try:
        return time.mktime((*info.date_time, 0, 0, -1))
    except (OverflowError, ValueError):
        return time.time()  # a nonsense timestamp is not worth failing for


def _file_mode(mode: int) -> int:
    # As tarfile's data filter: no setuid/setgid/sticky, no group/other write, and execute
    # bits only where the owner may execute; the owner may always read and write.
    kept = (mode & 0o755) | 0o600
    return kept if mode & 0o100 else kept & ~0o111


class _TopLevel:
    """Collects the first path component of every member."""

    def __init__(self) -> None:
        self.names: set[str] = set()
        self.directories: set[str] = set()

    def add(self, parts: tuple[str, ...], *, is_dir: bool) -> None:
        self.names.add(parts[0])
        if is_dir or len(parts) > 1:
            self.directories.add(parts[0])

    def result(self) -> str | None:
        if len(self.names) == 1 and self.names == self.directories:
            return next(iter(self.names))
        return None


_Vet = Callable[[], None]


def _no_vet() -> None:
    pass


class _Writer:
    """Creates checked entries under ``root`` and remembers them, to undo on failure.

    Each method checks first, then calls ``vet`` (a second opinion, such as tarfile's data
    filter), and only then touches the file system.
    """

    def __init__(self, archive: Path, dest: Path, limits: ExtractLimits) -> None:
        self.archive = archive
        self.limits = limits
        self.root = Path(os.path.realpath(dest))
        self.top = _TopLevel()
        self.cursor = _Cursor()
        self.files = self.entries = self.bytes = 0
        self.setid_stripped: list[str] = []
        self._created: list[Path] = []
        self._ours: set[tuple[str, ...]] = set()
        self._links: list[tuple[str, Path]] = []

    # ---- entries

    def directory(
        self, name: str, parts: tuple[str, ...], mode: int, *, vet: _Vet = _no_vet
    ) -> None:
        path = self._prepare(name, parts, directory=True)
        vet()
        if not path.is_dir():
            os.mkdir(path, 0o700)
            self._record(parts, path)
        self._require_inside(name, path)
        if parts in self._ours:  # a directory that was there before keeps its mode
            os.chmod(path, (mode & 0o755) | 0o700)
        self.entries += 1

    def file(
        self,
        name: str,
        parts: tuple[str, ...],
        mode: int,
        mtime: float,
        data: IO[bytes],
        size: int,
        *,
        vet: _Vet = _no_vet,
    ) -> None:
        limit = self.limits.max_bytes
        if self.bytes + size > limit:
            raise _unsafe(
                self.archive,
                name,
                f"({size} bytes) takes the expanded size past the {limit}-byte limit "
                "(a decompression bomb?)",
            )
        path = self._prepare(name, parts, directory=False)
        vet()
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        descriptor = os.open(path, flags, 0o600)
        self._record(parts, path)
        with os.fdopen(descriptor, "wb") as out:
            written = 0
            while chunk := data.read(_COPY_CHUNK):
                written += len(chunk)
                if written > size:
                    raise _unsafe(self.archive, name, "holds more data than its header declares")
                out.write(chunk)
            os.fchmod(out.fileno(), _file_mode(mode))
            # A nonsense timestamp is not worth failing for.
            with suppress(OverflowError, ValueError, OSError):
                os.utime(out.fileno(), (mtime, mtime))
        if mode & (stat.S_ISUID | stat.S_ISGID):
            self.setid_stripped.append(name)
        self.bytes += written
        self.files += 1
        self.entries += 1

    def symlink(
        self, name: str, parts: tuple[str, ...], target: str, *, vet: _Vet = _no_vet
    ) -> None:
        path = self._prepare(name, parts, directory=False)
        self._check_link_target(name, path.parent, target)
        vet()
        os.symlink(target, path)
        self._record(parts, path)
        self._links.append((name, path))
        self.entries += 1

    def hardlink(
        self,
        name: str,
        parts: tuple[str, ...],
        target: tuple[str, ...],
        linkname: str,
        *,
        vet: _Vet = _no_vet,
    ) -> None:
        source = self.root.joinpath(*target)
        if target not in self._ours or not os.path.lexists(source):
            raise _unsafe(
                self.archive, name, f"is a hard link to {linkname!r}, not an earlier member"
            )
        info = os.lstat(source)
        if stat.S_ISDIR(info.st_mode):
            raise _unsafe(self.archive, name, f"is a hard link to the directory {linkname!r}")
        self._require_inside(name, source)
        path = self._prepare(name, parts, directory=False)
        if stat.S_ISLNK(info.st_mode):
            # A linked symlink keeps its relative target, which may lead elsewhere from here.
            self._check_link_target(name, path.parent, os.readlink(source))
            self._links.append((name, path))
        vet()
        os.link(source, path, follow_symlinks=False)
        self._record(parts, path)
        self.entries += 1

    # ---- checks

    def check_links(self) -> None:
        """Every link must still lead inside once all are in place: a link checked early can
        be redirected by a later one (``a -> b/../..`` becomes an escape once ``b`` is a
        link to ``..``)."""
        for name, path in self._links:
            if path.is_symlink():
                self._require_inside(
                    name, path, "is a symbolic link that leads outside through other links"
                )

    def _prepare(self, name: str, parts: tuple[str, ...], *, directory: bool) -> Path:
        """Make the parents of a member and clear its own path; returns that path."""
        current = self.root
        for depth, part in enumerate(parts[:-1], start=1):
            current = current / part
            if not os.path.lexists(current):
                os.mkdir(current, 0o755)
                self._record(parts[:depth], current)
            elif not current.is_dir():
                raise _unsafe(
                    self.archive, name, f"needs {'/'.join(parts[:depth])} to be a directory"
                )
            # A parent reached through a link must still be inside: never write through
            # a link that leads out.
            self._require_inside(name, current)
        path = current / parts[-1]
        if os.path.lexists(path):
            if not path.is_symlink() and path.is_dir():
                if directory:
                    return path
                raise _unsafe(self.archive, name, "would replace a directory")
            if parts not in self._ours:
                raise ExtractError(
                    self.archive,
                    f"{self.archive.name}: member {name!r} would overwrite {path}, which was "
                    "there before; extract into an empty directory",
                    member=name,
                )
            os.unlink(path)  # a later duplicate of our own member replaces it, as tar does
        return path

    def _check_link_target(self, name: str, directory: Path, target: str) -> None:
        if not target:
            raise _unsafe(self.archive, name, "is a link with an empty target")
        if target.startswith("/"):
            raise _unsafe(self.archive, name, f"is a link to the absolute path {target!r}")
        resolved = os.path.realpath(os.path.join(directory, target))
        if not self._inside(resolved):
            raise _unsafe(
                self.archive, name, f"is a link to {target!r}, outside the extraction directory"
            )

    def _require_inside(self, name: str, path: Path, reason: str | None = None) -> None:
        if not self._inside(os.path.realpath(path)):
            raise _unsafe(self.archive, name, reason or "leads outside the extraction directory")

    def _inside(self, resolved: str) -> bool:
        root = str(self.root)
        return resolved == root or resolved.startswith(root.rstrip(os.sep) + os.sep)

    # ---- bookkeeping

    def _record(self, parts: tuple[str, ...], path: Path) -> None:
        self._ours.add(parts)
        self._created.append(path)

    def remove_created(self) -> None:
        """Undo this extraction, newest first, never following a link."""
        for path in reversed(self._created):
            try:
                if path.is_symlink() or not path.is_dir():
                    path.unlink(missing_ok=True)
                else:
                    shutil.rmtree(path, ignore_errors=True)
            except OSError:
                pass  # best effort: the error being raised matters more
