"""The forms of the alerts pages."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import lazy_gettext
from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    URL,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from crm.alerts import services
from crm.alerts.models import SENSITIVITIES, SIGNALS
from crm.outgoing import BlockedAddress, check_url
from web.forms.base import BaseForm

SIGNAL_LABELS = {
    "volume": "Volume (all mentions)",
    "negative_volume": "Negative volume",
    "negative_share": "Share of negative mentions",
    "mean_sentiment": "Mean sentiment (negativity)",
}


SCOPE_LABELS = {
    "all": "Everything",
    "platform": "A platform",
    "source": "A listening source",
    "query": "A full-text search",
    "segment": "A segment",
}


class RuleForm(BaseForm):
    name = StringField(lazy_gettext("Name"), validators=[DataRequired(), Length(max=120)])
    scope_kind = SelectField(lazy_gettext("Watch"), choices=[(k, lazy_gettext(v)) for k, v in SCOPE_LABELS.items()], validators=[DataRequired()])
    scope_value = StringField(lazy_gettext("Platform, source id, search or segment id"), validators=[Length(max=300)])
    signal = SelectField(lazy_gettext("Signal"), choices=[(s, lazy_gettext(SIGNAL_LABELS[s])) for s in SIGNALS])
    sensitivity = SelectField(lazy_gettext("Sensitivity"), choices=[(s, lazy_gettext(s)) for s in SENSITIVITIES], default="medium")
    min_volume = IntegerField(lazy_gettext("Minimum mentions in 30 minutes"), default=30,
                              validators=[InputRequired("Enter a number."), NumberRange(min=1, max=100_000)])
    recipients = TextAreaField(lazy_gettext("E-mail recipients (one per line; empty: all admins and managers)"),
                               validators=[Length(max=5000)])
    channels = SelectMultipleField(lazy_gettext("Channels besides in-app"), choices=[("email", "E-mail"), ("webhook", "Webhook")],
                                   option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False))
    webhook_url = StringField(lazy_gettext("Webhook URL"), validators=[Optional(), URL(require_tld=False), Length(max=2000)])
    webhook_format = SelectField(lazy_gettext("Webhook body"), choices=[("slack", lazy_gettext("Slack-compatible")), ("json", lazy_gettext("Plain JSON"))])
    enabled = BooleanField(lazy_gettext("Enabled"), default=True)
    detect_silence = BooleanField(lazy_gettext("Alert on silence"))

    def validate_webhook_url(self, field: Any) -> None:
        """The SSRF guard at form time: no loopback, private, link-local ... address."""
        if field.data:
            try:
                check_url(field.data.strip(), current_app.extensions["settings"].outgoing_allow)
            except BlockedAddress as exc:
                raise ValidationError(str(exc)) from None


class NoteForm(BaseForm):
    text = TextAreaField(lazy_gettext("Note"), validators=[DataRequired(), Length(max=services.MAX_NOTE)])


class ResolveForm(BaseForm):
    reason = StringField(lazy_gettext("Reason"), validators=[DataRequired(), Length(max=500)])


class AssignForm(BaseForm):
    assignee_id = SelectField(lazy_gettext("Assign to"), coerce=int)


class MuteForm(BaseForm):
    hours = IntegerField(lazy_gettext("For (hours; 0 = until unmuted)"), default=24,
                         validators=[InputRequired(), NumberRange(min=0, max=24 * 365)])


