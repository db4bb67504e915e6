"""Patch triage: each patch of a spec replayed, in %prep order, on a new upstream tree.

Every test builds a small upstream tree, patches written against the old release and a spec
that applies them, then checks the verdicts with the real GNU ``patch`` (and ``git`` for
binary patches). :func:`triage` also checks, for every test, that the tree handed in is left
exactly as it was and that every verdict carries evidence.
"""

from __future__ import annotations

import bz2
import difflib
import gzip
import lzma
import shutil
import subprocess
from pathlib import Path

import pytest
from envneeds import needs_tools, skip_environment

from steward.rpm import parse_file
from steward.rpm.model import Spec
from steward.upgrade.model import PatchTriage, PatchVerdict, UpgradeError
from steward.upgrade.patches import STRIP_BASENAME, drop_upstreamed, triage_patches

pytestmark = needs_tools("patch")

# The old release's src/main.c; the patches below were written against it.
OLD = "".join(f"line {n} = original\n" for n in range(1, 13))


def numbered(changes: dict[int, str], *, text: str = OLD) -> str:
    """``text`` with some lines (1-based) replaced."""
    lines = text.splitlines(keepends=True)
    for number, new in changes.items():
        lines[number - 1] = new + "\n"
    return "".join(lines)


def udiff(old: str, new: str, path: str = "src/main.c", *, prefix: bool = True) -> str:
    """A unified diff, ``a/``/``b/`` prefixed like ``diff -ru a b`` unless ``prefix`` is off."""
    a, b = (f"a/{path}", f"b/{path}") if prefix else (path, path)
    return "".join(difflib.unified_diff(old.splitlines(True), new.splitlines(True), a, b))


FIX_LINE_5 = udiff(OLD, numbered({5: "line 5 = fixed"}))


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    tree = root / "new-source" / "demo-2.0"
    for name, content in files.items():
        path = tree / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)
    return tree


def write_package(
    root: Path, patches: dict[int, tuple[str, str | bytes]], prep: str, *, preamble: str = ""
) -> tuple[Spec, Path]:
    """A package folder with a spec declaring ``patches`` (number → file name, content)."""
    pkg = root / "pkg"
    pkg.mkdir()
    tags = []
    for number, (filename, content) in patches.items():
        tags.append(f"Patch{number}: {filename}\n")
        data = content.encode() if isinstance(content, str) else content
        (pkg / filename).write_bytes(data)
    spec_text = (
        f"{preamble}Name: demo\nVersion: 2.0\nRelease: 1\nSummary: demo\nLicense: MIT\n"
        "Source0: demo-2.0.tar.gz\n"
        + "".join(tags)
        + f"\n%description\ndemo\n\n%prep\n{prep}\n\n%build\n\n%changelog\n"
    )
    (pkg / "demo.spec").write_text(spec_text)
    return parse_file(pkg / "demo.spec"), pkg


def snapshot(tree: Path) -> dict[str, bytes | None]:
    return {
        p.relative_to(tree).as_posix(): (p.read_bytes() if p.is_file() else None)
        for p in sorted(tree.rglob("*"))
    }


def triage(spec: Spec, pkg: Path, tree: Path) -> list[PatchTriage]:
    before = snapshot(tree)
    result = triage_patches(spec, pkg, tree)
    assert snapshot(tree) == before, "the source tree passed in was modified"
    for item in result:
        assert item.evidence.strip(), f"Patch{item.number} has no evidence"
    return result


def verdicts(result: list[PatchTriage]) -> dict[int, PatchVerdict]:
    return {t.number: t.verdict for t in result}


# -- the five verdicts ---------------------------------------------------------------------


def test_patch_that_still_fits_exactly_applies(tmp_path: Path) -> None:
    tree = write_tree(tmp_path, {"src/main.c": OLD})
    spec, pkg = write_package(tmp_path, {1: ("fix.patch", FIX_LINE_5)}, "%autosetup -p1")

    [item] = triage(spec, pkg, tree)

    assert item.verdict is PatchVerdict.APPLIES
    assert item.strip == 1
    assert "patch --batch --forward" in item.evidence and "-p1" in item.evidence
    assert "fix.patch" in item.evidence and "/tmp" not in item.evidence.split("\n")[0]


def test_patch_whose_lines_moved_applies_with_offset(tmp_path: Path) -> None:
    moved = "/* new upstream header */\n/* two */\n/* three */\n" + OLD
    tree = write_tree(tmp_path, {"src/main.c": moved})
    spec, pkg = write_package(tmp_path, {1: ("fix.patch", FIX_LINE_5)}, "%autosetup -p1")

    [item] = triage(spec, pkg, tree)

    assert item.verdict is PatchVerdict.APPLIES_WITH_FUZZ
    assert "offset 3 lines" in item.evidence
    assert "rpm accepts" in item.evidence


