"""Where a webhook may be sent: checked when a subscription is made or changed, and again before
every attempt, when the host is resolved and the request pinned to the address checked (so a
name that later resolves to an internal address reaches nothing internal)."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass, field
from urllib.parse import SplitResult, urlsplit

import httpx

from sellers_center.webhooks import rules

# A resolver that does not answer within this long makes the host unusable for this attempt.
RESOLVE_TIMEOUT_SECONDS = 5.0
DEFAULT_PORTS = {"http": 80, "https": 443}


class TargetRefusedError(rules.SubscriptionRefusedError):
    """A URL a webhook may not be sent to; the message names the problem."""


@dataclass(frozen=True, slots=True)
class TargetPolicy:
    """What the operator allows beyond public https endpoints."""

    allow_plain_http: bool = False
    """Sandbox mode: http anywhere."""
    http_hosts: frozenset[str] = field(default_factory=frozenset)
    allow_private: bool = False


@dataclass(frozen=True, slots=True)
class Target:
    """A URL checked now: the address to connect to and the host to name in the request."""

    url: str
    scheme: str
    host: str
    port: int
    address: str


def check_url(url: str, policy: TargetPolicy) -> SplitResult:
    """The URL's parts, or ``TargetRefusedError`` for a URL that is malformed or not https.

    A URL the delivery client (httpx) would refuse is refused here: ``urlsplit`` alone drops
    tab, CR and LF silently and takes hosts IDNA 2008 forbids, and such a URL could never be
    sent to."""
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in url):
        raise TargetRefusedError(rules.invalid_url(url, "it holds a control character"))
    try:
        httpx.URL(url)
    except httpx.InvalidURL as error:
        raise TargetRefusedError(rules.invalid_url(url, str(error))) from None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise TargetRefusedError(rules.not_a_url(url)) from None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname or port == 0:
        raise TargetRefusedError(rules.not_a_url(url))
    host = parts.hostname.lower()
    if parts.scheme == "http" and not policy.allow_plain_http and host not in policy.http_hosts:
        raise TargetRefusedError(rules.plain_http(host))
    return parts


async def resolve(url: str, policy: TargetPolicy) -> Target:
    """Check ``url``, resolve its host and check every address it resolves to."""
    parts = check_url(url, policy)
    host = (parts.hostname or "").lower()
    port = parts.port or DEFAULT_PORTS[parts.scheme]
    addresses = await _addresses(host, port)
    if not policy.allow_private:
        for address in addresses:
            if not is_public(address):
                raise TargetRefusedError(rules.not_public(host))
    return Target(url, parts.scheme, host, port, addresses[0])


# IPv6 forms that carry an IPv4 address in their last 32 bits (RFC 6052 NAT64, the deprecated
# IPv4-compatible form): what they reach is that IPv4 address.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
# NAT64 for a local network (RFC 8215): never public, whatever it embeds.
_LOCAL_NAT64 = ipaddress.ip_network("64:ff9b:1::/48")


def is_public(address: str) -> bool:
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _LOCAL_NAT64:
            return False
        ip = _embedded_ipv4(ip) or ip
    return ip.is_global and not ip.is_multicast


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, 6to4, NAT64, IPv4-compatible)."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64 or ip in _IPV4_COMPATIBLE:
        return ipaddress.IPv4Address(int(ip) & 0xFFFF_FFFF)
    return None


async def _addresses(host: str, port: int) -> list[str]:
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(RESOLVE_TIMEOUT_SECONDS):
            found = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, TimeoutError, UnicodeError):
        # UnicodeError: a name no resolver can be asked (an empty label, one over 63 chars).
        raise TargetRefusedError(rules.not_public(host)) from None
    addresses = list(dict.fromkeys(str(entry[4][0]) for entry in found))
    if not addresses:
        raise TargetRefusedError(rules.not_public(host))
    return addresses
