"""What a check remembers of an upstream between runs, so that re-checks cost a 304 each.

An :class:`UpstreamState` holds the validators of every response the backend read (see
:mod:`steward.upstream.validators`), the releases it returned (before tag rules), and a
memo of the answers computed from them: the package's versions after its tag rules and
the recommendation for its packaged version and policy. When every response answers 304
the next run takes the answer from the memo, provided the inputs it was computed from (tag
rules, packaged version, policy) are the same; it is a cache of a pure function, so a miss
only costs the computation.

The store keeps the state as the compact JSON of :meth:`UpstreamState.encode`; reading it
back never runs code (no pickle), and a damaged row reads as no state.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import enum
import hashlib
import json
import zlib
from collections.abc import Iterator, Sequence
from typing import Any

import orjson

from steward.compression import sniff, zstd_compress, zstd_decompress
from steward.upstream.recommend import Recommendation, SetAside, Status
from steward.upstream.validators import Validator
from steward.upstream.versions import Release

__all__ = [
    "Answer",
    "StoredReleases",
    "UpstreamState",
    "decode_state",
    "encode_state",
    "fingerprint",
    "pack_state",
    "unpack_state",
]

#: Bumped when what the memo holds changes meaning: older memos are then ignored.
_MEMO_FORMAT = 2
#: Answers kept per upstream: one per package sharing it, and a few packaged versions.
_MEMO_ENTRIES = 16


@dataclasses.dataclass(frozen=True, slots=True)
class Answer:
    """A package's versions after its tag rules, the notes about them, and the recommendation."""

    releases: Sequence[Release]
    notes: tuple[str, ...]
    recommendation: Recommendation | None


class UpstreamState:
    """An upstream as its last successful fetch saw it, and the answers computed from it.

    ``releases`` are decoded from the stored JSON only when asked for: a re-check that
    finds its answer in the memo never needs them.
    """

    __slots__ = ("_raw", "_releases", "memo", "validators")

    def __init__(
        self,
        validators: tuple[Validator, ...],
        releases: Sequence[Release] | None = None,
        *,
        raw: str | None = None,
        memo: dict[str, Any] | None = None,
    ) -> None:
        self.validators = validators
        self._releases = tuple(releases) if releases is not None else None
        self._raw = raw
        self.memo: dict[str, Any] = memo if memo is not None else {}

    @property
    def releases(self) -> tuple[Release, ...]:
        """The backend's releases; ValueError when the stored ones are damaged."""
        if self._releases is None:
            try:
                self._releases = tuple(_release(row) for row in orjson.loads(self._raw or "[]"))
            except (TypeError, KeyError, IndexError, ValueError) as exc:
                raise ValueError(f"damaged stored releases: {exc}") from None
        return self._releases

    def __eq__(self, other: object) -> bool:  # for tests: the decoded releases compared
        if not isinstance(other, UpstreamState):
            return NotImplemented
        return (self.validators, self.releases, self.memo) == (
            other.validators,
            other.releases,
            other.memo,
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"UpstreamState({len(self.validators)} validators, {len(self.releases)} releases, "
            f"{len(self.memo)} answers)"
        )

    def answer(self, key: str) -> Answer | None:
        """The memoised answer for the inputs ``key`` (:func:`fingerprint`), if any."""
        entry = self.memo.get(key)
        if entry is None:
            return None
        try:
            return _decode_answer(entry)
        except (ValueError, TypeError, KeyError, IndexError):
            return None

    def remember(self, key: str, answer: Answer) -> bool:
        """Memoise ``answer`` under ``key``; False when it cannot be stored faithfully."""
        entry = _encode_answer(answer)
        if entry is None:
            return False
        # Answers memoised by an older Steward (another layout) are never asked for again.
        self.memo = {k: v for k, v in self.memo.items() if isinstance(v, dict) and "R" in v}
        self.memo[key] = entry
        while len(self.memo) > _MEMO_ENTRIES:  # the oldest answers go (packaged versions past)
            del self.memo[next(iter(self.memo))]
        return True

    def encode(self) -> bytes:
        raw = self._raw
        if raw is None:
            raw = _dumps([_row(r) for r in self.releases]).decode()
        return _dumps(
            {
                "v": [
                    [v.url, v.accept, v.headers, v.etag, v.last_modified] for v in self.validators
                ],
                # Nested JSON text: a re-check answered from the memo never parses it.
                "r": raw,
                "m": self.memo,
            }
        )


