"""The wire: aiohttp's session with the network guard in its resolver, URL parsing as
written, and reading bodies under a cap."""

from __future__ import annotations

import contextlib
import functools
import re
import socket
import ssl
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from steward.upstream.fetch.errors import (
    BlockedDestination,
)
from steward.upstream.guard import (
    GuardPolicy,
    Resolver,
    vet_destination,
)

if TYPE_CHECKING:
    from steward.upstream.fetch.client import FetchConfig


# Error bodies are kept only as a diagnostic snippet; reading more would waste the cap.
_ERROR_BODY_LIMIT = 64 * 1024
# RFC 3986: what a URL may contain as it is, and what must be percent-encoded (a "%" that
# does not start an escape included).
_URL_TEXT = re.compile(r"(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*")
_URL_UNSAFE = re.compile(r"%(?![0-9A-Fa-f]{2})|[^A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")


def _parse_url(text: str) -> URL:
    """``text`` as a URL, sent the way it is written.

    Percent-escapes are kept as they are (``%3A`` stays ``%3A``: a server may sign or compare
    the raw query); only characters that may not appear in a URL at all are escaped, and a
    host is IDNA-encoded. Raises ValueError for an unparseable URL.
    """
    if _URL_TEXT.fullmatch(text):
        return URL(text, encoded=True)
    parts = urlsplit(text)
    netloc = parts.netloc
    if not _URL_TEXT.fullmatch(netloc):
        netloc = URL(f"{parts.scheme}://{netloc}").raw_authority  # IDNA, and validation
    path, query, fragment = (
        _URL_UNSAFE.sub(_percent_encode, part) for part in (parts.path, parts.query, parts.fragment)
    )
    return URL(urlunsplit((parts.scheme, netloc, path, query, fragment)), encoded=True)


def _percent_encode(match: re.Match[str]) -> str:
    return "".join(f"%{byte:02X}" for byte in match.group().encode())


def _origin(url: URL) -> str:
    host = (url.raw_host or "").lower()
    return f"{url.scheme}://{host}:{url.port or (443 if url.scheme == 'https' else 80)}"


# An "async with" that limits nothing (asyncio's nullcontext is reusable and reentrant).
_NO_LIMIT: contextlib.nullcontext[None] = contextlib.nullcontext()
# The chunk size bodies are read in; each chunk is counted against the size cap as it comes.
_CHUNK = 64 * 1024
# aiohttp's defaults (8190) are tighter than real servers: some send Content-Security-Policy
# or Link headers longer than that.
_MAX_HEADER_LINE = 32 * 1024
# aiohttp warns when asked to clean up closed TLS transports on a Python that no longer needs
# it (https://github.com/python/cpython/pull/118960, fixed in 3.12.8 and 3.13.1).
_NEEDS_CLEANUP_CLOSED = sys.version_info < (3, 12, 8) or ((3, 13) <= sys.version_info < (3, 13, 1))


class _Refused(OSError):
    """Raised by the guarded resolver; aiohttp wraps it in ``ClientConnectorError`` and the
    engine turns it into :class:`BlockedDestination` with the URL."""

    def __init__(self, host: str, address: str, reason: str) -> None:
        super().__init__(f"{host} ({address}) refused: {reason}")
        self.host, self.address, self.reason = host, address, reason


