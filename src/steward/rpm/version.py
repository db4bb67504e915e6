"""RPM version order: :func:`rpmvercmp`, :func:`compare_evr` and the :class:`EVR` value.

Everything here orders exactly as librpm 4.18 does (``rpmvercmp`` in ``rpmio/rpmvercmp.c``,
``parseEVR`` and ``rpmverCmp`` in ``rpmio/rpmver.c``, ``rpm.labelCompare`` in the Python
bindings); the tests check it against librpm itself.

>>> rpmvercmp("1.0~rc1", "1.0")
-1
>>> EVR.parse("1:2.3-4.oe2403") > EVR.parse("9.9-1")
True
>>> sorted(EVR.parse(s) for s in ["1.0-1", "1.0~rc1-1", "1.0^git1-1"])
[<EVR('1.0~rc1-1')>, <EVR('1.0-1')>, <EVR('1.0^git1-1')>]
"""

from __future__ import annotations

import functools
import re
from typing import Final, NoReturn

__all__ = ["EVR", "InvalidEVR", "compare_evr", "rpmvercmp", "version_key"]


class InvalidEVR(ValueError):
    """An ``[epoch:]version[-release]`` that is not one; the message names the input.

    >>> EVR.parse("a:1.0")
    Traceback (most recent call last):
      ...
    steward.rpm.version.InvalidEVR: invalid EVR 'a:1.0': epoch 'a' is not a non-negative integer
    """


# A version string becomes a tuple of tokens followed by _END, and rpmvercmp is the
# lexicographic comparison of two such tuples. That is the C loop of rpmvercmp.c unrolled:
# at the first position where two walks differ, C returns
#   '~' < end of string < '^' < alpha segment < numeric segment,
# alpha segments compare by strcmp and numeric ones by value (leading zeros stripped,
# longer wins, then strcmp). Every other character is a separator and only ends a segment.
# Tokens are uniform (rank, length, text) triples so that the whole key is one typed tuple.
_Token = tuple[int, int, str]
_Key = tuple[_Token, ...]

_TILDE: Final[_Token] = (0, 0, "")
_END: Final[_Token] = (1, 0, "")
_CARET: Final[_Token] = (2, 0, "")
_ALPHA: Final = 3
_NUMBER: Final = 4

# rpm's risdigit/risalpha are ASCII-only, so the classes are spelled out: \d and \w would
# take Unicode digits and letters, which librpm treats as separators.
_SEGMENT: Final = re.compile(r"[0-9]+|[A-Za-z]+|[~^]")

# Sized for a whole distribution's worth of distinct version strings; the functions are
# pure, so the cache only trades memory for the millions of comparisons a scan makes.
_CACHE_SIZE: Final = 1 << 16


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _version_key(text: str) -> _Key:
    # librpm receives C strings: nothing after a NUL exists for it.
    if "\0" in text:
        text = text.partition("\0")[0]
    tokens: list[_Token] = []
    for segment in _SEGMENT.findall(text):
        # Numbers first, the most common segment: of what the regex finds, only ASCII digits
        # sort at or below "9" ("~", "^" and letters all sort after it).
        first = segment[0]
        if first <= "9":
            # Not int(): a numeric segment may be longer than Python's int-parsing limit.
            # Leading zeros do not count (few segments have any).
            digits = segment.lstrip("0") if first == "0" else segment
            tokens.append((_NUMBER, len(digits), digits))
        elif segment == "~":
            tokens.append(_TILDE)
        elif segment == "^":
            tokens.append(_CARET)
        else:  # the regex leaves only ASCII letters here
            tokens.append((_ALPHA, 0, segment))
    tokens.append(_END)
    return tuple(tokens)


def version_key(text: str) -> tuple[object, ...]:
    """A sort key that orders version strings as :func:`rpmvercmp` does.

    >>> sorted(["1.10", "1.9", "1.0~rc1", "1.0"], key=version_key)
    ['1.0~rc1', '1.0', '1.9', '1.10']
    """
    return _version_key(text)


def _sign(left: tuple[object, ...], right: tuple[object, ...]) -> int:
    if left < right:
        return -1
    return 1 if left > right else 0


def rpmvercmp(a: str, b: str) -> int:
    """Compare two version (or release) strings as librpm's ``rpmvercmp`` does: -1, 0 or 1.

    Strings split into runs of ASCII digits and runs of ASCII letters; anything else except
    ``~`` and ``^`` only separates them, so ``1.0``, ``1_0`` and ``1.00`` are equal.

    >>> rpmvercmp("1.10", "1.9")          # numeric segments compare by value
    1
    >>> rpmvercmp("1.010", "1.10")        # ... with leading zeros ignored
    0
    >>> rpmvercmp("1.0a", "1.0.1")        # a letter segment loses to a number
    -1
    >>> rpmvercmp("1.0~rc1", "1.0")       # tilde sorts before everything, even the end
    -1
    >>> rpmvercmp("1.0^git1", "1.0")      # caret sorts after the end ...
    1
    >>> rpmvercmp("1.0^git1", "1.0.1")    # ... but before any further segment
    -1
    >>> rpmvercmp("1.0", "1.0.")          # trailing separators do not count
    0

    To sort plain version strings, ``sorted(versions, key=functools.cmp_to_key(rpmvercmp))``.
    """
    if a == b:  # librpm's shortcut, and the common case when scanning a distribution
        return 0
    return _sign(_version_key(a), _version_key(b))


