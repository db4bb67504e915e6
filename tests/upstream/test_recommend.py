"""Specification of update recommendations (:mod:`steward.upstream.recommend`).

The last section runs over the real openEuler upstream metadata in ``../shared/data``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import doctest
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml
from envneeds import skip_environment

import steward.upstream.recommend as recommend_module
from steward.upstream.recommend import (
    InvalidPolicy,
    Policy,
    Recommendation,
    Status,
    Track,
    recommend_version,
)
from steward.upstream.versions import (
    InvalidTagRules,
    Release,
    TagRules,
    read_tag,
    releases_from_tags,
)

UPSTREAM_INFO = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "upstream-info"


def releases(*versions: str) -> list[Release]:
    return [Release(f"v{version}", version) for version in versions]


def dated(*pairs: tuple[str, str]) -> list[Release]:
    return [Release(f"v{v}", v, dt.datetime.fromisoformat(day)) for v, day in pairs]


def version_of(release: Release | None) -> str | None:
    return None if release is None else release.version


def set_aside(result: Recommendation) -> dict[str, str]:
    return {entry.release.version: entry.reason for entry in result.set_aside}


def test_docstring_examples_hold() -> None:
    result = doctest.testmod(recommend_module)
    assert result.attempted > 5
    assert result.failed == 0


# --- policies -------------------------------------------------------------------------

BRANCHES = releases("1.2.3", "1.2.4", "1.2.5", "1.3.0", "2.0.0")


@pytest.mark.parametrize(
    ("track", "expected"),
    [("latest", "2.0.0"), ("same-major", "1.3.0"), ("same-minor", "1.2.5")],
)
def test_tracks_choose_how_far_to_move(track: str, expected: str) -> None:
    result = recommend_version("1.2.3", BRANCHES, Policy(track=Track(track)))
    assert version_of(result.recommended) == expected
    assert result.status is Status.OUTDATED
    assert result.versions_behind == 4  # every newer stable release, whatever the track


def test_same_minor_is_up_to_date_on_the_newest_backport() -> None:
    result = recommend_version("1.2.5", BRANCHES, Policy(track=Track.SAME_MINOR))
    assert result.recommended is None
    assert result.status is Status.UP_TO_DATE
    assert result.newest_stable is not None and result.newest_stable.version == "2.0.0"


def test_pinned_never_moves_but_still_says_it_is_behind() -> None:
    result = recommend_version("1.2.3", BRANCHES, Policy(track=Track.PINNED))
    assert result.recommended is None
    assert result.status is Status.OUTDATED
    assert result.reason.startswith("Pinned at 1.2.3; 2.0.0 is available.")


def test_ignore_list_takes_exact_versions_and_globs() -> None:
    policy = Policy(ignore=("2.*", "1.3.0"))
    result = recommend_version("1.2.3", BRANCHES, policy)
    assert version_of(result.recommended) == "1.2.5"
    assert set_aside(result) == {"2.0.0": "ignored by policy", "1.3.0": "ignored by policy"}


def test_ignore_list_matches_tags_too() -> None:
    result = recommend_version("1.2.3", BRANCHES, Policy(ignore=("v2.0.0",)))
    assert version_of(result.recommended) == "1.3.0"


def test_invalid_policies_are_refused() -> None:
    with pytest.raises(InvalidPolicy, match="track 'newest'"):
        Policy(track="newest")  # type: ignore[arg-type]
    with pytest.raises(InvalidPolicy, match="not a string"):
        Policy(ignore="2.*")  # type: ignore[arg-type]
    with pytest.raises(InvalidPolicy, match="max_major_jump 0"):
        Policy(max_major_jump=0)


def test_policy_accepts_track_names_and_lists() -> None:
    policy = Policy(track="same-major", ignore=["1.*"])  # type: ignore[arg-type]
    assert policy.track is Track.SAME_MAJOR
    assert policy.ignore == ("1.*",)


# --- status ---------------------------------------------------------------------------


def test_up_to_date() -> None:
    result = recommend_version("2.0.0", BRANCHES)
    assert (result.status, result.recommended, result.versions_behind) == (
        Status.UP_TO_DATE,
        None,
        0,
    )
    assert result.current_exists_upstream


def test_ahead_when_packaged_version_is_newer_than_every_release() -> None:
    result = recommend_version("2.1.0", BRANCHES)
    assert result.status is Status.AHEAD
    assert result.recommended is None
    assert not result.current_exists_upstream


def test_unknown_current_still_recommends() -> None:
    result = recommend_version("1.2.3.1", BRANCHES)
    assert result.status is Status.UNKNOWN_CURRENT
    assert version_of(result.recommended) == "2.0.0"
    assert not result.current_exists_upstream


def test_no_releases() -> None:
    result = recommend_version("1.0", [])
    assert (result.status, result.recommended, result.newest) == (Status.NO_RELEASES, None, None)


def test_current_is_found_in_rpm_terms() -> None:
    result = recommend_version("1.0~rc1", releases("1.0-rc1", "0.9"))
    assert result.current_exists_upstream
    assert result.status is Status.UP_TO_DATE


def test_days_behind_come_from_release_dates() -> None:
    history = dated(("1.0", "2020-01-01"), ("1.1", "2020-03-01"), ("1.2", "2020-04-10"))
    assert recommend_version("1.0", history).days_behind == 100
    assert recommend_version("1.2", history).days_behind is None  # nothing recommended
    assert recommend_version("1.0", releases("1.0", "1.1")).days_behind is None  # no dates


def test_days_behind_is_never_negative() -> None:
    # 1.3 came out before the 1.2.9 backport that is packaged.
    history = dated(("1.2.9", "2021-06-01"), ("1.3", "2021-01-01"))
    assert recommend_version("1.2.9", history).days_behind == 0


# --- traps ----------------------------------------------------------------------------


def test_pre_release_newer_than_the_latest_stable_is_not_recommended() -> None:
    upstream = releases("1.3.0", "1.4.0-beta.2", "1.4.0-rc.1")
    result = recommend_version("1.3.0", upstream)
    assert result.status is Status.UP_TO_DATE
    assert result.recommended is None
    assert version_of(result.newest) == "1.4.0-rc.1"
    assert version_of(result.newest_stable) == "1.3.0"
    assert "Newer prerelease 1.4.0-rc.1 not taken." in result.reason


def test_pre_release_is_recommended_when_allowed() -> None:
    upstream = releases("1.3.0", "1.4.0-beta.2", "1.4.0-rc.1")
    result = recommend_version("1.3.0", upstream, Policy(allow_prerelease=True))
    assert version_of(result.recommended) == "1.4.0-rc.1"


def test_a_release_beats_its_own_pre_releases() -> None:
    upstream = releases("1.4.0-rc.1", "1.4.0", "1.4.0-beta.2")
    result = recommend_version("1.3.0", upstream, Policy(allow_prerelease=True))
    assert version_of(result.recommended) == "1.4.0"


def test_upstream_prerelease_flag_is_honoured() -> None:
    upstream = [Release("v1.0", "1.0"), Release("v1.1", "1.1", prerelease=True)]
    assert version_of(recommend_version("1.0", upstream).recommended) is None


def test_date_tags_beside_semantic_ones_do_not_win() -> None:
    upstream = releases("1.2.0", "1.3.0", "20150213.1")
    result = recommend_version("1.2.0", upstream)
    assert version_of(result.recommended) == "1.3.0"
    assert version_of(result.newest) == "1.3.0"
    assert set_aside(result) == {
        "20150213.1": "date-serial numbering, not the numeric numbering compared here"
    }


def test_date_numbered_packages_follow_dates() -> None:
    upstream = releases("1.2.0", "20150213", "20150301.1")
    result = recommend_version("20150213", upstream)
    assert version_of(result.recommended) == "20150301.1"
    assert result.versions_behind == 1


def test_rpm_order_decides_1_04_against_1_3() -> None:
    # rpm compares 04 as the number 4: 1.04 is newer than 1.3. Perl's decimal reading
    # (1.04 < 1.3) is not what rpm will do with the package, so it is not followed here.
    result = recommend_version("1.3", releases("1.3", "1.04"))
    assert version_of(result.recommended) == "1.04"


def test_placeholders_are_set_aside_not_recommended() -> None:
    upstream = releases("1.2.0", "1.3.0", "9000", "99999", "0.0.0")
    result = recommend_version("1.2.0", upstream)
    assert version_of(result.recommended) == "1.3.0"
    assert set_aside(result) == dict.fromkeys(
        ("9000", "99999", "0.0.0"), "a placeholder, not a release"
    )


def test_branch_names_from_an_api_are_set_aside() -> None:
    upstream = releases("1.2.0", "2.0-branch-foo", "3.x")
    result = recommend_version("1.2.0", upstream)
    assert result.recommended is None
    assert set(set_aside(result)) == {"2.0-branch-foo", "3.x"}


def test_a_fork_major_far_above_the_rest_is_suspicious() -> None:
    upstream = releases("2.0.0", "2.1.0", "3.0.0", "99.0", "99.1")
    result = recommend_version("2.0.0", upstream)
    assert version_of(result.recommended) == "3.0.0"
    assert set(set_aside(result)) == {"99.0", "99.1"}
    assert "jumps from 3 to 99" in set_aside(result)["99.0"]


def test_steady_majors_are_not_suspicious() -> None:
    upstream = releases(*(f"{major}.0" for major in range(1, 40)))
    assert version_of(recommend_version("1.0", upstream).recommended) == "39.0"


def test_max_major_jump_is_a_policy_setting() -> None:
    upstream = releases("2.0", "7.0")
    assert recommend_version("2.0", upstream).recommended is not None
    assert recommend_version("2.0", upstream, Policy(max_major_jump=3)).recommended is None


def test_a_higher_major_line_that_died_before_the_packaged_release_is_suspicious() -> None:
    # Real at-spi2-core data: a lone AT_SPI2_CORE_3_6_3 tag of 2012 beside 2.36.0 of 2020.
    upstream = dated(("2.34.0", "2019-09-09"), ("2.36.0", "2020-03-07"), ("3.6.3", "2012-12-10"))
    result = recommend_version("2.34.0", upstream)
    assert version_of(result.recommended) == "2.36.0"
    assert "predates the packaged 2.34.0" in set_aside(result)["3.6.3"]


def test_a_new_major_released_shortly_before_a_backport_is_not_suspicious() -> None:
    upstream = dated(("2.0.0", "2021-01-01"), ("1.9.5", "2021-06-01"))
    assert version_of(recommend_version("1.9.5", upstream).recommended) == "2.0.0"


@pytest.mark.parametrize(
    ("tag", "rules"),
    [
        ("gopls/v0.15.0", TagRules(package_name="gopls")),
        ("release-0.15.0", TagRules()),
        ("gopls-0.15.0", TagRules(package_name="gopls")),
        ("0.15.0-final", TagRules()),
        ("0_15_0", TagRules()),
    ],
)
def test_prefixed_suffixed_and_separated_tags_are_recommended_by_version(
    tag: str, rules: TagRules
) -> None:
    upstream = releases_from_tags([("v0.14.2", None), (tag, None)], rules)
    result = recommend_version("0.14.2", upstream)
    assert version_of(result.recommended) == "0.15.0"


def test_patch_level_tags_are_recommended_after_their_base() -> None:
    upstream = releases_from_tags([("V_8_3", None), ("V_8_3_P1", None)])
    assert version_of(recommend_version("8.3", upstream).recommended) == "8.3p1"


def test_gnome_odd_minor_series_are_skipped_when_the_project_uses_them() -> None:
    upstream = releases("2.78.3", "2.78.4", "2.79.1", "2.79.2")
    gnome = Policy(gnome_odd_minor=True)
    assert version_of(recommend_version("2.78.3", upstream, gnome).recommended) == "2.78.4"
    assert version_of(recommend_version("2.78.3", upstream).recommended) == "2.79.2"
    with_80 = releases("2.78.4", "2.79.1", "2.80.0")
    assert version_of(recommend_version("2.78.4", with_80, gnome).recommended) == "2.80.0"


def test_duplicate_versions_are_counted_once() -> None:
    upstream = [Release("v1.1", "1.1"), Release("1.1", "1.1"), Release("v1.0", "1.0")]
    result = recommend_version("1.0", upstream)
    assert result.versions_behind == 1
    assert set_aside(result) == {"1.1": "same version as tag 'v1.1'"}


def test_recommendation_is_immutable() -> None:
    result = recommend_version("1.0", releases("1.0"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.status = Status.OUTDATED  # type: ignore[misc]


# --- real openEuler upstream metadata -------------------------------------------------


def _load(path: Path) -> dict[str, Any] | None:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    document = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    return document if isinstance(document, dict) else None


def _dated_tags(document: dict[str, Any]) -> list[tuple[str, dt.datetime | None]]:
    tags: list[tuple[str, dt.datetime | None]] = []
    for entry in document.get("git_tag") or ():
        day, _, tag = str(entry).partition(" ")
        try:
            tags.append((tag, dt.datetime.fromisoformat(day)))
        except ValueError:
            tags.append((str(entry), None))
    return tags


def _real_files() -> Iterator[tuple[str, dict[str, Any]]]:
    if not UPSTREAM_INFO.is_dir():
        skip_environment(f"real data not found at {UPSTREAM_INFO}")
    for path in sorted(UPSTREAM_INFO.glob("*.yaml")):
        document = _load(path)
        if document and document.get("git_tag"):
            yield path.stem, document


def _real(name: str) -> tuple[TagRules, list[Release]]:
    path = UPSTREAM_INFO / f"{name}.yaml"
    if not path.is_file():
        skip_environment(f"real data not found at {path}")
    document = _load(path)
    assert document is not None
    rules = TagRules.from_mapping(document, package_name=name)
    return rules, releases_from_tags(_dated_tags(document), rules)


def test_every_real_tag_list_reads_without_crashing() -> None:
    files = tags = accepted = 0
    for name, document in _real_files():
        if not any(key in document for key in ("tag_prefix", "separator", "tag_pattern")):
            continue
        try:
            rules = TagRules.from_mapping(document, package_name=name)
        except InvalidTagRules:
            continue  # a clean, named error is an acceptable outcome for broken metadata
        files += 1
        for tag, _ in _dated_tags(document):
            tags += 1
            reading = read_tag(tag, rules)
            assert (reading.version is None) != (reading.rejected is None), reading
            accepted += reading.version is not None
        recommend_version("0.1", releases_from_tags(_dated_tags(document), rules))
    assert files > 600
    assert tags > 9000
    assert accepted > tags // 2


# Expected values read by hand from the tag lists.
REAL_NEWEST_STABLE = [
    # cares-1_16_1 is the newest cares- tag; the repository's older curl-7_20_0 tags must
    # not count (tag_prefix drops them), and cares-1_11_0-rc1 is a pre-release.
    ("c-ares", "1.16.1"),
    # v1.4.0-beta.2 is newer, but a pre-release.
    ("containerd", "1.3.0"),
    # 5.3b1 is a pre-release, 4.1-retracted no release; 3.13 sorts above 3.09 by rpm.
    ("PyYAML", "5.3.1"),
    # psx/ and cap/ are other Go modules of the repository, libcap-korg-* mirror tags.
    ("libcap", "2.41"),
    # separator "-" turns 6.9.11-24 into 6.9.11.24.
    ("ImageMagick", "6.9.11.24"),
    # tag_prefix "release_" and separator "_".
    ("autofs", "5.1.6"),
]


@pytest.mark.parametrize(("name", "expected"), REAL_NEWEST_STABLE)
def test_real_newest_stable_versions(name: str, expected: str) -> None:
    _, upstream = _real(name)
    assert version_of(recommend_version("0.1", upstream).newest_stable) == expected


def test_real_containerd_newest_is_the_beta() -> None:
    _, upstream = _real("containerd")
    result = recommend_version("1.3.0", upstream)
    assert version_of(result.newest) == "1.4.0-beta.2"
    assert result.status is Status.UP_TO_DATE


def test_real_at_spi2_core_follows_gnome_stable_series_past_a_stray_tag() -> None:
    _, upstream = _real("at-spi2-core")
    result = recommend_version("2.34.0", upstream, Policy(gnome_odd_minor=True))
    assert version_of(result.recommended) == "2.36.0"
    assert "3.6.3" in set_aside(result)  # a 2012 tag that rpm would rank above 2.36.0
    assert result.days_behind == (dt.date(2020, 3, 7) - dt.date(2019, 9, 9)).days
    lts_policy = Policy(gnome_odd_minor=True, track=Track.SAME_MINOR)
    lts = recommend_version("2.34.0", upstream, lts_policy)
    assert lts.recommended is None  # no 2.34.x after 2.34.0


def test_real_acpica_dates_are_reordered_and_followed() -> None:
    _, upstream = _real("acpica-tools")
    result = recommend_version("20200528", upstream)
    assert version_of(result.recommended) == "20200717"
    assert result.versions_behind == 1


def test_real_crontabs_date_versions() -> None:
    _, upstream = _real("crontabs")
    assert version_of(recommend_version("20190530", upstream).recommended) == "20190603"


def _versions(upstream: Sequence[Release]) -> set[str]:
    return {release.version for release in upstream}


def test_real_c_ares_drops_the_curl_tags() -> None:
    _, upstream = _real("c-ares")
    assert not any(version.startswith("7.") for version in _versions(upstream))
    assert "1.11.0-rc1" in _versions(upstream)
