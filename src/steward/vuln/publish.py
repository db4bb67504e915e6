"""The distribution's own fixes as advisories: a CSAF 2.0 VEX document and OSV records.

From the findings of ``steward vulns`` (:mod:`steward.vuln.match`) three kinds are the
distribution's work and are written out, per vulnerability (a CVE, else the advisory id):

* ``fixed-by-backport``, and a CVE of a still-open finding that the spec backports: VEX
  ``known_not_affected`` with the flag ``vulnerable_code_not_present`` and an impact
  statement naming the patch or changelog line; OSV ``fixed`` at the EVR the tree builds.
* ``not-affected`` because the built EVR is at or past the advisory's fix (an upgrade the
  tree already carries): VEX ``fixed`` with a ``vendor_fix`` remediation; OSV ``fixed`` at
  the built EVR.
* ``fixed-by-upgrade``: VEX ``known_affected`` with the fixing upstream release as a
  ``vendor_fix`` remediation when the recommended upgrade reaches it (``none_available``
  otherwise); OSV affected from ``0`` with no fix yet, the planned release in
  ``database_specific``.

Products are named the way openEuler's own CSAF files name them: the product
``openEuler-24.03-LTS``, each rpm ``NAME-VERSION-RELEASE.ARCH`` under its architecture, and
the pair ``openEuler-24.03-LTS:NAME-VERSION-RELEASE.ARCH`` (``default_component_of``) in
the statements. Every document is deterministic for a given ``created`` time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from steward.sbom.inventory import SbomPackage
from steward.vuln.backport import SpecEvidence
from steward.vuln.match import Finding, Status
from steward.vuln.model import Advisory

__all__ = [
    "DistroFix",
    "Publisher",
    "csaf_vex",
    "distro_fixes",
    "osv_records",
    "product_for",
]

OSV_SCHEMA_VERSION = "1.7.5"

# Per (vulnerability, product) the strongest statement wins: no contradictions (CSAF 6.1.6).
_RANK = {"fixed": 0, "known_not_affected": 1, "known_affected": 2}


@dataclass(frozen=True, slots=True)
class Publisher:
    """Who issues the documents (CSAF ``document/publisher``) and where they are kept."""

    name: str = "openEuler"
    namespace: str = "https://www.openeuler.org"
    id_prefix: str = "x_steward-"  # OSV ids: a home-database prefix or ``x_`` (private)


def product_for(ecosystem: str) -> str:
    """openEuler's product id of an ecosystem.

    >>> product_for("openEuler:24.03-LTS")
    'openEuler-24.03-LTS'
    """
    return ecosystem.replace(":", "-", 1)


@dataclass(frozen=True, slots=True)
class DistroFix:
    """One package's answer to one vulnerability: ``kind`` is ``fixed`` (the tree builds a
    release past the fix), ``backport`` (the spec carries the fix) or ``upgrade`` (an
    upstream release fixes it; ``planned`` when the recommended upgrade reaches it)."""

    key: str  # the CVE, else the advisory id
    kind: str
    finding: Finding
    detail: str
    evidence: tuple[dict[str, object], ...] = ()
    planned: bool = False

    @property
    def statement(self) -> str:
        return {"fixed": "fixed", "backport": "known_not_affected"}.get(self.kind, "known_affected")


def distro_fixes(findings: Iterable[Finding]) -> list[DistroFix]:
    """The findings that are the distribution's own fixes, one per (vulnerability, package)."""
    fixes: dict[tuple[str, str], DistroFix] = {}
    for finding in findings:
        for fix in _fixes_of(finding):
            where = (fix.key, finding.package)
            previous = fixes.get(where)
            if previous is None or _RANK[fix.statement] < _RANK[previous.statement]:
                fixes[where] = fix
    return sorted(fixes.values(), key=lambda f: (f.key, f.finding.package))


