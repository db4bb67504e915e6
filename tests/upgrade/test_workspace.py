"""Git for an upgrade's workspace runs with no credential and none of the caller's git state."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from steward.upgrade.workspace import find_repository, open_workspace, run_git


def make_repo(path: Path) -> Path:
    path.mkdir()
    for args in (["init", "-q"], ["config", "user.email", "t@example.org"]):
        subprocess.run(["git", *args], cwd=path, check=True)
    (path / "pkg").mkdir()
    (path / "pkg" / "pkg.spec").write_text("Name: pkg\n")
    subprocess.run(["git", "add", "."], cwd=path, check=True)
    subprocess.run(["git", "-c", "user.name=T", "commit", "-qm", "one"], cwd=path, check=True)
    return path


def test_git_sees_no_token_and_no_user_configuration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo(tmp_path / "repo")
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text("[credential]\n\thelper = store\n[alias]\n\tspy = !env\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_secretsecretsecret")
    monkeypatch.setenv("SSH_AUTH_SOCK", "/tmp/agent.sock")
    monkeypatch.setenv("GIT_ASKPASS", "/usr/bin/askpass")

    # A shell alias runs with the environment git was given.
    shown = run_git("-c", "alias.dump=!env", "dump", cwd=repo).stdout
    helpers = run_git("config", "--get-all", "credential.helper", cwd=repo, check=False)

    assert "ghp_secret" not in shown and "SSH_AUTH_SOCK" not in shown
    assert "GIT_ASKPASS" not in shown and "GITHUB_TOKEN" not in shown
    assert helpers.stdout == ""  # the user's ~/.gitconfig is not read


def test_a_calling_gits_repository_variables_do_not_redirect_the_workspace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo(tmp_path / "repo")
    other = make_repo(tmp_path / "other")
    monkeypatch.setenv("GIT_DIR", str(other / ".git"))
    monkeypatch.setenv("GIT_WORK_TREE", str(other))

    assert find_repository(repo / "pkg") == repo.resolve()
    workspace = open_workspace(repo / "pkg", "steward/upgrade/pkg-2", result_root=tmp_path / "r")
    try:
        (workspace.package_dir / "pkg.spec").write_text("Name: pkg\nVersion: 2\n")
        workspace.commit("pkg: 2", author="Steward <steward@example.org>")
    finally:
        workspace.close()
    log = subprocess.run(
        ["git", "log", "--format=%an %s", "steward/upgrade/pkg-2", "-1"],
        cwd=repo, capture_output=True, text=True, check=True, env={"PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert log.stdout.strip() == "Steward pkg: 2"
