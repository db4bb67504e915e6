"""Steward's configuration file: defaults a maintainer sets once.

Looked up in order: an explicit ``--config FILE``, the path in ``$STEWARD_CONFIG``,
``./steward.toml``, then ``$XDG_CONFIG_HOME/steward/config.toml``
(``~/.config/steward/config.toml``). Every key is optional; command-line options win.

.. code-block:: toml

    [defaults]
    profile = "openeuler-24.03"      # distro profile for macros and %{dist}
    db = "sqlite:////var/lib/steward/steward.db"   # default: the user's data directory
    policy = "latest"                # latest, same-major, same-minor, pinned
    packager = "Jane Doe <jane@example.org>"   # author of upgrade commits and changelogs
    tree_cache = true                # reuse unchanged packages' parsed specs between runs

    [network]
    concurrency = 32                 # requests in flight, all hosts together
    per_host_concurrency = 8
    timeout = 30                     # seconds to wait for a response's bytes
    retries = 3
    max_response_mb = 20
    allow_private = false            # true only for mirrors on private addresses
    key_file = "~/.config/steward/tokens.toml"   # host = "token" lines (mode 600)

    [network.base_url_overrides]     # send a public API to a mirror or a local copy
    "https://api.github.com" = "https://github-mirror.example.org/api"

    [upstream.base_urls]             # per backend: GitHub Enterprise, a GitLab instance
    github = "https://ghe.example.org/api/v3"

    [upstream.url_rewrites]          # VCS URLs (git/svn/hg): prefix -> replacement
    "https://gitlab.freedesktop.org/" = "https://mirror.example.org/freedesktop/"

    [packages.jansson]               # per-package upstream, nvchecker-compatible keys
    source = "github"
    github = "akheron/jansson"
    prefix = "v"
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Config", "ConfigError", "NetworkSettings", "config_paths", "load_config"]

DEFAULT_PROFILE = "openeuler-24.03"


class ConfigError(ValueError):
    """The configuration file exists but cannot be used; the message names the file."""


@dataclass(frozen=True, slots=True)
class NetworkSettings:
    concurrency: int = 32
    per_host_concurrency: int = 8
    timeout: float = 30.0
    retries: int = 3
    max_response_mb: int = 20
    allow_private: bool = False
    key_file: Path | None = None
    base_url_overrides: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Config:
    profile: str = DEFAULT_PROFILE
    db: str | None = None
    policy: str = "latest"
    packager: str | None = None
    tree_cache: bool = True
    network: NetworkSettings = field(default_factory=NetworkSettings)
    base_urls: Mapping[str, str] = field(default_factory=dict)
    url_rewrites: Mapping[str, str] = field(default_factory=dict)
    packages: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    path: Path | None = None


def config_paths(explicit: Path | str | None = None) -> list[Path]:
    paths = []
    if explicit:
        paths.append(Path(explicit))
    if os.environ.get("STEWARD_CONFIG"):
        paths.append(Path(os.environ["STEWARD_CONFIG"]))
    paths.append(Path("steward.toml"))
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    paths.append(base / "steward" / "config.toml")
    return paths


def load_config(explicit: Path | str | None = None) -> Config:
    """The first configuration file found, or the defaults.

    An ``explicit`` path that does not exist is an error; the others are optional.
    """
    if explicit and not Path(explicit).is_file():
        raise ConfigError(f"configuration file {explicit} does not exist")
    for path in config_paths(explicit):
        if path.is_file():
            return parse_config(path)
    return Config()


def parse_config(path: Path) -> Config:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read configuration {path}: {exc}") from exc
    defaults = _table(data, "defaults", path)
    network = _table(data, "network", path)
    upstream = _table(data, "upstream", path)
    packages = _table(data, "packages", path)
    for name, table in packages.items():
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: packages.{name} must be a table")
    key_file = network.get("key_file")
    settings = NetworkSettings(
        concurrency=_int(network, "concurrency", 32, path),
        per_host_concurrency=_int(network, "per_host_concurrency", 8, path),
        timeout=float(_number(network, "timeout", 30.0, path)),
        retries=_int(network, "retries", 3, path),
        max_response_mb=_int(network, "max_response_mb", 20, path),
        allow_private=bool(network.get("allow_private", False)),
        key_file=Path(str(key_file)).expanduser() if key_file else None,
        base_url_overrides=_strings(network, "base_url_overrides", path),
    )
    return Config(
        profile=_str(defaults, "profile", DEFAULT_PROFILE, path),
        db=defaults.get("db") and _str(defaults, "db", "", path),
        policy=_str(defaults, "policy", "latest", path),
        packager=defaults.get("packager") and _str(defaults, "packager", "", path),
        tree_cache=_bool(defaults, "tree_cache", True, path),
        network=settings,
        base_urls=_strings(upstream, "base_urls", path),
        url_rewrites=_strings(upstream, "url_rewrites", path),
        packages=packages,
        path=path,
    )


def _table(data: Mapping[str, Any], key: str, path: Path) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: [{key}] must be a table")
    return value


def _str(data: Mapping[str, Any], key: str, default: str, path: Path) -> str:
    value = data.get(key, default)
    if not isinstance(value, str):
        raise ConfigError(f"{path}: {key} must be a string")
    return value


def _bool(data: Mapping[str, Any], key: str, default: bool, path: Path) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"{path}: {key} must be true or false")
    return value


def _number(data: Mapping[str, Any], key: str, default: float, path: Path) -> float:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ConfigError(f"{path}: {key} must be a positive number")
    return float(value)


def _int(data: Mapping[str, Any], key: str, default: int, path: Path) -> int:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(f"{path}: {key} must be a whole number")
    return value


def _strings(data: Mapping[str, Any], key: str, path: Path) -> dict[str, str]:
    table = data.get(key, {})
    if not isinstance(table, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in table.items()
    ):
        raise ConfigError(f"{path}: {key} must be a table of strings")
    return dict(table)
