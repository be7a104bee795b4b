"""The forms of the sources pages."""

from __future__ import annotations

from flask_babel import lazy_gettext
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from web.forms.base import BaseForm


class SourceForm(BaseForm):
    name = StringField(lazy_gettext("Name"), validators=[Length(max=200)])
    platform = SelectField(lazy_gettext("Platform"), validators=[DataRequired()])
    kind = SelectField(lazy_gettext("What to listen to"), validators=[DataRequired()])
    query = StringField(lazy_gettext("Subreddit, search, #tag, account or feed URL"), validators=[Length(max=1000)])
    interval_seconds = IntegerField(lazy_gettext("Poll every (seconds)"), default=300,
                                    validators=[InputRequired("Enter a number of seconds."), NumberRange(min=1, max=7 * 86400)])
    backfill_hours = IntegerField(lazy_gettext("First poll looks back (hours)"), default=24,
                                  validators=[InputRequired("Enter a number of hours."), NumberRange(min=0, max=720)])


