"""The SSRF guard at form time: the alert rule form names the refused address (issue 16)."""

from __future__ import annotations

import dataclasses

from listeners.queue import InlineQueue
from web import create_app


def test_the_rule_form_refuses_a_private_webhook(settings, session_factory, db, csrf) -> None:  # type: ignore[no-untyped-def]
    from crm.users.services import create_user, rotate_session_token

    app = create_app({"TESTING": True, "SETTINGS": dataclasses.replace(settings, outgoing_allow=()),
                      "SESSION_FACTORY": session_factory, "JOB_QUEUE": InlineQueue(background=False)})
    client = app.test_client()
    user = create_user(db, email="ssrf@example.com", password="correct horse", role="admin")
    rotate_session_token(user)
    db.commit()
    with client.session_transaction() as sess:
        sess["_user_id"] = user.get_id()
    data = {"csrf_token": csrf(client, "/alerts/rules/new"), "name": "Hook", "scope_kind": "all",
            "signal": "volume", "sensitivity": "high", "min_volume": "20", "webhook_format": "slack",
            "enabled": "y", "channels": ["webhook"], "webhook_url": "http://169.254.169.254/latest/meta-data/"}
    resp = client.post("/alerts/rules/new", data=data)
    assert resp.status_code == 422
    assert "is a link-local address" in resp.get_data(as_text=True)
    resp = client.post("/alerts/rules/new", data={**data, "webhook_url": "https://93.184.216.34/hook"})
    assert resp.status_code == 302
