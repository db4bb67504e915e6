"""The review job: two package folders, or a ``BASE..HEAD`` range of a package repository,
reviewed with :func:`steward.review.review_change` and written out as reports.

A range is read with ``git archive`` of each end into a scratch folder (nothing is checked
out in the user's repository); the commit messages of the range are the change's
description, whose claims are checked like a pull request's text.
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import replace
from pathlib import Path

from steward.review import Review, ReviewOptions, review_change
from steward.upgrade.extract import ExtractError, extract_archive
from steward.upgrade.model import UpgradeError
from steward.upgrade.workspace import find_repository, run_git

__all__ = ["ReviewInputError", "review_folders", "review_git_range"]


class ReviewInputError(ValueError):
    """The command line names something that cannot be reviewed (a usage error)."""


def review_folders(before: Path, after: Path, options: ReviewOptions) -> Review:
    for side in (before, after):
        if not side.is_dir():
            raise ReviewInputError(f"{side} is not a package folder")
    try:
        return review_change(before, after, options)
    except ValueError as exc:
        raise ReviewInputError(str(exc)) from None


def review_git_range(package_dir: Path, spec: str, options: ReviewOptions) -> Review:
    """Review ``BASE..HEAD`` of the package folder ``package_dir`` (inside a git repository)."""
    if ".." not in spec or spec.count("..") != 1 or "..." in spec:
        raise ReviewInputError(f"--git wants BASE..HEAD, not {spec!r}")
    base, head = spec.split("..")
    head = head or "HEAD"
    if not package_dir.is_dir():
        raise ReviewInputError(f"{package_dir} is not a folder")
    repo = find_repository(package_dir)
    if repo is None:
        raise ReviewInputError(f"{package_dir} is not inside a git repository")
    rel = package_dir.resolve().relative_to(repo.resolve()).as_posix()
    for rev in (base, head):
        if run_git("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}", cwd=repo,
                   check=False).returncode != 0:
            raise ReviewInputError(f"{rev!r} is not a commit in {repo}")
    log = run_git("log", "--format=%B", f"{base}..{head}", "--", rel, cwd=repo).stdout.strip()
    description = "\n".join(filter(None, [options.description, log]))
    with tempfile.TemporaryDirectory(prefix="steward-review-git-") as tmp:
        name = package_dir.resolve().name
        before = _export(repo, base, rel, Path(tmp) / "base" / name)
        after = _export(repo, head, rel, Path(tmp) / "head" / name)
        if before is None and after is None:
            raise ReviewInputError(f"{rel} exists neither at {base} nor at {head}")
        try:
            return review_change(before, after, replace(options, description=description))
        except ValueError as exc:
            raise ReviewInputError(str(exc)) from None


def _export(repo: Path, rev: str, rel: str, dest: Path) -> Path | None:
    """Write folder ``rel`` at ``rev`` into ``dest``; ``None`` when it does not exist there."""
    listed = run_git("ls-tree", "--name-only", rev, "--", rel, cwd=repo, check=False)
    if rel != "." and not listed.stdout.strip():
        return None
    archive = dest.parent / f"{dest.name}.tar"
    dest.parent.mkdir(parents=True, exist_ok=True)
    prefix = "" if rel == "." else f"{rel}/"
    with archive.open("wb") as out:
        proc = subprocess.run(
            ["git", "archive", "--format=tar", "--prefix=x/", f"{rev}:{prefix}"],
            cwd=repo, stdout=out, stderr=subprocess.PIPE, timeout=300, check=False,
        )
    if proc.returncode != 0:
        raise ReviewInputError(f"git archive {rev}:{rel} failed: {proc.stderr.decode()[-300:]}")
    try:
        result = extract_archive(archive, dest.parent / f"{dest.name}.x")
    except (ExtractError, UpgradeError) as exc:
        raise ReviewInputError(f"cannot unpack {rev}:{rel}: {exc}") from None
    (result.dest / "x").rename(dest)
    if not any(dest.glob("*.spec")):
        return None  # the folder exists but holds no package yet (or any more)
    return dest
