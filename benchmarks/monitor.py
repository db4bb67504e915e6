#!/usr/bin/env python3
"""Benchmark: upstream release monitoring, ``steward check`` side by side with nvchecker 2.22.

Builds N packages (default 2,000) of mixed backends (GitHub tags and releases, GitLab, PyPI,
npm, crates.io, RubyGems, MetaCPAN, GNOME, HTML listings) with realistic release lists (10 to
40 releases, some forges with more tags than one API page), seeds the tests' fake upstream
(``tests/fakeupstream``) with them, and writes the same packages twice: a flat Steward tree
(``NAME.spec`` + ``steward.toml`` with nvchecker-compatible ``[packages.NAME]`` tables) and an
nvchecker configuration. Both tools then run as separate processes against the same fake
upstream on loopback, with the same concurrency, timeout and retry budget. nvchecker runs
through ``benchmarks/_nvchecker_loopback.py``, which sends its hard-coded public URLs to the
fake server, with its fastest installed HTTP client (aiohttp).

The fake upstream runs as three processes (GitHub, GitLab, everything else), as the real
services are three separate hosts: rate limits and per-host connection limits are per host.
Its CPU is not counted in a client's time, but it shares the machine's cores.

Scenarios (``--scenarios``, comma-separated; default all, in this order):

``realistic`` the headline: every response 50-150 ms, GitHub's quota (5,000 an hour, a 304
              free), the quota units each tool spends counted: cold, re-check, 5% released.
``cold``      fresh store, no added latency (CPU-bound): Steward's throughput >= nvchecker's.
``latency``   fresh store, every response delayed (``--latency``, 50 ms): Steward within 15%
              of the floor N x latency / concurrency.
``recheck``   Steward's second run on the same store, nothing changed: every request a 304,
              no body downloaded, at least 2x faster than nvchecker's re-run.
``released``  5% of upstreams publish a release (``POST /_release``), then both run again:
              every new release found.
``shared``    N/2 packages (at most 1,000), half in one large HTML listing and half in one
              RPM repository index of 8 x as many entries (``rpmrepo``): the page and the
              index fetched (and parsed) once, >= 10x faster than nvchecker. Steward reads
              the listing's links (``source = "html"``).
``faults``    1% of URLs hang, 2% answer 503, and a GitHub quota of half the GitHub packages,
              on the main store after a new release on every GitHub project (so every GitHub
              answer is a 200 and counts against the quota; a 304 would be free): every
              package gets a result or a recorded error, the quota is never overrun (the
              server refuses nothing), the last known version is kept for the failures, and
              the exit code is 1.

Every upstream list mixes in the traps of the test suite (:func:`add_traps`): pre-releases
newer than the latest stable, GNOME odd-minor development series, placeholder tags. The
truth is each upstream's newest stable release; "right" counts each tool's answers that
match it. CPU is user + system seconds of the tool's process and the children it waited
for (``os.wait4``); RSS is the peak of the summed resident sets of the process tree (sampled
from ``/proc`` every 50 ms); the goal is at most 1.5x nvchecker's. "quota" counts the GitHub
quota units a run spent. Requests, 304s and bytes are counted by the fake upstream (``/_stats``,
reset before every run). "right" counts packages whose newest stable version is the one the
generator made; "agree" counts packages where Steward and nvchecker name the same version.

Run it from the repository root::

    .venv/bin/python benchmarks/monitor.py                          # 2,000 packages, all
    .venv/bin/python benchmarks/monitor.py --packages 500 --scenarios cold,recheck
    .venv/bin/python benchmarks/monitor.py --packages 10000 --json results.json

Needs the ``bench`` extra (nvchecker 2.22 and its ``rpmrepo`` source's needs):
``STEWARD_EXTRAS=dev,bench bash scripts/setup.sh``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"
LOOPBACK = Path(__file__).resolve().parent / "_nvchecker_loopback.py"
PYTHON = sys.executable
SCENARIOS = ("realistic", "cold", "latency", "recheck", "released", "shared", "faults")
MiB = 1024 * 1024

#: Share of each backend family among the packages (percent).
FAMILIES: tuple[tuple[str, int], ...] = (
    ("github-tags", 24),
    ("github-releases", 10),
    ("gitlab", 10),
    ("pypi", 15),
    ("npm", 10),
    ("crates", 8),
    ("rubygems", 7),
    ("metacpan", 6),
    ("gnome", 5),
    ("html", 5),
)

#: Which fake-upstream process answers each family.
SERVER_OF = {"github-tags": "github", "github-releases": "github", "gitlab": "gitlab"}

#: Public base URL -> (server, path suffix on the fake server). Both tools use these.
PUBLIC_BASES: dict[str, tuple[str, str]] = {
    "https://api.github.com": ("github", ""),
    "https://gitlab.com": ("gitlab", ""),
    "https://pypi.org": ("rest", ""),
    "https://registry.npmjs.org": ("rest", "/npm"),
    "https://crates.io": ("rest", ""),
    "https://rubygems.org": ("rest", ""),
    "https://fastapi.metacpan.org": ("rest", ""),
    "https://download.gnome.org": ("rest", ""),
    "https://ftp.gnu.org": ("rest", ""),
    "https://www.x.org": ("rest", ""),
    "https://repo.openeuler.org": ("rest", ""),
}

SHARED_LISTING = "releases/individual/lib"  # https://www.x.org/releases/individual/lib/
SHARED_REPO = "openEuler-24.03-LTS/everything/x86_64"  # on repo.openeuler.org

_SYLLABLES = (
    "ab",
    "bor",
    "cal",
    "dex",
    "el",
    "fan",
    "gor",
    "hal",
    "ix",
    "jun",
    "kel",
    "lum",
    "mor",
    "nex",
    "ol",
    "pra",
    "quin",
    "ras",
    "sol",
    "tor",
    "ur",
    "vex",
    "wil",
    "xan",
    "yor",
    "zed",
    "ba",
    "co",
    "di",
    "fu",
    "ga",
    "ho",
    "ki",
    "lo",
    "mu",
    "ne",
    "pi",
    "ro",
    "su",
    "ta",
)
_OWNERS = ("acme", "libre", "opensrc", "tools", "core", "devs", "upstream", "project")


# --------------------------------------------------------------------------- packages


@dataclass
class Package:
    """One benchmark package: its upstream in the fake server's terms and both tools' configs.

    ``versions`` are the upstream's versions (tag prefix stripped) with a pre-release flag, in
    release order; the last one is always stable, so "newest stable" is unambiguous for both
    tools. ``newest`` is what both should report.
    """

    name: str
    family: str
    server: str
    kind: str  # fake upstream kind
    project: str  # fake upstream project name
    prefix: str
    versions: list[tuple[str, bool]]
    packaged: str
    steward: dict[str, Any]
    nvchecker: dict[str, Any]
    options: dict[str, Any] = field(default_factory=dict)
    traps: tuple[str, ...] = ()  # see add_traps

    @property
    def newest(self) -> str:
        """The truth both tools are held to: the newest stable release (no pre-release, no
        development series, no placeholder)."""
        return next(v for v, pre in reversed(self.versions) if not pre)

    def release_entry(self, version: str, pre: bool = False) -> Any:
        """A seed/``/_release`` entry for one version of this package."""
        tag = self.prefix + version
        if self.family == "github-releases":
            return {"tag": tag, "prerelease": pre}
        return tag

    def seed(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "kind": self.kind,
            "name": self.project,
            "releases": [self.release_entry(v, pre) for v, pre in self.versions],
        }
        if self.options:
            entry["options"] = self.options
        return entry


class Names:
    """Unique, pronounceable project names (``borquin``, ``solvex3``)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def __call__(self) -> str:
        while True:
            word = "".join(self.rng.choice(_SYLLABLES) for _ in range(self.rng.choice((2, 2, 3))))
            if word in self.used:
                word += str(self.rng.randint(2, 99))
            if word not in self.used:
                self.used.add(word)
                return word


