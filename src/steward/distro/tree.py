"""Loading a distribution's package tree into :class:`PackageRecord` values.

Three layouts are understood (``layout="auto"`` tells them apart):

``src-openeuler``
    one folder per package holding ``<name>.spec``, patches, tarballs and the upstream
    metadata ``<name>.yaml`` (the layout of gitee.com/src-openeuler).
``fedora``
    one dist-git folder per package holding ``<name>.spec``, patches and a ``sources``
    file naming the tarballs kept in the lookaside cache.
``flat``
    one folder of ``*.spec`` files, each a package.

A folder that itself holds one spec (and a ``<name>.yaml`` or a ``sources`` file) is read
as a tree of that one package. Every problem found (a missing patch, a spec that does not
parse, a broken YAML file) is recorded on the package it belongs to; one broken package
never stops the others from loading.

>>> distro = load_tree("examples/distro")                        # doctest: +SKIP
>>> [(p.name, p.evr) for p in distro if p.has_errors]            # doctest: +SKIP
"""

from __future__ import annotations

import collections
import multiprocessing
import os
import re
import signal
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from steward.distro.files import (
    MAX_METADATA_BYTES,
    MAX_SOURCES_BYTES,
    MAX_SPEC_BYTES,
    UnsafeFile,
    entry_kind,
    read_tree_file,
)
from steward.distro.metadata import UpstreamInfo, parse_upstream_info
from steward.distro.profiles import DEFAULT_PROFILE, Profile, load_profile

if TYPE_CHECKING:
    # The parser is loaded when a spec is parsed: a tree read from the cache needs none of it.
    from steward.rpm.macros import MacroEngine
    from steward.rpm.model import SourceEntry, Spec

__all__ = [
    "LAYOUTS",
    "Distro",
    "FileRef",
    "PackageRecord",
    "PendingTree",
    "Problem",
    "TreeError",
    "detect_layout",
    "load_package",
    "load_tree",
    "parse_sources_file",
    "parse_spec_file",
    "start_tree",
]

LAYOUTS = ("src-openeuler", "fedora", "flat")

#: Below this many packages a process pool costs more (start-up, pickling) than it saves.
PARALLEL_THRESHOLD = 400

# Metadata problems that mean the file could not be read at all.
_UNREADABLE_METADATA = frozenset({"yaml-error", "not-a-mapping", "unreadable"})
_PATCH_SUFFIXES = (".patch", ".diff")
_SEVERITY_RANK = {"error": 3, "warning": 2, "info": 1}
# dist-git ``sources`` lines: "SHA512 (name.tar.gz) = <hex>" and the old "<md5>  name".
_SOURCES_TAGGED = re.compile(r"([A-Za-z0-9-]+) \((.+)\) = ([0-9a-fA-F]+)")
_SOURCES_MD5 = re.compile(r"([0-9a-fA-F]{32})\s+(\S.*)")


