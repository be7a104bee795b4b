"""The forms of the account pages."""

from __future__ import annotations

from flask_babel import lazy_gettext
from wtforms import PasswordField, SelectField
from wtforms.validators import DataRequired, EqualTo, Length

from web.forms.base import BaseForm


class PreferencesForm(BaseForm):
    language = SelectField(lazy_gettext("Language"))
    timezone = SelectField(lazy_gettext("Time zone"))


class PasswordForm(BaseForm):
    current_password = PasswordField(lazy_gettext("Current password"), validators=[DataRequired(), Length(max=500)])
    new_password = PasswordField(lazy_gettext("New password"), validators=[DataRequired(), Length(min=8, max=500)])
    confirm = PasswordField(
        lazy_gettext("New password again"),
        validators=[DataRequired(), EqualTo("new_password", lazy_gettext("The two new passwords differ."))],
    )
