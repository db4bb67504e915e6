"""The shortcuts taken for speed in :mod:`steward.upstream.versions` and ``.recommend``.

Each shortcut must give exactly what the straightforward reading gives: these tests pin the
cases where that takes an argument (names that start with digits, Unicode digits, markers
next to other characters) and check the hand-written ``__init__`` and ``__reduce__`` methods
against the dataclass fields.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import inspect
import itertools
import pickle
import re

import pytest

from steward.upstream import versions
from steward.upstream.recommend import Policy, SetAside, Status, Track, recommend_version
from steward.upstream.versions import (
    Release,
    TagReading,
    TagRules,
    classify_version,
    is_placeholder,
    read_tag,
    rpm_version,
    version_problem,
)

# --- hand-written __init__ and __reduce__ -------------------------------------------


@pytest.mark.parametrize("cls", [Release, TagReading])
def test_hand_written_init_takes_the_fields_in_order(cls: type) -> None:
    fields = dataclasses.fields(cls)
    parameters = list(inspect.signature(cls).parameters.values())
    assert [p.name for p in parameters] == [f.name for f in fields]
    for parameter, field in zip(parameters, fields, strict=True):
        expected = (
            inspect.Parameter.empty if field.default is dataclasses.MISSING else field.default
        )
        assert parameter.default == expected, field.name


def test_hand_written_init_sets_every_field_and_stays_frozen() -> None:
    date = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)
    release = Release("v1.2", "1.2", date, "https://example.org/v1.2", True)
    assert (release.tag, release.version, release.date, release.url, release.prerelease) == (
        "v1.2",
        "1.2",
        date,
        "https://example.org/v1.2",
        True,
    )
    assert Release(tag="v1.2", version="1.2") == Release("v1.2", "1.2", None, None, None)
    assert dataclasses.replace(release, version="1.3").version == "1.3"
    assert hash(release) == hash(Release("v1.2", "1.2", date, "https://example.org/v1.2", True))
    with pytest.raises(dataclasses.FrozenInstanceError):
        release.version = "2.0"  # type: ignore[misc]
    reading = TagReading("nightly", None, "does not start with a digit")
    assert reading == TagReading(
        tag="nightly", version=None, rejected="does not start with a digit"
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        reading.version = "1.0"  # type: ignore[misc]


def test_release_results_survive_pickle_and_copy() -> None:
    date = dt.datetime(2020, 3, 7, tzinfo=dt.UTC)
    releases = [
        Release("v2.34.0", "2.34.0", date - dt.timedelta(days=180), "https://x/2.34.0"),
        Release("v2.36.0", "2.36.0", date, None, False),
        Release("v2.37.1", "2.37.1", None, None, True),
    ]
    recommendation = recommend_version("2.34.0", releases, Policy(gnome_odd_minor=True))
    assert recommendation.set_aside == () or isinstance(recommendation.set_aside[0], SetAside)
    values: list[object] = [
        *releases,
        TagReading("v1.0", "1.0"),
        SetAside(releases[0], "ignored by policy"),
        recommendation,
    ]
    for value in values:
        for clone in (pickle.loads(pickle.dumps(value)), copy.copy(value), copy.deepcopy(value)):
            assert clone == value
            assert type(clone) is type(value)


def test_recommendation_pickles_every_field() -> None:
    releases = [Release("v1.0", "1.0"), Release("v1.0.1", "1.0.1"), Release("v9000", "9000")]
    recommendation = recommend_version("1.0", releases)
    clone = pickle.loads(pickle.dumps(recommendation))
    for field in dataclasses.fields(recommendation):
        assert getattr(clone, field.name) == getattr(recommendation, field.name), field.name


# --- read_tag shortcuts -------------------------------------------------------------

# Expected values are those of the straightforward reading, before any shortcut.
TRICKY_TAGS = [
    ("2048-1.0", TagRules(package_name="2048"), "1.0", None),
    ("389-ds-base-1.4.3.28", TagRules(package_name="389-ds-base"), "1.4.3.28", None),
    ("389-ds-base-1_4_3", TagRules(package_name="389-ds-base"), "1.4.3", None),
    ("python-attrs-21.4.0", TagRules(package_name="python-attrs"), "21.4.0", None),
    ("attrs-21_4_0", TagRules(package_name="python-attrs"), "21.4.0", None),
    ("release-v1.0", TagRules(package_name="foo"), "1.0", None),
    ("latest", TagRules(package_name="foo"), None, "does not start with a digit"),
    ("latest-final", TagRules(), None, "does not start with a digit"),
    ("1.0-final", TagRules(), "1.0", None),
    ("1.0.Final", TagRules(), "1.0", None),
    ("V_8_3_P1", TagRules(), "8.3p1", None),
    ("1.2.3-rc1", TagRules(package_name="foo"), "1.2.3-rc1", None),
    ("\u0661.\u0662", TagRules(), None, "does not start with a digit"),  # Arabic-Indic digits
    ("x1.0", TagRules(separator="x"), None, "does not start with a digit"),
    (
        "v1.0-rc1",
        TagRules(from_pattern="-rc", to_pattern="~rc\n"),
        None,
        "contains characters a version cannot have",
    ),
    ("1.2", TagRules(ignored=frozenset({"1.2"})), None, "ignored by the rules"),
    ("v1.2", TagRules(ignored=frozenset({"v1.2"})), None, "ignored by the rules"),
]


@pytest.mark.parametrize(("tag", "rules", "version", "rejected"), TRICKY_TAGS)
def test_tricky_tags_read_as_without_shortcuts(
    tag: str, rules: TagRules, version: str | None, rejected: str | None
) -> None:
    assert read_tag(tag, rules) == TagReading(tag, version, rejected)


# --- version shortcuts ----------------------------------------------------------------

TRICKY_VERSIONS = [
    ("1.2.3", None, "1.2.3", "stable"),
    ("1..2", None, "1..2", "stable"),
    ("1.2.", None, "1.2.", "stable"),
    ("0.0", "a placeholder, not a release", "0.0", "stable"),
    ("9000", "a placeholder, not a release", "9000", "stable"),
    ("2000", None, "2000", "stable"),
    ("\u0661.\u0662", "does not start with a digit", "\u0661.\u0662", "stable"),
    ("1.0rc1", None, "1.0~rc1", "prerelease"),
    ("1.0-a1", None, "1.0~a1", "prerelease"),
    ("1.0\u00b2a1", "contains characters a version cannot have", "1.0\u00b2~a1", "prerelease"),
    ("1.0+rc1", None, "1.0+rc1", "stable"),
    ("1.0^rc1", None, "1.0^rc1", "snapshot"),
    ("rc1.0", "does not start with a digit", "rc1.0", "stable"),
    ("1.0.beta.2", None, "1.0~beta.2", "prerelease"),
    ("1.0-M3", None, "1.0~M3", "prerelease"),
    ("1.1.1g", None, "1.1.1g", "stable"),
]


@pytest.mark.parametrize(("version", "problem", "rpm", "release_class"), TRICKY_VERSIONS)
def test_tricky_versions_read_as_without_shortcuts(
    version: str, problem: str | None, rpm: str, release_class: str
) -> None:
    assert version_problem(version) == problem
    assert rpm_version(version) == rpm
    assert classify_version(version).release_class == release_class


_TOKEN = re.compile(r"\d+|[a-zA-Z]+|[^0-9a-zA-Z]")


def _reference_marker(version: str) -> tuple[int, str] | None:
    """The pre-release marker read token by token, as before the run-based reading."""
    tokens = [(m.start(), m.group().lower()) for m in _TOKEN.finditer(version)]
    for index, (start, token) in enumerate(tokens):
        if token in ("^", "+"):
            return None
        if not token.isalpha() or index == 0:
            continue
        if token in versions._PRERELEASE_WORDS:
            return start, token
        after = tokens[index + 1][1] if index + 1 < len(tokens) else ""
        after_number = tokens[index - 1][1].isdigit() or (
            index >= 2 and tokens[index - 2][1].isdigit()
        )
        if token in versions._PRERELEASE_LETTERS and after.isdigit() and after_number:
            return start, token
    return None


def _reference_placeholder(version: str) -> bool:
    """is_placeholder as first written, before its checks were reordered."""
    numbers = list(versions._numbers(version))
    if not numbers:
        return False
    first, rest = numbers[0], numbers[1:]
    whole = ".".join(numbers) == version
    if whole and all(int(n) == 0 for n in numbers):
        return True
    if len(first) >= 3 and set(first) == {"9"}:
        return True
    round_number = re.fullmatch(r"[1-9]0{3,}", first) is not None and not versions._is_year(first)
    return whole and round_number and all(int(n) == 0 for n in rest)


# Pieces whose combinations cover the cases the shortcuts reason about: markers at the
# start, after digits or one separator, before ^ and +; Unicode digits and letters whose
# lowercase differs in length (U+0130) or is ASCII (U+212A); zeros, nines and years.
_PIECES = ["1", "0", "9", "99", "2000", "9000", "1999", ".", "-", "_", "rc", "RC", "a", "M", "b2"]
_PIECES += ["beta", "git", "x", "^", "+", "\u00b2", "\u0661", "\u0130", "\u212a", "p", "~"]


def _generated_versions() -> list[str]:
    return [
        "".join(parts) for size in (1, 2, 3) for parts in itertools.product(_PIECES, repeat=size)
    ]


def test_run_based_marker_agrees_with_the_token_reading() -> None:
    for version in _generated_versions():
        assert versions._prerelease_marker(version) == _reference_marker(version), version


def test_reordered_placeholder_check_agrees_with_the_first_one() -> None:
    for version in _generated_versions():
        assert is_placeholder(version) == _reference_placeholder(version), version


# --- recommend_version: classified from the newest down ------------------------------


def test_versions_behind_counts_every_newer_stable_release() -> None:
    names = ["1.0", "1.1", "1.2-rc1", "1.2", "1.3", "2.0-beta1", "2.0", "2.1", "2.2-rc1"]
    upstream = [Release(f"v{version}", version) for version in names]
    result = recommend_version("1.1", upstream)
    assert result.versions_behind == 4  # 1.2, 1.3, 2.0, 2.1
    assert result.newest is not None and result.newest.version == "2.2-rc1"
    assert result.newest_stable is not None and result.newest_stable.version == "2.1"
    assert result.recommended is not None and result.recommended.version == "2.1"
    assert result.reason.endswith("Newer prerelease 2.2-rc1 not taken.")


def test_same_minor_track_looks_past_newer_lines() -> None:
    names = ["1.2.0", "1.2.1", "1.3.0", "2.0.0", "1.2.2-rc1"]
    upstream = [Release(f"v{version}", version) for version in names]
    result = recommend_version("1.2.0", upstream, Policy(track=Track.SAME_MINOR))
    assert result.recommended is not None and result.recommended.version == "1.2.1"
    assert result.status is Status.OUTDATED
    assert result.versions_behind == 3