def test_patch_needing_fuzz_is_flagged_because_rpm_applies_with_fuzz_0(tmp_path: Path) -> None:
    # Upstream reworded line 2, the outermost line of the hunk's leading context.
    tree = write_tree(tmp_path, {"src/main.c": numbered({2: "line 2 = reworded"})})
    spec, pkg = write_package(tmp_path, {1: ("fix.patch", FIX_LINE_5)}, "%autosetup -p1")

    [item] = triage(spec, pkg, tree)

    assert item.verdict is PatchVerdict.APPLIES_WITH_FUZZ
    assert "with fuzz 1" in item.evidence
    assert "rpmbuild would fail" in item.evidence
    assert "%global _default_patch_fuzz 1" in item.evidence


def test_fuzz_within_the_specs_default_patch_fuzz_is_said_to_build(tmp_path: Path) -> None:
    tree = write_tree(tmp_path, {"src/main.c": numbered({2: "line 2 = reworded"})})
    spec, pkg = write_package(
        tmp_path,
        {1: ("fix.patch", FIX_LINE_5)},
        "%autosetup -p1",
        preamble="%global _default_patch_fuzz 2\n",
    )

    [item] = triage(spec, pkg, tree)

    assert item.verdict is PatchVerdict.APPLIES_WITH_FUZZ
    assert "rpmbuild accepts it" in item.evidence


def test_patch_identical_to_upstream_change_reverse_applies_and_is_upstream(
    tmp_path: Path,
) -> None:
    tree = write_tree(tmp_path, {"src/main.c": numbered({5: "line 5 = fixed"})})
    spec, pkg = write_package(tmp_path, {1: ("fix.patch", FIX_LINE_5)}, "%autosetup -p1")

    [item] = triage(spec, pkg, tree)

    assert item.verdict is PatchVerdict.UPSTREAM
    assert "--reverse" in item.evidence and "reverse-applies" in item.evidence
    assert not item.dropped


def test_same_change_amid_different_context_is_found_upstream_by_content(
    tmp_path: Path,
) -> None:
    # Upstream made the fix but rewrote the lines around it: neither direction applies.
    new = numbered({3: "line 3 = new", 4: "line 4 = new", 5: "line 5 = fixed", 6: "line 6 = new"})
    tree = write_tree(tmp_path, {"src/main.c": new})
    spec, pkg = write_package(tmp_path, {1: ("fix.patch", FIX_LINE_5)}, "%autosetup -p1")

    [item] = triage(spec, pkg, tree)

    assert item.verdict is PatchVerdict.UPSTREAM
    assert "content check: every change is already in the new source" in item.evidence


def test_change_half_made_upstream_is_not_taken_for_upstream(tmp_path: Path) -> None:
    # The fixed line is there, but so is the line the patch removes: that is not the patch.
    old = OLD + "line 5 = original\n"
    new = numbered({3: "line 3 = new", 4: "line 4 = new", 6: "line 6 = new"}, text=old)
    new = new.replace("line 8 = original\n", "line 8 = original\nline 5 = fixed\n")
    tree = write_tree(tmp_path, {"src/main.c": new})
    spec, pkg = write_package(tmp_path, {1: ("fix.patch", FIX_LINE_5)}, "%autosetup -p1")

    [item] = triage(spec, pkg, tree)

    assert item.verdict is PatchVerdict.CONFLICT
    assert "removed lines still present" in item.evidence


def test_conflicting_patch_is_kept_with_its_rejected_hunk_and_later_patches_go_on(
    tmp_path: Path,
) -> None:
    tree = write_tree(tmp_path, {"src/main.c": numbered({5: "line 5 = rewritten upstream"})})
    later = udiff(OLD, numbered({11: "line 11 = tuned"}))
    spec, pkg = write_package(
        tmp_path,
        {1: ("fix.patch", FIX_LINE_5), 2: ("tune.patch", later)},
        "%autosetup -p1",
    )

    first, second = triage(spec, pkg, tree)

    assert first.verdict is PatchVerdict.CONFLICT
    assert "Hunk #1 FAILED" in first.evidence
    assert "-line 5 = original" in first.rejected_hunks
    assert "+line 5 = fixed" in first.rejected_hunks
    assert second.verdict is PatchVerdict.APPLIES
    assert second.rejected_hunks == ""


