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


GITHUB_RELEASE = """\
Name:           foo
Version:        1.2.3
Release:        2
Summary:        demo
License:        MIT
Source0:        https://github.com/acme/foo/releases/download/v1.2.3/foo-1.2.3.tar.gz
Obsoletes:      foo-legacy < 1.2.3

%description
demo

%prep
%autosetup -n foo-%{version}

%install
mkdir -p %{buildroot}%{_docdir}/foo-python-1.2.3
cp README %{buildroot}%{_docdir}/foo-python-1.2.3/

%files
%{_docdir}/foo-python-1.2.3/*

%changelog
* Mon Jan 01 2024 Maintainer <m@example.org> - 1.2.3-2
- rebuild for 1.2.3
"""


def test_source_url_spelling_the_version_twice_is_rewritten_in_both_places(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, GITHUB_RELEASE)

    update_spec(path, "1.3.0", packager=PACKAGER, date=DATE, changelog=False)

    spec = parse_file(path)
    assert spec.sources[0].raw == (
        "https://github.com/acme/foo/releases/download/v%{version}/foo-%{version}.tar.gz"
    )
    assert spec.sources[0].expanded.endswith("/v1.3.0/foo-1.3.0.tar.gz")


def test_old_version_in_build_paths_is_rewritten_and_every_other_mention_reported(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, GITHUB_RELEASE)

    update = update_spec(path, "1.3.0", packager=PACKAGER, date=DATE, changelog=False)

    text = path.read_text()
    assert "%{_docdir}/foo-python-%{version}/*" in text
    assert "mkdir -p %{buildroot}%{_docdir}/foo-python-%{version}\n" in text
    assert "Obsoletes:      foo-legacy < 1.2.3" in text, "a dependency is never rewritten"
    assert "- rebuild for 1.2.3" in text, "history is never rewritten"
    rewritten = [n for n in update.notes if "path the upstream build derives" in n]
    assert len(rewritten) == 3
    [left] = [n for n in update.notes if "left as is" in n]
    assert "Obsoletes" in left and "line 7" in left


def test_source_computed_through_a_macro_names_the_macro_it_cannot_rewrite(
    tmp_path: Path,
) -> None:
    text = GITHUB_RELEASE.replace(
        "Source0:        https://github.com/acme/foo/releases/download/v1.2.3/foo-1.2.3.tar.gz",
        "%global tarver 1.2.3-final\nSource0:        https://example.org/foo-%{tarver}.tar.gz",
    )
    path = write(tmp_path, text)

    with pytest.raises(UpgradeError) as caught:
        update_spec(path, "1.3.0", packager=PACKAGER, date=DATE, changelog=False)

    assert "%tarver (defined on line 6" in str(caught.value)
    assert path.read_text() == text, "a refused update leaves the spec as it was"


def test_source0_with_a_hard_coded_commit_is_refused_before_downloading(tmp_path: Path) -> None:
    text = GITHUB_RELEASE.replace(
        "https://github.com/acme/foo/releases/download/v1.2.3/foo-1.2.3.tar.gz",
        "https://github.com/acme/foo/archive/3f2a9c1e.tar.gz#/foo-snapshot.tar.gz",
    )
    path = write(tmp_path, text)

    with pytest.raises(UpgradeError) as caught:
        update_spec(path, "1.3.0", packager=PACKAGER, date=DATE, changelog=False)

    message = str(caught.value)
    assert "does not move with the version" in message and "line 6" in message
    assert "3f2a9c1e" in message


