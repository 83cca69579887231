"""Which network targets a fetch may reach: no loopback, private, link-local or metadata addresses.

Used where a fetch is asked for by someone else (``POST /api/archive`` of ``archiver serve``):
the web layer checks each URL before it starts a crawl, and :class:`TargetGuardMiddleware`
checks every request of that crawl again (redirect hops included) against the addresses its
host resolves to, and every response against the address it really came from
(``response.ip_address``), so a DNS answer that changes between check and connection is caught.

An address is public when :attr:`ipaddress.IPv4Address.is_global` says so and it is not
multicast. An IPv6 address that carries an IPv4 address (:func:`embedded_ipv4`: IPv4-mapped
``::ffff:a.b.c.d``, IPv4-compatible ``::a.b.c.d``, NAT64 ``64:ff9b::/96``, 6to4 ``2002::/16``,
Teredo ``2001::/32``) must be public itself and its IPv4 address(es) must be public too; the
local-use NAT64 prefix ``64:ff9b:1::/48`` (RFC 8215, prefix length unknown) is refused. The setting
``ARCHIVER_ALLOW_PRIVATE_TARGETS`` relaxes this: ``true`` allows every address, or a
comma-separated list of addresses, networks (CIDR) and ``address:port`` pairs allows those only.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.threads import deferToThread

from archiver.core.errors import CaptureError

__all__ = ["BlockedTarget", "TargetGuardMiddleware", "TargetPolicy", "embedded_ipv4", "is_public_address"]

log = logging.getLogger(__name__)

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

#: Prefix of the error recorded for a refused request; the web layer looks for it.
REFUSED = "BlockedTarget"


class BlockedTarget(CaptureError):
    """A URL whose host is (or resolves to) an address the policy does not allow."""


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")


def embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries (mapped, compatible, NAT64, 6to4, Teredo), else []."""
    if address.ipv4_mapped is not None:
        return [address.ipv4_mapped]
    if address in _NAT64 or (address in _IPV4_COMPATIBLE and int(address) > 1):  # :: and ::1 carry nothing
        return [ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)]
    if address.sixtofour is not None:
        return [address.sixtofour]
    if address.teredo is not None:
        return list(address.teredo)  # (server, client), the client's address already un-obfuscated
    return []


def is_public_address(address: Address) -> bool:
    """True for a globally routable unicast address (not loopback, private, link-local, reserved, ...).

    An IPv6 address carrying IPv4 addresses (:func:`embedded_ipv4`) is public only when they are too.
    """
    if isinstance(address, ipaddress.IPv6Address):
        if address in _NAT64_LOCAL:
            return False
        embedded = embedded_ipv4(address)
        if address.ipv4_mapped is not None:  # judged only as the IPv4 address it stands for
            return is_public_address(embedded[0])
        if not all(is_public_address(ipv4) for ipv4 in embedded):
            return False
    return address.is_global and not address.is_multicast


@dataclass(frozen=True)
class _Allowed:
    network: ipaddress.IPv4Network | ipaddress.IPv6Network
    port: int | None

    def matches(self, address: Address, port: int) -> bool:
        return address in self.network and (self.port is None or self.port == port)


