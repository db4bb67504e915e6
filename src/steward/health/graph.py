"""The reverse-dependency graph of a tree, from its BuildRequires, Requires and Provides.

A source package owns the names of its binary packages and everything they provide; a
dependency names a capability (``foo``, ``pkgconfig(x) >= 1``). Package Q depends on P when
one of Q's BuildRequires or Requires names a capability P owns. A package's weight in the
distribution is how many other source packages depend on it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

__all__ = ["DependencyGraph", "PackageDeps", "capability_name"]

# "foo >= 1.2", "foo(x86-64) = 1:2-3", "(a or b)": the name is what comes before a
# comparison; rich (boolean) dependencies name every package inside them.
_COMPARISON = re.compile(r"\s*(<=|>=|=|<|>).*$")
_RICH_WORDS = frozenset({"and", "or", "if", "else", "with", "without", "unless"})


def capability_name(dependency: str) -> tuple[str, ...]:
    """The capability names a dependency string asks for.

    >>> capability_name("apr = 1.7.0-3"), capability_name("perl(Foo::Bar) >= 1")
    (('apr',), ('perl(Foo::Bar)',))
    >>> capability_name("(python3-a or python3-b)")
    ('python3-a', 'python3-b')
    """
    text = dependency.strip()
    if text.startswith("("):
        words = re.split(r"[\s()]+", text)
        names: list[str] = []
        skip = False
        for word in words:
            if not word or word in _RICH_WORDS:
                skip = False
                continue
            if word in ("<", ">", "=", "<=", ">="):
                skip = True
                continue
            if not skip:
                names.append(word)
            skip = False
        return tuple(names)
    name = _COMPARISON.sub("", text)
    name = re.sub(r"%\{\?_isa\}$", "", name)
    return (name,) if name and not name.startswith(("/", "%")) else ()


@dataclass(frozen=True, slots=True)
class PackageDeps:
    """What one source package is called, ships and needs."""

    name: str
    binaries: tuple[str, ...] = ()
    provides: tuple[str, ...] = ()
    build_requires: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()


@dataclass(slots=True)
class DependencyGraph:
    """Source package -> the other source packages that depend on it (build or run time)."""

    reverse: dict[str, frozenset[str]] = field(default_factory=dict)
    unresolved: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def build(cls, packages: Iterable[PackageDeps]) -> DependencyGraph:
        packages = list(packages)
        owner: dict[str, str] = {}
        for package in packages:
            for capability in (package.name, *package.binaries):
                owner.setdefault(capability, package.name)
            for provided in package.provides:
                for capability in capability_name(provided):
                    owner.setdefault(capability, package.name)
        reverse: dict[str, set[str]] = {p.name: set() for p in packages}
        unresolved: dict[str, tuple[str, ...]] = {}
        for package in packages:
            missing: list[str] = []
            for dependency in (*package.build_requires, *package.requires):
                for capability in capability_name(dependency):
                    target = owner.get(capability)
                    if target is None:
                        missing.append(capability)
                    elif target != package.name:
                        reverse[target].add(package.name)
            if missing:
                unresolved[package.name] = tuple(dict.fromkeys(missing))
        return cls({k: frozenset(v) for k, v in reverse.items()}, unresolved)

    def dependents(self, name: str) -> frozenset[str]:
        return self.reverse.get(name, frozenset())

    def counts(self) -> Mapping[str, int]:
        """How many source packages depend on each package directly."""
        return {name: len(users) for name, users in self.reverse.items()}

    def weights(self) -> dict[str, float]:
        """A package's weight in distribution aggregates: 1 plus its reverse dependencies."""
        return {name: 1.0 + len(users) for name, users in self.reverse.items()}
