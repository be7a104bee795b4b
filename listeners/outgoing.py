"""The SSRF guard for every URL we call on a user's say-so (alert webhooks).

A webhook URL is typed by a teammate, so it must not make the server reach what only the server
can reach: loopback, private networks, link-local (cloud metadata at 169.254.169.254),
multicast, reserved and unspecified addresses, in IPv4 and IPv6 (IPv4-mapped included).
The check runs twice:

- at form time (:func:`check_url`): the name is resolved and every address checked, so the
  form says at once "this points at a private address";
- at send time, on the connected socket itself (:func:`guarded_session`): the address checked
  is the one we actually talk to, so DNS that answers differently later (rebinding) gains
  nothing. A redirect is never followed.

OUTGOING_ALLOW lists what may be reached anyway (an internal chat server, a test sink):
host names (exact) and addresses or networks (CIDR).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlparse

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class BlockedAddress(OSError):
    """An outgoing URL points at an address we refuse (see the module docstring)."""


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


def check_address(host: str, address: str, allow: Sequence[str]) -> None:
    """Raise BlockedAddress if ``address`` (what ``host`` resolved to) may not be reached."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    kind = _kind(ip)
    if kind is not None and not _allowed(host, ip, allow):
        raise BlockedAddress(
            f"{host} is a {kind} address ({ip}); webhooks may only reach public addresses "
            "(an administrator can allow it with OUTGOING_ALLOW)"
        )


def check_url(url: str, allow: Sequence[str], *, resolve: bool = True) -> None:
    """Raise BlockedAddress for a URL whose host is, or resolves to, a refused address.

    A name that does not resolve now passes: it cannot be checked yet, and the send-time
    check on the socket refuses it if it later resolves to a refused address.
    """
    parsed = urlparse(url)
    host = (parsed.hostname or "").lower()
    if parsed.scheme not in ("http", "https") or not host:
        raise BlockedAddress("Give an http:// or https:// URL with a host name.")
    if _allowed(host, None, allow):
        return
    try:
        literal: Address | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        check_address(host, str(literal), allow)
        return
    if not resolve:
        return
    try:
        infos = socket.getaddrinfo(host, parsed.port or (443 if parsed.scheme == "https" else 80),
                                   proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return
    for info in infos:
        check_address(host, str(info[4][0]), allow)


def _guarded(base: type[HTTPConnection], allow: Sequence[str]) -> type[HTTPConnection]:
    class Guarded(base):  # type: ignore[valid-type, misc]
        """A connection that checks the address it actually connected to, before sending."""

        def _new_conn(self) -> socket.socket:
            sock = super()._new_conn()
            try:
                check_address(self.host, sock.getpeername()[0], allow)
            except BlockedAddress:
                sock.close()
                raise
            return sock

    return Guarded


def guarded_session(allow: Sequence[str]) -> requests.Session:
    """A requests session whose every connection passes :func:`check_address`."""

    class Adapter(HTTPAdapter):
        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            super().init_poolmanager(*args, **kwargs)
            http = type("GuardedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": _guarded(HTTPConnection, allow)})
            https = type("GuardedHTTPSPool", (HTTPSConnectionPool,),
                         {"ConnectionCls": _guarded(HTTPSConnection, allow)})
            self.poolmanager.pool_classes_by_scheme = {"http": http, "https": https}

    session = requests.Session()
    session.trust_env = False  # no proxy from the environment: the guard checks the real peer
    adapter = Adapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
