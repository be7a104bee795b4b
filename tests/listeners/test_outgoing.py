"""The SSRF guard on outgoing webhooks: at form time, before sending, and on the socket (issue 16)."""

from __future__ import annotations

import pytest
import requests

from crm.outgoing import BlockedAddress, check_url
from listeners.delivery import DeliveryFailed, post_webhook
from listeners.outgoing import guarded_session
from tests.listeners.test_alerts_delivery import WebhookSink

REFUSED = {
    "http://127.0.0.1/hook": "loopback", "http://127.8.9.10:8080/x": "loopback",
    "http://localhost:9/hook": "loopback", "http://[::1]/x": "loopback",
    "http://[::ffff:127.0.0.1]/x": "loopback", "http://10.1.2.3/x": "private",
    "http://192.168.0.10/x": "private", "http://172.16.5.4/x": "private",
    "http://169.254.169.254/latest/meta-data/": "link-local", "http://[fe80::1]/x": "link-local",
    "http://224.0.0.1/x": "multicast", "http://0.0.0.0/x": "unspecified",
    "http://240.0.0.1/x": "reserved", "http://100.64.0.1/x": "non-public", "http://[fc00::1]/x": "private",
}


@pytest.fixture()
def sink():  # type: ignore[no-untyped-def]
    s = WebhookSink()
    yield s
    s.close()


@pytest.mark.parametrize(("url", "kind"), sorted(REFUSED.items()))
def test_non_public_addresses_are_refused(url: str, kind: str) -> None:
    with pytest.raises(BlockedAddress, match=f"is a {kind} address"):
        check_url(url, ())


def test_public_addresses_and_the_allow_list_pass() -> None:
    check_url("https://93.184.216.34/hook", ())  # a public literal: no lookup, no connection
    check_url("http://127.0.0.1:9/hook", ("127.0.0.1",))
    check_url("http://10.20.30.40/hook", ("10.0.0.0/8",))
    check_url("http://hooks.internal/x", ("hooks.internal",))
    with pytest.raises(BlockedAddress):
        check_url("http://10.20.30.40/hook", ("192.168.0.0/16",))
    with pytest.raises(BlockedAddress):
        check_url("ftp://93.184.216.34/x", ())


def test_post_webhook_refuses_loopback_unless_allowed(sink: WebhookSink) -> None:
    with pytest.raises(DeliveryFailed, match="refused: 127.0.0.1 is a loopback address"):
        post_webhook(sink.url, {"text": "hi"})
    assert sink.received == []
    assert post_webhook(sink.url, {"text": "hi"}, allow=("127.0.0.1",)) == 200
    assert len(sink.received) == 1


def test_the_socket_itself_is_checked(sink: WebhookSink) -> None:
    """What DNS rebinding would do: a URL that passed the check connects to loopback."""
    with guarded_session(()) as session, pytest.raises(requests.ConnectionError, match="loopback"):
        session.post(sink.url, json={}, timeout=5)
    assert sink.received == []
    with guarded_session(("127.0.0.0/8",)) as session:
        assert session.post(sink.url, json={}, timeout=5).status_code == 200

