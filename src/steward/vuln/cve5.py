"""CVE JSON 5 records (the CVE Program's ``cvelistV5`` format) as a source of CVSS scores,
descriptions and references for advisories that lack them.

A record names vendors and products, not rpm packages, so it never matches a package by
itself: it is read as an :class:`Advisory` of format ``cve5`` with no affected entries, and
:func:`enrich` gives its scores (the CNA's, then the ADP containers', e.g. CISA's
Vulnrichment), its English description and its references to every advisory naming that
CVE that has none of its own.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from steward.vuln.ids import SEVERITIES, score_vector
from steward.vuln.model import Advisory, EpochPolicy, Score

__all__ = ["Cve5Error", "enrich", "is_cve5", "parse_cve5"]

_METRICS = (("cvssV4_0", "CVSS_V4"), ("cvssV3_1", "CVSS_V3"), ("cvssV3_0", "CVSS_V3"),
            ("cvssV2_0", "CVSS_V2"))  # fmt: skip


class Cve5Error(ValueError):
    """A CVE JSON 5 record that cannot be read."""


def is_cve5(document: object) -> bool:
    return isinstance(document, dict) and document.get("dataType") == "CVE_RECORD"


def _scores(containers: Iterable[Any]) -> tuple[Score, ...]:
    scores: list[Score] = []
    for container in containers:
        if not isinstance(container, dict):
            continue
        for metric in container.get("metrics") or []:
            if not isinstance(metric, dict):
                continue
            for key, kind in _METRICS:
                vector = (metric.get(key) or {}).get("vectorString")
                if isinstance(vector, str) and vector.strip():
                    scores.append(score_vector(kind, vector))
    return tuple(dict.fromkeys(scores))


def parse_cve5(document: object, origin: str = "") -> Advisory:
    """The record's id, description, scores, dates and references (see the module text)."""
    if not is_cve5(document):
        raise Cve5Error("not a CVE JSON 5 record (dataType is not CVE_RECORD)")
    assert isinstance(document, dict)
    meta = document.get("cveMetadata")
    containers = document.get("containers")
    if not isinstance(meta, dict) or not isinstance(meta.get("cveId"), str):
        raise Cve5Error("cveMetadata.cveId is missing")
    if not isinstance(containers, dict):
        raise Cve5Error(f"{meta['cveId']}: containers is missing")
    raw_cna, raw_adp = containers.get("cna"), containers.get("adp")
    cna: dict[str, Any] = raw_cna if isinstance(raw_cna, dict) else {}
    adp: list[Any] = raw_adp if isinstance(raw_adp, list) else []
    descriptions = [d for d in cna.get("descriptions") or [] if isinstance(d, dict)]
    english = [d for d in descriptions if str(d.get("lang", "")).lower().startswith("en")]
    summary = next((str(d.get("value", "")) for d in english or descriptions), "")
    references = tuple(
        dict.fromkeys(
            r["url"]
            for container in (cna, *adp)
            if isinstance(container, dict)
            for r in container.get("references") or []
            if isinstance(r, dict) and isinstance(r.get("url"), str)
        )
    )
    scores = _scores((cna, *adp))
    rated = [s.rating for s in scores if s.rating in SEVERITIES]
    return Advisory(
        id=meta["cveId"].upper(),
        format="cve5",
        publisher=str(meta.get("assignerShortName") or "CVE"),
        epoch_policy=EpochPolicy.UNKNOWN,
        summary=summary,
        published=meta.get("datePublished"),
        modified=meta.get("dateUpdated"),
        severity=min(rated, key=SEVERITIES.index) if rated else None,
        scores=scores,
        references=references,
        origin=origin,
        withdrawn=meta.get("dateUpdated") if meta.get("state") == "REJECTED" else None,
    )


def enrich(advisories: Iterable[Advisory], records: Mapping[str, Advisory]) -> list[Advisory]:
    """Each advisory, with the scores, description, severity and references of the CVE
    records it names filled in where it has none (its own always win)."""
    result = []
    for advisory in advisories:
        found = [records[c] for c in advisory.cves if c in records]
        if not found:
            result.append(advisory)
            continue
        changes: dict[str, Any] = {}
        if not advisory.scores:
            changes["scores"] = tuple(s for r in found for s in r.scores)
        if not advisory.summary:
            changes["summary"] = found[0].summary
        if advisory.severity is None:
            rated = [r.severity for r in found if r.severity]
            changes["severity"] = min(rated, key=SEVERITIES.index) if rated else None
        if not advisory.references:
            changes["references"] = tuple(u for r in found for u in r.references)
        extra = {**advisory.extra, "cve5": [r.origin for r in found]}
        result.append(dataclasses.replace(advisory, **changes, extra=extra))
    return result
