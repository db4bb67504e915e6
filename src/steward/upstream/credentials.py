"""API tokens for upstream hosts, read from the environment or a private key file.

Tokens raise rate limits (GitHub allows 60 anonymous requests an hour, 5,000 with a token)
and nothing else; Steward only reads public data. A token is attached as a header, never put
into a URL (URLs end up in logs, error messages and caches), and its text is kept out of every
``repr``.

Environment variables:

- ``GITHUB_TOKEN`` → ``github.com`` and ``api.github.com`` (``Authorization: Bearer``)
- ``GITLAB_TOKEN`` → ``gitlab.com`` (``PRIVATE-TOKEN``)
- ``GITEE_TOKEN`` → ``gitee.com`` (``Authorization: Bearer``; Gitee's v5 API is OAuth2 and its
  documentation only shows an ``access_token`` query parameter, which Steward refuses to use
  because it would leak the token into URLs. If Gitee ever rejects the header, requests fall
  back to anonymous quota rather than leaking.)
- ``STEWARD_TOKEN_<HOST>`` for any one host: the host upper-cased, ``.`` written ``_`` and
  ``-`` written ``__``: ``STEWARD_TOKEN_GITLAB_GNOME_ORG`` is ``gitlab.gnome.org``,
  ``STEWARD_TOKEN_MY__FORGE_EXAMPLE`` is ``my-forge.example``. A name that does not read back
  as exactly one host name is an error, never a guess. A GitHub Enterprise or self-hosted
  GitLab gets its own token this way (or from the key file): the public service's token is
  never sent to it.

A token is presented to exactly the host names it belongs to, compared in IDNA form
(:func:`normalize_host`): ``api-github.com`` or ``github.com.example`` never get GitHub's.

Key file (``Credentials.from_file``), mode 0600 or stricter, either TOML::

    "github.com" = "ghp_..."
    "gitlab.example.com" = { token = "glpat-...", style = "gitlab" }

or plain ``host = token`` lines (``#`` starts a comment), or nvchecker's keyfile: a
``[keys]`` table whose names are host names or nvchecker's older ``github``,
``gitlab_<host>`` and ``gitea_<host>``. ``style`` is ``bearer``
(``Authorization: Bearer``), ``gitlab`` (``PRIVATE-TOKEN``) or ``token``
(``Authorization: token``, older Gitea/Forgejo). Without a style, hosts with a ``gitlab``
label use ``gitlab`` and every other host ``bearer`` (GitLab accepts both).
"""

from __future__ import annotations

import enum
import functools
import os
import re
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from steward.config import ConfigError

__all__ = [
    "AuthStyle",
    "Credentials",
    "CredentialsError",
    "Token",
    "host_from_variable",
    "normalize_host",
    "token_variable",
]

_ENV_PREFIX = "STEWARD_TOKEN_"
_VENDOR_VARIABLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("GITHUB_TOKEN", ("github.com", "api.github.com")),
    ("GITLAB_TOKEN", ("gitlab.com",)),
    ("GITEE_TOKEN", ("gitee.com",)),
)
_LINE = re.compile(r"^\s*([^\s=#]+)\s*=\s*(\S+?)\s*$")


class CredentialsError(ConfigError):
    """A key file or token setting cannot be used; the message names the file, never a token."""


class AuthStyle(enum.Enum):
    """How a host expects its token to be presented."""

    BEARER = "bearer"
    GITLAB = "gitlab"
    TOKEN = "token"


@dataclass(frozen=True, slots=True)
class Token:
    """One host's token. ``repr()`` shows the style only."""

    secret: str = field(repr=False)
    style: AuthStyle = AuthStyle.BEARER

    def headers(self) -> dict[str, str]:
        """The request headers that present this token."""
        if self.style is AuthStyle.GITLAB:
            return {"PRIVATE-TOKEN": self.secret}
        if self.style is AuthStyle.TOKEN:
            return {"Authorization": f"token {self.secret}"}
        return {"Authorization": f"Bearer {self.secret}"}


#: Request headers that carry credentials: never sent across origins, never recorded.
CREDENTIAL_HEADERS = ("authorization", "private-token", "cookie", "proxy-authorization")
SECRET_WORDS = ("token", "key", "secret", "password", "passwd", "signature", "sig", "auth")


def looks_secret(name: str) -> bool:
    """Whether a query parameter or header named ``name`` may hold a secret.

    >>> looks_secret("access_token"), looks_secret("page")
    (True, False)
    """
    lowered = name.lower()
    return any(word in lowered for word in SECRET_WORDS)