def _with_changelog(entries: str, epoch: str = "") -> Path:
    return Path(
        f"Name: foo\n{epoch}Version: 1.4\nRelease: 1\nSummary: d\nLicense: MIT\n"
        f"\n%description\nd\n\n%changelog\n{entries}"
    )


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        # The package's previous upgrades agree: their wording is reused.
        (
            "* Mon Jan 01 2024 A <a@x> - 1.4-1\n- upgrade version to 1.4\n\n"
            "* Mon Jan 01 2023 A <a@x> - 1.3-2\n- fix CVE-2023-1\n\n"
            "* Mon Jan 01 2022 A <a@x> - 1.3-1\n- upgrade version to 1.3\n\n"
            "* Mon Jan 01 2021 A <a@x> - 1.2-1\n- init\n",
            ["upgrade version to 2.0"],
        ),
        (
            "* Mon Jan 01 2024 A <a@x> - 1.4-1\n- Update to 1.4\n\n"
            "* Mon Jan 01 2023 A <a@x> - 1.3-1\n- Update to 1.3\n",
            ["Update to 2.0"],
        ),
        # openEuler's Type lines, one item per line, as the package writes them.
        (
            "* Mon Jan 01 2024 A <a@x> - 1.4-1\n- Type:enhancement\n- ID:NA\n- SUG:NA\n"
            "- DESC:update to 1.4\n\n"
            "* Mon Jan 01 2023 A <a@x> - 1.3-1\n- Type:bugfix\n- ID:NA\n- SUG:NA\n- DESC:x\n",
            ["Type:update", "ID:NA", "SUG:NA", "DESC:update to 2.0"],
        ),
        # The newest upgrades agree, older ones wrote openEuler's Type: lines: the newest win.
        (
            "* Mon Jan 01 2024 A <a@x> - 1.4-1\n- update to v1.4 version\n\n"
            "* Mon Jan 01 2023 A <a@x> - 1.3-1\n- update to v1.3 version\n\n"
            "* Mon Jan 01 2022 A <a@x> - 1.2-0\n- Type:enhancement\n- ID:NA\n- SUG:NA\n"
            "- DESC:update package\n\n* Mon Jan 01 2021 A <a@x> - 1.1-4\n- init\n",
            ["update to v2.0 version"],
        ),
        # Upgrades written two ways and entries that disagree: the profile decides.
        (
            "* Mon Jan 01 2024 A <a@x> - 1.4-1\n- update to 1.4\n\n"
            "* Mon Jan 01 2023 A <a@x> - 1.3-1\n- Type:update ID:NA SUG:NA DESC:update to 1.3\n"
            "\n* Mon Jan 01 2022 A <a@x> - 1.2-1\n- init\n",
            ["Type:update ID:NA SUG:NA DESC:update to 2.0"],
        ),
    ],
)
def test_changelog_style_follows_the_package_when_its_entries_agree(
    tmp_path: Path, entries: str, expected: list[str]
) -> None:
    from steward.upgrade.specupdate import changelog_items, changelog_style

    path = write(tmp_path, str(_with_changelog(entries)))
    style = changelog_style(parse_file(path), "openeuler")

    assert changelog_items("2.0", style=style) == expected


def test_changelog_header_keeps_the_epoch_only_when_the_package_writes_it(tmp_path: Path) -> None:
    from steward.upgrade.specupdate import changelog_style

    without = "* Mon Jan 01 2024 A <a@x> - 1.4-1\n- update to 1.4\n"
    with_epoch = "* Mon Jan 01 2024 A <a@x> - 1:1.4-1\n- update to 1.4\n"
    plain = parse_file(write(tmp_path, str(_with_changelog(without, "Epoch: 1\n"))))
    assert changelog_style(plain, "openeuler").epoch is False
    marked = parse_file(write(tmp_path, str(_with_changelog(with_epoch, "Epoch: 1\n"))))
    assert changelog_style(marked, "openeuler").epoch is True


SERIES = """\
Name:           foo
Version:        {version}
Release:        1
Summary:        demo
License:        MIT
%global tarversion {version}
%global upstream_major {major}
%global glib2_version {version}
Source0:        https://example.org/foo/v%{{upstream_major}}/foo-%{{tarversion}}.tar.xz
Source1:        https://example.org/pub/v{major}/foo-extras-%{{version}}.tar.xz
Requires:       glib2 >= %{{glib2_version}}

%description
demo
"""


@pytest.mark.parametrize(
    ("old", "major", "new", "source0", "source1"),
    [
        # grub2: %global tarversion 2.04 -> 2.06.
        ("2.04", "2.04", "2.06", "v2.06/foo-2.06", "v2.06/foo-extras-2.06"),
        # util-linux 2.36 -> 2.36.1: the series macro stays 2.36.
        ("2.36", "2.36", "2.36.1", "v2.36/foo-2.36.1", "v2.36/foo-extras-2.36.1"),
        # util-linux 2.35.2 -> 2.36, gnutls 3.6.15 -> 3.7.2: the series moves.
        ("3.6.15", "3.6", "3.7.2", "v3.7/foo-3.7.2", "v3.7/foo-extras-3.7.2"),
    ],
)
def test_version_and_release_series_spelled_apart_in_sources_follow_the_new_version(
    tmp_path: Path, old: str, major: str, new: str, source0: str, source1: str
) -> None:
    path = write(tmp_path, SERIES.format(version=old, major=major))

    update_spec(path, new, packager=PACKAGER, date=DATE, changelog=False)

    spec = parse_file(path)
    assert spec.sources[0].expanded == f"https://example.org/foo/{source0}.tar.xz"
    assert spec.sources[1].expanded == f"https://example.org/pub/{source1}.tar.xz"
    assert f"%global glib2_version {old}\n" in path.read_text(), "an unrelated macro stays"
