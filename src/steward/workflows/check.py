"""``steward check``: check a whole tree against its upstreams and store the answers.

The run is resumable: it is recorded in the store before the first package is checked,
results are committed in batches while the run goes on, and a run that was interrupted
(killed, Ctrl-C, a crash) is picked up by the next ``steward check`` of the same tree,
which checks only the packages the interrupted run had not stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from steward.config import Config
from steward.distro.tree import Distro, PackageRecord
from steward.store import Store, StoreError
from steward.store.httpcache import StoreHttpCache
from steward.store.records import CheckRecord, CheckRow
from steward.store.writer import write_frame
from steward.upstream.credentials import Credentials
from steward.upstream.engine import CheckResult, CheckSettings, check_packages
from steward.upstream.fetch import CachedResponse, FetchConfig, Fetcher, FetchStats
from steward.upstream.recommend import Policy, Track
from steward.upstream.resolve import load_package_configs
from steward.upstream.sources.base import SourceContext

__all__ = ["CheckOptions", "CheckRun", "run_check", "tree_key"]

MiB = 1024 * 1024
_BATCH = 200
_BATCH_SECONDS = 0.5


@dataclass(frozen=True, slots=True)
class CheckOptions:
    """What a ``steward check`` run was asked for (command line over configuration)."""

    policy: str = "latest"
    concurrency: int | None = None
    resume: bool = True
    db: str | None = None


@dataclass(slots=True)
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


def tree_key(root: Path) -> str:
    """How the store names a tree: its absolute path."""
    return str(root.resolve())


def fetch_config(config: Config, concurrency: int | None) -> FetchConfig:
    net = config.network
    return FetchConfig(
        concurrency=concurrency or net.concurrency,
        per_host_concurrency=min(net.per_host_concurrency, concurrency or net.concurrency),
        read_timeout=net.timeout,
        total_timeout=max(net.timeout * 4, net.timeout),
        max_retries=net.retries,
        max_response_bytes=net.max_response_mb * MiB,
        allow_private=net.allow_private,
        base_url_overrides=net.base_url_overrides,
    )


def package_configs(distro: Distro, config: Config) -> dict[str, Mapping[str, Any]]:
    """Per-package upstream tables: the user's config, then the tree's steward.toml."""
    tables: dict[str, Mapping[str, Any]] = dict(config.packages)
    tables.update(load_package_configs(distro.root))
    return tables


def run_check(
    distro: Distro,
    config: Config,
    options: CheckOptions,
    *,
    store: Store,
    progress: Callable[[CheckResult], None] | None = None,
    on_start: Callable[[int, int], None] | None = None,
) -> CheckRun:
    """Check every package of ``distro``; results are stored as they come."""
    return asyncio.run(
        _run(distro, config, options, store=store, progress=progress, on_start=on_start)
    )


async def _run(
    distro: Distro,
    config: Config,
    options: CheckOptions,
    *,
    store: Store,
    progress: Callable[[CheckResult], None] | None,
    on_start: Callable[[int, int], None] | None,
) -> CheckRun:
    started = time.monotonic()
    tree = tree_key(distro.root)
    packages: Sequence[PackageRecord] = list(distro)
    run_options = {"policy": options.policy, "packages": len(packages)}
    resumed = False
    previous = store.unfinished_run(tree) if options.resume else None
    if previous is not None and previous.packages_total == len(packages):
        run_id = previous.id
        done = store.done_in_run(run_id)
        todo = [p for p in packages if p.name not in done]
        resumed = True
    else:
        run_id = store.start_run(tree, len(packages), run_options)
        todo = list(packages)
    run = CheckRun(run_id=run_id, skipped=len(packages) - len(todo), resumed=resumed)
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
    )
    pending: list[CheckRecord] = []
    last_flush = time.monotonic()
    writer_lock = asyncio.Lock()
    # Cached responses go to the writer with each batch of results, never on their own.
    cache = StoreHttpCache(store, flush_at=1 << 30, flush_bytes=1 << 40)
    await asyncio.to_thread(cache.preload)
    writer = _Writer.start(store, run_id)

    async def flush() -> None:
        nonlocal pending, last_flush
        async with writer_lock:
            batch, pending = pending, []
            last_flush = time.monotonic()
            responses = cache.take()
            if batch or responses:
                await asyncio.to_thread(writer.send, batch, responses)
            cache.release(responses, committed=True)

    async def on_result(result: CheckResult) -> None:
        # The run keeps a slim copy: the releases are in the store now, and ten thousand
        # packages' release lists would otherwise stay in memory until the end.
        run.results.append(replace(result, releases=()))
        run.release_counts[result.package] = len(result.releases)
        pending.append(_record(tree, result))
        if progress is not None:
            progress(result)
        if len(pending) >= _BATCH or time.monotonic() - last_flush > _BATCH_SECONDS:
            await flush()

    try:
        async with Fetcher(fetching, cache=cache, credentials=credentials) as fetcher:
            ctx = SourceContext(fetcher=fetcher, base_urls=config.base_urls)
            await check_packages(todo, ctx, settings, on_result=on_result)
            run.fetch = fetcher.stats
        await flush()
    finally:
        run.new_releases.update(await asyncio.to_thread(writer.close))
    store.finish_run(run_id)
    run.seconds = time.monotonic() - started
    return run


class _Writer:
    """Writes a run's results to the store in a process of its own.

    Writing release rows and cached bodies is a third of a scan's CPU; in a thread it
    competes with the event loop for the interpreter lock, in a process it uses the
    other core. Each batch is one transaction there, so a run killed at any moment keeps
    what was committed (the writer finishes what it received, then sees its input end).
    ``STEWARD_WRITER=thread``, or a process that cannot start, writes in a thread instead.
    """

    def __init__(self, store: Store, run_id: int) -> None:
        self.store = store
        self.run_id = run_id
        self.fresh: dict[str, int] = {}
        self.process: subprocess.Popen[bytes] | None = None

    @classmethod
    def start(cls, store: Store, run_id: int) -> _Writer:
        writer = cls(store, run_id)
        if os.environ.get("STEWARD_WRITER", "process") == "thread":
            return writer
        try:
            writer.process = subprocess.Popen(
                [sys.executable, "-m", "steward.store.writer"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )
            assert writer.process.stdin is not None
            # The URL goes through the pipe, not the command line: it may hold a password.
            write_frame(writer.process.stdin, (store.connection_url(), run_id))
        except OSError:
            writer.process = None
        return writer

    def send(self, records: list[CheckRecord], responses: dict[str, CachedResponse]) -> None:
        if self.process is None:
            if responses:
                self.store.store_responses(responses)
            if records:
                outcome = self.store.record_results(self.run_id, records)
                for key, releases in outcome.fresh_releases().items():
                    self.fresh[key] = len(releases)
            return
        assert self.process.stdin is not None
        try:
            write_frame(self.process.stdin, (records, responses))
        except BrokenPipeError as exc:
            raise StoreError("the store writer stopped; its messages are above") from exc

    def close(self) -> dict[str, int]:
        """Wait until every batch is written; the fresh release counts by upstream."""
        if self.process is None:
            return self.fresh
        assert self.process.stdin is not None
        with contextlib.suppress(BrokenPipeError):
            write_frame(self.process.stdin, None)
        out, _ = self.process.communicate(timeout=600)  # also closes its input
        try:
            reply = json.loads(out.decode("utf-8").strip().splitlines()[-1])
        except (ValueError, IndexError) as exc:
            raise StoreError(
                f"the store writer ended with status {self.process.returncode} and no answer"
            ) from exc
        if reply.get("error"):
            raise StoreError(f"writing results failed: {reply['error']}")
        return {str(k): int(v) for k, v in reply["fresh"].items()}


def _record(tree: str, result: CheckResult) -> CheckRecord:
    return CheckRecord(
        tree=tree,
        package=result.package,
        upstream=result.upstream,
        current_version=result.current_version,
        releases=result.releases,
        recommendation=result.recommendation,
        error_code=result.error_code,
        error_message=result.error_message,
    )


def latest_rows(store: Store, distro: Distro) -> list[CheckRow]:
    """The stored checks of this tree's packages, in package order."""
    rows = {row.package: row for row in store.latest_checks(tree_key(distro.root))}
    return [rows[p.name] for p in distro if p.name in rows]
