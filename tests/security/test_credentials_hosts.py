"""Look-alike hosts: a token goes to exactly the host names it belongs to, and every
``STEWARD_TOKEN_<HOST>`` name reads back as exactly one host."""

from __future__ import annotations

from pathlib import Path

import pytest

from steward.upstream.credentials import (
    Credentials,
    CredentialsError,
    Token,
    host_from_variable,
    normalize_host,
    token_variable,
)

SECRET = "ghp_LookAlikeMustNotSeeThis"


@pytest.mark.parametrize(
    "look_alike",
    [
        "api-github.com",
        "github-com",
        "api_github_com",
        "github.com.evil.example",
        "evil-github.com",
        "xgithub.com",
        "github.co",
        "apiｰgithub.com",
    ],
)
def test_github_token_never_goes_to_a_look_alike_host(look_alike: str) -> None:
    creds = Credentials.from_env({"GITHUB_TOKEN": SECRET})
    assert creds.for_host(look_alike) is None
    assert creds.for_host("api.github.com") == Token(SECRET)


def test_host_variable_for_a_dotted_name_is_not_given_to_the_dashed_one() -> None:
    creds = Credentials.from_env({"STEWARD_TOKEN_MY_FORGE_ORG": "dotted"})
    assert creds.for_host("my.forge.org") == Token("dotted")
    assert creds.for_host("my-forge.org") is None
    assert creds.for_host("my-forge-org") is None


def test_dash_is_spelled_with_two_underscores() -> None:
    creds = Credentials.from_env({"STEWARD_TOKEN_MY__FORGE_ORG": "dashed"})
    assert creds.for_host("my-forge.org") == Token("dashed")
    assert creds.for_host("my.forge.org") is None


@pytest.mark.parametrize(
    "host",
    ["gitlab.gnome.org", "my-forge.example.org", "xn--bcher-kva.example", "a1-b2--c.d3", "x.y"],
)
def test_every_host_round_trips_through_its_variable_name(host: str) -> None:
    assert host_from_variable(token_variable(host)) == host


@pytest.mark.parametrize(
    "variable",
    [
        "STEWARD_TOKEN_",
        "STEWARD_TOKEN__GITHUB_COM",
        "STEWARD_TOKEN_GITHUB_COM_",
        "STEWARD_TOKEN_GITHUB___COM",
        "STEWARD_TOKEN_github_com",
        "STEWARD_TOKEN_GIT.HUB",
    ],
)
def test_a_variable_that_names_no_single_host_is_an_error_without_the_token(
    variable: str,
) -> None:
    with pytest.raises(CredentialsError, match="environment variable") as caught:
        Credentials.from_env({variable: SECRET})
    assert variable in str(caught.value)
    assert SECRET not in str(caught.value)


def test_hosts_compare_after_idna_normalisation() -> None:
    creds = Credentials({"Bücher.Example.": Token("idn")})
    assert creds.for_host("xn--bcher-kva.example") == Token("idn")
    assert creds.for_host("BÜCHER.example") == Token("idn")
    assert creds.for_host("bucher.example") is None
    assert normalize_host("GitHub.COM.") == "github.com"


def test_key_file_host_that_is_not_a_host_name_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "tokens"
    path.write_text(f'"github.com/evil" = "{SECRET}"\n')
    path.chmod(0o600)
    with pytest.raises(CredentialsError, match="is not a host name") as caught:
        Credentials.from_file(path)
    assert SECRET not in str(caught.value)


def test_key_file_idn_host_matches_its_punycode(tmp_path: Path) -> None:
    path = tmp_path / "tokens"
    path.write_text('"bücher.example" = "idn"\n')
    path.chmod(0o600)
    assert Credentials.from_file(path).for_host("xn--bcher-kva.example") == Token("idn")


def test_check_with_an_ambiguous_token_variable_stops_with_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from steward.cli.main import app

    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "a.spec").write_text("Name: a\nVersion: 1\nRelease: 1\nSummary: s\nLicense: MIT\n")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("STEWARD_CONFIG", raising=False)
    monkeypatch.setenv("STEWARD_TOKEN_GITHUB___COM", SECRET)
    monkeypatch.setenv("STEWARD_WRITER", "thread")
    result = CliRunner().invoke(app, ["check", str(tree), "--db", str(tmp_path / "s.db")])
    assert result.exit_code == 2, result.output
    assert "STEWARD_TOKEN_GITHUB___COM" in result.output
    assert SECRET not in result.output
