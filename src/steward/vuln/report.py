"""Findings out: filtering, JSON, markdown and SARIF 2.1.0."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from steward import __version__
from steward.vuln.ids import SEVERITIES
from steward.vuln.match import Finding, Status

__all__ = ["filter_findings", "findings_markdown", "findings_sarif", "status_text"]


def _rank(severity: str | None) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)


def filter_findings(
    findings: Iterable[Finding],
    *,
    min_severity: str | None = None,
    statuses: Sequence[str] = (),
    packages: Sequence[str] = (),
) -> list[Finding]:
    """Findings at or above ``min_severity`` (``high`` keeps critical and high; a finding
    whose advisory has no severity is kept only without this filter), with one of
    ``statuses`` and for one of ``packages`` (empty: no filter)."""
    limit = _rank(min_severity) if min_severity else None
    wanted_status = set(statuses)
    wanted_packages = set(packages)
    kept = []
    for finding in findings:
        if limit is not None and _rank(finding.severity) > limit:
            continue
        if wanted_status and finding.status.value not in wanted_status:
            continue
        if wanted_packages and finding.package not in wanted_packages:
            continue
        kept.append(finding)
    return kept


def status_text(finding: Finding) -> str:
    """``fixed-by-upgrade (2.14)``, ``ambiguous``, ...: the table's status column."""
    if finding.status is Status.FIXED_BY_UPGRADE:
        covered = "" if finding.recommended_covers else ", not recommended yet"
        return f"fixed-by-upgrade ({finding.upgrade}{covered})"
    return finding.status.value


def advisory_text(finding: Finding) -> str:
    cves = [c for c in finding.advisory.cves if c != finding.advisory.id]
    extra = f" ({', '.join(cves[:3])}{', …' if len(cves) > 3 else ''})" if cves else ""
    return finding.advisory.id + extra


def findings_markdown(findings: Sequence[Finding]) -> str:
    """A markdown table, one row per finding, with the reason."""
    lines = [
        "| package | EVR | advisory | severity | status | why |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for f in findings:
        cells = [
            f.package,
            f.evr,
            advisory_text(f),
            f.severity or "-",
            status_text(f),
            f.reason,
        ]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


_LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}


def findings_sarif(findings: Sequence[Finding], root: Path) -> dict[str, Any]:
    """SARIF 2.1.0: one result per finding that is not settled (affected, ambiguous,
    fixed-by-upgrade), located at the package's spec file, one rule per advisory."""
    rules: dict[str, dict[str, Any]] = {}
    results = []
    for f in findings:
        if f.status in (Status.NOT_AFFECTED, Status.FIXED_BY_BACKPORT):
            continue
        rule_id = f.advisory.id
        rules.setdefault(
            rule_id,
            {
                "id": rule_id,
                "shortDescription": {"text": f.advisory.summary or rule_id},
                "helpUri": f.advisory.references[0] if f.advisory.references else None,
                "properties": {"cves": list(f.advisory.cves), "severity": f.severity},
            },
        )
        spec = f"{f.package}/{f.package}.spec"
        if (root / f.package).is_dir():
            specs = sorted((root / f.package).glob("*.spec"))
            if specs:
                spec = specs[0].relative_to(root).as_posix()
        results.append(
            {
                "ruleId": rule_id,
                "level": _LEVEL.get(f.severity or "", "warning"),
                "message": {"text": f"{f.package} {f.evr}: {status_text(f)}: {f.reason}"},
                "locations": [
                    {"physicalLocation": {"artifactLocation": {"uri": spec, "uriBaseId": "TREE"}}}
                ],
                "properties": {"status": f.status.value, "upgrade": f.upgrade},
            }
        )
    for rule in rules.values():
        if rule["helpUri"] is None:
            del rule["helpUri"]
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "steward-vulns",
                        "version": __version__,
                        "informationUri": "https://github.com/openeuler-mirror",
                        "rules": list(rules.values()),
                    }
                },
                "originalUriBaseIds": {"TREE": {"uri": root.resolve().as_uri() + "/"}},
                "results": results,
            }
        ],
    }
