"""A tree's loaded packages kept between runs: an unchanged package costs a few ``stat`` calls.

Loading parses every spec and metadata file; a tree of ten thousand packages takes seconds,
and most of it has not changed since the last command. :func:`load_tree` (given a
``cache_dir``) keeps each package's record with a *stamp* of every file it may have read,
and on the next load reuses the records whose stamp is the same, parsing only the rest.

A stamp is the modification time (ns), size and inode of:

- folder layouts: the package folder and every regular file in it (the spec, the
  metadata, ``sources``, and whatever ``%include`` reads; adding or removing a patch
  changes the folder);
- the flat layout: the package's spec and ``<name>.yaml``, plus one stamp of the folder
  and of every file in it that is not a spec or a metadata file (patches, sources and
  ``%include`` files may be any package's).

The cache as a whole is keyed by the tree's path, its layout, the profile (and the stamps
of its macro files) and Steward's loading code, so a new Steward or another profile starts
afresh. A profile that reads the host's rpm macros, ``keep_specs`` and ``only`` loads are
not cached. The file is a pickle in the user's cache directory (``~/.cache/steward/trees``),
read only when the current user owns it and nobody else may write it; a damaged or
unreadable cache is ignored and rewritten. Caches not written for 30 days are removed.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from steward.distro.profiles import Profile
    from steward.distro.tree import PackageRecord

__all__ = ["CACHE_ENV", "TreeCache", "default_cache_dir"]

#: Where caches go instead of the user's cache directory; an empty value turns them off.
CACHE_ENV = "STEWARD_CACHE_DIR"
_FORMAT = 1
_METADATA_SUFFIXES = (".spec", ".yaml")

Stamp = tuple[Any, ...]


def default_cache_dir() -> Path | None:
    """``$STEWARD_CACHE_DIR``, else ``<user cache dir>/steward``; ``None`` when turned off."""
    chosen = os.environ.get(CACHE_ENV)
    if chosen is not None:
        return Path(chosen).expanduser() if chosen.strip() else None
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("steward"))


def _file_stamp(path: str) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def _folder_stamp(folder: str) -> Stamp | None:
    try:
        top = os.stat(folder)
        files = []
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_file():
                    st = entry.stat()
                    files.append((entry.name, st.st_mtime_ns, st.st_size, st.st_ino))
    except OSError:
        return None
    files.sort()
    return (top.st_mtime_ns, top.st_ino, tuple(files))


def _flat_folder_stamp(folder: str) -> Stamp | None:
    """The flat folder's own stamp and its files that are no package's spec or metadata."""
    try:
        top = os.stat(folder)
        digest = hashlib.blake2b(digest_size=16)
        with os.scandir(folder) as entries:
            others = sorted(
                (e.name, st.st_mtime_ns, st.st_size, st.st_ino)
                for e in entries
                if e.is_file() and not e.name.endswith(_METADATA_SUFFIXES)
                for st in (e.stat(),)
            )
    except OSError:
        return None
    digest.update(repr(others).encode())
    return (top.st_mtime_ns, top.st_ino, digest.hexdigest())


def _code_stamp() -> tuple[Any, ...]:
    """Steward's version and the files of the code that loads packages."""
    from steward import __version__

    here = Path(__file__).resolve().parent
    files = sorted([*here.glob("*.py"), *(here.parent / "rpm").glob("*.py")])
    return (__version__, tuple((f.name, _file_stamp(str(f))) for f in files))


class TreeCache:
    """The cached records of one tree loaded one way (see the module's description)."""

    def __init__(self, folder: Path, root: Path, layout: str, profile: Profile) -> None:
        key = repr(
            (
                _FORMAT,
                str(root.resolve()),
                layout,
                profile.__reduce__()[1],
                tuple(_file_stamp(str(p)) for p in profile.macro_files),
                _code_stamp(),
            )
        )
        name = hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:32]
        self.path = folder / "trees" / f"{name}.pickle"
        self.layout = layout
        self._shared: Stamp | None = None
        if layout == "flat":
            self._shared = _flat_folder_stamp(str(root))

    def stamp(self, item: str) -> Stamp | None:
        """The stamp of one work item (a package folder, or a spec in a flat folder)."""
        if self.layout != "flat":
            return _folder_stamp(item)
        if self._shared is None:
            return None
        yaml = item[: -len(".spec")] + ".yaml"
        own = _file_stamp(item)
        return None if own is None else (own, _file_stamp(yaml), self._shared)

    def read(self) -> dict[str, tuple[Stamp, PackageRecord]]:
        """The stored records by work item; empty when there is no usable cache."""
        try:
            with open(self.path, "rb") as handle:
                st = os.fstat(handle.fileno())
                if st.st_uid != os.getuid() or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
                    return {}  # somebody else's file: never unpickled
                document = pickle.load(handle)
        except Exception:  # unreadable, or a damaged pickle, which raises almost anything
            return {}
        if not isinstance(document, dict) or document.get("format") != _FORMAT:
            return {}
        entries = document.get("entries")
        return entries if isinstance(entries, dict) else {}

    def write(self, entries: Iterable[tuple[str, Stamp | None, PackageRecord]]) -> None:
        """Replace the cache with these records (those without a stamp are left out)."""
        kept = {item: (stamp, record) for item, stamp, record in entries if stamp is not None}
        with contextlib.suppress(OSError):
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - renamed into place below
                dir=self.path.parent, prefix=".tree-", suffix=".tmp", delete=False
            )
            try:
                with handle:
                    pickle.dump(
                        {"format": _FORMAT, "entries": kept},
                        handle,
                        protocol=pickle.HIGHEST_PROTOCOL,
                    )
                os.replace(handle.name, self.path)
                _prune(self.path.parent, keep=self.path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(handle.name)
                raise


def _prune(folder: Path, keep: Path, max_age_days: float = 30.0) -> None:
    """Remove caches nobody has written for ``max_age_days`` (trees gone, old Stewards)."""
    import time

    cutoff = time.time() - max_age_days * 86400
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.endswith((".pickle", ".tmp")) and entry.path != str(keep):
                with contextlib.suppress(OSError):
                    if entry.stat().st_mtime < cutoff:
                        os.unlink(entry.path)
