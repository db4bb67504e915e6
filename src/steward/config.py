"""Steward's configuration: the user's and the site's settings, validated as typed models.

The configuration file is looked up in order: an explicit ``--config FILE``, the path in
``$STEWARD_CONFIG``, then ``$XDG_CONFIG_HOME/steward/config.toml``
(``~/.config/steward/config.toml``). The first that is named or exists is read; every key
is optional and command-line options win. A ``steward.toml`` in the working directory is
*not* read: a package tree keeps its own ``steward.toml``, and a tree is untrusted input
(see :func:`parse_tree_config`), so ``cd hostile-tree && steward check .`` must not let the
tree choose the network, the store or the credentials.

Every key has a type that is checked (``allow_private = "false"`` is an error, not a true
value); unknown and misspelled keys are errors that name the file, the key, the expected
type and the closest known key. ``docs/configuration.md`` lists every key.

.. code-block:: toml

    [defaults]
    profile = "openeuler-24.03"      # distro profile for macros and %{dist}
    db = "sqlite:////var/lib/steward/steward.db"   # default: the user's data directory
    policy = "latest"                # latest, same-major, same-minor, pinned
    packager = "Jane Doe <jane@example.org>"   # author of upgrade commits and changelogs
    tree_cache = true                # reuse unchanged packages' parsed specs between runs

    [build]
    builder = "local"                # build backend (steward.upgrade.builders): local rpmbuild

    [service]                        # steward serve (docs/service.md)
    token = "long-random-string"     # bearer token of the API's write endpoints
    webhook_secrets = { github = "…", gitee = "…" }

    [network]
    concurrency = 32                 # requests in flight, all hosts together
    per_host_concurrency = 8
    timeout = 30                     # seconds to wait for a response's bytes
    retries = 3
    max_response_mb = 20
    request_deadline = 60            # seconds one request may take, retries included
    max_quota_wait = 60              # longest wait for a rate-limit reset, else "rate-limited"
    breaker_threshold = 5            # failures in a row after which a host is "unreachable"
    release_cap = 5000               # releases kept per upstream, newest first
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

import difflib
import os
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

__all__ = [
    "DEFAULT_PROFILE",
    "TREE_FILE",
    "BuildSettings",
    "Config",
    "ConfigError",
    "Defaults",
    "NetworkSettings",
    "ServiceSettings",
    "TreeConfig",
    "UpstreamSettings",
    "config_paths",
    "load_config",
    "parse_config",
    "parse_tree_config",
    "setting_origins",
]

DEFAULT_PROFILE = "openeuler-24.03"
#: The file a package tree keeps its own package tables in.
TREE_FILE = "steward.toml"
CONFIG_ENV = "STEWARD_CONFIG"


class ConfigError(ValueError):
    """The configuration file exists but cannot be used; the message names the file."""


class _Section(BaseModel):
    """A table of the file: no unknown keys, no type coercion, immutable once read."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Defaults(_Section):
    """``[defaults]``: what commands use when an option is not given."""

    profile: str = Field(DEFAULT_PROFILE, description="Distro profile for macros and %{dist}.")
    db: str | None = Field(
        None,
        description="Store URL or SQLite file (default: $STEWARD_DB, else the user's data dir).",
    )
    policy: Literal["latest", "same-major", "same-minor", "pinned"] = Field(
        "latest", description="Which upstream release to recommend."
    )
    packager: str | None = Field(
        None, description='Author of upgrade commits and changelogs, "Name <email>".'
    )
    tree_cache: bool = Field(
        True, description="Reuse unchanged packages' parsed specs between runs."
    )


class NetworkSettings(_Section):
    """``[network]``: the HTTP engine's limits, the address guard and the key file."""

    concurrency: int = Field(32, ge=1, description="Requests in flight, all hosts together.")
    per_host_concurrency: int = Field(8, ge=1, description="Requests in flight per host.")
    timeout: float = Field(30.0, gt=0, description="Seconds to wait for a response's bytes.")
    retries: int = Field(3, ge=0, description="Retries of a failed request.")
    max_response_mb: int = Field(20, ge=1, description="Largest response body read, in MiB.")
    request_deadline: float = Field(
        60.0, gt=0, description="Seconds one request may take, every retry included."
    )
    max_quota_wait: float = Field(
        60.0, ge=0, description="Longest wait for a rate-limit reset; past it, 'rate-limited'."
    )
    breaker_threshold: int = Field(
        5, ge=1, description="Failures in a row after which a host is 'host unreachable'."
    )
    release_cap: int = Field(5000, ge=1, description="Releases kept per upstream, newest first.")
    allow_private: bool = Field(
        False, description="Allow private, loopback and link-local addresses (mirrors only)."
    )
    key_file: Path | None = Field(
        None,
        strict=False,
        description="Tokens file (host = token lines or TOML, mode 600); ~ is expanded.",
    )
    base_url_overrides: dict[str, str] = Field(
        default_factory=dict, description="Public API base URL -> mirror base URL."
    )

    @field_validator("key_file")
    @classmethod
    def _expand_home(cls, value: Path | None) -> Path | None:
        return value.expanduser() if value is not None else None


