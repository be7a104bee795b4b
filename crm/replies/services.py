"""Outgoing replies: record, claim, send outcome, retry; the collision check.

The state machine (``crm/replies/models.py``) is what keeps a retry from posting twice:

- the row is written (``queued``, with its idempotency key) and committed before any job runs;
- a send first *claims* the row (``queued`` -> ``sending``, committed) and only then calls the
  platform; what the platform answered is recorded after it (``sent`` / ``failed``);
- a claim that finds ``sending`` means an earlier attempt died between the platform call and
  the record: the post may exist. Where the platform itself de-duplicates (Mastodon honours
  an Idempotency-Key, a Bluesky record key can be written only once) sending again is safe
  and the job does it; elsewhere (Reddit, X, Discourse) the row becomes ``unknown``: the item
  page says "check the original", and a person either marks it posted or sends it again.
  When polling later brings our post back, :func:`reconcile_from_team_posts` marks the
  ``unknown`` row ``sent`` by itself.

A sent reply goes through the one ingest path as the team account's interaction and is
triaged at once, so the item is handled and its first response recorded without polling.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from connectors.base import Mention
from crm.db import utcnow
from crm.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from crm.inbox import services as inbox
from crm.inbox.models import InboxItem, TeamAccount
from crm.inbox.triage import triage
from crm.ingest import ingest_batch
from crm.interactions.models import Interaction
from crm.members.models import Identity
from crm.replies import limits
from crm.replies.models import OutgoingReply
from crm.users.models import User
from crm.users.services import can

MAX_KEY = 120
# The states in which a reply counts as "someone is answering / has answered".
LIVE_STATES = ("queued", "sending", "sent", "unknown")


class AnsweredMeanwhile(Conflict):
    """Someone answered (or is answering) the thread since the composer was opened."""

    def __init__(self, message: str, *, who: list[str]) -> None:
        super().__init__(message, field="confirm")
        self.who = who


@dataclass(frozen=True)
class SendJob:
    """What the send job needs, read in the claim's transaction (no ORM object leaves it)."""

    reply_id: int
    platform: str
    text: str
    key: str
    created_at: datetime
    parent_external_id: str
    thread_external_id: str
    parent_raw: dict[str, Any]


def root_of(interaction: Interaction) -> str:
    """The thread root an inbox item of ``interaction`` is keyed by."""
    return interaction.thread_external_id or interaction.external_id


def new_key() -> str:
    """A fresh idempotency key for a composer form."""
    return secrets.token_urlsafe(18)


def _item_for(session: Session, interaction_id: int) -> InboxItem | None:
    return session.scalar(select(InboxItem).where(InboxItem.interaction_id == interaction_id))


def answered_since(session: Session, interaction: Interaction, since: datetime, *, actor_id: int | None) -> list[str]:
    """Who answered this thread (a team post, a reply in flight, a "handled") after ``since``."""
    who: list[str] = []
    team_posts = session.execute(
        select(Identity.handle)
        .join(Interaction, Interaction.identity_id == Identity.id)
        .where(
            Interaction.platform == interaction.platform,
            or_(Interaction.thread_external_id == root_of(interaction), Interaction.external_id == root_of(interaction)),
            Interaction.identity_id.in_(select(TeamAccount.identity_id).where(TeamAccount.identity_id.is_not(None))),
            or_(Interaction.occurred_at > since, Interaction.created_at > since),
        )
        .limit(5)
    ).scalars()
    who.extend(f"@{h}" for h in team_posts)
    others = session.scalars(
        select(OutgoingReply).where(
            OutgoingReply.interaction_id == interaction.id, OutgoingReply.state.in_(LIVE_STATES),
            OutgoingReply.created_at > since,
            or_(OutgoingReply.author_id.is_(None), OutgoingReply.author_id != (actor_id or 0)),
        )
    )
    who.extend((r.author.name or r.author.email) if r.author else "API" for r in others)
    item = _item_for(session, interaction.id)
    if item is not None and item.status == "handled" and item.handled_at and item.handled_at > since \
            and item.handled_by_id != actor_id:
        who.append(item.handled_by.name if item.handled_by else "team")
    return sorted(set(who))