def semver_series(rng: random.Random, count: int, pre_style: str | None) -> list[tuple[str, bool]]:
    """``count`` ascending ``M.m.p`` versions; a minor or major bump is sometimes preceded by
    release candidates in ``pre_style``; the last version is stable."""
    major, minor, patch = rng.choice((0, 1, 1, 2, 3, 5)), rng.randint(0, 12), rng.randint(0, 3)
    out: list[tuple[str, bool]] = [(f"{major}.{minor}.{patch}", False)]
    while len(out) < count:
        draw = rng.random()
        if draw < 0.65:
            patch += 1
        else:
            if draw < 0.95:
                minor, patch = minor + 1, 0
            else:
                major, minor, patch = major + 1, 0, 0
            if pre_style and rng.random() < 0.3:
                for n in range(1, rng.randint(1, 2) + 1):
                    out.append((_pre(major, minor, pre_style, n), True))
        out.append((f"{major}.{minor}.{patch}", False))
    while out[-1][1]:
        out.pop()
    return out


def _pre(major: int, minor: int, style: str, n: int) -> str:
    base = f"{major}.{minor}.0"
    return {
        "semver": f"{base}-rc.{n}",
        "pep440": f"{base}rc{n}",
        "gem": f"{base}.rc{n}",
        "tag": f"{base}-rc{n}",
    }[style]


def cpan_series(rng: random.Random, count: int) -> list[tuple[str, bool]]:
    """CPAN decimal versions, two digits after the point (``0.07``, ``1.12``)."""
    value = rng.randint(1, 150)
    out = []
    for _ in range(count):
        out.append((f"{value // 100}.{value % 100:02d}", False))
        value += rng.randint(1, 4)
    return out


def gnome_series(rng: random.Random, count: int) -> list[tuple[str, bool]]:
    """GNOME 3.x numbering: stable even minors, development odd minors before each one;
    the newest is stable."""
    minor = rng.choice((10, 14, 20, 26, 30))
    out: list[tuple[str, bool]] = []
    while len(out) < count:
        out += [(f"3.{minor}.{p}", False) for p in range(rng.randint(2, 5))]
        out += [(f"3.{minor + 1}.{p}", True) for p in range(1, rng.randint(2, 4))]
        minor += 2
    out = out[:count]
    while out[-1][1]:
        out.pop()
    return out


def dotted_series(rng: random.Random, count: int) -> list[tuple[str, bool]]:
    """GNU-style ``1.2`` / ``1.2.1`` versions."""
    major, minor = rng.randint(1, 4), rng.randint(0, 9)
    out: list[tuple[str, bool]] = []
    for _ in range(count):
        if out and rng.random() < 0.3:
            out.append((f"{major}.{minor}.{rng.randint(1, 3)}", False))
            minor += 1
        else:
            out.append((f"{major}.{minor}", False))
            minor += 1
    return _dedupe(out)


