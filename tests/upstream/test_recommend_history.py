"""Specification of the answers read from a project's own history (:mod:`steward.upstream.recommend`).

Stale tag rules, a change of version scheme, odd-minor development series and an unknown
packaged version. The tag sets are real ones, or shaped like them: openEuler's metadata in
``../shared/data/upstream-info`` where it holds the case, else tags as the named projects
write them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from steward.distro.metadata import load_upstream_info
from steward.upstream.engine import releases_for, releases_outside_rules
from steward.upstream.recommend import (
    ODD_MINOR_FROM_HISTORY,
    InvalidPolicy,
    Policy,
    Recommendation,
    Track,
    findings_in,
    odd_minor_rule,
    recommend_from_tags,
    recommend_version,
)
from steward.upstream.resolve import resolve_from_metadata
from steward.upstream.sources.base import Upstream
from steward.upstream.versions import Release, TagRules

UPSTREAM_INFO = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "upstream-info"
HISTORY = Policy(gnome_odd_minor=ODD_MINOR_FROM_HISTORY)


def tags(*pairs: tuple[str, str]) -> list[Release]:
    """Raw tags as a git backend lists them: the tag, the tag again, the date."""
    return [Release(tag, tag, dt.datetime.fromisoformat(day)) for tag, day in pairs]


def dated(*pairs: tuple[str, str]) -> list[Release]:
    return [Release(f"v{v}", v, dt.datetime.fromisoformat(day)) for v, day in pairs]


def version_of(release: Release | None) -> str | None:
    return None if release is None else release.version


def check_tags(
    current: str, raw: list[Release], upstream: Upstream, policy: Policy | None = None
) -> tuple[list[Release], Recommendation]:
    """What the engine does with a tag backend's answer (``check_package``)."""
    releases, notes = releases_for(raw, upstream, tags=True)
    outside = releases_outside_rules(raw, upstream.rules) if not notes else []
    return recommend_from_tags(current, releases, outside, policy)


def at_spi2_core(rules: TagRules | None = None) -> Upstream:
    rules = rules or TagRules(
        tag_prefix="AT_SPI2_CORE_", separator="_", package_name="at-spi2-core"
    )
    return Upstream("git", "https://gitlab.gnome.org/GNOME/at-spi2-core.git", rules=rules)


def real(name: str) -> tuple[Upstream, list[Release]]:
    path = UPSTREAM_INFO / f"{name}.yaml"
    if not path.is_file():
        pytest.skip(f"real data not found at {path}")
    info = load_upstream_info(path)
    upstream = resolve_from_metadata(name, info)
    assert isinstance(upstream, Upstream)
    raw = [
        Release(
            t.tag, t.tag, dt.datetime(t.date.year, t.date.month, t.date.day) if t.date else None
        )
        for t in info.git_tag
    ]
    return upstream, raw


# --- stale tag rules ------------------------------------------------------------------

# at-spi2-core tagged AT_SPI2_CORE_2_36_0 until 2020, then plain 2.38.0: openEuler's
# tag_prefix still names the old family.
AT_SPI2_CORE_TAGS = tags(
    ("AT_SPI2_CORE_2_34_0", "2019-09-09"),
    ("AT_SPI2_CORE_2_35_92", "2020-02-29"),
    ("AT_SPI2_CORE_2_36_0", "2020-03-07"),
    ("2.37.90", "2020-08-25"),
    ("2.38.0", "2020-09-12"),
    ("2.39.1", "2021-01-05"),
    ("2.40.0", "2021-03-22"),
)


def test_tags_past_a_stale_prefix_are_followed_and_reported() -> None:
    releases, result = check_tags("2.36.0", AT_SPI2_CORE_TAGS, at_spi2_core(), HISTORY)
    assert version_of(result.recommended) == "2.40.0"
    assert result.findings == ("stale-tag-rules",)
    # Both answers are in the reason: the rules' and the continuing tags'.
    assert "2.36.0 (tag AT_SPI2_CORE_2_36_0, 2020-03-07)" in result.reason
    assert "2.40.0 (tag 2.40.0, 2021-03-22)" in result.reason
    assert "followed" in result.reason
    assert result.recommended in releases  # the answer is drawn from the listed releases


def test_stale_rules_are_reported_when_they_find_nothing_newer_than_the_package() -> None:
    _, result = check_tags("2.36.0", AT_SPI2_CORE_TAGS[:3] + AT_SPI2_CORE_TAGS[4:5], at_spi2_core())
    # One newer tag, 2.38.0, right after 2.36.0 by date and number: clear enough.
    assert version_of(result.recommended) == "2.38.0"
    assert "stale-tag-rules" in result.findings


