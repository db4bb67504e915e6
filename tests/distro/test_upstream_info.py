"""Reading openEuler upstream metadata: the real 2,698 files and the mess they contain."""

from __future__ import annotations

import collections
import datetime as dt
import re
from pathlib import Path

import pytest
from envneeds import needs

from steward.distro.metadata import (
    DatedTag,
    UpstreamKind,
    load_upstream_info,
    parse_upstream_info,
)

UPSTREAM_INFO = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "upstream-info"

needs_data = needs(UPSTREAM_INFO.is_dir(), "../shared/data/upstream-info is not present")


def parse(text: str):
    return parse_upstream_info(text, source="test.yaml")


# --- well-formed files -------------------------------------------------------------------


def test_github_file_reads_every_field() -> None:
    info = parse(
        "version_control: github\n"
        "src_repo: tcsh-org/tcsh\n"
        'tag_prefix: "^TCSH"\n'
        "separator: _\n"
        "git_url: https://github.com/tcsh-org/tcsh.git\n"
        "query_type: api.github.tags\n"
    )
    assert info.kind is UpstreamKind.GITHUB
    assert info.raw_kind == "github"
    assert info.src_repo == "tcsh-org/tcsh"
    assert info.tag_prefix == "^TCSH"
    assert info.separator == "_"
    assert info.git_url == "https://github.com/tcsh-org/tcsh.git"
    assert info.query_type == "api.github.tags"
    assert info.problems == ()
    assert info.watchable


def test_git_tag_list_is_parsed_into_dated_tags() -> None:
    info = parse(
        "version_control: github\nsrc_repo: a/b\ngit_tag:\n"
        "- 2019-12-04 TCSH6_22_02\n- STABLE-2_1_2_RELEASE\n- 2019-13-45 odd\n"
    )
    assert info.git_tag == (
        DatedTag(dt.date(2019, 12, 4), "TCSH6_22_02"),
        DatedTag(None, "STABLE-2_1_2_RELEASE"),
        DatedTag(None, "2019-13-45 odd"),
    )


def test_na_placeholders_read_as_absent_values() -> None:
    info = parse("version_control: NA\nsrc_repo: NA\ntag_prefix: NA\nseparator: NA\n")
    assert info.kind is UpstreamKind.NONE
    assert (info.src_repo, info.tag_prefix, info.separator) == (None, None, None)
    assert info.problem_codes() == ("kind-na",)
    assert not info.watchable


def test_na_with_trailing_space_is_still_na() -> None:
    assert parse("version_control: 'NA '\nsrc_repo: NA\n").kind is UpstreamKind.NONE


def test_hg_raw_is_mercurial_without_complaint() -> None:
    info = parse("version_control: hg-raw\nsrc_repo: http://hg.example.org/x\n")
    assert (info.kind, info.raw_kind, info.problems) == (UpstreamKind.HG, "hg-raw", ())


def test_to_dict_has_stable_keys_and_json_values() -> None:
    info = parse(
        "version_control: github\nsrc_repo: a/b\nnote: 2020-01-02\ngit_tag:\n- 2020-01-02 v1\n"
    )
    data = info.to_dict()
    assert list(data) == [
        "source", "kind", "raw_kind", "src_repo", "tag_prefix", "separator", "tag_pattern",
        "tag_reorder", "tag_neworder", "query_type", "git_url", "svn_url", "url", "download",
        "mirror", "git_tag", "extra", "problems",
    ]  # fmt: skip
    assert data["git_tag"] == [{"date": "2020-01-02", "tag": "v1"}]
    assert data["extra"] == {"note": "2020-01-02"}


# --- problems ----------------------------------------------------------------------------


def test_misspelled_key_is_read_as_the_key_it_meant() -> None:
    info = parse("version_control: pypi\nsrc_repo: backports\nsepreator: '.'\n")
    assert info.separator == "."
    assert info.problem_codes() == ("misspelled-key",)
    assert info.problems[0].severity == "warning"
    assert "'separator'" in info.problems[0].message


def test_seperator_is_openeulers_own_spelling_and_only_an_info_note() -> None:
    # openEuler-Advisor's clean_tags reads `seperator` as well as `separator`.
    info = parse("version_control: pypi\nsrc_repo: backports\nseperator: '_'\n")
    assert info.separator == "_"
    assert info.problem_codes() == ("distro-spelling",)
    assert info.problems[0].severity == "info"


