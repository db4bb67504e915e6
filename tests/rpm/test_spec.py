"""The spec reader: what it reads, what it refuses to run, and how it survives bad input."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from steward.rpm.macros import MacroEngine
from steward.rpm.spec import parse, parse_file, split_dependencies

BASIC = """\
%global srcname demo
Name:           python-%{srcname}
Version:        1.2.3
Release:        4%{?dist}
Epoch:          2
Summary:        A demo
License:        MIT
URL:            https://example.org/%{srcname}
Source0:        %{url}/archive/v%{version}/%{srcname}-%{version}.tar.gz
Source1:        %{name}.conf
Patch0:         0001-first.patch
Patch7:         0007-second.patch
BuildArch:      noarch
BuildRequires:  python3-devel, python3-setuptools >= 40

%description
Demo.

%package -n python3-%{srcname}
Summary:        %{summary}
Requires:       python3-requests >= 2.0 (python3-a or python3-b)
Provides:       demo = %{version}
Obsoletes:      old-demo < 1.0
Conflicts:      other

%description -n python3-%{srcname}
Python 3 demo.

%prep
%setup -q -n %{srcname}-%{version}
%patch0 -p1
%patch -P 7 -p2

%build
%py3_build

%files -n python3-%{srcname}
%license LICENSE

%changelog
* Tue Mar 05 2024 Jane Doe <jane@example.org> - 2:1.2.3-4
- Fix things

* Mon Mar 04 2024 John Roe <john@example.org> 1.2.2-1
- Older
"""


def test_reads_identity_and_expands_macros() -> None:
    spec = parse(BASIC)
    assert (spec.name, spec.epoch, spec.version, spec.release) == ("python-demo", 2, "1.2.3", "4")
    assert spec.url == "https://example.org/demo"
    assert spec.evr == "2:1.2.3-4"
    assert spec.source(0) is not None
    assert spec.source(0).expanded == "https://example.org/demo/archive/v1.2.3/demo-1.2.3.tar.gz"
    assert spec.source(0).raw == "%{url}/archive/v%{version}/%{srcname}-%{version}.tar.gz"
    assert spec.source(0).filename == "demo-1.2.3.tar.gz"
    assert spec.source(1).expanded == "python-demo.conf"
    assert [(p.number, p.filename, p.line) for p in spec.patches] == [
        (0, "0001-first.patch", 11),
        (7, "0007-second.patch", 12),
    ]


def test_dist_comes_from_the_profile_macros() -> None:
    macros = MacroEngine()
    macros.define("dist", ".oe2403")
    assert parse(BASIC, macros=macros).release == "4.oe2403"
    assert not macros.is_defined("srcname"), "parse must not change the caller's engine"


def test_subpackages_and_dependencies() -> None:
    spec = parse(BASIC)
    main, sub = spec.packages
    assert main.build_requires == ["python3-devel", "python3-setuptools >= 40"]
    assert main.build_arch == ["noarch"]
    assert sub.name == "python3-demo"
    assert sub.summary == "A demo"
    assert sub.requires == ["python3-requests >= 2.0", "(python3-a or python3-b)"]
    assert sub.provides == ["demo = 1.2.3"]
    assert sub.obsoletes == ["old-demo < 1.0"]
    assert sub.conflicts == ["other"]
    assert sub.description == "Python 3 demo."


def test_sections_and_patch_applications() -> None:
    spec = parse(BASIC)
    names = [(s.name, s.package) for s in spec.sections]
    assert names == [
        ("description", None),
        ("package", "python3-demo"),
        ("description", "python3-demo"),
        ("prep", None),
        ("build", None),
        ("files", "python3-demo"),
        ("changelog", None),
    ]
    prep = spec.section("prep")
    assert prep is not None and (prep.start_line, prep.end_line) == (29, 33)
    apps = [(a.kind, a.numbers, a.strip) for a in spec.patch_applications]
    assert apps == [("patch", (0,), 1), ("patch", (7,), 2)]
    assert [p.number for p in spec.applied_patches] == [0, 7]
    assert spec.setups[0].name == "demo-1.2.3"
    assert spec.setups[0].name_raw == "%{srcname}-%{version}"


def test_changelog_entries() -> None:
    first, second = parse(BASIC).changelog
    assert (first.author, first.email, first.evr) == ("Jane Doe", "jane@example.org", "2:1.2.3-4")
    assert first.lines == ("- Fix things",)
    assert str(first.date) == "2024-03-05"
    assert second.evr == "1.2.2-1"


@pytest.mark.parametrize(
    ("prep", "expected"),
    [
        ("%autosetup -p1", [("autosetup", None, 1)]),
        ("%autosetup -N\n%autopatch -p1 -m 10 -M 20", [("autopatch", None, 1)]),
        ("%autosetup -N -p1\n%autopatch -p2 1 3", [("autopatch", (1, 3), 2)]),
        ("%setup -q\n%patch3 -p0", [("patch", (3,), 0)]),
        ("%setup -q\n%patch 3 -p1", [("patch", (3,), 1)]),
        ("%setup -q\n%patch -P 1 -P 2 -p1", [("patch", (1, 2), 1)]),
        ("%setup -q\npatch -p1 < %{PATCH4}", [("shell-patch", (4,), 1)]),
        ("%setup -q\ngit am %{PATCH1} %{PATCH2}", [("git-am", (1, 2), 1)]),
    ],
)
def test_patch_application_styles(prep: str, expected: list[tuple[object, ...]]) -> None:
    spec = parse(f"Name: a\nVersion: 1\nRelease: 1\nSummary: s\nLicense: MIT\n%prep\n{prep}\n")
    assert [(a.kind, a.numbers, a.strip) for a in spec.patch_applications] == expected


def test_autopatch_range_selects_patches() -> None:
    spec = parse(
        "Name: a\nVersion: 1\nRelease: 1\nPatch1: a\nPatch15: b\nPatch30: c\n"
        "%prep\n%autosetup -N\n%autopatch -p1 -m 10 -M 20\n"
    )
    assert [p.number for p in spec.applied_patches] == [15]


def test_conditionals_bconds_and_arch() -> None:
    text = """\
