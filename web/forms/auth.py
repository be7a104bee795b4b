"""The forms of the auth pages."""

from __future__ import annotations

from flask_babel import lazy_gettext
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Email, Length

from web.forms.base import BaseForm


class LoginForm(BaseForm):
    email = EmailField(lazy_gettext("E-mail"), validators=[DataRequired(), Email(), Length(max=320)])
    password = PasswordField(lazy_gettext("Password"), validators=[DataRequired(), Length(max=500)])
    remember = BooleanField(lazy_gettext("Keep me signed in"))
