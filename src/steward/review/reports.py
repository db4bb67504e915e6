"""A review written out: ``report.md`` for a pull request comment, JSON (versioned schema),
SARIF 2.1.0 for code-scanning dashboards and JUnit XML for CI systems.

The JSON document is ``{"schema": "steward-review/1", ...}``; its fields are described in
``docs/review.md``. A later incompatible change bumps the number.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from steward import __version__
from steward.review.model import CheckResult, Review, Severity, State, Verdict

__all__ = [
    "JSON_SCHEMA",
    "SARIF_SCHEMA_PATH",
    "to_json",
    "to_junit",
    "to_markdown",
    "to_sarif",
    "write_reports",
]

JSON_SCHEMA = "steward-review/1"
#: The OASIS SARIF 2.1.0 schema, vendored so that tests validate output offline.
SARIF_SCHEMA_PATH = Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json"
_SARIF_LEVEL = {Severity.BLOCKER: "error", Severity.WARNING: "warning", Severity.NOTE: "note"}
_SARIF_KIND = {State.PASS: "pass", State.FAIL: "fail", State.NOT_APPLICABLE: "notApplicable",
               State.UNDECIDED: "review"}
_VERDICT_ICON = {Verdict.APPROVE: "✅", Verdict.COMMENT: "💬", Verdict.REQUEST_CHANGES: "❌"}
_STATE_ICON = {State.PASS: "✅", State.FAIL: "❌", State.UNDECIDED: "❓",
               State.NOT_APPLICABLE: "➖"}


def to_dict(review: Review) -> dict[str, Any]:
    return {
        "schema": JSON_SCHEMA,
        "tool": {"name": "steward", "version": __version__},
        "package": review.package,
        "classification": review.classification.to_dict(),
        "verdict": review.verdict.value,
        "verdict_reason": review.verdict_reason,
        "risk": review.risk.to_dict(),
        "counts": {s.value: len(review.by_state(s)) for s in State}
        | {"waived": len(review.waived)},
        "duration_seconds": review.duration_seconds,
        "results": [r.to_dict() for r in review.results],
        "checklist": [a.to_dict() for a in review.checklist],
    }


def to_json(review: Review) -> str:
    return json.dumps(to_dict(review), indent=2, ensure_ascii=False) + "\n"


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _md_row(r: CheckResult) -> str:
    state = "waived" if r.waived else r.state.value
    icon = "🔕" if r.waived else _STATE_ICON[r.state]
    where = "; ".join(e.describe() for e in r.evidence if e.describe())[:200]
    message = r.message + (f" (waived: {r.waived})" if r.waived else "")
    return (f"| {icon} {state} | {r.severity.value} | `{r.id}` | {_md_escape(message)} | "
            f"{_md_escape(where)} |")


def to_markdown(review: Review) -> str:
    """The comment a maintainer reads: verdict and what to do first, details folded."""
    c = review.classification
    lines = [
        f"## Steward review of {review.package}: {_VERDICT_ICON[review.verdict]} "
        f"{review.verdict.value}",
        "",
        f"**{c.kind.value}** ({'; '.join(c.reasons)}) · risk **{review.risk.score}/100 "
        f"({review.risk.level})** · {review.verdict_reason}",
        "",
    ]
    must = [r for r in review.results if r.failed or (r.state is State.UNDECIDED and not r.waived)]
    order = {Severity.BLOCKER: 0, Severity.WARNING: 1, Severity.NOTE: 2}
    must.sort(key=lambda r: (r.state is State.UNDECIDED, order[r.severity]))
    if must:
        lines.append("What to do:")
        rules = {rule.id: rule for rule in review.rules}
        for r in must[:15]:
            help_text = rules[r.id].help if r.id in rules else ""
            tag = "needs a human" if r.state is State.UNDECIDED else r.severity.value
            lines.append(f"- **{tag}** `{r.id}`: {r.message}. {help_text}".rstrip())
        if len(must) > 15:
            lines.append(f"- … and {len(must) - 15} more in the details below")
        lines.append("")
    if review.risk.factors:
        lines += ["<details><summary>Risk score: what raised it</summary>", ""]
        lines += [f"- +{f.points}: {f.reason}" for f in review.risk.factors]
        lines += ["", "</details>", ""]
    if review.checklist:
        icon = {"yes": "✅", "no": "❌", "human": "🧑"}
        lines += ["<details><summary>Reviewer checklist</summary>", ""]
        lines += [f"- {icon.get(a.answer, '')} **{a.answer}** — {a.question}"
                  + (f" ({'; '.join(a.because)})" if a.because else "")
                  for a in review.checklist]
        lines += ["", "</details>", ""]
    counts = ", ".join(f"{len(review.by_state(s))} {s.value}" for s in State)
    lines += [
        f"<details><summary>All {len(review.results)} results ({counts}, "
        f"{len(review.waived)} waived)</summary>",
        "",
        "| state | severity | check | message | evidence |",
        "| --- | --- | --- | --- | --- |",
        *(_md_row(r) for r in review.results),
        "",
        "</details>",
        "",
        f"<sub>steward {__version__} · review took {review.duration_seconds:.2f} s</sub>",
        "",
    ]
    return "\n".join(lines)


def to_sarif(review: Review) -> dict[str, Any]:
    """A SARIF 2.1.0 log: one run, the rules as the driver's rules, every result."""
    rules = list(review.rules)
    index = {rule.id: i for i, rule in enumerate(rules)}
    results = []
    for r in review.results:
        item: dict[str, Any] = {
            "ruleId": r.id,
            "kind": _SARIF_KIND[r.state],
            "message": {"text": r.message},
        }
        if r.id in index:
            item["ruleIndex"] = index[r.id]
        if r.state is State.FAIL:
            item["level"] = _SARIF_LEVEL[r.severity]
        else:
            item["level"] = "none"
        locations = []
        for e in r.evidence:
            if e.file:
                physical: dict[str, Any] = {"artifactLocation": {"uri": e.file}}
                if e.line:
                    physical["region"] = {"startLine": e.line}
                locations.append({"physicalLocation": physical})
        if locations:
            item["locations"] = locations[:10]
        if r.waived:
            item["suppressions"] = [{"kind": "inSource", "justification": r.waived}]
        results.append(item)
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "steward-review",
                        "version": __version__,
                        "rules": [
                            {
                                "id": rule.id,
                                "shortDescription": {"text": rule.title},
                                "help": {"text": rule.help},
                                "defaultConfiguration": {"level": _SARIF_LEVEL[rule.severity]},
                            }
                            for rule in rules
                        ],
                    }
                },
                "results": results,
                "properties": {
                    "package": review.package,
                    "verdict": review.verdict.value,
                    "risk": review.risk.score,
                    "classification": review.classification.kind.value,
                },
            }
        ],
    }


