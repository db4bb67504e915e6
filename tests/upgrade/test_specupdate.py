"""Updating a spec to a new version: only the lines that must change, and the traps."""

from __future__ import annotations

import datetime as dt
import difflib
from pathlib import Path

import pytest

from steward.rpm.spec import parse_file
from steward.upgrade.model import UpgradeError
from steward.upgrade.specupdate import update_spec

DATE = dt.date(2026, 11, 25)
PACKAGER = "Steward <steward@example.org>"


def changed(before: str, after: str) -> list[str]:
    diff = difflib.unified_diff(before.splitlines(), after.splitlines(), n=0, lineterm="")
    return [d for d in diff if d[:1] in "+-" and d[:3] not in ("---", "+++")]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "demo.spec"
    path.write_text(text)
    return path


OPENEULER = """\
Name:           c-ares
Version:        1.18.1
Release:        3
Summary:        A C library for asynchronous DNS requests
License:        MIT
URL:            https://c-ares.org/
Source0:        https://github.com/c-ares/c-ares/releases/download/cares-1_18_1/%{name}-%{version}.tar.gz
Patch0:         backport-fix.patch

%description
Async DNS.

%prep
%autosetup -n c-ares-1.18.1 -p1

%changelog
* Mon Jan 08 2024 Jane Doe <jane@example.org> - 1.18.1-3
- Type:bugfix ID:NA SUG:NA DESC:fix CVE-2023-1234
"""


def test_openeuler_upgrade_fixes_spelled_versions_and_setup_dir(tmp_path: Path) -> None:
    path = write(tmp_path, OPENEULER)
    result = update_spec(
        path, "1.19.0", packager=PACKAGER, date=DATE, dropped_patches=["backport-fix.patch"]
    )
    after = path.read_text()
    assert changed(OPENEULER, after) == [
        "-Version:        1.18.1",
        "-Release:        3",
        "+Version:        1.19.0",
        "+Release:        1",
        "-Source0:        https://github.com/c-ares/c-ares/releases/download/cares-1_18_1/%{name}-%{version}.tar.gz",
        "+Source0:        https://github.com/c-ares/c-ares/releases/download/cares-1_19_0/%{name}-%{version}.tar.gz",
        "-%autosetup -n c-ares-1.18.1 -p1",
        "+%autosetup -n c-ares-%{version} -p1",
        "+* Wed Nov 25 2026 Steward <steward@example.org> - 1.19.0-1",
        "+- Type:update ID:NA SUG:NA DESC:update to 1.19.0",
        "+- Type:update ID:NA SUG:NA DESC:drop patches merged upstream: backport-fix.patch",
        "+",
    ]
    spec = parse_file(path)
    assert spec.source(0).expanded.endswith("cares-1_19_0/c-ares-1.19.0.tar.gz")
    assert result.evr == "1.19.0-1"
    assert len(result.notes) == 2


def test_fedora_style_release_and_changelog(tmp_path: Path) -> None:
    text = (
        "%global srcname demo\nName: python-%{srcname}\nVersion: 2.0\nRelease: 4%{?dist}\n"
        "Summary: s\nLicense: MIT\n"
        "Source0: https://files.pythonhosted.org/packages/ab/cd/"
        + "0" * 60
        + "/demo-2.0.tar.gz\n%description\nd\n%changelog\n* Mon Jan 08 2024 J <j@e.org> - 2.0-4\n- x\n"
    )
    path = write(tmp_path, text)
    result = update_spec(path, "2.1", packager="Jo <jo@e.org>", style="fedora", date=DATE)
    spec = parse_file(path)
    assert spec.release == "1"
    assert spec.source(0).expanded == (
        "https://files.pythonhosted.org/packages/source/d/demo/demo-2.1.tar.gz"
    )
    assert spec.changelog[0].lines == ("- update to 2.1",)
    assert any("PyPI" in note for note in result.notes)


def test_macro_holding_spelled_version(tmp_path: Path) -> None:
    text = (
        "%global uver 2_5_0\nName: t\nVersion: 2.5.0\nRelease: 1\nSummary: s\nLicense: MIT\n"
        "Source0: https://example.org/t-%{uver}.tar.gz\n%description\nd\n"
    )
    path = write(tmp_path, text)
    update_spec(path, "2.6.1", packager=PACKAGER, date=DATE)
    assert parse_file(path).source(0).expanded == "https://example.org/t-2_6_1.tar.gz"


def test_version_computed_by_shell_is_refused_and_spec_untouched(tmp_path: Path) -> None:
    text = "Name: t\nVersion: %(cat VERSION)\nRelease: 1\nSummary: s\nLicense: MIT\n"
    path = write(tmp_path, text)
    with pytest.raises(UpgradeError, match="spec"):
        update_spec(path, "2.0", packager=PACKAGER, date=DATE)
    assert path.read_text() == text
