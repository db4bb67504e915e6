"""Where a package's releases come from: config, then openEuler metadata, then the spec.

:func:`resolve_upstream` answers with an :class:`~steward.upstream.sources.base.Upstream`
(backend kind, project, options, tag rules) or a :class:`NoUpstream` that says why there
is none. The order is the issue's: a package's Steward configuration (a TOML table with
nvchecker-compatible keys), then openEuler's ``<name>.yaml``, then inference from the
spec's ``URL:`` and ``Source0:``.

>>> found = resolve_from_urls(["https://github.com/akheron/jansson/releases/download/v2.13/x.gz"])
>>> found.kind, found.project, found.origin
('github', 'akheron/jansson', 'inferred')
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from steward.config import TREE_FILE, ConfigError, parse_tree_config
from steward.distro.files import MAX_TREE_CONFIG_BYTES, UnsafeFile, read_tree_file
from steward.distro.metadata import UpstreamInfo, UpstreamKind
from steward.upstream.sources.base import Upstream
from steward.upstream.versions import InvalidTagRules, TagRules

__all__ = [
    "NVCHECKER_SOURCES",
    "NoUpstream",
    "PackageConfigError",
    "load_package_configs",
    "resolve_from_config",
    "resolve_from_metadata",
    "resolve_from_urls",
    "resolve_upstream",
]

#: nvchecker ``source`` values Steward reads, and the key that names the project.
NVCHECKER_SOURCES: dict[str, tuple[str, str]] = {
    "github": ("github", "github"),
    "gitlab": ("gitlab", "gitlab"),
    "gitee": ("gitee", "gitee"),
    "gitea": ("gitea", "gitea"),
    "pypi": ("pypi", "pypi"),
    "npm": ("npm", "npm"),
    "cratesio": ("crates", "cratesio"),
    "crates": ("crates", "crates"),
    "gems": ("rubygems", "gems"),
    "rubygems": ("rubygems", "rubygems"),
    "cpan": ("metacpan", "cpan"),
    "metacpan": ("metacpan", "metacpan"),
    "hackage": ("hackage", "hackage"),
    "gnome": ("gnome", "gnome"),
    "sourceforge": ("sourceforge", "sourceforge"),
    "maven": ("maven", "maven"),
    "regex": ("html", "url"),
    "html": ("html", "url"),
    "git": ("git", "git"),
    "svn": ("svn", "svn"),
    "hg": ("hg", "hg"),
    "rpmrepo": ("rpmrepo", "rpmrepo"),
}
_RULE_KEYS = frozenset(
    {
        "prefix", "include_regex", "exclude_regex", "from_pattern", "to_pattern", "ignored",
        "tag_prefix", "separator", "tag_pattern", "tag_reorder", "tag_neworder",
    }
)  # fmt: skip


class PackageConfigError(ConfigError):
    """A package's Steward configuration cannot be used; the message names file and key."""


@dataclass(frozen=True, slots=True)
class NoUpstream:
    """No upstream to watch, and why (``code``: ``no-upstream``, ``unsupported-kind`` …)."""

    code: str
    reason: str


def resolve_upstream(
    name: str,
    *,
    config: Mapping[str, Any] | None = None,
    metadata: UpstreamInfo | None = None,
    urls: Iterable[str] = (),
) -> Upstream | NoUpstream:
    """The package's upstream, from the first source that names one."""
    if config:
        return resolve_from_config(name, config)
    if metadata is not None:
        found = resolve_from_metadata(name, metadata)
        if isinstance(found, Upstream) or found.code != "no-metadata-kind":
            return found
    inferred = resolve_from_urls(list(urls), name=name)
    if inferred is not None:
        return inferred
    if metadata is not None and metadata.kind is UpstreamKind.NONE:
        return NoUpstream("no-upstream", "the metadata says there is no upstream (NA)")
    return NoUpstream(
        "no-upstream",
        "no Steward config, no upstream metadata, and the spec's URL/Source0 name no known host",
    )


# -- Steward / nvchecker configuration --------------------------------------------------------


def load_package_configs(tree: Path) -> dict[str, dict[str, Any]]:
    """The ``[packages.NAME]`` tables of ``<tree>/steward.toml`` (none when it does not exist).

    The tree's file is untrusted: it is read only as a regular file inside the tree, and
    anything but package tables (the network, the store, credentials, local paths) is
    refused with :class:`PackageConfigError` (see :func:`steward.config.parse_tree_config`).
    """
    path = tree / TREE_FILE
    if not os.path.lexists(path):
        return {}
    try:
        text = read_tree_file(path, root=tree, limit=MAX_TREE_CONFIG_BYTES).decode("utf-8")
        return dict(parse_tree_config(text, path).packages)
    except (UnsafeFile, UnicodeDecodeError) as exc:
        raise PackageConfigError(f"cannot read {path}: {exc}") from None
    except ConfigError as exc:
        raise PackageConfigError(str(exc)) from None


