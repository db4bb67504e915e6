"""Steward's configuration file: defaults a maintainer sets once.

Looked up in order: the path in ``$STEWARD_CONFIG``, ``./steward.toml``, then
``$XDG_CONFIG_HOME/steward/config.toml`` (``~/.config/steward/config.toml``). Every key is
optional; command-line options win over the file.

.. code-block:: toml

    [defaults]
    profile = "openeuler-24.03"   # distro profile for macros and %{dist}
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Config", "ConfigError", "config_paths", "load_config"]

DEFAULT_PROFILE = "openeuler-24.03"


class ConfigError(ValueError):
    """The configuration file exists but cannot be used; the message names the file."""


@dataclass(frozen=True, slots=True)
class Config:
    profile: str = DEFAULT_PROFILE
    path: Path | None = None


def config_paths() -> list[Path]:
    paths = []
    if os.environ.get("STEWARD_CONFIG"):
        paths.append(Path(os.environ["STEWARD_CONFIG"]))
    paths.append(Path("steward.toml"))
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    paths.append(base / "steward" / "config.toml")
    return paths


def load_config() -> Config:
    """The first configuration file found, or the defaults."""
    for path in config_paths():
        if not path.is_file():
            continue
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read configuration {path}: {exc}") from exc
        defaults = data.get("defaults", {})
        if not isinstance(defaults, dict):
            raise ConfigError(f"{path}: [defaults] must be a table")
        profile = defaults.get("profile", DEFAULT_PROFILE)
        if not isinstance(profile, str):
            raise ConfigError(f"{path}: defaults.profile must be a string")
        return Config(profile=profile, path=path)
    return Config()
