"""Specification of tag → version → release class (:mod:`steward.upstream.versions`)."""

from __future__ import annotations

import doctest
import functools

import pytest
from packaging.version import Version

import steward.upstream.versions as versions_module
from steward.upstream.versions import (
    InvalidTagRules,
    Release,
    ReleaseClass,
    TagRules,
    VersionScheme,
    classify_release,
    classify_version,
    comparable_group,
    compare_versions,
    is_placeholder,
    numeric_parts,
    read_tag,
    releases_from_tags,
    rpm_version,
    tag_to_version,
    version_problem,
    version_scheme,
)


def test_docstring_examples_hold() -> None:
    result = doctest.testmod(versions_module)
    assert result.attempted > 20
    assert result.failed == 0


# --- openEuler rules ------------------------------------------------------------------


def test_tag_prefix_is_a_regex_matched_at_the_start() -> None:
    rules = TagRules(tag_prefix="^v|sdk-")
    assert tag_to_version("v1.2.3", rules) == "1.2.3"
    assert tag_to_version("sdk-1.2.3", rules) == "1.2.3"


def test_tags_not_matching_tag_prefix_are_dropped() -> None:
    rules = TagRules(tag_prefix="cares-", separator="_")
    assert tag_to_version("curl-7_20_0", rules) is None
    assert read_tag("curl-7_20_0", rules).rejected == "does not start with tag_prefix"


def test_tag_prefix_is_stripped_once_not_everywhere() -> None:
    # openEuler-Advisor ran re.sub over the whole tag, turning v1.0-dev into 1.0-de.
    assert tag_to_version("v1.0-dev", TagRules(tag_prefix="v")) == "1.0-dev"


def test_separator_is_a_regex_replaced_by_dots() -> None:
    assert tag_to_version("cares-1_18_1", TagRules(tag_prefix="cares-", separator="_")) == "1.18.1"
    assert tag_to_version("6.9.11-24", TagRules(tag_prefix="^", separator="-")) == "6.9.11.24"
    assert tag_to_version("1_2-3", TagRules(separator="[_-]")) == "1.2.3"


def test_dot_separator_means_no_separator() -> None:
    assert tag_to_version("1.2.3", TagRules(separator=".")) == "1.2.3"


def test_tag_pattern_keeps_its_first_group() -> None:
    rules = TagRules(tag_pattern="(.*).Final")
    assert tag_to_version("2.0.1.Final", rules) == "2.0.1"
    assert read_tag("2.0.1", rules).rejected == "does not match tag_pattern"
    tarball = TagRules(tag_pattern=r"sharutils-(.*).tar.gz(.sig)?")
    assert tag_to_version("sharutils-4.15.2.tar.gz.sig", tarball) == "4.15.2"


def test_tag_pattern_without_group_strips_like_a_prefix() -> None:
    assert tag_to_version("v2.1", TagRules(tag_pattern="^v")) == "2.1"


def test_tag_pattern_alternative_without_the_group_keeps_the_rest() -> None:
    rules = TagRules(tag_pattern="v|quartz-(.*)")
    assert tag_to_version("quartz-2.3.2", rules) == "2.3.2"
    assert tag_to_version("v2.3.0", rules) == "2.3.0"


def test_tag_pattern_wins_over_tag_prefix() -> None:
    rules = TagRules(tag_pattern="rel-(.*)", tag_prefix="^v")
    assert tag_to_version("rel-1.0", rules) == "1.0"


def test_tag_reorder_rewrites_acpica_dates_into_sortable_numbers() -> None:
    rules = TagRules(
        tag_reorder=r"^R(\d\d)_?(\d\d)_?(\d\d)", tag_neworder=r"20\3\1\2", separator="_"
    )
    assert tag_to_version("R07_17_20", rules) == "20200717"
    assert tag_to_version("R12_13_19", rules) == "20191213"


