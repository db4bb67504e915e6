#!/usr/bin/env python3
"""Benchmark: replay real maintainers' version bumps with ``steward upgrade``.

Takes a folder of fetched src-openeuler package repositories (bare git directories, as the
search tool's ``fetch`` leaves them: ``<folder>/openeuler-mirror+<name>/repo``), finds the
commits that moved the spec's ``Version:`` ("update to X", "Upgrade version to X", …), and
for each one:

1. writes the package tree as it was *before* the commit into a fresh git repository;
2. serves every file of the tree *after* the commit (the maintainer's new tarball among
   them) on a loopback HTTP server (127.0.0.1, an ephemeral port), and sends the origin of
   every remote ``SourceN`` of the old spec there with ``[network.base_url_overrides]`` (a
   request is answered with the file of the same base name; a GitHub-style ``v1.2.tar.gz``
   archive URL, whose saved name comes from a ``#/name`` fragment, gets the new file whose
   name ends with that base name);
3. runs ``steward upgrade PKG --to NEW --build srpm --json`` in a subprocess;
4. compares Steward's patch verdicts (``report.json``) with what the maintainer did: a patch
   the commit removed from the spec was upstreamed (or rebased: then the commit adds another
   one), a patch the commit kept stays.

It prints one line per bump and a summary: upstream patches dropped / flagged (Steward says
"probably upstream" or "conflict") / applied again, kept patches kept, patches missing from
the report (must be 0), source RPMs built, ``Version:`` lines equal to the maintainer's,
changelog style equal to the maintainer's, and time per upgrade. Nothing leaves the machine.

    .venv/bin/python benchmarks/replay_bumps.py /work/.mirror --work /tmp/replay
    .venv/bin/python benchmarks/replay_bumps.py /work/.mirror --only zlib,libcap --json out.json

Use ``--pythonpath`` to replay with another checkout of Steward's sources (for a "before"
figure): ``--pythonpath /tmp/steward-before/src``.
"""

from __future__ import annotations

import argparse
import http.server
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from steward.distro.profiles import load_profile  # noqa: E402
from steward.rpm.spec import parse_file  # noqa: E402
from steward.rpm.version import rpmvercmp  # noqa: E402

_BUMP = re.compile(r"(upgrade|update|bump|version)", re.I)
_ARCHIVE = re.compile(r"\.(tar\.(gz|xz|bz2|zst)|tgz|tbz2|zip)$")
_VERSION_LINE = re.compile(r"^Version\s*:\s*(\S+)", re.M | re.I)
PACKAGER = "Steward Replay <replay@example.org>"
GIT_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "Replay",
    "GIT_AUTHOR_EMAIL": "replay@example.org",
    "GIT_COMMITTER_NAME": "Replay",
    "GIT_COMMITTER_EMAIL": "replay@example.org",
}


def git(git_dir: Path, *argv: str, binary: bool = False) -> Any:
    proc = subprocess.run(
        ["git", f"--git-dir={git_dir}", *argv], capture_output=True, check=False, env=GIT_ENV
    )
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.decode(errors="replace").strip())
    return proc.stdout if binary else proc.stdout.decode(errors="replace")


@dataclass
class Bump:
    package: str
    git_dir: Path
    commit: str
    subject: str
    spec: str
    old_version: str
    new_version: str


@dataclass
class Outcome:
    bump: Bump
    seconds: float = 0.0
    status: str = ""
    failed_step: str | None = None
    error: str | None = None
    upstream: dict[str, str] = field(default_factory=dict)  # maintainer removed: verdict
    kept: dict[str, str] = field(default_factory=dict)  # maintainer kept: verdict
    rebased: dict[str, str] = field(default_factory=dict)  # replaced by a refreshed copy
    removed_not_upstream: dict[str, str] = field(default_factory=dict)
    in_tarball: dict[str, str] = field(default_factory=dict)  # upstream: "yes", "no", "partly"
    missing: list[str] = field(default_factory=list)
    srpm: bool = False
    version_match: bool = False
    changelog_match: bool = False
    changelog: tuple[str, str] = ("", "")  # (Steward's style, maintainer's style)
    served: list[str] = field(default_factory=list)


def tree_files(git_dir: Path, commit: str) -> dict[str, tuple[str, int]]:
    """path -> (blob, size) of the files at the top of ``commit``'s tree."""
    files = {}
    for line in git(git_dir, "ls-tree", "-l", commit).splitlines():
        meta, name = line.split("\t", 1)
        _mode, kind, blob, size = meta.split()
        if kind == "blob":
            files[name] = (blob, int(size) if size.isdigit() else 0)
    return files


