"""Build backends, one module each; configuration chooses one by name.

A module here is a backend when it declares ``NAME`` (what ``[build] builder = "..."``
says) and ``make(profile, workdir)``, which returns a :class:`BuildBackend`. Adding a
backend (OBS, Koji, Copr, EulerMaker, an openEuler buildroot) is adding a file here; the
upgrade flow asks :func:`builder_named` and changes nothing. ``local`` (the host's
``rpmbuild``, :mod:`steward.upgrade.builders.local`) is the default.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from pathlib import Path
from types import ModuleType
from typing import cast

from steward.distro.profiles import Profile
from steward.upgrade.builders.base import DEFAULT_TIMEOUT, BuildBackend, tool_environment

__all__ = [
    "DEFAULT_BUILDER",
    "DEFAULT_TIMEOUT",
    "BuildBackend",
    "UnknownBuilderError",
    "available_builders",
    "builder_named",
    "tool_environment",
]

DEFAULT_BUILDER = "local"


class UnknownBuilderError(LookupError):
    """No build backend has the requested name; the message lists those there are."""


@functools.cache
def _modules() -> dict[str, ModuleType]:
    found: dict[str, ModuleType] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_") or info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        name = getattr(module, "NAME", None)
        if isinstance(name, str) and callable(getattr(module, "make", None)):
            found[name] = module
    return found


def available_builders() -> list[str]:
    """The names configuration may choose from."""
    return sorted(_modules())


def builder_named(name: str, *, profile: Profile | None, workdir: Path) -> BuildBackend:
    """The backend called ``name``, building under ``workdir`` with ``profile``'s macros.

    >>> builder_named("local", profile=None, workdir=Path("/tmp/builds")).name
    'local'
    """
    module = _modules().get(name)
    if module is None:
        raise UnknownBuilderError(
            f"unknown build backend {name!r} (available: {', '.join(available_builders())})"
        )
    return cast(BuildBackend, module.make(profile, workdir))
