#!/usr/bin/env python3
"""``steward serve`` on loopback: the API's latency under load and the time to detect.

A flat tree of ``--packages`` PyPI packages plus ``--hooked`` GitHub packages, the fake
upstream as their API, the service in a thread (uvicorn, as ``steward serve`` runs it) and
every package checked once. Then:

- **API load**: ``--clients`` threads send requests for ``--seconds`` (a page of 100
  packages, one package, the outdated list's first page, in turn); prints requests per
  second and the latency percentiles;
- **time to detect**: for each GitHub package, a new release is published on the fake
  upstream and a signed ``release`` webhook is posted; the time from the webhook's send to
  the new version's appearing in the API is measured.

    .venv/bin/python benchmarks/service.py                      # 1,000 packages
    .venv/bin/python benchmarks/service.py --packages 10000 --clients 8
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests"), str(ROOT / "tests" / "service")]

import httpx  # noqa: E402
import payloads  # noqa: E402  (tests/service/payloads.py: the forges' deliveries)
from fakeupstream import FakeRelease, FakeUpstream  # noqa: E402

from steward.config import parse_config  # noqa: E402
from steward.service.server import ServerThread, open_state  # noqa: E402

SECRET = "bench-secret"


def make_tree(root: Path, packages: int, hooked: int) -> list[str]:
    root.mkdir(parents=True)
    tables, hooks = [], []
    for i in range(packages + hooked):
        github = i >= packages
        name = f"gh{i - packages:03d}" if github else f"pkg{i:05d}"
        (root / f"{name}.spec").write_text(
            f"Name: {name}\nVersion: 1.0\nRelease: 1\nSummary: s\nLicense: MIT\n"
        )
        if github:
            tables.append(f'[packages.{name}]\nsource = "github"\ngithub = "bench/{name}"\n')
            hooks.append(name)
        else:
            tables.append(f'[packages.{name}]\nsource = "pypi"\npypi = "{name}"\n')
    (root / "steward.toml").write_text("\n".join(tables))
    return hooks


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def load(url: str, names: list[str], clients: int, seconds: float) -> list[float]:
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(index: int) -> None:
        paths = ["/api/v1/packages?limit=100", "/api/v1/outdated?limit=100"]
        mine: list[float] = []
        with httpx.Client(base_url=url, timeout=30) as http:
            i = index
            while time.monotonic() < stop:
                path = paths[i % 2] if i % 3 == 0 else f"/api/v1/packages/{names[i % len(names)]}"
                started = time.perf_counter()
                http.get(path).raise_for_status()
                mine.append(time.perf_counter() - started)
                i += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--packages", type=int, default=1000)
    parser.add_argument("--hooked", type=int, default=20)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="steward-bench-service-") as scratch,
        FakeUpstream() as up,
    ):
        base = Path(scratch)
        hooks = make_tree(base / "tree", args.packages, args.hooked)
        for i in range(args.packages):
            up.add_project("pypi", f"pkg{i:05d}", ["1.0", "1.1"])
        for name in hooks:
            up.add_project("github", f"bench/{name}", [FakeRelease("v1.0", date="2026-01-01")])
        (base / "config.toml").write_text(
            "[network]\nallow_private = true\nconcurrency = 16\n"
            f'[network.base_url_overrides]\n"https://pypi.org" = "{up.url}"\n'
            f'[upstream.base_urls]\ngithub = "{up.url}"\n'
            f'[service]\nwebhook_secrets = {{ github = "{SECRET}" }}\n'
        )
        config = parse_config(base / "config.toml")
        state = open_state(base / "tree", config, db=str(base / "steward.sqlite"))
        started = time.monotonic()
        state.check(p.name for p in state.distro)
        print(f"{len(state.distro)} packages checked in {time.monotonic() - started:.1f} s")
        with ServerThread(state) as server, httpx.Client(base_url=server.url) as http:
            names = [p.name for p in state.distro]
            latencies = load(server.url, names, args.clients, args.seconds)
            rate = len(latencies) / args.seconds
            print(
                f"API, {args.clients} clients, {args.seconds:.0f} s: {rate:.0f} requests/s, "
                f"p50 {percentile(latencies, 0.5) * 1000:.1f} ms, "
                f"p99 {percentile(latencies, 0.99) * 1000:.1f} ms"
            )
            detect: list[float] = []
            for name in hooks:
                up.release("github", f"bench/{name}", FakeRelease("v1.1", date="2026-12-08"))
                headers, body = payloads.github_release(f"bench/{name}", "v1.1", SECRET)
                sent = time.perf_counter()
                http.post("/webhooks/github", headers=headers, content=body).raise_for_status()
                while http.get(f"/api/v1/packages/{name}").json()["newest"] != "1.1":
                    if time.perf_counter() - sent > 30:
                        raise SystemExit(f"{name}: not detected within 30 s")
                    time.sleep(0.01)
                detect.append(time.perf_counter() - sent)
            print(
                f"time to detect (webhook sent -> new version in the API), {len(detect)} "
                f"releases: median {statistics.median(detect) * 1000:.0f} ms, "
                f"max {max(detect) * 1000:.0f} ms"
            )
        state.store.close()


if __name__ == "__main__":
    main()
