"""Specification of RPM version order (:mod:`steward.rpm.version`), checked against librpm.

Four sources of truth: rpm's documented rules written out by hand, the published
redhat-versions vectors, librpm itself on tens of thousands of generated inputs, and a
line-by-line port of rpmvercmp.c that needs no librpm.
"""

from __future__ import annotations

import copy
import doctest
import functools
import pickle
import random
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from envneeds import needs, skip_environment

import steward.rpm.version as version_module
from steward.rpm.version import EVR, InvalidEVR, compare_evr, rpmvercmp

if TYPE_CHECKING:
    from conftest import Librpm, Triple

VECTORS = (
    Path(__file__).resolve().parents[2]
    / ".."
    / "shared"
    / "data"
    / "testvectors"
    / "redhat-versions.txt"
)


# --- 1. rpm's rules, by hand ------------------------------------------------------------

# (a, b, rpmvercmp(a, b)); each is also checked against librpm below.
RULES = [
    # plain numeric segments
    ("1.0", "1.0", 0),
    ("1.0", "2.0", -1),
    ("2.0", "1.0", 1),
    ("2.0", "10", -1),
    ("2.0.1", "2.0.1", 0),
    ("2.0", "2.0.1", -1),
    ("1.0", "1.0.0", -1),
    ("1.0.0", "1.0", 1),
    ("4.999.9", "5.0", -1),
    ("20101121", "20101122", -1),
    # leading zeros and long numbers
    ("10.0001", "10.1", 0),
    ("10.0001", "10.0039", -1),
    ("1.01", "1.1", 0),
    ("1.001a", "1.1a", 0),
    ("0", "00", 0),
    ("0", "000001", -1),
    ("0" * 50 + "1", "1", 0),
    ("12345678901234567890123", "12345678901234567890122", 1),
    ("1" + "0" * 100, "9" * 100, 1),
    # letters
    ("2.0.1a", "2.0.1", 1),
    ("2.0.1", "2.0.1a", -1),
    ("1.0a", "1.0", 1),
    ("1.0aa", "1.0a", 1),
    ("5.5p1", "5.5p2", -1),
    ("5.5p1", "5.5p10", -1),
    ("5.5p2", "5.6p1", -1),
    ("10b2", "10a1", 1),
    ("10a2", "10b2", -1),
    ("1.0a1", "1.0b", -1),
    ("6.0.rc1", "6.0", 1),
    ("1.0.rc1", "1.0.rc1a", -1),
    ("A", "a", -1),
    ("Z", "a", -1),
    ("rc", "RC", 1),
    ("fc38", "fc39", -1),
    ("oe2403", "oe2203", 1),
    ("el9_2", "el9_10", -1),
    # numbers against letters
    ("a", "1", -1),
    ("1.a", "1.1", -1),
    ("xyz.4", "8", -1),
    ("xyz.4", "2", -1),
    ("10xyz", "10.1xyz", -1),
    ("xyz10", "xyz10.1", -1),
    # separators
    ("2_0", "2.0", 0),
    ("1a", "1.a", 0),
    ("1.0", "1.0.", 0),
    ("1.0", ".1.0", 0),
    ("1.0", "1..0", 0),
    ("1..", "1", 0),
    ("a+", "a_", 0),
    ("+a", "_a", 0),
    ("+_", "_+", 0),
    ("+", "_", 0),
    ("", ".", 0),
    ("", "", 0),
    ("", "0", -1),
    ("1.0-1", "1.0.1", 0),
    ("1:0", "1.0", 0),
    ("1.0 ", "1.0", 0),
    # non-ASCII characters are separators
    ("1é0", "1.0", 0),
    ("1€", "1", 0),
    ("1.1.α", "1.1.β", 0),
    ("1.1.αα", "1.1.α", 0),
    ("1.1.α", "1.1.a", -1),
    # tilde
    ("1.0~rc1", "1.0", -1),
    ("1.0~rc1", "1.0~rc2", -1),
    ("1.0~rc1~git123", "1.0~rc1", -1),
    ("1.0~rc1", "1.0arc1", -1),
    ("1.0~rc1", "1.0rc1", -1),
    ("1.0~", "1.0", -1),
    ("1.0~", "1.0~~", 1),
    ("~", "", -1),
    ("~", "~", 0),
    ("~1", "~2", -1),
    # caret
    ("1.0^", "1.0", 1),
    ("1.0^", "1.0^.", 0),
    ("1.0^", "1.0~", 1),
    ("1.0^^", "1.0^", 1),
    ("1.0^git1", "1.0", 1),
    ("1.0^git1", "1.0^git2", -1),
    ("1.0^git1", "1.01", -1),
    ("1.0^1", "1.0.1", -1),
    ("1.0^a", "1.0a", -1),
    ("1.0^20160101", "1.0.1", -1),
    ("1.0^20160102", "1.0^20160101^git1", 1),
    ("^", "", 1),
    ("^", "~", 1),
    # tilde and caret together
    ("1.0~rc1^git1", "1.0~rc1", 1),
    ("1.0~rc1^git1", "1.0", -1),
    ("1.0^git1~pre", "1.0^git1", -1),
    ("1.0^git1~pre", "1.0", 1),
    ("1.0~^", "1.0~", 1),
]