def encode_state(state: UpstreamState) -> bytes:
    """The state as compact JSON (UTF-8), for the store.

    >>> state = UpstreamState((Validator("https://x/y", "*/*", (), '"e1"', None),),
    ...                       (Release("v1.0", "v1.0"),))
    >>> decode_state(encode_state(state)).releases[0].tag
    'v1.0'
    """
    return state.encode()


def pack_state(encoded: bytes) -> bytes:
    """A state as the store keeps it: :func:`encode_state`'s JSON, zstd-compressed (four
    times as fast as zlib, and a fifth smaller)."""
    return zstd_compress(encoded)


def unpack_state(stored: bytes) -> bytes:
    """The JSON of a stored state: zstd-compressed, zlib-compressed (as Steward stored it
    before 2026-12), or plain. ValueError when it is none of them."""
    if stored[:1] == b"{":
        return stored
    try:
        if sniff(stored[:6]) == "zstd":
            return zstd_decompress(stored)
        return zlib.decompress(stored)
    except Exception as exc:  # zlib.error, zstandard.ZstdError
        raise ValueError(f"not a stored upstream state: {exc}") from None


def decode_state(text: str | bytes) -> UpstreamState | None:
    """:func:`encode_state`'s output back, also as the store keeps it (:func:`pack_state`);
    ``None`` when it is not that (a damaged row)."""
    try:
        if isinstance(text, bytes):
            text = unpack_state(text)
        doc = orjson.loads(text)
        validators = tuple(
            Validator(url, accept, tuple((str(k), str(v)) for k, v in headers), etag, modified)
            for url, accept, headers, etag, modified in doc["v"]
        )
        raw = doc["r"]
        memo = doc.get("m") or {}
        if not isinstance(raw, str) or not isinstance(memo, dict):
            return None
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    return UpstreamState(validators, raw=raw, memo=memo)


def fingerprint(*parts: Any) -> str:
    """A stable key for the inputs of an answer: the same in every process and run.

    Dataclasses, enums, sets and mappings are spelled out in a canonical order (a
    ``frozenset``'s own order changes with the interpreter's hash seed).

    >>> from steward.upstream.versions import TagRules
    >>> fingerprint(TagRules(ignored=frozenset({"a", "b"}))) == fingerprint(
    ...     TagRules(ignored=frozenset({"b", "a"})))
    True
    """
    text = _dumps([_MEMO_FORMAT, *(_canonical(p) for p in parts)])
    return hashlib.blake2b(text, digest_size=12).hexdigest()