def create_reply(
    session: Session, *, interaction_id: int, text: str, actor: User, key: str,
    since: datetime | None = None, confirm: bool = False, limit: int | None = None,
) -> tuple[OutgoingReply, bool]:
    """Record a reply to send (state ``queued``). Returns (reply, created).

    ``key`` is the idempotency key: the same key again returns the row it made (a double
    click, a retried API call) and creates nothing. ``since`` is when the person opened the
    composer: if someone answered after that, :class:`AnsweredMeanwhile` is raised unless
    ``confirm``. Never commits; the caller enqueues the send after its commit.
    """
    if not can(actor, "reply"):
        raise PermissionDenied("Only managers and admins may answer on a platform.")
    key = (key or "").strip()
    if not key or len(key) > MAX_KEY:
        raise InvalidInput(f"An idempotency key is 1 to {MAX_KEY} characters.", field="key")
    existing = session.scalar(select(OutgoingReply).where(OutgoingReply.idempotency_key == key))
    if existing is not None:
        if existing.interaction_id != interaction_id or existing.text != text.strip():
            raise Conflict("This idempotency key was used for a different reply.", field="key")
        return existing, False
    interaction = session.get(Interaction, interaction_id)
    if interaction is None:
        raise NotFound("That post does not exist.")
    body = (text or "").strip()
    if not body:
        raise InvalidInput("Write the reply first.", field="text")
    counted = limits.count(interaction.platform, body, limit=limit)
    if not counted.fits:
        raise InvalidInput(
            f"The reply is {counted.used} characters long as {interaction.platform} counts them; "
            f"the limit is {counted.limit}.", field="text",
        )
    if since is not None and not confirm:
        who = answered_since(session, interaction, since, actor_id=actor.id)
        if who:
            raise AnsweredMeanwhile(
                "Someone answered this thread after you opened it: " + ", ".join(who)
                + ". Read it, then send anyway if your reply still adds something.", who=who,
            )
    item = _item_for(session, interaction_id)
    reply = OutgoingReply(
        idempotency_key=key, interaction_id=interaction_id, item_id=item.id if item else None,
        platform=interaction.platform, text=body, author_id=actor.id, state="queued", attempts=0,
    )
    session.add(reply)
    session.flush()
    return reply, True


def claim(session: Session, reply_id: int, *, resend_safe: bool) -> SendJob | None:
    """Take a reply for sending (``sending``), or None when there is nothing to send now.

    ``failed`` is taken only after a rate limit (``retry_after`` set: the job's own retry);
    see the module docstring for what a claim that finds ``sending`` does.
    """
    reply = session.get(OutgoingReply, reply_id, with_for_update=True)
    if reply is None or reply.state in ("sent",):
        return None
    if reply.state == "sending" and not resend_safe:
        reply.state = "unknown"
        reply.error = ("An earlier attempt stopped while sending: the reply may have been posted. "
                       "Check the original before sending again.")
        session.flush()
        return None
    if reply.state == "failed" and reply.retry_after is None:
        return None
    if reply.state == "unknown":
        return None
    interaction = reply.interaction
    reply.state = "sending"
    reply.attempts += 1
    reply.retry_after = None
    session.flush()
    return SendJob(
        reply_id=reply.id, platform=reply.platform, text=reply.text, key=reply.idempotency_key,
        created_at=reply.created_at, parent_external_id=interaction.external_id,
        thread_external_id=root_of(interaction), parent_raw=dict(interaction.raw or {}),
    )


def mark_failed(session: Session, reply_id: int, reason: str, *, unknown: bool = False,
                retry_in: float | None = None) -> None:
    """The platform refused (``failed``), or we cannot tell whether it posted (``unknown``).

    ``retry_in``: a rate limit; the job may try again by itself after that many seconds.
    """
    reply = session.get(OutgoingReply, reply_id)
    if reply is None:
        return
    reply.state = "unknown" if unknown else "failed"
    reply.error = reason[:2000]
    reply.retry_after = utcnow() + timedelta(seconds=retry_in) if retry_in is not None else None
    session.flush()


def retry(session: Session, reply_id: int, *, actor: User, confirm_unknown: bool = False) -> OutgoingReply:
    """A person sends a failed reply again (an ``unknown`` one only when they confirm)."""
    if not can(actor, "reply"):
        raise PermissionDenied("Only managers and admins may answer on a platform.")
    reply = session.get(OutgoingReply, reply_id)
    if reply is None:
        raise NotFound("That reply does not exist.")
    if reply.state == "unknown" and not confirm_unknown:
        raise Conflict("This reply may already be on the platform. Check the original, then confirm.",
                       field="confirm")
    if reply.state not in ("failed", "unknown"):
        raise Conflict("Only a failed reply can be sent again.")
    reply.state = "queued"
    reply.error = None
    reply.retry_after = None
    session.flush()
    return reply


