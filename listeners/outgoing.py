"""The connect-time half of the SSRF guard (the check itself is crm.outgoing).

Every URL we call on a user's say-so (alert webhooks, outgoing webhooks) goes through
:func:`post`: the URL is checked first (:func:`crm.outgoing.check_url`), then the connected
socket's peer address again, so DNS that answers differently after the check (rebinding) gains
nothing. A redirect is never followed, and no proxy from the environment is used.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from crm.outgoing import check_url, refusal


class BlockedConnection(OSError):
    """A connection reached an address crm.outgoing refuses (requests reports a ConnectionError)."""


def _guarded(base: type[HTTPConnection], allow: Sequence[str]) -> type[HTTPConnection]:
    class Guarded(base):  # type: ignore[valid-type, misc]
        """A connection that checks the address it actually connected to, before sending."""

        def _new_conn(self) -> socket.socket:
            sock = super()._new_conn()
            why = refusal(self.host, sock.getpeername()[0], allow)
            if why:
                sock.close()
                raise BlockedConnection(why)
            return sock

    return Guarded


def guarded_session(allow: Sequence[str]) -> requests.Session:
    """A requests session whose every connection passes :func:`crm.outgoing.refusal`."""

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


def post(url: str, *, allow: Sequence[str], timeout: float, **kwargs: Any) -> requests.Response:
    """POST to a user-given URL: checked, then sent through a guarded session, no redirects.

    Raises crm.outgoing.BlockedAddress for a refused URL and requests.RequestException for
    everything the connection does (a refused peer address included).
    """
    check_url(url, allow)
    with guarded_session(allow) as session:
        return session.post(url, timeout=timeout, allow_redirects=False, **kwargs)