def test_invalid_rules_raise_one_error_type_naming_the_key() -> None:
    with pytest.raises(InvalidTagRules, match="tag_pattern"):
        TagRules(tag_pattern="(")
    with pytest.raises(InvalidTagRules, match="tag_neworder is missing"):
        TagRules(tag_reorder="(a)")
    with pytest.raises(InvalidTagRules, match="invalid group reference"):
        TagRules(tag_reorder="(a)", tag_neworder=r"\2")
    with pytest.raises(InvalidTagRules, match="matches the empty string"):
        TagRules(separator="_?")
    with pytest.raises(InvalidTagRules, match="to_pattern is missing"):
        TagRules(from_pattern="a")
    assert issubclass(InvalidTagRules, ValueError)


def test_from_mapping_treats_na_and_empty_as_absent() -> None:
    rules = TagRules.from_mapping(
        {"tag_prefix": "NA", "separator": "", "tag_pattern": None, "src_repo": "x/y"},
        package_name="y",
    )
    assert rules == TagRules(package_name="y")


# --- nvchecker rules ------------------------------------------------------------------


def test_nvchecker_prefix_is_literal_and_required() -> None:
    rules = TagRules(prefix="v.")
    assert tag_to_version("v.1.2", rules) == "1.2"
    assert tag_to_version("vx1.2", rules) is None  # '.' is no regex here


def test_nvchecker_include_and_exclude_regex_match_the_whole_tag() -> None:
    rules = TagRules(include_regex=r"v\d+\.\d+", exclude_regex=r"v1\..*")
    assert tag_to_version("v2.0", rules) == "2.0"
    assert tag_to_version("v2.0-rc1", rules) is None  # include must match all of it
    assert tag_to_version("v1.9", rules) is None


def test_nvchecker_from_and_to_pattern_substitute() -> None:
    rules = TagRules(from_pattern=r"(\d+)-(\d+)-(\d+)", to_pattern=r"\1.\2.\3")
    assert tag_to_version("OpenJDK-17-0-2", rules) is None  # still needs a version after
    assert tag_to_version("17-0-2-ga", rules) == "17.0.2"


def test_nvchecker_ignored_drops_versions_and_tags() -> None:
    rules = TagRules.from_mapping({"ignored": "1.2.3 v1.2.4"})
    assert tag_to_version("v1.2.3", rules) is None
    assert tag_to_version("v1.2.4", rules) is None
    assert tag_to_version("v1.2.5", rules) == "1.2.5"


# --- common clean-ups -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "version"),
    [
        ("v1.2.3", "1.2.3"),
        ("V1.2.3", "1.2.3"),
        ("release-1.2.3", "1.2.3"),
        ("release_1_2_3", "1.2.3"),
        ("Release-2.1", "2.1"),
        ("rel-1-7-0", "1.7.0"),
        ("ver-3.0", "3.0"),
        ("version-3.44.0", "3.44.0"),
        ("version_2_37", "2.37"),
        ("refs/tags/v1.2", "1.2"),
        ("upstream/3.5.25", "3.5.25"),
    ],
)
def test_common_prefixes_are_stripped(tag: str, version: str) -> None:
    assert tag_to_version(tag) == version


@pytest.mark.parametrize(
    ("name", "tag", "version"),
    [
        ("bash", "bash-5.0", "5.0"),
        ("libnetfilter_conntrack", "libnetfilter_conntrack-1.0.8", "1.0.8"),
        ("copy-jdk-configs", "copy_jdk_configs-3.7", "3.7"),
        ("c-ares", "cares-1_18_1", "1.18.1"),
        ("at-spi2-core", "AT_SPI2_CORE_2_36_0", "2.36.0"),
        ("python-hypothesis", "hypothesis-python-5.22.0", "5.22.0"),
        ("bzip2", "bzip2-1.0.8", "1.0.8"),
        ("gexiv2", "gexiv2-v0.12.1", "0.12.1"),
    ],
)
def test_package_name_prefixes_are_stripped(name: str, tag: str, version: str) -> None:
    assert tag_to_version(tag, TagRules(package_name=name)) == version