def _ensure_team_account(session: Session, platform: str, handle: str) -> None:
    """The account we posted as is ours: declare it if nobody has (its posts leave the inbox)."""
    h = inbox.normalise_handle(handle)
    if h and session.scalar(select(TeamAccount.id).where(TeamAccount.platform == platform, TeamAccount.handle == h)) is None:
        inbox.add_team_account(session, platform=platform, handle=h)


def record_sent(session: Session, reply_id: int, posted: Mention) -> OutgoingReply:
    """Store the posted reply as the team's interaction (the one ingest path) and triage it now.

    The item it answers is handled and its first response recorded here; when polling brings
    the same post back, ingest finds it by (platform, external_id): a duplicate.
    """
    reply = session.get(OutgoingReply, reply_id)
    if reply is None:
        raise NotFound("That reply does not exist.")
    parent = reply.interaction
    # The thread key of the item we answer, whatever the platform's payload says about roots.
    posted = replace(posted, thread_id=root_of(parent), parent_id=parent.external_id)
    _ensure_team_account(session, posted.platform, posted.author.handle)
    ingest_batch(session, [posted], origin="reply")
    sent_id = session.scalar(select(Interaction.id).where(
        Interaction.platform == posted.platform, Interaction.external_id == posted.external_id))
    if sent_id is not None:
        triage(session, [sent_id])
    reply.state = "sent"
    reply.error = None
    reply.retry_after = None
    reply.external_id = posted.external_id
    reply.url = posted.url
    reply.sent_at = posted.created_at
    reply.sent_interaction_id = sent_id
    session.flush()
    return reply


def reconcile_from_team_posts(session: Session, interaction_ids: Sequence[int]) -> int:
    """Mark ``unknown`` replies ``sent`` when polling brought our post back (same parent, same text)."""
    if not interaction_ids:
        return 0
    open_replies = list(session.scalars(select(OutgoingReply).where(OutgoingReply.state.in_(("unknown", "sending")))))
    if not open_replies:
        return 0
    posts = session.execute(
        select(Interaction.id, Interaction.platform, Interaction.parent_external_id, Interaction.text,
               Interaction.external_id, Interaction.url)
        .where(Interaction.id.in_(list(interaction_ids)), Interaction.parent_external_id.is_not(None))
    ).all()
    by_parent = {(p.platform, p.parent_external_id, _norm(p.text)): p for p in posts}
    done = 0
    for reply in open_replies:
        hit = by_parent.get((reply.platform, reply.interaction.external_id, _norm(reply.text)))
        if hit is not None:
            reply.state, reply.error = "sent", None
            reply.external_id, reply.url, reply.sent_interaction_id = hit.external_id, hit.url, hit.id
            reply.sent_at = reply.sent_at or utcnow()
            done += 1
    session.flush()
    return done


def _norm(text: str | None) -> str:
    return " ".join((text or "").split()).casefold()


def replies_for(session: Session, interaction_id: int) -> list[OutgoingReply]:
    """The replies we sent or tried to send to one post, newest first."""
    return list(session.scalars(
        select(OutgoingReply).where(OutgoingReply.interaction_id == interaction_id)
        .order_by(OutgoingReply.created_at.desc(), OutgoingReply.id.desc())
    ))


def platform_of(reply_id: int) -> Any:
    """A statement for the platform of a reply (None when it is gone)."""
    return select(OutgoingReply.platform).where(OutgoingReply.id == reply_id)


def state_of(session: Session, reply_id: int) -> str:
    """The state of a reply ("gone" when deleted)."""
    return session.scalar(select(OutgoingReply.state).where(OutgoingReply.id == reply_id)) or "gone"


def reply_json(session: Session, reply_id: int) -> dict[str, Any]:
    """A reply as the API shows it (fresh from the database)."""
    session.expire_all()
    r = session.get(OutgoingReply, reply_id)
    if r is None:
        raise NotFound("That reply does not exist.")
    return {"id": r.id, "item_id": r.item_id, "interaction_id": r.interaction_id, "platform": r.platform,
            "state": r.state, "error": r.error, "external_id": r.external_id, "url": r.url,
            "created_at": r.created_at, "sent_at": r.sent_at}