def test_seperator_and_separator_with_the_same_value_is_only_an_info_note() -> None:
    info = parse("version_control: git\nsrc_repo: x\nseparator: _\nseperator: _\n")
    assert info.separator == "_"
    assert [p.severity for p in info.problems] == ["info"]


def test_advisors_own_cache_key_is_not_a_problem() -> None:
    text = "version_control: github\nsrc_repo: a/b\nlast_query:\n  time_stamp: 2020-05-01 10:00:00\n  raw_data: x\n"
    assert parse(text).problems == ()


def test_every_problem_code_has_a_severity() -> None:
    from steward.distro import metadata

    source = Path(metadata.__file__).read_text(encoding="utf-8")
    emitted = set(re.findall(r'(?:self\.problem|_broken)\(\s*(?:source, )?"([a-z-]+)"', source))
    assert emitted and emitted <= set(metadata.METADATA_SEVERITIES), emitted - set(
        metadata.METADATA_SEVERITIES
    )
    assert set(metadata.METADATA_SEVERITIES.values()) == {"error", "warning", "info"}


def test_misspelling_never_overrides_the_correct_key() -> None:
    info = parse("version_control: git\nsrc_repo: x\nseparator: _\nseperator: '-'\n")
    assert info.separator == "_"
    assert info.problem_codes() == ("misspelled-key",)
    assert info.problems[0].severity == "warning"  # two different values: worth fixing
    assert ("seperator", "-") in info.extra


def test_misspelled_version_control_key_still_gives_the_kind() -> None:
    info = parse("version-ctrl: github\nsrc_repo: a/b\n")
    assert info.kind is UpstreamKind.GITHUB
    assert info.problem_codes() == ("misspelled-key",)


def test_unknown_key_is_kept_in_extra() -> None:
    info = parse("version_control: NA\nnote: not the real repo\n")
    assert ("note", "not the real repo") in info.extra
    assert "unknown-key" in info.problem_codes()


def test_missing_version_control_gives_unknown_kind() -> None:
    info = parse("src_repo: a/b\n")
    assert info.kind is UpstreamKind.UNKNOWN
    assert info.problem_codes() == ("missing-version-control",)


def test_close_misspelling_of_kind_loads_as_the_kind_with_a_problem() -> None:
    info = parse("version_control: meatcpan\nsrc_repo: threads\n")
    assert info.kind is UpstreamKind.METACPAN
    assert info.raw_kind == "meatcpan"
    assert info.problem_codes() == ("unknown-kind",)
    assert "'metacpan'" in info.problems[0].message


def test_unrecognizable_kind_is_unknown() -> None:
    info = parse("version_control: carrier-pigeon\nsrc_repo: x\n")
    assert info.kind is UpstreamKind.UNKNOWN
    assert info.problem_codes() == ("unknown-kind",)
    assert not info.watchable


def test_github_gnome_is_read_as_gitlab_gnome_with_a_problem() -> None:
    info = parse("version_control: github.gnome\nsrc_repo: xdg-user-dirs\n")
    assert info.kind is UpstreamKind.GITLAB_GNOME
    assert info.problem_codes() == ("kind-alias",)


def test_invalid_tag_prefix_regex_is_an_error_but_kept() -> None:
    info = parse("version_control: git\nsrc_repo: x\ntag_prefix: '^v(['\n")
    assert info.tag_prefix == "^v(["
    assert info.problem_codes() == ("invalid-regex",)
    assert info.problems[0].severity == "error"


def test_empty_src_repo_for_a_real_kind_is_a_problem() -> None:
    info = parse("version_control: github\nsrc_repo:\n")
    assert info.problem_codes() == ("empty-src-repo",)


def test_yaml_error_reports_its_line() -> None:
    info = parse("version_control: github\nsrc_repo: [a, b\nseparator: .\n")
    assert info.kind is UpstreamKind.UNKNOWN
    assert info.problem_codes() == ("yaml-error",)
    assert info.problems[0].line is not None and info.problems[0].line >= 2


@pytest.mark.parametrize("text", ["", "- a\n- b\n", "just a string\n"])
def test_document_that_is_not_a_mapping_is_a_problem(text: str) -> None:
    assert parse(text).problem_codes() == ("not-a-mapping",)


def test_wrong_types_are_reported_not_raised() -> None:
    info = parse("version_control: git\nsrc_repo: [a]\nmirror: sometimes\ngit_tag: 3\n")
    assert info.src_repo is None
    assert info.problem_codes().count("wrong-type") == 3


