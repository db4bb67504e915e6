"""STEWARD_STRICT_SKIPS=1 turns a skip for want of the environment into a failure, and only that."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent

SAMPLE = """
import pytest
from envneeds import needs, require_shared, skip_environment

@needs(False, "a tool that is not here")
def test_marked():
    pass

def test_called():
    skip_environment("a server that is down")

def test_shared():
    require_shared("no-such-folder/x.yaml")

@pytest.mark.skip(reason="not about the environment")
def test_plain_skip():
    pass

@pytest.mark.xfail(reason="expected")
def test_xfail():
    raise AssertionError
"""


def run_sample(tmp_path: Path, strict: str | None) -> str:
    (tmp_path / "test_sample.py").write_text(SAMPLE)
    env = {k: v for k, v in os.environ.items() if k != "STEWARD_STRICT_SKIPS"}
    if strict is not None:
        env["STEWARD_STRICT_SKIPS"] = strict
    env["PYTHONPATH"] = str(TESTS)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "conftest", "-q", "-rfs", "-p", "no:cacheprovider",
         "-p", "no:xdist", "--rootdir", str(tmp_path), str(tmp_path / "test_sample.py")],
        capture_output=True, text=True, env=env, cwd=tmp_path,
    )  # fmt: skip
    return proc.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize("strict", [None, "0"])
def test_environment_skips_skip_with_their_reason_by_default(
    tmp_path: Path, strict: str | None
) -> None:
    last = run_sample(tmp_path, strict)
    assert last.startswith("4 skipped, 1 xfailed"), last


def test_strict_skips_fail_the_environment_skips_only(tmp_path: Path) -> None:
    last = run_sample(tmp_path, "1")
    # A skipif mark acts while the test is set up, so pytest counts that one as an error.
    assert last.startswith("2 failed, 1 skipped, 1 xfailed, 1 error"), last
