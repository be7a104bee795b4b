"""Saved replies: canned answers in English and German with variables, shared or personal."""

from __future__ import annotations

import re
from collections.abc import Mapping

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from crm.errors import InvalidInput, NotFound, PermissionDenied
from crm.replies.models import SavedReply
from crm.users.models import User
from crm.users.services import can

LANGUAGES = ("en", "de")
VARIABLES = ("first_name", "handle", "product", "link")
_VAR = re.compile(r"\{(\w+)\}")
_SHORTCUT = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")


def create_saved_reply(session: Session, *, owner: User, shortcut: str, title: str, body: str,
                       language: str = "en", shared: bool = False) -> SavedReply:
    """A saved reply; ``shared`` ones are the team's (managers and admins may share)."""
    shortcut = (shortcut or "").strip().lower().lstrip("/")
    if not _SHORTCUT.fullmatch(shortcut):
        raise InvalidInput("A shortcut is one word of letters, digits, - or _ (up to 40).", field="shortcut")
    if language not in LANGUAGES:
        raise InvalidInput("The language is en or de.", field="language")
    if not (body or "").strip() or len(body) > 10_000:
        raise InvalidInput("Write the reply (up to 10,000 characters).", field="body")
    unknown = sorted({v for v in _VAR.findall(body) if v not in VARIABLES})
    if unknown:
        raise InvalidInput(f"Unknown variable {{{unknown[0]}}}; use {', '.join('{' + v + '}' for v in VARIABLES)}.",
                           field="body")
    if shared and not can(owner, "reply"):
        raise PermissionDenied("Only managers and admins may share saved replies.")
    row = SavedReply(shortcut=shortcut, title=(title or shortcut).strip()[:120], body=body.strip(),
                     language=language, owner_id=None if shared else owner.id)
    session.add(row)
    session.flush()
    return row


def delete_saved_reply(session: Session, saved_id: int, *, actor: User) -> None:
    """Delete one's own saved reply, or a shared one (managers and admins)."""
    row = session.get(SavedReply, saved_id)
    if row is None:
        raise NotFound("That saved reply does not exist.")
    if row.owner_id != actor.id and not (row.owner_id is None and can(actor, "reply")):
        raise PermissionDenied("This saved reply is someone else's.")
    session.delete(row)
    session.flush()


def saved_replies_for(session: Session, user: User, *, language: str | None = None, query: str = "") -> list[SavedReply]:
    """The shared ones and the user's own, by shortcut; ``query`` matches shortcut or title."""
    stmt = select(SavedReply).where(or_(SavedReply.owner_id.is_(None), SavedReply.owner_id == user.id))
    if language:
        stmt = stmt.where(SavedReply.language == language)
    q = (query or "").strip().lower().lstrip("/")
    rows = list(session.scalars(stmt.order_by(SavedReply.shortcut, SavedReply.language)))
    return [r for r in rows if not q or q in r.shortcut or q in r.title.lower()]


def render(body: str, values: Mapping[str, str | None]) -> str:
    """Fill {first_name}, {handle}, {product}, {link}; a variable without a value is left visible."""
    return _VAR.sub(lambda m: values.get(m.group(1)) or m.group(0) if m.group(1) in VARIABLES else m.group(0), body)
