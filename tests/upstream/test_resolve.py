"""Where a package's releases come from: config first, then metadata, then the spec."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from envneeds import needs_shared

from steward.distro.metadata import load_upstream_info, parse_upstream_info
from steward.upstream.resolve import (
    NoUpstream,
    PackageConfigError,
    load_package_configs,
    resolve_from_config,
    resolve_from_metadata,
    resolve_from_urls,
    resolve_upstream,
)
from steward.upstream.sources import BACKEND_MODULES
from steward.upstream.sources.base import Upstream

UPSTREAM_INFO = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "upstream-info"


def meta(text: str):  # type: ignore[no-untyped-def]
    return parse_upstream_info(text, source="test.yaml")


@pytest.mark.parametrize(
    ("url", "kind", "project"),
    [
        ("https://github.com/akheron/jansson/archive/v2.13.tar.gz", "github", "akheron/jansson"),
        ("https://github.com/yaml/libyaml", "github", "yaml/libyaml"),
        (
            "https://gitlab.com/gnutls/gnutls/-/archive/3.8.0/gnutls-3.8.0.tar.gz",
            "gitlab",
            "gnutls/gnutls",
        ),
        (
            "https://gitee.com/openeuler/A-Tune-Collector/repository/archive/v1.1.0.tar.gz",
            "gitee",
            "openeuler/A-Tune-Collector",
        ),
        ("https://files.pythonhosted.org/packages/source/i/idna/idna-2.10.tar.gz", "pypi", "idna"),
        ("https://pypi.io/packages/source/r/requests/requests-2.24.0.tar.gz", "pypi", "requests"),
        ("https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz", "npm", "left-pad"),
        ("https://registry.npmjs.org/@babel/core/-/core-7.0.0.tgz", "npm", "@babel/core"),
        ("https://crates.io/api/v1/crates/serde/1.0.0/download", "crates", "serde"),
        ("https://rubygems.org/gems/rake-13.0.1.gem", "rubygems", "rake"),
        (
            "https://cpan.metacpan.org/authors/id/E/ET/ETHER/Try-Tiny-0.30.tar.gz",
            "metacpan",
            "Try-Tiny",
        ),
        ("https://www.cpan.org/modules/by-module/Try/Try-Tiny-0.30.tar.gz", "metacpan", "Try-Tiny"),
        ("https://download.gnome.org/sources/libgee/0.20/libgee-0.20.3.tar.xz", "gnome", "libgee"),
        (
            "https://downloads.sourceforge.net/traceroute/traceroute-2.1.0.tar.gz",
            "sourceforge",
            "traceroute",
        ),
        (
            "https://ftp.gnu.org/gnu/which/which-2.20.tar.gz",
            "html",
            "https://ftp.gnu.org/gnu/which/",
        ),
    ],
)
def test_infers_upstream_from_spec_urls(url: str, kind: str, project: str) -> None:
    found = resolve_from_urls([url], name="pkg")
    assert found is not None
    assert (found.kind, found.project, found.origin) == (kind, project, "inferred")


def test_unknown_host_infers_nothing() -> None:
    assert resolve_from_urls(["https://example.org/x-1.0.tar.gz", ""]) is None


def test_gnu_listing_pattern_reads_versions() -> None:
    found = resolve_from_urls(["https://ftp.gnu.org/gnu/which/which-2.20.tar.gz"])
    assert found is not None
    import re

    assert re.search(found.options["pattern"], "which-2.21.tar.xz").group(1) == "2.21"


def test_config_wins_over_metadata_and_urls() -> None:
    found = resolve_upstream(
        "jansson",
        config={
            "source": "github",
            "github": "akheron/jansson",
            "prefix": "v",
            "use_max_tag": True,
        },
        metadata=meta("version_control: pypi\nsrc_repo: jansson\n"),
        urls=["https://files.pythonhosted.org/packages/source/j/jansson/j-1.tar.gz"],
    )
    assert isinstance(found, Upstream)
    assert (found.kind, found.project, found.origin) == ("github", "akheron/jansson", "config")
    assert found.rules.prefix == "v"
    assert found.options["use_max_tag"] == "true"


def test_metadata_wins_over_urls() -> None:
    found = resolve_upstream(
        "dblatex",
        metadata=meta(
            'version_control: hg\nsrc_repo: http://hg.code.sf.net/p/dblatex/dblatex\ntag_prefix: "^v"\nseparator: _\n'
        ),
        urls=["https://github.com/x/y"],
    )
    assert isinstance(found, Upstream)
    assert (found.kind, found.origin) == ("hg", "metadata")
    assert (found.rules.tag_prefix, found.rules.separator) == ("^v", "_")


def test_na_metadata_is_a_clear_no_upstream() -> None:
    found = resolve_upstream("PyPAM", metadata=meta("version_control: NA\nsrc_repo: NA\n"))
    assert isinstance(found, NoUpstream) and found.code == "no-upstream"
    assert "NA" in found.reason


def test_unknown_metadata_kind_falls_back_to_urls() -> None:
    found = resolve_upstream(
        "x", metadata=meta("src_repo: whatever\n"), urls=["https://github.com/a/b/archive/1.tar.gz"]
    )
    assert isinstance(found, Upstream) and found.origin == "inferred"


def test_nothing_known_says_so() -> None:
    found = resolve_upstream("lonely")
    assert isinstance(found, NoUpstream) and found.code == "no-upstream"


def test_cvs_is_unsupported_and_named() -> None:
    found = resolve_from_metadata("libev", meta("version_control: cvs\nsrc_repo: :pserver:x\n"))
    assert (
        isinstance(found, NoUpstream) and found.code == "unsupported-kind" and "cvs" in found.reason
    )


def test_registries_ignore_openeuler_tag_rules() -> None:
    found = resolve_from_metadata(
        "python-idna", meta('version_control: pypi\nsrc_repo: idna\ntag_prefix: "^v"\n')
    )
    assert isinstance(found, Upstream) and found.rules.tag_prefix is None


def test_gitlab_gnome_and_github_releases_query() -> None:
    gnome = resolve_from_metadata(
        "libgee", meta("version_control: gitlab.gnome\nsrc_repo: libgee\n")
    )
    assert isinstance(gnome, Upstream)
    assert (gnome.kind, gnome.project, gnome.options["host"]) == (
        "gitlab",
        "GNOME/libgee",
        "gitlab.gnome.org",
    )
    gh = resolve_from_metadata(
        "x",
        meta(
            "version_control: github\nsrc_repo: https://github.com/a/b.git\nquery_type: api.github.releases\n"
        ),
    )
    assert isinstance(gh, Upstream) and gh.project == "a/b" and gh.options["use_releases"] == "true"


def test_package_configs_from_tree_file(tmp_path: Path) -> None:
    (tmp_path / "steward.toml").write_text(
        '[packages.jansson]\nsource = "github"\ngithub = "akheron/jansson"\n'
    )
    assert load_package_configs(tmp_path)["jansson"]["github"] == "akheron/jansson"
    (tmp_path / "steward.toml").write_text("[packages\n")
    with pytest.raises(PackageConfigError, match=r"steward\.toml"):
        load_package_configs(tmp_path)


@needs_shared("upstream-info")
def test_every_real_metadata_file_maps_to_a_backend_or_a_clear_reason() -> None:
    outcomes: Counter[str] = Counter()
    for path in sorted(UPSTREAM_INFO.glob("*.yaml")):
        found = resolve_from_metadata(path.stem, load_upstream_info(path))
        if isinstance(found, Upstream):
            assert found.kind in BACKEND_MODULES, (path.name, found.kind)
            outcomes[found.kind] += 1
        else:
            assert found.code in {
                "no-upstream",
                "unsupported-kind",
                "no-metadata-kind",
                "bad-tag-rules",
            }
            assert found.reason
            outcomes[found.code] += 1
    assert outcomes["github"] > 1000 and outcomes["git"] > 500
    print(dict(outcomes))


def test_nvchecker_maven_keys_name_the_artifact() -> None:
    found = resolve_from_config(
        "log4j", {"source": "maven", "group": "org.apache.logging.log4j", "artifact": "log4j-core"}
    )
    assert isinstance(found, Upstream) and found.project == "org.apache.logging.log4j:log4j-core"


def test_packages_sharing_a_repository_index_have_distinct_upstream_keys() -> None:
    from steward.upstream.versions import TagRules

    bash = Upstream("rpmrepo", "https://r/", rules=TagRules(package_name="bash"))
    zsh = Upstream("rpmrepo", "https://r/", rules=TagRules(package_name="zsh"))
    assert bash.key != zsh.key
    named = Upstream(
        "rpmrepo", "https://r/", options={"name": "bash"}, rules=TagRules(package_name="x")
    )
    assert named.key == Upstream("rpmrepo", "https://r/", options={"name": "bash"}).key
