"""``steward review``: two folders or a git range, reports written, exit codes 0/1/2."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from reviewkit import upgrade_pair
from typer.testing import CliRunner

from steward.cli.main import app

runner = CliRunner()


def run(*argv: str) -> tuple[int, str]:
    result = runner.invoke(app, ["review", *argv, "--offline", "--today", "2024-03-01"])
    return result.exit_code, result.output


def test_a_clean_change_is_approved_with_exit_0(pair: tuple[Path, Path]) -> None:
    code, out = run(str(pair[0]), str(pair[1]))

    assert code == 0, out
    assert out.startswith("libdemo: approve")


def test_a_change_needing_work_exits_1_and_names_the_rule(tmp_path: Path) -> None:
    before, after = upgrade_pair(tmp_path, release="3")

    code, out = run(str(before), str(after))

    assert code == 1
    assert "spec.release-reset" in out


def test_usage_errors_exit_2(tmp_path: Path, pair: tuple[Path, Path]) -> None:
    assert run(str(pair[0]))[0] == 2  # neither AFTER nor --git
    assert run(str(pair[0]), str(pair[1]), "--json", "--sarif")[0] == 2
    assert run(str(pair[0]), str(tmp_path / "missing"))[0] == 2
    assert run(str(pair[0]), "--git", "nodots")[0] == 2
    assert run(str(pair[0]), "--git", "a..b")[0] == 2  # not in a git repository


def test_json_output_is_the_review_document(pair: tuple[Path, Path]) -> None:
    code, out = run(str(pair[0]), str(pair[1]), "--json")

    assert code == 0
    assert json.loads(out)["verdict"] == "approve"


def git(repo: Path, *argv: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org",
           "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(repo)}
    return subprocess.run(["git", *argv], cwd=repo, env=env, check=True,
                          capture_output=True, text=True).stdout


def test_a_git_range_of_a_package_repository_is_reviewed_with_its_commit_messages(
    tmp_path: Path,
) -> None:
    before, after = upgrade_pair(tmp_path / "pkgs")
    repo = tmp_path / "repo"
    shutil.copytree(before, repo / "libdemo")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "libdemo 1.0")
    shutil.rmtree(repo / "libdemo")
    shutil.copytree(after, repo / "libdemo")
    git(repo, "checkout", "-qb", "steward/upgrade/libdemo-1.1")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "Update libdemo to 1.2")  # the claim does not match Version

    code, out = run(str(repo / "libdemo"), "--git", "main..steward/upgrade/libdemo-1.1",
                    "--output", str(tmp_path / "out"))

    assert code == 1, out
    assert "claims.version" in out and "1.2" in out
    assert "version-upgrade" in out
    assert (tmp_path / "out" / "report.md").is_file()
    assert git(repo, "status", "--porcelain") == ""  # nothing checked out or left behind


def test_a_range_that_adds_the_package_reviews_a_new_package(tmp_path: Path) -> None:
    _, after = upgrade_pair(tmp_path / "pkgs")
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "README").write_text("packages\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "start")
    shutil.copytree(after, repo / "libdemo")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "add libdemo")

    code, out = run(str(repo / "libdemo"), "--git", "HEAD~1..HEAD")

    assert "new-package" in out, out
    assert code in (0, 1)
