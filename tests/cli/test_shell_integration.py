"""Shell completion (bash, zsh, fish), --version and the man page."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from steward import __version__

STEWARD = str(Path(sys.executable).with_name("steward"))
ROOT = Path(__file__).resolve().parents[2]


def steward(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [STEWARD, *argv], capture_output=True, text=True, env={**os.environ, **env}, timeout=60
    )


@pytest.mark.parametrize(
    ("shell", "marker"),
    [
        ("bash", "complete -o default -F _steward_completion steward"),
        ("zsh", "#compdef steward"),
        ("fish", "complete --command steward"),
    ],
)
def test_completion_scripts_exist_for_bash_zsh_and_fish(shell: str, marker: str) -> None:
    done = steward({"_STEWARD_COMPLETE": f"source_{shell}"})
    assert done.returncode == 0, done.stderr
    assert marker in done.stdout


def test_bash_completion_completes_commands_and_options() -> None:
    done = steward(
        {"_STEWARD_COMPLETE": "complete_bash", "COMP_WORDS": "steward inv", "COMP_CWORD": "1"}
    )
    assert done.stdout.split() == ["inventory"]
    done = steward(
        {
            "_STEWARD_COMPLETE": "complete_bash",
            "COMP_WORDS": "steward new --exit",
            "COMP_CWORD": "2",
        }
    )
    assert done.stdout.split() == ["--exit-status"]


def test_version_prints_the_version() -> None:
    done = steward({}, "--version")
    assert (done.returncode, done.stdout) == (0, f"steward {__version__}\n")


def test_the_man_page_documents_every_command_and_renders() -> None:
    page = (ROOT / "docs" / "steward.1").read_text(encoding="utf-8")
    for command in ("check", "doctor", "import", "inventory", "new", "outdated", "take", "upgrade"):
        assert f".SS \\fBsteward {command}\\fR" in page
    if shutil.which("man") is None:  # pragma: no cover - a machine without man-db
        pytest.skip("man is not installed")
    done = subprocess.run(
        ["man", "-l", str(ROOT / "docs" / "steward.1")],
        capture_output=True,
        text=True,
        env={**os.environ, "MANWIDTH": "80", "MANPAGER": "cat", "PAGER": "cat"},
    )
    assert "steward take" in done.stdout and "--exit-status" in done.stdout.replace("‐", "-")
