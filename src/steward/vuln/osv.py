"""Reading OSV records (https://ossf.github.io/osv-schema/) into :class:`Advisory` values.

Validation is structural and per record: a record with a missing id, a range whose events
are not objects of one known kind, or an ``affected`` entry without a package is refused
with a message naming the field; a bad entry's siblings are still read. openEuler's
malformed purls (``pkg:rpm/openEuler/openssl&distro=…``) are repaired.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from steward.vuln.ids import (
    InvalidNevra,
    normalise_ecosystem,
    normalise_severity,
    parse_nevra,
    parse_purl,
    repair_purl,
    score_vector,
)
from steward.vuln.model import (
    EVENT_KINDS,
    Advisory,
    AffectedPackage,
    EpochPolicy,
    Event,
    Range,
    Score,
)

__all__ = ["OsvError", "epoch_policy_for", "parse_osv"]


class OsvError(ValueError):
    """A record that is not valid OSV; the message names the field."""


#: Ecosystems whose epoch convention is documented (see EpochPolicy).
_EXPLICIT_EPOCHS = ("AlmaLinux", "Rocky Linux", "Red Hat", "openSUSE", "SUSE")
_OMITTED_EPOCHS = ("openEuler",)


def epoch_policy_for(ecosystem: str) -> EpochPolicy:
    """The epoch convention of an ecosystem's data (``openEuler:24.03-LTS`` → omitted)."""
    family = ecosystem.split(":", 1)[0]
    if family in _OMITTED_EPOCHS:
        return EpochPolicy.OMITTED
    if family in _EXPLICIT_EPOCHS:
        return EpochPolicy.EXPLICIT
    return EpochPolicy.UNKNOWN