@pytest.mark.parametrize(("a", "b", "expected"), RULES, ids=[f"{a}|{b}" for a, b, _ in RULES])
def test_rpmvercmp_follows_rpm_rules(a: str, b: str, expected: int) -> None:
    assert rpmvercmp(a, b) == expected
    assert rpmvercmp(b, a) == -expected


def test_tilde_sorts_before_release() -> None:
    assert sorted(["1.0", "1.0~rc2", "1.0~rc1", "1.0~~"], key=functools.cmp_to_key(rpmvercmp)) == [
        "1.0~~",
        "1.0~rc1",
        "1.0~rc2",
        "1.0",
    ]


def test_caret_sorts_after_release_but_before_next_version() -> None:
    ordered = ["1.0~rc1", "1.0", "1.0^git1", "1.0^git2", "1.0.1", "1.1"]
    assert sorted(reversed(ordered), key=functools.cmp_to_key(rpmvercmp)) == ordered


def test_numeric_segment_beats_alpha_segment() -> None:
    assert rpmvercmp("1.0.1", "1.0.a") == 1


def test_numeric_segments_longer_than_python_int_limit_compare_by_value() -> None:
    huge = "9" * 5000
    assert rpmvercmp(huge + "8", "0" + huge + "7") == 1
    assert rpmvercmp("1." + huge, "1.0" + huge) == 0


def test_text_after_nul_is_invisible_as_in_c() -> None:
    assert rpmvercmp("1.0\x002.0", "1.0") == 0


# --- 2. the published redhat-versions vectors --------------------------------------------

_OPERATORS = {"<": -1, "=": 0, ">": 1}


def _read_vectors() -> list[tuple[str, str, int]]:
    vectors = []
    for line in VECTORS.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        left, operator, right = line.split(" ")
        vectors.append((left, right, _OPERATORS[operator]))
    return vectors


def _vector_params() -> list[object]:
    if not VECTORS.is_file():
        return [pytest.param(None, marks=needs(False, f"{VECTORS} is absent"))]
    return [pytest.param(v, id=f"{v[0]}|{v[1]}") for v in _read_vectors()]


def test_vectors_file_holds_165_vectors() -> None:
    if not VECTORS.is_file():
        skip_environment(f"{VECTORS} is absent")
    assert len(_read_vectors()) == 165


@pytest.mark.parametrize("vector", _vector_params())
def test_compare_evr_agrees_with_redhat_vector(vector: tuple[str, str, int]) -> None:
    left, right, expected = vector
    assert compare_evr(left, right) == expected


def test_evr_order_agrees_with_every_redhat_vector_it_can_parse() -> None:
    if not VECTORS.is_file():
        skip_environment(f"{VECTORS} is absent")
    checked = 0
    for left, right, expected in _read_vectors():
        try:
            a, b = EVR.parse(left), EVR.parse(right)
        except InvalidEVR:
            continue  # e.g. "a:1" or "1-": librpm-legal, but not an EVR a package can have
        assert ((a > b) - (a < b), a == b) == (expected, expected == 0), (left, right)
        checked += 1
    assert checked >= 120


# --- 3. librpm as the oracle -------------------------------------------------------------

