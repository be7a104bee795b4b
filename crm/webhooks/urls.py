"""The one check of an outgoing webhook URL (the security issue's SSRF guard replaces this body).

Kept to one function so the integrator can swap in the shared guard: everything that sends or
saves a webhook URL calls :func:`check_target_url`.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from crm.errors import InvalidInput


def check_target_url(url: str, *, allow_private: bool = False) -> str:
    """The URL if it may be called; InvalidInput if not (scheme, host, private address).

    Every address the host resolves to must be public unless ``allow_private`` (a setting for
    tests and internal receivers): loopback, private, link-local (cloud metadata), multicast
    and reserved ranges are refused. Checked when saved and again before every delivery.
    """
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput("The URL must start with https:// (or http://) and name a host.", field="url")
    if len(url) > 2000 or parts.username or parts.password:
        raise InvalidInput("The URL is too long or carries a user name or password.", field="url")
    if allow_private:
        return url
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80),
                                   type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise InvalidInput(f"The host {parts.hostname!r} cannot be resolved.", field="url") from None
    for info in infos:
        addr = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if not addr.is_global or addr.is_multicast:
            raise InvalidInput(
                f"The host {parts.hostname!r} resolves to a private or reserved address ({addr}); "
                "webhooks go to public addresses only.", field="url")
    return url
