"""The review's outputs: SARIF valid against the OASIS 2.1.0 schema, the versioned JSON,
JUnit XML that CI systems read, and a report.md whose summary comes before the details."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
from reviewkit import OFFLINE, upgrade_pair

from steward.review import Review, State, review_change
from steward.review.reports import (
    JSON_SCHEMA,
    SARIF_SCHEMA_PATH,
    to_dict,
    to_junit,
    to_markdown,
    to_sarif,
    write_reports,
)


def failing_review(tmp_path: Path) -> Review:
    before, after = upgrade_pair(tmp_path, release="4")  # release not reset: a warning
    (after / "blob.o").write_bytes(b"\x7fELF" + bytes(40))  # a blocker
    return review_change(before, after, OFFLINE)


def test_sarif_output_validates_against_the_official_sarif_2_1_0_schema(tmp_path: Path) -> None:
    review = failing_review(tmp_path)
    schema = json.loads(SARIF_SCHEMA_PATH.read_text())

    log = to_sarif(review)

    jsonschema.Draft4Validator(schema).validate(log)
    levels = {r["ruleId"]: r["level"] for r in log["runs"][0]["results"] if r["kind"] == "fail"}
    assert levels["files.binary-added"] == "error"
    assert levels["spec.release-reset"] == "warning"
    rule_ids = [rule["id"] for rule in log["runs"][0]["tool"]["driver"]["rules"]]
    assert len(rule_ids) == len(set(rule_ids))


def test_the_schema_check_rejects_a_broken_sarif_log(tmp_path: Path) -> None:
    schema = json.loads(SARIF_SCHEMA_PATH.read_text())
    log = to_sarif(failing_review(tmp_path))
    log["runs"][0]["results"][0]["level"] = "fatal"

    errors = list(jsonschema.Draft4Validator(schema).iter_errors(log))

    assert errors


def test_json_is_versioned_and_every_result_carries_id_severity_state_message_evidence(
    tmp_path: Path,
) -> None:
    review = failing_review(tmp_path)

    document = json.loads(json.dumps(to_dict(review)))

    assert document["schema"] == JSON_SCHEMA == "steward-review/1"
    assert document["verdict"] == "request-changes"
    assert document["classification"]["kind"] == "version-upgrade"
    for result in document["results"]:
        assert {"id", "severity", "state", "message", "evidence"} <= set(result)
    blob = next(r for r in document["results"] if r["id"] == "files.binary-added")
    assert blob["evidence"] == [{"file": "blob.o", "value": "object file"}]
    assert document["risk"]["score"] == sum(f["points"] for f in document["risk"]["factors"])


def test_junit_has_one_case_per_result_and_a_failure_per_failed_result(tmp_path: Path) -> None:
    review = failing_review(tmp_path)

    root = ET.fromstring(to_junit(review).split("\n", 1)[1])

    suite = root.find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    assert len(cases) == len(review.results) == int(suite.get("tests", "0"))
    failures = [c for c in cases if c.find("failure") is not None]
    assert len(failures) == sum(1 for r in review.results if r.failed) == int(
        suite.get("failures", "0")
    )
    assert any(c.get("name") == "files.binary-added[blob.o]" for c in failures)


def test_report_md_puts_verdict_and_what_to_do_before_folded_details(tmp_path: Path) -> None:
    review = failing_review(tmp_path)

    text = to_markdown(review)

    first_details = text.index("<details>")
    summary = text[:first_details]
    assert "request-changes" in summary.splitlines()[0]
    assert "`files.binary-added`" in summary and "blob.o" in summary
    assert "`spec.name-unchanged`" not in summary  # passing results only in the details
    assert "`spec.name-unchanged`" in text[first_details:]


def test_write_reports_writes_all_four_files(tmp_path: Path) -> None:
    review = failing_review(tmp_path / "pkgs")

    paths = write_reports(review, tmp_path / "out")

    assert sorted(p.name for p in paths.values()) == [
        "junit.xml", "report.md", "review.json", "review.sarif"
    ]
    assert json.loads(paths["json"].read_text())["package"] == "libdemo"
    assert review.by_state(State.FAIL)
