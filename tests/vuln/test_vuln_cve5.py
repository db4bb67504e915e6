"""CVE JSON 5 records as an optional source of CVSS scores and descriptions: read, never
matched by themselves, and filling in what an advisory naming the CVE lacks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from steward.cli.main import app
from steward.vuln.cve5 import parse_cve5
from steward.vuln.load import AdvisorySet

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "distro"
WRITTEN = Path(__file__).parent / "data" / "example-advisories"

runner = CliRunner()


def _record(cve: str, *, cna_vector: str | None, adp_vector: str | None = None) -> dict[str, Any]:
    """A record shaped like cvelistV5's (``cves/2023/32xxx/CVE-2023-32681.json``)."""
    cna: dict[str, Any] = {
        "providerMetadata": {
            "orgId": "a0819718-46f1-4df5-94e2-005712e83aaa",
            "shortName": "GitHub_M",
        },
        "descriptions": [
            {"lang": "es", "value": "Descripción."},
            {"lang": "en", "value": "Requests leaks Proxy-Authorization headers on redirects."},
        ],
        "affected": [
            {
                "vendor": "psf",
                "product": "requests",
                "versions": [{"version": ">= 2.3.0, < 2.31.0", "status": "affected"}],
            }
        ],
        "references": [
            {"url": "https://github.com/psf/requests/security/advisories/GHSA-j8r2-6x86-q33q"}
        ],
    }
    if cna_vector:
        cna["metrics"] = [
            {
                "cvssV3_1": {
                    "version": "3.1",
                    "vectorString": cna_vector,
                    "baseScore": 6.1,
                    "baseSeverity": "MEDIUM",
                }
            }
        ]
    adp = [
        {
            "providerMetadata": {"shortName": "CISA-ADP"},
            "metrics": [{"other": {"type": "ssvc", "content": {}}}],
        }
    ]
    if adp_vector:
        adp[0]["metrics"].append({"cvssV3_1": {"version": "3.1", "vectorString": adp_vector}})
    return {
        "dataType": "CVE_RECORD",
        "dataVersion": "5.1",
        "cveMetadata": {"cveId": cve, "assignerShortName": "GitHub_M", "state": "PUBLISHED",
                        "datePublished": "2023-05-26T17:19:50.000Z", "dateUpdated": "2025-01-02T00:00:00.000Z"},
        "containers": {"cna": cna, "adp": adp},
    }  # fmt: skip


def test_a_record_gives_its_english_description_scores_and_references() -> None:
    record = parse_cve5(
        _record(
            "CVE-2023-32681",
            cna_vector="CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N",
            adp_vector="CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        ),
        "x.json",
    )
    assert record.format == "cve5" and record.affected == ()
    assert record.summary == "Requests leaks Proxy-Authorization headers on redirects."
    assert [s.score for s in record.scores] == [6.1, 9.8]
    assert record.severity == "critical"
    assert record.references[0].endswith("GHSA-j8r2-6x86-q33q")


def test_read_beside_advisories_a_record_fills_in_what_they_lack(tmp_path: Path) -> None:
    vector = "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N"
    (tmp_path / "CVE-2023-32681.json").write_text(
        json.dumps(_record("CVE-2023-32681", cna_vector=vector))
    )
    # One that names a CVE whose advisory has its own severity: that one wins.
    (tmp_path / "CVE-2020-36325.json").write_text(
        json.dumps(
            _record("CVE-2020-36325", cna_vector="CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
        )
    )
    read = AdvisorySet.read([WRITTEN, tmp_path])
    requests = next(a for a in read.advisories if a.id == "CVE-2023-32681" and a.format == "csaf")
    assert requests.severity == "medium" and requests.scores[0].vector == vector
    assert requests.extra["cve5"] == [str(tmp_path / "CVE-2023-32681.json")]
    jansson = next(a for a in read.advisories if a.id == "OESA-2099-1001")
    assert jansson.severity == "medium" and all(s.score != 9.8 for s in jansson.scores)
    result = runner.invoke(
        app,
        ["vulns", str(EXAMPLES), "-a", str(WRITTEN), "-a", str(tmp_path), "--no-store", "--json"],
    )
    findings = json.loads(result.stdout)["findings"]
    found = next(f for f in findings if f["package"] == "python-requests")
    assert found["severity"] == "medium" and found["score"] == 6.1
    assert not any(
        f["advisory"].startswith("CVE-2020-36325") and f["source"]["format"] == "cve5"
        for f in findings
    )


def test_a_broken_record_is_a_per_file_error(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text(json.dumps({"dataType": "CVE_RECORD", "containers": {}}))
    read = AdvisorySet.read([tmp_path])
    assert read.advisories == []
    (error,) = read.errors
    assert "cveMetadata.cveId is missing" in error.message
