#!/usr/bin/env python3
"""Benchmark: does Steward read real specs the way rpm 4.18's ``rpmspec`` does?

For every spec under PATH (a package folder per spec, as in src-openeuler or dist-git, or a
flat folder of specs) it asks the real ``rpmspec -q --srpm --qf`` for name, epoch, version,
release, license, URL and the expanded Source0, and compares them with Steward's own reader
(``steward.rpm.parse_file``). It prints per-field agreement, how many specs agree on every
field, the disagreement classes grouped by cause (with example specs), Steward's crashes
and the time per spec of both readers.

    .venv/bin/python benchmarks/spec_agreement.py /work/corpus/specs/openeuler
    .venv/bin/python benchmarks/spec_agreement.py /work/corpus/specs/fedora \\
        --define 'dist .fc41' --define 'fedora 41'
    .venv/bin/python benchmarks/spec_agreement.py PATH --profile openeuler-24.03 --json out.json

The oracle. rpmspec runs spec code (``%(...)`` shell, ``%{lua:}``), so it is the oracle, never
Steward's reader. It reads the host's rpm macros plus openEuler's macro files
(``../shared/data/rpm-macros/openeuler/``, or ``--macros DIR``) and the ``--define``s, with
``_sourcedir`` set to the spec's own folder (so ``%include %{SOURCE2}`` works as in a build).
On Debian ``/bin/sh`` is dash, which answers bashisms in ``%(...)`` differently from an RPM
distribution, so the benchmark re-runs itself in a private mount namespace
(``unshare -m``) where bash is bind-mounted over ``/bin/sh``; where that is not permitted
it says so and stops (``--allow-dash`` runs with dash anyway). Answers are cached in
``--cache`` (keyed by the spec's bytes and the options) so reruns only time Steward.

Steward's side. By default Steward's engine reads the same macro files as the oracle
(measuring the reader and the macro engine); with ``--profile NAME`` it reads the named
built-in profile instead (measuring the profile's macro definitions too), while the oracle
still reads the real distribution macros. The spec's ``# steward-test`` comments are not read.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from steward.rpm.macros import MacroEngine, host_macro_files, load_files  # noqa: E402
from steward.rpm.spec import parse_file  # noqa: E402

OE_MACROS = ROOT.parent / "shared" / "data" / "rpm-macros" / "openeuler"
OE_FILES = ("macros.oe", "macros.python.oe", "macros.perl.oe", "macros.go.oe", "macros.forge.oe")
FIELDS = ("name", "epoch", "version", "release", "license", "url", "source0")
_QF_FIELDS = ("name", "epoch", "version", "release", "license", "url")
_INSIDE = "STEWARD_SPEC_AGREEMENT_NS"
_TIMEOUT = 60
_MARK = "@@steward-source0@@"


@dataclass
class Result:
    spec: str
    oracle: dict[str, str | None] | None = None
    oracle_error: str = ""
    oracle_seconds: float = 0.0
    steward: dict[str, str | None] | None = None
    steward_error: str = ""
    steward_seconds: float = 0.0
    diagnostics: list[str] = field(default_factory=list)


def find_specs(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*.spec") if p.is_file())


def macro_files(directory: Path) -> list[Path]:
    return [directory / name for name in OE_FILES if (directory / name).is_file()]


def parse_defines(items: list[str]) -> dict[str, str]:
    defines: dict[str, str] = {}
    for item in items:
        name, _, value = item.strip().partition(" ")
        defines[name] = value.strip()
    return defines


# -- the oracle ------------------------------------------------------------------------------


def system_macro_path() -> str:
    configdir = "/usr/lib/rpm"
    return ":".join(
        (
            f"{configdir}/macros",
            f"{configdir}/macros.d/macros.*",
            f"{configdir}/platform/%{{_target}}/macros",
        )
    )


def oracle_command(spec: Path, files: list[Path], defines: dict[str, str]) -> list[str]:
    command = ["rpmspec", "--macros", system_macro_path(), "--target", "x86_64"]
    for path in files:
        command += ["--load", str(path)]
    for name, value in {"_topdir": "/steward/rpmbuild", **defines}.items():
        command += ["--define", f"{name} {value}" if value else f"{name} %{{nil}}"]
    command += ["--define", f"_sourcedir {spec.parent.resolve()}"]
    qf = "".join(f"%{{{tag.upper()}}}\\n" for tag in _QF_FIELDS)
    return [*command, "-q", "--srpm", "--qf", qf]


def run_oracle(spec: Path, files: list[Path], defines: dict[str, str]) -> Result:
    result = Result(str(spec))
    text = spec.read_bytes()
    # A probe appended to a copy: rpm runs it after the whole spec has been parsed.
    probe = (
        "\n%{lua: io.stderr:write('"
        + _MARK
        + "' .. rpm.expand('%' .. '{?SOURCEURL0}') .. '"
        + _MARK
        + "\\n')}\n"
    ).encode()
    with tempfile.TemporaryDirectory(prefix="steward-agree-") as tmp:
        copy = Path(tmp) / spec.name
        copy.write_bytes(text + probe)
        home = Path(tmp) / "home"
        home.mkdir()
        env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LC_ALL": "C.UTF-8", "TZ": "UTC"}
        start = time.perf_counter()
        try:
            done = subprocess.run(
                [*oracle_command(spec, files, defines), str(copy)],
                cwd=spec.parent,
                env=env,
                capture_output=True,
                timeout=_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            result.oracle_error = f"rpmspec timed out after {_TIMEOUT}s"
            return result
        result.oracle_seconds = time.perf_counter() - start
    stdout = done.stdout.decode("utf-8", "replace")
    stderr = done.stderr.decode("utf-8", "replace")
    if done.returncode != 0:
        last = [line for line in stderr.splitlines() if "error" in line.lower()]
        result.oracle_error = (last[-1] if last else stderr.strip()[-200:]) or "rpmspec failed"
        return result
    lines = stdout.split("\n")
    values: dict[str, str | None] = dict(zip(_QF_FIELDS, lines[: len(_QF_FIELDS)], strict=False))
    for key in ("epoch", "url"):
        if values.get(key) == "(none)":
            values[key] = None
    m = re.search(re.escape(_MARK) + "(.*?)" + re.escape(_MARK), stderr, re.S)
    values["source0"] = (m.group(1) if m else "") or None
    result.oracle = values
    return result


# -- Steward ---------------------------------------------------------------------------------


def steward_engine(files: list[Path], defines: dict[str, str], profile: str | None) -> MacroEngine:
    if profile:
        from steward.distro.profiles import load_profile

        engine = load_profile(profile).macro_engine()
    else:
        engine = MacroEngine(target_arch="x86_64", rpm_version=(4, 18))
        load_files(engine, host_macro_files(target_arch="x86_64", include_etc=False))
        load_files(engine, files)
        _attach_lua(engine)
    for name, value in {"_topdir": "/steward/rpmbuild", **defines}.items():
        engine.define(name, value)
    return engine.copy()


def _attach_lua(engine: MacroEngine) -> None:
    try:
        from steward.distro.profiles_lua import attach_lua
    except ImportError:
        return
    attach_lua(engine)


def run_steward(spec: Path, base: MacroEngine) -> tuple[dict[str, str | None], list[str], float]:
    start = time.perf_counter()
    engine = base.copy()
    engine.define("_sourcedir", str(spec.parent.resolve()))
    parsed = parse_file(spec, macros=engine)
    elapsed = time.perf_counter() - start
    source0 = parsed.source(0)
    values: dict[str, str | None] = {
        "name": parsed.name,
        "epoch": None if parsed.epoch is None else str(parsed.epoch),
        "version": parsed.version,
        "release": parsed.release,
        "license": parsed.license,
        "url": parsed.url,
        "source0": source0.expanded if source0 else None,
    }
    codes = sorted({d.code for d in parsed.diagnostics if d.severity in ("error", "warning")})
    return values, codes, elapsed


# -- classes ---------------------------------------------------------------------------------


def classify(field_name: str, got: str | None, want: str | None, codes: list[str]) -> str:
    """A disagreement's likely cause, from Steward's value and diagnostics."""
    text = got or ""
    if "%{lua" in text or ("unexpanded-lua" in codes and "%" in text):
        return "lua macro not expanded"
    if "%(" in text:
        return "shell %(...) not expanded"
    if "unbalanced-if" in codes:
        return "unbalanced %if"
    if "include-refused" in codes:
        return "%include refused"
    if got is None and want is not None:
        return f"{field_name}: Steward found none"
    if want is None and got is not None:
        return f"{field_name}: rpm has none"
    if "%" in text and "%" not in (want or ""):
        m = re.search(r"%\{?\??!?([A-Za-z_][A-Za-z0-9_]*)", text)
        return f"unexpanded macro %{m.group(1) if m else '?'}"
    return f"{field_name}: different value"


# -- driver ----------------------------------------------------------------------------------


def ensure_bash_sh(args: argparse.Namespace) -> None:
    """Re-exec inside a mount namespace where /bin/sh is bash (see the module docstring)."""
    if os.environ.get(_INSIDE) or args.allow_dash:
        return
    if os.path.realpath("/bin/sh").endswith("bash"):
        return
    unshare = shutil.which("unshare")
    if unshare is None:
        sys.exit(
            "spec_agreement: /bin/sh is not bash and unshare is missing; "
            "rerun with --allow-dash to accept dash as /bin/sh"
        )
    probe = subprocess.run(
        [unshare, "-m", "sh", "-c", "mount --bind /bin/bash /bin/sh && sh -c '[[ x == x ]]'"],
        capture_output=True,
        text=True,
        check=False,
    )
    if probe.returncode != 0:
        sys.exit(
            "spec_agreement: cannot make bash /bin/sh in a private mount namespace "
            f"(unshare -m: {probe.stderr.strip() or 'not permitted'}); run as root, or "
            "rerun with --allow-dash to accept dash's answers for %(...)"
        )
    env = {**os.environ, _INSIDE: "1"}
    script = 'mount --bind /bin/bash /bin/sh && exec "$@"'
    done = subprocess.run(
        [unshare, "-m", "sh", "-c", script, "sh", sys.executable, *sys.argv], env=env, check=False
    )
    sys.exit(done.returncode)


def cache_key(spec: Path, files: list[Path], defines: dict[str, str]) -> str:
    digest = hashlib.sha256(spec.read_bytes())
    for path in files:
        digest.update(path.read_bytes())
    digest.update(json.dumps(sorted(defines.items())).encode())
    digest.update(str(spec.resolve()).encode())
    return digest.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--profile", help="Steward reads with this built-in profile")
    parser.add_argument("--macros", type=Path, default=OE_MACROS, help="distribution macro dir")
    parser.add_argument("--define", action="append", default=[], help="'NAME VALUE', both sides")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/steward-spec-agreement.json"))
    parser.add_argument("--no-cache", action="store_true")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--json", type=Path, help="write every result here")
    parser.add_argument("--examples", type=int, default=3, help="example specs per class")
    parser.add_argument("--allow-dash", action="store_true")
    args = parser.parse_args()
    ensure_bash_sh(args)

    specs = find_specs(args.path)
    if not specs:
        sys.exit(f"no .spec files under {args.path}")
    files = macro_files(args.macros)
    defines = parse_defines(args.define)
    cache: dict[str, Any] = {}
    if not args.no_cache and args.cache.is_file():
        cache = json.loads(args.cache.read_text())

    results: dict[str, Result] = {}
    todo: list[Path] = []
    for spec in specs:
        cached = cache.get(cache_key(spec, files, defines))
        if cached:
            results[str(spec)] = Result(
                str(spec), cached["oracle"], cached["error"], cached["seconds"]
            )
        else:
            todo.append(spec)
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        for res in pool.map(lambda s: run_oracle(s, files, defines), todo):
            results[res.spec] = res
            cache[cache_key(Path(res.spec), files, defines)] = {
                "oracle": res.oracle,
                "error": res.oracle_error,
                "seconds": res.oracle_seconds,
            }
    if not args.no_cache:
        args.cache.write_text(json.dumps(cache))

    base = steward_engine(files, defines, args.profile)
    for spec in specs:
        res = results[str(spec)]
        try:
            res.steward, res.diagnostics, res.steward_seconds = run_steward(spec, base)
        except Exception as exc:  # a crash is a finding, never the end of the run
            res.steward_error = f"{type(exc).__name__}: {exc}"
    report(specs, results, args)


def report(specs: list[Path], results: dict[str, Result], args: argparse.Namespace) -> None:
    compared = [r for r in results.values() if r.oracle is not None]
    oracle_failed = [r for r in results.values() if r.oracle is None]
    crashes = [r for r in results.values() if r.steward_error]
    per_field: Counter[str] = Counter()
    classes: dict[str, list[str]] = defaultdict(list)
    full = 0
    rows = []
    for r in compared:
        ok_all = True
        bad: dict[str, tuple[Any, Any]] = {}
        for f in FIELDS:
            want = r.oracle.get(f) if r.oracle else None
            got = r.steward.get(f) if r.steward else None
            if r.steward is not None and got == want:
                per_field[f] += 1
            else:
                ok_all = False
                bad[f] = (got, want)
                cls = "crash" if r.steward is None else classify(f, got, want, r.diagnostics)
                if r.spec not in classes[cls]:
                    classes[cls].append(r.spec)
        full += ok_all
        rows.append(
            {
                "spec": r.spec,
                "agrees": ok_all,
                "differs": bad,
                "diagnostics": r.diagnostics,
                "steward_error": r.steward_error,
            }
        )
    n = len(compared)
    print(
        f"specs found: {len(specs)}; compared: {n}; rpmspec refused: {len(oracle_failed)}; "
        f"Steward crashes: {len(crashes)}"
    )
    print(
        f"Steward: {'profile ' + args.profile if args.profile else 'same macro files as rpmspec'}"
    )
    print()
    print(f"{'field':<10} {'agree':>7} {'of':>5} {'%':>7}")
    for f in FIELDS:
        print(f"{f:<10} {per_field[f]:>7} {n:>5} {100 * per_field[f] / max(n, 1):>6.1f}%")
    print(f"{'ALL':<10} {full:>7} {n:>5} {100 * full / max(n, 1):>6.1f}%")
    print()
    print("disagreement classes (a spec may fall in several):")
    for cls, members in sorted(classes.items(), key=lambda kv: -len(kv[1])):
        names = ", ".join(Path(m).name for m in members[: args.examples])
        print(f"  {len(members):>4}  {cls:<42} e.g. {names}")
    if oracle_failed:
        print("\nrpmspec refused (not compared):")
        for reason, count in Counter(r.oracle_error[:90] for r in oracle_failed).most_common(8):
            print(f"  {count:>4}  {reason}")
    for r in crashes[:10]:
        print(f"CRASH {r.spec}: {r.steward_error}")
    st = [r.steward_seconds for r in results.values() if r.steward is not None]
    orc = [r.oracle_seconds for r in results.values() if r.oracle_seconds]
    print()
    if st:
        print(
            f"time per spec: Steward mean {1000 * statistics.mean(st):.2f} ms, "
            f"median {1000 * statistics.median(st):.2f} ms"
        )
    if orc:
        print(
            f"               rpmspec mean {1000 * statistics.mean(orc):.1f} ms, "
            f"median {1000 * statistics.median(orc):.1f} ms (one process per spec)"
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1, default=str))


if __name__ == "__main__":
    main()
