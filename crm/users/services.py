"""Creating users and checking their passwords and roles."""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import re
import secrets

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.db import as_id, utcnow
from crm.errors import Conflict, InvalidInput
from crm.locale import Speaker
from crm.users.models import ROLES, User

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s]{2,}$")
# Which roles may do what. Checked in views and services alike.
PERMISSIONS = {
    "view": set(ROLES),
    "import": {"admin", "manager"},
    "curate": {"admin", "manager"},  # notes, tags, handling items
    "merge": {"admin", "manager"},  # merge and unmerge members, review merge suggestions
    "manage_sources": {"admin", "manager"},
    "export": {"admin", "manager", "marketer"},
    "segments": {"admin", "manager", "marketer"},
    "admin": {"admin"},
    # The inbox (crm/inbox): handle (mark handled, snooze, reopen, note, lower an escalation),
    # assign (hand items to a teammate), escalate (raise the level with a reason).
    "handle": {"admin", "manager"},
    "assign": {"admin", "manager"},
    "escalate": {"admin", "manager", "marketer"},
    # Answer on a platform as the team (crm/replies): managers and admins only.
    "reply": {"admin", "manager"},
}
_ITERATIONS = 240_000


def can(user: User | None, permission: str) -> bool:
    """Whether the user's role grants ``permission``."""
    return bool(user and user.is_active and user.role in PERMISSIONS[permission])


def hash_password(password: str) -> str:
    """PBKDF2-SHA256 with a random salt."""
    salt = os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, _ITERATIONS)
    return f"pbkdf2_sha256${_ITERATIONS}${salt.hex()}${digest.hex()}"


def check_password(stored: str, password: str) -> bool:
    """Constant-time comparison of ``password`` against a stored hash."""
    try:
        algo, iterations, salt, digest = stored.split("$")
        # A damaged hash is a failed sign-in, not a 500 on the login page.
        rounds, salt_bytes = int(iterations), bytes.fromhex(salt)
    except ValueError:
        return False
    if algo != "pbkdf2_sha256" or not 0 < rounds <= 10_000_000:
        return False
    test = hashlib.pbkdf2_hmac("sha256", password.encode(), salt_bytes, rounds)
    return hmac.compare_digest(test.hex(), digest)


def create_user(session: Session, *, email: str, password: str, role: str, name: str = "") -> User:
    """Create a user; raise InvalidInput / Conflict with a message naming the problem."""
    email = (email or "").strip().lower()
    if not EMAIL.match(email):
        raise InvalidInput(f"{email!r} is not an e-mail address.", field="email")
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}", field="role")
    if len(password or "") < 8:
        raise InvalidInput("The password must be at least 8 characters.", field="password")
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict(f"A user with the e-mail {email} already exists.", field="email")
    user = User(email=email, password_hash=hash_password(password), role=role, name=name or email.split("@")[0])
    session.add(user)
    session.flush()
    return user


@functools.cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_hex(16))


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None.

    An unknown e-mail costs a full hash too, so the answer's timing does not tell which
    e-mails have an account.
    """
    user = session.scalar(select(User).where(func.lower(User.email) == (email or "").strip().lower()))
    if user is None:
        check_password(_dummy_hash(), password or "")
        return None
    if not check_password(user.password_hash, password or "") or not user.active:
        return None
    user.last_login_at = utcnow()
    if not user.session_token:
        user.session_token = secrets.token_hex(32)
    return user


def rotate_session_token(user: User) -> None:
    """End every session and remember-me cookie of ``user`` (sign-out, sign out everywhere)."""
    user.session_token = secrets.token_hex(32)


def user_for_session(session: Session, session_id: str) -> User | None:
    """The user a session's "id:token" names, if the token is still theirs."""
    user_id, _, token = (session_id or "").partition(":")
    if as_id(user_id) is None or not token:
        return None
    user = session.get(User, as_id(user_id))
    if user is None or not user.session_token or not hmac.compare_digest(user.session_token, token):
        return None
    return user


def change_password(session: Session, user: User, *, current: str, new: str) -> None:
    """Set a new password after checking the current one; every other session ends."""
    if not check_password(user.password_hash, current or ""):
        raise InvalidInput("The current password is wrong.", field="current_password")
    if len(new or "") < 8:
        raise InvalidInput("The new password must be at least 8 characters.", field="new_password")
    if len(new) > 500:
        raise InvalidInput("The new password must be at most 500 characters.", field="new_password")
    user.password_hash = hash_password(new)
    rotate_session_token(user)
LANGUAGES = ("en", "de")


def update_preferences(session: Session, user: User, *, language: str | None, timezone: str | None) -> User:
    """Set the user's UI language and time zone (None or '' for the defaults); validate both."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    language = (language or "").strip().lower() or None
    timezone = (timezone or "").strip() or None
    if language is not None and language not in LANGUAGES:
        raise InvalidInput(f"language must be one of {', '.join(LANGUAGES)}", field="language")
    if timezone is not None:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidInput(f"{timezone[:64]!r} is not a time zone like Europe/Berlin.", field="timezone") from None
    user.language, user.timezone = language, timezone
    session.flush()
    return user


def speaker_for(session: Session, email: str, *, language: str, timezone: str) -> Speaker:
    """Words and times for an e-mail to ``email``: the user's own settings if a user has that
    address, else the site's defaults (``language``, ``timezone``)."""
    user = session.scalar(select(User).where(func.lower(User.email) == (email or "").strip().lower()))
    if user is None:
        return Speaker(language, timezone)
    return Speaker(user.language or language, user.timezone or timezone)
