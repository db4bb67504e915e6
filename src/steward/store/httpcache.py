"""The store as the fetch engine's :class:`~steward.upstream.fetch.HttpCache`.

Lookups read the database in a worker thread, so the event loop never waits on disk.
Stores are buffered and written in batches, together with the next batch of check results
when there is one (:meth:`Store.record_results <steward.store.Store.record_results>`), so
ten thousand cached responses do not cost ten thousand commits competing with the result
writer for SQLite's single write lock. A buffered entry is served to lookups until it is
committed; one lost to a crash only costs an unconditional request next time.
"""

from __future__ import annotations

import asyncio
import threading
import zlib
from typing import TYPE_CHECKING, Any, Final

from steward.upstream.fetch import CachedResponse

if TYPE_CHECKING:
    from steward.store.queries import Store

__all__ = ["StoreHttpCache"]

# Buffered entries, or bytes of buffered bodies, that trigger a write of their own when no
# result batch came to take them. The byte bound keeps memory flat when bodies are large
# (repository indexes, listing pages), however many are fetched between two batches.
FLUSH_AT: Final = 256
# Cached responses read in one query at the first lookup, when there are at most this many.
PRELOAD_AT_MOST: Final = 100_000
FLUSH_BYTES: Final = 4 * 1024 * 1024


class StoreHttpCache:
    """An :class:`~steward.upstream.fetch.HttpCache` backed by a :class:`Store`.

    Get it from :meth:`Store.http_cache <steward.store.Store.http_cache>`; closing the store
    writes what is still buffered.
    """

    def __init__(
        self, store: Store, *, flush_at: int = FLUSH_AT, flush_bytes: int = FLUSH_BYTES
    ) -> None:
        self._store = store
        self._flush_at = flush_at
        self._flush_bytes = flush_bytes
        self._lock = threading.Lock()
        self._pending: dict[str, CachedResponse] = {}
        self._pending_bytes = 0
        # Entries taken out of _pending whose transaction has not committed yet.
        self._writing: dict[str, CachedResponse] = {}
        # The whole table as it was when a run started, compressed: see preload().
        self._preloaded: dict[str, tuple[Any, ...]] | None = None

    async def lookup(self, url: str) -> CachedResponse | None:
        with self._lock:
            buffered = self._pending.get(url) or self._writing.get(url)
        if buffered is not None:
            return buffered
        if self._preloaded is not None:
            row = self._preloaded.get(url)
            if row is None:
                return None
            _, etag, last_modified, headers, body = row
            return CachedResponse(etag, last_modified, zlib.decompress(body), dict(headers or {}))
        return await asyncio.to_thread(self._store.cached_response, url)

    async def store(self, url: str, response: CachedResponse) -> None:
        with self._lock:
            replaced = self._pending.get(url)
            self._pending[url] = response
            self._pending_bytes += len(response.body) - (len(replaced.body) if replaced else 0)
            full = len(self._pending) >= self._flush_at or self._pending_bytes >= self._flush_bytes
        if full:
            await asyncio.to_thread(self.flush)

    def preload(self) -> bool:
        """Read every cached response in one query, before a run (synchronous).

        A re-check is mostly cache lookups, and one query beats one per URL. What the run
        itself stores is served from the write buffer until it is committed. Returns False
        (and lookups stay per URL) when the table holds more than ``PRELOAD_AT_MOST`` entries.
        """
        self._preloaded = self._store.cached_responses(PRELOAD_AT_MOST)
        return self._preloaded is not None

    @property
    def pending(self) -> int:
        """How many entries wait to be written.

        Deliberately not ``__len__``: an empty buffer must not make the cache falsy to code
        that tests ``if cache:``.
        """
        with self._lock:
            return len(self._pending)

    def flush(self) -> None:
        """Write the buffered entries now, in a transaction of their own."""
        taken = self.take()
        if not taken:
            return
        committed = False
        try:
            self._store.store_responses(taken)
            committed = True
        finally:
            self.release(taken, committed=committed)

    def take(self) -> dict[str, CachedResponse]:
        """Take the buffered entries for writing; they stay visible to lookups until
        :meth:`release`. The store calls this to write them with a batch of results."""
        with self._lock:
            taken, self._pending = self._pending, {}
            self._pending_bytes = 0
            self._writing.update(taken)
            return taken

    def release(self, taken: dict[str, CachedResponse], *, committed: bool) -> None:
        """End the write of ``taken``; entries whose write failed go back to the buffer,
        unless a newer response for the same URL arrived meanwhile."""
        with self._lock:
            for url, response in taken.items():
                if self._writing.get(url) is response:
                    del self._writing[url]
                if not committed and url not in self._pending:
                    self._pending[url] = response
                    self._pending_bytes += len(response.body)