_DIGITS = ["0", "00", "1", "01", "001", "2", "9", "10", "010", "99", "100", "0100", "2024"]
_LONG_DIGITS = ["20240101", "18446744073709551616", "0" * 20 + "1", "9" * 40]
_LETTERS = ["a", "b", "z", "A", "B", "Z", "rc", "RC", "Rc", "beta", "git", "aa", "p", "oe"]
_MARKS = ["~", "^"]
_EVR_SEPARATORS = [".", ".", ".", "_", "+", "%", "{", "}", "α", "é", "€", "/"]
_SEPARATORS = [*_EVR_SEPARATORS, "-", ":", " ", "\t", "\u00a0", "\u3000"]


def _fragment(rng: random.Random, separators: list[str]) -> str:
    pool = rng.choices(
        [_DIGITS, _LONG_DIGITS, _LETTERS, _MARKS, separators], weights=[32, 4, 24, 14, 26]
    )[0]
    return rng.choice(pool)


def _fragments(rng: random.Random, separators: list[str]) -> list[str]:
    return [_fragment(rng, separators) for _ in range(rng.randint(0, 6))]


def _mutate(fragments: list[str], rng: random.Random, separators: list[str]) -> list[str]:
    """A near neighbour: most interesting comparisons differ in one place only."""
    out = list(fragments)
    for _ in range(rng.randint(1, 2)):
        where = rng.randrange(len(out) + 1)
        action = rng.randrange(6)
        if action == 0 or not out:
            out.insert(where, _fragment(rng, separators))
        elif action == 1:
            del out[min(where, len(out) - 1)]
        elif action == 2:
            out[min(where, len(out) - 1)] = _fragment(rng, separators)
        elif action == 3:  # add or drop a leading zero
            i = min(where, len(out) - 1)
            out[i] = out[i][1:] if out[i].startswith("0") else "0" + out[i]
        elif action == 4:
            i = min(where, len(out) - 1)
            out[i] = out[i].swapcase()
        else:
            out.insert(where, rng.choice(_MARKS))
    return out


def _pairs(
    rng: random.Random, count: int, separators: list[str], *, nonempty: bool = False
) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    while len(pairs) < count:
        left = _fragments(rng, separators)
        roll = rng.random()
        if roll < 0.1:
            right = list(left)
        elif roll < 0.3:
            right = _fragments(rng, separators)
        else:
            right = _mutate(left, rng, separators)
        a, b = "".join(left), "".join(right)
        if nonempty and not (a and b):
            continue
        pairs.append((a, b) if rng.random() < 0.5 else (b, a))
    return pairs


