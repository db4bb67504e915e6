"""A small tree from examples/distro, each package a git repository with a made history.

The histories, release dates and SIG file below are the inputs every expected value in
these tests is computed from by hand (see the comments next to each number in the tests).
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Sequence
from pathlib import Path

import pygit2

from steward.store import Store
from steward.store.records import CheckRecord
from steward.upstream.sources.base import Upstream
from steward.upstream.versions import Release

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "distro"
NOW = dt.datetime(2026, 6, 30, tzinfo=dt.UTC)


def day(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


#: (date, author e-mail, spec Version after the commit) per package, oldest first.
HISTORIES: dict[str, list[tuple[str, str, str]]] = {
    "jansson": [
        ("2024-01-10", "alice@example.org", "2.12"),
        ("2024-09-01", "bob@example.org", "2.13"),
        ("2025-08-01", "Alice@Example.org", "2.13"),
        ("2025-10-01", "alice@example.org", "2.13.1"),
        ("2026-01-15", "carol@example.org", "2.13.1"),
        ("2026-03-01", "alice@example.org", "2.13.1"),
        ("2026-06-20", "bob@example.org", "2.13.1"),
    ],
    "expat": [("2024-03-01", "dave@example.org", "2.2.8")],
    "python-idna": [("2024-02-01", "dave@example.org", "2.10")],
    "python-requests": [("2026-05-01", "erin@example.org", "2.24.0")],
    "zstd": [(f"2026-0{m}-01", "frank@example.org", "1.4.5") for m in range(1, 7)],
    "app-a": [("2026-06-01", "erin@example.org", "1.0")],
    "app-b": [("2026-06-02", "erin@example.org", "1.0")],
}

#: What ``steward check`` would have stored: (version, date, prerelease) per upstream.
RELEASES: dict[str, list[tuple[str, str, bool]]] = {
    "jansson": [
        ("2.12", "2018-11-25", False),
        ("2.13", "2024-08-01", False),
        ("2.13.1", "2025-09-01", False),
        ("2.14", "2026-02-01", False),
        ("3.0", "2026-04-01", False),
        ("3.1rc1", "2026-05-01", True),
    ],
    "expat": [
        ("2.2.8", "2019-09-13", False),
        ("2.2.9", "2019-09-25", False),
        ("2.6.0", "2024-02-06", False),
        ("2.7.0", "2025-03-27", False),
    ],
    "python-idna": [
        ("2.10", "2020-07-01", False),
        ("3.7", "2024-04-11", False),
        ("3.10", "2025-09-15", False),
    ],
    "zstd": [("1.4.5", "2020-05-22", False)],
}

APP_SPEC = """Name:           {name}
Version:        1.0
Release:        1
Summary:        A made-up application that uses libraries of the tree
License:        MIT
URL:            https://example.org/{name}
Source0:        https://example.org/{name}-%{{version}}.tar.gz
{deps}

%description
Uses the libraries.

%prep
%autosetup

%build
%make_build

%install
%make_install

%files
/usr/bin/{name}

%changelog
* Mon Jun 01 2026 Erin <erin@example.org> - 1.0-1
- first
"""

APP_DEPS = {
    # jansson owns jansson-devel; zstd owns libzstd-devel (its Provides).
    "app-a": "BuildRequires:  jansson-devel libzstd-devel",
    # python-idna owns python3-idna (a subpackage).
    "app-b": "BuildRequires:  jansson-devel >= 2.0\nRequires:       python3-idna",
}

SIG_INFO = """name: Base-service
description: basic packages
maintainers:
- gitee_id: alice
  name: Alice
  email: alice@example.org
repositories:
- repo:
  - src-openeuler/jansson
  - src-openeuler/expat
  - src-openeuler/zstd
  - src-openeuler/python-idna
  committers:
  - gitee_id: bob
    email: bob@example.org
---
name: Application
maintainers: []
repositories:
- repo:
  - src-openeuler/app-a
- repo: src-openeuler/app-b
  committers:
  - gitee_id: erin
"""


def _set_version(text: str, version: str) -> str:
    if "%global upstream_version" in text:
        return re.sub(r"(%global upstream_version\s+)\S+", rf"\g<1>{version}", text, count=1)
    return re.sub(r"(?m)^(Version:\s*)\S+", rf"\g<1>{version}", text, count=1)


def commit_history(folder: Path, spec: Path, history: Sequence[tuple[str, str, str]]) -> None:
    """Make ``folder`` a repository whose commits follow ``history`` (the last one is HEAD)."""
    repo = pygit2.init_repository(str(folder), initial_head="master")
    final = spec.read_text()
    parents: list[pygit2.Oid] = []
    for number, (date, email, version) in enumerate(history):
        spec.write_text(_set_version(final, version))
        (folder / "CHANGES").write_text(f"change {number}\n")
        repo.index.add_all()
        repo.index.write()
        tree = repo.index.write_tree()
        when = int(day(date).timestamp())
        signature = pygit2.Signature(email.split("@")[0], email, when, 0)
        oid = repo.create_commit("HEAD", signature, signature, f"change {number}", tree, parents)
        parents = [oid]
    spec.write_text(_set_version(final, history[-1][2]))


def make_tree(root: Path) -> Path:
    """The tree under ``root/tree``: five example packages and two made-up applications."""
    tree = root / "tree"
    for name in ("jansson", "expat", "python-idna", "python-requests", "zstd"):
        shutil.copytree(EXAMPLES / name, tree / name)
    for name, deps in APP_DEPS.items():
        (tree / name).mkdir(parents=True)
        (tree / name / f"{name}.spec").write_text(APP_SPEC.format(name=name, deps=deps))
    for name, history in HISTORIES.items():
        commit_history(tree / name, tree / name / f"{name}.spec", history)
    (root / "sig-info.yaml").write_text(SIG_INFO)
    return tree


def fill_store(store: Store, tree: Path) -> None:
    """Store the releases of ``RELEASES`` as a check of ``tree`` would have."""
    key = str(tree.resolve())
    records = [
        CheckRecord(
            key,
            name,
            Upstream("github", f"example/{name}"),
            HISTORIES[name][-1][2],
            tuple(Release(v, v, day(date), None, pre) for v, date, pre in releases),
            checked_at=NOW,
        )
        for name, releases in RELEASES.items()
    ]
    run = store.start_run(key, len(records))
    store.record_results(run, records)
    store.finish_run(run)
