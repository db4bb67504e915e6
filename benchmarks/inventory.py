#!/usr/bin/env python3
"""Benchmark: load a large package tree with Steward, side by side with ``rpmspec -P``.

Builds a src-openeuler style tree of N packages (default 10,000) from the bundled example
distribution's specs and patches and openEuler's real upstream metadata
(``../shared/data/upstream-info``), then measures:

* Steward: ``steward.distro.load_tree`` over the whole tree, in a fresh process (wall time,
  packages per second, peak RSS), once with one process and once with the default workers;
* rpm: ``rpmspec -P`` (with the same openEuler macros loaded) over a sample of the same
  specs, one process per spec as a maintainer's script runs it, per-spec time;
* librpm in one process: ``rpm.spec()`` from python3-rpm over the same sample, timed after
  the import, with rpm's configuration and the same macros loaded afresh before each spec
  (a spec's ``%global`` would otherwise leak into the next), in the system Python when this
  one cannot import ``rpm``. Both read each spec's name, EVR and Source0; the table says
  on how many of the sample they agree, and lists the first differences.

It prints a table and the ratio of per-spec times. Run it with:

    .venv/bin/python benchmarks/inventory.py            # 10,000 packages
    .venv/bin/python benchmarks/inventory.py -n 2000 --rpmspec-sample 100
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "distro"
SHARED = ROOT.parent / "shared" / "data"
UPSTREAM_INFO = SHARED / "upstream-info"
OE_MACROS = SHARED / "rpm-macros" / "openeuler"

_NAME_LINE = re.compile(r"^(Name:\s*)(\S+)", re.M | re.I)


def template_packages() -> list[Path]:
    """Example package folders that load cleanly (one spec named after the folder)."""
    found = []
    for folder in sorted(EXAMPLES.iterdir()):
        spec = folder / f"{folder.name}.spec"
        specs = list(folder.glob("*.spec"))
        if spec.is_file() and len(specs) == 1:
            found.append(folder)
    if not found:
        sys.exit(f"no example packages in {EXAMPLES}")
    return found


def build_tree(target: Path, count: int) -> list[Path]:
    """Write ``count`` packages under ``target``; returns their spec paths."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    templates = template_packages()
    infos = sorted(UPSTREAM_INFO.glob("*.yaml")) if UPSTREAM_INFO.is_dir() else []
    specs: list[Path] = []
    cache: dict[Path, tuple[str, list[tuple[str, bytes]]]] = {}
    for i in range(count):
        template = templates[i % len(templates)]
        if template not in cache:
            text = (template / f"{template.name}.spec").read_text(encoding="utf-8")
            extras = [
                (p.name, p.read_bytes())
                for p in sorted(template.iterdir())
                if p.suffix in (".patch", ".diff")
            ]
            cache[template] = (text, extras)
        text, extras = cache[template]
        name = f"{template.name}-b{i:05d}"
        folder = target / name
        folder.mkdir()
        # The spec's Name must match the folder, or every package reports a mismatch.
        spec_text = _NAME_LINE.sub(lambda m, n=name: m.group(1) + n, text, count=1)
        spec_path = folder / f"{name}.spec"
        spec_path.write_text(spec_text, encoding="utf-8")
        for filename, data in extras:
            (folder / filename).write_bytes(data)
        if infos:
            (folder / f"{name}.yaml").write_bytes(infos[i % len(infos)].read_bytes())
        specs.append(spec_path)
    return specs