class _GuardedResolver(AbstractResolver):
    """aiohttp's resolver with the guard in it: it answers only with vetted addresses.

    aiohttp asks the resolver for every new connection (the connector's DNS cache is off) and
    connects to exactly the addresses returned, never to the name, so an answer that changes
    between check and connect (DNS rebinding) cannot slip through. aiohttp does not ask the
    resolver about IP literals: the engine vets those itself before each request.
    """

    def __init__(self, policy: GuardPolicy, resolver: Resolver) -> None:
        self._policy = policy
        self._resolver = resolver

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        destination = await vet_destination(host, port, self._policy, self._resolver)
        if not destination.allowed:
            raise _Refused(host, destination.refused_address or "?", destination.reason or "?")
        results: list[ResolveResult] = []
        for address in destination.addresses:
            kind = socket.AF_INET6 if ":" in address else socket.AF_INET
            if family in (socket.AF_UNSPEC, kind):
                results.append(
                    ResolveResult(
                        hostname=host,
                        host=address,
                        port=port,
                        family=kind,
                        proto=socket.IPPROTO_TCP,
                        flags=socket.AI_NUMERICHOST | socket.AI_NUMERICSERV,
                    )
                )
        if not results:
            raise OSError(f"{host} has no addresses")
        return results

    async def close(self) -> None:
        pass


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """The client TLS context, built once per process (loading the CA bundle takes 25 ms)."""
    # certifi's CA bundle, the same on every machine (a dependency of Steward).
    try:
        import certifi
    except ImportError:  # pragma: no cover - certifi is a dependency
        return ssl.create_default_context()
    return ssl.create_default_context(cafile=certifi.where())


def _new_session(config: FetchConfig, resolver: Resolver) -> aiohttp.ClientSession:
    """The engine's one session; it must be created inside the running event loop."""
    connector = aiohttp.TCPConnector(
        # The engine's own semaphores bound requests globally and per *logical* host (several
        # APIs may be overridden to one mirror); a per-host cap here would count the mirror
        # instead and make requests queue for a connection inside their timeouts.
        limit=config.concurrency,
        limit_per_host=0,
        resolver=_GuardedResolver(config.guard_policy, resolver),
        use_dns_cache=False,
        force_close=False,
        keepalive_timeout=30.0,
        enable_cleanup_closed=_NEEDS_CLEANUP_CLOSED,
        # Every https request names its context (_exchange): a run that speaks only plain
        # HTTP (a mirror on the LAN, the tests) never loads the CA bundle.
        ssl=True,
    )
    return aiohttp.ClientSession(
        connector=connector,
        headers={"User-Agent": config.user_agent},
        timeout=aiohttp.ClientTimeout(
            total=None, connect=config.connect_timeout, sock_read=config.read_timeout
        ),
        auto_decompress=True,
        # Proxies from the environment would get around the guard.
        trust_env=False,
        cookie_jar=aiohttp.DummyCookieJar(),
        raise_for_status=False,
        max_line_size=_MAX_HEADER_LINE,
        max_field_size=_MAX_HEADER_LINE,
    )


def _header_dict(headers: Mapping[str, str]) -> dict[str, str]:
    """Response headers with lower-case names; repeated headers are joined with ``", "``."""
    merged: dict[str, str] = {}
    for name, value in headers.items():
        key = name.lower()
        merged[key] = f"{merged[key]}, {value}" if key in merged else value
    return merged


def _caused_by(error: BaseException, kind: type[BaseException]) -> bool:
    current: BaseException | None = error
    seen = 0
    while current is not None and seen < 8:
        if isinstance(current, kind):
            return True
        current, seen = current.__cause__ or current.__context__, seen + 1
    return False


class _Meter:
    """Counts the body bytes one exchange received, for :attr:`FetchStats.bytes_received`."""

    __slots__ = ("received",)

    def __init__(self) -> None:
        self.received = 0


def _blocked(safe_url: str, refused: _Refused) -> BlockedDestination:
    return BlockedDestination(
        f"refusing {safe_url}: {refused.host} resolves to {refused.address}, a {refused.reason} "
        "address (set allow_private or add the host to allowed_hosts to permit it)",
        url=safe_url,
        host=refused.host,
        address=refused.address,
        reason=refused.reason,
    )


async def _read_at_most(response: aiohttp.ClientResponse, limit: int, meter: _Meter) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_chunked(_CHUNK):
        chunks.append(chunk[: limit - size])
        size += len(chunk)
        meter.received += len(chunk)
        if size >= limit:
            break
    return b"".join(chunks)
