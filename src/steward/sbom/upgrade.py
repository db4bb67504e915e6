"""The SBOM diff of one upgrade: the package's CycloneDX SBOM before and after, written beside
the upgrade report, and what changed between them as report notes.

``steward upgrade`` calls :func:`record_upgrade_sboms` once the spec, sources and patches
are final; ``steward sbom --diff`` reads the same two files.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from steward.distro.profiles import Profile
from steward.distro.tree import Distro, load_package
from steward.sbom.cyclonedx import cyclonedx_json, validate_cyclonedx
from steward.sbom.diff import diff_sboms, read_sbom
from steward.sbom.inventory import inventory

__all__ = ["AFTER", "BEFORE", "package_sbom", "record_upgrade_sboms"]

BEFORE = "sbom-before.cdx.json"
AFTER = "sbom-after.cdx.json"


def package_sbom(
    folder: Path,
    profile: Profile,
    *,
    layout: str = "src-openeuler",
    created: dt.datetime | None = None,
) -> str:
    """The validated CycloneDX 1.6 JSON of the one package in ``folder``."""
    record = load_package(folder, profile=profile, layout=layout)
    distro = Distro(folder.parent, layout, profile, (record,))
    text = cyclonedx_json(inventory(distro), name=record.name, created=created)
    problem = validate_cyclonedx(text)
    if problem:  # a bug in Steward, not in the package
        raise RuntimeError(f"Steward wrote invalid CycloneDX: {problem}")
    return text


def record_upgrade_sboms(
    before: Path, after: Path, profile: Profile, out_dir: Path, distro: Distro | None = None
) -> list[str]:
    """Write the SBOMs of the package folder ``before`` and ``after`` the upgrade into
    ``out_dir`` and return report notes: where they are and each change. Never raises: a
    failure is one note (the upgrade itself does not depend on its SBOM). ``distro``, when
    given, says the tree's layout."""
    layout = distro.layout if distro is not None else "src-openeuler"
    if layout not in ("src-openeuler", "fedora"):
        layout = "src-openeuler"
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for folder, name in ((before, BEFORE), (after, AFTER)):
            (out_dir / name).write_text(package_sbom(folder, profile, layout=layout), "utf-8")
        changes = diff_sboms(read_sbom(out_dir / BEFORE), read_sbom(out_dir / AFTER))
    except Exception as exc:  # reported as a note: never fatal to the upgrade
        return [f"SBOM diff not written: {exc}"]
    notes = [f"SBOM before and after: {BEFORE}, {AFTER} (steward sbom --diff {BEFORE} {AFTER})"]
    return notes + [f"SBOM: {line}" for line in changes]