def _assert_all_outcomes_common(results: list[int]) -> None:
    """Guard against a generator whose pairs are all trivially ordered."""
    counts = Counter(results)
    assert all(counts[outcome] > len(results) // 20 for outcome in (-1, 0, 1)), counts


def _first_mismatches(
    pairs: Sequence[tuple[object, object]], ours: list[int], theirs: list[int]
) -> list[tuple[object, object, int, int]]:
    return [(a, b, o, t) for (a, b), o, t in zip(pairs, ours, theirs, strict=True) if o != t][:10]


def test_hand_written_rules_match_librpm(librpm: Librpm) -> None:
    pairs = [(x, y) for x, y, _ in RULES]
    assert librpm.vercmp(pairs) == [want for _, _, want in RULES]


def test_rpmvercmp_matches_librpm_on_generated_pairs(librpm: Librpm) -> None:
    pairs = _pairs(random.Random(418), 30_000, _SEPARATORS)
    ours = [rpmvercmp(a, b) for a, b in pairs]
    theirs = librpm.vercmp(pairs)
    assert _first_mismatches(pairs, ours, theirs) == [], f"librpm {librpm.rpm_version}"
    _assert_all_outcomes_common(ours)


def test_compare_evr_matches_librpm_parse_and_compare(librpm: Librpm) -> None:
    # Whole strings with ':' and '-' anywhere exercise parseEVR's split as well.
    pairs = _pairs(random.Random(1843), 10_000, _SEPARATORS, nonempty=True)
    ours = [compare_evr(a, b) for a, b in pairs]
    theirs = librpm.ver_compare(pairs)
    assert _first_mismatches(pairs, ours, theirs) == [], f"librpm {librpm.rpm_version}"
    _assert_all_outcomes_common(ours)


def _evr_part(rng: random.Random) -> str:
    while True:
        part = "".join(_fragments(rng, _EVR_SEPARATORS))
        if part:
            return part


def _triples(rng: random.Random, count: int) -> list[tuple[Triple, Triple]]:
    epochs = [None, None, "0", "1", "2", "00", "01", "10", "007"]

    def fresh() -> Triple:
        release = None if rng.random() < 0.3 else _evr_part(rng)
        return rng.choice(epochs), _evr_part(rng), release

    def neighbour(triple: Triple) -> Triple:
        epoch, version, release = triple
        field = rng.randrange(3)
        if field == 0:
            return rng.choice(epochs), version, release
        if field == 1:
            # Characters as fragments, so the change can land anywhere in the version.
            return epoch, "".join(_mutate(list(version), rng, _EVR_SEPARATORS)) or "0", release
        changed = rng.choice([None, _evr_part(rng), release and release + "~"])
        return epoch, version, changed

    pairs: list[tuple[Triple, Triple]] = []
    for _ in range(count):
        left = fresh()
        # Mostly a neighbour, so that versions and releases get compared too, not just epochs.
        right = neighbour(left) if rng.random() < 0.8 else fresh()
        pairs.append((left, right))
    return pairs


def _evr(triple: Triple) -> EVR:
    epoch, version, release = triple
    return EVR(None if epoch is None else int(epoch), version, release)


def _text(triple: Triple) -> str:
    epoch, version, release = triple
    return (
        ("" if epoch is None else f"{epoch}:")
        + version
        + ("" if release is None else f"-{release}")
    )


def test_evr_order_matches_label_compare(librpm: Librpm) -> None:
    pairs = _triples(random.Random(2403), 6_000)
    theirs = librpm.label_compare(pairs)
    built = [(_evr(a), _evr(b)) for a, b in pairs]
    parsed = [(EVR.parse(_text(a)), EVR.parse(_text(b))) for a, b in pairs]
    for evrs in (built, parsed):
        ours = [(x > y) - (x < y) for x, y in evrs]
        assert _first_mismatches(pairs, ours, theirs) == [], f"librpm {librpm.rpm_version}"
        assert [x == y for x, y in evrs] == [t == 0 for t in theirs]
    _assert_all_outcomes_common(theirs)


# --- the same generated pairs against a literal port of rpmvercmp.c (no librpm needed) ----


def _c_rpmvercmp(a: str, b: str) -> int:
    """rpmio/rpmvercmp.c (rpm 4.18), statement by statement; "\\0" plays the C terminator."""

    def isdigit(c: str) -> bool:
        return "0" <= c <= "9"

    def isalpha(c: str) -> bool:
        return "a" <= c <= "z" or "A" <= c <= "Z"

    def isalnum(c: str) -> bool:
        return isdigit(c) or isalpha(c)

    if a == b:
        return 0
    s1, s2 = a.partition("\0")[0] + "\0", b.partition("\0")[0] + "\0"
    one = two = 0
    while s1[one] != "\0" or s2[two] != "\0":
        while s1[one] != "\0" and not isalnum(s1[one]) and s1[one] != "~" and s1[one] != "^":
            one += 1
        while s2[two] != "\0" and not isalnum(s2[two]) and s2[two] != "~" and s2[two] != "^":
            two += 1
        if s1[one] == "~" or s2[two] == "~":
            if s1[one] != "~":
                return 1
            if s2[two] != "~":
                return -1
            one, two = one + 1, two + 1
            continue
        if s1[one] == "^" or s2[two] == "^":
            if s1[one] == "\0":
                return -1
            if s2[two] == "\0":
                return 1
            if s1[one] != "^":
                return 1
            if s2[two] != "^":
                return -1
            one, two = one + 1, two + 1
            continue
        if s1[one] == "\0" or s2[two] == "\0":
            break
        end1, end2 = one, two
        isnum = isdigit(s1[end1])
        segment_char = isdigit if isnum else isalpha
        while segment_char(s1[end1]):
            end1 += 1
        while segment_char(s2[end2]):
            end2 += 1
        if one == end1:
            return -1  # "cannot happen" in C either
        if two == end2:
            return 1 if isnum else -1
        seg1, seg2 = s1[one:end1], s2[two:end2]
        if isnum:
            seg1, seg2 = seg1.lstrip("0"), seg2.lstrip("0")
            if len(seg1) != len(seg2):
                return 1 if len(seg1) > len(seg2) else -1
        if seg1 != seg2:
            return -1 if seg1 < seg2 else 1
        one, two = end1, end2
    if s1[one] == "\0" and s2[two] == "\0":
        return 0
    return -1 if s1[one] == "\0" else 1


def test_rpmvercmp_matches_literal_port_of_rpmvercmp_c() -> None:
    pairs = _pairs(random.Random(415), 30_000, _SEPARATORS)
    pairs += [(a, b) for a, b, _ in RULES]
    ours = [rpmvercmp(a, b) for a, b in pairs]
    port = [_c_rpmvercmp(a, b) for a, b in pairs]
    assert _first_mismatches(pairs, ours, port) == []


# --- 4. properties ------------------------------------------------------------------------


def test_rpmvercmp_is_antisymmetric() -> None:
    for a, b in _pairs(random.Random(1), 5_000, _SEPARATORS):
        assert rpmvercmp(a, b) == -rpmvercmp(b, a), (a, b)


def test_compare_evr_is_antisymmetric() -> None:
    for a, b in _pairs(random.Random(2), 5_000, _SEPARATORS):
        assert compare_evr(a, b) == -compare_evr(b, a), (a, b)


def test_sorting_by_rpmvercmp_is_consistent_for_every_pair() -> None:
    # A sort only looks at some pairs; every later element must still be >= every earlier
    # one, which fails if the comparison is not transitive.
    rng = random.Random(3)
    versions = [a for pair in _pairs(rng, 150, _SEPARATORS) for a in pair]
    ordered = sorted(versions, key=functools.cmp_to_key(rpmvercmp))
    for i, earlier in enumerate(ordered):
        for later in ordered[i + 1 :]:
            assert rpmvercmp(earlier, later) <= 0, (earlier, later)


def test_evr_equality_hash_and_order_agree() -> None:
    evrs = [_evr(t) for pair in _triples(random.Random(4), 300) for t in pair]
    ordered = sorted(evrs)
    for i, x in enumerate(ordered):
        for y in ordered[i + 1 :]:
            assert x <= y and y >= x and not y < x, (x, y)
            assert (x == y) == (not x < y) == (compare_evr(str(x), str(y)) == 0), (x, y)
            if x == y:
                assert hash(x) == hash(y), (x, y)


def test_str_of_any_evr_parses_back_to_the_same_fields() -> None:
    for triple in (t for pair in _triples(random.Random(5), 1_000) for t in pair):
        evr = _evr(triple)
        again = EVR.parse(str(evr))
        assert (again.epoch, again.has_epoch, again.version, again.release) == (
            evr.epoch,
            evr.has_epoch,
            evr.version,
            evr.release,
        )


# --- EVR behaviour ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["1:2.3-4.oe2403", "2.3", "2.3-4", "0:2.3-4", "0:2.3", "1.0~rc1^git2-0.1.fc40"]
)
def test_str_round_trips(text: str) -> None:
    assert str(EVR.parse(text)) == text


