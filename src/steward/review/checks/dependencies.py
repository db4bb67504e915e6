"""dependencies: the BuildRequires/Requires/Provides diff, a new dependency that no package
of the distribution tree provides, and a dropped Provides that another package requires."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from steward.distro.files import UnsafeFile
from steward.distro.tree import parse_spec_file
from steward.review.checks.base import Rules, rule
from steward.review.context import ReviewContext, Side
from steward.review.model import CheckResult, Evidence, Severity, State

__all__ = ["RULES", "TreeIndex", "dependency_name", "run"]

_R = Rules(
    rule("dependencies.diff", Severity.NOTE, "Dependency changes are listed",
         "Check that every added or removed dependency is intended."),
    rule("dependencies.provided", Severity.BLOCKER, "Every new dependency is provided",
         "Package the dependency first, or fix its name (see what the tree provides)."),
    rule("dependencies.removed-provides", Severity.BLOCKER, "No Provides others need is dropped",
         "Keep the Provides (or the subpackage) until the packages requiring it are changed."),
)
RULES = _R.all


def dependency_name(entry: str) -> str:
    """``foo >= 1.2`` → ``foo``; rich ``(a or b)`` dependencies are kept whole."""
    entry = entry.strip()
    return entry if entry.startswith("(") else re.split(r"\s+", entry, maxsplit=1)[0]


def _deps(side: Side | None, kind: str) -> set[str]:
    if side is None:
        return set()
    return {dependency_name(d) for p in side.spec.packages for d in getattr(p, kind)}


def _own_names(side: Side) -> set[str]:
    names = {p.name for p in side.spec.packages}
    return names | _deps(side, "provides")


@dataclass
class TreeIndex:
    """What the other packages of a tree provide and require (names only)."""

    provides: dict[str, str]  # name → providing package
    requires: dict[str, set[str]]  # name → requiring packages

    @classmethod
    def load(cls, tree: Path, skip: str) -> TreeIndex:
        provides: dict[str, str] = {}
        requires: dict[str, set[str]] = {}
        for spec_path in sorted([*tree.glob("*/*.spec"), *tree.glob("*.spec")]):
            try:
                spec = parse_spec_file(spec_path, root=tree)
            except (UnsafeFile, OSError, ValueError):
                continue
            if spec.name == skip or not spec.packages:
                continue
            owner = spec.name or spec_path.stem
            for p in spec.packages:
                provides.setdefault(p.name, owner)
                for d in p.provides:
                    provides.setdefault(dependency_name(d), owner)
                for d in (*p.requires, *p.build_requires):
                    requires.setdefault(dependency_name(d), set()).add(owner)
        return cls(provides, requires)


def _index(ctx: ReviewContext) -> TreeIndex | None:
    if ctx.options.tree is None:
        return None
    if "tree-index" not in ctx.cache:
        ctx.cache["tree-index"] = TreeIndex.load(ctx.options.tree, ctx.name)
    found = ctx.cache["tree-index"]
    assert isinstance(found, TreeIndex)
    return found


def run(ctx: ReviewContext) -> list[CheckResult]:
    after, before = ctx.after, ctx.before
    out = [_diff(before, after)]
    if after is not None:
        out += _provided(ctx, before, after)
    else:
        out.append(_R.result("dependencies.provided", State.NOT_APPLICABLE, "removed"))
    out += _removed_provides(ctx, before, after)
    return out


def _diff(before: Side | None, after: Side | None) -> CheckResult:
    lines = []
    for kind, label in (("build_requires", "BuildRequires"), ("requires", "Requires"),
                        ("provides", "Provides")):
        old, new = _deps(before, kind), _deps(after, kind)
        if new - old:
            lines.append(f"{label} added: {', '.join(sorted(new - old))}")
        if old - new:
            lines.append(f"{label} removed: {', '.join(sorted(old - new))}")
    if not lines:
        return _R.result("dependencies.diff", State.PASS, "no dependency changed")
    return _R.result("dependencies.diff", State.PASS, "; ".join(lines),
                     [Evidence(value=line) for line in lines])


def _provided(ctx: ReviewContext, before: Side | None, after: Side) -> list[CheckResult]:
    added = (_deps(after, "build_requires") | _deps(after, "requires")) - (
        _deps(before, "build_requires") | _deps(before, "requires")
    )
    added -= _own_names(after)
    if not added:
        return [_R.result("dependencies.provided", State.NOT_APPLICABLE, "no new dependency")]
    index = _index(ctx)
    out = []
    for name in sorted(added):
        ev = [Evidence(file=after.spec_file, value=name)]
        if index is None:
            out.append(_R.result("dependencies.provided", State.UNDECIDED,
                                 f"new dependency {name}: no tree given to look it up",
                                 ev, subject=name))
        elif name.startswith(("(", "/")):
            out.append(_R.result("dependencies.provided", State.UNDECIDED,
                                 f"new dependency {name}: rich and file dependencies need a "
                                 "human", ev, subject=name))
        elif name in index.provides:
            out.append(_R.result("dependencies.provided", State.PASS,
                                 f"{name} is provided by {index.provides[name]}", ev,
                                 subject=name))
        else:
            out.append(_R.result("dependencies.provided", State.FAIL,
                                 f"new dependency {name} is provided by no package in the tree",
                                 ev, subject=name))
    return out


def _removed_provides(
    ctx: ReviewContext, before: Side | None, after: Side | None
) -> list[CheckResult]:
    if before is None:
        return [_R.result("dependencies.removed-provides", State.NOT_APPLICABLE, "new package")]
    removed = _own_names(before) - (_own_names(after) if after else set())
    if not removed:
        return [_R.result("dependencies.removed-provides", State.NOT_APPLICABLE,
                          "nothing provided is dropped")]
    index = _index(ctx)
    if index is None:
        return [_R.result("dependencies.removed-provides", State.UNDECIDED,
                          f"dropped {', '.join(sorted(removed))}: no tree given to check "
                          "who requires them")]
    out = []
    for name in sorted(removed):
        users = sorted(index.requires.get(name, ()))
        if users:
            out.append(_R.result("dependencies.removed-provides", State.FAIL,
                                 f"{name} is dropped but {', '.join(users)} require it",
                                 [Evidence(value=u) for u in users], subject=name))
        else:
            out.append(_R.result("dependencies.removed-provides", State.PASS,
                                 f"{name} is dropped and nothing in the tree requires it",
                                 subject=name))
    return out
