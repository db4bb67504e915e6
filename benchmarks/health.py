"""Benchmark: ``steward health`` on 10,000 generated packages with git histories.

Builds (once, kept in ``--workdir``) a src-openeuler-style tree of N packages, each its own
git repository with 3 to 12 commits made by pygit2 (version upgrades among them), a store
holding 5 to 30 upstream releases per package as ``steward check`` would have written
them, and a sig-info.yaml spreading the packages over 20 SIGs. A tenth of the packages are
libraries the others build against (the reverse-dependency graph has hubs). Then it runs
``steward health TREE --json`` in a fresh process and prints its wall time and peak memory
(the child's maximum resident set size).

    .venv/bin/python benchmarks/health.py                 # 10,000 packages
    .venv/bin/python benchmarks/health.py -n 1000 --workdir /tmp/hb
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

import pygit2

ROOT = Path(__file__).resolve().parents[1]
STEWARD = str(Path(sys.executable).with_name("steward"))
NOW = dt.datetime(2026, 6, 30, tzinfo=dt.UTC)

SPEC = """Name:           {name}
Version:        {version}
Release:        {release}
Summary:        Generated package {name}
License:        MIT
URL:            https://example.org/{name}
Source0:        https://example.org/{name}-%{{version}}.tar.gz
{deps}

%description
Generated for the health benchmark.

%package        devel
Summary:        Headers of {name}
Requires:       {name} = %{{version}}-%{{release}}

%description    devel
Headers.

%prep
%autosetup

%build
%make_build

%install
%make_install

%files
/usr/lib/lib{name}.so.1

%files devel
/usr/include/{name}.h