def test_thin_evidence_is_reported_but_not_followed() -> None:
    # A lone newer tag that is not the next release: the rules' answer stands.
    raw = AT_SPI2_CORE_TAGS[:3] + tags(("2.39.1", "2021-01-05"))
    releases, result = check_tags("2.34.0", raw, at_spi2_core())
    assert version_of(result.recommended) == "2.36.0"
    assert result.findings == ("stale-tag-rules",)
    assert "Not followed" in result.reason
    assert all(r.tag.startswith("AT_SPI2_CORE_") for r in releases)


def test_another_projects_tags_in_the_repository_are_not_a_continuation() -> None:
    # c-ares' repository holds curl's old tags: no version of c-ares, whatever the numbers.
    upstream = Upstream(
        "github",
        "c-ares/c-ares",
        rules=TagRules(tag_prefix="cares-", separator="_", package_name="c-ares"),
    )
    raw = tags(
        ("cares-1_15_0", "2018-10-23"),
        ("cares-1_16_1", "2020-05-11"),
        ("curl-7_20_0", "2010-02-09"),
    )
    _, result = check_tags("1.15.0", raw, upstream)
    assert version_of(result.recommended) == "1.16.1"
    assert result.findings == ()


def test_an_older_family_with_higher_numbers_is_not_a_continuation() -> None:
    # Real python-configshell: a "1.2" tag of 2013 beside v1.1.28 of 2020.
    upstream, raw = real("python-configshell")
    _, result = check_tags("1.1.28", raw, upstream)
    assert result.findings == ()
    assert version_of(result.newest_stable) == "1.1.28"


@pytest.mark.parametrize(
    ("name", "current", "rules_answer", "newest"),
    [
        # tag_prefix ^v matches v25-3 … v27-1 of 2017; 28.0 … 32.2 carry on without it.
        ("kde-settings", "27.1", "27.1", "32.2"),
        # v1.18.1 of 2016 is the last v-tag; 2.0.0 … 2.7.1 are tagged without the v.
        ("python-paramiko", "1.18.1", "1.18.1", "2.7.1"),
        # stable_release_2.44.0, then the project tagged plain 2.44.1.
        ("graphviz", "2.44.0", "2.44.0", "2.44.1"),
        # v0.2.6 of 2014, then 0.3.0 … 0.3.1 without the v; openEuler packaged 0.3.1 (its
        # src-openeuler history), a version the rules cannot see.
        ("libverto", "0.2.6", "0.2.6", "0.3.1"),
        # v1.20 of 2017, then 1.21, 1.22; openEuler went from 1.20 to 1.23 (untagged by v).
        ("leveldb", "1.20", "1.20", "1.22"),
    ],
)
def test_real_stale_tag_prefixes(name: str, current: str, rules_answer: str, newest: str) -> None:
    upstream, raw = real(name)
    plain = recommend_version(current, releases_for(raw, upstream, tags=True)[0])
    assert version_of(plain.newest_stable) == rules_answer  # what the rules alone find
    _, result = check_tags(current, raw, upstream)
    assert version_of(result.newest_stable) == newest
    assert version_of(result.recommended) == newest
    assert result.findings == ("stale-tag-rules",)


def test_rules_without_a_selecting_key_read_no_outside_tags() -> None:
    upstream = Upstream("github", "akheron/jansson", rules=TagRules(separator="_"))
    assert releases_outside_rules(tags(("v2.13", "2020-05-05")), upstream.rules) == []


# --- a change of version scheme -------------------------------------------------------

# Shaped like pyOpenSSL (0.15.1, then 16.0.0 of 2016, 17.x of 2017) and pip (10.0 → 18.0),
# with a jump too large to be ordinary: 1.x then calendar-like 20.4.0 (April 2020).
CALENDAR_LIKE = dated(
    ("1.8.0", "2018-05-02"),
    ("1.9.0", "2019-06-11"),
    ("1.9.1", "2019-11-20"),
    ("20.4.0", "2020-04-14"),
    ("20.7.1", "2020-07-30"),
    ("21.1.0", "2021-01-18"),
)


def test_a_move_to_calendar_like_majors_is_a_scheme_change_not_a_fork() -> None:
    result = recommend_version("1.9.1", CALENDAR_LIKE)
    assert version_of(result.recommended) == "21.1.0"
    assert version_of(result.newest_stable) == "21.1.0"
    assert result.findings == ("version-scheme-changed",)
    assert "from 1.9.1 to calendar-like versions (20.4.0 to 21.1.0, 3 releases)" in result.reason
    assert not result.set_aside


