"""The normalised advisory model every reader (OSV, CSAF 2.0, CVRF 1.1) produces.

An :class:`Advisory` is one vulnerability record: its id and aliases (CVE, OESA, RHSA), the
packages it names with OSV-style ranges, its CVSS scores and the advisory's own
statements (fixed, known_affected, known_not_affected with a justification). Readers never
raise for a bad record: they yield a :class:`RecordError` and go on with the next one.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Advisory",
    "AffectedPackage",
    "EpochPolicy",
    "Event",
    "Range",
    "RecordError",
    "Score",
    "Statement",
    "advisory_from_dict",
]


class EpochPolicy(enum.StrEnum):
    """How a data source writes epochs, which decides a comparison where one side has none.

    ``omitted``: the source never writes epochs (openEuler): an epoch-less version means the
    package's own epoch, so only version-release is compared. ``explicit``: the source
    always writes a non-zero epoch (Red Hat, AlmaLinux, Rocky Linux): a missing one is 0.
    ``unknown``: no documented convention: where one side states an epoch and the other
    does not and the two readings disagree, the answer is ``ambiguous``.
    """

    OMITTED = "omitted"
    EXPLICIT = "explicit"
    UNKNOWN = "unknown"


class Statement(enum.StrEnum):
    """What an advisory itself says of a product (CSAF ``product_status``, VEX)."""

    FIXED = "fixed"
    KNOWN_AFFECTED = "known_affected"
    KNOWN_NOT_AFFECTED = "known_not_affected"
    UNDER_INVESTIGATION = "under_investigation"


EVENT_KINDS = ("introduced", "fixed", "last_affected", "limit")


@dataclass(frozen=True, slots=True)
class Event:
    """One OSV range event: ``kind`` is introduced, fixed, last_affected or limit."""

    kind: str
    value: str

    def to_dict(self) -> dict[str, str]:
        return {self.kind: self.value}


@dataclass(frozen=True, slots=True)
class Range:
    """An OSV range: ``type`` ECOSYSTEM (rpm order here), SEMVER or GIT, and its events."""

    type: str
    events: tuple[Event, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "events": [e.to_dict() for e in self.events]}


@dataclass(frozen=True, slots=True)
class Score:
    """A CVSS vector as the advisory gives it, scored with the ``cvss`` library.

    ``score`` and ``rating`` (``critical``/``high``/``medium``/``low``/``none``) are ``None``
    when the vector does not parse; ``problem`` then says why.
    """

    type: str  # CVSS_V2, CVSS_V3, CVSS_V4
    vector: str
    score: float | None
    rating: str | None
    problem: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "vector": self.vector,
            "score": self.score,
            "rating": self.rating,
            "problem": self.problem,
        }


@dataclass(frozen=True, slots=True)
class AffectedPackage:
    """A package an advisory names, for one ecosystem or product.

    ``name`` is the package as the advisory names it; ``source`` the source package when
    the advisory says which one builds it (``None`` when ``name`` is the source or it is
    not known); ``binaries`` the binary package names the advisory lists with it.
    ``ecosystem`` is normalised (``openEuler:24.03-LTS``, ``AlmaLinux:9``,
    ``Red Hat:...``); ``product`` is the product id as written (``openEuler-24.03-LTS``).
    ``ranges`` hold OSV events, ``versions`` explicitly listed affected versions.
    ``statement``/``justification`` carry a CSAF/VEX statement about this package.
    """

    name: str
    ecosystem: str
    ranges: tuple[Range, ...] = ()
    versions: tuple[str, ...] = ()
    purl: str | None = None
    source: str | None = None
    binaries: tuple[str, ...] = ()
    product: str | None = None
    statement: Statement | None = None
    justification: str | None = None
    arches: tuple[str, ...] = ()
    #: The package name the purl gives, when it differs from ``name`` (indexed too).
    purl_name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "ecosystem": self.ecosystem,
            "product": self.product,
            "purl": self.purl,
            "source": self.source,
            "binaries": list(self.binaries),
            "ranges": [r.to_dict() for r in self.ranges],
            "versions": list(self.versions),
            "statement": self.statement.value if self.statement else None,
            "justification": self.justification,
            "arches": list(self.arches),
            "purl_name": self.purl_name,
        }


@dataclass(frozen=True, slots=True)
class Advisory:
    """One vulnerability record, normalised.

    ``id`` is the record's own id (``OESA-2023-1092``, ``CVE-2024-56201`` for a CSAF
    vulnerability); ``aliases`` the other ids it is known by (CVEs, ``openEuler-SA-…``,
    ``RHSA-…``). ``severity`` is the advisory's own rating, lower-cased (``high``,
    ``medium``, ``moderate`` becomes ``medium``), else the worst CVSS rating.
    ``origin`` says where it was read (a file, a zip member, a URL).
    """

    id: str
    format: str  # osv, csaf, cvrf
    publisher: str
    epoch_policy: EpochPolicy
    aliases: tuple[str, ...] = ()
    summary: str = ""
    published: str | None = None
    modified: str | None = None
    severity: str | None = None
    scores: tuple[Score, ...] = ()
    affected: tuple[AffectedPackage, ...] = ()
    references: tuple[str, ...] = ()
    origin: str = ""
    withdrawn: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def cves(self) -> tuple[str, ...]:
        """The CVE ids among the id and aliases, in order, without repeats."""
        seen: dict[str, None] = {}
        for name in (self.id, *self.aliases):
            if name.upper().startswith("CVE-"):
                seen.setdefault(name.upper(), None)
        return tuple(seen)

    @property
    def max_score(self) -> float | None:
        scored = [s.score for s in self.scores if s.score is not None]
        return max(scored) if scored else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "aliases": list(self.aliases),
            "format": self.format,
            "publisher": self.publisher,
            "epoch_policy": self.epoch_policy.value,
            "summary": self.summary,
            "published": self.published,
            "modified": self.modified,
            "withdrawn": self.withdrawn,
            "severity": self.severity,
            "scores": [s.to_dict() for s in self.scores],
            "affected": [a.to_dict() for a in self.affected],
            "references": list(self.references),
            "origin": self.origin,
        }


@dataclass(frozen=True, slots=True)
class RecordError:
    """A record that could not be read: where it was, which record, and what was wrong."""

    origin: str
    record: str | None
    message: str

    def __str__(self) -> str:
        which = f" ({self.record})" if self.record else ""
        return f"{self.origin}{which}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {"origin": self.origin, "record": self.record, "message": self.message}


def advisory_from_dict(data: dict[str, Any]) -> Advisory:
    """The :class:`Advisory` that :meth:`Advisory.to_dict` wrote (how the store keeps them).

    >>> a = Advisory("X-1", "osv", "X", EpochPolicy.OMITTED, affected=(AffectedPackage(
    ...     "zstd", "openEuler:24.03-LTS", (Range("ECOSYSTEM", (Event("introduced", "0"),)),)),))
    >>> advisory_from_dict(a.to_dict()) == a
    True
    """

    def affected(item: dict[str, Any]) -> AffectedPackage:
        return AffectedPackage(
            name=item["name"],
            ecosystem=item["ecosystem"],
            ranges=tuple(
                Range(r["type"], tuple(Event(*next(iter(e.items()))) for e in r["events"]))
                for r in item.get("ranges", [])
            ),
            versions=tuple(item.get("versions", [])),
            purl=item.get("purl"),
            source=item.get("source"),
            binaries=tuple(item.get("binaries", [])),
            product=item.get("product"),
            statement=Statement(item["statement"]) if item.get("statement") else None,
            justification=item.get("justification"),
            arches=tuple(item.get("arches", [])),
            purl_name=item.get("purl_name"),
        )

    return Advisory(
        id=data["id"],
        format=data["format"],
        publisher=data["publisher"],
        epoch_policy=EpochPolicy(data["epoch_policy"]),
        aliases=tuple(data.get("aliases", [])),
        summary=data.get("summary", ""),
        published=data.get("published"),
        modified=data.get("modified"),
        severity=data.get("severity"),
        scores=tuple(Score(**s) for s in data.get("scores", [])),
        affected=tuple(affected(a) for a in data.get("affected", [])),
        references=tuple(data.get("references", [])),
        origin=data.get("origin", ""),
        withdrawn=data.get("withdrawn"),
    )