def resolve_from_config(name: str, table: Mapping[str, Any]) -> Upstream | NoUpstream:
    """An nvchecker-style table: ``source = "github"``, ``github = "owner/repo"``, …"""
    source = str(table.get("source", "")).strip()
    if not source:
        return NoUpstream("bad-config", f"{name}: the config table has no 'source' key")
    if source in ("none", "manual"):
        return NoUpstream("no-upstream", f"{name}: config says source = {source!r}")
    mapping = NVCHECKER_SOURCES.get(source)
    if mapping is None:
        return NoUpstream("unsupported-kind", f"{name}: config source {source!r} is not supported")
    kind, project_key = mapping
    project = table.get(project_key) or table.get("project")
    if kind == "maven" and not project and table.get("group") and table.get("artifact"):
        project = f"{table['group']}:{table['artifact']}"  # nvchecker's maven keys
    if not project:
        return NoUpstream("bad-config", f"{name}: source {source!r} needs key {project_key!r}")
    options = {
        k: _option_text(v)
        for k, v in table.items()
        if k not in _RULE_KEYS and k not in ("source", project_key, "project", "group", "artifact")
    }
    if kind == "html" and "regex" in table:
        options["pattern"] = str(table["regex"])
    return _make(kind, str(project), options, table, name, "config")


def _option_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return " ".join(str(v) for v in value)
    return str(value)


def _make(
    kind: str,
    project: str,
    options: dict[str, str],
    rule_values: Mapping[str, Any],
    name: str,
    origin: str,
) -> Upstream | NoUpstream:
    values = {k: _option_text(v) for k, v in rule_values.items() if k in _RULE_KEYS}
    try:
        rules = TagRules.from_mapping(values, package_name=name)
    except InvalidTagRules as exc:
        return NoUpstream("bad-tag-rules", f"{name}: {exc}")
    return Upstream(kind=kind, project=project, options=options, rules=rules, origin=origin)


# -- openEuler metadata ------------------------------------------------------------------------

_GITHUB_URL = re.compile(r"^(?:https?://|git@)github\.com[/:]([^/]+/[^/#?]+?)(?:\.git)?/?$")


def resolve_from_metadata(name: str, info: UpstreamInfo) -> Upstream | NoUpstream:
    """Map openEuler's ``version_control`` kinds onto Steward's backends."""
    kind = info.kind
    repo = (info.src_repo or "").strip()
    rules: dict[str, Any] = {
        "tag_prefix": info.tag_prefix,
        "separator": info.separator,
        "tag_pattern": info.tag_pattern,
        "tag_reorder": info.tag_reorder,
        "tag_neworder": info.tag_neworder,
    }
    rules = {k: v for k, v in rules.items() if v not in (None, "")}
    if kind is UpstreamKind.NONE:
        return NoUpstream("no-upstream", "the metadata says there is no upstream (NA)")
    if kind is UpstreamKind.UNKNOWN:
        return NoUpstream("no-metadata-kind", "the metadata does not name a known upstream kind")
    if kind in (UpstreamKind.CVS, UpstreamKind.FOSSIL):
        return NoUpstream(
            "unsupported-kind", f"upstream kind {info.raw_kind or kind.value!r} is not supported"
        )
    if not repo:
        return NoUpstream("no-upstream", "the metadata names no src_repo")
    options: dict[str, str] = {}
    if kind is UpstreamKind.GITHUB:
        m = _GITHUB_URL.match(repo)
        project = m.group(1) if m else repo.strip("/")
        if info.query_type == "api.github.releases":
            options["use_releases"] = "true"
        return _make("github", project, options, rules, name, "metadata")
    if kind is UpstreamKind.GITLAB_GNOME:
        project = repo if "/" in repo else f"GNOME/{repo}"
        options["host"] = "gitlab.gnome.org"
        return _make("gitlab", project, options, rules, name, "metadata")
    if kind is UpstreamKind.GITLAB:
        parts = urlsplit(repo)
        if parts.scheme:
            options["host"] = parts.netloc
            repo = parts.path.strip("/").removesuffix(".git")
        return _make("gitlab", repo, options, rules, name, "metadata")
    if kind is UpstreamKind.GITEE:
        return _make("gitee", repo.strip("/"), options, rules, name, "metadata")
    if kind is UpstreamKind.GIT:
        url = repo if "://" in repo or repo.startswith("git@") else (info.git_url or repo)
        return _make("git", url, options, rules, name, "metadata")
    if kind is UpstreamKind.SVN:
        return _make("svn", info.svn_url or repo, options, rules, name, "metadata")
    if kind is UpstreamKind.HG:
        if (info.raw_kind or "").strip() == "hg-raw":
            options["mode"] = "raw"
        return _make("hg", repo, options, rules, name, "metadata")
    if kind in (UpstreamKind.PYPI, UpstreamKind.METACPAN, UpstreamKind.RUBYGEM):
        backend = {"pypi": "pypi", "metacpan": "metacpan", "rubygem": "rubygems"}[kind.value]
        # Registries name versions themselves; openEuler's tag rules are meant for tags.
        return _make(backend, repo, options, {}, name, "metadata")
    if kind in (UpstreamKind.NPM, UpstreamKind.CRATES, UpstreamKind.HACKAGE):
        return _make(kind.value, repo, options, {}, name, "metadata")
    if kind is UpstreamKind.SOURCEFORGE:
        m = re.search(r"sourceforge\.net/projects/([^/]+)(/files)?(/.*)?$", repo)
        if m:
            project = m.group(1)
            path = (m.group(3) or "").rstrip("/")
            if path:
                options["path"] = path
        else:
            project = repo
        return _make("sourceforge", project, options, rules, name, "metadata")
    if kind in (UpstreamKind.FTP, UpstreamKind.GNU_FTP):
        if kind is UpstreamKind.GNU_FTP and "://" not in repo:
            url = info.url or f"https://ftp.gnu.org/gnu/{repo}/"
        else:
            url = repo if "://" in repo else (info.url or info.download or repo)
        if info.tag_pattern:
            # The pattern names whole file names (bc-(.*).tar.gz); the listing backend matches
            # it against link targets, so it is an option here rather than a tag rule.
            options["pattern"] = info.tag_pattern.strip()
            rules.pop("tag_pattern", None)
        return _make("html", url, options, rules, name, "metadata")
    return NoUpstream("unsupported-kind", f"upstream kind {kind.value!r} is not supported")


