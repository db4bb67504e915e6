"""Package upstream definitions from the configurations teams already have.

- An **nvchecker** configuration (TOML: an optional ``[__config__]`` table and one table per
  package, ``source = "github"`` …) is read as it is: its package tables are Steward's
  ``[packages.NAME]`` tables (Steward reads nvchecker's keys), ``keyfile`` and
  ``max_concurrency``/``http_timeout`` become the network settings. nvchecker's keyfile
  (a ``[keys]`` table) is read by :meth:`steward.upstream.credentials.Credentials.from_file`.
- An **Anitya** export (the JSON of ``/api/v2/projects/``, one page or a list of pages, or a
  plain list of projects) is turned into the same tables: ``backend`` picks the source,
  ``version_url``/``homepage``/``name`` the project, ``version_prefix`` the prefixes,
  ``version_scheme`` and ``ecosystem`` are kept as notes.

What Steward does not use is never dropped silently: every reader returns, per package,
the keys it ignored, and the settings of the file it ignored, for the command line to say.
A ``token`` written into a package table is never used or echoed (tokens belong in the
keyfile, bound to their host).
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from steward.upstream.sources import nvchecker_sources

__all__ = [
    "ANITYA_BACKENDS",
    "SUPPORTED_KEYS",
    "ImportFormatError",
    "Imported",
    "ImportedPackage",
    "looks_like_nvchecker",
    "read_anitya",
    "read_nvchecker",
    "to_toml",
]


class ImportFormatError(ValueError):
    """The file is not a configuration of the expected kind; the message names it."""


#: Keys every package table may have (tag rules and the check's policy keys).
_COMMON_KEYS: Final = frozenset(
    {
        "source", "prefix", "include_regex", "exclude_regex", "from_pattern", "to_pattern",
        "ignored", "tag_prefix", "separator", "tag_pattern", "tag_reorder", "tag_neworder",
        "policy", "ignore", "allow_prerelease", "gnome_odd_minor",
    }
)  # fmt: skip
_FORGE_KEYS: Final = frozenset(
    {"host", "use_max_tag", "use_tags", "use_max_release", "use_releases", "use_latest_release",
     "max_pages"}
)  # fmt: skip
#: Per nvchecker source, the keys Steward reads besides the common ones and the project key.
SUPPORTED_KEYS: Final[Mapping[str, frozenset[str]]] = {
    "github": _FORGE_KEYS,
    "gitlab": _FORGE_KEYS,
    "gitee": _FORGE_KEYS,
    "gitea": _FORGE_KEYS,
    "regex": frozenset({"regex", "match", "name", "pattern"}),
    "html": frozenset({"regex", "match", "name", "pattern"}),
    "git": frozenset({"branch"}),
    "hg": frozenset({"mode", "cache_dir"}),
    "svn": frozenset({"tags_path"}),
    "sourceforge": frozenset({"path", "pattern"}),
    "maven": frozenset({"repo", "group", "artifact"}),
    "rpmrepo": frozenset({"repo", "pkg", "arch", "name"}),
}
#: ``[__config__]`` keys Steward reads; the others are reported as ignored.
_CONFIG_KEYS: Final = frozenset({"keyfile", "max_concurrency", "http_timeout"})
_SECRET_KEYS: Final = frozenset({"token", "password", "password_key"})


@dataclass(frozen=True, slots=True)
class ImportedPackage:
    """One package's Steward table, and what of the original Steward does not read."""

    name: str
    table: dict[str, Any]
    unsupported: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Imported:
    """Everything read from one file."""

    format: str
    source: Path
    packages: tuple[ImportedPackage, ...]
    ignored: tuple[str, ...] = ()
    keyfile: Path | None = None
    concurrency: int | None = None
    timeout: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def tables(self) -> dict[str, dict[str, Any]]:
        """``{package: table}``, as ``[packages.NAME]`` of a Steward configuration."""
        return {p.name: p.table for p in self.packages}


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ImportFormatError(f"cannot read {path}: {exc}") from exc


_STEWARD_SECTIONS: Final = frozenset({"defaults", "network", "upstream", "packages"})


