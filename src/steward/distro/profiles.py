"""Distro profiles: the macros a distribution defines, so specs expand as they would there.

A spec's ``Release: 3%{?dist}`` or ``%{_libdir}`` means nothing without the distribution's
rpm configuration. A profile names that configuration: the dist tag, the vendor, the target
architecture and a list of macro files (Steward ships its own for each built-in profile; a
profile may also read the host's ``/usr/lib/rpm/macros*`` or any other files).

Built-in profiles live in ``profiles/<name>/profile.toml``::

    name = "openeuler-24.03"
    dist = ".oe2403"
    vendor = "openEuler"
    target_arch = "x86_64"
    host_macros = false                   # also read the host's rpm macro files first
    macro_files = ["../shared/rpm.macros", "../shared/openeuler.macros"]

    [macros]                              # applied last, after every file
    python3_version = "3.11"

>>> engine = load_profile("openeuler-24.03").macro_engine()
>>> engine.expand("%{_libdir} %{dist}")
'/usr/lib64 .oe2403'
"""

from __future__ import annotations

import difflib
import functools
import os
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from steward.rpm.macros import MacroEngine
    from steward.rpm.model import Diagnostic

__all__ = [
    "DEFAULT_PROFILE",
    "PROFILES_DIR",
    "Profile",
    "ProfileError",
    "UnknownProfileError",
    "available_profiles",
    "load_profile",
]

PROFILES_DIR = Path(__file__).with_name("profiles")
DEFAULT_PROFILE = "openeuler-24.03"

# Architectures whose libraries live in lib64 (rpm's platform files say so per arch).
_LIB64_ARCHES = frozenset(
    {
        "x86_64",
        "aarch64",
        "ppc64",
        "ppc64le",
        "ppc64p7",
        "s390x",
        "riscv64",
        "loongarch64",
        "sparc64",
        "mips64",
        "mips64el",
        "sw_64",
    }
)

# %{?_isa} is appended to Requires of arch-specific packages: "foo%{?_isa}".
_ISA_NAMES = {
    "x86_64": "x86",
    "i386": "x86",
    "i486": "x86",
    "i586": "x86",
    "i686": "x86",
    "aarch64": "aarch",
    "ppc64": "ppc",
    "ppc64le": "ppc",
    "ppc64p7": "ppc",
    "s390x": "s390",
    "riscv64": "riscv",
    "loongarch64": "loongarch",
    "sw_64": "sw",
    "armv7hl": "armv7hl",
}

_PROFILE_KEYS = frozenset(
    {
        "name",
        "description",
        "dist",
        "vendor",
        "target_arch",
        "target_os",
        "host_macros",
        "macro_files",
        "macros",
    }
)


class ProfileError(ValueError):
    """A profile file is missing, unreadable or malformed; the message says which and why."""


class UnknownProfileError(ProfileError, LookupError):
    """No built-in profile has the requested name."""


@dataclass(frozen=True, slots=True)
class Profile:
    """A distribution's rpm configuration, as Steward needs it to read specs.

    ``macro_files`` are read in order; ``macros`` are defined after them, and ``dist`` and
    ``vendor`` last of all, so a profile's own values always win. With ``host_macros`` the
    host's rpm macro files are read before ``macro_files``.
    """

    name: str
    dist: str = ""
    vendor: str = ""
    target_arch: str = "x86_64"
    target_os: str = "linux"
    macro_files: tuple[Path, ...] = ()
    macros: tuple[tuple[str, str], ...] = ()
    host_macros: bool = False
    description: str = ""
    source: Path | None = None
    # The built engine, made on first use; a one-slot list because the dataclass is frozen.
    _engine: list[MacroEngine] = field(default_factory=list, compare=False, repr=False)

    def __reduce__(self) -> tuple[Any, ...]:
        # Worker processes rebuild the engine rather than receive a pickled one.
        return (
            Profile,
            (
                self.name,
                self.dist,
                self.vendor,
                self.target_arch,
                self.target_os,
                self.macro_files,
                self.macros,
                self.host_macros,
                self.description,
                self.source,
            ),
        )

    @classmethod
    def from_files(
        cls,
        name: str,
        macro_files: Iterable[Path | str] = (),
        *,
        dist: str = "",
        vendor: str = "",
        target_arch: str = "x86_64",
        target_os: str = "linux",
        macros: Mapping[str, str] | None = None,
        host_macros: bool = False,
        description: str = "",
    ) -> Profile:
        """A profile made in code, e.g. from the host's or a user's own macro files."""
        return cls(
            name=name,
            dist=dist,
            vendor=vendor,
            target_arch=target_arch,
            target_os=target_os,
            macro_files=tuple(Path(p).expanduser() for p in macro_files),
            macros=tuple((macros or {}).items()),
            host_macros=host_macros,
            description=description,
        )

    def with_macros(self, **macros: str) -> Profile:
        """A copy of this profile with more ``[macros]`` definitions (later ones win)."""
        return Profile(
            self.name,
            self.dist,
            self.vendor,
            self.target_arch,
            self.target_os,
            self.macro_files,
            self.macros + tuple(macros.items()),
            self.host_macros,
            self.description,
            self.source,
        )

    def macro_engine(self) -> MacroEngine:
        """A fresh engine holding the profile's definitions.

        The engine is built once per profile; every call returns an independent copy, so a
        spec's ``%define`` never leaks into the next spec.
        """
        if not self._engine:
            self._engine.append(self._build_engine())
        return self._engine[0].copy()

    def diagnostics(self) -> tuple[Diagnostic, ...]:
        """What went wrong while reading the macro files (missing files, bad definitions)."""
        if not self._engine:
            self._engine.append(self._build_engine())
        return tuple(self._engine[0].diagnostics)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "dist": self.dist,
            "vendor": self.vendor,
            "target_arch": self.target_arch,
            "target_os": self.target_os,
            "host_macros": self.host_macros,
            "macro_files": [str(p) for p in self.macro_files],
            "macros": dict(self.macros),
            "source": str(self.source) if self.source else None,
        }

    def _build_engine(self) -> MacroEngine:
        from steward.rpm.macros import MacroEngine, host_macro_files
        from steward.rpm.model import Diagnostic

        engine = MacroEngine(target_arch=self.target_arch, target_os=self.target_os)
        for name, body in _arch_macros(self.target_arch):
            engine.define(name, body, origin="<profile arch>")
        files = [*host_macro_files(), *self.macro_files] if self.host_macros else self.macro_files
        for path in files:
            try:
                engine.load_file(path)
            except OSError as exc:
                # A missing file weakens expansion but must not stop a scan.
                reason = exc.strerror or str(exc)
                engine.diagnostics.append(
                    Diagnostic(None, "warning", "missing-macro-file", f"{path}: {reason}")
                )
        origin = f"<profile {self.name}>"
        for name, body in self.macros:
            engine.define(name, body, origin=origin)
        if self.dist:
            engine.define("dist", self.dist, origin=origin)
        if self.vendor:
            engine.define("_vendor", self.vendor, origin=origin)
        from steward.distro.profiles_lua import attach_lua

        attach_lua(engine)  # the distribution's %{lua:} macros run sandboxed, when lupa is here
        engine.copy()  # folds the definitions into the shared base that copies reuse
        return engine


