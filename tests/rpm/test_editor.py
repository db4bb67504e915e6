"""Spec edits change only the lines they must; everything else stays byte-for-byte."""

from __future__ import annotations

import datetime as dt
import difflib
from pathlib import Path

import pytest

from steward.rpm.editor import EditError, SpecEditor
from steward.rpm.macros import MacroEngine
from steward.rpm.spec import parse, parse_file

SPEC = """\
%global upstream_version 2.14
%bcond_without tests
Name:           jansson
Version:        %{upstream_version}
Release:        3%{?dist}
Summary:        C library for JSON
License:        MIT
URL:            https://github.com/akheron/jansson
Source0:        %{url}/releases/download/v%{version}/%{name}-%{version}.tar.bz2
Patch0:         0001-fix.patch
Patch1:         0002-other.patch
BuildRequires:  gcc cmake

%description
JSON library.\t{trailing}

%prep
%setup -q
%patch0 -p1
%patch -P 1 -p1

%build
%cmake

%changelog
* Mon Jan 08 2024 Jane Doe <jane@example.org> - 2.14-3
- Type:bugfix ID:NA SUG:NA DESC:fix CVE-2020-1234
""".replace("{trailing}", "  ")


def changed_lines(before: str, after: str) -> list[str]:
    """The -/+ lines of a unified diff, without headers."""
    diff = difflib.unified_diff(before.splitlines(True), after.splitlines(True), n=0)
    return [
        line.rstrip("\n") for line in diff if line[:1] in "+-" and line[:3] not in ("---", "+++")
    ]


def dist_macros() -> MacroEngine:
    m = MacroEngine()
    m.define("dist", ".oe2403")
    return m


def test_set_version_edits_the_macro_not_the_tag() -> None:
    ed = SpecEditor.from_text(SPEC, macros=dist_macros())
    ed.set_version("2.15")
    assert changed_lines(SPEC, ed.text) == [
        "-%global upstream_version 2.14",
        "+%global upstream_version 2.15",
    ]
    spec = parse(ed.text)
    assert spec.version == "2.15"
    assert spec.source(0).expanded.endswith("/v2.15/jansson-2.15.tar.bz2")


def test_set_version_plain_tag_keeps_alignment() -> None:
    text = "Name:    t\nVersion:\t1.0  \nRelease: 1\n"
    ed = SpecEditor.from_text(text)
    ed.set_version("1.10")
    assert ed.text == "Name:    t\nVersion:\t1.10  \nRelease: 1\n"


def test_set_version_composite_macros() -> None:
    text = "%global major 1\n%global minor 7\nName: t\nVersion: %{major}.%{minor}\nRelease: 1\n"
    ed = SpecEditor.from_text(text)
    ed.set_version("2.0")
    assert (
        ed.text
        == "%global major 2\n%global minor 0\nName: t\nVersion: %{major}.%{minor}\nRelease: 1\n"
    )


@pytest.mark.parametrize(
    "version_line",
    [
        "Version: %(echo 1.0)",
        "Version: %{lua: print('1.0')}",
        "Version: %{undefined_here}",
    ],
)
def test_computed_version_is_refused_and_nothing_changes(version_line: str) -> None:
    text = f"Name: t\n{version_line}\nRelease: 1\n"
    ed = SpecEditor.from_text(text)
    with pytest.raises(EditError):
        ed.set_version("2.0")
    assert ed.text == text


@pytest.mark.parametrize(
    ("release", "expected", "read_as"),
    [
        ("5", "1", "1"),
        ("5%{?dist}", "1%{?dist}", "1.oe2403"),
        ("0.3.rc1%{?dist}", "1%{?dist}", "1.oe2403"),
        ("%autorelease", "%autorelease", None),
        ("%{?autorelease}", "%{?autorelease}", None),
    ],
)
def test_reset_release_styles(release: str, expected: str, read_as: str | None) -> None:
    text = f"Name: t\nVersion: 1\nRelease:        {release}\n"
    ed = SpecEditor.from_text(text, macros=dist_macros())
    ed.reset_release()
    assert ed.text == f"Name: t\nVersion: 1\nRelease:        {expected}\n"
    if read_as:
        assert ed.spec.release == read_as


def test_reset_release_macro_defined() -> None:
    text = "%global baserelease 7\nName: t\nVersion: 1\nRelease: %{baserelease}%{?dist}\n"
    ed = SpecEditor.from_text(text)
    ed.reset_release()
    assert changed_lines(text, ed.text) == ["-%global baserelease 7", "+%global baserelease 1"]


