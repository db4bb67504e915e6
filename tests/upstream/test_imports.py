"""nvchecker configurations and Anitya exports, read as Steward package tables."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from steward.upstream.credentials import Credentials
from steward.upstream.imports import (
    ImportFormatError,
    looks_like_nvchecker,
    read_anitya,
    read_nvchecker,
    to_toml,
)
from steward.upstream.resolve import resolve_from_config
from steward.upstream.sources.base import Upstream

ROOT = Path(__file__).resolve().parents[2]


def test_the_example_nvchecker_configuration_becomes_resolvable_tables() -> None:
    imported = read_nvchecker(ROOT / "examples" / "nvchecker.toml")
    tables = imported.tables()
    assert set(tables) == {
        "jansson", "libuv", "zstd", "python-idna", "libgee", "rubygem-rake", "expat",
    }  # fmt: skip
    jansson = resolve_from_config("jansson", tables["jansson"])
    assert isinstance(jansson, Upstream)
    assert (jansson.kind, jansson.project, jansson.rules.prefix) == (
        "github",
        "akheron/jansson",
        "v",
    )
    libgee = resolve_from_config("libgee", tables["libgee"])
    assert isinstance(libgee, Upstream) and libgee.option("host") == "gitlab.gnome.org"
    assert imported.concurrency == 16 and imported.timeout == 20.0
    assert imported.ignored == ("__config__.newver", "__config__.oldver", "__config__.proxy")
    by_name = {p.name: p for p in imported.packages}
    assert by_name["zstd"].unsupported == ("include_prereleases",)
    assert by_name["expat"].notes == ("source 'cmd' is not supported",)
    assert not by_name["jansson"].unsupported


def test_a_token_in_an_nvchecker_table_is_dropped_and_said_never_echoed(tmp_path: Path) -> None:
    path = tmp_path / "nv.toml"
    path.write_text('[foo]\nsource = "github"\ngithub = "o/foo"\ntoken = "ghp_leak"\n')
    imported = read_nvchecker(path)
    package = imported.packages[0]
    assert "token" not in package.table
    assert "keyfile" in package.notes[0]
    assert "ghp_leak" not in to_toml(imported)


def test_the_keyfile_is_relative_to_the_configuration(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "nv.toml"
    path.parent.mkdir()
    path.write_text('[__config__]\nkeyfile = "keys.toml"\n[a]\nsource = "pypi"\npypi = "a"\n')
    assert read_nvchecker(path).keyfile == tmp_path / "conf" / "keys.toml"


def test_nvchecker_keyfiles_bind_tokens_to_hosts(tmp_path: Path) -> None:
    keyfile = tmp_path / "keyfile.toml"
    keyfile.write_text(
        '[keys]\ngithub = "ghp_old"\n"github.com" = "ghp_new"\n'
        'gitlab_gitlab.gnome.org = "glpat_x"\n"gitea.com" = "gt_y"\naur = "ignored"\n'
    )
    keyfile.chmod(0o600)
    creds = Credentials.from_file(keyfile)
    for host in ("github.com", "api.github.com", "gitlab.gnome.org", "gitea.com"):
        assert creds.for_host(host) is not None, host
    assert len(creds.tokens) == 4
    token = creds.for_host("github.com")
    assert token is not None and token.headers() == {"Authorization": "Bearer ghp_new"}
    gitlab = creds.for_host("gitlab.gnome.org")
    assert gitlab is not None and gitlab.headers() == {"PRIVATE-TOKEN": "glpat_x"}


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ('[__config__]\noldver = "o.json"\n', True),
        ('[foo]\nsource = "pypi"\npypi = "foo"\n', True),
        ('[defaults]\nprofile = "fedora-41"\n', False),
        ('[packages.foo]\nsource = "pypi"\n', False),
        ("not toml [", False),
    ],
)
def test_an_nvchecker_configuration_is_told_from_stewards_own(
    tmp_path: Path, text: str, answer: bool
) -> None:
    path = tmp_path / "c.toml"
    path.write_text(text)
    assert looks_like_nvchecker(path) is answer


def test_an_anitya_export_maps_backends_prefixes_and_distro_names() -> None:
    imported = read_anitya(ROOT / "examples" / "anitya-projects.json", distro="Fedora")
    tables = imported.tables()
    assert tables["jansson"] == {
        "source": "github", "github": "akheron/jansson", "use_max_tag": True, "prefix": "v",
    }  # fmt: skip
    assert tables["python-idna"] == {"source": "pypi", "pypi": "idna"}
    assert tables["libgee"] == {"source": "gnome", "gnome": "libgee"}
    assert tables["lz4"]["use_max_release"] is True
    assert tables["lz4"]["tag_prefix"] == "(?:v|r)"
    assert tables["dos2unix"]["source"] == "regex"
    assert tables["php-pecl-apcu"] == {"source": "none"}
    notes = {p.name: p.notes for p in imported.packages}
    assert notes["php-pecl-apcu"] == ("Anitya backend 'PECL' is not supported",)
    assert "PEP 440" in notes["python-idna"][0]
    lz4 = resolve_from_config("lz4", tables["lz4"])
    assert isinstance(lz4, Upstream) and lz4.rules.tag_prefix == "(?:v|r)"
    # The TOML written back reads as Steward's [packages] tables.
    assert tomllib.loads(to_toml(imported))["packages"]["jansson"] == tables["jansson"]


def test_anitya_projects_not_packaged_by_the_distro_are_listed_as_ignored() -> None:
    imported = read_anitya(ROOT / "examples" / "anitya-projects.json", distro="openEuler")
    assert set(imported.tables()) == {"jansson", "python-idna"}
    assert "project lz4 (no openEuler package)" in imported.ignored


def test_a_json_file_that_is_no_anitya_export_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text(json.dumps({"name": "not a page"}))
    with pytest.raises(ImportFormatError, match="not an Anitya export"):
        read_anitya(path)