@pytest.mark.parametrize(
    ("name", "tag", "version"),
    [
        ("389-ds-base", "389-ds-base-2.3.4", "2.3.4"),
        ("7zip", "7zip-23.01", "23.01"),
        ("7zip", "7zip23.01", "23.01"),
        ("2048", "2048-1.2", "1.2"),
        ("2048", "2048_1_2", "1.2"),
        # Digits and dots alone are a version, whatever the name: 2048.1 is no "2048" + "1".
        ("2048", "2048.1", "2048.1"),
        ("2048", "1.2", "1.2"),
    ],
)
def test_names_that_start_with_a_digit(name: str, tag: str, version: str) -> None:
    assert tag_to_version(tag, TagRules(package_name=name)) == version


def test_monorepo_path_counts_only_when_it_names_the_package() -> None:
    assert tag_to_version("gopls/v0.14.2", TagRules(package_name="gopls")) == "0.14.2"
    assert tag_to_version("gopls/v0.14.2", TagRules(package_name="golang-x-tools-gopls")) == (
        "0.14.2"
    )
    assert tag_to_version("gopls/v0.14.2", TagRules(package_name="golang-x-tools")) is None
    assert tag_to_version("psx/v0.2.41", TagRules(package_name="libcap")) is None


def test_packaging_tags_are_not_upstream_versions() -> None:
    assert read_tag("debian/3.5.25-1").rejected == "path 'debian/' does not name this package"


@pytest.mark.parametrize(
    ("tag", "version"),
    [
        ("1_2_3", "1.2.3"),
        ("cares-1_11_0-rc1", "1.11.0-rc1"),
        ("3-2", "3.2"),
        ("2_8_5", "2.8.5"),
    ],
)
def test_without_a_separator_rule_underscores_and_dashes_between_numbers_become_dots(
    tag: str, version: str
) -> None:
    assert tag_to_version(tag, TagRules(package_name="c-ares")) == version


@pytest.mark.parametrize(
    ("tag", "version"),
    [
        ("1.2.3-final", "1.2.3"),
        ("2.0.1.Final", "2.0.1"),
        ("4.3.9.RELEASE", "4.3.9"),
        ("0.6.0-release", "0.6.0"),
        ("2.1-GA", "2.1"),
    ],
)
def test_release_suffixes_are_stripped(tag: str, version: str) -> None:
    assert tag_to_version(tag) == version


@pytest.mark.parametrize(
    ("tag", "version"),
    [("V_8_3_P1", "8.3p1"), ("1.2.3_p1", "1.2.3p1"), ("9.0-p2", "9.0p2"), ("8.3p1", "8.3p1")],
)
def test_patch_levels_become_a_p_suffix(tag: str, version: str) -> None:
    assert tag_to_version(tag) == version


def test_a_patch_level_is_a_stable_release_after_its_base() -> None:
    assert classify_version("8.3p1").release_class is ReleaseClass.STABLE
    assert compare_versions("8.3p1", "8.3") == 1
    assert compare_versions("8.3p1", "8.4") == -1


@pytest.mark.parametrize(
    ("tag", "reason"),
    [
        ("latest", "does not start with a digit"),
        ("nightly", "does not start with a digit"),
        ("stable", "does not start with a digit"),
        ("master", "does not start with a digit"),
        ("llvmorg-12-init", "does not start with a digit"),
        ("", "empty tag"),
        ("2.0-branch-foo", "contains 'branch': a branch or non-release tag"),
        ("99.0-fork", "contains 'fork': a branch or non-release tag"),
        ("1.6-maint", "contains 'maint': a branch or non-release tag"),
        ("4.1-retracted", "contains 'retracted': a branch or non-release tag"),
        # Real tags: tcpdump's branch point tcpdump-4.9.0-bp, crypto-policies' f32-updates.
        ("4.9.0-bp", "contains 'bp': a branch or non-release tag"),
        ("32-updates", "contains 'updates': a branch or non-release tag"),
        ("2.x", "a branch name like 1.x"),
        ("3ad1f2e9", "looks like a commit hash"),
        ("1.0 beta", "contains characters a version cannot have"),
        ("9000", "a placeholder, not a release"),
        ("9999", "a placeholder, not a release"),
        ("v99999", "a placeholder, not a release"),
        ("0.0.0", "a placeholder, not a release"),
    ],
)
def test_non_versions_are_rejected_with_a_reason(tag: str, reason: str) -> None:
    reading = read_tag(tag)
    assert reading.version is None
    assert reading.rejected == reason


