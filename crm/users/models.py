"""User with a role."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from crm.db import Base, BigId, UTCDateTime, utcnow

ROLES = ("admin", "manager", "marketer", "viewer")


class User(Base):
    """A teammate who logs in. Roles, most to least powerful: admin, manager, marketer, viewer."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(16), default="viewer")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Part of every session and remember-me cookie; rotating it (sign-out, "sign out
    # everywhere", a new password) ends every session signed with the old one. None until the
    # first sign-in after migration 0011, so cookies from before it carry no valid token.
    session_token: Mapped[str | None] = mapped_column(String(64))
    # The UI language ('en', 'de'; None: the browser's Accept-Language) and the IANA time zone
    # every time is shown in (None: the site's DEFAULT_TIMEZONE).
    language: Mapped[str | None] = mapped_column(String(8))
    timezone: Mapped[str | None] = mapped_column(String(64))

    # Flask-Login's protocol, written out so crm does not import Flask.
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        # "id:token": Flask-Login puts this into the session and the remember-me cookie.
        return f"{self.id}:{self.session_token or ''}"
