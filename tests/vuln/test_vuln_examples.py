"""``steward vulns examples/distro`` against the real advisories in ``../shared/data`` and the
advisories written for the example packages (``tests/vuln/data/example-advisories``):
the right status for every package, backports from the spec, an ambiguous epoch, upgrades
from the monitoring store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from steward.cli.main import app
from steward.store import CheckRecord, Store
from steward.upstream.recommend import recommend_version
from steward.upstream.sources.base import Upstream
from steward.upstream.versions import Release
from steward.workflows.storelink import tree_key

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "distro"
WRITTEN = Path(__file__).parent / "data" / "example-advisories"
DATA = ROOT / ".." / "shared" / "data"
ALL = ["-a", str(WRITTEN), "-a", str(DATA / "osv"), "-a", str(DATA / "csaf")]

runner = CliRunner()

#: Every example package an advisory names, and the status it must get without a store.
EXPECTED = {
    "apr": "fixed-by-backport",  # Patch6000 backport-CVE-2021-35940.patch
    "dos2unix": "not-affected",  # a VEX known_not_affected statement
    "expat": "affected",  # two CVEs, the spec backports only CVE-2022-22822
    "jansson": "fixed-by-backport",  # patch named for the CVE (its header does not name it)
    "libuv": "affected",  # Epoch 1; openEuler writes none: compared without epochs
    "libyaml": "not-affected",  # the range starts after the packaged version
    "lz4": "affected",  # the changelog claims the fix; the CVE patch is never applied
    "python-requests": "fixed-by-backport",  # the advisory names only python3-requests
    "traceroute": "ambiguous",  # Epoch 3 against a vendor that documents no convention
    "which": "affected",  # no fix published
    "zstd": "fixed-by-backport",
}


def _json(args: list[str]) -> tuple[int, dict[str, object]]:
    result = runner.invoke(app, ["vulns", str(EXAMPLES), *ALL, "--json", *args])
    return result.exit_code, json.loads(result.stdout)


@pytest.mark.slow
def test_every_example_package_gets_its_status_and_unfixed_ones_exit_1() -> None:
    code, document = _json(["--no-store"])
    findings = document["findings"]
    assert isinstance(findings, list)
    assert {f["package"]: f["status"] for f in findings} == EXPECTED
    assert len(findings) == len(EXPECTED)  # the real feeds name no 24.03 example package
    assert code == 1
    assert document["ecosystems"] == ["openEuler:24.03-LTS"]
    refused = sorted(Path(e["origin"]).name for e in document["errors"])  # type: ignore[index, union-attr]
    assert refused == [
        "csaf_openeuler_sa_2025_1004.xml",
        "cve-2021-25220.json",
        "cve-2024-8088.json",
    ]
    by_package = {f["package"]: f for f in findings}  # type: ignore[index]
    jansson = by_package["jansson"]
    assert {e["kind"] for e in jansson["evidence"]} == {"patch-name", "changelog"}
    assert any(e["path"].endswith("backport-CVE-2020-36325.patch") for e in jansson["evidence"])
    assert jansson["justification"] == "inline_mitigations_already_exist"
    requests = by_package["python-requests"]
    assert requests["matched_by"] == "binary python3-requests"
    traceroute = by_package["traceroute"]
    assert traceroute["evr"] == "3:2.1.0-8.oe2403"
    assert traceroute["readings"] == {"vr": True, "rpm": False}
    lz4 = by_package["lz4"]
    assert "not applied" in lz4["reason"]
    assert by_package["dos2unix"]["justification"] == "vulnerable_code_not_present"


@pytest.mark.slow
def test_across_ecosystems_the_red_hat_ruby_advisories_name_rubygem_rake() -> None:
    _, document = _json(["--no-store", "--ecosystem", "any", "--package", "rubygem-rake"])
    findings = document["findings"]
    assert findings and all(f["package"] == "rubygem-rake" for f in findings)  # type: ignore[index, union-attr]


def _record(package: str, current: str, versions: list[str]) -> CheckRecord:
    listed = [Release(f"v{v}", v) for v in versions]
    return CheckRecord(
        tree=tree_key(EXAMPLES),
        package=package,
        upstream=Upstream("github", f"example/{package}", origin="metadata"),
        current_version=current,
        releases=listed,
        recommendation=recommend_version(current, listed),
    )


@pytest.mark.slow
def test_the_monitoring_store_names_the_smallest_fixing_release(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'store.db'}"
    with Store.open(db) as store:
        store.record_results(
            None,
            [
                _record("expat", "2.2.8", ["2.2.8", "2.2.9", "2.2.10", "2.4.1"]),
                _record("lz4", "1.9.2", ["1.9.2", "1.9.3", "1.9.4"]),
                _record("libuv", "1.38.0", ["1.38.0"]),  # nothing newer upstream
            ],
        )
    code, document = _json(["--db", db, "--status", "fixed-by-upgrade", "--status", "affected"])
    rows = {f["package"]: f for f in document["findings"]}  # type: ignore[index, union-attr]
    assert rows["expat"]["status"] == "fixed-by-upgrade"
    assert rows["expat"]["upgrade"] == "2.2.9" and rows["expat"]["recommended"] == "2.4.1"
    assert rows["expat"]["recommended_covers"] is True
    assert rows["lz4"]["upgrade"] == "1.9.3" and rows["lz4"]["recommended_covers"] is True
    assert rows["libuv"]["status"] == "affected"
    assert rows["which"]["status"] == "affected"
    assert code == 1


@pytest.mark.slow
def test_table_markdown_and_sarif_outputs() -> None:
    # The console's width is whatever the first command of this process saw: no COLUMNS.
    table = runner.invoke(app, ["vulns", str(EXAMPLES), *ALL, "--no-store"])
    assert "fixed-by-backport" in table.stdout and "ambiguous" in table.stdout
    assert "22 packages" in table.stdout
    markdown = runner.invoke(
        app,
        ["vulns", str(EXAMPLES), *ALL, "--no-store", "--format", "markdown", "--severity", "high"],
    )
    lines = markdown.stdout.splitlines()
    assert lines[0].startswith("| package |")
    assert {line.split("|")[1].strip() for line in lines[2:]} == {"expat", "libuv", "lz4", "which"}
    sarif = runner.invoke(app, ["vulns", str(EXAMPLES), *ALL, "--no-store", "--format", "sarif"])
    document = json.loads(sarif.stdout)
    assert document["version"] == "2.1.0"
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in document["runs"][0]["results"]
    }
    assert "traceroute/traceroute.spec" in uris and "apr/apr.spec" not in uris


def test_bad_filters_are_usage_errors() -> None:
    result = runner.invoke(app, ["vulns", str(EXAMPLES), "-a", str(WRITTEN), "--status", "bogus"])
    assert result.exit_code == 2
