"""Which addresses a user-supplied URL may reach: public ones, plus what an admin lists in the
`network.allowed_private_hosts` runtime setting (host names, addresses or CIDR ranges).

The check runs on the addresses a name resolves to (every one must pass, so address order cannot
be steered), and callers connect to a checked address, never to the name again (DNS rebinding).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from mvidarr.errors import CONTENT, MvidarrError

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

SETTING = "network.allowed_private_hosts"
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Awaitable[Sequence[str]]]
"""`(host, port) -> IP addresses` as text; tests inject one to play DNS."""

DEFAULT_PORTS = {"http": 80, "https": 443}
# Cloud instance-metadata services: named in refusals so an admin sees what was at stake.
METADATA = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "169.254.170.2", "100.100.100.200", "fd00:ec2::254")
)


class FetchRefused(MvidarrError):
    """The URL (or a redirect) is not one MVidarr fetches: 422."""

    status, kind, title = 422, "fetch-refused", "URL not allowed"

    def extra(self) -> dict[str, Any]:
        # Decided after resolving the name and at every redirect: a rule no schema states.
        return {"errors": [{"loc": [], "msg": self.detail, "type": CONTENT}]}


class NetworkRefused(FetchRefused):
    """The URL (or a redirect) leads to an address the network policy refuses: 422."""

    kind, title = "network-refused", "Refused by the network policy"


class FetchFailed(MvidarrError):
    """The remote side failed: unreachable, too slow, an error status, too large or the wrong type: 502."""

    status, kind, title = 502, "fetch-failed", "Remote fetch failed"


def unmapped(address: Address) -> Address:
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address.sixtofour is not None:
            return address.sixtofour
        if address.teredo is not None:
            return address.teredo[1]
    return address


def why_private(address: Address) -> str | None:
    """What kind of non-public address this is (None for a public one)."""
    address = unmapped(address)
    if address in METADATA:
        return "a cloud metadata address"
    checks = (
        (address.is_loopback, "a loopback address"),
        (address.is_unspecified, "an unspecified address"),
        (address.is_link_local, "a link-local address"),
        (address.is_multicast, "a multicast address"),
        (address.is_reserved, "a reserved address"),
        (address.is_private, "a private address"),
        (not address.is_global, "an address that is not publicly routable"),
    )
    return next((reason for hit, reason in checks if hit), None)


def is_public(address: Address) -> bool:
    return why_private(address) is None


def parse_address(text: str) -> Address | None:
    try:
        return ipaddress.ip_address(text.split("%", 1)[0])  # drop an IPv6 zone id
    except ValueError:
        return None


async def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for `host` (blocking getaddrinfo, run in a thread)."""
    try:
        infos = await asyncio.to_thread(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise FetchFailed(f"cannot resolve {host}") from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def refusal(host: str, address: Address | None, reason: str) -> NetworkRefused:
    where = host if address is None or str(address) == host else f"{host} ({address})"
    return NetworkRefused(
        f"{where} is {reason}: refused by the network policy. An admin can allow it by listing the host, "
        f"address or range in the {SETTING} setting."
    )


@dataclass(frozen=True, slots=True)
class NetworkPolicy:
    """Public addresses, plus the allow-listed private hosts, addresses and ranges."""

    hosts: frozenset[str] = frozenset()
    networks: tuple[Network, ...] = ()
    resolver: Resolver = field(default=system_resolver, compare=False)

    @classmethod
    def allowing(cls, entries: Iterable[str], resolver: Resolver | None = None) -> NetworkPolicy:
        """A policy from the setting's entries; an entry that is not an address or range is a host name."""
        hosts: set[str] = set()
        networks: list[Network] = []
        for raw in entries:
            entry = raw.strip().lower().rstrip(".")
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            except ValueError:
                hosts.add(entry)
        return cls(frozenset(hosts), tuple(networks), resolver or system_resolver)

    def allows(self, host: str, address: Address) -> bool:
        if is_public(address):
            return True
        if host.lower().rstrip(".") in self.hosts:
            return True
        candidates = {address, unmapped(address)}
        return any(a.version == n.version and a in n for a in candidates for n in self.networks)

    async def resolve(self, host: str, port: int) -> list[Address]:
        """The addresses `host` resolves to, all of them allowed; NetworkRefused otherwise, FetchFailed
        when it does not resolve."""
        literal = parse_address(host.strip("[]"))
        if literal is not None:
            addresses = [literal]
        else:
            addresses = [a for a in map(parse_address, await self.resolver(host, port)) if a is not None]
        if not addresses:
            raise FetchFailed(f"cannot resolve {host}")
        # Every address must pass: a name with one private answer is refused outright.
        for address in addresses:
            if not self.allows(host, address):
                raise refusal(host, address, why_private(address) or "not allowed")
        return addresses

    async def check_url(self, url: str, *, unresolved_ok: bool = True) -> list[Address]:
        """Checks an http(s) URL as submitted (before any job runs): the addresses its host resolves to must
        all be allowed. A name that does not resolve now passes when `unresolved_ok` (its connections are
        checked again when they are made); the empty list says so."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in DEFAULT_PORTS:
            raise FetchRefused(f"only http and https URLs are fetched, not {scheme or 'a relative URL'}")
        if parts.username is not None or parts.password is not None:
            raise FetchRefused("URLs with credentials are not fetched")
        try:
            host, port = parts.hostname, parts.port
        except ValueError:
            raise FetchRefused("the URL's port is not a number from 0 to 65535") from None
        if not host:
            raise FetchRefused("the URL has no host")
        try:
            return await self.resolve(host, port or DEFAULT_PORTS[scheme])
        except FetchFailed:
            if unresolved_ok:
                return []
            raise


async def policy_from_settings(session: AsyncSession, resolver: Resolver | None = None) -> NetworkPolicy:
    """The policy in force: the `network.allowed_private_hosts` runtime setting."""
    from mvidarr.settings import registry, service  # settings imports this module; import late

    entries = await service.get(session, registry.ALLOWED_PRIVATE_HOSTS)
    return NetworkPolicy.allowing(entries or (), resolver)