class TargetPolicy:
    """What ``ARCHIVER_ALLOW_PRIVATE_TARGETS`` allows beyond public addresses."""

    def __init__(self, *, allow_all: bool = False, allowed: Iterable[_Allowed] = ()) -> None:
        self.allow_all = allow_all
        self.allowed = tuple(allowed)

    @classmethod
    def parse(cls, value: object) -> TargetPolicy:
        """The policy of a setting value: false/empty, true, or ``10.0.0.0/8, 127.0.0.1:8080, ::1``.

        Raises ValueError for an entry that is not an address, network or address:port.
        """
        if isinstance(value, bool):
            return cls(allow_all=value)
        text = str(value or "").strip()
        if text.lower() in ("", "0", "false", "no", "off"):
            return cls()
        if text.lower() in ("1", "true", "yes", "on", "all"):
            return cls(allow_all=True)
        return cls(allowed=[_entry(part.strip()) for part in text.split(",") if part.strip()])

    def allows(self, address: Address, port: int) -> bool:
        """True when a connection to ``address:port`` is allowed."""
        return self.allow_all or is_public_address(address) or any(a.matches(address, port) for a in self.allowed)

    def check_address(self, url: str, address: str) -> None:
        """Raise :class:`BlockedTarget` unless ``url``'s port on ``address`` is allowed."""
        port = _port(url)
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if not self.allows(ip, port):
            raise BlockedTarget(f"refused {url}: {ip} is not a public address "
                                "(set ARCHIVER_ALLOW_PRIVATE_TARGETS to allow it)")

    def check_url(self, url: str) -> list[str]:
        """Resolve ``url``'s host and raise :class:`BlockedTarget` if any address is not allowed.

        Returns the addresses. A host that does not resolve is refused too (nothing to check).
        Blocking: call it off the event loop / reactor thread.
        """
        host = urlsplit(url).hostname
        if not host:
            raise BlockedTarget(f"refused {url}: no host")
        if self.allow_all:
            return []
        try:
            infos = socket.getaddrinfo(host, _port(url), type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            raise BlockedTarget(f"refused {url}: {host} does not resolve ({exc})") from None
        addresses = sorted({str(info[4][0]) for info in infos})
        for address in addresses:
            self.check_address(url, address)
        return addresses


def _port(url: str) -> int:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    return port or (443 if parts.scheme == "https" else 80)


def _entry(text: str) -> _Allowed:
    """``10.0.0.0/8``, ``127.0.0.1``, ``127.0.0.1:8080``, ``::1`` or ``[::1]:8080``."""
    port: int | None = None
    host = text
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = int(rest[1:]) if rest.startswith(":") else None
    elif text.count(":") == 1:
        host, _, port_text = text.partition(":")
        port = int(port_text)
    try:
        return _Allowed(ipaddress.ip_network(host, strict=False), port)
    except ValueError:
        raise ValueError(f"ARCHIVER_ALLOW_PRIVATE_TARGETS: {text!r} is not an address, network or address:port") \
            from None


class TargetGuardMiddleware:
    """Refuses requests and responses whose address the :class:`TargetPolicy` does not allow.

    On when ``ARCHIVER_TARGET_GUARD_ENABLED`` is set (``archiver serve`` sets it for the crawls
    it starts). A refused request raises :class:`BlockedTarget`, which the capture middleware
    records as a failed capture; a response from a refused address is dropped before it is
    archived (this middleware sits outside the capture middleware).
    """

    def __init__(self, policy: TargetPolicy, crawler: Crawler) -> None:
        self.policy = policy
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> TargetGuardMiddleware:
        """Build it from the crawler's settings; NotConfigured when the guard is off."""
        if not crawler.settings.getbool("ARCHIVER_TARGET_GUARD_ENABLED"):
            raise NotConfigured  # off by default: no reason, or Scrapy would warn on every crawl
        try:
            policy = TargetPolicy.parse(crawler.settings.get("ARCHIVER_ALLOW_PRIVATE_TARGETS"))
        except ValueError as exc:
            raise NotConfigured(str(exc)) from exc  # pragma: no cover - the web layer validates first
        return cls(policy, crawler)

    async def process_request(self, request: Request) -> None:
        """Resolve the request's host (in a thread) and refuse it if an address is not allowed."""
        try:
            await maybe_deferred_to_future(deferToThread(self.policy.check_url, request.url))
        except BlockedTarget:
            self._count()
            log.warning("target guard refused %s", request.url)
            raise

    def process_response(self, request: Request, response: Response) -> Response:
        """Refuse a response that came from an address that is not allowed (DNS changed since the check)."""
        if response.ip_address is not None:
            try:
                self.policy.check_address(response.url, str(response.ip_address))
            except BlockedTarget:
                self._count()
                log.warning("target guard dropped the response of %s from %s", response.url, response.ip_address)
                raise
        return response

    def _count(self) -> None:
        if self.stats is not None:
            self.stats.inc_value("archiver/target_refused")
