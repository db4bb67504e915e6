"""Reading files of an untrusted package tree: regular files inside the tree, size-capped.

A tree may hold a symlink to ``/etc/shadow`` named like a spec, a FIFO or ``/dev/zero`` where
a spec should be, a symlink loop, or a 50 MB spec. :func:`read_tree_file` reads a file only
when it is a regular file, inside ``root`` once every link is followed, and no larger than
``limit``; otherwise it raises :class:`UnsafeFile`, which callers record as a package
problem. The file is opened with ``O_NOFOLLOW | O_NONBLOCK`` (a FIFO never blocks the open,
a link swapped in for the final name is refused) and checked with ``fstat`` on the open
descriptor, so what is read is what was checked.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> (folder / "a.spec").write_text("Name: a\\n")
8
>>> read_tree_file(folder / "a.spec", root=folder, limit=100)
b'Name: a\\n'
>>> read_tree_file(folder / "a.spec", root=folder, limit=4)
Traceback (most recent call last):
...
steward.distro.files.UnsafeFile: larger than the limit of 4 bytes (8 bytes)
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

__all__ = [
    "MAX_METADATA_BYTES",
    "MAX_SOURCES_BYTES",
    "MAX_SPEC_BYTES",
    "MAX_TREE_CONFIG_BYTES",
    "UnsafeFile",
    "entry_kind",
    "read_tree_file",
]

#: The largest spec read (real specs: the biggest in Fedora is about 1.5 MB).
MAX_SPEC_BYTES = 8 * 1024 * 1024
#: The largest upstream-metadata YAML read (real openEuler files are under 10 kB).
MAX_METADATA_BYTES = 2 * 1024 * 1024
#: The largest tree ``steward.toml`` read (ten thousand package tables fit in 2 MB).
MAX_TREE_CONFIG_BYTES = 16 * 1024 * 1024
#: The largest dist-git ``sources`` file read.
MAX_SOURCES_BYTES = 1024 * 1024

_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
)


class UnsafeFile(ValueError):
    """A tree file that is not read: not a regular file, outside the tree, or too large.

    The message says why, never what the file holds.
    """


def read_tree_file(path: Path | str, *, root: Path | str | None, limit: int) -> bytes:
    """The bytes of ``path``, a regular file inside ``root`` (links followed) and at most
    ``limit`` bytes long; :class:`UnsafeFile` otherwise (``root=None``: no containment)."""
    path = Path(path)
    real = os.path.realpath(path)
    if root is not None:
        top = os.path.realpath(root)
        if real != top and not real.startswith(top.rstrip(os.sep) + os.sep):
            raise UnsafeFile(f"a link to {real}, outside {top}; not read")
    try:
        fd = os.open(real, _FLAGS)
    except OSError as exc:
        raise UnsafeFile(f"cannot read: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnsafeFile(f"not a regular file ({_kind(info.st_mode)}); not read")
        if info.st_size > limit:
            raise UnsafeFile(f"larger than the limit of {_size(limit)} ({_size(info.st_size)})")
        chunks = []
        left = limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as exc:
        raise UnsafeFile(f"cannot read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:  # grew while being read
        raise UnsafeFile(f"larger than the limit of {_size(limit)}; not read")
    return data


def entry_kind(entry: os.DirEntry[str]) -> str:
    """``dir``, ``file`` or ``other`` (a FIFO, a device, a broken link or a link loop),
    following links; never raises."""
    try:
        if entry.is_dir():
            return "dir"
        if entry.is_file():
            return "file"
    except OSError:
        pass
    return "other"


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


def _size(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):.1f} MiB"
    return f"{count} bytes"
