"""Domain objects (tree records, parsed specs, check results, stored rows) as output documents.

The documents are defined in :mod:`steward.cli.documents`; this module is where the names
are made the same across commands (see that module's docstring).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from steward.cli import documents as d

if TYPE_CHECKING:
    from steward.distro.metadata import UpstreamInfo
    from steward.distro.tree import Distro, FileRef, PackageRecord, Problem
    from steward.rpm.model import Spec
    from steward.store.records import CheckRow
    from steward.upstream.engine import CheckResult
    from steward.upstream.sources.base import Upstream
    from steward.workflows.check import CheckRun

__all__ = [
    "check_document",
    "inventory_document",
    "outdated_package",
    "spec_document",
    "upstream_from_kind",
    "upstream_ref",
]


def upstream_ref(upstream: Upstream | None, metadata_kind: str | None = None) -> d.UpstreamRef:
    """A resolved upstream (what a check asks)."""
    if upstream is None:
        return d.UpstreamRef(kind="none", metadata_kind=metadata_kind)
    return d.UpstreamRef(
        kind=upstream.kind,
        project=upstream.project,
        host=upstream.option("host"),
        origin=upstream.origin,
        metadata_kind=metadata_kind,
    )


def upstream_from_kind(kind: str | None, origin: str | None) -> d.UpstreamRef | None:
    """What a stored check row says of its upstream (the backend's kind only)."""
    if kind is None:
        return None
    return d.UpstreamRef(kind=kind, origin=origin)


def _metadata_upstream(record: PackageRecord, info: UpstreamInfo) -> d.UpstreamRef:
    """The upstream a metadata file names, by the backend that would ask it."""
    from steward.upstream.resolve import resolve_from_metadata
    from steward.upstream.sources.base import Upstream

    found = resolve_from_metadata(record.name, info)
    if isinstance(found, Upstream):
        return upstream_ref(found, metadata_kind=info.kind.value)
    return d.UpstreamRef(
        kind=info.kind.value,
        project=info.src_repo,
        origin="metadata",
        metadata_kind=info.kind.value,
    )


def problem(item: Problem) -> d.Problem:
    return d.Problem(
        code=item.code,
        severity=item.severity if item.severity in ("error", "warning") else "info",
        message=item.message,
        path=str(item.path) if item.path else None,
        line=item.line,
    )


def file_entry(ref: FileRef) -> d.FileEntry:
    return d.FileEntry(
        number=ref.number,
        filename=ref.filename,
        declared_raw=ref.declared_raw,
        expanded=ref.expanded,
        present=ref.present,
        remote=ref.remote,
        checksum=ref.checksum,
        applied=ref.applied,
    )


def inventory_package(record: PackageRecord) -> d.InventoryPackage:
    return d.InventoryPackage(
        package=record.name,
        folder=str(record.folder),
        spec_path=str(record.spec_path) if record.spec_path else None,
        spec_name=record.spec_name,
        evr=record.evr,
        epoch=record.epoch,
        current=record.version,
        release=record.release,
        spec_summary=record.summary,
        license=record.license,
        url=record.url,
        subpackages=list(record.subpackages),
        build_requires=list(record.build_requires),
        sources=[file_entry(s) for s in record.sources],
        patches=[file_entry(p) for p in record.patches],
        upstream=_metadata_upstream(record, record.upstream) if record.upstream else None,
        metadata_path=str(record.metadata_path) if record.metadata_path else None,
        problems=[problem(p) for p in record.problems],
    )


def inventory_document(
    distro: Distro, records: list[PackageRecord], flagged: int, seconds: float
) -> d.InventoryDocument:
    return d.InventoryDocument(
        root=str(distro.root),
        layout=distro.layout,
        profile=distro.profile.name,
        packages=[inventory_package(r) for r in records],
        summary=d.InventorySummary(
            packages=len(distro),
            with_problems=flagged,
            problems_by_code=distro.problem_counts(),
            seconds=round(seconds, 3),
        ),
    )


def _spec_entry(folder: Path, entry: Any, applied: bool | None) -> d.FileEntry:
    expanded = entry.expanded or entry.raw
    remote = "://" in expanded
    filename = expanded.rstrip("/").rsplit("/", 1)[-1].split("#", 1)[0]
    return d.FileEntry(
        number=entry.number,
        filename=filename,
        declared_raw=entry.raw,
        expanded=entry.expanded,
        present=bool(filename) and (folder / filename).is_file(),
        remote=remote,
        applied=applied,
        line=entry.line,
    )


def spec_document(path: Path, parsed: Spec) -> d.SpecDocument:
    folder = path.parent
    sources = [_spec_entry(folder, s, None) for s in parsed.sources]
    patches = [
        _spec_entry(folder, p, any(a.applies(p.number) for a in parsed.patch_applications))
        for p in parsed.patches
    ]
    diagnostics = [
        d.Problem(
            code=x.code,
            severity=x.severity if x.severity in ("error", "warning") else "info",
            message=x.message,
            path=str(path),
            line=x.line,
        )
        for x in parsed.diagnostics
    ]
    return d.SpecDocument(
        path=str(path),
        package=parsed.name or "",
        epoch=parsed.epoch,
        current=parsed.version,
        release=parsed.release,
        evr=parsed.evr,
        spec_summary=parsed.summary,
        license=parsed.license,
        url=parsed.url,
        subpackages=[p.name for p in parsed.packages],
        sources=sources,
        patches=patches,
        build_requires=list(parsed.build_requires),
        changelog_entries=len(parsed.changelog),
        diagnostics=diagnostics,
        summary=d.SpecSummary(
            errors=sum(1 for x in diagnostics if x.severity == "error"),
            warnings=sum(1 for x in diagnostics if x.severity == "warning"),
            sources=len(sources),
            patches=len(patches),
            patches_not_applied=sum(1 for p in patches if not p.applied),
        ),
    )


def error_info(code: str | None, message: str | None) -> d.ErrorInfo | None:
    return d.ErrorInfo(code=code, message=message or "") if code else None


def checked_package(result: CheckResult, releases: int) -> d.CheckedPackage:
    rec = result.recommendation
    return d.CheckedPackage(
        package=result.package,
        current=result.current_version,
        upstream=upstream_ref(result.upstream) if result.upstream else None,
        status=rec.status.value if rec else None,
        newest=rec.newest.version if rec and rec.newest else None,
        newest_stable=rec.newest_stable.version if rec and rec.newest_stable else None,
        recommended=rec.recommended.version if rec and rec.recommended else None,
        versions_behind=rec.versions_behind if rec else None,
        days_behind=rec.days_behind if rec else None,
        releases=releases,
        error=error_info(result.error_code, result.error_message),
        notes=list(result.notes),
        findings=list(rec.findings) if rec else [],
    )


def check_document(run: CheckRun) -> d.CheckDocument:
    packages = [
        checked_package(r, run.release_counts.get(r.package, len(r.releases))) for r in run.results
    ]
    return d.CheckDocument(
        run=run.run_id,
        resumed=run.resumed,
        packages=packages,
        summary=d.CheckSummary(
            packages=len(packages),
            skipped=run.skipped,
            outdated=sum(1 for p in packages if p.recommended is not None),
            failed=len(run.failures),
            new_releases=sum(run.new_releases.values()),
            findings=run.findings,
            seconds=round(run.seconds, 3),
        ),
    )


def outdated_package(row: CheckRow) -> d.OutdatedPackage:
    from steward.upstream.recommend import findings_in

    return d.OutdatedPackage(
        package=row.package,
        current=row.current_version,
        newest=row.newest,
        newest_stable=row.newest_stable,
        recommended=row.recommended,
        status=row.status.value if row.status else None,
        versions_behind=row.versions_behind,
        days_behind=row.days_behind,
        upstream=upstream_from_kind(row.upstream_kind, row.origin),
        current_exists_upstream=row.current_exists_upstream,
        checked_at=row.checked_at.isoformat(),
        last_success_at=row.last_success_at.isoformat() if row.last_success_at else None,
        error=error_info(row.error_code, row.error_message),
        findings=list(findings_in(row.reason)),
    )


def plan_document(
    plan: Any, record: PackageRecord, target: str, *, error: Exception | None = None
) -> d.UpgradePlanDoc:
    """An upgrade plan (``plan`` is ``None`` when planning failed with ``error``)."""
    if plan is None:
        return d.UpgradePlanDoc(
            package=record.name,
            current=record.version or "",
            target=target,
            branch="",
            sources=[],
            patches=[],
            spec_notes=[],
            build="",
            problems=[],
            error=d.ErrorInfo(code="plan-failed", message=str(error)),
        )
    refused = (
        d.ErrorInfo(code="refused", message="; ".join(plan.problems)) if plan.problems else None
    )
    return d.UpgradePlanDoc(
        package=plan.package,
        current=plan.current,
        target=plan.target,
        branch=plan.branch,
        sources=[d.PlannedSource(number=n, current=c, new=v) for n, c, v in plan.sources],
        patches=[d.PlannedPatch(number=n, filename=f, applied=a) for n, f, a in plan.patches],
        spec_notes=list(plan.spec_notes),
        build=plan.build,
        problems=list(plan.problems),
        error=refused,
    )


def upgrade_document(
    plans: list[d.UpgradePlanDoc], outcomes: list[Any], *, dry_run: bool
) -> d.UpgradeDocument:
    docs = []
    for outcome in outcomes:
        done = outcome.skipped is None
        docs.append(
            d.UpgradeOutcomeDoc(
                package=outcome.package,
                skipped=outcome.skipped,
                status=outcome.report.status if done else None,
                report=outcome.report.to_dict() if done else None,
                report_path=str(outcome.json_path) if done and outcome.json_path else None,
            )
        )
    statuses = [o.status for o in docs]
    return d.UpgradeDocument(
        dry_run=dry_run,
        plans=plans,
        outcomes=docs,
        summary=d.UpgradeSummary(
            packages=len(plans) + len(docs),
            ready=statuses.count("ready"),
            needs_human=statuses.count("needs-human"),
            failed=statuses.count("failed"),
            skipped=sum(1 for o in docs if o.skipped is not None),
            refused=sum(1 for p in plans if p.error is not None),
        ),
    )
