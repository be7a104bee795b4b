"""Users: creation rules, password checks, roles and permissions."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from crm.errors import Conflict, InvalidInput
from crm.users.models import ROLES, User
from crm.users.services import (
    PERMISSIONS,
    authenticate,
    can,
    check_password,
    create_user,
    hash_password,
)


def test_create_and_authenticate(db: Session) -> None:
    user = create_user(db, email="  Ada@Example.COM ", password="correct horse", role="manager")
    assert user.id is not None
    assert user.email == "ada@example.com"
    assert user.name == "ada"
    assert "correct horse" not in user.password_hash
    assert user.last_login_at is None

    assert authenticate(db, "ADA@example.com", "correct horse") is user
    assert user.last_login_at is not None
    assert authenticate(db, "ada@example.com", "wrong horse") is None
    assert authenticate(db, "nobody@example.com", "correct horse") is None
    assert authenticate(db, "", "") is None


def test_inactive_users_cannot_sign_in(db: Session) -> None:
    user = create_user(db, email="gone@example.com", password="correct horse", role="admin")
    user.active = False
    db.flush()
    assert authenticate(db, "gone@example.com", "correct horse") is None
    assert not can(user, "view")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": "a@b"}, "email"),
        ({"email": ""}, "email"),
        ({"role": "superuser"}, "role"),
        ({"password": "short"}, "password"),
        ({"password": ""}, "password"),
    ],
)
def test_invalid_users_are_refused_naming_the_field(db: Session, fields: dict[str, str], field: str) -> None:
    values = {"email": "ok@example.com", "password": "long enough", "role": "viewer", **fields}
    with pytest.raises(InvalidInput) as err:
        create_user(db, **values)
    assert err.value.field == field


def test_duplicate_email_is_a_conflict(db: Session) -> None:
    create_user(db, email="twice@example.com", password="long enough", role="viewer")
    with pytest.raises(Conflict):
        create_user(db, email="TWICE@example.com", password="long enough", role="viewer")


def test_password_hashes_are_salted_and_checked() -> None:
    a, b = hash_password("secret-123"), hash_password("secret-123")
    assert a != b
    assert check_password(a, "secret-123") and check_password(b, "secret-123")
    assert not check_password(a, "secret-124")


@pytest.mark.parametrize(
    "stored",
    ["", "garbage", "md5$1$aa$bb", "pbkdf2_sha256$abc$00$00", "pbkdf2_sha256$1000$zz$00",
     "pbkdf2_sha256$1000$00$00$extra"],
)
def test_malformed_stored_hashes_never_match_and_never_raise(stored: str) -> None:
    assert check_password(stored, "anything") is False


def _granted(role: str) -> set[str]:
    user = User(email=f"{role}@example.com", role=role, active=True, password_hash="")
    return {p for p in PERMISSIONS if can(user, p)}


def test_permissions_by_role() -> None:
    # Areas add permissions; these facts hold whatever they add.
    assert _granted("admin") == set(PERMISSIONS)
    assert _granted("viewer") == {"view"}
    for permission in ("import", "curate", "manage_sources"):
        holders = {role for role in ROLES if permission in _granted(role)}
        assert holders == {"admin", "manager"}, permission
    assert {"export", "segments"} <= _granted("marketer")
    assert "admin" not in _granted("manager")
    assert not can(None, "view")


@pytest.mark.parametrize(("stronger", "weaker"), zip(ROLES, ROLES[1:], strict=False))
def test_each_role_can_do_what_the_one_below_can(stronger: str, weaker: str) -> None:
    assert _granted(weaker) <= _granted(stronger)