def test_placeholders_are_recognised_but_years_and_ordinary_numbers_are_not() -> None:
    assert [is_placeholder(v) for v in ("9000", "10000.0", "999", "0", "0.0")] == [True] * 5
    assert [is_placeholder(v) for v in ("2000", "1.0", "100", "99", "37", "9000.1")] == [False] * 6


def test_version_problem_accepts_real_versions() -> None:
    for version in ("1.2.3", "1.1.1g", "20150213.1", "2.1.fb24", "10.2+2.0.1", "1.0~rc1"):
        assert version_problem(version) is None, version


def test_releases_from_tags_keeps_one_release_per_version_with_dates() -> None:
    releases = releases_from_tags([("v1.0", None), ("1.0", None), ("latest", None)])
    assert releases == [Release("v1.0", "1.0")]


# --- classification -------------------------------------------------------------------


@pytest.mark.parametrize(
    "version",
    [
        "1.0-alpha",
        "1.0alpha2",
        "1.0-beta",
        "2.0b1",
        "1.0a1",
        "1.0c1",
        "1.0rc1",
        "1.0-rc1",
        "1.0~rc1",
        "1.0.rc1",
        "1.0-RC1",
        "1.0.0-beta.2",
        "1.0.0-rc.1",
        "1.0.dev3",
        "2.7.0.pre1",
        "1.0-preview2",
        "5.0.0-M3",
        "1.0.0.CR1",
        "1.27-TRIAL",
        "0.5.0-test4",
    ],
)
def test_pre_releases_are_recognised(version: str) -> None:
    assert classify_version(version).release_class is ReleaseClass.PRERELEASE


@pytest.mark.parametrize(
    "version",
    ["1.0", "1.1.1g", "0.97a", "1.48.10a", "1.0.post1", "2.1.fb24", "0.48.3argonaut", "3.6"],
)
def test_letter_releases_and_post_releases_are_stable(version: str) -> None:
    assert classify_version(version).release_class is ReleaseClass.STABLE


@pytest.mark.parametrize(
    "version",
    ["1.0a1", "1.0b2", "1.0rc1", "1.0.dev3", "1.0.post1", "2.0", "1.0.0rc3", "3.0b1"],
)
def test_pep440_versions_classify_as_packaging_does(version: str) -> None:
    found = classify_version(version).release_class
    assert (found is ReleaseClass.PRERELEASE) == Version(version).is_prerelease


@pytest.mark.parametrize(
    ("version", "reason"),
    [
        ("1.2-3-gabcdef1", "git describe output: commits after a tag"),
        ("1.0^git20200101.abcdef", "'^' marks a post-release snapshot"),
        ("1.0+git20200101", "'git' marks a snapshot"),
        ("2.0-SNAPSHOT", "'snapshot' marks a snapshot"),
        ("1.0-nightly", "'nightly' marks a snapshot"),
        ("20150213.1", "a date, not a release number"),
    ],
)
def test_snapshots_are_recognised(version: str, reason: str) -> None:
    assert classify_version(version) == versions_module.Classification(
        ReleaseClass.SNAPSHOT, reason
    )


def test_dates_are_releases_for_projects_that_release_by_date() -> None:
    found = classify_version("20150213.1", date_versions=True)
    assert found.release_class is ReleaseClass.STABLE