@functools.lru_cache(maxsize=1024)
def normalize_host(host: str) -> str:
    """``host`` as tokens are looked up: lower case, IDNA (``xn--``) form, no trailing dot.

    Two spellings of one host name compare equal; different host names never do.

    >>> normalize_host("Bücher.Example."), normalize_host("[::1]")
    ('xn--bcher-kva.example', '::1')
    """
    text = host.strip().strip("[]").removesuffix(".")
    if text.isascii():
        return text.lower()
    try:
        return text.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return text.lower()  # matches no key: keys are valid ASCII host names


def token_variable(host: str) -> str:
    """The ``STEWARD_TOKEN_<HOST>`` variable that holds ``host``'s token.

    ``.`` is written ``_`` and ``-`` is written ``__``, so every name reads back as exactly
    one host (:func:`host_from_variable`).

    >>> token_variable("gitlab.gnome.org"), token_variable("my-forge.example")
    ('STEWARD_TOKEN_GITLAB_GNOME_ORG', 'STEWARD_TOKEN_MY__FORGE_EXAMPLE')
    """
    spelled = normalize_host(host).upper().replace("-", "__").replace(".", "_")
    return _ENV_PREFIX + spelled


def host_key(host: str) -> str:
    """``host`` as spelled in its token variable, lower case (``gitlab_gnome_org``)."""
    return token_variable(host)[len(_ENV_PREFIX) :].lower()


