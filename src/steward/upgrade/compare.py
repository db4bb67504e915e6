"""Comparing a package's old binary RPMs with its new ones, before anyone installs them.

:func:`compare_rpms` reports what an upgrade changes for the rest of the distribution:
files added and removed, ``Provides`` and ``Requires`` changes, sonames that changed (with
the packages in the tree that require the old one and so need a rebuild), and ``abidiff``'s
verdict on every shared library present in both versions.

How each part is found:

* headers (name, files, dependencies) come from ``rpm -qp --queryformat``. ``rpmlib(...)``
  requirements are left out (they follow rpm, not the package) and a version equal to the
  package's own ``version-release`` is written ``%{version}-%{release}``, so that
  ``libdemo-devel`` requiring ``libdemo = 1.0-1`` then ``= 2.0-1`` is not a change;
* ``-debuginfo``/``-debugsource`` packages are not compared; they feed ``abidiff``;
* payloads are unpacked with ``rpm2cpio`` and a reader of the cpio stream written here
  rather than ``cpio -idm``: it writes regular files only (shared libraries, headers,
  ``.debug`` files), never links or devices, and refuses ``..`` and absolute names, so an
  RPM from anywhere cannot write outside the scratch folder;
* sonames are read from the ELF files (``eu-readelf -d``) and from ``libfoo.so.1()(64bit)``
  provides; libraries are matched across versions by their soname's stem (``libdemo`` for
  ``libdemo.so.1`` and ``libdemo.so.2``);
* ``abidiff`` gets ``--d1``/``--d2`` debug folders when debuginfo packages are given (without
  them it sees symbols only and misses signature changes) and the ``-devel`` headers, to
  leave private types out.

Dependents (:func:`find_dependents`) are a heuristic on specs, since a source tree has no
built packages to ask: a package depends on a library when a ``Requires`` of any of its
subpackages mentions the old soname (``libdemo.so.1()(64bit)``), or a ``Requires`` or
``BuildRequires`` names one of the library's packages or something they provide
(``libdemo``, ``libdemo-devel``, ``pkgconfig(demo)``). It can over-report (a source package
shipping several libraries) and misses a dependency spelled through a macro the profile does
not define; a library linked through a ``BuildRequires`` on another name is not seen.
"""

from __future__ import annotations

import itertools
import re
import shutil
import stat
import subprocess
import tempfile
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from steward.distro.tree import Distro
from steward.rpm.model import Package
from steward.upgrade.builders import tool_environment
from steward.upgrade.model import Comparison, SonameChange, UpgradeError, UpgradeStep

__all__ = [
    "RpmHeader",
    "abidiff_verdict",
    "compare_rpms",
    "find_dependents",
    "read_rpm_header",
    "soname_stem",
]

#: abidiff's exit status is a set of bit flags (libabigail's ``abidiff_status``).
ABIDIFF_ERROR = 1
ABIDIFF_USAGE_ERROR = 2
ABIDIFF_ABI_CHANGE = 4
ABIDIFF_ABI_INCOMPATIBLE_CHANGE = 8

