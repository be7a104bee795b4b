"""The forms of the inbox pages."""

from __future__ import annotations

from flask_babel import lazy_gettext
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from crm.inbox.models import ESCALATION_LEVELS
from web.forms.base import BaseForm

SNOOZE_CHOICES = [(1, lazy_gettext("1 hour")), (4, lazy_gettext("4 hours")), (24, lazy_gettext("1 day")),
                  (72, lazy_gettext("3 days")), (168, lazy_gettext("1 week"))]


LEVEL_CHOICES = [(0, lazy_gettext("None"))] + [(k, f"{k}: {v}") for k, v in ESCALATION_LEVELS.items()]


BULK_ACTIONS = [("handle", lazy_gettext("Mark handled")), ("reopen", lazy_gettext("Reopen")),
                ("assign", lazy_gettext("Assign to")), ("snooze", lazy_gettext("Snooze for")),
                ("escalate", lazy_gettext("Escalate to"))]


class AssignForm(BaseForm):
    assignee_id = SelectField(lazy_gettext("Assign to"), coerce=int, validators=[Optional()])


class SnoozeForm(BaseForm):
    hours = SelectField(lazy_gettext("Snooze for"), coerce=int, choices=SNOOZE_CHOICES)


class EscalateForm(BaseForm):
    level = SelectField(lazy_gettext("Level"), coerce=int, choices=LEVEL_CHOICES)
    reason = TextAreaField(lazy_gettext("Reason"), validators=[DataRequired(), Length(max=2000)])


class ItemNoteForm(BaseForm):
    body = TextAreaField(lazy_gettext("Note"), validators=[DataRequired(), Length(max=10_000)])


class BulkForm(BaseForm):
    ids = SelectMultipleField(lazy_gettext("Items"), coerce=int, validate_choice=False, validators=[DataRequired()])
    action = SelectField(lazy_gettext("Action"), choices=BULK_ACTIONS)
    # Defaults: the fields an action does not use may be left out of the POST.
    assignee_id = SelectField(lazy_gettext("Assign to"), coerce=int, validators=[Optional()])
    hours = SelectField(lazy_gettext("Snooze for"), coerce=int, choices=SNOOZE_CHOICES, default=4)
    level = SelectField(lazy_gettext("Level"), coerce=int, choices=LEVEL_CHOICES, default=1)
    reason = TextAreaField(lazy_gettext("Reason"), validators=[Length(max=2000)])


# --- team accounts -----------------------------------------------------------------------
class TeamAccountForm(BaseForm):
    platform = SelectField(lazy_gettext("Platform"), choices=[("reddit", "Reddit"), ("x", "X"), ("mastodon", "Mastodon"),
                                                ("bluesky", "Bluesky"), ("forum", "Forum")])
    handle = StringField(lazy_gettext("Handle"), validators=[DataRequired(), Length(max=255)])
