"""Tokens from the environment and key files: right header per host, never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from steward.upstream.credentials import AuthStyle, Credentials, CredentialsError, Token

SECRET = "ghp_DoNotPrintMe123"


def key_file(tmp_path: Path, text: str, mode: int = 0o600) -> Path:
    path = tmp_path / "tokens"
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


def test_vendor_variables_map_to_their_hosts_and_header_styles() -> None:
    creds = Credentials.from_env(
        {"GITHUB_TOKEN": "gh", "GITLAB_TOKEN": "gl", "GITEE_TOKEN": "ge", "HOME": "/root"}
    )
    assert creds.for_host("api.github.com") == Token("gh", AuthStyle.BEARER)
    assert creds.for_host("github.com") == Token("gh", AuthStyle.BEARER)
    assert creds.for_host("gitlab.com") == Token("gl", AuthStyle.GITLAB)
    assert creds.for_host("gitee.com") == Token("ge", AuthStyle.BEARER)
    assert creds.for_host("example.org") is None


def test_steward_token_variable_names_any_host() -> None:
    creds = Credentials.from_env(
        {"STEWARD_TOKEN_GITLAB_GNOME_ORG": "g", "STEWARD_TOKEN_CODE_EXAMPLE_NET": "c"}
    )
    assert creds.for_host("gitlab.gnome.org") == Token("g", AuthStyle.GITLAB)
    assert creds.for_host("code.example.net") == Token("c", AuthStyle.BEARER)


def test_host_specific_variable_wins_over_the_vendor_one() -> None:
    creds = Credentials.from_env({"GITHUB_TOKEN": "a", "STEWARD_TOKEN_API_GITHUB_COM": "b"})
    assert creds.for_host("api.github.com") == Token("b")
    assert creds.for_host("github.com") == Token("a")


def test_token_headers_per_style() -> None:
    assert Token("t").headers() == {"Authorization": "Bearer t"}
    assert Token("t", AuthStyle.GITLAB).headers() == {"PRIVATE-TOKEN": "t"}
    assert Token("t", AuthStyle.TOKEN).headers() == {"Authorization": "token t"}


def test_toml_key_file_with_quoted_dotted_and_table_entries(tmp_path: Path) -> None:
    path = key_file(
        tmp_path,
        '"github.com" = "a"\n'
        'codeberg.org = "b"\n'
        '"git.example.com" = { token = "c", style = "token" }\n',
    )
    creds = Credentials.from_file(path)
    assert creds.for_host("github.com") == Token("a")
    assert creds.for_host("codeberg.org") == Token("b")
    assert creds.for_host("git.example.com") == Token("c", AuthStyle.TOKEN)


def test_plain_host_equals_token_lines(tmp_path: Path) -> None:
    path = key_file(tmp_path, "# tokens\ngithub.com = ghp_abc\n\ngitlab.com=glpat-x\n")
    creds = Credentials.from_file(path)
    assert creds.for_host("github.com") == Token("ghp_abc")
    assert creds.for_host("gitlab.com") == Token("glpat-x", AuthStyle.GITLAB)


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_key_file_readable_by_others_is_refused(tmp_path: Path, mode: int) -> None:
    path = key_file(tmp_path, f'"github.com" = "{SECRET}"\n', mode)
    with pytest.raises(CredentialsError, match="chmod 600") as caught:
        Credentials.from_file(path)
    assert SECRET not in str(caught.value)


def test_bad_line_is_reported_by_number_without_echoing_it(tmp_path: Path) -> None:
    path = key_file(tmp_path, f"github.com = a\n{SECRET} oops\n")
    with pytest.raises(CredentialsError, match="line 2") as caught:
        Credentials.from_file(path)
    assert SECRET not in str(caught.value)


def test_unknown_style_is_refused(tmp_path: Path) -> None:
    path = key_file(tmp_path, '"h.example" = { token = "x", style = "basic" }\n')
    with pytest.raises(CredentialsError, match="style must be one of"):
        Credentials.from_file(path)


def test_missing_key_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CredentialsError, match="cannot read key file"):
        Credentials.from_file(tmp_path / "absent")


def test_repr_never_shows_a_token() -> None:
    creds = Credentials.from_env({"GITHUB_TOKEN": SECRET}) | Credentials({"x.org": Token(SECRET)})
    assert SECRET not in repr(creds)
    assert SECRET not in repr(creds.for_host("x.org"))
    assert "github.com" in repr(creds)
