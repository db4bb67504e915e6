"""The classes of real specs Steward once read differently from rpm, each on a small spec.

Every spec here was written for its class (issue 11). Where rpm's answer matters, the real
``rpmspec`` (rpm 4.18, see ``rpmspec_oracle.py``) reads the same spec with the same macro
files and the fields must agree; the rest are Steward-only properties (no ``unbalanced-if``,
the ``%changelog`` still found, a file outside the package folder never read).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import rpmspec_oracle
from rpmspec_oracle import (
    BASE_DEFINES,
    OPENEULER_MACRO_DIR,
    OPENEULER_MACRO_FILES,
    rpmspec_available,
    rpmspec_query,
)

from steward.distro.profiles_lua import attach_lua
from steward.rpm.macros import MacroEngine, host_macro_files, load_files
from steward.rpm.spec import parse_file

needs_rpmspec = pytest.mark.skipif(not rpmspec_available(), reason="rpmspec is not installed")
OE_FILES = tuple(OPENEULER_MACRO_DIR / name for name in OPENEULER_MACRO_FILES.values())
FIELDS = ("name", "epoch", "version", "release", "license", "url")
_BASES: dict[tuple[Path, ...], MacroEngine] = {}


def engine_for(macro_files: tuple[Path, ...], defines: dict[str, str]) -> MacroEngine:
    """What rpmspec reads (host macros minus /etc/rpm, then the files), with sandboxed Lua."""
    if macro_files not in _BASES:
        base = MacroEngine(rpm_version=(4, 18))
        load_files(base, host_macro_files(include_etc=False))
        load_files(base, macro_files)
        attach_lua(base)
        _BASES[macro_files] = base
    engine = _BASES[macro_files].copy()
    for name, value in {**BASE_DEFINES, **defines}.items():
        engine.define(name, value)
    return engine


def write_spec(folder: Path, body: str, name: str = "t.spec") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(body.lstrip("\n"), encoding="utf-8")
    return path


def agree_with_rpmspec(
    spec_path: Path,
    *,
    macro_files: tuple[Path, ...] = (),
    defines: dict[str, str] | None = None,
) -> None:
    """rpmspec and Steward read the same fields and the same Source0 (and patches)."""
    defines = dict(defines or {})
    expected = rpmspec_query(spec_path, macro_files=macro_files, defines=defines)
    spec = parse_file(spec_path, macros=engine_for(macro_files, defines))
    assert {f: getattr(spec, f) for f in FIELDS} == {f: expected[f] for f in FIELDS}
    assert {s.number: s.expanded for s in spec.sources} == expected["sources"]
    assert {p.number: p.expanded for p in spec.patches} == expected["patches"]


PREAMBLE = """
Name: t
Version: 1.0
Release: 1
Summary: s
License: MIT
"""

# -- %if inside a backslash-continued line -------------------------------------------------

CONTINUED = """
Name: cont
Summary: continued \\
%if 0%{?openEuler}
Version: 2
%else
Version: 3
%endif
Release: 1
License: MIT
%description
d
%build
%configure \\
%if 0%{?openEuler}
  --with-x \\
%else
  --without-x \\
%endif
  --enable-foo
%meson \\
%ifarch x86_64
  -Dsimd=true \\
%endif
  -Dx=y
