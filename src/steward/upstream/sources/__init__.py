"""Upstream backends, one module each; :func:`backend` finds the module for a kind.

Adding a backend is adding a file here and its name to :data:`BACKEND_MODULES`.
"""

from __future__ import annotations

import importlib
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
]

#: kind -> module name under steward.upstream.sources
BACKEND_MODULES: dict[str, str] = {
    "github": "github",
    "gitlab": "gitlab",
    "gitee": "gitee",
    "gitea": "gitea",
    "atomgit": "gitee",  # AtomGit/GitCode serve Gitee's v5 API
    "pypi": "pypi",
    "npm": "npm",
    "crates": "crates",
    "rubygems": "rubygems",
    "metacpan": "metacpan",
    "hackage": "hackage",
    "gnome": "gnome",
    "sourceforge": "sourceforge",
    "maven": "maven",
    "html": "html",
    "regex": "html",
    "git": "git",
    "svn": "svn",
    "hg": "hg",
    "rpmrepo": "rpmrepo",
}


class UnsupportedKind(UpstreamError):
    """No backend reads this kind of upstream (``cvs``, ``fossil``); the message names it."""

    code = "unsupported-kind"


def backend(kind: str) -> Backend:
    """The backend module for ``kind``; :class:`UnsupportedKind` when there is none."""
    module_name = BACKEND_MODULES.get(kind)
    if module_name is None:
        raise UnsupportedKind(f"upstream kind {kind!r} is not supported by Steward")
    module = importlib.import_module(f"steward.upstream.sources.{module_name}")
    return cast(Backend, module)
