"""The errors of the fetch engine: every one is a :class:`FetchError` whose message names
the URL with its secrets redacted."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def _restore_error(cls: type[FetchError], message: str, state: dict[str, Any]) -> FetchError:
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    error.__dict__.update(state)
    return error


class FetchError(Exception):
    """Base of every error the engine raises. ``url`` is the requested URL, redacted."""

    def __init__(self, message: str, *, url: str) -> None:
        super().__init__(message)
        self.url = url

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only constructors do not survive the default pickling, and distributed
        # workers ship errors between processes.
        return (_restore_error, (type(self), str(self), dict(self.__dict__)))


class Timeout(FetchError):
    """No complete response within the configured timeouts, after every retry."""

    def __init__(self, message: str, *, url: str, attempts: int) -> None:
        super().__init__(message, url=url)
        self.attempts = attempts


class ConnectionFailed(FetchError):
    """The host could not be resolved or reached, or dropped the connection, after retries."""

    def __init__(self, message: str, *, url: str, attempts: int) -> None:
        super().__init__(message, url=url)
        self.attempts = attempts


class HttpStatusError(FetchError):
    """The upstream answered with an error status (after retries, for 5xx)."""

    def __init__(self, message: str, *, url: str, status: int, body: bytes = b"") -> None:
        super().__init__(message, url=url)
        self.status = status
        self.body = body


class RateLimited(FetchError):
    """The host's quota is spent; ``reset_at`` (UTC) is when it refills, if known."""

    def __init__(self, message: str, *, url: str, reset_at: datetime | None) -> None:
        super().__init__(message, url=url)
        self.reset_at = reset_at


class ResponseTooLarge(FetchError):
    """The response body passed ``max_response_bytes``; it was not read further."""

    def __init__(self, message: str, *, url: str, limit: int) -> None:
        super().__init__(message, url=url)
        self.limit = limit


class BlockedDestination(FetchError):
    """The guard refused the destination (address class, or a non-http(s) scheme)."""

    def __init__(self, message: str, *, url: str, host: str, address: str, reason: str) -> None:
        super().__init__(message, url=url)
        self.host = host
        self.address = address
        self.reason = reason


class MalformedResponse(FetchError):
    """The body is not what was asked for (e.g. invalid JSON); ``offset`` locates the fault."""

    def __init__(self, message: str, *, url: str, offset: int | None = None) -> None:
        super().__init__(message, url=url)
        self.offset = offset


class TooManyRedirects(FetchError):
    """More than ``max_redirects`` redirects."""


class HostUnreachable(ConnectionFailed):
    """The host's circuit breaker is open: it failed ``breaker_threshold`` times in a row
    (connection failures or time-outs), so the rest of the run does not ask it again."""
