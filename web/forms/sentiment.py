"""The form that corrects an interaction's sentiment label."""

from __future__ import annotations

from flask_babel import lazy_gettext
from wtforms import HiddenField, SelectField
from wtforms.validators import InputRequired

from web.forms.base import BaseForm

CHOICES = [("positive", lazy_gettext("Positive")), ("neutral", lazy_gettext("Neutral")),
           ("negative", lazy_gettext("Negative")), ("undo", lazy_gettext("Analyzer's label"))]


class LabelForm(BaseForm):
    label = SelectField(lazy_gettext("Label"), choices=CHOICES, validators=[InputRequired()])
    next = HiddenField()