def blob(git_dir: Path, sha: str) -> bytes | None:
    try:
        data: bytes = git(git_dir, "cat-file", "blob", sha, binary=True)
    except RuntimeError:
        return None  # the snapshot lacks files of 4 MiB and more
    return data


def spec_version(text: str, name: str) -> str | None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_text(text)
        try:
            return parse_file(path, macros=load_profile("openeuler-24.03").macro_engine()).version
        except Exception:  # a bump the parser cannot read is simply not replayed
            return None


def find_bumps(folder: Path, only: set[str] | None) -> list[Bump]:
    bumps: list[Bump] = []
    for git_dir in sorted(folder.glob("openeuler-mirror+*/repo")):
        package = git_dir.parent.name.split("+", 1)[1]
        if only and package not in only:
            continue
        log = git(git_dir, "log", "--no-merges", "--format=%H%x09%s")
        for line in log.splitlines():
            commit, _, subject = line.partition("\t")
            if not _BUMP.search(subject):
                continue
            try:
                files = tree_files(git_dir, commit)
                parent_files = tree_files(git_dir, commit + "^")
            except RuntimeError:
                continue
            specs = [f for f in files if f.endswith(".spec") and f in parent_files]
            if len(specs) != 1:
                continue
            spec = specs[0]
            old_text = git(git_dir, "show", f"{commit}^:{spec}")
            new_text = git(git_dir, "show", f"{commit}:{spec}")
            old = spec_version(old_text, spec)
            new = spec_version(new_text, spec)
            if not old or not new or rpmvercmp(new, old) <= 0:
                continue
            if any((b.package, b.old_version, b.new_version) == (package, old, new) for b in bumps):
                continue  # the same bump made again on another branch
            bumps.append(Bump(package, git_dir, commit, subject, spec, old, new))
    return bumps


