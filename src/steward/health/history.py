"""Reading a package repository's history with pygit2 (libgit2), never ``git log`` text.

A package is either a repository of its own (src-openeuler, dist-git) or a folder of a
larger one; either way, the changes are the non-merge commits reachable from ``HEAD`` that
changed the package's folder, each with the spec's ``Version`` after it. The version is
read from the ``Version:`` line, through Steward's own spec parser when the line uses
macros (never by running anything the spec contains).
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pygit2

from steward.health.maintenance import Change

__all__ = ["HistoryError", "read_changes", "read_histories", "spec_version"]

_VERSION_LINE = re.compile(rb"^[ \t]*Version[ \t]*:[ \t]*(\S+)[ \t]*$", re.MULTILINE | re.I)


class HistoryError(ValueError):
    """The package has no readable git history (not a repository, empty, corrupt)."""


def spec_version(text: bytes) -> str | None:
    """The ``Version`` a spec's text declares, expanded by Steward's parser if it uses macros.

    >>> spec_version(b"Name: a\\nVersion:  1.2.3\\nRelease: 1\\n")
    '1.2.3'
    >>> spec_version(b"%global up 2.0\\nName: a\\nVersion: %{up}\\n")
    '2.0'
    """
    match = _VERSION_LINE.search(text)
    if match is None:
        return None
    value = match.group(1).decode("utf-8", "replace")
    if "%" not in value:
        return value
    from steward.rpm.spec import parse

    version = parse(text.decode("utf-8", "replace")).version
    return version if version and "%" not in version else None


def _entry_id(tree: pygit2.Tree, path: str) -> pygit2.Oid | None:
    if not path:
        return tree.id
    try:
        return tree[path].id
    except KeyError:
        return None


def read_changes(folder: Path, spec_name: str | None = None) -> list[Change]:
    """The changes of the package in ``folder``, newest first.

    ``spec_name`` is the spec's file name inside the folder (default ``<folder name>.spec``).
    """
    found = pygit2.discover_repository(str(folder))
    if found is None:
        raise HistoryError(f"{folder} is not in a git repository")
    try:
        repo = pygit2.Repository(found)
    except pygit2.GitError as exc:
        raise HistoryError(f"{folder}: cannot open the repository: {exc}") from exc
    if repo.head_is_unborn:
        raise HistoryError(f"{folder}: the repository has no commits")
    workdir = Path(repo.workdir or found).resolve()
    try:
        prefix = folder.resolve().relative_to(workdir).as_posix()
    except ValueError as exc:
        raise HistoryError(f"{folder} is outside its repository {workdir}") from exc
    prefix = "" if prefix == "." else prefix
    spec_path = "/".join(p for p in (prefix, spec_name or f"{folder.name}.spec") if p)
    versions: dict[pygit2.Oid, str | None] = {}
    changes: list[Change] = []
    try:
        # Every commit once; parents are looked up among them instead of being loaded again.
        commits = list(repo.walk(repo.head.target, pygit2.enums.SortMode.TIME))
        trees = {c.id: c.tree_id for c in commits}
        for commit in commits:
            parent_ids = commit.parent_ids
            if len(parent_ids) > 1:
                continue
            if not prefix:  # the package is the repository: compare root trees, unloaded
                if parent_ids and trees.get(parent_ids[0]) == commit.tree_id:
                    continue
                tree = commit.tree
            else:
                tree = commit.tree
                mine = _entry_id(tree, prefix)
                if mine is None or (
                    parent_ids and _entry_id(repo[parent_ids[0]].peel(pygit2.Tree), prefix) == mine
                ):
                    continue
            spec_id = _entry_id(tree, spec_path)
            version = None
            if spec_id is not None:
                if spec_id not in versions:
                    blob = repo[spec_id]
                    data = blob.data if isinstance(blob, pygit2.Blob) else b""
                    versions[spec_id] = spec_version(data)
                version = versions[spec_id]
            author = commit.author
            when = _dt.datetime.fromtimestamp(author.time, _dt.UTC)
            email = (author.email or author.name or "").strip().lower()
            changes.append(Change(str(commit.id), email, when, version))
    except pygit2.GitError as exc:
        raise HistoryError(f"{folder}: cannot read the history: {exc}") from exc
    return changes


_CHUNK = 200

HistoryResult = list[Change] | HistoryError


def _read_chunk(items: list[tuple[Path, str | None]]) -> list[HistoryResult]:
    found: list[HistoryResult] = []
    for folder, spec_name in items:
        try:
            found.append(read_changes(folder, spec_name))
        except HistoryError as exc:
            found.append(exc)
    return found


def read_histories(
    items: Sequence[tuple[Path, str | None]], *, jobs: int | None = None
) -> list[HistoryResult]:
    """:func:`read_changes` of every ``(folder, spec name)``, in order; errors in place.

    A large tree is read by one worker process per CPU (libgit2 work holds the interpreter
    lock); ``jobs`` as for :func:`steward.distro.load_tree`. A pool that cannot start
    reads in this process instead.
    """
    from steward.distro.tree import _worker_count

    workers = _worker_count(jobs, len(items))  # one below the tree loader's threshold
    if workers <= 1:
        return _read_chunk(list(items))
    chunks = [list(items[i : i + _CHUNK]) for i in range(0, len(items), _CHUNK)]
    try:
        with ProcessPoolExecutor(workers) as pool:
            return [result for chunk in pool.map(_read_chunk, chunks) for result in chunk]
    except (BrokenProcessPool, OSError):
        return _read_chunk(list(items))
