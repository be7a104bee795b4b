"""The forms of the reminders pages."""

from __future__ import annotations

from flask_babel import lazy_gettext
from wtforms import IntegerField, StringField
from wtforms.validators import Length, NumberRange, Optional

from web.forms.base import BaseForm


class RemindForm(BaseForm):
    days = IntegerField(lazy_gettext("In days"), default=7, validators=[NumberRange(min=1, max=365)])
    note = StringField(lazy_gettext("Note"), validators=[Optional(), Length(max=2000)])


class PostponeForm(BaseForm):
    days = IntegerField(lazy_gettext("Days"), default=1, validators=[NumberRange(min=1, max=365)])
