"""``steward serve`` as a process: the scheduler checks a fresh tree, a webhook brings a new
version within seconds, SIGTERM stops it cleanly."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import payloads
import pytest
from conftest import SECRETS, make_tree, seed, write_config
from fakeupstream import FakeRelease, FakeUpstream

STEWARD = str(Path(sys.executable).with_name("steward"))
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(predicate: Any, timeout: float = 20.0) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if predicate():
            return time.monotonic() - started
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_serve_checks_a_fresh_tree_and_a_webhook_brings_the_new_version(tmp_path: Path) -> None:
    tree = make_tree(tmp_path / "tree")
    port = free_port()
    with FakeUpstream() as up:
        seed(up)
        config = write_config(tmp_path / "config.toml", up.url)
        proc = subprocess.Popen(
            [
                STEWARD,
                "serve",
                str(tree),
                "--port",
                str(port),
                "--db",
                str(tmp_path / "s.sqlite"),
                "--config",
                str(config),
            ],
            env={**os.environ, "STEWARD_CONFIG": str(config)},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"

            def package(name: str) -> dict[str, Any] | None:
                try:
                    doc: dict[str, Any] = httpx.get(f"{base}/api/v1/packages/{name}").json()
                except httpx.HTTPError:
                    return None
                return doc

            # Never checked: the scheduler finds every upstream due and checks it.
            wait_for(lambda: (package("gh-release") or {}).get("newest") == "1.1")
            up.release("github", "acme/gh-release", FakeRelease("v1.2", date="2026-12-07"))
            headers, body = payloads.github_release("acme/gh-release", "v1.2", SECRETS["github"])
            sent = time.monotonic()
            answer = httpx.post(f"{base}/webhooks/github", headers=headers, content=body)
            assert answer.status_code == 202, answer.text
            wait_for(lambda: (package("gh-release") or {}).get("newest") == "1.2", timeout=10)
            detected = time.monotonic() - sent
            assert detected < 5, detected
        finally:
            proc.send_signal(signal.SIGTERM)
            output = proc.communicate(timeout=30)[0].decode()
        assert proc.returncode == 0, output
        assert "test-token" not in output and SECRETS["github"] not in output