def test_parse_splits_epoch_version_release() -> None:
    evr = EVR.parse("1:2.3-4.oe2403")
    assert (evr.epoch, evr.has_epoch, evr.version, evr.release) == (1, True, "2.3", "4.oe2403")


def test_missing_epoch_compares_as_zero_but_prints_as_missing() -> None:
    plain, zero = EVR.parse("2.3-4"), EVR.parse("0:2.3-4")
    assert plain == zero and hash(plain) == hash(zero)
    assert (plain.epoch, plain.has_epoch, str(plain)) == (0, False, "2.3-4")


def test_constructed_evr_equals_parsed_evr() -> None:
    assert EVR(0, "1.0", "1") == EVR.parse("1.0-1")
    assert hash(EVR(0, "1.0", "1")) == hash(EVR.parse("1.0-1"))


def test_versions_equal_under_rpmvercmp_are_equal_evrs() -> None:
    assert EVR.parse("1.0-1") == EVR.parse("1.00-1") == EVR.parse("1_0-01")
    assert len({EVR.parse("1.0-1"), EVR.parse("1.00-1"), EVR.parse("1_0-01")}) == 1


def test_epoch_outranks_version() -> None:
    assert EVR.parse("1:0.1-1") > EVR.parse("99.0-99")


def test_epoch_leading_zeros_are_dropped() -> None:
    assert str(EVR.parse("007:1.0")) == "7:1.0"