class TreeError(ValueError):
    """The tree as a whole cannot be loaded (the path is not a folder, the layout unknown)."""


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with a package, found while loading it.

    ``code`` is stable (see ``docs/inventory.md`` for the list); ``severity`` is ``error``,
    ``warning`` or ``info``; ``path`` is the file concerned and ``line`` its 1-based line.
    """

    code: str
    severity: str
    message: str
    path: Path | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path.name}:" if self.path else ""
        where += f"{self.line}:" if self.line else ""
        return f"{where} {self.severity}: {self.message} [{self.code}]".lstrip()

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "path": str(self.path) if self.path else None,
            "line": self.line,
        }


@dataclass(frozen=True, slots=True)
class FileRef:
    """A ``SourceN:`` or ``PatchN:`` entry and whether its file is at hand.

    ``filename`` is the local name rpm uses; ``declared_raw`` the value as written.
    ``remote`` is true for a URL; ``present`` when the file is in the package folder;
    ``expanded`` is the value with macros expanded (the download URL of a remote source).
    ``checksum`` (``"sha512:<hex>"``, ``"md5:<hex>"``) comes from a dist-git ``sources``
    file. ``applied`` is set for patches only: does some ``%prep`` instruction apply it.
    """

    number: int
    filename: str
    declared_raw: str
    present: bool
    remote: bool
    checksum: str | None = None
    applied: bool | None = None
    expanded: str | None = None

    @property
    def url(self) -> str | None:
        """The expanded URL of a remote source or patch, else ``None``."""
        return self.expanded if self.remote else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "filename": self.filename,
            "declared_raw": self.declared_raw,
            "expanded": self.expanded,
            "present": self.present,
            "remote": self.remote,
            "checksum": self.checksum,
            "applied": self.applied,
        }


@dataclass(frozen=True, slots=True)
class PackageRecord:
    """One package of the tree, as Steward's later stages need it.

    ``name`` is the package's identity in the tree: the folder name (the repository), or
    the spec file's stem in a flat folder; ``spec_name`` is the spec's ``Name:``. Version
    fields are expanded with the tree's profile (``release`` carries the dist tag).

    ``spec`` is ``None`` unless the tree was loaded with ``keep_specs=True``: a parsed spec
    keeps every line and section, which for 10,000 packages costs gigabytes and dominates
    the cost of passing records between processes. :meth:`Distro.load_spec` parses one
    again when it is needed.
    """

    name: str
    folder: Path
    spec_path: Path | None
    spec_name: str | None = None
    evr: str = ""
    epoch: int | None = None
    version: str | None = None
    release: str | None = None
    summary: str | None = None
    license: str | None = None
    url: str | None = None
    subpackages: tuple[str, ...] = ()
    build_requires: tuple[str, ...] = ()
    #: ``Requires:`` and ``Provides:`` of the main package and every subpackage, in order.
    requires: tuple[str, ...] = ()
    provides: tuple[str, ...] = ()
    sources: tuple[FileRef, ...] = ()
    patches: tuple[FileRef, ...] = ()
    upstream: UpstreamInfo | None = None
    metadata_path: Path | None = None
    problems: tuple[Problem, ...] = ()
    spec: Spec | None = field(default=None, compare=False, repr=False)

    @property
    def has_errors(self) -> bool:
        return any(p.severity == "error" for p in self.problems)

    @property
    def worst_severity(self) -> str | None:
        """``error``, ``warning``, ``info`` or ``None`` when the package has no problem."""
        if not self.problems:
            return None
        return max((p.severity for p in self.problems), key=lambda s: _SEVERITY_RANK.get(s, 0))

    def problem_codes(self) -> tuple[str, ...]:
        return tuple(p.code for p in self.problems)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; the keys are the field names (``spec`` excluded), in order."""
        return {
            "name": self.name,
            "folder": str(self.folder),
            "spec_path": str(self.spec_path) if self.spec_path else None,
            "spec_name": self.spec_name,
            "evr": self.evr,
            "epoch": self.epoch,
            "version": self.version,
            "release": self.release,
            "summary": self.summary,
            "license": self.license,
            "url": self.url,
            "subpackages": list(self.subpackages),
            "build_requires": list(self.build_requires),
            "requires": list(self.requires),
            "provides": list(self.provides),
            "sources": [s.to_dict() for s in self.sources],
            "patches": [p.to_dict() for p in self.patches],
            "upstream": self.upstream.to_dict() if self.upstream else None,
            "metadata_path": str(self.metadata_path) if self.metadata_path else None,
            "problems": [p.to_dict() for p in self.problems],
        }


