"""An upgrade that cannot go on says where and why: no traceback, the right step."""

from __future__ import annotations

from pathlib import Path

import pytest
from buildkit import make_package
from typer.testing import CliRunner

from steward.cli.main import app
from steward.config import Config
from steward.distro.profiles import load_profile
from steward.distro.tree import load_package
from steward.upgrade import patches
from steward.workflows.upgrade import UpgradeOptions, run_upgrade


def test_unexpected_error_is_reported_with_the_step_that_was_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "tree" / "greeter"
    make_package(
        folder, "greeter", "1.0", variant="program", source_url="greeter-%{version}.tar.gz"
    )
    make_package(tmp_path / "new", "greeter", "1.1", variant="program")
    (folder / "greeter-1.1.tar.gz").write_bytes(
        (tmp_path / "new" / "greeter-1.1.tar.gz").read_bytes()
    )

    def broken(*args: object, **kwargs: object) -> list[patches.PatchTriage]:
        raise KeyError("boom")

    monkeypatch.setattr(patches, "triage_patches", broken)
    options = UpgradeOptions(target="1.1", output=tmp_path / "out", build="none")
    outcome = run_upgrade(load_package(folder), load_profile("openeuler-24.03"), Config(), options)

    assert outcome.report.failed_step == "patches"
    assert "KeyError" in (outcome.report.error or "") and "bug" in (outcome.report.error or "")
    assert (folder / "greeter-1.0.tar.gz").is_file(), "the user's tree is left as it was"


def test_upgrade_dry_run_to_a_version_the_source_cannot_follow_is_a_clear_error(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "greeter"
    make_package(
        folder, "greeter", "1.0", variant="program",
        source_url="https://example.org/greeter/archive/3f2a9c1e.tar.gz",
    )  # fmt: skip

    result = CliRunner().invoke(app, ["upgrade", str(folder), "--to", "1.1", "--dry-run"])

    assert result.exit_code == 1, result.output
    assert ("Traceback" not in result.output and result.exception is None) or isinstance(
        result.exception, SystemExit
    )
    assert "cannot upgrade to 1.1" in result.output
    assert "does not move with the version" in result.output
