"""Names in advisories: NEVRA strings parsed from the right, purls (repaired where a source
is known to write them wrongly), ecosystems normalised, CVSS vectors scored.

>>> parse_nevra("python-requests-2.24.0-3.oe2403.src.rpm")
Nevra(name='python-requests', epoch=None, version='2.24.0', release='3.oe2403', arch='src')
>>> parse_nevra("openssl-1:1.1.1k-8.el8_6.x86_64").epoch
1
>>> repair_purl("pkg:rpm/openEuler/booth&distro=openEuler-22.03-LTS")
'pkg:rpm/openEuler/booth?distro=openEuler-22.03-LTS'
>>> normalise_ecosystem("openEuler-22.03-LTS-SP3")
'openEuler:22.03-LTS-SP3'
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Final

from steward.vuln.model import Score

__all__ = [
    "ARCHES",
    "InvalidNevra",
    "Nevra",
    "normalise_ecosystem",
    "normalise_severity",
    "parse_nevra",
    "parse_purl",
    "repair_purl",
    "score_vector",
]

#: Architectures rpm names a package file with; what follows the last dot of a NEVRA is an
#: architecture only when it is one of these.
ARCHES: Final = frozenset(
    {
        "src", "nosrc", "noarch", "x86_64", "aarch64", "i386", "i486", "i586", "i686",
        "ppc64le", "ppc64", "ppc", "s390x", "s390", "riscv64", "loongarch64", "sw_64",
        "armv7hl", "armhfp", "mips64el",
    }
)  # fmt: skip


class InvalidNevra(ValueError):
    """A string that is no ``name-[epoch:]version-release[.arch]``; the message names it."""


@dataclass(frozen=True, slots=True)
class Nevra:
    """``name-[epoch:]version-release[.arch]`` split from the right (names keep their dashes)."""

    name: str
    epoch: int | None
    version: str
    release: str
    arch: str | None

    @property
    def evr(self) -> str:
        head = "" if self.epoch is None else f"{self.epoch}:"
        return f"{head}{self.version}-{self.release}"


def parse_nevra(text: str) -> Nevra:
    """Parse a NEVRA from the right: ``.rpm`` and a known arch come off, then the release
    after the last ``-`` and the version after the one before; the rest is the name.

    The epoch may sit before the version (Red Hat's ``name-1:1.0-1.el9``) or before the
    name (yum's ``1:name-1.0-1``).

    >>> parse_nevra("python3-XStatic-jquery-ui-1.12.1.1-2")
    Nevra(name='python3-XStatic-jquery-ui', epoch=None, version='1.12.1.1', release='2', arch=None)
    >>> parse_nevra("bind")
    Traceback (most recent call last):
      ...
    steward.vuln.ids.InvalidNevra: 'bind' is not name-version-release[.arch]
    """
    rest = text.strip()
    if rest.endswith(".rpm"):
        rest = rest[:-4]
    arch: str | None = None
    head, dot, tail = rest.rpartition(".")
    if dot and tail in ARCHES:
        rest, arch = head, tail
    epoch: int | None = None
    leading = re.match(r"^(\d+):", rest)
    if leading:
        epoch = int(leading[1])
        rest = rest[leading.end() :]
    parts = rest.rsplit("-", 2)
    if len(parts) != 3 or not all(parts):
        raise InvalidNevra(f"{text!r} is not name-version-release[.arch]")
    name, version, release = parts
    if ":" in version:
        epoch_text, _, version = version.partition(":")
        if not epoch_text.isdigit() or epoch is not None:
            raise InvalidNevra(f"{text!r} has a malformed epoch")
        epoch = int(epoch_text)
    if not version:
        raise InvalidNevra(f"{text!r} has an empty version")
    return Nevra(name, epoch, version, release, arch)


def repair_purl(text: str) -> str:
    """The purl with openEuler's known mistake undone: ``&`` where the qualifiers' ``?`` is
    meant (``pkg:rpm/openEuler/openssl&distro=…``). Other purls come back unchanged."""
    if "?" not in text and "&" in text:
        return text.replace("&", "?", 1)
    return text


def parse_purl(text: str) -> tuple[str, str | None, str | None, dict[str, str]]:
    """``(name, namespace, version, qualifiers)`` of a (repaired) purl via packageurl-python.

    Raises ``ValueError`` with the purl in its message when it does not parse.
    """
    from packageurl import PackageURL

    try:
        purl = PackageURL.from_string(repair_purl(text))
    except ValueError as exc:
        raise ValueError(f"purl {text!r} does not parse: {exc}") from None
    qualifiers = purl.qualifiers if isinstance(purl.qualifiers, dict) else {}
    return purl.name, purl.namespace, purl.version, dict(qualifiers)


_OPENEULER_PRODUCT: Final = re.compile(r"^openEuler[-: ](\d\d\.\d\d(?:-LTS)?(?:-SP\d+)?)$", re.I)


def normalise_ecosystem(text: str) -> str:
    """One spelling per distribution release: openEuler's CSAF/CVRF product ids
    (``openEuler-24.03-LTS``) become its OSV ecosystem (``openEuler:24.03-LTS``).

    >>> normalise_ecosystem("openEuler:24.03-LTS")
    'openEuler:24.03-LTS'
    >>> normalise_ecosystem("AlmaLinux:9")
    'AlmaLinux:9'
    """
    text = text.strip()
    match = _OPENEULER_PRODUCT.match(text)
    if match:
        return f"openEuler:{match[1].upper()}"
    return text


_SEVERITY_WORDS: Final = {
    "critical": "critical",
    "important": "high",
    "high": "high",
    "moderate": "medium",
    "medium": "medium",
    "low": "low",
    "none": "none",
    "negligible": "low",
}

#: Severities from worst to mildest; a finding's rank is its index here.
SEVERITIES: Final = ("critical", "high", "medium", "low", "none")


def normalise_severity(text: object) -> str | None:
    """``Important`` → ``high``, ``Moderate`` → ``medium``; ``None`` for anything else."""
    if not isinstance(text, str):
        return None
    return _SEVERITY_WORDS.get(text.strip().lower())


@functools.lru_cache(maxsize=4096)
def score_vector(kind: str, vector: str) -> Score:
    """Score a CVSS vector with the ``cvss`` library; a bad vector is kept with its problem.

    A version-3 vector without its ``CVSS:3.x/`` prefix (openEuler's CVRF writes them so)
    is read as 3.1.

    >>> score_vector("CVSS_V3", "AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N").score
    6.1
    >>> score_vector("CVSS_V3", "CVSS:3.1/AV:X").problem is not None
    True
    """
    from cvss import CVSS2, CVSS3, CVSS4
    from cvss.exceptions import CVSSError

    text = vector.strip()
    try:
        if text.startswith("CVSS:4") or kind == "CVSS_V4":
            v4 = CVSS4(text)
            return Score("CVSS_V4", text, float(v4.base_score), str(v4.severity).lower())
        if text.startswith("CVSS:3") or kind == "CVSS_V3" or "/PR:" in text:
            if not text.startswith("CVSS:"):
                text = f"CVSS:3.1/{text}"
            v3 = CVSS3(text)
            return Score("CVSS_V3", vector, float(v3.scores()[0]), v3.severities()[0].lower())
        v2 = CVSS2(text)
        return Score("CVSS_V2", vector, float(v2.scores()[0]), v2.severities()[0].lower())
    except (CVSSError, ValueError, KeyError, IndexError) as exc:
        return Score(kind or "CVSS", vector, None, None, f"{type(exc).__name__}: {exc}")
