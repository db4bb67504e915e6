"""build (``--build``, opt-in since it is slow): the new package builds with the host's
``rpmbuild``, and its binary RPMs are compared with the old ones (the upgrade's own
comparison, :func:`steward.upgrade.compare.compare_rpms`): a soname change with the
reverse dependencies in the tree that need a rebuild, and ``abidiff``'s verdict."""

from __future__ import annotations

from steward.distro.profiles import load_profile
from steward.distro.tree import TreeError, load_tree
from steward.review.checks.base import Rules, rule
from steward.review.context import ReviewContext, Side
from steward.review.model import CheckResult, Evidence, Severity, State
from steward.upgrade.builders import DEFAULT_BUILDER, builder_named
from steward.upgrade.builders.local import rpmdb_is_empty
from steward.upgrade.compare import compare_rpms
from steward.upgrade.model import BuildOutcome, BuildResult, SonameChange

__all__ = ["RULES", "run"]

_R = Rules(
    rule("build.builds", Severity.BLOCKER, "The new package builds",
         "Fix the build: the log's last lines are in the evidence."),
    rule("build.soname", Severity.WARNING, "No soname changes under the tree's feet",
         "Rebuild the packages that link the old soname in the same change (or keep a compat "
         "package)."),
    rule("build.abi", Severity.WARNING, "The ABI stays compatible",
         "Read abidiff's report; an incompatible change needs a soname bump and rebuilds."),
)
RULES = _R.all
_TIMEOUT = 1800.0


def run(ctx: ReviewContext) -> list[CheckResult]:
    if not ctx.options.build:
        return [_R.result(r.id, State.NOT_APPLICABLE, "not built (pass --build)") for r in RULES]
    after = ctx.after
    if after is None:
        return [_R.result(r.id, State.NOT_APPLICABLE, "the package is removed") for r in RULES]
    new = _build(ctx, after, "after")
    if new.outcome is not BuildOutcome.SUCCEEDED:
        failed = _R.result("build.builds", State.FAIL,
                           f"rpmbuild -bb failed: {new.message}"[:500],
                           [Evidence(file=str(new.log) if new.log else None,
                                     command="rpmbuild -bb", output=new.message[-2000:])])
        rest = [_R.result(i, State.NOT_APPLICABLE, "the new package does not build")
                for i in ("build.soname", "build.abi")]
        return [failed, *rest]
    built = ", ".join(a.name for a in new.artifacts)
    out = [_R.result("build.builds", State.PASS, f"built in {new.seconds:.1f} s",
                     [Evidence(command="rpmbuild -bb", value=built)])]
    if ctx.before is None:
        return out + [_R.result(i, State.NOT_APPLICABLE, "a new package: nothing to compare")
                      for i in ("build.soname", "build.abi")]
    old = _build(ctx, ctx.before, "before")
    if old.outcome is not BuildOutcome.SUCCEEDED:
        return out + [_R.result(i, State.UNDECIDED, f"the old package does not build: "
                                f"{old.message}"[:300]) for i in ("build.soname", "build.abi")]
    tree = None
    if ctx.options.tree is not None:
        try:
            tree = load_tree(ctx.options.tree)
        except TreeError:
            tree = None
    comparison = compare_rpms(old.artifacts, new.artifacts, tree=tree,
                              workdir=ctx.scratch / "compare")
    out += _sonames(comparison.soname_changes, tree is not None)
    out += _abi(comparison.abi)
    return out


def _build(ctx: ReviewContext, side: Side, which: str) -> BuildResult:
    backend = builder_named(DEFAULT_BUILDER, profile=load_profile(ctx.options.profile),
                            workdir=ctx.scratch / f"build-{which}")
    spec = side.folder / side.spec_file
    return backend.build_rpms(spec, side.folder, timeout=_TIMEOUT, nodeps=rpmdb_is_empty(),
                              debuginfo=True)


def _sonames(changes: tuple[SonameChange, ...], have_tree: bool) -> list[CheckResult]:
    out = []
    for change in changes:
        what = f"{change.library}: soname {change.old_soname} → {change.new_soname}"
        ev = [Evidence(value=d) for d in change.dependents]
        if change.dependents:
            out.append(_R.result("build.soname", State.FAIL,
                                 f"{what}; {', '.join(change.dependents)} need a rebuild", ev,
                                 subject=change.library, severity=Severity.BLOCKER))
        elif have_tree:
            out.append(_R.result("build.soname", State.FAIL,
                                 f"{what}; nothing in the tree links it", ev,
                                 subject=change.library, severity=Severity.NOTE))
        else:
            out.append(_R.result("build.soname", State.UNDECIDED,
                                 f"{what}; no --tree to find who links it", ev,
                                 subject=change.library))
    return out or [_R.result("build.soname", State.PASS, "no soname changed")]


def _abi(results: tuple[tuple[str, str], ...]) -> list[CheckResult]:
    out = []
    for library, verdict in results:
        ev = [Evidence(command=f"abidiff {library}", output=verdict)]
        if "incompatible" in verdict:
            out.append(_R.result("build.abi", State.FAIL, f"{library}: {verdict}", ev,
                                 subject=library))
        elif "failed" in verdict or "error" in verdict:
            out.append(_R.result("build.abi", State.UNDECIDED, f"{library}: {verdict}", ev,
                                 subject=library))
        else:
            out.append(_R.result("build.abi", State.PASS, f"{library}: {verdict}", ev,
                                 subject=library))
    return out or [_R.result("build.abi", State.NOT_APPLICABLE, "no shared library to compare")]