_ABIDIFF_TIMEOUT = 600.0
_QUERY_FORMAT = (
    "N %{NAME}\\nE %{EPOCH}\\nV %{VERSION}\\nR %{RELEASE}\\nA %{ARCH}\\nS %{SOURCERPM}\\n"
    "[F %{FILENAMES}\\n][P %{PROVIDENEVRS}\\n][Q %{REQUIRENEVRS}\\n]"
)
_DEBUG_SUFFIXES = ("-debuginfo", "-debugsource")
# "libdemo.so.1()(64bit)", "ld-linux-x86-64.so.2()": a soname provide (not a symbol version).
_SONAME_PROVIDE = re.compile(r"^([^\s()]+\.so(?:\.[^\s()]+)?)\(\)(?:\(64bit\))?$")
_SHARED_OBJECT_NAME = re.compile(r"\.so(?:\.[0-9][0-9A-Za-z_.]*)?$")
_ELF_SONAME = re.compile(r"Library soname: \[([^\]]+)\]")
# "foo(x86-64)" is foo for this architecture: %{?_isa} after expansion.
_ISA_SUFFIX = re.compile(r"\([a-z0-9_]+-(?:32|64)\)$")
_ABIDIFF_SUMMARY = re.compile(r"^(ELF SONAME changed|.*changes summary: .*)$", re.MULTILINE)
_CPIO_MAGICS = (b"070701", b"070702")
_CPIO_HEADER = 110
_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class RpmHeader:
    """What a comparison needs from one binary RPM's header."""

    path: Path
    name: str
    epoch: str | None
    version: str
    release: str
    arch: str
    source_rpm: str | None
    files: tuple[str, ...]
    provides: tuple[str, ...]
    requires: tuple[str, ...]

    @property
    def is_source(self) -> bool:
        return self.source_rpm is None

    @property
    def is_debug(self) -> bool:
        return self.name.endswith(_DEBUG_SUFFIXES)

    @property
    def source_name(self) -> str | None:
        """The source package's name: ``libdemo`` for ``libdemo-1.0-1.src.rpm``."""
        if self.source_rpm is None:
            return None
        return self.source_rpm.removesuffix(".src.rpm").removesuffix(".nosrc.rpm").rsplit("-", 2)[0]


def read_rpm_header(path: Path) -> RpmHeader:
    """Query one RPM file; raises :class:`UpgradeError` when rpm cannot read it."""
    done = subprocess.run(
        ["rpm", "-qp", "--queryformat", _QUERY_FORMAT, str(path)],
        capture_output=True,
        text=True,
        env=tool_environment(),
        check=False,
    )
    if done.returncode != 0:
        reason = done.stderr.strip().splitlines()[-1:] or [f"exit status {done.returncode}"]
        raise UpgradeError(UpgradeStep.COMPARE, f"cannot read {path}: {reason[0]}")
    single: dict[str, str] = {}
    lists: dict[str, list[str]] = defaultdict(list)
    for line in done.stdout.splitlines():
        key, _, value = line.partition(" ")
        if key in ("F", "P", "Q"):
            lists[key].append(value)
        else:
            single[key] = value

    def optional(key: str) -> str | None:
        value = single.get(key, "(none)")
        return None if value == "(none)" else value

    return RpmHeader(
        path=path,
        name=single.get("N", path.name),
        epoch=optional("E"),
        version=single.get("V", ""),
        release=single.get("R", ""),
        arch=single.get("A", ""),
        source_rpm=optional("S"),
        files=tuple(lists["F"]),
        provides=tuple(lists["P"]),
        requires=tuple(lists["Q"]),
    )


def abidiff_verdict(status: int) -> str:
    """What abidiff's exit status means: ``"incompatible ABI change"``, ``"no ABI change"``…

    >>> abidiff_verdict(12)
    'incompatible ABI change'
    >>> abidiff_verdict(0)
    'no ABI change'
    """
    if status & ABIDIFF_USAGE_ERROR:
        return "abidiff usage error"
    if status & ABIDIFF_ERROR:
        return "abidiff failed"
    if status & ABIDIFF_ABI_INCOMPATIBLE_CHANGE:
        return "incompatible ABI change"
    if status & ABIDIFF_ABI_CHANGE:
        return "ABI change (compatible)"
    return "no ABI change"


def soname_stem(soname: str) -> str:
    """The library a soname belongs to, across versions: ``libdemo.so.2`` → ``libdemo``.

    >>> soname_stem("libfoo-1.2.so")
    'libfoo'
    >>> soname_stem("ld-linux-x86-64.so.2")
    'ld-linux-x86-64'
    """
    stem = _SHARED_OBJECT_NAME.sub("", soname)
    if soname.endswith(".so"):
        # The version is in the name ("libfoo-1.2.so"); elsewhere "-64" is part of the name.
        stem = re.sub(r"-[0-9][0-9.]*$", "", stem)
    return stem


