"""Check many packages against their upstreams: one shared fetcher, one result per package.

:func:`check_packages` resolves each package's upstream, asks its backend for releases
(packages sharing an upstream ask once), turns tags into versions with the package's tag
rules, and recommends a version with the package's policy. Every package gets a
:class:`CheckResult`: releases and a recommendation, or an error code and message. A
failure of one package never stops the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from steward.distro.tree import PackageRecord
from steward.upstream.fetch import (
    BlockedDestination,
    FetchError,
    HttpStatusError,
    MalformedResponse,
    RateLimited,
    ResponseTooLarge,
    Timeout,
)
from steward.upstream.recommend import (
    ODD_MINOR_FROM_HISTORY,
    InvalidPolicy,
    Policy,
    Recommendation,
    recommend_from_tags,
)
from steward.upstream.resolve import NoUpstream, resolve_upstream
from steward.upstream.sources import backend
from steward.upstream.sources.base import SourceContext, Upstream, UpstreamError
from steward.upstream.state import (
    Answer,
    UpstreamState,
    decode_state,
    encode_state,
    fingerprint,
)
from steward.upstream.validators import recording_validators
from steward.upstream.versions import Release, TagRules, read_tag

__all__ = [
    "NOT_FAILURES",
    "CheckResult",
    "CheckSettings",
    "UpstreamState",
    "check_packages",
    "decode_state",
    "encode_state",
    "error_code_for",
    "releases_for",
    "state_key",
]


@dataclass(frozen=True, slots=True)
class CheckSettings:
    """What a check run needs besides the packages.

    ``policy`` is the default update policy; a package's config table may override its
    ``track`` (``policy = "same-major"``), ``ignore`` and ``allow_prerelease``.
    ``package_configs`` maps package names to their Steward/nvchecker config tables.
    ``task_limit`` bounds how many packages are in flight at once (memory stays flat).
    """

    policy: Policy = field(default_factory=Policy)
    package_configs: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    task_limit: int = 256
    #: Prefix -> replacement for URL-named upstreams (git/svn/hg/listings): mirrors.
    url_rewrites: Mapping[str, str] = field(default_factory=dict)
    #: Stored upstream states (:func:`encode_state`) by :func:`state_key`: what the last run
    #: saw. An upstream whose responses all answer 304 reuses its stored releases. Entries
    #: are taken out of the dict as they are used, so that a run's memory stays flat.
    states: dict[str, bytes] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One package's check: what upstream has, and what to do about it."""

    package: str
    current_version: str | None
    upstream: Upstream | None
    releases: Sequence[Release] = ()
    recommendation: Recommendation | None = None
    error_code: str | None = None
    error_message: str | None = None
    notes: tuple[str, ...] = ()
    elapsed: float = 0.0
    #: Where this upstream's state is stored, the state to store (:func:`encode_state`;
    #: ``None`` when nothing can be revalidated next time), and whether every response
    #: answered 304 so the stored releases were reused (the stored state stays).
    state_key: str | None = None
    state: bytes | None = None
    unchanged: bool = False

    @property
    def ok(self) -> bool:
        """True unless the check itself failed (a package with no upstream is not a failure)."""
        return self.error_code is None or self.error_code in NOT_FAILURES

    @property
    def failed(self) -> bool:
        return not self.ok


#: Error codes that are answers ("there is nothing to watch"), not failures of the check.
NOT_FAILURES = frozenset({"no-upstream", "unsupported-kind", "no-version"})


def error_code_for(exc: BaseException) -> str:
    """A stable code for an exception raised while checking a package."""
    if isinstance(exc, UpstreamError):
        return exc.code
    if isinstance(exc, HttpStatusError):
        return "upstream-not-found" if exc.status in (404, 410) else f"http-{exc.status}"
    if isinstance(exc, RateLimited):
        return "rate-limited"
    if isinstance(exc, Timeout):
        return "timeout"
    if isinstance(exc, ResponseTooLarge):
        return "response-too-large"
    if isinstance(exc, BlockedDestination):
        return "blocked-destination"
    if isinstance(exc, MalformedResponse):
        return "malformed-response"
    if isinstance(exc, FetchError):
        return "fetch-error"
    return "internal-error"


def releases_for(
    raw: Sequence[Release], upstream: Upstream, *, tags: bool
) -> tuple[list[Release], list[str]]:
    """Apply the upstream's tag rules to a backend's releases; returns (releases, notes).

    Tag backends (``tags``) read the version from the tag; registries already name it.
    When openEuler's ``tag_prefix`` drops every tag although some tags name versions
    (a ``^v`` prefix for a project whose tags have none), the prefix is ignored and a note
    says so, rather than reporting an upstream with no releases.
    """
    notes: list[str] = []
    found = _apply_rules(raw, upstream.rules, tags=tags)
    if not found and raw and upstream.rules.tag_prefix:
        relaxed = dataclasses.replace(upstream.rules, tag_prefix=None)
        found = _apply_rules(raw, relaxed, tags=tags)
        if found:
            notes.append(
                f"tag_prefix {upstream.rules.tag_prefix!r} matched no tag; read the tags without it"
            )
    return found, notes


