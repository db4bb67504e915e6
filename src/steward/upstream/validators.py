"""Validators: what it takes to ask an upstream later whether a response changed.

The fetcher notes a :class:`Validator` for every response it hands out while a
:func:`recording_validators` block is active (a context variable, so each task records its
own requests and the tasks it starts record into the same list). The check engine stores
them with an upstream's releases; the next run asks
:meth:`~steward.upstream.fetch.Fetcher.revalidate` whether they all still hold and, when
they do, reuses the stored releases without downloading or parsing anything.

No credentials are ever recorded: the fetcher adds tokens per hop, after this point, and
headers that look like secrets are dropped here as well.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from steward.upstream.credentials import CREDENTIAL_HEADERS, looks_secret

__all__ = [
    "Validator",
    "no_recording",
    "note_response",
    "note_validators",
    "recording_validators",
]

_NOT_RECORDED = frozenset({"accept", "if-none-match", "if-modified-since", *CREDENTIAL_HEADERS})


@dataclass(frozen=True, slots=True)
class Validator:
    """What it takes to ask later whether one response changed.

    ``url`` is the logical URL the caller asked for, ``accept`` and ``headers`` the request
    headers it sent (never credentials: the fetcher adds those per hop), ``etag`` and
    ``last_modified`` the response's validators; a response with neither cannot be
    revalidated, which :meth:`~steward.upstream.fetch.Fetcher.revalidate` treats as
    changed.
    """

    url: str
    accept: str
    headers: tuple[tuple[str, str], ...]
    etag: str | None
    last_modified: str | None

    @property
    def usable(self) -> bool:
        return bool(self.etag or self.last_modified)


_RECORDING: contextvars.ContextVar[list[Validator] | None] = contextvars.ContextVar(
    "steward_recorded_validators", default=None
)


@contextlib.contextmanager
def recording_validators() -> Iterator[list[Validator]]:
    """Note a :class:`Validator` for every response fetched in this block (this task and the
    tasks it starts); the list fills as responses arrive."""
    seen: list[Validator] = []
    token = _RECORDING.set(seen)
    try:
        yield seen
    finally:
        _RECORDING.reset(token)


def note_validators(validators: Iterable[Validator]) -> None:
    """Add ``validators`` to the recording in progress, if any: a result computed once and
    shared (a repository index) counts for every caller that uses it."""
    seen = _RECORDING.get()
    if seen is not None:
        seen.extend(validators)


class no_recording:
    """Record nothing in this block (the fetcher's own revalidation requests).

    A class rather than a generator-based context manager: it runs once per request.
    """

    __slots__ = ("_token",)

    def __enter__(self) -> None:
        self._token = _RECORDING.set(None)

    def __exit__(self, *exc: object) -> None:
        _RECORDING.reset(self._token)


def note_response(
    url: str, accept: str, headers: Mapping[str, str], response: Mapping[str, str]
) -> None:
    """Note the validators of a response to ``url`` fetched with these request headers."""
    seen = _RECORDING.get()
    if seen is None:
        return
    sent = tuple(
        sorted(
            (name.lower(), value)
            for name, value in headers.items()
            if name.lower() not in _NOT_RECORDED and not looks_secret(name)
        )
    )
    seen.append(Validator(url, accept, sent, response.get("etag"), response.get("last-modified")))
