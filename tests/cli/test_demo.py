"""The demo (scripts/demo.sh → examples/demo.py) keeps to a store and folder of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def test_the_demo_never_writes_into_the_users_store(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "STEWARD_"))}
    env["HOME"] = str(home)
    env["PATH"] = f"{Path(sys.executable).parent}:{env['PATH']}"
    output = tmp_path / "demo-output"
    output.mkdir()
    (output / "steward-demo.db").write_text("a previous run's store")  # emptied first
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "demo.py"), str(output)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert (output / "steward-demo.db").is_file()
    assert "packages checked" in done.stdout
    assert not (home / ".local" / "share" / "steward").exists()  # the user's data directory
    assert not (tmp_path / "steward-upgrades").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo-output", "home"]


def test_the_demo_refuses_to_empty_a_folder_it_did_not_make(tmp_path: Path) -> None:
    precious = tmp_path / "work"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me")
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "demo.py"), str(precious)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "refusing to empty" in done.stderr
    assert (precious / "notes.txt").read_text() == "keep me"