def releases_outside_rules(raw: Sequence[Release], rules: TagRules) -> list[Release]:
    """The tags that the rules' tag selection (``tag_prefix`` …) drops, read without it."""
    relaxed = rules.without_selection()
    if relaxed is None:
        return []
    return _apply_rules([r for r in raw if not rules.selects(r.tag)], relaxed, tags=True)


def _apply_rules(raw: Sequence[Release], rules: TagRules, *, tags: bool) -> list[Release]:
    seen: set[str] = set()
    out: list[Release] = []
    for release in raw:
        reading = read_tag(release.tag if tags else release.version, rules)
        version = reading.version
        if version is None or version in seen:
            continue
        seen.add(version)
        # Built directly: dataclasses.replace costs more than the rest of this loop.
        out.append(Release(release.tag, version, release.date, release.url, release.prerelease))
    return out


def state_key(upstream: Upstream, ctx: SourceContext) -> str:
    """Where an upstream's state is stored: its key, and the base URL its backend uses."""
    return f"{upstream.key} @{ctx.base_urls.get(upstream.kind, '')}"


async def _upstream_releases(
    module: Any, upstream: Upstream, ctx: SourceContext, stored: bytes | None
) -> tuple[UpstreamState | None, Sequence[Release], bool]:
    """The upstream's state (``None`` when nothing could be revalidated next time), the
    backend's releases, and whether the stored state still holds.

    With a stored state whose responses all answer 304, its releases are the answer: no
    body is downloaded or parsed. Otherwise the backend fetches (a response that answered
    200 while revalidating is handed to it, not requested twice) while the fetcher records
    the validators of what it read.
    """
    previous = decode_state(stored) if stored is not None else None
    if previous is not None and await ctx.fetcher.revalidate(previous.validators):
        return previous, (), True
    with recording_validators() as seen:
        raw = await module.fetch(upstream, ctx)
    if seen and all(v.usable for v in seen):
        return UpstreamState(tuple(seen), raw), raw, False
    return None, raw, False


def _policy_for(base: Policy, config: Mapping[str, Any] | None) -> Policy:
    if not config:
        return base
    changes: dict[str, Any] = {}
    if "policy" in config:
        changes["track"] = str(config["policy"])
    if "ignore" in config:
        value = config["ignore"]
        changes["ignore"] = tuple(value.split() if isinstance(value, str) else value)
    if "allow_prerelease" in config:
        changes["allow_prerelease"] = bool(config["allow_prerelease"])
    if "gnome_odd_minor" in config:
        value = config["gnome_odd_minor"]
        changes["gnome_odd_minor"] = value if value == ODD_MINOR_FROM_HISTORY else bool(value)
    return dataclasses.replace(base, **changes) if changes else base


async def check_package(
    record: PackageRecord,
    ctx: SourceContext,
    settings: CheckSettings,
    *,
    resolved: Upstream | NoUpstream | None = None,
) -> CheckResult:
    """Check one package; never raises (except cancellation). ``resolved`` is the
    package's upstream when the caller has resolved it already."""
    started = time.monotonic()
    config = settings.package_configs.get(record.name)
    upstream: Upstream | None = None
    if not record.version:
        # Nothing to compare with: the inventory reports why (no spec, no Version:).
        return CheckResult(
            record.name,
            None,
            None,
            error_code="no-version",
            error_message="the package has no readable spec version; nothing to compare",
        )
    try:
        policy = _policy_for(settings.policy, config)
        found = resolved if resolved is not None else _resolve(record, settings)
        if isinstance(found, NoUpstream):
            return CheckResult(
                record.name,
                record.version,
                None,
                error_code=found.code,
                error_message=found.reason,
                elapsed=time.monotonic() - started,
            )
        upstream = found
        module = backend(upstream.kind)
        key = state_key(upstream, ctx)
        # Taken out: only the first of the packages sharing the upstream reads it.
        stored = settings.states.pop(key, None)
        state, raw, unchanged = await ctx.shared.get(
            f"releases:{upstream.key}", lambda: _upstream_releases(module, found, ctx, stored)
        )
        if _follows_gnome_numbering(upstream) and "gnome_odd_minor" not in (config or {}):
            policy = dataclasses.replace(policy, gnome_odd_minor=ODD_MINOR_FROM_HISTORY)
        # Same releases, rules, packaged version and policy: the same answer as last time.
        inputs = fingerprint(upstream.rules, module.TAGS, record.version, policy)
        answer = state.answer(inputs) if unchanged and state is not None else None
        keep = False  # store the state: it is new, or it learnt an answer
        if answer is None:
            if unchanged and state is not None:
                try:
                    raw = state.releases
                except ValueError:  # a damaged stored state: ask upstream afresh
                    state, raw, unchanged = await _upstream_releases(module, found, ctx, None)
            releases, notes = releases_for(raw, upstream, tags=module.TAGS)
            # Tags the rules dropped may show the rules went stale (not when no tag matched
            # them: releases_for read every tag without them then).
            outside = (
                releases_outside_rules(raw, upstream.rules) if module.TAGS and not notes else []
            )
            releases, recommendation = recommend_from_tags(
                record.version, releases, outside, policy
            )
            answer = Answer(tuple(releases), tuple(notes), recommendation)
            if state is not None:
                remembered = state.remember(inputs, answer)
                keep = remembered or not unchanged
        return CheckResult(
            record.name,
            record.version,
            upstream,
            answer.releases,
            answer.recommendation,
            notes=answer.notes,
            elapsed=time.monotonic() - started,
            state_key=key,
            state=state.encode() if state is not None and keep else None,
            unchanged=unchanged,
        )
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # one package's failure is that package's result
        code = "bad-config" if isinstance(exc, InvalidPolicy) else error_code_for(exc)
        message = str(exc) or exc.__class__.__name__
        return CheckResult(
            record.name,
            record.version,
            upstream,
            error_code=code,
            error_message=message,
            elapsed=time.monotonic() - started,
        )