def looks_like_nvchecker(path: Path) -> bool:
    """Whether the TOML file at ``path`` is an nvchecker configuration, not Steward's own.

    It is when it has ``[__config__]``, or when it has no Steward section and its tables
    name a ``source`` (a file that cannot be read is left to the caller's reader).
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    if "__config__" in data:
        return True
    if _STEWARD_SECTIONS & data.keys():
        return False
    tables = [v for v in data.values() if isinstance(v, dict)]
    return bool(tables) and all("source" in t for t in tables)


def _package(name: str, table: Mapping[str, Any]) -> ImportedPackage:
    source = str(table.get("source", ""))
    mapping = nvchecker_sources().get(source)
    clean = {k: v for k, v in table.items() if k not in _SECRET_KEYS}
    notes = []
    if len(clean) != len(table):
        notes.append("a token in the configuration is not used: put it in the keyfile")
    if mapping is None:
        reason = "no source" if not source else f"source {source!r} is not supported"
        return ImportedPackage(name, clean, notes=(reason, *notes))
    known = _COMMON_KEYS | {mapping[1], "project"} | SUPPORTED_KEYS.get(source, frozenset())
    unsupported = tuple(sorted(k for k in table if k not in known))
    return ImportedPackage(name, clean, unsupported=unsupported, notes=tuple(notes))


def read_nvchecker(path: Path | str) -> Imported:
    """An nvchecker configuration file (see the module docstring)."""
    path = Path(path)
    data = _read_toml(path)
    settings = data.get("__config__", {})
    if not isinstance(settings, dict):
        raise ImportFormatError(f"{path}: [__config__] must be a table")
    ignored = [f"__config__.{k}" for k in sorted(settings) if k not in _CONFIG_KEYS]
    keyfile = None
    if settings.get("keyfile"):
        import os

        # As nvchecker does: ~ and $VARIABLES expanded, relative to the configuration.
        written = os.path.expandvars(os.path.expanduser(str(settings["keyfile"])))
        keyfile = path.parent / written
    packages = []
    for name, table in data.items():
        if name == "__config__":
            continue
        if not isinstance(table, dict):
            raise ImportFormatError(f"{path}: {name} must be a table (one per package)")
        packages.append(_package(name, table))
    concurrency = settings.get("max_concurrency")
    timeout = settings.get("http_timeout")
    for key, value in (("max_concurrency", concurrency), ("http_timeout", timeout)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise ImportFormatError(f"{path}: __config__.{key} must be a number")
    return Imported(
        format="nvchecker",
        source=path,
        packages=tuple(packages),
        ignored=tuple(ignored),
        keyfile=keyfile,
        concurrency=int(concurrency) if concurrency else None,
        timeout=float(timeout) if timeout else None,
    )


# -- Anitya ------------------------------------------------------------------------------------

#: Anitya backend names (as its API spells them) and the nvchecker source they become.
ANITYA_BACKENDS: Final[Mapping[str, str]] = {
    "GitHub": "github",
    "GitLab": "gitlab",
    "Gitea": "gitea",
    "PyPI": "pypi",
    "npmjs": "npm",
    "crates.io": "cratesio",
    "Rubygems": "gems",
    "CPAN (perl)": "cpan",
    "Hackage": "hackage",
    "GNOME": "gnome",
    "Sourceforge": "sourceforge",
    "Maven Central": "maven",
    "custom": "regex",
    "folder": "regex",
}
#: Anitya's language ecosystems: a project in one is found there whatever its backend says.
_ECOSYSTEMS: Final[Mapping[str, str]] = {
    "pypi": "pypi",
    "npm": "npm",
    "crates.io": "cratesio",
    "rubygems": "gems",
    "maven": "maven",
}
_ANITYA_USED: Final = frozenset(
    {"name", "backend", "version_url", "homepage", "regex", "version_prefix", "releases_only",
     "ecosystem", "version_scheme", "packages"}
)  # fmt: skip
#: Fields that describe Anitya's own state, not the upstream: skipped without a note.
_ANITYA_STATE: Final = frozenset(
    {"id", "version", "versions", "stable_versions", "created_on", "updated_on",
     "latest_version", "logs", "check_successful", "last_check", "next_check",
     "error_counter", "latest_version_cursor", "archived"}
)  # fmt: skip
_OWNER_REPO = re.compile(r"^(?:https?://[^/]+/)?([^/\s]+/[^/\s]+?)(?:\.git)?/?$")


def _projects(document: Any, path: Path) -> list[Mapping[str, Any]]:
    if isinstance(document, dict) and isinstance(document.get("items"), list):
        return list(document["items"])
    if isinstance(document, list):
        found: list[Mapping[str, Any]] = []
        for item in document:
            if isinstance(item, dict) and isinstance(item.get("items"), list):
                found.extend(item["items"])  # a list of pages
            elif isinstance(item, dict):
                found.append(item)
            else:
                raise ImportFormatError(f"{path}: expected projects (JSON objects)")
        return found
    raise ImportFormatError(
        f"{path}: not an Anitya export (expected the JSON of /api/v2/projects/, a list of "
        "its pages, or a list of projects)"
    )


def _package_name(project: Mapping[str, Any], distro: str | None) -> str | None:
    """The package's name in ``distro`` (``None``: not packaged there), else the project's."""
    for package in project.get("packages") or ():
        if not isinstance(package, dict):
            continue
        where = package.get("distro") or package.get("distribution")
        if distro is None or str(where).lower() == distro.lower():
            name = package.get("package_name") or package.get("name")
            if name:
                return str(name)
    return None if distro is not None else str(project["name"])


def _anitya_table(project: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    backend = str(project.get("backend") or "")
    source = ANITYA_BACKENDS.get(backend) or _ECOSYSTEMS.get(str(project.get("ecosystem")))
    notes: list[str] = []
    url = str(project.get("version_url") or "")
    homepage = str(project.get("homepage") or "")
    name = str(project["name"])
    if source is None:
        return {"source": "none"}, [f"Anitya backend {backend!r} is not supported"]
    table: dict[str, Any] = {"source": source}
    if source in ("github", "gitea"):
        match = _OWNER_REPO.match(url or homepage)
        if match is None:
            return {"source": "none"}, [f"{backend}: no owner/repo in {url or homepage!r}"]
        table[source] = match.group(1)
        table["use_max_release" if project.get("releases_only") else "use_max_tag"] = True
    elif source == "gitlab":
        from urllib.parse import urlsplit

        parts = urlsplit(url or homepage)
        table["gitlab"] = parts.path.strip("/").removesuffix(".git") or url
        if parts.netloc and parts.netloc != "gitlab.com":
            table["host"] = parts.netloc
        table["use_max_tag"] = True
    elif source == "regex":
        if not url:
            return {"source": "none"}, [f"{backend}: no version_url"]
        table["url"] = url
        if project.get("regex"):
            table["regex"] = str(project["regex"])
        elif backend == "custom":
            return {"source": "none"}, ["custom backend without a regex"]
    else:
        key = nvchecker_sources()[source][1]
        table[key] = url or name
    prefixes = [p.strip() for p in str(project.get("version_prefix") or "").split(";")]
    prefixes = [p for p in prefixes if p]
    if len(prefixes) == 1:
        table["prefix"] = prefixes[0]
    elif prefixes:
        # Several prefixes: an openEuler-style tag_prefix, a regex matched at the start.
        table["tag_prefix"] = "(?:" + "|".join(re.escape(p) for p in prefixes) + ")"
    scheme = project.get("version_scheme")
    if scheme and str(scheme).upper() != "RPM":
        notes.append(f"version scheme {scheme!r} is not used: Steward orders versions as rpm does")
    return table, notes


def read_anitya(path: Path | str, *, distro: str | None = None) -> Imported:
    """An Anitya export; packages are named as ``distro`` packages them, else by project."""
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImportFormatError(f"cannot read {path}: {exc}") from exc
    packages = []
    elsewhere = []
    for project in _projects(document, path):
        if "name" not in project:
            raise ImportFormatError(f"{path}: a project without a name")
        name = _package_name(project, distro)
        if name is None:
            elsewhere.append(str(project["name"]))
            continue
        table, notes = _anitya_table(project)
        unsupported = sorted(k for k in project if k not in _ANITYA_USED | _ANITYA_STATE)
        if table["source"] == "none":
            unsupported.insert(0, "backend")
        packages.append(ImportedPackage(name, table, tuple(unsupported), tuple(notes)))
    ignored = [f"project {p} (no {distro} package)" for p in elsewhere]
    return Imported(format="anitya", source=path, packages=tuple(packages), ignored=tuple(ignored))


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)  # a TOML basic string


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key)


def to_toml(imported: Imported) -> str:
    """The packages as ``[packages.NAME]`` tables of a steward.toml, notes as comments."""
    lines = [f"# Imported by steward from the {imported.format} file {imported.source.name}"]
    for item in imported.ignored:
        lines.append(f"# not used by Steward: {item}")
    for package in imported.packages:
        lines.append("")
        for note in package.notes:
            lines.append(f"# {package.name}: {note}")
        if package.unsupported:
            lines.append(f"# {package.name}: not read by Steward: {', '.join(package.unsupported)}")
        lines.append(f"[packages.{_toml_key(package.name)}]")
        for key, value in package.table.items():
            if isinstance(value, dict):
                continue
            lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"
