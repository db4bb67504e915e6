"""Network guard: decide whether an upstream URL may be connected to at all.

Upstream URLs come from package metadata and from upstream redirects, so they are untrusted
input. Without a guard, a ``.yaml`` naming ``http://169.254.169.254/`` (a cloud metadata
service) or a redirect to ``http://10.0.0.5/admin`` would make Steward a proxy into the network
it runs in. The guard refuses non-http(s) schemes and any host whose addresses are private,
loopback, link-local, site-local, multicast, reserved or unspecified, unless the policy allows
private destinations or names the host.

Host names are resolved with ``loop.getaddrinfo``; IP literals are parsed the way the C
library's ``inet_aton`` reads them, so ``2130706433``, ``0x7f.1`` and ``0177.0.0.1`` are all
recognised as 127.0.0.1, and IPv6 addresses that embed an IPv4 address (IPv4-mapped
``::ffff:127.0.0.1``, NAT64 ``64:ff9b::/96``, 6to4 ``2002::/16``) are judged by that address.

This module only decides; :mod:`steward.upstream.fetch` enforces the decision inside its
connection factory and then connects to exactly the addresses vetted here, so a DNS answer
that changes between check and connect (DNS rebinding) cannot slip through.

>>> GuardPolicy().refusal_reason(ip_address("169.254.169.254"))
'link-local'
>>> parse_ip_literal("0x7f.1")
IPv4Address('127.0.0.1')
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address, IPv6Network, ip_address

__all__ = [
    "ALLOWED_SCHEMES",
    "Destination",
    "GuardPolicy",
    "IPAddress",
    "Resolver",
    "parse_ip_literal",
    "refusal_reason",
    "resolve_host",
    "vet_destination",
]

IPAddress = IPv4Address | IPv6Address
#: ``resolve(host, port)`` returns the IP addresses (as text) the host name points at.
Resolver = Callable[[str, int], Awaitable[Sequence[str]]]

ALLOWED_SCHEMES = frozenset({"http", "https"})

# RFC 6052 well-known NAT64 prefix: a NAT64 gateway forwards 64:ff9b::a.b.c.d to a.b.c.d.
_NAT64 = IPv6Network("64:ff9b::/96")


def parse_ip_literal(host: str) -> IPAddress | None:
    """The address a host string spells directly, or None when it is a name to resolve.

    IPv4 follows ``inet_aton``: one to four dot-separated parts, each decimal, octal
    (leading ``0``) or hexadecimal (``0x``), the last part filling the remaining bytes.
    IPv6 may be bracketed and may carry a zone (``%eth0``, or ``%25eth0`` as in URLs).

    >>> parse_ip_literal("2130706433")
    IPv4Address('127.0.0.1')
    >>> parse_ip_literal("[::ffff:127.0.0.1]")
    IPv6Address('::ffff:7f00:1')
    >>> parse_ip_literal("example.org") is None
    True
    """
    text = host.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if ":" in text:
        try:
            return IPv6Address(text.replace("%25", "%", 1))
        except ValueError:
            return None
    return _parse_loose_ipv4(text.removesuffix("."))


def _parse_loose_ipv4(text: str) -> IPv4Address | None:
    parts = text.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    numbers: list[int] = []
    for part in parts:
        number = _parse_inet_aton_number(part)
        if number is None:
            return None
        numbers.append(number)
    *leading, last = numbers
    if any(n > 0xFF for n in leading) or last >= 256 ** (5 - len(numbers)):
        return None
    value = last
    for position, number in enumerate(leading):
        value |= number << (8 * (3 - position))
    return IPv4Address(value)


def _parse_inet_aton_number(part: str) -> int | None:
    if not part or not part.isascii():
        return None
    lowered = part.lower()
    try:
        if lowered.startswith("0x"):
            return int(lowered[2:], 16) if len(lowered) > 2 else 0
        if len(lowered) > 1 and lowered.startswith("0"):
            return int(lowered[1:], 8)
        return int(lowered, 10) if lowered.isdigit() else None
    except ValueError:
        return None


def _embedded_ipv4(address: IPv6Address) -> IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def refusal_reason(address: IPAddress) -> str | None:
    """Why no upstream may live at ``address`` (e.g. ``"loopback"``), or None if it may.

    >>> refusal_reason(ip_address("::ffff:10.1.2.3"))
    'private (IPv4 10.1.2.3 inside IPv6)'
    >>> refusal_reason(ip_address("93.184.216.34")) is None
    True
    """
    if isinstance(address, IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            reason = refusal_reason(embedded)
            return None if reason is None else f"{reason} (IPv4 {embedded} inside IPv6)"
    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if isinstance(address, IPv6Address) and address.is_site_local:
        return "site-local"
    if address.is_reserved:
        return "reserved"
    if address.is_private:
        return "private"
    if not address.is_global:
        # Shared address space (100.64.0.0/10) and other special-purpose blocks.
        return "not globally routable"
    return None


def _normalise_host(host: str) -> str:
    text = host.strip().lower()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    literal = parse_ip_literal(text)
    return str(literal) if literal is not None else text.removesuffix(".")


@dataclass(frozen=True, slots=True)
class GuardPolicy:
    """Which destinations are allowed besides public internet addresses.

    ``allow_private`` turns the address check off entirely (a lab or an offline mirror on the
    LAN); ``allowed_hosts`` exempts just the named hosts or IP literals, e.g.
    ``frozenset({"127.0.0.1"})`` for tests on loopback.
    """

    allow_private: bool = False
    allowed_hosts: frozenset[str] = frozenset()

    def permits_host(self, host: str) -> bool:
        """True when ``host`` is exempt from the address check."""
        if self.allow_private:
            return True
        wanted = _normalise_host(host)
        return any(_normalise_host(allowed) == wanted for allowed in self.allowed_hosts)

    def refusal_reason(self, address: IPAddress) -> str | None:
        """:func:`refusal_reason` under this policy (None when private addresses are allowed)."""
        return None if self.allow_private else refusal_reason(address)


@dataclass(frozen=True, slots=True)
class Destination:
    """The outcome of vetting one host: where to connect, or why not.

    ``addresses`` are the resolved addresses in resolver order; when ``refused_address`` is
    set the host must not be contacted at all, even if some of its other addresses are public
    (an attacker controls which one a client would pick).
    """

    host: str
    addresses: tuple[str, ...]
    refused_address: str | None = None
    reason: str | None = None

    @property
    def allowed(self) -> bool:
        return self.refused_address is None


async def resolve_host(host: str, port: int) -> Sequence[str]:
    """The system resolver's addresses for ``host``, de-duplicated, in its order.

    Raises :class:`OSError` (``socket.gaierror``) when the name does not resolve.
    """
    infos = await asyncio.get_running_loop().getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
    )
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


async def vet_destination(
    host: str, port: int, policy: GuardPolicy, resolve: Resolver = resolve_host
) -> Destination:
    """Resolve ``host`` and judge every address it has under ``policy``.

    IP literals (in any spelling :func:`parse_ip_literal` accepts) are not sent to the
    resolver, so the address judged is the address connected to.
    """
    literal = parse_ip_literal(host)
    addresses = (str(literal),) if literal is not None else tuple(await resolve(host, port))
    if policy.permits_host(host):
        return Destination(host, addresses)
    for text in addresses:
        try:
            address = ip_address(text)
        except ValueError:
            return Destination(host, addresses, text, "not an IP address")
        reason = policy.refusal_reason(address)
        if reason is not None:
            return Destination(host, addresses, text, reason)
    return Destination(host, addresses)