def _fixes_of(finding: Finding) -> list[DistroFix]:
    keys = list(finding.advisory.cves) or [finding.advisory.id]
    if finding.status is Status.NOT_AFFECTED:
        if not finding.past_fix:
            return []
        detail = f"{finding.evr} is at or past the fix {finding.fixed} ({finding.advisory.id})"
        return [DistroFix(key, "fixed", finding, detail) for key in keys]
    if finding.status not in (Status.FIXED_BY_BACKPORT, Status.AFFECTED, Status.FIXED_BY_UPGRADE):
        return []
    evidence = SpecEvidence(finding.evidence)
    result = []
    for key in keys:
        items = evidence.for_cve(key)
        if finding.status is Status.FIXED_BY_BACKPORT or evidence.fixes(key):
            used = [e for e in items if e.kind != "unapplied-patch"]
            named = "; ".join(f"{e.kind} {e.text}" for e in used)
            detail = f"fixed in {finding.evr} by a backported patch ({named})"
            result.append(
                DistroFix(key, "backport", finding, detail, tuple(e.to_dict() for e in used))
            )
        elif finding.status is Status.FIXED_BY_UPGRADE and finding.upgrade:
            planned = bool(finding.recommended_covers)
            detail = f"upstream {finding.upgrade} fixes it" + (
                f"; the recommended upgrade to {finding.recommended} covers it"
                if planned
                else f"; the recommended upgrade ({finding.recommended or 'none'}) does not "
                "reach it yet"
            )
            result.append(DistroFix(key, "upgrade", finding, detail, planned=planned))
    return result


@dataclass(slots=True)
class _Products:
    """The product tree being built: the distribution product and its rpm components."""

    product: str
    cpe: str | None
    by_arch: dict[str, dict[str, str | None]] = field(default_factory=dict)  # nvra -> purl
    relationships: dict[str, str] = field(default_factory=dict)  # full id -> nvra

    def add(self, nvra: str, arch: str, purl: str | None) -> str:
        self.by_arch.setdefault(arch, {})[nvra] = purl
        full = f"{self.product}:{nvra}"
        self.relationships[full] = nvra
        return full

    def tree(self, vendor: str) -> dict[str, Any]:
        product: dict[str, Any] = {"name": self.product, "product_id": self.product}
        if self.cpe:
            product["product_identification_helper"] = {"cpe": self.cpe}
        family = self.product.split("-", 1)[0]
        branches: list[dict[str, Any]] = [
            {
                "category": "product_name",
                "name": family,
                "branches": [
                    {"category": "product_version", "name": self.product, "product": product}
                ],
            }
        ]
        for arch in sorted(self.by_arch):
            versions = []
            for nvra, purl in sorted(self.by_arch[arch].items()):
                component: dict[str, Any] = {"name": nvra, "product_id": nvra}
                if purl:
                    component["product_identification_helper"] = {"purl": purl}
                versions.append({"category": "product_version", "name": nvra, "product": component})
            branches.append({"category": "architecture", "name": arch, "branches": versions})
        relationships = [
            {
                "category": "default_component_of",
                "product_reference": nvra,
                "relates_to_product_reference": self.product,
                "full_product_name": {
                    "name": f"{nvra} as a component of {self.product}",
                    "product_id": full,
                },
            }
            for full, nvra in sorted(self.relationships.items())
        ]
        tree: dict[str, Any] = {
            "branches": [{"category": "vendor", "name": vendor, "branches": branches}]
        }
        if relationships:  # CSAF allows no empty list: a tree with no fix has none
            tree["relationships"] = relationships
        return tree


def _nvra(package: SbomPackage, name: str, arch: str) -> str:
    return f"{name}-{package.version}-{package.release}.{arch}"


def _cpe(product: str) -> str | None:
    if not product.startswith("openEuler-"):
        return None
    return f"cpe:/a:openEuler:openEuler:{product.removeprefix('openEuler-')}"


def _package_ids(products: _Products, package: SbomPackage) -> list[str]:
    ids = [products.add(_nvra(package, package.name, "src"), "src", package.purl)]
    for binary in package.binaries:
        ids.append(products.add(_nvra(package, binary.name, binary.arch), binary.arch, binary.purl))
    return ids


