"""The forms of the sla pages."""

from __future__ import annotations

from flask_babel import lazy_gettext
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from crm.sla import policies
from web.forms.base import BaseForm

WEEKDAY_NAMES = (lazy_gettext("Monday"), lazy_gettext("Tuesday"), lazy_gettext("Wednesday"), lazy_gettext("Thursday"),
                 lazy_gettext("Friday"), lazy_gettext("Saturday"), lazy_gettext("Sunday"))


def hours_field(day: int) -> StringField:
    return StringField(WEEKDAY_NAMES[day], validators=[Length(max=200)])


class TeamForm(BaseForm):
    name = StringField(lazy_gettext("Name"), validators=[InputRequired(lazy_gettext("Give the team a name.")), Length(max=120)])
    timezone = SelectField(lazy_gettext("Time zone"), validators=[InputRequired()])
    lead_id = SelectField(lazy_gettext("Team lead"), coerce=str)
    oncall_id = SelectField(lazy_gettext("On call (beats the lead)"), coerce=str)
    webhook_url = StringField(lazy_gettext("Escalation webhook (Slack-compatible, optional)"), validators=[Length(max=2000)])
    day0, day1, day2, day3, day4, day5, day6 = (hours_field(d) for d in range(7))


class HolidayForm(BaseForm):
    day = DateField(lazy_gettext("Date"), validators=[InputRequired(lazy_gettext("Give the date."))])
    holiday_name = StringField(lazy_gettext("Name"), validators=[Length(max=120)])


class PolicyForm(BaseForm):
    name = StringField(lazy_gettext("Name"), validators=[InputRequired(lazy_gettext("Give the policy a name.")), Length(max=120)])
    position = IntegerField(lazy_gettext("Order (lowest is tried first)"), default=100,
                            validators=[InputRequired(lazy_gettext("Enter a number.")), NumberRange(min=0, max=100_000)])
    active = BooleanField(lazy_gettext("Active"), default=True)
    team_id = SelectField(lazy_gettext("Business hours of team"), coerce=str)
    min_priority = IntegerField(lazy_gettext("Priority at least"), validators=[Optional(), NumberRange(min=0, max=1000)])
    reason = SelectField(lazy_gettext("Reason"), coerce=str)
    platform = StringField(lazy_gettext("Platform"), validators=[Length(max=32)])
    segment_id = SelectField(lazy_gettext("Segment"), coerce=str)
    first_response_minutes = IntegerField(lazy_gettext("First response within (business minutes)"),
                                          validators=[InputRequired(lazy_gettext("Enter a number of minutes.")),
                                                      NumberRange(min=1, max=policies.MAX_TARGET_MINUTES)])
    next_response_minutes = IntegerField(lazy_gettext("Next response within (business minutes)"),
                                         validators=[Optional(), NumberRange(min=1, max=policies.MAX_TARGET_MINUTES)])
    warn_percent = IntegerField(lazy_gettext("Warn at (percent of the target)"), default=80,
                                validators=[InputRequired(lazy_gettext("Enter a percentage.")), NumberRange(min=1, max=99)])


class AgentForm(BaseForm):
    user_id = SelectField(lazy_gettext("Teammate"), coerce=str)
    timezone = SelectField(lazy_gettext("Time zone"), validators=[InputRequired()])
    languages = SelectMultipleField(lazy_gettext("Languages"), choices=[("de", "Deutsch"), ("en", "English")],
                                    widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    platforms = StringField(lazy_gettext("Platforms (comma-separated; empty: all)"), validators=[Length(max=255)])
    in_rotation = BooleanField(lazy_gettext("Takes new items (round-robin)"), default=True)
    day0, day1, day2, day3, day4, day5, day6 = (hours_field(d) for d in range(7))


class AwayForm(BaseForm):
    first_day = DateField(lazy_gettext("First day"), validators=[InputRequired(lazy_gettext("Give the first day."))])
    last_day = DateField(lazy_gettext("Last day"), validators=[Optional()])
    note = StringField(lazy_gettext("Note"), validators=[Length(max=200)])
