"""IP networks named in settings (`10.0.0.0/8`, `::1`), and whether an address is in one."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from mvidarr.kit.schemas import content


def valid_networks(value: list[str]) -> list[str]:
    """Each entry an address or a CIDR range; kept in its normal form."""
    clean = []
    for entry in value:
        try:
            clean.append(str(ipaddress.ip_network(entry.strip(), strict=False)))
        except ValueError:
            raise content(f"{entry!r} is not an IP address or CIDR range") from None
    return clean


def in_networks(address: str | None, networks: Iterable[str]) -> bool:
    """Whether `address` lies in one of `networks` (an IPv4 caller on an IPv6 socket counts as IPv4)."""
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
    for network in networks:
        parsed = ipaddress.ip_network(network, strict=False)
        if ip.version == parsed.version and ip in parsed:
            return True
        if mapped is not None and parsed.version == 4 and mapped in parsed:
            return True
    return False