class BuildSettings(_Section):
    """``[build]``: how ``steward upgrade`` builds."""

    builder: str = Field(
        "local",
        description="Build backend, a module of steward.upgrade.builders (local: host rpmbuild).",
    )


class UpstreamSettings(_Section):
    """``[upstream]``: where backends send their requests."""

    base_urls: dict[str, str] = Field(
        default_factory=dict,
        description="Per backend (github, gitlab, …): API base URL, e.g. GitHub Enterprise.",
    )
    url_rewrites: dict[str, str] = Field(
        default_factory=dict, description="VCS URL prefix -> replacement (git, svn, hg)."
    )


class ServiceSettings(_Section):
    """``[service]``: ``steward serve`` (API token, webhook secrets; see docs/service.md)."""

    token: str | None = Field(
        None, description="Bearer token the API's write endpoints require (none: writes refused)."
    )
    webhook_secrets: dict[str, str] = Field(
        default_factory=dict,
        description="Per forge (github, gitlab, gitee, gitea): the webhook's shared secret.",
    )
    max_body_kb: int = Field(1024, ge=1, description="Largest webhook body accepted, in KiB.")
    replay_window: int = Field(
        3600, ge=60, description="Seconds a webhook's delivery id and timestamp are remembered."
    )
    quotas: dict[str, int] = Field(
        default_factory=dict,
        description="Per backend: requests per hour the scheduler may spend (none: no limit).",
    )
    amqp_url: str | None = Field(
        None, description="AMQP broker for events out, amqp://user:pass@host:5672/ (none: off)."
    )
    amqp_exchange: str = Field("steward", description="The topic exchange events go to.")


PackageTables = dict[str, dict[str, Any]]


class _ConfigFile(_Section):
    defaults: Defaults = Field(default_factory=Defaults)
    network: NetworkSettings = Field(default_factory=NetworkSettings)
    upstream: UpstreamSettings = Field(default_factory=UpstreamSettings)
    build: BuildSettings = Field(default_factory=BuildSettings)
    service: ServiceSettings = Field(default_factory=ServiceSettings)
    packages: PackageTables = Field(
        default_factory=dict, description="[packages.NAME]: per-package upstream tables."
    )


class Config(_ConfigFile):
    """The user's configuration as read (``path`` is ``None`` for the defaults).

    The ``[defaults]`` and ``[upstream]`` values are also reachable flat
    (``config.profile``, ``config.base_urls``), as the commands use them.
    """

    path: Path | None = Field(None, strict=False, exclude=True)

    @property
    def profile(self) -> str:
        return self.defaults.profile

    @property
    def db(self) -> str | None:
        return self.defaults.db

    @property
    def policy(self) -> str:
        return self.defaults.policy

    @property
    def packager(self) -> str | None:
        return self.defaults.packager

    @property
    def tree_cache(self) -> bool:
        return self.defaults.tree_cache

    @property
    def builder(self) -> str:
        return self.build.builder

    @property
    def base_urls(self) -> Mapping[str, str]:
        return self.upstream.base_urls

    @property
    def url_rewrites(self) -> Mapping[str, str]:
        return self.upstream.url_rewrites


def config_paths(explicit: Path | str | None = None) -> list[Path]:
    """Where the configuration is looked for, first match wins (see the module docstring)."""
    paths = []
    if explicit:
        paths.append(Path(explicit))
    if os.environ.get(CONFIG_ENV):
        paths.append(Path(os.environ[CONFIG_ENV]))
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    paths.append(base / "steward" / "config.toml")
    return paths


def load_config(explicit: Path | str | None = None) -> Config:
    """The first configuration file found, or the defaults.

    A file named by ``explicit`` or by ``$STEWARD_CONFIG`` must exist (a typo must not
    silently give the defaults); the XDG file is optional.
    """
    if explicit and not Path(explicit).is_file():
        raise ConfigError(f"configuration file {explicit} does not exist")
    named = os.environ.get(CONFIG_ENV)
    if not explicit and named and not Path(named).is_file():
        raise ConfigError(f"configuration file {named} (from ${CONFIG_ENV}) does not exist")
    for path in config_paths(explicit):
        if path.is_file():
            return parse_config(path)
    return Config()


def parse_config(path: Path | str) -> Config:
    """Read and validate one configuration file; :class:`ConfigError` says what is wrong."""
    path = Path(path)
    data = _read_toml(path)
    if "__config__" in data:
        raise ConfigError(
            f"{path}: [__config__] is nvchecker's configuration, not Steward's; "
            "see docs/configuration.md for Steward's keys"
        )
    try:
        parsed = _ConfigFile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_explain(exc, path, _ConfigFile)) from None
    return Config(**{name: getattr(parsed, name) for name in _ConfigFile.model_fields}, path=path)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read configuration {path}: {exc}") from exc
    except RecursionError:  # tomllib recurses into nested arrays
        raise ConfigError(f"cannot read configuration {path}: nested too deeply") from None


