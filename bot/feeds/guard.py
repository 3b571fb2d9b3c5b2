"""The address guard: which URLs and IP addresses the bot may fetch from.

Feed URLs come from server admins, and redirects come from anyone, so a fetch must never be
a way to reach the bot's own machine, its private network or a cloud metadata service
(server-side request forgery). Two checks work together:

* `check_url` runs before each request (every redirect hop included) and rejects what can be
  judged from the URL alone: the scheme, userinfo, the length, and hosts that are IP
  literals in any spelling (aiohttp connects to literals without asking the resolver).
* `GuardedResolver` is installed in the connector, so the addresses aiohttp connects to are
  exactly the addresses that were checked; there is no second DNS lookup for a rebinding
  server to answer differently.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from typing import TypeAlias

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from bot.errors import FetchRefused

IPAddress: TypeAlias = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork: TypeAlias = ipaddress.IPv4Network | ipaddress.IPv6Network

MAX_URL_LENGTH = 2048
ALLOWED_SCHEMES = frozenset({"http", "https"})

# Metadata services hand out cloud credentials; they stay refused even when private
# networks are allowed, because no feed lives there. Two of them are not in any private
# range: Oracle Cloud's legacy 192.0.0.192 and Azure's WireServer 168.63.129.16 (a public
# address answered only inside Azure), so they must be named here to be refused at all.
METADATA_ADDRESSES = frozenset(
    {
        ipaddress.ip_address("169.254.169.254"),  # AWS, GCP, Azure, DigitalOcean, OpenStack
        ipaddress.ip_address("169.254.170.2"),  # AWS ECS task credentials
        ipaddress.ip_address("fd00:ec2::254"),  # AWS over IPv6
        ipaddress.ip_address("100.100.100.200"),  # Alibaba Cloud
        ipaddress.ip_address("192.0.0.192"),  # Oracle Cloud (legacy)
        ipaddress.ip_address("168.63.129.16"),  # Azure WireServer
    }
)
CGNAT = ipaddress.ip_network("100.64.0.0/10")
NAT64_PREFIXES = (
    ipaddress.ip_network("64:ff9b::/96"),
    ipaddress.ip_network("64:ff9b:1::/48"),
)


def parse_ip_literal(host: str) -> IPAddress | None:
    """Return the address a URL host denotes when it is an IP literal, else None.

    Besides dotted decimal this accepts the legacy inet_aton spellings (`2130706433`,
    `0177.0.0.1`, `0x7f.1`) because resolvers and some HTTP stacks still honour them, so a
    guard that missed them could be walked around.
    """
    host = host.strip("[]").rstrip(".")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return _parse_legacy_ipv4(host)


def _parse_legacy_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """Parse the 1-4 part decimal/octal/hex IPv4 forms, or return None if `host` is a name."""
    parts = host.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    numbers = [_parse_ipv4_part(part) for part in parts]
    if any(n is None for n in numbers):
        return None
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (5 - len(parts)):
        return None
    value = last
    for index, n in enumerate(head):
        value += n << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def _parse_ipv4_part(part: str) -> int | None:
    """One inet_aton component: `0x..` is hex, a leading `0` is octal, else decimal."""
    try:
        if part[:2].lower() == "0x":
            return int(part[2:] or "0", 16)
        if len(part) > 1 and part.startswith("0"):
            return int(part[1:], 8)
        return int(part, 10) if part.isdigit() else None
    except ValueError:
        return None


def address_problem(
    ip: IPAddress, allow_private: bool, allowed_networks: Iterable[IPNetwork] = ()
) -> str | None:
    """Say why `ip` must not be fetched from, in words for an admin; None when it is fine.

    `allowed_networks` lets an operator open specific ranges (an intranet feed server)
    without allowing every private address.
    """
    if ip in METADATA_ADDRESSES:
        return "a cloud metadata address"
    embedded = embedded_ipv4(ip)
    if embedded is not None:
        inner = address_problem(embedded, allow_private, allowed_networks)
        return f"an address embedding {embedded}, {inner}" if inner else None
    if allow_private or any(ip in network for network in allowed_networks):
        return None
    return _kind_of_non_public(ip)


def _kind_of_non_public(ip: IPAddress) -> str | None:
    """Name the special-purpose range `ip` falls in, or None for a public unicast address."""
    checks = (
        (ip.is_unspecified, "an unspecified address"),
        (ip.is_loopback, "a loopback address"),
        (ip.is_link_local, "a link-local address"),
        (ip.is_multicast, "a multicast address"),
        (ip.version == 4 and ip in CGNAT, "a carrier-grade NAT address"),
        (ip.is_reserved, "a reserved address"),
        (ip.is_private, "a private address"),
        (not ip.is_global, "a non-public address"),
    )
    return next((reason for matched, reason in checks if matched), None)


def embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address carried inside an IPv4-mapped, 6to4 or NAT64 IPv6 address."""
    if ip.version != 6:
        return None
    assert isinstance(ip, ipaddress.IPv6Address)
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if any(ip in prefix for prefix in NAT64_PREFIXES):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def check_url(url: str, allow_private: bool, *, allowed_networks: Iterable[IPNetwork] = ()) -> None:
    """Refuse a URL that may not be fetched, judging from the URL alone (no DNS).

    Raises `FetchRefused` naming the problem; host names are checked later, by
    `GuardedResolver`, at connection time.
    """
    if len(url) > MAX_URL_LENGTH:
        raise FetchRefused(f"refused: the URL is longer than {MAX_URL_LENGTH} characters")
    try:
        parsed = URL(url)
    except (ValueError, TypeError) as exc:
        raise FetchRefused(f"refused: {url!r} is not a valid URL ({exc})") from exc
    if parsed.scheme not in ALLOWED_SCHEMES:
        shown = parsed.scheme or "no scheme"
        raise FetchRefused(f"refused: only http and https URLs can be fetched, not {shown}")
    if parsed.user is not None or parsed.password is not None:
        raise FetchRefused("refused: URLs with a user name or password are not allowed")
    host = parsed.raw_host
    if not host:
        raise FetchRefused(f"refused: {url!r} has no host")
    ip = parse_ip_literal(host)
    if ip is not None:
        problem = address_problem(ip, allow_private, allowed_networks)
        if problem:
            named = host if host.strip("[]") == str(ip) else f"{host} (that is {ip})"
            raise FetchRefused(f"refused: {named} is {problem}")


