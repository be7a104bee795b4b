"""The forms of the tokens pages."""

from __future__ import annotations

from flask_babel import lazy_gettext
from wtforms import IntegerField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from crm.tokens.models import SCOPES
from web.forms.base import BaseForm


class TokenForm(BaseForm):
    name = StringField(lazy_gettext("Name"), validators=[DataRequired(), Length(max=120)])
    scopes = SelectMultipleField(lazy_gettext("Scopes"), choices=[(s, s) for s in SCOPES], validators=[DataRequired()],
                                 widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    rate_limit = IntegerField(lazy_gettext("Requests per minute"), validators=[Optional(), NumberRange(1, 100_000)])
