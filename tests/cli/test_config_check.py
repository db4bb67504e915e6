"""`steward config check`: every setting with its origin, as text and JSON; exit 2 when
the configuration is invalid."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from steward.cli.main import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def no_user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("STEWARD_CONFIG", raising=False)
    monkeypatch.delenv("STEWARD_DB", raising=False)


def test_config_check_json_names_the_origin_of_every_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "site.toml"
    path.write_text('[network]\ntimeout = 12\n[defaults]\nprofile = "fedora-41"\n')
    monkeypatch.setenv("STEWARD_DB", str(tmp_path / "env.db"))
    result = runner.invoke(app, ["config", "check", "--config", str(path), "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["schema"] == "steward.config-check/1"
    assert document["file"] == str(path)
    settings = {s["key"]: s for s in document["settings"]}
    assert settings["network.timeout"] == {
        "key": "network.timeout",
        "value": 12.0,
        "origin": str(path),
    }
    assert settings["defaults.profile"]["origin"] == str(path)
    assert settings["network.retries"] == {
        "key": "network.retries",
        "value": 3,
        "origin": "default",
    }
    assert settings["defaults.db"] == {
        "key": "defaults.db",
        "value": str(tmp_path / "env.db"),
        "origin": "env $STEWARD_DB",
    }


def test_config_check_text_lists_keys_values_and_origins(tmp_path: Path) -> None:
    path = tmp_path / "site.toml"
    path.write_text("[network]\nallow_private = true\n")
    result = runner.invoke(app, ["config", "check", "--config", str(path)])
    assert result.exit_code == 0, result.output
    line = next(x for x in result.stdout.splitlines() if x.startswith("network.allow_private"))
    assert line.split()[1:] == ["true", str(path)]
    assert "defaults.policy" in result.stdout


def test_config_check_of_an_invalid_file_exits_2_with_file_key_and_type(tmp_path: Path) -> None:
    path = tmp_path / "site.toml"
    path.write_text('[network]\nallow_private = "false"\n')
    result = runner.invoke(app, ["config", "check", "--config", str(path)])
    assert result.exit_code == 2
    assert f"{path}: network.allow_private must be true or false" in result.output
    result = runner.invoke(app, ["config", "check", "--config", str(path), "--json"])
    assert result.exit_code == 2
    assert json.loads(result.stdout)["valid"] is False


def test_config_check_never_prints_url_credentials(tmp_path: Path) -> None:
    path = tmp_path / "site.toml"
    path.write_text(
        '[network.base_url_overrides]\n"https://api.github.com" = "https://u:hunter2@m.example/?access_token=s3cret"\n'
    )
    result = runner.invoke(app, ["config", "check", "--config", str(path), "--json"])
    assert result.exit_code == 0
    assert "hunter2" not in result.stdout and "s3cret" not in result.stdout


def test_config_check_says_a_working_directory_steward_toml_is_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "steward.toml").write_text("[network]\nallow_private = true\n")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["config", "check", "--json"])
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert document["file"] is None
    settings = {s["key"]: s for s in document["settings"]}
    assert settings["network.allow_private"]["value"] is False
    assert any("not read as your configuration" in n for n in document["notes"])