@dataclass(frozen=True, slots=True)
class Distro:
    """A loaded tree: its packages sorted by name, and how it was read."""

    root: Path
    layout: str
    profile: Profile
    packages: tuple[PackageRecord, ...]
    _index: dict[str, PackageRecord] = field(
        init=False, default_factory=dict, compare=False, repr=False
    )

    def __post_init__(self) -> None:
        self._index.update((p.name, p) for p in self.packages)

    def __iter__(self) -> Iterator[PackageRecord]:
        return iter(self.packages)

    def __len__(self) -> int:
        return len(self.packages)

    def __contains__(self, name: object) -> bool:
        return name in self._index

    def __getitem__(self, name: str) -> PackageRecord:
        try:
            return self._index[name]
        except KeyError:
            raise KeyError(f"no package {name!r} in {self.root}") from None

    def get(self, name: str) -> PackageRecord | None:
        return self._index.get(name)

    @property
    def problems_count(self) -> int:
        """How many problems all packages have together."""
        return sum(len(p.problems) for p in self.packages)

    def problem_counts(self) -> dict[str, int]:
        """Problems per code, most frequent first."""
        counter = collections.Counter(c for p in self.packages for c in p.problem_codes())
        return dict(counter.most_common())

    def load_spec(self, name: str) -> Spec:
        """Parse one package's spec again (records do not keep specs; see PackageRecord)."""
        record = self[name]
        if record.spec is not None:
            return record.spec
        if record.spec_path is None:
            raise KeyError(f"package {name!r} has no spec file")
        return parse_spec_file(record.spec_path, root=self.root, macros=self.profile.macro_engine())

    def to_dict(self) -> dict[str, Any]:
        return {
            "root": str(self.root),
            "layout": self.layout,
            "profile": self.profile.name,
            "packages": [p.to_dict() for p in self.packages],
            "problems_count": self.problems_count,
        }


# -- public entry points ---------------------------------------------------------------


def load_tree(
    path: Path | str,
    *,
    profile: Profile | str = DEFAULT_PROFILE,
    layout: str = "auto",
    jobs: int | None = None,
    only: Iterable[str] | None = None,
    keep_specs: bool = False,
    cache_dir: Path | None = None,
) -> Distro:
    """Load every package under ``path``.

    ``layout`` is ``auto``, ``src-openeuler``, ``fedora`` or ``flat``. ``only`` restricts the
    load to these package names (folder names; spec file stems in a flat folder). ``jobs``
    is the number of worker processes: ``None`` picks one per CPU for trees of
    :data:`PARALLEL_THRESHOLD` packages or more and none below, ``1`` loads in this process.
    With ``cache_dir``, packages whose files have not changed since the last load are
    taken from the cache there instead of being parsed again (:mod:`steward.distro.treecache`).
    """
    return start_tree(
        path,
        profile=profile,
        layout=layout,
        jobs=jobs,
        only=only,
        keep_specs=keep_specs,
        cache_dir=cache_dir,
    ).result()


def start_tree(
    path: Path | str,
    *,
    profile: Profile | str = DEFAULT_PROFILE,
    layout: str = "auto",
    jobs: int | None = None,
    only: Iterable[str] | None = None,
    keep_specs: bool = False,
    cache_dir: Path | None = None,
) -> PendingTree:
    """:func:`load_tree` in two steps: the worker processes start parsing now, and
    :meth:`PendingTree.result` collects the tree, while the caller does other work meanwhile.

    The workers are started (forked) here, in the calling thread; call this before starting
    threads that import modules, and close the pending tree if its result is not wanted.
    Errors about the tree itself (not a folder, an unknown layout or profile) are raised here.
    """
    root = Path(path)
    if not root.is_dir():
        raise TreeError(f"{root} is not a folder")
    chosen = load_profile(profile)
    if layout == "auto":
        layout = detect_layout(root)
    elif layout not in LAYOUTS:
        raise TreeError(f"unknown layout {layout!r} (choose auto, {', '.join(LAYOUTS)})")
    wanted = None if only is None else frozenset(only)
    work = _work_items(root, layout, wanted)
    flat = _flat_files(root) if layout == "flat" else None
    loader = _Loader(chosen, layout, keep_specs, flat, root)
    cache = None
    if cache_dir is not None and wanted is None and not keep_specs and not chosen.host_macros:
        from steward.distro.treecache import TreeCache

        cache = TreeCache(cache_dir, root, layout, chosen)
    if cache is None:
        return PendingTree(root, layout, chosen, work, {}, _Parsing(loader, work, jobs))
    # Stamped before loading: a file changed meanwhile is parsed again next time.
    stamps = [cache.stamp(item) for item in work]
    stored = cache.read()
    found: dict[str, PackageRecord] = {}
    for item, stamp in zip(work, stamps, strict=True):
        entry = stored.get(item)
        if stamp is not None and entry is not None and entry[0] == stamp:
            found[item] = entry[1]
    missing = [item for item in work if item not in found]
    pending = PendingTree(root, layout, chosen, work, found, _Parsing(loader, missing, jobs))
    if missing or len(stored) != len(work):
        pending.keep_in(cache, stamps)
    return pending