_ASCII_DIGITS: Final = "0123456789"


def _split_evr(text: str) -> tuple[str | None, str, str | None]:
    """Split ``[epoch:]version[-release]`` exactly as librpm's ``parseEVR`` does.

    The epoch is the run of ASCII digits at the start when a ``:`` ends it (an empty run
    means ``"0"``); the release is what follows the last ``-``. Anything else, colons
    included, stays in the version.

    >>> _split_evr("1:2.3-4.oe2403")
    ('1', '2.3', '4.oe2403')
    >>> _split_evr("a:1.0-1-2")
    (None, 'a:1.0-1', '2')
    >>> _split_evr(":1.0")
    ('0', '1.0', None)
    """
    text = text.partition("\0")[0]
    digits_end = len(text) - len(text.lstrip(_ASCII_DIGITS))
    # parseEVR looks for the '-' only from the end of the leading digits on (strrchr(s, '-')).
    dash = text.rfind("-", digits_end)
    epoch: str | None = None
    version_start = 0
    if text.startswith(":", digits_end):
        epoch = text[:digits_end] or "0"
        version_start = digits_end + 1
    if dash < 0:
        return epoch, text[version_start:], None
    return epoch, text[version_start:dash], text[dash + 1 :]


# () sorts before every release key (each ends with _END): labelCompare puts a missing
# release below any release, even an empty one.
_NO_RELEASE: Final[_Key] = ()


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _label_key(text: str) -> tuple[_Key, _Key, _Key]:
    epoch, version, release = _split_evr(text)
    return (
        _version_key(epoch or "0"),
        _version_key(version),
        _NO_RELEASE if release is None else _version_key(release),
    )


def compare_evr(a: str, b: str) -> int:
    """Compare two ``[epoch:]version[-release]`` strings as librpm does: -1, 0 or 1.

    Never raises: the strings are split by librpm's ``parseEVR`` and compared like
    ``rpm.labelCompare`` (missing epoch is 0; a missing release sorts before any release).
    Meant for EVRs from outside data such as advisories, which can hold strings that
    :meth:`EVR.parse` rightly rejects; ``"a:1"``, for instance, is the version ``a:1``.

    >>> compare_evr("1:1.0-1", "2.0-1")
    1
    >>> compare_evr("1.0", "1.0-1")
    -1
    >>> compare_evr("0:1.0-1", "1.0-1")
    0
    """
    if a == b:
        return 0
    return _sign(_label_key(a), _label_key(b))


def _check_part(value: object, name: str) -> str:
    """Return ``value`` if it can be the version or release of an :class:`EVR`."""

    def invalid(reason: str) -> NoReturn:
        raise InvalidEVR(f"invalid EVR {name} {value!r}: {reason}")

    if not isinstance(value, str):
        invalid("not a string")
    if not value:
        invalid("empty")
    if any(char.isspace() or not char.isprintable() for char in value):
        invalid("contains whitespace or a control character")
    # Either would make str(evr) parse back into different parts; rpmbuild refuses both in
    # Version and Release tags.
    if ":" in value:
        invalid("contains ':'")
    if "-" in value:
        invalid("contains '-'")
    return value


