"""Upstream backends, one module each; :func:`backend` finds the module for a kind.

Adding a backend is adding a file here: every module not starting with ``_`` (and not
``base``) is a backend, and declares what the rest of Steward needs to know of it (see
:mod:`steward.upstream.sources.base`): ``KIND`` and ``ALIASES`` (the kinds it serves),
``NVCHECKER`` (the nvchecker ``source`` names it reads, each with the key that names the
project), ``URLS`` (the Source0/URL spellings it recognises) and ``METADATA_KINDS`` (the
openEuler ``version_control`` kinds it serves). The registry reads those declarations;
nothing else lists backends.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
import re
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import cast

from steward.upstream.sources.base import (
    Backend,
    SourceContext,
    Upstream,
    UpstreamConfigError,
    UpstreamError,
    UpstreamNotFound,
)

__all__ = [
    "BACKEND_MODULES",
    "Backend",
    "SourceContext",
    "UnsupportedKind",
    "Upstream",
    "UpstreamConfigError",
    "UpstreamError",
    "UpstreamNotFound",
    "backend",
    "backends",
    "metadata_kinds",
    "nvchecker_sources",
    "url_patterns",
]


class UnsupportedKind(UpstreamError):
    """No backend reads this kind of upstream (``cvs``, ``fossil``); the message names it."""

    code = "unsupported-kind"


@functools.cache
def _module_names() -> dict[str, str]:
    """kind -> module name, read from the modules' ``KIND`` and ``ALIASES``."""
    found: dict[str, str] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_") or info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for kind in (module.KIND, *getattr(module, "ALIASES", ())):
            if kind in found:
                raise RuntimeError(f"backends {found[kind]} and {info.name} both serve {kind!r}")
            found[kind] = info.name
    return found


@functools.cache
def backends() -> Mapping[str, Backend]:
    """Every backend module by each kind it serves."""
    return MappingProxyType(
        {
            kind: cast(Backend, importlib.import_module(f"{__name__}.{name}"))
            for kind, name in sorted(_module_names().items())
        }
    )


class _ModuleNames(Mapping[str, str]):
    """:data:`BACKEND_MODULES`, worked out on first use (it imports every backend)."""

    def __getitem__(self, kind: str) -> str:
        return _module_names()[kind]

    def __iter__(self) -> Iterator[str]:
        return iter(backends())

    def __len__(self) -> int:
        return len(backends())


#: kind -> module name under steward.upstream.sources (derived from the modules).
BACKEND_MODULES: Mapping[str, str] = _ModuleNames()


def backend(kind: str) -> Backend:
    """The backend module for ``kind``; :class:`UnsupportedKind` when there is none."""
    module = backends().get(kind)
    if module is None:
        raise UnsupportedKind(f"upstream kind {kind!r} is not supported by Steward")
    return module


@functools.cache
def nvchecker_sources() -> Mapping[str, tuple[str, str]]:
    """nvchecker ``source`` -> (kind, the key that names the project), from every backend."""
    found: dict[str, tuple[str, str]] = {}
    for kind, module in backends().items():
        if kind != module.KIND:
            continue  # an alias: the module is listed under its own kind
        for source, key in getattr(module, "NVCHECKER", {kind: kind}).items():
            found[source] = (kind, key)
    return MappingProxyType(found)


@functools.cache
def url_patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    """(pattern, kind) for every Source0/URL spelling a backend recognises."""
    return tuple(
        (pattern, kind)
        for kind, module in backends().items()
        if kind == module.KIND
        for pattern in getattr(module, "URLS", ())
    )


@functools.cache
def metadata_kinds() -> Mapping[str, str]:
    """openEuler ``version_control`` kind -> backend kind, for the backends that serve one
    without more reading of the metadata (registries named by ``src_repo``)."""
    return MappingProxyType(
        {
            name: kind
            for kind, module in backends().items()
            if kind == module.KIND
            for name in getattr(module, "METADATA_KINDS", ())
        }
    )