def to_junit(review: Review) -> str:
    """JUnit XML: one test suite, one test case per result; failures and skips as CI expects."""
    suite = ET.Element(
        "testsuite",
        name=f"steward-review.{review.package}",
        tests=str(len(review.results)),
        failures=str(sum(1 for r in review.results if r.failed)),
        skipped=str(sum(1 for r in review.results
                        if r.state is State.NOT_APPLICABLE or r.waived)),
        errors="0",
        time=f"{review.duration_seconds:.3f}",
    )
    for r in review.results:
        case = ET.SubElement(suite, "testcase", classname=f"review.{r.check}",
                             name=f"{r.id}[{r.subject}]" if r.subject else r.id)
        detail = "\n".join(e.describe() for e in r.evidence if e.describe())
        if r.waived:
            ET.SubElement(case, "skipped", message=f"waived: {r.waived}")
        elif r.state is State.FAIL:
            ET.SubElement(case, "failure", message=r.message, type=r.severity.value).text = detail
        elif r.state is State.NOT_APPLICABLE:
            ET.SubElement(case, "skipped", message=r.message)
        elif r.state is State.UNDECIDED:
            ET.SubElement(case, "system-out").text = f"undecided: {r.message}\n{detail}"
    suites = ET.Element("testsuites")
    suites.append(suite)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode")


def write_reports(review: Review, folder: Path) -> dict[str, Path]:
    """Write ``report.md``, ``review.json``, ``review.sarif`` and ``junit.xml`` in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {
        "markdown": folder / "report.md",
        "json": folder / "review.json",
        "sarif": folder / "review.sarif",
        "junit": folder / "junit.xml",
    }
    paths["markdown"].write_text(to_markdown(review))
    paths["json"].write_text(to_json(review))
    paths["sarif"].write_text(json.dumps(to_sarif(review), indent=2, ensure_ascii=False) + "\n")
    paths["junit"].write_text(to_junit(review))
    return paths