def _canonical(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    names = _FIELDS.get(type(value))
    if names is None and dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = _FIELDS[type(value)] = tuple(f.name for f in dataclasses.fields(value))
    if names is not None:
        # Tag rules and policies repeat across a run's packages: spelled out once each.
        try:
            return _CANONICAL[value]
        except KeyError:
            pass
        except TypeError:  # not hashable (a mutable field)
            return [_canonical(getattr(value, name)) for name in names]
        spelled = [_canonical(getattr(value, name)) for name in names]
        if len(_CANONICAL) >= _CANONICAL_ENTRIES:
            _CANONICAL.clear()
        _CANONICAL[value] = spelled
        return spelled
    if isinstance(value, enum.Enum):
        return _canonical(value.value)
    if isinstance(value, (set, frozenset)):
        return sorted((_canonical(v) for v in value), key=repr)
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    return repr(value)


_FIELDS: dict[type, tuple[str, ...]] = {}
# Canonical forms of hashable dataclass values (equal values, equal forms); read only.
_CANONICAL: dict[Any, list[Any]] = {}
_CANONICAL_ENTRIES = 4096


def _dumps(value: Any) -> bytes:
    """Compact JSON; what orjson refuses (a lone surrogate from a hostile tag, an integer
    past 64 bits) is written by the standard library instead."""
    try:
        return orjson.dumps(value)
    except TypeError:
        return json.dumps(value, separators=(",", ":"), default=_isoformat).encode()


def _isoformat(value: Any) -> str:
    if isinstance(value, _dt.datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _row(release: Release) -> list[Any]:
    # The date stays a datetime: orjson writes it as isoformat() would, ten times faster.
    return [release.tag, release.version, release.date, release.url, release.prerelease]


def _release(row: Sequence[Any]) -> Release:
    tag, version, date, url, prerelease = row
    return Release(
        str(tag),
        str(version),
        _dt.datetime.fromisoformat(date) if date else None,
        url,
        prerelease,
    )


def _encode_answer(answer: Answer) -> dict[str, Any] | None:
    index = {id(r): i for i, r in enumerate(answer.releases)}

    def at(release: Release | None) -> int | None:
        if release is None:
            return None
        return index.get(id(release), -1)

    rec = answer.recommendation
    encoded: list[Any] | None = None
    picked: set[int] = set()
    if rec is not None:
        picks = [at(rec.recommended), at(rec.newest), at(rec.newest_stable)]
        aside_at = [at(s.release) for s in rec.set_aside]
        if -1 in picks or -1 in aside_at or None in aside_at:
            return None  # a release that is not one of the answer's: not memoised
        aside = [[i, s.reason] for i, s in zip(aside_at, rec.set_aside, strict=True)]
        picked.update(i for i in [*picks, *aside_at] if i is not None)
        encoded = [
            rec.current,
            rec.status.value,
            *picks,
            rec.versions_behind,
            rec.days_behind,
            rec.current_exists_upstream,
            rec.reason,
            aside,
        ]
    rows = [_row(r) for r in answer.releases]
    return {
        # All the releases as nested JSON text, parsed only when somebody reads them all;
        # the ones the recommendation names, and their count, at hand.
        "R": _dumps(rows).decode(),
        "k": len(rows),
        "p": {str(i): rows[i] for i in sorted(picked)},
        "n": list(answer.notes),
        "c": encoded,
    }


def _decode_answer(entry: dict[str, Any]) -> Answer:
    count = entry["k"]
    if not isinstance(count, int) or not isinstance(entry["R"], str):
        raise ValueError("not a memoised answer")
    picked = {int(i): _release(row) for i, row in entry["p"].items()}
    if any(not 0 <= i < count for i in picked):
        raise IndexError("a memoised pick out of range")
    releases = StoredReleases(entry["R"], count, picked)

    def at(i: int | None) -> Release | None:
        return None if i is None else picked[i]

    rec: Recommendation | None = None
    encoded = entry["c"]
    if encoded is not None:
        current, status, chosen, newest, stable, behind, days, exists, reason, aside = encoded
        rec = Recommendation(
            current=current,
            status=Status(status),
            recommended=at(chosen),
            newest=at(newest),
            newest_stable=at(stable),
            versions_behind=behind,
            days_behind=days,
            current_exists_upstream=exists,
            reason=reason,
            set_aside=tuple(SetAside(picked[i], why) for i, why in aside),
        )
    return Answer(releases, tuple(entry["n"]), rec)


class StoredReleases(Sequence[Release]):
    """A memoised answer's releases: counted at once, decoded when first read.

    A re-check answered from the memo needs the recommendation and the number of releases,
    not the releases themselves. The ones the recommendation names are decoded already and
    are the same objects in the full list. Stored rows that turn out damaged read as
    :class:`ValueError`.
    """

    __slots__ = ("_count", "_decoded", "_picked", "_text")

    def __init__(self, text: str, count: int, picked: dict[int, Release]) -> None:
        self._text: str | None = text
        self._count = count
        self._picked = picked
        self._decoded: tuple[Release, ...] | None = None

    def _all(self) -> tuple[Release, ...]:
        if self._decoded is None:
            try:
                rows = orjson.loads(self._text or "[]")
                decoded = tuple(self._picked.get(i) or _release(row) for i, row in enumerate(rows))
            except (TypeError, KeyError, IndexError, ValueError) as exc:
                raise ValueError(f"damaged memoised releases: {exc}") from None
            if len(decoded) != self._count:
                raise ValueError("damaged memoised releases: the count differs")
            # The text goes once decoded: the releases are at hand.
            self._decoded, self._text = decoded, None
        return self._decoded

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: Any) -> Any:
        return self._all()[index]

    def __iter__(self) -> Iterator[Release]:
        return iter(self._all())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, StoredReleases | tuple | list):
            return self._all() == tuple(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(self._all())