class PendingTree:
    """A tree being loaded (see :func:`start_tree`): :meth:`result` waits for its packages."""

    def __init__(
        self,
        root: Path,
        layout: str,
        profile: Profile,
        work: list[str],
        found: dict[str, PackageRecord],
        parsing: _Parsing,
    ) -> None:
        self.root = root
        self.layout = layout
        self.profile = profile
        self._work = work
        self._found = found
        self._parsing = parsing
        self._cache: Any = None
        self._stamps: list[Any] = []
        self._distro: Distro | None = None

    def __len__(self) -> int:
        return len(self._work)

    def keep_in(self, cache: Any, stamps: list[Any]) -> None:
        """Write the loaded records to ``cache`` (a TreeCache) once they are all in."""
        self._cache, self._stamps = cache, stamps

    def result(self) -> Distro:
        """The whole tree, sorted by package name; waits for the workers."""
        if self._distro is None:
            found = self._found
            found.update(zip(self._parsing.items, self._parsing.result(), strict=True))
            records = [found[item] for item in self._work]
            if self._cache is not None:
                self._cache.write(zip(self._work, self._stamps, records, strict=True))
            records.sort(key=lambda r: r.name)
            self._distro = Distro(
                root=self.root, layout=self.layout, profile=self.profile, packages=tuple(records)
            )
        return self._distro

    def close(self) -> None:
        """Stop the workers without waiting for what they have not finished."""
        self._parsing.close()


def load_package(
    folder: Path | str,
    *,
    profile: Profile | str = DEFAULT_PROFILE,
    layout: str = "src-openeuler",
    keep_specs: bool = True,
) -> PackageRecord:
    """Load one package folder (``src-openeuler`` or ``fedora`` layout)."""
    if layout not in ("src-openeuler", "fedora"):
        raise TreeError(f"load_package reads package folders, not the {layout!r} layout")
    loader = _Loader(load_profile(profile), layout, keep_specs, None, Path(folder))
    return loader.load(str(folder))


def parse_spec_file(
    path: Path | str,
    *,
    root: Path | str | None,
    macros: MacroEngine | None = None,
    arch: str | None = None,
) -> Spec:
    """Parse the spec at ``path``, a regular text file inside ``root`` (links followed) of at
    most :data:`~steward.distro.files.MAX_SPEC_BYTES`; :class:`UnsafeFile` says why not."""
    data = read_tree_file(path, root=root, limit=MAX_SPEC_BYTES)
    if b"\x00" in data[:65536]:
        raise UnsafeFile("not a text file; not read")
    from steward.rpm.spec import parse

    return parse(data.decode("utf-8", errors="replace"), macros=macros, path=path, arch=arch)


def detect_layout(root: Path | str) -> str:
    """Tell the layout of a tree from a look at its top folder (and a sample of packages)."""
    top = {entry.name: entry_kind(entry) == "dir" for entry in os.scandir(root)}
    specs = [name for name, is_dir in top.items() if not is_dir and name.endswith(".spec")]
    if specs:
        if len(specs) == 1:
            stem = specs[0][: -len(".spec")]
            if "sources" in top and f"{stem}.yaml" not in top:
                return "fedora"
            if f"{stem}.yaml" in top or f"{Path(root).resolve().name}.yaml" in top:
                return "src-openeuler"
        return "flat"
    yaml_votes = sources_votes = 0
    # A sample is enough: trees do not mix layouts, and this runs before the real scan.
    folders = sorted(name for name, is_dir in top.items() if is_dir and name[0] != ".")[:64]
    for name in folders:
        try:
            inside = set(os.listdir(os.path.join(root, name)))
        except OSError:
            continue
        yaml_votes += f"{name}.yaml" in inside
        sources_votes += "sources" in inside and f"{name}.yaml" not in inside
    return "fedora" if sources_votes > yaml_votes else "src-openeuler"


# -- enumeration and parallelism -----------------------------------------------------------


