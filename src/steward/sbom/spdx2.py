"""SPDX 2.3 JSON through ``spdx-tools``, validated by its SPDX 2.3 document validator.

Source packages ``GENERATES`` their binary packages (each with a ``purl`` external
reference); patch files at hand are files ``PATCH_APPLIED`` to their package; a
vulnerability finding is an ``advisory`` security reference (SPDX 2.3 has no VEX).
"""

from __future__ import annotations

import datetime as _dt
import io
import re
from collections.abc import Sequence

from steward import __version__
from steward.sbom.inventory import SbomPackage

__all__ = ["spdx2_json", "validate_spdx2"]


def _ref(name: str) -> str:
    return "SPDXRef-" + re.sub(r"[^A-Za-z0-9.-]+", "-", name)


def spdx2_json(
    packages: Sequence[SbomPackage], *, name: str, created: _dt.datetime | None = None
) -> str:
    """The SPDX 2.3 JSON text of these packages; raises ``ValueError`` if spdx-tools' validator
    finds the document invalid."""
    from spdx_tools.common.spdx_licensing import spdx_licensing
    from spdx_tools.spdx.model import (
        Actor,
        ActorType,
        Checksum,
        ChecksumAlgorithm,
        CreationInfo,
        Document,
        ExternalPackageRef,
        ExternalPackageRefCategory,
        ExtractedLicensingInfo,
        File,
        FileType,
        Package,
        PackagePurpose,
        Relationship,
        RelationshipType,
        SpdxNoAssertion,
    )
    from spdx_tools.spdx.writer.json.json_writer import write_document_to_stream

    when = (created or _dt.datetime.now(_dt.UTC)).replace(microsecond=0, tzinfo=None)
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-")
    info = CreationInfo(
        spdx_version="SPDX-2.3",
        spdx_id="SPDXRef-DOCUMENT",
        name=name,
        document_namespace=f"https://spdx.org/spdxdocs/steward/{slug}/{when:%Y%m%dT%H%M%SZ}",
        creators=[Actor(ActorType.TOOL, f"steward-{__version__}")],
        created=when,
    )
    document = Document(info)
    refs: set[str] = set()
    for package in packages:
        source_id = _ref(f"{package.name}-src")
        external = [
            ExternalPackageRef(ExternalPackageRefCategory.PACKAGE_MANAGER, "purl", package.purl)
        ]
        for finding in package.findings:
            url = next(iter(finding.advisory.references), None)
            if url:
                external.append(
                    ExternalPackageRef(
                        ExternalPackageRefCategory.SECURITY, "advisory", url,
                        comment=f"{finding.advisory.id}: {finding.status.value}",
                    )
                )  # fmt: skip
        declared = spdx_licensing.parse(package.license) if package.license else SpdxNoAssertion()
        if package.license:
            refs.update(re.findall(r"LicenseRef-[A-Za-z0-9.-]+", package.license))
        document.packages.append(
            Package(
                spdx_id=source_id,
                name=package.name,
                download_location=package.download_location or SpdxNoAssertion(),
                version=f"{package.version}-{package.release}",
                files_analyzed=False,
                homepage=package.homepage,
                license_declared=declared,
                license_concluded=SpdxNoAssertion(),
                copyright_text=SpdxNoAssertion(),
                summary=package.summary,
                external_references=external,
                primary_package_purpose=PackagePurpose.SOURCE,
            )
        )
        document.relationships.append(
            Relationship("SPDXRef-DOCUMENT", RelationshipType.DESCRIBES, source_id)
        )
        for binary in package.binaries:
            binary_id = _ref(f"{binary.name}-{binary.arch}")
            document.packages.append(
                Package(
                    spdx_id=binary_id,
                    name=binary.name,
                    download_location=SpdxNoAssertion(),
                    version=f"{package.version}-{package.release}",
                    files_analyzed=False,
                    external_references=[
                        ExternalPackageRef(
                            ExternalPackageRefCategory.PACKAGE_MANAGER, "purl", binary.purl
                        )
                    ],
                    primary_package_purpose=PackagePurpose.INSTALL,
                )
            )
            document.relationships.append(
                Relationship(source_id, RelationshipType.GENERATES, binary_id)
            )
        for item in package.files:
            if item.purpose != "patch" or not item.sha1:
                continue
            file_id = _ref(f"{package.name}-{item.name}")
            checksums = [Checksum(ChecksumAlgorithm.SHA1, item.sha1)]
            if item.sha256:
                checksums.append(Checksum(ChecksumAlgorithm.SHA256, item.sha256))
            document.files.append(
                File(name=f"./{package.name}/{item.name}", spdx_id=file_id, checksums=checksums,
                     file_types=[FileType.SOURCE])
            )  # fmt: skip
            document.relationships.append(
                Relationship(file_id, RelationshipType.PATCH_APPLIED, source_id)
            )
    for ref in sorted(refs):
        document.extracted_licensing_info.append(
            ExtractedLicensingInfo(
                license_id=ref,
                extracted_text=f"{ref}: a license the spec names that SPDX does not list",
                license_name=ref.removeprefix("LicenseRef-"),
            )
        )
    problems = validate_spdx2(document)
    if problems:
        raise ValueError("invalid SPDX 2.3 document: " + "; ".join(problems[:5]))
    stream = io.StringIO()
    write_document_to_stream(document, stream, validate=False)
    return stream.getvalue()


def validate_spdx2(document: object) -> list[str]:
    """spdx-tools' SPDX 2.3 validation messages for a document (an empty list: valid)."""
    from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

    return [m.validation_message for m in validate_full_spdx_document(document, "SPDX-2.3")]  # type: ignore[arg-type]