def _resolve(record: PackageRecord, settings: CheckSettings) -> Upstream | NoUpstream:
    found = resolve_upstream(
        record.name,
        config=settings.package_configs.get(record.name),
        metadata=record.upstream,
        urls=_expanded_source_urls(record),
    )
    return found if isinstance(found, NoUpstream) else _rewrite(found, settings.url_rewrites)


def _follows_gnome_numbering(upstream: Upstream) -> bool:
    """GNOME projects release development series with odd minor numbers."""
    return upstream.kind == "gnome" or upstream.option("host") == "gitlab.gnome.org"


def _rewrite(upstream: Upstream, rewrites: Mapping[str, str]) -> Upstream:
    """Apply the longest matching URL rewrite to an upstream named by URL."""
    for prefix in sorted(rewrites, key=len, reverse=True):
        if upstream.project.startswith(prefix):
            project = rewrites[prefix] + upstream.project[len(prefix) :]
            return dataclasses.replace(upstream, project=project)
    return upstream


def _expanded_source_urls(record: PackageRecord) -> list[str]:
    """Source0's expanded URL and the spec's URL, for inference."""
    urls: list[str] = []
    for source in record.sources:
        if source.number == 0 and source.url:
            urls.append(source.url)
    if record.url:
        urls.append(record.url)
    return urls


async def check_packages(
    records: Iterable[PackageRecord],
    ctx: SourceContext,
    settings: CheckSettings | None = None,
    *,
    on_result: Callable[[CheckResult], Awaitable[None] | None] | None = None,
) -> list[CheckResult]:
    """Check every package with at most ``settings.task_limit`` in flight.

    Results come back in input order, unless ``on_result`` takes them: then they are
    handed over as they finish and not kept, so memory stays flat on a large tree.
    """
    settings = settings or CheckSettings()
    records = list(records)
    keep = on_result is None
    results: list[CheckResult | None] = [None] * len(records) if keep else []
    pending = iter(enumerate(records))
    # How many packages will ask for each upstream's releases: the shared result is
    # dropped after the last, so a run does not keep every upstream's releases to its end.
    users: dict[str, int] = {}
    resolved: list[Upstream | NoUpstream | None] = []
    for record in records:
        found: Upstream | NoUpstream | None = None
        if record.version:
            with contextlib.suppress(Exception):  # check_package resolves again, and reports it
                found = _resolve(record, settings)
        resolved.append(found)
        if isinstance(found, Upstream):
            users[found.key] = users.get(found.key, 0) + 1
    for key, count in users.items():
        if count == 1:
            ctx.shared.expect_one(f"releases:{key}")

    async def worker() -> None:
        # A fixed set of workers pulling from one iterator, rather than a task per package:
        # ten thousand waiting coroutines cost memory and scheduling for nothing.
        for index, record in pending:
            result = await check_package(record, ctx, settings, resolved=resolved[index])
            if result.upstream is not None:
                left = users.get(result.upstream.key, 0) - 1
                users[result.upstream.key] = left
                if left <= 0:
                    ctx.shared.forget(f"releases:{result.upstream.key}")
            if keep:
                results[index] = result
            elif on_result is not None:
                outcome = on_result(result)
                if outcome is not None:
                    await outcome

    workers = max(1, min(settings.task_limit, len(records)))
    await asyncio.gather(*(worker() for _ in range(workers)))
    return [r for r in results if r is not None]
