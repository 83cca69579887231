"""The private-address guard unwraps IPv6 addresses that carry an IPv4 address (issue 19, item 4)."""

from __future__ import annotations

import ipaddress
import socket
from types import SimpleNamespace

import pytest

from archiver.crawler.capture.targets import (
    BlockedTarget,
    TargetGuardMiddleware,
    TargetPolicy,
    embedded_ipv4,
    is_public_address,
)

#: Teredo (2001::/32): server 65.54.227.120, client 127.0.0.1 (stored inverted: 80ff:fffe).
TEREDO_LOOPBACK = "2001:0:4136:e378:8000:63bf:80ff:fffe"
#: The same with a public client, 93.184.216.34 (inverted: a247:27dd).
TEREDO_PUBLIC = "2001:0:4136:e378:8000:63bf:a247:27dd"
PRIVATE_FORMS = [
    "64:ff9b::7f00:1",        # NAT64 of 127.0.0.1
    "64:ff9b::a00:1",         # NAT64 of 10.0.0.1
    "64:ff9b::a9fe:a9fe",     # NAT64 of 169.254.169.254 (cloud metadata)
    "64:ff9b:1::7f00:1",      # local-use NAT64 (RFC 8215): refused whatever it carries
    "2002:7f00:1::",          # 6to4 of 127.0.0.1
    "2002:c0a8:101::1",       # 6to4 of 192.168.1.1
    "::127.0.0.1",            # IPv4-compatible
    "::10.0.0.1",
    "::ffff:127.0.0.1",       # IPv4-mapped
    "::ffff:169.254.169.254",
    TEREDO_LOOPBACK,
]


@pytest.mark.parametrize("address", PRIVATE_FORMS)
def test_ipv6_forms_carrying_a_private_ipv4_address_are_not_public(address: str) -> None:
    assert not is_public_address(ipaddress.ip_address(address))


def test_embedded_addresses_are_unwrapped() -> None:
    def unwrap(text: str) -> list[str]:
        return [str(a) for a in embedded_ipv4(ipaddress.IPv6Address(text))]
    assert unwrap("64:ff9b::7f00:1") == ["127.0.0.1"]
    assert unwrap("2002:7f00:1::") == ["127.0.0.1"]
    assert unwrap("::127.0.0.1") == ["127.0.0.1"]
    assert unwrap("::ffff:10.0.0.1") == ["10.0.0.1"]
    assert unwrap(TEREDO_LOOPBACK) == ["65.54.227.120", "127.0.0.1"]
    assert unwrap("::1") == [] and unwrap("::") == [] and unwrap("2606:4700::1111") == []


def test_nat64_and_6to4_of_a_public_address_stay_public() -> None:
    assert is_public_address(ipaddress.ip_address("64:ff9b::5db8:d822"))  # 93.184.216.34
    assert is_public_address(ipaddress.ip_address("2002:5db8:d822::1"))
    assert not is_public_address(ipaddress.ip_address(TEREDO_PUBLIC))  # 2001::/32 is not global itself


@pytest.fixture
def no_connections(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Any connect() attempt is recorded and fails the test's expectations."""
    attempts: list[object] = []

    def connect(self: socket.socket, address: object) -> None:
        attempts.append(address)
        raise OSError("no connections in this test")

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect)
    return attempts


@pytest.mark.parametrize("host", ["[64:ff9b::7f00:1]", "[2002:7f00:1::]", "[::127.0.0.1]", f"[{TEREDO_LOOPBACK}]",
                                  "[::ffff:127.0.0.1]"])
def test_the_guard_refuses_before_any_connection(host: str, no_connections: list[object]) -> None:
    url = f"http://{host}:8080/article"
    with pytest.raises(BlockedTarget, match="is not a public address"):
        TargetPolicy().check_url(url)
    guard = TargetGuardMiddleware(TargetPolicy(), SimpleNamespace(stats=None))  # type: ignore[arg-type]
    with pytest.raises(BlockedTarget):  # a response that did come from such an address is dropped too
        guard.process_response(SimpleNamespace(url=url),  # type: ignore[arg-type]
                               SimpleNamespace(url=url, ip_address=ipaddress.ip_address(host.strip("[]"))))
    assert no_connections == []


def test_an_allow_list_entry_still_allows_the_embedded_form_it_names() -> None:
    policy = TargetPolicy.parse("64:ff9b::/96")
    assert policy.allows(ipaddress.ip_address("64:ff9b::7f00:1"), 80)
    assert not TargetPolicy().allows(ipaddress.ip_address("64:ff9b::7f00:1"), 80)
