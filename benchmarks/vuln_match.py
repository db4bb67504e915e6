"""Matching benchmark: N advisories (shaped like the real openEuler OSV, AlmaLinux OSV and
openEuler CSAF records in ``../shared/data``) against M packages; prints time and peak memory.

    .venv/bin/python benchmarks/vuln_match.py                      # 100,000 x 10,000
    .venv/bin/python benchmarks/vuln_match.py --advisories 20000 --packages 2000

Every advisory goes through the real reader (``parse_osv`` / ``parse_csaf`` on the JSON
text), the index and the matcher; packages are :class:`steward.vuln.match.Target` values
with binaries and EVRs (some with epochs), without spec files, so no backport evidence is
read. A quarter of the advisories name a package of the set; the rest name others, as a
distribution-wide feed does.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import resource
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from steward.vuln.load import parse_bytes
from steward.vuln.match import AdvisoryIndex, Target, match_targets
from steward.vuln.model import Advisory

ECOSYSTEM = "openEuler:24.03-LTS"


def _name(i: int) -> str:
    return f"pkg{i:05d}-lib" if i % 7 else f"python-pkg{i:05d}"


def _evr(rng: random.Random) -> tuple[str, str]:
    version = f"{rng.randint(0, 9)}.{rng.randint(0, 40)}.{rng.randint(0, 20)}"
    return version, str(rng.randint(1, 12))


def _events(fixed: str) -> list[dict[str, str]]:
    return [{"introduced": "0"}, {"fixed": fixed}]


def _oe_osv(n: int, name: str, fixed: str, cves: list[str]) -> dict[str, object]:
    binaries = [name, f"{name}-devel", f"{name}-help", f"{name}-debuginfo"]
    return {
        "id": f"OESA-2099-{n:06d}",
        "summary": f"{name} security update",
        "details": "Security Fix(es): " + " ".join(f"text ({c})" for c in cves),
        "modified": "2099-01-01T00:00:00Z",
        "published": "2099-01-01T00:00:00Z",
        "upstream": cves,
        "database_specific": {"severity": "High"},
        "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:H"}],
        "affected": [
            {
                "package": {
                    "name": name,
                    "ecosystem": eco,
                    "purl": f"pkg:rpm/openEuler/{name}&distro={eco.replace(':', '-')}",
                },
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}
                ],
                "ecosystem_specific": {
                    "src": [f"{name}-{fixed}.src.rpm"],
                    "x86_64": [f"{b}-{fixed}.x86_64.rpm" for b in binaries],
                    "aarch64": [f"{b}-{fixed}.aarch64.rpm" for b in binaries],
                },
            }
            for eco in (ECOSYSTEM, "openEuler:22.03-LTS-SP4")
        ],
        "schema_version": "1.9.0",
    }


def _alma_osv(n: int, name: str, fixed: str, cves: list[str]) -> dict[str, object]:
    return {
        "id": f"ALSA-2099:{n:06d}",
        "summary": f"Moderate: {name} security update",
        "related": cves,
        "modified": "2099-01-01T00:00:00Z",
        "affected": [
            {
                "package": {"ecosystem": "AlmaLinux:9", "name": binary},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": f"2:{fixed}"}]}
                ],
            }
            for binary in (name, f"{name}-libs", f"{name}-devel")
        ],
    }


VECTOR = "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H"


def _product(pid: str) -> dict[str, object]:
    return {"product": {"product_id": pid, "name": pid}}


def _oe_csaf(n: int, name: str, fixed: str, cves: list[str]) -> dict[str, object]:
    files = [f"{b}-{fixed}.x86_64.rpm" for b in (name, f"{name}-devel")] + [
        f"{name}-{fixed}.src.rpm"
    ]
    product = "openEuler-24.03-LTS"
    ids = [f"{product}:{f.removesuffix('.rpm')}" for f in files]
    return {
        "document": {
            "category": "csaf_vex",
            "csaf_version": "2.0",
            "title": f"{name} security update",
            "publisher": {"name": "openEuler", "namespace": "https://www.openeuler.org"},
            "tracking": {"id": f"openEuler-SA-2099-{n:06d}", "current_release_date": "2099-01-01"},
        },
        "product_tree": {
            "branches": [
                {"name": "openEuler", "branches": [_product(product)]},
                {"name": "x86_64", "branches": [_product(f) for f in files]},
            ],
            "relationships": [
                {
                    "product_reference": f,
                    "relates_to_product_reference": product,
                    "full_product_name": {"product_id": pid, "name": pid},
                }
                for f, pid in zip(files, ids, strict=True)
            ],
        },
        "vulnerabilities": [
            {
                "cve": cve,
                "product_status": {"fixed": ids},
                "scores": [{"cvss_v3": {"vectorString": VECTOR}}],
            }
            for cve in cves
        ],
    }


def build(advisories: int, packages: int, seed: int) -> tuple[list[bytes], list[Target]]:
    rng = random.Random(seed)
    targets = []
    evrs = {}
    for i in range(packages):
        version, release = _evr(rng)
        epoch = "1:" if i % 50 == 0 else ""
        evrs[i] = (version, release)
        name = _name(i)
        targets.append(
            Target(name, f"{epoch}{version}-{release}.oe2403", (f"{name}-devel", f"{name}-help"))
        )
    texts = []
    for n in range(advisories):
        hit = rng.random() < 0.25
        index = rng.randrange(packages) if hit else packages + rng.randrange(packages * 10)
        name = _name(index)
        version, release = evrs.get(index, _evr(rng))
        fixed = f"{version}-{int(release) + rng.choice((-1, 1, 2))}.oe2403"
        cves = [f"CVE-2099-{n * 3 + k:06d}" for k in range(rng.randint(1, 3))]
        shape = n % 10
        if shape < 7:
            record: object = _oe_osv(n, name, fixed, cves)
        elif shape < 9:
            record = _oe_csaf(n, name, fixed, cves)
        else:
            record = _alma_osv(n, name, fixed, cves)
        texts.append(json.dumps(record).encode())
    return texts, targets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--advisories", type=int, default=100_000)
    parser.add_argument("--packages", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--trace", action="store_true", help="tracemalloc peak (slower)")
    args = parser.parse_args()

    texts, targets = build(args.advisories, args.packages, args.seed)
    size = sum(len(t) for t in texts)
    gc.collect()
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if args.trace:
        tracemalloc.start()
    started = time.perf_counter()
    parsed: list[Advisory] = []
    errors = 0
    for number, text in enumerate(texts):
        for item in parse_bytes(text, f"record-{number}"):
            if isinstance(item, Advisory):
                parsed.append(item)
            else:
                errors += 1
    read_done = time.perf_counter()
    index = AdvisoryIndex(parsed, [ECOSYSTEM])
    index_done = time.perf_counter()
    findings = match_targets(targets, index)
    match_done = time.perf_counter()
    peak = tracemalloc.get_traced_memory()[1] if args.trace else None
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    statuses: dict[str, int] = {}
    for finding in findings:
        statuses[finding.status.value] = statuses.get(finding.status.value, 0) + 1
    print(f"{len(texts):,} advisory files ({size / 2**20:.0f} MiB JSON, {len(parsed):,} "
          f"advisories, {errors} errors) x {len(targets):,} packages")  # fmt: skip
    rows = [
        ("read + validate (parse_osv / parse_csaf)", read_done - started),
        (f"index by package name ({len(index.by_name):,} names)", index_done - read_done),
        (f"match {len(targets):,} packages ({len(findings):,} findings)", match_done - index_done),
        ("total", match_done - started),
    ]
    print("| step | seconds |")
    print("| --- | ---: |")
    for label, seconds in rows:
        print(f"| {label} | {seconds:.2f} |")
    print(f"findings by status: {statuses}")
    print(
        f"peak RSS {rss / 1024:.0f} MiB (input texts and targets alone: {base_rss / 1024:.0f} MiB)"
    )
    if peak is not None:
        print(f"tracemalloc peak during read+index+match: {peak / 2**20:.0f} MiB")


if __name__ == "__main__":
    main()
