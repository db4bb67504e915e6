"""What every upstream backend is given and what it gives back.

A backend is one small module in :mod:`steward.upstream.sources` (``github.py``,
``pypi.py``, ``git.py`` …) that knows one API's URLs and payload shape and nothing else.
It exposes:

* ``KIND``: the name it is registered under (``"github"``);
* ``TAGS``: ``True`` when its releases are tags that the package's tag rules must turn into
  versions (GitHub tags, git), ``False`` when the API names versions itself (PyPI, npm);
* ``async def fetch(upstream: Upstream, ctx: SourceContext) -> list[Release]``.

Concurrency, retries, caching, rate limits, the network guard and turning tags into
versions all live in the engine, never in a backend. A backend raises
:class:`UpstreamConfigError` when the package's upstream description lacks what it needs,
:class:`UpstreamNotFound` when the project does not exist upstream, and lets the fetch
engine's errors (:class:`steward.upstream.fetch.FetchError`) propagate.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from steward.upstream.validators import Validator, note_validators, recording_validators
from steward.upstream.versions import Release, TagRules

if TYPE_CHECKING:
    from steward.upstream.fetch import FetchResult

__all__ = [
    "Backend",
    "Release",
    "SharedResults",
    "SourceContext",
    "Upstream",
    "UpstreamConfigError",
    "UpstreamError",
    "UpstreamNotFound",
]


class UpstreamError(Exception):
    """Base class of the errors a backend reports for one package."""

    code = "upstream-error"


class UpstreamConfigError(UpstreamError):
    """The upstream description is missing something this backend needs."""

    code = "upstream-config"


class UpstreamNotFound(UpstreamError):
    """The project, repository or distribution does not exist upstream (404)."""

    code = "upstream-not-found"


@dataclass(frozen=True, slots=True)
class Upstream:
    """Where one package's releases come from, resolved from its configuration.

    ``kind`` names the backend; ``project`` is what that backend looks up (``owner/repo``
    for forges, a distribution or module name for registries, a URL for git/svn/hg and
    listings); ``options`` holds the backend's other keys (``host``, ``use_releases``,
    ``pattern``, ``branch`` …) as strings. ``origin`` says where the description came from:
    ``config`` (steward.toml), ``metadata`` (openEuler's ``<name>.yaml``) or ``inferred``
    (the spec's URL and Source0).
    """

    kind: str
    project: str
    options: Mapping[str, str] = field(default_factory=dict)
    rules: TagRules = field(default_factory=TagRules)
    origin: str = "config"
    # ``key``, worked out once: a check asks for it several times per package.
    _key: str = field(init=False, repr=False, compare=False, default="")

    def __post_init__(self) -> None:
        parts = [f"{k}={v}" for k, v in sorted(self.options.items()) if k in _IDENTITY]
        if self.kind in _NAMED_BY_PACKAGE and not any(k in self.options for k in _NAMING):
            # A repository index or listing page answers for many packages; without an
            # explicit name or pattern the backend looks up the package's own name.
            parts.append(f"package={self.rules.package_name}")
        extra = ",".join(parts)
        key = f"{self.kind}:{self.project}" + (f"[{extra}]" if extra else "")
        object.__setattr__(self, "_key", key)

    def option(self, key: str, default: str | None = None) -> str | None:
        value = self.options.get(key)
        return default if value in (None, "") else value

    def flag(self, key: str, default: bool = False) -> bool:
        value = self.options.get(key)
        if value is None or value == "":
            return default
        return value.strip().lower() in ("1", "true", "yes", "on")

    @property
    def key(self) -> str:
        """A stable identity: packages sharing an upstream share its stored releases."""
        return self._key


# Options that change which releases a backend sees (and so belong to an upstream's identity).
_IDENTITY = frozenset(
    {
        "host", "use_releases", "use_tags", "use_latest_release", "use_max_release",
        "use_max_tag", "pattern", "branch", "path", "repo", "name", "mode", "tags_path",
        "pkg", "arch", "regex", "match", "cache_dir",
    }
)  # fmt: skip
_NAMED_BY_PACKAGE = frozenset({"rpmrepo", "html", "regex"})
_NAMING = frozenset({"name", "pkg", "pattern", "regex"})


class SharedResults:
    """Run-wide memo: concurrent callers asking for the same key share one computation.

    Many packages read the same large listing page or the same repository index; the first
    caller fetches and parses it, the others await that result.
    """

    def __init__(self) -> None:
        self._tasks: dict[str, asyncio.Future[tuple[Any, tuple[Validator, ...]]]] = {}
        self._single: set[str] = set()

    def expect_one(self, key: str) -> None:
        """Only one caller will ask for ``key``: it computes in its own task, and nothing
        is kept (most packages have an upstream of their own)."""
        self._single.add(key)

    async def get(self, key: str, compute: Callable[[], Awaitable[Any]]) -> Any:
        if key in self._single:
            self._single.discard(key)  # a second caller, unexpected, shares as usual
            return await compute()
        future = self._tasks.get(key)
        if future is None:
            future = asyncio.ensure_future(_recorded(compute))
            self._tasks[key] = future
        value, validators = await asyncio.shield(future)
        # Every caller depends on the responses behind the shared value, not only the first.
        note_validators(validators)
        return value

    def forget(self, key: str) -> None:
        """Drop a result nobody will ask for again (memory stays flat on a long run)."""
        self._tasks.pop(key, None)

    def __len__(self) -> int:
        return len(self._tasks)


async def _recorded(compute: Callable[[], Awaitable[Any]]) -> tuple[Any, tuple[Validator, ...]]:
    with recording_validators() as seen:
        value = await compute()
    return value, tuple(seen)


class Fetching(Protocol):
    """The part of :class:`steward.upstream.fetch.Fetcher` backends use."""

    async def get(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        accept: str = "application/json",
        conditional: bool = True,
        auth_scope: str | None = None,
    ) -> FetchResult: ...

    async def get_json(self, url: str, **options: Any) -> Any: ...

    async def get_text(self, url: str, **options: Any) -> str: ...

    async def revalidate(self, validators: Sequence[Validator]) -> bool: ...


@dataclass(slots=True)
class SourceContext:
    """Everything a backend may use: the shared fetcher, base URLs, run-wide memo, limits.

    ``base_urls`` maps a backend kind to the base URL to use instead of the public service
    (a mirror, an enterprise instance, an offline copy, or the tests' loopback server).
    ``vcs_slots`` bounds how many ``git``/``svn``/``hg`` subprocesses run at once and
    ``vcs_timeout`` how long each may take.
    """

    fetcher: Fetching
    base_urls: Mapping[str, str] = field(default_factory=dict)
    shared: SharedResults = field(default_factory=SharedResults)
    vcs_slots: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(8))
    vcs_timeout: float = 60.0

    def base_url(self, kind: str, default: str) -> str:
        """The configured base URL for ``kind`` (no trailing slash), else ``default``."""
        return self.base_urls.get(kind, default).rstrip("/")


class Backend(Protocol):
    """The module interface, for type checkers."""

    KIND: str
    TAGS: bool

    async def fetch(self, upstream: Upstream, ctx: SourceContext) -> list[Release]: ...
