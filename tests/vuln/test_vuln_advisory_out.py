"""``steward advisory``: the example tree's own fixes as CSAF 2.0 VEX and OSV, validated
against the official schemas vendored under ``steward/vuln/schemas`` (offline), checked
against the VEX profile's rules, and read back by Steward's own readers."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from steward.cli.main import app
from steward.distro import load_tree
from steward.vuln.csaf import parse_csaf
from steward.vuln.match import AdvisoryIndex, Status, match_targets
from steward.vuln.model import Statement
from steward.vuln.osv import parse_osv
from steward.vuln.schema import csaf_errors, osv_errors
from steward.vuln.tree import targets_for
from steward.workflows.vulns import Published, publish_fixes

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "distro"
WRITTEN = Path(__file__).parent / "data" / "example-advisories"
DATA = ROOT.parent / "shared" / "data"
WHEN = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
PRODUCT = "openEuler-24.03-LTS"

runner = CliRunner()

# An advisory the tree is past (which 2.20 against a fix in 2.19-2), for the "fixed" kind.
_PAST = {
    "schema_version": "1.6.0",
    "id": "OESA-2099-2001",
    "modified": "2099-01-02T00:00:00Z",
    "upstream": ["CVE-2099-2001"],
    "summary": "which security update",
    "affected": [
        {
            "package": {"name": "which", "ecosystem": "openEuler:24.03-LTS"},
            "ranges": [
                {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.19-2.oe2403"}]}
            ],
        }
    ],
}

# lz4 1.9.2 is affected by CVE-2021-3520 (fixed in 1.9.2-3); upstream 1.9.3 fixes it.
_UPSTREAM = {"lz4": ("1.9.2", "1.9.4", ["1.9.2", "1.9.3", "1.9.4"])}


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Published:
    extra = tmp_path_factory.mktemp("advisories") / "OESA-2099-2001.json"
    extra.write_text(json.dumps(_PAST), encoding="utf-8")
    distro = load_tree(EXAMPLES)
    return publish_fixes(distro, [WRITTEN, extra], created=WHEN, upstream=_UPSTREAM)


def _vulnerability(document: dict[str, Any], cve: str) -> dict[str, Any]:
    return next(v for v in document["vulnerabilities"] if v.get("cve") == cve)


def _full(nvra: str) -> str:
    return f"{PRODUCT}:{nvra}"


def test_both_documents_validate_against_the_official_schemas(published: Published) -> None:
    assert csaf_errors(published.csaf) == []
    assert published.osv and all(osv_errors(record) == [] for record in published.osv)
    document = published.csaf["document"]
    assert document["category"] == "csaf_vex" and document["csaf_version"] == "2.0"
    assert document["tracking"]["id"] == "openEuler-24.03-LTS-VEX-2026-01-02"
    assert document["tracking"]["current_release_date"] == "2026-01-02T03:04:05Z"


def test_a_backported_patch_is_known_not_affected_with_the_patch_as_impact(
    published: Published,
) -> None:
    jansson = _vulnerability(published.csaf, "CVE-2020-36325")
    ids = jansson["product_status"]["known_not_affected"]
    assert _full("jansson-2.13.1-2.oe2403.src") in ids
    assert any(i.startswith(_full("jansson-devel-2.13.1-2.oe2403.")) for i in ids)
    assert jansson["flags"] == [{"label": "vulnerable_code_not_present", "product_ids": ids}]
    assert "backport-CVE-2020-36325.patch" in jansson["threats"][0]["details"]
    assert jansson["threats"][0]["category"] == "impact"
    # The OSV record says the same: fixed at the EVR the tree builds, with the evidence.
    record = next(r for r in published.osv if r["id"].endswith("CVE-2020-36325"))
    assert record["id"] == "x_steward-openEuler-24.03-LTS-CVE-2020-36325"
    assert record["upstream"][:2] == ["CVE-2020-36325", "OESA-2099-1001"]
    (affected,) = record["affected"]
    assert affected["package"]["ecosystem"] == "openEuler:24.03-LTS"
    assert affected["ranges"][0]["events"] == [{"introduced": "0"}, {"fixed": "2.13.1-2.oe2403"}]
    assert affected["database_specific"]["evidence"][0]["kind"] == "patch-name"


def test_only_the_backported_cve_of_a_two_cve_advisory_is_stated(published: Published) -> None:
    # expat's OESA-2099-1004 names CVE-2022-22822 and -22823; the spec backports only 22822.
    stated = {v.get("cve") for v in published.csaf["vulnerabilities"]}
    assert "CVE-2022-22822" in stated and "CVE-2022-22823" not in stated
    # lz4's changelog claims CVE-2021-3520 but the patch is not applied: an upgrade, not
    # a backport.
    lz4 = _vulnerability(published.csaf, "CVE-2021-3520")
    assert set(lz4["product_status"]) == {"known_affected"}
    (remedy,) = lz4["remediations"]
    assert remedy["category"] == "vendor_fix" and "upstream 1.9.3 fixes it" in remedy["details"]
    record = next(r for r in published.osv if r["id"].endswith("CVE-2021-3520"))
    assert record["affected"][0]["ranges"][0]["events"] == [{"introduced": "0"}]
    assert record["affected"][0]["database_specific"]["upgrade"] == "1.9.3"


def test_a_release_past_the_fix_is_fixed_with_a_vendor_fix(published: Published) -> None:
    which = _vulnerability(published.csaf, "CVE-2099-2001")
    assert which["product_status"]["fixed"][0] == _full("which-2.20-3.oe2403.src")
    assert which["remediations"][0]["category"] == "vendor_fix"
    assert "2.19-2.oe2403" in which["remediations"][0]["details"]


def test_the_vex_profile_rules_hold(published: Published) -> None:
    document = published.csaf
    defined = {
        r["full_product_name"]["product_id"] for r in document["product_tree"]["relationships"]
    }
    for vulnerability in document["vulnerabilities"]:
        assert vulnerability["notes"], "VEX: every vulnerability has notes"
        statuses = vulnerability["product_status"]
        named = {i for ids in statuses.values() for i in ids}
        assert named <= defined, "every product id is defined in the product tree"
        assert len(named) == sum(len(ids) for ids in statuses.values()), "no contradiction"
        impact = {
            i
            for part in ("flags", "threats")
            for item in vulnerability.get(part, [])
            if part == "flags" or item["category"] == "impact"
            for i in item["product_ids"]
        }
        assert set(statuses.get("known_not_affected", [])) <= impact
        remedied = {i for r in vulnerability.get("remediations", []) for i in r["product_ids"]}
        assert set(statuses.get("known_affected", [])) <= remedied


def test_steward_reads_its_own_documents_back_and_the_tree_matches_them(
    published: Published, tmp_path: Path
) -> None:
    advisories = list(parse_csaf(published.csaf, "written"))
    jansson = next(a for a in advisories if a.id == "CVE-2020-36325")
    entry = next(e for e in jansson.affected if e.name == "jansson")
    assert entry.statement is Statement.KNOWN_NOT_AFFECTED
    assert entry.justification == "vulnerable_code_not_present"
    records = [parse_osv(r, "written") for r in published.osv]
    targets = [t for t in targets_for(load_tree(EXAMPLES)) if t.name in ("jansson", "lz4")]
    findings = match_targets(targets, AdvisoryIndex(records, ["openEuler:24.03-LTS"]))
    status = {(f.package, f.advisory.cves[0]): f.status for f in findings}
    assert status[("jansson", "CVE-2020-36325")] is Status.NOT_AFFECTED
    assert status[("lz4", "CVE-2021-3520")] is Status.AFFECTED


def test_the_same_input_and_date_give_the_same_documents() -> None:
    first = publish_fixes(load_tree(EXAMPLES), [WRITTEN], created=WHEN)
    again = publish_fixes(load_tree(EXAMPLES), [WRITTEN], created=WHEN)
    assert json.dumps(first.csaf) == json.dumps(again.csaf)
    assert json.dumps(first.osv) == json.dumps(again.osv)


def test_the_schemas_reject_what_is_wrong_offline(published: Published) -> None:
    broken = copy.deepcopy(published.csaf)
    del broken["document"]["publisher"]
    assert any("publisher" in e for e in csaf_errors(broken))
    # The CVSS sub-schemas resolve to the vendored copies: a bad score is caught there.
    scored = copy.deepcopy(published.csaf)
    vulnerability = _vulnerability(scored, "CVE-2020-36325")
    assert vulnerability["scores"], "the example advisory carries a CVSS 3.1 vector"
    vulnerability["scores"][0]["cvss_v3"]["baseSeverity"] = "SEVERE"
    assert any("/scores/0/cvss_v3" in e for e in csaf_errors(scored))
    record = copy.deepcopy(published.osv[0])
    record["id"] = "STEWARD-1"  # not a home-database prefix, nor x_
    record["affected"][0]["package"]["ecosystem"] = "NoSuchOS"
    errors = osv_errors(record)
    assert any(e.startswith("/id") for e in errors)
    assert any("/affected/0/package/ecosystem" in e for e in errors)


def test_the_vendored_schemas_accept_the_real_feeds() -> None:
    csaf = sorted((DATA / "csaf" / "openeuler").glob("*.json"))
    osv = sorted((DATA / "osv" / "openeuler").glob("*.json"))[:20]
    assert csaf and osv
    for path in csaf:
        assert csaf_errors(json.loads(path.read_text(encoding="utf-8"))) == [], path
    for path in osv:
        assert osv_errors(json.loads(path.read_text(encoding="utf-8"))) == [], path


def test_the_command_writes_both_documents(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["advisory", str(EXAMPLES), "-a", str(WRITTEN), "--no-store", "-o", str(out)]
    result = runner.invoke(app, [*args, "--created", "2026-01-02T00:00:00Z"])
    assert result.exit_code == 0, result.output
    (written,) = (out / "csaf").iterdir()
    assert written.name == "openeuler-24_03-lts-vex-2026-01-02.json"
    assert csaf_errors(json.loads(written.read_text(encoding="utf-8"))) == []
    names = sorted(p.name for p in (out / "osv").iterdir())
    assert "x_steward-openEuler-24.03-LTS-CVE-2020-36325.json" in names
    bad = runner.invoke(app, [*args, "--created", "yesterday"])
    assert bad.exit_code == 2 and "--created" in bad.output


def test_a_tree_with_no_fix_to_state_gives_a_valid_document(tmp_path: Path) -> None:
    # An advisory for a package the tree does not have: nothing fixed, nothing stated.
    other = copy.deepcopy(_PAST)
    for affected in other.get("affected", []):
        affected["package"]["name"] = "no-such-package-in-the-tree"
    path = tmp_path / "OESA-2099-2002.json"
    path.write_text(json.dumps(other), encoding="utf-8")
    published = publish_fixes(load_tree(EXAMPLES), [path], created=WHEN)
    assert published.fixes == 0 and published.osv == []
    assert csaf_errors(published.csaf) == []
    assert "vulnerabilities" not in published.csaf
