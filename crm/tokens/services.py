"""Create, find and revoke personal access tokens. Only a SHA-256 of each secret is stored."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.db import utcnow
from crm.errors import InvalidInput, NotFound, PermissionDenied
from crm.tokens.models import SCOPES, ApiToken
from crm.users.models import User

PREFIX = "crm_"
# Which scopes a role may give its tokens: a token never does more than its owner may.
ROLE_SCOPES = {
    "admin": set(SCOPES),
    "manager": {"read", "write", "export"},
    "marketer": {"read", "export"},
    "viewer": {"read"},
}


def hash_token(raw: str) -> str:
    """The stored form of a token (tokens are long random strings: a fast hash is enough)."""
    return hashlib.sha256(raw.encode()).hexdigest()


def create_token(
    session: Session, user: User, *, name: str, scopes: Sequence[str], rate_limit: int | None = None
) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns the row and the secret (shown once, never stored)."""
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise InvalidInput("Name the token (1 to 120 characters), e.g. what uses it.", field="name")
    chosen = sorted(set(scopes))
    if not chosen or any(s not in SCOPES for s in chosen):
        raise InvalidInput(f"Pick scopes among {', '.join(SCOPES)}.", field="scopes")
    too_much = set(chosen) - ROLE_SCOPES.get(user.role, set())
    if too_much:
        raise PermissionDenied(f"Your role ({user.role}) cannot give a token {', '.join(sorted(too_much))}.")
    if rate_limit is not None and not 1 <= rate_limit <= 100_000:
        raise InvalidInput("The rate limit is 1 to 100,000 requests a minute.", field="rate_limit")
    raw = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, prefix=raw[:12], token_hash=hash_token(raw), scopes=chosen,
                     rate_limit=rate_limit or 600)
    session.add(token)
    session.flush()
    return token, raw


def find_token(session: Session, raw: str) -> ApiToken | None:
    """The live token for a secret (not revoked, owner active), or None."""
    if not raw.startswith(PREFIX) or len(raw) > 200:
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(raw)))
    if token is None or token.revoked_at is not None or not token.user.is_active:
        return None
    return token


def list_tokens(session: Session, user: User | None = None) -> list[ApiToken]:
    """Tokens, newest first: a user's own, or everyone's (for admins)."""
    stmt = select(ApiToken).order_by(ApiToken.id.desc())
    if user is not None:
        stmt = stmt.where(ApiToken.user_id == user.id)
    return list(session.scalars(stmt))


def revoke_token(session: Session, token_id: int, *, actor: User) -> ApiToken:
    """Revoke a token (its owner or an admin); it stops working at once."""
    token = session.get(ApiToken, token_id)
    if token is None or (token.user_id != actor.id and actor.role != "admin"):
        raise NotFound(f"There is no token {token_id}.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    session.flush()
    return token

