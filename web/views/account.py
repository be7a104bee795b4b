"""The signed-in user's own settings: UI language and time zone."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext, lazy_gettext, refresh
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField

from crm.users.models import User
from crm.users.services import update_preferences
from web.db import session
from web.i18n import select_timezone, timezone_choices
from web.views.auth import requires

bp = Blueprint("account", __name__, url_prefix="/account")


class PreferencesForm(FlaskForm):
    language = SelectField(lazy_gettext("Language"))
    timezone = SelectField(lazy_gettext("Time zone"))


def _form() -> PreferencesForm:
    form = PreferencesForm()
    form.language.choices = [
        ("", gettext("As my browser asks")), ("en", "English"), ("de", "Deutsch"),
    ]
    form.timezone.choices = [("", gettext("The site's default"))] + [(z, z.replace("_", " ")) for z in timezone_choices()]
    return form


@bp.route("/", methods=["GET", "POST"])
@requires("view")
def index() -> Any:
    form = _form()
    if form.validate_on_submit():
        db = session()
        user = db.get(User, current_user.id)
        update_preferences(db, user, language=form.language.data, timezone=form.timezone.data)
        db.commit()
        refresh()  # the message below in the language just chosen
        flash(gettext("Your settings are saved."), "success")
        return redirect(url_for("account.index"))
    if not form.is_submitted():
        form.language.data = current_user.language or ""
        form.timezone.data = current_user.timezone or ""
    return render_template("account.html", form=form, zone=select_timezone()), (422 if form.errors else 200)
