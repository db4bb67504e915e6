"""Command-line values are validated before they are used as paths, and a broken machine
is not reported as a usage error (exit codes in docs/exit-codes.md)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from steward.cli.main import app
from steward.cli.output import EXIT_RUNTIME, EXIT_USAGE
from steward.distro.tree import load_package
from steward.workflows.upgrade import UpgradeOptions, run_upgrades

runner = CliRunner()
SPEC = (
    "Name: pkg\nVersion: 1.0\nRelease: 1\nSummary: s\nLicense: MIT\n"
    "Source0: https://example.org/pkg-%{version}.tar.gz\n%description\nd\n%prep\n%autosetup\n"
)


@pytest.fixture
def package(tmp_path: Path) -> Path:
    folder = tmp_path / "tree" / "pkg"
    folder.mkdir(parents=True)
    (folder / "pkg.spec").write_text(SPEC)
    return folder


@pytest.mark.parametrize("target", ["../../x", "1.0/../../../x", "/etc/x", "2.0\n", "main"])
def test_upgrade_to_a_path_like_version_is_a_usage_error_and_writes_nothing(
    tmp_path: Path, package: Path, target: str
) -> None:
    output = tmp_path / "a" / "b" / "out"
    result = runner.invoke(
        app, ["upgrade", str(package), "--to", target, "--output", str(output), "--build", "none"]
    )
    assert result.exit_code == EXIT_USAGE, result.output
    assert "not a release version" in " ".join(result.output.split())
    assert not (tmp_path / "x").exists() and not (tmp_path / "a").exists()


def test_upgrade_workflow_refuses_a_traversing_target_before_any_path(
    tmp_path: Path, package: Path
) -> None:
    record = load_package(package)
    output = tmp_path / "deep" / "er" / "out"
    options = UpgradeOptions(output=output, packager="T <t@example.org>", build="none")
    [outcome] = run_upgrades([(record, "../../escaped")], "openeuler-24.03", None, options)  # type: ignore[arg-type]
    assert outcome.report.failed_step == "plan"
    assert "not a release version" in (outcome.report.error or "")
    written = [p for p in tmp_path.rglob("*") if p.is_file() and not p.is_relative_to(package)]
    assert written, "the failure report is written"
    assert all(p.resolve().is_relative_to(output / "pkg") for p in written), written


def test_upgrade_to_a_real_version_is_accepted_for_a_dry_run(package: Path) -> None:
    result = runner.invoke(app, ["upgrade", str(package), "--to", "1.1", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "1.0 → 1.1" in result.output


def test_a_store_that_cannot_be_opened_is_a_runtime_failure_not_a_usage_error(
    tmp_path: Path, package: Path
) -> None:
    db = "sqlite:////proc/steward-no-such-dir/store.db"  # cannot be created, even by root
    result = runner.invoke(app, ["outdated", str(package.parent), "--db", db])
    assert result.exit_code == EXIT_RUNTIME, result.output
    assert "proc/steward-no-such-dir" in result.output