%bcond_without tests
%bcond_with docs
Name: cond
Version: 1
Release: 1
%if %{with tests} && !%{with docs}
Requires: yes-1
%elif 1
Requires: no-1
%else
Requires: no-2
%endif
%if 0%{?fedora} >= 38 || "%{name}" == "cond"
Requires: yes-2
%endif
%ifarch x86_64 aarch64
Requires: arch-%{_arch}
%endif
%ifnarch x86_64
Requires: not-x86
%endif
%ifos linux
Requires: linux
%endif
%if v"1.10" > v"1.9"
Requires: version-literal
%endif
"""
    assert parse(text).main.requires == [
        "yes-1",
        "yes-2",
        "arch-x86_64",
        "linux",
        "version-literal",
    ]
    assert parse(text, arch="aarch64").main.requires == [
        "yes-1",
        "yes-2",
        "arch-aarch64",
        "not-x86",
        "linux",
        "version-literal",
    ]


def test_unnumbered_sources_and_patches_are_numbered_like_rpm() -> None:
    spec = parse(
        "Name: t\nVersion: 1\nRelease: 1\nSource: a.tar\nSource5: b.tar\nSource: c.tar\n"
        "Patch3: p3\nPatch: p\nPatch1: p1\nPatch: p2\n"
    )
    assert [(s.number, s.expanded) for s in spec.sources] == [
        (0, "a.tar"),
        (5, "b.tar"),
        (6, "c.tar"),
    ]
    assert [(p.number, p.expanded) for p in spec.patches] == [
        (3, "p3"),
        (4, "p"),
        (1, "p1"),
        (5, "p2"),
    ]


def test_sourcelist_and_patchlist_sections() -> None:
    spec = parse(
        "Name: t\nVersion: 1\nRelease: 1\n%sourcelist\na.tar\n%{name}.conf\n%patchlist\nfix.patch\n"
    )
    assert [s.expanded for s in spec.sources] == ["a.tar", "t.conf"]
    assert [p.expanded for p in spec.patches] == ["fix.patch"]


def test_structural_macro_generates_subpackage() -> None:
    macros = MacroEngine()
    macros.load_text(
        "%package_help \\\n%package help \\\nSummary: Documents for %{name} \\\n"
        "\\\n%description help \\\nDocs for %{name}.\n"
    )
    spec = parse(
        "Name: t\nVersion: 1\nRelease: 1\nSummary: s\n\n%package_help\n\n%files help\n",
        macros=macros,
    )
    assert [p.name for p in spec.packages] == ["t", "t-help"]
    assert spec.packages[1].summary == "Documents for t"
    assert spec.section("files") is not None and spec.section("files").package == "t-help"


def test_macro_defined_in_comment_takes_effect_like_rpm() -> None:
    spec = parse("# %global sneaky 7\nName: t\nVersion: %{sneaky}\nRelease: 1\n")
    assert spec.version == "7"
    assert "macro-in-comment" in {d.code for d in spec.diagnostics}


def test_shell_and_lua_are_reported_not_run(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = (
        f"%global evil %(touch {marker})\n"
        "Name: t\nVersion: %{lua: print('1.0')}\nRelease: 1\n"
        f"Source0: %(touch {marker})\n%description\n%{{evil}}\n"
        f"%build\ntouch {marker}\n"
    )
    spec = parse(text)
    assert not marker.exists()
    codes = {d.code for d in spec.diagnostics}
    assert {"unexpanded-shell", "unexpanded-lua"} <= codes
    assert spec.name == "t"
    assert spec.version == "%{lua: print('1.0')}"


def test_unknown_macros_are_reported_with_line_numbers() -> None:
    spec = parse("Name: t\nVersion: %{upstream}\nRelease: 1\n")
    unknown = [d for d in spec.diagnostics if d.code == "unknown-macro"]
    assert unknown and unknown[0].line == 2 and "%upstream" in unknown[0].message


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Name: t\nVersion: 1\nRelease: 1\n%if 1\nRequires: a\n", "unbalanced-if"),
        ("Name: t\nVersion: 1\nRelease: 1\n%endif\n", "unbalanced-if"),
        ("Name: t\nVersion: 1\nRelease: 1\n%else\n", "unbalanced-if"),
        ("Name: t\nRelease: 1\n", "missing-tag"),
        ("Name: t\nVersion: 1-2\nRelease: 1\n", "bad-version"),
        ("Name: t\nVersion: 1\nRelease: 1\nEpoch: x\n", "bad-epoch"),
        ("Name: t\nVersion: 1\nRelease: 1\n%if foo == bar\n%endif\n", "bad-expression"),
        ("Name: t\nVersion: 1\nRelease: 1\nSource0: a\nSource0: b\n", "duplicate-number"),
        ("Name: t\nVersion: 1\nRelease: 1\nFrobnicate: yes\n", "unknown-tag"),
        ("Name: t\nVersion: %{x\nRelease: 1\n", "unterminated-macro"),
    ],
)
def test_malformed_specs_give_diagnostics(text: str, code: str) -> None:
    spec = parse(text)
    assert code in {d.code for d in spec.diagnostics}


def test_endless_recursive_macro_ends_in_diagnostic() -> None:
    started = time.monotonic()
    spec = parse(
        "%define a %{a}\nName: t\nVersion: %{a}\nRelease: 1\n"
        "%define bb %{cc}\n%define cc %{bb}\nSummary: %{bb}\n"
    )
    assert time.monotonic() - started < 2
    assert spec.name == "t" and spec.release == "1"
    assert "recursion-limit" in {d.code for d in spec.diagnostics}


def test_ten_megabyte_line_is_read_quickly() -> None:
    text = "Name: t\nVersion: 1\nRelease: 1\nSummary: " + "x" * 10_000_000 + "\n%description\nd\n"
    # CPU time, not wall time: the bound is about the work done, not the machine's load.
    started = time.process_time()
    spec = parse(text)
    assert time.process_time() - started < 5
    assert spec.name == "t" and len(spec.summary or "") == 10_000_000


def test_ten_megabyte_macro_line_is_bounded() -> None:
    text = "Name: t\nVersion: 1\nRelease: 1\nSummary: " + "%{name}" * 1_500_000 + "\n"
    # CPU time, not wall time: the bound is about the work done, not the machine's load.
    started = time.process_time()
    spec = parse(text)
    assert time.process_time() - started < 10
    assert spec.version == "1"


def test_binary_garbage_is_a_diagnostic(tmp_path: Path) -> None:
    path = tmp_path / "garbage.spec"
    path.write_bytes(bytes(range(256)) * 64)
    spec = parse_file(path)
    assert spec.errors
    assert spec.errors[0].code == "binary-content"


def test_never_raises_on_random_bytes(tmp_path: Path) -> None:
    import random

    rng = random.Random(7)
    alphabet = "%{}()[]?!:\\\n #-abc123 Name:Version:%if%endif%else%define%global"
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 300)))
        parse(text)


def test_split_dependencies_rich_and_versioned() -> None:
    assert split_dependencies("a, b >= 1.0 c = 1:2-3,(d if e)") == [
        "a",
        "b >= 1.0",
        "c = 1:2-3",
        "(d if e)",
    ]


def test_crlf_spec_is_read() -> None:
    spec = parse("Name: t\r\nVersion: 1\r\nRelease: 1\r\n")
    assert (spec.name, spec.version, spec.release) == ("t", "1", "1")


def test_tag_lookup_finds_main_package_tags_including_name() -> None:
    spec = parse("%global v 1\nVersion: %{v}\nName: t\nRelease: 1\n%package sub\nSummary: x\n")
    assert spec.tag("name") is not None and spec.tag("name").line == 3
    assert spec.tag("version") is not None and spec.tag("version").raw == "%{v}"
    assert spec.tag("summary") is None
    assert spec.tag("summary", "t-sub") is not None