def _iso(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _cvss_v3(advisory: Advisory, product_ids: list[str]) -> list[dict[str, Any]]:
    scores = []
    for score in advisory.scores:
        if score.score is None or not score.vector.startswith(("CVSS:3.0/", "CVSS:3.1/")):
            continue
        scores.append(
            {
                "cvss_v3": {
                    "version": score.vector[5:8],
                    "vectorString": score.vector,
                    "baseScore": score.score,
                    "baseSeverity": (score.rating or "none").upper(),
                },
                "products": product_ids,
            }
        )
    return scores[:1]


def csaf_vex(
    fixes: Sequence[DistroFix],
    packages: Iterable[SbomPackage],
    *,
    product: str,
    created: dt.datetime,
    publisher: Publisher = Publisher(),
    version: str = "0",
) -> dict[str, Any]:
    """A CSAF 2.0 document of category ``csaf_vex`` for ``fixes`` (see the module text).

    ``packages`` give the binaries and purls of each source package; ``version`` is
    Steward's, written as the generator engine's.
    """
    by_name = {p.name: p for p in packages}
    products = _Products(product, _cpe(product))
    groups: dict[str, list[DistroFix]] = {}
    for fix in fixes:
        groups.setdefault(fix.key, []).append(fix)
    vulnerabilities = []
    for key, items in groups.items():
        vulnerabilities.append(_vulnerability(key, items, by_name, products))
    when = _iso(created)
    tracking_id = f"{product}-VEX-{created.astimezone(dt.UTC):%Y-%m-%d}"
    document: dict[str, Any] = {
        "category": "csaf_vex",
        "csaf_version": "2.0",
        "lang": "en",
        "title": f"{product}: the distribution's fixes of {len(groups)} vulnerabilities",
        "publisher": {
            "category": "vendor",
            "name": publisher.name,
            "namespace": publisher.namespace,
        },
        "notes": [
            {
                "category": "summary",
                "title": "Summary",
                "text": (
                    f"Which packages of {product} carry a fix (backported patch or upgrade) "
                    "for each vulnerability, and which upgrades are planned; written by "
                    "Steward from the package tree and the advisories it matched."
                ),
            }
        ],
        "tracking": {
            "id": tracking_id,
            "status": "final",
            "version": "1",
            "initial_release_date": when,
            "current_release_date": when,
            "revision_history": [{"date": when, "number": "1", "summary": "Initial version."}],
            "generator": {"date": when, "engine": {"name": "Steward", "version": version}},
        },
    }
    csaf: dict[str, Any] = {"document": document, "product_tree": products.tree(publisher.name)}
    if vulnerabilities:  # CSAF allows no empty list: nothing fixed, nothing listed
        csaf["vulnerabilities"] = vulnerabilities
    return csaf


def _vulnerability(
    key: str, items: list[DistroFix], by_name: dict[str, SbomPackage], products: _Products
) -> dict[str, Any]:
    status: dict[str, list[str]] = {}
    flags: list[dict[str, Any]] = []
    threats: list[dict[str, Any]] = []
    remediations: list[dict[str, Any]] = []
    all_ids: list[str] = []
    for fix in items:
        package = by_name.get(fix.finding.package)
        if package is None:
            continue
        ids = _package_ids(products, package)
        all_ids += ids
        status.setdefault(fix.statement, []).extend(ids)
        if fix.kind == "backport":
            flags.append({"label": "vulnerable_code_not_present", "product_ids": ids})
            threats.append({"category": "impact", "details": fix.detail, "product_ids": ids})
        elif fix.kind == "fixed":
            remediations.append(
                {"category": "vendor_fix", "details": fix.detail, "product_ids": ids}
            )
        else:
            category = "vendor_fix" if fix.planned else "none_available"
            remediations.append({"category": category, "details": fix.detail, "product_ids": ids})
    first = items[0].finding.advisory
    vulnerability: dict[str, Any] = {}
    if key.upper().startswith("CVE-"):
        vulnerability["cve"] = key
    sources = sorted({f.finding.advisory.id for f in items if f.finding.advisory.id != key})
    if sources or "cve" not in vulnerability:
        vulnerability["ids"] = [
            {"system_name": "advisory matched by Steward", "text": name}
            for name in (sources or [key])
        ]
    vulnerability["notes"] = [
        {
            "category": "description",
            "title": "Vulnerability description",
            "text": first.summary or f"{key} (see {', '.join(sources) or 'its record'})",
        }
    ]
    vulnerability["product_status"] = {k: sorted(set(v)) for k, v in sorted(status.items())}
    if flags:
        vulnerability["flags"] = flags
    if threats:
        vulnerability["threats"] = threats
    if remediations:
        vulnerability["remediations"] = remediations
    scores = _cvss_v3(first, sorted(set(all_ids)))
    if scores:
        vulnerability["scores"] = scores
    return vulnerability


def _osv_version(package: SbomPackage, product: str) -> str:
    # openEuler writes no epochs (the omitted policy); other distributions state them.
    if package.epoch and not product.startswith("openEuler"):
        return f"{package.epoch}:{package.version}-{package.release}"
    return f"{package.version}-{package.release}"


def osv_records(
    fixes: Sequence[DistroFix],
    packages: Iterable[SbomPackage],
    *,
    ecosystem: str,
    created: dt.datetime,
    publisher: Publisher = Publisher(),
) -> list[dict[str, Any]]:
    """One OSV record per vulnerability in ``fixes`` for the ``ecosystem``
    (``openEuler:24.03-LTS``); ``upstream`` names the CVE and the matched advisories."""
    by_name = {p.name: p for p in packages}
    product = product_for(ecosystem)
    groups: dict[str, list[DistroFix]] = {}
    for fix in fixes:
        groups.setdefault(fix.key, []).append(fix)
    when = _iso(created)
    records = []
    for key, items in groups.items():
        affected = []
        for fix in items:
            package = by_name.get(fix.finding.package)
            if package is None:
                continue
            events: list[dict[str, str]] = [{"introduced": "0"}]
            if fix.kind in ("fixed", "backport"):
                events.append({"fixed": _osv_version(package, product)})
            specific: dict[str, Any] = {"status": fix.kind, "detail": fix.detail}
            if fix.evidence:
                specific["evidence"] = list(fix.evidence)
            if fix.kind == "upgrade":
                specific["upgrade"] = fix.finding.upgrade
                specific["recommended"] = fix.finding.recommended
                specific["planned"] = fix.planned
            affected.append(
                {
                    "package": {"ecosystem": ecosystem, "name": package.name, "purl": package.purl},
                    "ranges": [{"type": "ECOSYSTEM", "events": events}],
                    "ecosystem_specific": {"binaries": sorted({b.name for b in package.binaries})},
                    "database_specific": specific,
                }
            )
        first = items[0].finding.advisory
        upstream = list(
            dict.fromkeys(
                [
                    key,
                    *(
                        a
                        for f in items
                        for a in (f.finding.advisory.id, *f.finding.advisory.aliases)
                    ),
                ]
            )
        )
        record: dict[str, Any] = {
            "schema_version": OSV_SCHEMA_VERSION,
            "id": f"{publisher.id_prefix}{product}-{key}",
            "modified": when,
            "published": when,
            "upstream": upstream,
            "summary": f"{key}: fixes in {product}",
            "details": first.summary or key,
            "affected": affected,
        }
        severity = [
            {"type": s.type, "score": s.vector}
            for s in first.scores
            if s.score is not None and s.type in ("CVSS_V3", "CVSS_V4")
        ]
        if severity:
            record["severity"] = severity[:1]
        references = [
            {"type": "ADVISORY", "url": u} for u in first.references if u.startswith("http")
        ]
        if references:
            record["references"] = references
        records.append(record)
    return records
