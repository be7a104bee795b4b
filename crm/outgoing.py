"""The one check of a URL the server calls on a user's say-so (alert and outgoing webhooks).

A webhook URL is typed by a teammate, so it must not make the server reach what only the server
can reach: loopback, private networks, link-local (cloud metadata at 169.254.169.254),
multicast, reserved and unspecified addresses, in IPv4 and IPv6 (IPv4-mapped included).
OUTGOING_ALLOW (``allow``) lists what may be reached anyway (an internal chat server, a test
sink): host names (exact) and addresses or networks (CIDR).

:func:`check_url` runs when a URL is saved and before every send: the name is resolved and every
address checked, so a form says at once "this points at a private address". The connect-time
guard (listeners.outgoing.guarded_session) applies :func:`refusal` to the address actually
connected to, so DNS that answers differently later (rebinding) gains nothing.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence
from urllib.parse import urlsplit

from crm.errors import InvalidInput

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
MAX_URL = 2000
# What the retired WEBHOOKS_ALLOW_PRIVATE=true allowed: loopback and private networks (never
# link-local: cloud metadata stays out of reach).
PRIVATE_NETWORKS = ("127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")


class BlockedAddress(InvalidInput):
    """An outgoing URL is malformed or points at an address we refuse."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="url")

    def __str__(self) -> str:
        return self.message


def _kind(ip: Address) -> str | None:
    """Why ``ip`` may not be reached, or None when it is a public address."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for name, flag in (("loopback", ip.is_loopback), ("link-local", ip.is_link_local),
                       ("multicast", ip.is_multicast), ("unspecified", ip.is_unspecified),
                       ("reserved", ip.is_reserved), ("private", ip.is_private)):
        if flag:
            return name
    return None if ip.is_global else "non-public"


def _allowed(host: str, ip: Address | None, allow: Sequence[str]) -> bool:
    for item in allow:
        if item == host.lower():
            return True
        if ip is not None and ("/" in item or item[:1].isdigit() or ":" in item):
            try:
                if ip in ipaddress.ip_network(item, strict=False):
                    return True
            except ValueError:
                continue
    return False


def refusal(host: str, address: str, allow: Sequence[str]) -> str | None:
    """Why ``address`` (what ``host`` resolved to) may not be reached, or None if it may."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    kind = _kind(ip)
    if kind is None or _allowed(host, ip, allow):
        return None
    return (f"{host} is a {kind} address ({ip}); webhooks may only reach public addresses "
            "(an administrator can allow it with OUTGOING_ALLOW)")


def check_url(url: str, allow: Sequence[str] = (), *, resolve: bool = True) -> str:
    """The URL (trimmed) if it may be called; BlockedAddress (an InvalidInput) if not.

    A name that does not resolve now passes: it cannot be checked yet, and the connect-time
    guard refuses it if it later resolves to a refused address.
    """
    url = (url or "").strip()
    parts = urlsplit(url)
    try:
        host = (parts.hostname or "").lower()
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:  # a port that is not a number
        raise BlockedAddress("The URL's port is not a number.") from None
    if parts.scheme not in ("http", "https") or not host:
        raise BlockedAddress("Give an http:// or https:// URL with a host name.")
    if len(url) > MAX_URL or parts.username or parts.password:
        raise BlockedAddress(f"The URL is longer than {MAX_URL} characters or carries a user name or password.")
    if _allowed(host, None, allow):
        return url
    try:
        literal: Address | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    addresses: list[str] = [str(literal)] if literal is not None else []
    if literal is None and resolve:
        try:
            addresses = [str(info[4][0]) for info in socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)]
        except (socket.gaierror, UnicodeError):
            addresses = []
    for address in addresses:
        why = refusal(host, address, allow)
        if why:
            raise BlockedAddress(why)
    return url
