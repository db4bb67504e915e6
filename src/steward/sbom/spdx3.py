"""SPDX 3.0.1 JSON-LD through ``spdx-python-model`` (Core, Software, Security, Simple
Licensing and Build profiles).

Each source package is a ``software_Package`` (purpose ``source``) with its upstream
download location, its declared license expression, its sources and patches as
``software_File`` elements (purpose ``source`` / ``patch``, SHA-256 when the file is at
hand), a ``build_Build`` that has the sources as input and the binaries as output, and a
``generates`` relationship to each binary package (with its purl). Findings become
``security_Vulnerability`` elements with CVSS and VEX assessment relationships: a backport
found in the spec is ``doesNotAffect`` with ``vulnerableCodeNotPresent``.

The bindings are generated from SPDX's SHACL model and refuse a document that lacks a
required property or uses a value outside an enumeration while it is serialised.
"""

from __future__ import annotations

import datetime as _dt
import io
import re
from collections.abc import Sequence
from typing import Any

from steward import __version__
from steward.sbom.inventory import SbomPackage
from steward.vuln.match import Finding, Status

__all__ = ["read_spdx3", "spdx3_jsonld"]


class _Ids:
    def __init__(self, base: str) -> None:
        self.base = base
        self.used: dict[str, int] = {}

    def __call__(self, kind: str, name: str) -> str:
        slug = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "x"
        key = f"{kind}/{slug}"
        count = self.used.get(key, 0)
        self.used[key] = count + 1
        return f"{self.base}{key}" + (f"-{count}" if count else "")


def _vex(spdx: Any, ids: _Ids, ci: Any, finding: Finding, vulnerability: Any, package: Any) -> Any:
    common = {"creationInfo": ci, "from_": vulnerability, "to": [package]}
    ident = ids("vex", f"{finding.package}-{vulnerability.name}")
    if finding.status in (Status.FIXED_BY_BACKPORT, Status.NOT_AFFECTED):
        # A backported patch removes the vulnerable code (as CSAF's vulnerable_code_not_present
        # in steward advisory); inlineMitigationsAlreadyExist is for code still vulnerable but
        # guarded, which a backport is not.
        justification = spdx.security_VexJustificationType.vulnerableCodeNotPresent
        return spdx.security_VexNotAffectedVulnAssessmentRelationship(
            spdxId=ident,
            relationshipType=spdx.RelationshipType.doesNotAffect,
            security_justificationType=justification,
            security_impactStatement=finding.reason,
            **common,
        )
    if finding.status is Status.AMBIGUOUS:
        return spdx.security_VexUnderInvestigationVulnAssessmentRelationship(
            spdxId=ident,
            relationshipType=spdx.RelationshipType.underInvestigationFor,
            security_statusNotes=finding.reason,
            **common,
        )
    action = f"upgrade to {finding.upgrade}" if finding.upgrade else "no fix available yet"
    return spdx.security_VexAffectedVulnAssessmentRelationship(
        spdxId=ident,
        relationshipType=spdx.RelationshipType.affects,
        security_actionStatement=action,
        security_statusNotes=finding.reason,
        **common,
    )


def _cvss(
    spdx: Any, ids: _Ids, ci: Any, finding: Finding, vulnerability: Any, package: Any
) -> list[Any]:
    out = []
    for score in finding.advisory.scores:
        if score.score is None or score.rating is None:
            continue
        kind = {
            "CVSS_V2": spdx.security_CvssV2VulnAssessmentRelationship,
            "CVSS_V3": spdx.security_CvssV3VulnAssessmentRelationship,
            "CVSS_V4": spdx.security_CvssV4VulnAssessmentRelationship,
        }.get(score.type)
        if kind is None:
            continue
        extra = {}
        if score.type != "CVSS_V2":
            extra["security_severity"] = getattr(spdx.security_CvssSeverityType, score.rating)
        vector = score.vector
        if score.type == "CVSS_V3" and not vector.startswith("CVSS:"):
            vector = f"CVSS:3.1/{vector}"
        out.append(
            kind(
                spdxId=ids("cvss", f"{finding.package}-{vulnerability.name}"),
                creationInfo=ci,
                from_=vulnerability,
                to=[package],
                relationshipType=spdx.RelationshipType.hasAssessmentFor,
                security_score=score.score,
                security_vectorString=vector,
                **extra,
            )
        )
    return out


