#!/usr/bin/env python3
"""Benchmark: the review quality set, per check: defects found, false positives, time.

Builds every change of ``tests/review_cases/cases.py`` (clean changes of every class, and
changes with one seeded defect each) against the tests' fake upstream on loopback and real
git repositories, reviews each with :func:`steward.review.review_change` (no ``--build``),
and prints, per check module:

* defects: seeded defects of that check found / seeded;
* false positives: clean changes where a rule of the check failed (blocker / any severity);
* and overall the time per review (median, max) and the verdicts of the clean changes.

Run it from the repository root:

    .venv/bin/python benchmarks/review.py
    .venv/bin/python benchmarks/review.py --json     # the same numbers as JSON
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "src")]

from fakeupstream import FakeUpstream  # noqa: E402
from review_cases.cases import CASES, Env  # noqa: E402

from steward.review import Severity, review_change  # noqa: E402
from steward.review.checks import CHECK_MODULES  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    found: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    false_blockers: dict[str, int] = defaultdict(int)
    false_any: dict[str, int] = defaultdict(int)
    times: list[float] = []  # reviews without --build
    built: list[float] = []  # the --build cases (two rpmbuilds and a comparison each)
    verdicts: dict[str, int] = defaultdict(int)
    missed: list[str] = []
    with tempfile.TemporaryDirectory(prefix="steward-bench-review-") as tmp, FakeUpstream() as up:
        env = Env(up, Path(tmp) / "env")
        for case in CASES:
            inputs = case.build(env, Path(tmp) / case.name)
            started = time.perf_counter()
            review = review_change(inputs.before, inputs.after, inputs.options)
            (built if inputs.options.build else times).append(time.perf_counter() - started)
            failed = [r for r in review.results if r.failed]
            if case.clean:
                verdicts[review.verdict.value] += 1
                for check in {r.check for r in failed if r.severity is Severity.BLOCKER}:
                    false_blockers[check] += 1
                for check in {r.check for r in failed if r.severity is not Severity.NOTE}:
                    false_any[check] += 1
            else:
                assert case.expect is not None
                check = case.expect.split(".")[0]
                found[check][1] += 1
                if case.expect in {r.id for r in failed}:
                    found[check][0] += 1
                else:
                    missed.append(case.name)
    clean = sum(1 for c in CASES if c.clean)
    rows = []
    for check in [*CHECK_MODULES, "waivers"]:
        hit, seeded = found.get(check, [0, 0])
        rows.append({"check": check, "defects_found": hit, "defects_seeded": seeded,
                     "false_blockers": false_blockers.get(check, 0),
                     "false_warnings_or_blockers": false_any.get(check, 0)})
    summary = {
        "changes": len(CASES), "clean": clean, "defects": len(CASES) - clean,
        "median_seconds": round(statistics.median(times), 3), "max_seconds": round(max(times), 3),
        "build_seconds": [round(t, 3) for t in built],
        "clean_verdicts": dict(verdicts), "missed": missed, "checks": rows,
    }
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0 if not missed else 1
    print(f"{len(CASES)} changes ({clean} clean, {len(CASES) - clean} with one seeded defect)")
    print(f"{'check':14} {'defects found':>14} {'false blockers':>15} {'false warn+':>12}")
    for row in rows:
        print(f"{row['check']:14} {row['defects_found']:>6}/{row['defects_seeded']:<7} "
              f"{row['false_blockers']:>8}/{clean:<6} "
              f"{row['false_warnings_or_blockers']:>6}/{clean}")
    print(f"time per review: median {summary['median_seconds']:.3f} s, "
          f"max {summary['max_seconds']:.3f} s (target < 5 s, no --build)")
    if built:
        print(f"with --build: {', '.join(f'{t:.2f} s' for t in built)}")
    print(f"clean changes' verdicts: {dict(verdicts)}")
    if missed:
        print(f"MISSED: {', '.join(missed)}")
    return 0 if not missed else 1


if __name__ == "__main__":
    sys.exit(main())