def _dedupe(versions: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    seen: set[str] = set()
    return [v for v in versions if not (v[0] in seen or seen.add(v[0]))]  # type: ignore[func-returns-value]


def bump(version: str, family: str) -> str:
    """The next patch release after ``version``."""
    parts = version.split(".")
    if family == "metacpan":
        value = int(parts[0]) * 100 + int(parts[1]) + 1
        return f"{value // 100}.{value % 100:02d}"
    parts[-1] = str(int(parts[-1]) + 1)
    return ".".join(parts)


def release_count(rng: random.Random, family: str) -> int:
    if family == "github-tags" and rng.random() < 0.10:
        return rng.randint(101, 160)  # more tags than one page of 100
    if family in ("github-releases", "gitlab") and rng.random() < 0.05:
        return rng.randint(101, 130)
    return rng.randint(10, 40)


def make_package(family: str, names: Names, rng: random.Random) -> Package:
    proj = names()
    count = release_count(rng, family)
    prefix = ""
    steward: dict[str, Any]
    nvchecker: dict[str, Any]
    options: dict[str, Any] = {}
    if family in ("github-tags", "github-releases", "gitlab"):
        prefix = "v" if rng.random() < 0.7 else ""
        versions = semver_series(rng, count, "tag")
        owner = rng.choice(_OWNERS)
        project = f"{owner}/{proj}"
        source = "gitlab" if family == "gitlab" else "github"
        steward = {"source": source, source: project}
        steward["use_max_release" if family == "github-releases" else "use_max_tag"] = True
        if prefix:
            steward["prefix"] = prefix
        nvchecker = dict(steward)
        kind, name, server = source, proj, SERVER_OF[family]
    elif family == "pypi":
        versions, kind, name = semver_series(rng, count, "pep440"), "pypi", f"python-{proj}"
        project, steward, server = proj, {"source": "pypi", "pypi": proj}, "rest"
        nvchecker = dict(steward)
    elif family == "npm":
        versions, kind, name = semver_series(rng, count, "semver"), "npm", f"nodejs-{proj}"
        project, steward, server = proj, {"source": "npm", "npm": proj}, "rest"
        nvchecker = dict(steward)
    elif family == "crates":
        versions, kind, name = semver_series(rng, count, "semver"), "crates", f"rust-{proj}"
        project, steward, server = proj, {"source": "cratesio", "cratesio": proj}, "rest"
        nvchecker = dict(steward)
    elif family == "rubygems":
        versions, kind, name = semver_series(rng, count, "gem"), "rubygems", f"rubygem-{proj}"
        project, steward, server = proj, {"source": "gems", "gems": proj}, "rest"
        nvchecker = dict(steward)
    elif family == "metacpan":
        dist = "-".join(part.capitalize() for part in (proj, names()))
        versions, kind, name = cpan_series(rng, count), "metacpan", f"perl-{dist}"
        project, steward, server = dist, {"source": "cpan", "cpan": dist}, "rest"
        nvchecker = dict(steward)
    elif family == "gnome":
        versions, kind, name, project, server = (
            gnome_series(rng, count),
            "gnome",
            proj,
            proj,
            "rest",
        )
        steward = {"source": "gnome", "gnome": proj}
        # nvchecker 2.22 has no GNOME source: a regex over the module's cache.json.
        nvchecker = {
            "source": "regex",
            "url": f"https://download.gnome.org/sources/{proj}/cache.json",
            "regex": rf"/{proj}-(\d+(?:\.\d+)*)\.tar\.xz",
        }
    elif family == "html":
        versions, kind, name, server = dotted_series(rng, count), "html", proj, "rest"
        project = f"gnu/{proj}"
        # The same keys for both: nvchecker's regex source over the project's GNU listing.
        steward = {
            "source": "regex",
            "url": f"https://ftp.gnu.org/gnu/{proj}/",
            "regex": rf'href="{proj}-(\d+(?:\.\d+)*)\.tar\.gz"',
        }
        nvchecker = dict(steward)
    else:
        raise ValueError(family)
    stable = [v for v, pre in versions if not pre]
    packaged = stable[-1 - min(len(stable) - 1, rng.choice((0, 1, 1, 2, 2, 3, 4, 5)))]
    traps = add_traps(family, versions, rng)
    return Package(
        name, family, server, kind, project, prefix, versions, packaged, steward, nvchecker,
        options, traps,
    )  # fmt: skip


#: The pre-release spelling of each family's upstream (see _pre).
_PRE_STYLE = {
    "github-tags": "tag", "github-releases": "tag", "gitlab": "tag", "pypi": "pep440",
    "npm": "semver", "crates": "semver", "rubygems": "gem",
}  # fmt: skip


def add_traps(family: str, versions: list[tuple[str, bool]], rng: random.Random) -> tuple[str, ...]:
    """Append the traps of the test suite to some upstreams (in place), so that "newest"
    and "newest stable" differ: a pre-release newer than the latest stable (15% of the
    families that have them), a GNOME development (odd-minor) series after the latest
    stable one (30% of GNOME modules), a placeholder tag ``9999`` (5% of GitHub tag lists).
    The newest stable release stays the truth."""
    traps: list[str] = []
    last = next(v for v, pre in reversed(versions) if not pre)
    parts = last.split(".")
    if family in _PRE_STYLE and len(parts) == 3 and rng.random() < 0.15:
        major, minor = int(parts[0]), int(parts[1]) + 1
        versions.append((_pre(major, minor, _PRE_STYLE[family], 1), True))
        traps.append("pre-release newer than the latest stable")
    if family == "gnome" and rng.random() < 0.3:
        minor = int(parts[1]) + 1
        versions += [(f"3.{minor}.{p}", True) for p in (1, 2)]
        traps.append("odd-minor development series")
    if family == "github-tags" and rng.random() < 0.05:
        versions.insert(rng.randrange(len(versions)), ("9999", True))
        traps.append("placeholder tag")
    return tuple(traps)


def make_packages(count: int, rng: random.Random) -> list[Package]:
    names = Names(rng)
    plan: list[str] = []
    for family, weight in FAMILIES:
        plan += [family] * (count * weight // 100)
    plan += ["github-tags"] * (count - len(plan))
    rng.shuffle(plan)
    return [make_package(family, names, rng) for family in plan]


@dataclass
class SharedSet:
    """The ``shared`` scenario: packages found in one listing page or one RPM repository."""

    packages: list[Package]
    listing: dict[str, Any]
    repo: dict[str, Any]


def make_shared(count: int, rng: random.Random, repo_size: int) -> SharedSet:
    names = Names(rng)
    packages: list[Package] = []
    files: list[dict[str, Any]] = []
    rpms: list[list[str]] = []
    listing_url = f"https://www.x.org/{SHARED_LISTING}/"
    repo_url = f"https://repo.openeuler.org/{SHARED_REPO}/"
    for index in range(count):
        proj = names()
        if index % 2 == 0:
            versions = dotted_series(rng, rng.randint(10, 40))
            for n, (version, _pre) in enumerate(versions):
                day = 1 + (n * 37 + index) % 3000
                files.append(
                    {
                        "tag": f"{proj}-{version}",
                        "version": version,
                        "filename": f"{proj}-{version}.tar.gz",
                        "date": _day(day),
                    }
                )
            steward = {
                "source": "html",
                "url": listing_url,
                "pattern": rf"{proj}-(\d+(?:\.\d+)*)\.tar\.gz",
            }
            nvchecker = {
                "source": "regex",
                "url": listing_url,
                "regex": rf'href="{proj}-(\d+(?:\.\d+)*)\.tar\.gz"',
            }
            family, kind, project = "shared-listing", "html", SHARED_LISTING
        else:
            versions = dotted_series(rng, rng.randint(1, 3))
            for version, _pre in versions:
                rpms.append([proj, "0", version, f"{rng.randint(1, 9)}.oe2403", "x86_64"])
            steward = {
                "source": "rpmrepo",
                "rpmrepo": proj,
                "repo": repo_url,
                "arch": "x86_64",
            }
            nvchecker = dict(steward)
            family, kind, project = "shared-rpmrepo", "rpmrepo", SHARED_REPO
        stable = [v for v, _ in versions]
        packaged = stable[max(0, len(stable) - 2)] if len(stable) > 1 else _older(stable[0])
        packages.append(
            Package(proj, family, "rest", kind, project, "", versions, packaged, steward, nvchecker)
        )
    while len(rpms) < repo_size:  # the rest of the distribution
        filler = names()
        for version, _pre in dotted_series(rng, rng.randint(1, 2)):
            arch = rng.choice(("x86_64", "x86_64", "noarch"))
            rpms.append([filler, "0", version, "1.oe2403", arch])
    rng.shuffle(rpms)
    listing = {"kind": "html", "name": SHARED_LISTING, "releases": files}
    repo = {"kind": "rpmrepo", "name": SHARED_REPO, "packages": rpms}
    return SharedSet(packages, listing, repo)


def _day(n: int) -> str:
    return time.strftime("%Y-%m-%dT12:00:00Z", time.gmtime(1_300_000_000 + n * 86400))


def _older(version: str) -> str:
    parts = version.split(".")
    return ".".join([str(max(int(parts[0]) - 1, 0)), *parts[1:]])


# --------------------------------------------------------------------------- files


def write_tree(folder: Path, packages: Sequence[Package]) -> None:
    """A flat Steward tree: ``NAME.spec`` files and ``steward.toml`` with their upstreams."""
    folder.mkdir(parents=True, exist_ok=True)
    toml = ["# Generated by benchmarks/monitor.py", ""]
    for pkg in packages:
        (folder / f"{pkg.name}.spec").write_text(
            f"Name:           {pkg.name}\n"
            f"Version:        {pkg.packaged}\n"
            "Release:        1%{?dist}\n"
            f"Summary:        Benchmark package {pkg.name}\n"
            "License:        MIT\n"
            f"URL:            https://example.org/{pkg.name}\n\n"
            "%description\n"
            f"Benchmark package {pkg.name} ({pkg.family}).\n",
            encoding="utf-8",
        )
        toml.append(f"[packages.{_key(pkg.name)}]")
        toml += [f"{k} = {_value(v)}" for k, v in pkg.steward.items()]
        toml.append("")
    (folder / "steward.toml").write_text("\n".join(toml), encoding="utf-8")


def write_steward_config(path: Path, urls: dict[str, str], args: argparse.Namespace) -> None:
    lines = [
        "# Generated by benchmarks/monitor.py: every public API goes to the loopback fake.",
        "[network]",
        "allow_private = true",
        f"concurrency = {args.concurrency}",
        f"per_host_concurrency = {args.per_host or args.concurrency}",
        f"timeout = {args.timeout}",
        f"retries = {args.retries}",
        f"max_response_mb = {args.max_response_mb}",
        "",
        "[network.base_url_overrides]",
    ]
    lines += [f"{_value(public)} = {_value(local)}" for public, local in loopback_map(urls).items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_nvchecker_config(
    folder: Path, packages: Sequence[Package], args: argparse.Namespace
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = [
        "[__config__]",
        'oldver = "old_ver.json"',
        'newver = "new_ver.json"',
        f"max_concurrency = {args.concurrency}",
        'httplib = "aiohttp"',
        f"http_timeout = {int(args.timeout)}",
        "",
    ]
    for pkg in packages:
        lines.append(f"[{_key(pkg.name)}]")
        lines += [f"{k} = {_value(v)}" for k, v in pkg.nvchecker.items()]
        lines.append("")
    path = folder / "nvchecker.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _key(name: str) -> str:
    return json.dumps(name)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(str(value))  # a TOML basic string reads JSON's escapes


def loopback_map(urls: dict[str, str]) -> dict[str, str]:
    return {public: urls[server] + suffix for public, (server, suffix) in PUBLIC_BASES.items()}


# --------------------------------------------------------------------------- the fake upstream


_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env.update(extra)
    return env


class Upstreams:
    """The fake-upstream processes (``github``, ``gitlab``, ``rest``) and their admin API."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.urls: dict[str, str] = {}

    def start(self, seeds: dict[str, dict[str, Any]]) -> None:
        for server, seed in seeds.items():
            seed_file = self.workdir / f"seed-{server}.json"
            seed_file.write_text(json.dumps(seed), encoding="utf-8")
            url_file = self.workdir / f"url-{server}.txt"
            url_file.unlink(missing_ok=True)
            log = open(self.workdir / f"upstream-{server}.log", "wb")  # noqa: SIM115
            self.procs[server] = subprocess.Popen(
                [
                    PYTHON,
                    "-m",
                    "fakeupstream",
                    "--seed",
                    str(seed_file),
                    "--url-file",
                    str(url_file),
                ],
                cwd=ROOT,
                env=_clean_env(PYTHONPATH=str(TESTS)),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 300
        for server, proc in self.procs.items():
            url_file = self.workdir / f"url-{server}.txt"
            while not (url_file.is_file() and url_file.read_text().strip()):
                if proc.poll() is not None:
                    text = (self.workdir / f"upstream-{server}.log").read_text()
                    raise RuntimeError(f"fake upstream {server} exited:\n{text[-3000:]}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"fake upstream {server} did not start")
                time.sleep(0.1)
            self.urls[server] = url_file.read_text().strip()

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def admin(self, server: str, method: str, path: str, payload: Any = None) -> Any:
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(
            self.urls[server] + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with _NO_PROXY.open(request, timeout=60) as response:
            return json.loads(response.read())

    def each(self, method: str, path: str, payload: Any = None) -> None:
        for server in self.urls:
            self.admin(server, method, path, payload)

    def reset(self) -> None:
        self.each("POST", "/_reset", {})

    def stats(self) -> dict[str, Any]:
        total: dict[str, Any] = {
            "requests": 0,
            "not_modified": 0,
            "bytes": 0,
            "errors": 0,
            "by_status": {},
            "refused": 0,
            "quota_used": 0,
            "by_path": {},
            "max_in_flight": {},
        }
        for server in self.urls:
            doc = self.admin(server, "GET", "/_stats?paths=1")
            for key in ("requests", "not_modified", "bytes", "errors"):
                total[key] += doc[key]
            for status, n in doc["by_status"].items():
                total["by_status"][status] = total["by_status"].get(status, 0) + n
            total["max_in_flight"][server] = doc["max_in_flight"]
            github = doc["quotas"]["github"]
            total["refused"] += github["refused"]
            if server == "github":
                total["quota_used"] = github["used"]
            for path, n in doc.get("by_path", {}).items():
                total["by_path"][path] = total["by_path"].get(path, 0) + n
        return total

    def release(self, pkg: Package, version: str) -> None:
        self.admin(
            pkg.server,
            "POST",
            "/_release",
            {"kind": pkg.kind, "name": pkg.project, "releases": [pkg.release_entry(version)]},
        )


# --------------------------------------------------------------------------- running a client


@dataclass
class Run:
    """One measured client process."""

    tool: str
    wall: float
    rss_mib: float  # peak of the summed resident sets of the process and its descendants
    exit_code: int
    stats: dict[str, Any]
    stdout: Path
    stderr: Path
    cpu: float = 0.0  # user + system seconds, the children it waited for included


def measure(
    tool: str, argv: list[str], env: dict[str, str], up: Upstreams, out: Path, cwd: Path
) -> Run:
    """Run ``argv`` once from a reset fake upstream: wall time, CPU time (user + system, its
    children included, from ``os.wait4``), the peak of the process tree's summed RSS, and the
    server's counters."""
    up.reset()
    stdout, stderr = out.with_suffix(".out"), out.with_suffix(".err")
    with open(stdout, "wb") as so, open(stderr, "wb") as se:
        started = time.monotonic()
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=so, stderr=se)
        sampler = TreeRss(proc.pid)
        sampler.start()
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - started
        sampler.stop()
        proc.returncode = os.waitstatus_to_exitcode(status)
    # The sampler can miss a spike between samples; no tree is smaller than its largest process.
    rss = max(sampler.peak_kib, usage.ru_maxrss) / 1024
    cpu = usage.ru_utime + usage.ru_stime
    return Run(tool, wall, rss, proc.returncode, up.stats(), stdout, stderr, cpu)


class TreeRss(threading.Thread):
    """Samples the summed resident set of a process and all its descendants (``/proc``)."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_kib = 0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            self.peak_kib = max(self.peak_kib, tree_rss_kib(self.pid))
            self._done.wait(self.interval)

    def stop(self) -> None:
        self._done.set()
        self.join()


def tree_rss_kib(root: int) -> int:
    """VmRSS of ``root`` and every process descended from it, in KiB."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/status", encoding="ascii", errors="replace") as f:
                text = f.read()
        except OSError:
            continue
        pid, ppid, kib = int(entry.name), 0, 0
        for line in text.splitlines():
            if line.startswith("PPid:"):
                ppid = int(line.split()[1])
            elif line.startswith("VmRSS:"):
                kib = int(line.split()[1])
        children.setdefault(ppid, []).append(pid)
        rss[pid] = kib
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += children.get(pid, [])
    return total


class Clients:
    """How to run Steward and nvchecker on one package set."""

    def __init__(
        self,
        workdir: Path,
        packages: Sequence[Package],
        up: Upstreams,
        args: argparse.Namespace,
        label: str,
    ) -> None:
        self.workdir = workdir / label
        self.tree = self.workdir / "tree"
        self.config = self.workdir / "steward-config.toml"
        self.nv_dir = self.workdir / "nvchecker"
        self.packages = packages
        self.up = up
        self.args = args
        write_tree(self.tree, packages)
        write_steward_config(self.config, up.urls, args)
        self.nv_config = write_nvchecker_config(self.nv_dir, packages, args)
        self.steward_bin = _steward_bin()
        # Steward's parsed-tree cache: empty for each cold run, kept for the re-checks.
        self.cache = self.workdir / "cache"
        self.env = _clean_env(STEWARD_CONFIG=str(self.config), STEWARD_CACHE_DIR=str(self.cache))
        self.nv_env = _clean_env(NVCHECKER_LOOPBACK=json.dumps(loopback_map(up.urls)))
        self.count = 0

    def db(self, name: str) -> Path:
        return self.workdir / f"{name}.db"

    def steward(self, db: Path, *, cold: bool = False) -> Run:
        """One ``steward check``; ``cold`` starts without the parsed-tree cache."""
        self.count += 1
        if cold:
            shutil.rmtree(self.cache, ignore_errors=True)
        argv = [
            self.steward_bin,
            "check",
            str(self.tree),
            "--json",
            "--db",
            str(db),
            "--config",
            str(self.config),
            "--concurrency",
            str(self.args.concurrency),
        ]
        return measure("steward", argv, self.env, self.up, self.workdir / f"run{self.count}", ROOT)

    def nvchecker(self, fresh: bool = True) -> Run:
        self.count += 1
        old, new = self.nv_dir / "old_ver.json", self.nv_dir / "new_ver.json"
        if fresh:
            old.unlink(missing_ok=True)
            new.unlink(missing_ok=True)
        elif new.is_file():
            shutil.copyfile(new, old)  # as `nvtake --all` would
        argv = [
            PYTHON,
            str(LOOPBACK),
            "-c",
            str(self.nv_config),
            "-l",
            "warning",
            "--tries",
            str(self.args.retries + 1),
            "--failures",
        ]
        return measure(
            "nvchecker", argv, self.nv_env, self.up, self.workdir / f"run{self.count}", self.nv_dir
        )

    def steward_versions(self, run: Run) -> dict[str, dict[str, Any]]:
        """Package -> this run's result (``newest_stable``, ``error``) from ``check --json``."""
        try:
            doc = json.loads(run.stdout.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise RuntimeError(
                f"steward check printed no JSON ({exc}); stderr:\n"
                + run.stderr.read_text(errors="replace")[-3000:]
            ) from None
        return {r["package"]: r for r in doc["packages"]}

    def steward_outdated(self, db: Path) -> dict[str, dict[str, Any]]:
        """Package -> stored row (the last successful check's versions) from ``outdated``."""
        argv = [
            self.steward_bin,
            "outdated",
            str(self.tree),
            "--json",
            "--all",
            "--db",
            str(db),
            "--config",
            str(self.config),
        ]
        done = subprocess.run(argv, env=self.env, capture_output=True, check=False, cwd=ROOT)
        return {r["package"]: r for r in json.loads(done.stdout)["packages"]}

    def nvchecker_versions(self) -> dict[str, str]:
        path = self.nv_dir / "new_ver.json"
        if not path.is_file():
            return {}
        doc = json.loads(path.read_text(encoding="utf-8"))
        return {name: entry["version"] for name, entry in doc.get("data", {}).items()}


def _steward_bin() -> str:
    local = Path(PYTHON).parent / "steward"
    found = str(local) if local.is_file() else shutil.which("steward")
    if not found:
        sys.exit("monitor.py: no 'steward' command next to this Python or on PATH")
    return found


# --------------------------------------------------------------------------- comparing answers


@dataclass
class Answers:
    """How well one scenario's answers match what the generator published."""

    total: int
    steward_right: int
    nvchecker_right: int
    agree: int
    steward_errors: int
    nvchecker_missing: int
    wrong_examples: list[str]

    def text(self, tool: str) -> str:
        if tool == "steward":
            errors = f", {self.steward_errors} errors" if self.steward_errors else ""
            return f"{self.steward_right}/{self.total} right{errors}"
        missing = f", {self.nvchecker_missing} missing" if self.nvchecker_missing else ""
        return f"{self.nvchecker_right}/{self.total} right{missing}; agree {self.agree}"


def compare(
    packages: Sequence[Package],
    expected: dict[str, str],
    steward: dict[str, dict[str, Any]],
    nvchecker: dict[str, str] | None,
) -> Answers:
    s_right = n_right = agree = errors = missing = 0
    wrong: list[str] = []
    for pkg in packages:
        want = expected[pkg.name]
        result = steward.get(pkg.name) or {}
        got = result.get("newest_stable")
        if result.get("error"):
            errors += 1
        if got == want:
            s_right += 1
        elif len(wrong) < 5:
            why = result.get("error") or {}
            wrong.append(f"{pkg.name} ({pkg.family}): want {want}, steward {got} {why or ''}")
        if nvchecker is not None:
            theirs = nvchecker.get(pkg.name)
            if theirs is None:
                missing += 1
            n_right += theirs == want
            agree += theirs is not None and theirs == got
    return Answers(len(packages), s_right, n_right, agree, errors, missing, wrong)


# --------------------------------------------------------------------------- scenarios


@dataclass
class Row:
    scenario: str
    run: Run
    packages: int
    answers: str
    note: str = ""


@dataclass
class Goal:
    met: bool | None
    text: str


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def goal(self, met: bool | None, text: str) -> None:
        self.goals.append(Goal(met, text))


def pair(
    report: Report,
    name: str,
    steward: Run,
    nvchecker: Run | None,
    n: int,
    answers: Answers | None,
    note: str = "",
) -> None:
    report.rows.append(Row(name, steward, n, answers.text("steward") if answers else "", note))
    if nvchecker is not None:
        report.rows.append(Row("", nvchecker, n, answers.text("nvchecker") if answers else ""))
    if answers and answers.wrong_examples:
        report.problems += [f"{name}: {w}" for w in answers.wrong_examples]


def repeat_pair(
    args: argparse.Namespace,
    name: str,
    steward: Callable[[int], Run],
    nvchecker: Callable[[int], Run],
) -> tuple[Run, Run, str]:
    """Both tools ``args.repeat`` times, alternating, so that both see the same minutes of a
    machine whose speed drifts; each tool's run of median wall time, and every wall time."""
    runs: tuple[list[Run], list[Run]] = ([], [])
    for i in range(args.repeat):
        of = f" ({i + 1}/{args.repeat})" if args.repeat > 1 else ""
        _say(f"{name}: steward{of}")
        runs[0].append(steward(i))
        _say(f"{name}: nvchecker{of}")
        runs[1].append(nvchecker(i))
    medians = [sorted(each, key=lambda r: r.wall)[len(each) // 2] for each in runs]
    walls = "; ".join(
        f"{tool} " + "/".join(f"{r.wall:.2f}" for r in each)
        for tool, each in zip(("steward", "nvchecker"), runs, strict=True)
    )
    return medians[0], medians[1], f"median of {args.repeat}: {walls} s" if args.repeat > 1 else ""


def _peaks(run: Run) -> str:
    """Requests in flight at once, as each fake-upstream process saw them."""
    peaks = run.stats["max_in_flight"]
    return "+".join(str(peaks[k]) for k in sorted(peaks)) + " (" + "+".join(sorted(peaks)) + ")"


def rss_goal(report: Report, name: str, steward: Run, nvchecker: Run) -> None:
    ratio = steward.rss_mib / nvchecker.rss_mib
    report.goal(
        ratio <= 1.5,
        f"{name}: peak RSS <= 1.5x nvchecker's: "
        f"{steward.rss_mib:.0f} vs {nvchecker.rss_mib:.0f} MiB ({ratio:.2f}x)",
    )


def run_scenarios(args: argparse.Namespace, workdir: Path) -> Report:
    rng = random.Random(args.seed)
    packages = make_packages(args.packages, rng)
    shared = make_shared(args.shared_packages, rng, args.repo_size)
    seeds: dict[str, dict[str, Any]] = {
        "github": {"projects": []},
        "gitlab": {"projects": []},
        "rest": {"projects": []},
    }
    for pkg in packages:
        seeds[pkg.server]["projects"].append(pkg.seed())
    if "shared" in args.scenarios:
        seeds["rest"]["projects"] += [shared.listing, shared.repo]
    report = Report()
    up = Upstreams(workdir)
    _say(f"starting the fake upstream ({len(packages)} packages) in {workdir}")
    up.start(seeds)
    try:
        main = Clients(workdir, packages, up, args, "main")
        expected = {p.name: p.newest for p in packages}
        n = len(packages)
        main_db = main.db("main")
        main_ready = False
        cold_rss: float | None = None
        wanted = args.scenarios

        if "realistic" in wanted:
            run_realistic(report, main, packages, expected, up, args, rng)

        if "cold" in wanted:
            # The first cold run's store is the main one, which the re-checks start from.
            s, v, walls = repeat_pair(
                args,
                "cold",
                lambda i: main.steward(main_db if i == 0 else main.db(f"cold{i}"), cold=True),
                lambda i: main.nvchecker(),
            )
            main_ready = True
            cold_rss = s.rss_mib
            answers = compare(
                packages, expected, main.steward_versions(s), main.nvchecker_versions()
            )
            pair(report, "cold", s, v, n, answers, walls)
            report.goal(
                s.wall <= v.wall,
                f"cold: throughput >= nvchecker's: {n / s.wall:.0f} vs "
                f"{n / v.wall:.0f} packages/s ({v.wall / s.wall:.2f}x)",
            )
            report.goal(
                answers.steward_right == n,
                f"cold: every newest version right: {answers.steward_right}/{n}",
            )
            rss_goal(report, "cold", s, v)

        if "latency" in wanted:
            up.each("POST", "/_faults", {"faults": {"latency": args.latency}})
            try:
                s, v, walls = repeat_pair(
                    args,
                    "latency",
                    lambda i: main.steward(main.db(f"latency{i}"), cold=True),
                    lambda i: main.nvchecker(),
                )
            finally:
                up.each("POST", "/_faults", {"faults": None})
            answers = compare(
                packages, expected, main.steward_versions(s), main.nvchecker_versions()
            )
            floor = n * args.latency / args.concurrency
            req_floor = s.stats["requests"] * args.latency / args.concurrency
            pair(
                report,
                f"latency {args.latency * 1000:.0f} ms",
                s,
                v,
                n,
                answers,
                f"floor {floor:.2f} s" + (f"; {walls}" if walls else ""),
            )
            report.goal(
                s.wall <= floor * 1.15,
                f"latency: within 15% of the floor N x latency / "
                f"concurrency = {floor:.2f} s: {s.wall:.2f} s ({s.wall / floor:.2f}x; "
                f"{s.stats['requests']} requests x latency / concurrency = "
                f"{req_floor:.2f} s; at most {_peaks(s)} in flight; nvchecker "
                f"{v.wall:.2f} s, {_peaks(v)})",
            )

        if {"recheck", "released", "faults"} & set(wanted) and not main_ready:
            _say("preparing the main store (an unmeasured cold steward run)")
            main.steward(main_db)
            main_ready = True

        if "recheck" in wanted:
            s, v, walls = repeat_pair(
                args,
                "recheck",
                lambda i: main.steward(main_db),
                lambda i: main.nvchecker(fresh=False),
            )
            answers = compare(
                packages, expected, main.steward_versions(s), main.nvchecker_versions()
            )
            pair(report, "recheck (unchanged)", s, v, n, answers, walls)
            all_304 = s.stats["requests"] == s.stats["not_modified"] and s.stats["bytes"] == 0
            report.goal(
                all_304,
                f"recheck: every request a 304, no body: "
                f"{s.stats['not_modified']}/{s.stats['requests']} 304s, "
                f"{s.stats['bytes']} bytes",
            )
            report.goal(
                v.wall >= 2 * s.wall,
                f"recheck: >= 2x faster than nvchecker: "
                f"{s.wall:.2f} vs {v.wall:.2f} s ({v.wall / s.wall:.2f}x)",
            )
            rss_goal(report, "recheck", s, v)

        if "released" in wanted:
            changed = rng.sample(packages, max(1, n * 5 // 100))
            for pkg in changed:
                new = bump(expected[pkg.name], pkg.family)
                up.release(pkg, new)
                pkg.versions.append((new, False))
                expected[pkg.name] = new
            _say(f"released: {len(changed)} upstreams published a release; steward")
            s = main.steward(main_db)
            _say("released: nvchecker")
            v = main.nvchecker(fresh=False)
            found = main.steward_versions(s)
            answers = compare(packages, expected, found, main.nvchecker_versions())
            new_found = sum(
                found.get(p.name, {}).get("newest_stable") == expected[p.name] for p in changed
            )
            pair(report, "recheck (5% released)", s, v, n, answers, f"{len(changed)} released")
            report.goal(
                new_found == len(changed) and answers.steward_right == n,
                f"released: every new release found: {new_found}/{len(changed)} "
                f"(all packages right: {answers.steward_right}/{n}; "
                f"{s.stats['requests'] - s.stats['not_modified']} bodies)",
            )

        if "shared" in wanted:
            sh = Clients(workdir, shared.packages, up, args, "shared")
            m = len(shared.packages)
            sh_expected = {p.name: p.newest for p in shared.packages}
            _say(f"shared: {m} packages in one listing and one RPM index; steward")
            s = sh.steward(sh.db("shared"))
            _say("shared: nvchecker")
            v = sh.nvchecker()
            answers = compare(
                shared.packages, sh_expected, sh.steward_versions(s), sh.nvchecker_versions()
            )
            paths = s.stats["by_path"]
            page_gets = paths.get(f"/{SHARED_LISTING}/", 0)
            index_gets = sum(n for p, n in paths.items() if p.startswith(f"/{SHARED_REPO}/"))
            pair(
                report,
                "shared page + rpm index",
                s,
                v,
                m,
                answers,
                f"{s.stats['bytes'] / MiB:.1f} MiB once",
            )
            report.goal(
                page_gets == 1 and index_gets == 2,
                f"shared: listing fetched once ({page_gets} GET), RPM index once "
                f"({index_gets} GETs: repomd + primary)",
            )
            report.goal(
                v.wall >= 10 * s.wall,
                f"shared: >= 10x faster than nvchecker: "
                f"{s.wall:.2f} vs {v.wall:.2f} s ({v.wall / s.wall:.1f}x)",
            )
            report.goal(
                answers.steward_right == m,
                f"shared: every version right: {answers.steward_right}/{m}",
            )
            rss_goal(report, "shared", s, v)

        if "faults" in wanted:
            run_faults(report, main, packages, expected, up, args, main_db, cold_rss)
    finally:
        up.stop()
    return report


def run_realistic(
    report: Report,
    main: Clients,
    packages: Sequence[Package],
    expected: dict[str, str],
    up: Upstreams,
    args: argparse.Namespace,
    rng: random.Random,
) -> None:
    """The headline: what a real network decides. Every response takes 50-150 ms
    (``--realistic-latency``), GitHub has its quota of 5,000 requests an hour
    (``--github-quota``; a 304 costs nothing), and the quota units each tool spends are
    counted: a cold scan, a re-check with nothing changed, and one after 5% released.
    Both tools start from nothing (Steward: a new store, no parsed-tree cache)."""
    low, high = (float(x) for x in args.realistic_latency.split(","))
    up.each("POST", "/_faults", {"faults": {"latency": low, "latency_max": high}})
    up.admin("github", "POST", "/_quota", {"kind": "github", "limit": args.github_quota,
                                             "window": 3600})  # fmt: skip
    db = main.db("realistic")
    n = len(packages)
    where = (
        f"{low * 1000:.0f}-{high * 1000:.0f} ms per response, GitHub quota {args.github_quota}/h"
    )
    try:
        _say(f"realistic: cold ({where}); steward")
        s = main.steward(db, cold=True)
        _say("realistic: cold; nvchecker")
        v = main.nvchecker()
        answers = compare(packages, expected, main.steward_versions(s), main.nvchecker_versions())
        pair(report, "realistic cold", s, v, n, answers, where)
        _say("realistic: re-check; steward")
        s = main.steward(db)
        _say("realistic: re-check; nvchecker")
        v = main.nvchecker(fresh=False)
        answers = compare(packages, expected, main.steward_versions(s), main.nvchecker_versions())
        pair(report, "realistic re-check", s, v, n, answers, "nothing changed")
        changed = rng.sample(list(packages), max(1, n * 5 // 100))
        for pkg in changed:
            new = bump(expected[pkg.name], pkg.family)
            up.release(pkg, new)
            pkg.versions.append((new, False))
            expected[pkg.name] = new
        _say(f"realistic: {len(changed)} upstreams released; steward")
        s = main.steward(db)
        _say("realistic: 5% released; nvchecker")
        v = main.nvchecker(fresh=False)
        answers = compare(packages, expected, main.steward_versions(s), main.nvchecker_versions())
        pair(report, "realistic 5% released", s, v, n, answers, f"{len(changed)} released")
        report.goal(
            s.stats["quota_used"] <= v.stats["quota_used"],
            f"realistic: Steward's re-check after 5% released spends no more GitHub quota "
            f"than nvchecker's: {s.stats['quota_used']} vs {v.stats['quota_used']} units",
        )
    finally:
        up.each("POST", "/_faults", {"faults": None})
        up.admin("github", "POST", "/_quota", {"kind": "github", "limit": None})


def run_faults(
    report: Report,
    main: Clients,
    packages: Sequence[Package],
    expected: dict[str, str],
    up: Upstreams,
    args: argparse.Namespace,
    main_db: Path,
    cold_rss: float | None,
) -> None:
    n = len(packages)
    before = dict(expected)
    github = [p for p in packages if p.server == "github"]
    for pkg in github:  # every GitHub answer changes: a 200 that counts against the quota
        new = bump(expected[pkg.name], pkg.family)
        up.release(pkg, new)
        pkg.versions.append((new, False))
        expected[pkg.name] = new
    quota = max(len(github) // 2, 1)
    faults = {
        "hang_rate": 0.01,
        "error_rate": 0.02,
        "hang_seconds": 4 * args.timeout + 30,
        "seed": args.seed,
    }
    up.each("POST", "/_faults", {"faults": faults})
    up.admin("github", "POST", "/_quota", {"kind": "github", "limit": quota})
    # One upstream sends a body four times Steward's size cap, chunked (no Content-Length):
    # memory must stay flat in the page size.
    huge = next(p for p in packages if p.family == "pypi")
    huge_path = f"/pypi/{huge.project}/json"
    up.admin(
        "rest",
        "POST",
        "/_faults",
        {"faults": {"huge_mb": args.huge_mb, "huge_length": False}, "path": huge_path},
    )
    try:
        _say(f"faults: {len(github)} GitHub upstreams changed, quota {quota}; steward")
        s = main.steward(main_db)
        _say("faults: nvchecker")
        v = main.nvchecker(fresh=False)
    finally:
        up.each("POST", "/_faults", {"faults": None})
        up.admin("rest", "POST", "/_faults", {"faults": None, "path": huge_path})
        up.admin("github", "POST", "/_quota", {"kind": "github", "limit": None})
    results = main.steward_versions(s)
    stored = main.steward_outdated(main_db)
    nv = main.nvchecker_versions()
    answered = sum(
        1
        for p in packages
        if p.name in results
        and (results[p.name].get("newest_stable") or results[p.name].get("error"))
    )
    failed = [p for p in packages if (results.get(p.name) or {}).get("error")]
    kept = sum(
        1 for p in failed if (stored.get(p.name) or {}).get("newest_stable") == before[p.name]
    )
    right = sum(
        1
        for p in packages
        if p not in failed and results[p.name].get("newest_stable") == expected[p.name]
    )
    codes: dict[str, int] = {}
    for p in failed:
        code = results[p.name]["error"]["code"]
        codes[code] = codes.get(code, 0) + 1
    nv_missing = sum(1 for p in packages if p.name not in nv)
    nv_right = sum(1 for p in packages if nv.get(p.name) == expected[p.name])
    detail = ", ".join(f"{c} {k}" for k, c in sorted(codes.items(), key=lambda kv: -kv[1]))
    report.rows.append(Row("faults", s, n, f"{right} right, {len(failed)} errors", detail))
    report.rows.append(
        Row(
            "",
            v,
            n,
            f"{nv_right} right, {nv_missing} missing",
            f"{v.stats['refused']} refused by quota",
        )
    )
    report.goal(
        answered == n,
        f"faults: every package has a result or a recorded error: "
        f"{answered}/{n} ({len(failed)} errors: {detail or 'none'})",
    )
    report.goal(
        s.stats["refused"] == 0,
        f"faults: GitHub quota ({quota}) never overrun: "
        f"{s.stats['quota_used']} used, {s.stats['refused']} refused "
        f"(nvchecker: {v.stats['quota_used']} used, {v.stats['refused']} refused)",
    )
    report.goal(
        kept == len(failed),
        f"faults: last known version kept for failed packages: "
        f"{kept}/{len(failed)} (nvchecker's new_ver.json lost {nv_missing})",
    )
    report.goal(len(stored) == n, f"faults: every package has a stored row: {len(stored)}/{n}")
    huge_code = ((results.get(huge.name) or {}).get("error") or {}).get("code")
    if cold_rss is not None:
        report.goal(
            s.rss_mib <= cold_rss + 1.25 * args.max_response_mb,
            f"faults: RSS flat in page size: one {args.huge_mb:.0f} MiB chunked body "
            f"({huge_code}), peak {s.rss_mib:.0f} MiB vs {cold_rss:.0f} MiB cold "
            f"(cap {args.max_response_mb} MiB; nvchecker {v.rss_mib:.0f} MiB)",
        )
    report.goal(
        s.exit_code == 1,
        f"faults: exit code says some checks failed: {s.exit_code} "
        f"(nvchecker --failures: {v.exit_code})",
    )
    report.goal(
        right + len(failed) == n,
        f"faults: packages that succeeded are right: {right}/{n - len(failed)}",
    )


# --------------------------------------------------------------------------- output


def print_report(report: Report, args: argparse.Namespace, seconds: float) -> None:
    header = (
        "scenario",
        "tool",
        "wall s",
        "CPU s",
        "pkg/s",
        "RSS MiB",
        "requests",
        "304s",
        "quota",
        "MiB",
        "exit",
        "versions",
        "note",
    )
    table = [header]
    for row in report.rows:
        st = row.run.stats
        table.append(
            (
                row.scenario,
                row.run.tool,
                f"{row.run.wall:.2f}",
                f"{row.run.cpu:.2f}",
                f"{row.packages / row.run.wall:.0f}",
                f"{row.run.rss_mib:.0f}",
                str(st["requests"]),
                str(st["not_modified"]),
                str(st["quota_used"]),
                f"{st['bytes'] / MiB:.1f}",
                str(row.run.exit_code),
                row.answers,
                row.note,
            )
        )
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    print()
    print(
        f"Upstream monitoring: steward check vs nvchecker 2.22 — {args.packages} packages, "
        f"concurrency {args.concurrency}, timeout {args.timeout:g} s, retries {args.retries}, "
        f"nvchecker httplib aiohttp; {os.cpu_count()} CPUs, load average "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    for i, r in enumerate(table):
        print(
            "  ".join(
                cell.ljust(w) if j in (0, 1, 11, 12) else cell.rjust(w)
                for j, (cell, w) in enumerate(zip(r, widths, strict=True))
            ).rstrip()
        )
        if i == 0:
            print("  ".join("-" * w for w in widths))
    print()
    print("Goals")
    for goal in report.goals:
        mark = {True: "MET   ", False: "MISSED", None: "n/a   "}[goal.met]
        print(f"  [{mark}] {goal.text}")
    if report.problems:
        print()
        print("Wrong answers (first few per scenario)")
        for line in report.problems:
            print(f"  {line}")
    print()
    print(f"total {seconds:.0f} s")


def _say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def parse_args(argv: Iterable[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="steward check vs nvchecker on a local fake upstream",
    )
    parser.add_argument("-n", "--packages", type=int, default=2000, help="packages (2000)")
    parser.add_argument(
        "--scenarios",
        default=",".join(SCENARIOS),
        help=f"comma-separated subset of {','.join(SCENARIOS)}",
    )
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight (32)")
    parser.add_argument(
        "--per-host",
        type=int,
        default=0,
        help="Steward's per-host limit (default: = concurrency, as nvchecker has none)",
    )
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per request (10)")
    parser.add_argument(
        "--retries",
        type=int,
        default=2,
        help="retries after a failure (2; nvchecker gets --tries retries+1)",
    )
    parser.add_argument(
        "--max-response-mb",
        type=int,
        default=20,
        help="Steward's response size cap (20 MiB, its default)",
    )
    parser.add_argument(
        "--huge-mb",
        type=float,
        default=80.0,
        help="size of the one huge body in the faults scenario (80 MiB)",
    )
    parser.add_argument("--latency", type=float, default=0.05, help="latency scenario (0.05 s)")
    parser.add_argument(
        "--realistic-latency",
        default="0.05,0.15",
        help="realistic scenario: each response's delay, uniform between LOW,HIGH s (0.05,0.15)",
    )
    parser.add_argument(
        "--github-quota",
        type=int,
        default=5000,
        help="realistic scenario: GitHub requests an hour (5000, an authenticated token's)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs of each tool in the cold, latency and recheck scenarios, alternating; "
        "the median is reported (3)",
    )
    parser.add_argument(
        "--repo-size",
        type=int,
        default=0,
        help="RPM repository entries in the shared scenario (default 8 x shared packages)",
    )
    parser.add_argument(
        "--shared-packages",
        type=int,
        default=0,
        help="packages in the shared scenario, half listing, half rpmrepo (N/2, at most 1000: "
        "nvchecker parses the whole index once per package)",
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (1)")
    parser.add_argument("--workdir", type=Path, help="keep generated files here")
    parser.add_argument("--json", type=Path, help="also write the results as JSON")
    args = parser.parse_args(list(argv) if argv is not None else None)
    scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = set(scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenario(s) {', '.join(sorted(unknown))}")
    args.scenarios = [s for s in SCENARIOS if s in scenarios]
    args.shared_packages = args.shared_packages or max(min(args.packages // 2, 1000), 2)
    args.repo_size = args.repo_size or 8 * args.shared_packages
    return args


def compile_steward() -> None:
    """Byte-compile Steward's modules, as an installed package is.

    An editable install run under ``PYTHONDONTWRITEBYTECODE`` (as in some CI and sandbox
    shells) compiles every module from source in every process, 0.1-0.3 s per run, while
    nvchecker, installed with its bytecode, does not.
    """
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("steward")
    folders = (spec.submodule_search_locations if spec else None) or []
    for folder in folders:
        compileall.compile_dir(folder, quiet=1)


def main(argv: Iterable[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    compile_steward()
    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
        report = run_scenarios(args, args.workdir.resolve())
    else:
        with tempfile.TemporaryDirectory(prefix="steward-monitor-bench-") as scratch:
            report = run_scenarios(args, Path(scratch))
    print_report(report, args, time.monotonic() - started)
    if args.json is not None:
        args.json.write_text(
            json.dumps(
                {
                    "args": {
                        k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()
                    },
                    "rows": [
                        {
                            "scenario": r.scenario,
                            "tool": r.run.tool,
                            "wall": r.run.wall,
                            "cpu": r.run.cpu,
                            "rss_mib": r.run.rss_mib,
                            "quota_used": r.run.stats["quota_used"],
                            "exit": r.run.exit_code,
                            "requests": r.run.stats["requests"],
                            "not_modified": r.run.stats["not_modified"],
                            "bytes": r.run.stats["bytes"],
                            "versions": r.answers,
                            "note": r.note,
                        }
                        for r in report.rows
                    ],
                    "goals": [{"met": g.met, "text": g.text} for g in report.goals],
                },
                indent=2,
            )
        )
    return 0 if all(g.met is not False for g in report.goals) else 1


if __name__ == "__main__":
    sys.exit(main())
