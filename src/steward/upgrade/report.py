"""The upgrade report: ``report.json`` (a stable schema) and ``report.md`` (a PR description).

The JSON schema is documented in ``docs/upgrade-report.md``; its ``schema`` field names the
version (``steward.upgrade-report/1``). Fields are only ever added within a version.
"""

from __future__ import annotations

import datetime as _dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from steward.upgrade.model import (
    BuildOutcome,
    BuildResult,
    Comparison,
    DownloadedSource,
    PatchTriage,
    PatchVerdict,
)

__all__ = ["SCHEMA", "UpgradeReport", "write_reports"]

SCHEMA = "steward.upgrade-report/1"


@dataclass
class UpgradeReport:
    """Everything one upgrade did and found; filled in step by step."""

    package: str
    from_version: str
    to_version: str
    from_evr: str = ""
    to_evr: str = ""
    started_at: _dt.datetime = field(default_factory=lambda: _dt.datetime.now(_dt.UTC))
    finished_at: _dt.datetime | None = None
    failed_step: str | None = None
    error: str | None = None
    branch: str | None = None
    commit: str | None = None
    result_dir: str | None = None
    patch_file: str | None = None
    changelog: list[str] = field(default_factory=list)
    spec_notes: list[str] = field(default_factory=list)
    spec_diff: str = ""
    sources: list[DownloadedSource] = field(default_factory=list)
    removed_files: list[str] = field(default_factory=list)
    patches: list[PatchTriage] = field(default_factory=list)
    builds: list[BuildResult] = field(default_factory=list)
    comparison: Comparison | None = None
    proposal: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def needs_human(self) -> list[str]:
        """The judgement calls left to a person, each with its reason."""
        items: list[str] = []
        for patch in self.patches:
            if patch.verdict is PatchVerdict.CONFLICT:
                items.append(
                    f"Patch{patch.number} ({patch.filename}) conflicts with {self.to_version}: "
                    "rebase it (rejected hunks below)"
                )
            elif patch.verdict is PatchVerdict.APPLIES_WITH_FUZZ:
                items.append(
                    f"Patch{patch.number} ({patch.filename}) applies only with fuzz: "
                    "review and refresh it"
                )
            elif patch.verdict is PatchVerdict.PROBABLY_UPSTREAM:
                items.append(
                    f"Patch{patch.number} ({patch.filename}) is probably upstream already "
                    "(evidence below): check it and drop it"
                )
            elif patch.verdict is PatchVerdict.UPSTREAM and not patch.dropped:
                items.append(
                    f"Patch{patch.number} ({patch.filename}) is upstream but could not be "
                    "dropped from the spec: remove it by hand"
                )
        for build in self.builds:
            if build.outcome in (BuildOutcome.FAILED, BuildOutcome.TIMED_OUT):
                items.append(f"the {build.kind} build {build.outcome.value}: see {build.log}")
            elif build.outcome is BuildOutcome.MISSING_DEPENDENCIES:
                missing = ", ".join(build.missing) or "unknown"
                items.append(f"the {build.kind} build could not run: missing {missing}")
        if self.comparison is not None:
            for change in self.comparison.soname_changes:
                who = ", ".join(change.dependents) or "no package in the tree"
                items.append(f"soname {change.old_soname} -> {change.new_soname}: rebuild {who}")
        return items

    @property
    def status(self) -> str:
        if self.failed_step is not None:
            return "failed"
        return "needs-human" if self.needs_human else "ready"

    def to_dict(self) -> dict[str, Any]:
        finished = self.finished_at
        return {
            "schema": SCHEMA,
            "package": self.package,
            "status": self.status,
            "from": {"version": self.from_version, "evr": self.from_evr},
            "to": {"version": self.to_version, "evr": self.to_evr},
            "started_at": self.started_at.isoformat(),
            "finished_at": finished.isoformat() if finished else None,
            "seconds": round((finished - self.started_at).total_seconds(), 3) if finished else None,
            "failed_step": self.failed_step,
            "error": self.error,
            "branch": self.branch,
            "commit": self.commit,
            "result_dir": self.result_dir,
            "patch_file": self.patch_file,
            "spec": {
                "changelog": self.changelog,
                "notes": self.spec_notes,
                "diff": self.spec_diff,
            },
            "sources": [
                {
                    "number": s.number,
                    "url": s.url,
                    "filename": s.filename,
                    "size": s.size,
                    "sha256": s.sha256,
                    "signature": s.signature,
                    "reused": s.reused,
                }
                for s in self.sources
            ],
            "removed_files": self.removed_files,
            "patches": [
                {
                    "number": p.number,
                    "filename": p.filename,
                    "verdict": p.verdict.value,
                    "strip": p.strip,
                    "dropped": p.dropped,
                    "evidence": p.evidence,
                    "rejected_hunks": p.rejected_hunks,
                    "arches": list(p.arches),
                }
                for p in self.patches
            ],
            "builds": [
                {
                    "backend": b.backend,
                    "kind": b.kind,
                    "outcome": b.outcome.value,
                    "seconds": round(b.seconds, 3),
                    "log": str(b.log) if b.log else None,
                    "artifacts": [str(a) for a in b.artifacts],
                    "missing": list(b.missing),
                    "message": b.message,
                }
                for b in self.builds
            ],
            "comparison": _comparison_dict(self.comparison),
            "needs_human": self.needs_human,
            "proposal": self.proposal,
            "notes": self.notes,
        }

    def to_markdown(self) -> str:
        lines = [f"## Update {self.package} {self.from_version} → {self.to_version}", ""]
        if self.failed_step:
            lines += [f"**The upgrade failed at step `{self.failed_step}`:** {self.error}", ""]
        todo = self.needs_human
        if todo:
            lines += ["### Needs a human", ""] + [f"- [ ] {item}" for item in todo] + [""]
        elif not self.failed_step:
            lines += ["Ready: every patch was triaged and the builds succeeded.", ""]
        if self.changelog:
            lines += ["### Changelog entry", "", "```", *self.changelog, "```", ""]
        if self.spec_notes:
            lines += ["### Spec fixes beyond the version bump", ""]
            lines += [f"- {note}" for note in self.spec_notes] + [""]
        if self.sources:
            lines += [
                "### Sources",
                "",
                "| # | file | size | sha256 | signature |",
                "|---|---|---|---|---|",
            ]
            for s in self.sources:
                lines.append(
                    f"| {s.number} | `{s.filename}` | {s.size} | `{s.sha256[:16]}…` | "
                    f"{s.signature or '-'} |"
                )
            lines.append("")
        if self.patches:
            lines += ["### Patches", "", "| # | patch | verdict | action |", "|---|---|---|---|"]
            for p in self.patches:
                action = "dropped (merged upstream)" if p.dropped else "kept"
                if p.verdict is PatchVerdict.APPLIES_WITH_OFFSET:
                    action = "kept (rpm applies it at an offset; refreshing it is tidy)"
                where = f" ({', '.join(p.arches)} only)" if p.arches else ""
                lines.append(
                    f"| {p.number} | `{p.filename}` | {p.verdict.value}{where} | {action} |"
                )
            lines.append("")
            for p in self.patches:
                if p.verdict is PatchVerdict.PROBABLY_UPSTREAM:
                    lines += [
                        f"<details><summary>Patch{p.number}: why it looks upstream</summary>",
                        "",
                        "```",
                        p.evidence.rstrip(),
                        "```",
                        "</details>",
                        "",
                    ]
            for p in self.patches:
                if p.rejected_hunks:
                    lines += [
                        f"<details><summary>Patch{p.number} rejected hunks</summary>",
                        "",
                        "```diff",
                        p.rejected_hunks.rstrip(),
                        "```",
                        "</details>",
                        "",
                    ]
        if self.builds:
            lines += [
                "### Builds",
                "",
                "| backend | kind | outcome | time | log |",
                "|---|---|---|---|---|",
            ]
            for b in self.builds:
                lines.append(
                    f"| {b.backend} | {b.kind} | {b.outcome.value} | {_duration(b.seconds)} | "
                    f"`{b.log.name if b.log else '-'}` |"
                )
            lines.append("")
        lines += _comparison_markdown(self.comparison)
        if self.notes:
            lines += ["### Notes", ""] + [f"- {n}" for n in self.notes] + [""]
        lines.append("_Prepared by Steward._")
        return "\n".join(lines) + "\n"


