"""Files that are not what they seem: links out of the tree, link loops, FIFOs, devices and
oversized specs are package problems (or a clear `steward spec` error), never a hang, a
traceback or an echo of the outside file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from steward.cli.main import app
from steward.distro.files import MAX_SPEC_BYTES, UnsafeFile, read_tree_file
from steward.distro.tree import load_package, load_tree

SPEC = "Name: {name}\nVersion: 1.0\nRelease: 1\nSummary: s\nLicense: MIT\n%description\nd\n"
SECRET_LINE = "root:$6$NeverEchoThisHash:19000:0:99999:7:::"


def package(root: Path, name: str) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / f"{name}.spec").write_text(SPEC.format(name=name))
    (folder / f"{name}.yaml").write_text(f"version_control: github\nsrc_repo: x/{name}\n")
    return folder


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A file outside the tree that looks like a spec and holds a secret."""
    secret = tmp_path / "outside" / "shadow"
    secret.parent.mkdir()
    secret.write_text(f"Name: stolen\nVersion: 1\n{SECRET_LINE}\n")
    return secret


def problems(record: object) -> dict[str, str]:
    return {p.code: p.message for p in record.problems}  # type: ignore[attr-defined]


def test_spec_linked_out_of_the_tree_is_not_read(tmp_path: Path, outside: Path) -> None:
    root = tmp_path / "tree"
    folder = package(root, "evil")
    (folder / "evil.spec").unlink()
    (folder / "evil.spec").symlink_to(outside)
    distro = load_tree(root, jobs=1)
    record = distro["evil"]
    assert "outside" in problems(record)["spec-unreadable"]
    assert record.version is None and record.spec_name is None
    assert SECRET_LINE not in json.dumps(distro.to_dict())


def test_metadata_linked_out_of_the_tree_is_not_read(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    folder = package(root, "evil")
    (tmp_path / "meta.yaml").write_text("version_control: github\nsrc_repo: attacker/x\n")
    (folder / "evil.yaml").unlink()
    (folder / "evil.yaml").symlink_to(tmp_path / "meta.yaml")
    record = load_tree(root, jobs=1)["evil"]
    assert "outside" in problems(record)["unreadable-yaml"]
    assert record.upstream is None


def test_package_folder_linked_out_of_the_tree_is_not_read(tmp_path: Path) -> None:
    elsewhere = package(tmp_path / "elsewhere", "evil")
    root = tmp_path / "tree"
    package(root, "good")
    (root / "evil").symlink_to(elsewhere)
    distro = load_tree(root, jobs=1)
    assert "outside" in problems(distro["evil"])["spec-unreadable"]
    assert distro["good"].version == "1.0"


def test_links_inside_the_tree_are_followed(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    folder = package(root, "good")
    (root / ".shared").mkdir()
    (folder / "good.spec").rename(root / ".shared" / "good.spec")
    (folder / "good.spec").symlink_to(root / ".shared" / "good.spec")
    assert load_tree(root, jobs=1)["good"].version == "1.0"


@pytest.mark.parametrize("loop", ["self", "pair"])
def test_symlink_loop_at_the_top_of_a_tree_is_a_package_problem(tmp_path: Path, loop: str) -> None:
    root = tmp_path / "tree"
    package(root, "good")
    if loop == "self":
        (root / "self").symlink_to(root / "self")
    else:
        (root / "a").symlink_to(root / "b")
        (root / "b").symlink_to(root / "a")
    distro = load_tree(root, jobs=1)
    assert distro["good"].version == "1.0"
    looped = [p for p in distro if p.name != "good"]
    assert looped and all("symbolic links" in problems(p)["spec-unreadable"] for p in looped)


def test_symlink_loop_in_a_flat_tree_is_a_package_problem(tmp_path: Path) -> None:
    root = tmp_path / "flat"
    root.mkdir()
    (root / "a.spec").write_text(SPEC.format(name="a"))
    (root / "loop.spec").symlink_to(root / "loop.spec")
    distro = load_tree(root, jobs=1, layout="flat")
    assert distro["a"].version == "1.0"
    assert "spec-unreadable" in problems(distro["loop"])


def test_fifo_as_spec_is_reported_without_blocking(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    folder = package(root, "fifo")
    (folder / "fifo.spec").unlink()
    os.mkfifo(folder / "fifo.spec")
    record = load_tree(root, jobs=1)["fifo"]
    assert "FIFO" in problems(record)["spec-unreadable"]


def test_fifo_as_metadata_and_sources_file_is_reported_without_blocking(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    folder = package(root, "fifo")
    (folder / "fifo.yaml").unlink()
    os.mkfifo(folder / "fifo.yaml")
    os.mkfifo(folder / "sources")
    record = load_package(folder, layout="src-openeuler")
    assert "FIFO" in problems(record)["unreadable-yaml"]
    assert "FIFO" in problems(record)["sources-file-invalid"]
    assert record.version == "1.0"


def test_device_inside_the_tree_is_not_read(tmp_path: Path) -> None:
    # /dev/zero reached through a link leaves the tree; read_tree_file without a root
    # (the standalone readers) still refuses it as not a regular file.
    with pytest.raises(UnsafeFile, match="character device"):
        read_tree_file("/dev/zero", root=None, limit=MAX_SPEC_BYTES)
    root = tmp_path / "tree"
    folder = package(root, "zero")
    (folder / "zero.spec").unlink()
    (folder / "zero.spec").symlink_to("/dev/zero")
    assert "spec-unreadable" in problems(load_tree(root, jobs=1)["zero"])


def test_oversized_spec_is_refused_before_it_is_read(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    folder = package(root, "huge")
    with (folder / "huge.spec").open("wb") as handle:
        handle.write(SPEC.format(name="huge").encode())
        handle.truncate(MAX_SPEC_BYTES + 1)  # sparse: no disk cost
    assert "larger than the limit" in problems(load_tree(root, jobs=1)["huge"])["spec-unreadable"]


runner = CliRunner()


def test_steward_spec_refuses_a_link_out_of_its_folder_without_echoing(
    tmp_path: Path, outside: Path
) -> None:
    link = tmp_path / "pkg" / "shadow.spec"
    link.parent.mkdir()
    link.symlink_to(outside)
    result = runner.invoke(app, ["spec", str(link)])
    assert result.exit_code == 2
    assert "outside" in result.output
    assert "NeverEchoThisHash" not in result.output
    assert "stolen" not in result.output


@pytest.mark.parametrize("kind", ["fifo", "binary"])
def test_steward_spec_refuses_a_fifo_or_binary_file(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "x.spec"
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.write_bytes(b"Name: x\n\x00\x01\x02")
    result = runner.invoke(app, ["spec", str(path)])
    assert result.exit_code == 2
    message = " ".join(result.output.split())
    assert ("not a regular file (a FIFO)" if kind == "fifo" else "not a text file") in message
