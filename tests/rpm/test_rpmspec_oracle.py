"""Checks that the rpmspec oracle reports what real rpm 4.18 makes of corpus specs."""

from __future__ import annotations

from pathlib import Path

import pytest
from envneeds import needs

try:
    from .rpmspec_oracle import (
        CORPUS_DIR,
        OPENEULER_MACRO_DIR,
        RpmspecError,
        corpus_specs,
        query_corpus_spec,
        read_corpus_options,
        rpmspec_available,
        rpmspec_query,
    )
except ImportError:  # tests/ is not a package: pytest puts this folder on sys.path
    from rpmspec_oracle import (  # type: ignore[no-redef]
        CORPUS_DIR,
        OPENEULER_MACRO_DIR,
        RpmspecError,
        corpus_specs,
        query_corpus_spec,
        read_corpus_options,
        rpmspec_available,
        rpmspec_query,
    )

needs_rpmspec = needs(rpmspec_available(), "rpmspec is not installed")


@needs_rpmspec
def test_unnumbered_and_big_source_numbers_follow_rpm() -> None:
    result = query_corpus_spec(CORPUS_DIR / "source-numbering.spec")

    assert result["name"] == "numbering"
    assert result["version"] == "1.0"
    assert result["summary"] == "Source and Patch numbering: all of them"
    assert result["sources"] == {
        0: "https://example.org/numbering-1.0.tar.gz",
        1: "leading-zero-is-one.txt",
        2: "lower-case-tag.txt",
        5: "extra-five.txt",
        6: "follows-five.txt",
        42: "forty-two.txt",
        1000: "one-thousand.txt",
        1001: "follows-one-thousand.txt",
        99999: "upper-case-tag-big-number.txt",
    }
    assert result["patches"] == {
        0: "first-unnumbered.patch",
        1: "second-unnumbered.patch",
        3: "lower-case-patch.patch",
        10: "ten.patch",
        11: "follows-ten.patch",
        100: "hundred-with-zeros.patch",
    }


@needs_rpmspec
def test_epoch_and_dist_define_are_applied() -> None:
    result = query_corpus_spec(CORPUS_DIR / "epoch-dist.spec")

    assert result["epoch"] == 2
    assert result["release"] == "5.el9.1"
    assert result["url"] == "https://example.org/epochpkg/epoch-2"
    assert result["patches"] == {}


@needs_rpmspec
def test_openeuler_macros_and_target_arch_are_loaded() -> None:
    spec = CORPUS_DIR / "openeuler" / "go-arches.spec"
    options = read_corpus_options(spec)

    result = query_corpus_spec(spec)

    assert options.target == "riscv64"
    assert OPENEULER_MACRO_DIR / "macros.go.oe" in options.macro_files
    assert result["version"] == "22.5.0"
    assert result["epoch"] is None
    assert result["sources"] == {
        0: "https://github.com/coreos/go-systemd/archive/v22.5.0/go-systemd-22.5.0.tar.gz",
        1: "golang-toolchain-riscv64.txt",
    }


@needs_rpmspec
def test_keyword_arguments_override_defaults(tmp_path: Path) -> None:
    spec = tmp_path / "arch.spec"
    spec.write_text(
        "Name: archprobe\nVersion: 1\nRelease: 1%{?dist}\nSummary: %{_arch}\nLicense: MIT\n"
        "Source0: https://example.org/%{name}-%{version}.tar.gz\n"
        "%description\nprobe\n",
        encoding="utf-8",
    )

    result = rpmspec_query(spec, defines={"dist": ".oe2403"}, target="aarch64")

    assert result["summary"] == "aarch64"
    assert result["release"] == "1.oe2403"
    assert result["url"] is None
    assert result["sources"] == {0: "https://example.org/archprobe-1.tar.gz"}


@needs_rpmspec
def test_spec_rejected_by_rpm_raises_with_rpm_message() -> None:
    spec = CORPUS_DIR / "error-duplicate-source.spec"
    assert read_corpus_options(spec).expect_error

    with pytest.raises(RpmspecError, match="source 0 defined multiple times"):
        query_corpus_spec(spec)


def test_every_corpus_spec_declares_a_valid_header() -> None:
    specs = corpus_specs()

    assert 25 <= len(specs) <= 35
    for spec in specs:
        text = spec.read_text(encoding="utf-8")
        assert text.startswith("# steward-test:"), spec
        assert "# Exercises:" in text, spec
        options = read_corpus_options(spec)
        for macro_file in options.macro_files:
            assert macro_file.name.startswith("macros"), spec