%changelog
* Mon Jun 01 2026 Gen <gen@example.org> - {version}-{release}
- generated
"""


def _versions(rng: random.Random, count: int) -> list[tuple[str, dt.datetime]]:
    major, minor, patch = rng.randint(0, 3), rng.randint(0, 9), 0
    when = NOW - dt.timedelta(days=rng.randint(800, 4000))
    found = []
    for _ in range(count):
        if rng.random() < 0.2:
            minor, patch = minor + 1, 0
        else:
            patch += 1
        found.append((f"{major}.{minor}.{patch}", when))
        when += dt.timedelta(days=rng.randint(10, 200))
        if when > NOW:
            break
    return found


def build(workdir: Path, count: int, seed: int = 16) -> tuple[Path, Path, Path]:
    tree, db, sigs = workdir / "tree", workdir / "store.db", workdir / "sig-info.yaml"
    stamp = workdir / f"built-v2-{count}"
    if stamp.exists():
        return tree, db, sigs
    if tree.exists() or db.exists():
        sys.exit(f"{workdir} holds an unfinished or older build: remove it first")
    rng = random.Random(seed)
    names = [f"pkg{i:05d}" for i in range(count)]
    libraries = names[: max(1, count // 10)]
    releases: dict[str, list[tuple[str, dt.datetime]]] = {}
    started = time.monotonic()
    for index, name in enumerate(names):
        folder = tree / name
        folder.mkdir(parents=True, exist_ok=True)
        upstream = _versions(rng, rng.randint(5, 30))
        releases[name] = upstream
        deps = sorted({rng.choice(libraries) for _ in range(rng.randint(0, 6))} - {name})
        dep_lines = "\n".join(f"BuildRequires:  {d}-devel" for d in deps)
        repo = pygit2.init_repository(str(folder), initial_head="master")
        packaged = rng.randint(0, len(upstream) - 1)
        steps = sorted({rng.randint(0, packaged) for _ in range(rng.randint(1, 4))} | {packaged})
        commits = rng.randint(3, 12)
        parents: list[pygit2.Oid] = []
        when = upstream[steps[0]][1] + dt.timedelta(days=3)
        for number in range(commits):
            step = steps[min(len(steps) - 1, number * len(steps) // commits)]
            version, released = upstream[step]
            when = max(when + dt.timedelta(days=rng.randint(1, 90)), released)
            when = min(when, NOW - dt.timedelta(days=1))
            spec = SPEC.format(name=name, version=version, release=number + 1, deps=dep_lines)
            blob = repo.create_blob(spec.encode())
            builder = repo.TreeBuilder()
            builder.insert(f"{name}.spec", blob, pygit2.enums.FileMode.BLOB)
            author = f"dev{rng.randint(0, 400)}@example.org"
            sig = pygit2.Signature(author.split("@")[0], author, int(when.timestamp()), 0)
            oid = repo.create_commit("HEAD", sig, sig, f"change {number}", builder.write(), parents)
            parents = [oid]
        (folder / f"{name}.spec").write_text(spec)
        if index % 1000 == 999:
            print(f"  {index + 1} repositories ({time.monotonic() - started:.0f} s)", flush=True)
    _fill_store(db, tree, names, releases)
    sig_docs = []
    for s in range(20):
        members = names[s::20]
        repos = "\n".join(f"  - src-openeuler/{m}" for m in members)
        maintainers = "" if s == 19 else f"\n- gitee_id: lead{s}"
        sig_docs.append(f"name: sig{s:02d}\nmaintainers:{maintainers or ' []'}\n"
                        f"repositories:\n- repo:\n{repos}\n")  # fmt: skip
    sigs.write_text("---\n".join(sig_docs))
    stamp.write_text("ok\n")
    return tree, db, sigs


def _fill_store(db: Path, tree: Path, names: list[str], releases: dict[str, list]) -> None:  # type: ignore[type-arg]
    sys.path.insert(0, str(ROOT / "src"))
    from steward.store import Store
    from steward.store.records import CheckRecord
    from steward.upstream.sources.base import Upstream
    from steward.upstream.versions import Release

    key = str(tree.resolve())
    with Store.open(f"sqlite:///{db}") as store:
        run = store.start_run(key, len(names))
        for start in range(0, len(names), 500):
            batch = [
                CheckRecord(
                    key,
                    name,
                    Upstream("github", f"example/{name}"),
                    None,
                    tuple(Release(v, v, d, None, False) for v, d in releases[name]),
                    checked_at=NOW,
                )
                for name in names[start : start + 500]
            ]
            store.record_results(run, batch)
        store.finish_run(run)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", "--packages", type=int, default=10_000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/steward-health-bench"))
    args = parser.parse_args()
    workdir = args.workdir / str(args.packages)
    print(f"building {args.packages} packages with histories in {workdir} (once)")
    started = time.monotonic()
    tree, db, sigs = build(workdir, args.packages)
    print(f"  ready in {time.monotonic() - started:.0f} s")
    out = workdir / "health.json"
    env = {**os.environ, "XDG_CACHE_HOME": str(workdir / "cache")}
    command = [STEWARD, "health", str(tree), "--db", f"sqlite:///{db}", "--sigs", str(sigs),
               "--json", "-o", str(out), "--as-of", "2026-06-30"]  # fmt: skip
    started = time.monotonic()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    seconds = time.monotonic() - started
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if done.returncode not in (0, 1):
        sys.exit(f"steward health failed ({done.returncode}): {done.stderr[-2000:]}")
    report = json.loads(out.read_text())
    packages = report["packages"]
    with_lag = sum(1 for p in packages if p["lag"])
    with_history = sum(1 for p in packages if p["maintenance"])
    statuses = report["distribution"]["statuses"]
    print()
    print("| measure | value |")
    print("| --- | --- |")
    print(f"| packages | {len(packages)} |")
    print(f"| with lag / with git history | {with_lag} / {with_history} |")
    print(f"| statuses | {', '.join(f'{k} {v}' for k, v in statuses.items())} |")
    print(f"| early warnings | {len(report['early_warnings'])} |")
    print(f"| `steward health --json` wall time | {seconds:.1f} s (limit 60 s) |")
    print(f"| peak memory (max RSS of the child) | {peak_mib:.0f} MiB |")


if __name__ == "__main__":
    main()
