"""The forms of the privacy pages."""

from __future__ import annotations

from flask_babel import lazy_gettext
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from crm.privacy import retention
from crm.privacy.models import RETENTION_SCOPES
from web.forms.base import BaseForm

SCOPE_LABELS = {"platform": lazy_gettext("Interactions of a platform"), "source": lazy_gettext("Interactions of a source"),
                "uploads": lazy_gettext("Uploaded import files"), "exports": lazy_gettext("Export files")}


class EraseForm(BaseForm):
    confirm = StringField(lazy_gettext("Type the member id to confirm"), validators=[DataRequired(), Length(max=20)])
    reason = TextAreaField(lazy_gettext("Reference of the request (no personal data)"), validators=[Length(max=2000)])


class RetentionForm(BaseForm):
    scope_kind = SelectField(lazy_gettext("What"), choices=[(k, SCOPE_LABELS[k]) for k in RETENTION_SCOPES])
    scope_value = StringField(lazy_gettext("Platform or source"), validators=[Length(max=100)])
    days = IntegerField(lazy_gettext("Keep (days)"), validators=[Optional(), NumberRange(retention.MIN_DAYS, retention.MAX_DAYS)])


class UnsuppressForm(BaseForm):
    platform = StringField(lazy_gettext("Platform"), validators=[DataRequired(), Length(max=32)])
    external_id = StringField(lazy_gettext("Account id"), validators=[Length(max=255)])
    handle = StringField(lazy_gettext("Handle"), validators=[Length(max=255)])
