"""Reading openEuler's legacy CVRF 1.1 XML security advisories (``cvrf-openEuler-SA-….xml``).

XML is parsed with ``defusedxml``: entity expansion (the "billion laughs" bomb), external
entities and DTDs are refused with :class:`CvrfError` rather than expanded. A CVRF document
lists its packages once, in the product tree, linked to their product by CPE; each
vulnerability's ``Fixed`` status names the product, so every package of that product is
fixed at the EVR its file name gives.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from steward.vuln.ids import (
    InvalidNevra,
    normalise_ecosystem,
    normalise_severity,
    parse_nevra,
    score_vector,
)
from steward.vuln.model import Advisory, AffectedPackage, EpochPolicy, Event, Range, Statement

__all__ = ["CvrfError", "parse_cvrf"]


class CvrfError(ValueError):
    """A CVRF document that cannot be read (bad XML, forbidden entities, missing id)."""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(element: Any, name: str) -> list[Any]:
    return [c for c in element if _local(c.tag) == name]


def _descendants(element: Any, name: str) -> list[Any]:
    return [c for c in element.iter() if _local(c.tag) == name]


def _text(element: Any) -> str:
    return (element.text or "").strip() if element is not None else ""


def parse_cvrf(data: bytes, origin: str = "") -> Iterator[Advisory]:
    """The advisories of one CVRF document, one per ``Vulnerability`` (its CVE)."""
    import defusedxml.ElementTree as SafeET
    from defusedxml import DefusedXmlException

    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise CvrfError(f"refused unsafe XML ({type(exc).__name__}: {exc})") from None
    except SafeET.ParseError as exc:
        raise CvrfError(f"not well-formed XML: {exc}") from None
    if _local(root.tag) != "cvrfdoc":
        raise CvrfError(f"root element is <{_local(root.tag)}>, not <cvrfdoc>")
    ids = _descendants(root, "ID")
    doc_id = _text(ids[0]) if ids else ""
    if not doc_id:
        raise CvrfError("DocumentTracking/Identification/ID is missing")
    title = _text(next(iter(_children(root, "DocumentTitle")), None))
    release = _text(next(iter(_descendants(root, "InitialReleaseDate")), None)) or None
    current = _text(next(iter(_descendants(root, "CurrentReleaseDate")), None)) or None
    doc_severity = None
    for note in _descendants(root, "Note"):
        if note.get("Title") == "Severity":
            doc_severity = normalise_severity(_text(note))

    platforms: dict[str, str] = {}  # CPE -> product id
    packages: list[tuple[str, str, str | None, str]] = []  # name, evr, arch, cpe
    for tree in _descendants(root, "ProductTree"):
        for branch in _descendants(tree, "Branch"):
            for product in _children(branch, "FullProductName"):
                cpe = product.get("CPE", "")
                if branch.get("Type") == "Product Name":
                    platforms[cpe] = product.get("ProductID") or _text(product)
                    continue
                try:
                    nevra = parse_nevra(_text(product))
                except InvalidNevra:
                    continue
                packages.append((nevra.name, nevra.evr, nevra.arch, cpe))

    for vulnerability in _descendants(root, "Vulnerability"):
        cve = _text(next(iter(_children(vulnerability, "CVE")), None))
        fixed_products = {
            _text(pid)
            for status in _descendants(vulnerability, "Status")
            if status.get("Type") == "Fixed"
            for pid in _children(status, "ProductID")
        }
        affected: dict[tuple[str, str], AffectedPackage] = {}
        sources = {
            (cpe, evr): name for name, evr, arch, cpe in packages if arch in ("src", "nosrc")
        }
        for name, evr, arch, cpe in packages:
            product = platforms.get(cpe)
            if product is None or product not in fixed_products:
                continue
            source = sources.get((cpe, evr))
            key = (name, product)
            previous = affected.get(key)
            arches = (*previous.arches, arch) if previous and arch else ((arch,) if arch else ())
            affected[key] = AffectedPackage(
                name=name,
                ecosystem=normalise_ecosystem(product),
                product=product,
                ranges=(Range("ECOSYSTEM", (Event("introduced", "0"), Event("fixed", evr))),),
                source=source if source != name else None,
                statement=Statement.FIXED,
                arches=tuple(dict.fromkeys(arches)),
            )
        scores = tuple(
            score_vector("CVSS_V3", _text(vector))
            for vector in _descendants(vulnerability, "Vector")
            if _text(vector)
        )
        rating = None
        for threat in _descendants(vulnerability, "Threat"):
            if threat.get("Type") == "Impact":
                described = next(iter(_descendants(threat, "Description")), None)
                rating = normalise_severity(_text(described))
        yield Advisory(
            id=cve or doc_id,
            format="cvrf",
            publisher="openEuler",
            epoch_policy=EpochPolicy.OMITTED,
            aliases=(doc_id,) if cve else (),
            summary=title,
            published=release,
            modified=current,
            severity=rating or doc_severity,
            scores=scores,
            affected=tuple(affected.values()),
            references=tuple(_text(u) for u in _descendants(root, "URL") if _text(u)),
            origin=origin,
        )
