"""Every command's --json document: published schemas, validated output, the same names."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import typer
from fakeupstream.exampledistro import example_upstream

from steward.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "distro"
SCHEMAS = ROOT / "docs" / "schemas"
STEWARD = str(Path(sys.executable).with_name("steward"))


def validate(name: str, text: str) -> dict[str, Any]:
    document = json.loads(text)
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(document, schema)
    assert document["schema"].startswith(f"steward.{name}/")
    assert isinstance(document["summary"], dict)
    return document  # type: ignore[no-any-return]


def test_the_committed_schemas_and_man_page_are_current() -> None:
    from steward.cli.manpage import render_manpage
    from steward.cli.schemas import schema_files

    files = schema_files()
    committed = {p.name: p.read_text(encoding="utf-8") for p in SCHEMAS.glob("*.schema.json")}
    assert committed == files, "run: .venv/bin/python scripts/gen-docs.py"
    assert (ROOT / "docs" / "steward.1").read_text(encoding="utf-8") == render_manpage(), (
        "run: .venv/bin/python scripts/gen-docs.py"
    )


def test_every_command_takes_json_and_has_a_schema() -> None:
    group: Any = typer.main.get_command(app)
    commands = [(n, c) for n, c in group.commands.items() if not hasattr(c, "commands")]
    commands += [  # a group's sub-commands (steward config check)
        (f"{n} {s}", sub)
        for n, c in group.commands.items()
        for s, sub in getattr(c, "commands", {}).items()
    ]
    for name, command in commands:
        if name in ("sbom", "advisory"):  # write the standard SPDX/CycloneDX/CSAF/OSV JSON
            continue
        if name == "serve":  # a long-running service: its API answers in JSON
            continue
        options = {o for p in command.params for o in getattr(p, "opts", ())}
        assert "--json" in options, name
    from steward.cli.documents import DOCUMENTS

    assert set(group.commands) <= set(DOCUMENTS) | {
        "vulns", "sbom", "advisory", "config", "serve", "review", "health"
    }  # fmt: skip


def run(*argv: str, env: dict[str, str], ok: tuple[int, ...] = (0,)) -> str:
    done = subprocess.run(
        [STEWARD, *argv], capture_output=True, text=True, env=env, timeout=120, cwd=env["CWD"]
    )
    assert done.returncode in ok, (argv, done.returncode, done.stderr)
    return done.stdout


@pytest.mark.slow
def test_every_command_output_validates_against_its_schema(tmp_path: Path) -> None:
    tree = tmp_path / "distro"
    shutil.copytree(EXAMPLES, tree)
    work = tmp_path / "work"
    work.mkdir()
    env = {**os.environ, "STEWARD_DB": str(tmp_path / "s.db"), "CWD": str(work)}
    env.pop("STEWARD_CONFIG", None)
    env["XDG_CONFIG_HOME"] = str(tmp_path / "xdg")

    inventory = validate("inventory", run("inventory", str(tree), "--json", env=env, ok=(0, 1)))
    spec = validate("spec", run("spec", str(tree / "jansson" / "jansson.spec"), "--json", env=env))
    validate("vercmp", run("vercmp", "1.0", "1.1", "--json", env=env, ok=(12,)))
    validate("import", run("import", str(ROOT / "examples" / "nvchecker.toml"), "--json", env=env))
    validate(
        "import", run("import", str(ROOT / "examples" / "anitya-projects.json"), "--json", env=env)
    )
    with example_upstream(tmp_path / "up") as up:
        env["STEWARD_CONFIG"] = str(up.config_path)
        check = validate("check", run("check", str(tree), "--json", env=env))
        doctor = validate("doctor", run("doctor", "--json", env=env))
    outdated = validate("outdated", run("outdated", str(tree), "--json", "--all", env=env))
    new = validate("new", run("new", str(tree), "--json", env=env))
    take = validate("take", run("take", "jansson", "--tree", str(tree), "--json", env=env))
    plan = validate(
        "upgrade",
        run("upgrade", str(tree / "jansson"), "--to", "2.14.1", "--dry-run", "--json", env=env),
    )

    # The same things have the same names in every document.
    libgee = {p["package"]: p for p in inventory["packages"]}["libgee"]
    checked = {p["package"]: p for p in check["packages"]}["libgee"]
    assert libgee["upstream"]["kind"] == checked["upstream"]["kind"] == "gitlab"
    assert libgee["upstream"]["host"] == checked["upstream"]["host"] == "gitlab.gnome.org"
    assert libgee["upstream"]["metadata_kind"] == "gitlab.gnome"
    jansson = {p["package"]: p for p in inventory["packages"]}["jansson"]
    assert set(jansson["sources"][0]) == set(spec["sources"][0])
    assert jansson["sources"][0]["declared_raw"] == spec["sources"][0]["declared_raw"]
    assert jansson["current"] == spec["current"] == "2.13.1"
    rows = {p["package"]: p for p in outdated["packages"]}
    assert rows["jansson"]["recommended"] == "2.14.1"
    assert {p["package"] for p in new["packages"]} >= {"jansson", "zstd"}
    # Like nvtake: the newest release seen upstream, whatever Steward recommends.
    assert take["packages"][0]["version"] == rows["jansson"]["newest"] == "2.15.0-rc1"
    assert plan["dry_run"] is True and plan["plans"][0]["target"] == "2.14.1"
    assert doctor["hosts"] and all(h["reachable"] for h in doctor["hosts"])
    assert check["summary"]["failed"] == 0


def test_upgrade_dry_run_refuses_a_downgrade(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    result = CliRunner().invoke(
        app, ["upgrade", str(EXAMPLES / "jansson"), "--to", "2.10", "--dry-run", "--json"]
    )
    assert result.exit_code == 2
    assert "older than the packaged 2.13.1" in result.output


def test_doctor_reports_an_unreachable_host_and_never_prints_a_token(tmp_path: Path) -> None:
    with socket.socket() as listener:  # a port nothing listens on once this closes
        listener.bind(("127.0.0.1", 0))
        dead_port = listener.getsockname()[1]
    with socket.socket() as alive:
        alive.bind(("127.0.0.1", 0))
        alive.listen()
        port = alive.getsockname()[1]
        config = tmp_path / "steward.toml"
        config.write_text(
            "[network]\nallow_private = true\nretries = 1\ntimeout = 3\n"
            "[network.base_url_overrides]\n"
            f'"https://api.github.com" = "http://127.0.0.1:{port}/github"\n'
            f'"https://pypi.org" = "http://127.0.0.1:{dead_port}"\n'
        )
        env = {
            **os.environ,
            "STEWARD_CONFIG": str(config),
            "GITHUB_TOKEN": "ghp_secretsecretsecret",
            "CWD": str(tmp_path),
        }
        out = run("doctor", "--json", env=env, ok=(1,))
        text = run("doctor", env=env, ok=(1,))
    document = validate("doctor", out)
    hosts = {h["host"]: h["reachable"] for h in document["hosts"]}
    assert hosts == {f"127.0.0.1:{port}": True, f"127.0.0.1:{dead_port}": False}
    assert {t["host"] for t in document["tokens"]} >= {"github.com", "api.github.com"}
    assert "ghp_secret" not in out and "ghp_secret" not in text
    assert document["problems"] == []
    # A configuration that cannot be used is a problem doctor reports, not a usage error.
    config.write_text("[network]\ntimout = 3\n")
    document = validate("doctor", run("doctor", "--json", "--offline", env=env, ok=(1,)))
    messages = [p["message"] for p in document["problems"]]
    assert any("network.timout" in m and "did you mean 'network.timeout'" in m for m in messages)
    assert {t["name"] for t in document["tools"]} == {
        "rpm", "rpmbuild", "git", "patch", "gpgv", "abidiff",
    }  # fmt: skip
