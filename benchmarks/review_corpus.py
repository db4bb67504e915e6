#!/usr/bin/env python3
"""Benchmark on real data: review the recent commits of real src-openeuler package repos.

For each bare repository given (``/work/.mirror/openeuler-mirror+<pkg>/repo``, fetched with
the search tool), the repository is cloned locally and each of its last ``--commits``
non-merge commits that touch the spec is reviewed offline as ``HEAD~1..HEAD`` of that commit
(``steward review PKG --git C~1..C``), judged on the commit's own date. It prints, per rule,
how often it failed or was undecided, the verdicts, the classification counts and the time
per review, so false positives on changes that real maintainers merged can be read off.

    .venv/bin/python benchmarks/review_corpus.py /work/.mirror/openeuler-mirror+*/repo \\
        --commits 3 --workdir /work/corpus/review
"""

from __future__ import annotations

import argparse
import datetime as _dt
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from steward.review import ReviewOptions, State  # noqa: E402
from steward.workflows.review import ReviewInputError, review_git_range  # noqa: E402


def git(*argv: str, cwd: Path | None = None) -> str:
    return subprocess.run(["git", *argv], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("repos", nargs="+", type=Path)
    parser.add_argument("--commits", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=Path("/work/corpus/review"))
    parser.add_argument("--show", action="store_true", help="print each review's failures")
    args = parser.parse_args()
    failed: Counter[str] = Counter()
    undecided: Counter[str] = Counter()
    verdicts: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    errors: list[str] = []
    times: list[float] = []
    for bare in args.repos:
        name = bare.parent.name.split("+", 1)[-1]
        clone = args.workdir / name
        if not clone.exists():
            try:
                git("clone", "--quiet", str(bare), str(clone))
            except subprocess.CalledProcessError as exc:
                errors.append(f"{name}: clone failed: {exc.stderr.strip()[:100]}")
                continue
        log = git("log", "--no-merges", "--format=%H %cs", f"-{args.commits}", "--",
                  "*.spec", cwd=clone).split("\n")
        for line in filter(None, log):
            commit, day = line.split()
            if subprocess.run(["git", "rev-parse", "-q", "--verify", f"{commit}~1"], cwd=clone,
                              capture_output=True).returncode != 0:
                continue
            options = ReviewOptions(today=_dt.date.fromisoformat(day) + _dt.timedelta(days=1))
            started = time.perf_counter()
            try:
                review = review_git_range(clone, f"{commit}~1..{commit}", options)
            except (ReviewInputError, ValueError, OSError) as exc:
                errors.append(f"{name}@{commit[:8]}: {exc}"[:200])
                continue
            times.append(time.perf_counter() - started)
            verdicts[review.verdict.value] += 1
            kinds[review.classification.kind.value] += 1
            for r in review.results:
                if r.failed:
                    failed[r.id] += 1
                elif r.state is State.UNDECIDED and r.waived is None:
                    undecided[r.id] += 1
            if args.show:
                print(f"{name}@{commit[:8]} {review.verdict.value}: "
                      f"{review.classification.kind.value}")
                for r in review.results:
                    if r.failed or r.state is State.UNDECIDED:
                        print(f"    {r.state.value:9} {r.severity.value:7} {r.id}: "
                              f"{r.message[:110]}")
    print(f"{len(times)} real changes reviewed from {len(args.repos)} repositories")
    if times:
        print(f"time per review: median {statistics.median(times):.3f} s, "
              f"max {max(times):.3f} s")
    print(f"verdicts: {dict(verdicts)}")
    print(f"classes: {dict(kinds)}")
    print(f"{'rule':32} {'failed':>7} {'undecided':>10}")
    for rule in sorted(set(failed) | set(undecided), key=lambda r: -(failed[r] + undecided[r])):
        print(f"{rule:32} {failed[rule]:>7} {undecided[rule]:>10}")
    for error in errors:
        print(f"error: {error}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