class _Files(http.server.BaseHTTPRequestHandler):
    files: ClassVar[dict[str, bytes]] = {}
    log: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        name = urlsplit(self.path).path.rsplit("/", 1)[-1]
        data = self.files.get(name)
        rule = "same name"
        if data is None:
            ends = [k for k in self.files if k.endswith(name) and name]
            if len(ends) == 1:
                data, rule = self.files[ends[0]], f"name ending {name}"
        if data is None and _ARCHIVE.search(name):
            # The maintainer switched compression (zlib-1.2.12.tar.xz → .tar.gz): serve the
            # same release under the asked name, so the patches can still be compared.
            stem = _ARCHIVE.sub("", name)
            same = [k for k in self.files if _ARCHIVE.sub("", k) == stem]
            if len(same) == 1:
                data, rule = self.files[same[0]], f"{same[0]}, other compression"
        if data is None:
            self.send_response(404)
            self.end_headers()
            self.log.append(f"404 {self.path}")
            return
        self.log.append(f"200 {self.path} ({rule})")
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Content-Type", "application/octet-stream")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def changelog_style(text: str, spec: str) -> str:
    """The first item's opening word and whether the header carries an epoch."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / spec
        path.write_text(text)
        try:
            parsed = parse_file(path, macros=load_profile("openeuler-24.03").macro_engine())
        except Exception:
            return "?"
    if not parsed.changelog:
        return "none"
    entry = parsed.changelog[0]
    first = next((ln for ln in entry.lines if ln.strip().startswith("-")), "")
    word = first.strip().lstrip("-").strip().split(" ", 1)[0]
    if word.startswith("Type:") or "DESC:" in first:
        word = "Type:…DESC:"
    evr = entry.header.rsplit(" ", 1)[-1]
    return f"{word}{' (epoch)' if ':' in evr else ''}"


def declared_patches(text: str, spec: str) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / spec
        path.write_text(text)
        parsed = parse_file(path, macros=load_profile("openeuler-24.03").macro_engine())
    return [p.filename for p in parsed.patches]


def replay(bump: Bump, work: Path, pythonpath: str | None, timeout: float) -> Outcome:
    outcome = Outcome(bump)
    case = work / f"{bump.package}-{bump.new_version}"
    shutil.rmtree(case, ignore_errors=True)
    repo = case / "repo"
    pkg = repo / bump.package
    pkg.mkdir(parents=True)
    for name, (sha, _size) in tree_files(bump.git_dir, bump.commit + "^").items():
        data = blob(bump.git_dir, sha)
        if data is not None and "/" not in name:
            (pkg / name).write_bytes(data)
    subprocess.run(["git", "init", "-q", "-b", "master", str(repo)], check=True, env=GIT_ENV)
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True, env=GIT_ENV)
    subprocess.run(
        ["git", "-C", str(repo), "commit", "-q", "-m", "before"], check=True, env=GIT_ENV
    )
    new_files: dict[str, bytes] = {}
    old_names = set(tree_files(bump.git_dir, bump.commit + "^"))
    for name, (sha, _size) in tree_files(bump.git_dir, bump.commit).items():
        data = blob(bump.git_dir, sha)
        if data is not None:
            new_files[name] = data
        elif _ARCHIVE.search(name) and name not in old_names:
            # The snapshot lacks files of 4 MiB and more: nothing to serve, nothing to judge.
            outcome.status, outcome.error = "no-tarball", f"{name} is not in the snapshot"
            return outcome
    old_text = (pkg / bump.spec).read_text(errors="replace")
    new_text = new_files[bump.spec].decode(errors="replace")
    origins = set()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / bump.spec
        path.write_text(old_text)
        parsed = parse_file(path, macros=load_profile("openeuler-24.03").macro_engine())
        for source in parsed.sources:
            split = urlsplit(source.expanded)
            if split.scheme in ("http", "https") and split.netloc:
                origins.add(f"{split.scheme}://{split.netloc}")
            elif split.scheme and split.netloc:
                # Only http(s) can be sent to loopback; nothing may go to the real host.
                outcome.status = "skipped"
                outcome.error = f"Source{source.number} is {split.scheme}://, not replayable"
                return outcome
    handler = type("Files", (_Files,), {"files": new_files, "log": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        overrides = "".join(f'"{o}" = "{base}/{urlsplit(o).netloc}"\n' for o in sorted(origins))
        config = case / "steward.toml"
        config.write_text(
            "[network]\nallow_private = true\ntimeout = 30\nretries = 0\n"
            f"[network.base_url_overrides]\n{overrides}"
        )
        env = {**GIT_ENV, "STEWARD_CONFIG": str(config)}
        if pythonpath:
            env["PYTHONPATH"] = pythonpath
        argv = [
            sys.executable, "-c", "from steward.cli.entry import main; main()", "upgrade", str(pkg),
            "--to", bump.new_version, "--build", "srpm", "--output", str(case / "out"),
            "--packager", PACKAGER, "--config", str(config), "--json",
        ]  # fmt: skip
        started = time.monotonic()
        try:
            proc = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=timeout)
            stderr = proc.stderr
        except subprocess.TimeoutExpired:
            outcome.status, outcome.error = "timeout", f"over {timeout:.0f} s"
            return outcome
        finally:
            outcome.seconds = time.monotonic() - started
    finally:
        server.shutdown()
        outcome.served = list(handler.log)
    report_path = case / "out" / f"{bump.package}-{bump.new_version}" / "report.json"
    if not report_path.is_file():
        outcome.status = "crash"
        outcome.error = (stderr.strip().splitlines() or ["no output"])[-1][:300]
        return outcome
    report = json.loads(report_path.read_text())
    outcome.status = report["status"]
    outcome.failed_step = report.get("failed_step")
    outcome.error = report.get("error")
    verdicts = {p["filename"]: _shown_verdict(p) for p in report["patches"]}
    old_patches = declared_patches(old_text, bump.spec)
    new_patches = set(declared_patches(new_text, bump.spec))
    added = {_stem(n) for n in new_patches - set(old_patches)}
    for name in old_patches:
        verdict = verdicts.get(name)
        if verdict is None:
            if outcome.failed_step is None or report["patches"]:
                outcome.missing.append(name)
            continue
        if name in new_patches:
            outcome.kept[name] = verdict
        elif _stem(name) in added:
            outcome.rebased[name] = verdict  # replaced by a refreshed copy: not upstream
        elif verdict in ("applies", "applies-with-offset"):
            # It applies at fuzz 0 (an offset at most), so its change is not in the new tarball: the
            # maintainer dropped it for another reason.
            outcome.removed_not_upstream[name] = verdict
        else:
            outcome.upstream[name] = verdict
            archives = [data for n, data in new_files.items() if _ARCHIVE.search(n)]
            patch_bytes = (pkg / name).read_bytes() if (pkg / name).is_file() else b""
            outcome.in_tarball[name] = in_tarball(patch_bytes, archives)
    outcome.srpm = any(
        b["kind"] == "srpm" and b["outcome"] == "succeeded" for b in report.get("builds", [])
    )
    branch = report.get("branch")
    if branch:
        mine = subprocess.run(
            ["git", "-C", str(repo), "show", f"{branch}:{bump.package}/{bump.spec}"],
            capture_output=True, text=True, check=False,
        ).stdout  # fmt: skip
        mine_v = _VERSION_LINE.search(mine)
        theirs_v = _VERSION_LINE.search(new_text)
        outcome.version_match = bool(mine_v and theirs_v and mine_v.group(1) == theirs_v.group(1))
        outcome.changelog = (changelog_style(mine, bump.spec), changelog_style(new_text, bump.spec))
        outcome.changelog_match = outcome.changelog[0] == outcome.changelog[1]
    return outcome


def in_tarball(patch: bytes, archives: list[bytes]) -> str:
    """An independent look at whether a patch's change is in the new release: "yes" when
    most of its added lines are in the patched files and most of its removed lines gone
    (whitespace aside, anywhere in the file), "no" when few are, "partly" between."""
    members: dict[str, list[bytes]] = {}
    for data in archives:
        try:
            with tarfile.open(fileobj=io.BytesIO(data)) as tar:
                for member in tar:
                    if member.isfile() and member.size < 8 * 1024 * 1024:
                        handle = tar.extractfile(member)
                        if handle is not None:
                            lines = handle.read().split(b"\n")
                            members[member.name] = [b" ".join(ln.split()) for ln in lines]
        except (tarfile.TarError, EOFError, OSError):
            continue
    present = absent = total_added = total_removed = 0
    target: list[bytes] | None = None
    for line in patch.split(b"\n"):
        if line.startswith(b"+++ "):
            name = line[4:].split(b"\t")[0].strip().decode(errors="replace")
            parts = name.split("/")
            target = None
            for cut in range(len(parts)):
                suffix = "/".join(parts[cut:])
                found = [m for m in members if m == suffix or m.endswith("/" + suffix)]
                if suffix and found:
                    target = members[found[0]]
                    break
            continue
        if line.startswith(b"--- ") or target is None:
            continue
        text = b" ".join(line[1:].split())
        if not any(chr(c).isalnum() for c in text):
            continue
        if line.startswith(b"+"):
            total_added += 1
            present += text in target
        elif line.startswith(b"-"):
            total_removed += 1
            absent += text not in target
    total = total_added + total_removed
    if total == 0:
        return "unknown"
    share = (present + absent) / total
    return "yes" if share >= 0.8 else "no" if share <= 0.4 else "partly"


def _stem(name: str) -> str:
    """A patch's name without versions and numbering: ``libgcrypt-1.8.4-getrandom.patch`` and
    ``libgcrypt-1.8.5-getrandom.patch`` are the same patch refreshed."""
    return re.sub(r"(^backport-)|(^\d+-)|(\d+(\.\d+)+-?)", "", name)


def _shown_verdict(patch: dict[str, Any]) -> str:
    verdict = str(patch["verdict"])
    if patch.get("dropped"):
        return "dropped"
    if verdict == "upstream":
        return "upstream-kept"
    if "probably upstream" in patch.get("evidence", "") or verdict == "probably-upstream":
        return "flagged"
    return verdict


def _count(values: Any) -> dict[str, int]:
    listed = list(values)
    return {v: listed.count(v) for v in sorted(set(listed))}


def summarise(outcomes: list[Outcome]) -> dict[str, Any]:
    upstream = [v for o in outcomes for v in o.upstream.values()]
    kept = [v for o in outcomes for v in o.kept.values()]
    applied = {"applies", "applies-with-fuzz", "applies-with-offset"}
    times = sorted(o.seconds for o in outcomes if o.status not in ("skipped", "no-tarball"))
    return {
        "bumps": len(outcomes),
        "replayed": sum(o.status not in ("skipped", "no-tarball") for o in outcomes),
        "packages": sorted({o.bump.package for o in outcomes}),
        "crashed": sum(o.status in ("crash", "timeout") for o in outcomes),
        "failed": sum(o.status == "failed" for o in outcomes),
        "upstream_patches": len(upstream),
        "upstream_dropped": sum(v == "dropped" for v in upstream),
        "upstream_flagged": sum(v in ("flagged", "conflict", "upstream-kept") for v in upstream),
        "upstream_applied": sum(v in applied for v in upstream),
        "upstream_verdicts": {v: upstream.count(v) for v in sorted(set(upstream))},
        "upstream_really_in_tarball": sum(
            v == "yes" for o in outcomes for v in o.in_tarball.values()
        ),
        "really_in_tarball_dropped": sum(
            o.upstream[k] == "dropped"
            for o in outcomes
            for k, v in o.in_tarball.items()
            if v == "yes"
        ),
        "really_in_tarball_verdicts": _count(
            o.upstream[k] for o in outcomes for k, v in o.in_tarball.items() if v == "yes"
        ),
        "rebased_by_maintainer": sum(len(o.rebased) for o in outcomes),
        "removed_but_not_in_tarball": sum(len(o.removed_not_upstream) for o in outcomes),
        "skipped": sum(o.status == "skipped" for o in outcomes),
        "no_tarball": sum(o.status == "no-tarball" for o in outcomes),
        "kept_patches": len(kept),
        "kept_kept": sum(v != "dropped" for v in kept),
        "missing_from_report": sum(len(o.missing) for o in outcomes),
        "srpms_built": sum(o.srpm for o in outcomes),
        "version_match": sum(o.version_match for o in outcomes),
        "changelog_match": sum(o.changelog_match for o in outcomes),
        "seconds_median": times[len(times) // 2] if times else 0.0,
        "seconds_max": times[-1] if times else 0.0,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="folder of fetched openeuler-mirror repos")
    parser.add_argument("--work", type=Path, default=Path("/tmp/steward-replay"))
    parser.add_argument("--only", help="comma-separated package names")
    parser.add_argument("--limit", type=int, default=3, help="bumps per package (newest first)")
    parser.add_argument("--pythonpath", help="run another checkout's sources (PYTHONPATH)")
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--json", type=Path, help="write every outcome here")
    args = parser.parse_args()
    only = set(args.only.split(",")) if args.only else None
    bumps = find_bumps(args.folder, only)
    per: dict[str, int] = {}
    chosen = []
    for bump in bumps:
        if per.get(bump.package, 0) < args.limit:
            per[bump.package] = per.get(bump.package, 0) + 1
            chosen.append(bump)
    args.work.mkdir(parents=True, exist_ok=True)
    outcomes = []
    for bump in chosen:
        outcome = replay(bump, args.work, args.pythonpath, args.timeout)
        outcomes.append(outcome)
        up = " ".join(f"{k}={v}" for k, v in outcome.upstream.items())
        kept = " ".join(f"{k}={v}" for k, v in outcome.kept.items())
        print(
            f"{bump.package:18} {bump.old_version:>10} -> {bump.new_version:<10} "
            f"{outcome.status:11} {outcome.seconds:5.1f}s srpm={'y' if outcome.srpm else 'n'} "
            f"ver={'y' if outcome.version_match else 'n'} "
            f"log={outcome.changelog[0]}|{outcome.changelog[1]}"
            + (f" step={outcome.failed_step}: {(outcome.error or '')[:160]}" if outcome.failed_step
               or outcome.status in ("crash", "timeout") else "")
            + (f"\n    upstream: {up}" if up else "")
            + (f"\n    kept: {kept}" if kept else "")
            + (f"\n    rebased: {outcome.rebased}" if outcome.rebased else "")
            + (f"\n    removed, not in tarball: {outcome.removed_not_upstream}"
               if outcome.removed_not_upstream else "")
            + (f"\n    MISSING: {' '.join(outcome.missing)}" if outcome.missing else ""),
            flush=True,
        )  # fmt: skip
    summary = summarise(outcomes)
    print(json.dumps(summary, indent=2))
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "summary": summary,
                    "outcomes": [
                        {
                            "package": o.bump.package,
                            "commit": o.bump.commit,
                            "from": o.bump.old_version,
                            "to": o.bump.new_version,
                            "status": o.status,
                            "failed_step": o.failed_step,
                            "error": o.error,
                            "seconds": round(o.seconds, 2),
                            "upstream": o.upstream,
                            "kept": o.kept,
                            "rebased": o.rebased,
                            "removed_not_upstream": o.removed_not_upstream,
                            "in_tarball": o.in_tarball,
                            "missing": o.missing,
                            "srpm": o.srpm,
                            "version_match": o.version_match,
                            "changelog": list(o.changelog),
                            "served": o.served,
                        }
                        for o in outcomes
                    ],
                },
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