def test_gnome_odd_minor_series_are_development_only_when_asked() -> None:
    assert classify_version("2.79.1", gnome_odd_minor=True).release_class is (
        ReleaseClass.DEVELOPMENT
    )
    assert classify_version("2.78.4", gnome_odd_minor=True).release_class is ReleaseClass.STABLE
    assert classify_version("2.80.0", gnome_odd_minor=True).release_class is ReleaseClass.STABLE
    assert classify_version("2.79.1").release_class is ReleaseClass.STABLE


def test_upstream_prerelease_flag_overrides_a_stable_looking_version() -> None:
    flagged = Release("v2.0", "2.0", prerelease=True)
    assert classify_release(flagged).release_class is ReleaseClass.PRERELEASE
    unflagged = Release("v2.0-rc1", "2.0-rc1", prerelease=False)
    assert classify_release(unflagged).release_class is ReleaseClass.PRERELEASE


# --- order and schemes ----------------------------------------------------------------


def _sorted(values: list[str]) -> list[str]:
    return sorted(values, key=functools.cmp_to_key(compare_versions))


def test_pre_releases_sort_before_their_release_and_snapshots_after() -> None:
    assert _sorted(["1.0", "1.0.1", "1.0-rc1", "1.0-beta.2", "1.0-3-gabcdef1"]) == [
        "1.0-beta.2",
        "1.0-rc1",
        "1.0",
        "1.0-3-gabcdef1",
        "1.0.1",
    ]


def test_rpm_reads_numbers_not_decimals() -> None:
    # rpm compares 04 as 4, so 1.04 is newer than 1.3; Perl-style decimal versions disagree,
    # and rpm's answer is the one the distribution lives with.
    assert compare_versions("1.04", "1.3") == 1
    assert compare_versions("1.010", "1.10") == 0


def test_rpm_version_is_what_a_packager_writes() -> None:
    assert rpm_version("1.0.0-rc.1") == "1.0.0~rc.1"
    assert rpm_version("2.0b1") == "2.0~b1"
    assert rpm_version("1.2-3-g1a2b3c4") == "1.2^3.g1a2b3c4"  # a hash letter is no marker
    assert rpm_version("6.9.11-24") == "6.9.11.24"
    for version in ("1.0.0-rc.1", "2.0b1", "1.2-3-g1a2b3c4", "1.0~rc1", "1.0^git1"):
        assert rpm_version(rpm_version(version)) == rpm_version(version)
        assert "-" not in rpm_version(version)


@pytest.mark.parametrize(
    ("version", "scheme", "group"),
    [
        ("1.2.3", VersionScheme.SEMANTIC, "numeric"),
        ("37", VersionScheme.SINGLE_NUMBER, "numeric"),
        ("2023.1", VersionScheme.CALENDAR, "calendar"),
        ("2020.07.06", VersionScheme.CALENDAR, "calendar"),
        ("2024a", VersionScheme.CALENDAR, "calendar"),
        ("20150213", VersionScheme.DATE_SERIAL, "date"),
        ("20150213.1", VersionScheme.DATE_SERIAL, "date"),
        ("20200717", VersionScheme.DATE_SERIAL, "date"),
        ("12345678", VersionScheme.SINGLE_NUMBER, "numeric"),  # not a date
        ("latest", VersionScheme.UNKNOWN, "unknown"),
    ],
)
def test_version_schemes(version: str, scheme: VersionScheme, group: str) -> None:
    assert version_scheme(version) is scheme
    assert comparable_group(version) == group


def test_numeric_parts_are_the_leading_numbers() -> None:
    assert numeric_parts("2.79.1") == (2, 79, 1)
    assert numeric_parts("1.0-rc1") == (1, 0)
    assert numeric_parts("v1") == ()


@pytest.mark.parametrize(
    "version",
    ["0.7.1-0.20240101120000-abcdef123456", "1.2.3-pre.0.20231224093012-0123456789ab"],
)
def test_go_pseudo_versions_are_snapshots(version: str) -> None:
    assert classify_version(version).release_class is ReleaseClass.SNAPSHOT
