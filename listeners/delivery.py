"""How an alert notification travels: Slack-compatible and JSON webhook bodies, e-mail, SMTP.

Bodies are built from our own numbers and the rule's name; nothing a social network wrote goes
into a notification, so an attacker cannot put links or mentions into our team's Slack.
"""

from __future__ import annotations

import smtplib
from collections.abc import Sequence
from email.message import EmailMessage
from typing import Any
from urllib.parse import unquote, urlparse

import requests

from crm.alerts.notices import Notice
from crm.locale import Speaker
from crm.outgoing import BlockedAddress
from listeners import outgoing

ICONS = {"watch": ":eyes:", "warning": ":warning:", "crisis": ":rotating_light:"}
WEBHOOK_TIMEOUT = 10.0
SMTP_TIMEOUT = 15.0


class DeliveryFailed(Exception):
    """A notification did not get through; ``status_code`` when the server answered."""

    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_body(notices: Sequence[Notice]) -> dict[str, Any]:
    """A Slack-compatible incoming-webhook body: ``text`` fallback plus ``blocks``."""
    head = notices[0].title if len(notices) == 1 else f"Alert digest: {len(notices)} alerts to watch"
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": head[:150]}}
    ]
    for n in notices:
        blocks.append(
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": f"{ICONS.get(n.severity, '')} *{_slack_escape(n.title)}*\n"
                    f"{_slack_escape(n.summary)}\n<{n.url}|Open the alert>",
                },
            }
        )
    text = head if len(notices) == 1 else head + ": " + "; ".join(n.title for n in notices)
    return {"text": _slack_escape(text), "blocks": blocks[:50]}


def json_body(notices: Sequence[Notice]) -> dict[str, Any]:
    """A plain JSON body: one object per alert."""
    items = [
        {
            "alert_id": n.alert_id, "event": n.event, "severity": n.severity, "rule": n.rule,
            "scope": n.scope, "signal": n.signal, "opened_at": n.opened_at, "peak": n.peak,
            "current": n.current, "usual": round(n.usual, 2), "duration_minutes": n.minutes,
            "url": n.url, "title": n.title,
        }
        for n in notices
    ]
    return {"type": "digest" if len(items) > 1 else "alert", "alerts": items}


def email_message(notices: Sequence[Notice], to: str, mail_from: str, speaker: Speaker | None = None) -> EmailMessage:
    """A plain-text e-mail for one alert, or a digest of several, in the reader's language and
    time zone (``speaker``; English and UTC without one)."""
    s = speaker or Speaker("en", "UTC")
    msg = EmailMessage()
    msg["From"], msg["To"] = mail_from, to
    if len(notices) == 1:
        msg["Subject"] = notices[0].title_for(s)
    else:
        msg["Subject"] = s.n_("Alert digest: %(num)s alert to watch", "Alert digest: %(num)s alerts to watch",
                              len(notices))
    parts = [f"{n.title_for(s)}\n{n.summary_for(s)}\n{n.url}\n" for n in notices]
    msg.set_content("\n".join(parts) + "\n" + s._("Mute a rule or all alerts on the alerts page.") + "\n")
    return msg


def send_email(smtp_url: str, msg: EmailMessage, timeout: float = SMTP_TIMEOUT) -> None:
    """Send over SMTP (smtp:// with STARTTLS when offered, or smtps://), log in if the URL has a user."""
    url = urlparse(smtp_url)
    host = url.hostname or "localhost"
    if url.scheme == "smtps":
        client: smtplib.SMTP = smtplib.SMTP_SSL(host, url.port or 465, timeout=timeout)
    else:
        client = smtplib.SMTP(host, url.port or 25, timeout=timeout)
    with client:
        client.ehlo()
        if url.scheme == "smtp" and client.has_extn("starttls"):
            client.starttls()
            client.ehlo()
        if url.username:
            client.login(unquote(url.username), unquote(url.password or ""))
        client.send_message(msg)


def post_webhook(url: str, body: dict[str, Any], timeout: float = WEBHOOK_TIMEOUT, *,
                 allow: Sequence[str] = ()) -> int:
    """POST JSON; return the status code, or raise DeliveryFailed for errors and non-2xx.

    Only public addresses (or those in ``allow``, OUTGOING_ALLOW) are reached: the URL is
    checked first, and the connected socket again (listeners/outgoing.py).
    """
    try:
        response = outgoing.post(url, allow=allow, timeout=timeout, json=body)
    except BlockedAddress as exc:
        raise DeliveryFailed(f"refused: {exc}") from exc
    except requests.RequestException as exc:
        raise DeliveryFailed(f"{type(exc).__name__}: {exc}"[:500]) from exc
    if not 200 <= response.status_code < 300:
        raise DeliveryFailed(
            f"HTTP {response.status_code}: {response.text[:200]}", response.status_code
        )
    return response.status_code
