"""The forms of the webhooks pages."""

from __future__ import annotations

from flask_babel import lazy_gettext
from wtforms import SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from crm.webhooks.models import EVENTS
from web.forms.base import BaseForm


class SubscriptionForm(BaseForm):
    name = StringField(lazy_gettext("Name"), validators=[Length(max=120)])
    url = StringField(lazy_gettext("Endpoint URL"), validators=[DataRequired(), Length(max=2000)])
    events = SelectMultipleField(lazy_gettext("Events"), choices=[(e, e) for e in EVENTS], validators=[DataRequired()],
                                 widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
