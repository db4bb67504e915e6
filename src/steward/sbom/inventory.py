"""What an SBOM says of a tree: per source package its version, license, upstream download
location, sources with checksums, patches, the binary packages it generates (with their
purls) and the vulnerability findings about it. The writers (CycloneDX, SPDX 3, SPDX 2)
all read these records."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from steward.distro.tree import Distro, FileRef, PackageRecord
from steward.sbom.licenses import spdx_expression
from steward.vuln.match import Finding
from steward.vuln.tree import built_evr

__all__ = ["Binary", "SbomFile", "SbomPackage", "distro_name", "inventory", "rpm_purl"]


@dataclass(frozen=True, slots=True)
class SbomFile:
    """A source or patch file: ``purpose`` is ``source`` or ``patch``; ``sha256`` is set when
    the file is in the package folder, ``checksum`` when a ``sources`` file records one."""

    name: str
    purpose: str
    url: str | None
    sha256: str | None
    checksum: str | None = None
    sha1: str | None = None


@dataclass(frozen=True, slots=True)
class Binary:
    name: str
    arch: str
    purl: str


@dataclass(frozen=True, slots=True)
class SbomPackage:
    name: str
    version: str
    release: str
    epoch: int | None
    evr: str
    license: str | None
    license_declared: str | None
    summary: str | None
    homepage: str | None
    download_location: str | None
    purl: str
    files: tuple[SbomFile, ...]
    binaries: tuple[Binary, ...]
    findings: tuple[Finding, ...] = ()


def distro_name(profile: str) -> str:
    """The purl ``distro`` qualifier of a profile: ``openeuler-24.03`` → ``openEuler-24.03``."""
    match = re.match(r"^openeuler-(.+)$", profile)
    return f"openEuler-{match[1]}" if match else profile


def rpm_purl(
    name: str, version: str, release: str, arch: str, distro: str, epoch: int | None
) -> str:
    """``pkg:rpm/openEuler/NAME@VERSION-RELEASE?arch=ARCH&distro=openEuler-24.03`` (the form
    openEuler and syft use; ``epoch`` as a qualifier when there is one).

    >>> rpm_purl("python3-requests", "2.24.0", "3.oe2403", "noarch", "openEuler-24.03", None)
    'pkg:rpm/openEuler/python3-requests@2.24.0-3.oe2403?arch=noarch&distro=openEuler-24.03'
    """
    from packageurl import PackageURL

    qualifiers = {"arch": arch, "distro": distro}
    if epoch is not None:
        qualifiers["epoch"] = str(epoch)
    namespace = "openEuler" if distro.startswith("openEuler") else distro.split("-")[0]
    return str(PackageURL("rpm", namespace, name, f"{version}-{release}", qualifiers).to_string())


def _digests(path: Path) -> tuple[str | None, str | None]:
    """SHA-256 and SHA-1 (SPDX 2.3 requires it of files) of a file, if it is there."""
    if not path.is_file():
        return None, None
    sha256, sha1 = hashlib.sha256(), hashlib.sha1(usedforsecurity=False)
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha256.update(block)
            sha1.update(block)
    return sha256.hexdigest(), sha1.hexdigest()


def _file(folder: Path, ref: FileRef, purpose: str) -> SbomFile:
    sha256, sha1 = _digests(folder / ref.filename) if ref.present else (None, None)
    return SbomFile(ref.filename, purpose, ref.url, sha256, ref.checksum, sha1)


def _binaries(distro: Distro, record: PackageRecord, release: str, dist_name: str) -> list[Binary]:
    target = distro.profile.target_arch
    arches: dict[str, str] = {}
    try:
        spec = distro.load_spec(record.name)
        main_arch = "noarch" if "noarch" in spec.build_arch else target
        for package in spec.packages:
            arches[package.name] = "noarch" if "noarch" in package.build_arch else main_arch
    except (KeyError, OSError, ValueError):
        pass
    names = [record.spec_name or record.name, *record.subpackages]
    version = record.version or ""
    return [
        Binary(name, arch, rpm_purl(name, version, release, arch, dist_name, record.epoch))
        for name, arch in ((n, arches.get(n, target)) for n in names)
    ]


def inventory(
    distro: Distro, findings: Sequence[Finding] = (), only: Iterable[str] | None = None
) -> list[SbomPackage]:
    """SBOM records of the tree's packages (or of those named in ``only``)."""
    wanted = set(only) if only is not None else None
    by_package: dict[str, list[Finding]] = {}
    for finding in findings:
        by_package.setdefault(finding.package, []).append(finding)
    dist_name = distro_name(distro.profile.name)
    result = []
    for record in distro:
        if not record.version or record.spec_path is None:
            continue
        if wanted is not None and record.name not in wanted:
            continue
        evr = built_evr(record, distro.profile.dist)
        release = evr.rsplit("-", 1)[1]
        name = record.spec_name or record.name
        sources = [_file(record.folder, s, "source") for s in record.sources]
        patches = [_file(record.folder, p, "patch") for p in record.patches]
        download = next((s.url for s in record.sources if s.url), None)
        result.append(
            SbomPackage(
                name=name,
                version=record.version,
                release=release,
                epoch=record.epoch,
                evr=evr,
                license=spdx_expression(record.license),
                license_declared=record.license,
                summary=record.summary,
                homepage=record.url,
                download_location=download,
                purl=rpm_purl(name, record.version, release, "src", dist_name, record.epoch),
                files=(*sources, *patches),
                binaries=tuple(_binaries(distro, record, release, dist_name)),
                findings=tuple(by_package.get(record.name, ())),
            )
        )
    return result
