"""What changed between two SBOMs (CycloneDX 1.6 or SPDX 3.0.1 JSON-LD, as Steward writes
them): versions, licenses, sources and patches, binaries, vulnerabilities fixed or
introduced."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["PackageView", "SbomDiffError", "diff_sboms", "read_sbom"]


class SbomDiffError(ValueError):
    """A file that is not an SBOM Steward can compare; the message says which and why."""


@dataclass(slots=True)
class PackageView:
    """One source package as an SBOM describes it."""

    version: str | None = None
    license: str | None = None
    files: dict[str, str | None] = field(default_factory=dict)  # name -> sha256
    binaries: set[str] = field(default_factory=set)
    vulnerabilities: dict[str, str] = field(default_factory=dict)  # id -> state


def _cyclonedx(document: dict[str, Any]) -> dict[str, PackageView]:
    views: dict[str, PackageView] = {}
    refs: dict[str, str] = {}
    for component in document.get("components", []):
        view = PackageView(version=component.get("version"))
        licenses = component.get("licenses") or []
        view.license = next((item.get("expression") for item in licenses), None)
        for reference in component.get("externalReferences", []):
            if reference.get("type") == "distribution":
                hashes = reference.get("hashes") or [{}]
                view.files[reference["url"].rsplit("/", 1)[-1]] = hashes[0].get("content")
        for patch in (component.get("pedigree") or {}).get("patches", []):
            for issue in patch.get("resolves", []):
                view.files[f"patch resolving {issue.get('id')}"] = None
        view.binaries = {c["name"] for c in component.get("components", [])}
        views[component["name"]] = view
        refs[component.get("bom-ref", "")] = component["name"]
    for vulnerability in document.get("vulnerabilities", []):
        state = (vulnerability.get("analysis") or {}).get("state", "unknown")
        for target in vulnerability.get("affects", []):
            name = refs.get(target.get("ref", ""))
            if name:
                views[name].vulnerabilities[vulnerability["id"]] = state
    return views


_VEX_STATES = {
    "security_VexNotAffectedVulnAssessmentRelationship": "not_affected",
    "security_VexAffectedVulnAssessmentRelationship": "affected",
    "security_VexFixedVulnAssessmentRelationship": "fixed",
    "security_VexUnderInvestigationVulnAssessmentRelationship": "under_investigation",
}


def _spdx3(document: dict[str, Any]) -> dict[str, PackageView]:
    graph = {item.get("spdxId") or item.get("@id"): item for item in document.get("@graph", [])}
    sources = {
        ident: item
        for ident, item in graph.items()
        if item.get("type") == "software_Package"
        and item.get("software_primaryPurpose") == "source"
    }
    views = {
        item["name"]: PackageView(version=item.get("software_packageVersion"))
        for item in sources.values()
    }
    for item in graph.values():
        source = sources.get(item.get("from"))
        kind = item.get("relationshipType")
        if item.get("type") in _VEX_STATES:
            vulnerability = graph.get(item.get("from"), {}).get("name", "?")
            for target in item.get("to", []):
                if target in sources:
                    state = _VEX_STATES[item["type"]]
                    views[sources[target]["name"]].vulnerabilities[vulnerability] = state
            continue
        if source is None:
            continue
        view = views[source["name"]]
        targets = [graph.get(t, {}) for t in item.get("to", [])]
        if kind == "hasDeclaredLicense":
            view.license = targets[0].get("simplelicensing_licenseExpression") if targets else None
        elif kind == "contains":
            for target in targets:
                hashes = target.get("verifiedUsing") or [{}]
                view.files[target.get("name", "?")] = hashes[0].get("hashValue")
        elif kind == "generates":
            view.binaries = {t.get("name", "?") for t in targets}
    return views


def read_sbom(path: Path) -> dict[str, PackageView]:
    """The source packages of an SBOM file, by name."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SbomDiffError(f"{path}: not readable JSON ({exc})") from None
    if isinstance(document, dict) and document.get("bomFormat") == "CycloneDX":
        return _cyclonedx(document)
    if isinstance(document, dict) and "@graph" in document:
        return _spdx3(document)
    raise SbomDiffError(f"{path}: neither CycloneDX nor SPDX 3 JSON-LD")


def diff_sboms(before: dict[str, PackageView], after: dict[str, PackageView]) -> list[str]:
    """One line per change, package by package (empty: nothing changed)."""
    lines: list[str] = []
    for name in sorted(before.keys() | after.keys()):
        old, new = before.get(name), after.get(name)
        if old is None:
            lines.append(f"+ {name} {new.version if new else ''} (new package)")
            continue
        if new is None:
            lines.append(f"- {name} {old.version} (removed)")
            continue
        if old.version != new.version:
            lines.append(f"~ {name}: version {old.version} -> {new.version}")
        if old.license != new.license:
            lines.append(f"~ {name}: license {old.license} -> {new.license}")
        for file in sorted(old.files.keys() - new.files.keys()):
            lines.append(f"~ {name}: dropped {file}")
        for file in sorted(new.files.keys() - old.files.keys()):
            lines.append(f"~ {name}: added {file}")
        for file in sorted(old.files.keys() & new.files.keys()):
            if old.files[file] != new.files[file]:
                lines.append(f"~ {name}: {file} changed (sha256)")
        for binary in sorted(old.binaries - new.binaries):
            lines.append(f"~ {name}: no longer builds {binary}")
        for binary in sorted(new.binaries - old.binaries):
            lines.append(f"~ {name}: now builds {binary}")
        for vulnerability in sorted(old.vulnerabilities.keys() | new.vulnerabilities.keys()):
            was = old.vulnerabilities.get(vulnerability)
            now = new.vulnerabilities.get(vulnerability)
            if was == now:
                continue
            if now is None:
                lines.append(f"~ {name}: {vulnerability} no longer applies (was {was})")
            elif was is None:
                lines.append(f"~ {name}: {vulnerability} introduced ({now})")
            else:
                lines.append(f"~ {name}: {vulnerability} {was} -> {now}")
    return lines
