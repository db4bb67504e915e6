"""Reading CSAF 2.0 documents (security advisories and VEX) into :class:`Advisory` values.

Each vulnerability of a document becomes one advisory (id: its CVE; aliases: the
document's tracking id). Products are resolved through the product tree: a product's
purl (Red Hat) or its NEVRA-shaped name (openEuler's ``python-jinja2-2.11.2-9.oe2003sp4
.src.rpm``) gives the package and version, the product it is a component of gives the
ecosystem. Every package is kept, binaries included, not only the ``.src`` entries.
``fixed`` becomes a range fixed at that EVR; ``known_affected`` and
``known_not_affected`` (with their VEX justification) stay statements.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from steward.vuln.backport import CVE_PATTERN
from steward.vuln.ids import (
    InvalidNevra,
    normalise_ecosystem,
    normalise_severity,
    parse_nevra,
    parse_purl,
    score_vector,
)
from steward.vuln.model import (
    Advisory,
    AffectedPackage,
    EpochPolicy,
    Event,
    Range,
    Score,
    Statement,
)

__all__ = ["CsafError", "is_csaf", "parse_csaf"]


class CsafError(ValueError):
    """A document that is not valid CSAF 2.0 in a way that stops it being read."""


def is_csaf(document: object) -> bool:
    """Whether a JSON document claims to be CSAF (``document.csaf_version``)."""
    return (
        isinstance(document, Mapping)
        and isinstance(document.get("document"), Mapping)
        and "csaf_version" in document["document"]
    )


def _publisher_policy(namespace: str) -> EpochPolicy:
    host = namespace.lower()
    if "openeuler.org" in host:
        return EpochPolicy.OMITTED
    if "redhat.com" in host:
        return EpochPolicy.EXPLICIT
    return EpochPolicy.UNKNOWN


@dataclass(frozen=True, slots=True)
class _Component:
    name: str
    evr: str | None
    arch: str | None
    ecosystem: str
    product: str | None
    purl: str | None


class _ProductTree:
    """Product ids resolved to packages (name, EVR, arch) and the product they belong to."""

    def __init__(self, tree: object) -> None:
        self.names: dict[str, str] = {}
        self.purls: dict[str, str] = {}
        self.cpes: dict[str, str] = {}
        self.relations: dict[str, tuple[str, str]] = {}
        if not isinstance(tree, Mapping):
            return
        self._walk(tree.get("branches") or [])
        for item in tree.get("full_product_names") or []:
            self._product(item)
        for rel in tree.get("relationships") or []:
            if not isinstance(rel, Mapping):
                continue
            full = rel.get("full_product_name")
            ref, platform = rel.get("product_reference"), rel.get("relates_to_product_reference")
            if isinstance(full, Mapping) and isinstance(ref, str) and isinstance(platform, str):
                pid = full.get("product_id")
                if isinstance(pid, str):
                    self.relations[pid] = (ref, platform)

    def _walk(self, branches: object) -> None:
        if not isinstance(branches, list):
            return
        for branch in branches:
            if not isinstance(branch, Mapping):
                continue
            self._product(branch.get("product"))
            self._walk(branch.get("branches"))

    def _product(self, product: object) -> None:
        if not isinstance(product, Mapping) or not isinstance(product.get("product_id"), str):
            return
        pid = product["product_id"]
        self.names[pid] = str(product.get("name") or pid)
        helper = product.get("product_identification_helper")
        if isinstance(helper, Mapping):
            if isinstance(helper.get("purl"), str):
                self.purls[pid] = helper["purl"]
            if isinstance(helper.get("cpe"), str):
                self.cpes[pid] = helper["cpe"]

    def _ecosystem(self, platform: str | None) -> str:
        if platform is None:
            return ""
        name = self.names.get(platform, platform)
        if name.lower().startswith("openeuler"):
            return normalise_ecosystem(name)
        cpe = self.cpes.get(platform, "")
        if cpe.startswith(("cpe:/o:redhat:", "cpe:/a:redhat:")):
            return "Red Hat:" + cpe.split(":", 3)[3]
        return name

    def component(self, pid: str) -> _Component | None:
        """The package a product id stands for; ``None`` for an id the tree never defines."""
        relation = self.relations.get(pid)
        if relation is not None:
            ref, platform = relation
        else:
            # Red Hat names some products "PLATFORM:nevra" without a relationship for them.
            head, colon, tail = pid.partition(":")
            if colon and head in self.names:
                ref, platform = tail, head
            elif pid in self.names:
                ref, platform = pid, None
            else:
                return None
        ecosystem = self._ecosystem(platform)
        purl = self.purls.get(ref)
        if purl:
            try:
                name, _, version, qualifiers = parse_purl(purl)
            except ValueError:
                name, version, qualifiers = "", None, {}
            if name:
                epoch = qualifiers.get("epoch")
                evr = f"{epoch}:{version}" if epoch and version else version
                return _Component(name, evr, qualifiers.get("arch"), ecosystem, platform, purl)
            # A purl that does not parse: the product's name still says what it is.
        text = self.names.get(ref, ref)
        # Red Hat appends the module stream to rpm names: "ruby-2.5.9-111…src.rpm-ruby:2.5".
        text = text.split(".rpm-", 1)[0]
        try:
            nevra = parse_nevra(text)
        except InvalidNevra:
            if platform is None:
                return None
            # "red_hat_enterprise_linux_9:bind": a component named without a version.
            return _Component(text, None, None, ecosystem, platform, None)
        return _Component(nevra.name, nevra.evr, nevra.arch, ecosystem, platform, None)


def _justification(vulnerability: Mapping[str, Any], pid: str) -> str | None:
    for flag in vulnerability.get("flags") or []:
        if isinstance(flag, Mapping) and pid in (flag.get("product_ids") or []):
            label = flag.get("label")
            if isinstance(label, str):
                return label
    for threat in vulnerability.get("threats") or []:
        if (
            isinstance(threat, Mapping)
            and threat.get("category") == "impact"
            and pid in (threat.get("product_ids") or [])
        ):
            return str(threat.get("details", "")) or None
    return None


_STATUS = {
    "fixed": Statement.FIXED,
    "first_fixed": Statement.FIXED,
    "known_affected": Statement.KNOWN_AFFECTED,
    "first_affected": Statement.KNOWN_AFFECTED,
    "last_affected": Statement.KNOWN_AFFECTED,
    "known_not_affected": Statement.KNOWN_NOT_AFFECTED,
    "under_investigation": Statement.UNDER_INVESTIGATION,
}


def _packages(
    vulnerability: Mapping[str, Any], tree: _ProductTree, unknown: list[str]
) -> list[AffectedPackage]:
    """The packages a vulnerability's product statuses name; ids the product tree does not
    define go to ``unknown``."""
    status = dict(vulnerability.get("product_status") or {})
    if not isinstance(vulnerability.get("product_status") or {}, Mapping):
        raise CsafError("product_status is not an object")
    if not any(status.get(key) for key in _STATUS):
        # Some Red Hat documents leave product_status empty and list the fixed builds only
        # in their vendor_fix remediation.
        status["fixed"] = [
            pid
            for remedy in vulnerability.get("remediations") or []
            if isinstance(remedy, Mapping) and remedy.get("category") == "vendor_fix"
            for pid in remedy.get("product_ids") or []
        ]
    found: dict[tuple[str, str, str, str | None], AffectedPackage] = {}
    for key, statement in _STATUS.items():
        ids = status.get(key) or []
        if not isinstance(ids, list):
            raise CsafError(f"product_status.{key} is not a list")
        for pid in ids:
            if not isinstance(pid, str):
                continue
            component = tree.component(pid)
            if component is None:
                unknown.append(pid)
                continue
            ranges: tuple[Range, ...] = ()
            versions: tuple[str, ...] = ()
            if statement is Statement.FIXED and component.evr:
                events = (Event("introduced", "0"), Event("fixed", component.evr))
                ranges = (Range("ECOSYSTEM", events),)
            elif statement is Statement.KNOWN_AFFECTED and component.evr is None:
                ranges = (Range("ECOSYSTEM", (Event("introduced", "0"),)),)
            elif component.evr:
                versions = (component.evr,)
            entry = (component.name, component.ecosystem, statement.value, component.evr)
            previous = found.get(entry)
            arches = tuple(a for a in (component.arch,) if a)
            if previous is not None:
                arches = tuple(dict.fromkeys((*previous.arches, *arches)))
            found[entry] = AffectedPackage(
                name=component.name,
                ecosystem=component.ecosystem,
                ranges=ranges,
                versions=versions,
                purl=component.purl,
                product=component.product,
                statement=statement,
                justification=_justification(vulnerability, pid)
                if statement is Statement.KNOWN_NOT_AFFECTED
                else None,
                arches=arches,
            )
    return _with_sources(list(found.values()))


def _with_sources(packages: list[AffectedPackage]) -> list[AffectedPackage]:
    """Give binaries their source package when exactly one ``.src`` of the same product and
    EVR is in the same statement."""
    sources: dict[tuple[str, str | None, str | None], list[str]] = {}
    for p in packages:
        if "src" in p.arches:
            sources.setdefault((p.ecosystem, p.statement, _evr_of(p)), []).append(p.name)
    result = []
    for p in packages:
        names = sources.get((p.ecosystem, p.statement, _evr_of(p)), [])
        if "src" not in p.arches and len(names) == 1 and names[0] != p.name:
            p = _replace_source(p, names[0])
        result.append(p)
    return result


def _evr_of(package: AffectedPackage) -> str | None:
    for r in package.ranges:
        for e in r.events:
            if e.kind == "fixed":
                return e.value
    return package.versions[0] if package.versions else None


def _replace_source(package: AffectedPackage, source: str) -> AffectedPackage:
    import dataclasses

    return dataclasses.replace(package, source=source)


def _scores(vulnerability: Mapping[str, Any]) -> tuple[Score, ...]:
    scores = []
    for item in vulnerability.get("scores") or []:
        if not isinstance(item, Mapping):
            continue
        for key, kind in (("cvss_v4", "CVSS_V4"), ("cvss_v3", "CVSS_V3"), ("cvss_v2", "CVSS_V2")):
            block = item.get(key)
            if isinstance(block, Mapping) and isinstance(block.get("vectorString"), str):
                scores.append(score_vector(kind, block["vectorString"]))
    return tuple(scores)


def parse_csaf(document: object, origin: str = "") -> Iterator[Advisory]:
    """The advisories of one CSAF document, one per vulnerability.

    Raises :class:`CsafError` when the document as a whole cannot be read (no
    ``document`` object, no tracking id); a vulnerability without CVE or title is skipped.
    """
    if not is_csaf(document):
        raise CsafError("not a CSAF document (no document.csaf_version)")
    assert isinstance(document, Mapping)
    head = document["document"]
    tracking = head.get("tracking")
    if not isinstance(tracking, Mapping) or not isinstance(tracking.get("id"), str):
        raise CsafError("document.tracking.id is missing")
    doc_id = tracking["id"].strip()
    publisher = head.get("publisher") if isinstance(head.get("publisher"), Mapping) else {}
    namespace = str(publisher.get("namespace", ""))
    policy = _publisher_policy(namespace)
    aggregate = head.get("aggregate_severity")
    doc_rating = (
        normalise_severity(aggregate.get("text")) if isinstance(aggregate, Mapping) else None
    )
    tree = _ProductTree(document.get("product_tree"))
    vulnerabilities = document.get("vulnerabilities") or []
    if not isinstance(vulnerabilities, list):
        raise CsafError("'vulnerabilities' is not a list")
    for number, vulnerability in enumerate(vulnerabilities):
        if not isinstance(vulnerability, Mapping):
            raise CsafError(f"vulnerabilities[{number}] is not an object")
        cve = vulnerability.get("cve")
        title = vulnerability.get("title")
        if not isinstance(cve, str) and isinstance(title, str):
            named = CVE_PATTERN.search(title)  # "CVE-2023-0286 openssl: X.400 address …"
            cve = named[0].upper() if named else None
        ident = cve if isinstance(cve, str) else title
        if not isinstance(ident, str) or not ident.strip():
            ident = f"{doc_id}#{number}"
        scores = _scores(vulnerability)
        rating = None
        for threat in vulnerability.get("threats") or []:
            if isinstance(threat, Mapping) and threat.get("category") == "impact":
                rating = rating or normalise_severity(threat.get("details"))
        rating = rating or doc_rating
        if rating is None:
            rated = [s for s in scores if s.rating]
            rating = max(rated, key=lambda s: s.score or 0.0).rating if rated else None
        aliases = [doc_id] if doc_id != ident else []
        for extra in vulnerability.get("ids") or []:
            if isinstance(extra, Mapping) and isinstance(extra.get("text"), str):
                aliases.append(extra["text"])
        unknown: list[str] = []
        packages = tuple(_packages(vulnerability, tree, unknown))
        yield Advisory(
            id=ident.strip(),
            format="csaf",
            publisher=str(publisher.get("name", namespace)),
            epoch_policy=policy,
            aliases=tuple(dict.fromkeys(aliases)),
            summary=str(head.get("title", "")),
            published=str(tracking.get("initial_release_date") or "") or None,
            modified=str(tracking.get("current_release_date") or "") or None,
            severity=rating,
            scores=scores,
            affected=packages,
            references=tuple(
                r["url"]
                for r in vulnerability.get("references") or []
                if isinstance(r, Mapping) and isinstance(r.get("url"), str)
            ),
            origin=origin,
            extra={"unknown_products": unknown} if unknown else {},
        )
