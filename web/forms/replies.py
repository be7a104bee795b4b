"""The forms of the replies pages."""

from __future__ import annotations

from flask_babel import lazy_gettext
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from web.forms.base import BaseForm


class ComposerForm(BaseForm):
    text = TextAreaField(lazy_gettext("Your reply"), validators=[DataRequired(), Length(max=40_000)])
    key = HiddenField()
    since = HiddenField()
    confirm = BooleanField(lazy_gettext("Send anyway"))


class RetryForm(BaseForm):
    confirm = BooleanField(lazy_gettext("I checked the original: it is not there"))


class SavedReplyForm(BaseForm):
    shortcut = StringField(lazy_gettext("Shortcut"), validators=[DataRequired(), Length(max=40)])
    title = StringField(lazy_gettext("Title"), validators=[Length(max=120)])
    language = SelectField(lazy_gettext("Language"), choices=[("en", "English"), ("de", "Deutsch")])
    body = TextAreaField(lazy_gettext("Text"), validators=[DataRequired(), Length(max=10_000)])
    shared = BooleanField(lazy_gettext("Shared with the team"))