def test_a_scheme_change_is_reported_to_a_package_that_stays_on_its_major() -> None:
    result = recommend_version("1.9.0", CALENDAR_LIKE, Policy(track=Track.SAME_MAJOR))
    assert version_of(result.recommended) == "1.9.1"
    assert version_of(result.newest_stable) == "21.1.0"
    assert result.findings == ("version-scheme-changed",)


def test_a_move_to_four_digit_years_is_a_scheme_change() -> None:
    # Shaped like ostree (2017.x after 1.x-style numbering) and tbb (4.4 then 2017 … 2020.3).
    upstream = dated(
        ("4.3.0", "2015-02-01"),
        ("4.4.0", "2015-09-01"),
        ("2017.1", "2017-01-10"),
        ("2018.2", "2018-03-01"),
        ("2020.3", "2020-07-10"),
    )
    result = recommend_version("4.4.0", upstream)
    assert version_of(result.recommended) == "2020.3"
    assert result.findings == ("version-scheme-changed",)
    assert "from 4.4.0 to calendar versions" in result.reason


def test_old_calendar_tags_before_ordinary_numbers_are_no_scheme_change() -> None:
    # qhull tags each release twice, 2019.1 and v7.3.2; then only v-tags: ordinary numbers stay.
    upstream = dated(
        ("2015.2", "2016-01-19"),
        ("2019.1", "2019-06-28"),
        ("7.3.2", "2019-06-28"),
        ("8.0.2", "2020-09-01"),
    )
    result = recommend_version("7.3.2", upstream)
    assert version_of(result.recommended) == "8.0.2"
    assert result.findings == ()


def test_real_qhull_twin_calendar_tags_are_no_scheme_change() -> None:
    # qhull tags each release twice, 2020.1 beside v8.0.0 on the same day, since 2010.
    _, raw = real("qhull")
    upstream = Upstream("github", "qhull/qhull")  # read without the metadata's ^v
    releases, _ = releases_for(raw, upstream, tags=True)
    result = recommend_version("7.3.2", releases)
    assert version_of(result.recommended) == "8.0.0"
    assert result.findings == ()


def test_a_lone_calendar_like_tag_is_still_set_aside() -> None:
    upstream = dated(("1.8.0", "2018-05-02"), ("1.9.1", "2019-11-20"), ("20.4.0", "2020-04-14"))
    result = recommend_version("1.9.1", upstream)
    assert result.recommended is None
    assert result.findings == ()
    assert "jumps from 1 to 20" in result.set_aside[0].reason


def test_a_renumbering_run_without_years_is_followed_silently() -> None:
    # Real efibootmgr: efibootmgr-0.12 (2015), then 13 … 17 (2016-2018).
    upstream = dated(
        ("0.11.0", "2014-10-07"),
        ("0.12", "2015-05-04"),
        ("13", "2016-10-25"),
        ("14", "2016-10-25"),
        ("15", "2017-08-04"),
        ("16", "2018-04-18"),
    )
    result = recommend_version("0.12", upstream)
    assert version_of(result.recommended) == "16"
    assert result.findings == ()


# --- odd-minor development series -----------------------------------------------------


def test_glib_odd_minors_are_development_series_by_its_history() -> None:
    upstream = dated(
        ("2.78.3", "2023-12-05"),
        ("2.78.4", "2024-02-07"),
        ("2.79.1", "2024-01-23"),
        ("2.79.2", "2024-02-12"),
        ("2.80.0", "2024-03-08"),
        ("2.81.0", "2024-05-24"),
    )
    result = recommend_version("2.80.0", upstream, HISTORY)
    assert version_of(result.newest_stable) == "2.80.0"
    assert result.recommended is None
    assert "Odd minor versions read as development series" in result.reason
    assert "followed by the next even one" in result.reason


def test_real_babl_odd_minor_is_its_stable_series() -> None:
    # babl has released 0.1.x for years (BABL_0_1_70 … BABL_0_1_78 here): no even minor.
    upstream, raw = real("babl")
    _, result = check_tags("0.1.74", raw, upstream, HISTORY)
    assert version_of(result.recommended) == "0.1.78"
    assert "Odd minor versions read as releases: 0.1.x is the only series of 0.x" in result.reason


def test_marked_pre_releases_mean_odd_minors_are_releases() -> None:
    # libadwaita marks its pre-releases (1.5.beta, 1.5.rc): 1.5.0 is a stable release.
    upstream = dated(
        ("1.4.2", "2024-01-05"),
        ("1.5.beta", "2024-02-10"),
        ("1.5.rc", "2024-03-01"),
        ("1.5.0", "2024-03-15"),
        ("1.5.1", "2024-05-02"),
    )
    result = recommend_version("1.4.2", upstream, HISTORY)
    assert version_of(result.recommended) == "1.5.1"
    assert "the project marks its pre-releases (1.5.rc)" in result.reason
    # A user's explicit setting still wins over the history.
    forced = recommend_version("1.4.2", upstream, Policy(gnome_odd_minor=True))
    assert forced.recommended is None