# -- inference from the spec -------------------------------------------------------------------

_INFER: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^https?://github\.com/([^/]+/[^/#?]+?)(?:\.git)?(?:/|$)"), "github"),
    (re.compile(r"^https?://codeload\.github\.com/([^/]+/[^/]+)/"), "github"),
    (re.compile(r"^https?://gitlab\.com/((?:[^/]+/)+?[^/]+?)(?:\.git)?/-/"), "gitlab"),
    (re.compile(r"^https?://gitee\.com/([^/]+/[^/#?]+?)(?:\.git)?(?:/|$)"), "gitee"),
    (
        re.compile(
            r"^https?://(?:files\.pythonhosted\.org|pypi\.io|pypi\.python\.org|pypi\.org)"
            r"/packages/source/./([^/]+)/"
        ),
        "pypi",
    ),
    (re.compile(r"^https?://pypi\.(?:python\.)?org/(?:project|pypi)/([^/]+)"), "pypi"),
    (re.compile(r"^https?://registry\.npmjs\.org/((?:@[^/]+/)?[^/]+)/-/"), "npm"),
    (re.compile(r"^https?://(?:www\.)?npmjs\.com/package/((?:@[^/]+/)?[^/]+)"), "npm"),
    (re.compile(r"^https?://crates\.io/api/v1/crates/([^/]+)/"), "crates"),
    (re.compile(r"^https?://static\.crates\.io/crates/([^/]+)/"), "crates"),
    (re.compile(r"^https?://crates\.io/crates/([^/]+)"), "crates"),
    (
        re.compile(
            r"^https?://rubygems\.org/(?:gems|downloads)/([A-Za-z0-9_.-]+?)(?:-\d[^/]*)?(?:\.gem)?$"
        ),
        "rubygems",
    ),
    (
        re.compile(
            r"^https?://(?:www\.cpan\.org|cpan\.metacpan\.org|search\.cpan\.org)/.*/"
            r"([A-Za-z0-9]+(?:-[A-Za-z][A-Za-z0-9]*)*)-v?\d[^/]*$"
        ),
        "metacpan",
    ),
    (re.compile(r"^https?://(?:fastapi\.)?metacpan\.org/(?:release|dist)/([^/]+)"), "metacpan"),
    (re.compile(r"^https?://download\.gnome\.org/sources/([^/]+)/"), "gnome"),
    (re.compile(r"^https?://ftp\.gnome\.org/pub/(?:GNOME|gnome)/sources/([^/]+)/"), "gnome"),
    (
        re.compile(r"^https?://(?:downloads\.)?sourceforge\.net/(?:projects/)?([^/]+)/"),
        "sourceforge",
    ),
    (re.compile(r"^https?://([^/.]+)\.sourceforge\.(?:net|io)/"), "sourceforge"),
    (
        re.compile(r"^https?://hackage\.haskell\.org/package/([A-Za-z0-9-]+?)(?:-\d[^/]*)?(?:/|$)"),
        "hackage",
    ),
)  # fmt: skip
_GNU = re.compile(r"^(https?://(?:ftp|ftpmirror)\.gnu\.org/(?:pub/)?gnu/([^/]+)/)")


def resolve_from_urls(urls: Iterable[str], *, name: str | None = None) -> Upstream | None:
    """Infer an upstream from the spec's Source0 and URL (the first URL that names a host)."""
    for url in urls:
        if not url:
            continue
        url = url.strip()
        for pattern, kind in _INFER:
            m = pattern.match(url)
            if m:
                project = m.group(1)
                found = _make(kind, project, {}, {}, name or project, "inferred")
                return found if isinstance(found, Upstream) else None
        m = _GNU.match(url)
        if m:
            project = m.group(2)
            options = {"pattern": rf"{re.escape(project)}-([0-9][^/]*?)\.tar\.(?:gz|xz|bz2|lz)$"}
            found = _make("html", m.group(1), options, {}, name or project, "inferred")
            return found if isinstance(found, Upstream) else None
    return None