# -- comparison ------------------------------------------------------------------------------


@dataclass(slots=True)
class _Side:
    """One version's packages, unpacked where needed."""

    packages: list[RpmHeader]
    debug: list[RpmHeader]
    root: Path
    libraries: dict[str, list[tuple[str, str | None]]]  # stem → [(path in payload, soname)]
    sonames: dict[str, set[str]]  # soname → names of the packages that provide it

    @property
    def names(self) -> set[str]:
        return {p.name for p in self.packages}


def compare_rpms(
    old: Sequence[Path],
    new: Sequence[Path],
    *,
    tree: Distro | None = None,
    workdir: Path,
) -> Comparison:
    """Compare the old binary RPMs of a package with the new ones.

    ``old`` and ``new`` are the RPM files of each version (source RPMs are ignored;
    ``-debuginfo`` packages make ``abidiff`` precise). ``tree`` is the distribution whose
    packages are searched for dependents of a changed soname. Payloads are unpacked under
    ``workdir``; abidiff's full reports are kept there (``abidiff-<library>.txt``).
    """
    notes: list[str] = []
    workdir = workdir.absolute()
    workdir.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="compare-", dir=workdir))
    tools = {tool: shutil.which(tool) is not None for tool in ("rpm2cpio", "eu-readelf")}
    can_unpack = all(tools.values())
    if not can_unpack:
        absent = ", ".join(t for t, ok in tools.items() if not ok)
        notes.append(f"{absent} not installed: sonames from Provides only, no ABI comparison")
    old_side = _load_side(old, scratch / "old", unpack=can_unpack, notes=notes)
    new_side = _load_side(new, scratch / "new", unpack=can_unpack, notes=notes)

    for name in sorted(old_side.names - new_side.names):
        notes.append(f"subpackage {name} is gone")
    for name in sorted(new_side.names - old_side.names):
        notes.append(f"subpackage {name} is new")

    old_files = {f for p in old_side.packages for f in p.files}
    new_files = {f for p in new_side.packages for f in p.files}
    old_provides, old_requires = _dependencies(old_side.packages)
    new_provides, new_requires = _dependencies(new_side.packages)

    changes = _soname_changes(old_side, new_side, tree, notes)
    abi: list[tuple[str, str]] = []
    if can_unpack:
        abi = _compare_abi(old_side, new_side, scratch, notes)
    return Comparison(
        files_added=tuple(sorted(new_files - old_files)),
        files_removed=tuple(sorted(old_files - new_files)),
        provides_added=tuple(sorted(new_provides - old_provides)),
        provides_removed=tuple(sorted(old_provides - new_provides)),
        requires_added=tuple(sorted(new_requires - old_requires)),
        requires_removed=tuple(sorted(old_requires - new_requires)),
        soname_changes=tuple(changes),
        abi=tuple(abi),
        notes=tuple(notes),
    )


def _load_side(paths: Sequence[Path], root: Path, *, unpack: bool, notes: list[str]) -> _Side:
    headers = [read_rpm_header(Path(p)) for p in paths]
    binaries = [h for h in headers if not h.is_source]
    side = _Side(
        packages=[h for h in binaries if not h.is_debug],
        debug=[h for h in binaries if h.is_debug],
        root=root,
        libraries=defaultdict(list),
        sonames=defaultdict(set),
    )
    for package in side.packages:
        for provide in package.provides:
            match = _SONAME_PROVIDE.match(provide)
            if match:
                side.sonames[match.group(1)].add(package.name)
    if not unpack:
        return side
    root.mkdir(parents=True, exist_ok=True)
    for package in side.packages + side.debug:
        try:
            written = _unpack(package.path, root, _wanted)
        except UpgradeError as exc:
            notes.append(str(exc))
            continue
        for relative in written:
            if relative.startswith("usr/lib/debug/") or not _is_shared_object(root / relative):
                continue
            found = _elf_soname(root / relative)
            key = soname_stem(found) if found else relative
            side.libraries[key].append((relative, found))
            if found:
                side.sonames[found].add(package.name)
    return side


