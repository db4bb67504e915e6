"""What every build backend is: the :class:`BuildBackend` shape, and the environment a build
runs in (:func:`tool_environment`), which holds no credential of the caller's."""

from __future__ import annotations

import functools
import os
import pwd
from pathlib import Path
from typing import Protocol, runtime_checkable

from steward.upgrade.model import BuildResult

__all__ = ["DEFAULT_TIMEOUT", "BuildBackend", "tool_environment"]

#: Seconds a build may take before it is killed.
DEFAULT_TIMEOUT = 3600.0

_DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin"


@runtime_checkable
class BuildBackend(Protocol):
    """Builds a spec with the sources beside it; one method per kind of build.

    ``sources_dir`` holds the files the spec names (tarballs, patches, extra sources);
    ``spec`` may live there too. Every method returns a :class:`BuildResult` whatever
    happens to the build; only a misconfigured backend raises.
    """

    name: str

    def build_srpm(
        self, spec: Path, sources_dir: Path, *, timeout: float = DEFAULT_TIMEOUT
    ) -> BuildResult:
        """Build the source RPM (proves that the spec and its sources are consistent)."""
        ...

    def build_rpms(
        self,
        spec: Path,
        sources_dir: Path,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        nodeps: bool = False,
        debuginfo: bool = False,
    ) -> BuildResult:
        """Build the binary RPMs; ``debuginfo`` adds ``-debuginfo`` packages (for abidiff)."""
        ...

    def missing_build_requires(self, spec: Path, sources_dir: Path) -> list[str]:
        """The spec's build dependencies that the build environment does not provide."""
        ...


def tool_environment(home: Path | None = None) -> dict[str, str]:
    """The environment rpm's tools run in: a minimal one, never the caller's.

    A build runs the spec's code (``%(...)``, ``%prep``, ``%build`` ...), so it must not
    see the caller's credentials (``GITHUB_TOKEN``, ``STEWARD_TOKEN_*``, cloud keys, an
    ssh agent): it gets ``PATH``, ``HOME`` (``home``: the build's private tree, so no
    ``~/.rpmmacros`` applies either; ``/nonexistent`` for queries), the user's names,
    untranslated messages, ``TZ`` and ``TMPDIR`` (inside ``home``), and nothing else.
    """
    env = {
        "PATH": os.environ.get("PATH") or _DEFAULT_PATH,
        "HOME": str(home) if home is not None else "/nonexistent",
        "SHELL": "/bin/sh",
        # rpm's messages ("is needed by", "error:") are parsed; they must not be translated.
        "LC_ALL": "C",
        "LANG": "C",
        "TZ": os.environ.get("TZ") or "UTC",
    }
    user = _user_name()
    if user:
        env["USER"] = env["LOGNAME"] = user
    if home is not None:
        env["TMPDIR"] = str(home / "tmp")
    # Reproducible builds: the one build input that callers set on purpose.
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        env["SOURCE_DATE_EPOCH"] = epoch
    return env


@functools.cache
def _user_name() -> str:
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        return ""