# -- order and strip level -----------------------------------------------------------------


def test_each_patch_sees_the_tree_the_patches_before_it_left(tmp_path: Path) -> None:
    after_first = numbered({5: "line 5 = fixed"})
    second = udiff(after_first, numbered({6: "line 6 = also fixed"}, text=after_first))
    tree = write_tree(tmp_path, {"src/main.c": OLD})
    spec, pkg = write_package(
        tmp_path,
        {1: ("first.patch", FIX_LINE_5), 2: ("second.patch", second)},
        "%setup -q\n%patch -P 1 -p1\n%patch -P 2 -p1",
    )

    result = triage(spec, pkg, tree)

    assert verdicts(result) == {1: PatchVerdict.APPLIES, 2: PatchVerdict.APPLIES}


def test_autosetup_applies_patches_in_number_order_not_declaration_order(
    tmp_path: Path,
) -> None:
    after_first = numbered({5: "line 5 = fixed"})
    second = udiff(after_first, numbered({6: "line 6 = also fixed"}, text=after_first))
    tree = write_tree(tmp_path, {"src/main.c": OLD})
    spec, pkg = write_package(
        tmp_path,
        {2: ("second.patch", second), 1: ("first.patch", FIX_LINE_5)},
        "%autosetup -p1",
    )

    result = triage(spec, pkg, tree)

    assert [t.number for t in result] == [1, 2]
    assert verdicts(result) == {1: PatchVerdict.APPLIES, 2: PatchVerdict.APPLIES}


def test_prep_order_not_number_order_for_patch_lines(tmp_path: Path) -> None:
    # %prep applies Patch2 first; it was written on top of Patch1, so it cannot apply yet.
    after_first = numbered({5: "line 5 = fixed"})
    second = udiff(after_first, numbered({5: "line 5 = fixed twice"}, text=after_first))
    tree = write_tree(tmp_path, {"src/main.c": OLD})
    spec, pkg = write_package(
        tmp_path,
        {1: ("first.patch", FIX_LINE_5), 2: ("second.patch", second)},
        "%setup -q\n%patch2 -p1\n%patch1 -p1",
    )

    result = triage(spec, pkg, tree)

    assert [t.number for t in result] == [2, 1]
    assert verdicts(result) == {2: PatchVerdict.CONFLICT, 1: PatchVerdict.APPLIES}


def test_each_patch_line_uses_its_own_strip_level(tmp_path: Path) -> None:
    plain = udiff(OLD, numbered({5: "line 5 = fixed"}), prefix=False)  # src/main.c
    prefixed = udiff(OLD, numbered({9: "line 9 = fixed"}))  # a/src/main.c
    tree = write_tree(tmp_path, {"src/main.c": OLD})
    spec, pkg = write_package(
        tmp_path,
        {0: ("p0.patch", plain), 1: ("p1.patch", prefixed)},
        "%setup -q\n%patch0 -p0\n%patch1 -p1",
    )

    result = triage(spec, pkg, tree)

    assert {t.number: t.strip for t in result} == {0: 0, 1: 1}
    assert verdicts(result) == {0: PatchVerdict.APPLIES, 1: PatchVerdict.APPLIES}


def test_patch_line_without_p_strips_nothing_as_rpm_does(tmp_path: Path) -> None:
    # rpm runs `%patch 1` as `patch -p0`, so a/src/main.c is not found: the build would fail.
    tree = write_tree(tmp_path, {"src/main.c": OLD})
    spec, pkg = write_package(tmp_path, {1: ("fix.patch", FIX_LINE_5)}, "%setup -q\n%patch 1")

    [item] = triage(spec, pkg, tree)

    assert item.strip == 0
    assert item.verdict is PatchVerdict.CONFLICT
    assert "-p0" in item.evidence and "can't find file to patch" in item.evidence


def test_autosetup_without_p_keeps_base_names_as_gnu_patch_does(tmp_path: Path) -> None:
    tree = write_tree(tmp_path, {"main.c": OLD})
    spec, pkg = write_package(
        tmp_path, {1: ("fix.patch", udiff(OLD, numbered({5: "x = 1"}), "main.c"))}, "%autosetup"
    )

    [item] = triage(spec, pkg, tree)

    assert item.strip == STRIP_BASENAME
    assert item.verdict is PatchVerdict.APPLIES
    assert " -p" not in item.evidence.split("\n")[0]


