"""`steward check` as a process: killed mid-run it loses nothing, faults end in recorded errors."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fakeupstream import FakeUpstream, Faults

from steward.store import Store
from steward.workflows.check import tree_key

STEWARD = str(Path(sys.executable).with_name("steward"))
pytestmark = pytest.mark.slow


def make_tree(root: Path, count: int) -> Path:
    """A flat tree of pypi packages, packaged at 1.0, upstream at 1.0 and 2.0."""
    root.mkdir(parents=True)
    tables = []
    for i in range(count):
        name = f"pkg{i:03d}"
        (root / f"{name}.spec").write_text(
            f"Name: {name}\nVersion: 1.0\nRelease: 1\nSummary: s\nLicense: MIT\n"
        )
        tables.append(f'[packages.{name}]\nsource = "pypi"\npypi = "{name}"\n')
    (root / "steward.toml").write_text("\n".join(tables))
    return root


def write_config(path: Path, url: str, *, timeout: float = 5, retries: int = 1) -> Path:
    path.write_text(
        "[network]\nallow_private = true\nconcurrency = 4\n"
        f"timeout = {timeout}\nretries = {retries}\n"
        f'[network.base_url_overrides]\n"https://pypi.org" = "{url}"\n'
    )
    return path


def seed(up: FakeUpstream, count: int) -> None:
    for i in range(count):
        up.add_project("pypi", f"pkg{i:03d}", ["1.0", "2.0"])


def test_killed_check_resumes_and_loses_nothing(tmp_path: Path) -> None:
    count = 60
    tree = make_tree(tmp_path / "tree", count)
    db = tmp_path / "steward.sqlite"
    with FakeUpstream() as up:
        seed(up, count)
        up.set_faults(Faults(latency=0.15))
        env = {
            **os.environ,
            "STEWARD_CONFIG": str(write_config(tmp_path / "c.toml", up.url)),
            "STEWARD_DB": str(db),
        }
        proc = subprocess.Popen(
            [STEWARD, "check", str(tree)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        committed = 0
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and committed < 8:
            time.sleep(0.2)
            if db.exists():
                with Store.open(db) as store:
                    committed = len(store.latest_checks(tree_key(tree)))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert 0 < committed < count, committed

        with Store.open(db) as store:
            before = {r.package: r.recommended for r in store.latest_checks(tree_key(tree))}
        assert len(before) >= committed and all(v == "2.0" for v in before.values())

        up.set_faults(None)
        again = subprocess.run(
            [STEWARD, "check", str(tree), "--json"], env=env, capture_output=True, text=True
        )
        assert again.returncode == 0, again.stderr
        document = json.loads(again.stdout)
        assert document["resumed"] is True
        assert document["summary"]["skipped"] == len(before)
        assert len(document["packages"]) == count - len(before)
        with Store.open(db) as store:
            rows = store.latest_checks(tree_key(tree))
        assert {r.package for r in rows} == {f"pkg{i:03d}" for i in range(count)}
        assert all(r.recommended == "2.0" for r in rows)


def test_faults_end_in_recorded_errors_and_exit_1_keeping_last_known(tmp_path: Path) -> None:
    count = 30
    tree = make_tree(tmp_path / "tree", count)
    db = tmp_path / "steward.sqlite"
    with FakeUpstream() as up:
        seed(up, count)
        env = {
            **os.environ,
            "STEWARD_CONFIG": str(write_config(tmp_path / "c.toml", up.url, timeout=1)),
            "STEWARD_DB": str(db),
        }
        first = subprocess.run(
            [STEWARD, "check", str(tree)], env=env, capture_output=True, text=True
        )
        assert first.returncode == 0, first.stdout + first.stderr

        up.set_faults(Faults(status=503), kind="pypi", name="pkg003")
        up.set_faults(Faults(hang=True), kind="pypi", name="pkg007")
        up.release("pypi", "pkg011", "2.1")  # a changed body, so no 304 can hide the fault
        up.set_faults(Faults(malformed=True), kind="pypi", name="pkg011")
        up.set_faults(Faults(status=404), kind="pypi", name="pkg013")
        up.release("pypi", "pkg020", "3.0")
        started = time.monotonic()
        second = subprocess.run(
            [STEWARD, "check", str(tree), "--no-resume", "--json"],
            env=env,
            capture_output=True,
            text=True,
        )
        assert time.monotonic() - started < 30
        assert second.returncode == 1
        results = {r["package"]: r for r in json.loads(second.stdout)["packages"]}
        assert len(results) == count
        errors = {name: r["error"]["code"] for name, r in results.items() if r["error"]}
        assert errors == {
            "pkg003": "http-503",
            "pkg007": "timeout",
            "pkg011": "malformed-response",
            "pkg013": "upstream-not-found",
        }
        assert results["pkg020"]["recommended"] == "3.0"

        outdated = subprocess.run(
            [STEWARD, "outdated", str(tree), "--json"], env=env, capture_output=True, text=True
        )
        rows = {r["package"]: r for r in json.loads(outdated.stdout)["packages"]}
        # A failed re-check keeps the last known answer, and says it failed.
        assert rows["pkg003"]["recommended"] == "2.0"
        assert rows["pkg003"]["error"]["code"] == "http-503"
        assert rows["pkg020"]["recommended"] == "3.0"


def test_a_runs_repr_stays_short_however_many_results() -> None:
    # asyncio formats the finished run's task, result included, when asyncio.run ends.
    from steward.upstream.engine import CheckResult
    from steward.workflows.check import CheckRun

    run = CheckRun(run_id=3, results=[CheckResult(f"p{n}", "1.0", None) for n in range(10_000)])
    assert repr(run) == (
        "CheckRun(run_id=3, 10000 results, skipped=0, resumed=False, seconds=0.000)"
    )
