"""A store writer in a process of its own: ``python -m steward.store.writer``.

A check run sends it batches of results and cached responses over its standard input:
length-prefixed pickles (it is Steward's own child, reading only what its parent wrote).
The first frame is the database URL and the run id; then one frame per batch, each
written in one transaction; an empty frame, or the end of the input (the parent was
killed), ends it. It prints one JSON line: the fresh release counts and any error.
"""

from __future__ import annotations

import json
import pickle
import struct
import sys
from typing import IO, Any

_HEADER = struct.Struct("!Q")


def write_frame(stream: IO[bytes], payload: Any) -> None:
    """Send one frame (``None`` sends the empty end-of-work frame)."""
    data = b"" if payload is None else pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)))
    stream.write(data)
    stream.flush()


def read_frame(stream: IO[bytes]) -> Any:
    """The next frame's payload; ``None`` for the end frame or the end of the input."""
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        return None
    (size,) = _HEADER.unpack(header)
    if size == 0:
        return None
    data = stream.read(size)
    if len(data) < size:
        return None
    return pickle.loads(data)


def main() -> int:
    from steward.store import Store

    stdin = sys.stdin.buffer
    first = read_frame(stdin)
    if first is None:
        return 0
    url, run_id = first
    fresh: dict[str, int] = {}
    error: str | None = None
    with Store.open(url) as store:
        while (item := read_frame(stdin)) is not None:
            records, responses = item
            try:
                if responses:
                    store.store_responses(responses)
                if records:
                    outcome = store.record_results(run_id, records)
                    for key, releases in outcome.fresh_releases().items():
                        fresh[key] = len(releases)
            except Exception as exc:  # reported to the run, which fails loudly
                error = f"{type(exc).__name__}: {exc}"
                break
    sys.stdout.write(json.dumps({"fresh": fresh, "error": error}) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
