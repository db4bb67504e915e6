"""The network guard's decisions, without a network: address spellings and fake resolvers."""

from __future__ import annotations

from collections.abc import Sequence
from ipaddress import IPv4Address, IPv6Address, ip_address

import pytest

from steward.upstream.guard import (
    GuardPolicy,
    parse_ip_literal,
    refusal_reason,
    vet_destination,
)


@pytest.mark.parametrize(
    ("spelling", "address"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("127.0.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("0X7F.0.0.1", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),
        ("0", "0.0.0.0"),
        ("0.0.0.0", "0.0.0.0"),
        ("169.254.169.254", "169.254.169.254"),
        ("0xa9.0xfe.0xa9.0xfe", "169.254.169.254"),
        ("2852039166", "169.254.169.254"),
        ("127.0.0.1.", "127.0.0.1"),
        ("::1", "::1"),
        ("[::1]", "::1"),
        ("[0:0:0:0:0:0:0:1]", "::1"),
        ("::ffff:127.0.0.1", "::ffff:7f00:1"),
        ("[::ffff:7f00:1]", "::ffff:7f00:1"),
        ("fe80::1%25eth0", "fe80::1%eth0"),
    ],
)
def test_ip_literals_are_read_in_every_spelling_the_c_library_accepts(
    spelling: str, address: str
) -> None:
    assert parse_ip_literal(spelling) == ip_address(address)


@pytest.mark.parametrize(
    "name", ["example.org", "1.2.3.4.example", "256.1.1.1", "0x100000000", "08.0.0.1", "1..2", ""]
)
def test_names_that_are_not_ip_literals_are_left_to_the_resolver(name: str) -> None:
    assert parse_ip_literal(name) is None


@pytest.mark.parametrize(
    ("spelling", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.255.0.9", "loopback"),
        ("2130706433", "loopback"),
        ("0177.0.0.1", "loopback"),
        ("0", "unspecified"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("::1", "loopback"),
        ("[::1]", "loopback"),
        ("::ffff:127.0.0.1", "loopback (IPv4 127.0.0.1 inside IPv6)"),
        ("::ffff:169.254.169.254", "link-local (IPv4 169.254.169.254 inside IPv6)"),
        ("64:ff9b::a00:1", "private (IPv4 10.0.0.1 inside IPv6)"),
        ("2002:c0a8:101::1", "private (IPv4 192.168.1.1 inside IPv6)"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("fe80::1%25eth0", "link-local"),
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("fc00::1", "private"),
        ("fd12:3456::1", "private"),
        ("fec0::1", "site-local"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),
        ("0.1.2.3", "private"),
        ("100.64.0.1", "not globally routable"),
        ("192.0.2.1", "private"),
    ],
)
def test_non_public_addresses_are_refused_with_a_reason(spelling: str, reason: str) -> None:
    address = parse_ip_literal(spelling)
    assert address is not None
    assert refusal_reason(address) == reason


@pytest.mark.parametrize(
    "spelling",
    ["93.184.216.34", "8.8.8.8", "140.82.112.6", "2606:4700:4700::1111", "::ffff:8.8.8.8"],
)
def test_public_addresses_pass(spelling: str) -> None:
    address = parse_ip_literal(spelling)
    assert isinstance(address, IPv4Address | IPv6Address)
    assert refusal_reason(address) is None


def test_allow_private_turns_the_address_check_off() -> None:
    assert GuardPolicy(allow_private=True).refusal_reason(IPv4Address("10.1.1.1")) is None
    assert GuardPolicy().refusal_reason(IPv4Address("10.1.1.1")) == "private"


def test_allowed_hosts_match_names_case_insensitively_and_ips_in_any_spelling() -> None:
    policy = GuardPolicy(allowed_hosts=frozenset({"Mirror.LAN", "::1", "127.0.0.1"}))
    assert policy.permits_host("mirror.lan")
    assert policy.permits_host("mirror.lan.")
    assert policy.permits_host("[0:0:0:0:0:0:0:1]")
    assert policy.permits_host("2130706433")  # the same address as the allowed 127.0.0.1
    assert not policy.permits_host("localhost")
    assert not policy.permits_host("127.0.0.2")


class FixedResolver:
    """Answers every name with the same addresses and remembers what it was asked."""

    def __init__(self, *addresses: str) -> None:
        self.addresses = list(addresses)
        self.calls: list[str] = []

    async def __call__(self, host: str, port: int) -> Sequence[str]:
        self.calls.append(host)
        return self.addresses


@pytest.mark.anyio
async def test_a_name_resolving_to_a_private_address_is_refused() -> None:
    resolve = FixedResolver("10.20.30.40")
    destination = await vet_destination("wiki.corp.example", 443, GuardPolicy(), resolve)
    assert not destination.allowed
    assert (destination.refused_address, destination.reason) == ("10.20.30.40", "private")


@pytest.mark.anyio
async def test_one_private_address_among_public_ones_refuses_the_host() -> None:
    resolve = FixedResolver("93.184.216.34", "127.0.0.1")
    destination = await vet_destination("rebind.example", 80, GuardPolicy(), resolve)
    assert (destination.allowed, destination.refused_address) == (False, "127.0.0.1")


@pytest.mark.anyio
async def test_public_names_are_allowed_with_the_addresses_to_connect_to() -> None:
    resolve = FixedResolver("140.82.112.6", "2606:50c0:8000::154")
    destination = await vet_destination("api.github.com", 443, GuardPolicy(), resolve)
    assert destination.allowed
    assert destination.addresses == ("140.82.112.6", "2606:50c0:8000::154")


@pytest.mark.anyio
async def test_ip_literals_are_judged_without_asking_the_resolver() -> None:
    resolve = FixedResolver("93.184.216.34")
    destination = await vet_destination("0x7f.1", 80, GuardPolicy(), resolve)
    assert (destination.allowed, destination.addresses, destination.reason) == (
        False,
        ("127.0.0.1",),
        "loopback",
    )
    assert resolve.calls == []


@pytest.mark.anyio
async def test_allowed_hosts_are_resolved_but_not_judged() -> None:
    resolve = FixedResolver("192.168.1.50")
    policy = GuardPolicy(allowed_hosts=frozenset({"mirror.lan"}))
    destination = await vet_destination("mirror.lan", 80, policy, resolve)
    assert destination.allowed
    assert destination.addresses == ("192.168.1.50",)
