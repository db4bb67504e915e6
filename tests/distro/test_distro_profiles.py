"""Distro profiles: built-in profiles expand specs as the distribution would."""

from __future__ import annotations

import pickle
import re
from pathlib import Path

import pytest
from envneeds import needs

from steward.distro.profiles import (
    Profile,
    ProfileError,
    UnknownProfileError,
    available_profiles,
    load_profile,
)
from steward.rpm.spec import parse

REAL_OPENEULER_MACROS = (
    Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "rpm-macros" / "openeuler"
)

SPEC = """\
Name:           foo
Version:        1.2.3
Release:        2%{?dist}
Summary:        A foo
License:        MIT
URL:            https://example.org/foo
Source0:        https://example.org/%{name}-%{version}.tar.gz
BuildRequires:  python%{python3_pkgversion}-devel

%description
Foo.

%package_help

%prep
%autosetup -p1

%install
%make_install
%delete_la_and_a

%ldconfig_scriptlets

%files
%{_libdir}/libfoo.so.*
%{python3_sitelib}/foo

%files help
%{_mandir}/man1/*
"""


def test_built_in_profiles_are_listed() -> None:
    assert {"openeuler-24.03", "openeuler-22.03", "fedora-41"} <= set(available_profiles())


@pytest.mark.parametrize("name", ["openeuler-24.03", "openeuler-22.03", "fedora-41"])
def test_every_built_in_profile_loads_its_files_cleanly(name: str) -> None:
    profile = load_profile(name)
    assert profile.macro_engine().is_defined("_libdir")
    assert profile.diagnostics() == ()


def test_openeuler_profile_expands_dist_and_paths() -> None:
    engine = load_profile("openeuler-24.03").macro_engine()
    assert engine.expand("%{dist}") == ".oe2403"
    assert engine.expand("%{_libdir}") == "/usr/lib64"
    assert engine.expand("%{_vendor}") == "openEuler"
    assert engine.expand("%{python3_pkgversion}") == "3"
    assert engine.expand("%{python3_sitelib}") == "/usr/lib/python3.11/site-packages"
    assert engine.expand("%{python3_sitearch}") == "/usr/lib64/python3.11/site-packages"
    assert engine.expand("%{perl_vendorlib}") == "/usr/share/perl5/vendor_perl"
    assert engine.expand("%{_target_platform}") == "x86_64-openEuler-linux-gnu"
    assert engine.expand("%{?_isa}") == "(x86-64)"
    assert engine.expand("%{gopath}") == "/usr/share/gocode"
    assert engine.expand("%{go_arches}").split()[:1] == ["i386"]


@pytest.mark.parametrize(
    ("macro", "expected"),
    [
        ("%{_prefix}", "/usr"),
        ("%{_bindir}", "/usr/bin"),
        ("%{_sbindir}", "/usr/sbin"),
        ("%{_datadir}", "/usr/share"),
        ("%{_sysconfdir}", "/etc"),
        ("%{_mandir}", "/usr/share/man"),
        ("%{_docdir}", "/usr/share/doc"),
        ("%{_includedir}", "/usr/include"),
        ("%{_localstatedir}", "/var"),
        ("%{_unitdir}", "/usr/lib/systemd/system"),
        ("%{_sourcedir}", "/builddir/build/SOURCES"),
        ("%{_builddir}", "/builddir/build/BUILD"),
        ("%{__make}", "/usr/bin/make"),
        ("%{__python3}", "/usr/bin/python3"),
        ("%{make_build}", "/usr/bin/make -O -j1 V=1 VERBOSE=1"),
    ],
)
def test_generic_rpm_macros_are_defined(macro: str, expected: str) -> None:
    assert load_profile("openeuler-24.03").macro_engine().expand(macro) == expected


def test_32_bit_target_uses_lib() -> None:
    profile = Profile.from_files(
        "i686", load_profile("openeuler-24.03").macro_files, target_arch="i686"
    )
    assert profile.macro_engine().expand("%{_libdir} %{_isa}") == "/usr/lib (x86-32)"


def test_fedora_profile_has_autorelease_and_autochangelog() -> None:
    engine = load_profile("fedora-41").macro_engine()
    assert engine.expand("%{dist} %{fedora}") == ".fc41 41"
    assert engine.expand("%{autorelease}") == "1.fc41"
    assert engine.expand("%{autorelease -b 7}") == "7.fc41"
    assert engine.expand("%{autorelease -n}") == "1"
    assert engine.expand("%{autochangelog}") == ""
    assert engine.expand("%{_vpath_builddir}") == "redhat-linux-build"


def test_fedora_spec_with_autorelease_gets_a_release() -> None:
    spec = parse(
        "Name: x\nVersion: 1\nRelease: %autorelease\nSummary: s\nLicense: MIT\n\n%description\nd\n"
        "\n%changelog\n%autochangelog\n",
        macros=load_profile("fedora-41").macro_engine(),
    )
    assert spec.release == "1.fc41"


def test_openeuler_spec_gets_help_subpackage_and_ldconfig_scriptlets() -> None:
    spec = parse(SPEC, macros=load_profile("openeuler-24.03").macro_engine())
    assert spec.errors == []
    assert spec.release == "2.oe2403"
    assert spec.build_requires == ["python3-devel"]
    assert [p.name for p in spec.packages] == ["foo", "foo-help"]
    assert {"post", "postun"} <= {s.name for s in spec.sections}


def test_each_engine_is_an_independent_copy() -> None:
    profile = load_profile("openeuler-24.03")
    first = profile.macro_engine()
    first.define("dist", ".changed")
    assert profile.macro_engine().expand("%{dist}") == ".oe2403"


