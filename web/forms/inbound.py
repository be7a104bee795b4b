"""The forms of the inbound pages."""

from __future__ import annotations

from flask_babel import lazy_gettext
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from web.forms.base import BaseForm


class InboundForm(BaseForm):
    name = StringField(lazy_gettext("Name"), validators=[
        DataRequired(lazy_gettext("Give the source a name, e.g. 'Forum plugin'.")),
                                           Length(max=200)])