def host_from_variable(variable: str) -> str:
    """The host a ``STEWARD_TOKEN_<HOST>`` variable names; :class:`CredentialsError` when the
    name is not the spelling of exactly one host name.

    >>> host_from_variable("STEWARD_TOKEN_XN____BCHER__KVA_EXAMPLE")
    'xn--bcher-kva.example'
    """
    spelled = variable[len(_ENV_PREFIX) :]
    if not _SPELLED.fullmatch(spelled):
        raise CredentialsError(
            f"environment variable {variable}: not a host name spelled with A-Z, 0-9, `_` for"
            " `.` and `__` for `-` (e.g. STEWARD_TOKEN_MY__FORGE_EXAMPLE_ORG is"
            " my-forge.example.org); the token is not used"
        )

    def letter(run: re.Match[str]) -> str:
        width = len(run.group())
        if width == 1:
            return "."
        if width % 2:
            # An odd run would be "-." or ".-": never part of a host name.
            raise CredentialsError(
                f"environment variable {variable}: {width} underscores in a row do not spell a"
                " host name (`_` is `.`, `__` is `-`); the token is not used"
            )
        return "-" * (width // 2)

    host = _UNDERSCORES.sub(letter, spelled).lower()
    if not _HOST_NAME.fullmatch(host):
        raise CredentialsError(
            f"environment variable {variable}: {host!r} is not a valid host name; "
            "the token is not used"
        )
    return host


_SPELLED = re.compile(r"[A-Z0-9](?:[A-Z0-9_]*[A-Z0-9])?")
_UNDERSCORES = re.compile(r"_+")
_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_HOST_NAME = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")


def _checked_host(host: str, where: str) -> str:
    """``host`` normalised; :class:`CredentialsError` (naming ``where``) when it is not a host
    name or an IP address."""
    normal = normalize_host(host)
    if _HOST_NAME.fullmatch(normal) or _IP.fullmatch(normal):
        return normal
    raise CredentialsError(f"{where}: {host!r} is not a host name")


_IP = re.compile(r"[0-9a-f:.]+")


def _default_style(host: str) -> AuthStyle:
    labels = re.split(r"[^a-z0-9]+", host.lower())
    return AuthStyle.GITLAB if "gitlab" in labels else AuthStyle.BEARER


@dataclass(frozen=True, slots=True)
class Credentials:
    """Tokens by host. Combine sources with ``|`` (the right-hand side wins).

    >>> creds = Credentials.from_env({"GITHUB_TOKEN": "ghp_x"})
    >>> creds.for_host("api.github.com").headers()
    {'Authorization': 'Bearer ghp_x'}
    >>> "ghp_x" in repr(creds)
    False
    """

    tokens: Mapping[str, Token] = field(default_factory=dict)

    def __post_init__(self) -> None:
        exact = {normalize_host(host): token for host, token in self.tokens.items()}
        object.__setattr__(self, "tokens", MappingProxyType(exact))

    def for_host(self, host: str) -> Token | None:
        """The token to present to ``host`` (a host name, no port), if any: only for that
        exact host name (compared in IDNA form), never for a look-alike."""
        return self.tokens.get(normalize_host(host))

    def __or__(self, other: Credentials) -> Credentials:
        return Credentials({**self.tokens, **other.tokens})

    def __repr__(self) -> str:
        return f"Credentials(hosts={sorted(self.tokens)!r})"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Credentials:
        """Tokens from ``GITHUB_TOKEN``, ``GITLAB_TOKEN``, ``GITEE_TOKEN`` and
        ``STEWARD_TOKEN_<HOST>`` (which wins over the vendor variables)."""
        env = os.environ if environ is None else environ
        tokens: dict[str, Token] = {}
        for variable, hosts in _VENDOR_VARIABLES:
            secret = env.get(variable, "").strip()
            if secret:
                for host in hosts:
                    tokens[host] = Token(secret, _default_style(host))
        for variable, value in env.items():
            secret = value.strip()
            if variable.startswith(_ENV_PREFIX) and secret:
                host = host_from_variable(variable)
                tokens[host] = Token(secret, _default_style(host))
        return cls(tokens)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> Credentials:
        """Tokens from a key file that only its owner can read (see the module docstring)."""
        file = Path(path)
        try:
            info = file.stat()
            if not stat.S_ISREG(info.st_mode):
                raise CredentialsError(f"key file {file} is not a regular file")
            # Like ssh with private keys: a token others can read is a leaked token.
            if os.name == "posix" and info.st_mode & 0o077:
                raise CredentialsError(
                    f"key file {file} is accessible by group or others "
                    f"(mode {stat.S_IMODE(info.st_mode):04o}); run `chmod 600 {file}`"
                )
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CredentialsError(f"cannot read key file {file}: {exc}") from None
        try:
            document = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            return cls(_parse_lines(text, file))
        if set(document) == {"keys"} and isinstance(document["keys"], dict):
            return cls(_nvchecker_keys(document["keys"], file))
        return cls(_parse_toml(document, "", file))


def _parse_lines(text: str, file: Path) -> dict[str, Token]:
    tokens: dict[str, Token] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            # Never echo the line: it may hold a token.
            raise CredentialsError(f"{file}, line {number}: expected `host = token` or TOML")
        host = _checked_host(match.group(1), f"{file}, line {number}")
        secret = match.group(2).strip("\"'")
        tokens[host] = Token(secret, _default_style(host))
    return tokens


def _parse_toml(table: Mapping[str, Any], prefix: str, file: Path) -> dict[str, Token]:
    # An unquoted TOML key such as github.com is a dotted key, i.e. nested tables; walking
    # the tables and joining the keys with dots gives back the host name.
    tokens: dict[str, Token] = {}
    for key, value in table.items():
        host = f"{prefix}.{key}" if prefix else key
        if isinstance(value, str):
            host = _checked_host(host, str(file))
            tokens[host] = Token(value, _default_style(host))
        elif isinstance(value, dict) and "token" in value:
            host = _checked_host(host, str(file))
            tokens[host] = _token_from_table(value, host, file)
        elif isinstance(value, dict):
            tokens.update(_parse_toml(value, host, file))
        else:
            raise CredentialsError(
                f"{file}: {host}: expected a token string or a table with `token`"
            )
    return tokens


def _token_from_table(table: Mapping[str, Any], host: str, file: Path) -> Token:
    secret, style = table.get("token"), table.get("style")
    if not isinstance(secret, str) or not secret:
        raise CredentialsError(f"{file}: {host}.token must be a non-empty string")
    if style is None:
        return Token(secret, _default_style(host))
    try:
        return Token(secret, AuthStyle(style))
    except ValueError:
        choices = ", ".join(s.value for s in AuthStyle)
        raise CredentialsError(f"{file}: {host}.style must be one of {choices}") from None


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    # An unquoted ``gitlab_gitlab.gnome.org = …`` is a dotted key: nested tables.
    flat: dict[str, Any] = {}
    for key, value in table.items():
        name = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            flat.update(_flatten(value, name))
        else:
            flat[name] = value
    return flat


def _is_legacy_key(name: str) -> bool:
    return name == "github" or name.startswith(("gitlab_", "gitea_"))


def _nvchecker_keys(keys: Mapping[str, Any], file: Path) -> dict[str, Token]:
    """nvchecker's ``[keys]``: a host name, or ``github``/``gitlab_<host>``/``gitea_<host>``."""
    tokens: dict[str, Token] = {}
    # A host name wins over an older name for the same host, as in nvchecker.
    for name, secret in sorted(_flatten(keys).items(), key=lambda item: _is_legacy_key(item[0])):
        if not isinstance(secret, str) or not secret:
            raise CredentialsError(f"{file}: keys.{name} must be a non-empty string")
        if name == "github":
            hosts: tuple[str, ...] = ("github.com", "api.github.com")
        elif _is_legacy_key(name):
            hosts = (name.split("_", 1)[1],)
        elif "." in name:
            hosts = (name,)
        else:
            continue  # a key of a source Steward does not have
        for host in hosts:
            tokens.setdefault(host, Token(secret, _default_style(host)))
    return tokens