def _work_items(root: Path, layout: str, wanted: frozenset[str] | None) -> list[str]:
    """What to load: package folders, or spec files in a flat folder (as path strings)."""
    entries = list(os.scandir(root))
    kinds = {e.path: entry_kind(e) for e in entries}
    if layout == "flat":
        # Not only regular files: a FIFO or a device named like a spec is reported, not
        # skipped silently (reading it is refused).
        items = [
            e.path
            for e in entries
            if e.name.endswith(".spec") and kinds[e.path] != "dir" and e.name[0] != "."
        ]
        names = {item: os.path.basename(item)[: -len(".spec")] for item in items}
    else:
        if any(e.name.endswith(".spec") and kinds[e.path] == "file" for e in entries):
            # The root is itself one package folder.
            return [str(root)] if wanted is None or root.resolve().name in wanted else []
        # A link loop or a dangling link where a package folder should be is a package
        # with a problem, not a crash.
        items = [
            e.path
            for e in entries
            if e.name[0] != "." and (kinds[e.path] == "dir" or e.is_symlink())
        ]
        names = {item: os.path.basename(item) for item in items}
    if wanted is not None:
        items = [item for item in items if names[item] in wanted]
    return sorted(items)


def _flat_files(root: Path) -> frozenset[str]:
    return frozenset(e.name for e in os.scandir(root) if entry_kind(e) != "dir")


def _worker_count(jobs: int | None, count: int) -> int:
    if multiprocessing.current_process().daemon:
        # Daemonic processes (a prefork Celery worker, a pool worker) may not have children.
        return 1
    if jobs is None:
        if count < PARALLEL_THRESHOLD:
            return 1
        # The CPUs this process may use, not the machine's: containers limit affinity.
        affinity = getattr(os, "sched_getaffinity", None)
        return len(affinity(0)) if affinity is not None else (os.cpu_count() or 1)
    return max(1, min(jobs, count))


_WORKER: _Loader | None = None


def _init_worker(loader: _Loader) -> None:
    global _WORKER
    _WORKER = loader
    # Ctrl-C reaches the whole process group; the parent stops the pool (a traceback from
    # every worker would bury the one line that says what happened).
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _load_in_worker(items: list[str]) -> list[PackageRecord]:
    assert _WORKER is not None, "worker started without a loader"
    return [_WORKER.load(item) for item in items]