def test_gnome_version_scheme_since_40_marks_pre_releases_so_odd_minors_are_releases() -> None:
    # gnome-shell's tags since GNOME 40: 46.alpha, 46.beta, 46.rc, 46.0, 46.1, 46.2.
    upstream = dated(
        ("45.5", "2024-03-02"),
        ("46.alpha", "2024-01-06"),
        ("46.beta", "2024-02-10"),
        ("46.rc", "2024-03-02"),
        ("46.0", "2024-03-16"),
        ("46.1", "2024-04-20"),
    )
    result = recommend_version("46.0", upstream, HISTORY)
    assert version_of(result.recommended) == "46.1"
    assert "the project marks its pre-releases (46.rc)" in result.reason


def test_only_snapshots_leave_the_gnome_default() -> None:
    assert odd_minor_rule([Release("1.2-3-gabcdef1", "1.2-3-gabcdef1")])[0] is True


def test_a_long_lived_odd_series_is_stable() -> None:
    upstream = dated(
        ("1.2.4", "2018-06-01"),
        ("1.4.0", "2019-02-01"),
        ("1.5.0", "2019-09-01"),
        ("1.5.3", "2020-04-01"),
        ("1.5.6", "2020-11-20"),
    )
    result = recommend_version("1.5.3", upstream, HISTORY)
    assert version_of(result.recommended) == "1.5.6"
    assert "has been released for 446 days with no even minor after it" in result.reason


def test_real_glibmm_odd_minors_stepping_by_two_are_development_series() -> None:
    # Real glibmm24 list: 2.59.1, 2.61.1, 2.63.1, 2.65.1 … 2.65.3; the even ones are stable.
    upstream, raw = real("glibmm24")
    _, result = check_tags("2.64.2", raw, upstream, HISTORY)
    assert result.recommended is None
    assert result.newest_stable is None
    assert "step by two" in result.reason


@pytest.mark.parametrize(
    ("versions", "uses", "why"),
    [
        (("0.99.1", "0.99.5"), True, "0.99 leads to the next major"),
        (("2.36.0", "2.37.1"), True, "too few releases to tell"),
        (("1.1.0", "1.2.0", "1.3.0", "1.5.0"), False, "1.3 was followed by 1.5, not an even minor"),
    ],
)
def test_odd_minor_rule_says_which_rule_decided(
    versions: tuple[str, ...], uses: bool, why: str
) -> None:
    found_uses, found_why = odd_minor_rule([Release(v, v) for v in versions])
    assert found_uses is uses
    assert why in found_why


def test_a_policy_refuses_an_unknown_odd_minor_setting() -> None:
    with pytest.raises(InvalidPolicy, match="gnome_odd_minor 'sometimes'"):
        Policy(gnome_odd_minor="sometimes")  # type: ignore[arg-type]


# --- an unknown packaged version ------------------------------------------------------

UPSTREAMS = {
    # Single-number majors from 19 up (real hwinfo): nothing below them to jump from.
    "hwinfo": dated(
        ("19.0", "2013-04-01"),
        ("20.2", "2014-05-01"),
        ("21.68", "2019-10-01"),
        ("21.70", "2020-02-28"),
    ),
    "calendar-like": CALENDAR_LIKE,
    "dates": dated(("20190530", "2019-05-30"), ("20190603", "2019-06-03"), ("1.0", "2010-01-01")),
    "stray-line": dated(
        ("2.34.0", "2019-09-09"), ("2.36.0", "2020-03-07"), ("3.6.3", "2012-12-10")
    ),
}


@pytest.mark.parametrize("unknown", ["0", "0.0.0.unknown", "20200101", "git20200101", "%{ver}"])
@pytest.mark.parametrize("name", sorted(UPSTREAMS))
def test_an_unknown_packaged_version_does_not_change_the_newest_release(
    unknown: str, name: str
) -> None:
    upstream = UPSTREAMS[name]
    known = upstream[-2].version  # a release the package could be at
    reference: Recommendation = recommend_version(known, upstream)
    result = recommend_version(unknown, upstream)
    assert version_of(result.newest_stable) == version_of(reference.newest_stable)
    assert version_of(result.newest) == version_of(reference.newest)


def test_findings_are_read_back_from_a_stored_reason() -> None:
    result = recommend_version("1.9.1", CALENDAR_LIKE)
    assert findings_in(result.reason) == result.findings == ("version-scheme-changed",)
    assert findings_in(None) == ()
    assert findings_in("Nothing newer than 1.0 that the latest policy allows.") == ()
