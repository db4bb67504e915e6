"""``steward check``: check a whole tree against its upstreams and store the answers.

The run is resumable: it is recorded in the store before the first package is checked,
results are committed in batches while the run goes on, and a run that was interrupted
(killed, Ctrl-C, a crash) is picked up by the next ``steward check`` of the same tree,
which checks only the packages the interrupted run had not stored.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from steward.config import Config
from steward.distro.tree import Distro, PackageRecord
from steward.store.records import CheckRecord, CheckRow
from steward.upstream.credentials import Credentials
from steward.upstream.engine import CheckResult, CheckSettings, check_packages
from steward.upstream.fetch import FetchConfig, Fetcher, FetchStats
from steward.upstream.recommend import Policy, Track
from steward.upstream.resolve import load_package_configs
from steward.upstream.sources.base import SourceContext
from steward.workflows.storelink import StoreLink, open_link, tree_key

if TYPE_CHECKING:
    from steward.store import Store

__all__ = ["CheckOptions", "CheckRun", "StoreLink", "open_link", "run_check", "tree_key"]

MiB = 1024 * 1024
_BATCH = 200
_LAST_BATCH = 40
_BATCH_SECONDS = 0.5


@dataclass(frozen=True, slots=True)
class CheckOptions:
    """What a ``steward check`` run was asked for (command line over configuration)."""

    policy: str = "latest"
    concurrency: int | None = None
    resume: bool = True
    db: str | None = None


@dataclass(slots=True, repr=False)
class CheckRun:
    """The outcome of a run: one result per package checked now, plus run bookkeeping."""

    run_id: int
    results: list[CheckResult] = field(default_factory=list)
    skipped: int = 0
    resumed: bool = False
    seconds: float = 0.0
    fetch: FetchStats | None = None
    new_releases: dict[str, int] = field(default_factory=dict)
    release_counts: dict[str, int] = field(default_factory=dict)

    @property
    def failures(self) -> list[CheckResult]:
        return [r for r in self.results if r.failed]

    @property
    def findings(self) -> dict[str, int]:
        """How many packages' answers report each finding (stale tag rules, …)."""
        counts: dict[str, int] = {}
        for result in self.results:
            for code in result.recommendation.findings if result.recommendation else ():
                counts[code] = counts.get(code, 0) + 1
        return counts

    def __repr__(self) -> str:
        # Short: asyncio formats the run's task, result included, when asyncio.run ends
        # (signal.getsignal on its SIGINT handler), and a dataclass repr of ten thousand
        # results took a twentieth of a re-check.
        return (
            f"CheckRun(run_id={self.run_id}, {len(self.results)} results, "
            f"skipped={self.skipped}, resumed={self.resumed}, seconds={self.seconds:.3f})"
        )


def _batch_size(left: int) -> int:
    """How many results make a batch for the store while ``left`` packages are to come.

    Fewer at the end: the run waits for its last batch to be written, and a whole batch
    takes the store tens of milliseconds.
    """
    return _BATCH if left >= _BATCH else _LAST_BATCH


def fetch_config(config: Config, concurrency: int | None) -> FetchConfig:
    net = config.network
    return FetchConfig(
        concurrency=concurrency or net.concurrency,
        per_host_concurrency=min(net.per_host_concurrency, concurrency or net.concurrency),
        read_timeout=net.timeout,
        total_timeout=max(net.timeout * 4, net.timeout),
        max_retries=net.retries,
        request_deadline=net.request_deadline,
        max_rate_limit_wait=net.max_quota_wait,
        breaker_threshold=net.breaker_threshold,
        max_response_bytes=net.max_response_mb * MiB,
        allow_private=net.allow_private,
        base_url_overrides=net.base_url_overrides,
    )


def package_configs(distro: Distro, config: Config) -> dict[str, Mapping[str, Any]]:
    """Per-package upstream tables: the tree's steward.toml, and the user's configuration,
    which wins (the user is trusted, the tree is not)."""
    tables: dict[str, Mapping[str, Any]] = dict(load_package_configs(distro.root))
    tables.update(config.packages)
    return tables