def measure_steward(tree: Path, jobs: int | None) -> dict[str, Any]:
    """Load the tree in a fresh interpreter and report wall time and peak RSS."""
    code = (
        "import json, resource, sys, time\n"
        "from steward.distro.tree import load_tree\n"
        "t = time.perf_counter()\n"
        f"d = load_tree(sys.argv[1], jobs={jobs!r})\n"
        "wall = time.perf_counter() - t\n"
        "own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "read = {str(r.spec_path): [r.spec_name, r.evr, next((x.expanded for x in r.sources "
        "if x.number == 0), None)] for r in d}\n"
        "print(json.dumps({'wall': wall, 'packages': len(d), 'rss_kb': own, "
        "'child_rss_kb': kids, 'problems': d.problems_count, 'read': read}))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(tree)], capture_output=True, text=True, check=True
    )
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


#: Run by a Python that can import rpm: parse each spec with librpm in this one process.
_LIBRPM = r"""
import json, sys, time
import rpm
specs, macro_files = json.loads(sys.stdin.read())
rpm.setVerbosity(rpm.RPMLOG_CRIT)
read, failures = {}, 0
started = time.perf_counter()
for path in specs:
    rpm.reloadConfig()  # a fresh macro context per spec, as a new rpmspec process has
    for name in macro_files:
        rpm.expandMacro("%%{load:%s}" % name)
    rpm.addMacro("dist", ".oe2403")
    try:
        spec = rpm.spec(path)
    except Exception:
        failures += 1
        continue
    h = spec.sourceHeader
    epoch = h["epoch"]
    evr = ("%s:" % epoch if epoch is not None else "") + "%s-%s" % (h["version"], h["release"])
    source0 = next((url for url, num, flags in spec.sources if num == 0 and flags & 1), None)
    read[path] = [h["name"], evr, source0]
wall = time.perf_counter() - started
print(json.dumps({"wall": wall, "specs": len(specs), "failures": failures, "read": read}))
"""


def librpm_python() -> str | None:
    """This Python when it can import ``rpm``, else the system's, else None."""
    for python in (sys.executable, "/usr/bin/python3"):
        probe = subprocess.run([python, "-c", "import rpm"], capture_output=True, check=False)
        if probe.returncode == 0:
            return python
    return None


def measure_librpm(specs: list[Path], *, all_macros: bool) -> dict[str, Any]:
    """``rpm.spec()`` over ``specs`` in one process (see the module docstring)."""
    python = librpm_python()
    if python is None:
        return {}
    pattern = "macros*.oe" if all_macros else "macros.oe"
    macro_files = [str(p) for p in sorted(OE_MACROS.glob(pattern))] if OE_MACROS.is_dir() else []
    proc = subprocess.run(
        [python, "-c", _LIBRPM],
        input=json.dumps([[str(s) for s in specs], macro_files]),
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def agreement(
    steward: dict[str, list[str | None]], librpm: dict[str, list[str | None]]
) -> tuple[int, int, list[str]]:
    """How many specs both read, on how many they agree (name, EVR, Source0), and the first
    differences."""
    both = [path for path in librpm if path in steward]
    same = 0
    differences: list[str] = []
    for path in both:
        if steward[path] == librpm[path]:
            same += 1
        elif len(differences) < 5:
            differences.append(f"{Path(path).name}: steward {steward[path]} librpm {librpm[path]}")
    return len(both), same, differences


def measure_rpmspec(specs: list[Path], *, all_macros: bool) -> dict[str, float]:
    """``rpmspec -P`` once per spec, with openEuler's main macro file (``--all-macros``:
    every openEuler macro file; some of them run lua at load time, which costs rpmspec
    about 0.2 s per spec, so the default is the conservative comparison)."""
    rpmspec = shutil.which("rpmspec")
    if rpmspec is None:
        return {}
    pattern = "macros*.oe" if all_macros else "macros.oe"
    loads: list[str] = []
    for macro_file in sorted(OE_MACROS.glob(pattern)) if OE_MACROS.is_dir() else []:
        loads += ["--load", str(macro_file)]
    failures = 0
    started = time.perf_counter()
    for spec in specs:
        proc = subprocess.run(
            [rpmspec, "-P", *loads, "--define", "dist .oe2403", str(spec)],
            capture_output=True,
        )
        failures += proc.returncode != 0
    wall = time.perf_counter() - started
    return {"wall": wall, "specs": len(specs), "failures": failures}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--packages", type=int, default=10_000)
    parser.add_argument("--rpmspec-sample", type=int, default=300)
    parser.add_argument("--tree", type=Path, default=ROOT / ".bench" / "inventory-tree")
    parser.add_argument(
        "--all-macros", action="store_true", help="rpmspec loads every openEuler macro file"
    )
    args = parser.parse_args()

    print(f"building a tree of {args.packages} packages in {args.tree} …", flush=True)
    specs = build_tree(args.tree, args.packages)
    sample = specs[:: max(1, len(specs) // args.rpmspec_sample)][: args.rpmspec_sample]

    rows = []
    single = measure_steward(args.tree, 1)
    rows.append(("steward (1 process)", single))
    parallel = measure_steward(args.tree, None)
    rows.append((f"steward (default, {os.cpu_count()} CPUs)", parallel))
    rpm = measure_rpmspec(sample, all_macros=args.all_macros)
    lib = measure_librpm(sample, all_macros=args.all_macros)

    print()
    print(f"{'tool':34} {'specs':>7} {'wall s':>8} {'ms/spec':>8} {'pkgs/s':>9} {'peak RSS':>10}")
    for label, result in rows:
        per = result["wall"] * 1000 / result["packages"]
        rss = max(result["rss_kb"], result["child_rss_kb"]) / 1024
        print(
            f"{label:34} {result['packages']:>7} {result['wall']:>8.2f} {per:>8.3f} "
            f"{result['packages'] / result['wall']:>9.0f} {rss:>8.0f} MB"
        )
    if rpm:
        per_rpm = rpm["wall"] * 1000 / rpm["specs"]
        print(
            f"{'rpmspec -P (sample, per spec)':34} {rpm['specs']:>7} {rpm['wall']:>8.2f} "
            f"{per_rpm:>8.3f} {rpm['specs'] / rpm['wall']:>9.0f} {'-':>10}"
        )
        for label, result in rows:
            per = result["wall"] * 1000 / result["packages"]
            print(f"ratio rpmspec -P / {label}: {per_rpm / per:.1f}x faster per spec")
        if rpm["failures"]:
            print(f"(rpmspec failed on {rpm['failures']} of {rpm['specs']} sampled specs)")
    else:
        print("rpmspec not installed: no comparison")
    if lib:
        per_lib = lib["wall"] * 1000 / lib["specs"]
        print(
            f"{'librpm rpm.spec() (1 process)':34} {lib['specs']:>7} {lib['wall']:>8.2f} "
            f"{per_lib:>8.3f} {lib['specs'] / lib['wall']:>9.0f} {'-':>10}"
        )
        per = single["wall"] * 1000 / single["packages"]
        print(f"ratio librpm / steward (1 process): {per_lib / per:.1f}x faster per spec")
        both, same, differences = agreement(single["read"], lib["read"])
        print(
            f"name, EVR and Source0: steward and librpm agree on {same} of {both} sampled "
            f"specs both read (librpm failed on {lib['failures']})"
        )
        for line in differences:
            print(f"  differs: {line}")
    else:
        print("python3-rpm not importable (by this Python or /usr/bin/python3): no librpm row")


if __name__ == "__main__":
    main()