class GuardedResolver(AbstractResolver):
    """An aiohttp resolver that refuses a host when any address it resolves to is disallowed.

    It refuses rather than filters: a name that answers with both public and private
    addresses is either misconfigured or a DNS-rebinding attempt, and silently connecting to
    the public half would hide that from the admin while making results depend on which
    address happens to be tried. aiohttp connects only to the addresses returned here, so
    what was checked is what is reached.
    """

    def __init__(
        self,
        allow_private: bool,
        inner: AbstractResolver | None = None,
        *,
        allowed_networks: Iterable[IPNetwork] = (),
    ) -> None:
        self._allow_private = allow_private
        self._allowed_networks = tuple(allowed_networks)
        # The default resolver needs a running loop, so it is built on first use; this
        # lets `make_session` be called from synchronous setup code.
        self._inner = inner

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """Resolve through the inner resolver, then refuse if any answer is disallowed."""
        if self._inner is None:
            self._inner = aiohttp.ThreadedResolver()
        answers = await self._inner.resolve(host, port, family)
        for answer in answers:
            ip = ipaddress.ip_address(answer["host"].split("%", 1)[0])
            problem = address_problem(ip, self._allow_private, self._allowed_networks)
            if problem:
                raise FetchRefused(f"refused: {host} resolves to {ip}, {problem}")
        return answers

    async def close(self) -> None:
        """Close the inner resolver if one was created."""
        if self._inner is not None:
            await self._inner.close()


def refusal_from(exc: BaseException) -> FetchRefused | None:
    """Find a `FetchRefused` raised by the resolver inside an aiohttp connection error.

    aiohttp may wrap resolver exceptions (e.g. in `ClientConnectorDNSError` when they are
    OSErrors); walking the cause chain keeps the admin-facing message whatever the wrapping.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, FetchRefused):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__ or _os_error_inside(current)
    return None


def _os_error_inside(exc: BaseException) -> BaseException | None:
    """`ClientConnectorError` keeps the original error in `os_error`, not always as a cause."""
    inner = getattr(exc, "os_error", None)
    return inner if isinstance(inner, BaseException) else None


__all__ = [
    "GuardedResolver",
    "address_problem",
    "check_url",
    "embedded_ipv4",
    "parse_ip_literal",
    "refusal_from",
]