%install
true
%changelog
* Mon Jan 01 2024 A <a@example.org> - 2-1
- first
"""


def test_if_inside_continued_configure_keeps_sections_and_changelog(tmp_path: Path) -> None:
    path = write_spec(tmp_path, CONTINUED)
    spec = parse_file(path, macros=engine_for((), {"openEuler": "2"}))
    codes = {d.code for d in spec.diagnostics}
    assert "unbalanced-if" not in codes
    assert [s.name for s in spec.sections][-3:] == ["build", "install", "changelog"]
    assert len(spec.changelog) == 1
    assert spec.version == "2"


@needs_rpmspec
@pytest.mark.parametrize("openeuler", ["2", ""])
def test_if_ending_a_continued_line_is_evaluated_as_rpm_does(
    tmp_path: Path, openeuler: str
) -> None:
    path = write_spec(tmp_path, CONTINUED)
    defines = {"openEuler": openeuler} if openeuler else {}
    agree_with_rpmspec(path, defines=defines)


# -- %include %{SOURCE2} --------------------------------------------------------------------


@needs_rpmspec
def test_include_of_a_source_file_reads_it_from_the_package_folder(tmp_path: Path) -> None:
    folder = tmp_path / "grub"
    path = write_spec(
        folder,
        PREAMBLE
        + "Source0: https://example.org/t-%{version}.tar.gz\n"
        + "Source2: patches.inc\n"
        + "%include %{SOURCE2}\n"
        + "%description\nd\n%prep\n%autosetup -p1\n",
    )
    (folder / "patches.inc").write_text("Patch1: one.patch\nPatch2: two-%{version}.patch\n")
    # rpm reads %{SOURCE2} from %{_sourcedir}: for a package folder, that is the folder.
    defines = {"_sourcedir": str(folder)}
    agree_with_rpmspec(path, defines=defines)
    # Steward reads it there even when the profile's %{_sourcedir} points elsewhere.
    spec = parse_file(path, macros=engine_for((), {"_sourcedir": "/root/rpmbuild/SOURCES"}))
    assert [p.filename for p in spec.patches] == ["one.patch", "two-1.0.patch"]
    assert "include-refused" not in {d.code for d in spec.diagnostics}


@pytest.mark.parametrize(
    "target", ["../outside.inc", "/etc/hostname", "%{_sourcedir}/../outside.inc", "link.inc"]
)
def test_include_never_reads_outside_the_package_folder(tmp_path: Path, target: str) -> None:
    folder = tmp_path / "pkg"
    (tmp_path / "outside.inc").write_text("Patch9: stolen.patch\n")
    path = write_spec(folder, PREAMBLE + f"%include {target}\n%description\nd\n")
    (folder / "link.inc").symlink_to(tmp_path / "outside.inc")
    spec = parse_file(path, macros=engine_for((), {"_sourcedir": str(folder)}))
    assert spec.patches == []
    assert "include-refused" in {d.code for d in spec.diagnostics}


# -- %dnl, Epoch, upper-case tag macros -----------------------------------------------------


@needs_rpmspec
def test_dnl_lines_are_comments(tmp_path: Path) -> None:
    path = write_spec(
        tmp_path,
        PREAMBLE.replace("Version: 1.0\n", "Version: 1.0\n%dnl Version: 9\n")
        + "%dnl %global broken 1\n%{?broken:Group: g}\nURL: https://example.org/%dnl trailing\n"
        + "%description\nd\n",
    )
    agree_with_rpmspec(path)


@needs_rpmspec
def test_epoch_comes_from_the_main_package_only(tmp_path: Path) -> None:
    path = write_spec(
        tmp_path,
        PREAMBLE + "%description\nd\n%package sub\nSummary: sub\nEpoch: 3\n%description sub\nd\n",
    )
    agree_with_rpmspec(path)
    assert parse_file(path).epoch is None


@needs_rpmspec
def test_epoch_given_by_a_macro_is_expanded(tmp_path: Path) -> None:
    path = write_spec(
        tmp_path, "%global base_epoch 2\n" + PREAMBLE + "Epoch: %{base_epoch}\n%description\nd\n"
    )
    agree_with_rpmspec(path)
    assert parse_file(path).epoch == 2


@needs_rpmspec
def test_upper_case_tag_macros_name_the_main_package(tmp_path: Path) -> None:
    path = write_spec(
        tmp_path,
        PREAMBLE + "URL: https://example.org/t\n"
        "Source0: %{URL}/releases/%{NAME}-%{VERSION}-%{RELEASE}.tar.gz\n"
        "%description\nd\n%package sub\nSummary: sub\nURL: https://sub.example.org\n"
        "%description sub\nd\n"
        "%package -n other\nSummary: o\nSource1: %{URL}/%{url}.tar.gz\n%description -n other\nd\n",
    )
    agree_with_rpmspec(path)


# -- the distribution's Lua macros ----------------------------------------------------------

LUA_SPECS = {
    "forgemeta": """
%global forgeurl https://github.com/example/widget
Version: 2.4.1
%forgemeta
Name: widget
Release: 1%{?dist}
Summary: s
License: MIT
URL: %{forgeurl}
Source0: %{forgesource}
%description
d
""",
    "forgemeta-commit": """
%global forgeurl https://github.com/example/widget
%global commit 0123456789abcdef0123456789abcdef01234567
%global date 20240102
Version: 0
%forgemeta
Name: widget
Release: 0.1%{?dist}
Summary: s
License: MIT
URL: %{forgeurl}
Source0: %{forgesource}
%description
d
""",
    "gometa": """