def test_changelog_entry_openeuler_format_at_top() -> None:
    ed = SpecEditor.from_text(SPEC, macros=dist_macros())
    ed.set_version("2.15")
    ed.reset_release()
    ed.add_changelog_entry(
        "Steward <steward@example.org>", ["update to 2.15"], date=dt.date(2026, 11, 25)
    )
    assert ed.spec.changelog[0].header == (
        "* Wed Nov 25 2026 Steward <steward@example.org> - 2.15-1.oe2403"
    )
    assert ed.spec.changelog[0].lines == ("- Type:update ID:NA SUG:NA DESC:update to 2.15",)
    assert ed.spec.changelog[1].evr == "2.14-3"


def test_changelog_entry_fedora_style_and_explicit_evr() -> None:
    ed = SpecEditor.from_text(SPEC)
    ed.add_changelog_entry(
        "Jo <jo@example.org>",
        ["Update to 2.15"],
        evr="2.15-1",
        date=dt.date(2024, 3, 5),
        style="fedora",
    )
    assert changed_lines(SPEC, ed.text) == [
        "+* Tue Mar 05 2024 Jo <jo@example.org> - 2.15-1",
        "+- Update to 2.15",
        "+",
    ]


def test_changelog_section_created_when_missing() -> None:
    ed = SpecEditor.from_text("Name: t\nVersion: 1\nRelease: 1")
    ed.add_changelog_entry("Jo <jo@example.org>", ["first"], date=dt.date(2024, 3, 5))
    assert ed.spec.changelog[0].evr == "1-1"
    assert ed.text.startswith("Name: t\nVersion: 1\nRelease: 1\n\n%changelog\n* Tue Mar 05 2024")


def test_remove_patch_drops_tag_and_its_patch_line_only() -> None:
    ed = SpecEditor.from_text(SPEC)
    ed.remove_patch(0)
    assert changed_lines(SPEC, ed.text) == ["-Patch0:         0001-fix.patch", "-%patch0 -p1"]
    assert [p.number for p in ed.spec.patches] == [1]


def test_remove_patch_from_multi_number_line() -> None:
    text = "Name: t\nVersion: 1\nRelease: 1\nPatch1: a\nPatch2: b\n%prep\n%patch -P 1 -P 2 -p1\n"
    ed = SpecEditor.from_text(text)
    ed.remove_patch(1)
    assert ed.text == "Name: t\nVersion: 1\nRelease: 1\nPatch2: b\n%prep\n%patch -P 2 -p1\n"


def test_add_patch_follows_existing_style_without_renumbering() -> None:
    ed = SpecEditor.from_text(SPEC)
    number = ed.add_patch("0003-new.patch")
    assert number == 2
    assert changed_lines(SPEC, ed.text) == [
        "+Patch2:         0003-new.patch",
        "+%patch -P 2 -p1",
    ]
    assert [p.number for p in ed.spec.applied_patches] == [0, 1, 2]


def test_add_patch_with_autosetup_needs_no_prep_line() -> None:
    text = "Name: t\nVersion: 1\nRelease: 1\nSource0: t.tar\n%prep\n%autosetup -p1\n"
    ed = SpecEditor.from_text(text)
    assert ed.add_patch("fix.patch") == 0
    assert (
        ed.text == "Name: t\nVersion: 1\nRelease: 1\nSource0: t.tar\nPatch0:  fix.patch\n"
        "%prep\n%autosetup -p1\n"
    )


def test_set_source_keeps_everything_else() -> None:
    ed = SpecEditor.from_text(SPEC)
    ed.set_source(0, "https://example.org/%{name}-%{version}.tar.xz")
    assert changed_lines(SPEC, ed.text) == [
        "-Source0:        %{url}/releases/download/v%{version}/%{name}-%{version}.tar.bz2",
        "+Source0:        https://example.org/%{name}-%{version}.tar.xz",
    ]


def test_round_trip_through_a_file_is_byte_exact_outside_edits(tmp_path: Path) -> None:
    original = SPEC.replace("\n", "\r\n").encode() + b"\xff\xfe trailing bytes\r\n"
    path = tmp_path / "jansson.spec"
    path.write_bytes(original)
    ed = SpecEditor.open(path)
    ed.write()
    assert path.read_bytes() == original, "a no-op edit must not change a single byte"
    ed.set_version("2.15")
    ed.write()
    data = path.read_bytes()
    assert data == original.replace(b"upstream_version 2.14\r\n", b"upstream_version 2.15\r\n")
    assert parse_file(path).version == "2.15"