def _dependencies(packages: Iterable[RpmHeader]) -> tuple[set[str], set[str]]:
    provides: set[str] = set()
    requires: set[str] = set()
    for package in packages:
        own = {f"{package.version}-{package.release}"}
        if package.epoch is not None:
            own.add(f"{package.epoch}:{package.version}-{package.release}")
        provides.update(_normalise(d, own) for d in package.provides)
        requires.update(_normalise(d, own) for d in package.requires if not d.startswith("rpmlib("))
    return provides, requires


def _normalise(dependency: str, own: Collection[str]) -> str:
    parts = dependency.split(" ")
    if len(parts) == 3 and parts[2] in own:
        return f"{parts[0]} {parts[1]} %{{version}}-%{{release}}"
    return dependency


def _soname_changes(
    old: _Side, new: _Side, tree: Distro | None, notes: list[str]
) -> list[SonameChange]:
    by_stem_old: dict[str, set[str]] = defaultdict(set)
    by_stem_new: dict[str, set[str]] = defaultdict(set)
    for soname in old.sonames:
        by_stem_old[soname_stem(soname)].add(soname)
    for soname in new.sonames:
        by_stem_new[soname_stem(soname)].add(soname)
    source_names = {p.source_name for p in old.packages + new.packages} - {None}
    changes: list[SonameChange] = []
    for stem in sorted(by_stem_old.keys() | by_stem_new.keys()):
        gone = sorted(by_stem_old[stem] - by_stem_new[stem])
        came = sorted(by_stem_new[stem] - by_stem_old[stem])
        for old_soname, new_soname in itertools.zip_longest(gone, came):
            dependents: tuple[str, ...] = ()
            if tree is not None and old_soname is not None:
                names = _library_names(old, old_soname)
                dependents = find_dependents(
                    tree,
                    sonames=[old_soname],
                    names=names,
                    exclude={n for n in source_names if n},
                    notes=notes,
                )
            changes.append(SonameChange(stem, old_soname, new_soname, dependents))
    return changes


def _library_names(side: _Side, soname: str) -> set[str]:
    """Names a dependent may use for the library: its packages, their -devel, what they provide."""
    owners = set(side.sonames.get(soname, ()))
    link = f"{soname_stem(soname)}.so"
    by_name = {p.name: p for p in side.packages}
    devel = {f"{o}-devel" for o in owners} & by_name.keys()
    devel |= {p.name for p in side.packages if any(Path(f).name == link for f in p.files)}
    names = set(owners) | devel
    for name in owners | devel:
        for provide in by_name[name].provides if name in by_name else ():
            dep_name = provide.split(" ")[0]
            if not _SONAME_PROVIDE.match(dep_name):
                names.add(_ISA_SUFFIX.sub("", dep_name))
    return names


def find_dependents(
    tree: Distro,
    *,
    sonames: Collection[str],
    names: Collection[str],
    exclude: Collection[str] = (),
    notes: list[str] | None = None,
) -> tuple[str, ...]:
    """Packages of ``tree`` that require one of ``sonames`` or one of ``names``.

    ``names`` are package names and capabilities (``libdemo``, ``libdemo-devel``,
    ``pkgconfig(demo)``); a ``Requires`` or ``BuildRequires`` naming one counts, as does a
    ``Requires`` mentioning a soname. ``exclude`` are source packages to skip (the
    library's own). Specs that fail to parse are skipped, with a note when ``notes`` is
    given. See the module docstring for what this heuristic can miss.
    """
    wanted = {_ISA_SUFFIX.sub("", n) for n in names}
    needles = [*sonames, *wanted]
    found: list[str] = []
    for record in tree:
        if record.name in exclude or record.spec_name in exclude or record.spec_path is None:
            continue
        try:
            text = record.spec_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        # Cheap test first: parsing every spec of a 10,000-package tree takes minutes.
        if not any(needle in text for needle in needles):
            continue
        try:
            spec = tree.load_spec(record.name)
        except Exception as exc:  # one broken spec must not stop the search
            if notes is not None:
                notes.append(f"cannot read {record.name}'s spec for dependents: {exc}")
            continue
        if _depends(spec.packages, sonames, wanted):
            found.append(record.name)
    return tuple(sorted(found))