def run_check(
    distro: Distro,
    config: Config,
    options: CheckOptions,
    *,
    store: Store | None = None,
    link: StoreLink | None = None,
    progress: Callable[[CheckResult], None] | None = None,
    on_start: Callable[[int, int], None] | None = None,
) -> CheckRun:
    """Check every package of ``distro``; results are stored as they come.

    The store is ``link`` (see :func:`open_link`, which the command line starts before it
    loads the tree), else ``store``'s database, else ``options.db`` or the configured one.
    """
    if link is None:
        link = open_link(store.connection_url() if store is not None else options.db or config.db)
    return asyncio.run(
        _run(distro, config, options, link=link, progress=progress, on_start=on_start)
    )


async def _run(
    distro: Distro,
    config: Config,
    options: CheckOptions,
    *,
    link: StoreLink,
    progress: Callable[[CheckResult], None] | None,
    on_start: Callable[[int, int], None] | None,
) -> CheckRun:
    started = time.monotonic()
    tree = tree_key(distro.root)
    packages: Sequence[PackageRecord] = list(distro)
    run_options = {"policy": options.policy, "packages": len(packages)}
    finished = False
    pending: list[CheckRecord] = []
    try:
        link.begin(tree, options.resume)
        previous_total, done, states = await asyncio.to_thread(link.ready)
        resumed = previous_total == len(packages)
        link.start_run(len(packages), run_options, resumed)
        todo = [p for p in packages if p.name not in done] if resumed else list(packages)
        run = CheckRun(run_id=0, skipped=len(packages) - len(todo), resumed=resumed)
        if on_start is not None:
            on_start(len(packages), run.skipped)

        credentials = Credentials.from_env()
        if config.network.key_file is not None:
            credentials = credentials | Credentials.from_file(config.network.key_file)
        fetching = fetch_config(config, options.concurrency)
        settings = CheckSettings(
            # Enough packages in flight to keep every request slot busy, and no more: each
            # holds its parsed responses until it is done.
            task_limit=fetching.concurrency * 2,
            policy=Policy(track=Track(options.policy)),
            package_configs=package_configs(distro, config),
            url_rewrites=config.url_rewrites,
            states=states,
            release_cap=config.network.release_cap,
        )
        last_flush = time.monotonic()
        store_lock = asyncio.Lock()

        async def flush() -> None:
            nonlocal pending, last_flush
            async with store_lock:
                batch, pending = pending, []
                last_flush = time.monotonic()
                if batch:
                    await asyncio.to_thread(link.send, batch)

        async def on_result(result: CheckResult) -> None:
            # The run keeps a slim copy: the releases are in the store now, and ten thousand
            # packages' release lists would otherwise stay in memory until the end.
            run.results.append(replace(result, releases=(), state=None))
            run.release_counts[result.package] = len(result.releases)
            pending.append(_record(tree, result))
            if progress is not None:
                progress(result)
            size = _batch_size(len(todo) - len(run.results))
            if len(pending) >= size or time.monotonic() - last_flush > _BATCH_SECONDS:
                await flush()

        async with Fetcher(fetching, credentials=credentials) as fetcher:
            ctx = SourceContext(fetcher=fetcher, base_urls=config.base_urls)
            await check_packages(todo, ctx, settings, on_result=on_result)
            run.fetch = fetcher.stats
        await flush()
        finished = True
    finally:
        if pending:  # interrupted (Ctrl-C, a failure): what the run has is stored all the same
            batch, pending = pending, []
            await asyncio.to_thread(link.send, batch)
        run_id, fresh = await asyncio.to_thread(link.close, finished)
    run.run_id = run_id
    run.new_releases.update(fresh)
    run.seconds = time.monotonic() - started
    return run


def _record(tree: str, result: CheckResult) -> CheckRecord:
    return CheckRecord(
        tree=tree,
        package=result.package,
        upstream=result.upstream,
        current_version=result.current_version,
        # An upstream that answered 304 lists what the store has: no need to send it.
        releases=() if result.unchanged else result.releases,
        recommendation=result.recommendation,
        error_code=result.error_code,
        error_message=result.error_message,
        state_key=result.state_key,
        state=result.state,
        unchanged=result.unchanged,
    )


def latest_rows(store: Store, distro: Distro) -> list[CheckRow]:
    """The stored checks of this tree's packages, in package order."""
    rows = {row.package: row for row in store.latest_checks(tree_key(distro.root))}
    return [rows[p.name] for p in distro if p.name in rows]
