"""Running a check against loopback servers in a test: package records, a fetch
configuration that may reach 127.0.0.1 with fast retries, and one call for a whole run."""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from steward.distro.tree import PackageRecord
from steward.upstream.engine import CheckResult, CheckSettings, check_packages
from steward.upstream.fetch import FetchConfig, Fetcher
from steward.upstream.sources.base import SourceContext

__all__ = ["quick", "record", "run_check"]


def record(name: str, version: str = "1.0") -> PackageRecord:
    return PackageRecord(name=name, folder=Path("/nowhere") / name, spec_path=None, version=version)


def quick(**settings: Any) -> FetchConfig:
    defaults: dict[str, Any] = {
        "allowed_hosts": frozenset({"127.0.0.1"}),
        "backoff_base": 0.01,
        "backoff_cap": 0.02,
        "connect_timeout": 2.0,
        "read_timeout": 2.0,
        "total_timeout": 5.0,
    }
    return FetchConfig(**{**defaults, **settings})


async def run_check(
    config: FetchConfig,
    base_urls: Mapping[str, str],
    tables: Mapping[str, Mapping[str, Any]],
    **settings: Any,
) -> tuple[list[CheckResult], float]:
    started = time.monotonic()
    async with Fetcher(config) as fetcher:
        ctx = SourceContext(fetcher, base_urls=base_urls)
        found = await check_packages(
            [record(name) for name in tables],
            ctx,
            CheckSettings(package_configs=tables, **settings),
        )
    return found, time.monotonic() - started