class EVR:
    """An RPM ``[epoch:]version[-release]``, ordered exactly like ``rpm.labelCompare``.

    The epoch compares numerically and a missing one counts as 0; versions, then releases,
    compare by :func:`rpmvercmp`. A missing release sorts *before* every release: that is
    ``rpm.labelCompare``'s answer and it keeps the order total. (Dependency matching, where
    ``Requires: foo = 1.0`` is satisfied by ``1.0-5``, is a different, non-transitive
    relation and not what ``<`` means here.)

    Values are immutable and hashable; equal means "librpm says 0", so ``1.0`` equals
    ``1.00`` and ``0:1.0-1`` equals ``1.0-1``, and they hash alike.

    >>> evr = EVR.parse("1:2.3-4.oe2403")
    >>> evr.epoch, evr.version, evr.release
    (1, '2.3', '4.oe2403')
    >>> EVR(None, "2.3", "4") == EVR(0, "2.3", "4")
    True
    >>> str(EVR(None, "2.3", "4")), str(EVR(0, "2.3", "4"))
    ('2.3-4', '0:2.3-4')
    >>> EVR.parse("2.3") < EVR.parse("2.3-0")
    True
    """

    __slots__ = ("_epoch", "_key", "_release", "_version")

    _epoch: int | None
    _version: str
    _release: str | None
    _key: tuple[int, _Key, _Key]

    def __init__(self, epoch: int | None, version: str, release: str | None = None) -> None:
        """``epoch`` is ``None`` when the EVR has none written (it then compares as 0)."""
        if epoch is not None and (
            isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0
        ):
            raise InvalidEVR(f"invalid EVR epoch {epoch!r}: not a non-negative integer or None")
        _check_part(version, "version")
        if release is not None:
            _check_part(release, "release")
        key = (
            epoch or 0,
            _version_key(version),
            _NO_RELEASE if release is None else _version_key(release),
        )
        # Slots are set through object.__setattr__ because our own __setattr__ forbids it.
        object.__setattr__(self, "_epoch", epoch)
        object.__setattr__(self, "_version", version)
        object.__setattr__(self, "_release", release)
        object.__setattr__(self, "_key", key)

    @classmethod
    def parse(cls, text: str) -> EVR:
        """Parse ``[epoch:]version[-release]``, splitting it the way librpm's ``parseEVR`` does.

        Leading zeros in the epoch are dropped (rpm stores the epoch as an integer).
        Rejected with :class:`InvalidEVR`: an empty version or release, an epoch that is not
        digits, whitespace or control characters, and a second ``:`` or ``-``.

        >>> EVR.parse("2.3")
        <EVR('2.3')>
        >>> EVR.parse("007:2.3-4")
        <EVR('7:2.3-4')>
        >>> EVR.parse("2.3-4-5")
        Traceback (most recent call last):
          ...
        steward.rpm.version.InvalidEVR: invalid EVR '2.3-4-5': more than one '-'
        """

        def invalid(reason: str) -> NoReturn:
            raise InvalidEVR(f"invalid EVR {text!r}: {reason}")

        if not isinstance(text, str):
            invalid("not a string")
        if any(char.isspace() or not char.isprintable() for char in text):
            invalid("contains whitespace or a control character")
        epoch_text, version, release = _split_evr(text)
        if epoch_text is None and ":" in text:
            invalid(f"epoch {text.partition(':')[0]!r} is not a non-negative integer")
        if text.startswith(":"):
            invalid("empty epoch before ':'")
        if ":" in version or (release is not None and ":" in release):
            invalid("more than one ':'")
        if "-" in version:
            invalid("more than one '-'")
        if not version:
            invalid("empty version")
        if release == "":
            invalid("empty release after '-'")
        try:
            epoch = None if epoch_text is None else int(epoch_text)
        except ValueError:  # more digits than Python will convert
            invalid("epoch is too long")
        return cls(epoch, version, release)

    @property
    def epoch(self) -> int:
        """The epoch rpm compares: 0 when none was written (see :attr:`has_epoch`).

        >>> EVR.parse("2.3-4").epoch, EVR.parse("3:2.3-4").epoch
        (0, 3)
        """
        return self._epoch or 0

    @property
    def has_epoch(self) -> bool:
        """Whether an epoch was written, so that ``str()`` gives back what was parsed.

        >>> EVR.parse("2.3-4").has_epoch, EVR.parse("0:2.3-4").has_epoch
        (False, True)
        """
        return self._epoch is not None

    @property
    def version(self) -> str:
        """The upstream version, ``2.3`` in ``1:2.3-4``."""
        return self._version

    @property
    def release(self) -> str | None:
        """The release, ``4`` in ``1:2.3-4``; ``None`` when there is none.

        >>> EVR.parse("1:2.3").release is None
        True
        """
        return self._release

    def __str__(self) -> str:
        epoch = "" if self._epoch is None else f"{self._epoch}:"
        release = "" if self._release is None else f"-{self._release}"
        return f"{epoch}{self._version}{release}"

    def __repr__(self) -> str:
        return f"<EVR({str(self)!r})>"

    def __hash__(self) -> int:
        return hash(self._key)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, EVR):
            return NotImplemented
        return self._key == other._key

    def __lt__(self, other: EVR) -> bool:
        if not isinstance(other, EVR):
            return NotImplemented
        return self._key < other._key

    def __le__(self, other: EVR) -> bool:
        if not isinstance(other, EVR):
            return NotImplemented
        return self._key <= other._key

    def __gt__(self, other: EVR) -> bool:
        if not isinstance(other, EVR):
            return NotImplemented
        return self._key > other._key

    def __ge__(self, other: EVR) -> bool:
        if not isinstance(other, EVR):
            return NotImplemented
        return self._key >= other._key

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"EVR is immutable; cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"EVR is immutable; cannot delete {name!r}")

    def __reduce__(self) -> tuple[type[EVR], tuple[int | None, str, str | None]]:
        # The default slot-state pickling would go through the forbidden __setattr__.
        return (EVR, (self._epoch, self._version, self._release))
