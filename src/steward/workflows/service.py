"""The jobs ``steward serve`` runs: re-check named packages, find who follows an upstream.

The service is a thin shell: a webhook or an API call names packages (or an upstream),
and these functions run the same :func:`~steward.workflows.check.run_check` the command
line runs, on just those packages, so the answers land in the same store rows.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import TYPE_CHECKING

from steward.config import Config
from steward.distro.tree import Distro
from steward.upstream.resolve import resolve_upstream
from steward.upstream.sources.base import Upstream
from steward.workflows.check import CheckOptions, CheckRun, package_configs, run_check, tree_key

if TYPE_CHECKING:
    from steward.store import Store

__all__ = ["UpstreamIndex", "check_named", "upstream_index"]


def check_named(
    distro: Distro, config: Config, names: Iterable[str], *, db: str | None, policy: str
) -> CheckRun:
    """Check only the packages ``names`` of ``distro`` (unknown names are left out).

    A run of its own in the store (never a resumption of an interrupted whole-tree run).
    """
    wanted = set(names)
    subset = tuple(p for p in distro if p.name in wanted)
    part = dataclasses.replace(distro, packages=subset)
    return run_check(part, config, CheckOptions(policy=policy, resume=False, db=db))


@dataclasses.dataclass(frozen=True, slots=True)
class UpstreamIndex:
    """Which packages follow which upstream: ``(kind, project)`` -> package names.

    ``project`` is lower-cased (forges compare owner/repo names case-insensitively);
    ``hosts`` keeps the ``host`` option of an upstream that names one (a GitLab or Gitea
    instance), so that a hook from another instance matches nothing.
    """

    packages: dict[tuple[str, str], tuple[str, ...]]
    hosts: dict[tuple[str, str], frozenset[str]]

    def following(self, kind: str, project: str, host: str | None = None) -> tuple[str, ...]:
        key = (kind, project.strip("/").lower())
        names = self.packages.get(key, ())
        wanted = self.hosts.get(key)
        if names and wanted and host is not None and host.lower() not in wanted:
            return ()
        return names

    def kind_of(self, package: str) -> str | None:
        for (kind, _), names in self.packages.items():
            if package in names:
                return kind
        return None


def upstream_index(distro: Distro, config: Config, store: Store | None) -> UpstreamIndex:
    """Every package's upstream: from its configuration or metadata, else as last stored.

    Resolution here reads no spec URLs beyond the ``URL:`` tag; the stored check (which
    used the engine's full resolution) fills in the rest once a package was checked.
    """
    tables = package_configs(distro, config)
    found: dict[str, Upstream] = {}
    for record in distro:
        urls = [record.url] if record.url else []
        upstream = resolve_upstream(
            record.name, config=tables.get(record.name), metadata=record.upstream, urls=urls
        )
        if isinstance(upstream, Upstream):
            found[record.name] = upstream
    stored: dict[str, tuple[str, str]] = {}
    if store is not None:
        for row in store.latest_checks(tree_key(distro.root)):
            if row.package not in found and row.upstream_key and ":" in row.upstream_key:
                kind, _, rest = row.upstream_key.partition(":")
                stored[row.package] = (kind, rest.split("[", 1)[0])
    packages: dict[tuple[str, str], list[str]] = {}
    hosts: dict[tuple[str, str], set[str]] = {}
    for name, upstream in found.items():
        key = (upstream.kind, upstream.project.strip("/").lower())
        packages.setdefault(key, []).append(name)
        if host := upstream.options.get("host"):
            hosts.setdefault(key, set()).add(str(host).lower())
    for name, (kind, project) in stored.items():
        packages.setdefault((kind, project.lower()), []).append(name)
    return UpstreamIndex(
        {k: tuple(sorted(v)) for k, v in packages.items()},
        {k: frozenset(v) for k, v in hosts.items()},
    )