def _duration(seconds: float) -> str:
    """``0.042`` → ``42 ms``, ``3.14159`` → ``3.1 s``: a fast build never shows as 0.0 s."""
    if seconds < 1:
        return f"{max(seconds * 1000, 1):.0f} ms"
    return f"{seconds:.1f} s"


def _comparison_dict(comparison: Comparison | None) -> dict[str, Any] | None:
    if comparison is None:
        return None
    return {
        "files_added": list(comparison.files_added),
        "files_removed": list(comparison.files_removed),
        "provides_added": list(comparison.provides_added),
        "provides_removed": list(comparison.provides_removed),
        "requires_added": list(comparison.requires_added),
        "requires_removed": list(comparison.requires_removed),
        "soname_changes": [
            {
                "library": c.library,
                "old_soname": c.old_soname,
                "new_soname": c.new_soname,
                "dependents": list(c.dependents),
            }
            for c in comparison.soname_changes
        ],
        "abi": [{"library": lib, "result": result} for lib, result in comparison.abi],
        "notes": list(comparison.notes),
    }


def _comparison_markdown(comparison: Comparison | None) -> list[str]:
    if comparison is None:
        return []
    lines = ["### Compared with the current build", ""]
    for label, items in (
        ("Files added", comparison.files_added),
        ("Files removed", comparison.files_removed),
        ("Provides added", comparison.provides_added),
        ("Provides removed", comparison.provides_removed),
        ("Requires added", comparison.requires_added),
        ("Requires removed", comparison.requires_removed),
    ):
        if items:
            shown = ", ".join(f"`{i}`" for i in items[:20])
            more = f" and {len(items) - 20} more" if len(items) > 20 else ""
            lines.append(f"- {label}: {shown}{more}")
    for change in comparison.soname_changes:
        who = ", ".join(change.dependents) or "none in the tree"
        lines.append(
            f"- **soname change** {change.old_soname} → {change.new_soname}; needs a rebuild: {who}"
        )
    for library, result in comparison.abi:
        lines.append(f"- ABI of `{library}`: {result}")
    if len(lines) == 2:
        lines.append("- no change in files, dependencies or ABI")
    return [*lines, ""]


def write_reports(report: UpgradeReport, folder: Path) -> tuple[Path, Path]:
    """Write ``report.json`` and ``report.md`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    json_path = folder / "report.json"
    md_path = folder / "report.md"
    json_path.write_text(json.dumps(report.to_dict(), indent=2) + "\n", encoding="utf-8")
    md_path.write_text(report.to_markdown(), encoding="utf-8")
    return json_path, md_path
