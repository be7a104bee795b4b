"""The signed-in user's account: UI language and time zone, a new password, "sign out everywhere"."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext, refresh
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm

from crm.errors import InvalidInput
from crm.users.models import User
from crm.users.services import change_password, rotate_session_token, update_preferences
from web.db import session
from web.forms.account import PasswordForm, PreferencesForm
from web.i18n import select_timezone, timezone_choices
from web.views.auth import requires

bp = Blueprint("account", __name__, url_prefix="/account")


def _preferences() -> PreferencesForm:
    form = PreferencesForm()
    form.language.choices = [
        ("", gettext("As my browser asks")), ("en", "English"), ("de", "Deutsch"),
    ]
    form.timezone.choices = [("", gettext("The site's default"))] + [(z, z.replace("_", " ")) for z in timezone_choices()]
    return form


def _render(form: PreferencesForm, password: PasswordForm) -> Any:
    if not form.is_submitted():
        form.language.data = current_user.language or ""
        form.timezone.data = current_user.timezone or ""
    status = 422 if form.errors or password.errors else 200
    return render_template(
        "account/index.html", form=form, password=password, everywhere=FlaskForm(), zone=select_timezone()
    ), status


@bp.route("/", methods=["GET", "POST"])
@requires("view")
def index() -> Any:
    form = _preferences()
    if form.validate_on_submit():
        db = session()
        user = db.get(User, current_user.id)
        assert user is not None  # signed in, so the row exists
        update_preferences(db, user, language=form.language.data, timezone=form.timezone.data)
        db.commit()
        refresh()  # the message below in the language just chosen
        flash(gettext("Your settings are saved."), "success")
        return redirect(url_for("account.index"))
    return _render(form, PasswordForm(formdata=None))


@bp.route("/password", methods=["POST"])
@requires("view")
def password() -> Any:
    """A new password ends every other session; this browser stays signed in with the new token."""
    form = PasswordForm()
    if not form.validate_on_submit():
        return _render(_preferences(), form)
    db = session()
    user = db.get(User, current_user.id)
    assert user is not None
    try:
        change_password(db, user, current=form.current_password.data or "", new=form.new_password.data or "")
    except InvalidInput as exc:
        getattr(form, exc.field or "current_password").errors.append(exc.message)
        return _render(_preferences(), form)
    db.commit()
    login_user(user)  # this session carries the new token; every other one is over
    flash(gettext("Your password is changed. Every other session and device is signed out."), "success")
    return redirect(url_for("account.index"))


@bp.route("/sign-out-everywhere", methods=["POST"])
@requires("view")
def sign_out_everywhere() -> Any:
    """Rotate the session token: every session and remember-me cookie of this user ends."""
    form = FlaskForm()
    if not form.validate_on_submit():
        flash(gettext("The form expired. Try again."), "error")
        return redirect(url_for("account.index"))
    db = session()
    user = db.get(User, current_user.id)
    assert user is not None
    rotate_session_token(user)
    db.commit()
    logout_user()
    flash(gettext("You are signed out on every device and browser."), "info")
    return redirect(url_for("auth.login"))
