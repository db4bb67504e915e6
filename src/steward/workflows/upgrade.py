"""``steward upgrade``: from "upstream released" to a built, committed upgrade.

One upgrade runs these steps, each recorded in the report: plan → workspace (a git
worktree on ``steward/upgrade/<name>-<version>``, or a copy) → spec → sources (download,
verify) → extract → patches (triage, drop what is upstream) → changelog → build (source
RPM always, binary RPMs when asked) → compare (with the current version's build) →
commit → propose (push, pull request). A step that fails stops the upgrade, discards the
workspace and leaves the user's tree as it was; the report says where and why, and the
upgrade can be run again (downloads already made are reused).
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import difflib
import json
import re
import shutil
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from steward.config import Config
from steward.distro.profiles import Profile
from steward.distro.tree import Distro, PackageRecord
from steward.rpm.editor import EditError, SpecEditor
from steward.rpm.spec import parse_file
from steward.rpm.version import rpmvercmp
from steward.upgrade import builders, extract, patches, sources
from steward.upgrade.model import BuildOutcome, PatchVerdict, UpgradeError, UpgradeStep
from steward.upgrade.report import UpgradeReport, write_reports
from steward.upgrade.specupdate import changelog_items, update_spec
from steward.upgrade.workspace import (
    Workspace,
    branch_exists,
    branch_name,
    find_repository,
    open_workspace,
    run_git,
)
from steward.upstream.credentials import Credentials
from steward.upstream.fetch import Fetcher
from steward.upstream.versions import version_problem
from steward.workflows.check import fetch_config

__all__ = ["UpgradeOptions", "UpgradeOutcome", "plan_upgrade", "run_upgrade", "run_upgrades"]

_CVE = re.compile(r"CVE-\d{4}-\d{4,}", re.I)
MiB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class UpgradeOptions:
    """What ``steward upgrade`` was asked to do."""

    target: str | None = None
    output: Path = Path("steward-upgrades")
    packager: str = "Steward <steward@localhost>"
    build: str = "srpm"  # "none", "srpm" or "rpms"
    nodeps: bool = False
    compare: bool = False
    debuginfo: bool = False
    build_timeout: float = 1800.0
    max_download_mb: int = 2048
    push: str | None = None
    open_pr: bool = False
    base_branch: str | None = None
    dry_run: bool = False


@dataclass(slots=True)
class UpgradeOutcome:
    package: str
    report: UpgradeReport
    json_path: Path | None = None
    markdown_path: Path | None = None
    skipped: str | None = None  # why nothing was done ("already at 2.0", "done before")

    @property
    def ok(self) -> bool:
        return self.skipped is not None or self.report.failed_step is None


@dataclass(frozen=True, slots=True)
class UpgradePlan:
    package: str
    spec_path: Path
    current: str
    target: str
    branch: str
    sources: tuple[tuple[int, str, str], ...]  # (number, current value, value for target)
    patches: tuple[tuple[int, str, bool], ...]  # (number, file, applied by %prep)
    spec_notes: tuple[str, ...] = ()
    build: str = "srpm"
    problems: tuple[str, ...] = field(default_factory=tuple)


def _style(profile: Profile) -> str:
    return "fedora" if profile.name.startswith("fedora") else "openeuler"


def plan_upgrade(record: PackageRecord, profile: Profile, options: UpgradeOptions) -> UpgradePlan:
    """What the upgrade would do, computed on a scratch copy of the spec; changes nothing."""
    if record.spec_path is None or not record.version:
        raise UpgradeError(UpgradeStep.PLAN, f"{record.name} has no readable spec to upgrade")
    target = options.target
    if not target:
        raise UpgradeError(UpgradeStep.PLAN, f"{record.name}: no target version (use --to)")
    macros = profile.macro_engine()
    current = parse_file(record.spec_path, macros=macros)
    problems: list[str] = []
    if rpmvercmp(target, record.version) <= 0:
        problems.append(f"{target} is not newer than the packaged {record.version}")
    with tempfile.TemporaryDirectory(prefix="steward-plan-") as scratch:
        copy = Path(scratch) / record.spec_path.name
        shutil.copy2(record.spec_path, copy)
        update = update_spec(
            copy, target, macros=macros, style=_style(profile), packager=options.packager,
            changelog=False,
        )  # fmt: skip
        updated = parse_file(copy, macros=macros)
    new_sources = {s.number: s.expanded for s in updated.sources}
    return UpgradePlan(
        package=record.name,
        spec_path=record.spec_path,
        current=record.version,
        target=target,
        branch=branch_name(record.name, target),
        sources=tuple(
            (s.number, s.expanded, new_sources.get(s.number, "")) for s in current.sources
        ),
        patches=tuple(
            (p.number, p.filename, any(a.applies(p.number) for a in current.patch_applications))
            for p in current.patches
        ),
        spec_notes=update.notes,
        build=options.build,
        problems=tuple(problems),
    )


def run_upgrade(
    record: PackageRecord,
    profile: Profile,
    config: Config,
    options: UpgradeOptions,
    *,
    distro: Distro | None = None,
) -> UpgradeOutcome:
    """Upgrade one package; never raises for a failed step (the report says what failed)."""
    report = UpgradeReport(record.name, record.version or "", options.target or "")
    report.from_evr = record.evr
    problem = version_problem(options.target or "")
    if problem is not None:
        # Checked before the target names a folder: --to ../../x must not write elsewhere.
        error = UpgradeError(
            UpgradeStep.PLAN, f"target {options.target!r} is not a release version: {problem}"
        )
        return _finish(report, options.output / record.name, error, None)
    out_dir = options.output / f"{record.name}-{options.target}"
    try:
        plan = plan_upgrade(record, profile, options)
    except UpgradeError as exc:
        return _finish(report, out_dir, exc, None)
    if plan.problems:
        return UpgradeOutcome(record.name, report, skipped="; ".join(plan.problems))
    workspace: Workspace | None = None
    try:
        workspace = open_workspace(record.folder, plan.branch, result_root=out_dir / "result")
        report.branch = workspace.branch
        _upgrade_in(workspace, record, profile, config, options, plan, report, out_dir, distro)
    except UpgradeError as exc:
        if workspace is not None:
            workspace.discard()
        return _finish(report, out_dir, exc, None)
    except Exception as exc:  # a bug must not leave a half-made branch behind
        if workspace is not None:
            workspace.discard()
        return _finish(report, out_dir, UpgradeError(UpgradeStep.PLAN, repr(exc)), None)
    if workspace.worktree is not None:
        workspace.close()
    return _finish(report, out_dir, None, workspace)


def _finish(
    report: UpgradeReport, out_dir: Path, error: UpgradeError | None, workspace: Workspace | None
) -> UpgradeOutcome:
    if error is not None:
        report.failed_step = error.step.value
        report.error = str(error).split(": ", 1)[-1]
        report.branch = None
    report.finished_at = _dt.datetime.now(_dt.UTC)
    json_path, md_path = write_reports(report, out_dir)
    return UpgradeOutcome(report.package, report, json_path, md_path)


def _upgrade_in(
    ws: Workspace,
    record: PackageRecord,
    profile: Profile,
    config: Config,
    options: UpgradeOptions,
    plan: UpgradePlan,
    report: UpgradeReport,
    out_dir: Path,
    distro: Distro | None,
) -> None:
    assert record.spec_path is not None
    macros = profile.macro_engine()
    spec_path = ws.package_dir / record.spec_path.name
    original_text = spec_path.read_text(encoding="utf-8", errors="replace")
    old_spec = parse_file(spec_path, macros=macros)

    # Spec: version, release and the traps; the changelog waits for the patch verdicts.
    update = update_spec(
        spec_path, plan.target, macros=macros, style=_style(profile),
        packager=options.packager, changelog=False,
    )  # fmt: skip
    report.spec_notes = list(update.notes)
    new_spec = parse_file(spec_path, macros=macros)

    # Sources: download at the new version, verify, swap the old tarballs for the new.
    downloads = out_dir / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    fetched = asyncio.run(_download(new_spec, downloads, ws.package_dir, config, options, plan))
    report.sources = list(fetched)
    dist_git = (ws.package_dir / "sources").is_file()
    old_names = {s.filename for s in old_spec.sources if s.is_remote}
    new_names = {d.filename for d in fetched}
    if dist_git:
        sources.update_sources_file(ws.package_dir / "sources", fetched)
    else:
        for item in fetched:
            if item.url is not None:
                shutil.copy2(item.path, ws.package_dir / item.filename)
    removed = sources.remove_old_tarballs(ws.package_dir, old_names, new_names)
    report.removed_files = [p.name for p in removed]

    # Extract Source0 and triage the patches on it.
    source0 = next((d for d in fetched if d.number == 0), None)
    if source0 is None:
        raise UpgradeError(UpgradeStep.EXTRACT, "the spec has no Source0 to extract")
    tree_root = Path(tempfile.mkdtemp(prefix="steward-src-", dir=ws.scratch))
    extracted = extract.extract_archive(source0.path, tree_root)
    expected_dir = new_spec.setups[0].name if new_spec.setups else None
    top = extracted.top_level_dir
    source_tree = tree_root / top if top else tree_root
    if expected_dir and top and top != expected_dir:
        report.notes.append(
            f"{source0.filename} unpacks to {top}/, but %setup expects {expected_dir}/"
        )
    triage = patches.triage_patches(new_spec, ws.package_dir, source_tree)
    dropped = patches.drop_upstreamed(spec_path, ws.package_dir, triage)
    report.patches = [
        replace(t, dropped=t.filename in dropped) if t.verdict is PatchVerdict.UPSTREAM else t
        for t in triage
    ]

    # Changelog: the update, the dropped patches and the CVEs they fixed.
    cves = sorted({m.group(0).upper() for name in dropped for m in _CVE.finditer(name)})
    items = changelog_items(plan.target, dropped=dropped, cves=cves)
    try:
        editor = SpecEditor.open(spec_path, macros=macros)
        editor.add_changelog_entry(options.packager, items, style=_style(profile))
        editor.write()
    except EditError as exc:
        raise UpgradeError(UpgradeStep.SPEC, f"cannot add the changelog entry: {exc}") from exc
    final = parse_file(spec_path, macros=macros)
    report.to_evr = final.evr
    report.changelog = [final.changelog[0].header, *final.changelog[0].lines]
    report.spec_diff = "".join(
        difflib.unified_diff(
            original_text.splitlines(keepends=True),
            spec_path.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True),
            fromfile=f"a/{spec_path.name}",
            tofile=f"b/{spec_path.name}",
        )
    )

    # Build: the source RPM always proves spec and sources agree; binaries when asked.
    if options.build != "none":
        backend = _builder(config, profile, out_dir / "builds")
        srpm = backend.build_srpm(spec_path, ws.package_dir, timeout=options.build_timeout)
        report.builds.append(srpm)
        if srpm.outcome is not BuildOutcome.SUCCEEDED:
            report.notes.append("the source RPM did not build; binary RPMs were not attempted")
        elif options.build == "rpms":
            new_rpms = backend.build_rpms(
                spec_path, ws.package_dir, timeout=options.build_timeout,
                nodeps=options.nodeps, debuginfo=options.debuginfo or options.compare,
            )  # fmt: skip
            report.builds.append(new_rpms)
            if options.compare and new_rpms.outcome is BuildOutcome.SUCCEEDED:
                report.comparison = _compare_with_current(
                    record, backend, new_rpms.artifacts, options, distro, report
                )

    # Commit (git) or leave the result folder and a patch file.
    message = _commit_message(record.name, plan, report, dropped)
    if ws.worktree is not None:
        report.commit = ws.commit(message, author=options.packager)
    else:
        report.result_dir = str(ws.package_dir)
        patch_file = ws.diff_against_original(record.folder, out_dir / f"{record.name}.patch")
        report.patch_file = str(patch_file)

    if options.push or options.open_pr:
        _propose(ws, record, options, report, config)


def _builder(config: Config, profile: Profile, workdir: Path) -> builders.BuildBackend:
    """The configured build backend (``[build] builder``); an unknown name fails the build."""
    try:
        return builders.builder_named(config.builder, profile=profile, workdir=workdir)
    except builders.UnknownBuilderError as exc:
        where = f"configuration {config.path}" if config.path else "configuration"
        raise UpgradeError(UpgradeStep.BUILD, f"{where}: [build] builder: {exc}") from None


async def _download(
    spec: Any, dest: Path, package_dir: Path, config: Config, options: UpgradeOptions,
    plan: UpgradePlan,
) -> list[Any]:  # fmt: skip
    credentials = Credentials.from_env()
    async with Fetcher(fetch_config(config, None), credentials=credentials) as fetcher:
        result: list[Any] = await sources.fetch_sources(
            spec.sources,
            dest,
            fetcher,
            package_dir=package_dir,
            max_bytes=options.max_download_mb * MiB,
            version=plan.target,
        )
        return result


def _compare_with_current(
    record: PackageRecord,
    backend: builders.BuildBackend,
    new_rpms: Sequence[Path],
    options: UpgradeOptions,
    distro: Distro | None,
    report: UpgradeReport,
) -> Any:
    from steward.upgrade import compare

    assert record.spec_path is not None
    old = backend.build_rpms(
        record.spec_path, record.folder, timeout=options.build_timeout,
        nodeps=options.nodeps, debuginfo=True,
    )  # fmt: skip
    report.builds.append(replace(old, kind="rpms (current version)"))
    if old.outcome is not BuildOutcome.SUCCEEDED:
        report.notes.append("the current version did not build; no comparison")
        return None
    # Kept beside the report: abidiff's full reports are referenced from it.
    workdir = options.output / f"{record.name}-{options.target}" / "compare"
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    return compare.compare_rpms(old.artifacts, new_rpms, tree=distro, workdir=workdir)


def _commit_message(
    package: str, plan: UpgradePlan, report: UpgradeReport, dropped: Sequence[str]
) -> str:
    lines = [f"Update {package} to {plan.target}", ""]
    lines.append(f"Upstream released {plan.target}; the package was at {plan.current}.")
    if dropped:
        lines.append("Dropped patches merged upstream: " + ", ".join(dropped) + ".")
    kept = [p for p in report.patches if p.verdict is PatchVerdict.CONFLICT]
    if kept:
        lines.append(
            "Kept patches that conflict (need rebasing): "
            + ", ".join(p.filename for p in kept)
            + "."
        )
    for note in report.spec_notes:
        lines.append(f"Spec: {note}.")
    lines += ["", "Prepared by Steward (steward upgrade); see report.md for the evidence."]
    return "\n".join(lines)


def _propose(
    ws: Workspace, record: PackageRecord, options: UpgradeOptions, report: UpgradeReport,
    config: Config,
) -> None:  # fmt: skip
    from steward.upgrade import propose

    if ws.repository is None or ws.branch is None:
        raise UpgradeError(UpgradeStep.PROPOSE, "only a git checkout can be pushed")
    remote = options.push or "origin"
    propose.push_branch(ws.repository, remote, ws.branch)
    report.notes.append(f"pushed {ws.branch} to {remote}")
    if not options.open_pr:
        return
    url = _remote_url(ws.repository, remote)
    base = options.base_branch or _current_branch(ws.repository)
    target = propose.derive_target(url, base_branch=base, head_branch=ws.branch)
    if target is None:
        raise UpgradeError(
            UpgradeStep.PROPOSE, f"cannot tell which forge {remote} ({url}) is: open the PR by hand"
        )
    override = config.base_urls.get(target.kind.value)
    if override:
        target = replace(target, api_url=override)
    proposal = asyncio.run(
        propose.open_pull_request(
            target,
            f"Update {record.name} to {options.target}",
            report.to_markdown(),
            credentials=Credentials.from_env(),
            allow_private=config.network.allow_private,
        )
    )
    report.proposal = {"url": proposal.url, "number": proposal.number, "created": proposal.created}


def _remote_url(repository: Path, remote: str) -> str:
    proc = run_git("remote", "get-url", remote, cwd=repository, check=False)
    if proc.returncode != 0:
        raise UpgradeError(UpgradeStep.PROPOSE, f"no git remote named {remote}")
    return proc.stdout.strip()


def _current_branch(repository: Path) -> str:
    proc = run_git("symbolic-ref", "--short", "HEAD", cwd=repository, check=False)
    return proc.stdout.strip() or "main"


def run_upgrades(
    jobs: Sequence[tuple[PackageRecord, str]],
    profile: Profile,
    config: Config,
    options: UpgradeOptions,
    *,
    distro: Distro | None = None,
    workers: int = 2,
    progress: Callable[[UpgradeOutcome], None] | None = None,
) -> list[UpgradeOutcome]:
    """Upgrade many packages, ``workers`` at a time; skips upgrades already done.

    Resumable: an upgrade whose branch exists (git) or whose report says it finished is
    skipped; one that failed is tried again.
    """

    def one(job: tuple[PackageRecord, str]) -> UpgradeOutcome:
        record, target = job
        opts = replace(options, target=target)
        # An invalid target never names a branch or a folder; run_upgrade reports it.
        done = None if version_problem(target) else _already_done(record, target, opts)
        if done is not None:
            outcome = UpgradeOutcome(
                record.name, UpgradeReport(record.name, record.version or "", target), skipped=done
            )
        else:
            outcome = run_upgrade(record, profile, config, opts, distro=distro)
        if progress is not None:
            progress(outcome)
        return outcome

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return list(pool.map(one, jobs))


def _already_done(record: PackageRecord, target: str, options: UpgradeOptions) -> str | None:
    repository = find_repository(record.folder)
    if repository is not None and branch_exists(repository, branch_name(record.name, target)):
        return f"branch {branch_name(record.name, target)} exists (done before)"
    report = options.output / f"{record.name}-{target}" / "report.json"
    if repository is None and report.is_file():
        status = json.loads(report.read_text(encoding="utf-8")).get("status")
        if status in ("ready", "needs-human"):
            return f"done before ({report})"
    return None