def setting_origins(config: Config) -> Iterator[tuple[str, Any, str]]:
    """Every setting as ``(dotted key, value, origin)``; the origin is the file that set the
    value, ``env $NAME`` or ``default``. ``[packages]`` is one entry."""
    raw = _read_toml(config.path) if config.path is not None else {}
    origin_file = str(config.path)
    for section in ("defaults", "network", "upstream", "build"):
        model = getattr(config, section)
        given = raw.get(section, {})
        for name in type(model).model_fields:
            value = getattr(model, name)
            if name in given:
                origin = origin_file
            elif section == "defaults" and name == "db" and os.environ.get("STEWARD_DB"):
                value, origin = os.environ["STEWARD_DB"], "env $STEWARD_DB"
            else:
                origin = "default"
            yield f"{section}.{name}", _plain(value), origin
    packages = sorted(config.packages)
    yield "packages", packages, origin_file if packages else "default"


def _plain(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Mapping):
        return dict(value)
    return value


# -- a tree's own steward.toml ----------------------------------------------------------------

#: Tables a tree may hold: its packages' upstreams, tag rules and policies; a package
#: repository's review waivers (``[review]``, read by :mod:`steward.review.waivers`).
TREE_TABLES = frozenset({"packages", "review"})
#: Per-package keys only the user may set: they choose local paths or credentials.
USER_ONLY_PACKAGE_KEYS = frozenset(
    {"cache_dir", "keyfile", "key_file", "token", "access_token", "httptoken", "proxy"}
)


class TreeConfig(_Section):
    """A package tree's own ``steward.toml``: ``[packages.NAME]`` tables and nothing else."""

    packages: PackageTables = Field(default_factory=dict)
    review: dict[str, Any] = Field(default_factory=dict)


def parse_tree_config(text: str, path: Path | str) -> TreeConfig:
    """The package tables of a tree's ``steward.toml`` (``text``, read from ``path``).

    The tree is untrusted: a file that tries to set the network, the store, the
    credentials or local paths is refused with :class:`ConfigError` naming file and key.
    (Reading the file safely, a regular file inside the tree, is the caller's:
    :func:`steward.upstream.resolve.load_package_configs`.)
    """
    path = Path(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    except RecursionError:  # tomllib recurses into nested arrays
        raise ConfigError(f"cannot read {path}: nested too deeply") from None
    for key in data:
        if key in TREE_TABLES:
            continue
        if key in _ConfigFile.model_fields:
            raise ConfigError(
                f"{path}: [{key}] may only be set in your own configuration (--config, "
                f"${CONFIG_ENV} or ~/.config/steward/config.toml); a tree's {TREE_FILE} "
                "may only hold [packages.NAME] tables"
            )
    packages = data.get("packages")
    if isinstance(packages, dict):
        for name, table in packages.items():
            for key in USER_ONLY_PACKAGE_KEYS & set(table if isinstance(table, dict) else ()):
                raise ConfigError(
                    f"{path}: packages.{name}.{key} may only be set in your own configuration,"
                    f" not in a tree's {TREE_FILE}"
                )
    try:
        return TreeConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_explain(exc, path, TreeConfig)) from None


# -- error messages ---------------------------------------------------------------------------

_EXPECTED = {
    "bool_type": "true or false",
    "int_type": "a whole number",
    "float_type": "a number",
    "string_type": "a string",
    "dict_type": "a table",
    "model_type": "a table",
    "model_attributes_type": "a table",
    "path_type": "a path (a string)",
}


def _explain(exc: ValidationError, path: Path, model: type[BaseModel]) -> str:
    """One line per problem: file, dotted key, what was expected, the closest known key."""
    lines = [_explain_one(error, model) for error in exc.errors()]
    if len(lines) == 1:
        return f"{path}: {lines[0]}"
    return f"{path}: {len(lines)} problems:\n" + "\n".join(f"  {line}" for line in lines)


def _explain_one(error: Any, model: type[BaseModel]) -> str:
    loc: Sequence[str | int] = error["loc"]
    key = ".".join(str(part) for part in loc)
    kind = error["type"]
    if kind == "extra_forbidden":
        known = _known_keys(model, loc[:-1])
        message = f"unknown key {key!r}"
        close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
        if close:
            message += f"; did you mean {'.'.join([*map(str, loc[:-1]), close[0]])!r}?"
        elif known:
            message += f" (known keys here: {', '.join(sorted(known))})"
        return message
    value = error.get("input")
    got = f", got {_describe(value)}"
    if kind in _EXPECTED:
        return f"{key} must be {_EXPECTED[kind]}{got}"
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return f"{key} must be one of {expected}{got}"
    return f"{key}: {error['msg'].lower()}{got}"


def _known_keys(model: type[BaseModel], loc: Sequence[str | int]) -> list[str]:
    current: Any = model
    for part in loc:
        fields = getattr(current, "model_fields", None)
        if fields is None or part not in fields:
            return []
        current = fields[part].annotation
    fields = getattr(current, "model_fields", None)
    return list(fields) if fields else []


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, str):
        return f"the string {value!r:.60}"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value!r:.60}"