def test_missing_release_sorts_before_any_release_like_label_compare() -> None:
    assert EVR.parse("1.0") < EVR.parse("1.0-0") < EVR.parse("1.0-1")
    assert EVR.parse("1.0") != EVR.parse("1.0-0")


def test_release_breaks_ties_only_after_version() -> None:
    assert EVR.parse("1.0-99") < EVR.parse("1.0.1-1")
    assert EVR.parse("1.0-2") > EVR.parse("1.0-1.el7")


def test_repr_shows_the_evr() -> None:
    assert repr(EVR.parse("1:2.3-4")) == "<EVR('1:2.3-4')>"


def test_evr_is_immutable() -> None:
    evr = EVR.parse("1.0-1")
    with pytest.raises(AttributeError):
        evr._version = "2.0"
    with pytest.raises(AttributeError):
        evr.epoch = 2  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del evr._release
    assert str(evr) == "1.0-1"


def test_evr_survives_pickle_and_copy() -> None:
    for evr in (EVR.parse("1:2.3-4"), EVR.parse("2.3")):
        for clone in (pickle.loads(pickle.dumps(evr)), copy.deepcopy(evr), copy.copy(evr)):
            assert (str(clone), clone) == (str(evr), evr)


def test_evr_does_not_compare_with_strings() -> None:
    assert EVR.parse("1.0") != "1.0"
    with pytest.raises(TypeError):
        _ = EVR.parse("1.0") < "2.0"  # type: ignore[operator]


def test_compare_evr_orders_missing_release_first_and_never_raises() -> None:
    assert compare_evr("1.0", "1.0-") == -1  # librpm: no release < empty release
    assert compare_evr("a:1", "b:1") == -1  # not an epoch: part of the version
    assert compare_evr("", "1") == -1


def test_docstring_examples_hold() -> None:
    result = doctest.testmod(version_module)
    assert result.attempted >= 20
    assert result.failed == 0


# --- 5. parse errors ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty version"),
        ("1:", "empty version"),
        ("-1", "empty version"),
        ("1:-1", "empty version"),
        ("1.0-", "empty release"),
        ("a:1.0", "epoch 'a' is not a non-negative integer"),
        ("1.0:1", "epoch '1.0' is not a non-negative integer"),
        ("-1:2", "epoch '-1' is not a non-negative integer"),
        (":1.0", "empty epoch"),
        ("1:2:3", "more than one ':'"),
        ("1:2-3:4", "more than one ':'"),
        ("1.0-1-2", "more than one '-'"),
        (" 1.0", "whitespace"),
        ("1.0 -1", "whitespace"),
        ("1.0\t", "whitespace"),
        ("1.0\u00a0", "whitespace"),
        ("1.0\n", "whitespace"),
        ("1.0\x00", "control character"),
        ("1.0\x1b", "control character"),
        ("9" * 5000 + ":1", "epoch is too long"),
    ],
)
def test_parse_rejects_malformed_evr_naming_the_input(text: str, reason: str) -> None:
    with pytest.raises(InvalidEVR) as raised:
        EVR.parse(text)
    assert repr(text) in str(raised.value)
    assert reason in str(raised.value)


def test_invalid_evr_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="invalid EVR"):
        EVR.parse("")


@pytest.mark.parametrize(
    ("epoch", "version", "release", "reason"),
    [
        (-1, "1.0", None, "epoch -1"),
        (True, "1.0", None, "epoch True"),
        ("1", "1.0", None, "epoch '1'"),
        (None, "", None, "version ''"),
        (None, "1.0-1", None, "version '1.0-1': contains '-'"),
        (None, "1:0", None, "version '1:0': contains ':'"),
        (None, "1 0", None, "version '1 0': contains whitespace"),
        (None, "1.0", "", "release ''"),
        (None, "1.0", "1-2", "release '1-2': contains '-'"),
        (None, "1.0", "a:b", "release 'a:b': contains ':'"),
        (None, 1.0, None, "version 1.0: not a string"),
    ],
)
def test_constructor_rejects_parts_that_would_not_round_trip(
    epoch: object, version: object, release: object, reason: str
) -> None:
    with pytest.raises(InvalidEVR, match=re.escape(reason)):
        EVR(epoch, version, release)  # type: ignore[arg-type]
