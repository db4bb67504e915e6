"""Upstreamed patches are recognised the way real upstreams take them (issue 17, 2–4).

Each test is a small upstream C project of our own at two releases: a patch written
against the old one, the new one made the way real upstreams take a change (then touch
nearby lines, re-indent, delete a file, reword a generic line), triaged with real GNU patch.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from test_patches import triage, udiff, write_package, write_tree

from steward.distro.profiles import load_profile
from steward.rpm import parse_file
from steward.upgrade.model import PatchVerdict
from steward.upgrade.patches import arch_variants, drop_upstreamed, triage_patches
from steward.upgrade.report import UpgradeReport

pytestmark = pytest.mark.skipif(shutil.which("patch") is None, reason="needs GNU patch")

# parse.c of the old release: a tiny config-line parser.
PARSE_OLD = """\
#include <stdio.h>
#include <string.h>
#include "parse.h"

int parse_line(const char *line, struct entry *out)
{
\tconst char *eq = strchr(line, '=');
\tsize_t len = (size_t)(eq - line);
\tmemcpy(out->key, line, len);
\tout->key[len] = '\\0';
\tstrcpy(out->value, eq + 1);
\treturn 0;
}

int parse_file(FILE *fp, struct entry *out, int max)
{
\tchar buf[256];
\tint n = 0;
\twhile (n < max && fgets(buf, sizeof buf, fp))
\t\tif (parse_line(buf, &out[n]) == 0)
\t\t\tn++;
\treturn n;
}
"""

# The local fix: reject lines without '=' (the maintainer's patch, written against 1.0).
NULL_CHECK = PARSE_OLD.replace(
    "\tconst char *eq = strchr(line, '=');\n",
    "\tconst char *eq = strchr(line, '=');\n\tif (eq == NULL)\n\t\treturn -1;\n",
)


def test_upstreamed_patch_that_applies_with_fuzz_is_already_present_not_fuzzed(
    tmp_path: Path,
) -> None:
    # Upstream took the check one line further down and reworded the signature: forward,
    # the patch still applies with fuzz 2 and would add the check a second time.
    new = PARSE_OLD.replace(
        "\tsize_t len = (size_t)(eq - line);\n",
        "\tsize_t len = (size_t)(eq - line);\n\tif (eq == NULL)\n\t\treturn -1;\n",
    ).replace("int parse_line(const char *line,", "int parse_line(const char *restrict line,")
    tree = write_tree(tmp_path, {"parse.c": new})
    patch = udiff(PARSE_OLD, NULL_CHECK, "parse.c")
    spec, pkg = write_package(tmp_path, {1: ("null-check.patch", patch)}, "%autosetup -p1")
    assert "with fuzz 2" in _forward_with_fuzz(tree, pkg / "null-check.patch")

    [item] = triage(spec, pkg, tree)

    assert item.verdict is PatchVerdict.UPSTREAM, item.evidence
    assert "_default_patch_fuzz" not in item.evidence
    assert "already in the new source" in item.evidence


def test_patch_upstreamed_with_tabs_turned_to_spaces_is_upstream(tmp_path: Path) -> None:
    new = NULL_CHECK.replace("\t", "    ")
    tree = write_tree(tmp_path, {"parse.c": new})
    patch = udiff(PARSE_OLD, NULL_CHECK, "parse.c")
    spec, pkg = write_package(tmp_path, {1: ("null-check.patch", patch)}, "%autosetup -p1")

    [item] = triage(spec, pkg, tree)

    assert item.verdict is PatchVerdict.UPSTREAM, item.evidence
    assert "ignoring whitespace" in item.evidence and "--ignore-whitespace" in item.evidence


def test_patch_touching_a_file_upstream_deleted_is_upstream_with_that_evidence(
    tmp_path: Path,
) -> None:
    # The patch fixes parse.c and an old compat.c; upstream took the fix and dropped compat.c.
    compat_old = "int compat_parse(void)\n{\n\treturn 0;\n}\n"
    compat_new = "int compat_parse(void)\n{\n\treturn -1;\n}\n"
    patch = udiff(PARSE_OLD, NULL_CHECK, "parse.c") + udiff(compat_old, compat_new, "compat.c")
    tree = write_tree(tmp_path, {"parse.c": NULL_CHECK})
    spec, pkg = write_package(tmp_path, {1: ("null-check.patch", patch)}, "%autosetup -p1")

    [item] = triage(spec, pkg, tree)

    assert item.verdict is PatchVerdict.UPSTREAM, item.evidence
    assert "compat.c" in item.evidence and "deleted" in item.evidence


def test_patch_whose_first_hunk_is_upstream_is_probably_upstream_not_rebase(
    tmp_path: Path,
) -> None:
    # Upstream took the first hunk as is and wrote the second differently; the second's
    # removed line ("return n;") is generic, so the line-by-line check cannot agree.
    fixed = NULL_CHECK.replace("\treturn n;\n}", "\tfclose(fp);\n\treturn n;\n}")
    new = NULL_CHECK.replace("\treturn n;\n}", "\tif (ferror(fp))\n\t\treturn -1;\n\treturn n;\n}")
    tree = write_tree(tmp_path, {"parse.c": new})
    patch = udiff(PARSE_OLD, fixed, "parse.c")
    spec, pkg = write_package(tmp_path, {1: ("parse-fixes.patch", patch)}, "%autosetup -p1")

    [item] = triage(spec, pkg, tree)

    assert item.verdict is PatchVerdict.PROBABLY_UPSTREAM, item.evidence
    assert "Reversed (or previously applied)" in item.evidence
    report = UpgradeReport("demo", "1.0", "2.0", patches=[item])
    [todo] = report.needs_human
    assert "probably upstream" in todo and "drop" in todo and "rebase" not in todo


def test_patch_applied_only_on_aarch64_is_triaged_and_reported_for_that_arch(
    tmp_path: Path,
) -> None:
    tree = write_tree(tmp_path, {"parse.c": NULL_CHECK})
    patch = udiff(PARSE_OLD, NULL_CHECK, "parse.c")
    other = udiff(PARSE_OLD, PARSE_OLD.replace("char buf[256];", "char buf[512];"), "parse.c")
    spec, pkg = write_package(
        tmp_path,
        {1: ("bigger-buffer.patch", other)},
        "%setup -q\n%patch -P 1 -p1\n%ifarch aarch64\n%patch -P 2 -p1\n%endif",
        preamble="",
    )
    spec_path = pkg / "demo.spec"
    text = spec_path.read_text().replace(
        "Patch1: bigger-buffer.patch\n",
        "Patch1: bigger-buffer.patch\n%ifarch aarch64\nPatch2: arm-null-check.patch\n%endif\n",
    )
    spec_path.write_text(text)
    (pkg / "arm-null-check.patch").write_text(patch)
    macros = load_profile("openeuler-24.03").macro_engine()
    spec = parse_file(spec_path, macros=macros)
    assert [p.number for p in spec.patches] == [1], "the host (x86_64) does not see Patch2"

    result = triage_patches(spec, pkg, tree, variants=arch_variants(spec, spec_path, macros))

    by_name = {t.filename: t for t in result}
    assert set(by_name) == {"bigger-buffer.patch", "arm-null-check.patch"}
    arm = by_name["arm-null-check.patch"]
    assert arm.verdict is PatchVerdict.UPSTREAM and arm.arches == ("aarch64",)
    assert by_name["bigger-buffer.patch"].arches == ()
    dropped = drop_upstreamed(spec_path, pkg, result, macros=macros)
    assert dropped == ["arm-null-check.patch"]
    assert "arm-null-check" not in spec_path.read_text()
    assert "%patch -P 2" not in spec_path.read_text()
    markdown = UpgradeReport("demo", "1.0", "2.0", patches=result).to_markdown()
    assert "arm-null-check.patch` | upstream (aarch64 only)" in markdown


def test_patch_declared_in_a_branch_never_taken_is_still_listed(tmp_path: Path) -> None:
    tree = write_tree(tmp_path, {"parse.c": PARSE_OLD})
    spec, pkg = write_package(tmp_path, {}, "%autosetup -p1")
    spec_path = pkg / "demo.spec"
    spec_path.write_text(
        spec_path.read_text().replace(
            "Source0: demo-2.0.tar.gz\n",
            "Source0: demo-2.0.tar.gz\n%if 0%{?with_extras}\nPatch7: extras.patch\n%endif\n",
        )
    )
    spec = parse_file(spec_path)

    [item] = triage_patches(spec, pkg, tree)

    assert (item.number, item.filename, item.verdict) == (
        7,
        "extras.patch",
        PatchVerdict.NOT_APPLIED,
    )
    assert "conditional" in item.evidence


def _forward_with_fuzz(tree: Path, patch: Path) -> str:
    import subprocess

    scratch = tree.parent / "fuzz-check"
    shutil.copytree(tree, scratch)
    proc = subprocess.run(
        ["patch", "--dry-run", "--batch", "--forward", "-p1", "--fuzz=2", "-i", str(patch)],
        cwd=scratch, capture_output=True, text=True, check=False,
    )  # fmt: skip
    shutil.rmtree(scratch)
    return proc.stdout


def _functions(count: int, body: str = "\treturn x + {n};") -> str:
    return "".join(
        f"int f{n}(int x)\n{{\n\tint y = x * {n};\n\tif (y < 0)\n\t\ty = 0;\n"
        f"{body.format(n=n)}\n}}\n\n"
        for n in range(count)
    )


def test_backport_whose_hunks_are_upstream_but_one_reworked_later_is_dropped(
    tmp_path: Path,
) -> None:
    # A CVE fix backported in six hunks; upstream released it, then rewrote the body of one
    # of the functions it touched (zlib 1.2.12 and CVE-2018-25032 are like this).
    old = _functions(6)
    fixed = old.replace("\tif (y < 0)\n\t\ty = 0;\n", "\tif (y < 0 || y > 1000)\n\t\ty = 0;\n")
    reworked = fixed.replace(
        "int f5(int x)\n{\n\tint y = x * 5;\n\tif (y < 0 || y > 1000)\n\t\ty = 0;\n",
        "int f5(int x)\n{\n\tlong y = (long)x * 5;\n\tif (y < 0 || y >= 1000)\n\t\treturn 0;\n",
    )
    tree = write_tree(tmp_path, {"inflate.c": reworked})
    patch = udiff(old, fixed, "inflate.c")
    assert patch.count("\n@@ ") == 6
    spec, pkg = write_package(tmp_path, {1: ("CVE-fix.patch", patch)}, "%autosetup -p1")

    [item] = triage(spec, pkg, tree)

    assert item.verdict is PatchVerdict.UPSTREAM, item.evidence
    assert "5 of its 6 hunks reverse-apply" in item.evidence
