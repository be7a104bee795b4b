"""The forms of the members pages."""

from __future__ import annotations

from flask_babel import lazy_gettext
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from web.forms.base import BaseForm


class NoteForm(BaseForm):
    body = TextAreaField(lazy_gettext("Note"), validators=[DataRequired(), Length(max=10_000)])


class TagForm(BaseForm):
    tag = StringField(lazy_gettext("Tag"), validators=[DataRequired(), Length(max=64)])
