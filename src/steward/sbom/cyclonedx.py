"""CycloneDX 1.6 JSON through ``cyclonedx-python-lib``, with the vulnerability findings as its
VEX section, validated against the official 1.6 schema the library ships.

Each source package is a component whose ``components`` are the binary packages it
generates; its patches are the pedigree's patches (a CVE patch ``resolves`` that CVE), its
sources external references with their SHA-256.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from steward import __version__
from steward.sbom.inventory import SbomPackage
from steward.vuln.backport import CVE_PATTERN
from steward.vuln.match import Finding, Status

__all__ = ["cyclonedx_json", "validate_cyclonedx"]


def _analysis(finding: Finding) -> Any:
    from cyclonedx.model.impact_analysis import (
        ImpactAnalysisJustification,
        ImpactAnalysisResponse,
        ImpactAnalysisState,
    )
    from cyclonedx.model.vulnerability import VulnerabilityAnalysis

    detail = finding.reason
    if finding.status is Status.NOT_AFFECTED:
        return VulnerabilityAnalysis(
            state=ImpactAnalysisState.NOT_AFFECTED,
            justification=ImpactAnalysisJustification.CODE_NOT_PRESENT,
            detail=detail,
        )
    if finding.status is Status.FIXED_BY_BACKPORT:
        return VulnerabilityAnalysis(
            state=ImpactAnalysisState.RESOLVED_WITH_PEDIGREE, detail=detail
        )
    if finding.status is Status.AMBIGUOUS:
        return VulnerabilityAnalysis(state=ImpactAnalysisState.IN_TRIAGE, detail=detail)
    responses = [ImpactAnalysisResponse.UPDATE] if finding.upgrade else []
    return VulnerabilityAnalysis(
        state=ImpactAnalysisState.EXPLOITABLE, responses=responses, detail=detail
    )


def _ratings(finding: Finding) -> list[Any]:
    from cyclonedx.model.vulnerability import (
        VulnerabilityRating,
        VulnerabilityScoreSource,
        VulnerabilitySeverity,
    )

    methods = {
        "CVSS_V2": VulnerabilityScoreSource.CVSS_V2,
        "CVSS_V3": VulnerabilityScoreSource.CVSS_V3_1,
        "CVSS_V4": VulnerabilityScoreSource.CVSS_V4,
    }
    ratings = []
    for score in finding.advisory.scores:
        if score.score is None:
            continue
        severity = VulnerabilitySeverity(score.rating) if score.rating else None
        ratings.append(
            VulnerabilityRating(
                score=Decimal(str(score.score)),
                severity=severity,
                method=methods.get(score.type),
                vector=score.vector,
            )
        )
    return ratings


def _component(package: SbomPackage) -> Any:
    from cyclonedx.model import (
        ExternalReference,
        ExternalReferenceType,
        HashAlgorithm,
        HashType,
        XsUri,
    )
    from cyclonedx.model.component import (
        Component,
        ComponentType,
        Diff,
        Patch,
        PatchClassification,
        Pedigree,
    )
    from cyclonedx.model.issue import IssueClassification, IssueType
    from cyclonedx.model.license import LicenseExpression
    from packageurl import PackageURL

    references = []
    patches = []
    for item in package.files:
        hashes = [HashType(alg=HashAlgorithm.SHA_256, content=item.sha256)] if item.sha256 else []
        if item.purpose == "source" and item.url:
            references.append(
                ExternalReference(
                    type=ExternalReferenceType.DISTRIBUTION, url=XsUri(item.url), hashes=hashes
                )
            )
        elif item.purpose == "patch":
            cves = sorted({m.upper() for m in CVE_PATTERN.findall(item.name)})
            patches.append(
                Patch(
                    type=PatchClassification.BACKPORT if cves else PatchClassification.UNOFFICIAL,
                    diff=Diff(text=None, url=XsUri(item.url)) if item.url else None,
                    resolves=[IssueType(type=IssueClassification.SECURITY, id=c) for c in cves],
                )
            )
    binaries = [
        Component(
            name=b.name,
            version=f"{package.version}-{package.release}",
            type=ComponentType.LIBRARY,
            purl=PackageURL.from_string(b.purl),
            bom_ref=b.purl,
        )
        for b in package.binaries
    ]
    if package.homepage:
        references.append(
            ExternalReference(type=ExternalReferenceType.WEBSITE, url=XsUri(package.homepage))
        )
    return Component(
        name=package.name,
        version=f"{package.version}-{package.release}",
        type=ComponentType.LIBRARY,
        description=package.summary,
        purl=PackageURL.from_string(package.purl),
        bom_ref=package.purl,
        licenses=[LicenseExpression(package.license)] if package.license else [],
        external_references=references,
        pedigree=Pedigree(patches=patches) if patches else None,
        components=binaries,
    )


def cyclonedx_json(
    packages: Sequence[SbomPackage], *, name: str, created: _dt.datetime | None = None
) -> str:
    """The CycloneDX 1.6 JSON text of these packages and their findings."""
    from cyclonedx.model.bom import Bom, BomMetaData
    from cyclonedx.model.component import Component, ComponentType
    from cyclonedx.model.tool import ToolRepository
    from cyclonedx.model.vulnerability import BomTarget, Vulnerability, VulnerabilitySource
    from cyclonedx.output.json import JsonV1Dot6

    tools = ToolRepository(
        components=[Component(name="steward", version=__version__, type=ComponentType.APPLICATION)]
    )
    bom = Bom(
        metadata=BomMetaData(
            timestamp=created or _dt.datetime.now(_dt.UTC),
            tools=tools,
            component=Component(name=name, type=ComponentType.OPERATING_SYSTEM, bom_ref=name),
        )
    )
    root = bom.metadata.component
    assert root is not None
    for package in packages:
        component = _component(package)
        bom.components.add(component)
        bom.register_dependency(root, [component])
        bom.register_dependency(component, list(component.components))
        for finding in package.findings:
            for ident in finding.advisory.cves or (finding.advisory.id,):
                bom.vulnerabilities.add(
                    Vulnerability(
                        id=ident,
                        source=VulnerabilitySource(name=finding.advisory.publisher),
                        description=finding.advisory.summary or None,
                        ratings=_ratings(finding),
                        analysis=_analysis(finding),
                        affects=[BomTarget(ref=package.purl)],
                        recommendation=f"upgrade to {finding.upgrade}" if finding.upgrade else None,
                    )
                )
    text: str = JsonV1Dot6(bom).output_as_string(indent=2)
    return text


def validate_cyclonedx(text: str) -> str | None:
    """``None`` when ``text`` is valid CycloneDX 1.6 (strict schema), else the first error."""
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    return None if error is None else str(error)