%global goipath github.com/example/Go-Widget
Version: 1.3.0
%gometa
Name: %{goname}
Release: 1%{?dist}
Summary: s
License: MIT
URL: %{gourl}
Source0: %{gosource}
%description
d
""",
    "pypi-name": """
%global pypi_name Some.Package
Name: python-%{pypi_name}
Version: 3.1
Release: 1
Summary: s
License: MIT
URL: https://pypi.org/project/%{pypi_name}
Source0: %{pypi_source}
Source1: %{pypi_source other 1.0 zip}
%description
d
""",
    "srcname": """
%global srcname widget
%global pypi_name ignored
Name: python-%{srcname}
Version: 3.1
Release: 1
Summary: s
License: MIT
Source0: %{pypi_source}
%description
d
""",
    "rpm-define": """
%{lua: rpm.define("crate_version " .. string.gsub("1.2.3-rc1", "-", "~"))}
%define pkgname() %{lua: print(string.lower(rpm.expand("%1")) .. "-" .. #arg)}
Name: %{pkgname Rust-Widget x}
Version: %{crate_version}
Release: 1
Summary: s
License: MIT
URL: %{lua: print(rpm.vercmp("1.10", "1.9") == 1 and "https://newer.example" or "no")}
%description
d
""",
}


@needs_rpmspec
@pytest.mark.parametrize("name", sorted(LUA_SPECS))
def test_distribution_lua_macros_expand_as_rpm_does(tmp_path: Path, name: str) -> None:
    path = write_spec(tmp_path, LUA_SPECS[name])
    agree_with_rpmspec(path, macro_files=OE_FILES, defines={"dist": ".oe2403"})


# -- %(...) shell ---------------------------------------------------------------------------

SHELL_SPEC = """
%global commit 5e9be272f96e00f15a2f3c5f8ba7e124862aec38
%global shortcommit %(c=%{commit}; echo ${c:0:7})
Name: shelly
Version: 1.32.12
Release: 1.%(echo %{version} | cut -d. -f1-2)git%{shortcommit}
Summary: s
License: MIT
URL: https://example.org/%(echo %{version} | sed 's/\\./_/g')/%(tr . - <<< %{version})
Source0: https://example.org/%(printf '%s' '%{version}' | sed -n 's/^\\([0-9]*\\.[0-9]*\\)\\.[0-9]*$/\\1/p')/a.tar.xz
Source1: https://example.org/%(echo %{version} | awk -F. '{print $1"."$2}')/%(echo $((3*4+7/2)))
Source2: https://example.org/%([ "%{version}" = "1.32.12" ] && echo yes || echo no)/%(v=%{version}; echo ${v//./_})
%description
d
"""


@pytest.fixture
def rpmspec_under_bash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """rpmspec with bash as /bin/sh (a private mount namespace), as on an RPM distribution.

    Debian's /bin/sh is dash, which fails on ``${c:0:7}`` and ``<<<``.
    """
    script = 'mount --bind /bin/bash /bin/sh && sh -c "[[ x == x ]]"'
    try:
        probe = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True)
    except OSError:
        pytest.skip("unshare is not installed")
    if probe.returncode != 0:
        pytest.skip("cannot bind bash over /bin/sh in a mount namespace (needs root)")
    wrapper = tmp_path / "rpmspec-bash"
    wrapper.write_text(
        "#!/bin/bash\nexec unshare -m sh -c "
        '\'mount --bind /bin/bash /bin/sh && exec rpmspec "$@"\' sh "$@"\n'
    )
    wrapper.chmod(0o755)
    monkeypatch.setattr(rpmspec_oracle, "RPMSPEC", str(wrapper))


@needs_rpmspec
def test_pure_text_shell_idioms_expand_as_bash_does(
    tmp_path: Path, rpmspec_under_bash: None
) -> None:
    path = write_spec(tmp_path, SHELL_SPEC)
    agree_with_rpmspec(path)
    spec = parse_file(path, macros=engine_for((), {}))
    assert "unexpanded-shell" not in {d.code for d in spec.diagnostics}


def test_other_shell_stays_unexpanded_with_its_diagnostic(tmp_path: Path) -> None:
    path = write_spec(
        tmp_path, PREAMBLE + "URL: https://example.org/%(uname -r)\n%description\nd\n"
    )
    spec = parse_file(path, macros=engine_for((), {}))
    assert spec.url == "https://example.org/%(uname -r)"
    assert "unexpanded-shell" in {d.code for d in spec.diagnostics}
