"""Who owns which package: openEuler's ``sig-info.yaml`` files (the community repository).

The shape is that of ``openeuler/community`` ``sig/<SIG>/sig-info.yaml``::

    name: Base-service
    maintainers:
    - gitee_id: alice
      email: alice@example.org
    repositories:
    - repo:
      - src-openeuler/zlib
      committers:
      - gitee_id: bob

A package belongs to the SIG that lists ``<org>/<package>``; its people are the SIG's
maintainers plus the committers of the repository group naming it. One file may hold
several SIGs as YAML documents; a folder is searched for ``**/sig-info.yaml``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

__all__ = ["Ownership", "OwnershipError", "Sig", "load_ownership", "parse_sig_info"]


class OwnershipError(ValueError):
    """An ownership file that cannot be read, with the file and what was wrong."""


@dataclass(frozen=True, slots=True)
class Sig:
    """One SIG: its name, maintainers and, per repository, the committers."""

    name: str
    maintainers: tuple[str, ...] = ()
    committers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def packages(self) -> tuple[str, ...]:
        return tuple(self.committers)


@dataclass(frozen=True, slots=True)
class Ownership:
    """Every SIG read, and which SIG each package belongs to (the first that lists it)."""

    sigs: tuple[Sig, ...] = ()
    _by_package: dict[str, Sig] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for sig in self.sigs:
            for package in sig.packages:
                self._by_package.setdefault(package, sig)

    def sig_of(self, package: str) -> str | None:
        sig = self._by_package.get(package)
        return sig.name if sig else None

    def people_of(self, package: str) -> tuple[str, ...]:
        """The maintainers and committers responsible for ``package`` (ids, no duplicates)."""
        sig = self._by_package.get(package)
        if sig is None:
            return ()
        return tuple(dict.fromkeys((*sig.maintainers, *sig.committers.get(package, ()))))


def _ids(people: Any, where: str) -> tuple[str, ...]:
    if people is None:
        return ()
    if not isinstance(people, list):
        raise OwnershipError(f"{where}: expected a list of people, got {type(people).__name__}")
    ids: list[str] = []
    for person in people:
        if isinstance(person, dict):
            ident = person.get("gitee_id") or person.get("github_id") or person.get("name")
            if ident:
                ids.append(str(ident))
        elif isinstance(person, str):
            ids.append(person)
    return tuple(ids)


def parse_sig_info(document: Any, *, source: str) -> Sig:
    """One SIG from a parsed ``sig-info.yaml`` document."""
    if not isinstance(document, dict) or not isinstance(document.get("name"), str):
        raise OwnershipError(f"{source}: a sig-info document is a mapping with a 'name'")
    committers: dict[str, tuple[str, ...]] = {}
    groups = document.get("repositories") or []
    if not isinstance(groups, list):
        raise OwnershipError(f"{source}: 'repositories' must be a list")
    for group in groups:
        if not isinstance(group, dict):
            continue
        repos = group.get("repo") or []
        repos = [repos] if isinstance(repos, str) else repos
        people = _ids(group.get("committers"), f"{source}: committers")
        for repo in repos:
            package = str(repo).rsplit("/", 1)[-1]
            committers[package] = tuple(dict.fromkeys((*committers.get(package, ()), *people)))
    return Sig(
        name=document["name"],
        maintainers=_ids(document.get("maintainers"), f"{source}: maintainers"),
        committers=committers,
    )


def _documents(path: Path) -> Iterable[tuple[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
        for document in yaml.safe_load_all(text):
            if document is not None:
                yield str(path), document
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise OwnershipError(f"{path}: cannot read: {exc}") from exc


def load_ownership(path: Path | str) -> Ownership:
    """The SIGs of one ``sig-info.yaml`` (one or more documents) or of a folder of them."""
    path = Path(path)
    files = sorted(path.glob("**/sig-info.yaml")) if path.is_dir() else [path]
    if path.is_dir() and not files:
        raise OwnershipError(f"{path}: no sig-info.yaml below this folder")
    return Ownership(
        tuple(parse_sig_info(doc, source=src) for file in files for src, doc in _documents(file))
    )
