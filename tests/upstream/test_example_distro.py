"""End to end: `steward check` and `steward outdated` on examples/distro against loopback.

The example packages name their real upstreams; tests/fakeupstream serves those APIs on
127.0.0.1 and local git/svn/hg repositories stand in for the VCS upstreams. Every package
must get the right answer, and a re-check of unchanged upstreams costs only 304s.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fakeupstream.exampledistro import example_upstream

from steward.config import load_config
from steward.distro.tree import load_tree
from steward.store import Store
from steward.workflows.check import CheckOptions, latest_rows, run_check

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "distro"

#: package -> (packaged version, recommended version) with the latest policy.
EXPECTED = {
    "A-Tune-Collector": ("1.1.0", "1.3.0"),
    "adcli": ("0.8.2", "0.9.2"),
    "apr": ("1.7.0", "1.7.5"),
    "dblatex": ("0.3.11", "0.3.12"),
    "dos2unix": ("7.4.1", "7.4.4"),
    "expat": ("2.2.8", "2.6.3"),
    "golang-github-coreos-go-iptables": ("0.4.5", "0.7.0"),
    "hello": ("2.9", "2.12.1"),
    "iniparser": ("4.1", "4.2.4"),
    "jansson": ("2.13.1", "2.14.1"),
    "libgee": ("0.20.3", "0.20.6"),
    "libyaml": ("0.2.2", "0.2.5"),
    "lz4": ("1.9.2", "1.10.0"),
    "perl-Try-Tiny": ("0.30", "0.31"),
    "python-idna": ("2.10", "3.7"),
    "python-requests": ("2.24.0", "2.32.3"),
    "rubygem-rake": ("13.0.1", "13.2.1"),
    "traceroute": ("2.1.0", "2.1.5"),
    "which": ("2.20", "2.21"),
    "zstd": ("1.4.5", "1.5.6"),
}
NO_UPSTREAM = {"PyPAM", "libuv"}

pytestmark = pytest.mark.slow


def test_check_gives_the_right_answer_for_every_example_package(tmp_path: Path) -> None:
    distro = load_tree(EXAMPLES)
    with example_upstream(tmp_path / "up") as up, Store.open(tmp_path / "db.sqlite") as store:
        config = load_config(up.config_path)
        run = run_check(distro, config, CheckOptions(), store=store)
        by_name = {r.package: r for r in run.results}
        got = {
            name: (
                r.current_version,
                r.recommendation.recommended.version
                if r.recommendation and r.recommendation.recommended
                else None,
            )
            for name, r in by_name.items()
            if name in EXPECTED
        }
        errors = {n: (r.error_code, r.error_message) for n, r in by_name.items() if r.error_code}
        assert got == EXPECTED, errors
        for name in NO_UPSTREAM:
            assert by_name[name].error_code == "no-upstream", by_name[name]
        assert not run.failures, [(r.package, r.error_code, r.error_message) for r in run.failures]
        # Pre-releases newer than the latest stable are seen but not recommended.
        assert by_name["jansson"].recommendation.newest.version == "2.15.0-rc1"
        rows = {row.package: row for row in latest_rows(store, distro)}
        assert rows["zstd"].recommended == "1.5.6" and rows["zstd"].upstream_kind == "github"

        # Re-check: nothing changed upstream, so every HTTP request is answered 304.
        up.server.reset()
        again = run_check(distro, config, CheckOptions(), store=store)
        stats = up.server.stats()
        assert stats["requests"] > 0
        assert stats["not_modified"] == stats["requests"], stats
        assert {
            r.package: r.recommendation.recommended.version
            for r in again.results
            if r.recommendation and r.recommendation.recommended
        } == {k: v[1] for k, v in EXPECTED.items()}


def test_cli_check_then_outdated(tmp_path: Path) -> None:
    steward = Path(sys.executable).with_name("steward")
    env = {**os.environ, "STEWARD_DB": str(tmp_path / "cli.sqlite"), "COLUMNS": "200"}
    with example_upstream(tmp_path / "up") as up:
        env["STEWARD_CONFIG"] = str(up.config_path)
        check = subprocess.run(
            [str(steward), "check", str(EXAMPLES)], capture_output=True, text=True, env=env
        )
        assert check.returncode == 0, check.stdout + check.stderr
        assert "packages checked" in check.stdout
        table = subprocess.run(
            [str(steward), "outdated", str(EXAMPLES)], capture_output=True, text=True, env=env
        )
        assert table.returncode == 0, table.stderr
        assert "jansson" in table.stdout and "2.14.1" in table.stdout
        document = json.loads(
            subprocess.run(
                [str(steward), "outdated", str(EXAMPLES), "--json"],
                capture_output=True,
                text=True,
                env=env,
            ).stdout
        )
        found = {p["package"]: p["recommended"] for p in document["packages"]}
        assert found == {k: v[1] for k, v in EXPECTED.items()}
        markdown = subprocess.run(
            [str(steward), "outdated", str(EXAMPLES), "--format", "markdown"],
            capture_output=True,
            text=True,
            env=env,
        ).stdout
        assert markdown.startswith("| Package | Packaged |")


def test_the_last_packages_go_to_the_store_in_small_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The run waits for its last batch to be written: the end of a run sends small ones.
    from steward.workflows import check as workflow
    from steward.workflows.storelink import StoreLink

    monkeypatch.setattr(workflow, "_BATCH", 10)
    monkeypatch.setattr(workflow, "_LAST_BATCH", 3)
    monkeypatch.setattr(workflow, "_BATCH_SECONDS", 3600.0)  # sizes alone decide
    sizes: list[int] = []

    class Counting(StoreLink):
        def send(self, records: list[Any]) -> None:
            sizes.append(len(records))
            super().send(records)

    distro = load_tree(EXAMPLES)
    with example_upstream(tmp_path / "up") as up:
        config = load_config(up.config_path)
        link = Counting(str(tmp_path / "db.sqlite")).start()
        run = run_check(distro, config, CheckOptions(), link=link)
    assert len(run.results) == len(distro) == 23
    # 10 while 10 or more are left, then 3 at a time, or what came in while a batch was on
    # its way (how many do depends on timing).
    assert sizes[0] == 10 and sum(sizes) == 23, sizes
    assert [workflow._batch_size(left) for left in (13, 10, 9, 1)] == [10, 10, 3, 3]
    with Store.open(tmp_path / "db.sqlite") as store:
        assert len(latest_rows(store, distro)) == 23
