"""Reading real advisories (OSV, CSAF 2.0, CVRF 1.1) and refusing bad ones record by record."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from steward.vuln.ids import parse_nevra, repair_purl
from steward.vuln.load import MAX_RECORD_BYTES, AdvisorySet, read_advisories
from steward.vuln.model import EpochPolicy, Statement

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


def test_real_feeds_read_with_only_the_non_advisories_refused() -> None:
    read = AdvisorySet.read([DATA / "osv", DATA / "csaf"])
    assert len(read.advisories) > 300
    refused = sorted(Path(e.origin).name for e in read.errors)
    # An OVAL file and two Red Hat security-data API records: not advisories we read.
    assert refused == [
        "csaf_openeuler_sa_2025_1004.xml",
        "cve-2021-25220.json",
        "cve-2024-8088.json",
    ]
    assert all(e.message for e in read.errors)


def test_openeuler_osv_purl_is_repaired_and_binaries_kept() -> None:
    (advisory,) = AdvisorySet.read([DATA / "osv" / "openeuler" / "OESA-2023-1092.json"]).advisories
    assert advisory.epoch_policy is EpochPolicy.OMITTED
    assert advisory.cves == ("CVE-2022-4304", "CVE-2022-4450", "CVE-2023-0215", "CVE-2023-0286")
    first = advisory.affected[0]
    assert first.purl == "pkg:rpm/openEuler/openssl?distro=openEuler-20.03-LTS-SP1"
    assert first.ecosystem == "openEuler:20.03-LTS-SP1"
    assert {"openssl-libs", "openssl-devel"} <= set(first.binaries)
    assert advisory.scores[0].score == 7.4 and advisory.severity == "medium"


def test_openeuler_csaf_keeps_binaries_and_names_with_dashes() -> None:
    read = AdvisorySet.read([DATA / "csaf" / "openeuler" / "csaf-openeuler-sa-2025-1004.json"])
    advisory = read.advisories[0]
    names = {p.name for p in advisory.affected}
    assert names == {"python-jinja2", "python-jinja2-help", "python2-jinja2", "python3-jinja2"}
    python3 = next(p for p in advisory.affected if p.name == "python3-jinja2")
    assert python3.source == "python-jinja2"
    assert python3.statement is Statement.FIXED
    assert python3.ranges[0].events[-1].value == "2.11.2-9.oe2003sp4"
    assert advisory.aliases == ("openEuler-SA-2025-1004",)


def test_red_hat_csaf_reads_epochs_and_module_builds_from_purls() -> None:
    read = AdvisorySet.read([DATA / "csaf" / "redhat" / "rhsa-2023_1441.json"])
    advisory = read.advisories[0]
    assert advisory.epoch_policy is EpochPolicy.EXPLICIT
    openssl = [p for p in advisory.affected if p.name == "openssl"]
    assert openssl and openssl[0].ranges[0].events[-1].value.startswith("1:1.1.1k-")


def test_red_hat_product_ids_the_tree_never_defines_are_set_aside() -> None:
    read = AdvisorySet.read([DATA / "csaf" / "redhat" / "rhsa-2021_3029.json"])
    unknown = [a.extra.get("unknown_products") for a in read.advisories]
    assert any(u and any(p.startswith("notexits-") for p in u) for u in unknown)
    assert all(p.ecosystem for a in read.advisories for p in a.affected)


def test_cvrf_xml_reads_every_package_of_the_fixed_product() -> None:
    read = AdvisorySet.read(
        [DATA / "csaf" / "openeuler-cvrf-xml" / "cvrf-openEuler-SA-2022-1693.xml"]
    )
    (advisory,) = read.advisories
    assert advisory.id == "CVE-2021-41183" and advisory.aliases == ("openEuler-SA-2022-1693",)
    assert advisory.scores[0].score == 6.1
    names = {(p.name, p.source) for p in advisory.affected}
    assert ("python3-XStatic-jquery-ui", "python-XStatic-jquery-ui") in names
    assert all(p.ecosystem == "openEuler:20.03-LTS-SP3" for p in advisory.affected)


def test_nevra_is_split_from_the_right() -> None:
    nevra = parse_nevra("python-requests-help-2.24.0-3.oe2403.noarch.rpm")
    assert (nevra.name, nevra.version, nevra.release, nevra.arch) == (
        "python-requests-help", "2.24.0", "3.oe2403", "noarch",
    )  # fmt: skip
    assert parse_nevra("kernel-rt-0:5.14.0-284.25.1.rt14.310.el9_2.src").epoch == 0
    assert parse_nevra("1:openssl-1.1.1k-8.el8_6.x86_64").name == "openssl"


def test_purl_repair_leaves_good_purls_alone() -> None:
    good = "pkg:rpm/redhat/ruby@2.5.9-111?arch=src&epoch=1"
    assert repair_purl(good) == good


def _osv(ident: str, **extra: object) -> dict[str, object]:
    record: dict[str, object] = {
        "id": ident,
        "modified": "2024-01-01T00:00:00Z",
        "affected": [
            {
                "package": {"ecosystem": "openEuler:24.03-LTS", "name": "zstd"},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.5-2"}]}
                ],
            }
        ],
    }
    record.update(extra)
    return record


BAD_RECORDS = [
    ({"modified": "x", "affected": []}, "missing 'id'"),
    (_osv("B-1", affected="nope"), "'affected' is not a list"),
    (_osv("B-2", affected=[{"ranges": []}]), "package is missing"),
    (
        _osv(
            "B-3",
            affected=[
                {
                    "package": {"ecosystem": "x", "name": "y"},
                    "ranges": [{"type": "ECOSYSTEM", "events": [{"fixed": "1"}]}],
                }
            ],
        ),
        "no 'introduced'",
    ),
    (
        _osv(
            "B-4",
            affected=[
                {
                    "package": {"ecosystem": "x", "name": "y"},
                    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": 0}]}],
                }
            ],
        ),
        "non-empty string",
    ),
    (
        _osv(
            "B-5",
            affected=[
                {
                    "package": {"ecosystem": "x", "name": "y"},
                    "ranges": [{"type": "RPM", "events": []}],
                }
            ],
        ),
        "not ECOSYSTEM",
    ),
    (_osv("B-6", aliases="CVE-1"), "list of strings"),
    (
        _osv(
            "B-7",
            affected=[
                {
                    "package": {"ecosystem": "x", "name": "y", "purl": "not a purl"},
                    "versions": ["1"],
                }
            ],
        ),
        "purl",
    ),
]


def test_malformed_osv_records_each_get_their_error_and_the_rest_is_read(tmp_path: Path) -> None:
    records = [r for r, _ in BAD_RECORDS] + [_osv("GOOD-1")]
    (tmp_path / "feed.json").write_text(json.dumps(records))
    items = list(read_advisories([tmp_path]))
    errors = [i for i in items if not hasattr(i, "affected")]
    good = [i for i in items if hasattr(i, "affected")]
    assert [g.id for g in good] == ["GOOD-1"]  # type: ignore[union-attr]
    assert len(errors) == len(BAD_RECORDS)
    for error, (_, expected) in zip(errors, BAD_RECORDS, strict=True):
        assert expected in str(error)


def test_a_purl_with_ampersand_for_question_mark_is_repaired_not_refused(tmp_path: Path) -> None:
    record = _osv("P-1")
    record["affected"][0]["package"]["purl"] = "pkg:rpm/openEuler/booth&distro=openEuler-24.03-LTS"  # type: ignore[index]
    (tmp_path / "p.json").write_text(json.dumps(record))
    (advisory,) = AdvisorySet.read([tmp_path]).advisories
    assert advisory.affected[0].purl == "pkg:rpm/openEuler/booth?distro=openEuler-24.03-LTS"


def test_a_one_gigabyte_json_is_refused_unread(tmp_path: Path) -> None:
    huge = tmp_path / "huge.json"
    with huge.open("wb") as handle:  # sparse: takes no disk space
        handle.truncate(1 << 30)
    (tmp_path / "ok.json").write_text(json.dumps(_osv("OK-1")))
    read = AdvisorySet.read([tmp_path])
    assert [a.id for a in read.advisories] == ["OK-1"]
    assert (
        "more than the" in read.errors[0].message
        and str(MAX_RECORD_BYTES) in read.errors[0].message
    )


def test_an_xml_bomb_in_cvrf_is_refused(tmp_path: Path) -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
        "<cvrfdoc><DocumentTitle>&lol3;</DocumentTitle></cvrfdoc>"
    )
    (tmp_path / "bomb.xml").write_text(bomb)
    read = AdvisorySet.read(
        [tmp_path, DATA / "csaf" / "openeuler-cvrf-xml" / "cvrf-openEuler-SA-2022-1693.xml"]
    )
    assert len(read.advisories) == 1
    assert "refused unsafe XML" in read.errors[0].message


def test_broken_json_and_truncated_xml_are_per_file_errors(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text('{"id": "X", ')
    (tmp_path / "b.xml").write_text("<cvrfdoc><DocumentTitle>")
    read = AdvisorySet.read([tmp_path])
    assert [Path(e.origin).name for e in read.errors] == ["a.json", "b.xml"]
    assert "not JSON" in read.errors[0].message and "not well-formed" in read.errors[1].message


def test_osv_data_dump_zip_is_read_member_by_member(tmp_path: Path) -> None:
    dump = tmp_path / "all.zip"
    with zipfile.ZipFile(dump, "w") as archive:
        for source in sorted((DATA / "osv" / "almalinux" / "almalinux9").glob("*.json"))[:20]:
            archive.write(source, source.name)
        archive.writestr("broken.json", "{")
    read = AdvisorySet.read([dump])
    assert len(read.advisories) == 20
    assert read.errors[0].origin.endswith("all.zip!broken.json")


def test_a_csaf_document_without_tracking_id_is_one_error(tmp_path: Path) -> None:
    document = json.loads(
        (DATA / "csaf" / "openeuler" / "csaf-openeuler-sa-2025-1009.json").read_text()
    )
    del document["document"]["tracking"]["id"]
    (tmp_path / "c.json").write_text(json.dumps(document))
    read = AdvisorySet.read([tmp_path])
    assert not read.advisories and "tracking.id" in read.errors[0].message


@pytest.mark.parametrize(
    ("vector", "score"),
    [
        ("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 8.8),
        ("AV:N/AC:L/Au:N/C:P/I:P/A:P", 7.5),
        ("CVSS:4.0/AV:N/AC:L/AT:N/PR:H/UI:N/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N", 5.1),
    ],
)
def test_cvss_vectors_are_scored_with_the_cvss_library(vector: str, score: float) -> None:
    from steward.vuln.ids import score_vector

    assert score_vector("", vector).score == score