def test_autopatch_range_and_unapplied_patches_are_not_applied(tmp_path: Path) -> None:
    tree = write_tree(tmp_path, {"src/main.c": OLD})
    spec, pkg = write_package(
        tmp_path,
        {
            1: ("fix.patch", FIX_LINE_5),
            2: ("other.patch", udiff(OLD, numbered({9: "line 9 = x"}))),
            7: ("windows-only.patch", "not even a diff\n"),
        },
        "%autosetup -N\n%autopatch -p1 -M 2",
    )

    result = triage(spec, pkg, tree)

    assert verdicts(result) == {
        1: PatchVerdict.APPLIES,
        2: PatchVerdict.APPLIES,
        7: PatchVerdict.NOT_APPLIED,
    }
    assert "no %prep line applies it" in result[-1].evidence


# -- patch formats -------------------------------------------------------------------------


def test_git_format_patch_with_mail_headers_applies(tmp_path: Path) -> None:
    body = FIX_LINE_5.replace("--- a/src/main.c", "--- a/src/main.c", 1)
    mail = (
        "From 0123456789abcdef0123456789abcdef01234567 Mon Sep 17 00:00:00 2001\n"
        "From: Jane Packager <jane@example.org>\n"
        "Date: Tue, 5 Mar 2024 10:00:00 +0100\n"
        "Subject: [PATCH] Fix line 5\n\n"
        "Line 5 was wrong.\n---\n"
        " src/main.c | 2 +-\n 1 file changed, 1 insertion(+), 1 deletion(-)\n\n"
        "diff --git a/src/main.c b/src/main.c\nindex 1111111..2222222 100644\n"
        + body
        + "-- \n2.39.5\n\n"
    )
    tree = write_tree(tmp_path, {"src/main.c": OLD})
    spec, pkg = write_package(tmp_path, {1: ("0001-Fix-line-5.patch", mail)}, "%autosetup -p1")

    [item] = triage(spec, pkg, tree)

    assert item.verdict is PatchVerdict.APPLIES


@pytest.mark.parametrize(
    ("suffix", "compress"),
    [
        (".gz", gzip.compress),
        (".bz2", bz2.compress),
        (".xz", lzma.compress),
        (".zst", None),
    ],
)
def test_compressed_patches_are_checked_decompressed(
    tmp_path: Path, suffix: str, compress: object
) -> None:
    if compress is None:
        if shutil.which("zstd") is None:
            skip_environment("zstd is not installed")
        data = subprocess.run(
            ["zstd", "-q", "-c"], input=FIX_LINE_5.encode(), capture_output=True, check=True
        ).stdout
    else:
        assert callable(compress)
        data = compress(FIX_LINE_5.encode())
    tree = write_tree(tmp_path, {"src/main.c": numbered({5: "line 5 = fixed"})})
    spec, pkg = write_package(tmp_path, {1: (f"fix.patch{suffix}", data)}, "%autosetup -p1")

    [item] = triage(spec, pkg, tree)

    assert item.verdict is PatchVerdict.UPSTREAM
    assert "compressed" in item.evidence


def test_decompression_bomb_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("steward.upgrade.patches._MAX_PATCH_BYTES", 1000)
    tree = write_tree(tmp_path, {"src/main.c": OLD})
    bomb = gzip.compress(b"+" * 5000)
    spec, pkg = write_package(tmp_path, {1: ("bomb.patch.gz", bomb)}, "%autosetup -p1")

    [item] = triage(spec, pkg, tree)

    assert item.verdict is PatchVerdict.CONFLICT
    assert "decompresses to more than 1000 bytes" in item.evidence


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


@needs_tools("git")
def test_binary_git_patch_is_checked_with_git_apply(tmp_path: Path) -> None:
    repo = tmp_path / "upstream"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "logo.bin").write_bytes(b"\x00\x01\x02old logo\x00" * 20)
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "base")
    (repo / "logo.bin").write_bytes(b"\x00\x01\x02new logo\x00" * 20)
    git(repo, "commit", "-qam", "new logo")
    binary = git(repo, "format-patch", "-1", "--binary", "--stdout")
    assert "GIT binary patch" in binary
    git(repo, "checkout", "-q", "HEAD~1")
    tree = write_tree(tmp_path, {"logo.bin": (repo / "logo.bin").read_bytes()})
    spec, pkg = write_package(tmp_path, {1: ("logo.patch", binary)}, "%autosetup -p1")

    [item] = triage(spec, pkg, tree)

    assert item.verdict is PatchVerdict.APPLIES
    assert item.evidence.startswith("$ git apply")
    assert "GNU patch cannot apply it" in item.evidence


