"""The openEuler profile's macros mean what openEuler's own macro files mean (issue 17, 6).

A library package written the way real openEuler specs are (``%ldconfig_scriptlets`` and a
``%post`` of its own) is expanded twice, by ``rpmspec`` with openEuler's real macro files
(``../shared/data/rpm-macros/openeuler/``) and by Steward's profile, and its source RPM is
built with the profile loaded, as ``steward upgrade --build srpm`` does.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from buildkit import make_package

from steward.distro.profiles import load_profile
from steward.rpm import parse_file
from steward.upgrade.builders.local import LocalRpmbuild
from steward.upgrade.model import BuildOutcome

OE_MACROS = Path(__file__).resolve().parents[2].parent / "shared/data/rpm-macros/openeuler"

pytestmark = pytest.mark.skipif(shutil.which("rpmspec") is None, reason="needs rpmspec")

# What real openEuler library specs do: the distribution's scriptlets macro and a %post of
# their own (for a systemd unit, an alternatives link, ...).
SCRIPTLETS = """\
%ldconfig_scriptlets

%post
/bin/true

%ldconfig_post devel
%ldconfig_postun devel
"""


def library_spec(tmp_path: Path) -> Path:
    spec = make_package(tmp_path / "libdemo", "libdemo", "1.0", variant="clib")
    text = spec.read_text().replace("%prep\n", SCRIPTLETS + "\n%prep\n", 1)
    spec.write_text(text)
    return spec


def scriptlet_sections(text: str) -> list[str]:
    return re.findall(r"^%(post|postun)\b.*$", text, re.M)


@pytest.mark.skipif(not (OE_MACROS / "macros.oe").is_file(), reason="needs ../shared/data")
def test_ldconfig_macros_expand_as_openeulers_own_macro_files_do(tmp_path: Path) -> None:
    spec = library_spec(tmp_path)
    oracle = subprocess.run(
        ["rpmspec", "-P", "--load", str(OE_MACROS / "macros.oe"), str(spec)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip

    parsed = parse_file(spec, macros=load_profile("openeuler-24.03").macro_engine())

    assert scriptlet_sections(oracle) == ["post"], (
        "openEuler expands the ldconfig macros to nothing"
    )
    assert [s.name for s in parsed.sections if s.name in ("post", "postun")] == ["post"]


def test_srpm_of_a_spec_with_its_own_post_builds_with_the_openeuler_profile(
    tmp_path: Path,
) -> None:
    spec = library_spec(tmp_path)

    result = LocalRpmbuild(load_profile("openeuler-24.03"), tmp_path / "builds").build_srpm(
        spec, spec.parent, timeout=60
    )

    assert result.outcome is BuildOutcome.SUCCEEDED, result.message
    assert "Second %post" not in (result.log.read_text() if result.log else "")


@pytest.mark.skipif(not (OE_MACROS / "macros.oe").is_file(), reason="needs ../shared/data")
def test_help_subpackage_reads_as_openeulers_package_help_writes_it(tmp_path: Path) -> None:
    spec = make_package(
        tmp_path / "python-demo", "python-demo", "1.0", variant="pymod", help_subpackage=True
    )
    oracle = subprocess.run(
        ["rpmspec", "-q", "--qf", "%{NAME}|%{SUMMARY}|%{DESCRIPTION}\n",
         "--load", str(OE_MACROS / "macros.oe"), str(spec)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    [_, help_line] = [line for line in oracle.splitlines() if "|" in line]
    name, summary, description = help_line.split("|")

    parsed = parse_file(spec, macros=load_profile("openeuler-24.03").macro_engine())
    [help_pkg] = parsed.subpackages

    assert (help_pkg.name, help_pkg.summary) == (name, summary)
    assert help_pkg.description.strip() == description.strip()