def test_bytes_that_are_not_utf8_are_a_yaml_error() -> None:
    info = parse_upstream_info(b"version_control: \xff\xfe\n", source="x.yaml")
    assert info.problem_codes() == ("yaml-error",)


def test_unreadable_file_gives_a_record_not_an_exception(tmp_path: Path) -> None:
    info = load_upstream_info(tmp_path / "absent.yaml")
    assert info.problem_codes() == ("unreadable",)


# --- the real openEuler data -------------------------------------------------------------


@needs_data
def test_all_real_files_load_and_every_kind_maps(capsys: pytest.CaptureFixture[str]) -> None:
    files = sorted(UPSTREAM_INFO.glob("*.yaml"))
    assert len(files) == 2698
    infos = [load_upstream_info(path) for path in files]
    problems = collections.Counter(code for info in infos for code in info.problem_codes())
    kinds = collections.Counter(info.kind.value for info in infos)
    for info in infos:
        if info.raw_kind is not None and info.raw_kind.strip():
            # Every value written in the wild maps to a real kind, possibly with a problem.
            assert info.kind is not UpstreamKind.UNKNOWN, info.source
    with capsys.disabled():
        print(f"\nupstream-info: {len(infos)} files; kinds {dict(kinds.most_common())}")
        print(f"upstream-info: problems {dict(problems.most_common())}")
    assert kinds["github"] > 1000
    assert problems["not-a-mapping"] == 1  # clutter-gst.yaml is empty


@needs_data
def test_real_files_warn_only_about_what_openeulers_own_tools_would_misread() -> None:
    # openEuler-Advisor reads `seperator` (and `separator`) and exactly `version_control`
    # (yaml2url): a warning or an error must be something the maintainer should fix.
    flagged = {}
    for path in sorted(UPSTREAM_INFO.glob("*.yaml")):
        info = load_upstream_info(path)
        serious = [p for p in info.problems if p.severity in ("error", "warning")]
        if serious:
            flagged[path.name] = serious
        assert not any("'seperator'" in p.message for p in serious), path.name
    codes = collections.Counter(p.code for problems in flagged.values() for p in problems)
    assert set(codes) <= {
        "misspelled-key", "not-a-mapping", "missing-version-control", "unknown-kind",
        "wrong-type", "kind-alias",
    }, codes  # fmt: skip
    # 6 files spell `seperator` and are clean now; 29 have a real problem.
    assert 20 <= len(flagged) <= 35, sorted(flagged)


@needs_data
@pytest.mark.parametrize(
    ("file", "kind", "codes"),
    [
        ("perl-threads.yaml", UpstreamKind.METACPAN, ("unknown-kind",)),
        ("python-backports.yaml", UpstreamKind.PYPI, ("distro-spelling",)),
        ("gl-manpages.yaml", UpstreamKind.GITHUB, ("misspelled-key",)),
        ("gnome-vfs2.yaml", UpstreamKind.GITHUB, ("misspelled-key",)),
        ("dcraw.yaml", UpstreamKind.NONE, ("misspelled-key", "kind-na")),
        ("libedit.yaml", UpstreamKind.NONE, ("kind-na",)),
        ("glide.yaml", UpstreamKind.UNKNOWN,
         ("unknown-key", "unknown-key", "missing-version-control")),
        ("clutter-gst.yaml", UpstreamKind.UNKNOWN, ("not-a-mapping",)),
        ("xdg-user-dirs.yaml", UpstreamKind.GITLAB_GNOME, ("kind-alias",)),
        ("jmh.yaml", UpstreamKind.HG, ()),
        ("sqlite.yaml", UpstreamKind.FOSSIL, ()),
        ("psacct.yaml", UpstreamKind.GNU_FTP, ()),
    ],
)  # fmt: skip
def test_known_messy_real_files(file: str, kind: UpstreamKind, codes: tuple[str, ...]) -> None:
    info = load_upstream_info(UPSTREAM_INFO / file)
    assert info.kind is kind
    assert info.problem_codes() == codes


@needs_data
def test_real_gnulib_tag_repo_is_read_as_tag_prefix() -> None:
    info = load_upstream_info(UPSTREAM_INFO / "gnulib.yaml")
    assert info.tag_prefix == "^FILEUTILS-"
    assert info.problem_codes() == ("misspelled-key",)


@needs_data
def test_real_dated_tag_lists_are_parsed() -> None:
    info = load_upstream_info(UPSTREAM_INFO / "tcsh.yaml")
    assert DatedTag(dt.date(2019, 12, 4), "TCSH6_22_02") in info.git_tag