def _depends(packages: Iterable[Package], sonames: Collection[str], names: set[str]) -> bool:
    for package in packages:
        for dependency in package.requires:
            if any(soname in dependency for soname in sonames):
                return True
        for dependency in [*package.requires, *package.build_requires]:
            name = dependency.split(" ")[0].strip(",")
            if _ISA_SUFFIX.sub("", name) in names:
                return True
    return False


# -- ABI -----------------------------------------------------------------------------------


def _compare_abi(old: _Side, new: _Side, scratch: Path, notes: list[str]) -> list[tuple[str, str]]:
    if shutil.which("abidiff") is None:
        notes.append("abidiff (abigail-tools) is not installed: ABI not compared")
        return []
    results: list[tuple[str, str]] = []
    debug_old = old.root / "usr/lib/debug"
    debug_new = new.root / "usr/lib/debug"
    with_debug = debug_old.is_dir() and debug_new.is_dir()
    if not with_debug and (old.libraries.keys() & new.libraries.keys()):
        notes.append(
            "no -debuginfo packages on both sides: abidiff compared symbols only and "
            "misses signature changes"
        )
    for stem in sorted(old.libraries.keys() & new.libraries.keys()):
        for (old_path, _), (new_path, _) in zip(
            sorted(old.libraries[stem]), sorted(new.libraries[stem]), strict=False
        ):
            command = ["abidiff"]
            if with_debug:
                command += ["--d1", str(debug_old), "--d2", str(debug_new)]
                for flag, side in (("--headers-dir1", old), ("--headers-dir2", new)):
                    if (side.root / "usr/include").is_dir():
                        command += [flag, str(side.root / "usr/include")]
            command += [str(old.root / old_path), str(new.root / new_path)]
            report = scratch / f"abidiff-{Path(new_path).name}.txt"
            results.append((stem, _run_abidiff(command, report)))
    return results


def _run_abidiff(command: list[str], report: Path) -> str:
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            env=tool_environment(),
            timeout=_ABIDIFF_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"abidiff did not finish within {_ABIDIFF_TIMEOUT:g} s"
    report.write_text(done.stdout + done.stderr)
    verdict = abidiff_verdict(done.returncode)
    # The summary lines that report something ("0 Removed, 0 Changed, 0 Added" says nothing).
    summary = [
        line.strip()
        for line in _ABIDIFF_SUMMARY.findall(done.stdout)
        if ":" not in line or re.search(r"[1-9]", line.split(":", 1)[1])
    ]
    if done.returncode & (ABIDIFF_ERROR | ABIDIFF_USAGE_ERROR):
        summary = done.stderr.strip().splitlines()[-1:]
    detail = "; ".join(summary)
    text = f"{verdict} (abidiff exit {done.returncode})"
    return f"{text}: {detail}; report: {report}" if detail else f"{text}; report: {report}"


# -- payloads -------------------------------------------------------------------------------


def _wanted(name: str) -> bool:
    """Payload files the comparison reads: libraries, headers, separate debug info."""
    if name.startswith("usr/lib/debug/"):
        return name.endswith(".debug") and "/.build-id/" not in name
    return name.startswith("usr/include/") or bool(_SHARED_OBJECT_NAME.search(name))