def test_built_in_profiles_are_loaded_once() -> None:
    assert load_profile("openeuler-24.03") is load_profile("openeuler-24.03")


def test_unknown_profile_suggests_a_close_name() -> None:
    with pytest.raises(UnknownProfileError, match=re.escape("did you mean 'openeuler-24.03'")):
        load_profile("openeuler-24.3")


def test_profile_from_a_user_folder(tmp_path: Path) -> None:
    (tmp_path / "site.macros").write_text("%_prefix /opt/site\n%site_flag 1\n")
    (tmp_path / "profile.toml").write_text(
        'name = "site"\ndist = ".site1"\nvendor = "Site"\nmacro_files = ["site.macros"]\n'
        '[macros]\nextra = "yes"\nnumber = 3\n'
    )
    profile = load_profile(tmp_path)
    assert profile.name == "site"
    assert profile.macro_files == (tmp_path / "site.macros",)
    engine = profile.macro_engine()
    assert engine.expand("%{_prefix} %{dist} %{_vendor} %{extra} %{number}") == (
        "/opt/site .site1 Site yes 3"
    )


def test_profile_values_win_over_macro_files(tmp_path: Path) -> None:
    (tmp_path / "a.macros").write_text("%dist .from-file\n%python3_version 2.7\n")
    profile = Profile.from_files(
        "p", [tmp_path / "a.macros"], dist=".oe1", macros={"python3_version": "3.12"}
    )
    assert profile.macro_engine().expand("%{dist} %{python3_version}") == ".oe1 3.12"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('name = "x"\ndisttag = ".x"\n', "unknown keys disttag"),
        ('name = "x\n', "not valid TOML"),
        ("macro_files = 3\n", "macro_files must be a list"),
        ("dist = 3\n", "dist must be a string"),
        ("host_macros = 'yes'\n", "host_macros must be true or false"),
        ("[macros]\nx = [1]\n", "macro x must be"),
    ],
)
def test_malformed_profile_file_is_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "profile.toml"
    path.write_text(text)
    with pytest.raises(ProfileError, match=message):
        load_profile(path)


def test_missing_macro_file_is_a_diagnostic_not_a_crash(tmp_path: Path) -> None:
    profile = Profile.from_files("p", [tmp_path / "absent.macros"], dist=".x")
    assert profile.macro_engine().expand("%{dist}") == ".x"
    assert [d.code for d in profile.diagnostics()] == ["missing-macro-file"]


@needs(Path("/usr/lib/rpm/macros").is_file(), "no host rpm macros")
def test_host_macros_are_read_before_the_profile_files(tmp_path: Path) -> None:
    (tmp_path / "mine.macros").write_text("%_vendor mine\n")
    profile = Profile.from_files("host", [tmp_path / "mine.macros"], host_macros=True)
    engine = profile.macro_engine()
    assert engine.is_defined("_rpmconfigdir")  # from /usr/lib/rpm/macros
    assert engine.expand("%{_vendor}") == "mine"


def test_profile_pickles_without_its_engine() -> None:
    profile = load_profile("openeuler-24.03")
    profile.macro_engine()
    copy = pickle.loads(pickle.dumps(profile))
    assert copy == profile
    assert copy.macro_engine().expand("%{dist}") == ".oe2403"


# --- the real openEuler macro files ------------------------------------------------------


@needs(REAL_OPENEULER_MACROS.is_dir(), "no ../shared/data/rpm-macros")
def test_real_openeuler_macro_files_load_without_running_code(tmp_path: Path) -> None:
    files = sorted(REAL_OPENEULER_MACROS.glob("macros*.oe"))
    assert len(files) == 5
    sentinel = tmp_path / "ran"
    (tmp_path / "trap.macros").write_text(
        f"%trap_shell %(touch {sentinel})\n%trap_lua %{{lua: os.execute('touch {sentinel}')}}\n"
    )
    profile = Profile.from_files(
        "real-openeuler", [*files, tmp_path / "trap.macros"], dist=".oe2403"
    )
    engine = profile.macro_engine()
    for name in ("package_help", "delete_la", "delete_la_and_a", "ldconfig_scriptlets",
                 "py3_build", "py3_install", "python3_sitelib", "perl_default_filter",
                 "go_arches", "gopath", "__python3"):  # fmt: skip
        assert engine.is_defined(name), name
    # Shell and Lua bodies stay as text: expanding them runs nothing.
    assert "%(" in engine.expand("%{python3_sitelib}")
    engine.expand("%{trap_shell} %{trap_lua} %{gorpmname foo}")
    assert not sentinel.exists()
    assert {"unexpanded-shell", "unexpanded-lua"} <= {d.code for d in engine.diagnostics}


@needs(REAL_OPENEULER_MACROS.is_dir(), "no ../shared/data/rpm-macros")
def test_real_openeuler_package_help_agrees_with_the_steward_profile() -> None:
    real = Profile.from_files(
        "real", sorted(REAL_OPENEULER_MACROS.glob("macros*.oe")), dist=".oe2403"
    )
    ours = load_profile("openeuler-24.03")
    specs = [parse(SPEC, macros=p.macro_engine()) for p in (real, ours)]
    assert [[p.name for p in s.packages] for s in specs] == [["foo", "foo-help"]] * 2
    assert specs[0].release == specs[1].release == "2.oe2403"
    help_arch = [s.packages[1].build_arch for s in specs]
    assert help_arch == [["noarch"], ["noarch"]]
