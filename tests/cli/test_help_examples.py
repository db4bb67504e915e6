"""Every example in every help text runs: no usage error, no traceback.

The examples name ``examples/distro`` (as in a clone) and ``~/src-openeuler`` (a maintainer's
checkout); here both are a git checkout of the example distribution, the upstreams are the
loopback emulation, and the store and home folder are the test's own.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
import typer
from fakeupstream.exampledistro import example_upstream

from steward.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
#: The order a maintainer would follow: what reads the store comes after ``check``.
ORDER = ("inventory", "spec", "vercmp", "import", "doctor", "check", "outdated", "new", "take")


def help_examples() -> list[str]:
    group: Any = typer.main.get_command(app)
    texts = [group.help or ""]
    texts += [f"{c.help or ''}\n{c.epilog or ''}" for c in group.commands.values()]
    found = []
    for text in texts:
        for line in text.splitlines():
            if line.strip().startswith("steward "):
                found.append(line.strip())
    return found


def _rank(example: str) -> int:
    command = example.split()[1]
    return ORDER.index(command) if command in ORDER else len(ORDER)


def test_help_texts_have_examples_and_no_example_names_a_missing_package() -> None:
    examples = help_examples()
    assert len(examples) >= 20
    assert not [e for e in examples if "zlib" in e or "openssl" in e]


def checkout(root: Path) -> Path:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "M",
        "GIT_AUTHOR_EMAIL": "m@example.org",
        "GIT_COMMITTER_NAME": "M",
        "GIT_COMMITTER_EMAIL": "m@example.org",
    }
    subprocess.run(
        ["bash", str(ROOT / "examples" / "make-tarballs.sh")], check=True, capture_output=True
    )
    tree = root / "src-openeuler"
    shutil.copytree(ROOT / "examples" / "distro", tree)
    for argv in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "tree"]):
        subprocess.run(["git", *argv], cwd=tree, check=True, capture_output=True, env=env)
    return tree


def advisories(work: Path) -> None:
    """What the vulns and sbom examples name, next to them: the shared OSV records as the
    zip ``osv-openEuler.zip``, the shared CSAF documents as ``csaf/``, and the two SBOMs of
    ``--diff`` (the jansson SBOM an earlier example writes)."""
    shared = ROOT.parent / "shared" / "data"
    with zipfile.ZipFile(work / "osv-openEuler.zip", "w") as archive:
        for record in sorted((shared / "osv" / "openeuler").glob("*.json")):
            archive.write(record, record.name)
    (work / "csaf").symlink_to(shared / "csaf" / "openeuler")
    (work.parent / "shared").symlink_to(ROOT.parent / "shared")  # ../shared/data, as a clone
    for name in ("before.cdx.json", "after.cdx.json"):
        (work / name).symlink_to("jansson.cdx.json")


@pytest.mark.slow
def test_every_help_example_runs(tmp_path: Path) -> None:
    work = tmp_path / "clone"  # the examples run where a maintainer's clone would be
    (work / "examples").mkdir(parents=True)
    tree = checkout(work)
    home = tmp_path / "home"
    home.mkdir()
    (home / "src-openeuler").symlink_to(tree)
    (work / "examples" / "distro").symlink_to(tree)
    for name in ("nvchecker.toml", "anitya-projects.json"):
        shutil.copy(ROOT / "examples" / name, work / "examples" / name)
    advisories(work)
    env = {
        **os.environ,
        "HOME": str(home),
        "PATH": f"{BIN}:{os.environ['PATH']}",
        "STEWARD_DB": str(tmp_path / "store.db"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "GIT_AUTHOR_NAME": "M",
        "GIT_AUTHOR_EMAIL": "m@example.org",
        "GIT_COMMITTER_NAME": "M",
        "GIT_COMMITTER_EMAIL": "m@example.org",
    }
    failures = []
    with example_upstream(tmp_path / "up") as up:
        env["STEWARD_CONFIG"] = str(up.config_path)
        # An example given in two help texts runs once.
        for example in sorted(dict.fromkeys(help_examples()), key=_rank):
            if example.startswith("steward serve"):
                continue  # runs until stopped: tests/service starts it as a subprocess
            done = subprocess.run(
                ["bash", "-o", "pipefail", "-c", example],
                cwd=work,
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
            )
            if done.returncode in (2, 70, 127) or "Traceback" in done.stderr:
                failures.append(f"{example}: exit {done.returncode}\n{done.stderr[-2000:]}")
    assert not failures, "\n\n".join(failures)
    assert (work / "outdated.md").read_text().startswith("| Package |")
    assert (work / "vulns.sarif").read_text().lstrip().startswith("{")
    assert (tmp_path / "data" / "steward" / "upgrades").is_dir()  # upgrade's default output
    assert not (work / "steward-upgrades").exists()
