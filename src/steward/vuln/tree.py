"""A loaded package tree as match targets: names, built EVR and the spec's CVE evidence."""

from __future__ import annotations

import functools
from collections.abc import Iterator

from steward.distro.tree import Distro, PackageRecord
from steward.vuln.backport import SpecEvidence, find_evidence
from steward.vuln.match import Target

__all__ = ["built_evr", "targets_for"]


def built_evr(record: PackageRecord, dist: str) -> str:
    """The EVR of the packages a record builds: its release gets the distribution's dist
    tag (openEuler's build system adds ``.oe2403`` where the spec does not write it).

    >>> from pathlib import Path
    >>> built_evr(PackageRecord("a", Path("a"), None, evr="1:2.0-3", epoch=1, version="2.0",
    ...                         release="3"), ".oe2403")
    '1:2.0-3.oe2403'
    """
    release = record.release or ""
    if dist and not release.endswith(dist):
        release += dist
    head = "" if record.epoch is None else f"{record.epoch}:"
    return f"{head}{record.version}-{release}"


def _evidence(distro: Distro, record: PackageRecord) -> SpecEvidence:
    try:
        spec = distro.load_spec(record.name)
    except (KeyError, OSError, ValueError):
        spec = None
    applied = [p.filename for p in record.patches if p.applied and p.present]
    declared = [p.filename for p in record.patches]
    return find_evidence(record.folder, spec, applied, declared)


def targets_for(distro: Distro) -> Iterator[Target]:
    """One target per package with a parsed version (a folder without a spec has none)."""
    dist = distro.profile.dist
    for record in distro:
        if not record.version or record.spec_path is None:
            continue
        yield Target(
            name=record.name,
            evr=built_evr(record, dist),
            binaries=record.subpackages,
            source_name=record.spec_name if record.spec_name != record.name else None,
            evidence=functools.partial(_evidence, distro, record),
        )
