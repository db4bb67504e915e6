"""The fetch engine: every upstream HTTP request Steward makes goes through one :class:`Fetcher`.

Backends ask for a URL and get bytes or JSON back; everything that makes ten thousand checks
fast and polite lives here: bounded concurrency (global and per host), timeouts, retries with
exponential backoff and full jitter, ``Retry-After``, GitHub/GitLab rate-limit accounting,
conditional requests through an :class:`HttpCache`, streamed size caps, manual redirects, API
tokens and the network guard (:mod:`steward.upstream.guard`).

.. code-block:: python

    config = FetchConfig(base_url_overrides={"https://api.github.com": "http://127.0.0.1:8080"},
                         allowed_hosts=frozenset({"127.0.0.1"}))
    async with Fetcher(config, cache=MemoryHttpCache(), credentials=Credentials.from_env()) as f:
        releases = await f.get_json("https://api.github.com/repos/owner/name/releases")

Guarantees a caller can rely on:

- Inside :func:`recording_validators`, every response a caller gets is noted as a
  :class:`Validator` (URL, request headers, ``ETag``/``Last-Modified``);
  :meth:`Fetcher.revalidate` later asks whether all of them are unchanged, one conditional
  request each, without downloading a body when the answer is 304. A 200 answer is kept for
  the caller's next ``get`` of that URL, so asking costs nothing extra when something changed.
- Every error is a :class:`FetchError`; messages name the URL with secrets in its query string
  and user-info redacted, and never contain a token.
- A rate-limited host is never sent more requests than its last reported quota allows (minus
  ``rate_limit_reserve``): the first request to a host goes alone, later ones are counted
  against the ``X-RateLimit-Remaining``/``RateLimit-Remaining`` it reported. When the quota is
  spent, requests wait for the reset if it is within ``max_rate_limit_wait`` and otherwise fail
  at once with :class:`RateLimited`, without touching the network.
- Bodies are streamed; more than ``max_response_bytes`` (after decompression) is refused with
  :class:`ResponseTooLarge`, so memory stays flat whatever an upstream sends.
- :meth:`Fetcher.download` streams large files (tarballs) to disk instead: into a ``.part``
  file next to the destination, resumed with ``Range`` on a retry or a later run, capped at
  ``max_bytes``, and renamed into place only once complete.
- The guard vets the addresses of every new connection, for the first request and every
  redirect hop: host names in the connection pool's resolver, which hands aiohttp only the
  vetted addresses to connect to (so there is no DNS-rebinding window between check and
  connect), IP literals before each request. Proxies from the environment are not used (they
  would bypass the guard).

The package's modules: :mod:`~steward.upstream.fetch.errors`,
:mod:`~steward.upstream.fetch.quota` (rate limits, backoff, breaker, deadline),
:mod:`~steward.upstream.fetch.transport` (aiohttp with the guard),
:mod:`~steward.upstream.fetch.download` and :mod:`~steward.upstream.fetch.client` (the
:class:`Fetcher`); everything public is importable from here.
"""

from __future__ import annotations

from steward.upstream.fetch.client import (
    CachedResponse,
    FetchConfig,
    Fetcher,
    FetchResult,
    FetchStats,
    HttpCache,
    MemoryHttpCache,
    MiB,
)
from steward.upstream.fetch.download import DownloadResult
from steward.upstream.fetch.errors import (
    BlockedDestination,
    ConnectionFailed,
    FetchError,
    HostUnreachable,
    HttpStatusError,
    MalformedResponse,
    RateLimited,
    ResponseTooLarge,
    Timeout,
    TooManyRedirects,
)
from steward.upstream.fetch.quota import full_jitter_delay, parse_retry_after
from steward.upstream.redact import redact_url
from steward.upstream.validators import Validator, note_validators, recording_validators

__all__ = [
    "BlockedDestination",
    "CachedResponse",
    "ConnectionFailed",
    "DownloadResult",
    "FetchConfig",
    "FetchError",
    "FetchResult",
    "FetchStats",
    "Fetcher",
    "HostUnreachable",
    "HttpCache",
    "HttpStatusError",
    "MalformedResponse",
    "MemoryHttpCache",
    "MiB",
    "RateLimited",
    "ResponseTooLarge",
    "Timeout",
    "TooManyRedirects",
    "Validator",
    "full_jitter_delay",
    "note_validators",
    "parse_retry_after",
    "recording_validators",
    "redact_url",
]