def test_missing_patch_file_is_a_conflict_not_a_crash(tmp_path: Path) -> None:
    tree = write_tree(tmp_path, {"src/main.c": OLD})
    spec, pkg = write_package(tmp_path, {1: ("fix.patch", FIX_LINE_5)}, "%autosetup -p1")
    (pkg / "fix.patch").unlink()

    [item] = triage(spec, pkg, tree)

    assert item.verdict is PatchVerdict.CONFLICT
    assert "not in the package folder" in item.evidence


def test_ed_script_is_never_handed_to_patch(tmp_path: Path) -> None:
    tree = write_tree(tmp_path, {"src/main.c": OLD})
    spec, pkg = write_package(tmp_path, {1: ("ed.patch", "5c\nline 5 = fixed\n.\n")}, "%autosetup")

    [item] = triage(spec, pkg, tree)

    assert item.verdict is PatchVerdict.CONFLICT
    assert "ed script" in item.evidence


def test_source_tree_must_exist(tmp_path: Path) -> None:
    spec, pkg = write_package(tmp_path, {1: ("fix.patch", FIX_LINE_5)}, "%autosetup -p1")

    with pytest.raises(UpgradeError, match="not a folder"):
        triage_patches(spec, pkg, tmp_path / "missing")


# -- dropping upstreamed patches -----------------------------------------------------------


def test_drop_upstreamed_removes_tag_prep_line_and_file_only_for_upstream(
    tmp_path: Path,
) -> None:
    tree = write_tree(tmp_path, {"src/main.c": numbered({5: "line 5 = fixed", 9: "line 9 = v2"})})
    keep = udiff(OLD, numbered({1: "line 1 = tuned"}))
    conflict = udiff(OLD, numbered({9: "line 9 = mine"}))
    spec, pkg = write_package(
        tmp_path,
        {1: ("fix.patch", FIX_LINE_5), 2: ("tune.patch", keep), 3: ("mine.patch", conflict)},
        "%setup -q\n%patch1 -p1\n%patch2 -p1\n%patch3 -p1",
    )
    result = triage(spec, pkg, tree)
    assert verdicts(result) == {
        1: PatchVerdict.UPSTREAM,
        2: PatchVerdict.APPLIES,
        3: PatchVerdict.CONFLICT,
    }

    dropped = drop_upstreamed(pkg / "demo.spec", pkg, result)

    assert dropped == ["fix.patch"]
    text = (pkg / "demo.spec").read_text()
    assert "Patch1:" not in text and "%patch1" not in text
    assert "Patch2: tune.patch" in text and "%patch3 -p1" in text
    assert not (pkg / "fix.patch").exists()
    assert (pkg / "tune.patch").exists() and (pkg / "mine.patch").exists()


def test_drop_upstreamed_with_autosetup_removes_only_the_tag(tmp_path: Path) -> None:
    tree = write_tree(tmp_path, {"src/main.c": numbered({5: "line 5 = fixed"})})
    spec, pkg = write_package(tmp_path, {1: ("fix.patch", FIX_LINE_5)}, "%autosetup -p1")
    result = triage(spec, pkg, tree)

    assert drop_upstreamed(pkg / "demo.spec", pkg, result) == ["fix.patch"]

    text = (pkg / "demo.spec").read_text()
    assert "Patch1:" not in text and "%autosetup -p1" in text


def test_drop_upstreamed_refuses_a_triage_made_on_another_spec(tmp_path: Path) -> None:
    _, pkg = write_package(tmp_path, {1: ("fix.patch", FIX_LINE_5)}, "%autosetup -p1")
    before = (pkg / "demo.spec").read_bytes()
    stale = [PatchTriage(1, "other.patch", PatchVerdict.UPSTREAM, 1, "reverse-applies")]

    with pytest.raises(UpgradeError, match="nothing was dropped"):
        drop_upstreamed(pkg / "demo.spec", pkg, stale)

    assert (pkg / "demo.spec").read_bytes() == before
    assert (pkg / "fix.patch").exists()


def test_drop_upstreamed_changes_nothing_when_nothing_is_upstream(tmp_path: Path) -> None:
    _, pkg = write_package(tmp_path, {1: ("fix.patch", FIX_LINE_5)}, "%autosetup -p1")
    before = (pkg / "demo.spec").read_bytes()
    kept = [
        PatchTriage(1, "fix.patch", verdict, 1, "evidence")
        for verdict in PatchVerdict
        if verdict is not PatchVerdict.UPSTREAM
    ]

    assert drop_upstreamed(pkg / "demo.spec", pkg, kept) == []
    assert (pkg / "demo.spec").read_bytes() == before
    assert (pkg / "fix.patch").exists()
