"""SBOMs of the example tree in CycloneDX 1.6 (with VEX), SPDX 3.0.1 and SPDX 2.3, each
validated offline: CycloneDX against the official 1.6 JSON schema cyclonedx-python-lib
ships, SPDX 3 against the official SPDX 3.0.1 JSON schema (vendored) and by the
SHACL-generated spdx-python-model (serialise and read back), SPDX 2.3
by spdx-tools' validator after parsing the written JSON."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from steward.cli.main import app
from steward.distro import load_tree
from steward.sbom.cyclonedx import cyclonedx_json, validate_cyclonedx
from steward.sbom.inventory import SbomPackage, inventory
from steward.sbom.licenses import spdx_expression
from steward.sbom.schema import spdx3_errors
from steward.sbom.spdx2 import spdx2_json, validate_spdx2
from steward.sbom.spdx3 import read_spdx3, spdx3_jsonld
from steward.workflows.vulns import scan_tree

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "distro"
WRITTEN = ROOT / "tests" / "vuln" / "data" / "example-advisories"
WHEN = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def packages() -> list[SbomPackage]:
    distro = load_tree(EXAMPLES)
    return inventory(distro, scan_tree(distro, [WRITTEN]).findings)


def _by_name(packages: list[SbomPackage], name: str) -> SbomPackage:
    return next(p for p in packages if p.name == name)


def test_inventory_names_binaries_with_openeuler_purls(packages: list[SbomPackage]) -> None:
    requests = _by_name(packages, "python-requests")
    assert (
        requests.purl
        == "pkg:rpm/openEuler/python-requests@2.24.0-3.oe2403?arch=src&distro=openEuler-24.03"
    )
    purls = {b.purl for b in requests.binaries}
    assert (
        "pkg:rpm/openEuler/python3-requests@2.24.0-3.oe2403?arch=noarch&distro=openEuler-24.03"
        in purls
    )
    traceroute = _by_name(packages, "traceroute")
    assert all("epoch=3" in b.purl for b in traceroute.binaries)
    jansson = _by_name(packages, "jansson")
    patch = next(f for f in jansson.files if f.name == "backport-CVE-2020-36325.patch")
    assert patch.purpose == "patch" and patch.sha256 and len(patch.sha256) == 64
    assert jansson.download_location and jansson.download_location.startswith(
        "https://github.com/akheron/"
    )


def test_legacy_license_names_become_spdx_expressions() -> None:
    assert (
        spdx_expression("GPLv2+ and (LGPLv2+ or MIT)")
        == "GPL-2.0-or-later AND (LGPL-2.0-or-later OR MIT)"
    )
    assert spdx_expression("ASL 2.0") == "Apache-2.0"
    assert spdx_expression(None) is None


def test_cyclonedx_is_valid_1_6_with_vex(packages: list[SbomPackage]) -> None:
    text = cyclonedx_json(packages, name="examples/distro", created=WHEN)
    assert validate_cyclonedx(text) is None
    document = json.loads(text)
    assert document["specVersion"] == "1.6"
    states = {(v["id"], v["analysis"]["state"]) for v in document["vulnerabilities"]}
    assert ("CVE-2020-36325", "resolved_with_pedigree") in states  # jansson's backport
    assert ("CVE-2023-46316", "in_triage") in states  # traceroute, ambiguous epoch
    assert ("CVE-2099-0008", "exploitable") in states  # which, no fix
    apr = next(c for c in document["components"] if c["name"] == "apr")
    resolved = [r["id"] for p in apr["pedigree"]["patches"] for r in p.get("resolves", [])]
    assert resolved == ["CVE-2021-35940"]


def test_cyclonedx_validation_catches_a_broken_document(packages: list[SbomPackage]) -> None:
    document = json.loads(cyclonedx_json(packages[:2], name="x", created=WHEN))
    document["components"][0]["type"] = "source-rpm"  # not a component type
    assert validate_cyclonedx(json.dumps(document)) is not None


def test_spdx3_document_has_the_profiles_and_relationships(packages: list[SbomPackage]) -> None:
    text = spdx3_jsonld(packages, name="examples/distro", created=WHEN)
    document = json.loads(text)
    assert document["@context"] == "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"
    graph = document["@graph"]
    (spdx_document,) = [g for g in graph if g["type"] == "SpdxDocument"]
    assert set(spdx_document["profileConformance"]) == {
        "core",
        "software",
        "security",
        "simpleLicensing",
        "build",
    }
    kinds = {g["relationshipType"] for g in graph if "relationshipType" in g}
    assert {
        "generates",
        "patchedBy",
        "hasDeclaredLicense",
        "hasInput",
        "hasOutput",
        "doesNotAffect",
        "affects",
    } <= kinds
    not_affected = [
        g for g in graph if g["type"] == "security_VexNotAffectedVulnAssessmentRelationship"
    ]
    # A backported patch removes the vulnerable code: vulnerableCodeNotPresent, as CSAF's
    # vulnerable_code_not_present (inline mitigations are protections around code that is
    # still vulnerable, which a backport is not).
    backported = [g for g in not_affected if "CVE-2020-36325" in g["spdxId"]]
    assert backported
    assert {g["security_justificationType"] for g in not_affected} == {"vulnerableCodeNotPresent"}
    files = {g["name"]: g for g in graph if g["type"] == "software_File"}
    assert files["backport-CVE-2020-36325.patch"]["software_primaryPurpose"] == "patch"
    assert files["backport-CVE-2020-36325.patch"]["verifiedUsing"][0]["algorithm"] == "sha256"
    objects = read_spdx3(text)
    assert sum(1 for _ in objects.foreach()) >= len(graph)


def test_spdx3_refuses_an_element_without_a_required_property(packages: list[SbomPackage]) -> None:
    document = json.loads(spdx3_jsonld(packages[:1], name="x", created=WHEN))
    relationship = next(g for g in document["@graph"] if g["type"] == "Relationship")
    del relationship["from"]
    objects = read_spdx3(json.dumps(document))
    import io

    from spdx_python_model import v3_0_1 as spdx

    with pytest.raises(ValueError, match="from_"):
        spdx.JSONLDSerializer().write(objects, io.BytesIO())


def test_spdx3_of_the_tree_and_of_each_package_validates_against_the_official_schema(
    packages: list[SbomPackage],
) -> None:
    assert spdx3_errors(json.loads(spdx3_jsonld(packages, name="examples/distro"))) == []
    for one in packages:
        document = json.loads(spdx3_jsonld([one], name=one.name, created=WHEN))
        assert spdx3_errors(document) == [], one.name


@pytest.mark.parametrize(
    "damage",
    [
        lambda o: o.pop("from") if o["type"] == "Relationship" else None,
        lambda o: (
            o.update(software_primaryPurpose="bogus") if o["type"] == "software_Package" else None
        ),
        lambda o: o.update(specVersion=3) if o["type"] == "CreationInfo" else None,
    ],
    ids=["relationship-without-from", "unknown-purpose", "spec-version-not-a-string"],
)
def test_the_official_spdx3_schema_rejects_a_broken_document(
    packages: list[SbomPackage], damage: Any
) -> None:
    document = json.loads(spdx3_jsonld(packages[:2], name="x", created=WHEN))
    for element in document["@graph"]:
        damage(element)
    assert spdx3_errors(document) != []


def test_spdx3_without_its_context_is_rejected(packages: list[SbomPackage]) -> None:
    document = json.loads(spdx3_jsonld(packages[:1], name="x", created=WHEN))
    del document["@context"]
    assert any("@context" in error for error in spdx3_errors(document))


def test_spdx2_parses_back_and_validates(packages: list[SbomPackage], tmp_path: Path) -> None:
    from spdx_tools.spdx.parser.json import json_parser

    path = tmp_path / "tree.spdx.json"
    path.write_text(spdx2_json(packages, name="examples/distro", created=WHEN))
    document = json_parser.parse_from_file(str(path))
    assert validate_spdx2(document) == []
    generates = [r for r in document.relationships if r.relationship_type.name == "GENERATES"]
    assert len(generates) == sum(len(p.binaries) for p in packages)
    document.packages[0].spdx_id = "not an id"
    assert validate_spdx2(document)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["spdx3", "spdx2", "cyclonedx"])
def test_cli_writes_each_format_for_one_package(kind: str, tmp_path: Path) -> None:
    out = tmp_path / f"jansson.{kind}.json"
    result = CliRunner().invoke(
        app,
        [
            "sbom",
            str(EXAMPLES),
            "--package",
            "jansson",
            "--format",
            kind,
            "-o",
            str(out),
            "-a",
            str(WRITTEN),
        ],
    )
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert (
        "pkg:rpm/openEuler/jansson-devel@2.13.1-2.oe2403?arch=x86_64&distro=openEuler-24.03" in text
    )
    assert "CVE-2020-36325" in text or kind == "spdx2"
    if kind == "cyclonedx":
        assert validate_cyclonedx(text) is None
    if kind == "spdx3":
        assert spdx3_errors(json.loads(text)) == []


def test_cli_refuses_an_unknown_package() -> None:
    result = CliRunner().invoke(app, ["sbom", str(EXAMPLES), "--package", "nope"])
    assert result.exit_code == 2


@pytest.mark.parametrize("kind", ["cyclonedx", "spdx3"])
def test_sbom_diff_names_versions_licenses_patches_and_vulnerabilities(
    kind: str, packages: list[SbomPackage], tmp_path: Path
) -> None:
    import dataclasses

    jansson = _by_name(packages, "jansson")
    which = _by_name(packages, "which")
    upgraded = dataclasses.replace(
        jansson,
        version="2.14",
        release="1.oe2403",
        license="MIT AND Apache-2.0",
        files=tuple(f for f in jansson.files if "CVE" not in f.name),
        findings=(),
    )
    write = cyclonedx_json if kind == "cyclonedx" else spdx3_jsonld
    before, after = tmp_path / "before.json", tmp_path / "after.json"
    before.write_text(write([jansson, which], name="t", created=WHEN))
    after.write_text(write([upgraded], name="t", created=WHEN))
    result = CliRunner().invoke(app, ["sbom", "--diff", str(before), str(after)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "~ jansson: version 2.13.1-2.oe2403 -> 2.14-1.oe2403" in lines
    assert "~ jansson: license MIT -> MIT AND Apache-2.0" in lines
    assert any(line.startswith("~ jansson: CVE-2020-36325 no longer applies") for line in lines)
    assert any("dropped" in line and "CVE-2020-36325" in line for line in lines)
    assert "- which 2.20-3.oe2403 (removed)" in lines


def test_sbom_diff_of_a_non_sbom_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text("{}")
    result = CliRunner().invoke(
        app, ["sbom", "--diff", str(tmp_path / "a.json"), str(tmp_path / "a.json")]
    )
    assert result.exit_code == 2


def test_with_a_creation_time_every_format_is_byte_for_byte_reproducible(
    packages: list[SbomPackage],
) -> None:
    for write in (cyclonedx_json, spdx3_jsonld, spdx2_json):
        first = write(packages, name="distro", created=WHEN)
        assert write(packages, name="distro", created=WHEN) == first, write.__name__
    serials = {json.loads(cyclonedx_json(packages, name="distro"))["serialNumber"] for _ in "ab"}
    assert len(serials) == 2, "without a time, each CycloneDX document gets its own serial"
    document = json.loads(cyclonedx_json(packages, name="distro", created=WHEN))
    refs = [v["bom-ref"] for v in document["vulnerabilities"]]
    assert len(refs) == len(set(refs)) and all(not r.startswith("BomRef.") for r in refs)
