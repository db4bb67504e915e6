"""Where an upgrade happens: a git worktree on a new branch, never the user's checkout.

When the package folder is in a git repository, :func:`open_workspace` adds a worktree on
branch ``steward/upgrade/<name>-<version>`` (from ``HEAD``) in a scratch folder; the upgrade
edits files there and :meth:`Workspace.commit` leaves one commit on that branch. When the
folder is not in a repository, the upgrade works in a copy and leaves the result folder and
a patch file. If anything fails, :meth:`Workspace.discard` removes the worktree and the
branch (or the copy): the user's tree is never touched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from steward.upgrade.model import UpgradeError, UpgradeStep

__all__ = [
    "Workspace",
    "branch_exists",
    "branch_name",
    "find_repository",
    "git_environment",
    "open_workspace",
    "run_git",
]

# Local operations need no credential, so git gets none: not the caller's tokens, not its
# ssh agent, not a GIT_DIR or GIT_CONFIG_PARAMETERS of a calling git, not the user's or the
# system's configuration (credential helpers, hooksPath, aliases). The repository's own
# configuration still applies; identities are given on the command line.
_GIT_ENV = {
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "LC_ALL": "C",
    "LANG": "C",
}


def git_environment() -> dict[str, str]:
    """The whole environment :func:`run_git` gives git."""
    return {"PATH": os.environ.get("PATH") or "/usr/bin:/bin", **_GIT_ENV}


def branch_name(package: str, version: str) -> str:
    """``steward/upgrade/<name>-<version>`` (characters git refuses replaced)."""
    safe = "".join(c if c.isalnum() or c in "._+-" else "-" for c in f"{package}-{version}")
    return f"steward/upgrade/{safe}"


def run_git(
    *argv: str, cwd: Path, check: bool = True, step: UpgradeStep = UpgradeStep.WORKTREE
) -> subprocess.CompletedProcess[str]:
    """Run git in :func:`git_environment`, without prompts; a failure is an UpgradeError of
    ``step``."""
    proc = subprocess.run(
        ["git", *argv], cwd=cwd, capture_output=True, text=True, env=git_environment(),
        timeout=120,
    )  # fmt: skip
    if check and proc.returncode != 0:
        raise UpgradeError(
            step,
            f"git {' '.join(argv[:2])} failed in {cwd}: {proc.stderr.strip() or proc.stdout}",
        )
    return proc


def find_repository(folder: Path) -> Path | None:
    """The top of the git repository holding ``folder``, or ``None``."""
    proc = run_git("rev-parse", "--show-toplevel", cwd=folder, check=False)
    if proc.returncode != 0:
        return None
    return Path(proc.stdout.strip())


@dataclass
class Workspace:
    """An upgrade's working copy of one package folder."""

    package_dir: Path  # where to edit (inside the worktree or the copy)
    repository: Path | None  # the user's repository (None: not a git folder)
    worktree: Path | None
    branch: str | None
    scratch: Path
    result_dir: Path | None = None  # for non-git folders: where the upgraded copy is kept
    committed: str | None = None

    def commit(self, message: str, *, author: str) -> str:
        """Stage every change in the package folder and commit it; returns the commit id."""
        if self.worktree is None:
            raise UpgradeError(UpgradeStep.COMMIT, "not a git workspace: nothing to commit")
        run_git("add", "--all", "--", str(self.package_dir), cwd=self.worktree)
        name, _, email = author.partition("<")
        identity = [
            "-c",
            f"user.name={name.strip() or 'Steward'}",
            "-c",
            f"user.email={email.rstrip('>').strip() or 'steward@localhost'}",
        ]
        run_git(
            *identity, "commit", "--quiet", f"--author={author}", "-m", message, cwd=self.worktree
        )
        self.committed = run_git("rev-parse", "HEAD", cwd=self.worktree).stdout.strip()
        return self.committed

    def diff_against_original(self, original: Path, patch_file: Path) -> Path:
        """For non-git folders: write ``diff -ruN original copy`` as a patch file."""
        proc = subprocess.run(
            ["diff", "-ruN", "--exclude=*.tar*", "--exclude=*.zip", "--exclude=*.gem",
             str(original), str(self.package_dir)],
            capture_output=True,
            text=True,
        )  # fmt: skip
        if proc.returncode > 1:
            raise UpgradeError(UpgradeStep.COMMIT, f"diff failed: {proc.stderr.strip()}")
        patch_file.write_text(proc.stdout, encoding="utf-8")
        return patch_file

    def close(self) -> None:
        """Remove the worktree folder but keep the branch and its commit."""
        if self.repository is not None and self.worktree is not None:
            run_git("worktree", "remove", "--force", str(self.worktree), cwd=self.repository,
                 check=False)  # fmt: skip
        shutil.rmtree(self.scratch, ignore_errors=True)

    def discard(self) -> None:
        """Undo everything: worktree, branch, copy. The user's tree stays as it was."""
        self.close()
        if self.repository is not None and self.branch is not None:
            run_git("branch", "-D", self.branch, cwd=self.repository, check=False)
        if self.result_dir is not None:
            shutil.rmtree(self.result_dir, ignore_errors=True)


def branch_exists(repository: Path, branch: str) -> bool:
    return run_git("rev-parse", "--verify", "--quiet", f"refs/heads/{branch}",
                cwd=repository, check=False).returncode == 0  # fmt: skip


def open_workspace(package_dir: Path, branch: str, *, result_root: Path) -> Workspace:
    """A worktree on a new ``branch`` (git), or a copy under ``result_root`` (no git)."""
    package_dir = package_dir.resolve()
    scratch = Path(tempfile.mkdtemp(prefix="steward-upgrade-"))
    repository = find_repository(package_dir)
    if repository is None:
        result_dir = result_root / package_dir.name
        if result_dir.exists():
            shutil.rmtree(result_dir)
        result_root.mkdir(parents=True, exist_ok=True)
        shutil.copytree(package_dir, result_dir, symlinks=True)
        return Workspace(result_dir, None, None, None, scratch, result_dir=result_dir)
    if branch_exists(repository, branch):
        shutil.rmtree(scratch, ignore_errors=True)
        raise UpgradeError(
            UpgradeStep.WORKTREE,
            f"branch {branch} already exists in {repository}: the upgrade was made before "
            f"(delete the branch to make it again)",
        )
    worktree = scratch / "worktree"
    run_git("worktree", "add", "--quiet", "-b", branch, str(worktree), "HEAD", cwd=repository)
    relative = package_dir.relative_to(repository)
    return Workspace(worktree / relative, repository, worktree, branch, scratch)
