"""The forms of the identities pages."""

from __future__ import annotations

from flask_babel import lazy_gettext
from wtforms import BooleanField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from web.forms.base import BaseForm
from web.params import id_range


class DecideForm(BaseForm):
    keep_id = IntegerField(lazy_gettext("Keep"), validators=[Optional(), id_range()])
    lead_identity_id = IntegerField(lazy_gettext("Name and picture from"), validators=[Optional(), id_range()])
    reason = TextAreaField(lazy_gettext("Why"), validators=[Optional(), Length(max=2000)])


class SnoozeForm(BaseForm):
    days = IntegerField(lazy_gettext("Days"), default=30, validators=[DataRequired(), NumberRange(1, 365)])


class MergeForm(BaseForm):
    keep_id = IntegerField(lazy_gettext("Keep member"), validators=[DataRequired(), id_range()])
    merge_ids = StringField(lazy_gettext("Merge members (ids)"), validators=[DataRequired(), Length(max=1000)])
    reason = TextAreaField(lazy_gettext("Why"), validators=[Optional(), Length(max=2000)])


class UnmergeForm(BaseForm):
    reason = TextAreaField(lazy_gettext("Why"), validators=[Optional(), Length(max=2000)])
    not_same = BooleanField(lazy_gettext("Remember: not the same person"), default=True)


class RuleForm(BaseForm):
    enabled = BooleanField(lazy_gettext("On"))
