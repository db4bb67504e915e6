"""Hostile configuration: a tree's own steward.toml cannot configure its reader, and the
user's configuration is type-checked (a string "false" never turns a guard off)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from steward.cli.main import app
from steward.config import ConfigError, load_config, parse_config
from steward.upstream.resolve import PackageConfigError, load_package_configs

HOSTILE_TREE_FILE = """
[defaults]
db = "sqlite:////tmp/attacker.db"

[network]
allow_private = true

[network.base_url_overrides]
"https://api.github.com" = "http://127.0.0.1:9/"

[packages.jansson]
source = "github"
github = "akheron/jansson"
"""


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No user configuration at all: an empty XDG folder, no $STEWARD_CONFIG."""
    home = tmp_path / "xdg"
    home.mkdir()
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    monkeypatch.delenv("STEWARD_CONFIG", raising=False)
    return home


def hostile_tree(root: Path) -> Path:
    package = root / "jansson"
    package.mkdir(parents=True)
    (package / "jansson.spec").write_text(
        "Name: jansson\nVersion: 2.13\nRelease: 1\nSummary: s\nLicense: MIT\n"
    )
    (root / "steward.toml").write_text(HOSTILE_TREE_FILE)
    return root


def test_steward_toml_in_the_working_directory_is_not_the_users_configuration(
    tmp_path: Path, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = hostile_tree(tmp_path / "tree")
    monkeypatch.chdir(tree)
    config = load_config()
    assert config.path is None
    assert config.network.allow_private is False
    assert config.network.base_url_overrides == {}
    assert config.db is None


def test_tree_file_that_sets_the_network_is_refused_naming_file_and_table(
    tmp_path: Path,
) -> None:
    tree = hostile_tree(tmp_path / "tree")
    with pytest.raises(PackageConfigError) as caught:
        load_package_configs(tree)
    message = str(caught.value)
    assert str(tree / "steward.toml") in message
    assert "[defaults]" in message or "[network]" in message
    assert "your own configuration" in message


@pytest.mark.parametrize("section", ["network", "upstream", "defaults"])
def test_each_user_only_table_is_refused_in_a_tree_file(tmp_path: Path, section: str) -> None:
    (tmp_path / "steward.toml").write_text(f"[{section}]\nx = 1\n")
    with pytest.raises(ConfigError, match=rf"\[{section}\] may only be set"):
        load_package_configs(tmp_path)


def test_tree_package_table_may_not_choose_local_paths_or_tokens(tmp_path: Path) -> None:
    (tmp_path / "steward.toml").write_text(
        '[packages.hgpkg]\nsource = "hg"\nhg = "https://hg.example.org/x"\ncache_dir = "/etc"\n'
    )
    with pytest.raises(ConfigError, match=r"packages\.hgpkg\.cache_dir"):
        load_package_configs(tmp_path)


@pytest.mark.parametrize("kind", ["fifo", "link-out"])
def test_tree_file_that_is_not_a_regular_file_inside_the_tree_is_refused(
    tmp_path: Path, kind: str
) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    if kind == "fifo":
        os.mkfifo(tree / "steward.toml")
    else:
        (tmp_path / "elsewhere.toml").write_text('[packages.x]\nsource = "pypi"\n')
        (tree / "steward.toml").symlink_to(tmp_path / "elsewhere.toml")
    with pytest.raises(PackageConfigError, match="FIFO" if kind == "fifo" else "outside"):
        load_package_configs(tree)


def test_users_package_table_wins_over_the_trees(tmp_path: Path) -> None:
    from steward.distro.tree import load_tree
    from steward.workflows.check import package_configs

    tree = hostile_tree(tmp_path / "tree")
    (tree / "steward.toml").write_text(
        '[packages.jansson]\nsource = "github"\ngithub = "evil/fork"\n'
    )
    user = write(tmp_path, '[packages.jansson]\nsource = "github"\ngithub = "akheron/jansson"\n')
    tables = package_configs(load_tree(tree, jobs=1), parse_config(user))
    assert tables["jansson"]["github"] == "akheron/jansson"


def test_inventory_with_a_broken_user_configuration_prints_one_clean_line(
    tmp_path: Path, isolated: Path
) -> None:
    (isolated / "steward").mkdir()
    (isolated / "steward" / "config.toml").write_text("[defaults\n")
    tree = hostile_tree(tmp_path / "tree")
    for command in (["inventory", str(tree)], ["spec", str(tree / "jansson" / "jansson.spec")]):
        result = CliRunner().invoke(app, command)
        assert result.exit_code == 2, result.output
        assert "cannot read configuration" in result.output
        assert "Traceback" not in result.output


def test_tree_file_nested_too_deeply_is_a_clear_error(tmp_path: Path) -> None:
    depth = 5000
    (tmp_path / "steward.toml").write_text(
        '[packages.x]\nsource = "pypi"\nv = ' + "[" * depth + "]" * depth + "\n"
    )
    with pytest.raises(PackageConfigError, match="nested too deeply"):
        load_package_configs(tmp_path)


def test_tree_file_with_only_package_tables_is_read(tmp_path: Path) -> None:
    (tmp_path / "steward.toml").write_text(
        '[packages.jansson]\nsource = "github"\ngithub = "akheron/jansson"\nprefix = "v"\n'
    )
    assert load_package_configs(tmp_path)["jansson"]["prefix"] == "v"


def test_tree_file_with_an_unknown_table_names_it_with_a_suggestion(tmp_path: Path) -> None:
    (tmp_path / "steward.toml").write_text('[pakages.jansson]\nsource = "github"\n')
    with pytest.raises(ConfigError, match=r"unknown key 'pakages'; did you mean 'packages'"):
        load_package_configs(tmp_path)


def test_check_of_a_hostile_tree_stops_with_a_clear_error(
    tmp_path: Path, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = hostile_tree(tmp_path / "tree")
    monkeypatch.chdir(tree)
    monkeypatch.setenv("STEWARD_DB", str(tmp_path / "store.db"))
    result = CliRunner().invoke(app, ["check", str(tree)])
    assert result.exit_code == 2, result.output
    assert "may only be set in your own configuration" in result.output
    assert "Traceback" not in result.output
    assert not Path("/tmp/attacker.db").exists() or Path("/tmp/attacker.db").stat().st_size == 0


# -- the user's own configuration is type-checked ---------------------------------------------


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_string_false_for_allow_private_is_an_error_not_true(tmp_path: Path) -> None:
    path = write(tmp_path, '[network]\nallow_private = "false"\n')
    with pytest.raises(ConfigError) as caught:
        parse_config(path)
    message = str(caught.value)
    assert str(path) in message
    assert "network.allow_private must be true or false" in message
    assert "the string 'false'" in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[network]\ntimeout = "30"\n', "network.timeout must be a number"),
        ("[network]\nconcurrency = 1.5\n", "network.concurrency must be a whole number"),
        ("[network]\nretries = true\n", "network.retries must be a whole number"),
        ("[defaults]\ntree_cache = 1\n", "defaults.tree_cache must be true or false"),
        ('[defaults]\npolicy = "newest"\n', "defaults.policy must be one of 'latest'"),
        ("[network]\nconcurrency = 0\n", "network.concurrency"),
        ('[network]\nbase_url_overrides = "x"\n', "network.base_url_overrides must be a table"),
        ("[upstream.base_urls]\ngithub = 3\n", "upstream.base_urls.github must be a string"),
        ("[packages]\njansson = 1\n", "packages.jansson must be a table"),
    ],
)
def test_wrong_types_name_key_and_expected_type(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError, match=expected.replace(".", r"\.").replace("(", r"\(")):
        parse_config(write(tmp_path, text))


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [
        ("[netwrk]\ntimeout = 3\n", "did you mean 'network'"),
        ('[defaults]\nprofle = "fedora-41"\n', "did you mean 'defaults.profile'"),
        ("[network]\ntimout = 3\n", "did you mean 'network.timeout'"),
        ("[network]\nallow_privat = true\n", "did you mean 'network.allow_private'"),
    ],
)
def test_misspelled_keys_are_errors_with_a_suggestion(
    tmp_path: Path, text: str, suggestion: str
) -> None:
    with pytest.raises(ConfigError, match=suggestion.replace(".", r"\.")):
        parse_config(write(tmp_path, text))


def test_nvchecker_configuration_is_not_taken_for_stewards(tmp_path: Path) -> None:
    path = write(tmp_path, '[__config__]\noldver = "old.json"\n[curl]\nsource = "github"\n')
    with pytest.raises(ConfigError, match="nvchecker"):
        parse_config(path)


def test_steward_config_naming_a_missing_file_is_an_error(
    tmp_path: Path, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STEWARD_CONFIG", str(tmp_path / "typo.toml"))
    with pytest.raises(ConfigError, match="STEWARD_CONFIG"):
        load_config()
