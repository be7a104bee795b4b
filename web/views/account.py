"""The signed-in user's account: a new password, and "sign out everywhere"."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from crm.errors import InvalidInput
from crm.users.models import User
from crm.users.services import change_password, rotate_session_token
from web.db import session
from web.views.auth import requires

bp = Blueprint("account", __name__, url_prefix="/account")


class PasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired(), Length(max=500)])
    new_password = PasswordField("New password", validators=[DataRequired(), Length(min=8, max=500)])
    confirm = PasswordField("New password again",
                            validators=[DataRequired(), EqualTo("new_password", "The two new passwords differ.")])


def _render(form: PasswordForm) -> Any:
    return render_template("account/index.html", form=form, everywhere=FlaskForm()), (422 if form.errors else 200)


@bp.route("/")
@requires("view")
def index() -> Any:
    return _render(PasswordForm())


@bp.route("/password", methods=["POST"])
@requires("view")
def password() -> Any:
    """A new password ends every other session; this browser stays signed in with the new token."""
    form = PasswordForm()
    if not form.validate_on_submit():
        return _render(form)
    db = session()
    user = db.get(User, current_user.id)
    assert user is not None  # signed in, so the row exists
    try:
        change_password(db, user, current=form.current_password.data or "", new=form.new_password.data or "")
    except InvalidInput as exc:
        getattr(form, exc.field or "current_password").errors.append(exc.message)
        return _render(form)
    db.commit()
    login_user(user)  # this session carries the new token; every other one is over
    flash("Your password is changed. Every other session and device is signed out.", "success")
    return redirect(url_for("account.index"))


@bp.route("/sign-out-everywhere", methods=["POST"])
@requires("view")
def sign_out_everywhere() -> Any:
    """Rotate the session token: every session and remember-me cookie of this user ends."""
    form = FlaskForm()
    if not form.validate_on_submit():
        flash("The form expired. Try again.", "error")
        return redirect(url_for("account.index"))
    db = session()
    user = db.get(User, current_user.id)
    assert user is not None
    rotate_session_token(user)
    db.commit()
    logout_user()
    flash("You are signed out on every device and browser.", "info")
    return redirect(url_for("auth.login"))