def _unpack(rpm: Path, dest: Path, wanted: Callable[[str], bool]) -> list[str]:
    """Write the wanted regular files of ``rpm``'s payload under ``dest``; their names."""
    process = subprocess.Popen(
        ["rpm2cpio", str(rpm)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=tool_environment(),
    )
    assert process.stdout is not None and process.stderr is not None
    try:
        written = _read_cpio(process.stdout, dest, wanted)
    except ValueError as exc:
        process.kill()
        process.wait()
        raise UpgradeError(UpgradeStep.COMPARE, f"cannot unpack {rpm.name}: {exc}") from None
    finally:
        process.stdout.close()
    error = process.stderr.read().decode(errors="replace").strip()
    process.stderr.close()
    if process.wait() != 0:
        raise UpgradeError(UpgradeStep.COMPARE, f"cannot unpack {rpm.name}: {error}")
    return written


def _read_cpio(stream: IO[bytes], dest: Path, wanted: Callable[[str], bool]) -> list[str]:
    """Read a ``newc`` cpio stream (what rpm2cpio writes), writing regular files only."""
    written: list[str] = []
    pending_links: dict[int, list[Path]] = defaultdict(list)  # hard links wait for their data
    while True:
        header = _read_exact(stream, _CPIO_HEADER)
        if header[:6] not in _CPIO_MAGICS:
            raise ValueError("not a newc cpio archive")
        fields = [int(header[6 + 8 * i : 14 + 8 * i], 16) for i in range(13)]
        inode, mode, nlink, size, name_size = fields[0], fields[1], fields[4], fields[6], fields[11]
        raw_name = _read_exact(stream, name_size)[:-1]
        _read_exact(stream, _padding(_CPIO_HEADER + name_size))
        name = raw_name.decode("utf-8", errors="surrogateescape")
        if name == "TRAILER!!!":
            return written
        relative = _safe_relative(name)
        if relative is None or not stat.S_ISREG(mode) or not wanted(relative):
            _skip(stream, size)
        else:
            # No link is ever created under dest, so no parent here can lead outside it.
            target = dest / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("wb") as out:
                _copy(stream, out, size)
            written.append(relative)
            if size == 0 and nlink > 1:
                pending_links[inode].append(target)
            elif size and pending_links.get(inode):
                for earlier in pending_links.pop(inode):
                    shutil.copyfile(target, earlier)
        _read_exact(stream, _padding(size))


def _safe_relative(name: str) -> str | None:
    """``./usr/lib64/x`` → ``usr/lib64/x``; None for names that could leave the folder."""
    parts = [p for p in PurePosixPath(name).parts if p not in ("", ".", "/")]
    if not parts or ".." in parts:
        return None
    return "/".join(parts)


def _padding(length: int) -> int:
    return (4 - length % 4) % 4


def _read_exact(stream: IO[bytes], size: int) -> bytes:
    data = stream.read(size) if size else b""
    if len(data) != size:
        raise ValueError("truncated cpio archive")
    return data


def _skip(stream: IO[bytes], size: int) -> None:
    while size:
        chunk = stream.read(min(size, _CHUNK))
        if not chunk:
            raise ValueError("truncated cpio archive")
        size -= len(chunk)


def _copy(stream: IO[bytes], out: IO[bytes], size: int) -> None:
    while size:
        chunk = stream.read(min(size, _CHUNK))
        if not chunk:
            raise ValueError("truncated cpio archive")
        out.write(chunk)
        size -= len(chunk)


def _is_shared_object(path: Path) -> bool:
    """An ELF file of type ET_DYN (a shared library; PIE programs are not unpacked)."""
    try:
        with path.open("rb") as handle:
            ident = handle.read(18)
    except OSError:
        return False
    if len(ident) < 18 or ident[:4] != b"\x7fELF":
        return False
    # EI_DATA (byte 5) is 1 for little-endian; e_type 3 is ET_DYN.
    e_type = int.from_bytes(ident[16:18], "little" if ident[5] == 1 else "big")
    return e_type == 3


def _elf_soname(path: Path) -> str | None:
    done = subprocess.run(
        ["eu-readelf", "-d", str(path)],
        capture_output=True,
        text=True,
        env=tool_environment(),
        check=False,
    )
    match = _ELF_SONAME.search(done.stdout)
    return match.group(1) if match else None
