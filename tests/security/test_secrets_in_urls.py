"""Secrets written into upstream URLs (``?access_token=``, ``user:pass@``, ``private_token``)
are used to ask the upstream but never stored or printed: not in ``check --json``, not in the
store's keys, rows or upstream states, not in release URLs, not in errors. A re-check still
revalidates with the secret, taken back from the package's own configuration."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from fakeupstream import FakeUpstream

from steward.store import Store
from steward.upstream.redact import redact_text, redact_url, restore_url
from steward.upstream.state import decode_state

STEWARD = str(Path(sys.executable).with_name("steward"))
SECRETS = ("SECRET-Q-1", "SECRET-P-2", "SECRET-E-3", "SECRET-T-4")
LISTING = "".join(f'<a href="tool-{v}.tar.gz">tool-{v}.tar.gz</a>\n' for v in ("1.0", "2.0"))


def test_redact_url_hides_every_spelling_of_a_secret() -> None:
    assert redact_url("https://u:pw@h/x") == "https://u:REDACTED@h/x"
    assert redact_url("https://ghp_abc@github.com/o/r.git") == "https://REDACTED@github.com/o/r.git"
    assert redact_url("ssh://git@host/r.git") == "ssh://git@host/r.git"
    assert redact_url("https://h/api?private_token=t&page=2") == (
        "https://h/api?private_token=REDACTED&page=2"
    )
    assert redact_url("https://h/a?X-Amz-Signature=s") == "https://h/a?X-Amz-Signature=REDACTED"
    assert redact_url("https://h/a?page=2") == "https://h/a?page=2"


def test_redact_text_redacts_urls_inside_messages() -> None:
    text = "fatal: repository 'https://oauth2:tok@gitlab.example/x.git/' not found"
    assert redact_text(text) == (
        "fatal: repository 'https://oauth2:REDACTED@gitlab.example/x.git/' not found"
    )


def test_restore_url_takes_secrets_back_from_the_packages_own_urls() -> None:
    original = "https://u:pw@h/list/?access_token=abc&page=1"
    assert restore_url(redact_url(original), [original]) == original
    assert restore_url("https://h/x?key=REDACTED", ["https://other/?token=1"]) == (
        "https://h/x?key=REDACTED"
    )


def every_text_in(db: Path) -> str:
    """Every value of every row of every table, as text (states decompressed)."""
    texts: list[str] = []
    with sqlite3.connect(db) as connection:
        tables = [
            row[0]
            for row in connection.execute("select name from sqlite_master where type='table'")
        ]
        for table in tables:
            for row in connection.execute(f'select * from "{table}"'):
                texts.extend(repr(value) for value in row)
    with Store.open(db) as store:
        for key, packed in store.upstream_states().items():
            state = decode_state(packed)
            assert state is not None
            texts.append(key)
            texts.extend(repr(v) for v in state.validators)
            texts.extend(repr(r) for r in state.releases)
    return "\n".join(texts)


@pytest.mark.slow
def test_check_stores_and_prints_no_secret_from_an_upstream_url(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    for name in ("listed", "userinfo", "broken", "tokenuser"):
        (tree / f"{name}.spec").write_text(
            f"Name: {name}\nVersion: 1.0\nRelease: 1\nSummary: s\nLicense: MIT\n"
        )
    db = tmp_path / "steward.sqlite"
    with FakeUpstream() as up:
        up.add_page("/files/", f"<html><body>{LISTING}</body></html>")
        host = up.url.removeprefix("http://")
        (tree / "steward.toml").write_text(
            '[packages.listed]\nsource = "regex"\n'
            f'url = "{up.url}/files/?access_token={SECRETS[0]}"\n'
            'regex = "tool-([0-9.]+)\\\\.tar"\n'
            '[packages.userinfo]\nsource = "html"\n'
            f'url = "http://user:{SECRETS[1]}@{host}/files/"\n'
            'pattern = "tool-([0-9.]+)\\\\.tar\\\\.gz"\n'
            '[packages.broken]\nsource = "html"\n'
            f'url = "{up.url}/missing/?private_token={SECRETS[2]}"\n'
            'pattern = "tool-(.*)"\n'
            '[packages.tokenuser]\nsource = "git"\n'
            f'git = "http://{SECRETS[3]}@{host}/no-such-repo.git"\n'
        )
        config = tmp_path / "config.toml"
        config.write_text("[network]\nallow_private = true\ntimeout = 5\nretries = 0\n")
        env = {**os.environ, "STEWARD_CONFIG": str(config), "STEWARD_DB": str(db)}
        runs = [
            subprocess.run(
                [STEWARD, "check", str(tree), "--json"], env=env, capture_output=True, text=True
            )
            for _ in range(2)
        ]
        not_modified = up.stats()["by_kind"]["page"]["not_modified"]

    for run in runs:
        assert run.returncode in (0, 1), run.stderr
        output = run.stdout + run.stderr
        for secret in SECRETS:
            assert secret not in output, (secret, output)
    first = {r["package"]: r for r in json.loads(runs[0].stdout)["packages"]}
    assert first["listed"]["recommended"] == "2.0", first["listed"]
    assert first["userinfo"]["recommended"] == "2.0", first["userinfo"]
    assert "REDACTED" in json.dumps(first["listed"]) and "REDACTED" in json.dumps(first["broken"])
    assert first["broken"]["error"] is not None or first["broken"]["error_code"] is not None
    # The second run asked again with the secrets restored: the pages answered 304.
    assert not_modified >= 2
    stored = every_text_in(db)
    assert "REDACTED" in stored
    for secret in SECRETS:
        assert secret not in stored, secret
