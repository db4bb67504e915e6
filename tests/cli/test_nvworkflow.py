"""steward take / new: nvchecker's nvtake / nvcmp on the store, and nvchecker configs as they are."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakeupstream import FakeUpstream
from typer.testing import CliRunner

from steward.cli.main import app

STEWARD = str(Path(sys.executable).with_name("steward"))
runner = CliRunner()
pytestmark = pytest.mark.slow


def flat_tree(root: Path, versions: dict[str, str]) -> Path:
    root.mkdir(parents=True)
    for name, version in versions.items():
        (root / f"{name}.spec").write_text(
            f"Name: {name}\nVersion: {version}\nRelease: 1\nSummary: s\nLicense: MIT\n"
        )
    return root


def network_config(path: Path, url: str) -> Path:
    path.write_text(
        "[network]\nallow_private = true\ntimeout = 5\nretries = 0\n"
        f'[network.base_url_overrides]\n"https://pypi.org" = "{url}"\n'
    )
    return path


@pytest.fixture
def checked(tmp_path: Path) -> Iterator[tuple[Path, dict[str, str], FakeUpstream]]:
    """A tree of three pypi packages checked once: alpha and beta have news, gamma not."""
    tree = flat_tree(tmp_path / "tree", {"alpha": "1.0", "beta": "2.0", "gamma": "3.0"})
    (tree / "steward.toml").write_text(
        "".join(
            f'[packages.{n}]\nsource = "pypi"\npypi = "{n}"\n' for n in ("alpha", "beta", "gamma")
        )
    )
    with FakeUpstream() as up:
        up.add_project("pypi", "alpha", ["1.0", "1.1"])
        up.add_project("pypi", "beta", ["2.0", "2.1", "2.2"])
        up.add_project("pypi", "gamma", ["3.0"])
        env = {
            **os.environ,
            "STEWARD_DB": str(tmp_path / "s.db"),
            "STEWARD_CONFIG": str(network_config(tmp_path / "c.toml", up.url)),
        }
        done = subprocess.run(
            [STEWARD, "check", str(tree)], capture_output=True, text=True, env=env, timeout=60
        )
        assert done.returncode == 0, done.stderr
        yield tree, env, up


def invoke(argv: list[str], env: dict[str, str]) -> object:
    return runner.invoke(app, argv, env={k: env[k] for k in ("STEWARD_DB", "STEWARD_CONFIG")})


def test_new_lists_what_upstream_has_beyond_the_packaged_version(checked: tuple) -> None:
    tree, env, _ = checked
    result = invoke(["new", str(tree), "--json"], env)
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    found = {p["package"]: p["newest"] for p in document["packages"]}
    assert found == {"alpha": "1.1", "beta": "2.2"}
    assert document["summary"] == {"checked": 3, "new": 2, "failed": 0}
    assert invoke(["new", str(tree), "--exit-status"], env).exit_code == 4


def test_take_silences_a_package_until_upstream_moves_past_the_taken_version(
    checked: tuple,
) -> None:
    tree, env, up = checked
    result = invoke(["take", "beta", "--tree", str(tree)], env)
    assert result.exit_code == 0, result.output
    assert "beta: took 2.2 as packaged" in result.output
    result = invoke(["take", "alpha", "1.1", "--ignore", "--tree", str(tree)], env)
    assert "alpha: took 1.1 as ignored" in result.output
    listed = invoke(["new", str(tree), "--format", "tsv", "--exit-status"], env)
    assert listed.exit_code == 0 and listed.stdout == "", listed.output

    up.add_project("pypi", "alpha", ["1.0", "1.1", "1.2"])  # upstream moves on
    again = subprocess.run(
        [STEWARD, "check", str(tree)], capture_output=True, text=True, env=env, timeout=60
    )
    assert again.returncode == 0, again.stderr
    listed = invoke(["new", str(tree), "--format", "tsv"], env)
    assert listed.stdout.splitlines() == ["alpha\t1.1\t1.2\t1.2"]


def test_take_of_an_unknown_package_is_a_usage_error_with_a_suggestion(checked: tuple) -> None:
    tree, env, _ = checked
    result = invoke(["take", "alpah", "--tree", str(tree)], env)
    assert result.exit_code == 2
    assert "did you mean 'alpha'" in result.output


def test_new_failures_exits_1_when_a_stored_check_failed(tmp_path: Path) -> None:
    tree = flat_tree(tmp_path / "tree", {"ok": "1.0", "gone": "1.0"})
    (tree / "steward.toml").write_text(
        '[packages.ok]\nsource = "pypi"\npypi = "ok"\n'
        '[packages.gone]\nsource = "pypi"\npypi = "gone"\n'
    )
    with FakeUpstream() as up:
        up.add_project("pypi", "ok", ["1.0", "2.0"])
        env = {
            **os.environ,
            "STEWARD_DB": str(tmp_path / "s.db"),
            "STEWARD_CONFIG": str(network_config(tmp_path / "c.toml", up.url)),
        }
        done = subprocess.run(
            [STEWARD, "check", str(tree)], capture_output=True, text=True, env=env, timeout=60
        )
    assert done.returncode == 1  # gone is not on the index
    assert invoke(["new", str(tree)], env).exit_code == 0
    assert invoke(["new", str(tree), "--failures"], env).exit_code == 1
    outdated = invoke(["outdated", str(tree)], env)
    assert outdated.exit_code == 1, outdated.output  # a failed check is not a clean answer


def test_an_nvchecker_configuration_passed_as_config_is_read_as_it_is(tmp_path: Path) -> None:
    tree = flat_tree(tmp_path / "tree", {"alpha": "1.0", "beta": "2.0"})
    nvchecker = tmp_path / "nvchecker.toml"
    keyfile = tmp_path / "keyfile.toml"
    keyfile.write_text('[keys]\ngithub = "ghp_not_really_a_token"\n')
    keyfile.chmod(0o600)
    nvchecker.write_text(
        '[__config__]\noldver = "old_ver.json"\nnewver = "new_ver.json"\n'
        'keyfile = "keyfile.toml"\nmax_concurrency = 4\n\n'
        '[alpha]\nsource = "pypi"\npypi = "alpha"\n\n'
        '[beta]\nsource = "pypi"\npypi = "beta-upstream"\nuse_pre_release = true\n'
    )
    with FakeUpstream() as up:
        up.add_project("pypi", "alpha", ["1.0", "1.5"])
        up.add_project("pypi", "beta-upstream", ["2.0", "2.5"])
        env = {
            **os.environ,
            "STEWARD_DB": str(tmp_path / "s.db"),
            "STEWARD_CONFIG": str(network_config(tmp_path / "c.toml", up.url)),
        }
        done = subprocess.run(
            [STEWARD, "check", str(tree), "--config", str(nvchecker), "--json"],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
    assert done.returncode == 0, done.stderr
    results = {p["package"]: p["recommended"] for p in json.loads(done.stdout)["packages"]}
    assert results == {"alpha": "1.5", "beta": "2.5"}
    # What Steward does not use is said, once, on stderr.
    assert "Steward does not use __config__.newver" in done.stderr
    assert "beta: Steward does not read use_pre_release" in done.stderr
    assert "ghp_not_really" not in done.stderr + done.stdout