def _strings(record: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = record.get(key, [])
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise OsvError(f"{key!r} must be a list of strings")
    return tuple(value)


def _text(record: Mapping[str, Any], key: str, *, required: bool = False) -> str | None:
    value = record.get(key)
    if value is None:
        if required:
            raise OsvError(f"missing {key!r}")
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise OsvError(f"{key!r} must be a non-empty string, not {type(value).__name__}")
    return value


def _range(raw: object, where: str) -> Range:
    if not isinstance(raw, Mapping):
        raise OsvError(f"{where} is not an object")
    kind = raw.get("type")
    if kind not in ("ECOSYSTEM", "SEMVER", "GIT"):
        raise OsvError(f"{where}.type {kind!r} is not ECOSYSTEM, SEMVER or GIT")
    events_raw = raw.get("events")
    if not isinstance(events_raw, list) or not events_raw:
        raise OsvError(f"{where}.events must be a non-empty list")
    events: list[Event] = []
    for number, event in enumerate(events_raw):
        if not isinstance(event, Mapping) or len(event) != 1:
            raise OsvError(f"{where}.events[{number}] must be an object with one key")
        ((key, value),) = event.items()
        if key not in EVENT_KINDS:
            raise OsvError(f"{where}.events[{number}] has unknown kind {key!r}")
        if not isinstance(value, str) or not value.strip():
            raise OsvError(f"{where}.events[{number}].{key} must be a non-empty string")
        events.append(Event(key, value.strip()))
    if not any(e.kind == "introduced" for e in events):
        raise OsvError(f"{where} has no 'introduced' event")
    return Range(kind, tuple(events))


def _binaries(specific: object, source: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Binary names and arches from openEuler's ``ecosystem_specific`` (arch → rpm files)."""
    if not isinstance(specific, Mapping):
        return (), ()
    names: dict[str, None] = {}
    arches: dict[str, None] = {}
    for arch, files in specific.items():
        if not isinstance(files, list):
            continue
        for item in files:
            if not isinstance(item, str):
                continue
            try:
                nevra = parse_nevra(item)
            except InvalidNevra:
                continue
            if nevra.arch and nevra.arch not in ("src", "nosrc"):
                arches.setdefault(str(arch), None)
                if nevra.name != source:
                    names.setdefault(nevra.name, None)
    return tuple(names), tuple(arches)


def _affected(raw: object, where: str) -> AffectedPackage:
    if not isinstance(raw, Mapping):
        raise OsvError(f"{where} is not an object")
    package = raw.get("package")
    if not isinstance(package, Mapping):
        raise OsvError(f"{where}.package is missing")
    name = package.get("name")
    ecosystem = package.get("ecosystem")
    if not isinstance(name, str) or not name.strip():
        raise OsvError(f"{where}.package.name is missing")
    if not isinstance(ecosystem, str) or not ecosystem.strip():
        raise OsvError(f"{where}.package.ecosystem is missing")
    purl = package.get("purl")
    if purl is not None:
        if not isinstance(purl, str):
            raise OsvError(f"{where}.package.purl is not a string")
        purl = repair_purl(purl)
        try:
            purl_name: str | None = parse_purl(purl)[0]
        except ValueError as exc:
            raise OsvError(f"{where}.package.purl: {exc}") from None
    else:
        purl_name = None
    ranges_raw = raw.get("ranges", [])
    if not isinstance(ranges_raw, list):
        raise OsvError(f"{where}.ranges is not a list")
    ranges = tuple(_range(r, f"{where}.ranges[{i}]") for i, r in enumerate(ranges_raw))
    versions = _strings(raw, "versions")
    if not ranges and not versions:
        raise OsvError(f"{where} has neither ranges nor versions")
    binaries, arches = _binaries(raw.get("ecosystem_specific"), name)
    return AffectedPackage(
        name=name.strip(),
        ecosystem=normalise_ecosystem(ecosystem),
        ranges=ranges,
        versions=versions,
        purl=purl,
        binaries=binaries,
        arches=arches,
        purl_name=purl_name if purl_name != name.strip() else None,
    )


def _scores(raw: object) -> tuple[Score, ...]:
    if not isinstance(raw, list):
        return ()
    scores = []
    for item in raw:
        if isinstance(item, Mapping) and isinstance(item.get("score"), str):
            scores.append(score_vector(str(item.get("type", "")), item["score"]))
    return tuple(scores)


def parse_osv(record: object, origin: str = "") -> Advisory:
    """One OSV record as an :class:`Advisory`; :class:`OsvError` says what is wrong.

    >>> adv = parse_osv({"id": "X-1", "modified": "2024-01-01T00:00:00Z", "affected": [
    ...     {"package": {"ecosystem": "openEuler:24.03-LTS", "name": "zstd"},
    ...      "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"},
    ...                                                  {"fixed": "1.5.5-2.oe2403"}]}]}]})
    >>> adv.affected[0].ranges[0].events[1]
    Event(kind='fixed', value='1.5.5-2.oe2403')
    """
    if not isinstance(record, Mapping):
        raise OsvError(f"an OSV record is a JSON object, not {type(record).__name__}")
    ident = _text(record, "id", required=True)
    assert ident is not None
    affected_raw = record.get("affected", [])
    if not isinstance(affected_raw, list):
        raise OsvError("'affected' is not a list")
    affected = tuple(_affected(a, f"affected[{i}]") for i, a in enumerate(affected_raw))
    aliases = [*_strings(record, "aliases"), *_strings(record, "related")]
    # openEuler's records name their CVEs in a non-standard "upstream" list.
    aliases += [a for a in _strings(record, "upstream") if a not in aliases]
    scores = _scores(record.get("severity"))
    for item in affected_raw:
        if isinstance(item, Mapping):
            scores += _scores(item.get("severity"))
    database = record.get("database_specific")
    rating = normalise_severity(database.get("severity")) if isinstance(database, Mapping) else None
    summary = _text(record, "summary") or ""
    if rating is None and ":" in summary:  # Red Hat family: "Moderate: bind security update"
        rating = normalise_severity(summary.split(":", 1)[0])
    if rating is None:
        rated = [s for s in scores if s.rating]
        if rated:
            rating = max(rated, key=lambda s: s.score or 0.0).rating
    ecosystems = {a.ecosystem for a in affected}
    policies = {epoch_policy_for(e) for e in ecosystems}
    policy = policies.pop() if len(policies) == 1 else EpochPolicy.UNKNOWN
    references = tuple(
        r["url"]
        for r in record.get("references") or []
        if isinstance(r, Mapping) and isinstance(r.get("url"), str)
    )
    publisher = ident.split("-", 1)[0] if "-" in ident else "osv"
    return Advisory(
        id=ident.strip(),
        format="osv",
        publisher=publisher,
        epoch_policy=policy,
        aliases=tuple(dict.fromkeys(a for a in aliases if a != ident)),
        summary=summary,
        published=_text(record, "published"),
        modified=_text(record, "modified"),
        withdrawn=_text(record, "withdrawn"),
        severity=rating,
        scores=scores,
        affected=affected,
        references=references,
        origin=origin,
    )