def available_profiles() -> list[str]:
    """Names of the built-in profiles."""
    return sorted(
        entry.name
        for entry in os.scandir(PROFILES_DIR)
        if entry.is_dir() and os.path.isfile(os.path.join(entry.path, "profile.toml"))
    )


def load_profile(name_or_path: str | Path | Profile) -> Profile:
    """A built-in profile by name (``"fedora-41"``), or a profile file or folder by path.

    Built-in profiles are loaded once per process, so their macro engine is built once.
    Raises :class:`UnknownProfileError` for an unknown name and :class:`ProfileError` for a
    malformed file.
    """
    if isinstance(name_or_path, Profile):
        return name_or_path
    text = str(name_or_path)
    looks_like_path = isinstance(name_or_path, Path) or os.sep in text or text.endswith(".toml")
    if not looks_like_path:
        return _builtin_profile(text)
    path = Path(text).expanduser()
    if path.is_dir():
        path = path / "profile.toml"
    return _read_profile(path)


@functools.cache
def _builtin_profile(name: str) -> Profile:
    path = PROFILES_DIR / name / "profile.toml"
    if not path.is_file():
        names = available_profiles()
        close = difflib.get_close_matches(name, names, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise UnknownProfileError(f"unknown profile {name!r}{hint} (available: {', '.join(names)})")
    return _read_profile(path)


def _read_profile(path: Path) -> Profile:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except OSError as exc:
        raise ProfileError(f"cannot read profile {path}: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"profile {path} is not valid TOML: {exc}") from exc
    unknown = sorted(set(data) - _PROFILE_KEYS)
    if unknown:
        raise ProfileError(
            f"profile {path}: unknown keys {', '.join(unknown)} "
            f"(allowed: {', '.join(sorted(_PROFILE_KEYS))})"
        )
    folder = path.parent
    files = data.get("macro_files", [])
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        raise ProfileError(f"profile {path}: macro_files must be a list of paths")
    macros = data.get("macros", {})
    if not isinstance(macros, dict):
        raise ProfileError(f"profile {path}: [macros] must be a table of name = value")
    host_macros = data.get("host_macros", False)
    if not isinstance(host_macros, bool):
        raise ProfileError(f"profile {path}: host_macros must be true or false")
    return Profile(
        name=_string(data, "name", path, default=folder.name),
        dist=_string(data, "dist", path),
        vendor=_string(data, "vendor", path),
        target_arch=_string(data, "target_arch", path, default="x86_64"),
        target_os=_string(data, "target_os", path, default="linux"),
        macro_files=tuple(_resolve(folder, f) for f in files),
        macros=tuple((str(k), _macro_value(k, v, path)) for k, v in macros.items()),
        host_macros=host_macros,
        description=_string(data, "description", path),
        source=path,
    )


def _string(data: Mapping[str, Any], key: str, path: Path, default: str = "") -> str:
    value = data.get(key, default)
    if not isinstance(value, str):
        raise ProfileError(f"profile {path}: {key} must be a string, got {value!r}")
    return value


def _macro_value(name: str, value: Any, path: Path) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, str | int | float):
        return str(value)
    raise ProfileError(f"profile {path}: macro {name} must be a string or number")


def _resolve(folder: Path, name: str) -> Path:
    path = Path(name).expanduser()
    # normpath, not resolve(): keeps "../shared" readable and does not touch the disk.
    return path if path.is_absolute() else Path(os.path.normpath(folder / path))


def _arch_macros(arch: str) -> list[tuple[str, str]]:
    bits = "64" if arch in _LIB64_ARCHES else "32"
    found = [("_lib", "lib64" if bits == "64" else "lib"), ("__isa_bits", bits)]
    isa = _ISA_NAMES.get(arch)
    if isa is not None:
        found += [("__isa_name", isa), ("__isa", f"{isa}-{bits}"), ("_isa", f"({isa}-{bits})")]
    return found