class _Parsing:
    """Records for ``items``, in their order: parsed by worker processes started now, or, for
    a small tree (or a daemonic process), in this process when the result is asked for."""

    def __init__(self, loader: _Loader, items: list[str], jobs: int | None) -> None:
        self.loader = loader
        self.items = items
        self._pool: ProcessPoolExecutor | None = None
        self._batches: list[Future[list[PackageRecord]]] = []
        workers = _worker_count(jobs, len(items))
        if workers <= 1 or not items:
            return
        # Batches amortise the pickling of arguments and results; several per worker keep
        # the pool busy when some packages (kernel, texlive) take far longer than the rest.
        size = max(1, min(256, len(items) // (workers * 8) or 1))
        try:
            self._pool = ProcessPoolExecutor(
                max_workers=workers, initializer=_init_worker, initargs=(loader,)
            )
            # The first submit forks every worker, here in the caller's thread.
            self._batches = [
                self._pool.submit(_load_in_worker, items[i : i + size])
                for i in range(0, len(items), size)
            ]
        except (BrokenProcessPool, OSError):
            self.close()  # loaded in this process instead, when asked

    def result(self) -> list[PackageRecord]:
        if self._pool is not None:
            try:
                return [record for batch in self._batches for record in batch.result()]
            except (BrokenProcessPool, OSError):
                # A worker died (out of memory, killed); finishing in-process beats failing.
                pass
            finally:
                self.close()
        return [self.loader.load(item) for item in self.items]

    def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)


# -- one package ------------------------------------------------------------------------


class _Loader:
    """Loads one package at a time; holds what every package shares (profile, layout)."""

    def __init__(
        self,
        profile: Profile,
        layout: str,
        keep_specs: bool,
        flat_files: frozenset[str] | None,
        root: Path,
    ) -> None:
        self.profile = profile
        self.layout = layout
        self.keep_specs = keep_specs
        self.flat_files = flat_files
        # Files are read only inside the tree, every link followed.
        self.root = os.path.realpath(root)
        self._engine: MacroEngine | None = None

    def __getstate__(self) -> dict[str, Any]:
        # The engine is rebuilt in each worker from the (small) profile.
        return {
            "profile": self.profile,
            "layout": self.layout,
            "keep_specs": self.keep_specs,
            "flat_files": self.flat_files,
            "root": self.root,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._engine = None

    @property
    def engine(self) -> MacroEngine:
        if self._engine is None:
            self._engine = self.profile.macro_engine()
        return self._engine

    def load(self, item: str) -> PackageRecord:
        """Load one package; any exception becomes a ``load-error`` problem on its record."""
        try:
            if self.layout == "flat":
                return self._load_flat(item)
            return self._load_folder(item)
        except Exception as exc:  # one package must never sink the scan
            path = Path(item)
            name = path.name[: -len(".spec")] if self.layout == "flat" else path.name
            problem = Problem(
                "load-error", "error", f"loading failed: {type(exc).__name__}: {exc}", path
            )
            folder = path.parent if self.layout == "flat" else path
            return PackageRecord(name=name, folder=folder, spec_path=None, problems=(problem,))

    def _load_folder(self, item: str) -> PackageRecord:
        folder = Path(item)
        name = folder.resolve().name if folder.name in ("", ".", "..") else folder.name
        problems: list[Problem] = []
        real = os.path.realpath(folder)
        if real != self.root and not real.startswith(self.root.rstrip(os.sep) + os.sep):
            message = f"the package folder is a link to {real}, outside the tree; not read"
            problem = Problem("spec-unreadable", "error", message, folder)
            return PackageRecord(name=name, folder=folder, spec_path=None, problems=(problem,))
        try:
            # Not only regular files: a FIFO or a device named like the spec is reported.
            files = {e.name for e in os.scandir(folder) if entry_kind(e) != "dir"}
        except OSError as exc:
            problem = Problem("spec-unreadable", "error", f"cannot list the folder: {exc}", folder)
            return PackageRecord(name=name, folder=folder, spec_path=None, problems=(problem,))

        upstream, metadata_path = self._metadata(folder, name, files, problems)
        specs = sorted(f for f in files if f.endswith(".spec"))
        if not specs:
            problems.append(Problem("missing-spec", "error", "no .spec file in the folder", folder))
            return PackageRecord(
                name=name,
                folder=folder,
                spec_path=None,
                upstream=upstream,
                metadata_path=metadata_path,
                problems=tuple(problems),
            )
        spec_file = f"{name}.spec" if f"{name}.spec" in specs else specs[0]
        if len(specs) > 1:
            problems.append(
                Problem(
                    "multiple-specs",
                    "warning",
                    f"{len(specs)} spec files ({', '.join(specs)}); reading {spec_file}",
                    folder,
                )
            )
        if spec_file != f"{name}.spec":
            problems.append(
                Problem(
                    "spec-name-mismatch",
                    "warning",
                    f"spec file {spec_file} does not match the folder name {name!r}",
                    folder / spec_file,
                )
            )
        lookaside = self._lookaside(folder, files, problems)
        return self._record(
            name, folder, folder / spec_file, files, lookaside, upstream, metadata_path, problems
        )

    def _load_flat(self, item: str) -> PackageRecord:
        spec_path = Path(item)
        folder = spec_path.parent
        name = spec_path.name[: -len(".spec")]
        files = self.flat_files if self.flat_files is not None else _flat_files(folder)
        problems: list[Problem] = []
        upstream, metadata_path = None, None
        if f"{name}.yaml" in files:
            upstream, metadata_path = self._read_metadata(folder / f"{name}.yaml", problems)
        return self._record(name, folder, spec_path, files, {}, upstream, metadata_path, problems)

    def _record(
        self,
        name: str,
        folder: Path,
        spec_path: Path,
        files: frozenset[str] | set[str],
        lookaside: Mapping[str, str],
        upstream: UpstreamInfo | None,
        metadata_path: Path | None,
        problems: list[Problem],
    ) -> PackageRecord:
        spec = self._parse(spec_path, problems)
        if spec is None:
            return PackageRecord(
                name=name,
                folder=folder,
                spec_path=spec_path,
                upstream=upstream,
                metadata_path=metadata_path,
                problems=tuple(problems),
            )
        if spec.name and spec.name != name:
            problems.append(
                Problem(
                    "spec-name-mismatch",
                    "warning",
                    f"Name: {spec.name} differs from the package name {name!r}",
                    spec_path,
                    _tag_line(spec, "name"),
                )
            )
        sources = tuple(
            self._file_ref(s, files, lookaside, spec_path, problems) for s in spec.sources
        )
        patches = tuple(
            self._file_ref(p, files, lookaside, spec_path, problems, spec) for p in spec.patches
        )
        if self.layout != "flat":
            self._unused_patches(folder, files, spec, problems)
        return PackageRecord(
            name=name,
            folder=folder,
            spec_path=spec_path,
            spec_name=spec.name,
            evr=spec.evr if spec.version is not None and spec.release is not None else "",
            epoch=spec.epoch,
            version=spec.version,
            release=spec.release,
            summary=spec.summary,
            license=spec.license,
            url=spec.url,
            subpackages=tuple(p.name for p in spec.subpackages),
            build_requires=tuple(spec.build_requires),
            requires=tuple(r for p in spec.packages for r in p.requires),
            provides=tuple(r for p in spec.packages for r in p.provides),
            sources=sources,
            patches=patches,
            upstream=upstream,
            metadata_path=metadata_path,
            problems=tuple(problems),
            spec=spec if self.keep_specs else None,
        )

    def _parse(self, spec_path: Path, problems: list[Problem]) -> Spec | None:
        try:
            data = read_tree_file(spec_path, root=self.root, limit=MAX_SPEC_BYTES)
        except UnsafeFile as exc:
            problems.append(Problem("spec-unreadable", "error", str(exc), spec_path))
            return None
        if b"\x00" in data[:65536]:
            problems.append(Problem("spec-unreadable", "error", "not a text file", spec_path))
            return None
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            # Old specs in Latin-1 still parse; the changelog names just read wrongly.
            text = data.decode("latin-1")
            problems.append(
                Problem(
                    "spec-encoding",
                    "warning",
                    f"not UTF-8 ({exc.reason}); read as Latin-1",
                    spec_path,
                )
            )
        from steward.rpm.spec import parse

        spec = parse(text, macros=self.engine, path=spec_path)
        for diagnostic in spec.diagnostics:
            if diagnostic.severity == "error":
                problems.append(
                    Problem(
                        "spec-error",
                        "error",
                        f"{diagnostic.message} [{diagnostic.code}]",
                        spec_path,
                        diagnostic.line,
                    )
                )
        return spec

    def _file_ref(
        self,
        entry: SourceEntry,
        files: frozenset[str] | set[str],
        lookaside: Mapping[str, str],
        spec_path: Path,
        problems: list[Problem],
        spec: Spec | None = None,
    ) -> FileRef:
        filename = entry.filename
        present = filename in files
        checksum = lookaside.get(filename)
        label = f"{'Patch' if entry.kind == 'patch' else 'Source'}{entry.number}"
        # A name with an unexpanded macro cannot be looked up; the spec-error or the
        # parser's diagnostic already says why.
        resolved = "%" not in filename
        if not present and checksum is None and resolved:
            code = "patch-missing" if entry.kind == "patch" else "source-missing"
            if entry.is_remote:
                # Tarballs often live in a lookaside cache rather than in the repository.
                severity, where = "info", "is a URL and its file is not in the folder"
            else:
                severity, where = "error", "is not in the folder"
            problems.append(
                Problem(code, severity, f"{label} {filename} {where}", spec_path, entry.line)
            )
        applied = None
        if spec is not None:
            applied = any(a.applies(entry.number) for a in spec.patch_applications)
            if not applied:
                problems.append(
                    Problem(
                        "patch-not-applied",
                        "warning",
                        f"{label} {filename} is declared but %prep never applies it"
                        f" (for {self.profile.target_arch})",
                        spec_path,
                        entry.line,
                    )
                )
        return FileRef(
            number=entry.number,
            filename=filename,
            declared_raw=entry.raw,
            present=present,
            remote=entry.is_remote,
            checksum=checksum,
            applied=applied,
            expanded=entry.expanded,
        )

    def _unused_patches(
        self, folder: Path, files: frozenset[str] | set[str], spec: Spec, problems: list[Problem]
    ) -> None:
        declared = {e.filename for e in spec.sources} | {e.filename for e in spec.patches}
        for filename in sorted(files):
            if filename.endswith(_PATCH_SUFFIXES) and filename not in declared:
                problems.append(
                    Problem(
                        "patch-unused",
                        "warning",
                        f"{filename} is in the folder but the spec does not declare it",
                        folder / filename,
                    )
                )

    def _metadata(
        self, folder: Path, name: str, files: set[str], problems: list[Problem]
    ) -> tuple[UpstreamInfo | None, Path | None]:
        if f"{name}.yaml" in files:
            return self._read_metadata(folder / f"{name}.yaml", problems)
        if self.layout == "src-openeuler":
            problems.append(
                Problem(
                    "missing-metadata",
                    "warning",
                    f"no upstream metadata file {name}.yaml",
                    folder,
                )
            )
        return None, None

    def _read_metadata(
        self, path: Path, problems: list[Problem]
    ) -> tuple[UpstreamInfo | None, Path | None]:
        try:
            data = read_tree_file(path, root=self.root, limit=MAX_METADATA_BYTES)
        except UnsafeFile as exc:
            problems.append(Problem("unreadable-yaml", "error", str(exc), path))
            return None, path
        info = parse_upstream_info(data, source=str(path))
        for found in info.problems:
            if found.code in _UNREADABLE_METADATA:
                problems.append(
                    Problem("unreadable-yaml", "error", found.message, path, found.line)
                )
            else:
                problems.append(
                    Problem(found.code, found.severity, found.message, path, found.line)
                )
        if any(p.code in _UNREADABLE_METADATA for p in info.problems):
            return None, path
        return info, path

    def _lookaside(self, folder: Path, files: set[str], problems: list[Problem]) -> dict[str, str]:
        if "sources" not in files:
            return {}
        path = folder / "sources"
        try:
            data = read_tree_file(path, root=self.root, limit=MAX_SOURCES_BYTES)
        except UnsafeFile as exc:
            problems.append(Problem("sources-file-invalid", "warning", str(exc), path))
            return {}
        text = data.decode("utf-8", errors="replace")
        entries, bad = parse_sources_file(text)
        for line in bad:
            problems.append(
                Problem(
                    "sources-file-invalid", "warning", "line is not a checksum entry", path, line
                )
            )
        return entries


def parse_sources_file(text: str) -> tuple[dict[str, str], list[int]]:
    """Read a dist-git ``sources`` file: file name -> ``"<algorithm>:<hex>"``.

    Returns the entries and the 1-based numbers of lines that are not entries.

    >>> text = "SHA512 (a-1.tar.gz) = AB12\\n0123456789abcdef0123456789abcdef  b.zip\\n"
    >>> parse_sources_file(text)
    ({'a-1.tar.gz': 'sha512:ab12', 'b.zip': 'md5:0123456789abcdef0123456789abcdef'}, [])
    """
    entries: dict[str, str] = {}
    bad: list[int] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        tagged = _SOURCES_TAGGED.fullmatch(line)
        if tagged is not None:
            algorithm, filename, digest = tagged.groups()
            entries[filename] = f"{algorithm.lower()}:{digest.lower()}"
            continue
        old = _SOURCES_MD5.fullmatch(line)
        if old is not None:
            digest, filename = old.groups()
            entries[filename.strip()] = f"md5:{digest.lower()}"
            continue
        bad.append(number)
    return entries, bad


def _tag_line(spec: Spec, tag: str) -> int | None:
    # Not Spec.tag(): the Name: line is recorded before the package has a name.
    return next((t.line for t in spec.tags if t.tag.lower() == tag), None)
