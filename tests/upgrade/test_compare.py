"""Comparing real old and new binary RPMs: files, dependencies, sonames, dependents, ABI."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from buildkit import make_package
from envneeds import needs_tools

from steward.distro.tree import Distro, load_tree
from steward.upgrade.builders.local import LocalRpmbuild
from steward.upgrade.compare import (
    _read_cpio,
    abidiff_verdict,
    compare_rpms,
    find_dependents,
    read_rpm_header,
    soname_stem,
)
from steward.upgrade.model import BuildOutcome, UpgradeError

TOOLS = ("rpmbuild", "rpm2cpio", "eu-readelf", "abidiff")
pytestmark = [
    pytest.mark.slow,
    needs_tools(*TOOLS),
]

Built = dict[str, tuple[Path, ...]]


@pytest.fixture(scope="session")
def libdemo(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """libdemo 1.0, 1.1 (compatible addition) and 2.0 (new soname), built with debuginfo."""
    root = tmp_path_factory.mktemp("libdemo")
    backend = LocalRpmbuild(None, root / "builds")
    built: Built = {}
    for version in ("1.0", "1.1", "2.0"):
        spec = make_package(root / version, "libdemo", version)
        result = backend.build_rpms(spec, spec.parent, timeout=120, nodeps=True, debuginfo=True)
        assert result.outcome is BuildOutcome.SUCCEEDED, result.message
        built[version] = result.artifacts
    return built


@pytest.fixture(scope="session")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Distro:
    """A tree holding libdemo and packages that do and do not depend on it."""
    root = tmp_path_factory.mktemp("tree")

    def program(name: str, requires: list[str], build_requires: list[str] | None = None) -> None:
        make_package(
            root / name,
            name,
            "1.0",
            variant="program",
            with_tarball=False,
            patches=(),
            requires=requires,
            build_requires=build_requires,
        )

    make_package(root / "libdemo", "libdemo", "1.0", with_tarball=False)
    program("demo-tool", ["libdemo.so.1()(64bit)"])
    program("demo-plugin", [], ["gcc", "make", "libdemo-devel >= 1.0"])
    program("demo-shell", ["libdemo%{?_isa} >= 1.0"])
    program("greeter", ["libdemonic"])  # a name that merely starts alike
    return load_tree(root, profile="openeuler-24.03")


def without_debuginfo(rpms: tuple[Path, ...]) -> list[Path]:
    return [p for p in rpms if "-debuginfo-" not in p.name]


def test_a_new_soname_lists_the_packages_that_need_a_rebuild(
    libdemo: Built, tree: Distro, tmp_path: Path
) -> None:
    result = compare_rpms(libdemo["1.0"], libdemo["2.0"], tree=tree, workdir=tmp_path)

    [change] = result.soname_changes
    assert (change.library, change.old_soname, change.new_soname) == (
        "libdemo",
        "libdemo.so.1",
        "libdemo.so.2",
    )
    assert change.dependents == ("demo-plugin", "demo-shell", "demo-tool")


def test_files_and_provides_changes_ignore_the_version_bump_itself(
    libdemo: Built, tmp_path: Path
) -> None:
    result = compare_rpms(libdemo["1.0"], libdemo["2.0"], workdir=tmp_path)

    assert "/usr/lib64/libdemo.so.2.0" in result.files_added
    assert "/usr/lib64/libdemo.so.1.0" in result.files_removed
    assert "/usr/lib64/libdemo.so" not in result.files_added + result.files_removed
    assert result.provides_added == ("libdemo.so.2()(64bit)",)
    assert result.provides_removed == ("libdemo.so.1()(64bit)",)
    # libdemo-devel requires "libdemo = 1.0-1", then "= 2.0-1": the same relation.
    assert result.requires_added == result.requires_removed == ()


def test_abidiff_with_debuginfo_sees_the_changed_signature(libdemo: Built, tmp_path: Path) -> None:
    result = compare_rpms(libdemo["1.0"], libdemo["2.0"], workdir=tmp_path)

    [(library, summary)] = result.abi
    assert library == "libdemo"
    assert summary.startswith("incompatible ABI change (abidiff exit 12)")
    assert "1 Removed, 1 Changed, 1 Added functions" in summary
    report = Path(summary.rsplit("report: ", 1)[1])
    assert "demo_add" in report.read_text() and "demo_scale" in report.read_text()


def test_without_debuginfo_abidiff_sees_symbols_only_and_says_so(
    libdemo: Built, tmp_path: Path
) -> None:
    result = compare_rpms(
        without_debuginfo(libdemo["1.0"]), without_debuginfo(libdemo["2.0"]), workdir=tmp_path
    )

    [(_, summary)] = result.abi
    assert summary.startswith("incompatible ABI change")  # demo_scale is gone
    assert "1 Changed" not in summary  # but demo_add's new signature is invisible
    assert any("symbols only" in note for note in result.notes)


def test_a_compatible_addition_keeps_the_soname(
    libdemo: Built, tree: Distro, tmp_path: Path
) -> None:
    result = compare_rpms(libdemo["1.0"], libdemo["1.1"], tree=tree, workdir=tmp_path)

    assert result.soname_changes == ()
    [(_, summary)] = result.abi
    assert summary.startswith("ABI change (compatible) (abidiff exit 4)")
    assert "1 Added function" in summary


def test_the_same_packages_compare_equal(libdemo: Built, tmp_path: Path) -> None:
    result = compare_rpms(libdemo["1.0"], libdemo["1.0"], workdir=tmp_path)

    assert result.files_added == result.files_removed == ()
    assert result.provides_added == result.provides_removed == ()
    assert result.soname_changes == ()
    assert [summary.split(" (")[0] for _, summary in result.abi] == ["no ABI change"]


def test_headers_are_read_from_the_rpm(libdemo: Built) -> None:
    devel = next(p for p in libdemo["1.0"] if "-devel-" in p.name)

    header = read_rpm_header(devel)

    assert (header.name, header.version, header.release, header.source_name) == (
        "libdemo-devel",
        "1.0",
        "1",
        "libdemo",
    )
    assert "/usr/include/demo.h" in header.files
    assert "libdemo = 1.0-1" in header.requires


def test_a_file_that_is_not_an_rpm_is_a_clear_error(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.rpm"
    bogus.write_text("not an rpm")

    with pytest.raises(UpgradeError, match=r"compare: cannot read .*bogus\.rpm"):
        compare_rpms([bogus], [], workdir=tmp_path)


def test_dependents_skip_the_library_itself(tree: Distro) -> None:
    found = find_dependents(
        tree, sonames=["libdemo.so.1"], names=["libdemo", "libdemo-devel"], exclude={"libdemo"}
    )
    assert found == ("demo-plugin", "demo-shell", "demo-tool")


# -- pure functions -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "verdict"),
    [
        (0, "no ABI change"),
        (4, "ABI change (compatible)"),
        (12, "incompatible ABI change"),
        (1, "abidiff failed"),
        (3, "abidiff usage error"),
    ],
)
def test_abidiff_exit_status_is_a_set_of_flags(status: int, verdict: str) -> None:
    assert abidiff_verdict(status) == verdict


@pytest.mark.parametrize(
    ("soname", "stem"),
    [
        ("libdemo.so.1", "libdemo"),
        ("libfoo-1.2.so", "libfoo"),
        ("ld-linux-x86-64.so.2", "ld-linux-x86-64"),
    ],
)
def test_soname_stem(soname: str, stem: str) -> None:
    assert soname_stem(soname) == stem


def newc(name: str, data: bytes = b"", mode: int = 0o100644, ino: int = 1) -> bytes:
    encoded = name.encode() + b"\0"
    fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(encoded), 0]
    header = b"070701" + b"".join(f"{f:08X}".encode() for f in fields)
    pad = b"\0" * ((4 - (len(header) + len(encoded)) % 4) % 4)
    return header + encoded + pad + data + b"\0" * ((4 - len(data) % 4) % 4)


def test_unpacking_writes_regular_files_inside_the_folder_only(tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    dest.mkdir()
    archive = b"".join(
        [
            newc("./usr/lib64/libok.so.1", b"\x7fELF ok"),
            newc("../escape.so.1", b"evil", ino=2),
            newc("/abs/outside.so.1", b"evil", ino=3),
            newc("./usr/lib64/link.so.1", b"/etc/passwd", mode=0o120777, ino=4),
            newc("./usr/lib64/dev.so.1", mode=0o020644, ino=5),
            newc("./usr/share/doc/README", b"not wanted", ino=6),
            newc("TRAILER!!!", ino=0),
        ]
    )

    written = _read_cpio(io.BytesIO(archive), dest, lambda name: True)

    assert written == ["usr/lib64/libok.so.1", "abs/outside.so.1", "usr/share/doc/README"]
    assert (dest / "usr/lib64/libok.so.1").read_bytes() == b"\x7fELF ok"
    assert not (tmp_path / "escape.so.1").exists()
    assert not (dest / "usr/lib64/link.so.1").exists()
    assert not (dest / "usr/lib64/dev.so.1").exists()


def test_a_truncated_archive_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="truncated"):
        _read_cpio(io.BytesIO(newc("./a.so.1", b"data")[:-8]), tmp_path, lambda name: True)