def spdx3_jsonld(
    packages: Sequence[SbomPackage], *, name: str, created: _dt.datetime | None = None
) -> str:
    """The SPDX 3.0.1 JSON-LD text of these packages and their findings."""
    from spdx_python_model import v3_0_1 as spdx

    when = (created or _dt.datetime.now(_dt.UTC)).replace(microsecond=0)
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-")
    ids = _Ids(f"https://spdx.org/spdxdocs/steward/{slug}/{when:%Y%m%dT%H%M%SZ}/")
    ci = spdx.CreationInfo(specVersion="3.0.1", created=when)
    agent = spdx.SoftwareAgent(spdxId=ids("agent", "steward"), name="steward", creationInfo=ci)
    tool = spdx.Tool(spdxId=ids("tool", "steward"), name=f"steward {__version__}", creationInfo=ci)
    ci.createdBy = [agent]
    ci.createdUsing = [tool]
    elements: list[Any] = [agent, tool]
    roots: list[Any] = []
    vulnerabilities: dict[str, Any] = {}

    def relate(source: Any, kind: Any, targets: list[Any]) -> None:
        if targets:
            elements.append(
                spdx.Relationship(
                    spdxId=ids("rel", f"{source.name}-{kind.rsplit('/', 1)[-1]}"),
                    creationInfo=ci,
                    from_=source,
                    relationshipType=kind,
                    to=targets,
                )
            )

    for package in packages:
        source = spdx.software_Package(
            spdxId=ids("package", f"{package.name}-src"),
            creationInfo=ci,
            name=package.name,
            summary=package.summary,
            software_packageVersion=f"{package.version}-{package.release}",
            software_packageUrl=package.purl,
            software_downloadLocation=package.download_location or "NOASSERTION",
            software_homePage=package.homepage,
            software_primaryPurpose=spdx.software_SoftwarePurpose.source,
        )
        elements.append(source)
        roots.append(source)
        if package.license:
            expression = spdx.simplelicensing_LicenseExpression(
                spdxId=ids("license", package.name),
                creationInfo=ci,
                simplelicensing_licenseExpression=package.license,
            )
            elements.append(expression)
            relate(source, spdx.RelationshipType.hasDeclaredLicense, [expression])
        files: list[Any] = []
        patches: list[Any] = []
        for item in package.files:
            element = spdx.software_File(
                spdxId=ids("file", f"{package.name}-{item.name}"),
                creationInfo=ci,
                name=item.name,
                software_primaryPurpose=getattr(spdx.software_SoftwarePurpose, item.purpose),
                verifiedUsing=[
                    spdx.Hash(algorithm=spdx.HashAlgorithm.sha256, hashValue=item.sha256)
                ]
                if item.sha256
                else [],
            )
            if item.url:
                element.externalRef = [
                    spdx.ExternalRef(
                        externalRefType=spdx.ExternalRefType.sourceArtifact, locator=[item.url]
                    )
                ]
            elements.append(element)
            (patches if item.purpose == "patch" else files).append(element)
        relate(source, spdx.RelationshipType.contains, files + patches)
        relate(source, spdx.RelationshipType.patchedBy, patches)
        binaries: list[Any] = []
        for binary in package.binaries:
            generated = spdx.software_Package(
                spdxId=ids("package", f"{binary.name}-{binary.arch}"),
                creationInfo=ci,
                name=binary.name,
                software_packageVersion=f"{package.version}-{package.release}",
                software_packageUrl=binary.purl,
                software_primaryPurpose=spdx.software_SoftwarePurpose.install,
            )
            elements.append(generated)
            binaries.append(generated)
        relate(source, spdx.RelationshipType.generates, binaries)
        build = spdx.build_Build(
            spdxId=ids("build", package.name),
            creationInfo=ci,
            name=f"{package.name}-build",
            build_buildType="https://rpm.org/rpmbuild",
            build_buildId=f"{package.name}-{package.evr}",
        )
        elements.append(build)
        relate(build, spdx.RelationshipType.hasInput, files + patches)
        relate(build, spdx.RelationshipType.hasOutput, binaries)
        for finding in package.findings:
            for cve in finding.advisory.cves or (finding.advisory.id,):
                vulnerability = vulnerabilities.get(cve)
                if vulnerability is None:
                    vulnerability = spdx.security_Vulnerability(
                        spdxId=ids("vulnerability", cve),
                        creationInfo=ci,
                        name=cve,
                        summary=finding.advisory.summary or None,
                        externalIdentifier=[
                            spdx.ExternalIdentifier(
                                externalIdentifierType=spdx.ExternalIdentifierType.cve
                                if cve.startswith("CVE-")
                                else spdx.ExternalIdentifierType.securityOther,
                                identifier=cve,
                            )
                        ],
                    )
                    vulnerabilities[cve] = vulnerability
                    elements.append(vulnerability)
                relate(source, spdx.RelationshipType.hasAssociatedVulnerability, [vulnerability])
                elements.append(_vex(spdx, ids, ci, finding, vulnerability, source))
                elements.extend(_cvss(spdx, ids, ci, finding, vulnerability, source))
    sbom = spdx.software_Sbom(
        spdxId=ids("sbom", name),
        creationInfo=ci,
        name=f"SBOM of {name}",
        software_sbomType=[spdx.software_SbomType.source, spdx.software_SbomType.build],
        rootElement=roots,
        element=list(elements),
    )
    document = spdx.SpdxDocument(
        spdxId=ids("document", name),
        creationInfo=ci,
        name=name,
        rootElement=[sbom],
        element=[sbom, *elements],
        profileConformance=[
            spdx.ProfileIdentifierType.core,
            spdx.ProfileIdentifierType.software,
            spdx.ProfileIdentifierType.security,
            spdx.ProfileIdentifierType.simpleLicensing,
            spdx.ProfileIdentifierType.build,
        ],
    )
    objects = spdx.SHACLObjectSet()
    for element in (document, sbom, *elements):
        objects.add(element)
    buffer = io.BytesIO()
    spdx.JSONLDSerializer().write(objects, buffer, indent=2)
    return buffer.getvalue().decode()


def read_spdx3(text: str) -> Any:
    """Parse SPDX 3.0.1 JSON-LD back into the model's object set (raises on invalid data)."""
    from spdx_python_model import v3_0_1 as spdx

    objects = spdx.SHACLObjectSet()
    spdx.JSONLDDeserializer().read(io.BytesIO(text.encode()), objects)
    return objects
