"""Rate limits and give-up rules: ``Retry-After`` and backoff, the per-host quota book that
never overruns a reported quota, the per-host circuit breaker and the request deadline."""

from __future__ import annotations

import asyncio
import email.utils
import logging
import math
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from steward.upstream.fetch.errors import (
    FetchError,
    HostUnreachable,
    RateLimited,
    Timeout,
)

logger = logging.getLogger(__name__)

# Reset times come in whole seconds; waking a little after the reset avoids racing it.
_RESET_SLACK = 0.25


def full_jitter_delay(retry: int, base: float, cap: float, rng: random.Random) -> float:
    """Seconds to sleep before retry number ``retry`` (1-based): uniform in
    ``[0, min(cap, base * 2 ** (retry - 1))]``, the "full jitter" that keeps many clients from
    retrying in lockstep."""
    ceiling = min(cap, base * 2.0 ** min(retry - 1, 62))
    return rng.uniform(0.0, ceiling)


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delay-seconds or an HTTP date).

    >>> parse_retry_after("120", now=0.0)
    120.0
    >>> parse_retry_after("Thu, 01 Jan 1970 00:01:00 GMT", now=30.0)
    30.0
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now)


def _rate_limit_info(headers: Mapping[str, str], now: float) -> tuple[int, float] | None:
    """``(remaining, reset_at epoch)`` from GitHub or GitLab headers, if present."""
    resource = headers.get("x-ratelimit-resource")
    if resource is not None and resource != "core":
        # GitHub keeps separate quotas for search, GraphQL, …; only the core quota is ours.
        return None
    for prefix in ("x-ratelimit-", "ratelimit-"):
        raw_remaining = headers.get(prefix + "remaining")
        if raw_remaining is None:
            continue
        try:
            remaining = int(raw_remaining.strip())
        except ValueError:
            return None
        try:
            reset = float(headers.get(prefix + "reset", "").strip())
        except ValueError:
            return remaining, now + 60.0
        # GitHub and GitLab send an epoch time; the IETF draft header sends delta-seconds.
        return remaining, (reset if reset > 1e9 else now + reset)
    return None


def _utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


@dataclass
class _Quota:
    """What one host/token pair has left. ``remaining`` None means "not known yet"."""

    tracked: bool | None = None
    remaining: int | None = None
    reset_at: float = 0.0
    in_flight: int = 0
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    waiting: int = 0  # requests waiting for a change

    def notify(self) -> None:
        if self.waiting:
            self.changed.set()
            self.changed = asyncio.Event()

    async def wait(self) -> None:
        self.waiting += 1
        try:
            await self.changed.wait()
        finally:
            self.waiting -= 1


class _QuotaBook:
    """Counts requests against each host's reported quota so it is never overrun.

    Single-threaded asyncio makes every check-and-decrement below atomic: there is no await
    between reading the state and updating it.
    """

    def __init__(self, reserve: int, max_wait: float) -> None:
        self._reserve = reserve
        self._max_wait = max_wait
        self._quotas: dict[tuple[str, str], _Quota] = {}

    async def acquire(self, key: tuple[str, str], safe_url: str) -> None:
        quota = self._quotas.setdefault(key, _Quota())
        while True:
            if quota.tracked is False:
                quota.in_flight += 1
                return
            now = time.time()
            if quota.remaining is not None and now >= quota.reset_at:
                quota.remaining = None  # the window is over; the next response tells the truth
            if quota.remaining is None:
                if quota.in_flight == 0:
                    quota.in_flight += 1  # a lone probe learns the quota before any burst
                    return
                await quota.wait()
                continue
            if quota.remaining > self._reserve:
                quota.remaining -= 1
                quota.in_flight += 1
                return
            wait = quota.reset_at - now
            if wait > self._max_wait:
                raise RateLimited(
                    f"rate limit for {key[0]} reached (reserve {self._reserve}); it resets at "
                    f"{_utc(quota.reset_at):%Y-%m-%d %H:%M:%S} UTC; not requesting {safe_url}",
                    url=safe_url,
                    reset_at=_utc(quota.reset_at),
                )
            logger.info("rate limit for %s reached; waiting %.1f s for the reset", key[0], wait)
            await asyncio.sleep(wait + _RESET_SLACK)

    def release(self, key: tuple[str, str]) -> None:
        """A request ended without a response (error or cancellation)."""
        quota = self._quotas[key]
        quota.in_flight -= 1
        quota.notify()

    def record(self, key: tuple[str, str], headers: Mapping[str, str]) -> tuple[int, float] | None:
        """Account for a response; returns the ``(remaining, reset_at)`` it reported."""
        quota = self._quotas[key]
        quota.in_flight -= 1
        now = time.time()
        info = _rate_limit_info(headers, now)
        if info is None:
            if quota.tracked is None:
                quota.tracked = False
        else:
            remaining, reset_at = info
            # Requests still in flight may not be counted in this answer yet; assume they
            # will be, so the estimate errs on the side of sending less.
            estimate = remaining - quota.in_flight
            if quota.remaining is None or reset_at > quota.reset_at + 1.0:
                quota.remaining = estimate  # first answer, or a new window
            else:
                quota.remaining = min(quota.remaining, estimate)
            quota.reset_at = reset_at
            quota.tracked = True
        quota.notify()
        return info


class _Breaker:
    """Per-host circuit breakers: ``threshold`` consecutive connection failures or time-outs
    open a host's breaker for the rest of the fetcher's life; any response closes the count."""

    def __init__(self, threshold: int) -> None:
        self._threshold = threshold
        self._failures: dict[str, int] = {}
        self._open: dict[str, str] = {}  # host -> the failure that opened it

    def check(self, host: str, safe_url: str) -> None:
        reason = self._open.get(host)
        if reason is not None:
            raise HostUnreachable(
                f"host unreachable: {host} failed {self._threshold} times in a row (last: "
                f"{reason}); not requesting {safe_url}",
                url=safe_url,
                attempts=0,
            )

    def failed(self, host: str, error: FetchError) -> None:
        count = self._failures.get(host, 0) + 1
        self._failures[host] = count
        if count >= self._threshold and host not in self._open:
            self._open[host] = str(error)
            logger.warning("%s failed %d times in a row; giving up on it for this run", host, count)

    def answered(self, host: str) -> None:
        if self._failures.get(host):
            self._failures[host] = 0


class _Deadline:
    """What is left of one request's ``request_deadline``; it starts with the first attempt,
    so time spent queueing for a host slot or a quota reset does not count."""

    __slots__ = ("ends", "seconds")

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.ends: float | None = None

    def left(self) -> float:
        if self.ends is None:
            self.ends = time.monotonic() + self.seconds
        return self.ends - time.monotonic()

    def expired(self, safe_url: str, attempts: int) -> Timeout:
        return Timeout(
            f"timed out fetching {safe_url}: no complete answer within the "
            f"{self.seconds:g} s request deadline ({attempts} attempt(s))",
            url=safe_url,
            attempts=attempts,
        )
